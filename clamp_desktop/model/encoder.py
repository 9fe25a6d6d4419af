"""``Clamp``: a loaded model that turns ABC and text into vectors, in batches.

Vectors are returned as the reference computes them: after the projection,
before L2 normalisation (use :func:`normalize` for cosines).  Batching never
changes a vector: items are sorted by length, padded within a batch and
masked, so a batch gives what one-at-a-time gives (to float rounding).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch

from .linalg import normalize  # noqa: F401  (re-exported)
from .patching import PATCH_LENGTH, patchify, segments

if TYPE_CHECKING:   # network.py imports transformers, which a text query's encoder does without
    from .network import ClampNetwork

TEXT_MAX_TOKENS = 128


def pick_device(device: str | torch.device | None = None) -> torch.device:
    """An explicit device wins; else CUDA, then Apple MPS, then CPU."""
    if device is not None:
        return torch.device(device)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def length_batches(lengths: Sequence[int], budget: int, max_batch: int) -> list[list[int]]:
    """Indices grouped by similar length so that batch size x longest item stays under ``budget``."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        longest = max(lengths[index], 1)
        if current and (len(current) + 1) * longest > budget or len(current) >= max_batch:
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches


def pool_segments(vectors: np.ndarray, weights: Sequence[Sequence[int]]) -> np.ndarray:
    """One vector per piece: ``sum(w_i * v_i) / sum(w_i)`` over its segments' rows, in float32.

    A piece of one segment keeps its vector as it is (bit for bit).
    """
    out = np.zeros((len(weights), vectors.shape[1] if vectors.ndim == 2 else 0), dtype=np.float32)
    row = 0
    for index, piece in enumerate(weights):
        rows = vectors[row:row + len(piece)]
        row += len(piece)
        if len(piece) == 1:
            out[index] = rows[0]
        else:
            w = np.asarray(piece, dtype=np.float32)[:, None]
            out[index] = (rows * w).sum(axis=0) / w.sum()
    return out


class TextEncoding:
    """Texts -> vectors, for anything with ``network.text_features``/``text_proj``, ``tokenizer``,
    ``device`` and ``token_budget``: the whole ``Clamp`` and the text-only ``text_only.ClampText``."""

    @property
    def dim(self) -> int:
        return self.network.text_proj.out_features

    def encode_text(self, texts: Sequence[str]) -> np.ndarray:
        """Texts -> float32 [n, dim] vectors (special tokens on, truncated at 128 tokens)."""
        if not len(texts):
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.encode_token_lists(
            [self.tokenizer(t, truncation=True, max_length=TEXT_MAX_TOKENS)["input_ids"] for t in texts])

    def encode_token_lists(self, token_lists: Sequence[list[int]]) -> np.ndarray:
        """Token id lists -> float32 [n, dim] text vectors, batched by length."""
        out = np.zeros((len(token_lists), self.dim), dtype=np.float32)
        pad_id = self.tokenizer.pad_token_id or 0
        lengths = [len(t) for t in token_lists]
        for batch in length_batches(lengths, self.token_budget, max_batch=128):
            longest = max(lengths[i] for i in batch)
            ids = torch.full((len(batch), longest), pad_id, dtype=torch.long)
            mask = torch.zeros((len(batch), longest), dtype=torch.long)
            for row, index in enumerate(batch):
                ids[row, : lengths[index]] = torch.tensor(token_lists[index], dtype=torch.long)
                mask[row, : lengths[index]] = 1
            with torch.inference_mode():
                features = self.network.text_features(ids.to(self.device), mask.to(self.device))
            out[batch] = features.float().cpu().numpy()
        return out


class Clamp(TextEncoding):
    """A CLaMP model ready to encode: network, tokenizer, patch limit and device.

    ``patch_budget`` caps batch size x longest piece: on CPU, batches much
    larger than ~1k patches run slower (attention tensors leave the cache;
    measured in docs/performance.md).

    ``whole_pieces``: a piece longer than ``max_length`` patches is read in
    segments whose vectors are averaged, weighted by length (CLaMP 2/3's
    rule, ``patching.segments``); otherwise it is cut after ``max_length``
    patches, as CLaMP v1 was trained and as its reference reads it.
    """

    reads = "clamp-abc"           # what ingest.model_input prepares for it: v1's filtered ABC
    patch_width = PATCH_LENGTH

    def __init__(self, network: ClampNetwork, tokenizer, max_length: int, name: str,
                 device: torch.device, patch_budget: int = 1024, token_budget: int = 8192,
                 whole_pieces: bool = False):
        self.network = network.to(device).eval()
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.name = name
        self.device = device
        self.patch_budget = patch_budget
        self.token_budget = token_budget
        self.whole_pieces = whole_pieces

    @property
    def dim(self) -> int:
        return self.network.music_proj.out_features

    def patchify(self, abc: str) -> list[list[int]]:
        return patchify(abc, self.max_length)

    def music_segments(self, abc: str) -> list[tuple[list[list[int]], int]]:
        """(patches, weight) per segment the model reads of a piece: one, unless it reads whole pieces."""
        if not self.whole_pieces:
            return [(self.patchify(abc), 1)]
        return segments(patchify(abc, None), self.max_length)

    def encode_music(self, abc_texts: Sequence[str]) -> np.ndarray:
        """Filtered ABC texts -> float32 [n, dim] vectors."""
        return self.encode_segmented([self.music_segments(abc) for abc in abc_texts])

    def encode_segmented(self, pieces: Sequence[list[tuple[list, int]]],
                         encode: Callable[[list], np.ndarray] | None = None) -> np.ndarray:
        """Each piece's segments encoded together (``encode``: ``encode_patches`` by default), then pooled."""
        flat = [patches for piece in pieces for patches, _ in piece]
        vectors = (encode or self.encode_patches)(flat) if flat else np.zeros((0, self.dim), np.float32)
        return pool_segments(vectors, [[weight for _, weight in piece] for piece in pieces])

    def encode_patches(self, patch_lists: Sequence[list[list[int]]],
                       on_batch: Callable[[int], None] | None = None) -> np.ndarray:
        """Already patchified pieces -> float32 [n, dim]; ``on_batch(k)`` after each k items."""
        out = np.zeros((len(patch_lists), self.dim), dtype=np.float32)
        lengths = [len(p) for p in patch_lists]
        for batch in length_batches(lengths, self.patch_budget, max_batch=64):
            longest = max(lengths[i] for i in batch)
            ids = torch.zeros((len(batch), longest, self.patch_width), dtype=torch.long)
            mask = torch.zeros((len(batch), longest), dtype=torch.long)
            for row, index in enumerate(batch):
                ids[row, : lengths[index]] = torch.tensor(patch_lists[index], dtype=torch.long)
                mask[row, : lengths[index]] = 1
            with torch.inference_mode():
                features = self.network.music_features(ids.to(self.device), mask.to(self.device))
            out[batch] = features.float().cpu().numpy()
            if on_batch:
                on_batch(len(batch))
        return out

    def __repr__(self) -> str:
        return f"Clamp({self.name!r}, max_length={self.max_length}, dim={self.dim}, device={self.device})"
