"""A CLaMP 3 (or CLaMP 2) checkpoint folder -> a Clamp3Network, strictly.

The published file is ``torch.save`` of a dict; only its ``model`` entry is
read (``weights_only=True``: no pickled code runs).  Every size is read from
the tensors' shapes, so a tiny checkpoint of the same layout loads the same
way.  The audio branch (``audio_model.*``, ``audio_proj.*``) is known and
unused; any other missing or extra weight is refused, naming the keys.
"""

from __future__ import annotations

import pickle
import re
import zipfile
from pathlib import Path

import torch

from ...errors import CheckpointError
from ..checkpoint import check_weights
from .network import Clamp3Network, Clamp3Shape, EncoderShape

CLAMP3_PATTERN = "weights_clamp3_*.pth"
CLAMP2_PATTERN = "weights_clamp2_*.pth"
UNUSED_PREFIXES = ("audio_model.", "audio_proj.")
# CLaMP 2 names the symbolic branch music_*; the layout below it is CLaMP 3's.
CLAMP2_RENAMES = (("music_model.", "symbolic_model."), ("music_proj.", "symbolic_proj."))


def find_weights(folder: Path) -> tuple[Path, str] | None:
    """(the published .pth file, "clamp3" or "clamp2") in ``folder``, or None."""
    for pattern, family in ((CLAMP3_PATTERN, "clamp3"), (CLAMP2_PATTERN, "clamp2")):
        found = sorted(folder.glob(pattern))
        if found:
            return found[0], family
    return None


def read_published(path: Path) -> dict[str, torch.Tensor]:
    """The ``model`` entry of a published checkpoint, nothing else."""
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise CheckpointError(f"{path.name} holds objects other than weights (possibly code) and was refused.") from exc
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError, ValueError) as exc:
        raise CheckpointError(f"{path.name} is corrupt or truncated ({str(exc).splitlines()[0]}).") from exc
    state = checkpoint.get("model") if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{path.name} has no 'model' entry of weights; it is not a CLaMP 3 checkpoint.")
    return state


def symbolic_state(state: dict[str, torch.Tensor], family: str) -> dict[str, torch.Tensor]:
    """The text and symbolic weights under CLaMP 3's names; the audio branch left out."""
    renamed = {}
    for key, value in state.items():
        if key.startswith(UNUSED_PREFIXES):
            continue
        if family == "clamp2":
            for old, new in CLAMP2_RENAMES:
                if key.startswith(old):
                    key = new + key[len(old):]
        renamed[key] = value
    return renamed


def _encoder_shape(state: dict[str, torch.Tensor], prefix: str, what: str) -> EncoderShape:
    try:
        layers = {int(m.group(1)) for k in state if (m := re.match(re.escape(prefix) + r"encoder\.layer\.(\d+)\.", k))}
        vocab, hidden = state[prefix + "embeddings.word_embeddings.weight"].shape
        return EncoderShape(
            hidden=hidden, layers=max(layers) + 1 if layers else 0,
            intermediate=state[prefix + "encoder.layer.0.intermediate.dense.weight"].shape[0],
            positions=state[prefix + "embeddings.position_embeddings.weight"].shape[0],
            token_types=state[prefix + "embeddings.token_type_embeddings.weight"].shape[0],
            vocab=vocab,
        )
    except KeyError as exc:
        raise CheckpointError(f"{what} does not match the model: missing {exc.args[0]}.") from exc


def read_shape(state: dict[str, torch.Tensor], what: str) -> Clamp3Shape:
    """Every size of the network, from the weights' shapes."""
    try:
        patch_features = state["symbolic_model.patch_embedding.weight"].shape[1]
        dim = state["symbolic_proj.weight"].shape[0]
    except KeyError as exc:
        raise CheckpointError(f"{what} does not match the model: missing {exc.args[0]}.") from exc
    if patch_features % 128:
        raise CheckpointError(f"{what}: the patch embedding takes {patch_features} inputs, not a multiple of 128.")
    return Clamp3Shape(
        text=_encoder_shape(state, "text_model.", what),
        music=_encoder_shape(state, "symbolic_model.base.", what),
        patch_size=patch_features // 128, dim=dim,
    )


def build_clamp3_network(state: dict[str, torch.Tensor], what: str) -> Clamp3Network:
    """A network holding exactly ``state``'s weights (shapes checked before anything is allocated)."""
    shape = read_shape(state, what)
    with torch.device("meta"):
        probe = Clamp3Network(shape)
    state = check_weights(probe.state_dict(), state, what)
    network = Clamp3Network(shape)
    network.load_state_dict(state, strict=True)
    return network.eval()
