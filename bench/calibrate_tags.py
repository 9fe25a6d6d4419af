"""Calibrate a model's zero-shot tags on held-out pieces; write ``calibration.json`` beside its config.

    python bench/calibrate_tags.py                          # the bundled model: fit, report, write
    python bench/calibrate_tags.py --model PATH --dry-run   # report only

For each built-in vocabulary whose labels the held-out pieces' facts can
judge (``training.tags.tag_truths``), on the **validation** pieces (music21's
corpus by work, OpenScore by composer):

1. a temperature T, minimising the negative log-likelihood of the true
   labels under softmax(cosine x e / T);
2. a show-threshold: the lowest calibrated probability at which the shown
   tags (each piece's top_k labels at or above it) were right >= 90 % of the
   time, at every higher cut too - in each collection (music21's corpus, the
   songs, the quartets), the highest of those thresholds.

A model that was not trained on OpenScore (``training.json``) is also fitted
on OpenScore's training composers, which it has never seen; the test
composers are only ever reported on.

Then, on the **test** pieces (never used for fitting), it prints the
reliability table (confidence bins vs how often right) and, per collection,
the share of shown tags that are right.  A composer the vocabulary does not
list makes every composer label wrong for that piece (and a string quartet
every genre label); a vocabulary the facts
judge on fewer than 60 pieces or 3 labels (form) gets no calibration, and so
the conservative fallback (``engine.calibration``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from clamp_desktop.engine.calibration import (  # noqa: E402
    NEVER, Calibration, VocabularyCalibration, choose_threshold, fit_temperature, probabilities, read_calibration,
    reliability, write_calibration,
)
from clamp_desktop.model import load_clamp, normalize  # noqa: E402

MIN_PIECES, MIN_LABELS = 60, 3


def judged(vocabulary, facts_list: list[dict]) -> tuple[list[int], np.ndarray]:
    """(indices of pieces whose facts judge this vocabulary, bool [pieces, labels] of true labels)."""
    from clamp_desktop.training.tags import plain, tag_truths

    labels = [plain(label) for label in vocabulary.labels]
    keep, rows = [], []
    for i, facts in enumerate(facts_list):
        truths = tag_truths(facts).get(vocabulary.name)
        if vocabulary.name == "composer" and facts.get("composer"):
            truths = [facts["composer"]]     # a composer the vocabulary lacks: every label is wrong
        if vocabulary.name == "genre" and facts.get("genre") == "string quartet":
            truths = ["string quartet"]      # no genre label fits a whole quartet: every label is wrong
        if not truths:
            continue
        wanted = {plain(t) for t in truths}
        keep.append(i)
        rows.append([label in wanted for label in labels])
    return keep, np.array(rows, dtype=bool).reshape(len(rows), len(labels))


def shown_pairs(probs: np.ndarray, truth: np.ndarray, top_k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(confidence, right, piece row) of every piece's top_k labels: what tagging stores."""
    top = np.argsort(-probs, axis=1, kind="stable")[:, :top_k]
    rows = np.repeat(np.arange(len(probs)), top.shape[1])
    cols = top.reshape(-1)
    return probs[rows, cols], truth[rows, cols], rows


def encode(model, records: list[dict]) -> np.ndarray:
    return normalize(model.encode_music([r["abc"] for r in records]))


def per_collection_threshold(confidence: np.ndarray, right: np.ndarray, where: np.ndarray) -> float:
    """The highest of each collection's threshold: shown tags right >= 90 % in music21's corpus, in the
    songs and in the quartets alike (a collection too small to judge, under 20 candidate tags, aside).

    Where no cut is right often enough (the model is sure and wrong about a
    whole collection), that collection's threshold lies just above its most
    confident tag: none of its tags would be shown.
    """
    thresholds = []
    for name in sorted(set(where)):
        inside = where == name
        if inside.sum() < 20:
            continue
        threshold = choose_threshold(confidence[inside], right[inside])[0]
        thresholds.append(threshold if threshold < NEVER else min(NEVER, float(confidence[inside].max()) + 1e-6))
    return max(thresholds, default=NEVER)


def fit(model, vocabularies, records: list[dict]) -> dict[str, VocabularyCalibration]:
    from clamp_desktop.training.heldout import collection_of

    music = encode(model, records)
    facts = [r["facts"] for r in records]
    out = {}
    for vocabulary in vocabularies:
        keep, truth = judged(vocabulary, facts)
        in_vocabulary = truth.any(axis=1)
        if len(keep) < MIN_PIECES or len(set(np.nonzero(truth)[1])) < MIN_LABELS:
            print(f"{vocabulary.name}: the held-out facts judge {len(keep)} pieces, "
                  f"{len(set(np.nonzero(truth)[1]))} labels: not calibrated (conservative)")
            continue
        cos = music[keep] @ normalize(model.encode_text(vocabulary.prompts())).T
        temperature = fit_temperature(cos, truth)
        confidence, right, rows = shown_pairs(probabilities(cos, temperature), truth, vocabulary.top_k)
        where = np.array([collection_of(facts[i]) for i in keep])[rows]
        threshold = per_collection_threshold(confidence, right, where)
        shown = confidence >= threshold
        precision = float(right[shown].mean()) if shown.any() else None
        share = float(shown.mean())
        out[vocabulary.name] = VocabularyCalibration(
            round(temperature, 5), round(threshold, 5), None if precision is None else round(precision, 4),
            round(share, 4), len(keep), tuple(vocabulary.labels))
        print(f"{vocabulary.name}: T = {temperature:.4f}, threshold {threshold:.3f} "
              f"(fitted on {len(keep)} pieces, {int(in_vocabulary.sum())} with a listed label; "
              f"shown tags right {precision if precision is not None else float('nan'):.3f}, "
              f"{share:.1%} of candidate tags shown)")
    return out


def report(model, vocabularies, records: list[dict], calibration: Calibration) -> dict:
    """Reliability on the test pieces, per vocabulary and in all; shown precision per collection."""
    from clamp_desktop.training.heldout import collection_of

    music = encode(model, records)
    facts = [r["facts"] for r in records]
    collections = np.array([collection_of(f) for f in facts])
    everything = {"confidence": [], "right": [], "raw": []}
    out = {"vocabularies": {}}
    for vocabulary in vocabularies:
        keep, truth = judged(vocabulary, facts)
        if not keep:
            continue
        cos = music[keep] @ normalize(model.encode_text(vocabulary.prompts())).T
        temperature = calibration.temperature(vocabulary.name)
        threshold = calibration.threshold(vocabulary.name)
        confidence, right, rows = shown_pairs(probabilities(cos, temperature), truth, vocabulary.top_k)
        raw, _, _ = shown_pairs(probabilities(cos, 1.0), truth, vocabulary.top_k)
        shown = confidence >= max(threshold, vocabulary.threshold)
        where = collections[np.array(keep)][rows]
        entry = {"pieces": len(keep), "temperature": temperature, "threshold": threshold,
                 "shown": int(shown.sum()), "shown_right": float(right[shown].mean()) if shown.any() else None,
                 "reliability": reliability(confidence, right), "per_collection": {}}
        for name in sorted(set(where)):
            mask = shown & (where == name)
            entry["per_collection"][name] = {"pieces": int(len(set(rows[where == name]))), "shown": int(mask.sum()),
                                             "shown_right": float(right[mask].mean()) if mask.any() else None}
        out["vocabularies"][vocabulary.name] = entry
        if vocabulary.name in calibration.vocabularies:
            everything["confidence"].append(confidence)
            everything["right"].append(right)
            everything["raw"].append(raw)
    if everything["confidence"]:
        confidence, right = np.concatenate(everything["confidence"]), np.concatenate(everything["right"])
        out["reliability_all"] = reliability(confidence, right)
        out["reliability_uncalibrated"] = reliability(np.concatenate(everything["raw"]), right)
    return out


def print_report(result: dict) -> None:
    print("\n| vocabulary | test pieces | T | threshold | tags shown | shown right | lieder | quartets | music21 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, entry in result["vocabularies"].items():
        cells = []
        for collection in ("lieder", "string quartets", "music21"):
            c = entry["per_collection"].get(collection)
            cells.append("-" if not c else f"{c['shown']} shown" + (
                f", {c['shown_right']:.0%} right" if c["shown_right"] is not None else ""))
        right = "-" if entry["shown_right"] is None else f"{entry['shown_right']:.3f}"
        print(f"| {name} | {entry['pieces']} | {entry['temperature']:.3f} | {entry['threshold']:.3f} | "
              f"{entry['shown']} | {right} | " + " | ".join(cells) + " |")
    for key, title in (("reliability_all", "calibrated"), ("reliability_uncalibrated", "raw (T = 1)")):
        if key in result:
            print(f"\nReliability, {title}, every calibrated vocabulary's top_k tags on the test pieces:")
            print("| confidence | tags | mean confidence | right |\n|---|---|---|---|")
            for row in result[key]:
                print(f"| {row['bin']} | {row['n']} | {row['confidence']:.3f} | {row['accuracy']:.3f} |")


def trained_on_openscore(folder: Path) -> bool:
    """Whether the model's training run (training.json) read the OpenScore corpora."""
    try:
        options = json.loads((folder / "training.json").read_text(encoding="utf-8")).get("options", {})
    except (OSError, ValueError):
        return True   # unknown: assume it did, and fit on the validation split only
    return bool(options.get("openscore"))


def calibration_parser(doc: str) -> argparse.ArgumentParser:
    """The options every calibration script takes (this one and calibrate_relevance.py)."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--model", default="clamp-desktop-mini", help="registry name or checkpoint folder")
    parser.add_argument("--seed", type=int, default=0, help="split seed")
    parser.add_argument("--openscore", default="auto", help="OpenScore folder ('auto': beside the checkout)")
    parser.add_argument("--dry-run", action="store_true", help="report, but do not write calibration.json")
    parser.add_argument("--json", dest="json_path", default=None, help="also write the report here")
    return parser


def main(argv=None) -> int:
    from clamp_desktop.engine.tagging import builtin_vocabulary_files, read_vocabulary
    from clamp_desktop.model.loading import model_folder
    from clamp_desktop.training.heldout import held_out_records

    parser = calibration_parser(__doc__)
    parser.add_argument("--cached-only", action="store_true",
                        help="use the pieces already converted (a partial calibration); convert nothing")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    name, folder = model_folder(args.model)
    model = load_clamp(args.model, device="cpu")
    vocabularies = [read_vocabulary(p) for p in builtin_vocabulary_files()]

    def log(message):
        print(message, file=sys.stderr, flush=True)

    openscore = None if args.openscore == "none" else args.openscore
    validation, test = (held_out_records(Path(folder), split, args.seed, openscore, log, cached_only=args.cached_only)
                        for split in ("validation", "test"))
    fitting, what = validation, "validation split"
    if not trained_on_openscore(Path(folder)):
        # Every OpenScore piece is unseen by this model: its training composers calibrate it too.
        more = held_out_records(Path(folder), "train", args.seed, openscore, log, cached_only=args.cached_only)
        fitting = validation + [r for r in more if r["source"].startswith("openscore/")]
        what = "validation split and OpenScore's training composers (this model never saw OpenScore)"
    log(f"fitting on {len(fitting)} pieces, reporting on {len(test)} test pieces")
    calibration = Calibration(Path(folder).name, fit(model, vocabularies, fitting),
                              f"{what}, seed {args.seed}: {len(fitting)} pieces "
                              "(music21's corpus split by work, OpenScore by composer)")
    result = report(model, vocabularies, test, calibration)
    print_report(result)
    if not args.dry_run:
        # Search's relevance (calibrate_relevance.py) stays: it names the weights it belongs to.
        calibration.relevance = getattr(read_calibration(Path(folder)), "relevance", None)
        print(f"\nwrote {write_calibration(Path(folder), calibration)}")
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
