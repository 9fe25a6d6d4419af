"""Fine-tuning any loadable model on a user's own library database.

Each readable piece of the library becomes a training pair: its stored CLaMP
ABC, and description fields from its metadata (composer, genre, origin, key,
time signature, tempo, instruments), the facts read from its ABC (mode,
meter, voices, range ...), and the user's own tags (``tags`` rows with source
'user').  Text dropout draws from those fields as in corpus training.

The text encoder stays frozen (its pooled outputs are computed once); the
music encoder and both projections learn, gently (low learning rates, few
epochs), so a small library adapts the model without wrecking it.  The
result is a new checkpoint folder in the source model's own format: a model
whose text encoder comes from a package stays that way; a published
checkpoint is written whole, tokenizer included.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from ..model import load_clamp
from ..model.checkpoint import read_config
from ..model.loading import model_folder
from .dataset import TextTable, build_examples
from .descriptions import fields_of
from .facts import piece_facts
from .run import TrainingError, environment, save_checkpoint
from .trainer import pooled_text_features, train_contrastive


@dataclass
class FinetuneOptions:
    epochs: float = 3.0
    lr: float = 5e-5
    proj_lr: float = 2e-4
    batch_size: int = 32
    patch_budget: int = 8192
    variants: int = 6
    full_text_rate: float = 0.2
    seed: int = 0
    threads: int = 0


def _metadata_fields(meta: dict) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    if meta.get("composer"):
        fields["composer"] = [f"composed by {meta['composer']}", f"by {meta['composer']}"]
    if meta.get("genre"):
        fields["genre"] = [f"{meta['genre']}", f"genre: {meta['genre']}"]
    if meta.get("origin"):
        fields["origin"] = [f"from {meta['origin']}", f"origin: {meta['origin']}"]
    if meta.get("key"):
        fields["key"] = [f"in {meta['key']}", f"key of {meta['key']}"]
    if meta.get("time_signature"):
        fields["meter"] = [f"in {meta['time_signature']} time", f"time signature {meta['time_signature']}"]
    if meta.get("tempo"):
        fields["tempo_mark"] = [f"tempo {meta['tempo']}"]
    instruments = [i for i in (meta.get("instruments") or []) if i]
    if instruments:
        fields["instruments"] = [f"for {', '.join(instruments)}", f"scored for {', '.join(instruments)}"]
    return fields


def library_fields(piece: dict, user_tags: list[str]) -> dict[str, list[str]]:
    """Description fields of one library piece: ABC facts, then metadata, then user tags."""
    record = {"source": f"library/{piece.get('path', '')}", "abc": piece["abc"], "metadata": piece,
              "abc_fields": {}}
    facts = piece_facts(record)
    for name in ("label", "folder"):
        facts.pop(name, None)
    fields = fields_of(facts)
    fields.update(_metadata_fields(piece))  # the library's own words win over computed ones
    for i, label in enumerate(user_tags):
        fields[f"tag{i}"] = [label, f"tagged {label}", f"a piece that is {label}"]
    return fields


def library_records(db_path: str | Path) -> list[dict]:
    """One training record per readable piece of the library (with abc and description fields)."""
    from ..store import Library
    from ..store.queries import tag_rows

    records = []
    with Library(Path(db_path), readonly=True) as library:
        for row in library.pieces():
            piece = library.piece(row["id"])
            if not piece or not piece.get("abc"):
                continue
            tags = [label for _, label, _, source in tag_rows(library, row["id"]) if source == "user"]
            records.append({"id": f"library:{row['id']}", "source": f"library/{piece['path']}",
                            "abc": piece["abc"], "fields": library_fields(piece, tags)})
    return records


def finetune(model: str | Path, db_path: str | Path, out_dir: str | Path, opts: FinetuneOptions | None = None,
             log=print) -> dict:
    """Fine-tune ``model`` (name or folder) on the library at ``db_path``; write a checkpoint folder."""
    opts = opts or FinetuneOptions()
    started = time.perf_counter()
    if opts.threads:
        torch.set_num_threads(opts.threads)
    records = library_records(db_path)
    if len(records) < 2:
        raise TrainingError(f"the library {db_path} has fewer than two readable pieces; nothing to learn from")
    _, folder = model_folder(model)
    config = dict(read_config(Path(folder)).raw)
    clamp = load_clamp(model, device="cpu")
    network = clamp.network
    table = TextTable()
    examples = build_examples(records, clamp.max_length, opts.variants, opts.seed, table,
                              whole_pieces=clamp.whole_pieces)
    features = pooled_text_features(network.text_enc, clamp.tokenizer, table.texts)
    log(f"library: {len(records)} pieces, {len(table)} description texts")
    result = train_contrastive(network, examples, features, epochs=opts.epochs, batch_size=opts.batch_size,
                               patch_budget=opts.patch_budget, lr=opts.lr, proj_lr=opts.proj_lr,
                               full_text_rate=opts.full_text_rate, seed=opts.seed, log=log)
    info = {"kind": "finetune", "base_model": str(model), "library": str(db_path), "pieces": len(records),
            "options": asdict(opts), "steps": result.steps,
            "loss": [result.first_loss, result.last_loss],
            "seconds": round(time.perf_counter() - started, 1), "environment": environment()}
    save_checkpoint(network, config, Path(out_dir), tokenizer=clamp.tokenizer, info=info)
    log(f"saved {out_dir} ({result.steps} steps, loss {result.first_loss:.3f} -> {result.last_loss:.3f})")
    return info
