"""Metadata read from a MusicXML header, part list and first measures, without music21.

One lxml parse of the document (already in memory for conversion) and a few
targeted lookups: no note is interpreted, so this costs milliseconds even for
long scores.  Every format is read through MusicXML, so this one reader
serves all of them; ABC header fields are laid over it by ``ingest.score``.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

METADATA_FIELDS = (
    "title", "subtitle", "composer", "lyricist", "arranger", "work", "movement",
    "key", "time_signature", "tempo", "parts", "instruments", "measures",
    "duration_s", "software", "genre", "origin",
)

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          huge_tree=False, recover=True)
_MAJOR = ["Cb", "Gb", "Db", "Ab", "Eb", "Bb", "F", "C", "G", "D", "A", "E", "B", "F#", "C#"]
_MINOR = ["Ab", "Eb", "Bb", "F", "C", "G", "D", "A", "E", "B", "F#", "C#", "G#", "D#", "A#"]
_DEFAULT_QUARTER_BPM = 100.0  # for a duration estimate when the score gives no tempo


def _clean(value: str | None) -> str | None:
    return " ".join(value.split()) if value and value.strip() else None


def key_name(fifths: int, mode: str | None) -> str | None:
    """'G major', 'E minor' ... from a MusicXML <key> (fifths -7..7)."""
    if not -7 <= fifths <= 7:
        return None
    mode = (mode or "major").lower()
    if mode == "minor":
        return f"{_MINOR[fifths + 7]} minor"
    if mode == "major":
        return f"{_MAJOR[fifths + 7]} major"
    return f"{_MAJOR[fifths + 7]} {mode}"


def _first_key(root) -> str | None:
    key = root.find("part/measure/attributes/key")
    if key is None:
        return None
    try:
        return key_name(int(key.findtext("fifths", "0")), key.findtext("mode"))
    except ValueError:
        return None


def _first_time(root) -> tuple[str | None, float | None]:
    """('3/4', quarter notes per measure) of the first time signature."""
    time = root.find("part/measure/attributes/time")
    if time is None:
        return None, None
    beats, beat_type = time.findtext("beats"), time.findtext("beat-type")
    if not beats or not beat_type:
        return None, None
    try:
        quarters = sum(float(b) for b in beats.split("+")) * 4.0 / float(beat_type)
    except ValueError:
        quarters = None
    return f"{beats}/{beat_type}", quarters


def _first_tempo(root) -> float | None:
    for sound in root.iterfind("part/measure//sound[@tempo]"):
        try:
            return float(sound.get("tempo"))
        except (TypeError, ValueError):
            continue
    return None


def _creators(root, meta: dict) -> None:
    for creator in root.iterfind("identification/creator"):
        kind = creator.get("type") or "composer"
        text = _clean(creator.text)
        if kind in ("composer", "lyricist", "arranger") and text and not meta[kind]:
            meta[kind] = text
    for credit in root.iterfind("credit"):
        kind = credit.findtext("credit-type")
        words = _clean(" ".join(w.text or "" for w in credit.iterfind("credit-words")))
        if kind in ("subtitle", "composer", "lyricist", "arranger") and words:
            meta[kind] = meta[kind] or words
        elif kind == "title" and words:
            meta.setdefault("_credit_title", words)


def read_musicxml_metadata(data: bytes, path: str | Path) -> dict:
    """Title, composer, key, meter, parts ... from MusicXML bytes; missing fields are None."""
    meta = dict.fromkeys(METADATA_FIELDS)
    try:
        root = etree.fromstring(data, _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        root = None
    if root is not None:
        meta["work"] = _clean(root.findtext("work/work-title"))
        meta["movement"] = _clean(root.findtext("movement-title"))
        _creators(root, meta)
        meta["software"] = _clean(root.findtext("identification/encoding/software"))
        parts = root.findall("part-list/score-part")
        meta["parts"] = len(parts) or None
        meta["instruments"] = [_clean(p.findtext("part-name")) or "" for p in parts] or None
        first_part = root.find("part")
        measures = len(first_part.findall("measure")) if first_part is not None else 0
        meta["measures"] = measures or None
        meta["key"] = _first_key(root)
        meta["time_signature"], quarters = _first_time(root)
        tempo = _first_tempo(root)
        meta["tempo"] = f"{tempo:g}" if tempo else None
        if measures and quarters:
            meta["duration_s"] = round(measures * quarters * 60.0 / (tempo or _DEFAULT_QUARTER_BPM), 1)
    credit_title = meta.pop("_credit_title", None)
    meta["title"] = meta["movement"] or meta["work"] or credit_title or Path(path).stem
    return meta
