"""Drawing the figures: Vega-Lite spec → SVG, PNG, CSV and the spec itself, with vl-convert.

Apart from report/figures.py (which builds the specs with Altair) so that the
processes that draw in parallel import only vl-convert: a worker starts in ~0.1 s instead of
the ~0.5 s that Altair takes. The build hands each figure to a :class:`Drawing` as
soon as its spec is known, so drawing overlaps with building the next specs. A build run by
the command server takes over the worker it keeps warm (``STANDBY``) instead of starting one.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import vl_convert as vlc

from report.errors import MonitorError
from report.font_subset import covers, figure_fonts

EXPORT_SUFFIXES = (".svg", ".png", ".csv", ".vl.json")
EXPORT_LOCALE = "nl-NL"
PNG_SCALE = 2
# Below this many figures a second process costs more than it saves (start-up, fonts).
PARALLEL_FROM = 6


def figure_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\n")
    w.writerow(["drugsmarkt", "regio", "jaar", "waarde", "status", "noot"])
    for r in rows:
        if r["waarde"] is None:
            continue
        # Dutch spreadsheet users open ';' files with decimal commas correctly.
        w.writerow(
            [r["markt"], r["regio"], r["jaar"], str(r["waarde"]).replace(".", ","), r["status"], r["noot"]]
        )
    return buf.getvalue()


def export(spec: dict, rows: list[dict], out_stem: Path) -> None:
    locale = vlc.get_format_locale(EXPORT_LOCALE)
    svg = vlc.vegalite_to_svg(spec, format_locale=locale)
    # Rasterising the SVG is 4× faster than running Vega again for the PNG.
    png = vlc.svg_to_png(svg, scale=PNG_SCALE)
    out_stem.parent.mkdir(parents=True, exist_ok=True)
    out_stem.with_suffix(".svg").write_text(svg, encoding="utf-8")
    out_stem.with_suffix(".png").write_bytes(png)
    out_stem.with_suffix(".csv").write_text(figure_csv(rows), encoding="utf-8")
    out_stem.with_suffix(".vl.json").write_text(
        json.dumps(spec, ensure_ascii=False, sort_keys=True, indent=1), encoding="utf-8"
    )


_fonts_registered: set[str] = set()


def register_fonts(font_dir: Path) -> None:
    key = str(Path(font_dir).resolve())
    if key not in _fonts_registered:
        vlc.register_font_directory(key)
        _fonts_registered.add(key)


def _export_many(tasks: list[tuple], font_dir: str) -> None:
    register_fonts(Path(font_dir))
    for spec, rows, stem, _key in tasks:
        export(spec, rows, Path(stem))


# A tiny chart drawn by a worker as soon as it starts: vl-convert's first drawing sets up its
# JavaScript engine (~0.5 s), and that should happen while the build is still reading data.
_WARM_UP = {"mark": "point", "data": {"values": [{"x": 1}]}, "encoding": {"x": {"field": "x"}}}
# Another worker is started once this many figures wait for one (a cold build), not for the
# one or two figures of a data correction: each worker's start costs ~0.6 s of CPU.
GROW_AT = 3


class Drawing:
    """Worker processes that draw figures while the build goes on.

    ``submit`` hands over a figure as soon as its spec is known; ``finish`` waits until every
    figure is drawn. The first worker starts at once (so vl-convert is warm by the time the first
    spec is ready), up to ``workers`` when figures queue up. vl-convert keeps Python's lock while
    it draws, so threads would gain nothing: each worker is ``python -m report.figure_export``, a
    fresh interpreter that imports nothing of the caller. A figure is a file in a shared folder
    that a worker claims by renaming it (atomic: exactly one worker draws it); its files come
    from its own spec alone, so the output never depends on which worker drew it or when.
    """

    def __init__(self, font_dir: Path, workers: int | None = None):
        self.max_workers = max(1, workers or os.cpu_count() or 1)
        self._tmp = tempfile.TemporaryDirectory(prefix="monitor-figures-")
        self.folder = Path(self._tmp.name)
        # The workers draw with the fonts' Latin subsets (report/font_subset.py: the same files,
        # less work); a figure with a character they lack is drawn here, with the whole fonts.
        self.whole_fonts = str(font_dir)
        subsets = figure_fonts(Path(font_dir), self.folder)
        self.font_dir = str(subsets[0]) if subsets else self.whole_fonts
        self._kept = subsets[1] if subsets else frozenset()
        self.stems: list[str] = []
        self._drawn_here: list[str] = []  # what went wrong with a figure drawn here
        self._workers: list[tuple[subprocess.Popen | _Adopted, Path]] = []
        # A worker the command server keeps warm (STANDBY) is taken at the first figure; else
        # one starts now, to be warm by then.
        self._standby = STANDBY.pop() if STANDBY else None
        if self._standby is None or not self._standby.exists():
            self._standby = None
            self._start_worker()

    def __enter__(self) -> Drawing:
        return self

    def __exit__(self, kind, *_exc) -> None:
        if kind is not None:  # the build failed: stop drawing, leave nothing behind
            self.abort()

    def _start_worker(self) -> None:
        log = self.folder / f"worker-{len(self._workers)}.log"
        proc = _adopt(self._standby, self.font_dir, self.folder) if self._standby else None
        self._standby = None
        if proc is not None:
            log.write_bytes(b"")  # its messages went to the command server's (none): see finish
        else:
            command = [sys.executable, "-m", "report.figure_export", "--serve", self.font_dir]
            command.append(str(self.folder))
            with log.open("wb") as err:
                proc = subprocess.Popen(
                    command,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=err,
                )
        self._workers.append((proc, log))
        for n in range(len(self.stems)):  # any figure nobody has taken yet
            if self._job(n).exists():
                self._tell(proc, n)

    def _job(self, n: int) -> Path:
        return self.folder / f"{n}.json"

    @staticmethod
    def _tell(proc: subprocess.Popen, n: int) -> None:
        try:
            proc.stdin.write(f"{n}\n".encode())
            proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # the worker died; finish() says so

    def submit(self, spec: dict, rows: list[dict], stem: str) -> None:
        if self.font_dir != self.whole_fonts and not covers(json.dumps(spec, ensure_ascii=False), self._kept):
            self._draw_here(spec, rows, stem)
            return
        n = len(self.stems)
        self.stems.append(str(stem))
        part = self.folder / f"{n}.part"
        part.write_text(json.dumps({"spec": spec, "rows": rows, "stem": str(stem)}), encoding="utf-8")
        os.replace(part, self._job(n))  # complete before any worker can see it
        if not self._workers:
            self._start_worker()  # the warm one (it is told of every figure waiting)
            return
        for proc, _log in self._workers:
            self._tell(proc, n)
        waiting = sum(1 for i in range(n + 1) if self._job(i).exists())
        if waiting >= GROW_AT and len(self._workers) < self.max_workers:
            self._start_worker()

    def _draw_here(self, spec: dict, rows: list[dict], stem: str) -> None:
        register_fonts(Path(self.whole_fonts))
        try:
            export(spec, rows, Path(stem))
        except Exception as exc:  # reported with the workers' failures by finish
            self._drawn_here.append(f"{Path(stem).name}: {_failure(exc)}")

    def finish(self) -> None:
        """Wait for every figure; raise MonitorError naming each one that was not drawn."""
        if not self.stems:  # every figure came from the cache: no need to wait for a warm-up
            self.abort()
            self._raise(self._drawn_here)
            return
        for proc, _log in self._workers:
            try:
                proc.stdin.close()  # no more figures: the worker ends after its last one
            except OSError:
                pass  # it has died already (see below)
        for proc, _log in self._workers:
            proc.wait()
        problems = list(self._drawn_here)
        for n, stem in enumerate(self.stems):
            if (self.folder / f"{n}.done").exists():
                continue
            error = self.folder / f"{n}.error"
            why = error.read_text(encoding="utf-8") if error.exists() else self._worker_exit()
            problems.append(f"{Path(stem).name}: {why}")
        self._tmp.cleanup()
        self._raise(problems)

    @staticmethod
    def _raise(problems: list[str]) -> None:
        if problems:
            raise MonitorError("drawing the figures failed:\n" + "\n".join(f"  - {p}" for p in problems))

    def _worker_exit(self) -> str:
        for proc, log in self._workers:
            if proc.returncode:
                lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
                return f"a worker stopped (exit code {proc.returncode}): {lines[-1] if lines else '?'}"
        return "no worker drew it"

    def abort(self) -> None:
        for proc, _log in self._workers:
            proc.kill()
            proc.wait()
            try:
                proc.stdin.close()
            except OSError:
                pass
        self._tmp.cleanup()


def export_all(tasks: list[tuple], font_dir: Path, workers: int | None = None) -> None:
    """Draw the figures ``(spec, rows, stem, key)`` at once: in this process when there are
    few (or one core), else by :class:`Drawing`'s workers."""
    workers = min(workers or os.cpu_count() or 1, len(tasks))
    if workers < 2 or len(tasks) < PARALLEL_FROM:
        _export_many(tasks, str(font_dir))
        return
    with Drawing(font_dir, workers) as drawing:
        for spec, rows, stem, _key in tasks:
            drawing.submit(spec, rows, stem)
        drawing.finish()


# -- a worker kept warm by the command server ----------------------------------------------------

# The socket of a warm worker waiting for a build, set by report/command_server.py in the forks
# it runs commands in (each takes it at most once); empty in a command's own process.
STANDBY: list[Path] = []
STANDBY_IDLE = 1800.0  # seconds a warm worker waits for a build before it ends


class _Adopted:
    """A warm worker taken over from the command server, driven as :class:`Drawing` drives a
    worker it started: figure numbers written to it, the end of them, its end waited for."""

    def __init__(self, conn, pid: int):
        self.conn, self.pid, self.returncode = conn, pid, None
        self.stdin = self

    def write(self, data: bytes) -> None:
        self.conn.sendall(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        import socket

        try:
            self.conn.shutdown(socket.SHUT_WR)  # no more figures
        except OSError:
            pass

    def wait(self) -> int:
        if self.returncode is None:
            try:
                said = b"".join(iter(lambda: self.conn.recv(1 << 12), b""))
            except OSError:
                said = b""
            self.conn.close()
            self.returncode = 0 if said.endswith(b"done\n") else 1  # else it died drawing
        return self.returncode

    def kill(self) -> None:
        import signal

        try:
            os.kill(self.pid, signal.SIGKILL)
        except OSError:
            pass


def _adopt(address: Path, font_dir: str, folder: Path) -> _Adopted | None:
    """The warm worker at ``address``, given this build's fonts and folder; None when it is not
    there (taken by another command, not warm yet, gone)."""
    import socket

    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.settimeout(2.0)
        conn.connect(str(address))
        conn.sendall(json.dumps({"fonts": font_dir, "folder": str(folder)}).encode("utf-8") + b"\n")
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = conn.recv(1)
            if not chunk:
                raise OSError("the warm worker went away")
            reply += chunk
        pid = int(json.loads(reply)["pid"])
        conn.settimeout(None)
    except (OSError, ValueError, KeyError, TypeError):
        conn.close()
        return None
    return _Adopted(conn, pid)


def _standby(address: str) -> None:
    """A warm worker: start vl-convert, wait at ``address`` for one build, then draw its
    figures as a worker it started would (its fonts registered first)."""
    from report.private_socket import listen

    vlc.vegalite_to_svg(_WARM_UP, format_locale=vlc.get_format_locale(EXPORT_LOCALE))
    where = Path(address)
    listener = listen(where, 1)
    if listener is None:
        return
    try:
        listener.settimeout(STANDBY_IDLE)
        conn, _addr = listener.accept()
    except OSError:  # TimeoutError among them: nobody came
        return
    finally:
        listener.close()
        where.unlink(missing_ok=True)  # taken: the command server starts another
    with conn:
        reader = conn.makefile("rb")
        try:
            head = json.loads(reader.readline())
            register_fonts(Path(head["fonts"]))
            conn.sendall(json.dumps({"pid": os.getpid()}).encode("utf-8") + b"\n")
        except (OSError, ValueError, KeyError, TypeError):
            return
        _draw_named(Path(head["folder"]), (line.decode("utf-8") for line in reader))
        conn.sendall(b"done\n")


def _serve(font_dir: str, folder: str) -> None:
    """A worker: draw every figure named on stdin that no other worker has claimed."""
    register_fonts(Path(font_dir))
    vlc.vegalite_to_svg(_WARM_UP, format_locale=vlc.get_format_locale(EXPORT_LOCALE))
    _draw_named(Path(folder), sys.stdin)


def _failure(exc: Exception) -> str:
    first = (str(exc).strip().splitlines() or [""])[0]  # not vl-convert's JavaScript stack
    return f"{type(exc).__name__}: {first}"


def _draw_named(base: Path, lines) -> None:
    """Draw every figure of the folder ``base`` named in ``lines`` that no other worker took."""
    for line in lines:
        n = line.strip()
        mine = base / f"{n}.json.{os.getpid()}"
        try:
            os.rename(base / f"{n}.json", mine)
        except FileNotFoundError:
            continue  # another worker has it
        job = json.loads(mine.read_text(encoding="utf-8"))
        try:
            export(job["spec"], job["rows"], Path(job["stem"]))
        except Exception as exc:  # reported per figure by Drawing.finish
            (base / f"{n}.error").write_text(_failure(exc), encoding="utf-8")
            continue
        (base / f"{n}.done").write_text("", encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        _serve(sys.argv[2], sys.argv[3])
    elif sys.argv[1:2] == ["--standby"]:
        _standby(sys.argv[2])
    else:
        raise SystemExit(
            "usage: python -m report.figure_export --serve <font dir> <folder> | --standby <socket>"
        )
