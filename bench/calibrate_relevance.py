"""Calibrate a model's search relevance: cosine -> P(relevant), fitted on judged held-out pairs.

    python bench/calibrate_relevance.py                          # the bundled model: fit, report, write
    python bench/calibrate_relevance.py --model PATH --dry-run   # report only

Every query of ``bench/eval_model.py`` (music21's and the real collections',
each with a relevance rule on a piece's facts) is scored against every
held-out piece: a (cosine, relevant) pair each.  A logistic curve
P(relevant | cosine) is fitted on the **validation** pieces (plus OpenScore's
training composers when the model never saw OpenScore, as
``calibrate_tags.py`` does) and reported on the **test** pieces, never used
for fitting: a reliability table over all pairs and over each query's ten best
by cosine (what a search shows first).  The fit goes into the ``relevance``
entry of ``calibration.json`` beside the model, with the sha256 of the
weights it belongs to; search shows it beside each hit (``engine.relevance``).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
for folder in (ROOT, ROOT / "bench"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from calibrate_tags import calibration_parser, trained_on_openscore  # noqa: E402
from eval_model import QUERIES, REAL_QUERIES  # noqa: E402

from clamp_desktop.engine.calibration import (  # noqa: E402
    Calibration, read_calibration, reliability, weights_sha256, write_calibration,
)
from clamp_desktop.engine.relevance import RelevanceCalibration, fit_logistic  # noqa: E402
from clamp_desktop.model import load_clamp, normalize  # noqa: E402

EDGES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001)
TOP = 10


def judged_pairs(model, records: list[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cosine, relevant, among the query's TOP best) of every (query, piece) pair whose query has a relevant piece."""
    music = normalize(model.encode_music([r["abc"] for r in records]))
    queries = QUERIES + REAL_QUERIES
    scores = normalize(model.encode_text([q for q, _, _ in queries])) @ music.T
    cosines, relevant, top = [], [], []
    for (_, rule, _), row in zip(queries, scores):
        truth = np.array([bool(rule(r["facts"])) for r in records])
        if not truth.any():
            continue
        best = np.zeros(len(row), dtype=bool)
        best[np.argsort(-row, kind="stable")[:TOP]] = True
        cosines.append(row), relevant.append(truth), top.append(best)
    return np.concatenate(cosines), np.concatenate(relevant), np.concatenate(top)


def report(relevance: RelevanceCalibration, cosines, relevant, top) -> dict:
    predicted = np.array([relevance.probability(float(c)) for c in cosines])
    out = {}
    for name, rows in (("all pairs", np.ones(len(cosines), dtype=bool)), (f"each query's top {TOP}", top)):
        p, y = predicted[rows], relevant[rows].astype(float)
        out[name] = {"pairs": int(rows.sum()), "relevant": float(y.mean()), "mean_predicted": float(p.mean()),
                     "brier": float(np.mean((p - y) ** 2)), "table": reliability(p, y, EDGES)}
    return out


def print_report(result: dict) -> None:
    for name, part in result.items():
        print(f"\n{name}: {part['pairs']} pairs, {part['relevant']:.1%} relevant, "
              f"mean predicted {part['mean_predicted']:.1%}, Brier {part['brier']:.3f}")
        print("| predicted | pairs | mean predicted | relevant |\n|---|---|---|---|")
        for row in part["table"]:
            print(f"| {row['bin']} | {row['n']} | {row['confidence']:.1%} | {row['accuracy']:.1%} |")


def main(argv=None) -> int:
    from clamp_desktop.model.loading import model_folder
    from clamp_desktop.training.heldout import held_out_records

    args = calibration_parser(__doc__).parse_args(argv)
    started = time.perf_counter()
    _, folder = model_folder(args.model)
    folder = Path(folder)
    model = load_clamp(args.model, device="cpu")

    def log(message):
        print(message, file=sys.stderr, flush=True)

    openscore = None if args.openscore == "none" else args.openscore
    fitting = held_out_records(folder, "validation", args.seed, openscore, log)
    what = "validation split"
    if not trained_on_openscore(folder):
        more = held_out_records(folder, "train", args.seed, openscore, log)
        fitting += [r for r in more if r["source"].startswith("openscore/")]
        what += " and OpenScore's training composers (this model never saw OpenScore)"
    test = held_out_records(folder, "test", args.seed, openscore, log)
    log(f"fitting on {len(fitting)} pieces, reporting on {len(test)} test pieces")
    cosines, relevant, _ = judged_pairs(model, fitting)
    slope, intercept = fit_logistic(cosines, relevant)
    relevance = RelevanceCalibration(round(slope, 4), round(intercept, 4), weights_sha256(folder),
                                     int(len(cosines)), f"{what}, seed {args.seed}: {len(fitting)} pieces x "
                                     f"the {len(QUERIES) + len(REAL_QUERIES)} queries of bench/eval_model.py")
    print(f"P(relevant | cosine) = 1 / (1 + exp(-({relevance.slope} x cosine + {relevance.intercept}))) "
          f"from {len(cosines)} pairs")
    result = report(relevance, *judged_pairs(model, test))
    print_report(result)
    if not args.dry_run:
        calibration = read_calibration(folder) or Calibration(folder.name)
        calibration.relevance = relevance
        print(f"\nwrote {write_calibration(folder, calibration)}")
    if args.json_path:
        Path(args.json_path).write_text(json.dumps({"relevance": relevance.__dict__, "test": result}, indent=2),
                                        encoding="utf-8")
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
