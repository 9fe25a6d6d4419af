"""Metadata read from a MusicXML header and part list, without parsing every note."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

METADATA_FIELDS = (
    "title", "subtitle", "composer", "lyricist", "arranger", "work", "movement",
    "key", "time_signature", "tempo", "parts", "instruments", "measures",
    "duration_s", "software",
)

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _text(root, path: str) -> str | None:
    value = root.findtext(path)
    return " ".join(value.split()) if value and value.strip() else None


def read_musicxml_metadata(data: bytes, path: Path) -> dict:
    """Title, composer, parts ... from MusicXML bytes; missing fields are None."""
    meta = dict.fromkeys(METADATA_FIELDS)
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError:
        root = None
    if root is not None:
        meta["work"] = _text(root, "work/work-title")
        meta["movement"] = _text(root, "movement-title")
        for creator in root.iterfind("identification/creator"):
            kind = creator.get("type") or "composer"
            if kind in ("composer", "lyricist", "arranger") and creator.text and creator.text.strip():
                meta[kind] = meta[kind] or " ".join(creator.text.split())
        meta["software"] = _text(root, "identification/encoding/software")
        parts = root.findall("part-list/score-part")
        meta["parts"] = len(parts) or None
        meta["instruments"] = [_text(p, "part-name") or "" for p in parts] or None
        first_part = root.find("part")
        if first_part is not None:
            meta["measures"] = len(first_part.findall("measure")) or None
    meta["title"] = meta["movement"] or meta["work"] or Path(path).stem
    return meta
