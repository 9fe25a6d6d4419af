"""Search query syntax: filters, quoted keywords and free text.

A query mixes three kinds of terms, in any order::

    composer:bach key:minor meter:3/4 parts:4 tag:genre=chorale "chorale" a slow sad piece

- ``field:value`` is a **filter**; every filter must hold (AND).  Quote a value
  with spaces: ``composer:"j.s. bach"``, ``tag:genre="folk song"``.  Fields:

  - ``composer:``, ``title:``, ``lyricist:``, ``arranger:``, ``origin:``,
    ``instrument:`` (the part names), ``genre:``: a substring of that
    metadata field, any case.  ``genre:`` also matches a visible tag of the
    ``genre`` vocabulary (the score's own genre, e.g. ABC ``R:reel``, or the tag).
  - ``key:``: ``minor``, ``major``, a mode (``dorian`` ...), a tonic (``a``,
    ``bb``, ``f#``: any mode) or both (``am``, ``"a minor"``, ``ebmaj``,
    ``"B-flat major"``).
  - ``meter:`` (or ``time:``): ``3/4``, ``6/8``, ``C`` (= 4/4), ``C|`` (= 2/2).
  - ``parts:``, ``measures:``: ``4``, ``>=4``, ``<3``, ``2-4``.
  - ``ensemble:`` (``ensemble:quartet``, ``ensemble:"voice and piano"``) and
    ``era:`` (``era:romantic``): a substring of the fact read from the score
    (parts, instruments, lyrics, chord symbols) or the composer's era; a
    visible tag of that vocabulary counts only for pieces whose fact is unknown.
  - ``lang:`` (or ``language:``): the lyrics' language, ``de`` or ``german``.
  - ``tempo:``: ``slow``, ``moderate``, ``fast`` (tempo words or metronome mark).
  - ``chords:yes`` / ``chords:no``, ``lyrics:yes`` / ``lyrics:no``.
  - ``voices:``: independent lines, as ``parts:``.
  - ``tag:``: ``tag:chorale`` (any vocabulary) or ``tag:genre=chorale``;
    visible tags only.
  - ``rating:`` (``rating:5``, ``rating:>=4``), ``favourite:yes`` / ``favourite:no`` and
    ``collection:NAME`` (a manual collection, any case): what the user made (engine.organise).
    Copies the user hid are left out of every search and listing unless the
    query says ``hidden:yes`` (only them) or ``hidden:any`` (them too).
  - ``VOCABULARY:``: short for ``tag:VOCABULARY=...`` when a tag vocabulary of
    that name exists (``mood:calm``).

  Key and metre come from the score's metadata, else from its ABC header
  (``K:`` / ``M:``).  A file that states no mode has it estimated from its
  notes, so ``key:minor`` finds minor pieces whatever their export.  A filter with a value that cannot be read
  (``parts:many``) is ignored and reported, so typing never empties the list.
  An unknown ``word:`` is ordinary free text.
- ``"quoted words"`` are **keywords**: a phrase that must occur in the
  metadata (title, subtitle, composer, lyricist, arranger, work, movement,
  part names, path, genre, origin), matched by SQLite FTS5, any case, accents ignored.
- Everything else is **free text**: in a semantic search it is what CLaMP
  ranks the pieces by; in a plain listing (``semantic=False``, the GUI's
  type-as-you-go filter) each free word must start a word of the metadata.

Filters and keywords decide *which* pieces are candidates before anything is
ranked; the free text decides the order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..store import queries

TEXT_FIELDS = {"composer": "composer", "title": "title", "lyricist": "lyricist",
               "arranger": "arranger", "instrument": "instruments", "genre": "genre",
               "origin": "origin", "ensemble": "ensemble", "era": "era"}
NUMBER_FIELDS = {"parts": "parts", "measures": "measures", "voices": "voices"}
# Facts read from the score: a value that is one of a few words, matched exactly.
EXACT_FIELDS = {"lang": "language", "tempo": "tempo_class"}
YES_NO_FIELDS = {"chords": "has_chords", "lyrics": "has_lyrics"}
ALIASES = {"time": "meter", "instruments": "instrument", "part": "parts", "language": "lang",
           "chord": "chords", "lyric": "lyrics", "voice": "voices", "favorite": "favourite",
           "stars": "rating", "in": "collection"}
# What the user made (engine.organise, engine.collections): marks and manual collections.
USER_FIELDS = frozenset({"rating", "favourite", "collection", "hidden"})
FIELDS = frozenset({*TEXT_FIELDS, *NUMBER_FIELDS, *EXACT_FIELDS, *YES_NO_FIELDS, *USER_FIELDS, "key", "meter", "tag"})
# Fields that are both a score fact and a tag vocabulary: the tag counts only where the fact is unknown.
FACT_COLUMNS = {"ensemble": "ensemble", "era": "era"}
LANGUAGES = {"german": "de", "deutsch": "de", "english": "en", "french": "fr", "francais": "fr",
             "italian": "it", "spanish": "es", "latin": "la", "portuguese": "pt", "dutch": "nl",
             "swedish": "sv", "czech": "cs", "polish": "pl", "russian": "ru", "greek": "el"}
_YES = {"yes": 1, "y": 1, "true": 1, "1": 1, "no": 0, "n": 0, "false": 0, "0": 0, "none": 0}

_TOKEN = re.compile(r'''
    (?P<field>[A-Za-z_][\w-]*):(?P<value>(?:"[^"]*"?|[^\s"])+)
  | "(?P<phrase>[^"]*)"?
  | (?P<word>\S+)
''', re.VERBOSE)

MODES = {
    "major": "major", "maj": "major", "ionian": "major", "ion": "major",
    "minor": "minor", "min": "minor", "m": "minor", "aeolian": "minor", "aeo": "minor",
    "dorian": "dorian", "dor": "dorian", "phrygian": "phrygian", "phr": "phrygian",
    "lydian": "lydian", "lyd": "lydian", "mixolydian": "mixolydian", "mix": "mixolydian",
    "locrian": "locrian", "loc": "locrian",
}
_ACCIDENTALS = {"": "", "#": "#", "♯": "#", "sharp": "#", "b": "b", "♭": "b", "flat": "b"}
_KEY = re.compile(r"^(?P<tonic>[a-g])\s*-?\s*(?P<acc>#|♯|♭|sharp|flat|b)?\s*[-_ ]?\s*(?P<mode>[a-z]+)?$")


@dataclass(frozen=True)
class Filter:
    field: str          # one of FIELDS
    value: str


@dataclass(frozen=True)
class ParsedQuery:
    filters: tuple[Filter, ...] = ()
    keywords: tuple[str, ...] = ()
    text: str = ""

    @property
    def words(self) -> list[str]:
        return self.text.split()


@dataclass(frozen=True)
class KeySpec:
    """A key as (tonic, mode); either part None means 'any'."""

    tonic: str | None
    mode: str | None

    def matches(self, other: KeySpec) -> bool:
        return ((self.tonic is None or self.tonic == other.tonic)
                and (self.mode is None or self.mode == other.mode))

    def __str__(self) -> str:
        return " ".join(part for part in (self.tonic, self.mode) if part)


@dataclass
class Selection:
    """What a query's filters and keywords select, as SQL clauses (none: every piece)."""

    clauses: list[queries.Clause] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)   # filters that could not be read, with why

    def allowed_ids(self, library) -> list[int] | None:
        """The selected ids (in no particular order), or None when every piece is selected."""
        return queries.piece_ids(library, self.clauses, ordered=False) if self.clauses else None

    def excluding(self, ids) -> Selection:
        ids = list(ids)
        return Selection(self.clauses + [queries.exclude_ids(ids)], self.ignored) if ids else self


def parse_query(text: str, vocabularies: Iterable[str] = ()) -> ParsedQuery:
    """Split a query into filters, quoted keywords and free text (see the module docstring)."""
    vocabularies = {v.lower(): v for v in vocabularies}
    filters, keywords, words = [], [], []
    for match in _TOKEN.finditer(text or ""):
        if match.group("field"):
            name = match.group("field").lower()
            name = ALIASES.get(name, name)
            value = " ".join(match.group("value").replace('"', " ").split())
            if name in FIELDS and value:
                filters.append(Filter(name, value))
                continue
            if name in vocabularies and value:
                filters.append(Filter("tag", f"{vocabularies[name]}={value}"))
                continue
            words.append(match.group(0))
        elif match.group("phrase") is not None:
            if match.group("phrase").strip():
                keywords.append(" ".join(match.group("phrase").split()))
        else:
            words.append(match.group("word"))
    return ParsedQuery(tuple(filters), tuple(keywords), " ".join(words))


# --- reading values ---------------------------------------------------------------

def parse_key(text: str | None) -> KeySpec | None:
    """'A minor', 'a minor', 'Am', 'Gmin', 'Bb', 'F#m', 'E-flat major', 'dorian' -> KeySpec.

    A bare tonic leaves the mode open ('any mode', as a filter means it);
    ``score_key`` reads it as major, as ABC does.
    """
    if not text:
        return None
    cleaned = " ".join(text.strip().lower().split())
    if cleaned in MODES:
        return KeySpec(None, MODES[cleaned])
    match = _KEY.match(cleaned)
    if not match:
        return None
    mode = match.group("mode")
    if mode is not None and mode not in MODES:
        return None
    tonic = match.group("tonic").upper() + _ACCIDENTALS[match.group("acc") or ""]
    return KeySpec(tonic, MODES.get(mode))


def score_key(text: str | None) -> KeySpec | None:
    """The key a score is in ('Gmin', 'A minor', 'C clef=bass'); a bare tonic is major, as in ABC."""
    words = (text or "").split()
    for count in (len(words), 2, 1):
        key = parse_key(" ".join(words[:count]))
        if key is not None and key.tonic is not None:
            return KeySpec(key.tonic, key.mode or "major")
    return None


def parse_meter(text: str | None) -> str | None:
    """'3/4', 'M:3/4', 'C' (4/4), 'C|' (2/2) -> '3/4'; None when it is no metre."""
    if not text:
        return None
    cleaned = text.strip().removeprefix("M:").replace(" ", "")
    named = {"c": "4/4", "c|": "2/2"}
    if cleaned.lower() in named:
        return named[cleaned.lower()]
    match = re.fullmatch(r"(\d+(?:\+\d+)*)/(\d+)", cleaned)
    return f"{match.group(1)}/{match.group(2)}" if match else None


def parse_range(text: str) -> tuple[int | None, int | None] | None:
    """'4' -> (4, 4); '>=4' -> (4, None); '<3' -> (None, 2); '2-4' -> (2, 4); None if unreadable."""
    text = text.replace(" ", "")
    if match := re.fullmatch(r"(\d+)(?:-|\.\.)(\d+)", text):
        return int(match.group(1)), int(match.group(2))
    if match := re.fullmatch(r"(>=|<=|>|<|=)?(\d+)", text):
        number = int(match.group(2))
        return {None: (number, number), "=": (number, number), ">=": (number, None),
                "<=": (None, number), ">": (number + 1, None), "<": (None, number - 1)}[match.group(1)]
    return None


def parse_tag(text: str) -> tuple[str | None, str]:
    """'genre=chorale' or 'genre:chorale' -> ('genre', 'chorale'); 'chorale' -> (None, 'chorale')."""
    for separator in ("=", ":"):
        if separator in text:
            vocabulary, label = text.split(separator, 1)
            return vocabulary.strip() or None, label.strip()
    return None, text.strip()


def fts_phrase(text: str, prefix: bool = False) -> str | None:
    """One FTS5 phrase (quoted, so no character is syntax); None when it holds no word."""
    if not re.search(r"\w", text):
        return None
    return '"' + text.replace('"', '""') + '"' + (" *" if prefix else "")


# --- from a query to the allowed ids ------------------------------------------------

def select(library, query: ParsedQuery, thresholds: Mapping[str, float], *,
           free_text_as_keywords: bool) -> Selection:
    """The pieces a query's filters and keywords allow (and the free words, in a plain listing)."""
    clauses, ignored = [], []
    for item in query.filters:
        clause = _clause(library, item, thresholds)
        if isinstance(clause, str):
            ignored.append(f"{item.field}:{item.value} ({clause})")
        elif clause is not None:
            clauses.append(clause)
    phrases = [fts_phrase(k) for k in query.keywords]
    if free_text_as_keywords:
        phrases += [fts_phrase(w, prefix=True) for w in query.words]
    phrases = [p for p in phrases if p]
    if phrases:
        clauses.append(queries.fts_match(" AND ".join(phrases)))
    return Selection(clauses, ignored)


def _clause(library, item: Filter, thresholds: Mapping[str, float]) -> queries.Clause | str:
    """The SQL clause for one filter, or why its value cannot be read."""
    if item.field in TEXT_FIELDS:
        clause = queries.contains(TEXT_FIELDS[item.field], item.value)
        if item.field in thresholds:    # genre: the score's own genre or a visible genre tag
            tag = queries.has_visible_tag(item.field, item.value, thresholds)
            if item.field in FACT_COLUMNS:
                tag = queries.all_of(queries.is_unknown(FACT_COLUMNS[item.field]), tag)
            clause = queries.any_of(clause, tag)
        return clause
    if item.field in EXACT_FIELDS:
        value = item.value.lower()
        return queries.equals(EXACT_FIELDS[item.field], LANGUAGES.get(value, value))
    if item.field in YES_NO_FIELDS:
        if item.value.lower() not in _YES:
            return "not yes or no"
        return queries.equals(YES_NO_FIELDS[item.field], _YES[item.value.lower()])
    if item.field in NUMBER_FIELDS:
        bounds = parse_range(item.value)
        if bounds is None:
            return "not a number or range"
        return queries.number_between(NUMBER_FIELDS[item.field], *bounds)
    if item.field in USER_FIELDS:
        return _user_clause(item)
    if item.field == "key":
        wanted = parse_key(item.value)
        if wanted is None:
            return "not a key or mode"
        written = [v for v, _ in queries.effective_values(library, "key")
                   if (k := score_key(v)) is not None and wanted.matches(k)]
        return queries.effective_in("key", written)
    if item.field == "meter":
        wanted = parse_meter(item.value)
        if wanted is None:
            return "not a time signature"
        written = [v for v, _ in queries.effective_values(library, "meter") if parse_meter(v) == wanted]
        return queries.effective_in("meter", written)
    vocabulary, label = parse_tag(item.value)
    if not label:
        return "no label"
    return queries.has_visible_tag(vocabulary, label, thresholds)


def without_hidden(library, query: ParsedQuery, selection: Selection) -> Selection:
    """The selection less the copies the user hid, unless the query asks about them (``hidden:``).

    Checked first, so a library where nothing is hidden keeps the plain selection (no clause, no id list).
    """
    if any(item.field == "hidden" for item in query.filters) or not queries.has_hidden(library):
        return selection
    return Selection([*selection.clauses, queries.not_hidden()], selection.ignored)


def _user_clause(item: Filter) -> queries.Clause | str | None:
    """``rating:>=4``, ``favourite:yes``, ``collection:NAME``, ``hidden:yes|no|any`` (None: no condition)."""
    if item.field == "hidden":
        value = item.value.lower()
        if value in ("any", "all"):
            return None
        if value not in _YES:
            return "not yes, no or any"
        return queries.is_hidden() if _YES[value] else queries.not_hidden()
    if item.field == "rating":
        bounds = parse_range(item.value)
        return "not a number of stars or a range" if bounds is None else queries.rating_between(*bounds)
    if item.field == "favourite":
        if item.value.lower() not in _YES:
            return "not yes or no"
        return queries.is_favourite(bool(_YES[item.value.lower()]))
    return queries.in_collection(item.value)
