"""Fetching published checkpoints and the text tokenizer from the Hugging Face hub.

Files go to huggingface_hub's own cache (shared with other tools, resumable,
with a progress bar), are checked against the registry's sha256 before first
use, and are used from the cache with no network afterwards.  With no network
and no cache the user gets one sentence that says what to do.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from huggingface_hub import hf_hub_download
from huggingface_hub.errors import LocalEntryNotFoundError

from ..errors import CheckpointError, ModelUnavailableError
from .registry import TEXT_TOKENIZER_FILES, TEXT_TOKENIZER_REPO, HubFile, ModelEntry


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _unavailable(repo_id: str, reason: str) -> ModelUnavailableError:
    return ModelUnavailableError(
        f"The model {repo_id} is not in the local cache and could not be downloaded ({reason}); "
        f"connect to the internet and run 'clamp-desktop model download {repo_id}', "
        "or pass --model with a folder that holds config.json and pytorch_model.bin."
    )


def _download(repo_id: str, filename: str, tqdm_class=None, force: bool = False) -> Path:
    if not force:
        try:
            return Path(hf_hub_download(repo_id, filename, local_files_only=True))
        except LocalEntryNotFoundError:
            pass
    try:
        return Path(hf_hub_download(repo_id, filename, tqdm_class=tqdm_class, force_download=force))
    except Exception as exc:  # network, offline mode, proxy, HTTP: all mean "not available now"
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise _unavailable(repo_id, reason[:200]) from exc


def fetch_verified(repo_id: str, spec: HubFile, tqdm_class=None) -> Path:
    """A cached, checksum-verified copy of one file; re-downloads once on a mismatch."""
    path = _download(repo_id, spec.name, tqdm_class)
    if spec.sha256 is None or sha256_of(path) == spec.sha256:
        return path
    path = _download(repo_id, spec.name, tqdm_class, force=True)
    if sha256_of(path) != spec.sha256:
        raise CheckpointError(
            f"{repo_id}/{spec.name} does not match its published sha256 even after a fresh "
            "download; it was not used."
        )
    return path


def fetch_model_files(entry: ModelEntry, tqdm_class=None) -> dict[str, Path]:
    """Every file of a published model, verified, by file name."""
    return {f.name: fetch_verified(entry.repo_id, f, tqdm_class) for f in entry.files}


def fetch_text_tokenizer(tqdm_class=None) -> Path:
    """The folder holding distilroberta-base's tokenizer files."""
    paths = []
    for name in TEXT_TOKENIZER_FILES:
        try:
            paths.append(_download(TEXT_TOKENIZER_REPO, name, tqdm_class))
        except ModelUnavailableError:
            if name == "tokenizer.json":  # optional: vocab.json + merges.txt suffice
                continue
            raise
    return paths[0].parent
