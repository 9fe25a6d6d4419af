"""The held-out pieces a model is evaluated and calibrated on, with their facts.

music21's corpus pieces come from the split saved beside the model
(``split.json.gz``; by work), OpenScore's from ``openscore.split_by_composer``
(by composer: none of a held-out composer's pieces is trained on), so a model
trained before OpenScore joined is measured on the same pieces as one trained
with it.  Both come from the converted-corpus cache; on a fresh machine the
first call converts the corpora, which takes long (see ``docs/model-card.md``),
so ``log`` hears how far it got.
"""

from __future__ import annotations

import time
from pathlib import Path

from .. import paths
from .corpus import prepare_corpus
from .dataset import group_of, load_split, split_of
from .facts import piece_facts
from .openscore import PREFIX, annotate, default_root, prepare_openscore, split_by_composer


def _progress(log, what: str, total: int):
    started, done = time.perf_counter(), [0]

    def on_file(rel, count, error):
        done[0] += 1
        if log and (done[0] % 50 == 0 or done[0] == total):
            log(f"converting {what}: {done[0]}/{total} files ({time.perf_counter() - started:.0f} s)")
    return on_file


def held_out_records(model_folder: Path | None, split: str = "test", seed: int = 0,
                     openscore: Path | None | str = "auto", log=None,
                     cache_dir: Path | None = None) -> list[dict]:
    """Records (abc, metadata, ``facts``) of the ``split`` pieces of both corpora."""
    from .corpus import default_sources

    cache_dir = Path(cache_dir or paths.cache_dir() / "training")
    sources = default_sources()
    records, report = prepare_corpus(cache_dir, on_file=_progress(log, "music21's corpus", len(sources)))
    if log and report.converted_files:
        log(f"converted {report.converted_files} files of music21's corpus in {report.seconds:.0f} s (now cached)")
    split_file = Path(model_folder) / "split.json.gz" if model_folder else None
    if split_file and split_file.exists():
        wanted = set(load_split(split_file)[split])
        records = [r for r in records if r["id"] in wanted]
    else:
        records = [r for r in records if split_of(group_of(r), seed) == split]
    root = default_root() if openscore == "auto" else openscore
    if root:
        from .openscore import openscore_sources

        names = [s for s in openscore_sources(Path(root)) if split_by_composer(s, seed) == split]
        more, report = prepare_openscore(cache_dir, Path(root), sources=names,
                                         on_file=_progress(log, "OpenScore", len(names)))
        if log and report.converted_files:
            log(f"converted {report.converted_files} OpenScore files in {report.seconds:.0f} s (now cached)")
        records += annotate([r for r in more if r["source"].startswith(PREFIX)], Path(root))
    for record in records:
        record["facts"] = piece_facts(record)
    return records


def collection_of(facts: dict) -> str:
    """'music21', 'lieder' or 'string quartets': the collection a held-out piece is reported under."""
    corpus = facts.get("corpus") or ""
    if "Lieder" in corpus:
        return "lieder"
    return "string quartets" if "Quartet" in corpus else "music21"
