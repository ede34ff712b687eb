"""Typst compiles in a process that outlives one render, so that the PDF after an edit is laid
out incrementally.

Typst keeps what it laid out in memory and reuses it when the same file is compiled again with
a change: the demo book takes ~0.8 s to lay out in a fresh process and ~0.2 s after an edit in
the same one. Every ``monitor render`` is a fresh process, so the PDF is compiled by a small
server (``python -m report.render.typst_server``) that the first render starts and later renders
ask, over a Unix socket in a folder only this user can open:

* one server per project root, Typst version, set of fonts and version of this code (the
  socket's name is a hash of them): another of these starts another server;
* the source is written to a fixed path in the project cache (``.monitor-cache/typst-main/``),
  since Typst reuses its work only for a file it saw before; the server compiles one request
  at a time, so two renders never write it at once;
* it ends after ``IDLE_SECONDS`` without a request, or after ``MAX_COMPILES`` compiles (Typst's
  memory grows with what it keeps);
* the PDF is the same bytes as a compile in a fresh process (a test compares them); whenever
  the server cannot be reached or started, the render compiles in its own process, as before.

``MONITOR_TYPST_SERVER=off`` compiles in the render's own process (the tests do, but those
of this module).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from report.errors import MonitorError

ENV = "MONITOR_TYPST_SERVER"
IDLE_SECONDS = float(os.environ.get("MONITOR_TYPST_IDLE", "600"))
MAX_COMPILES = 200
MAIN_DIR = Path(".monitor-cache") / "typst-main"  # under the project root
LAST_REPLY: dict = {}  # the last server's reply in this process (tests, benchmark)
START_WAIT = 10.0  # seconds a render waits for a server it started to listen (while it runs)
REPLY_WAIT = 120.0  # seconds a render waits for a compile (the demo's takes one)


def main_path(root: Path, stem: str) -> Path:
    """Where a book's Typst source is compiled from: the same path every time."""
    if not stem or "/" in stem or "\\" in stem or stem.startswith("."):
        raise MonitorError(f"not a name for the PDF's source: {stem!r}")
    return Path(root) / MAIN_DIR / f"{stem}.typ"


def compile_here(root: Path, source: str, main: Path, pdf: Path, fonts: Path, timestamp: int) -> None:
    """Write ``source`` to ``main`` (inside ``root``) and compile it to ``pdf`` (PDF/UA-1, the
    project's fonts only, ``timestamp`` as the creation date), in this process."""
    import typst

    main.parent.mkdir(parents=True, exist_ok=True)
    if not main.is_file() or main.read_text(encoding="utf-8") != source:
        main.write_text(source, encoding="utf-8")
    try:
        typst.compile(
            str(main),
            output=str(pdf),
            root=str(root),
            font_paths=[str(fonts)],
            ignore_system_fonts=True,
            pdf_standards=["ua-1"],
            timestamp=timestamp,
        )
    except Exception as exc:  # typst raises TypstError (a RuntimeError subclass)
        raise MonitorError(f"Typst could not make the PDF ({main.name}): {exc}") from None


def compile_pdf(root: Path, source: str, stem: str, pdf: Path, fonts: Path, timestamp: int) -> str:
    """Compile the Typst ``source`` to ``pdf``: by the project's server when it can be had
    (started when there is none), else here, from ``<pdf>.typ``. Returns who compiled it
    ("server" or "here")."""
    root = Path(root).resolve()
    here = Path(pdf).with_suffix(".typ")
    address = None
    if os.environ.get(ENV, "on") != "off" and hasattr(socket, "AF_UNIX"):
        try:
            address = server_address(root, fonts)
        except OSError:
            address = None  # no private folder for the socket: compile here
    if address is None:
        compile_here(root, source, here, pdf, fonts, timestamp)
        return "here"
    request = {"root": str(root), "stem": stem, "pdf": str(Path(pdf).resolve()), "fonts": str(fonts)}
    request.update(timestamp=timestamp, source=source)
    reply = _ask(address, request)
    if reply is None:
        server = _start(address, root, fonts)
        if server is not None:
            reply = _ask(address, request, wait=START_WAIT, alive=lambda: server.poll() is None)
    if reply is None:
        compile_here(root, source, here, pdf, fonts, timestamp)
        return "here"
    LAST_REPLY.clear()
    LAST_REPLY.update(reply)
    if "error" in reply:
        raise MonitorError(str(reply["error"]))
    if not Path(pdf).is_file():
        raise MonitorError(f"the Typst server wrote no PDF at {pdf}")
    return "server"


def server_address(root: Path, fonts: Path) -> Path:
    """The socket of the server for this root, fonts, Typst and code (a private folder)."""
    from importlib.metadata import version

    from report.cache import files_hash
    from report.private_socket import private_folder

    identity = hashlib.sha256()
    for part in (
        str(root),
        version("typst"),
        files_hash(sorted(p for p in Path(fonts).glob("*") if p.is_file())),
        hashlib.sha256(Path(__file__).read_bytes()).hexdigest(),
        sys.executable,
    ):
        identity.update(part.encode("utf-8") + b"\0")
    return private_folder() / f"typst-{identity.hexdigest()[:24]}.sock"


def _ask(address: Path, request: dict, wait: float = 0.0, alive=lambda: True) -> dict | None:
    """The server's reply, or None when none listens at ``address`` (within ``wait`` seconds,
    while ``alive()``: a server that ended at its start is not waited for)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                conn.settimeout(REPLY_WAIT)
                conn.connect(str(address))
                conn.sendall(json.dumps(request).encode("utf-8") + b"\n")
                conn.shutdown(socket.SHUT_WR)
                data = b"".join(iter(lambda: conn.recv(1 << 16), b""))
        except TimeoutError:
            return None  # a server that does not answer: compile here
        except OSError:
            if time.monotonic() >= deadline or not alive():
                return None
            time.sleep(0.02)
            continue
        try:
            reply = json.loads(data.decode("utf-8"))
        except ValueError:
            return None  # it ended while compiling (its compile limit, a crash): compile here
        return reply if isinstance(reply, dict) else None


def _start(address: Path, root: Path, fonts: Path) -> subprocess.Popen | None:
    """Start a server for ``address`` in its own session (it outlives this render)."""
    from report.private_socket import start_server

    return start_server("report.render.typst_server", str(address), str(root), str(fonts))


# -- the server --------------------------------------------------------------------------------


def serve(address: Path, root: Path, fonts: Path, idle: float = IDLE_SECONDS) -> None:
    """Answer compile requests for ``root`` at ``address`` until idle for ``idle`` seconds."""
    import typst  # noqa: F401  (loaded before the first request)

    from report.private_socket import listen

    listener = listen(address, 8)
    if listener is None:
        return
    try:
        listener.settimeout(idle)
        for _ in range(MAX_COMPILES):
            try:
                conn, _addr = listener.accept()
            except TimeoutError:
                return
            with conn:
                conn.settimeout(30)
                try:
                    reply = _answer(conn, root, fonts)
                except _Stop:
                    conn.sendall(b'{"stopped": true}')
                    return
                try:
                    conn.sendall(json.dumps(reply).encode("utf-8"))
                except OSError:
                    pass  # the render went away; its PDF is not wanted
    finally:
        listener.close()
        try:
            if address.is_socket():
                address.unlink()
        except OSError:
            pass


def stop_server(root: Path, fonts: Path) -> bool:
    """Ask the project's server to end now; whether one answered."""
    try:
        address = server_address(Path(root).resolve(), fonts)
    except OSError:
        return False
    return _ask(address, {"stop": True}) is not None


class _Stop(Exception):
    pass


def _answer(conn: socket.socket, root: Path, fonts: Path) -> dict:
    try:
        data = b"".join(iter(lambda: conn.recv(1 << 16), b""))
        request = json.loads(data.decode("utf-8"))
        if request.get("stop") is True:
            raise _Stop
        if Path(request["root"]) != root or Path(request["fonts"]) != fonts:
            return {"error": "a request for another project or other fonts"}
        pdf = Path(request["pdf"])
        if not pdf.is_relative_to(root):
            return {"error": f"the PDF must be written inside the project ({pdf})"}
        main = main_path(root, str(request["stem"]))
        compile_here(root, str(request["source"]), main, pdf, fonts, int(request["timestamp"]))
    except MonitorError as exc:
        return {"error": str(exc)}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return {"error": f"the Typst server could not read the request: {exc}"}
    return {"ok": True, "pid": os.getpid()}


if __name__ == "__main__":  # python -m report.render.typst_server ADDRESS ROOT FONTS
    serve(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
