"""Running out of accelerator memory: smaller batches, then the CPU; the vectors stay the same.

The machines that run these tests have no GPU, so the accelerator is
simulated by fault injection: ``SmallAcceleratorClamp`` is the real model
(real weights, real math on the CPU) that reports an accelerator device and
raises the out-of-memory error a small GPU raises when a batch is too big.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from clamp_desktop.engine.indexer import LibraryIndexer, run_to_end
from clamp_desktop.model import Clamp
from clamp_desktop.model.fallback import FallbackEncoder, is_out_of_memory
from clamp_desktop.store import Library

ABCS = [f"L:1/8\nK:{key}\n" + "CDEF|GABc|" * (i + 1) + "\n" for i, key in enumerate("CDEFGABCDE")]


class SmallAcceleratorClamp(Clamp):
    """The real model on a simulated accelerator that holds at most ``capacity`` pieces per batch."""

    def __init__(self, base: Clamp, capacity: int, cpu_capacity: int | None = None):
        super().__init__(base.network, base.tokenizer, base.max_length, base.name, torch.device("cpu"))
        self.capacity = capacity
        self.cpu_capacity = cpu_capacity      # None: the CPU never runs out
        self.device = torch.device("cuda")    # what the fallback sees
        self.attempts: list[tuple[str, int]] = []

    def encode_patches(self, patch_lists, on_batch=None):
        self.attempts.append((self.device.type, len(patch_lists)))
        limit = self.capacity if self.device.type == "cuda" else self.cpu_capacity
        if limit is not None and len(patch_lists) > limit:
            if self.device.type == "cuda":
                raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
            raise RuntimeError("[enforce fail at alloc_cpu.cpp:127] DefaultCPUAllocator: can't allocate memory")
        simulated, self.device = self.device, torch.device("cpu")   # the tensors really live on the CPU
        try:
            return super().encode_patches(patch_lists, on_batch)
        finally:
            self.device = simulated


@pytest.fixture
def expected(tiny_model) -> np.ndarray:
    return tiny_model.encode_music(ABCS)


def test_batch_is_halved_until_it_fits(tiny_model, expected):
    model = SmallAcceleratorClamp(tiny_model, capacity=3)
    vectors = FallbackEncoder(model).encode_music(ABCS)
    assert model.attempts == [("cuda", 10), ("cuda", 5), ("cuda", 2), ("cuda", 2), ("cuda", 2), ("cuda", 2),
                              ("cuda", 2)]
    assert np.allclose(vectors, expected, atol=1e-5)


def test_smaller_batch_is_kept_for_the_next_call(tiny_model, expected):
    model = SmallAcceleratorClamp(tiny_model, capacity=3)
    encoder = FallbackEncoder(model)
    encoder.encode_music(ABCS)
    model.attempts.clear()
    assert np.allclose(encoder.encode_music(ABCS[:4]), expected[:4], atol=1e-5)
    assert model.attempts == [("cuda", 2), ("cuda", 2)]


def test_when_one_piece_does_not_fit_the_model_moves_to_the_cpu(tiny_model, expected):
    model = SmallAcceleratorClamp(tiny_model, capacity=0)
    vectors = FallbackEncoder(model).encode_music(ABCS)
    assert model.attempts == [("cuda", 10), ("cuda", 5), ("cuda", 2), ("cuda", 1), ("cpu", 10)]
    assert model.device.type == "cpu"
    assert np.allclose(vectors, expected, atol=1e-5)


def test_cpu_out_of_memory_also_halves_then_gives_up_at_one_piece(tiny_model):
    model = SmallAcceleratorClamp(tiny_model, capacity=0, cpu_capacity=0)
    with pytest.raises(RuntimeError, match="can't allocate memory"):
        FallbackEncoder(model).encode_music(ABCS[:4])
    assert model.attempts == [("cuda", 4), ("cuda", 2), ("cuda", 1), ("cpu", 4), ("cpu", 2), ("cpu", 1)]


def test_other_errors_are_not_retried(tiny_model):
    class Broken(SmallAcceleratorClamp):
        def encode_patches(self, patch_lists, on_batch=None):
            self.attempts.append((self.device.type, len(patch_lists)))
            raise RuntimeError("expected scalar type Float but found Half")

    model = Broken(tiny_model, capacity=100)
    with pytest.raises(RuntimeError, match="scalar type"):
        FallbackEncoder(model).encode_music(ABCS)
    assert model.attempts == [("cuda", 10)]


@pytest.mark.parametrize("error, is_oom", [
    (torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 MiB"), True),
    (RuntimeError("MPS backend out of memory (MPS allocated: 9.00 GB)"), True),
    (RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 5017600000 bytes"), True),
    (MemoryError(), True),
    (RuntimeError("CUDA error: device-side assert triggered"), False),
    (ValueError("out of memory"), False),
])
def test_out_of_memory_is_told_apart_from_other_errors(error, is_oom):
    assert is_out_of_memory(error) is is_oom


@pytest.mark.parametrize("capacity, final_device", [(1, "cuda"), (0, "cpu")])
def test_indexer_survives_out_of_memory_with_the_same_vectors(tmp_path, score_folder, tiny_model, capacity,
                                                             final_device):
    model = SmallAcceleratorClamp(tiny_model, capacity=capacity)
    db, name = tmp_path / "lib.db", "tiny-on-a-small-gpu"
    with Library(db) as library:
        summary = run_to_end(LibraryIndexer(library, name, lambda: model, inline=True).run([score_folder]))
        ids, vectors = library.load_vectors(name)
        abcs = [library.piece(int(i))["abc"] for i in ids]
    assert summary.failed == 0 and summary.encoded == len(ids) == len(list(score_folder.iterdir()))
    assert model.device.type == final_device
    assert any(size > max(capacity, 1) for device, size in model.attempts if device == "cuda")  # it did run out
    assert np.allclose(vectors, tiny_model.encode_music(abcs), atol=1e-5)
