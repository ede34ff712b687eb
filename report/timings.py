"""How long the steps of one ``monitor render`` take, for scripts/benchmark.py.

With ``MONITOR_TIMINGS=<file>`` the command writes to that file, as it ends, a JSON list with a
row per step (start-up, clean, build, status, check, render, status printed): its wall time, the
CPU time of the process and the tools it waited for so far, and the largest resident set so far
(MiB), plus what the step says of itself (figures drawn, formats rendered). A step inside another
(the status worked out while the build waits for its figures) is part of that one. Without the
variable nothing is measured or written.
"""

from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from pathlib import Path

ENV = "MONITOR_TIMINGS"
# When the command started (time.time()) and whether the command server runs it: set by
# report/launch.py and report/command_server.py.
COMMAND: dict = {}
_rows: list[dict] = []
_running: list[str] = []


def _usage() -> dict:
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    return {"cpu": cpu, "peak": max(me.ru_maxrss, kids.ru_maxrss) / 1024}  # Linux reports KiB


@contextmanager
def step(name: str):
    """Time the block as the step ``name``; yields a dict for what the step says of itself."""
    said: dict = {}
    if not os.environ.get(ENV) or _running:
        yield said
        return
    if not _rows:  # from the command's start to its first step
        began = COMMAND.get("started", time.time())
        first = {"stage": "start-up and imports", "wall": time.time() - began, **_usage()}
        _rows.append({**first, "served": bool(COMMAND.get("served"))})
    _running.append(name)
    t = time.perf_counter()
    try:
        yield said
    finally:
        _running.pop()
        _rows.append({"stage": name, "wall": time.perf_counter() - t, **_usage(), **said})


def write() -> None:
    """Write the rows to the file ``MONITOR_TIMINGS`` names (when it names one)."""
    target = os.environ.get(ENV)
    if target:
        Path(target).write_text(json.dumps(_rows), encoding="utf-8")
