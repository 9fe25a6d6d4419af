"""``clamp-desktop embed``: an .npz of unnormalised vectors in input order, for every model family."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from cli_helpers import run_cli
from clamp3_helpers import write_checkpoint
from clamp_desktop.ingest.model_input import model_input
from clamp_desktop.model import load_clamp
from test_clamp3_inputs import BWV, write_midi


@pytest.fixture(scope="module")
def clamp3_folder(tmp_path_factory):
    return write_checkpoint(tmp_path_factory.mktemp("clamp3") / "c2")


@pytest.fixture
def inputs(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(BWV, folder / "bwv66.6.mxl")
    write_midi(folder / "song.mid")
    (folder / "broken.mid").write_bytes(b"MThd nonsense")
    return folder


def test_embed_writes_vectors_and_inputs_in_order_and_reports_what_it_could_not_encode(
        clamp3_folder, inputs, tmp_path, capsys):
    out = tmp_path / "v.npz"
    code, stdout, stderr = run_cli(["embed", str(inputs / "song.mid"), str(inputs), "--text", "un air triste",
                                    "--model", str(clamp3_folder), "--out", str(out), "--json"], capsys)
    assert code == 0
    data = np.load(out)
    names = [str(inputs / n) for n in ("song.mid", "bwv66.6.mxl", "song.mid")] + ["un air triste"]
    assert list(data["inputs"]) == names
    assert data["vectors"].dtype == np.float32 and data["vectors"].shape == (4, 64)
    report = json.loads(stdout)
    assert [f["input"] for f in report["failed"]] == [str(inputs / "broken.mid")]
    assert "broken.mid" in stderr
    model = load_clamp(clamp3_folder, device="cpu")
    expected = model.encode_music([model_input(inputs / "bwv66.6.mxl", model.reads).text])[0]
    np.testing.assert_allclose(data["vectors"][1], expected, atol=1e-5)
    np.testing.assert_allclose(data["vectors"][3], model.encode_text(["un air triste"])[0], atol=1e-5)
    assert not np.allclose(np.linalg.norm(data["vectors"], axis=1), 1.0)


def test_embed_works_with_a_v1_model_too_reading_midi_through_its_notation(tiny_checkpoint, inputs, tmp_path, capsys):
    out = tmp_path / "v1.npz"
    code, _, stderr = run_cli(["embed", str(inputs), "--text", "a chorale", "--model", str(tiny_checkpoint),
                               "--out", str(out)], capsys)
    assert code == 0
    data = np.load(out)
    assert [n.rsplit("/", 1)[-1] for n in data["inputs"]] == ["bwv66.6.mxl", "song.mid", "a chorale"]
    assert "broken.mid" in stderr and "through its notation" in stderr
