"""What the app shows about real collections, judged by what the collections themselves say.

Indexes OpenScore (``../shared/corpora/openscore``: Lieder and String
Quartets; only the composers the bundled model was not trained on when
``training.openscore.split_by_composer`` is available, else all) and the
MusicXML scores of music21's corpus with the bundled model, tags them, and
prints:

* files not indexed;
* meaningful titles (not empty, not a placeholder, not the file name), and for
  OpenScore titles that contain the corpus's own title;
* right composers (against data/composers.tsv and the folder names) and
  spellings per person;
* right modes, where the corpus states one (a quartet named "... in D minor",
  a file's ``<mode>``);
* shown tags right (ensemble, composer, genre vocabularies, where the truth is known);
* ensemble recall (the ``ensemble`` fact against the collection's ensemble);
* search precision@10 on musician-style questions, the model alone beside the
  hybrid search (relevance from the corpus truth, ``realworld_truth.py``),
  and exact-title queries (hit@1).

No timing asserts.  ``--quick``: about 40 music21 files, 4 queries (a CI smoke run
without ``../shared``).  The library is kept (``--db``), so a second run
only re-reads changed files.

    python bench/bench_realworld.py [--quick] [--db PATH] [--model NAME] [--all-composers]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from realworld_truth import (ENGLISH, FRENCH, GERMAN, music21_truth, openscore_truth, plain, same_person,  # noqa: E402
                             score_text, stated, surname)

from clamp_desktop.engine.demo import corpus_root  # noqa: E402
from clamp_desktop.ingest.musicxml import MUSICXML_SUFFIXES  # noqa: E402

PLACEHOLDERS = {"", "title", "untitled", "score", "xml score", "a", "x", "c", "musicxml cleaned", "sibelius"}
QUICK_FILES = ("bach/bwv1", "beethoven/opus18no1", "haydn/opus74no1", "mozart/k80", "schubert/", "schumann_robert/d",
               "joplin/", "schoenberg/", "beach/", "leadSheet/")


def is_quartet(t, who=None):
    return t.get("ensemble") == "string quartet" and (who is None or surname(t.get("composer")) == who)


def is_song(t, who=None):
    return t.get("ensemble") == "voice and piano" and (who is None or surname(t.get("composer")) == who)


def _german(t):
    return is_song(t) and (t.get("language") == "de" or bool(GERMAN.search(t.get("desc", ""))))


QUERIES = [
    ("a string quartet by Beethoven", lambda t: is_quartet(t, "beethoven")),
    ("a string quartet by Mozart", lambda t: is_quartet(t, "mozart")),
    ("a string quartet by Haydn", lambda t: is_quartet(t, "haydn")),
    ("a song for voice and piano", is_song),
    ("a German Lied", _german),
    ("a German Lied in a minor key", lambda t: _german(t) and t.get("mode") == "minor"),
    ("a French song", lambda t: is_song(t) and bool(FRENCH.search(t.get("desc", "")))),
    ("a song by Schubert", lambda t: is_song(t, "schubert")),
    ("a four-part chorale by Bach", lambda t: t.get("ensemble") == "choir" and surname(t.get("composer")) == "bach"),
    ("a piano piece", lambda t: t.get("ensemble") == "solo piano"),
    ("a string quartet in a minor key", lambda t: is_quartet(t) and t.get("mode") == "minor"),
    ("a slow movement for string quartet", lambda t: is_quartet(t) and t.get("slow") is True),
    ("a piece in 3/4", lambda t: t.get("meter") == "3/4"),
    # composers the bundled model was not trained on (the held-out OpenScore split)
    ("a song by Augusta Holmès", lambda t: is_song(t, "holmes")),
    ("a song by Peter Warlock", lambda t: is_song(t, "warlock")),
    ("a song by Edward German", lambda t: is_song(t, "german")),
    ("a song by Debussy", lambda t: is_song(t, "debussy")),
    ("a string quartet by Ravel", lambda t: is_quartet(t, "ravel")),
    ("an English song", lambda t: is_song(t) and bool(ENGLISH.search(t.get("desc", "")))),
]
SPLIT_SEED = 0          # the training seed of the bundled model (training.run's default)
QUICK_QUERIES = ("a string quartet by Beethoven", "a song for voice and piano", "a four-part chorale by Bach",
                 "a piano piece")


def openscore_root() -> Path | None:
    for candidate in (os.environ.get("CLAMP_DESKTOP_OPENSCORE"), ROOT.parent / "shared" / "corpora" / "openscore",
                      "/work/shared/corpora/openscore"):
        if candidate and (Path(candidate) / "lieder").is_dir():
            return Path(candidate)
    return None


def held_out(truth: dict, root: Path, everyone: bool) -> tuple[dict, str]:
    """The OpenScore pieces whose composers the bundled model never saw, when the split is known."""
    try:
        from clamp_desktop.training.openscore import PREFIX, split_by_composer
    except ImportError:
        return truth, "all composers (no held-out split in this checkout)"
    if everyone:
        return truth, "all composers (--all-composers)"
    kept = {p: t for p, t in truth.items()
            if split_by_composer(PREFIX + p.relative_to(root).as_posix(), SPLIT_SEED) == "test"}
    return kept, f"composers held out of training ({len({t['composer'] for t in kept.values()})})"


def gather(args) -> tuple[dict[Path, dict], str]:
    """Every score to index, with its truth and what the file states."""
    m21 = corpus_root()
    files = sorted(p for p in m21.rglob("*") if p.suffix.lower() in MUSICXML_SUFFIXES)
    if args.quick:
        files = [p for prefix in QUICK_FILES
                 for p in [f for f in files if f.relative_to(m21).as_posix().startswith(prefix)][:5]]
    truth = music21_truth(m21, files)
    note = "music21 corpus only"
    root = openscore_root()
    if root is None:
        print("OpenScore corpus not found (../shared/corpora/openscore): music21's corpus only.")
    elif not args.quick:
        scores, note = held_out(openscore_truth(root), root, args.all_composers)
        truth.update(scores)
    for path, item in truth.items():
        item.update({k: v for k, v in stated(score_text(path)).items() if k not in item})
    return truth, note


def link_folder(truth: dict, folder: Path) -> dict[str, dict]:
    """A folder of links to the scores (kept between runs); link path -> truth."""
    by_link = {}
    m21 = corpus_root()
    for path, item in truth.items():
        relative = path.relative_to(m21) if item["collection"] == "music21" else \
            Path(item["collection"]) / path.relative_to(path.parents[3 if item["collection"] == "lieder" else 2])
        target = folder / ("music21" if item["collection"] == "music21" else "openscore") / relative
        if not target.exists():
            if target.is_symlink():
                target.unlink()    # dangling: the checkout (and its music21) it pointed into is gone
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(path)
        by_link[str(target)] = item
    return by_link


def index(db: Path, folder: Path, model: str | None):
    from clamp_desktop.engine.indexer import LibraryIndexer, run_to_end
    from clamp_desktop.engine.models import model_loader, model_name
    from clamp_desktop.engine.tagging import tag_library
    from clamp_desktop.store import Library

    name, load = model_name(model), model_loader(model)
    with Library(db) as library:
        summary = run_to_end(LibraryIndexer(library, name, load).run([str(folder)]))
        run_to_end(tag_library(library, name, load))
    return name, load, summary


def share(hits: int, total: int) -> str:
    return f"{hits}/{total} = {hits / total:.1%}" if total else "n/a"


def report_metadata(library, by_link: dict, figures: dict) -> None:
    pieces = [p for p in library.pieces() if p["path"] in by_link]
    failed = [f for f in library.failures() if f["path"] in by_link]
    figures["files not indexed"] = share(len(failed), len(by_link))
    meaningful = [p for p in pieces if plain(p["title"]) not in PLACEHOLDERS
                  and plain(p["title"]) != plain(Path(p["path"]).stem) and any(c.isalpha() for c in p["title"] or "")]
    figures["meaningful titles"] = share(len(meaningful), len(pieces))
    named = [p for p in pieces if by_link[p["path"]].get("title")]
    figures["titles containing the corpus title (OpenScore)"] = share(
        sum(plain(by_link[p["path"]]["title"]) in plain(p["title"]) for p in named), len(named))
    known = [p for p in pieces if by_link[p["path"]].get("composer")]
    figures["right composers"] = share(sum(same_person(p["composer"], by_link[p["path"]]["composer"]) for p in known),
                                       len(known))
    spellings = defaultdict(set)
    for p in known:
        spellings[by_link[p["path"]]["composer"]].add(p["composer"])
    figures["people with more than one spelling"] = share(sum(len(s) > 1 for s in spellings.values()), len(spellings))
    moded = [p for p in pieces if by_link[p["path"]].get("mode")]
    figures["right modes (where stated)"] = share(sum(p.get("mode") == by_link[p["path"]]["mode"] for p in moded),
                                                  len(moded))
    ensembles = [p for p in pieces if by_link[p["path"]].get("ensemble")]
    figures["ensemble recall (fact)"] = share(sum(p.get("ensemble") == by_link[p["path"]]["ensemble"]
                                                  for p in ensembles), len(ensembles))


ENSEMBLE_TAG = {"string quartet": "string quartet", "voice and piano": "voice and piano", "choir": "mixed choir",
                "solo piano": "solo piano"}
GENRE_TAG = {"string quartet": None, "voice and piano": "art song", "choir": "chorale"}


def report_tags(library, by_link: dict, figures: dict) -> None:
    from clamp_desktop.engine.browse import visible_tags

    pieces = {p["id"]: p for p in library.pieces() if p["path"] in by_link}
    right = wrong = 0
    per = Counter()
    for pid, tags in visible_tags(library, list(pieces)).items():
        truth = by_link[pieces[pid]["path"]]
        for vocabulary, labels in tags.items():
            for label in labels:
                verdict = _tag_verdict(vocabulary, label, truth)
                if verdict is None:
                    continue
                right += verdict
                wrong += not verdict
                per[(vocabulary, verdict)] += 1
    figures["shown tags right (judged: ensemble, composer, genre)"] = share(right, right + wrong)
    for vocabulary in ("ensemble", "composer", "genre"):
        figures[f"  shown {vocabulary} tags right"] = share(per[(vocabulary, True)],
                                                           per[(vocabulary, True)] + per[(vocabulary, False)])


def _tag_verdict(vocabulary: str, label: str, truth: dict) -> bool | None:
    if vocabulary == "ensemble" and truth.get("ensemble") in ENSEMBLE_TAG:
        return label == ENSEMBLE_TAG[truth["ensemble"]]
    if vocabulary == "composer" and truth.get("composer"):
        return False          # a composer tag is never right beside a known composer
    if vocabulary == "genre" and truth.get("ensemble") in GENRE_TAG:
        return label == GENRE_TAG[truth["ensemble"]]
    return None


def report_search(library, name: str, load, by_link: dict, queries, figures: dict) -> None:
    from clamp_desktop.engine.search import search

    relevant_of = {p["id"]: by_link[p["path"]] for p in library.pieces() if p["path"] in by_link}
    print(f"\n{'query':44s} {'relevant':>8s} {'model p@10':>10s} {'hybrid p@10':>11s}")
    totals = [[], []]
    for text, is_relevant in queries:
        relevant = sum(bool(is_relevant(t)) for t in relevant_of.values())
        row = []
        for hybrid in (False, True):
            hits = search(library, text, name, load, top=10, hybrid=hybrid).hits
            row.append(sum(bool(is_relevant(relevant_of.get(h.piece["id"], {}))) for h in hits) / 10)
        if relevant:
            totals[0].append(row[0])
            totals[1].append(row[1])
        print(f"{text:44s} {relevant:8d} {row[0]:10.2f} {row[1]:11.2f}")
    for label, values in zip(("model alone", "hybrid"), totals):
        figures[f"mean precision@10, {label}"] = f"{sum(values) / len(values):.2f}" if values else "n/a"
    titled = [(pid, t["title"]) for pid, t in relevant_of.items() if t.get("title")]
    counts = Counter(plain(title) for _, title in titled)
    unique = [(pid, title) for pid, title in titled if counts[plain(title)] == 1]
    sample = random.Random(0).sample(unique, min(20, len(unique)))
    for label, hybrid in (("model alone", False), ("hybrid", True)):
        first = sum(bool((hits := search(library, title, name, load, top=1, hybrid=hybrid).hits))
                    and hits[0].piece["id"] == pid for pid, title in sample)
        figures[f"exact-title queries ranked first, {label}"] = share(first, len(sample))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="CI smoke run: about 40 music21 files, 4 queries")
    parser.add_argument("--db", type=Path, help="the bench library (kept; default: a folder in the temp dir)")
    parser.add_argument("--model", help="model name or checkpoint folder (default: the bundled model)")
    parser.add_argument("--all-composers", action="store_true", help="OpenScore: every composer, not only held-out")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    truth, note = gather(args)
    variant = "quick" if args.quick else "held-out" if note.startswith("composers held out") else "all"
    base = Path(tempfile.gettempdir()) / f"clamp-realworld-{variant}"    # one folder of links per set of scores
    db = args.db or base / "library.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    by_link = link_folder(truth, base / "scores")
    print(f"{len(by_link)} scores ({note}); library {db}")
    name, load, summary = index(db, base / "scores", args.model)
    print(f"indexed with {name}: {summary.added} added, {summary.unchanged} unchanged, {summary.failed} failed")
    from clamp_desktop.store import Library

    figures: dict[str, str] = {}
    queries = [q for q in QUERIES if not args.quick or q[0] in QUICK_QUERIES]
    with Library(db, readonly=True) as library:
        report_metadata(library, by_link, figures)
        report_tags(library, by_link, figures)
        report_search(library, name, load, by_link, queries, figures)
    print()
    for key, value in figures.items():
        print(f"{key:58s} {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
