"""Encoding that survives running out of accelerator memory.

A long piece or a big batch can exhaust a small GPU (or Apple's shared
memory) half-way through indexing a library.  ``FallbackEncoder`` wraps a
``Clamp``: when a batch runs out of memory it retries with half the batch,
down to one piece at a time, then moves the model to the CPU and carries on
there.  Batching never changes a vector (see ``encoder.py``), so a library
indexed through a fallback holds the same vectors as one indexed without.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import torch

from .encoder import Clamp

log = logging.getLogger(__name__)

# RuntimeError texts of an exhausted allocator: CUDA, Apple MPS and torch's CPU allocator.
_OOM_MESSAGES = ("out of memory", "can't allocate memory")


def is_out_of_memory(exc: BaseException) -> bool:
    if isinstance(exc, (torch.OutOfMemoryError, MemoryError)):
        return True
    return isinstance(exc, RuntimeError) and any(m in str(exc).lower() for m in _OOM_MESSAGES)


def move_to_cpu(model: Clamp) -> None:
    """Run ``model`` on the CPU from now on (its weights keep their dtype)."""
    freed = model.device
    model.network.to("cpu")
    model.device = torch.device("cpu")
    _release_cache(freed)


def _release_cache(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.empty_cache()
    elif device.type == "mps":
        torch.mps.empty_cache()


class FallbackEncoder:
    """``Clamp.encode_music`` that halves its batch on out-of-memory, then falls back to the CPU.

    The batch size it had to shrink to is kept for later calls (memory that
    ran out once stays short); ``batch_size`` is None until the first failure.
    """

    def __init__(self, model: Clamp):
        self.model = model
        self.batch_size: int | None = None

    def encode_music(self, abc_texts: Sequence[str]) -> np.ndarray:
        pieces = [self.model.music_segments(abc) for abc in abc_texts]
        return self.model.encode_segmented(pieces, self._encode_patches)

    def _encode_patches(self, patches: list) -> np.ndarray:
        out = np.zeros((len(patches), self.model.dim), dtype=np.float32)
        start = 0
        while start < len(patches):
            chunk = patches[start:start + (self.batch_size or len(patches))]
            try:
                out[start:start + len(chunk)] = self.model.encode_patches(chunk)
            except (RuntimeError, MemoryError) as exc:
                if not is_out_of_memory(exc):
                    raise
                self._shrink(len(chunk), exc)
                continue
            start += len(chunk)
        return out

    def _shrink(self, failed_size: int, exc: BaseException) -> None:
        """Make the next try smaller: half the batch, else the CPU, else give up."""
        _release_cache(self.model.device)
        if failed_size > 1:
            self.batch_size = failed_size // 2
            log.warning("out of memory encoding %d pieces on %s; trying %d at a time",
                        failed_size, self.model.device, self.batch_size)
        elif self.model.device.type != "cpu":
            log.warning("out of memory encoding one piece on %s; moving the model to the CPU",
                        self.model.device)
            move_to_cpu(self.model)
            self.batch_size = None  # the CPU has its own, larger, memory
        else:
            raise exc
