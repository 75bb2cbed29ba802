#!/usr/bin/env bash
# Install the Debian packages credo needs, skipping what is already there. Needs root (CI runs
# as root) only when something is missing.
#   scripts/system-deps.sh            everything `make test` needs
#   scripts/system-deps.sh gettext    only some of: gettext postgresql chromium fonts
set -euo pipefail
wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(gettext postgresql chromium fonts)
need=()
for item in "${wanted[@]}"; do
  case "$item" in
    gettext) command -v msgfmt >/dev/null && command -v xgettext >/dev/null || need+=(gettext) ;;
    postgresql) ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql) ;;
    chromium) [ -x /usr/bin/chromium ] || need+=(chromium) ;;
    # fontconfig provides fc-list; Noto CJK renders Chinese in the browser and in PDFs.
    fonts) { command -v fc-list >/dev/null && fc-list | grep -qi "noto sans cjk"; } \
             || need+=(fontconfig fonts-noto-cjk) ;;
    *) echo "unknown component: $item" >&2; exit 2 ;;
  esac
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != "0" ]; then
    echo "missing Debian packages: ${need[*]} (run as root or install them)" >&2; exit 1
  fi
  echo "installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
echo "system packages ready: ${wanted[*]}"
