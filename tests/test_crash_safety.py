"""``kill -9`` of the indexer at random moments never harms the library.

Each round changes the folder (new, rewritten, renamed, deleted and broken
files), starts the indexer in a subprocess - the real ``clamp-desktop index``
command, or a small driver that makes its transactions tiny so a kill lands
between and inside more of them - and SIGKILLs it at a random point.  Then:

* the database passes ``PRAGMA integrity_check`` and ``foreign_key_check``;
* every vector belongs to an 'ok' piece and equals a fresh encoding of the
  ABC stored beside it (a half-written batch or a stale vector would not);
* every user tag is still there;
* no converter process outlives the killed indexer;
* a resumed run finishes the job without reading a recorded file again or
  encoding a piece twice, and the run after it has nothing to do.

CI runs a few kills.  The long loop is marked ``slow`` and skipped unless asked
for: ``pytest -m slow tests/test_crash_safety.py`` or
``CLAMP_DESKTOP_SLOW_TESTS=1 pytest``; ``CLAMP_DESKTOP_KILLS`` sets its count
and ``CLAMP_DESKTOP_KILL_SEED`` replays a failing sequence.
"""

from __future__ import annotations

import os
import random
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from clamp_desktop.engine.indexer import LibraryIndexer, run_to_end
from clamp_desktop.ingest.pool import ConverterPool
from clamp_desktop.model import Clamp
from clamp_desktop.store import Library
from hostile_corpus import misbehaving_convert
from waiting import wait_until

CI_KILLS = 3
SLOW_KILLS = 40
DONORS_PER_ROUND = 4        # chorales a round copies in or writes over others
ORPHAN_GRACE_S = 5.0
CLI_KILL_WINDOW_S = 10.0    # a CLI run here: imports, pool start, conversion, torch import, encoding
RUN_LIMIT_S = 120.0
USER_TAGS = (("mood", "calm"), ("mine", "to practise"))

# The same indexer the CLI runs, with tiny transactions, printing each progress step.
DRIVER = r"""
import sys
import clamp_desktop.engine.indexer as indexer
from clamp_desktop.engine.models import model_loader, model_name
from clamp_desktop.store import Library

folder, db, model = sys.argv[1:]
indexer.COMMIT_EVERY = 2
indexer.ENCODE_BATCH = 2
with Library(db) as library:
    job = indexer.LibraryIndexer(library, model_name(model), model_loader(model, "cpu"), workers=2)
    for progress in job.run([folder]):
        print(progress.stage, progress.done, progress.total, flush=True)
"""


def slow_requested(config) -> bool:
    markexpr = config.getoption("markexpr") or ""
    return bool(os.environ.get("CLAMP_DESKTOP_SLOW_TESTS")) or ("slow" in markexpr and "not slow" not in markexpr)


class RecordingClamp(Clamp):
    """The real model, noting every ABC the indexer asks it to encode."""

    def __init__(self, base: Clamp):
        super().__init__(base.network, base.tokenizer, base.max_length, base.name, base.device)
        self.seen: list[str] = []

    def patchify(self, abc: str) -> list[list[int]]:
        self.seen.append(abc)
        return super().patchify(abc)


@dataclass
class CrashLab:
    """A library folder and database under attack, and what must survive."""

    folder: Path
    db: Path
    model: str
    reference: Clamp
    donors: list[Path]
    rng: random.Random
    marker: str = field(default_factory=lambda: uuid.uuid4().hex)
    tags: set = field(default_factory=set)
    log: list[str] = field(default_factory=list)

    # --- the folder ------------------------------------------------------------

    def scores(self) -> list[Path]:
        return sorted(p for p in self.folder.iterdir() if p.is_file())

    def next_donor(self) -> Path:
        return self.donors.pop(0)

    def recorded(self) -> set[Path]:
        """Files whose current size and modification time the library has on record."""
        with sqlite3.connect(self.db) as conn:
            rows = {r[0]: (r[1], r[2]) for r in conn.execute("SELECT path, size, mtime_ns FROM pieces")}
        return {p for p in self.scores() if rows.get(str(p)) == (p.stat().st_size, p.stat().st_mtime_ns)}

    def change_folder(self, round_: int) -> None:
        """New, rewritten, renamed, deleted and broken files; files holding user tags are never deleted."""
        plain = [p for p in self.scores() if not p.name.startswith("keep-")]
        kept = [p for p in self.scores() if p.name.startswith("keep-")]
        for _ in range(2):
            donor = self.next_donor()
            shutil.copy(donor, self.folder / f"r{round_}-{donor.name}")
        # Renamed: a file whose content the library has recorded.  A file both edited and renamed
        # between two runs looks like a deletion and a new file (moves are found by content).
        movable = sorted(self.recorded())
        rewritten = [self.rng.choice(kept), self.rng.choice(plain)]
        for path in rewritten:
            path.write_bytes(self.next_donor().read_bytes())
        if movable := [p for p in movable if p not in rewritten]:
            renamed = self.rng.choice(movable)
            renamed.rename(renamed.with_name(f"{renamed.stem}-moved{round_}{renamed.suffix}"))
        victims = [p for p in self.scores() if not p.name.startswith("keep-") and p.exists()]
        self.rng.choice(victims).unlink()
        if round_ % 2:
            (self.folder / f"broken-{round_}.musicxml").write_bytes(b"<score-partwise><part")

    # --- running and killing -----------------------------------------------------

    def start(self, via_cli: bool) -> subprocess.Popen:
        args = (["-m", "clamp_desktop", "index", str(self.folder), "--db", str(self.db), "--model", self.model]
                if via_cli else ["-c", DRIVER, str(self.folder), str(self.db), self.model])
        env = dict(os.environ, CLAMP_DESKTOP_CRASH_MARKER=self.marker)
        return subprocess.Popen([sys.executable, *args], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL)

    def run_and_kill(self, via_cli: bool) -> str:
        """Start the indexer, SIGKILL it at a random point; returns where that was."""
        process = self.start(via_cli)
        deadline = time.monotonic() + RUN_LIMIT_S
        if via_cli:
            delay = self.rng.uniform(0.2, CLI_KILL_WINDOW_S)
            finished = _wait(process, delay)
            where = f"cli after {delay:.2f} s"
        else:
            steps = self.rng.randint(1, 8)
            seen = _read_lines(process, steps, deadline)
            time.sleep(self.rng.uniform(0, 0.2))   # land inside the next step, not just between steps
            finished = process.poll() is not None
            where = f"driver after {len(seen)} progress lines ({seen[-1] if seen else 'none'})"
        process.kill()
        process.wait(timeout=30)
        return where + (" (it had already finished)" if finished else "")

    def resume(self) -> None:
        """Finish the job in-process; check that nothing recorded is read or encoded again."""
        before = _vectors(self.db, self.model)
        disk = {str(p): p.stat() for p in self.scores()}
        with sqlite3.connect(self.db) as conn:
            recorded = {r[0]: (r[1], r[2]) for r in conn.execute("SELECT path, size, mtime_ns FROM pieces")}
        unchanged = sum(recorded.get(p) == (s.st_size, s.st_mtime_ns) for p, s in disk.items())
        recorder = RecordingClamp(self.reference)
        with Library(self.db) as library:
            summary = run_to_end(LibraryIndexer(library, self.model, lambda: recorder, workers=2).run([self.folder]))
        after = _vectors(self.db, self.model)
        kept = sum(1 for pid, blob in before.items() if after.get(pid) == blob)
        assert summary.unchanged == unchanged, "a file the library had recorded was read again"
        assert len(recorder.seen) == summary.encoded == len(after) - kept, "a piece was encoded twice"
        with Library(self.db) as library:
            again = run_to_end(LibraryIndexer(library, self.model, lambda: recorder, workers=2).run([self.folder]))
        assert (again.added, again.updated, again.failed, again.moved, again.removed, again.encoded) == (0,) * 6
        assert again.unchanged == len(disk)

    # --- what must hold after every kill -------------------------------------------

    def check(self, where: str) -> None:
        context = f"{where}; rounds so far: {self.log}"
        with sqlite3.connect(self.db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)], context
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == [], context
            rows = conn.execute(
                "SELECT e.piece_id, p.status, p.abc, e.vector FROM embeddings e "
                "LEFT JOIN pieces p ON p.id = e.piece_id WHERE e.model = ?", (self.model,)
            ).fetchall()
            tags = set(conn.execute("SELECT piece_id, vocabulary, label FROM tags WHERE source = 'user'"))
            tagged_pieces = conn.execute(
                "SELECT count(*) FROM pieces WHERE id IN (SELECT piece_id FROM tags)").fetchone()[0]
        assert all(status == "ok" for _, status, _, _ in rows), context
        if rows:
            stored = np.stack([np.frombuffer(blob, dtype="<f4") for *_, blob in rows])
            fresh = self.reference.encode_music([abc for _, _, abc, _ in rows])
            mismatched = [pid for (pid, *_), a, b in zip(rows, stored, fresh) if not np.allclose(a, b, atol=1e-5)]
            assert not mismatched, f"vectors that do not match their stored ABC: {mismatched}; {context}"
        assert tags == self.tags, context
        assert tagged_pieces == len({t[0] for t in self.tags}), context
        assert not _orphans(self.marker), f"converter processes outlived the indexer; {context}"


def _wait(process: subprocess.Popen, seconds: float) -> bool:
    try:
        process.wait(timeout=seconds)
        return True
    except subprocess.TimeoutExpired:
        return False


def _read_lines(process: subprocess.Popen, count: int, deadline: float) -> list[str]:
    """At least ``count`` lines of its output, or fewer if it ends first (unbuffered: no line waits)."""
    fd, pending, lines = process.stdout.fileno(), b"", []
    while len(lines) < count and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(fd, 4096) if ready else b""
        if not chunk:
            break  # it finished
        *complete, pending = (pending + chunk).split(b"\n")
        lines += [line.decode() for line in complete]
    return lines


def _vectors(db: Path, model: str) -> dict[int, bytes]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT piece_id, vector FROM embeddings WHERE model = ?", (model,)))


def _orphans(marker: str) -> list[int]:
    """Processes started by the killed indexer still alive after a grace period."""
    needle = f"CLAMP_DESKTOP_CRASH_MARKER={marker}".encode()
    deadline = time.monotonic() + ORPHAN_GRACE_S
    while True:
        alive = []
        for environ in Path("/proc").glob("[0-9]*/environ"):
            try:
                if needle in environ.read_bytes():
                    alive.append(int(environ.parent.name))
            except OSError:
                continue  # gone, or not ours to read
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.2)


def build_lab(base: Path, tiny_checkpoint: Path, tiny_model: Clamp, corpus, seed: int) -> CrashLab:
    """A folder of real chorales, indexed once, with user tags on four of them."""
    folder = base / "scores"
    folder.mkdir()
    files = corpus.files("bach/bwv*.mxl")
    for i, path in enumerate(files[:12]):
        shutil.copy(path, folder / (f"keep-{path.name}" if i < 4 else path.name))
    lab = CrashLab(folder, base / "library.db", str(tiny_checkpoint.resolve()), tiny_model,
                   donors=list(files[12:]), rng=random.Random(seed))
    with Library(lab.db) as library:
        run_to_end(LibraryIndexer(library, lab.model, lambda: tiny_model, workers=2).run([folder]))
        keep = [p for p in library.pieces() if Path(p["path"]).name.startswith("keep-")]
    with sqlite3.connect(lab.db) as conn:
        for piece in keep:
            for vocabulary, label in USER_TAGS:
                conn.execute("INSERT INTO tags (piece_id, vocabulary, label, source) VALUES (?, ?, ?, 'user')",
                             (piece["id"], vocabulary, label))
                lab.tags.add((piece["id"], vocabulary, label))
    assert len(lab.tags) == 8
    return lab


def kill_loop(lab: CrashLab, kills: int, resume_every: int = 2) -> None:
    for round_ in range(kills):
        lab.change_folder(round_)
        where = lab.run_and_kill(via_cli=round_ % 2 == 1)
        lab.log.append(where)
        print(f"round {round_}: killed {where}")
        lab.check(where)
        if round_ % resume_every == resume_every - 1 or round_ == kills - 1:
            lab.resume()
            lab.check(f"after resuming from {where}")


def _seed() -> int:
    return int(os.environ.get("CLAMP_DESKTOP_KILL_SEED") or random.SystemRandom().randrange(10**6))


@pytest.fixture
def lab(tmp_path, tiny_checkpoint, tiny_model, corpus, request) -> CrashLab:
    seed = _seed()
    request.node.user_properties.append(("kill_seed", seed))
    print(f"CLAMP_DESKTOP_KILL_SEED={seed}")  # shown on failure: replays the same kills
    return build_lab(tmp_path, tiny_checkpoint, tiny_model, corpus, seed)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL") or not Path("/proc/self/environ").exists(),
                    reason="needs POSIX SIGKILL and /proc")
def test_a_few_random_kills_leave_a_sound_library(lab):
    kill_loop(lab, CI_KILLS)


@pytest.fixture
def slow_only(request) -> None:
    if not slow_requested(request.config):
        pytest.skip("the long SIGKILL loop: run with -m slow or CLAMP_DESKTOP_SLOW_TESTS=1")


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL") or not Path("/proc/self/environ").exists(),
                    reason="needs POSIX SIGKILL and /proc")
def test_many_random_kills_leave_a_sound_library(slow_only, lab):
    requested = int(os.environ.get("CLAMP_DESKTOP_KILLS") or SLOW_KILLS)
    kills = min(requested, len(lab.donors) // DONORS_PER_ROUND)   # each round needs fresh chorales
    print(f"{kills} kills (asked for {requested})")
    kill_loop(lab, kills, resume_every=3)


def test_a_piece_read_again_is_encoded_once_from_its_new_abc(tmp_path, score_folder, tiny_checkpoint,
                                                             tiny_model, corpus):
    """A piece still waiting for its vector whose file then changes is encoded from the new ABC only.

    Without this, the old ABC's vector could be committed after the new ABC,
    and a kill before the new vector left a vector that does not match its piece.
    """
    db, model = tmp_path / "lib.db", str(tiny_checkpoint)
    with Library(db) as library:
        run_to_end(LibraryIndexer(library, model, lambda: tiny_model, inline=True).run([score_folder]))
        library.drop_vectors(model)   # every piece now waits for a vector, as after a kill
    changed = sorted(score_folder.glob("*.mxl"))[0]
    changed.write_bytes(corpus.files("bach/bwv2*.mxl", 1)[0].read_bytes())
    recorder = RecordingClamp(tiny_model)
    with Library(db) as library:
        summary = run_to_end(LibraryIndexer(library, model, lambda: recorder, inline=True).run([score_folder]))
        abcs = {p["path"]: library.piece(p["id"])["abc"] for p in library.pieces()}
    assert summary.updated == 1
    assert sorted(recorder.seen) == sorted(abcs.values()), "each piece encoded once, from its stored ABC"
    _assert_vectors_match(db, model, tiny_model)


def _assert_vectors_match(db: Path, model: str, reference: Clamp) -> None:
    with Library(db, readonly=True) as library:
        ids, vectors = library.load_vectors(model)
        abcs: Sequence[str] = [library.piece(int(i))["abc"] for i in ids]
    assert np.allclose(vectors, reference.encode_music(abcs), atol=1e-5)


# --- converter processes that crash, hang or are killed -----------------------------

def test_converter_that_crashes_or_hangs_is_replaced_and_the_run_goes_on():
    items = ["a", "segfault", "b", "hang", "c", "exit", "d", "raise", "e"]
    with ConverterPool(misbehaving_convert, workers=2, timeout=2.0) as pool:
        results = {item: (value, reason) for item, value, reason in pool.imap_unordered(items)}
    assert {k: v for k, (v, _) in results.items() if v} == {c: c.upper() for c in "abcde"}
    assert results["segfault"][1] == f"the converter process died (exit code {-signal.SIGSEGV})"
    assert results["hang"][1] == "conversion timed out after 2 s"
    assert results["exit"][1] == "the converter process died (exit code 3)"
    assert results["raise"][1] == "KeyError: 'something the converter did not expect'"


def test_converter_killed_between_files_is_replaced():
    with ConverterPool(misbehaving_convert, workers=2, timeout=10.0) as pool:
        for worker in pool._workers:
            worker.process.kill()
            worker.process.join()
        results = sorted(value for _, value, _ in pool.imap_unordered(["x", "y", "z"]))
    assert results == ["X", "Y", "Z"]


# Starts a one-worker pool on a file that never finishes, prints the worker's pid, waits for it.
BUSY_POOL = r"""
import sys
sys.path.insert(0, sys.argv[1])
from hostile_corpus import misbehaving_convert
from waiting import wait_until
from clamp_desktop.ingest.pool import ConverterPool

if __name__ == "__main__":
    with ConverterPool(misbehaving_convert, workers=1, timeout=3600) as pool:
        print(pool._workers[0].process.pid, flush=True)
        list(pool.imap_unordered(["hang"]))
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie waiting for init to reap it is gone


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_busy_converter_exits_when_its_indexer_is_killed(tmp_path):
    script = tmp_path / "busy_pool.py"
    script.write_text(BUSY_POOL)
    busy = tmp_path / "busy"
    parent = subprocess.Popen([sys.executable, str(script), str(Path(__file__).parent)],
                              stdout=subprocess.PIPE, text=True, env=dict(os.environ, CLAMP_TESTS_BUSY_MARKER=str(busy)))
    worker = int(parent.stdout.readline())
    try:
        wait_until(busy.exists, 60, "the worker to take the file")      # it has the file and is busy with it
        assert _alive(worker)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=30)
        wait_until(lambda: not _alive(worker), ORPHAN_GRACE_S, "the converter to exit after its indexer was killed")
    finally:
        if _alive(worker):
            os.kill(worker, signal.SIGKILL)   # never leave an hour-long sleeper behind
