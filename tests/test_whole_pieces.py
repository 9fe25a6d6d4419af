"""Whole pieces: long pieces read in segments, weighted by length (CLaMP 2/3), for models trained on them.

The published CLaMP v1 keeps its faithful cut unless the user opts in
("read whole pieces": ``+whole-pieces`` on the model name, ``--whole-pieces``,
the settings dialog); its segmented vectors are stored under their own key.
"""

import json
import shutil

import numpy as np
import pytest

from cli_helpers import run_cli
from clamp_desktop.model import load_clamp
from clamp_desktop.model.fallback import FallbackEncoder
from clamp_desktop.model.patching import patchify, segments
from clamp_desktop.model.registry import (
    REGISTRY, WHOLE_PIECES_SUFFIX, reads_whole_pieces, resolve_model, with_whole_pieces,
)
from clamp_desktop.store import Library

LONG = "L:1/8\nK:C\n" + "".join(f"{n}DEF|" for n in "CDEFGAB" * 30) + "\n"   # 213 patches


@pytest.fixture(scope="module")
def short_reader(tmp_path_factory):
    """A tiny random model whose patch limit (16) every real piece exceeds; and the same one reading whole pieces."""
    from clamp_desktop.model.synthetic import tiny_config, write_random_checkpoint

    folder = write_random_checkpoint(tmp_path_factory.mktemp("short") / "clamp16", tiny_config(max_length=16))
    return load_clamp(folder, device="cpu"), load_clamp(str(folder) + WHOLE_PIECES_SUFFIX, device="cpu")


def test_segments_follow_clamp3s_rule():
    patches = [[i] for i in range(1300)]
    cut = segments(patches, 512)
    assert [(seg[0][0], seg[-1][0] + 1, weight) for seg, weight in cut] == [
        (0, 512, 512), (512, 1024, 512), (788, 1300, 276)]
    assert segments(patches[:1024], 512) == [(patches[:512], 512), (patches[512:1024], 512)]
    assert segments(patches[:40], 512) == [(patches[:40], 40)]


def test_a_long_pieces_vector_is_the_weighted_mean_of_its_segment_vectors(short_reader):
    _, whole = short_reader
    patches = patchify(LONG, None)
    assert len(patches) == 213          # L:, K:, 210 bars, end of piece
    cut = segments(patches, 16)
    one_by_one = np.stack([whole.encode_patches([seg])[0] for seg, _ in cut])
    weights = np.array([w for _, w in cut], dtype=np.float32)
    expected = (one_by_one * weights[:, None]).sum(axis=0) / weights.sum()
    assert np.allclose(whole.encode_music([LONG])[0], expected, atol=1e-5)
    assert weights.tolist() == [16] * 13 + [5]


def test_the_faithful_cut_is_unchanged_bit_for_bit(short_reader, corpus):
    faithful, _ = short_reader
    abcs = [LONG] + [_abc(path) for path in corpus.files("bach/bwv1*.mxl", 3)]
    before = faithful.encode_patches([patchify(abc, faithful.max_length) for abc in abcs])
    assert not faithful.whole_pieces
    assert np.array_equal(faithful.encode_music(abcs), before)
    assert np.array_equal(FallbackEncoder(faithful).encode_music(abcs), before)


def test_whole_pieces_batched_equals_one_at_a_time(short_reader, corpus):
    _, whole = short_reader
    abcs = [LONG, "L:1/8\nK:C\nCDEF|GABc|\n"] + [_abc(path) for path in corpus.files("bach/bwv1*.mxl", 4)]
    batched = whole.encode_music(abcs)
    single = np.concatenate([whole.encode_music([abc]) for abc in abcs])
    assert np.allclose(batched, single, atol=1e-5)
    assert np.allclose(FallbackEncoder(whole).encode_music(abcs), single, atol=1e-5)


def test_a_piece_that_fits_reads_the_same_either_way(short_reader):
    faithful, whole = short_reader
    short = "L:1/8\nK:C\nCDEF|GABc|\n"
    assert np.array_equal(faithful.encode_music([short]), whole.encode_music([short]))
    assert not np.allclose(faithful.encode_music([LONG]), whole.encode_music([LONG]), atol=1e-3)


def test_the_bundled_model_reads_whole_pieces_and_clamp_v1_opts_in():
    assert REGISTRY["clamp-desktop-mini"].whole_pieces
    assert reads_whole_pieces("clamp-desktop-mini")
    assert not reads_whole_pieces("sander-wood/clamp-small-512")
    opted = with_whole_pieces("sander-wood/clamp-small-512")
    assert resolve_model(opted)[0] == "sander-wood/clamp-small-512+whole-pieces"
    assert reads_whole_pieces(opted)
    assert resolve_model(with_whole_pieces("clamp-desktop-mini"))[0] == "clamp-desktop-mini"


def test_a_checkpoint_folder_says_so_in_its_config(tmp_path, tiny_checkpoint):
    folder = tmp_path / "whole"
    shutil.copytree(tiny_checkpoint, folder)
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps(dict(config, whole_pieces=True)))
    assert reads_whole_pieces(folder) and not reads_whole_pieces(tiny_checkpoint)
    assert resolve_model(str(folder) + WHOLE_PIECES_SUFFIX)[0] == str(folder.resolve())
    assert load_clamp(folder, device="cpu").whole_pieces


def test_the_cli_option_stores_segmented_vectors_under_their_own_key(tmp_path, tiny_checkpoint, corpus, capsys):
    scores = tmp_path / "scores"
    scores.mkdir()
    shutil.copy(corpus.files("bach/bwv1*.mxl", 1)[0], scores)
    db = str(tmp_path / "lib.db")
    base = ["index", str(scores), "--db", db, "--model", str(tiny_checkpoint)]
    assert run_cli(base, capsys)[0] == 0
    assert run_cli(base + ["--whole-pieces"], capsys)[0] == 0
    with Library(db, readonly=True) as library:
        assert library.models() == {str(tiny_checkpoint): 1, str(tiny_checkpoint) + WHOLE_PIECES_SUFFIX: 1}


def _abc(path):
    from clamp_desktop.ingest import to_clamp_abc

    return to_clamp_abc(path)


def test_model_list_says_which_models_read_whole_pieces(capsys):
    code, out, _ = run_cli(["model", "list", "--json"], capsys)
    reads = {m["name"]: m["whole_pieces"] for m in json.loads(out)}
    assert reads["clamp-desktop-mini"] and not reads["sander-wood/clamp-small-512"]
    code, out, _ = run_cli(["model", "list"], capsys)
    assert "clamp-desktop-mini" in out and "reads whole pieces" in out


def test_the_settings_option_asks_the_model_to_read_whole_pieces(tmp_path):
    from clamp_desktop.ui.settings import Settings

    settings = Settings(tmp_path / "settings.ini")
    settings.set("model/name", "sander-wood/clamp-small-512")
    assert settings.model() == "sander-wood/clamp-small-512"
    settings.set("model/whole_pieces", True)
    assert resolve_model(settings.model())[0] == "sander-wood/clamp-small-512+whole-pieces"
