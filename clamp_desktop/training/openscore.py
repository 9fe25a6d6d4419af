"""The OpenScore Lieder and String Quartet corpora (CC0) as training pieces beside music21's corpus.

Real MuseScore 3/4 exports: 719 songs for voice and piano and 87 string
quartets, laid out as ``lieder/scores/<Surname,_Given>/<Set>/<Song>/lc<id>.mxl``
and ``string-quartets/scores/<Composer>/<Work>/sq<id>.mxl``, with the
corpora's own metadata in ``*/data/*.tsv`` (composer names, dates and a
one-line description, set and opus titles).  The OpenScore project asks for
credit: "OpenScore Lieder Corpus" / "OpenScore String Quartet Corpus".

Pieces are converted by the app's ingest like music21's (cached in the same
JSONL, source names starting ``openscore/``); the lyrics, which the app's ABC
leaves out, are read from the MusicXML for the language.  Facts come from
the metadata tables: the composer (canonical name, dates, era from the
dates, nationality), the collection's ensemble, the set or opus title.
"""

from __future__ import annotations

import csv
import os
import re
import zipfile
from functools import lru_cache
from pathlib import Path

PREFIX = "openscore/"
COLLECTIONS = {"lieder": "OpenScore Lieder Corpus", "string-quartets": "OpenScore String Quartet Corpus"}
ENV = "CLAMP_DESKTOP_OPENSCORE"
_LYRIC = re.compile(r"<lyric\b[^>]*>(.*?)</lyric>", re.S)
_SYLLABIC = re.compile(r"<syllabic>(\w+)</syllabic>")
_TEXT = re.compile(r"<text[^>]*>([^<]*)</text>")
_WORDS_READ = 200


def default_root() -> Path | None:
    """``$CLAMP_DESKTOP_OPENSCORE``, else ``../shared/corpora/openscore`` beside the checkout, if present."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    beside = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "openscore"
    return beside if beside.is_dir() else None


def openscore_sources(root: Path) -> list[str]:
    """``openscore/<collection>/scores/...mxl`` for every score of both corpora, sorted."""
    return sorted(PREFIX + p.relative_to(root).as_posix()
                  for collection in COLLECTIONS for p in (root / collection / "scores").rglob("*.mxl"))


def lyric_words(xml: str, limit: int = _WORDS_READ) -> list[str]:
    """The first ``limit`` words of the first verse, syllables joined (MusicXML ``<syllabic>``)."""
    words, current = [], ""
    for body in _LYRIC.findall(xml):
        if not (text := _TEXT.search(body)):
            continue
        syllabic = (_SYLLABIC.search(body) or [None, "single"])[1]
        current += text.group(1)
        if syllabic in ("single", "end"):
            words.append(current)
            current = ""
            if len(words) >= limit:
                break
    return words


def _first_verse(xml: str) -> str:
    """The score with only verse-1 lyrics (so verses in two languages do not mix)."""
    return re.sub(r'<lyric number="(?!1")[^"]*"[^>]*>.*?</lyric>', "", xml, flags=re.S)


def read_lyrics(path: Path) -> str:
    """The first words of a compressed or plain MusicXML file's lyrics ('' if none)."""
    if path.suffix.lower() == ".mxl":
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.endswith((".xml", ".musicxml")) and "META-INF" not in n]
            xml = archive.read(names[0]).decode("utf-8", "replace") if names else ""
    else:
        xml = path.read_text(encoding="utf-8", errors="replace")
    return " ".join(lyric_words(_first_verse(xml)))


def convert_openscore(task: tuple[str, str]) -> list[dict]:
    """(openscore root, ``openscore/...`` name) -> records as ``corpus.convert_source`` gives, plus lyrics."""
    from .corpus import convert_source

    root, name = task
    rel = name.removeprefix(PREFIX)
    records = convert_source((root, rel))
    lyrics = read_lyrics(Path(root) / rel)
    for record in records:
        record["id"] = PREFIX + record["id"]
        record["source"] = name
        record["lyrics"] = lyrics
    return records


def prepare_openscore(cache_dir: Path, root: Path, on_file=None, sources: list[str] | None = None,
                      inline: bool = False):
    """Convert (once, cached) and return the OpenScore pieces, like ``corpus.prepare_corpus``."""
    from .corpus import prepare_corpus

    return prepare_corpus(cache_dir, sources=sources if sources is not None else openscore_sources(root),
                          root=root, on_file=on_file, convert=convert_openscore, prefix=PREFIX, inline=inline)


# --- lyrics language -------------------------------------------------------------------

# Frequent short words of each language the corpora sing in (ISO 639-1 -> name, words).
_LANGUAGES = {
    "de": ("German", "der die das und ich du nicht ist ein eine mit mein dein sich auf zu dem den des im "
                     "wie so was wir ihr sie es von bin hat noch nur"),
    "en": ("English", "the and of to my thy thou you is in a that with me be for all his her on love are not "
                      "it o was i when"),
    "fr": ("French", "le la les et de des du un une que qui je tu il elle dans mon ma mes est pas sur au "
                     "ne se plus pour ton"),
    "it": ("Italian", "il lo la e di che non un una per con mi ti si del della io tu sono al ma"),
    "sv": ("Swedish", "och att det som en ett jag du är på med för av den till mig min sin inte"),
    "es": ("Spanish", "el la los las y de que en un una por con no mi tu es al del se"),
    "pt": ("Portuguese", "o a os as e de que em um uma por com não meu teu é do da se"),
    "la": ("Latin", "et in est non ad cum de qui quae quod deus domine nos tu me te mea"),
}
_STOPWORDS = {code: set(words.split()) for code, (_, words) in _LANGUAGES.items()}


def language_of(text: str, least: int = 4) -> str | None:
    """ISO 639-1 code of the language with most of its frequent words in ``text``, when clearly ahead."""
    words = re.findall(r"[^\W\d_]+", text.lower())
    counts = sorted(((sum(w in stop for w in words), code) for code, stop in _STOPWORDS.items()), reverse=True)
    (best, code), (second, _) = counts[0], counts[1]
    return code if best >= least and best >= 1.5 * second else None


def language_name(code: str | None) -> str | None:
    return _LANGUAGES[code][0] if code in _LANGUAGES else None


# --- metadata --------------------------------------------------------------------------

def _table(path: Path) -> dict[str, dict]:
    if not path.exists():
        return {}
    with open(path, encoding="utf-8", newline="") as handle:
        return {row["path"]: row for row in csv.DictReader(handle, delimiter="\t")}


@lru_cache(maxsize=4)
def metadata_tables(root: str) -> dict[str, dict[str, dict[str, dict]]]:
    """collection -> {'composers'|'sets'|'scores' -> path -> row} from ``data/*.tsv``."""
    return {c: {t: _table(Path(root) / c / "data" / f"{t}.tsv") for t in ("composers", "sets", "scores")}
            for c in COLLECTIONS}


def era_of(born: int | None, died: int | None) -> str | None:
    """The era of a composer's mature work (age 45, or death if sooner), as the era vocabulary names it."""
    if not born:
        return None
    middle = min(born + 45, died or born + 45)
    for end, era in ((1400, "Medieval"), (1600, "Renaissance"), (1750, "Baroque"), (1820, "Classical"),
                     (1900, "Romantic")):
        if middle < end:
            return era
    return "20th-century"


def _year(text: str | None) -> int | None:
    match = re.match(r"\s*(\d{3,4})", text or "")
    return int(match.group(1)) if match else None


def _nationality(desc: str) -> str | None:
    """'French composer and pianist' -> 'French'; 'English-American organist' -> 'English'."""
    match = re.match(r"\s*([A-Z][a-z]+)", desc or "")
    word = match.group(1) if match else None
    return word if word and word not in ("Monarch", "The") else None


def _readable(part: str) -> str:
    return " ".join(part.replace("_", " ").split())


def score_metadata(source: str, root: str) -> dict:
    """Facts from the corpora's tables for one ``openscore/...`` source (folder names as a fallback)."""
    parts = source.removeprefix(PREFIX).split("/")
    collection, composer_path = parts[0], parts[2]
    tables = metadata_tables(root).get(collection, {})
    composer = tables.get("composers", {}).get(composer_path, {})
    set_path = "/".join(parts[2:4])
    work = tables.get("sets", {}).get(set_path, {})
    score_path = "/".join(parts[2:-1])
    score = tables.get("scores", {}).get(score_path, {})
    name = composer.get("name") or _readable(" ".join(reversed(composer_path.split(",_", 1))))
    out = {"collection_name": COLLECTIONS.get(collection, collection), "composer": name,
           "composer_path": composer_path,
           "born": _year(composer.get("born")), "died": _year(composer.get("died")),
           "nationality": _nationality(composer.get("desc", "")),
           "title": score.get("name") or _readable(re.sub(r"^\d+_", "", parts[-2]))}
    set_name = work.get("name") or ("" if parts[3] == "_" else _readable(parts[3]))
    if set_name and not set_name.startswith("Other songs by") and set_name != out["title"]:
        out["set"] = set_name
    return out


def annotate(records: list[dict], root: Path) -> list[dict]:
    """Attach each OpenScore record's table metadata and lyrics language (``facts.piece_facts`` reads them)."""
    for record in records:
        if record["source"].startswith(PREFIX):
            record["openscore"] = score_metadata(record["source"], str(root))
            record["language"] = language_of(record.get("lyrics") or "")
    return records


# Composers music21's corpus already trains on: never held out, so the
# held-out composers are ones the model has never heard.
_KNOWN = {"Beethoven,_Ludwig_van", "Haydn,_Joseph", "Mozart,_Wolfgang_Amadeus", "Schubert,_Franz",
          "Schumann,_Robert", "Wieck,_Clara", "Schumann,_Clara", "Joplin,_Scott", "Liliʻuokalani",
          "Liliuokalani,_Queen_of_the_Hawaiian_Islands", "Chopin,_Frédéric", "Verdi,_Giuseppe", "Weber,_Carl_Maria_von", "Beach,_Amy"}
HELD_OUT = (0.25, 0.10)   # shares of composers for test and validation
# The quartet corpus has few composers besides those: twice the share of its
# own composers is held out, so the test split has more than a handful of quartets.
QUARTET_TEST = 0.5
# Composers in both corpora (snapshot in the README): one split for all their pieces.
_IN_BOTH = {"Beethoven,_Ludwig_van", "Debussy,_Claude", "Fauré,_Gabriel", "Haydn,_Joseph", "Schubert,_Franz",
            "Schumann,_Robert", "Smyth,_Ethel", "Stanford,_Charles_Villiers", "Wolf,_Hugo"}


def split_by_composer(source: str, seed: int) -> str:
    """'train', 'validation' or 'test' for an ``openscore/`` source: by composer (a hash of the seed and name)."""
    import hashlib

    collection, _, composer_path = source.removeprefix(PREFIX).split("/")[:3]
    if composer_path in _KNOWN:
        return "train"
    digest = hashlib.sha256(f"{seed}:openscore-composer:{composer_path}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    test = HELD_OUT[0]
    if collection == "string-quartets" and composer_path not in _IN_BOTH:
        test = QUARTET_TEST
    return "test" if u < test else "validation" if u < test + HELD_OUT[1] else "train"
