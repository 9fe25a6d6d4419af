"""Reading MusicXML bytes safely from .mxl / .musicxml / .xml files.

Limits keep hostile files from taking the machine: a zip member may not
inflate past ``MAX_XML_BYTES`` nor far beyond its compressed size, and XML with
entity declarations (billion laughs, external entities) is refused before any
parser sees it - real MusicXML never declares entities.  The check looks at the
whole document and asks the parser too, so a declaration placed late or
written in UTF-16 without a byte order mark does not slip past it.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from lxml import etree

from ..errors import ConversionError

MAX_XML_BYTES = 64 * 1024 * 1024
MAX_ZIP_RATIO = 200
MAX_ZIP_MEMBERS = 10_000
MUSICXML_ROOTS = ("score-partwise", "score-timewise")
MUSICXML_SUFFIXES = (".mxl", ".musicxml", ".xml")

_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_XML_DECL_ENCODING = re.compile(rb"""^(<\?xml[^>]*?encoding\s*=\s*)(["'])([A-Za-z0-9._-]+)\2""")
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"),
)
# XML 1.0 appendix F: a document without a byte order mark starts with "<" in its own encoding.
_BOMLESS = (
    (b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<", "utf-16-be"), (b"<\x00", "utf-16-le"),
)
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _reference_member(names: list[str]) -> str | None:
    """The member the reference converter reads: the first non-META name ending in .xml."""
    for name in names:
        if name[:4] != "META" and name[-4:].lower() == ".xml":
            return name
    return None


def _container_rootfile(archive: zipfile.ZipFile) -> str | None:
    try:
        data = archive.read("META-INF/container.xml")
    except KeyError:
        return None
    if _ENTITY_DECL.search(data):
        raise ConversionError("the .mxl container declares XML entities; refused")
    try:
        root = etree.fromstring(data, _SAFE_PARSER)
    except etree.XMLSyntaxError as exc:
        raise ConversionError(f"the .mxl container.xml is not valid XML ({exc})") from exc
    for rootfile in root.iter("{*}rootfile"):
        path = rootfile.get("full-path")
        media = rootfile.get("media-type", "")
        if path and (not media or "musicxml" in media or media.endswith("xml")):
            return path
    return None


def read_mxl(path: Path) -> bytes:
    """The score inside a compressed MusicXML archive.

    Where the reference converter finds a score (the first ``*.xml`` member) we
    read the same one, so its ABC is reproduced; otherwise the score named by
    ``META-INF/container.xml`` is read (archives whose score is ``.musicxml``).
    """
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_MEMBERS:
                raise ConversionError(f"the .mxl archive holds {len(infos)} files; refused")
            names = [i.filename for i in infos]
            member = _reference_member(names) or _container_rootfile(archive)
            if member is None:
                raise ConversionError("the .mxl archive holds no MusicXML score")
            member = str(PurePosixPath(member))
            if member not in names:
                raise ConversionError(f"the .mxl container names '{member}', which is not in the archive")
            info = archive.getinfo(member)
            if info.file_size > MAX_XML_BYTES or info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1024):
                raise ConversionError(
                    f"the score inside the .mxl would inflate to {info.file_size:,} bytes; refused"
                )
            with archive.open(info) as handle:
                data = handle.read(MAX_XML_BYTES + 1)
            if len(data) > MAX_XML_BYTES:
                raise ConversionError("the score inside the .mxl is larger than the size limit; refused")
            return data
    except zipfile.BadZipFile as exc:
        raise ConversionError(f"not a valid .mxl (zip) file: {exc}") from exc
    except (zipfile.LargeZipFile, NotImplementedError, EOFError, RuntimeError, zlib.error) as exc:
        # zlib.error: the compressed data itself is corrupt (bit flips, a cut download)
        raise ConversionError(f"the .mxl archive cannot be read: {exc}") from exc


def read_musicxml_bytes(path: Path) -> bytes:
    """MusicXML bytes of a file, checked to be MusicXML and free of entity declarations."""
    path = Path(path)
    if path.suffix.lower() == ".mxl":
        data = read_mxl(path)
    else:
        if path.stat().st_size > MAX_XML_BYTES:
            raise ConversionError(f"the file is larger than {MAX_XML_BYTES // 2**20} MiB; refused")
        data = path.read_bytes()
    data = to_utf8(data)
    check_musicxml(data)
    return data


def to_utf8(data: bytes) -> bytes:
    """The document re-encoded as UTF-8 with a matching declaration.

    xml2abc's parser is told the input is UTF-8, so UTF-16 or Latin-1 scores
    (music21's corpus has several) are transcoded first; the original
    converter read them through their declared encoding, and so do we.
    """
    encoding = next((codec for mark, codec in _BOMS + _BOMLESS if data.startswith(mark)), None)
    if encoding is None:
        match = _XML_DECL_ENCODING.match(data.lstrip()[:200])
        declared = match.group(3).decode("ascii").lower() if match else "utf-8"
        if declared.replace("_", "-") in ("utf-8", "utf8", "us-ascii", "ascii"):
            return data
        encoding = declared
    try:
        # UnicodeError, not just UnicodeDecodeError: codecs such as idna raise
        # the base class, and a decoder that yields lone surrogates fails on encode.
        raw = data.decode(encoding).lstrip("\ufeff").encode("utf-8")
    except (LookupError, UnicodeError) as exc:
        raise ConversionError(f"the text cannot be decoded as {encoding} ({exc})"[:300]) from exc
    return _XML_DECL_ENCODING.sub(rb"\1\2UTF-8\2", raw, count=1)


def _first_element(data: bytes) -> tuple[etree._Element | None, str]:
    """The root element as parsed from the first start tag only, or None and the parser's complaint."""
    parser = etree.XMLPullParser(events=("start",), resolve_entities=False, no_network=True,
                                 load_dtd=False)
    try:
        for offset in range(0, min(len(data), 1 << 20), 8192):
            parser.feed(data[offset:offset + 8192])
            for _, element in parser.read_events():
                return element, ""
    except etree.XMLSyntaxError as exc:
        return None, str(exc.msg or exc).splitlines()[0][:200]
    return None, "no root element in the first MiB"


def _local_name(element: etree._Element) -> str:
    # not etree.QName: it raises on a name with an undeclared prefix (<a:score-partwise>)
    return str(element.tag).rpartition("}")[2]


def root_tag(data: bytes) -> str | None:
    """The root element's name, read from the first start tag only."""
    element, _ = _first_element(data)
    return None if element is None else _local_name(element)


def _declares_entities(element: etree._Element) -> bool:
    dtd = element.getroottree().docinfo.internalDTD
    return dtd is not None and next(dtd.iterentities(), None) is not None


def check_musicxml(data: bytes) -> None:
    if not data.strip():
        raise ConversionError("the file is empty")
    if _ENTITY_DECL.search(data):
        raise ConversionError("the XML declares entities (possible entity-expansion attack); refused")
    element, problem = _first_element(data)
    if element is None:
        raise ConversionError(f"not well-formed XML ({problem})")
    if _declares_entities(element):
        raise ConversionError("the XML declares entities (possible entity-expansion attack); refused")
    tag = _local_name(element)
    if tag not in MUSICXML_ROOTS:
        raise ConversionError(f"XML but not MusicXML (root element <{tag}>)"[:300])
