"""``Clamp3``: the CLaMP 3 / CLaMP 2 model behind the same interface as ``Clamp``.

What differs from v1 is what the model reads (interleaved ABC or MTF, not
v1's filtered ABC), how it patches, and that texts are read whole in
segments of 128 tokens; batching, pooling and the public methods are shared.
"""

from __future__ import annotations

from collections.abc import Sequence
import numpy as np
import torch

from ..encoder import Clamp
from ..patching import segments
from .patching import m3_patches

MAX_TEXT_TOKENS = 128


def text_item(text: str, separator: str) -> str:
    """The reference's text rule: lines de-duplicated (first occurrence kept), empties dropped, joined by ``</s>``."""
    lines = [line for line in dict.fromkeys(text.replace("\r\n", "\n").replace("\r", "\n").split("\n")) if line]
    return separator.join(lines)


class Clamp3(Clamp):
    """CLaMP 3 (``family="clamp3"``) or CLaMP 2 (``family="clamp2"``): whole pieces, any length."""

    def __init__(self, network, tokenizer, name: str, device: torch.device, family: str = "clamp3", **kwargs):
        super().__init__(network, tokenizer, network.shape.music.positions, name, device,
                         whole_pieces=True, **kwargs)
        self.family = family
        self.reads = family   # what ingest.model_input prepares for it: interleaved ABC or MTF
        self.patch_width = network.shape.patch_size

    def music_segments(self, item: str) -> list[tuple[list[list[int]], int]]:
        """(patches, weight) per segment of a piece: segments of 512 patches, the last one overlapping."""
        patches = m3_patches(item, strip_unit_length=self.family == "clamp3",
                             patch_size=self.network.shape.patch_size)
        return segments(patches, self.max_length)

    def text_token_ids(self, text: str) -> list[int]:
        return self.tokenizer(text_item(text, self.tokenizer.sep_token))["input_ids"]

    def encode_text(self, texts: Sequence[str]) -> np.ndarray:
        """Texts -> float32 [n, dim]: all tokens, in segments of 128 weighted by length (no truncation)."""
        pieces = [segments(self.text_token_ids(t), MAX_TEXT_TOKENS) for t in texts]
        return self.encode_segmented(pieces, self.encode_token_lists)

    def __repr__(self) -> str:
        return f"Clamp3({self.name!r}, family={self.family}, dim={self.dim}, device={self.device})"
