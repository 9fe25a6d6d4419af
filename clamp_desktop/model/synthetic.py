"""Random-weight checkpoints in the published layout, for tests and benchmarks.

The hub is unreachable on build machines, so tests and benchmarks write
checkpoints of the exact published format (``config.json`` with the published
fields, a pickled ``pytorch_model.bin`` state_dict, tokenizer files) with
random weights.  ``published_shape=True`` gives CLaMP-S's real sizes.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from .checkpoint import CheckpointConfig, save_safetensors
from .network import ClampNetwork
from .registry import DISTILROBERTA_CONFIG

PUBLISHED_CONFIG_512 = {
    "architectures": ["CLaMP"], "attention_probs_dropout_prob": 0.1,
    "classifier_dropout": None, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
    "hidden_size": 768, "initializer_range": 0.02, "intermediate_size": 3072,
    "layer_norm_eps": 1e-12, "max_length": 512, "max_position_embeddings": 512,
    "model_type": "bert", "num_attention_heads": 12, "num_hidden_layers": 6,
    "pad_token_id": 0, "position_embedding_type": "absolute",
    "torch_dtype": "float32", "transformers_version": "4.18.0",
    "type_vocab_size": 2, "use_cache": True, "vocab_size": 1,
}

_TOKENIZER_CORPUS = [
    "This piece of music is composed by Johann Sebastian Bach.",
    "A slow chorale in a minor key for four voices.",
    "An Irish reel for fiddle in D major, lively and fast.",
    "A string quartet movement in sonata form by Haydn.",
    "A folk song from the Essen collection in 6/8 time.",
    "Madrigal by Monteverdi, Renaissance polyphony, five voices.",
]


def write_tokenizer(folder: Path, vocab_size: int = 400) -> int:
    """Train a small byte-level BPE tokenizer (RoBERTa conventions); returns its vocab size."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False,
    )
    tokenizer.train_from_iterator(_TOKENIZER_CORPUS * 4, trainer)
    tokenizer.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0))
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": 512,
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
        "pad_token": "<pad>", "mask_token": "<mask>",
    }), encoding="utf-8")
    return tokenizer.get_vocab_size()


def tiny_config(max_length: int = 64, hidden: int = 32, layers: int = 2) -> dict:
    """The published config's fields with small sizes."""
    config = dict(PUBLISHED_CONFIG_512)
    config.update(hidden_size=hidden, intermediate_size=hidden * 2, num_attention_heads=2,
                  num_hidden_layers=layers, max_length=max_length,
                  max_position_embeddings=max_length)
    return config


def write_random_checkpoint(folder: str | Path, config: dict | None = None, *, seed: int = 0,
                            fmt: str = "bin", tokenizer: bool = True) -> Path:
    """Write a random-weight checkpoint folder; ``config=None`` means CLaMP-S/512's real shape."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    config = dict(config or PUBLISHED_CONFIG_512)
    if tokenizer:
        vocab = write_tokenizer(folder)
        if "text_config" not in config and config["hidden_size"] != 768:
            config["text_config"] = dict(
                DISTILROBERTA_CONFIG, vocab_size=vocab, hidden_size=config["hidden_size"],
                intermediate_size=config["hidden_size"] * 2, num_hidden_layers=config["num_hidden_layers"],
                num_attention_heads=2, max_position_embeddings=130,
            )
    torch.manual_seed(seed)
    parsed = CheckpointConfig.from_dict(config)
    network = ClampNetwork(parsed.music, parsed.text, parsed.projection_dim)
    state = network.state_dict()
    (folder / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    if fmt == "bin":
        torch.save(state, folder / "pytorch_model.bin")
    else:
        save_safetensors(state, folder / "model.safetensors")
    return folder
