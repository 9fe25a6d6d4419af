"""``index --cluster``: a real Ray cluster started here (head + one worker node, one CPU each).

Each cluster run is compared with a plain run of the same folder and tiny
model: the same pieces, ABC, metadata and failures, and the same vectors
within float tolerance.  Every address is on 127.0.0.1, including the head's
Ray Client server (``ray://``); the GPU encoder branch runs on a node that
declares a GPU to Ray, with the device injected as the CPU (no GPU here).  The tests need Ray (``pip install -e ".[test,cluster]"``)
and skip with that line without it, except the one that checks the message
a user without Ray gets.  Starting the cluster and its workers takes most of
their minute or two, hence ``slow``; CI runs them.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from clamp_desktop.engine.cluster import INSTALL_HINT
from clamp_desktop.engine.indexer import LibraryIndexer, run_to_end
from clamp_desktop.store import Library
from conftest import copy_score_folder
from hostile_corpus import build_hostile_corpus

OBJECT_STORE_BYTES = 120 * 1024**2
VECTOR_TOLERANCE = 1e-5
HOSTILE_CASES = ("valid.musicxml", "truncated.mxl", "zip_bomb.mxl", "billion_laughs.musicxml",
                 "deeply_nested.musicxml", "tremolo_memory_bomb.musicxml", "empty.musicxml", "not_musicxml.xml")


def documented_index_fields() -> set[str]:
    text = (Path(__file__).resolve().parent.parent / "docs" / "cli-json.md").read_text(encoding="utf-8")
    body = text.split("\n## index\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `(\w+)` \|", body, flags=re.MULTILINE))


def snapshot(db: Path, model: str) -> dict:
    """(path, tune) -> everything the library holds about the piece, its vector apart."""
    with Library(db, readonly=True) as library:
        rows = {}
        for row in library.pieces(status=None):
            piece = library.piece(row["id"])
            rows[(row["path"], row["tune"])] = (
                {k: v for k, v in piece.items() if k not in ("id", "added_at", "updated_at")},
                library.vector(row["id"], model),
            )
        return rows


def assert_same_library(cluster_db: Path, plain_db: Path, model: str) -> None:
    ours, theirs = snapshot(cluster_db, model), snapshot(plain_db, model)
    assert sorted(ours) == sorted(theirs)
    for key, (row, vector) in theirs.items():
        assert ours[key][0] == row, key
        if vector is None:
            assert ours[key][1] is None, key
        else:
            np.testing.assert_allclose(ours[key][1], vector, atol=VECTOR_TOLERANCE, err_msg=str(key))


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def plain_index(folder: Path, db: Path, model: str, tiny_model) -> None:
    with Library(db) as library:
        run_to_end(LibraryIndexer(library, model, lambda: tiny_model, workers=2).run([folder]))


@pytest.fixture(scope="module")
def ray_cluster():
    pytest.importorskip("ray", reason='Ray is not installed: pip install -e ".[test,cluster]" runs the cluster tests')
    from ray.cluster_utils import Cluster

    # Ray's single-machine mode: every node, the driver and the CLI's child process use
    # 127.0.0.1, so the test's traffic never leaves loopback (not even to this machine's LAN address).
    with pytest.MonkeyPatch.context() as patch:     # the other test files keep the environment they had
        patch.setenv("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
        # The head also serves Ray Client (``ray://127.0.0.1:PORT``), on loopback like everything else.
        client_port = free_loopback_port()
        cluster = Cluster(initialize_head=True, head_node_args={
            "num_cpus": 1, "object_store_memory": OBJECT_STORE_BYTES, "include_dashboard": False,
            "ray_client_server_port": client_port})
        cluster.client_address = f"ray://127.0.0.1:{client_port}"
        cluster.add_node(num_cpus=1, object_store_memory=OBJECT_STORE_BYTES)
        cluster.wait_for_nodes()
        yield cluster
        cluster.shutdown()


@pytest.fixture(scope="module")
def plain_run(tmp_path_factory, tiny_checkpoint, tiny_model):
    """The score folder and the library a plain run makes of it."""
    base = tmp_path_factory.mktemp("plain")
    folder = copy_score_folder(base / "scores")
    plain_index(folder, base / "plain.db", str(tiny_checkpoint), tiny_model)
    return folder, base / "plain.db"


@pytest.mark.slow
def test_cluster_run_gives_the_plain_library(ray_cluster, plain_run, tiny_checkpoint, tmp_path):
    folder, plain_db = plain_run
    db = tmp_path / "cluster.db"
    done = subprocess.run(
        [sys.executable, "-m", "clamp_desktop", "index", str(folder), "--db", str(db),
         "--model", str(tiny_checkpoint), "--cluster", ray_cluster.address, "--json"],
        capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout)
    assert set(summary) == documented_index_fields()
    assert summary["added"] == summary["encoded"] == len(list(folder.iterdir()))
    assert summary["nodes"] == 2
    assert summary["stages"]["convert"]["items"] == summary["added"]
    assert summary["stages"]["encode"]["items"] == summary["encoded"]
    assert summary["stages"]["convert"]["per_second"] > 0 and summary["stages"]["encode"]["per_second"] > 0
    assert_same_library(db, plain_db, str(tiny_checkpoint))


@pytest.mark.slow
def test_a_ray_client_address_gives_the_plain_library(ray_cluster, plain_run, tiny_checkpoint, tmp_path):
    """``--cluster ray://HOST:PORT``: the driver talks to the cluster through the head's Ray Client server."""
    folder, plain_db = plain_run
    db = tmp_path / "client.db"
    done = subprocess.run(
        [sys.executable, "-m", "clamp_desktop", "index", str(folder), "--db", str(db),
         "--model", str(tiny_checkpoint), "--cluster", ray_cluster.client_address, "--json"],
        capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout)
    assert summary["added"] == summary["encoded"] == len(list(folder.iterdir()))
    assert summary["nodes"] == 2
    assert_same_library(db, plain_db, str(tiny_checkpoint))


@pytest.mark.slow
def test_the_gpu_encoder_path_runs_on_a_node_that_declares_a_gpu(ray_cluster, plain_run, tiny_checkpoint,
                                                                   tmp_path):
    """No GPU here: a node declares one, so the actors take the GPU branch; the device is injected as CPU."""
    import ray

    from clamp_desktop.engine.cluster.backend import ClusterBackend
    from clamp_desktop.engine.cluster.encode import start_actors

    folder, plain_db = plain_run
    with Library(plain_db, readonly=True) as plain:
        piece = plain.piece(plain.pieces()[0]["id"])
        expected = plain.vector(piece["id"], str(tiny_checkpoint))
    gpu_node = ray_cluster.add_node(num_cpus=1, num_gpus=1, object_store_memory=OBJECT_STORE_BYTES)
    ray_cluster.wait_for_nodes()
    try:
        with ClusterBackend(ray_cluster.address, str(tiny_checkpoint), device="cpu") as backend, \
                Library(tmp_path / "gpu.db") as library:
            actors = start_actors(str(tiny_checkpoint), "cpu")
            node, _, vectors = ray.get(actors[0].encode.remote([(piece["id"], piece["abc"])], False))
            for actor in actors:
                ray.kill(actor)
            summary = run_to_end(LibraryIndexer(library, str(tiny_checkpoint), None, backend=backend).run([folder]))
        assert len(actors) == 1 and node == gpu_node.node_id
        np.testing.assert_allclose(vectors[0], expected, atol=VECTOR_TOLERANCE)
        assert summary.added == summary.encoded == len(list(folder.iterdir()))
        assert_same_library(tmp_path / "gpu.db", plain_db, str(tiny_checkpoint))
    finally:
        ray_cluster.remove_node(gpu_node)


@pytest.mark.slow
def test_a_worker_node_killed_mid_run_still_gives_the_whole_library(ray_cluster, plain_run, tiny_checkpoint,
                                                                    tmp_path):
    """Files shipped as bytes; a third node joins, takes work and is killed while the run goes on."""
    from clamp_desktop.engine.cluster.backend import ClusterBackend

    folder, plain_db = plain_run
    victim = ray_cluster.add_node(num_cpus=1, object_store_memory=OBJECT_STORE_BYTES)
    ray_cluster.wait_for_nodes()
    killed_in = None
    with ClusterBackend(ray_cluster.address, str(tiny_checkpoint), ship_files=True) as backend, \
            Library(tmp_path / "cluster.db") as library:
        job = LibraryIndexer(library, str(tiny_checkpoint), None, backend=backend).run([folder])
        while True:
            try:
                progress = next(job)
            except StopIteration as stop:
                summary = stop.value
                break
            # The first file is back: each node holds conversion tasks (two per CPU are in
            # flight) and an encoder actor has started on each, the victim's included.
            if killed_in is None and progress.stage == "convert" and progress.done:
                killed_in = progress.done
                ray_cluster.remove_node(victim, allow_graceful=False)
    assert killed_in is not None and killed_in < summary.added
    assert summary.added == summary.encoded == len(list(folder.iterdir()))
    assert_same_library(tmp_path / "cluster.db", plain_db, str(tiny_checkpoint))


@pytest.mark.slow
def test_hostile_files_fail_on_the_cluster_as_they_do_locally(ray_cluster, tiny_checkpoint, tiny_model, tmp_path):
    from clamp_desktop.engine.cluster.backend import ClusterBackend

    folder = tmp_path / "hostile"
    expectations = build_hostile_corpus(folder, HOSTILE_CASES)
    model = str(tiny_checkpoint)
    plain_index(folder, tmp_path / "plain.db", model, tiny_model)
    with ClusterBackend(ray_cluster.address, model) as backend, Library(tmp_path / "cluster.db") as library:
        summary = run_to_end(LibraryIndexer(library, model, None, backend=backend).run([folder]))
    assert summary.failed == len(HOSTILE_CASES) - 1
    assert_same_library(tmp_path / "cluster.db", tmp_path / "plain.db", model)
    with Library(tmp_path / "cluster.db", readonly=True) as library:
        reasons = {Path(f["path"]).name: f["error"] for f in library.failures()}
    for name in HOSTILE_CASES[1:]:
        assert expectations[name].outcome == "failed", name
        assert re.search(expectations[name].reason, reasons[name]), (name, reasons[name])


def test_without_ray_cluster_says_how_to_install(score_folder, tmp_path):
    """Ray hidden from the interpreter (an ImportError, as when it is not installed)."""
    hide_ray = ("import sys; sys.modules['ray'] = None; from clamp_desktop.cli import main; "
                f"main(['index', {str(score_folder)!r}, '--db', {str(tmp_path / 'x.db')!r}, '--cluster', 'auto'])")
    done = subprocess.run([sys.executable, "-c", hide_ray], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip() == f"error: {INSTALL_HINT}"
    assert not (tmp_path / "x.db").exists()


def test_ship_files_needs_a_cluster(score_folder, tmp_path):
    done = subprocess.run([sys.executable, "-m", "clamp_desktop", "index", str(score_folder),
                           "--db", str(tmp_path / "x.db"), "--ship-files"], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "--ship-files only applies with --cluster" in done.stderr


def test_a_shipped_file_the_driver_cannot_read_fails_with_the_local_reason(tmp_path):
    pytest.importorskip("ray", reason='Ray is not installed: pip install -e ".[test,cluster]" runs the cluster tests')
    from clamp_desktop.engine.cluster.backend import ClusterBackend
    from clamp_desktop.engine.indexer import convert_job
    from clamp_desktop.ingest.pool import convert_inline

    here, gone = tmp_path / "here.musicxml", (str(tmp_path / "gone.musicxml"), "digest")
    here.write_bytes(b"<score-partwise/>")
    jobs, payloads, refused = ClusterBackend("auto", None, ship_files=True)._payloads([(str(here), "d"), gone])
    assert jobs == [(str(here), "d")] and payloads == [here.read_bytes()]
    assert refused == list(convert_inline(convert_job, [gone]))
