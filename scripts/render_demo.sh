#!/usr/bin/env bash
# Install the monitor into the project's virtual environment (.venv, exact versions from
# requirements.lock) and render the demo report to PDF, DOCX and HTML in _book/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv requirements.lock
monitor render "$@"
echo "monitor is at $VENV/bin/monitor (activate with: source $VENV/bin/activate)"
