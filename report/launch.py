"""The ``monitor`` command: by the command server when one answers (report/command_server.py),
else in this process, after which a server is started for the next command."""

from __future__ import annotations

import sys
import time


def main() -> None:
    started = time.time()
    from report.command_server import run_served, start_for_next_time

    code = run_served(sys.argv[1:], started)
    if code is not None:
        sys.exit(code)
    try:
        from report.cli import main as run_here
        from report.timings import COMMAND

        COMMAND["started"] = started
        run_here()
    finally:
        start_for_next_time()
