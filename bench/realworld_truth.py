"""What the corpora themselves say about each score: the ground truth bench_realworld.py judges by.

Nothing here reads the app's output.  OpenScore: the folder names and the
corpus's own tables (data/composers.tsv, sets.tsv, scores.tsv), plus what the
MusicXML file states (<mode>, <time>, tempo words).  music21's corpus: the
collection folder (``training.facts.COLLECTIONS``) and a small table of its
non-chorale files.
"""

from __future__ import annotations

import csv
import re
import unicodedata
import zipfile
from pathlib import Path

MODE_IN_NAME = re.compile(r"\bin [A-G](?:[- ]?(?:flat|sharp)|♭|♯|b|#)?[- ](major|minor)\b", re.IGNORECASE)
SLOW_WORDS = re.compile(r"\b(adagio|largo|lento|grave|larghetto|langsam|slow)", re.IGNORECASE)
GERMAN = re.compile(r"\b(German|Austrian)\b")
FRENCH = re.compile(r"\bFrench\b")
ENGLISH = re.compile(r"\b(English|British)\b")
M21_QUARTETS = ("beethoven/", "haydn/", "mozart/k458", "mozart/k155", "mozart/k80", "mozart/k156",
                "schumann_robert/opus41no1")
M21_SONGS = {"schubert/Lindenbaum.xml": "de", "schumann_robert/dichterliebe_no2.xml": "de",
             "schumann_robert/opus48no2.mxl": "de", "beach/prayer_of_a_tired_child.musicxml": "en",
             "liliuokalani/aloha_oe.mxl": "haw", "johnson_j_r/lift_every_voice.mxl": "en"}
M21_PIANO = ("schoenberg/opus19", "joplin/", "schumann_clara/polonaise", "mozart/k545", "cpebach/")


def plain(text: str | None) -> str:
    text = unicodedata.normalize("NFKD", text or "")
    return " ".join(re.findall(r"[a-z0-9]+", "".join(c for c in text if not unicodedata.combining(c)).lower()))


def _table(path: Path) -> dict[str, dict]:
    with path.open(encoding="utf-8") as handle:
        return {row["path"]: row for row in csv.DictReader(handle, delimiter="\t")}


def score_text(path: Path) -> str:
    """The MusicXML text of a .mxl/.xml/.musicxml file ('' when unreadable)."""
    try:
        if path.suffix.lower() == ".mxl":
            with zipfile.ZipFile(path) as archive:
                names = [n for n in archive.namelist() if not n.startswith("META-INF") and n.endswith(("xml", "musicxml"))]
                return archive.read(names[0]).decode("utf-8", "replace") if names else ""
        return path.read_text(encoding="utf-8", errors="replace")
    except (OSError, zipfile.BadZipFile, IndexError):
        return ""


def stated(text: str) -> dict:
    """What the file itself states: its first <mode>, <time>, and whether a slow tempo word comes first."""
    facts = {}
    if mode := re.search(r"<mode>\s*(major|minor)\s*</mode>", text):
        facts["mode"] = mode.group(1)
    if time := re.search(r"<beats>(\d+)</beats>\s*<beat-type>(\d+)</beat-type>", text):
        facts["meter"] = f"{time.group(1)}/{time.group(2)}"
    if words := re.search(r"<words[^>]*>([^<]+)</words>", text):
        facts["slow"] = bool(SLOW_WORDS.search(words.group(1)))
    return facts


def openscore_truth(root: Path) -> dict[Path, dict]:
    """Score file -> truth, for both OpenScore corpora under ``root``."""
    truth = {}
    for collection, ensemble in (("lieder", "voice and piano"), ("string-quartets", "string quartet")):
        base = root / collection
        if not base.is_dir():
            continue
        composers = _table(base / "data" / "composers.tsv")
        sets, scores = _table(base / "data" / "sets.tsv"), _table(base / "data" / "scores.tsv")
        for path in sorted((base / "scores").rglob("*.mxl")):
            parts = path.relative_to(base / "scores").parts
            person = composers.get(parts[0], {})
            work = sets.get("/".join(parts[:2]), {}).get("name")
            title = scores.get("/".join(parts[:3]), {}).get("name") if collection == "lieder" else work
            item = dict(collection=collection, composer_folder=parts[0], composer=person.get("name"),
                        desc=person.get("desc", ""), work=None if parts[1] == "_" else work, title=title,
                        ensemble=ensemble)
            if collection == "string-quartets" and (mode := MODE_IN_NAME.search(work or "")):
                item["mode"] = mode.group(1).lower()
            truth[path] = item
    return truth


def music21_truth(root: Path, files: list[Path]) -> dict[Path, dict]:
    """Score file -> truth for music21 corpus files (its collection folders)."""
    from clamp_desktop.training.facts import COLLECTIONS

    truth = {}
    for path in files:
        relative = path.relative_to(root).as_posix()
        folder = relative.split("/")[0]
        item = dict(collection="music21", composer=COLLECTIONS.get(folder, {}).get("composer"),
                    composer_folder=folder, title=None, work=None, desc="")
        if folder == "bach":
            item["ensemble"] = "choir"
        elif relative.startswith(M21_QUARTETS):
            item["ensemble"] = "string quartet"
        elif relative in M21_SONGS:
            item["ensemble"], item["language"] = "voice and piano", M21_SONGS[relative]
        elif relative.startswith(M21_PIANO):
            item["ensemble"] = "solo piano"
        truth[path] = item
    return truth


def surname(name: str | None) -> str:
    words = plain(name).split()
    return words[-1] if words else ""


def same_person(shown: str | None, expected: str | None) -> bool:
    """Surname equal and the first given names agree on their first letter (accents, case ignored)."""
    a, b = plain(shown).split(), plain(expected).split()
    if not a or not b or a[-1] != b[-1]:
        return False
    return len(a) == 1 or len(b) == 1 or a[0][0] == b[0][0]
