"""clamp3-c2 without a network: one sentence that says what to do, and no pin written."""

from __future__ import annotations

import pytest

from clamp_desktop import paths
from clamp_desktop.errors import ModelUnavailableError
from clamp_desktop.model import load_clamp


def test_clamp3_offline_explains_how_to_get_it_and_pins_nothing(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelUnavailableError, match="clamp-desktop model download clamp3-c2"):
        load_clamp("clamp3-c2", device="cpu")
    assert not (paths.data_dir() / "model-pins.json").exists()
