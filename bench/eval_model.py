"""Evaluate a CLaMP model on the held-out test split of music21's corpus, beside two baselines.

    python bench/eval_model.py                                  # the bundled model
    python bench/eval_model.py --model PATH --json results.json
    python bench/eval_model.py --model NEW --beside clamp-desktop-mini   # old and new in one run

Every figure is measured in the same run for three systems:

* **model** - the model under test (default: the bundled clamp-desktop-mini);
* **untrained** - a model of the same shape with freshly initialised music
  encoder and projections (the same frozen MiniLM text encoder);
* **keyword** - keyword search over the piece's metadata (title, composer,
  genre, origin, key, time signature, tempo, instruments, file path), the
  way the library's full-text search sees a piece.

The test split is the one saved beside the model (``split.json.gz``) for
music21's corpus and, for the OpenScore corpora (``--openscore``), the
pieces of the composers held out from training (``training.openscore``).
The pieces come from the converted-corpus cache that ``clamp-desktop
train`` fills.  **On a fresh machine the first run converts the corpora
first** (music21's ~2,100 files and OpenScore's 806: tens of minutes on a
2-core CPU, far more when it is shared; progress lines on stderr say how far
it got); with the cache filled a run takes a few minutes.

Tasks: (a) attribute queries -> precision@10 against relevance read from the
metadata; (b) zero-shot classification with prompt templates (composer or
collection, meter, mode, ensemble); (c) retrieval of the exact piece from its
own full description (MRR, HR@1, HR@10); (d) music-to-music: share of each
piece's 10 nearest neighbours from the same composer/collection; (e) the
app's auto-tagging with the built-in composer, era, genre and ensemble
vocabularies (every label in its template, the best taken): top-1 accuracy.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from clamp_desktop.model import load_clamp, normalize  # noqa: E402
from clamp_desktop.model.encoder import Clamp  # noqa: E402

# (query, relevance predicate on facts, phrased in words the training descriptions never use?)
# The "unseen wording" flag is checked by code: ``unseen_wording_problems`` (and
# tests/test_eval_queries.py) fails if a distinctive word of such a query is in
# any phrasing of ``training/descriptions.py``.
QUERIES = [
    ("a chorale by Bach", lambda f: f.get("label") == "Bach" and f.get("genre") == "chorale", False),
    ("an Irish reel", lambda f: f.get("genre") == "reel" and f.get("origin") == "Irish", False),
    ("a reel", lambda f: f.get("genre") == "reel", False),
    ("a jig", lambda f: f.get("genre") in ("jig", "slip jig"), False),
    ("a hornpipe", lambda f: f.get("genre") == "hornpipe", False),
    ("a piece in 6/8", lambda f: f.get("meter") == "6/8", False),
    ("a piece in 3/4 time", lambda f: f.get("meter") == "3/4", False),
    ("a piece in a minor key", lambda f: f.get("mode") == "minor", False),
    ("a slow piece in a minor key", lambda f: f.get("mode") == "minor" and f.get("tempo") == "slow", False),
    ("music for string quartet", lambda f: f.get("ensemble") == "string quartet", False),
    ("a Renaissance mass movement by Palestrina", lambda f: f.get("label") == "Palestrina", False),
    ("a madrigal by Monteverdi", lambda f: f.get("label") == "Monteverdi", False),
    ("a Chinese folk song", lambda f: f.get("origin") == "Chinese", False),
    ("a German folk song", lambda f: f.get("origin") == "German" and f.get("era") == "traditional", False),
    ("medieval music", lambda f: f.get("era") == "Medieval", False),
    ("a sad, melancholy melody", lambda f: f.get("mode") == "minor", False),
    # Phrased in words no training description uses (checked: unseen_wording_problems):
    ("Protestant congregational singing, arranged by J. S. Bach", lambda f: f.get("label") == "Bach"
     and f.get("genre") == "chorale", True),
    ("session repertoire from Ireland", lambda f: f.get("origin") == "Irish"
     and f.get("genre") in ("reel", "jig", "slip jig", "hornpipe"), True),
    ("a tune in six-eight", lambda f: f.get("meter") == "6/8", True),
    ("a gloomy, mournful tune", lambda f: f.get("mode") == "minor", True),
    ("a composition for a bowed consort", lambda f: f.get("ensemble") == "string quartet", True),
    ("Catholic liturgical polyphony of the late 1500s", lambda f: f.get("label") == "Palestrina", True),
    ("a song from China", lambda f: f.get("origin") == "Chinese", True),
    ("a melody in three-four", lambda f: f.get("meter") == "3/4", True),
]
# The eight queries the card's figures before 2026-11-30 used as "new wording";
# five of them share words with the descriptions (issue 21), kept to compare.
OLD_NOVEL_QUERIES = [
    ("four-part hymn harmonisations by J. S. Bach", lambda f: f.get("label") == "Bach"
     and f.get("genre") == "chorale", False),
    ("dance music from Ireland for the fiddle", lambda f: f.get("origin") == "Irish"
     and f.get("genre") in ("reel", "jig", "slip jig", "hornpipe"), False),
    ("a work for two violins, a viola and a violoncello", lambda f: f.get("ensemble") == "string quartet",
     False),
    ("sixteenth-century sacred polyphony for voices", lambda f: f.get("label") == "Palestrina", False),
    ("a waltz-time melody", lambda f: f.get("meter") == "3/4", False),
]

# Real collections: OpenScore's held-out composers (songs, quartets) among music21's test pieces.
REAL_QUERIES = [
    ("a song for voice and piano", lambda f: f.get("ensemble") == "voice and piano", False),
    ("music for string quartet", lambda f: f.get("ensemble") == "string quartet", False),
    ("a song in German", lambda f: f.get("language") == "German", False),
    ("a song in French", lambda f: f.get("language") == "French", False),
    ("a song in English", lambda f: f.get("language") == "English", False),
    ("a Romantic art song", lambda f: f.get("era") == "Romantic" and f.get("genre") == "song", False),
    ("a twentieth-century song", lambda f: f.get("era") == "20th-century" and f.get("genre") == "song", False),
    ("a song in a minor key", lambda f: f.get("genre") == "song" and f.get("mode") == "minor", False),
    ("a Lied for singer and pianist", lambda f: f.get("ensemble") == "voice and piano", True),
    ("verses in German set for singer and pianist", lambda f: f.get("language") == "German", True),
    ("a mélodie to a French poem", lambda f: f.get("language") == "French", True),
    ("a composition for a bowed consort", lambda f: f.get("ensemble") == "string quartet", True),
]
# Words a query may share with the descriptions without its wording being "seen":
# function words, numbers, and the nouns every query needs.
_GENERIC = {"a", "an", "the", "of", "in", "for", "by", "and", "from", "to", "with", "on", "at", "set",
            "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twelve",
            "music", "piece", "tune", "song", "work", "melody", "composition", "j", "s"}


def description_words() -> set[str]:
    """Every word of every string in ``training/descriptions.py`` (its phrasings and templates)."""
    import ast

    from clamp_desktop.training import descriptions

    words: set[str] = set()
    for node in ast.walk(ast.parse(Path(descriptions.__file__).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            words |= set(re.findall(r"[a-z0-9/'-]+", node.value.lower()))
    return words | {part for w in words for part in w.split("-")}


def distinctive_words(query: str) -> set[str]:
    """A query's words (and the parts of its hyphenated ones) that are not generic."""
    words = set(re.findall(r"[a-zà-ÿ0-9/'-]+", query.lower()))
    words |= {part for w in words if "-" in w for part in w.split("-")}
    return {w for w in words if w not in _GENERIC and w.strip("-")}


def _variants(word: str) -> set[str]:
    """The word, its plural or singular, and its -ise/-ize spelling (harmonisation, harmonization)."""
    out = {word, word.rstrip("s"), word + "s", word + "es", word.replace("is", "iz"), word.replace("iz", "is")}
    if word.endswith("ies"):
        out.add(word[:-3] + "y")
    return out | {w.rstrip("s") for w in out}


def unseen_wording_problems(queries=None) -> list[str]:
    """'query: word' for every distinctive word of an unseen-wording query that a description uses."""
    seen = description_words()
    problems = []
    for query, _, novel in (queries if queries is not None else QUERIES + REAL_QUERIES):
        for word in sorted(distinctive_words(query)) if novel else []:
            if _variants(word) & seen:
                problems.append(f"{query}: {word}")
    return problems


CLASS_TASKS = {
    "composer/collection": ("label", ["This piece of music is by {}.", "A piece from {}.", "{}"]),
    "meter": ("meter", ["A piece in {} time.", "Time signature {}.", "The meter is {}."]),
    "mode": ("mode", ["A piece in a {} key.", "This music is in {} mode.", "{} tonality"]),
    "ensemble": ("ensemble", ["Music for {}.", "A piece written for {}.", "{}"]),
}
# (e) The app's own tagging with these built-in vocabularies; the labels true of
# a piece come from its facts as in training (``training.tags.tag_truths``).
TAGGED = ("composer", "era", "genre", "ensemble")
ENSEMBLE_WORDS = {"melody": "a single melody instrument", "choir": "choir", "string quartet": "string quartet",
                  "piano": "piano"}
_STOP = {"a", "an", "the", "of", "in", "for", "by", "and", "from", "piece", "music", "to", "with", "is",
         "this", "time", "key", "tune", "work", "written"}


def tokens(text: str) -> set[str]:
    return {t for t in re.findall(r"[a-z0-9/]+", text.lower().replace("'", "")) if t not in _STOP}


def metadata_text(record: dict) -> str:
    """What keyword search sees: the metadata columns and the file path."""
    meta = record.get("metadata") or {}
    values = [record["source"]]
    for key in ("title", "subtitle", "composer", "lyricist", "work", "movement", "key", "time_signature",
                "tempo", "genre", "origin"):
        if meta.get(key):
            values.append(str(meta[key]))
    values += [str(i) for i in meta.get("instruments") or []]
    return " ".join(values)


def keyword_scores(query: str, docs: list[set[str]]) -> np.ndarray:
    wanted = tokens(query)
    return np.array([len(wanted & d) for d in docs], dtype=np.float32)


def expected_rank(scores: np.ndarray, target: int) -> float:
    """1-based rank of ``target`` with ties broken at random (expected value)."""
    higher = float((scores > scores[target]).sum())
    ties = float((scores == scores[target]).sum())
    return higher + (ties + 1) / 2


def precision_at_k(scores: np.ndarray, relevant: np.ndarray, k: int = 10) -> float:
    """Precision@k with ties at the cut shared out in expectation (keyword scores tie a lot)."""
    order = np.argsort(-scores, kind="stable")
    threshold = scores[order[k - 1]]
    above = scores > threshold
    at = scores == threshold
    slots = k - int(above.sum())
    hits = relevant[above].sum() + slots * (relevant[at].mean() if at.any() else 0)
    return float(hits / k)


def untrained_like(model: Clamp, seed: int = 1234) -> Clamp:
    """A model of the same shape as ``model`` with a fresh music encoder and projections."""
    import torch

    from clamp_desktop.model.network import ClampNetwork

    network = model.network
    torch.manual_seed(seed)
    fresh = ClampNetwork(network.music_enc.enc.config, network.text_enc.config, model.dim)
    fresh.text_enc.load_state_dict(network.text_enc.state_dict())
    return Clamp(fresh, model.tokenizer, model.max_length, "untrained", model.device)


def test_records(model_folder: Path | None, seed: int, limit: int | None, openscore="auto",
                 cached_only: bool = False) -> list[dict]:
    """The held-out test pieces of both corpora (``training.heldout``), converting them first if needed."""
    from clamp_desktop.training.heldout import held_out_records

    records = held_out_records(model_folder, "test", seed, openscore, log=progress, cached_only=cached_only)
    if limit and len(records) > limit:
        picks = np.random.default_rng(seed).choice(len(records), limit, replace=False)
        records = [records[i] for i in sorted(picks)]
    return records


_STARTED = time.perf_counter()


def progress(message: str) -> None:
    """One line on stderr with the seconds since the start (the first run converts the corpora: long)."""
    print(f"[{time.perf_counter() - _STARTED:6.0f} s] {message}", file=sys.stderr, flush=True)


class System:
    """One system under evaluation: scores for text->music and music->music."""

    def __init__(self, name: str, records: list[dict], model: Clamp | None):
        self.name, self.model = name, model
        self.docs = [tokens(metadata_text(r)) for r in records]
        if model is not None:
            self.music = normalize(model.encode_music([r["abc"] for r in records]))

    def first(self, count: int) -> System:
        """The same system on its first ``count`` pieces (their vectors are not computed again)."""
        part = System.__new__(System)
        part.name, part.model, part.docs = self.name, self.model, self.docs[:count]
        if self.model is not None:
            part.music = self.music[:count]
        return part

    def text_scores(self, queries: list[str]) -> np.ndarray:
        if self.model is None:
            return np.stack([keyword_scores(q, self.docs) for q in queries])
        return normalize(self.model.encode_text(queries)) @ self.music.T

    def music_neighbours(self) -> np.ndarray:
        if self.model is None:
            size = len(self.docs)
            sim = np.zeros((size, size), dtype=np.float32)
            for i, a in enumerate(self.docs):
                for j, b in enumerate(self.docs):
                    sim[i, j] = len(a & b) / max(1, len(a | b))
            return sim
        return self.music @ self.music.T


def eval_queries(system: System, facts: list[dict], queries=None) -> list[dict]:
    queries = QUERIES if queries is None else queries
    scores = system.text_scores([q for q, _, _ in queries])
    rows = []
    for (query, relevant_fn, novel), row in zip(queries, scores):
        relevant = np.array([bool(relevant_fn(f)) for f in facts])
        if relevant.sum() == 0:
            continue
        p10 = precision_at_k(row, relevant)
        ceiling = min(10, int(relevant.sum())) / 10  # fewer than 10 relevant pieces cap precision@10
        rows.append({"query": query, "novel_wording": novel, "relevant": int(relevant.sum()),
                     "p@10": p10, "p@10_of_possible": p10 / ceiling})
    return rows


def eval_classification(system: System, facts: list[dict], min_count: int = 5, rows=None,
                        tasks=None) -> dict:
    """Zero-shot accuracy per task: classes from every piece's facts, accuracy over ``rows`` (all)."""
    out = {}
    for task, (fact, templates) in (tasks or CLASS_TASKS).items():
        values = [f.get(fact) for f in facts]
        if task == "mode":
            values = [v if v in ("major", "minor") else None for v in values]
        counts = Counter(v for v in values if v)
        labels = sorted(v for v, c in counts.items() if c >= min_count)
        if len(labels) < 2:
            continue
        allowed = set(range(len(facts)) if rows is None else rows)
        keep = [i for i, v in enumerate(values) if v in labels and i in allowed]
        if not keep:
            continue
        truth = np.array([labels.index(values[i]) for i in keep])
        words = [ENSEMBLE_WORDS.get(label, label) if task == "ensemble" else label for label in labels]
        if system.model is None:
            # Keyword: the label whose words the metadata shares most (ties: the first label).
            sims = np.array([[len(tokens(w) & system.docs[i]) for w in words] for i in keep], dtype=float)
        else:
            prompts = [t.format(w) for w in words for t in templates]
            vectors = normalize(system.model.encode_text(prompts)).reshape(len(words), len(templates), -1)
            classes = normalize(vectors.mean(axis=1))
            sims = system.music[keep] @ classes.T
        predicted = sims.argmax(axis=1)
        per_class = [float((predicted[truth == c] == c).mean()) if (truth == c).any() else float("nan")
                     for c in range(len(labels))]
        per_class = [c for c in per_class if not np.isnan(c)]
        out[task] = {"accuracy": float((predicted == truth).mean()), "balanced_accuracy": float(np.mean(per_class)),
                     "n": len(keep), "labels": {label: counts[label] for label in labels}}
    return out


def eval_tagging(system: System, facts: list[dict], rows=None) -> dict:
    """Top-1 accuracy of the app's zero-shot tagging: every label of a built-in vocabulary, its template."""
    from clamp_desktop.engine.tagging import builtin_vocabulary_files, fill_template, read_vocabulary
    from clamp_desktop.training.tags import plain, tag_truths

    vocabularies = {v.name: v for v in map(read_vocabulary, builtin_vocabulary_files())}
    out = {}
    for name in TAGGED:
        labels = list(vocabularies[name].labels)
        folded = {plain(label): label for label in labels}
        truths = [[folded[plain(t)] for t in tag_truths(f).get(name, []) if plain(t) in folded] for f in facts]
        allowed = set(range(len(facts)) if rows is None else rows)
        keep = [i for i, truth in enumerate(truths) if truth and i in allowed]
        if not keep:
            continue
        if system.model is None:
            sims = np.array([[len(tokens(label) & system.docs[i]) for label in labels] for i in keep], dtype=float)
        else:
            prompts = [fill_template(vocabularies[name].template, label) for label in labels]
            sims = system.music[keep] @ normalize(system.model.encode_text(prompts)).T
        right = np.array([labels[p] in truths[i] for p, i in zip(sims.argmax(axis=1), keep)])
        first = [truths[i][0] for i in keep]     # the class a piece counts under for balanced accuracy
        out[name] = {"accuracy": float(right.mean()),
                     "balanced_accuracy": float(np.mean([right[[f == c for f in first]].mean()
                                                         for c in sorted(set(first))])),
                     "n": len(keep), "labels": len(labels), "truths": dict(Counter(first))}
    return out


def eval_exact(system: System, records: list[dict]) -> dict:
    from clamp_desktop.training.descriptions import fields_of, full_text

    queries = [full_text(fields_of(r["facts"])) for r in records]
    ranks = []
    for start in range(0, len(queries), 256):
        scores = system.text_scores(queries[start:start + 256])
        ranks += [expected_rank(row, start + i) for i, row in enumerate(scores)]
    ranks = np.array(ranks)
    return {"MRR": float((1 / ranks).mean()), "HR@1": float((ranks <= 1).mean()),
            "HR@10": float((ranks <= 10).mean()), "n": len(ranks)}


def eval_neighbours(system: System, facts: list[dict], k: int = 10) -> dict:
    sim = system.music_neighbours().astype(np.float64)
    np.fill_diagonal(sim, -np.inf)
    labels = np.array([f.get("label") for f in facts])
    shares = []
    rng = np.random.default_rng(0)
    for i in range(len(labels)):
        row = sim[i] + rng.random(len(labels)) * 1e-9  # random tie-breaking
        top = np.argpartition(-row, k)[:k]
        shares.append(float((labels[top] == labels[i]).mean()))
    return {"same_label@10": float(np.mean(shares)), "n": len(shares)}


# Real collections: classification tasks beside CLASS_TASKS (lyrics language, era).
REAL_CLASS_TASKS = {
    "ensemble": CLASS_TASKS["ensemble"],
    "language": ("language", ["A song in {}.", "Sung in {}.", "{} lyrics"]),
    "era": ("era", ["Music from the {} era.", "A {} piece.", "{}"]),
    "mode": CLASS_TASKS["mode"],
}
REAL_COLLECTIONS = ("lieder", "string quartets")


def music21_figures(system: System, records: list[dict]) -> dict:
    facts = [r["facts"] for r in records]
    queries = eval_queries(system, facts)
    return {
        "queries": queries,
        "p@10_mean": float(np.mean([q["p@10"] for q in queries])),
        "p@10_mean_novel_wording": float(np.mean([q["p@10"] for q in queries if q["novel_wording"]])),
        "p@10_of_possible_mean": float(np.mean([q["p@10_of_possible"] for q in queries])),
        "old_novel_queries": eval_queries(system, facts, OLD_NOVEL_QUERIES),
        "classification": eval_classification(system, facts),
        "exact": eval_exact(system, records),
        "neighbours": eval_neighbours(system, facts),
        "tagging": eval_tagging(system, facts),
    }


def real_figures(system: System, records: list[dict]) -> dict:
    """OpenScore's held-out composers among music21's test pieces: queries on the pool, the rest per collection."""
    from clamp_desktop.training.heldout import collection_of

    facts = [r["facts"] for r in records]
    queries = eval_queries(system, facts, REAL_QUERIES)
    where = [collection_of(f) for f in facts]
    out = {"queries": queries, "p@10_mean": float(np.mean([q["p@10"] for q in queries])),
           "p@10_mean_novel_wording": float(np.mean([q["p@10"] for q in queries if q["novel_wording"]])),
           "collections": {}}
    for collection in REAL_COLLECTIONS:
        rows = [i for i, w in enumerate(where) if w == collection]
        out["collections"][collection] = {
            "pieces": len(rows),
            "classification": eval_classification(system, facts, 3, rows, REAL_CLASS_TASKS),
            "tagging": eval_tagging(system, facts, rows),
        }
    return out


def run(model_name: str, limit: int | None, seed: int, beside: str | None = None, openscore="auto",
        cached_only: bool = False) -> dict:
    from clamp_desktop.model.loading import model_folder
    from clamp_desktop.training.heldout import collection_of

    started = time.perf_counter()
    _, folder = model_folder(model_name)
    model = load_clamp(model_name, device="cpu")
    records = test_records(Path(folder), seed, limit, openscore, cached_only)
    music21 = [r for r in records if collection_of(r["facts"]) == "music21"]
    real = [r for r in records if collection_of(r["facts"]) != "music21"]
    progress(f"{len(music21)} music21 test pieces, {len(real)} OpenScore pieces of held-out composers")
    models = [("model", model)]
    if beside:
        models.append((Path(str(beside)).name, load_clamp(beside, device="cpu")))
    models.append(("untrained", untrained_like(model)))
    results = {"model": str(model_name), "beside": beside, "test_pieces": len(music21),
               "cached_only": cached_only,
               "real_pieces": {c: sum(collection_of(r["facts"]) == c for r in real) for c in REAL_COLLECTIONS},
               "labels": dict(Counter(r["facts"]["label"] for r in music21).most_common()),
               "systems": {}, "real": {}}
    for name, clamp in models + [("keyword", None)]:
        progress(f"{name}: encoding {len(music21) + len(real)} pieces")
        pool = System(name, music21 + real, clamp)
        progress(f"{name}: measuring music21's test pieces")
        results["systems"][name] = music21_figures(pool.first(len(music21)), music21)
        if real:
            progress(f"{name}: measuring the real collections")
            results["real"][name] = real_figures(pool, music21 + real)
    results["seconds"] = round(time.perf_counter() - started, 1)
    progress(f"done in {results['seconds']:.0f} s")
    return results


def figure_row(name: str, figures: dict, get) -> str:
    """One measure: each system's figure to three decimals, '-' where it has none."""
    cells = []
    for figure in figures.values():
        try:
            cells.append(f"{get(figure):.3f}")
        except (KeyError, TypeError):
            cells.append("-")
    return f"| {name} | " + " | ".join(cells) + " |"


def query_rows(queries: dict[str, list[dict]], mark_novel: bool = True) -> list[str]:
    """The per-query p@10 table, one column a system (their query lists are in the same order)."""
    systems = list(queries)
    lines = ["| query | relevant | " + " | ".join(systems) + " |", "|---|---|" + "---|" * len(systems)]
    for i, q in enumerate(queries[systems[0]]):
        mark = " *" if mark_novel and q["novel_wording"] else ""
        cells = [f"{queries[s][i]['p@10']:.2f}" for s in systems]
        lines.append(f"| {q['query']}{mark} | {q['relevant']} | " + " | ".join(cells) + " |")
    return lines


def table(results: dict) -> str:
    systems = list(results["systems"])
    lines = [f"test pieces: {results['test_pieces']}  ({results['seconds']} s)", "",
             "| measure | " + " | ".join(systems) + " |", "|---|" + "---|" * len(systems)]

    def row(name, get):
        lines.append(figure_row(name, results["systems"], get))

    row("(a) precision@10, all queries", lambda r: r["p@10_mean"])
    row("(a) precision@10, novel wording", lambda r: r["p@10_mean_novel_wording"])
    row("(a) precision@10 / its ceiling, all", lambda r: r["p@10_of_possible_mean"])
    for task in CLASS_TASKS:
        row(f"(b) zero-shot {task} accuracy", lambda r, t=task: r["classification"][t]["accuracy"])
        row(f"(b) zero-shot {task} balanced acc.", lambda r, t=task: r["classification"][t]["balanced_accuracy"])
    for measure in ("MRR", "HR@1", "HR@10"):
        row(f"(c) exact piece {measure}", lambda r, m=measure: r["exact"][m])
    row("(d) same composer/collection in 10-NN", lambda r: r["neighbours"]["same_label@10"])
    for name in TAGGED:
        row(f"(e) tagging: {name} accuracy", lambda r, v=name: r["tagging"][v]["accuracy"])
        row(f"(e) tagging: {name} balanced acc.", lambda r, v=name: r["tagging"][v]["balanced_accuracy"])
    lines += ["", *query_rows({s: r["queries"] for s, r in results["systems"].items()}), ""]
    lines.append("(* phrased in words no training description uses: checked by unseen_wording_problems)")
    lines += ["", "The earlier 'new wording' queries that share words with the descriptions (issue 21):", "",
              *query_rows({s: r["old_novel_queries"] for s, r in results["systems"].items()}, mark_novel=False)]
    if results.get("real"):
        lines += ["", real_table(results)]
    return "\n".join(lines)


def real_table(results: dict) -> str:
    """The real-collection figures: OpenScore's held-out composers, per collection."""
    systems = list(results["real"])
    counts = ", ".join(f"{n} {c}" for c, n in results["real_pieces"].items())
    lines = [f"Real collections, composers never trained on ({counts}; queries over these and "
             f"the {results['test_pieces']} music21 test pieces):", "",
             "| measure | " + " | ".join(systems) + " |", "|---|" + "---|" * len(systems)]

    def row(name, get):
        lines.append(figure_row(name, results["real"], get))

    row("precision@10, real-collection queries", lambda r: r["p@10_mean"])
    row("precision@10, ... in unseen wording", lambda r: r["p@10_mean_novel_wording"])
    for collection in REAL_COLLECTIONS:
        for task in REAL_CLASS_TASKS:
            row(f"{collection}: zero-shot {task} accuracy",
                lambda r, c=collection, t=task: r["collections"][c]["classification"][t]["accuracy"])
        for name in TAGGED:
            row(f"{collection}: tagging {name} accuracy",
                lambda r, c=collection, v=name: r["collections"][c]["tagging"][v]["accuracy"])
    lines += ["", *query_rows({s: r["queries"] for s, r in results["real"].items()})]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="clamp-desktop-mini", help="registry name or checkpoint folder")
    parser.add_argument("--limit", type=int, default=None, help="evaluate on a sample of the test split")
    parser.add_argument("--seed", type=int, default=0, help="split seed when the model has no split.json.gz")
    parser.add_argument("--beside", default=None, help="another model measured in the same run (e.g. the old one)")
    parser.add_argument("--openscore", default="auto",
                        help="OpenScore corpora folder ('auto': beside the checkout; 'none': music21 only)")
    parser.add_argument("--cached-only", action="store_true",
                        help="measure the pieces already converted (a partial figure); convert nothing")
    parser.add_argument("--json", dest="json_path", default=None, help="also write the results here")
    args = parser.parse_args(argv)
    results = run(args.model, args.limit, args.seed, args.beside,
                  None if args.openscore == "none" else args.openscore, args.cached_only)
    print(table(results))
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
