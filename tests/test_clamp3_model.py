"""CLaMP 3 from a folder with the published .pth file: strict loading, and vectors as the reference computes them."""

from __future__ import annotations

import unittest.mock

import numpy as np
import pytest
import torch

from clamp3_helpers import ReferenceModel, random_state, train_tokenizer, write_checkpoint
from clamp_desktop.errors import CheckpointError
from clamp_desktop.model import load_clamp
from clamp_desktop.model.clamp3.patching import m3_patches
from clamp_desktop.model.registry import CLAMP3_C2_FILE, REGISTRY

ABC = "%%score { 1 | 2 }\nL:1/8\nM:4/4\nK:G\nV:1 treble\nV:2 bass\n"


def piece(bars: int) -> str:
    return ABC + "".join(f"[V:1]G{i % 5}AB c2|[V:2]G,,2 D,{i % 3}|\n" for i in range(bars))


@pytest.fixture(scope="module")
def clamp3_folder(tmp_path_factory):
    return write_checkpoint(tmp_path_factory.mktemp("clamp3") / "c2")


@pytest.fixture(scope="module")
def clamp3(clamp3_folder):
    return load_clamp(clamp3_folder, device="cpu")


@pytest.fixture(scope="module")
def reference(clamp3_folder):
    return ReferenceModel(clamp3_folder)


def test_music_vectors_match_the_reference_forward_pass_short_and_in_segments(clamp3, reference):
    items = [piece(3), piece(7), piece(40)]   # 40 bars: 80+ patches, several 16-patch segments
    vectors = clamp3.encode_music(items)
    for item, vector in zip(items, vectors):
        expected = reference.music(m3_patches(item)).numpy()
        np.testing.assert_allclose(vector, expected, atol=1e-5)


def test_text_vectors_match_the_reference_including_texts_longer_than_128_tokens(clamp3, reference):
    texts = ["une pièce joyeuse pour piano", "ein Lied für Chor\nein Lied für Chor\n\na fugue",
             " ".join(["música para guitarra y voz"] * 40)]
    assert len(clamp3.text_token_ids(texts[2])) > 128
    for text, vector in zip(texts, clamp3.encode_text(texts)):
        expected = reference.text_vector(clamp3.text_token_ids(text)).numpy()
        np.testing.assert_allclose(vector, expected, atol=1e-5)


def test_text_lines_are_deduplicated_in_first_occurrence_order_and_joined_by_the_separator(clamp3):
    ids = clamp3.text_token_ids("b line\na line\nb line\n\n")
    assert ids == clamp3.tokenizer("b line</s>a line")["input_ids"]
    assert ids[0] == 0 and ids[-1] == 2


def test_vectors_are_not_normalised(clamp3):
    norms = np.linalg.norm(clamp3.encode_music([piece(3), piece(9)]), axis=1)
    assert not np.allclose(norms, 1.0)


def test_batched_equals_one_at_a_time(clamp3):
    items = [piece(n) for n in (2, 30, 5, 11)]
    together = clamp3.encode_music(items)
    alone = np.stack([clamp3.encode_music([item])[0] for item in items])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    texts = ["a sad slow piece", "ein Lied für Chor " * 30]
    np.testing.assert_allclose(clamp3.encode_text(texts),
                               np.stack([clamp3.encode_text([t])[0] for t in texts]), atol=1e-5)


def test_a_second_load_reads_the_safetensors_cache_not_the_pickle(clamp3_folder, clamp3):
    from clamp_desktop.model.clamp3.loading import _cache_file

    first = load_clamp(clamp3_folder, device="cpu")
    assert _cache_file(clamp3_folder / CLAMP3_C2_FILE).exists()
    with unittest.mock.patch("clamp_desktop.model.clamp3.loading.read_published", side_effect=AssertionError):
        again = load_clamp(clamp3_folder, device="cpu")
    np.testing.assert_array_equal(again.encode_music([piece(4)]), first.encode_music([piece(4)]))
    np.testing.assert_array_equal(again.encode_music([piece(4)]), clamp3.encode_music([piece(4)]))


@pytest.mark.parametrize("change, message", [
    (lambda s: s.pop("symbolic_proj.bias"), "missing symbolic_proj.bias"),
    (lambda s: s.__setitem__("symbolic_model.extra.weight", torch.zeros(2)), "unexpected symbolic_model.extra.weight"),
])
def test_a_checkpoint_with_a_missing_or_extra_weight_is_refused_naming_it(tmp_path, change, message):
    folder = tmp_path / "broken"
    folder.mkdir()
    state = random_state(train_tokenizer(folder).get_vocab_size())
    change(state)
    write_checkpoint(folder, state)
    with pytest.raises(CheckpointError, match=message):
        load_clamp(folder, device="cpu")


def test_a_checkpoint_without_a_model_entry_is_refused(tmp_path):
    folder = tmp_path / "bare"
    write_checkpoint(folder)
    torch.save({"epoch": 3}, folder / CLAMP3_C2_FILE)
    with pytest.raises(CheckpointError, match="no 'model' entry"):
        load_clamp(folder, device="cpu")


def test_the_registry_lists_clamp3_c2_and_clamp2_with_languages():
    assert REGISTRY["clamp3-c2"].files[0].name == CLAMP3_C2_FILE
    assert REGISTRY["clamp3-c2"].repo_id == "sander-wood/clamp3"
    assert "100 languages" in REGISTRY["clamp3-c2"].languages
    assert REGISTRY["clamp2"].family == "clamp2"


def test_the_int8_fast_path_applies_to_clamp3_within_cosine_0_99(clamp3):
    from clamp_desktop.model.linalg import normalize
    from clamp_desktop.model.precision import with_precision

    fast = with_precision(clamp3, "fast")
    assert type(fast) is type(clamp3) and fast.network is not clamp3.network
    items = [piece(n) for n in (3, 12, 30)]
    cos_music = (normalize(fast.encode_music(items)) * normalize(clamp3.encode_music(items))).sum(1)
    texts = ["une pièce joyeuse pour piano", "ein Lied für Chor"]
    cos_text = (normalize(fast.encode_text(texts)) * normalize(clamp3.encode_text(texts))).sum(1)
    assert cos_music.min() >= 0.99 and cos_text.min() >= 0.99


def test_a_tokenizer_json_is_read_as_it_is_even_beside_a_tokenizer_config(tmp_path):
    """As transformers 4.40 (the reference's pin) reads it; newer versions rebuild XLM-R's pipeline from the vocab."""
    import json

    from tokenizers import Tokenizer

    from clamp_desktop.model.clamp3.loading import load_tokenizer

    train_tokenizer(tmp_path)
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "XLMRobertaTokenizer"}))
    tokenizer = load_tokenizer(tmp_path)
    raw = Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    for text in ("ein Lied für Chor", "一首欢快的钢琴曲  x", "a  fugue\tin four voices"):
        assert tokenizer(text)["input_ids"] == raw.encode(text).ids
    assert tokenizer.sep_token == "</s>" and tokenizer.pad_token_id == 1
