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


def text_vector_by_hand(model, ids: list[int]) -> np.ndarray:
    """The reference's text vector for given token ids: BERT, mean over the tokens, projection."""
    net = model.network
    ids = torch.tensor([ids])
    with torch.no_grad():
        hidden = net.text_enc(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state
        return net.text_proj(hidden.mean(dim=1))[0].numpy()


def test_text_is_tokenized_with_special_tokens_and_cut_at_128(tiny_model):
    """The app's limit, seen through encode_text: a long text gives the vector of its first 128 tokens."""
    tokenizer = tiny_model.tokenizer
    text = " ".join(f"word{i}" for i in range(400))      # far more than 128 tokens, each position different
    every_id = tokenizer(text)["input_ids"]
    assert len(every_id) > 300 and every_id[0] == tokenizer.bos_token_id and every_id[-1] == tokenizer.eos_token_id
    cut_at_128 = every_id[:127] + [tokenizer.eos_token_id]     # the reference's truncation keeps the end token
    got = tiny_model.encode_text([text])[0]
    assert np.allclose(got, text_vector_by_hand(tiny_model, cut_at_128), atol=1e-5)
    for other in (16, 64, 127):             # (the text encoder has no positions beyond 128)
        cut = every_id[:other - 1] + [tokenizer.eos_token_id]
        assert not np.allclose(got, text_vector_by_hand(tiny_model, cut), atol=1e-3), other


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
