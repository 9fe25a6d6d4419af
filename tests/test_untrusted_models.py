"""Checkpoints are untrusted input: no pickled code runs, tampered downloads are refused, we write safetensors.

``test_model_loading.py`` covers the plain cases (a payload in one tensor,
truncated files); these are the other shapes an attack takes.  The hub is
unreachable here, so its download function is pointed at local files: the
checks under test are ours, the bytes are real.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import pickle
import re
import shlex
import struct
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from clamp_desktop.errors import CheckpointError
from clamp_desktop.model import checkpoint, hub, load_clamp, loading
from clamp_desktop.model.checkpoint import read_state_dict, weights_file
from clamp_desktop.model.registry import HubFile, ModelEntry
from clamp_desktop.model.synthetic import tiny_config, write_random_checkpoint

PACKAGE = Path(checkpoint.__file__).parents[1]


class ExecPayload:
    """Unpickling this runs Python code that writes ``marker``."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({str(self.marker)!r}, 'w').write('pwned')",))


class ShellPayload:
    """Unpickling this runs a shell command that creates ``marker``."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {shlex.quote(str(self.marker))}",))


def _state(folder: Path) -> dict:
    return torch.load(folder / "pytorch_model.bin", weights_only=True)


def _in_a_tensor_slot(path: Path, state: dict, marker: Path) -> None:
    torch.save({**state, "music_proj.bias": ExecPayload(marker)}, path, pickle_module=pickle)


def _as_the_whole_file(path: Path, state: dict, marker: Path) -> None:
    torch.save(ShellPayload(marker), path)


def _nested_in_a_list(path: Path, state: dict, marker: Path) -> None:
    torch.save({**state, "extra": [torch.zeros(1), {"deeper": ExecPayload(marker)}]}, path)


def _legacy_torch_format(path: Path, state: dict, marker: Path) -> None:
    torch.save({**state, "music_proj.bias": ShellPayload(marker)}, path, _use_new_zipfile_serialization=False)


def _plain_pickle(path: Path, state: dict, marker: Path) -> None:
    path.write_bytes(pickle.dumps({"music_proj.bias": ExecPayload(marker)}, protocol=2))


def _handwritten_opcodes(path: Path, state: dict, marker: Path) -> None:
    # protocol 0 by hand: GLOBAL os.system, then call it with one string
    path.write_bytes(b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR.")


PAYLOADS = [_in_a_tensor_slot, _as_the_whole_file, _nested_in_a_list, _legacy_torch_format,
            _plain_pickle, _handwritten_opcodes]


@pytest.fixture
def clean_checkpoint(tiny_checkpoint) -> Path:
    return tiny_checkpoint


@pytest.mark.parametrize("write_payload", PAYLOADS, ids=[p.__name__.strip("_") for p in PAYLOADS])
def test_pickled_code_is_refused_without_running(tmp_path, clean_checkpoint, write_payload):
    marker = tmp_path / "pwned"
    path = tmp_path / "pytorch_model.bin"
    write_payload(path, _state(clean_checkpoint), marker)
    with pytest.raises(CheckpointError) as refused:
        read_state_dict(path)
    assert not marker.exists(), "the payload ran"
    assert "\n" not in str(refused.value)


def test_payload_beside_a_safetensors_file_is_never_opened(tmp_path, clean_checkpoint):
    """With both files present the safetensors one is read; the pickle is not even unpickled."""
    folder = write_random_checkpoint(tmp_path / "both", tiny_config(), fmt="safetensors")
    marker = tmp_path / "pwned"
    _in_a_tensor_slot(folder / "pytorch_model.bin", _state(clean_checkpoint), marker)
    assert weights_file(folder).name == "model.safetensors"
    assert load_clamp(folder).max_length == 64
    assert not marker.exists()


@pytest.mark.parametrize("header", [
    struct.pack("<Q", 2**62) + b"{}",                                   # claims an exabyte of header
    struct.pack("<Q", 90) + b'{"w": {"dtype": "F32", "shape": [1000000, 1000], "data_offsets": [0, 4000000000]}}',
    b"\x00\x01",                                                        # not even a length
], ids=["header-too-large", "offsets-past-the-end", "two-bytes"])
def test_hostile_safetensors_header_is_a_clear_error(tmp_path, header):
    path = tmp_path / "model.safetensors"
    path.write_bytes(header)
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        read_state_dict(path)


# --- hub downloads -------------------------------------------------------------

class FakeHub:
    """Stands in for the network: serves local files, first the cached copy, then a fresh one."""

    def __init__(self, cached: Path, fresh: Path):
        self.cached, self.fresh = cached, fresh
        self.calls: list[tuple[str, str, bool]] = []

    def __call__(self, repo_id: str, filename: str, tqdm_class=None, force: bool = False) -> Path:
        self.calls.append((repo_id, filename, force))
        return self.fresh if force else self.cached


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tampered_copy(path: Path, target: Path) -> Path:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    return target


def test_download_not_matching_its_sha256_is_rejected_after_one_fresh_try(tmp_path, clean_checkpoint, monkeypatch):
    good = clean_checkpoint / "pytorch_model.bin"
    bad = _tampered_copy(good, tmp_path / "tampered.bin")
    fake = FakeHub(cached=bad, fresh=bad)
    monkeypatch.setattr(hub, "_download", fake)
    with pytest.raises(CheckpointError, match="does not match its published sha256 even after a fresh download"):
        hub.fetch_verified("someone/clamp", HubFile("pytorch_model.bin", good.stat().st_size, _sha256(good)))
    assert [force for *_, force in fake.calls] == [False, True]


def test_corrupt_cached_copy_is_replaced_by_a_fresh_download(tmp_path, clean_checkpoint, monkeypatch):
    good = clean_checkpoint / "pytorch_model.bin"
    fake = FakeHub(cached=_tampered_copy(good, tmp_path / "stale.bin"), fresh=good)
    monkeypatch.setattr(hub, "_download", fake)
    assert hub.fetch_verified("someone/clamp", HubFile("pytorch_model.bin", None, _sha256(good))) == good


def _entry(sha256: str) -> ModelEntry:
    return ModelEntry(name="someone/clamp-test", description="a test entry", repo_id="someone/clamp-test",
                      files=(HubFile("config.json"), HubFile("pytorch_model.bin", None, sha256)))


def _serve_folder(folder: Path, weights: Path):
    def download(repo_id, filename, tqdm_class=None, force=False):
        return weights if filename == "pytorch_model.bin" else folder / filename
    return download


def test_tampered_published_weights_are_never_unpickled(tmp_path, clean_checkpoint, monkeypatch):
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.bin"
    _as_the_whole_file(evil, {}, marker)
    monkeypatch.setattr(hub, "_download", _serve_folder(clean_checkpoint, evil))
    entry = _entry(_sha256(clean_checkpoint / "pytorch_model.bin"))
    with pytest.raises(CheckpointError, match="sha256"):
        loading.published_folder(entry)
    assert not marker.exists()
    assert not (loading._converted_dir(entry) / "model.safetensors").exists()


def test_payload_even_with_a_matching_sha256_is_refused(tmp_path, clean_checkpoint, monkeypatch):
    """A compromised upstream whose registry hash matches still cannot run code: loading is weights-only."""
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.bin"
    _in_a_tensor_slot(evil, _state(clean_checkpoint), marker)
    monkeypatch.setattr(hub, "_download", _serve_folder(clean_checkpoint, evil))
    with pytest.raises(CheckpointError, match="refused"):
        loading.published_folder(_entry(_sha256(evil)))
    assert not marker.exists()


def test_verified_download_is_kept_as_safetensors_only(clean_checkpoint, monkeypatch):
    weights = clean_checkpoint / "pytorch_model.bin"
    monkeypatch.setattr(hub, "_download", _serve_folder(clean_checkpoint, weights))
    folder = loading.published_folder(_entry(_sha256(weights)))
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.safetensors"]
    assert weights_file(folder).name == "model.safetensors"
    converted, original = read_state_dict(folder / "model.safetensors"), _state(clean_checkpoint)
    assert converted.keys() == original.keys()
    assert all(torch.equal(converted[k], original[k]) for k in original)
    assert json.loads((folder / "config.json").read_text()) == json.loads((clean_checkpoint / "config.json").read_text())


# --- the code base -------------------------------------------------------------

def _package_sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_torch_load_in_the_app_is_weights_only():
    unsafe = []
    for path in _package_sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "load"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "torch"):
                safe = any(k.arg == "weights_only" and isinstance(k.value, ast.Constant) and k.value.value is True
                           for k in node.keywords)
                if not safe:
                    unsafe.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert unsafe == []


def test_the_app_writes_weights_as_safetensors_only():
    """Pickled weights are written in one place: the test helper that mimics the published layout."""
    writers = re.compile(r"\btorch\.save\(|\bpickle\.dumps?\(|allow_pickle\s*=\s*True")
    found = [f"{p.relative_to(PACKAGE)}:{n}" for p in _package_sources()
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if writers.search(line)]
    assert all(f.startswith("model/synthetic.py:") for f in found), found


# Loads a checkpoint in a process that may not map more than 4 GiB, and names the error it got.
GREEDY_LOADER = r"""
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (4 * 1024**3, 4 * 1024**3))
from clamp_desktop.model import load_clamp
try:
    load_clamp(sys.argv[1])
    print("loaded")
except BaseException as exc:
    print(type(exc).__name__)
"""


def test_config_asking_for_a_huge_network_is_refused_before_allocating(tmp_path):
    folder = write_random_checkpoint(tmp_path / "greedy", tiny_config())
    config = json.loads((folder / "config.json").read_text())
    config.update(hidden_size=200_000, intermediate_size=200_000)   # tens of GB of layers; the weights are tiny
    (folder / "config.json").write_text(json.dumps(config))
    # In its own memory-capped process: without the guard, this allocates until something gives.
    result = subprocess.run([sys.executable, "-c", GREEDY_LOADER, str(folder)], capture_output=True, text=True,
                            timeout=300)
    assert result.stdout.strip() == "CheckpointError", result.stderr[-2000:]
