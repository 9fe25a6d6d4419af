"""Pieces per second on this computer, per model: measured with the bundled model, estimated for the rest.

A few real demo scores are converted and encoded by the bundled model (it is
on disk; a second or two, run in the background by the UI); the models that
would need a download are estimated from that measurement and their
encoders' shapes (``model.speed``).  Measured once per process.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from pathlib import Path

SAMPLE = ("bach/bwv66.6.mxl", "bach/bwv1.6.mxl", "bach/bwv113.8.mxl", "haydn/opus74no1/movement3.mxl")


@dataclass(frozen=True)
class Speed:
    pieces_per_second: float
    measured: bool          # False: estimated from the measured model and this model's size

    def caption(self) -> str:
        how = "measured" if self.measured else "estimated"
        rate = self.pieces_per_second
        rate = f"{rate:.2f}" if rate < 1 else f"{rate:.1f}" if rate < 10 else f"{rate:.0f}"
        return f"about {rate} pieces/s on this computer ({how})"


def sample_files() -> list[Path]:
    from .demo import corpus_root

    return [corpus_root() / name for name in SAMPLE if (corpus_root() / name).exists()]


@functools.cache
def model_speeds() -> dict[str, Speed]:
    """Registry name -> Speed; empty when there is no bundled model to measure with."""
    from ..ingest.model_input import v1_input
    from ..model import load_clamp
    from ..model.patching import patchify
    from ..model.registry import BUNDLED, bundled_model_dir, list_models
    from ..model.speed import estimated_rate

    bundled = next((e for e in BUNDLED if (bundled_model_dir(e) / "config.json").exists()), None)
    files = sample_files()
    if bundled is None or not files:
        return {}
    model = load_clamp(bundled.name, device="cpu")
    model.encode_music([v1_input(files[0]).text])      # warm-up: imports and first-call costs are not speed
    started = time.perf_counter()
    items = [v1_input(path).text for path in files]
    convert_s = (time.perf_counter() - started) / len(items)
    started = time.perf_counter()
    model.encode_music(items)
    encode_s = (time.perf_counter() - started) / len(items)
    patches = sum(len(patchify(item, None)) for item in items) / len(items)
    speeds = {bundled.name: Speed(1.0 / (convert_s + encode_s), measured=True)}
    for entry in list_models():
        if entry.name != bundled.name:
            speeds[entry.name] = Speed(estimated_rate(entry, bundled, convert_s, encode_s, patches), measured=False)
    return speeds
