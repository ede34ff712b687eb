"""The cache (report/cache.py) is correct: every input change redoes exactly what depends on it,
a damaged entry is rebuilt and never used, and warm output has the bytes of a cold build."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from report.build import build
from report.cache import CACHE_DIR, MANIFEST, Cache
from report.project import Project
from report.render import LAST_RENDER, render
from report.render import format_cache as fc

# -- the store itself (fast) ---------------------------------------------------------------------


def test_entry_round_trip_and_damage_is_detected(tmp_path: Path):
    cache = Cache(tmp_path / "c")
    src = tmp_path / "site"
    (src / "sub").mkdir(parents=True)
    (src / "index.html").write_text("<p>a</p>", encoding="utf-8")
    (src / "sub" / "x.bin").write_bytes(b"\x00\x01" * 1000)
    assert cache.get("k", "a" * 64) is None
    cache.put("k", "a" * 64, {"": src})
    cache.put("k", "b" * 64, {"one.txt": "één"})
    entry = cache.get("k", "a" * 64)
    assert entry is not None and entry.files == ("index.html", "sub/x.bin")
    out = tmp_path / "out"
    entry.copy_to(out)
    assert (out / "sub" / "x.bin").read_bytes() == (src / "sub" / "x.bin").read_bytes()

    folder = entry.path
    damages = {
        "flipped byte": lambda: (folder / "sub" / "x.bin").write_bytes(b"\x00\x02" * 1000),
        "truncated": lambda: (folder / "sub" / "x.bin").write_bytes(b"\x00\x01" * 999),
        "missing file": lambda: (folder / "index.html").unlink(),
        "extra file": lambda: (folder / "stray.txt").write_text("?"),
        "half written (no manifest)": lambda: (folder / MANIFEST).unlink(),
        "manifest garbage": lambda: (folder / MANIFEST).write_text("{not json"),
    }
    for what, damage in damages.items():
        cache.put("k", "a" * 64, {"": src})
        assert cache.get("k", "a" * 64) is not None
        damage()
        assert cache.get("k", "a" * 64) is None, what
        assert not folder.exists(), f"{what}: the damaged entry is removed"
    assert len(cache.rejected) == len(damages)
    assert cache.get("k", "b" * 64).file("one.txt").read_text(encoding="utf-8") == "één"


def test_entry_under_the_wrong_key_is_not_used(tmp_path: Path):
    cache = Cache(tmp_path / "c")
    entry = cache.put("k", "a" * 64, {"x": b"1"})
    other = cache._entry_dir("k", "b" * 64)
    other.parent.mkdir(parents=True, exist_ok=True)
    os.replace(entry.path, other)  # e.g. a copied folder: its manifest names another key
    assert cache.get("k", "b" * 64) is None


def test_pruning_keeps_the_store_bounded(tmp_path: Path):
    cache = Cache(tmp_path / "c", max_entries=3, max_bytes=10_000, max_age_days=1)
    for i in range(6):
        cache.put("fig", f"{i:064d}", {"f": b"x" * 100})
        os.utime(cache._entry_dir("fig", f"{i:064d}") / MANIFEST, (1e9 + i, time.time() - 100 + i))
    assert cache.prune() == 3
    assert sorted(p.name for p in (tmp_path / "c" / "fig").glob("*/*")) == [f"{i:064d}" for i in (3, 4, 5)]
    cache.put("big", "e" * 64, {"f": b"x" * 20_000})  # over max_bytes alone
    cache.prune()
    assert cache.get("big", "e" * 64) is None
    old = cache._entry_dir("fig", f"{5:064d}") / MANIFEST
    os.utime(old, (0, time.time() - 3 * 86400))
    cache.prune()
    assert cache.get("fig", f"{5:064d}") is None, "unused for longer than max_age_days"
    stale = tmp_path / "c" / "tmp" / "fig-dead"
    stale.mkdir(parents=True)
    os.utime(stale, (0, time.time() - 7200))
    cache.prune()
    assert not stale.exists(), "a half-written entry of a process that died is removed"


def test_disabled_cache_stores_nothing(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("MONITOR_CACHE", "off")
    cache = Cache(tmp_path / "c")
    assert cache.put("k", "a" * 64, {"x": b"1"}) is None
    assert cache.get("k", "a" * 64) is None and not (tmp_path / "c").exists()


# -- the whole report (slow) ---------------------------------------------------------------------

OUTPUTS = ("pdf", "docx", "html")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    from conftest import copy_project

    root = copy_project(tmp_path_factory.mktemp("cache") / "project")
    project = Project(root)
    from report.clean import clean

    clean(project)
    first = build(project)
    assert first.exported, "a cold build exports every figure"
    render(root)
    assert sorted(LAST_RENDER["rendered"]) == sorted(OUTPUTS)
    return project


def _snapshot(folder: Path) -> dict[str, bytes]:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in files}


def _outputs(root: Path) -> dict[str, dict[str, bytes]]:
    book = root / "_book"
    out = {"html": _snapshot(book / "html")}
    for fmt in ("pdf", "docx"):
        (path,) = book.glob(f"*.{fmt}")
        out[fmt] = {path.name: path.read_bytes()}
    return out


def _step(project: Project) -> tuple[list[str], list[str], dict]:
    """Build and render; (figures exported, formats rendered, outputs)."""
    before = _outputs(project.root)
    result = build(project)
    render(project.root)
    after = _outputs(project.root)
    changed = sorted(f for f in OUTPUTS if after[f] != before[f])
    assert set(changed) <= set(LAST_RENDER["rendered"]), "a format copied from the cache cannot change"
    return result.exported, sorted(LAST_RENDER["rendered"]), after


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path}: '{old}' not found"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.slow
def test_each_input_change_redoes_exactly_what_depends_on_it(rendered: Project, monkeypatch):
    root = rendered.root
    # Nothing changed: nothing is drawn or rendered.
    exported, formats, _ = _step(rendered)
    assert (exported, formats) == ([], [])

    # A data value of one indicator: its figure and the Samenhang figure of its market.
    obs = root / "data" / "clean" / "observations.csv"
    _edit(obs, "hennepkwekerijen,aantal,wiet,NL,2014,5164,", "hennepkwekerijen,aantal,wiet,NL,2014,5170,")
    exported, formats, out = _step(rendered)
    assert exported == ["hennepkwekerijen-aantal", "samenhang-cannabis"]
    assert formats == sorted(OUTPUTS)
    assert ";2014;5170," in out["html"]["figuren/hennepkwekerijen-aantal.csv"].decode()
    # and the figure on its page (its spec and table, kept in the cache as the figures' HTML)
    (page,) = [v.decode() for k, v in out["html"].items() if b'id="chart-fig-hennepkwekerijen-aantal"' in v]
    figure = page.split('id="chart-fig-hennepkwekerijen-aantal"', 1)[1].split("</details>", 1)[0]
    assert "5.170" in figure and "5.164" not in figure and '"waarde":5170' in figure.replace(" ", "")

    # A registry caveat: text everywhere, no figure.
    _edit(root / "data" / "indicators.yml", "opsporingsdiensten: het zegt", "opsporingsdiensten; het zegt")
    exported, formats, out = _step(rendered)
    assert exported == [] and formats == sorted(OUTPUTS)
    assert any(b"opsporingsdiensten; het zegt" in v for v in out["html"].values())

    # A template word: text, no figure.
    _edit(root / "chapters" / "sjablonen" / "nl" / "indicator.md.j2", "· kwaliteit:", "· kwaliteitsoordeel:")
    exported, formats, out = _step(rendered)
    assert exported == [] and formats == sorted(OUTPUTS)
    assert any(b"kwaliteitsoordeel" in v for v in out["html"].values())

    # A chapter sentence: no build, every format.
    _edit(root / "chapters" / "02-import.qmd", "Veel drugs die", "Heel veel drugs die")
    exported, formats, _ = _step(rendered)
    assert exported == [] and formats == sorted(OUTPUTS)

    # A style (report/render/assets/monitor.css is part of the HTML's render code, see
    # test_render_code_of_a_format_is_its_own): only the HTML site.
    monkeypatch.setattr(
        fc, "render_code", lambda fmt, real=fc.render_code: real(fmt) + ("-css2" if fmt == "html" else "")
    )
    exported, formats, _ = _step(rendered)
    assert exported == [] and formats == ["html"]

    # The code version of the Typst templates: only the PDF.
    monkeypatch.setattr(
        fc, "render_code", lambda fmt, real=fc.render_code: real(fmt) + ("-typ2" if fmt == "pdf" else "")
    )
    exported, formats, _ = _step(rendered)
    assert exported == [] and formats == ["pdf"]
    monkeypatch.undo()

    # Undo the style and Typst change: both come back from the cache, nothing is drawn.
    exported, formats, _ = _step(rendered)
    assert exported == [] and formats == []


@pytest.mark.slow
def test_format_keys_follow_their_own_inputs(rendered: Project, monkeypatch):
    """The font files count for PDF and HTML, not for DOCX (Word uses its own fonts); the
    render code of one format's templates only for that format; a figure for every format."""
    from report.render.book import load_book

    book = load_book(rendered.root)
    keys = {f: fc.format_key(book, f, None) for f in OUTPUTS}
    font = rendered.root / "fonts" / "OFL.txt"
    original = font.read_bytes()
    font.write_bytes(original + b"\n")
    try:
        changed = {f for f in OUTPUTS if fc.format_key(book, f, None) != keys[f]}
    finally:
        font.write_bytes(original)
    assert changed == {"pdf", "html"}
    svg = next((rendered.root / "_generated" / "figuren").glob("*.svg"))
    png = svg.with_suffix(".png")
    data = png.read_bytes()
    png.write_bytes(data + b"\0")
    try:
        assert all(fc.format_key(book, f, None) != keys[f] for f in OUTPUTS)
    finally:
        png.write_bytes(data)
    assert all(fc.format_key(book, f, None) == keys[f] for f in OUTPUTS)
    draft = {"label": "CONCEPT", "version": "x", "date": "2025-06-30"}
    assert {f for f in OUTPUTS if fc.format_key(book, f, draft) != keys[f]} == {"pdf", "docx"}


def test_render_code_of_a_format_is_its_own():
    base = Path(fc.__file__).parent
    files = {f: {p.relative_to(base).as_posix() for p in fc.render_files(f)} for f in OUTPUTS}
    assert "assets/monitor.css" in files["html"] and "templates/html/page.html" in files["html"]
    assert "templates/typst/monitor.typst" in files["pdf"]
    for f in OUTPUTS:
        assert {"crossref.py", "filters/monitor.lua", "book.py", "pandoc.py", f"{f}.py"} <= files[f]
    assert not any(p.startswith(("assets/", "templates/")) for p in files["docx"])
    assert not any(p.startswith(("assets/", "templates/html")) for p in files["pdf"])


@pytest.mark.slow
def test_figure_key_follows_fonts_spec_and_code(rendered: Project, monkeypatch):
    from report import figures as fig

    spec = json.loads(next((rendered.root / "_generated" / "figuren").glob("*.vl.json")).read_text())
    fonts = fig.fonts_hash(rendered.root / "fonts")
    key = fig.export_key(spec, [], fonts)
    assert fig.export_key({**spec, "width": 1}, [], fonts) != key
    assert fig.export_key(spec, [{"jaar": 2020}], fonts) != key
    assert fig.export_key(spec, [], fonts + "x") != key
    import report.cache

    real = report.cache.code_version
    monkeypatch.setattr(report.cache, "code_version", lambda part="": real(part) + "-new")
    assert fig.export_key(spec, [], fonts) != key


@pytest.mark.slow
def test_damaged_entries_are_rebuilt_never_used(rendered: Project):
    root = rendered.root
    gen = root / "_generated" / "figuren"
    good_svg = (gen / "hennepkwekerijen-aantal.svg").read_bytes()
    good_pdf = next((root / "_book").glob("*.pdf")).read_bytes()
    cache = Cache.of_project(root)
    # Damage the cached figure (its SVG) and the cached PDF; remove a manifest (half written).
    damaged = 0
    for manifest in (root / CACHE_DIR / "figure").glob(f"*/*/{MANIFEST}"):
        entry = cache.get("figure", manifest.parent.name)
        if entry and (entry.path / "figure.svg").read_bytes() == good_svg:
            (entry.path / "figure.svg").write_bytes(good_svg[: len(good_svg) // 2])
            damaged += 1
    assert damaged == 1
    for manifest in (root / CACHE_DIR / "format-pdf").glob(f"*/*/{MANIFEST}"):
        pdf = next(p for p in manifest.parent.iterdir() if p.suffix == ".pdf")
        pdf.write_bytes(pdf.read_bytes()[:-100])
    for manifest in (root / CACHE_DIR / "format-docx").glob(f"*/*/{MANIFEST}"):
        manifest.unlink()
    result = build(rendered, force=True)
    assert result.exported == ["hennepkwekerijen-aantal"]
    assert (gen / "hennepkwekerijen-aantal.svg").read_bytes() == good_svg
    render(root)
    assert sorted(LAST_RENDER["rendered"]) == ["docx", "pdf"]
    assert next((root / "_book").glob("*.pdf")).read_bytes() == good_pdf


@pytest.mark.slow
def test_warm_cache_output_is_byte_identical_to_cold(rendered: Project, tmp_path: Path, monkeypatch):
    root = rendered.root
    build(rendered, force=True)  # figures and charts from the cache
    warm_generated = _snapshot(root / "_generated")
    render(root)
    warm = _outputs(root)
    monkeypatch.setenv("MONITOR_CACHE", "off")
    build(rendered, force=True)  # every chart built and figure exported again
    assert _snapshot(root / "_generated") == warm_generated
    render(root, out_dir=tmp_path / "cold")
    assert LAST_RENDER["rendered"] == list(OUTPUTS)
    cold = {"html": _snapshot(tmp_path / "cold" / "html")}
    for fmt in ("pdf", "docx"):
        (path,) = (tmp_path / "cold").glob(f"*.{fmt}")
        cold[fmt] = {path.name: path.read_bytes()}
    for fmt in OUTPUTS:
        assert cold[fmt].keys() == warm[fmt].keys(), fmt
        differ = [name for name in cold[fmt] if cold[fmt][name] != warm[fmt][name]]
        assert differ == [], f"{fmt}: {differ[:5]}"


def test_every_file_the_book_names_is_part_of_a_format_key(tmp_path: Path):
    """Figures bring their PNG, CSV and spec; a path with a space (written as <...>) counts too."""
    from types import SimpleNamespace

    figs = tmp_path / "_generated" / "figuren"
    figs.mkdir(parents=True)
    for suffix in (".svg", ".png", ".csv", ".vl.json"):
        (figs / f"a-b{suffix}").write_text(suffix, encoding="utf-8")
    (tmp_path / "x y.png").write_bytes(b"png")
    root = tmp_path.as_posix()
    book = SimpleNamespace(
        root=tmp_path, markdown=f"![A]({root}/_generated/figuren/a-b.svg){{#fig-a}}\n![B](<{root}/x y.png>)\n"
    )
    names = [p.relative_to(tmp_path).as_posix() for p in fc.referenced_files(book)]
    assert names == [f"_generated/figuren/a-b{s}" for s in (".csv", ".png", ".svg", ".vl.json")] + ["x y.png"]


def test_builds_and_renders_prune_now_and_then(tmp_path: Path, monkeypatch):
    """prune_now_and_then prunes when the last prune is more than PRUNE_EVERY seconds ago."""
    from report import cache as cache_module

    cache = Cache(tmp_path / "c", max_entries=1)
    for i in range(3):
        cache.put("fig", f"{i:064d}", {"f": b"x"})
    assert cache.prune_now_and_then() == 2  # never pruned before
    for i in range(3, 6):
        cache.put("fig", f"{i:064d}", {"f": b"x"})
    assert cache.prune_now_and_then() == 0, "pruned a moment ago"
    stamp = tmp_path / "c" / cache_module.PRUNE_STAMP
    os.utime(stamp, (0, time.time() - cache_module.PRUNE_EVERY - 1))
    assert cache.prune_now_and_then() == 3
    assert [e[2] for e in cache.entries()] == ["fig"], "the stamp is not an entry"


def test_a_files_hash_is_kept_only_while_its_signature_holds_and_once_it_settled(tmp_path: Path, monkeypatch):
    import report.cache as cache_module

    path = tmp_path / "figure.svg"
    path.write_bytes(b"<svg>1</svg>")
    read = []
    real_open = open

    def counting_open(name, *args, **kwargs):
        read.append(name)
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr(cache_module, "open", counting_open, raising=False)
    first = cache_module.file_hash(path)
    assert cache_module.file_hash(path) == first and len(read) == 2, "just written: read every time"
    # Seconds later (the clock moved on): kept, and not read again while nothing changed.
    now = time.time_ns() + 3 * cache_module.SETTLED_NS
    monkeypatch.setattr(cache_module.time, "time_ns", lambda: now)
    cache_module.file_hash(path)
    assert cache_module.file_hash(path) == first and len(read) == 3
    time.sleep(0.05)  # a clock tick or more: the rewrite gets another change time
    path.write_bytes(b"<svg>2</svg>")  # the same size
    second = cache_module.file_hash(path)
    assert second != first and len(read) == 4
    assert second == cache_module.hashlib.sha256(b"<svg>2</svg>").hexdigest()
