"""Loading checkpoints in the published layout: strict, weights-only, clear errors."""

import json
import os
import pickle

import numpy as np
import pytest
import torch

from clamp_desktop.errors import CheckpointError, ModelUnavailableError
from clamp_desktop.model import load_clamp
from clamp_desktop.model.synthetic import tiny_config, write_random_checkpoint


def test_tiny_checkpoint_has_the_published_layout(tiny_checkpoint):
    config = json.loads((tiny_checkpoint / "config.json").read_text())
    for field in ("architectures", "hidden_size", "max_length", "max_position_embeddings",
                  "num_hidden_layers", "vocab_size", "model_type"):
        assert field in config
    state = torch.load(tiny_checkpoint / "pytorch_model.bin", weights_only=True)
    prefixes = {k.split(".")[0] for k in state}
    assert prefixes == {"text_enc", "text_proj", "music_enc", "music_proj"}
    assert state["music_enc.patch_embedding.weight"].shape[1] == 64 * 98


def test_load_reads_max_length_from_the_json(tiny_model):
    assert tiny_model.max_length == 64
    assert tiny_model.device.type == "cpu"


def test_loaded_weights_equal_the_file(tiny_checkpoint, tiny_model):
    state = torch.load(tiny_checkpoint / "pytorch_model.bin", weights_only=True)
    loaded = tiny_model.network.state_dict()
    for key, value in state.items():
        assert torch.equal(loaded[key], value), key


def test_old_position_ids_buffers_are_accepted(tmp_path):
    folder = write_random_checkpoint(tmp_path / "old", tiny_config())
    state = torch.load(folder / "pytorch_model.bin", weights_only=True)
    state["text_enc.embeddings.position_ids"] = torch.arange(130)[None]
    state["music_enc.enc.embeddings.position_ids"] = torch.arange(64)[None]
    torch.save(state, folder / "pytorch_model.bin")
    assert load_clamp(folder).max_length == 64


def test_missing_weight_is_an_error_naming_it(tmp_path):
    folder = write_random_checkpoint(tmp_path / "missing", tiny_config())
    state = torch.load(folder / "pytorch_model.bin", weights_only=True)
    del state["music_proj.bias"]
    torch.save(state, folder / "pytorch_model.bin")
    with pytest.raises(CheckpointError, match="missing music_proj.bias"):
        load_clamp(folder)


def test_unknown_weight_is_an_error_naming_it(tmp_path):
    folder = write_random_checkpoint(tmp_path / "extra", tiny_config())
    state = torch.load(folder / "pytorch_model.bin", weights_only=True)
    state["music_enc.surprise"] = torch.zeros(3)
    torch.save(state, folder / "pytorch_model.bin")
    with pytest.raises(CheckpointError, match="unexpected music_enc.surprise"):
        load_clamp(folder)


def test_truncated_checkpoint_is_a_clear_error(tmp_path):
    folder = write_random_checkpoint(tmp_path / "cut", tiny_config())
    data = (folder / "pytorch_model.bin").read_bytes()
    (folder / "pytorch_model.bin").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        load_clamp(folder)


class _Payload:
    def __reduce__(self):
        return (os.system, ("touch pwned-by-checkpoint",))


def test_pickle_payload_is_refused_without_running(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = write_random_checkpoint(tmp_path / "evil", tiny_config())
    state = torch.load(folder / "pytorch_model.bin", weights_only=True)
    state["music_proj.bias"] = _Payload()
    with open(folder / "pytorch_model.bin", "wb") as handle:
        torch.save(state, handle, pickle_module=pickle)
    with pytest.raises(CheckpointError, match="refused"):
        load_clamp(folder)
    assert not (tmp_path / "pwned-by-checkpoint").exists()


def test_safetensors_checkpoint_loads_the_same(tmp_path, tiny_model):
    folder = write_random_checkpoint(tmp_path / "st", tiny_config(), fmt="safetensors")
    model = load_clamp(folder)
    abc = "L:1/8\nK:C\nCDEF|GABc|\n"
    assert np.allclose(model.encode_music([abc]), tiny_model.encode_music([abc]), atol=1e-6)


def test_unknown_name_is_one_clear_sentence():
    with pytest.raises(ModelUnavailableError, match="neither a known model"):
        load_clamp("no-such-model-anywhere")


def test_published_model_offline_without_cache_says_how_to_get_it(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import huggingface_hub.constants as c

    monkeypatch.setattr(c, "HF_HUB_CACHE", str(tmp_path / "hf"))
    monkeypatch.setattr(c, "HF_HUB_OFFLINE", True)
    with pytest.raises(ModelUnavailableError) as info:
        load_clamp("sander-wood/clamp-small-512")
    message = str(info.value)
    assert "clamp-desktop model download sander-wood/clamp-small-512" in message
    assert "\n" not in message


def test_explicit_device_wins(tiny_checkpoint):
    assert load_clamp(tiny_checkpoint, device="cpu").device == torch.device("cpu")
