#!/usr/bin/env bash
# Install the monitor and render the demo report to PDF, DOCX and HTML in _book/.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q -e .
monitor render
