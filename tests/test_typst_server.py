"""The Typst server (report/render/typst_server.py): the PDF it compiles is the PDF a fresh
process compiles, after an edit too; errors come back; without a server the render compiles
itself; a socket left by a killed server is taken over; an idle server ends."""

from __future__ import annotations

import shutil
import socket
import time
from pathlib import Path

import pytest

from report.errors import MonitorError
from report.render import typst_server

FONTS = Path(__file__).resolve().parents[1] / "fonts"
SOURCE = '#set document(title: "Proef")\n#set text(font: "Noto Sans", lang: "nl")\n= Hoofdstuk\n\n{words}\n'
STAMP = 1751241600


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv(typst_server.ENV, "on")
    monkeypatch.setenv("MONITOR_TYPST_IDLE", "30")  # read by the server it starts
    root = tmp_path / "project"
    (root / "out").mkdir(parents=True)
    fonts = root / "fonts"
    shutil.copytree(FONTS, fonts)
    yield root.resolve(), fonts.resolve()
    typst_server.stop_server(root.resolve(), fonts.resolve())


def _fresh(root: Path, fonts: Path, source: str, name: str) -> bytes:
    pdf = root / "out" / f"{name}.pdf"
    typst_server.compile_here(root, source, root / "out" / f"{name}.typ", pdf, fonts, STAMP)
    return pdf.read_bytes()


def test_the_server_compiles_after_an_edit_what_a_fresh_process_compiles(project):
    root, fonts = project
    first, second = root / "out" / "a.pdf", root / "out" / "b.pdf"
    assert (
        typst_server.compile_pdf(root, SOURCE.format(words="Eerste tekst."), "boek", first, fonts, STAMP)
        == "server"
    )
    pid = typst_server.LAST_REPLY["pid"]
    edited = SOURCE.format(words="Tweede, andere tekst.")
    assert typst_server.compile_pdf(root, edited, "boek", second, fonts, STAMP) == "server"
    assert typst_server.LAST_REPLY["pid"] == pid, "the same server, with what it laid out before"
    assert second.read_bytes() == _fresh(root, fonts, edited, "fresh")
    assert first.read_bytes() != second.read_bytes()
    assert typst_server.main_path(root, "boek").read_text(encoding="utf-8") == edited


def test_a_typst_error_comes_back_with_typsts_message(project):
    root, fonts = project
    with pytest.raises(MonitorError, match="Typst could not make the PDF.*unknown variable"):
        typst_server.compile_pdf(
            root, '#set document(title: "x")\n#onbekend\n', "boek", root / "out" / "x.pdf", fonts, STAMP
        )
    # and the server still answers
    assert (
        typst_server.compile_pdf(
            root, SOURCE.format(words="Goed."), "boek", root / "out" / "y.pdf", fonts, STAMP
        )
        == "server"
    )


def test_without_a_server_the_render_compiles_itself(project, monkeypatch):
    root, fonts = project
    monkeypatch.setattr(typst_server, "_start", lambda *a: None)
    pdf = root / "out" / "a.pdf"
    assert typst_server.compile_pdf(root, SOURCE.format(words="Tekst."), "boek", pdf, fonts, STAMP) == "here"
    assert pdf.read_bytes() == _fresh(root, fonts, SOURCE.format(words="Tekst."), "fresh")
    monkeypatch.setenv(typst_server.ENV, "off")
    assert typst_server.compile_pdf(root, SOURCE.format(words="Tekst."), "boek", pdf, fonts, STAMP) == "here"


def test_a_server_that_ends_at_its_start_is_not_waited_for(project, monkeypatch):
    import subprocess
    import sys

    root, fonts = project
    monkeypatch.setattr(
        typst_server, "_start", lambda *a: subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    )
    started = time.monotonic()
    pdf = root / "out" / "a.pdf"
    assert typst_server.compile_pdf(root, SOURCE.format(words="Tekst."), "boek", pdf, fonts, STAMP) == "here"
    assert time.monotonic() - started < typst_server.START_WAIT / 2 and pdf.is_file()


def test_a_socket_left_by_a_killed_server_is_taken_over(project):
    root, fonts = project
    address = typst_server.server_address(root, fonts)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(address))  # bound, never listening, not removed: as a server killed with -9
    stale.close()
    assert address.exists()
    pdf = root / "out" / "a.pdf"
    assert (
        typst_server.compile_pdf(root, SOURCE.format(words="Tekst."), "boek", pdf, fonts, STAMP) == "server"
    )


def test_an_idle_server_ends_and_removes_its_socket(project, monkeypatch):
    root, fonts = project
    monkeypatch.setenv("MONITOR_TYPST_IDLE", "1")
    typst_server.compile_pdf(
        root, SOURCE.format(words="Tekst."), "boek", root / "out" / "a.pdf", fonts, STAMP
    )
    address = typst_server.server_address(root, fonts)
    for _ in range(100):
        if not address.exists():
            break
        time.sleep(0.1)
    assert not address.exists(), "the server still listens after its idle time"


def test_the_server_writes_no_pdf_outside_the_project(project, tmp_path):
    root, fonts = project
    typst_server.compile_pdf(
        root, SOURCE.format(words="Tekst."), "boek", root / "out" / "a.pdf", fonts, STAMP
    )
    address = typst_server.server_address(root, fonts)
    request = {"root": str(root), "stem": "boek", "pdf": str(tmp_path / "elders.pdf"), "fonts": str(fonts)}
    reply = typst_server._ask(address, {**request, "timestamp": STAMP, "source": SOURCE.format(words="x")})
    assert "inside the project" in reply["error"] and not (tmp_path / "elders.pdf").exists()
    with pytest.raises(MonitorError):
        typst_server.main_path(root, "../boek")


def test_the_books_pdf_by_the_server_is_the_pdf_without_it(tmp_path, monkeypatch):
    """The mini book rendered twice (an edit between): the PDF by the server is the PDF of a
    render that compiles in its own process."""
    from report.render import render

    fixture = Path(__file__).parent / "fixtures" / "mini_book"
    monkeypatch.setenv(typst_server.ENV, "on")
    monkeypatch.setenv("MONITOR_TYPST_IDLE", "30")
    served = Path(shutil.copytree(fixture, tmp_path / "served"))
    alone = Path(shutil.copytree(fixture, tmp_path / "alone"))
    try:
        render(served, formats=("pdf",))
        for root in (served, alone):
            chapter = root / "chapters/02-import.qmd"
            chapter.write_text(
                chapter.read_text(encoding="utf-8").replace("steeg", "groeide"), encoding="utf-8"
            )
        pdf = render(served, formats=("pdf",))["pdf"]
        assert typst_server.LAST_REPLY.get("ok")
        monkeypatch.setenv(typst_server.ENV, "off")
        assert pdf.read_bytes() == render(alone, formats=("pdf",))["pdf"].read_bytes()
    finally:
        from types import SimpleNamespace

        from report.render.pdf import fonts_dir

        typst_server.stop_server(served.resolve(), fonts_dir(SimpleNamespace(root=served.resolve())))


def test_a_socket_folder_of_another_user_is_not_used(project, monkeypatch, tmp_path):
    """Someone else made the folder the sockets go in: no server, the PDF is compiled here."""
    import os

    root, fonts = project
    from report import private_socket

    monkeypatch.setattr(private_socket.tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    folder = tmp_path / "tmp" / f"monitor-{os.getuid()}"
    folder.mkdir(parents=True)
    monkeypatch.setattr(os, "getuid", lambda: 4242)  # this user is another than the folder's owner
    (tmp_path / "tmp" / "monitor-4242").mkdir()
    pdf = root / "out" / "a.pdf"
    assert typst_server.compile_pdf(root, SOURCE.format(words="Tekst."), "boek", pdf, fonts, STAMP) == "here"
    assert pdf.is_file() and not list((tmp_path / "tmp").rglob("*.sock"))
