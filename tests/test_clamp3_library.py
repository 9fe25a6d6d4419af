"""The CLI's library commands with a CLaMP 3 checkpoint folder: index, search (any language), similar, tag, classify."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cli_helpers import run_cli
from clamp3_helpers import write_checkpoint
from clamp_desktop.ingest.model_input import model_input
from clamp_desktop.model import load_clamp
from clamp_desktop.store import Library
from conftest import copy_score_folder
from test_midi_library import write_song


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    base = tmp_path_factory.mktemp("clamp3-lib")
    folder = copy_score_folder(base / "scores")
    write_song(folder / "song.mid")
    return base / "lib.db", folder, write_checkpoint(base / "c2")


def test_index_search_similar_tag_and_classify_work_with_a_clamp3_folder(setup, tiny_checkpoint, capsys):
    db, folder, checkpoint = setup
    common = ["--db", str(db), "--model", str(checkpoint)]
    code, out, _ = run_cli(["index", str(folder), *common, "--json"], capsys)
    assert code == 0
    summary = json.loads(out)
    assert summary["encoded"] == 14 and summary["failed"] == 0

    code, out, _ = run_cli(["search", "une pièce triste pour chœur", *common, "--top", "3", "--json"], capsys)
    result = json.loads(out)
    assert code == 0 and len(result["results"]) == 3 and result["hint"] is None

    code, out, _ = run_cli(["similar", str(folder / "song.mid"), *common, "--top", "3", "--json"], capsys)
    assert code == 0 and len(json.loads(out)["results"]) == 3

    code, _, _ = run_cli(["tag", "--vocab", "genre", *common], capsys)
    assert code == 0
    code, out, _ = run_cli(["classify", str(folder / "song.mid"), "--labels", "Walzer,Choral", "--model",
                            str(checkpoint), "--json"], capsys)
    assert code == 0 and "Walzer" in out

    # vectors are per model: indexing with v1 afterwards keeps CLaMP 3's
    code, _, _ = run_cli(["index", str(folder), "--db", str(db), "--model", str(tiny_checkpoint)], capsys)
    assert code == 0
    model = load_clamp(checkpoint, device="cpu")
    with Library(db, readonly=True) as library:
        ids, vectors = library.load_vectors(str(checkpoint.resolve()))
        assert len(ids) == 14 and len(library.load_vectors(str(tiny_checkpoint.resolve()))[0]) == 14
        bach = next(p for p in library.pieces() if p["path"].endswith("bwv113.8.mxl"))
    expected = model.encode_music([model_input(bach["path"], "clamp3").text])[0]
    np.testing.assert_allclose(vectors[list(ids).index(bach["id"])], expected, atol=1e-5)
