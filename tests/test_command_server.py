"""The command server (report/command_server.py): a command it runs gives the outputs, exit
status and messages the command gives in its own process; without a server a command runs in its
own process and starts one; a socket nobody answers at is not waited for; its address changes
with the code."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import copy_project

from report import command_server

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def sockets():
    """The environment of a command that may use the server, with a socket folder of the test's
    own (short: a socket's path has at most 107 bytes), and the server's address in it."""
    folder = Path(tempfile.mkdtemp(prefix="mcs", dir="/tmp"))
    env = dict(os.environ, TMPDIR=str(folder), MONITOR_SERVER="on")
    code = "from report.command_server import server_address; print(server_address())"
    where = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True)
    address = Path(where.stdout.strip())
    assert address.parent == folder / f"monitor-{os.getuid()}"
    assert oct(address.parent.stat().st_mode & 0o777) == "0o700"
    yield address, env
    command_server.ask(address, "stop")
    shutil.rmtree(folder, ignore_errors=True)


def _monitor(args: list[str], env: dict, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "report", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def _start_server(address: Path, env: dict) -> Path:
    subprocess.Popen(
        [sys.executable, "-m", "report.command_server", str(address)],
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return _wait_for_server(address)


def _wait_for_server(address: Path, wait: float = 60.0) -> Path:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if command_server.ask(address, "status") is not None:
            return address
        time.sleep(0.1)
    raise AssertionError(f"no command server answered at {address} within {wait} s")


def _files(root: Path, *folders: str) -> dict[str, bytes]:
    out = {}
    for folder in folders:
        for path in sorted((root / folder).rglob("*")):
            if path.is_file():
                out[path.relative_to(root).as_posix()] = path.read_bytes()
    return out


def _warm_figure_worker(address: Path, wait: float = 60.0) -> Path:
    """The socket of the figure worker the server keeps warm, once it waits."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        found = sorted(address.parent.glob("figures-*.sock"))
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"no warm figure worker in {address.parent} within {wait} s")


def test_a_served_render_writes_what_a_render_in_its_own_process_writes(sockets, tmp_path):
    address, env = sockets
    _start_server(address, env)
    warm = _warm_figure_worker(address)
    here, served = copy_project(tmp_path / "here"), copy_project(tmp_path / "served")
    own = _monitor(["render", "--root", str(here)], dict(env, MONITOR_SERVER="off"))
    assert own.returncode == 0, own.stderr
    by_server = _monitor(["render", "--root", str(served)], env)
    assert by_server.returncode == 0, by_server.stderr
    assert command_server.ask(address, "status")["served"] == 1, "the render was the server's"
    # its figures were drawn by the warm worker (its fonts given after vl-convert started) too
    assert not warm.exists(), "the warm figure worker was taken"
    _warm_figure_worker(address)  # and another one waits for the next build
    assert "render: done in" in by_server.stderr  # the command's own messages, on its own stderr
    mine, theirs = _files(here, "_book", "_generated"), _files(served, "_book", "_generated")
    assert sorted(mine) == sorted(theirs)
    assert len(mine) > 50
    differ = [name for name in mine if mine[name] != theirs[name]]
    assert not differ, f"served output differs from the own process's: {differ[:5]}"
    assert (here / "_variables.yml").read_bytes() == (served / "_variables.yml").read_bytes()


def test_a_served_command_fails_as_it_fails_in_its_own_process(sockets, tmp_path):
    address, env = sockets
    _start_server(address, env)
    root = copy_project(tmp_path / "project")
    chapter = root / "chapters" / "02-import.qmd"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nZie {{< var editie.jaar\n", encoding="utf-8")
    assert _monitor(["build", "--root", str(root)], dict(env, MONITOR_SERVER="off")).returncode == 0
    own = _monitor(["check", "--root", str(root)], dict(env, MONITOR_SERVER="off"))
    by_server = _monitor(["check", "--root", str(root)], env)
    assert command_server.ask(address, "status")["served"] == 1
    assert own.returncode == by_server.returncode != 0
    assert "02-import.qmd" in by_server.stdout + by_server.stderr
    assert (by_server.stdout, by_server.stderr) == (own.stdout, own.stderr)
    # its working folder and arguments are the command's: the project found from where it runs
    missing = _monitor(["build"], env, cwd=tmp_path)
    assert missing.returncode == 1 and "not inside a monitor project" in missing.stderr
    assert command_server.ask(address, "status")["served"] == 2


def test_without_a_server_a_command_runs_in_its_own_process_and_starts_one(sockets, tmp_path):
    address, env = sockets
    # a socket nobody answers at (a server killed with -9): not waited for, taken over
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(address))
    dead.close()
    root = copy_project(tmp_path / "project")
    started = time.monotonic()
    first = _monitor(["build", "--root", str(root)], env)
    assert first.returncode == 0, first.stderr
    assert time.monotonic() - started < 60
    _wait_for_server(address)  # started by that command, for the next one
    assert command_server.ask(address, "status")["served"] == 0
    again = _monitor(["build", "--root", str(root)], env)
    assert again.returncode == 0 and "up to date" in again.stderr
    assert command_server.ask(address, "status")["served"] == 1


def test_the_address_changes_with_the_code(tmp_path, monkeypatch):
    monkeypatch.setattr("report.private_socket.private_folder", lambda: tmp_path)
    package = tmp_path / "copy" / "report"
    shutil.copytree(ROOT / "report", package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(command_server, "__file__", str(package / "command_server.py"))
    before = command_server.server_address()
    assert command_server.server_address() == before
    target = package / "render" / "docx.py"
    target.write_text(target.read_text(encoding="utf-8") + "\n# another version\n", encoding="utf-8")
    assert command_server.server_address() != before


def test_which_commands_go_to_the_server(monkeypatch):
    monkeypatch.setenv(command_server.ENV, "on")
    assert all(command_server.wanted([name, "--root", "x"]) for name in ("render", "build", "check"))
    # not a preview (it stays, and is warm itself), nor what is quick anyway or writes data/
    assert not any(command_server.wanted([name]) for name in ("preview", "status", "clean", "review"))
    assert not command_server.wanted([])
    monkeypatch.setenv(command_server.ENV, "off")
    assert not command_server.wanted(["render"])
    assert command_server.run_served(["render"]) is None


def test_a_served_usage_error_reads_as_in_its_own_process(sockets):
    address, env = sockets
    _start_server(address, env)
    own = _monitor(["render", "--no-such-option"], dict(env, MONITOR_SERVER="off"))
    by_server = _monitor(["render", "--no-such-option"], env)
    assert command_server.ask(address, "status")["served"] == 1
    assert own.returncode == by_server.returncode == 2
    assert "python -m report render" in by_server.stderr  # its name as the command was typed
    assert (by_server.stdout, by_server.stderr) == (own.stdout, own.stderr)


def test_the_server_holds_no_thread_and_nothing_worked_out_before_a_command():
    """A fork copies one thread and everything the server worked out: it must have no other
    thread (a lock held by one would stay locked in every fork) and no cached result (a
    command would see another's, e.g. the render code's hash from before a filter changed)."""
    probe = (
        "import json, os, sys\n"
        "from report.command_server import load\n"
        "load()\n"
        "cached = [f'{n}.{a}' for n, m in list(sys.modules.items()) if n.startswith('report')\n"
        "          for a, f in vars(m).items() if callable(getattr(f, 'cache_info', None))\n"
        "          and f.cache_info().currsize]\n"
        "names = ('pandas', 'altair', 'report.builder', 'report.render.docx')\n"
        "print(json.dumps({'threads': len(os.listdir('/proc/self/task')), 'cached': cached,\n"
        "                  'loaded': [n for n in names if n in sys.modules]}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("JE_ARROW_MALLOC_CONF", "OPENBLAS_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    state = json.loads(out.stdout)
    assert state == {
        "threads": 1,
        "cached": [],
        "loaded": ["pandas", "altair", "report.builder", "report.render.docx"],
    }


def test_ctrl_c_stops_a_served_build_as_it_stops_one_in_its_own_process(sockets, tmp_path):
    import signal

    address, env = sockets
    _start_server(address, env)
    for mode in ("off", "on"):
        root = copy_project(tmp_path / mode)  # a first build: ~5 s of figures, stopped after 2
        proc = subprocess.Popen(
            [sys.executable, "-m", "report", "build", "--root", str(root)],
            cwd=ROOT,
            env=dict(env, MONITOR_SERVER=mode),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            # as from a terminal: a test run in the background has SIGINT ignored, and a child
            # would inherit that
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        time.sleep(2.0)
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 130, err
        assert "Interrupted. Outputs are swapped in whole" in err
        assert not (root / "_generated").exists(), "nothing half-written"
        assert not list(root.glob(".monitor-tmp-*"))
    assert command_server.ask(address, "status")["served"] == 1
