# Sourced by the README commands: a virtual environment for the project, never the system
# Python. VENV defaults to .venv in the project; CI points it at a brand-new folder elsewhere.
# ensure_venv LOCKFILE creates (or reuses) it and installs exactly the pinned versions.

VENV="${MONITOR_VENV:-$PWD/.venv}"

_apt_install() {
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "${_APT_UPDATED:-}" ]; then $sudo apt-get update -qq; _APT_UPDATED=1; fi
  $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_venv() {
  local lock="$1" python="${PYTHON:-python3}"
  if ! command -v "$python" >/dev/null; then
    echo "error: $python not found; install Python 3.11 or newer (Debian: apt-get install python3)" >&2
    return 1
  fi
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "error: $("$python" --version) is too old; the monitor needs Python 3.11 or newer" >&2
    return 1
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    # Debian splits venv and ensurepip off into python3-venv.
    if ! "$python" -c 'import ensurepip, venv' 2>/dev/null && command -v apt-get >/dev/null; then
      _apt_install "python3-venv"
    fi
    "$python" -m venv "$VENV"
  fi
  # Reinstall only when the lock file changed since the last install into this environment.
  local stamp="$VENV/.monitor-lock" want
  want="$(sha256sum "$lock" pyproject.toml | sha256sum | cut -c1-64)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --require-hashes \
      --only-binary :all: -r "$lock"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps \
      --no-build-isolation -e .
    echo "$want" > "$stamp"
  fi
  # The project's own modules compiled ahead: where PYTHONDONTWRITEBYTECODE is set (as in many
  # containers and CI machines) Python would compile them again in every process (~0.06 s).
  "$VENV/bin/python" -m compileall -q -j 0 report >/dev/null || true
  export PATH="$VENV/bin:$PATH"
}
