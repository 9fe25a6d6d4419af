"""Calibrated tag probabilities: a temperature and a show-threshold per model and vocabulary.

A model's raw tag probabilities (softmax over a vocabulary's labels of cosine
x e) are flat and say little.  ``calibration.json`` beside a model's
``config.json`` (written by ``bench/calibrate_tags.py`` from held-out pieces)
holds, for each vocabulary:

* ``temperature`` T: probabilities become softmax(cosine x e / T), T fitted so
  that "80 %" is right about 80 % of the time on the held-out pieces;
* ``threshold``: the least calibrated probability at which a tag is *shown*,
  chosen so that the shown tags were right at least 90 % of the time there,
  and never below ``SHOW_FLOOR``: held-out pieces are few and not of every
  kind (the validation split of 2026-11-30 had 3 string quartets), and a
  threshold fitted on them alone came out at 0.09 for ensembles and 0.00003
  for genres, which on real collections showed mostly wrong tags.  A tag whose
  own calibrated probability is under 0.8 is not shown however the fit went
  (on held-out test pieces, tags at 0.8-0.9 were right 94 % of the time, at
  0.4-0.6 only 71 %).  Below it a tag is a *suggestion* the user may accept.

A model without a calibration (a published checkpoint, a fine-tuned folder)
keeps its raw probabilities and shows a tag only at ``UNCALIBRATED_THRESHOLD``
or more (in practice: everything is a suggestion), since nothing says how
often its tags are right.  A vocabulary the calibration does not cover (a
user's own) is treated the same way.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import ClampDesktopError
from .relevance import RelevanceCalibration
from .scoring import LOGIT_SCALE

CALIBRATION_FILE = "calibration.json"
TARGET_PRECISION = 0.9
UNCALIBRATED_THRESHOLD = 0.9
SHOW_FLOOR = 0.8    # the least calibrated probability of a shown tag, whatever the held-out fit says
NEVER = 1.01  # a threshold no probability reaches: every tag is a suggestion


@dataclass(frozen=True)
class VocabularyCalibration:
    temperature: float
    threshold: float
    precision: float | None = None     # of the shown tags, on the held-out pieces
    shown: float | None = None         # share of held-out pieces that showed a tag
    pieces: int = 0
    labels: tuple[str, ...] = ()       # the labels it was calibrated with


@dataclass
class Calibration:
    model: str
    vocabularies: dict[str, VocabularyCalibration] = field(default_factory=dict)
    data: str = ""
    relevance: RelevanceCalibration | None = None    # cosine -> P(relevant) of search hits (engine.relevance)

    def temperature(self, vocabulary: str, labels: tuple[str, ...] | None = None) -> float:
        entry = self._entry(vocabulary, labels)
        return entry.temperature if entry else 1.0

    def threshold(self, vocabulary: str, labels: tuple[str, ...] | None = None) -> float:
        entry = self._entry(vocabulary, labels)
        return max(entry.threshold, SHOW_FLOOR) if entry else UNCALIBRATED_THRESHOLD

    def _entry(self, vocabulary: str, labels) -> VocabularyCalibration | None:
        entry = self.vocabularies.get(vocabulary)
        # A vocabulary whose labels changed since calibration is not the one calibrated.
        if entry is None or (labels is not None and entry.labels and tuple(labels) != entry.labels):
            return None
        return entry


def read_calibration(folder: Path) -> Calibration | None:
    path = Path(folder) / CALIBRATION_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        entries = {name: VocabularyCalibration(**{**value, "labels": tuple(value.get("labels", ()))})
                   for name, value in raw["vocabularies"].items()}
        relevance = RelevanceCalibration(**raw["relevance"]) if raw.get("relevance") else None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return Calibration(raw.get("model", ""), entries, raw.get("data", ""), relevance)


def write_calibration(folder: Path, calibration: Calibration) -> Path:
    path = Path(folder) / CALIBRATION_FILE
    data = {"model": calibration.model, "data": calibration.data,
            "vocabularies": {k: {**asdict(v), "labels": list(v.labels)} for k, v in calibration.vocabularies.items()}}
    if calibration.relevance is not None:
        data["relevance"] = asdict(calibration.relevance)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


@lru_cache(maxsize=16)
def calibration_for(model_name: str | None) -> Calibration | None:
    """The calibration of a bundled model or a model folder (never downloads anything); None if none."""
    if not model_name:
        return None
    from ..model.registry import bundled_model_dir, resolve_model

    try:
        name, entry = resolve_model(model_name)
    except Exception:  # noqa: BLE001 - an unknown name simply has no calibration
        return None
    if entry is None:
        return _checked(read_calibration(Path(name)), Path(name))
    if entry.is_bundled:
        return _checked(read_calibration(bundled_model_dir(entry)), bundled_model_dir(entry))
    return None


def _checked(calibration: Calibration | None, folder: Path) -> Calibration | None:
    """The calibration, its relevance dropped when it was fitted on other weights than the folder's."""
    if calibration is None or calibration.relevance is None:
        return calibration
    if weights_sha256(folder) != calibration.relevance.weights_sha256:
        calibration.relevance = None
    return calibration


def weights_sha256(folder: Path) -> str:
    """sha256 of a model folder's weights file ("" when it has none): what a relevance calibration names.

    Asked by the first listing of a library the bundled model tagged: no torch
    (``model.checkpoint``) and no scanner are imported for it (1 s of start-up).
    """
    from ..digests import file_hash
    from ..model.registry import weights_file

    try:
        return file_hash(weights_file(Path(folder)))
    except (OSError, ClampDesktopError):
        return ""


def relevance_of(model_name: str | None, cosine: float | None) -> float | None:
    """P(relevant) of a hit with this cosine under the model's calibration; None without one."""
    calibration = calibration_for(model_name)
    if cosine is None or calibration is None or calibration.relevance is None:
        return None
    return calibration.relevance.probability(cosine)


def probabilities(cos: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """[pieces, labels] softmax over labels of cosine x e / temperature."""
    logits = cos.astype(np.float64) * (LOGIT_SCALE / temperature)
    logits -= logits.max(axis=1, keepdims=True)
    weights = np.exp(logits)
    return weights / weights.sum(axis=1, keepdims=True)


def fit_temperature(cos: np.ndarray, truth: np.ndarray) -> float:
    """The temperature minimising the negative log-likelihood of the true labels (``truth``: bool mask).

    Pieces with several true labels count the probability of any of them.
    A grid over log-temperature (the loss is one-dimensional and smooth).
    """
    rows = truth.any(axis=1)
    cos, truth = cos[rows], truth[rows]
    if not len(cos):
        return 1.0
    grid = np.exp(np.linspace(math.log(0.002), math.log(5.0), 400))

    def nll(t):
        p = (probabilities(cos, t) * truth).sum(axis=1)
        return -np.log(np.clip(p, 1e-12, 1)).mean()

    return float(min(grid, key=nll))


def choose_threshold(confidence: np.ndarray, correct: np.ndarray, target: float = TARGET_PRECISION,
                     least: int = 20) -> tuple[float, float | None, float]:
    """(threshold, precision of what it shows, share shown): the lowest threshold at which every
    higher cut showing at least ``least`` tags also keeps precision >= ``target`` (else ``NEVER``).

    Cuts showing fewer than ``least`` tags are too few to judge (one early
    mistake would otherwise forbid everything).
    """
    order = np.argsort(-confidence, kind="stable")
    hits = np.cumsum(correct[order])
    counts = np.arange(1, len(order) + 1)
    precision = hits / counts
    first = min(least, len(order)) - 1
    if first < 0:
        return NEVER, None, 0.0
    # Cut after position i only where every cut from ``first`` to i stays above target.
    ok = np.zeros(len(order), dtype=bool)
    ok[first:] = np.minimum.accumulate(precision[first:]) >= target
    if not ok.any():
        return NEVER, None, 0.0
    ok &= confidence[order] >= SHOW_FLOOR
    if not ok.any():
        return NEVER, None, 0.0
    last = int(np.nonzero(ok)[0].max())
    while last + 1 < len(order) and confidence[order[last + 1]] == confidence[order[last]]:
        last -= 1  # a tie at the cut would show pieces the precision did not count
        if last < first:
            return NEVER, None, 0.0
    return float(confidence[order[last]]), float(precision[last]), (last + 1) / len(order)


def reliability(confidence: np.ndarray, correct: np.ndarray,
                edges=(0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0001)) -> list[dict]:
    """Rows of a reliability table: per confidence bin, how many and how often right."""
    rows = []
    for low, high in zip(edges[:-1], edges[1:]):
        inside = (confidence >= low) & (confidence < high)
        if inside.any():
            rows.append({"bin": f"{low:.1f}-{min(high, 1.0):.1f}", "n": int(inside.sum()),
                         "confidence": float(confidence[inside].mean()), "accuracy": float(correct[inside].mean())})
    return rows
