"""A title a musician recognises: from the score, else from the folder and file names.

The score's own words come first (work title with movement, movement title,
the title credit).  A value that names nothing - a template placeholder
("Title", "Untitled", "X") or a file-name-like stem ("xml_score", "c",
"lc12345") - is not a title; then the file name, and failing that the folder
names, are made readable ("Piano_Sonatas/21-1" -> "Piano Sonatas 21-1").
"""

from __future__ import annotations

import re
from pathlib import Path

from .ensemble import name_role

PLACEHOLDERS = frozenset({
    "title", "titel", "titre", "titolo", "titulo", "untitled", "untitled score", "new score", "score",
    "sans titre", "ohne titel", "senza titolo", "sin titulo", "no title", "song title", "piece",
    "subtitle", "composer", "musicxml", "sheet music", "partitura", "partition", "noten", "document",
    "click to edit title", "enter title", "title of the piece", "[title]", "<title>", "?", "-",
})
# Words that make up generic file and folder names (exports, OMR output, corpus ids).
GENERIC_WORDS = frozenset({
    "xml", "musicxml", "mxl", "score", "scores", "cleaned", "clean", "export", "exported", "output",
    "out", "file", "files", "untitled", "new", "sheet", "music", "document", "doc", "data", "final",
    "copy", "version", "v", "omr", "scan", "page", "part", "parts", "full", "mscz", "mscx", "temp", "tmp",
    "test", "lead", "leadsheet", "krn", "abc", "mei", "midi", "pdf", "corpus", "musescore", "finale",
    "sibelius", "dorico",
})
_CODE = re.compile(r"^[a-z]{0,4}[-_ ]?\d{2,}[a-z]?$|^[a-z]\d?$", re.IGNORECASE)


_CATALOGUE_STEM = re.compile(r"^(bwv|hwv|kv|k|op|hob|woo|rv|d|sz|l)[-_ .]?(\d[\w.:\-]*)$", re.IGNORECASE)


def readable(name: str) -> str:
    """A file or folder name as words: underscores and camel case become spaces; "bwv66.6" -> "BWV 66.6"."""
    if match := _CATALOGUE_STEM.match(name):
        prefix = match.group(1)
        prefix = prefix.upper() if prefix.lower() in ("bwv", "hwv", "kv", "k", "rv", "sz", "l", "d") else prefix.capitalize()
        return f"{prefix}{'.' if prefix in ('Op', 'Hob', 'Woo') else ''} {match.group(2)}".replace("Woo", "WoO")
    text = re.sub(r"(?<=[a-z])(?=[A-Z][a-z])", " ", name.replace("_", " "))
    if " " not in text and re.fullmatch(r"(?:[A-Za-z]+\d+)+[A-Za-z]*", text):
        text = re.sub(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])", " ", text)   # "opus1no1" -> "opus 1 no 1"
    text = re.sub(r"^([^\W\d_]{3,})\.(?=\d)", r"\1 ", text)     # "madrigal.3.10" -> "madrigal 3.10"
    text = " ".join(text.replace("%20", " ").split())
    if text.islower() and len(text) > 3:
        text = " ".join(w.capitalize() if len(w) > 2 or i == 0 or w in ("no", "op", "nr") else w
                        for i, w in enumerate(text.split()))
    return text


def is_placeholder(text: str | None) -> bool:
    """Whether a title or name says nothing about the piece."""
    if not text:
        return True
    cleaned = " ".join(text.strip().strip("\"'“”").split())
    if re.match(r"(?:BWV|HWV|KV|K|Op\.|Hob\.|WoO|RV|D|Sz) \d", cleaned):
        return False    # a catalogue number names the piece ("BWV 66.6")
    lowered = cleaned.lower()
    if re.search(r"\.(?:mxl|xml|musicxml|mscz|mscx|krn|abc|mei|midi?|pdf|sib|musx|mus)$", lowered):
        return True     # a file name, as some exporters write into the title credit
    if lowered in PLACEHOLDERS or len(cleaned) == 1 or not re.search(r"\w", cleaned):
        return True
    words = [w for w in re.split(r"[\W_]+", lowered) if w]
    if words and all(w in GENERIC_WORDS or w.isdigit() for w in words):
        return True
    return bool(_CODE.match(cleaned))


_INITIALS_NAME = re.compile(r"^(?:[A-Z]\.\s?){1,3}\s?[A-Z][^\W\d_]+(?:\s[A-Z][^\W\d_]+)?$")


def is_misread(text: str) -> bool:
    """Recognition debris: as many marks as letters ("\\J.D. 'JUa..J..UU"), where a title has words."""
    marks = sum(not (ch.isalnum() or ch.isspace()) for ch in text)
    letters = sum(ch.isalnum() for ch in text)
    return marks >= 5 and marks >= 0.6 * letters


def _squeezed(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def names_a_part(text: str, part_names: list[str]) -> bool:
    """An instrument or voice part's name as printed over its staff ("CANTO", "CAN TO", cut short as "CANT").

    Only names that say an instrument or voice count: some exports name a tune's one part after the tune.
    """
    wanted = _squeezed(text)
    return len(wanted) >= 3 and any(_squeezed(name).startswith(wanted) and name_role(name)
                                    for name in part_names if name)


def not_a_title(text: str | None, part_names: list[str] = (), people: list[str] = ()) -> bool:
    """A placeholder, recognition debris, a part's name or a person's credit (the poet, "J.S. Bach")."""
    if is_placeholder(text):
        return True
    cleaned = " ".join(text.split())
    return is_misread(cleaned) or names_a_part(cleaned, list(part_names)) or bool(_INITIALS_NAME.match(cleaned)) \
        or any(person and _squeezed(person) == _squeezed(cleaned) for person in people)


def combine(work: str | None, movement: str | None, number: str | None = None) -> str | None:
    """Work and movement shown together; one alone when the other is missing, a placeholder or inside it."""
    work = None if is_placeholder(work) else work
    movement = None if is_placeholder(movement) else movement
    if movement and number and not re.match(rf"\W*{re.escape(number)}\b", movement) and work:
        movement = f"{number}. {movement}"
    if work and movement:
        w, m = work.lower(), movement.lower()
        if w in m:
            return movement
        if m in w:
            return work
        return f"{work}: {movement}"
    return work or movement


def _number_like(text: str) -> bool:
    return bool(re.fullmatch(r"[\d\W_]+|(?:no|nr|op|mvt|mov|movement|satz|part|book|vol)\.?[\s_]*[\d\W_]+",
                             text, re.IGNORECASE))


def _folder_title(folders: list[str], skip: set[str]) -> str | None:
    """From the innermost folders: a number-like folder ("21-1") is prefixed by its parent."""
    names = [f for f in folders if f not in skip and (_number_like(f) or not is_placeholder(readable(f)))]
    numbers = []
    while names and _number_like(names[-1]):
        numbers.insert(0, readable(names.pop()))
    if names:
        return " ".join([readable(names[-1]), *numbers])
    return " ".join(numbers) or None


def path_title(path: str | Path, composer_folders: set[str] = frozenset(), depth: int = 3) -> str | None:
    """A readable title from the file name, else from its folders (composer folders skipped)."""
    path = Path(path)
    stem = readable(path.stem)
    if _CATALOGUE_STEM.match(path.stem) or not (is_placeholder(stem) or _number_like(stem)):
        return re.sub(r"^\d+\s+(?=[^\W\d])", "", stem) or stem
    folders = list(path.parent.parts[-depth:]) + ([path.stem] if _number_like(stem) else [])
    folder = _folder_title(folders, set(composer_folders))
    if folder:
        return re.sub(r"^\d+\s+(?=[^\W\d])", "", folder) or folder
    return None


def choose_title(work: str | None, movement: str | None, number: str | None, credit: str | None,
                 path: str | Path, composer_folders: set[str] = frozenset(), part_names: list[str] = (),
                 people: list[str] = ()) -> str:
    """The title shown for a piece; never a placeholder while any name carries meaning.

    ``part_names`` and ``people`` (the score's credits for its composer, poet ...)
    are what a title slot holds by mistake (``not_a_title``).
    """
    work, movement, credit = (None if not_a_title(text, part_names, people) else text
                              for text in (work, movement, credit))
    from_score = combine(work, movement, number) or credit
    if from_score:
        if credit and work is None and movement and credit.lower() not in movement.lower():
            return combine(credit, movement) or from_score
        return from_score
    return path_title(path, composer_folders) or readable(Path(path).stem) or Path(path).name
