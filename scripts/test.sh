#!/usr/bin/env bash
# Install the monitor with everything its tests need, then run lint and the test suite.
#   Debian packages: chromium (HTML checks), poppler-utils (PDF checks),
#   libreoffice-writer-nogui (DOCX round trip); npm: axe-core (accessibility).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null || need+=(chromium)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
command -v soffice >/dev/null || need+=(libreoffice-writer-nogui)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

python -m pip install -q -e ".[test]"
if [ -f package.json ]; then npm ci --silent --no-audit --no-fund; fi
python -m ruff check report tests scripts
python -m pytest -q "$@"
