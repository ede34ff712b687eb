"""The monitor's background servers (report/command_server.py, report/render/typst_server.py):
the folder for their sockets, one per user, that only this user can open (``<temp>/monitor-<uid>``,
mode 0700; a folder of that name made by another user is never used, not even by root, so no one
else can answer or send a request), and how one is started."""

from __future__ import annotations

import os
import socket
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


def listen(address: Path, backlog: int) -> socket.socket | None:
    """A listening socket at ``address`` (mode 0600), taking over a socket that nobody answers
    at (left by a server that was killed); None when another server answers there."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(str(address))
    except OSError:
        if _answers(address):
            listener.close()
            return None  # another server took the address first: it answers
        address.unlink(missing_ok=True)
        try:
            listener.bind(str(address))
        except OSError:
            listener.close()
            return None
    os.chmod(address, 0o600)
    listener.listen(backlog)
    return listener


def _answers(address: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(1)
            probe.connect(str(address))
        return True
    except OSError:
        return False


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
