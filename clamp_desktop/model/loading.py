"""``load_clamp``: one factory for every model, by registry name or folder."""

from __future__ import annotations

import json
import re
from pathlib import Path

import torch
from transformers import AutoTokenizer

from .. import paths
from ..errors import CheckpointError, ModelUnavailableError
from . import hub
from .checkpoint import (
    build_network, package_model_dir, read_config, read_state_dict,
    save_safetensors, weights_file,
)
from .encoder import Clamp, pick_device
from .registry import WHOLE_PIECES_SUFFIX, XLMR_TOKENIZER_FILES, ModelEntry, bundled_model_dir, reads_whole_pieces, resolve_model


def _converted_dir(entry: ModelEntry) -> Path:
    return paths.cache_dir() / "models" / re.sub(r"[^A-Za-z0-9._-]", "--", entry.name)


def published_folder(entry: ModelEntry, tqdm_class=None) -> Path:
    """A local folder for a published model: verified download, converted to safetensors once.

    The conversion makes later loads a memory-mapped read instead of an unpickle,
    and means the pickled file is only ever opened once, right after its
    checksum was verified.
    """
    folder = _converted_dir(entry)
    if (folder / "model.safetensors").exists() and (folder / "config.json").exists():
        return folder
    files = hub.fetch_model_files(entry, tqdm_class)
    folder.mkdir(parents=True, exist_ok=True)
    config = json.loads(files["config.json"].read_text(encoding="utf-8"))
    state = read_state_dict(files["pytorch_model.bin"])
    save_safetensors(state, folder / "model.safetensors")
    (folder / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    return folder


def model_folder(name_or_folder: str | Path, tqdm_class=None) -> tuple[str, Path]:
    name, entry = resolve_model(name_or_folder)
    if entry is None:
        return name, Path(name if Path(name).is_dir() else name.removesuffix(WHOLE_PIECES_SUFFIX))
    if entry.family in ("clamp3", "clamp2"):
        return name, clamp3_files(entry, tqdm_class)[0]
    if entry.is_bundled:
        folder = bundled_model_dir(entry)
        if not (folder / "config.json").exists():
            raise ModelUnavailableError(f"The bundled model {name} is not installed with this copy of the app.")
        return name, folder
    return name, published_folder(entry, tqdm_class)


def load_tokenizer(folder: Path, package: str | None, tqdm_class=None):
    """Tokenizer files in the model folder, else the text encoder package's, else distilroberta-base's."""
    if (folder / "tokenizer.json").exists() or (folder / "vocab.json").exists():
        source = folder
    elif package:
        source = package_model_dir(package)
    else:
        source = hub.fetch_text_tokenizer(tqdm_class)
    try:
        return AutoTokenizer.from_pretrained(str(source), local_files_only=True)
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"The tokenizer in {source} cannot be loaded: {exc}") from exc


def load_clamp(name_or_folder: str | Path, device: str | torch.device | None = None,
               tqdm_class=None) -> Clamp:
    """A ready model from a registry name (downloaded on first use) or a checkpoint folder.

    A name ending in ``+whole-pieces`` reads long pieces whole, in segments,
    though the model was trained on their beginnings (see ``registry.resolve_model``).
    """
    clamp3 = _load_clamp3(name_or_folder, device, tqdm_class)
    if clamp3 is not None:
        return clamp3
    name, folder = model_folder(name_or_folder, tqdm_class)
    config = read_config(folder)
    path = weights_file(folder)
    network = build_network(config, read_state_dict(path), f"{path.name} in {folder}")
    tokenizer = load_tokenizer(folder, config.text_encoder_package, tqdm_class)
    return Clamp(network, tokenizer, config.max_length, name, pick_device(device),
                 whole_pieces=reads_whole_pieces(name))


def _load_clamp3(name_or_folder: str | Path, device, tqdm_class=None):
    """A CLaMP 3 / CLaMP 2 model (registry name or folder with the published .pth), else None."""
    from .clamp3.loading import is_clamp3_folder, load_clamp3

    name, entry = resolve_model(name_or_folder)
    if entry is not None and entry.family in ("clamp3", "clamp2"):
        folder, tokenizer = clamp3_files(entry, tqdm_class)
        return load_clamp3(folder, name, pick_device(device), tokenizer_folder=tokenizer)
    if entry is None and is_clamp3_folder(Path(name)):
        return load_clamp3(Path(name), name, pick_device(device))
    return None


def clamp3_files(entry: ModelEntry, tqdm_class=None) -> tuple[Path, Path]:
    """(folder holding the published .pth, folder holding XLM-R's tokenizer), downloaded and pinned on first use."""
    weights = hub.fetch_pinned(entry.repo_id, entry.files[0].name, tqdm_class, entry.name)
    tokenizer = hub.fetch_pinned_folder(entry.text_tokenizer_repo, XLMR_TOKENIZER_FILES, tqdm_class,
                                        optional=("sentencepiece.bpe.model",), model=entry.name)
    return weights.parent, tokenizer
