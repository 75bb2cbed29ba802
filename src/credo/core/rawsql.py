"""Helpers for the few hand-written SQL statements (reports, the credit check's reads).

Names come from the models' metadata, quoted for the active backend; values are converted the
same way on SQLite (text dates, int/float sums, JSON as text) and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection

if TYPE_CHECKING:
    import pyarrow as pa

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def table(model: type) -> str:
    """The quoted table name of ``model``."""
    return quote(model._meta.db_table)  # type: ignore[attr-defined]


def column(model: type, field_name: str) -> str:
    """The quoted column name of ``model.field_name``."""
    return quote(model._meta.get_field(field_name).column)  # type: ignore[attr-defined]


def money(value: object) -> Decimal:
    """Exact cents: SQLite returns sums of decimal columns as int/float, PostgreSQL Decimal."""
    if value is None:
        return ZERO
    return Decimal(str(value)).quantize(CENT)


def date(value: object) -> dt.date | None:
    """A date column or aggregate: SQLite hands back text."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def json_value(value: object) -> Any:
    """A JSON column read by raw SQL (text on both backends under Django)."""
    if isinstance(value, (str, bytes, bytearray)):
        return json.loads(value)
    return value


# --- columnar reads (batch rating, training, back-testing) -------------------------------------

# Fetched columns named like these are dates (SQLite hands back text); ``sum_*`` are float sums.
DATE_NAME_ENDINGS = ("_date", "_on", "as_of", "period_end", "founded", "due", "paid")


def cents(expression: str) -> str:
    """SQL giving a money column as integer cents (exact on both backends)."""
    return f"CAST(ROUND({expression} * 100) AS BIGINT)"


def id_filter(column_sql: str, ids: Sequence[int]) -> tuple[str, list[object]]:
    """`` column BETWEEN first AND last`` for a chunk of ids, plus the id list when the ids are
    not a whole range (a customer-list scope); with its parameters."""
    ids = sorted(ids)
    sql = f" {column_sql} BETWEEN %s AND %s"
    params: list[object] = [ids[0], ids[-1]]
    if len(ids) != ids[-1] - ids[0] + 1:
        sql += f" AND {column_sql} IN ({', '.join(['%s'] * len(ids))})"
        params += list(ids)
    return sql, params


def fetch_arrow(sql: str, params: Sequence[Any], names: Sequence[str]) -> pa.Table:
    """Run ``sql`` and return its rows as an Arrow table with the columns ``names`` (fetched in
    blocks; dates and ``sum_*`` columns converted by name, see ``DATE_NAME_ENDINGS``)."""
    import pyarrow as pa

    columns: list[list[object]] = [[] for _ in names]
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        while rows := cursor.fetchmany(10_000):
            for i, values in enumerate(zip(*rows, strict=True)):
                columns[i].extend(values)

    def array(name: str, values: list[Any]) -> pa.Array:
        if name.endswith(DATE_NAME_ENDINGS):
            return pa.array([date(v) for v in values], type=pa.date32())
        if name.startswith("sum_"):
            return pa.array([None if v is None else float(v) for v in values],
                            type=pa.float64())
        return pa.array(values)

    return pa.table({name: array(name, values)
                     for name, values in zip(names, columns, strict=True)})


def duckdb_query(tables: Mapping[str, pa.Table], sql: str) -> pa.Table:
    """Run DuckDB ``sql`` over the Arrow ``tables`` (registered under their keys), in a
    connection of its own."""
    import duckdb

    con = duckdb.connect()
    try:
        for name, arrow_table in tables.items():
            con.register(name, arrow_table)
        return con.sql(sql).to_arrow_table()
    finally:
        con.close()


def refresh_stale_statistics(models: Sequence[type]) -> list[str]:
    """PostgreSQL: ANALYZE the tables of ``models`` whose planner statistics say "empty" or
    "never analysed", or describe a much smaller table than the one on disk (after a bulk load).

    With statistics saying "empty", PostgreSQL plans the batch's joins as nested loops that
    rescan whole tables per row: minutes instead of milliseconds. Checking costs one catalogue
    query; ANALYZE samples a bounded number of rows, so it stays cheap on large tables, and it
    runs inside the current transaction (seeing its own uncommitted rows). SQLite: nothing to do.
    Returns the tables analysed.
    """
    if connection.vendor != "postgresql" or not models:
        return []
    names = [model._meta.db_table for model in models]  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c WHERE c.oid = ANY(%s::regclass[]) "
            "AND (c.reltuples <= 0 OR pg_relation_size(c.oid) "
            "/ current_setting('block_size')::int > 2 * c.relpages + 8)",
            [[quote(name) for name in names]])
        stale = [row[0] for row in cursor.fetchall()]
        for name in stale:
            cursor.execute(f"ANALYZE {quote(name)}")
    return stale
