"""When xml2abc stops at a mark it was never taught: convert a repaired copy, and say what was removed.

The faithful converter (``xml2abc.py``) raises on some marks real exports
contain: MuseScore 4's ``<pedal type="discontinue">``, a ``<metronome>``
without ``<per-minute>`` (a metric modulation), an ``<accidental>`` it has no
sign for (``natural-sharp``).  One such mark must not lose the whole file.

The repair is general, not one fix per bug: a copy of the MusicXML is
stripped level by level, and converted again after each level, until one
converts.  Each level removes more than the one before, and only things the
notes do not depend on until the last:

1. marks in a form xml2abc does not read (start/stop marks of an unknown
   type, metronomes without a tempo, accidental signs it has no ABC for,
   lyrics numbered by a name such as "chorus"),
   and composite meters (``3+4``) rewritten as the one number it reads;
2. every decoration and direction (dynamics, pedals, words, tempo marks,
   ornaments, articulations, accidental signs, chord symbols, lyrics ...);
3. everything but the notes: pitches, rests, durations, voices, ties,
   tuplets, clefs, keys and meters.

What was removed is recorded (which mark, how many, in which measures) and
shown as a notice beside the piece.  A file the faithful converter reads is
never touched: its ABC stays byte-identical to the reference's.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import ConversionError

# The values xml2abc's tables hold (ntAbc's acc2alt, doDirection's startStop typmap).
READ_ACCIDENTALS = frozenset(
    ["double-flat", "flat-flat", "flat", "natural", "sharp", "sharp-sharp", "double-sharp"])
READ_START_STOP = {
    "pedal": frozenset(["start", "stop"]),
    "wedge": frozenset(["crescendo", "diminuendo", "stop"]),
    "octave-shift": frozenset(["up", "down", "stop"]),
}
MAX_MEASURES_SHOWN = 5

# Level 2: decorations and directions (tag -> the parents it is removed from).
DECORATIONS = {
    "direction": ("measure",), "harmony": ("measure",), "figured-bass": ("measure",),
    "sound": ("measure",), "print": ("measure",),
    "accidental": ("note",), "notehead": ("note",), "lyric": ("note",), "play": ("note",),
    "ornaments": ("notations",), "technical": ("notations",), "articulations": ("notations",),
    "dynamics": ("notations",), "fermata": ("notations", "barline"), "arpeggiate": ("notations",),
    "non-arpeggiate": ("notations",), "glissando": ("notations",), "slide": ("notations",),
    "accidental-mark": ("notations",), "other-notation": ("notations",),
    "segno": ("barline",), "coda": ("barline",),
}
# Level 3: what the notes are made of; everything else under these parents goes.
SKELETON = {
    "measure": frozenset(["note", "backup", "forward", "attributes", "barline"]),
    "note": frozenset(["grace", "chord", "pitch", "unpitched", "rest", "duration", "tie", "voice",
                       "type", "dot", "time-modification", "staff", "notations", "cue"]),
    "notations": frozenset(["tied", "tuplet"]),
    "attributes": frozenset(["divisions", "key", "time", "staves", "clef", "transpose"]),
    "barline": frozenset(["bar-style", "repeat"]),
}


@dataclass
class Removal:
    """What one level took out: a description of each kind of mark -> measure numbers it was in."""

    found: dict[str, list[str]]

    def note(self) -> str:
        """``removed 2× <pedal type="resume"> (measures 3, 9); rewrote <beats>3+4</beats> read as 7 (measure 1)``."""
        removed, rewritten = [], []
        for mark, measures in self.found.items():
            numbers = sorted(set(measures), key=_measure_order)
            shown = ", ".join(numbers[:MAX_MEASURES_SHOWN]) + (", …" if len(numbers) > MAX_MEASURES_SHOWN else "")
            count = f"{len(measures)}× " if len(measures) > 1 else ""
            where = f" (measure{'s' if len(numbers) > 1 else ''} {shown})" if numbers else ""
            (rewritten if isinstance(mark, Rewritten) else removed).append(f"{count}{mark}{where}")
        said = [f"removed {', '.join(removed)}"] if removed else []
        return "; ".join(said + ([f"rewrote {', '.join(rewritten)}"] if rewritten else []))


def _measure_order(number: str) -> tuple:
    """Measure numbers in score order: numbers by value, then anything else ("X1", "?")."""
    return (0, int(number), "") if number.isdigit() else (1, 0, number)


class Rewritten(str):
    """A mark a rule rewrote in place into a form xml2abc reads (kept, not removed)."""


# xml2abc reads a lyric's number as an integer after a Sibelius-style "...verse" prefix.
_LYRIC_NUMBER = re.compile(r"(.*verse)?\d+")
_COMPOSITE = re.compile(r"\d+(\s*\+\s*\d+)+")


def _read_composite_beats(beats: ElementTree.Element) -> Rewritten | None:
    """``<beats>3+4</beats>`` (a composite meter) -> ``7``: xml2abc reads beats as one integer."""
    text = (beats.text or "").strip()
    if not _COMPOSITE.fullmatch(text):
        return None
    beats.text = str(sum(int(part) for part in text.split("+")))
    return Rewritten(f"<beats>{text}</beats> read as {beats.text}")


def _mark(element: ElementTree.Element) -> str:
    """The element as a user finds it in the file: ``<pedal type="discontinue">``."""
    kind = element.get("type")
    return f'<{element.tag} type="{kind}">' if kind else f"<{element.tag}>"


def _odd_form(parent: ElementTree.Element, child: ElementTree.Element) -> str | None:
    """Level 1: a description of ``child`` when it is a mark in a form xml2abc cannot read."""
    if child.tag == "beats" and parent.tag == "time":
        return _read_composite_beats(child)
    if child.tag in READ_START_STOP and parent.tag == "direction-type":
        if child.get("type", "") not in READ_START_STOP[child.tag]:
            return _mark(child)
    if child.tag == "metronome" and child.find("per-minute") is None:
        return "<metronome> without <per-minute> (a metric modulation)"
    if child.tag == "accidental" and parent.tag == "note" and (child.text or "") not in READ_ACCIDENTALS:
        return f"<accidental>{child.text or ''}</accidental>"
    if child.tag == "lyric" and parent.tag == "note" and not _LYRIC_NUMBER.fullmatch(child.get("number", "1")):
        return f'<lyric number="{child.get("number")}">'
    return None


def _decoration(parent: ElementTree.Element, child: ElementTree.Element) -> str | None:
    return _mark(child) if parent.tag in DECORATIONS.get(child.tag, ()) else None


def _not_skeleton(parent: ElementTree.Element, child: ElementTree.Element) -> str | None:
    kept = SKELETON.get(parent.tag)
    return f"<{child.tag}>" if kept is not None and child.tag not in kept else None


LEVELS: tuple[tuple[str, Callable], ...] = (
    ("marks the converter cannot read", _odd_form),
    ("decorations and directions", _decoration),
    ("everything but the notes", _not_skeleton),
)


def _measures(root: ElementTree.Element):
    """(measure element, its number) for partwise and timewise scores alike."""
    for measure in root.iter("measure"):
        yield measure, measure.get("number", "?")


def strip(root: ElementTree.Element, rule: Callable) -> Removal:
    """Remove, in place, every element inside a measure that ``rule`` describes."""
    found: dict[str, list[str]] = {}
    for measure, number in _measures(root):
        parents = [measure]
        while parents:  # removed elements are not looked into
            parent = parents.pop(0)
            for child in list(parent):
                mark = rule(parent, child)
                if mark:
                    if not isinstance(mark, Rewritten):
                        parent.remove(child)
                    found.setdefault(mark, []).append(number)
                else:
                    parents.append(child)
    return Removal(found)


def repaired_versions(data: bytes):
    """(level name, repaired MusicXML bytes, Removal), more removed at each step; levels that remove nothing are skipped."""
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise ConversionError(f"the score cannot be parsed for repair ({exc})") from exc
    removed: dict[str, list[str]] = {}
    for name, rule in LEVELS:
        removal = strip(root, rule)
        if not removal.found:
            continue
        for mark, measures in removal.found.items():
            removed.setdefault(mark, []).extend(measures)
        yield name, ElementTree.tostring(root, encoding="utf-8"), Removal(dict(removed))
