"""``monitor render``, ``build`` and ``check`` answered by a process that has its libraries loaded.

Every ``monitor`` command is a fresh Python process, and one that builds or renders first loads
Altair, python-docx, pydantic, pandas (to clean) and the monitor's own modules: ~1.2 s of CPU on
every run after an edit, on a machine with two cores about a quarter of the run. So the first of
these commands runs in its own process, as always, and then starts a server in the background
(``python -m report.command_server``) that loads them once and waits on a Unix socket in a folder
only this user can open (report/private_socket.py). A later command (report/launch.py) sends it
its arguments, working folder, environment and umask, and its standard input, output and error
themselves (as file descriptors, so the terminal, colours and pipes are the command's own). The
server forks; the fork takes all of that on and runs the command exactly as ``python -m report``
does (``report.cli.main``), then reports its exit status. Each command runs in a new fork of the
state right after the loading, so nothing one command does is seen by another.

* One server per version of this code (every ``report/**/*.py``), Python executable, installed
  packages (the site-packages folders' times) and locale settings: after any change of these a
  command finds no server at its address, runs in its own process and starts a new one.
* Ctrl-C (and SIGTERM, SIGHUP) on the command is passed on to its fork, which stops as a command
  in its own process does.
* It keeps a figure worker warm (:class:`_WarmWorker`), which the next build that draws takes
  over (report/figure_export.py): vl-convert takes ~0.6 s to start in a new process.
* The server ends after ``IDLE_SECONDS`` without a command, or after ``MAX_COMMANDS``.
* Whenever no server answers, the command runs in its own process; the output is the same.

``MONITOR_SERVER=off`` runs every command in its own process (the tests do, but those of this
module).
"""

from __future__ import annotations

import gc
import hashlib
import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

ENV = "MONITOR_SERVER"
SERVED = frozenset({"render", "build", "check"})
IDLE_SECONDS = 600.0
MAX_COMMANDS = 500
START_GRACE = 60.0  # seconds a server being started is waited for before another is started
# Loaded once by the server, before any command: what a build, the checks and the render load.
WARM_MODULES = (
    "pandas",
    "altair",
    "typer",
    "rich.console",
    "rich.progress",
    "report.build",
    "report.builder",
    "report.observations",
    "report.cache",
    "report.final",
    "report.status",
    "report.freshness",
    "report.swap",
    "report.check",
    "report.check.gate",
    "report.check.output",
    "report.render",
    "report.render.book",
    "report.render.pandoc",
    "report.render.crossref",
    "report.render.format_cache",
    "report.render.pdf",
    "report.render.typst_body",
    "report.render.typst_server",
    "report.render.docx",
    "report.render.docx_fields",
    "report.render.docx_pictures",
    "report.render.html",
    "report.render.html_pages",
    "report.render.opendata",
)
# Settings that shape the interpreter itself (its text encoding): a server per combination.
_INTERPRETER_ENV = ("LANG", "LC_ALL", "LC_CTYPE", "PYTHONUTF8", "PYTHONIOENCODING", "PYTHONPATH")

_unanswered: list[Path] = []  # the address this process found no server at (start one after)


def server_address() -> Path:
    """The socket of the server for this code, interpreter and installed packages."""
    from report.private_socket import private_folder

    identity = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        identity.update(path.relative_to(package).as_posix().encode("utf-8") + b"\0")
        identity.update(hashlib.sha256(path.read_bytes()).digest())
    parts = [sys.executable, sys.version, str(package)]
    for entry in sys.path:
        if entry.endswith("-packages") and os.path.isdir(entry):
            parts.append(f"{entry}:{os.stat(entry).st_mtime_ns}")  # a package installed or removed
    parts += [f"{name}={os.environ.get(name, '')}" for name in _INTERPRETER_ENV]
    for part in parts:
        identity.update(part.encode("utf-8", "surrogateescape") + b"\0")
    return private_folder() / f"command-{identity.hexdigest()[:24]}.sock"


def wanted(argv: list[str]) -> bool:
    """Whether this command goes to the server (when one answers)."""
    return (
        bool(argv)
        and argv[0] in SERVED
        and os.environ.get(ENV, "on") != "off"
        and hasattr(socket, "AF_UNIX")
        and hasattr(socket, "send_fds")
    )


# -- the command's side ------------------------------------------------------------------------


def run_served(argv: list[str], started: float | None = None) -> int | None:
    """Run ``monitor <argv>`` by the server and return its exit status; None when this command
    is not for the server or none answers (then it runs in this process)."""
    if not wanted(argv):
        return None
    try:
        address = server_address()
    except OSError:
        return None  # no private folder for the socket
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.settimeout(2.0)
        conn.connect(str(address))
        umask = os.umask(0o022)
        os.umask(umask)
        request = {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ), "umask": umask}
        main = sys.modules.get("__main__")
        # what the command's usage lines call it ("python -m report" or "monitor"), as here
        request.update(argv0=sys.argv[0], main_package=getattr(main, "__package__", None))
        request["started"] = started or time.time()
        socket.send_fds(conn, [b"F"], [0, 1, 2])
        conn.sendall(json.dumps(request).encode("utf-8", "surrogateescape") + b"\n")
        replies = conn.makefile("rb")
        first = json.loads(replies.readline() or b"null")
        pid = int(first["pid"])
        conn.sendall(b"G")  # go: until then the fork runs nothing (this side may have given up)
    except (OSError, ValueError, TypeError, KeyError):
        conn.close()
        _unanswered[:] = [address]
        return None
    return _wait_for(conn, replies, pid)


def _wait_for(conn: socket.socket, replies, pid: int) -> int:
    """The exit status the command's fork reports; signals to this process are passed on."""

    def pass_on(signum, _frame):
        try:
            os.kill(pid, signum)
        except OSError:
            pass

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, pass_on)
    conn.settimeout(None)  # a render takes as long as it takes
    try:
        while True:
            line = replies.readline()
            if not line:
                break
            reply = json.loads(line)
            if "exit" in reply:
                return int(reply["exit"])
    except (OSError, ValueError):
        pass
    finally:
        conn.close()
    sys.stderr.write(
        "monitor: the command's process ended without an exit status (was it killed?); "
        f"outputs are swapped in whole, so nothing half-written is left. {ENV}=off runs it here.\n"
    )
    return 1


def start_for_next_time() -> None:
    """After a command ran here because no server answered: start one in the background."""
    if not _unanswered:
        return
    address = _unanswered.pop()
    starting = address.with_name(address.name + ".starting")
    try:
        os.close(os.open(starting, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        try:
            if time.time() - starting.stat().st_mtime < START_GRACE:
                return  # being started by another command
            starting.unlink()
            os.close(os.open(starting, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except OSError:
            return
    except OSError:
        return
    address.unlink(missing_ok=True)  # a socket nobody answers at (a server killed with -9)
    from report.private_socket import start_server

    if start_server("report.command_server", str(address)) is None:
        starting.unlink(missing_ok=True)


def ask(address: Path, question: str) -> dict | None:
    """The server's answer to "status" ({"pid", "served"}) or "stop"; None when none answers."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(5.0)
            conn.connect(str(address))
            socket.send_fds(conn, [b"Q"], [])
            conn.sendall(json.dumps({"ask": question}).encode("utf-8") + b"\n")
            return json.loads(conn.makefile("rb").readline() or b"null")
    except (OSError, ValueError):
        return None


# -- the server ----------------------------------------------------------------------------------


def load() -> None:
    """What the server holds for every command: the modules loaded, and no thread (it forks)."""
    # No thread for pyarrow's allocator, none for numpy's OpenBLAS (the monitor does no matrix
    # work that a second thread would speed up): set before either is loaded.
    os.environ.setdefault("JE_ARROW_MALLOC_CONF", "background_thread:false")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            pass  # the command that needs it says so, as in its own process
    # What is loaded stays: the forks' collections need not look at it (nor touch its pages,
    # which the forks share with the server until written); and they collect as a command in
    # its own process does (report/launch.py).
    from report.launch import collect_less_often

    gc.collect()
    gc.freeze()
    collect_less_often()


def serve(address: Path, idle: float = IDLE_SECONDS) -> None:
    """Load the libraries, then answer commands at ``address`` until idle for ``idle`` seconds."""
    starting = address.with_name(address.name + ".starting")
    try:
        load()
        from report.private_socket import listen

        listener = listen(address, 16)
    finally:
        starting.unlink(missing_ok=True)
    if listener is None:
        return
    served = 0
    server = os.getpid()
    last = time.monotonic()
    running: set[int] = set()  # the forks running a command
    warm = _WarmWorker(address.parent)
    try:
        listener.settimeout(1.0)
        while served < MAX_COMMANDS:
            running -= _reap()
            warm.keep(busy=bool(running))
            try:
                conn, _addr = listener.accept()
            except TimeoutError:
                if time.monotonic() - last > idle:
                    return
                continue
            last = time.monotonic()
            with conn:
                try:
                    fork = _take(conn, listener, served, warm.offer())
                except _Stop:
                    return
                if fork:
                    running.add(fork)
                    served += 1
    finally:
        listener.close()
        if os.getpid() == server:
            warm.stop()
            try:
                if address.is_socket():
                    address.unlink()
            except OSError:
                pass


class _WarmWorker:
    """A figure worker kept warm for the next build (``python -m report.figure_export
    --standby``): vl-convert takes ~0.6 s to start in a new process, the drawing of a data
    correction's figures waited for that. A fork's build takes it over at its first figure
    (report.figure_export.STANDBY); a new one is started once it is taken, while no command
    runs (its start costs CPU)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.count = 0
        self.proc: subprocess.Popen | None = None
        self.socket: Path | None = None
        self.ready = False  # its socket was seen: it waits (or, gone since, was taken)

    def keep(self, busy: bool) -> None:
        if self.proc is not None and self.proc.poll() is None and self.socket is not None:
            if self.socket.exists():
                self.ready = True
                return
            if not self.ready:
                return  # still starting vl-convert
        if busy:
            return
        from report.private_socket import start_server

        self.count += 1
        self.socket = self.folder / f"figures-{os.getpid()}-{self.count}.sock"
        self.ready = False
        self.proc = start_server("report.figure_export", "--standby", str(self.socket))

    def offer(self) -> Path | None:
        """The warm worker's socket for the next fork, when one waits."""
        if self.ready and self.socket is not None and self.socket.exists():
            return self.socket
        return None

    def stop(self) -> None:
        """End the worker when nobody took it: still starting, or waiting (one that was taken
        draws for its build; only one seen waiting is offered)."""
        if self.proc is None or self.socket is None:
            return
        if not self.ready or self.socket.exists():
            self.proc.kill()


def _reap() -> set[int]:
    """The children that ended since (forks and figure workers), waited for."""
    ended = set()
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return ended
        if pid == 0:
            return ended
        ended.add(pid)


class _Stop(Exception):
    pass


def _take(conn: socket.socket, listener: socket.socket, served: int, warm: Path | None) -> int:
    """Answer one connection; the fork's pid when it was a command, else 0. ``warm``: the socket
    of a warm figure worker the fork may take."""
    conn.settimeout(10.0)
    try:
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
        if int.from_bytes(creds[4:8], sys.byteorder) != os.getuid():
            return 0  # the folder is private; this is a second lock on the door
        kind, fds, _flags, _addr = socket.recv_fds(conn, 1, 3)
        data = b""
        while not data.endswith(b"\n"):
            chunk = conn.recv(1 << 16)
            if not chunk:
                break
            data += chunk
        request = json.loads(data.decode("utf-8", "surrogateescape"))
    except (OSError, ValueError):
        return 0
    if kind == b"Q":
        question = request.get("ask") if isinstance(request, dict) else None
        reply = {"pid": os.getpid(), "served": served}
        try:
            conn.sendall(json.dumps(reply).encode("utf-8") + b"\n")
        except OSError:
            pass
        if question == "stop":
            raise _Stop
        return 0
    if kind != b"F" or len(fds) != 3 or not isinstance(request, dict):
        for fd in fds:
            os.close(fd)
        return 0
    pid = os.fork()
    if pid == 0:
        try:
            listener.close()
            from report import figure_export

            figure_export.STANDBY[:] = [warm] if warm is not None else []
            _run_command(conn, fds, request)
        finally:
            os._exit(1)  # never back into the server's loop, whatever happened
    for fd in fds:
        os.close(fd)
    return pid


def _run_command(conn: socket.socket, fds: list[int], request: dict) -> None:
    """In the fork: become the command (its folder, environment, descriptors) and run it."""
    code = 1
    finished = threading.Event()
    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
            signal.signal(signum, signal.SIG_DFL)
        os.chdir(request["cwd"])
        os.umask(int(request["umask"]))
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in request["env"].items()})
        _take_over_stdio(fds)
        sys.argv = [str(request.get("argv0") or "monitor"), *[str(a) for a in request["argv"]]]
        stand_in = types.ModuleType("__main__")
        stand_in.__package__ = request.get("main_package")
        sys.modules["__main__"] = stand_in
        conn.sendall(json.dumps({"pid": os.getpid()}).encode("utf-8") + b"\n")
        if conn.recv(1) != b"G":  # the command gave up waiting, and runs in its own process
            return
        conn.settimeout(None)
        threading.Thread(target=_stop_when_gone, args=(conn, finished), daemon=True).start()
        from report.cli import main  # here: its console is made for this command's terminal
        from report.timings import COMMAND

        COMMAND.update(started=float(request.get("started") or time.time()), served=True)

        try:
            main()
            code = 0
        except SystemExit as exc:
            code = _exit_code(exc.code)
    except BaseException:  # noqa: BLE001 - whatever happens, the command gets its status
        code = 1
    finally:
        finished.set()
        _end_as_a_process_ends()
        try:
            conn.sendall(json.dumps({"exit": code}).encode("utf-8") + b"\n")
        except BaseException:  # noqa: BLE001, S110 - gone: nobody waits for the status
            pass
        os._exit(code)


def _stop_when_gone(conn: socket.socket, finished: threading.Event) -> None:
    """The command went away (killed): stop as Ctrl-C stops it, rather than run on unseen."""
    try:
        while conn.recv(1 << 10):
            pass
    except OSError:
        pass
    if not finished.is_set():
        os.kill(os.getpid(), signal.SIGINT)


def _end_as_a_process_ends() -> None:
    """What the interpreter does at the end of a process, and os._exit would skip: wait for
    the threads that are still at work, run the exit handlers, flush the output."""
    import atexit

    for step in (threading._shutdown, atexit._run_exitfuncs, sys.stdout.flush, sys.stderr.flush):
        try:
            step()
        except BaseException:  # noqa: BLE001, S110 - the command's status is sent regardless
            pass


def end_process(status) -> None:
    """End this process as ``sys.exit(status)`` would, by :func:`_end_as_a_process_ends`."""
    _end_as_a_process_ends()
    code = _exit_code(status)
    sys.stderr.flush()
    os._exit(code)


def _exit_code(value) -> int:
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    sys.stderr.write(f"{value}\n")
    return 1


def _take_over_stdio(fds: list[int]) -> None:
    """The command's standard input, output and error as this process's own (fd 0, 1, 2)."""
    streams = [(sys.stdin, "r"), (sys.stdout, "w"), (sys.stderr, "w")]
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    new = []
    for target, (old, mode) in enumerate(streams):
        errors = "backslashreplace" if target == 2 else old.errors
        line = target == 2 or (target == 1 and os.isatty(1))  # as Python sets them up itself
        buffering = 1 if line else -1
        new.append(open(target, mode, buffering, encoding=old.encoding, errors=errors, closefd=False))
    sys.stdin, sys.stdout, sys.stderr = new
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = new


if __name__ == "__main__":  # python -m report.command_server ADDRESS
    serve(Path(sys.argv[1]))
