"""What a free-text query says about the pieces it wants, as soft constraints for hybrid search.

``understand(library, text)`` reads the words of a query that name something a
piece's facts can confirm:

- a composer of the library, by surname or full name (any case, accents and
  common transliterations: the spelling skeletons of ``ingest.composers``);
  a surname that is also an ordinary query word ("German", "White") only as
  "by White" or with a given name;
- an ensemble ("string quartet", "song for voice and piano", "lied", "lead
  sheet", "piano piece", "choir" ...), the longest phrase first;
- a key or mode ("in D minor", "minor", "dorian"), read as the ``key:`` filter
  reads it; "a minor key" is a mode, "in A minor" / "in a minor" a key;
- a meter ("3/4", "waltz" = 3/4, "jig" = 6/8) and a tempo ("slow", "adagio",
  "lively"), an era ("baroque") and, for sung music, a lyrics language
  ("German", "French"; "Lied" is German);
- a title of the library typed whole (with or without "by COMPOSER"; a
  movement's own title counts as a title), and a
  collection (work or set) named inside the query, when they hold a word none
  of the above explains (so "string quartet" is an ensemble, not the title
  of a piece called "String Quartet").

Each becomes a ``Soft`` constraint (a label to show and an SQL clause);
``engine.hybrid`` fuses them with the model's and the keyword ranking.  Words
it does not know are left to those rankings.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from ..ingest.composers import skeleton
from ..ingest.composers import words as name_words
from ..store import queries
from . import query_words as words
from .filters import Filter, ParsedQuery, fts_phrase, select

EXACT_TITLE_WEIGHT = 10.0     # an exact title outranks any number of other matches
_TOKEN = re.compile(r"\d+/\d+|[a-z0-9]+")
_KEY = re.compile(r"(?<![\w'’])(?P<tonic>[A-Ga-g])(?P<acc>#|♯|♭|b(?=[\s-])|-flat|-sharp|\s+flat|\s+sharp)?"
                  r"[\s-]+(?P<mode>(?i:major|minor|dur|moll))\b(?P<after>\s+(?i:key|mode|tonality|scale))?")
_GIVEN_ONLY = frozenset({"by", "von", "de", "di", "da"})


@dataclass(frozen=True)
class Soft:
    """One thing the query asks for: what to show beside a hit that meets it, and the SQL that tests it."""

    label: str
    clause: queries.Clause
    weight: float = 1.0


@dataclass
class Understanding:
    constraints: list[Soft] = field(default_factory=list)
    keywords: str | None = None       # FTS5 expression: every content word of the query
    used: set[int] = field(default_factory=set)   # token positions explained by a constraint
    composer_words: set[int] = field(default_factory=set)


def normalise(text: str | None) -> str:
    """Lower case, accents and punctuation removed: 'Gretchen am Spinnrade, D.118' -> 'gretchen am spinnrade d 118'."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower().replace("’", "'")
    return " ".join(_TOKEN.findall(text))


def understand(library, text: str) -> Understanding:
    """The soft constraints and keyword expression of a query's free text."""
    tokens = normalise(text).split()
    found = Understanding()
    composers = [name for name, _ in library.composers()]    # read once: both composer passes use it
    _composer(composers, tokens, found, named=True)
    _ensemble(library, tokens, found)
    _key(library, text, tokens, found)
    _tables(library, tokens, found)
    _composer(composers, tokens, found, named=False)
    _titles(library, tokens, found)
    content = [t for t in dict.fromkeys(tokens) if t not in words.STOP_WORDS]
    phrases = [p for p in (fts_phrase(t) for t in content) if p]
    # All of them: "any" lets generic words ("four", "part") lift a piece whose credits happen
    # to hold them above the model's best matches (exact titles have their own constraint).
    found.keywords = " AND ".join(phrases) or None
    return found


# --- phrases ---------------------------------------------------------------------

def _find(tokens: list[str], phrase: list[str], used: set[int]) -> int | None:
    """Where ``phrase`` first occurs in ``tokens`` on positions not used yet, or None."""
    size = len(phrase)
    for start in range(len(tokens) - size + 1):
        if tokens[start:start + size] == phrase and not used & set(range(start, start + size)):
            return start
    return None


def _take(tokens: list[str], table: dict, found: Understanding) -> list[tuple[str, object]]:
    """(phrase, value) of every phrase of ``table`` in the query, longest first; their words are used up."""
    taken = []
    for phrase in sorted(table, key=lambda p: (-len(p.split()), p)):
        while (start := _find(tokens, phrase.split(), found.used)) is not None:
            found.used |= set(range(start, start + len(phrase.split())))
            taken.append((phrase, table[phrase]))
    return taken


def _ensemble(library, tokens: list[str], found: Understanding) -> None:
    taken = _take(tokens, words.ENSEMBLES, found)
    if not taken:
        return
    wanted = set(taken[0][1])
    for _, values in taken[1:]:
        wanted = (wanted & set(values)) or wanted
    label = taken[0][0] if len(wanted) > 1 else next(iter(wanted))
    ordered = [v for v in dict.fromkeys(v for _, values in taken for v in values) if v in wanted]
    found.constraints.append(Soft(label, queries.any_of(*(queries.equals("ensemble", v) for v in ordered))))
    language = next((words.LANGUAGE_OF_ENSEMBLE_WORD[p] for p, _ in taken if p in words.LANGUAGE_OF_ENSEMBLE_WORD),
                    None)
    sung = bool(wanted & words.VOCAL) or any(t in words.LYRICS_WORDS for t in tokens)
    named = [(i, t) for i, t in enumerate(tokens) if t in words.LANGUAGES and i not in found.used]
    if sung and named:
        found.used.add(named[0][0])
        language = words.LANGUAGES[named[0][1]]
    if language:
        found.constraints.append(Soft(f"lyrics in {language}", _filter_clause(library, "lang", language)))


def _filter_clause(library, name: str, value: str) -> queries.Clause | None:
    """The clause of the ``name:value`` filter (the one reading of keys and meters), or None."""
    selection = select(library, ParsedQuery(filters=(Filter(name, value),)), {}, free_text_as_keywords=False)
    return selection.clauses[0] if selection.clauses else None


def _key(library, text: str, tokens: list[str], found: Understanding) -> None:
    """A key ("in D minor", "B-flat major"), else a mode word ("minor", "dorian")."""
    for match in _KEY.finditer(text or ""):
        before = text[:match.start()].split()[-1:]
        if match.group("after") or (match.group("tonic") == "a" and before != ["in"]):
            continue
        mode = words.MODES[match.group("mode").lower()]
        accidental = (match.group("acc") or "").strip().lstrip("-").replace("♯", "#").replace("♭", "b")
        accidental = {"flat": "b", "sharp": "#"}.get(accidental, accidental)
        key = f"{match.group('tonic').upper()}{accidental} {mode}"
        clause = _filter_clause(library, "key", key)
        if clause is not None:
            _mark(tokens, normalise(match.group(0)).split(), found)
            found.constraints.append(Soft(f"in {key}", clause))
            return
    modes = _take(tokens, words.MODES, found)
    if modes and (clause := _filter_clause(library, "key", modes[0][1])) is not None:
        found.constraints.append(Soft(modes[0][1], clause))


def _mark(tokens: list[str], phrase: list[str], found: Understanding) -> None:
    start = _find(tokens, phrase, found.used)
    if start is not None:
        found.used |= set(range(start, start + len(phrase)))


def _tables(library, tokens: list[str], found: Understanding) -> None:
    """Meter, tempo and era words."""
    meters = [(t, t) for t in tokens if re.fullmatch(r"\d+/\d+", t)]
    for phrase, meter in meters[:1] or _take(tokens, words.METERS, found)[:1]:
        if (clause := _filter_clause(library, "meter", meter)) is not None:
            _mark(tokens, [phrase], found)
            found.constraints.append(Soft(meter, clause))
    if tempo := _take(tokens, words.TEMPI, found)[:1]:
        found.constraints.append(Soft(tempo[0][1], _filter_clause(library, "tempo", tempo[0][1])))
    if era := _take(tokens, words.ERAS, found)[:1]:
        found.constraints.append(Soft(era[0][1], queries.equals("era", era[0][1])))


# --- names the library holds -------------------------------------------------------

@lru_cache(maxsize=1)
def _ambiguous() -> frozenset[str]:
    """Words a surname may share with the rest of a query's vocabulary."""
    tables = (words.ENSEMBLES, words.LANGUAGES, words.TEMPI, words.METERS, words.ERAS, words.MODES)
    return frozenset(w for table in tables for phrase in table for w in phrase.split()) \
        | words.STOP_WORDS | words.COMMON_WORDS


@lru_cache(maxsize=65536)
def _spelled(name: str) -> tuple[str, ...]:
    """A composer's name as ``ingest.composers`` spelling skeletons (cached: names repeat query after query)."""
    return tuple(name_words(name))


def _composer(composers: list[str], tokens: list[str], found: Understanding, *, named: bool) -> None:
    """Composers of the library named in the query, compared as spelling skeletons.

    ``named``: only a full name or "by SURNAME" (read before the other words,
    so "a song by Edward German" is not a German song); otherwise a bare surname.
    """
    ambiguous, matched, used = _ambiguous(), [], set()
    spelled = [skeleton(t) for t in tokens]
    for name in composers:
        parts = list(_spelled(name))
        if not parts or len(parts[-1]) < 3:
            continue
        start = _find(spelled, parts, found.used | used)
        if start is not None and len(parts) > 1:
            matched.append(name)
            used |= set(range(start, start + len(parts)))
            continue
        for i, word in enumerate(spelled):
            given = i > 0 and (tokens[i - 1] in _GIVEN_ONLY or spelled[i - 1] in parts[:-1])
            plain = not named and tokens[i] not in ambiguous
            if word == parts[-1] and i not in found.used and (given or plain):
                matched.append(name)
                used.add(i)
                break
    if matched:
        found.used |= used
        found.composer_words |= used
        label = "by " + " / ".join(matched[:3]) + (" ..." if len(matched) > 3 else "")
        found.constraints.append(Soft(label, queries.any_of(*(queries.equals("composer", n) for n in matched))))


def title_forms(title: str | None, movement: str | None) -> set[str]:
    """The normalised ways a piece's title may be typed whole.

    'Dichterliebe, Op.48: 2. Aus meinen Tränen spriessen' is typed as itself,
    or as its movement, 'Aus meinen Tranen spriessen' (with or without '2').
    """
    forms = {normalise(title)}
    for text in (movement, (title or "").rsplit(": ", 1)[-1]):
        form = normalise(text)
        forms |= {form, re.sub(r"^\d+ ", "", form)}
    return forms - {""}


def _titles(library, tokens: list[str], found: Understanding) -> None:
    """An exact title (the whole query, or all but its composer words), and collections named in it."""
    unexplained = {t for i, t in enumerate(tokens) if i not in found.used} - words.STOP_WORDS
    if not unexplained:
        return
    by = {i - 1 for i in found.composer_words if i > 0 and tokens[i - 1] == "by"}
    rest = [t for i, t in enumerate(tokens) if i not in found.composer_words | by]
    for candidate in dict.fromkeys((" ".join(tokens), " ".join(rest))):
        phrase = fts_phrase(candidate)
        if not phrase:
            continue
        ids = [pid for pid, title, movement in queries.title_rows(library, phrase)
               if candidate in title_forms(title, movement)]
        if ids:
            found.constraints.append(Soft("title", queries.id_in(ids), EXACT_TITLE_WEIGHT))
            return
    expression = " OR ".join(p for p in (fts_phrase(t) for t in unexplained) if p)
    joined = f" {' '.join(tokens)} "
    for work in dict.fromkeys(w for _, w in queries.fts_column_rows(library, "work", expression)):
        work_words = set(normalise(work).split())
        if f" {normalise(work)} " in joined and work_words & unexplained:
            found.constraints.append(Soft(f"from {work}", queries.equals("work", work)))
