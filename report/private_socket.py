"""The monitor's background servers (report/command_server.py, report/render/typst_server.py):
the folder for their sockets, one per user, that only this user can open (``<temp>/monitor-<uid>``,
mode 0700; a folder of that name made by another user is never used, not even by root, so no one
else can answer or send a request), and how one is started."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path


def private_folder() -> Path:
    """This user's socket folder, made when missing; PermissionError when another user owns it."""
    folder = Path(tempfile.gettempdir()) / f"monitor-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    info = folder.stat()
    if info.st_uid != os.getuid():
        raise PermissionError(f"{folder} is not this user's: it is not used for a server's socket")
    if info.st_mode & 0o077:
        os.chmod(folder, 0o700)
    return folder


def start_server(module: str, *args: str) -> subprocess.Popen | None:
    """``python -m <module> <args>`` in the background, in its own session (it outlives the
    command that starts it), with no terminal; None when it cannot be started."""
    try:
        return subprocess.Popen(
            [sys.executable, "-m", module, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            # where this code's package lies, so `-m` runs this code (not a copy in the project)
            cwd=str(Path(__file__).resolve().parents[1]),
        )
    except OSError:
        return None
