"""Vectors as the reference computes them, batched or not."""

import numpy as np
import torch

from clamp_desktop.ingest import to_clamp_abc
from clamp_desktop.model.network import masked_mean
from clamp_desktop.model.patching import PATCH_FEATURES


def reference_music_vector(model, abc):
    """The reference's computation, literally: one-hot, flatten, Linear, BERT, mean, projection."""
    net = model.network
    ids = torch.tensor(model.patchify(abc))[None]
    one_hot = torch.nn.functional.one_hot(ids, num_classes=PATCH_FEATURES)
    flat = one_hot.reshape(1, -1, 64 * PATCH_FEATURES).float()
    embeds = net.music_enc.patch_embedding(flat)
    mask = torch.ones(1, ids.shape[1], dtype=torch.long)
    with torch.no_grad():
        hidden = net.music_enc.enc(inputs_embeds=embeds, attention_mask=mask).last_hidden_state
        return net.music_proj(masked_mean(hidden, mask))[0].numpy()


def test_gather_sum_patch_embedding_equals_one_hot_product(tiny_model, corpus):
    abc = to_clamp_abc(corpus.files("bach/bwv1*.mxl", 1)[0])
    assert np.allclose(tiny_model.encode_music([abc])[0], reference_music_vector(tiny_model, abc), atol=1e-5)


def test_batched_music_equals_one_at_a_time(tiny_model, corpus):
    abcs = [to_clamp_abc(p) for p in corpus.files("bach/bwv1*.mxl", 6)]
    abcs.append("L:1/8\nK:C\nC|\n")  # a very short piece beside long ones
    batched = tiny_model.encode_music(abcs)
    single = np.stack([tiny_model.encode_music([a])[0] for a in abcs])
    assert batched.shape == (len(abcs), tiny_model.dim)
    assert batched.dtype == np.float32
    assert np.abs(batched - single).max() < 1e-5


def test_batched_text_equals_one_at_a_time(tiny_model):
    texts = ["a chorale", "an Irish reel in D major for solo fiddle, fast and lively", "x"]
    batched = tiny_model.encode_text(texts)
    single = np.stack([tiny_model.encode_text([t])[0] for t in texts])
    assert np.abs(batched - single).max() < 1e-5


def test_text_is_tokenized_with_special_tokens_and_cut_at_128(tiny_model):
    ids = tiny_model.tokenizer("word " * 500, truncation=True, max_length=128)["input_ids"]
    assert len(ids) == 128
    assert ids[0] == tiny_model.tokenizer.bos_token_id
    assert ids[-1] == tiny_model.tokenizer.eos_token_id


def test_text_vector_is_mean_over_real_tokens_then_projection(tiny_model):
    net = tiny_model.network
    ids = torch.tensor([tiny_model.tokenizer("a slow chorale", truncation=True, max_length=128)["input_ids"]])
    with torch.no_grad():
        hidden = net.text_enc(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state
        expected = net.text_proj(hidden.mean(dim=1))[0].numpy()
    assert np.allclose(tiny_model.encode_text(["a slow chorale"])[0], expected, atol=1e-5)


def test_long_piece_is_cut_to_max_length(tiny_model):
    abc = "L:1/8\nK:C\n" + "CDEF|" * 500 + "\n"
    assert len(tiny_model.patchify(abc)) == tiny_model.max_length
    assert tiny_model.encode_music([abc]).shape == (1, tiny_model.dim)


def test_empty_input_gives_empty_matrix(tiny_model):
    assert tiny_model.encode_music([]).shape == (0, tiny_model.dim)
    assert tiny_model.encode_text([]).shape == (0, tiny_model.dim)
