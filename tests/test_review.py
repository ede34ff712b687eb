"""Review round trip: the draft (names, marking, anchors), `review collect` and `review apply`.

The mini book (tests/fixtures/mini_book) is rendered once per module: the final DOCX, then the
draft PDF and DOCX. Reviewed copies are made with python-docx + raw WordprocessingML and with
LibreOffice (flat ODT with annotations and tracked changes → DOCX), see tests/review_docs.py.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from review_docs import review_with_libreoffice, review_with_python_docx, soffice_convert

from report.errors import MonitorError
from report.render import render
from report.review.apply import plan
from report.review.collect import collect, read_reviews
from report.review.package import ReviewFileError, open_reviewed

FIXTURE = Path(__file__).parent / "fixtures" / "mini_book"
REPORT = "mini-monitor"


# Nine columns with the longest words of the real report's Samenhang tables (each word only
# here, so a broken one is seen in the PDF text).
_ROWS = [
    ["Nr.", "Indicator", "Maat", "Markt", "Jaar", "Waarde", "Vorig jaar", "Waarde vorig jaar", "Verandering"],
    ["---:", "---", "---", "---", "---:", "---:", "---:", "---:", "---"],
    ["9", "Straatprijzen/consumentenprijzen", "laatstejaarsgebruik onder volwassenen (%)", "cannabis",
     "2024", "19.380*", "2023", "18.510", "vrijwel gelijk"],
    ["14", "Drugsafvaldumpingen en hennepkwekerijen", "aantal drugsafvaldumpingen", "synthetische",
     "2024", "3.947*", "2023", "4.871", "-19%"],
]  # fmt: skip
WIDE_TABLE = (
    "\nZie @tbl-breed voor de brede tabel.\n\n"
    + "\n".join("| " + " | ".join(r) + " |" for r in _ROWS)
    + "\n\n: Een brede tabel {#tbl-breed}\n"
)
WIDE_WORDS = [
    "Straatprijzen/",
    "consumentenprijzen",
    "laatstejaarsgebruik",
    "volwassenen",
    "Drugsafvaldumpingen",
    "drugsafvaldumpingen",
    "hennepkwekerijen",
    "synthetische",
    "Verandering",
]


@pytest.fixture(scope="module")
def draft(tmp_path_factory):
    base = tmp_path_factory.mktemp("review")
    root = Path(shutil.copytree(FIXTURE, base / "mini_book"))
    appendix = root / "chapters" / "a-overzicht.qmd"
    appendix.write_text(appendix.read_text(encoding="utf-8") + WIDE_TABLE, encoding="utf-8")
    final = render(root, formats=("docx",))["docx"]
    final_bytes = final.read_bytes()
    outputs = render(root, formats=("pdf", "docx"), draft=True)
    reviewed = review_with_python_docx(outputs["docx"], base / "reviewed-python-docx.docx")
    return {
        "root": root,
        "base": base,
        "final": final,
        "final_bytes": final_bytes,
        "pdf": outputs["pdf"],
        "docx": outputs["docx"],
        "reviewed": reviewed,
    }


def pdf_pages(pdf: Path) -> list[str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True, text=True).stdout
    n = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    return [
        subprocess.run(
            ["pdftotext", "-layout", "-f", str(i), "-l", str(i), str(pdf), "-"],
            capture_output=True,
            check=True,
            text=True,
        ).stdout
        for i in range(1, n + 1)
    ]


# --- the draft ------------------------------------------------------------------------------


def test_draft_has_its_own_names_and_leaves_the_final_alone(draft):
    version = re.search(r"-concept-(2025-[0-9a-f]{8})\.docx$", draft["docx"].name).group(1)
    assert draft["docx"].name == f"{REPORT}-2025-concept-{version}.docx"
    assert draft["pdf"].name == f"{REPORT}-2025-concept-{version}.pdf"
    assert draft["final"].exists() and draft["final"].read_bytes() == draft["final_bytes"]
    assert not (draft["root"] / "_book" / f"{REPORT}-2025.pdf").exists()  # the draft wrote no final PDF
    with pytest.raises(MonitorError, match="no draft mode"):
        render(draft["root"], formats=("html",), draft=True)


def test_a_final_render_keeps_the_drafts(draft, tmp_path):
    book = tmp_path / "book"
    shutil.copytree(draft["root"] / "_book", book)
    render(draft["root"], formats=("docx",), out_dir=book)
    assert (book / draft["docx"].name).read_bytes() == draft["docx"].read_bytes()


def test_draft_version_changes_with_the_registry_data(draft, tmp_path):
    from report.render.book import load_book
    from report.render.draft import draft_version

    root = Path(shutil.copytree(FIXTURE, tmp_path / "b"))
    before = draft_version(load_book(root))
    (root / "data").mkdir(exist_ok=True)
    (root / "data" / "indicators.yml").write_text("indicators: []\n", encoding="utf-8")
    assert draft_version(load_book(root)) != before
    assert re.fullmatch(r"2025-[0-9a-f]{8}", before)


def test_every_pdf_page_has_concept_version_date_and_a_page_number(draft):
    version = draft["docx"].stem.split("-concept-")[1]
    mark = f"CONCEPT — niet citeren — versie {version} — 30 juni 2025"
    pages = pdf_pages(draft["pdf"])
    assert len(pages) >= 6
    for i, text in enumerate(pages, start=1):
        assert mark in " ".join(text.split()), f"page {i} lacks the draft marking"
        assert re.search(rf"(^|\s){i}\s*$", text.strip()), f"page {i} lacks its page number"
    # line numbers restart on each page: a body page starts its text lines at 1
    body = next(t for t in pages if "Tekst over de kwaliteit" in t)
    numbers = [int(m.group(1)) for m in re.finditer(r"^\s*(\d+)\s{2,}\S", body, flags=re.M)]
    assert numbers[:2] == [1, 2], body


@pytest.fixture(scope="module")
def draft_via_libreoffice(draft) -> Path:
    out = draft["base"] / "lo-pdf"
    out.mkdir()
    return soffice_convert(draft["docx"], "pdf", out)


def test_docx_draft_pages_through_libreoffice(draft, draft_via_libreoffice):
    pdf = draft_via_libreoffice
    version = draft["docx"].stem.split("-concept-")[1]
    pages = pdf_pages(pdf)
    assert len(pages) >= 4
    for i, text in enumerate(pages, start=1):
        flat = " ".join(text.split())
        assert f"CONCEPT — niet citeren — versie {version} — 30 juni 2025" in flat, f"page {i}"
        assert re.search(rf"(^|\s){i}\s*$", text.strip()), f"page {i} lacks its page number"
    body = next(t for t in pages if "Tekst over de kwaliteit" in t)
    assert re.search(r"^\s*1\s+\S", body, flags=re.M), "no line numbers on the page"


def test_every_body_paragraph_carries_a_source_anchor(draft):
    from report.review.extract import extract

    doc = open_reviewed(draft["docx"], REPORT)
    ex = extract(doc)
    body = [p for p in ex.paragraphs if p.old_text.strip() and p.anchor is not None]
    assert len(body) >= 15
    for p in body:
        if p.in_table or p.old_text == "Kanttekeningen":  # a callout's title comes from its fence line
            continue
        assert p.own_anchor or p.style.startswith(("TOC", "toc", "Image", "Table", "Captioned")), (
            p.style,
            p.old_text,
        )
    files = {a.file for a in doc.anchors.values()}
    assert {"index.qmd", "chapters/01-inleiding.qmd", "_generated/indicatoren/inbeslagnames_nl.md"} <= files
    with zipfile.ZipFile(draft["docx"]) as z:
        for name in z.namelist():
            if name.endswith(".xml"):
                assert str(draft["root"]) not in z.read(name).decode("utf-8"), name  # no machine paths


# --- DOCX as Word users expect: tables, captions, references --------------------------------


def test_tables_are_sized_to_their_content(draft):
    import docx
    from docx.oxml.ns import qn

    doc = docx.Document(str(draft["final"]))
    text_width = 11906 - 2 * 1417
    for table in doc.tables:
        tbl = table._tbl
        assert tbl.find(f"{qn('w:tblPr')}/{qn('w:tblLayout')}").get(qn("w:type")) == "fixed"
        widths = [int(g.get(qn("w:w"))) for g in tbl.iter(qn("w:gridCol"))]
        assert sum(widths) <= text_width
        first = tbl.find(qn("w:tr"))
        assert first.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None  # header row repeats
    wide = next(t for t in doc.tables if "Verandering" in t.rows[0].cells[-1].text)._tbl
    widths = [int(g.get(qn("w:w"))) for g in wide.iter(qn("w:gridCol"))]
    assert len(set(widths)) > 3, widths  # not nine equal columns
    assert widths[1] == max(widths) and widths[0] < widths[4] * 1.2  # labels wide, "Nr." narrow


def test_no_table_breaks_a_word_in_libreoffice(draft, draft_via_libreoffice):
    text = subprocess.run(
        ["pdftotext", "-layout", str(draft_via_libreoffice), "-"], capture_output=True, text=True, check=True
    ).stdout
    tokens = set(text.split())
    for word in WIDE_WORDS:
        assert word in tokens or any(t.startswith(word) for t in tokens), (word, text[-3000:])


def test_captions_have_seq_fields_and_references_are_ref_fields(draft, draft_via_libreoffice):
    with zipfile.ZipFile(draft["final"]) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    instructions = re.findall(r"<w:instrText[^>]*>([^<]*)</w:instrText>", xml)
    assert " SEQ Figuur \\* ARABIC \\s 1 \\r 1 " in instructions
    assert sum("SEQ Tabel" in i for i in instructions) == 3  # 2.1, A.1, A.2
    assert (
        " REF _Ref_tbl_breed \\h " in instructions
        and " REF _Ref_fig_inbeslagnames_nl_kg \\h " in instructions
    )
    assert 'w:name="_Ref_tbl_breed"' in xml and 'w:anchor="tbl-breed"' not in xml
    # LibreOffice recomputes the SEQ fields: the numbers stay those of the PDF
    text = " ".join(
        subprocess.run(
            ["pdftotext", str(draft_via_libreoffice), "-"], capture_output=True, text=True
        ).stdout.split()
    )
    assert "Tabel A.2: Een brede tabel" in text and "Zie Tabel A.2 voor de brede tabel" in text
    assert "Tabel A.1: Indicatoren" in text and "Figuur 2.1: Inbeslagnames" in text


# --- collect ----------------------------------------------------------------------------------


def by_text(review, text):
    found = [i for i in review.items if text in (i.text + i.old + i.new)]
    assert len(found) == 1, (text, [(i.kind, i.text, i.old, i.new) for i in review.items])
    return found[0]


def test_collect_recovers_comments_replies_and_changes_with_file_and_line(draft, tmp_path):
    review, written = collect(draft["root"], [draft["reviewed"]], tmp_path / "out")
    reply_parent = by_text(review, "Welke bronnen bedoelt u hier?")
    assert reply_parent.location.where == "chapters/01-inleiding.qmd:21"
    assert [(r.authors, r.text) for r in reply_parent.replies] == [
        (["Bert de Vries"], "De politiecijfers en die van de Douane.")
    ]
    assert reply_parent.headings == ["1 Inleiding", "1.2 Kwaliteit"]
    assert not reply_parent.resolved
    resolved = by_text(review, "Voorwoord is akkoord.")
    assert resolved.resolved and resolved.location.where == "index.qmd:3"
    cell = by_text(review, "Klopt dit getal voor 2024?")
    assert cell.location.where == "chapters/02-import.qmd:8" and cell.anchored == "45.312"
    span = by_text(review, "Deze twee alinea's samenvoegen?")
    assert (span.location.file, span.location.line, span.location.line_end) == (
        "chapters/01-inleiding.qmd",
        3,
        10,
    )
    generated = by_text(review, "Wordt dit elk jaar zo gemeld?")
    assert generated.location.generated and generated.location.chapter == "chapters/02-import.qmd"
    assert generated.location.file == "_generated/indicatoren/inbeslagnames_nl.md"
    assert "chapters/sjablonen/nl/indicator.md.j2" in generated.location.template
    # tracked changes
    rep = by_text(review, "nam de hoeveelheid toe")
    assert (rep.kind, rep.old, rep.authors) == ("replacement", "steeg de hoeveelheid", ["Anna Jansen"])
    assert rep.location.where == "chapters/02-import.qmd:12" and rep.date == "2025-07-02T10:00:00Z"
    ins = by_text(review, " van de bronnen")
    assert ins.kind == "insertion" and ins.location.where == "chapters/01-inleiding.qmd:21"
    dele = by_text(review, "fictieve ")
    assert dele.kind == "deletion" and dele.location.where == "index.qmd:6"
    gen = by_text(review, "minstens")
    assert gen.location.generated and gen.old == "ten minste"
    fmt = [i for i in review.items if i.kind == "formatting"]
    assert len(fmt) == 1 and fmt[0].old == "alle" and fmt[0].location.where == "chapters/01-inleiding.qmd:10"
    # the overview: sorted per chapter file, in three formats
    md = (tmp_path / "out" / "review.md").read_text(encoding="utf-8")
    assert (
        md.index("## chapters/01-inleiding.qmd")
        < md.index("## chapters/02-import.qmd")
        < md.index("## index.qmd")
    )
    assert "verander het sjabloon of de data (chapters/sjablonen/nl/indicator.md.j2" in md
    csv_text = (tmp_path / "out" / "review.csv").read_text(encoding="utf-8")
    assert csv_text.count("\n") == len(review.items) + 1
    html_text = (tmp_path / "out" / "review.html").read_text(encoding="utf-8")
    assert 'href="../../' in html_text and "chapters/01-inleiding.qmd" in html_text
    assert [p.name for p in written] == ["review.md", "review.csv", "review.html"]


def test_collect_reads_what_libreoffice_wrote(draft):
    reviewed = review_with_libreoffice(draft["docx"], draft["base"] / "lo")
    review = read_reviews(draft["root"], [reviewed], REPORT)
    note = by_text(review, "Noem hier de bronnen.")
    assert note.authors == ["Dirk Visser"] and note.location.where == "chapters/01-inleiding.qmd:21"
    done = by_text(review, "Voorwoord gelezen.")
    assert done.resolved and done.location.where == "index.qmd:3"
    rep = by_text(review, "Uitleg")
    assert (rep.kind, rep.old, rep.location.where) == ("replacement", "Tekst", "chapters/01-inleiding.qmd:21")
    gen = [i for i in review.items if i.new == "is" and i.old == "werd"]
    assert gen and gen[0].location.generated
    p = plan(draft["root"], review)
    assert "-Tekst over de kwaliteit.\n+Uitleg over de kwaliteit.\n" in p.patch


def test_a_comment_in_several_copies_is_listed_once_with_all_reviewers(draft, tmp_path):
    second = tmp_path / "copy-eva.docx"
    with zipfile.ZipFile(draft["reviewed"]) as src, zipfile.ZipFile(second, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/comments.xml":
                data = data.replace(b'w:author="Anna Jansen"', b'w:author="Eva de Boer"', 1)
            dst.writestr(info, data)
    review = read_reviews(draft["root"], [draft["reviewed"], second], REPORT)
    merged = by_text(review, "Welke bronnen bedoelt u hier?")
    assert merged.authors == ["Anna Jansen", "Eva de Boer"]
    assert merged.copies == [draft["reviewed"].name, second.name]
    assert len(merged.replies) == 1


def test_a_comment_edited_in_another_copy_is_one_comment_by_its_durable_id(draft, tmp_path):
    edited = tmp_path / "copy-edited.docx"
    with zipfile.ZipFile(draft["reviewed"]) as src, zipfile.ZipFile(edited, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/comments.xml":
                old = b"Klopt dit getal voor 2024?"
                data = data.replace(old, old + b" Graag de bron.")
                data = data.replace(b'w:author="Anna Jansen"', b'w:author="Eva de Boer"')
            dst.writestr(info, data)
    review = read_reviews(draft["root"], [draft["reviewed"], edited], REPORT)
    merged = by_text(review, "Klopt dit getal voor 2024?")
    assert merged.durable_id and merged.authors == ["Anna Jansen", "Eva de Boer"]
    assert "[in copy-edited.docx: Klopt dit getal voor 2024? Graag de bron.]" in merged.text
    assert sum(i.kind == "comment" for i in review.items) == 5


def tree_digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(root).as_posix().encode() + p.read_bytes())
    return h.hexdigest()


def test_collect_and_apply_change_nothing_in_the_project(draft, tmp_path):
    before = tree_digest(draft["root"])
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "report",
            "review",
            "collect",
            str(draft["reviewed"]),
            "--out",
            str(tmp_path / "o"),
            "--root",
            str(draft["root"]),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "report",
            "review",
            "apply",
            str(draft["reviewed"]),
            "--root",
            str(draft["root"]),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("diff --git a/chapters/01-inleiding.qmd")
    assert "change the template or the data (chapters/sjablonen/nl/indicator.md.j2" in " ".join(
        proc.stderr.split()
    )
    assert tree_digest(draft["root"]) == before


# --- apply ------------------------------------------------------------------------------------


def git(cwd: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, input=input, check=False)


def git_copy(draft, dest: Path) -> Path:
    root = Path(shutil.copytree(draft["root"], dest, ignore=shutil.ignore_patterns("_book", "_review")))
    git(root, "init", "-q")
    return root


def test_apply_patch_passes_git_apply_and_reproduces_the_wording(draft, tmp_path):
    root = git_copy(draft, tmp_path / "p")
    review = read_reviews(root, [draft["reviewed"]], REPORT)
    p = plan(root, review)
    assert len(p.edits) == 3 and not p.skipped
    assert [i.new for i in p.generated] == ["minstens"]
    hunks = p.patch.count("\n@@ ")
    assert hunks == 3  # one per change
    check = git(root, "apply", "--check", "-", input=p.patch)
    assert check.returncode == 0, check.stderr + p.patch
    assert git(root, "apply", "-", input=p.patch).returncode == 0
    assert "Tekst over de kwaliteit van de bronnen." in (root / "chapters/01-inleiding.qmd").read_text()
    assert (
        "Zoals @tbl-import-kg laat zien, nam de hoeveelheid toe."
        in (root / "chapters/02-import.qmd").read_text()
    )
    assert "Dit boek bevat demonstratiegegevens." in (root / "index.qmd").read_text()


def test_apply_finds_the_paragraph_when_the_chapter_changed(draft, tmp_path):
    root = git_copy(draft, tmp_path / "f")
    chapter = root / "chapters/02-import.qmd"
    text = chapter.read_text(encoding="utf-8")
    chapter.write_text(
        text.replace("# Import {#sec-import}\n", "# Import {#sec-import}\n\nNieuwe alinea.\n"),
        encoding="utf-8",
    )
    intro = root / "chapters/01-inleiding.qmd"
    intro.write_text(intro.read_text().replace("Tekst over de kwaliteit.", "Iets heel anders over bronnen."))
    review = read_reviews(root, [draft["reviewed"]], REPORT)
    moved = by_text(review, "nam de hoeveelheid toe")
    assert moved.location.line == 14 and 0.75 <= moved.location.confidence <= 1.0
    assert "changed since the draft" in moved.location.note
    gone = by_text(review, " van de bronnen")
    assert gone.location.confidence < 0.75 and "not found with confidence" in gone.location.note
    p = plan(root, review)
    assert any("not found with confidence" in why for _i, why in p.skipped)
    assert git(root, "apply", "--check", "-", input=p.patch).returncode == 0
    assert git(root, "apply", "-", input=p.patch).returncode == 0
    assert "nam de hoeveelheid toe" in chapter.read_text()


def test_apply_writes_only_when_asked(draft, tmp_path):
    root = git_copy(draft, tmp_path / "w")
    before = tree_digest(root)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "report",
            "review",
            "apply",
            str(draft["reviewed"]),
            "--root",
            str(root),
            "--out",
            str(tmp_path / "x.patch"),
        ],
        capture_output=True,
        check=True,
    )
    assert tree_digest(root) == before
    subprocess.run(
        [
            sys.executable,
            "-m",
            "report",
            "review",
            "apply",
            str(draft["reviewed"]),
            "--root",
            str(root),
            "--write",
        ],
        capture_output=True,
        check=True,
    )
    assert "nam de hoeveelheid toe" in (root / "chapters/02-import.qmd").read_text()


# --- untrusted input --------------------------------------------------------------------------


def with_entries(
    src: Path, dest: Path, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None
):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = (replace or {}).get(info.filename, zin.read(info.filename))
            zout.writestr(info.filename, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dest


def bad_files(draft, d: Path) -> dict[str, tuple[Path, str]]:
    src = draft["docx"]
    with zipfile.ZipFile(src) as z:
        custom = z.read("docProps/custom.xml")
        types = z.read("[Content_Types].xml")
        document = z.read("word/document.xml")
    out = {}
    (d / "notes.docx").write_text("dit is geen docx", encoding="utf-8")
    out["not a docx"] = (d / "notes.docx", "not a DOCX file")
    (d / "protected.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4000)
    out["password"] = (d / "protected.docx", "password-protected")
    out["other report"] = (
        with_entries(
            src,
            d / "other.docx",
            {"docProps/custom.xml": custom.replace(b">mini-monitor<", b">jaarverslag<")},
        ),
        "a draft of another report ('jaarverslag')",
    )
    out["unknown version"] = (
        with_entries(
            src,
            d / "noversion.docx",
            {"docProps/custom.xml": re.sub(rb"2025-[0-9a-f]{8}", b"onbekend", custom)},
        ),
        "unknown draft version 'onbekend'",
    )
    final = draft["final"]
    out["final, not a draft"] = (final, "no draft version in this file")
    bomb = d / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("word/document.xml", document)
        z.writestr("word/media/filler.bin", b"\0" * 600_000_000)
    out["zip bomb (size)"] = (bomb, "zip bomb")
    many = d / "many.docx"
    with zipfile.ZipFile(many, "w") as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("word/document.xml", document)
        for i in range(6000):
            z.writestr(f"customXml/x{i}.xml", b"")
    out["zip bomb (entries)"] = (many, "6002 entries")
    lol = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b'<w:document xmlns:w="x"><w:body>&lol3;</w:body></w:document>'
    )
    out["entities"] = (
        with_entries(src, d / "lol.docx", {"word/document.xml": lol}),
        "declares a DOCTYPE or entities",
    )
    xxe = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    out["external entity"] = (
        with_entries(src, d / "xxe.docx", {"docProps/custom.xml": xxe}),
        "DOCTYPE or entities",
    )
    docm_types = types.replace(
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        b"application/vnd.ms-word.document.macroEnabled.main+xml",
    )
    out["docm"] = (
        with_entries(
            src, d / "macro.docm", {"[Content_Types].xml": docm_types}, {"word/vbaProject.bin": b"VBA"}
        ),
        "macro-enabled document (.docm)",
    )
    import struct
    import zlib

    def png(w, h):
        ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + struct.pack(">I", 13)
            + b"IHDR"
            + ihdr
            + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
        )

    out["oversized image"] = (
        with_entries(src, d / "bigimage.docx", add={"word/media/huge.png": png(100_000, 100_000)}),
        "image word/media/huge.png has 10000 million pixels",
    )
    return out


def test_every_bad_file_is_refused_clearly_fast_and_small(draft, tmp_path):
    cases = bad_files(draft, tmp_path)
    for name, (path, message) in cases.items():
        with pytest.raises(ReviewFileError) as exc:
            open_reviewed(path, REPORT)
        assert message in str(exc.value), (name, str(exc.value))
        assert str(exc.value).startswith(path.name), name
    # through the command line: exit 1, the message, no traceback, < 5 s and < 200 MB each
    for name, (path, message) in cases.items():
        t0 = time.perf_counter()
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                MEASURED_CLI,
                "review",
                "collect",
                str(path),
                "--root",
                str(draft["root"]),
                "--out",
                str(tmp_path / "o"),
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
        elapsed = time.perf_counter() - t0
        err = " ".join(proc.stderr.split())
        assert proc.returncode == 1 and message in err, (name, proc.stderr)
        assert "Traceback" not in proc.stderr + proc.stdout, name
        assert elapsed < 5, (name, elapsed)
        peak_mb = int(re.search(r"peak-rss-kb=(\d+)", proc.stderr).group(1)) / 1024
        assert peak_mb < 200, (name, peak_mb)
    assert not (tmp_path / "o").exists()


# The CLI in a child process that reports its own peak memory when it exits: VmHWM of its own
# address space (ru_maxrss would carry the parent's peak across fork and exec).
MEASURED_CLI = """
import atexit, re, sys
def peak():
    hwm = re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1)
    sys.stderr.write(f"peak-rss-kb={hwm}\\n")
atexit.register(peak)
sys.argv = ["monitor", *sys.argv[1:]]
from report.cli import main
main()
"""


def test_zip_headers_that_lie_cannot_blow_up_memory(draft, tmp_path):
    """document.xml inflates to 70 MB but its headers say 1 kB: read with a hard cap, refused."""
    import struct

    src = draft["docx"]
    big = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "word/document.xml":
                data = data + b"<!--" + b" " * 70_000_000 + b"-->"
            zout.writestr(info.filename, data)
    raw = bytearray(big.getvalue())
    name = b"word/document.xml"
    for sig, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        i = 0
        while (i := raw.find(sig, i)) >= 0:
            n = struct.unpack(
                "<H", raw[i + (26 if sig == b"PK\x03\x04" else 28) : i + (28 if sig == b"PK\x03\x04" else 30)]
            )[0]
            if raw[i + name_at : i + name_at + n] == name:
                raw[i + size_at : i + size_at + 4] = struct.pack("<I", 1000)
            i += 4
    path = tmp_path / "lies.docx"
    path.write_bytes(bytes(raw))
    with zipfile.ZipFile(path) as z:
        assert z.getinfo("word/document.xml").file_size == 1000  # the lie
    t0 = time.perf_counter()
    with pytest.raises(ReviewFileError) as exc:
        open_reviewed(path, REPORT)
    assert time.perf_counter() - t0 < 5
    assert str(exc.value).startswith("lies.docx: part word/document.xml cannot be read"), str(exc.value)


def test_hostile_comment_text_stays_text_in_every_overview(draft, tmp_path):
    hostile = tmp_path / "hostile.docx"
    payload = "=HYPERLINK(&quot;http://x&quot;)&lt;script&gt;alert(1)&lt;/script&gt;"
    with zipfile.ZipFile(draft["reviewed"]) as src, zipfile.ZipFile(hostile, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/comments.xml":
                data = data.replace(b"Klopt dit getal voor 2024?", payload.encode())
            dst.writestr(info, data)
    collect(draft["root"], [hostile], tmp_path / "o")
    csv_text = (tmp_path / "o" / "review.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK(" in csv_text and ",=HYPERLINK(" not in csv_text
    for name in ("review.md", "review.html"):
        text = (tmp_path / "o" / name).read_text(encoding="utf-8")
        assert "<script>" not in text and "&lt;script&gt;" in text, name


def test_a_comment_without_a_range_is_found_at_its_mark(draft, tmp_path):
    """Word can store a comment as only a mark (no range); Pandoc loses those (pandoc #9727)."""
    pointless = tmp_path / "point.docx"
    with zipfile.ZipFile(draft["reviewed"]) as src:
        comments = src.read("word/comments.xml").decode("utf-8")
        one_comment = r'<w:comment [^>]*w:id="(\d+)"[^>]*>(?:(?!</w:comment>).)*Klopt dit getal'
        cid = re.search(one_comment, comments, re.S)
        with zipfile.ZipFile(pointless, "w") as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename == "word/document.xml":
                    text = data.decode("utf-8")
                    text = re.sub(rf'<w:commentRange(Start|End) w:id="{cid.group(1)}"/>', "", text)
                    data = text.encode("utf-8")
                dst.writestr(info, data)
    review = read_reviews(draft["root"], [pointless], REPORT)
    item = by_text(review, "Klopt dit getal voor 2024?")
    assert item.location.where == "chapters/02-import.qmd:8" and item.anchored == ""


def test_a_comment_and_a_change_in_a_footnote_come_back_at_its_line(draft, tmp_path):
    from review_docs import review_footnote

    root = git_copy(draft, tmp_path / "fn")
    noted = review_footnote(draft["reviewed"], tmp_path / "footnote.docx")
    review = read_reviews(root, [noted], REPORT)
    comment = by_text(review, "Welke bronnen precies?")
    assert comment.location.where == "chapters/01-inleiding.qmd:6" and comment.headings == ["(voetnoot)"]
    change = by_text(review, "toelichting")
    assert (change.kind, change.old, change.location.where) == (
        "replacement",
        "uitleg",
        "chapters/01-inleiding.qmd:6",
    )
    p = plan(root, review)
    assert git(root, "apply", "-", input=p.patch).returncode == 0, p.patch
    assert (
        "[^1]: Een voetnoot met toelichting over de bronnen."
        in (root / "chapters/01-inleiding.qmd").read_text()
    )
