"""Make reviewed copies of a draft DOCX for the review tests: what Word and LibreOffice write.

* :func:`review_with_python_docx`: comments through python-docx's own API (``add_comment``),
  then — as Word writes them and python-docx cannot — a reply and a resolved comment
  (``commentsExtended.xml``: ``w15:paraIdParent``, ``w15:done``; ``commentsIds.xml``) and
  tracked changes (``w:ins``, ``w:del``, ``w:rPrChange``) as raw XML.
* :func:`review_with_libreoffice`: the draft → flat ODT (``soffice --convert-to fodt``), an
  annotation, a reply and tracked changes written into the ODF XML, and back to DOCX by
  LibreOffice (a different Word-compatible writer).
"""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path

import docx
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import qn

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
W15 = "http://schemas.microsoft.com/office/word/2012/wordml"
W16CID = "http://schemas.microsoft.com/office/word/2016/wordml/cid"
DATE = "2025-07-02T10:00:00Z"


def paragraph_with(doc, text: str, exact: bool = False):
    """The body paragraph (tables included) whose text contains (or is) ``text``; exactly one."""
    found = [
        p
        for p in doc.element.body.iter(qn("w:p"))
        if (text == "".join(p.xpath(".//w:t/text()")) if exact else text in "".join(p.xpath(".//w:t/text()")))
    ]
    assert len(found) == 1, (text, len(found))
    return found[0]


def split_run(p, text: str):
    """Split the run of ``p`` holding ``text`` so that ``text`` is a run of its own; return it."""
    for r in p.iter(qn("w:r")):
        t = r.find(qn("w:t"))
        if t is None or text not in (t.text or ""):
            continue
        before, _, after = t.text.partition(text)
        runs = []
        for piece in (before, text, after):
            if not piece:
                continue
            new = copy.deepcopy(r)
            new.find(qn("w:t")).text = piece
            new.find(qn("w:t")).set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            runs.append((piece, new))
        parent = r.getparent()
        i = parent.index(r)
        parent.remove(r)
        for k, (_piece, new) in enumerate(runs):
            parent.insert(i + k, new)
        return next(new for piece, new in runs if piece == text)
    raise AssertionError(f"no run holds {text!r}")


def track_replace(run, new_text: str | None, author: str, rid: int) -> None:
    """Turn ``run`` into a tracked deletion, followed by a tracked insertion of ``new_text``."""
    parent = run.getparent()
    i = parent.index(run)
    d = parse_xml(f'<w:del xmlns:w="{W}" w:id="{rid}" w:author="{author}" w:date="{DATE}"/>')
    parent.remove(run)
    t = run.find(qn("w:t"))
    t.tag = qn("w:delText")
    d.append(run)
    parent.insert(i, d)
    if new_text:
        track_insert(d, new_text, author, rid + 1)


def track_insert(after, text: str, author: str, rid: int) -> None:
    ins = parse_xml(
        f'<w:ins xmlns:w="{W}" w:id="{rid}" w:author="{author}" w:date="{DATE}"><w:r>'
        f'<w:t xml:space="preserve">{text}</w:t></w:r></w:ins>'
    )
    after.addnext(ins)


def review_with_python_docx(draft: Path, out: Path) -> Path:
    doc = docx.Document(str(draft))

    def runs_of(text):
        p = paragraph_with(doc, text)
        return docx.text.paragraph.Paragraph(p, doc._body)

    # 1. a comment with a reply (chapter prose)
    kwal = split_run(paragraph_with(doc, "Tekst over de kwaliteit."), "Tekst over de kwaliteit.")
    c1 = doc.add_comment(
        docx.text.run.Run(kwal, runs_of("Tekst over de kwaliteit.")),
        "Welke bronnen bedoelt u hier?",
        author="Anna Jansen",
        initials="AJ",
    )
    # 2. a comment marked resolved
    voor = split_run(paragraph_with(doc, "Dit is het voorwoord"), "voorwoord")
    c2 = doc.add_comment(
        docx.text.run.Run(voor, runs_of("Dit is het voorwoord")),
        "Voorwoord is akkoord.",
        author="Bert de Vries",
        initials="BV",
    )
    # 3. a comment in a table cell
    cell = split_run(paragraph_with(doc, "45.312", exact=True), "45.312")
    doc.add_comment(
        docx.text.run.Run(cell, None), "Klopt dit getal voor 2024?", author="Anna Jansen", initials="AJ"
    )
    # 4. a comment spanning two paragraphs (from the first paragraph to the next heading)
    first = split_run(paragraph_with(doc, "De monitor beschrijft"), "De monitor beschrijft")
    second = paragraph_with(doc, "geeft alle indicatoren")
    second_run = [r for r in second.iter(qn("w:r")) if r.find(qn("w:t")) is not None][0]
    doc.add_comment(
        [docx.text.run.Run(first, None), docx.text.run.Run(second_run, None)],
        "Deze twee alinea's samenvoegen?",
        author="Carla Smit",
        initials="CS",
    )
    # 5. a comment on generated text
    gen = split_run(paragraph_with(doc, "kg cocaïne in beslag genomen"), "in beslag genomen")
    doc.add_comment(
        docx.text.run.Run(gen, None), "Wordt dit elk jaar zo gemeld?", author="Carla Smit", initials="CS"
    )

    # tracked changes: a replacement, an insertion and a deletion in chapter prose, a
    # replacement in generated text, a formatting change
    steeg = split_run(paragraph_with(doc, "steeg de hoeveelheid"), "steeg de hoeveelheid")
    track_replace(steeg, "nam de hoeveelheid toe", "Anna Jansen", 901)
    punt = split_run(paragraph_with(doc, "Tekst over de kwaliteit."), ".")
    punt.addprevious(
        parse_xml(
            f'<w:ins xmlns:w="{W}" w:id="903" w:author="Bert de Vries" w:date="{DATE}"><w:r>'
            '<w:t xml:space="preserve"> van de bronnen</w:t></w:r></w:ins>'
        )
    )
    fict = split_run(paragraph_with(doc, "fictieve demonstratiegegevens"), "fictieve ")
    track_replace(fict, None, "Bert de Vries", 904)
    tm = split_run(paragraph_with(doc, "kg cocaïne in beslag genomen"), "ten minste")
    track_replace(tm, "minstens", "Carla Smit", 906)
    bold = split_run(paragraph_with(doc, "geeft alle indicatoren"), "alle")
    rpr = bold.find(qn("w:rPr"))
    if rpr is None:
        rpr = parse_xml(f'<w:rPr xmlns:w="{W}"/>')
        bold.insert(0, rpr)
    rpr.append(parse_xml(f'<w:b xmlns:w="{W}"/>'))
    rpr.append(
        parse_xml(
            f'<w:rPrChange xmlns:w="{W}" w:id="908" w:author="Anna Jansen" w:date="{DATE}">'
            "<w:rPr/></w:rPrChange>"
        )
    )

    # reply and resolved state, as Word writes them (python-docx has no API for these)
    comments_part = doc.part._comments_part
    root = comments_part.element
    ids = {}
    for k, c in enumerate(root.findall(qn("w:comment"))):
        pid = f"{0x10000000 + k:08X}"
        c.findall(qn("w:p"))[-1].set(f"{{{W14}}}paraId", pid)
        ids[c.get(qn("w:id"))] = pid
    reply = parse_xml(
        f'<w:comment xmlns:w="{W}" xmlns:w14="{W14}" w:id="99" w:author="Bert de Vries" '
        f'w:date="{DATE}" w:initials="BV"><w:p w14:paraId="1000FFFF"><w:r>'
        "<w:t>De politiecijfers en die van de Douane.</w:t></w:r></w:p></w:comment>"
    )
    root.append(reply)
    ext = (
        f'<w15:commentsEx xmlns:w15="{W15}">'
        + "".join(
            f'<w15:commentEx w15:paraId="{pid}" w15:done="{1 if cid == c2.comment_id.__str__() else 0}"/>'
            for cid, pid in ids.items()
        )
        + f'<w15:commentEx w15:paraId="1000FFFF" w15:paraIdParent="{ids[str(c1.comment_id)]}" w15:done="0"/>'
        + "</w15:commentsEx>"
    )
    part = Part(
        PackURI("/word/commentsExtended.xml"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.commentsExtended+xml",
        ext.encode(),
        doc.part.package,
    )
    doc.part.relate_to(part, "http://schemas.microsoft.com/office/2011/relationships/commentsExtended")
    # Word 2016+: durable ids, the same in every copy of the file
    durable = (
        f'<w16cid:commentsIds xmlns:w16cid="{W16CID}">'
        + "".join(
            f'<w16cid:commentId w16cid:paraId="{pid}" w16cid:durableId="{0x7A000000 + k:08X}"/>'
            for k, pid in enumerate([*ids.values(), "1000FFFF"])
        )
        + "</w16cid:commentsIds>"
    )
    ids_part = Part(
        PackURI("/word/commentsIds.xml"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.commentsIds+xml",
        durable.encode(),
        doc.part.package,
    )
    doc.part.relate_to(ids_part, "http://schemas.microsoft.com/office/2016/09/relationships/commentsIds")
    # the reply is anchored where its parent is (Word does the same)
    start = doc.element.body.xpath(f".//w:commentRangeStart[@w:id='{c1.comment_id}']")[0]
    end = doc.element.body.xpath(f".//w:commentRangeEnd[@w:id='{c1.comment_id}']")[0]
    start.addnext(parse_xml(f'<w:commentRangeStart xmlns:w="{W}" w:id="99"/>'))
    end.addnext(parse_xml(f'<w:commentRangeEnd xmlns:w="{W}" w:id="99"/>'))
    doc.save(str(out))
    return out


LO_DATE = "2025-07-03T09:00:00"


def soffice_convert(src: Path, fmt: str, outdir: Path) -> Path:
    profile = outdir / "lo-profile"
    subprocess.run(
        [
            shutil.which("soffice") or "soffice",
            "--headless",
            f"-env:UserInstallation=file://{profile}",
            "--convert-to",
            fmt,
            "--outdir",
            str(outdir),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    out = outdir / f"{src.stem}.{fmt.split(':')[0]}"
    assert out.is_file(), f"LibreOffice wrote no {out}"
    return out


def _annotation(name: str, author: str, text: str, resolved: bool = False) -> str:
    return (
        f'<office:annotation office:name="{name}" loext:resolved="{"true" if resolved else "false"}">'
        f"<dc:creator>{author}</dc:creator><dc:date>{LO_DATE}</dc:date>"
        f"<text:p>{text}</text:p></office:annotation>"
    )


def review_with_libreoffice(draft: Path, workdir: Path) -> Path:
    """Annotations (one resolved) and tracked changes written by LibreOffice into a DOCX."""
    workdir.mkdir(parents=True, exist_ok=True)
    src = workdir / "lo-draft.docx"
    shutil.copyfile(draft, src)
    fodt = soffice_convert(src, "fodt", workdir)
    xml = fodt.read_text(encoding="utf-8")

    def sub(old: str, new: str) -> None:
        nonlocal xml
        assert xml.count(old) == 1, (old, xml.count(old))
        xml = xml.replace(old, new)

    # a comment on chapter prose, a resolved one, and one on generated text
    sub(
        "Tekst over de kwaliteit.",
        _annotation("lo1", "Dirk Visser", "Noem hier de bronnen.")
        + 'Tekst over de kwaliteit.<office:annotation-end office:name="lo1"/>',
    )
    sub(
        "Dit is het voorwoord",
        _annotation("lo2", "Dirk Visser", "Voorwoord gelezen.", resolved=True)
        + 'Dit is het voorwoord<office:annotation-end office:name="lo2"/>',
    )
    # tracked changes: "Tekst" replaced by "Uitleg" (chapter), "werd" → "is" (generated)
    regions = (
        '<text:tracked-changes text:track-changes="true">'
        + "".join(
            f'<text:changed-region xml:id="{cid}" text:id="{cid}"><text:{kind}><office:change-info>'
            f"<dc:creator>Dirk Visser</dc:creator><dc:date>{LO_DATE}</dc:date></office:change-info>"
            + (f"<text:p>{old}</text:p>" if kind == "deletion" else "")
            + f"</text:{kind}></text:changed-region>"
            for cid, kind, old in (
                ("ct1", "deletion", "Tekst"),
                ("ct2", "insertion", ""),
                ("ct3", "deletion", "werd"),
                ("ct4", "insertion", ""),
            )
        )
        + "</text:tracked-changes>"
    )
    xml = xml.replace('<text:tracked-changes text:track-changes="false"/>', "")
    i = xml.index("<office:text")
    j = xml.index(">", i) + 1
    xml = xml[:j] + regions + xml[j:]
    sub(
        "Tekst over de kwaliteit.<office:annotation-end",
        '<text:change text:change-id="ct1"/><text:change-start text:change-id="ct2"/>Uitleg'
        '<text:change-end text:change-id="ct2"/> over de kwaliteit.<office:annotation-end',
    )
    sub(
        " werd ten minste",
        ' <text:change text:change-id="ct3"/><text:change-start text:change-id="ct4"/>is'
        '<text:change-end text:change-id="ct4"/> ten minste',
    )
    reviewed_fodt = workdir / "lo-reviewed.fodt"
    reviewed_fodt.write_text(xml, encoding="utf-8")
    return soffice_convert(reviewed_fodt, "docx:MS Word 2007 XML", workdir)


def review_footnote(reviewed: Path, out: Path) -> Path:
    """A comment and a tracked replacement inside a footnote (word/footnotes.xml), raw XML."""
    import zipfile

    old_run = '<w:t xml:space="preserve">Een voetnoot met uitleg over de bronnen.</w:t>'
    new_runs = (
        '<w:t xml:space="preserve">Een voetnoot met </w:t></w:r>'
        f'<w:commentRangeStart w:id="97"/><w:del w:id="951" w:author="Anna Jansen" w:date="{DATE}"><w:r>'
        "<w:delText>uitleg</w:delText></w:r></w:del>"
        f'<w:ins w:id="952" w:author="Anna Jansen" w:date="{DATE}"><w:r><w:t>toelichting</w:t></w:r></w:ins>'
        '<w:r><w:t xml:space="preserve"> over de bronnen.</w:t></w:r><w:commentRangeEnd w:id="97"/>'
        '<w:r><w:commentReference w:id="97"/></w:r><w:r><w:t xml:space="preserve"></w:t>'
    )
    comment = (
        f'<w:comment w:id="97" w:author="Anna Jansen" w:date="{DATE}" w:initials="AJ">'
        "<w:p><w:r><w:t>Welke bronnen precies?</w:t></w:r></w:p></w:comment></w:comments>"
    )
    with zipfile.ZipFile(reviewed) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/footnotes.xml":
                text = data.decode("utf-8")
                assert text.count(old_run) == 1
                data = text.replace(old_run, new_runs).encode("utf-8")
            elif info.filename == "word/comments.xml":
                data = data.decode("utf-8").replace("</w:comments>", comment).encode("utf-8")
            dst.writestr(info, data)
    return out
