#!/usr/bin/env bash
# Install the monitor with everything its tests need into the project's virtual environment
# (.venv, or MONITOR_VENV; exact versions from requirements-test.lock), then lint and test.
#   Debian packages: chromium (HTML checks), poppler-utils (PDF checks),
#   libreoffice-writer-nogui (DOCX round trip), libreoffice-calc-nogui (the open data's XLSX);
#   npm: axe-core (accessibility).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh

need=()
command -v chromium >/dev/null || need+=(chromium)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
command -v soffice >/dev/null || need+=(libreoffice-writer-nogui)
[ -e /usr/lib/libreoffice/program/libsclo.so ] || need+=(libreoffice-calc-nogui)
if [ ${#need[@]} -gt 0 ]; then _apt_install "${need[@]}"; fi

ensure_venv requirements-test.lock
if [ -f package.json ]; then npm ci --silent --no-audit --no-fund; fi
python - <<'PY'
import sys
from importlib.metadata import version
print(f"python {sys.version.split()[0]} at {sys.prefix}")
for name in ("pandas", "pandera", "pyarrow", "altair", "vl-convert-python", "pypandoc-binary", "typst",
             "python-docx", "pydantic", "pytest", "playwright"):
    print(f"  {name} {version(name)}")
PY
python -m ruff check report tests scripts
python -m pytest -q "$@"
