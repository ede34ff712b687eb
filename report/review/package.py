"""Opening a reviewed DOCX that came back from outside: untrusted input, checked before use.

Refused, each with a message that names the file and says what to do (never a traceback):
not a DOCX (not a zip, no ``word/document.xml``), a password-protected file (an encrypted
Office file is an OLE compound file, as is an old ``.doc``), a macro-enabled document
(``.docm``: ``vbaProject.bin`` / macro content type), a zip bomb (too many entries, too much
uncompressed data, an extreme compression ratio), XML with a DOCTYPE (entity tricks: billion
laughs, external entities), oversized images (bytes or pixels), a draft of another report,
and a file without the draft's version or anchors (not made by ``monitor render --draft``).

Only the XML parts that are read are decompressed, each with a hard cap, so a file whose
zip headers lie still cannot take more memory than the cap. The XML parser resolves no
entities and opens no network or file.
"""

from __future__ import annotations

import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from report.errors import MonitorError
from report.render.anchors import PROP_REPORT, PROP_VERSION, Anchor, decode_properties

MAX_FILE_BYTES = 150_000_000  # the reviewed file itself
MAX_ENTRIES = 5_000
MAX_TOTAL_UNCOMPRESSED = 500_000_000  # declared sizes of all entries
MAX_XML_PART = 60_000_000  # one XML part, decompressed
MAX_RATIO = 200  # uncompressed/compressed for large entries
MAX_IMAGE_BYTES = 40_000_000
MAX_IMAGE_PIXELS = 80_000_000

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MACRO_TYPE = "application/vnd.ms-word.document.macroEnabled"
_VERSION = re.compile(r"^\d{4}-[0-9a-f]{8}$")

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {
    "w": W,
    "w14": "http://schemas.microsoft.com/office/word/2010/wordml",
    "w15": "http://schemas.microsoft.com/office/word/2012/wordml",
    "w16cid": "http://schemas.microsoft.com/office/word/2016/wordml/cid",
    "cp": "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
    "vt": "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
}

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_blank_text=False
)


class ReviewFileError(MonitorError):
    """A reviewed file that is refused (the message says why and what to do)."""


@dataclass
class ReviewedDocx:
    path: Path
    parts: dict[str, etree._Element]  # the XML parts that were read
    properties: dict[str, str]  # custom document properties
    report: str
    version: str
    anchors: dict[int, Anchor]
    hashes: dict[str, str]  # file → hash when the draft was made


def _refuse(path: Path, why: str) -> ReviewFileError:
    return ReviewFileError(f"{path.name}: {why}")


def open_reviewed(path: Path | str, report: str) -> ReviewedDocx:
    """Check and read a reviewed copy of a draft of ``report`` (``book.output-file``)."""
    path = Path(path)
    if not path.is_file():
        raise _refuse(path, "the file does not exist")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise _refuse(path, f"the file is {size // 1_000_000} MB; at most {MAX_FILE_BYTES // 1_000_000} MB")
    with path.open("rb") as fh:
        head = fh.read(8)
    if head == _OLE_MAGIC:
        raise _refuse(
            path,
            "this is a password-protected (encrypted) Office file or an old Word .doc. "
            "Remove the password (or save it as .docx) in Word and collect again.",
        )
    if not zipfile.is_zipfile(path):
        raise _refuse(path, "not a DOCX file (a DOCX is a zip package); expected a Word .docx")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _refuse(path, f"not a readable DOCX (damaged zip: {exc})") from None
    with zf:
        infos = zf.infolist()
        _check_package(path, zf, infos)
        parts = {}
        for name in (
            "word/document.xml",
            "word/comments.xml",
            "word/commentsExtended.xml",
            "word/commentsIds.xml",
            "word/footnotes.xml",
            "docProps/custom.xml",
        ):
            if name in zf.NameToInfo:
                parts[name] = _read_xml(path, zf, name)
    props = _custom_properties(parts.get("docProps/custom.xml"))
    found_report = props.get(PROP_REPORT)
    version = props.get(PROP_VERSION)
    if not found_report or not version:
        raise _refuse(
            path,
            "no draft version in this file (document properties monitor-rapport and "
            "monitor-concept-versie are missing): collect reads drafts made with "
            "'monitor render --draft' and the copies reviewers send back",
        )
    if found_report != report:
        raise _refuse(
            path, f"this is a draft of another report ('{found_report}'); this project makes '{report}'"
        )
    if not _VERSION.match(version):
        raise _refuse(path, f"unknown draft version '{version}' (expected <editie>-<8 hex digits>)")
    try:
        anchors, hashes = decode_properties(props)
    except ValueError as exc:
        raise _refuse(path, f"draft version {version}: {exc}") from None
    if not anchors:
        raise _refuse(path, f"draft version {version} carries no source anchors")
    return ReviewedDocx(path, parts, props, found_report, version, anchors, hashes)


def _check_package(path: Path, zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_ENTRIES:
        raise _refuse(
            path, f"the package has {len(infos)} entries; a DOCX has at most {MAX_ENTRIES} (zip bomb?)"
        )
    total = sum(i.file_size for i in infos)
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise _refuse(
            path,
            f"the package unpacks to {total // 1_000_000} MB; "
            f"at most {MAX_TOTAL_UNCOMPRESSED // 1_000_000} MB "
            "(zip bomb?)",
        )
    for info in infos:
        if info.file_size > 10_000_000 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _refuse(
                path,
                f"entry {info.filename} is compressed {info.file_size // max(info.compress_size, 1)}:1 "
                f"({info.file_size // 1_000_000} MB unpacked); refused as a zip bomb",
            )
    names = {i.filename for i in infos}
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        raise _refuse(path, "not a Word document (no word/document.xml in the package); expected a .docx")
    types = _read_xml(path, zf, "[Content_Types].xml")
    content_types = " ".join(types.xpath("//@ContentType"))
    if _MACRO_TYPE in content_types or any(n.lower().endswith("vbaproject.bin") for n in names):
        raise _refuse(
            path,
            "a macro-enabled document (.docm); macros are not accepted. "
            "Save it in Word as 'Word-document (*.docx)' and collect again.",
        )
    for info in infos:
        if not info.filename.startswith("word/media/"):
            continue
        if info.file_size > MAX_IMAGE_BYTES:
            raise _refuse(
                path,
                f"image {info.filename} is {info.file_size // 1_000_000} MB; "
                f"at most {MAX_IMAGE_BYTES // 1_000_000} MB per image",
            )
        pixels = _image_pixels(zf, info)
        if pixels is not None and pixels > MAX_IMAGE_PIXELS:
            raise _refuse(
                path,
                f"image {info.filename} has {pixels // 1_000_000} million pixels; "
                f"at most {MAX_IMAGE_PIXELS // 1_000_000} million",
            )


def _image_pixels(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> int | None:
    """Width × height from a PNG, GIF or JPEG header (the image is not decoded)."""
    with zf.open(info) as fh:
        head = fh.read(64 * 1024)
    if head.startswith(b"\x89PNG\r\n\x1a\n") and len(head) >= 24:
        w, h = struct.unpack(">II", head[16:24])
        return w * h
    if head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 10:
        w, h = struct.unpack("<HH", head[6:10])
        return w * h
    if head.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(head):
            if head[i] != 0xFF:
                i += 1
                continue
            marker = head[i + 1]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3):
                h, w = struct.unpack(">HH", head[i + 5 : i + 9])
                return w * h
            seg = struct.unpack(">H", head[i + 2 : i + 4])[0]
            i += 2 + seg
    return None


def _read_xml(path: Path, zf: zipfile.ZipFile, name: str) -> etree._Element:
    info = zf.getinfo(name)
    if info.file_size > MAX_XML_PART:
        raise _refuse(
            path,
            f"part {name} is {info.file_size // 1_000_000} MB unpacked; "
            f"at most {MAX_XML_PART // 1_000_000} MB",
        )
    try:
        with zf.open(info) as fh:
            data = fh.read(MAX_XML_PART + 1)  # a lying header cannot make this read more
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
        raise _refuse(path, f"part {name} cannot be read ({exc})") from None
    if len(data) > MAX_XML_PART:
        raise _refuse(path, f"part {name} unpacks to more than {MAX_XML_PART // 1_000_000} MB (zip bomb?)")
    if re.search(rb"<!DOCTYPE|<!ENTITY", data[:4096], flags=re.I) or b"<!ENTITY" in data:
        raise _refuse(
            path,
            f"part {name} declares a DOCTYPE or entities, which Word never writes; refused "
            "(entity expansion or external entities)",
        )
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise _refuse(path, f"part {name} is not well-formed XML ({exc})") from None


def _custom_properties(root: etree._Element | None) -> dict[str, str]:
    if root is None:
        return {}
    out = {}
    for prop in root.findall("cp:property", NS):
        name = prop.get("name")
        if name:
            out[name] = "".join(prop.itertext())
    return out
