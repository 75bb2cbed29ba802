#!/usr/bin/env bash
# Start (or stop) a throw-away PostgreSQL cluster on 127.0.0.1 for the test suite.
# Usage: scripts/pg.sh start|stop|url   (PGPORT defaults to 54329, data under /tmp)
set -euo pipefail
PGPORT="${PGPORT:-54329}"
PGDATA_DIR="${PGDATA_DIR:-/tmp/credo-pg-$PGPORT}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -n "$BIN" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

as_postgres() {
  if [ "$(id -u)" = "0" ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}

case "${1:-start}" in
  start)
    if as_postgres "$BIN/pg_ctl -D $PGDATA_DIR status" >/dev/null 2>&1; then
      echo "postgresql already running on 127.0.0.1:$PGPORT"; exit 0
    fi
    rm -rf "$PGDATA_DIR"; mkdir -p "$PGDATA_DIR"
    [ "$(id -u)" = "0" ] && chown postgres:postgres "$PGDATA_DIR"
    as_postgres "$BIN/initdb -D $PGDATA_DIR -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null"
    as_postgres "$BIN/pg_ctl -D $PGDATA_DIR -l $PGDATA_DIR/server.log -w -o \"-h 127.0.0.1 -p $PGPORT -k /tmp -F -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200\" start >/dev/null"
    echo "postgresql started on 127.0.0.1:$PGPORT"
    ;;
  stop)
    as_postgres "$BIN/pg_ctl -D $PGDATA_DIR -m fast stop" >/dev/null 2>&1 || true
    ;;
  url)
    echo "postgres://postgres@127.0.0.1:$PGPORT/credo"
    ;;
esac
