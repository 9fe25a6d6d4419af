"""The text side of a CLaMP model alone, loaded without transformers: what a text query needs.

A description search encodes one text.  Importing transformers (and building
the music encoder) costs most of a cold CLI search, so for a model whose text
encoder ``bert.PlainBert`` covers (the bundled one), ``load_text_model``
builds only the text encoder and its projection in plain torch, reads only
their weights from the safetensors files, and tokenizes with the
``tokenizers`` library from ``tokenizer.json``.  Anything else (CLaMP v1's
RoBERTa, CLaMP 3, pickled weights, tokenizers it cannot vouch for) returns
None and the caller loads the whole model as before.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from torch import nn

from ..errors import CheckpointError
from .bert import BertShape, PlainBert, masked_mean, plain_bert_refusal
from .checkpoint import check_weights, package_model_dir, read_config_fields, weights_file
from .encoder import TEXT_MAX_TOKENS, TextEncoding, pick_device
from .registry import WHOLE_PIECES_SUFFIX, bundled_model_dir, resolve_model

_BERT_TOKENIZER_CLASSES = (None, "BertTokenizer", "BertTokenizerFast")


class TextTower(nn.Module):
    """``ClampNetwork``'s text half, with the same module names (``text_enc``, ``text_proj``)."""

    def __init__(self, shape: BertShape, embedding_dim: int):
        super().__init__()
        self.text_enc = PlainBert(shape)
        self.text_proj = nn.Linear(shape.hidden_size, embedding_dim)

    def text_features(self, input_ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.text_proj(masked_mean(self.text_enc(input_ids, mask), mask))


class BertJsonTokenizer:
    """A BERT ``tokenizer.json`` read by ``tokenizers``, answering as transformers' tokenizer is called here."""

    def __init__(self, path: Path):
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(path))
        self._tokenizer.no_padding()
        self._max_length = None
        pad = self._tokenizer.token_to_id("[PAD]")
        self.pad_token_id = 0 if pad is None else pad

    def __call__(self, text: str, truncation: bool = True, max_length: int = TEXT_MAX_TOKENS) -> dict:
        limit = max_length if truncation else None
        if limit != self._max_length:
            self._tokenizer.no_truncation() if limit is None else self._tokenizer.enable_truncation(limit)
            self._max_length = limit
        return {"input_ids": self._tokenizer.encode(text).ids}


class ClampText(TextEncoding):
    """A model's text side alone: ``encode_text`` gives what the whole model's gives."""

    def __init__(self, network: TextTower, tokenizer, name: str, device: torch.device, token_budget: int = 8192):
        self.network = network.to(device).eval()
        self.tokenizer = tokenizer
        self.name = name
        self.device = device
        self.token_budget = token_budget

    def __repr__(self) -> str:
        return f"ClampText({self.name!r}, dim={self.dim}, device={self.device})"


def load_text_model(name_or_folder: str | Path, device: str | torch.device | None = None) -> ClampText | None:
    """The model's text side in plain torch, or None where only the whole model (transformers) can say."""
    name, folder = _checkpoint_folder(name_or_folder)
    if folder is None or not (folder / "config.json").exists():
        return None
    config = read_config_fields(folder)
    text_fields = config.get("text_config")
    if not isinstance(text_fields, dict) or plain_bert_refusal(text_fields):
        return None
    package = config.get("text_encoder_package")
    text_dir = package_model_dir(package) if package else folder
    tokenizer_path = _tokenizer_file(folder, text_dir)
    if tokenizer_path is None:
        return None
    state = _text_weights(folder, text_dir, "" if package else "text_enc.")
    if state is None:
        return None
    try:
        shape = BertShape.from_fields(text_fields)
        dim = int(config.get("projection_dim", config["hidden_size"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"config.json lacks a valid field: {exc}") from exc
    return ClampText(_tower(shape, dim, state, f"the text weights in {folder}"), BertJsonTokenizer(tokenizer_path),
                     name, pick_device(device))


def _checkpoint_folder(name_or_folder: str | Path) -> tuple[str, Path | None]:
    name, entry = resolve_model(name_or_folder)
    if entry is None:
        return name, Path(name.removesuffix(WHOLE_PIECES_SUFFIX))
    return name, (bundled_model_dir(entry) if entry.is_bundled and entry.family not in ("clamp3", "clamp2")
                  else None)


def _tower(shape: BertShape, dim: int, state: dict[str, torch.Tensor], what: str) -> TextTower:
    """The tower with ``state``'s weights; a config asking for more weights than there are is refused first.

    (Counting, not building on the meta device as ``checkpoint.build_network``
    does: the meta device's first use imports a second or two of torch.)
    """
    asked, held = _parameter_count(shape, dim), sum(tensor.numel() for tensor in state.values())
    if asked != held:
        raise CheckpointError(f"{what} do not match the model's config.json: it asks for {asked:,} "
                              f"weights, the files hold {held:,}.")
    tower = TextTower(shape, dim)
    tower.load_state_dict(check_weights(tower.state_dict(), state, what), strict=True)
    return tower.eval()


def _parameter_count(shape: BertShape, dim: int) -> int:
    hidden, inner = shape.hidden_size, shape.intermediate_size
    embeddings = (shape.vocab_size + shape.max_position_embeddings + shape.type_vocab_size + 2) * hidden
    layer = 4 * (hidden * hidden + hidden) + 2 * (hidden * inner) + inner + hidden + 4 * hidden
    return embeddings + shape.num_hidden_layers * layer + hidden * dim + dim


def _text_weights(folder: Path, text_dir: Path, text_prefix: str) -> dict[str, torch.Tensor] | None:
    """``text_enc.*`` and ``text_proj.*`` only, read from safetensors files (None if a file is pickled)."""
    own = weights_file(folder)
    text = weights_file(text_dir)
    if own.suffix != ".safetensors" or text.suffix != ".safetensors":
        return None
    state = _read_subset(text, text_prefix, "text_enc.")
    state.update(_read_subset(own, "text_proj.", "text_proj."))
    return state


def _read_subset(path: Path, prefix: str, new_prefix: str) -> dict[str, torch.Tensor]:
    """Tensors whose names start with ``prefix`` (renamed to ``new_prefix``), leaving the rest on disk."""
    try:
        with safe_open(str(path), framework="pt") as weights:
            return {new_prefix + key[len(prefix):]: weights.get_tensor(key)
                    for key in weights.keys() if key.startswith(prefix) and not key.endswith(_SKIPPED)}
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"{path.name} is corrupt or truncated ({exc}).") from exc


# The pooler is never used (text vectors are a masked mean); position_ids is a buffer old checkpoints saved.
_SKIPPED = (".position_ids", "pooler.dense.weight", "pooler.dense.bias")


def _tokenizer_file(folder: Path, text_dir: Path) -> Path | None:
    """The BERT tokenizer.json that transformers would read (the model folder's first), if it is plainly one."""
    source = folder if (folder / "tokenizer.json").exists() or (folder / "vocab.json").exists() else text_dir
    path = source / "tokenizer.json"
    if not path.exists():
        return None
    settings = _json(source / "tokenizer_config.json")
    normalizer = (_json(path).get("normalizer") or {})
    expected = {"type": "BertNormalizer", "lowercase": settings.get("do_lower_case", True),
                "strip_accents": settings.get("strip_accents"),
                "handle_chinese_chars": settings.get("tokenize_chinese_chars", True)}
    if settings.get("tokenizer_class") not in _BERT_TOKENIZER_CLASSES or any(
            normalizer.get(key) != value for key, value in expected.items()):
        return None
    return path


def _json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
