"""Fetching published checkpoints and the text tokenizer from the Hugging Face hub.

Files go to huggingface_hub's own cache (shared with other tools, resumable,
with a progress bar), are checked against the registry's sha256 before first
use, and are used from the cache with no network afterwards.  With no network
and no cache the user gets one sentence that says what to do.
"""

from __future__ import annotations

from pathlib import Path

from huggingface_hub import hf_hub_download
from huggingface_hub.errors import LocalEntryNotFoundError

from ..digests import file_hash
from ..errors import CheckpointError, ModelUnavailableError
from .registry import TEXT_TOKENIZER_FILES, TEXT_TOKENIZER_REPO, HubFile, ModelEntry


def _unavailable(repo_id: str, reason: str) -> ModelUnavailableError:
    return ModelUnavailableError(
        f"The model {repo_id} is not in the local cache and could not be downloaded ({reason}); "
        f"connect to the internet and run 'clamp-desktop model download {repo_id}', "
        "or pass --model with a checkpoint folder (config.json and pytorch_model.bin, or CLaMP 3's .pth "
        "file and tokenizer.json)."
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
    if spec.sha256 is None or file_hash(path) == spec.sha256:
        return path
    path = _download(repo_id, spec.name, tqdm_class, force=True)
    if file_hash(path) != spec.sha256:
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


def _pins_file() -> Path:
    from .. import paths
    return paths.data_dir() / "model-pins.json"


def _read_pins() -> dict:
    import json
    try:
        return json.loads(_pins_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_pin(key: str, pin: dict) -> None:
    import json
    pins = _read_pins()
    pins[key] = pin
    path = _pins_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(pins, indent=2, sort_keys=True), encoding="utf-8")
    tmp.replace(path)


def fetch_pinned(repo_id: str, filename: str, tqdm_class=None, model: str | None = None) -> Path:
    """A file whose hash is not published: the revision and sha256 seen on first download are pinned.

    Later downloads ask for the pinned revision and refuse a file whose hash differs.
    ``model``: the registry name the user downloads it by (for the message when offline).
    """
    key = f"{repo_id}/{filename}"
    pin = _read_pins().get(key)
    if pin is None:
        try:
            from huggingface_hub import HfApi
            revision = HfApi().model_info(repo_id).sha
        except Exception as exc:  # offline, proxy, HTTP: the user gets one sentence
            raise _unavailable(model or repo_id, (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]) from exc
    else:
        revision = pin["revision"]
    try:
        path = Path(hf_hub_download(repo_id, filename, revision=revision, tqdm_class=tqdm_class))
    except Exception as exc:
        raise _unavailable(model or repo_id, (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]) from exc
    digest = file_hash(path)
    if pin is None:
        _write_pin(key, {"revision": revision, "sha256": digest, "size": path.stat().st_size})
    elif digest != pin["sha256"]:
        raise CheckpointError(f"{key} does not match the sha256 pinned on its first download; it was not used.")
    return path


def fetch_pinned_folder(repo_id: str, filenames, tqdm_class=None, optional=(), model: str | None = None) -> Path:
    """The snapshot folder holding ``filenames`` of ``repo_id``, each pinned (``optional`` ones may be absent)."""
    folder = None
    for name in filenames:
        try:
            folder = fetch_pinned(repo_id, name, tqdm_class, model).parent
        except ModelUnavailableError:
            if name not in optional:
                raise
    return folder
