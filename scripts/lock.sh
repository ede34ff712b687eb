#!/usr/bin/env bash
# Pin the whole dependency tree (with hashes) for the README commands and CI.
# Run after changing [project] dependencies in pyproject.toml, or to move to newer releases:
#   bash scripts/lock.sh            # keep the pinned versions where they still fit
#   bash scripts/lock.sh --upgrade  # take the newest releases that fit pyproject.toml
# Then render the demo twice and run the tests before committing the new lock files.
set -euo pipefail
cd "$(dirname "$0")/.."
tools="$(mktemp -d)"; trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools" && "$tools/bin/python" -m pip install -q --disable-pip-version-check "uv>=0.5"
uv=("$tools/bin/uv" pip compile --quiet --generate-hashes --python-version 3.11
    --python-platform x86_64-manylinux_2_28 --custom-compile-command "bash scripts/lock.sh" "$@")
# setuptools builds the project itself (installed with --no-build-isolation), so it is pinned too.
echo "setuptools>=69" | "${uv[@]}" pyproject.toml - -o requirements.lock
echo "setuptools>=69" | "${uv[@]}" pyproject.toml - --extra test -o requirements-test.lock
echo "requirements.lock and requirements-test.lock updated"
