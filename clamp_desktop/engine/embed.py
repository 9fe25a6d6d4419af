"""``embed``: vectors for files, folders and texts, for researchers (what ``clamp3_embd.py`` does).

Works for every model family: each file is prepared as the model reads it
(``model.reads``), encoded with the model's own rules, and returned
unnormalised, one row per input encoded, in input order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import ConversionError
from ..ingest.model_input import MIDI_SUFFIXES, model_input
from ..ingest.musicxml import MUSICXML_SUFFIXES

EMBEDDABLE = tuple(MUSICXML_SUFFIXES) + MIDI_SUFFIXES


@dataclass
class Embedding:
    vectors: np.ndarray                                        # float32 [encoded, dim], unnormalised
    inputs: list[str] = field(default_factory=list)           # path (resolved) or text, per row
    failed: list[tuple[str, str]] = field(default_factory=list)   # (input, why) not encoded
    notes: list[tuple[str, str]] = field(default_factory=list)    # (input, how it was read) when not faithful


def expand(inputs: Sequence[str | Path]) -> list[Path]:
    """Files as given; folders as their score and MIDI files, sorted."""
    files: list[Path] = []
    for item in map(Path, inputs):
        if item.is_dir():
            files += sorted(p for p in item.rglob("*") if p.is_file() and p.suffix.lower() in EMBEDDABLE)
        else:
            files.append(item)
    return files


def embed(paths: Sequence[str | Path], texts: Sequence[str], load_model: Callable) -> Embedding:
    """Vectors of the files (and folders) in ``paths``, then of ``texts``."""
    model = load_model()
    prepared, result = [], Embedding(np.zeros((0, model.dim), np.float32))
    for path in expand(paths):
        try:
            item = model_input(path, model.reads)
        except (ConversionError, OSError, UnicodeDecodeError) as exc:
            result.failed.append((str(path.resolve()), str(exc)))
            continue
        prepared.append((str(path.resolve()), item))
        if item.note:
            result.notes.append((str(path.resolve()), item.note))
    music, kept = _encode_music(model, prepared, result.failed)
    rows = [music] + ([model.encode_text(list(texts))] if texts else [])
    result.vectors = np.concatenate(rows).astype(np.float32) if rows else result.vectors
    result.inputs = kept + list(texts)
    return result


def _encode_music(model, prepared, failed) -> tuple[np.ndarray, list[str]]:
    """Encoded pieces in order; a piece the model cannot patch is reported, not dropped silently."""
    vectors, kept = [], []
    for name, item in prepared:
        try:
            vectors.append(model.encode_music([item.text]))
        except ValueError as exc:
            failed.append((name, f"the model cannot read it ({exc})"))
            continue
        kept.append(name)
    return (np.concatenate(vectors) if vectors else np.zeros((0, model.dim), np.float32)), kept
