"""Replacing a whole output folder (data/clean, _generated, _book) in one atomic step.

The new folder is written beside the old one; then the two are exchanged by one system call
(Linux ``renameat2(RENAME_EXCHANGE)``), so at every instant the folder's name points at either
the old or the new content, whole. Where the call is missing (another system, a file system that
does not support it), two renames are used and the next run repairs what a crash between them
left: the old folder is put back under its name (`recover`).

`fault_point` lets the tests kill the process at a chosen step (``MONITOR_FAULT=<step>``, with
SIGKILL: no clean-up handler runs, as in a power cut or an OOM kill).
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import signal
import time
from pathlib import Path

FAULT_ENV = "MONITOR_FAULT"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def fault_point(step: str) -> None:
    """Kill this process here when MONITOR_FAULT names this step (tests of crash safety only)."""
    if os.environ.get(FAULT_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths atomically; False when the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def old_name(target: Path) -> Path:
    return target.with_name(f".{target.name}-old")


def replace_dir(new: Path, target: Path, step: str) -> None:
    """Put the complete folder `new` in place of `target`; the old content is removed after."""
    fault_point(f"{step}-swap")
    old = old_name(target)
    if target.exists() and _exchange(new, target):
        fault_point(f"{step}-swapped")
        shutil.rmtree(new)  # `new` now holds the old content
        return
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        os.replace(target, old)
    fault_point(f"{step}-between")
    os.replace(new, target)
    fault_point(f"{step}-swapped")
    if old.exists():
        shutil.rmtree(old)


def recover(target: Path, leftovers: list[Path]) -> list[str]:
    """Repair and clean up after an interrupted run; returns what was done, to be reported."""
    done = []
    old = old_name(target)
    if old.exists():
        if not target.exists():
            os.replace(old, target)
            done.append(f"{target.name} was restored from {old.name} (a run was interrupted while swapping)")
        else:
            shutil.rmtree(old)
            done.append(f"{old.name} (left by an interrupted run) was removed")
    for path in leftovers:
        if path.exists():
            shutil.rmtree(path, ignore_errors=True)
            done.append(f"{path.name} (left by an interrupted run) was removed")
    return done


BUILD_TMP_PREFIX = ".monitor-tmp-build-"


def recover_build(project) -> list[str]:
    """Undo what a killed `monitor build` left: a half-swapped _generated/, its temporary folders.
    Here rather than in report.build so the CLI can do it before its quick "up to date" answer."""
    return recover(project.generated, sorted(project.root.glob(BUILD_TMP_PREFIX + "*")))


def remove_stale(root: Path, prefix: str, skip: str = "", max_age: float = 3600.0) -> list[str]:
    """Remove temporary folders ``<root>/<prefix>*`` that a killed run left, once they are older
    than ``max_age`` seconds: a younger one may belong to a run still going (a preview beside a
    render). Returns what was removed, to be said."""
    done = []
    for path in sorted(Path(root).glob(prefix + "*")):
        if not path.is_dir() or (skip and path.name.startswith(skip)):
            continue
        try:
            age = time.time() - path.stat().st_mtime
        except FileNotFoundError:
            continue
        if age > max_age:
            shutil.rmtree(path, ignore_errors=True)
            done.append(f"{path.name} (left by an interrupted run) was removed")
    return done
