"""``clamp-desktop query``: the reference tool's four query/key combinations, cached and batched."""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from unidecode import unidecode

from ..errors import ClampDesktopError, ConversionError
from ..ingest.convert import to_clamp_abc
from ..ingest.model_input import model_input_text
from ..ingest.musicxml import MUSICXML_SUFFIXES
from ..ingest.pool import ConverterPool
from ..digests import file_hash
from ..model.registry import model_reads
from ..store.vector_cache import VectorCache
from .scoring import cosines, probabilities

MODALITIES = ("music", "text")


@dataclass
class QueryHit:
    key: str
    probability: float
    cosine: float


@dataclass
class QueryResult:
    hits: list[QueryHit]
    skipped: list[tuple[str, str]]   # keys that could not be read, with the reason
    encoded: int                     # keys encoded this run (the rest came from the cache)


def music_key_files(keys: str | Path) -> list[str]:
    """Every MusicXML file under a folder (sorted), or the one file given."""
    keys = Path(keys)
    if keys.is_file():
        return [str(keys)]
    if not keys.is_dir():
        raise ClampDesktopError(f"{keys} is neither a folder nor a file.")
    found = []
    for root, _, files in os.walk(keys):
        found.extend(os.path.join(root, f) for f in files if Path(f).suffix.lower() in MUSICXML_SUFFIXES)
    return sorted(found)


def text_keys(path: str | Path) -> list[str]:
    """The non-empty lines of a text file, made ASCII and stripped (as the reference reads them)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ClampDesktopError(f"Cannot read the text keys file {path}: {exc.strerror or exc}.") from exc
    return [line.strip() for line in unidecode(text).split("\n") if line.strip()]


def text_query(query: str) -> str:
    """A text query is a file's whole content when the argument names a file, else the text itself."""
    if len(query) < 4096 and Path(query).is_file():
        query = Path(query).read_text(encoding="utf-8")
    return unidecode(query)


def _convert_all(paths: list[str], reads: str = "clamp-abc") -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Key files -> what the model reads, in the converter pool (time and memory limits, like the indexer)."""
    abcs, skipped = {}, []
    convert = to_clamp_abc if reads == "clamp-abc" else functools.partial(model_input_text, reads=reads)
    with ConverterPool(convert, workers=min(len(paths), 2)) as pool:
        results = list(pool.imap_unordered(paths))
    for path, abc, error in results:
        if error is None and abc.strip():
            abcs[path] = abc
        else:
            skipped.append((path, error or "converts to empty ABC"))
    return abcs, skipped


def _encode_keys(model_name: str, load_model: Callable, key_modal: str, keys_arg: str,
                 cache: VectorCache | None) -> tuple[list[str], np.ndarray, list, int]:
    if key_modal == "music":
        names = music_key_files(keys_arg)
        hashes = {n: file_hash(n) for n in names}
    else:
        names = list(dict.fromkeys(text_keys(keys_arg)))
        hashes = {n: hashlib.sha256(n.encode("utf-8")).hexdigest() for n in names}
    cached = cache.get_many(model_name, key_modal, list(set(hashes.values()))) if cache else {}
    missing = [n for n in names if hashes[n] not in cached]
    skipped: list = []
    fresh: dict[str, np.ndarray] = {}
    if missing:
        if key_modal == "music":
            abcs, skipped = _convert_all(missing, model_reads(model_name))
            ready = [n for n in missing if n in abcs]
            vectors = load_model().encode_music([abcs[n] for n in ready]) if ready else []
        else:
            ready = missing
            vectors = load_model().encode_text(ready)
        fresh = {hashes[n]: v for n, v in zip(ready, vectors)}
        if cache and fresh:
            cache.put_many(model_name, key_modal, fresh)
    vectors_by_hash = {**cached, **fresh}
    usable = [n for n in names if hashes[n] in vectors_by_hash]
    matrix = np.stack([vectors_by_hash[hashes[n]] for n in usable]) if usable else np.zeros((0, 1), np.float32)
    return usable, matrix, skipped, len(fresh)


def run_query(model_name: str, load_model: Callable, query_modal: str, key_modal: str,
              query: str, keys: str, top_n: int = 10, cache: VectorCache | None = None) -> QueryResult:
    """Rank keys against a query, best first, with the reference's probability and cosine."""
    for modal in (query_modal, key_modal):
        if modal not in MODALITIES:
            raise ClampDesktopError(f"Modality must be 'music' or 'text', not '{modal}'.")
    names, matrix, skipped, encoded = _encode_keys(model_name, load_model, key_modal, keys, cache)
    if not names:
        return QueryResult([], skipped, encoded)
    if query_modal == "music":
        abcs, failed = _convert_all([query], model_reads(model_name))
        if failed:
            raise ConversionError(f"The query file {query} cannot be read: {failed[0][1]}.")
        reads = model_reads(model_name)
        query_vector = load_model().encode_music([unidecode(abcs[query]) if reads == "clamp-abc" else abcs[query]])[0]
    else:
        query_vector = load_model().encode_text([text_query(query)])[0]
    cos = cosines(query_vector, matrix)
    prob = probabilities(cos)
    order = np.argsort(-prob, kind="stable")
    if top_n > 0:
        order = order[:top_n]
    hits = [QueryHit(names[i], float(prob[i]), float(cos[i])) for i in order]
    return QueryResult(hits, skipped, encoded)
