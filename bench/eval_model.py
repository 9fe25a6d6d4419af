"""Evaluate a CLaMP model on the held-out test split of music21's corpus, beside two baselines.

    python bench/eval_model.py                                  # the bundled model
    python bench/eval_model.py --model PATH --json results.json

Every figure is measured in the same run for three systems:

* **model** - the model under test (default: the bundled clamp-desktop-mini);
* **untrained** - a model of the same shape with freshly initialised music
  encoder and projections (the same frozen MiniLM text encoder);
* **keyword** - keyword search over the piece's metadata (title, composer,
  genre, origin, key, time signature, tempo, instruments, file path), the
  way the library's full-text search sees a piece.

The test split is the one saved beside the model (``split.json.gz``); the
pieces come from the converted-corpus cache that ``clamp-desktop train``
fills (on a machine without it, the first run converts the corpus: about
45 minutes on a busy 2-core CPU).

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
    # Phrased in words no training description uses:
    ("four-part hymn harmonisations by J. S. Bach", lambda f: f.get("label") == "Bach"
     and f.get("genre") == "chorale", True),
    ("dance music from Ireland for the fiddle", lambda f: f.get("origin") == "Irish"
     and f.get("genre") in ("reel", "jig", "slip jig", "hornpipe"), True),
    ("a tune in six-eight", lambda f: f.get("meter") == "6/8", True),
    ("a gloomy, mournful tune", lambda f: f.get("mode") == "minor", True),
    ("a work for two violins, a viola and a violoncello", lambda f: f.get("ensemble") == "string quartet",
     True),
    ("sixteenth-century sacred polyphony for voices", lambda f: f.get("label") == "Palestrina", True),
    ("a song from China", lambda f: f.get("origin") == "Chinese", True),
    ("a waltz-time melody", lambda f: f.get("meter") == "3/4", True),
]

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


def test_records(model_folder: Path | None, seed: int, limit: int | None) -> list[dict]:
    from clamp_desktop import paths
    from clamp_desktop.training.corpus import prepare_corpus
    from clamp_desktop.training.dataset import group_of, load_split, split_of
    from clamp_desktop.training.facts import piece_facts

    records, _ = prepare_corpus(paths.cache_dir() / "training")
    split_file = model_folder / "split.json.gz" if model_folder else None
    if split_file and split_file.exists():
        test_ids = set(load_split(split_file)["test"])
        records = [r for r in records if r["id"] in test_ids]
    else:
        records = [r for r in records if split_of(group_of(r), seed) == "test"]
    for record in records:
        record["facts"] = piece_facts(record)
    if limit and len(records) > limit:
        picks = np.random.default_rng(seed).choice(len(records), limit, replace=False)
        records = [records[i] for i in sorted(picks)]
    return records


class System:
    """One system under evaluation: scores for text->music and music->music."""

    def __init__(self, name: str, records: list[dict], model: Clamp | None):
        self.name, self.model = name, model
        self.docs = [tokens(metadata_text(r)) for r in records]
        if model is not None:
            self.music = normalize(model.encode_music([r["abc"] for r in records]))

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


def eval_queries(system: System, facts: list[dict]) -> list[dict]:
    scores = system.text_scores([q for q, _, _ in QUERIES])
    rows = []
    for (query, relevant_fn, novel), row in zip(QUERIES, scores):
        relevant = np.array([bool(relevant_fn(f)) for f in facts])
        if relevant.sum() == 0:
            continue
        p10 = precision_at_k(row, relevant)
        ceiling = min(10, int(relevant.sum())) / 10  # fewer than 10 relevant pieces cap precision@10
        rows.append({"query": query, "novel_wording": novel, "relevant": int(relevant.sum()),
                     "p@10": p10, "p@10_of_possible": p10 / ceiling})
    return rows


def eval_classification(system: System, facts: list[dict], min_count: int = 5) -> dict:
    out = {}
    for task, (fact, templates) in CLASS_TASKS.items():
        values = [f.get(fact) for f in facts]
        if task == "mode":
            values = [v if v in ("major", "minor") else None for v in values]
        counts = Counter(v for v in values if v)
        labels = sorted(v for v, c in counts.items() if c >= min_count)
        if len(labels) < 2:
            continue
        keep = [i for i, v in enumerate(values) if v in labels]
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
        per_class = [float((predicted[truth == c] == c).mean()) for c in range(len(labels))]
        out[task] = {"accuracy": float((predicted == truth).mean()), "balanced_accuracy": float(np.mean(per_class)),
                     "n": len(keep), "labels": {label: counts[label] for label in labels}}
    return out


def eval_tagging(system: System, facts: list[dict]) -> dict:
    """Top-1 accuracy of the app's zero-shot tagging: every label of a built-in vocabulary, its template."""
    from clamp_desktop.engine.tagging import builtin_vocabulary_files, fill_template, read_vocabulary
    from clamp_desktop.training.tags import tag_truths

    vocabularies = {v.name: v for v in map(read_vocabulary, builtin_vocabulary_files())}
    out = {}
    for name in TAGGED:
        labels = list(vocabularies[name].labels)
        truths = [[t for t in tag_truths(f).get(name, []) if t in labels] for f in facts]
        keep = [i for i, truth in enumerate(truths) if truth]
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


def run(model_name: str, limit: int | None, seed: int) -> dict:
    from clamp_desktop.model.loading import model_folder

    started = time.perf_counter()
    _, folder = model_folder(model_name)
    model = load_clamp(model_name, device="cpu")
    records = test_records(Path(folder), seed, limit)
    facts = [r["facts"] for r in records]
    systems = [System("model", records, model), System("untrained", records, untrained_like(model)),
               System("keyword", records, None)]
    results = {"model": str(model_name), "test_pieces": len(records),
               "labels": dict(Counter(f["label"] for f in facts).most_common()), "systems": {}}
    for system in systems:
        queries = eval_queries(system, facts)
        results["systems"][system.name] = {
            "queries": queries,
            "p@10_mean": float(np.mean([q["p@10"] for q in queries])),
            "p@10_mean_novel_wording": float(np.mean([q["p@10"] for q in queries if q["novel_wording"]])),
            "p@10_of_possible_mean": float(np.mean([q["p@10_of_possible"] for q in queries])),
            "classification": eval_classification(system, facts),
            "exact": eval_exact(system, records),
            "neighbours": eval_neighbours(system, facts),
            "tagging": eval_tagging(system, facts),
        }
    results["seconds"] = round(time.perf_counter() - started, 1)
    return results


def table(results: dict) -> str:
    systems = list(results["systems"])
    lines = [f"test pieces: {results['test_pieces']}  ({results['seconds']} s)", "",
             "| measure | " + " | ".join(systems) + " |", "|---|" + "---|" * len(systems)]

    def row(name, get):
        cells = []
        for s in systems:
            try:
                cells.append(f"{get(results['systems'][s]):.3f}")
            except (KeyError, TypeError):
                cells.append("-")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")

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
    lines += ["", "| query | relevant | " + " | ".join(systems) + " |", "|---|---|" + "---|" * len(systems)]
    first = results["systems"][systems[0]]["queries"]
    for i, q in enumerate(first):
        mark = " *" if q["novel_wording"] else ""
        cells = [f"{results['systems'][s]['queries'][i]['p@10']:.2f}" for s in systems]
        lines.append(f"| {q['query']}{mark} | {q['relevant']} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("(* phrased in words no training description uses)")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="clamp-desktop-mini", help="registry name or checkpoint folder")
    parser.add_argument("--limit", type=int, default=None, help="evaluate on a sample of the test split")
    parser.add_argument("--seed", type=int, default=0, help="split seed when the model has no split.json.gz")
    parser.add_argument("--json", dest="json_path", default=None, help="also write the results here")
    args = parser.parse_args(argv)
    results = run(args.model, args.limit, args.seed)
    print(table(results))
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
