"""The folder for the sockets of the monitor's background servers: one per user, that only this
user can open (``<temp>/monitor-<uid>``, mode 0700). A folder of that name made by another user
is never used, not even by root, so no one else can answer or send a request."""

from __future__ import annotations

import os
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
