"""The ``monitor`` command: by the command server when one answers (report/command_server.py),
else in this process, after which a server is started for the next command."""

from __future__ import annotations

import sys
import time

# Python collects its youngest objects after every 700 allocations: a build or a render makes
# millions (data frames, Altair's charts, the book's AST) and spent ~0.55 s collecting. A
# command lives seconds; collecting 15 times less often costs it ~1 MB.
COLLECT_AFTER = (10_000, 20, 20)


def collect_less_often() -> None:
    import gc

    gc.set_threshold(*COLLECT_AFTER)


def main() -> None:
    started = time.time()
    collect_less_often()
    from report.command_server import end_process, run_served, start_for_next_time

    code = run_served(sys.argv[1:], started)
    if code is not None:
        sys.exit(code)
    status = None
    try:
        from report.cli import main as run_here
        from report.timings import COMMAND

        COMMAND["started"] = started
        run_here()
    except SystemExit as exc:
        status = exc.code
    finally:
        start_for_next_time()
    # What a process does at its end (threads, exit handlers, output flushed), without the
    # interpreter's freeing of every module after a build: ~0.07 s of the command's time.
    end_process(status)
