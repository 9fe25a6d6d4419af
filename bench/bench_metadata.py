"""What the app says about real scores: titles, composers, modes and ensembles, against the truth.

    python bench/bench_metadata.py                      # OpenScore corpus + music21's MusicXML
    python bench/bench_metadata.py --openscore DIR --limit 100

Figures (printed, no asserts):
- titles meaningful: not a placeholder or file-name-like stem; titles right: the corpus's own
  title (scores.tsv) is in the shown title;
- composers right: the shown composer is the canonical name of the corpus's composer
  (composers.tsv, or music21's corpus folder); spellings per person (1.0 is one name each);
- modes right: estimated mode against the mode a title names ("in D minor") or, for files that
  state their <mode>, against that statement with the statement hidden;
- ensemble: share of pieces whose ensemble is the collection's (string quartet / voice and piano).

``metadata_figures`` is what bench/bench_realworld.py calls.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

from lxml import etree

from clamp_desktop.ingest import composers, metadata
from clamp_desktop.ingest.facts import estimate_mode, pitch_weights
from clamp_desktop.ingest.musicxml import read_musicxml_bytes
from clamp_desktop.ingest.titles import is_placeholder

MUSIC21_FOLDERS = {  # music21 corpus folder -> composer (collections of anonymous tunes are left out)
    "bach": "Johann Sebastian Bach", "beach": "Amy Beach", "beethoven": "Ludwig van Beethoven",
    "chopin": "Frédéric Chopin", "ciconia": "Johannes Ciconia", "corelli": "Arcangelo Corelli",
    "cpebach": "Carl Philipp Emanuel Bach", "handel": "George Frideric Handel", "haydn": "Joseph Haydn",
    "johnson_j_r": "J. Rosamond Johnson", "joplin": "Scott Joplin", "josquin": "Josquin des Prez",
    "liliuokalani": "Queen Liliuokalani", "lusitano": "Vicente Lusitano", "monteverdi": "Claudio Monteverdi",
    "mozart": "Wolfgang Amadeus Mozart", "palestrina": "Giovanni Pierluigi da Palestrina",
    "schoenberg": "Arnold Schoenberg", "schubert": "Franz Schubert", "schumann_clara": "Clara Schumann",
    "schumann_robert": "Robert Schumann", "verdi": "Giuseppe Verdi", "weber": "Carl Maria von Weber",
    "webern": "Anton Webern",
}
_MODE_IN_TITLE = re.compile(r"\bin ([A-G])(?:[- ]?(?:flat|sharp|b|#))?[ -](major|minor|dur|moll)\b", re.IGNORECASE)


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", (text or "").lower()))


def openscore_truth(root: Path) -> dict[Path, dict]:
    """file -> {title, composer, mode, ensemble} from the corpora's own tables and folders."""
    truth = {}
    for corpus, ensemble in (("lieder", "voice and piano"), ("string-quartets", "string quartet")):
        data = root / corpus / "data"
        if not data.is_dir():
            continue
        people = {r["path"]: r["name"] for r in csv.DictReader(open(data / "composers.tsv"), delimiter="\t")}
        names = {r["path"]: r["name"] for r in csv.DictReader(open(data / "scores.tsv"), delimiter="\t")}
        for file in sorted((root / corpus / "scores").rglob("*.mxl")):
            rel = file.relative_to(root / corpus / "scores")
            folder = str(rel.parent)
            title = names.get(folder) or names.get(str(rel.parent.parent)) or rel.parent.name.replace("_", " ")
            mode = _MODE_IN_TITLE.search(folder.replace("_", " "))
            truth[file] = dict(title=title, composer=composers.canonical(people.get(rel.parts[0])),
                               mode=_mode_word(mode.group(2)) if mode else None, ensemble=ensemble)
    return truth


def _mode_word(word: str) -> str:
    return "minor" if word.lower() in ("minor", "moll") else "major"


def music21_truth(limit: int | None = None) -> dict[Path, dict]:
    """music21's MusicXML files -> {composer} by corpus folder."""
    import music21
    root = Path(music21.__file__).parent / "corpus"
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in (".mxl", ".xml", ".musicxml"))
    return {f: dict(composer=MUSIC21_FOLDERS.get(f.relative_to(root).parts[0])) for f in files[:limit]}


def _stated_mode_check(data: bytes) -> tuple[str, str] | None:
    """(stated mode, mode estimated with the statement hidden) for a file that states major/minor."""
    root = etree.fromstring(data, metadata._PARSER)
    key = root.find("part/measure/attributes/key")
    mode = (key.findtext("mode") or "").lower() if key is not None else ""
    if mode not in ("major", "minor"):
        return None
    weights, first_bass, last_bass = pitch_weights(root)
    guess = estimate_mode(weights, int(key.findtext("fifths") or 0), first_bass, last_bass)
    return (mode, guess) if guess else None


def metadata_figures(truth: dict[Path, dict]) -> dict:
    """The figures above for files with known truth; also a few examples of what went wrong."""
    counts = defaultdict(int)
    spellings = defaultdict(set)
    wrong = defaultdict(list)
    started = time.monotonic()
    for file, expected in truth.items():
        try:
            data = read_musicxml_bytes(file)
            meta = metadata.read_musicxml_metadata(data, file)
        except Exception as exc:   # a benchmark reports, it does not stop
            counts["unreadable"] += 1
            wrong["unreadable"].append(f"{file.name}: {exc}")
            continue
        counts["files"] += 1
        title = meta["title"] or ""
        meaningful = not is_placeholder(title) and _norm(title) != _norm(file.stem)
        counts["title_meaningful"] += meaningful
        if not meaningful:
            wrong["title"].append(f"{file}: {title!r}")
        if expected.get("title"):
            counts["title_known"] += 1
            hit = _norm(re.sub(r"^\d+\s+", "", expected["title"])) in _norm(title)
            counts["title_right"] += hit
            if not hit:
                wrong["title_right"].append(f"{title!r} for {expected['title']!r}")
        if expected.get("composer"):
            counts["composer_known"] += 1
            counts["composer_right"] += meta["composer"] == expected["composer"]
            spellings[expected["composer"]].add(meta["composer"])
            if meta["composer"] != expected["composer"]:
                wrong["composer"].append(f"{meta['composer']!r} (raw {meta['composer_raw']!r}) for {expected['composer']!r}")
        if expected.get("mode"):
            counts["mode_known"] += 1
            counts["mode_right"] += meta["mode"] == expected["mode"]
            if meta["mode"] != expected["mode"]:
                wrong["mode"].append(f"{file.parent.name}: {meta['key']} ({meta['key_source']})")
        if (stated := _stated_mode_check(data)) is not None:
            counts["stated_known"] += 1
            counts["stated_right"] += stated[0] == stated[1]
        if expected.get("ensemble"):
            counts["ensemble_known"] += 1
            counts["ensemble_right"] += meta["ensemble"] == expected["ensemble"]
            if meta["ensemble"] != expected["ensemble"]:
                wrong["ensemble"].append(f"{file.parent.name}: {meta['ensemble']}")
    share = lambda a, b: round(counts[a] / counts[b], 3) if counts[b] else None  # noqa: E731
    return dict(
        files=counts["files"], unreadable=counts["unreadable"],
        titles_meaningful=share("title_meaningful", "files"), titles_right=share("title_right", "title_known"),
        composers_right=share("composer_right", "composer_known"),
        spellings_per_composer=round(sum(len(s) for s in spellings.values()) / len(spellings), 3) if spellings else None,
        modes_right_by_title=share("mode_right", "mode_known"), modes_judged_by_title=counts["mode_known"],
        modes_right_hiding_stated=share("stated_right", "stated_known"), modes_stated=counts["stated_known"],
        ensemble_right=share("ensemble_right", "ensemble_known"),
        seconds_per_file=round((time.monotonic() - started) / max(counts["files"], 1), 3),
        wrong={k: v[:8] for k, v in wrong.items()},
    )


def _print(name: str, figures: dict, verbose: bool) -> None:
    print(f"== {name}")
    for key, value in figures.items():
        if key != "wrong":
            print(f"  {key}: {value}")
    if verbose:
        for key, examples in figures["wrong"].items():
            print(f"  wrong {key}:")
            for example in examples:
                print(f"    {example}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = Path(__file__).resolve().parents[1]
    parser.add_argument("--openscore", type=Path, default=here.parent.parent / "shared" / "corpora" / "openscore")
    parser.add_argument("--limit", type=int, default=None, help="files per corpus (default: all)")
    parser.add_argument("--verbose", action="store_true", help="print examples of what went wrong")
    args = parser.parse_args(argv)
    truth = openscore_truth(args.openscore)
    if truth:
        items = list(truth.items())
        if args.limit:
            items = items[::max(1, len(items) // args.limit)][:args.limit]
        _print(f"OpenScore ({args.openscore})", metadata_figures(dict(items)), args.verbose)
    else:
        print(f"no OpenScore corpus at {args.openscore}; pass --openscore", file=sys.stderr)
    _print("music21 corpus (MusicXML)", metadata_figures(music21_truth(args.limit)), args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
