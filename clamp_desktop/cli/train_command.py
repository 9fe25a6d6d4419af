"""``clamp-desktop train``: train a model on music21's corpus, or fine-tune one on your library."""

from __future__ import annotations

from pathlib import Path

import click

from .app import cli, echo_json, json_option


@cli.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Checkpoint folder to write (default: ./clamp-desktop-mini, or ./finetuned with --db).")
@click.option("--db", "db_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Fine-tune on this library database instead of training on the corpus.")
@click.option("--model", default=None,
              help="With --db: the model to fine-tune (registry name or folder; default: the app's default).")
@click.option("--smoke", is_flag=True, help="A run of seconds on a handful of corpus files (checks the path).")
@click.option("--seed", default=0, show_default=True, help="Fixes the split, initialisation and data order.")
@click.option("--epochs", type=float, default=None, help="Contrastive epochs (default: 20 corpus, 3 fine-tune).")
@click.option("--mmm-steps", type=int, default=None, help="Masked-music-model pre-training steps (corpus).")
@click.option("--max-train-pieces", type=int, default=None, help="Train on a seeded sample of this size.")
@click.option("--threads", type=int, default=None,
              help="CPU threads for torch (corpus default: 1, fastest on a busy 2-core CPU; 0: torch's choice).")
@click.option("--openscore", "openscore", type=click.Path(file_okay=False), default=None,
              help="The OpenScore Lieder/String Quartet corpora folder to train on beside music21's "
                   "(default: $CLAMP_DESKTOP_OPENSCORE or ../shared/corpora/openscore if present; 'none': without).")
@click.option("--init-from", "init_from", default=None,
              help="Corpus: continue this model (name or folder) instead of training a new one "
                   "(4 epochs at lower learning rates, no masked-music stage).")
@json_option
def train(out_dir, db_path, model, smoke, seed, epochs, mmm_steps, max_train_pieces, threads, openscore,
          init_from, as_json):
    """Train a CLaMP-style model on music21's corpus, or fine-tune a model on your library (--db).

    Corpus training converts the corpus once (cached), pre-trains the music
    encoder as a masked music model, then trains it against the frozen
    all-MiniLM-L6-v2 text encoder with text dropout and against the labels of
    the built-in tag vocabularies.  The folder it writes is a model: pass it
    to --model anywhere.

    Example: clamp-desktop train --db ~/scores.db --out ~/my-model && clamp-desktop index ~/Scores --model ~/my-model
    """
    log = (lambda message: None) if as_json else (lambda message: click.echo(message, err=True))
    if db_path:
        from ..engine.models import model_name
        from ..training.library import FinetuneOptions, finetune

        opts = FinetuneOptions(seed=seed, threads=threads or 0)
        if epochs is not None:
            opts.epochs = epochs
        if smoke:
            opts.epochs = min(opts.epochs, 1.0)
        base = model or model_name(None)
        info = finetune(base, db_path, Path(out_dir or "finetuned"), opts, log=log)
    else:
        from ..training.run import CorpusOptions, continue_options, smoke_options, train_from_corpus

        if smoke:
            opts = smoke_options(seed=seed)
        else:
            opts = continue_options(init_from, seed=seed) if init_from else CorpusOptions(seed=seed)
        if threads is not None:
            opts.threads = threads
        if epochs is not None:
            opts.epochs = epochs
        if mmm_steps is not None:
            opts.mmm_steps = mmm_steps
        if max_train_pieces is not None:
            opts.max_train_pieces = max_train_pieces
        if openscore is not None:
            opts.openscore = None if openscore.lower() == "none" else openscore
        info = train_from_corpus(Path(out_dir or "clamp-desktop-mini"), opts, log=log)
    if as_json:
        echo_json(info)
    else:
        click.echo(f"wrote {out_dir or ('finetuned' if db_path else 'clamp-desktop-mini')} "
                   f"in {info['seconds']['total'] if isinstance(info['seconds'], dict) else info['seconds']:.0f} s")
