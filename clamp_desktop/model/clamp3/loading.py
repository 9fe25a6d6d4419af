"""Loading CLaMP 3 / CLaMP 2 from a folder holding the published ``.pth`` file and a tokenizer.

The ``.pth`` file is unpickled (weights only) once: its ``model`` entry is
written to ``model.safetensors`` in the cache, keyed by the file's path, size
and modification time, and later loads read that.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import torch

from ... import paths
from ...errors import CheckpointError
from ..checkpoint import read_state_dict, save_safetensors
from .checkpoint import build_clamp3_network, find_weights, read_published, symbolic_state
from .encoder import Clamp3


def is_clamp3_folder(folder: Path) -> bool:
    return folder.is_dir() and find_weights(folder) is not None


def _cache_file(path: Path) -> Path:
    stat = path.stat()
    key = hashlib.sha256(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:24]
    return paths.cache_dir() / "models" / "clamp3" / key / "model.safetensors"


def converted_state(path: Path, family: str) -> dict[str, torch.Tensor]:
    """The symbolic and text weights, from the safetensors cache (written on first use)."""
    cached = _cache_file(path)
    if cached.exists():
        return read_state_dict(cached)
    state = symbolic_state(read_published(path), family)
    cached.parent.mkdir(parents=True, exist_ok=True)
    save_safetensors(state, cached)
    return state


def load_tokenizer(folder: Path, tokenizer_folder: Path | None = None):
    """XLM-R's tokenizer: ``tokenizer.json`` (or the sentencepiece files) in the folder."""
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    source = tokenizer_folder or folder
    try:
        if (source / "tokenizer.json").exists():   # its own pipeline, as the reference's transformers 4.40 reads it
            return PreTrainedTokenizerFast(
                tokenizer_file=str(source / "tokenizer.json"), bos_token="<s>", eos_token="</s>",
                sep_token="</s>", cls_token="<s>", unk_token="<unk>", pad_token="<pad>", mask_token="<mask>",
            )
        return AutoTokenizer.from_pretrained(str(source), local_files_only=True)
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"The XLM-R tokenizer in {source} cannot be loaded: {exc}") from exc


def load_clamp3(folder: Path, name: str, device: torch.device, tokenizer_folder: Path | None = None) -> Clamp3:
    found = find_weights(folder)
    if found is None:
        raise CheckpointError(f"{folder} holds no weights_clamp3_*.pth or weights_clamp2_*.pth file.")
    path, family = found
    network = build_clamp3_network(converted_state(path, family), f"{path.name} in {folder}")
    return Clamp3(network, load_tokenizer(folder, tokenizer_folder), name, device, family=family)
