"""One name per composer: a composer credit cleaned and matched to the authority file.

``clean`` strips what is not the name (dates, catalogue numbers, roles) and
turns "Surname, Given" into "Given Surname".  ``canonical`` then looks the
name up in ``resources/composers/authority.toml``: first by the whole name
(any alias), then by surname with compatible given names, where names are
compared through ``unidecode`` and a spelling skeleton, so "Rachmaninoff",
"Rachmaninov" and "Рахманинов", or "Tchaikovsky" and "Tschaikowsky", meet.
A name the file does not know comes back cleaned.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from unidecode import unidecode

PARTICLES = frozenset({"van", "von", "de", "da", "di", "del", "der", "des", "du", "d", "la", "le", "y", "zu"})
# Credits that name no one (MuseScore and music21 defaults, "Composer" left in a template).
PLACEHOLDERS = frozenset({
    "composer", "composer name", "unknown", "unknown composer", "n/a", "music21", "music", "musescore",
    "various", "name", "author", "arranger",
    "composer / arranger", "comp", "komponist", "compositeur", "compositore", "none", "-", "?",
})
_ROLE = re.compile(
    r"^\s*(?:(?:music|musik|musique|musica|melody|composed|composer|komponist|compositeur|compositore|"
    r"comp|arr|arranged|arrangement|setting|tonsatz|vertont|satz)\.?\s*(?:and\s+\w+\s*)?"
    r"(?:by|von|de|di|par)?\s*[:.]?\s*)+", re.IGNORECASE)
_OTHER_ROLES = re.compile(
    r"\b(?:words|text|texte|lyrics|poem|poet|dichtung|gedicht|paroles|parole|libretto|lyricist|"
    r"arr(?:anged)?|transcribed|edited|ed|bearb(?:eitet)?|translation|transl)\b\.?\s*(?:by|von|de|:)?",
    re.IGNORECASE)
_DATES = re.compile(r"[\(\[]\s*(?:c\.|ca\.|b\.|d\.|\*|†|fl\.)?\s*\d{3,4}\??\s*(?:[-–—/]\s*(?:c\.|ca\.)?\s*\d{0,4}\??)?\s*[\)\]]"
                    r"|\b\d{4}\s*[-–—]\s*\d{4}\b|[\(\[]\s*(?:born|geb\.?)\s*\d{4}\s*[\)\]]")
_CATALOGUE = re.compile(
    r"[,;]?\s*\b(?:(?:hob|hoboken)\.?\s*[ivxlc]+\b|(?:op|opus|bwv|hwv|kv|k|d|woo|wo0|rv|s|sz|l|m|fs|jw|b|"
    r"hess|tn|trv|z|anh)\.?\s*\d).*$", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_HONORIFIC = re.compile(r"\b(?:mrs|mr|ms|dr|prof|sir|capt|rev|h\.?\s*r\.?\s*h)\b\.?\s*", re.IGNORECASE)
# Manuscript sigla after a name ("Anonymous I-Rvat 1419", "Bartholus F-Pn 568").
_SIGLUM = re.compile(r"\s+\b[A-Z]{1,3}-[A-Z][A-Za-z]*\b.*$")


def clean(text: str | None) -> str | None:
    """The person named by a composer credit, as "Given Surname"; None for a placeholder."""
    if not text or " ".join(text.split()).lower() in PLACEHOLDERS:
        return None
    name = " ".join(text.split())
    if re.match(r"(?:anon|anonym|anonimo|anónimo)\w*\b", name, re.IGNORECASE):
        return "Anonymous"     # "Anonymous I-Rvat 1419": the manuscript is no part of the name
    if "\n" in text or " / " in name or ";" in name:
        # credit blocks: "Words by Heine / Music by Schubert" -> the music part
        pieces = [p for p in re.split(r"\s*(?:\n|/|;)\s*", text) if p.strip()]
        musical = [p for p in pieces if _ROLE.match(p) and _ROLE.match(p).group(0).strip()]
        name = " ".join((musical or [p for p in pieces if not _OTHER_ROLES.search(p)] or pieces)[0].split())
    name = _DATES.sub(" ", name)
    name = re.sub(r"\([^)]*\)?|\[[^\]]*\]?|\\\w+", " ", name)     # "(Amy Beach)", "(opus dubium)", TeX
    name = _SIGLUM.sub("", _HONORIFIC.sub("", _ROLE.sub("", name)))
    name = re.split(r"\s*[,;]?\s*\b(?:arr|arranged|transcribed|edited|ed|bearb)\b\.?", name, maxsplit=1,
                    flags=re.IGNORECASE)[0]
    name = _CATALOGUE.sub("", name)
    name = re.sub(r"\d+", " ", name)
    name = " ".join(name.strip(" ,;:-–—()[]").split())
    if "," in name:
        surname, _, given = name.partition(",")
        given = given.strip(" ,")
        name = f"{given} {surname.strip()}" if given and len(given.split()) <= 4 else surname.strip()
    if not name or name.lower() in PLACEHOLDERS or not _WORD.search(name):
        return None
    return _recase(name)


def _recase(name: str) -> str:
    """'JOHANN SEBASTIAN BACH' or 'franz schubert' -> 'Johann Sebastian Bach'; mixed case stays."""
    if name.isupper() or name.islower():
        return " ".join(w if w.lower() in PARTICLES else w.capitalize() for w in name.split())
    return name


def skeleton(word: str) -> str:
    """A spelling skeleton of one name word: transliterations and common variants meet."""
    s = re.sub(r"[^a-z]", "", unidecode(word).lower())
    for old, new in (("ae", "a"), ("oe", "o"), ("ue", "u"), ("tsch", "k"), ("tch", "k"), ("sch", "s"),
                     ("ch", "k"), ("kh", "k"), ("ck", "k"), ("c", "k"), ("q", "k"), ("ph", "f"),
                     ("w", "v"), ("v", "f"), ("ff", "f"), ("y", "i"), ("j", "i"), ("z", "s"), ("x", "ks"),
                     ("th", "t"), ("h", "")):
        s = s.replace(old, new)
    return re.sub(r"(.)\1+", r"\1", s)


def words(name: str) -> list[str]:
    """The name's words as skeletons; particles and initials kept (initials as one letter)."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return [skeleton(w) for w in _WORD.findall(bare.replace("’", " ").replace("'", " ")) if skeleton(w)]


@dataclass(frozen=True)
class Composer:
    """One person of the authority file."""

    name: str
    aliases: tuple[str, ...] = ()
    born: int | None = None
    died: int | None = None
    era: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Authority:
    """The authority file, indexed by whole-name key and by surname skeleton."""

    composers: tuple[Composer, ...]

    @property
    def by_key(self) -> dict[str, Composer]:
        return _by_key(self)

    @property
    def by_surname(self) -> dict[str, list[Composer]]:
        return _by_surname(self)


@cache
def _by_key(authority: Authority) -> dict[str, Composer]:
    found: dict[str, Composer] = {}
    for composer in authority.composers:
        for name in composer.names:
            found.setdefault(" ".join(words(clean(name) or name)), composer)
    return found


@cache
def _by_surname(authority: Authority) -> dict[str, list[Composer]]:
    found: dict[str, list[Composer]] = {}
    for composer in authority.composers:
        for name in composer.names:
            keys = words(clean(name) or name)
            if keys and composer not in found.setdefault(keys[-1], []):
                found[keys[-1]].append(composer)
    return found


def parse_authority(text: str) -> Authority:
    entries = tomllib.loads(text).get("composer", [])
    return Authority(tuple(
        Composer(e["name"], tuple(e.get("aliases", ())), e.get("born"), e.get("died"), e.get("era"))
        for e in entries))


@cache
def authority() -> Authority:
    """The bundled authority file (resources/composers/authority.toml)."""
    path = resources.files("clamp_desktop.resources") / "composers" / "authority.toml"
    return parse_authority(path.read_text(encoding="utf-8"))


_SKELETON_PARTICLES = frozenset({"f", "fon", "fan", "de", "da", "di", "del", "der", "des", "du", "la", "le",
                                 "i", "su"})   # van -> fan, von -> fon after ``skeleton``


def _given_fit(given: list[str], composer: Composer, initials_fit: bool = False) -> int | None:
    """How well ``given`` name words fit the composer's given names; None when none fits and one contradicts.

    A full given name counts 2, an initial or a variant spelling (Frederick /
    Fryderyk) 1, a name the entry does not know -1 ("Alexander Campbell
    Mackenzie" is still Alexander Mackenzie; "John Williams" is not Ralph
    Vaughan Williams).  With ``initials_fit`` a full name also fits an initial.
    """
    theirs = {w for name in composer.names for w in words(clean(name) or name)[:-1]}
    fits = misses = 0
    for word in given:
        if word in _SKELETON_PARTICLES and len(word) > 1:
            continue
        if word in theirs:
            fits += 2
        elif len(word) == 1 and any(t.startswith(word) for t in theirs):
            fits += 1
        elif len(word) > 1 and any(len(t) > 2 and t[:1] == word[:1] and (t.startswith(word[:3]) or word.startswith(t[:3]))
                                   for t in theirs):
            fits += 1   # Frederick / Fryderyk / Frederic
        elif initials_fit and any(len(t) == 1 and word.startswith(t) for t in theirs):
            fits += 1   # "Mary Ellen" against "M. E."
        else:
            misses += 1
    if misses and not fits:
        return None
    return fits - misses


def lookup(name: str | None, table: Authority | None = None) -> Composer | None:
    """The authority entry a cleaned name refers to, or None."""
    if not name:
        return None
    table = table or authority()
    keys = words(name)
    if not keys:
        return None
    exact = table.by_key.get(" ".join(keys))
    if exact or len(keys) == 1:
        return exact     # a bare surname only where the file lists it (Bach, Chopin, not Berlin)
    fits = [(fit, c) for c in table.by_surname.get(keys[-1], ()) if (fit := _given_fit(keys[:-1], c)) is not None]
    if not fits:
        return None
    best = max(fit for fit, _ in fits)
    top = [c for fit, c in fits if fit == best]
    if len(top) == 1:
        return top[0]
    # a bare surname shared by several (Bach, Schumann): the one listed with it as an alias
    bare = [c for c in top if any(words(a) == keys for a in c.aliases)]
    return bare[0] if len(bare) == 1 else None


def canonical(name: str | None, table: Authority | None = None) -> str | None:
    """The canonical name of a composer credit, or the cleaned credit; None when it names no one."""
    cleaned = clean(name)
    found = lookup(cleaned, table)
    return found.name if found else cleaned


def era_of(name: str | None, table: Authority | None = None) -> str | None:
    found = lookup(clean(name), table)
    return found.era if found else None


_NAME_WORD = re.compile(r"^(?:[A-ZÀ-ÞĀ-Ž][a-zß-ÿā-ž'’\-]+\.?|[A-ZÀ-Þ]\.(?:[A-Z]\.)*|[a-z’']{1,3})$")


def looks_like_name(name: str | None) -> bool:
    """Whether a cleaned credit reads as a person's name: 1-5 capitalised words, initials or particles.

    OCR debris ("LrVlO Celiano", "1. LA GIOVINETTA PIANTA") and sentences do not.
    """
    words_ = (name or "").split()
    return 1 <= len(words_) <= 5 and all(_NAME_WORD.match(w) for w in words_) and words_[-1][0].isupper()


def choose(file_credit: str | None, folder_composer_: str | None, lyricist: str | None = None) -> str | None:
    """The composer of a piece: the file's own credit, or the folder's composer where the credit is
    no composer the authority file knows and

    * it reads as no name (OCR debris), or
    * it names someone else's role ("Words by ...") or the piece's lyricist, or
    * the folder names a composer the authority file knows: a name it does not
      know, typed as the composer, is more often the poet (music21's Monteverdi
      madrigals credit Guarini) than a second composer in that composer's folder.
    """
    cleaned = clean(file_credit)
    known = lookup(cleaned)
    if known:
        return known.name
    if folder_composer_ and (cleaned is None or not looks_like_name(cleaned) or _names_another_role(
            file_credit, cleaned, lyricist) or lookup(folder_composer_) is not None):
        return folder_composer_
    return cleaned or folder_composer_


def _names_another_role(credit: str | None, cleaned: str | None, lyricist: str | None) -> bool:
    """A credit that says it is the words' ("Text: Heine") or names the piece's lyricist."""
    return bool(credit and _OTHER_ROLES.match(credit.strip())) or (
        cleaned is not None and cleaned == clean(lyricist))


def folder_composer(folder: str, table: Authority | None = None) -> str | None:
    """The composer a folder name stands for: an authority entry, or the "Surname,_Given" shape."""
    text = " ".join(folder.replace("_", " ").split())
    found = lookup(clean(text), table)
    surname_first = text.split()
    if not found and len(surname_first) >= 2 and "," not in text:
        # "schumann_clara", "Bach_Carl_Philipp_Emanuel": surname first, without the comma
        found = lookup(clean(" ".join([*surname_first[1:], surname_first[0]])), table)
    if found:
        return found.name
    return clean(text) if _person_shape(text) else None


_MUSIC_WORDS = frozenset({
    "songs", "song", "lieder", "lied", "book", "vol", "volume", "part", "set", "suite", "sonata", "sonatas",
    "quartet", "quartets", "op", "no", "works", "collection", "pieces", "etudes", "preludes", "dances",
    "album", "mélodies", "melodies", "chansons", "airs", "hymns", "other", "various", "misc", "scores",
})


def _person_shape(text: str) -> bool:
    """"Surname, Given Names": no digits, a short surname, capitalised given names."""
    surname, comma, given = text.partition(",")
    if not comma or re.search(r"\d", text) or not 1 <= len(surname.split()) <= 3:
        return False
    given_words = given.split()
    if {w.lower() for w in text.replace(",", " ").split()} & _MUSIC_WORDS:
        return False
    return 1 <= len(given_words) <= 4 and all(
        w[0].isupper() or w.lower().strip("’'") in PARTICLES for w in [*surname.split(), *given_words])


def unify(shown: list[tuple[str, int]]) -> dict[str, str]:
    """Spellings of one person the authority file does not know, mapped to one of them.

    ``shown`` is (name, pieces) of a library's composers.  Names with the same
    surname whose given names fit ("Augusta Holmès" and "Augusta Mary Anne
    Holmès", "J. Smith" and "Jane Smith") become the one with most pieces
    (then the fuller); a name that fits two different people stays as it is.
    """
    table = authority()
    groups: dict[str, list[tuple[str, int]]] = {}
    for name, count in shown:
        keys = words(name)
        if len(keys) >= 2 and lookup(name, table) is None:
            groups.setdefault(keys[-1], []).append((name, count))
    mapping: dict[str, str] = {}
    for members in groups.values():
        members.sort(key=lambda m: (-m[1], -len(words(m[0])), m[0]))
        people: list[Composer] = []
        for name, _ in members:
            given = words(name)[:-1]
            fitting = [p for p in people if _mutual_fit(given, p)]
            if not fitting:
                people.append(Composer(name))
            elif len(fitting) == 1:
                mapping[name] = fitting[0].name
                if words(name) != words(fitting[0].name):
                    people[people.index(fitting[0])] = Composer(fitting[0].name, (*fitting[0].aliases, name))
    return mapping


def _mutual_fit(given: list[str], person: Composer) -> bool:
    """Given names that fit the person's and contradict none of them (initials fit full names)."""
    fit = _given_fit(given, person)
    if fit is None or fit < 0 or (fit == 0 and given):
        return False
    theirs = words(person.name)[:-1]
    return _given_fit(theirs, Composer(" ".join([*given, "x"])), initials_fit=True) is not None if given else True


FOLDER_SHARE = 0.8      # of a folder's pieces that name a composer, naming the same one


def composers_by_folder(pieces: list[tuple[int, str, str | None]], levels: int = 3) -> dict[int, str]:
    """Composers for pieces whose file and folders name none, from the other pieces in their folders.

    ``pieces`` are (id, path, composer as shown).  A piece without a composer
    takes the one that at least two pieces under the nearest such folder (its
    own, or up to ``levels`` above) name, when they are ``FOLDER_SHARE`` of
    those there that name any; a folder of several composers stops the search: `Nadia_Boulanger/Songs/x.xml` without a credit is
    hers when her other songs there say so.
    """
    from collections import Counter
    from pathlib import PurePath

    under: dict[PurePath, Counter] = {}
    for _, path, composer in pieces:
        if composer:
            for folder in list(PurePath(path).parents)[:levels]:
                under.setdefault(folder, Counter())[composer] += 1
    found = {}
    for piece_id, path, composer in pieces:
        if composer:
            continue
        for folder in list(PurePath(path).parents)[:levels]:
            counts = under.get(folder)
            if not counts:
                continue
            name, count = counts.most_common(1)[0]
            if count < FOLDER_SHARE * sum(counts.values()):
                break     # a folder of several composers: no evidence for this piece
            if count >= 2:
                found[piece_id] = name
                break
    return found
