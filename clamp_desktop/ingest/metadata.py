"""Metadata read from a MusicXML header, part list and first measures, without music21.

One lxml parse of the document (already in memory for conversion) and a few
targeted lookups: no note is interpreted, so this costs milliseconds even for
long scores.  Every format is read through MusicXML, so this one reader
serves all of them; ABC header fields are laid over it by ``ingest.score``.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from . import composers
from .facts import score_facts
from .titles import choose_title

METADATA_FIELDS = (
    "title", "subtitle", "composer", "lyricist", "arranger", "work", "movement",
    "key", "time_signature", "tempo", "parts", "instruments", "measures",
    "duration_s", "software", "genre", "origin", "composer_raw", "mode", "key_source", "ensemble",
    "voices", "language", "has_lyrics", "has_chords", "tempo_class", "era",
)
FOLDER_LEVELS = 4   # how many folders above a file may name its composer or title

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          huge_tree=False, recover=True)
_CIRCLE = "Fb Cb Gb Db Ab Eb Bb F C G D A E B F# C# G# D# A# E# B#".split()   # by fifths, Fb = -8
# Mode -> fifths from the signature's major tonic to the mode's tonic (D dorian has C major's signature).
_MODE_SHIFT = {"major": 0, "ionian": 0, "minor": 3, "aeolian": 3, "dorian": 2, "phrygian": 4, "lydian": -1,
               "mixolydian": 1, "locrian": 5}
_MODE_NAME = {"ionian": "major", "aeolian": "minor"}
_DEFAULT_QUARTER_BPM = 100.0  # for a duration estimate when the score gives no tempo


def _clean(value: str | None) -> str | None:
    return " ".join(value.split()) if value and value.strip() else None


def key_name(fifths: int, mode: str | None) -> str | None:
    """'G major', 'E minor', 'D dorian' ... from a MusicXML <key> (fifths -7..7)."""
    mode = (mode or "major").lower()
    if not -7 <= fifths <= 7 or mode not in _MODE_SHIFT:
        return None
    return f"{_CIRCLE[fifths + _MODE_SHIFT[mode] + 8]} {_MODE_NAME.get(mode, mode)}"


def _first_key(root) -> tuple[int | None, str | None]:
    """(fifths, mode as written or None) of the first key signature."""
    key = root.find("part/measure/attributes/key")
    if key is None or key.find("fifths") is None:
        return None, None
    try:
        fifths = int(key.findtext("fifths", "0"))
    except ValueError:
        return None, None
    mode = (_clean(key.findtext("mode")) or "").lower()
    mode = _MODE_NAME.get(mode, mode) if mode in _MODE_SHIFT else None
    return (fifths, mode) if -7 <= fifths <= 7 else (None, None)


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
    if "_credit_title" not in meta:
        meta["_credit_title"] = _untyped_title_credit(root)


def _untyped_title_credit(root) -> str | None:
    """Older exports type no credit: the largest centred words at the top of page 1."""
    best, best_size = None, 0.0
    for credit in root.iterfind("credit"):
        if credit.get("page", "1") != "1" or credit.find("credit-type") is not None:
            continue
        first = credit.find("credit-words")
        if first is None or first.get("justify", first.get("halign")) != "center":
            continue
        try:
            size = float(first.get("font-size") or 0)
        except ValueError:
            size = 0.0
        words = _clean(" ".join(w.text or "" for w in credit.iterfind("credit-words")))
        if words and size > best_size:
            best, best_size = words, size
    return best


def folder_composers(path: str | Path) -> list[tuple[str, str]]:
    """(folder name, composer) of the folders above a file that name a composer, nearest first."""
    found = []
    for folder in reversed(Path(path).parent.parts[-FOLDER_LEVELS:]):
        name = composers.folder_composer(folder)
        if name:
            found.append((folder, name))
    return found


def name_piece(meta: dict, path: str | Path) -> dict:
    """Settle composer (canonical, raw, era) and title from what the score and its path say.

    A title already in ``meta`` (an ABC ``T:``) is kept unless it is a placeholder.
    """
    raw = meta.get("composer_raw") or meta.get("composer")
    in_folders = folder_composers(path)
    composer = composers.choose(raw, in_folders[0][1] if in_folders else None, meta.get("lyricist"))
    if in_folders and composer == in_folders[0][1] and composers.canonical(raw) != composer:
        raw = in_folders[0][0]
    meta["composer"], meta["composer_raw"] = composer, raw if composer else None
    meta["era"] = composers.era_of(composer)
    credit = meta.pop("_credit_title", None)
    people = [meta.get(role) for role in ("lyricist", "arranger")] + [raw]
    meta["title"] = choose_title(meta.get("work"), meta.get("movement"), meta.pop("_movement_number", None),
                                 meta.get("title") or credit, path, {f for f, _ in in_folders},
                                 meta.get("instruments") or [], [p for p in people if p])
    return meta


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
        fifths, mode = _first_key(root)
        meta.update(score_facts(root, fifths, mode))
        meta["key"] = key_name(fifths, meta["mode"]) if fifths is not None else None
        meta["_movement_number"] = _clean(root.findtext("movement-number"))
        meta["time_signature"], quarters = _first_time(root)
        tempo = _first_tempo(root)
        meta["tempo"] = f"{tempo:g}" if tempo else None
        if measures and quarters:
            meta["duration_s"] = round(measures * quarters * 60.0 / (tempo or _DEFAULT_QUARTER_BPM), 1)
    return name_piece(meta, path)
