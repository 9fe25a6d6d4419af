"""The reduced-precision fast path: int8 linear layers on CPU, bfloat16 on a GPU.

Opt-in (``--precision fast``): vectors stay within cosine 0.99 of the fp32 ones
(``bench/bench_index.py`` measures it on the corpus), so a library indexed
either way is searched the same way.  The patch embedding stays fp32: it is a
gather-sum, not a matrix product, and costs nothing.
"""

from __future__ import annotations

import copy
import warnings

import torch
from torch import nn

from .encoder import Clamp  # noqa: F401  (the type with_precision takes)

PRECISIONS = ("fp32", "fast")


def _quantize_int8(module: nn.Module) -> nn.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch points eager quantization users at torchao
        return torch.ao.quantization.quantize_dynamic(module, {nn.Linear}, dtype=torch.qint8)


def with_precision(model: Clamp, precision: str) -> Clamp:
    """The same model computing in ``precision``; ``fp32`` returns it unchanged."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}")
    if precision == "fp32":
        return model
    network = copy.deepcopy(model.network)
    if model.device.type == "cpu":
        for owner, name in network.transformer_slots():
            setattr(owner, name, _quantize_int8(getattr(owner, name)))
    else:
        network = network.to(torch.bfloat16)
        network.patch_embedding_module().float()
    fast = copy.copy(model)   # same family, tokenizer and settings; only the network differs
    fast.network = network.eval()
    fast.precision = precision
    return fast
