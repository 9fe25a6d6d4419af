"""Indexing library folders: scan, convert in a process pool, encode in batches, commit.

``LibraryIndexer.run`` is a generator: it yields ``Progress`` and returns an
``IndexSummary``, so the CLI drives a progress bar and the GUI worker emits
signals (and cancels between steps) from the same code.

Crash safety: converted pieces and their vectors are committed in separate
transactions; a piece without a vector is simply encoded by the next run, and
a batch's vectors are committed together or not at all.  A ``kill -9`` at
any moment leaves a consistent library, and nothing committed is redone.
Pieces whose file is read again in a run are encoded from their new ABC only,
so a vector always belongs to the ABC stored beside it.

Hostile files: every file of a folder is converted in the ``ConverterPool``
(time and memory limits, killable), never in this process; a file too large
to hash or whose name SQLite cannot store is recorded as failed with a reason.

Backends: where files are converted and pieces encoded is a backend's job;
``LocalBackend`` (this machine) is the default and ``engine.cluster`` runs the
same job function and encoding steps on a Ray cluster.  Either way results
come back here, to the one library writer, so crash safety and resume do not
depend on the backend.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ..errors import ConversionError
from ..ingest.model_input import piece_input
from ..ingest.pool import ConverterPool, convert_inline
from ..digests import file_hash
from ..ingest.scanner import FoundFile, LibraryScanner
from ..ingest.score import read_score
from ..model.registry import model_reads
from ..store import Library
from . import vectors
from .progress import Progress     # callers still import it from here too

COMMIT_EVERY = 200          # pieces per transaction
COMMIT_SECONDS = 2.0        # ... or this often, whichever comes first
ENCODE_BATCH = 32           # pieces handed to the encoder at once (their vectors are committed together)
ENCODE_STEP = 8             # pieces encoded between checks of the thread count
MAX_FILE_BYTES = 256 * 1024**2   # larger "scores" are not even hashed (a video named .mxl, /proc files)
BAD_NAME_REASON = "the file name is not valid UTF-8; rename the file to index it"


@dataclass
class IndexSummary:
    added: int = 0
    updated: int = 0
    moved: int = 0
    removed: int = 0
    unchanged: int = 0
    failed: int = 0
    encoded: int = 0
    seconds: float = 0.0
    model: str | None = None
    failures: list[tuple[str, str]] = field(default_factory=list)
    repaired: int = 0               # pieces of this run converted from a repaired copy (a notice)
    notices: list[tuple[str, str]] = field(default_factory=list)
    still_failing: int = 0          # files of the library not converted after this run, old failures included
    nodes: int = 0          # machines that converted or encoded at least one file
    stages: dict = field(default_factory=dict)   # stage -> {"items", "seconds", "per_second"}
    skipped: dict = field(default_factory=dict)  # suffix -> score files left out (e.g. MusicXML only was asked)
    covered: list[tuple[str, str]] = field(default_factory=list)  # (folder asked, library folder holding it)
    resumed: list[str] = field(default_factory=list)   # folders of an unfinished earlier run, finished now

    def as_dict(self) -> dict:
        data = asdict(self)
        data["failures"] = [{"path": p, "error": e} for p, e in self.failures]
        data["notices"] = [{"path": p, "note": n} for p, n in self.notices]
        data["covered"] = [{"folder": f, "within": w} for f, w in self.covered]
        return data

    def folder_notes(self) -> list[str]:
        """What the run says about the folders themselves: resumed, already covered, files left out."""
        notes = [f"resumed the unfinished run over {folder}" for folder in self.resumed]
        notes += [f"{folder} is inside the library folder {within}: indexed as part of it, not listed again"
                  for folder, within in self.covered]
        if self.skipped:
            kinds = ", ".join(f"{count} .{suffix}" for suffix, count in sorted(self.skipped.items()))
            notes.append(f"skipped {sum(self.skipped.values())} score files of formats not asked for: {kinds}")
        return notes


@dataclass
class _Plan:
    convert: list[tuple[FoundFile, str, str]] = field(default_factory=list)  # file, hash, kind
    moves: list[tuple[str, FoundFile]] = field(default_factory=list)
    touched: list[FoundFile] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    reread_ids: set[int] = field(default_factory=set)   # pieces of files read again this run


def library_path(path: str) -> str:
    """The path as the library stores it.

    SQLite text is UTF-8; a file name that is not (an old Latin-1 name on Linux)
    is stored with its bad bytes written as ``\\xNN``, one row per file, and
    recorded as failed.
    """
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", "backslashreplace")


def _under(path: str, folders: list[str]) -> bool:
    return any(path == f or path.startswith(f.rstrip(os.sep) + os.sep) for f in folders)


def _count_notices(summary: IndexSummary, path: str, entries: list) -> bool:
    """Count repaired pieces (notices) and unconverted ones (failures, though listed); True for the latter."""
    for entry in entries:
        if entry.conversion_note:
            summary.repaired += 1
            summary.notices.append((path, entry.conversion_note))
    errors = [entry.error for entry in entries if entry.error]
    if errors:
        summary.failed += 1
        summary.failures.append((path, errors[0]))
    return bool(errors)


def convert_job(item: tuple[str, str]) -> list:
    """What a converter does with one planned ``(path, digest)``: every backend runs this."""
    return read_score(item[0])


def encode_in_steps(model, batch: list[tuple[int, str]],
                    before_step: Callable[[], None] = lambda: None) -> tuple[list[int], np.ndarray]:
    """(ids, vectors) of an (id, abc) batch, encoded by length in short steps; every backend runs this."""
    ids, vectors = [], []
    for step in _encode_steps(batch):
        before_step()
        ids.extend(pid for pid, _ in step)
        vectors.append(model.encode_music([abc for _, abc in step]))
    return ids, np.concatenate(vectors)


class _EncoderThread(threading.Thread):
    """Encodes (id, abc) batches with the model while the main thread converts and writes."""

    def __init__(self, load_model: Callable):
        super().__init__(daemon=True, name="clamp-encoder")
        self.load_model = load_model
        self.inbox: queue.Queue = queue.Queue()
        self.outbox: queue.Queue = queue.Queue()
        self.conversion_done = threading.Event()

    def stop(self) -> None:
        """Drop the batches not yet started and let the thread end (a cancelled run)."""
        while True:
            try:
                self.inbox.get_nowait()
            except queue.Empty:
                break
        self.inbox.put(None)

    def run(self) -> None:
        import torch  # not at module level: converter processes import this module

        all_threads = torch.get_num_threads()
        try:
            self._encode_batches(torch, all_threads)
        finally:
            torch.set_num_threads(all_threads)

    def _encode_batches(self, torch, all_threads: int) -> None:
        from ..model.fallback import FallbackEncoder

        def follow_converters() -> None:
            # While converter processes hold the cores, torch runs one thread: its
            # worker threads spin at every barrier and lose badly to oversubscription.
            threads = all_threads if self.conversion_done.is_set() else 1
            if torch.get_num_threads() != threads:
                torch.set_num_threads(threads)

        model = None
        while (batch := self.inbox.get()) is not None:
            try:
                model = model or FallbackEncoder(self.load_model())
                # Short steps, so the thread count follows the converters within a second.
                ids, vectors = encode_in_steps(model, batch, follow_converters)
                self.outbox.put((ids, vectors, None))
            except Exception as exc:  # reported to the main thread, which stops the run
                self.outbox.put(([], None, exc))
                return
        self.outbox.put(None)


def _encode_steps(batch: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """The batch by ABC length in groups of ``ENCODE_STEP`` (similar lengths pad little)."""
    ordered = sorted(batch, key=lambda item: len(item[1]))
    return [ordered[start:start + ENCODE_STEP] for start in range(0, len(ordered), ENCODE_STEP)]


class LocalBackend:
    """This machine: converter processes with time and memory limits, and one encoder thread.

    A backend has ``convert(jobs)``, an iterator of ``(job, entries, None)`` or
    ``(job, None, reason)`` in any order; ``encoder(load_model)``, a started-on-demand
    object with ``inbox`` ((id, abc) batches, then None), ``outbox`` ((ids, vectors,
    error), then None), ``conversion_done``, ``start()``, ``stop()`` and ``is_alive()``;
    and ``nodes_used(worked)``, how many machines did work.
    """

    def __init__(self, workers: int | None = None, timeout: float = 60.0):
        self.workers = workers
        self.timeout = timeout

    def convert(self, jobs: list) -> Iterator[tuple]:
        with ConverterPool(convert_job, workers=self.workers, timeout=self.timeout) as pool:
            yield from pool.imap_unordered(jobs)

    def encoder(self, load_model: Callable) -> _EncoderThread:
        return _EncoderThread(load_model)

    @staticmethod
    def nodes_used(worked: bool) -> int:
        return int(worked)


class _StageClock:
    """Items and seconds of one stage, from its first item to its last."""

    def __init__(self):
        self.items = 0
        self.started: float | None = None
        self.ended = 0.0

    def begin(self) -> None:
        if self.started is None:
            self.started = time.monotonic()

    def add(self, items: int) -> None:
        self.items += items
        self.ended = time.monotonic()

    def figures(self) -> dict:
        seconds = max(self.ended - self.started, 0.0) if self.started is not None and self.items else 0.0
        return {"items": self.items, "seconds": round(seconds, 2),
                "per_second": round(self.items / seconds, 2) if seconds else None}


class LibraryIndexer:
    """Keeps a library in step with its folders: new, changed, moved and deleted files."""

    def __init__(self, library: Library, model_name: str, load_model: Callable,
                 workers: int | None = None, timeout: float = 60.0, inline: bool = False,
                 suffixes: tuple[str, ...] | None = None, backend=None):
        self.library = library
        self.model_name = model_name
        self.load_model = load_model
        self.backend = backend or LocalBackend(workers, timeout)
        self.inline = inline
        self.scanner = LibraryScanner(suffixes) if suffixes else LibraryScanner()
        self.reads = model_reads(model_name)   # what the model reads: the stored ABC, or its own input

    # --- planning ------------------------------------------------------------

    def plan(self, folders: list[str]) -> _Plan:
        plan = _Plan()
        known = {p: s for p, s in self.library.file_states().items() if _under(p, folders)}
        found = {library_path(f.path): f for f in self.scanner.scan(folders)}
        gone = {p: s for p, s in known.items() if p not in found}
        gone_by_hash = {}
        for path, state in gone.items():
            gone_by_hash.setdefault(state.hash, []).append(path)
        for path, file in found.items():
            state = known.get(path)
            if state and state.size == file.size and state.mtime_ns == file.mtime_ns and not state.stale:
                plan.unchanged += 1
                continue
            if path != file.path:
                plan.convert.append((file, "", f"unreadable: {BAD_NAME_REASON}"))
                continue
            if file.size > MAX_FILE_BYTES:
                plan.convert.append((file, "", f"unreadable: the file is larger than {MAX_FILE_BYTES >> 20} MiB"))
                continue
            try:
                digest = file_hash(path)
            except OSError as exc:
                plan.convert.append((file, "", f"unreadable: {exc.strerror or exc}"))
                continue
            if state and state.hash == digest and not state.stale:
                plan.touched.append(file)
            elif state:
                plan.convert.append((file, digest, "updated"))
            elif gone_by_hash.get(digest):
                plan.moves.append((gone_by_hash[digest].pop(), file))
            else:
                plan.convert.append((file, digest, "added"))
        reread = (known.get(library_path(file.path)) for file, _, _ in plan.convert)
        plan.reread_ids = {piece_id for state in reread if state for piece_id in state.piece_ids}
        moved_from = {old for old, _ in plan.moves}
        plan.deleted = [p for p in gone if p not in moved_from]
        return plan

    def _apply_plan(self, plan: _Plan, summary: IndexSummary) -> None:
        with self.library.atomic():
            for old, file in plan.moves:
                self.library.move_file(old, file.path, file.size, file.mtime_ns)
            for file in plan.touched:
                self.library.touch_file(file.path, file.size, file.mtime_ns)
            self.library.delete_files(plan.deleted)
        summary.removed = len(plan.deleted)
        summary.moved = len(plan.moves)
        summary.unchanged = plan.unchanged + len(plan.touched)

    def _unify_composers(self) -> None:
        """One spelling per person among composers the authority file does not know; then pieces
        that name no composer take the one their folder's other pieces name."""
        from ..ingest.composers import composers_by_folder, unify

        with self.library.atomic():
            self.library.merge_spellings(unify(self.library.composers()))
            self.library.set_composers(composers_by_folder(self.library.piece_composers()))

    # --- running ---------------------------------------------------------------

    def _roots(self, folders: Iterable[str | Path], summary: IndexSummary) -> list[str]:
        """The folders to scan, one spelling each (links resolved), as the library's folder list keeps them.

        A folder inside a library folder is scanned but not listed (it is part
        of that folder: said in ``summary.covered``); a folder holding library
        folders replaces them in the list.  So adding a folder twice, by
        another spelling, or a sub-folder of one never makes duplicates.
        """
        self.scanner.skipped.clear()
        asked = [os.path.realpath(f) for f in folders]
        unfinished = self.library.unfinished_index_run()
        if unfinished:
            summary.resumed = [f for f in unfinished["folders"] if os.path.isdir(f)]
        roots = list(dict.fromkeys(asked + summary.resumed))
        listed = self.library.folders()
        for folder in roots:
            holder = next((r for r in listed + roots if r != folder and _under(folder, [r])), None)
            if holder is not None:
                if folder in asked:
                    summary.covered.append((folder, holder))
                continue
            for inside in [r for r in listed if r != folder and _under(r, [folder])]:
                self.library.remove_folder(inside)
            self.library.add_folder(folder)
        return roots

    def run(self, folders: Iterable[str | Path]) -> Generator[Progress, None, IndexSummary]:
        started = time.monotonic()
        summary = IndexSummary(model=self.model_name)
        yield Progress("scan", 0, 0, "looking for scores")
        folders = self._roots(folders, summary)
        plan = self.plan(folders)
        summary.skipped = dict(self.scanner.skipped)
        self._apply_plan(plan, summary)
        self.library.remember_index_run(folders, len(plan.convert), 0)
        yield Progress("scan", len(plan.convert), len(plan.convert), f"{len(plan.convert)} files to read")
        encoder = self.backend.encoder(self.load_model)
        clocks = {"convert": _StageClock(), "encode": _StageClock()}
        try:
            pending_encode = [item for item in self.library.pieces_needing_vectors(self.model_name)
                              if item[0] not in plan.reread_ids]
            encoder_started = False

            def feed(items: list) -> int:
                nonlocal encoder_started
                items = self._model_inputs(items, summary)
                if not items:
                    return 0
                if not encoder_started:
                    clocks["encode"].begin()
                    encoder.start()
                    encoder_started = True
                for start in range(0, len(items), ENCODE_BATCH):
                    encoder.inbox.put(items[start:start + ENCODE_BATCH])
                return len(items)

            to_encode = feed(pending_encode)
            clocks["convert"].begin()
            for batch in self._convert(plan, summary):
                to_encode += feed(batch)
                summary.encoded += self._store_ready_vectors(encoder, block=False, clock=clocks["encode"])
                read = summary.added + summary.updated + summary.failed
                clocks["convert"].add(read - clocks["convert"].items)
                self.library.remember_index_run(folders, len(plan.convert), read)
                yield Progress("convert", read, len(plan.convert), f"{summary.encoded}/{to_encode} encoded")
            encoder.conversion_done.set()
            if plan.convert:
                self._unify_composers()
            if encoder_started:
                encoder.inbox.put(None)
                while summary.encoded < to_encode:
                    stored = self._store_ready_vectors(encoder, block=True, clock=clocks["encode"])
                    if stored < 0:
                        break
                    summary.encoded += stored
                    yield Progress("encode", summary.encoded, to_encode, self.model_name)
        finally:
            if encoder.is_alive():
                encoder.stop()  # a closed (cancelled) job must not leave the thread waiting
        summary.stages = {stage: clock.figures() for stage, clock in clocks.items()}
        summary.nodes = self.backend.nodes_used(bool(clocks["convert"].items or summary.encoded))
        if summary.encoded:
            yield from self._prepare_search()
        summary.still_failing = self.library.files_failing()
        summary.seconds = round(time.monotonic() - started, 2)
        self.library.forget_index_run()
        yield Progress("done", 1, 1, "")
        return summary

    def _model_inputs(self, items: list[tuple[int, str]], summary: IndexSummary) -> list[tuple[int, str]]:
        """(id, what the model reads) per piece: the stored ABC, or the model's own input from the file.

        A piece the model cannot read is reported and left without a vector.
        """
        if self.reads == "clamp-abc":
            return items
        prepared = []
        for piece_id, abc in items:
            piece = self.library.piece(piece_id)
            try:
                prepared.append((piece_id, piece_input(piece["path"], piece["tune"], self.reads, abc).text))
            except (ConversionError, OSError, UnicodeDecodeError, IndexError) as exc:
                summary.failures.append((piece["path"], f"{self.model_name} cannot read it: {exc}"[:300]))
        return prepared

    def _prepare_search(self) -> Generator[Progress, None, None]:
        """Make the first search of the next session quick: the vectors saved beside the library and,
        for a large library, the approximate index built now rather than on the first search (minutes)."""
        index = vectors.index_for(self.library, self.model_name)
        index.save(self.library)
        for added, total in index.build_approximate():
            yield Progress("search index", added, total, "building the approximate search index")

    def _store_ready_vectors(self, encoder, block: bool, clock: _StageClock) -> int:
        """Commit every finished batch of vectors; -1 when the encoder has ended."""
        stored = 0
        while True:
            try:
                item = encoder.outbox.get(block=block and stored == 0)
            except queue.Empty:
                return stored
            if item is None:
                return stored if stored else -1
            ids, vectors, error = item
            if error is not None:
                raise error
            with self.library.atomic():
                self.library.store_vectors(self.model_name, ids, vectors)
            stored += len(ids)
            clock.add(len(ids))
            block = False

    def _convert(self, plan: _Plan, summary: IndexSummary) -> Generator[list, None, None]:
        """Convert planned files, commit their pieces in chunks, yield (id, abc) per chunk."""
        todo = {file.path: (file, digest, kind) for file, digest, kind in plan.convert}
        unreadable = [(f, k) for f, d, k in plan.convert if not d]
        jobs = [(f.path, d) for f, d, _ in plan.convert if d]
        buffer: list = []
        last_commit = time.monotonic()

        def flush() -> list:
            ready = []
            with self.library.atomic():
                for path, entries, error in buffer:
                    file, digest, kind = todo[path]
                    suffix = Path(path).suffix.lower().lstrip(".")
                    if error is None:
                        ids = self.library.store_entries(path, digest, file.size, file.mtime_ns, suffix, entries)
                        # a re-saved file whose music did not change keeps its vector
                        ready.extend((pid, entry.abc) for pid, entry in zip(ids, entries)
                                     if entry.abc is not None and self.library.vector(pid, self.model_name) is None)
                        if _count_notices(summary, path, entries):
                            pass  # counted as failed: listed by its metadata, not converted
                        elif kind == "added":
                            summary.added += 1
                        else:
                            summary.updated += 1
                    elif os.path.exists(path):
                        stored_path = library_path(path)
                        self.library.store_failure(stored_path, digest, file.size, file.mtime_ns, suffix, error)
                        summary.failed += 1
                        summary.failures.append((stored_path, error))
            buffer.clear()
            return ready

        for file, kind in unreadable:
            buffer.append((file.path, None, kind.removeprefix("unreadable: ")))
        if self.inline or not jobs:
            results = convert_inline(convert_job, jobs)
            yield from self._chunks(results, buffer, flush, last_commit)
        else:
            yield from self._chunks(self.backend.convert(jobs), buffer, flush, last_commit)
        if buffer:
            yield flush()

    @staticmethod
    def _chunks(results, buffer: list, flush: Callable, last_commit: float) -> Generator[list, None, None]:
        for (path, _digest), entries, error in results:
            buffer.append((path, entries, error))
            if len(buffer) >= COMMIT_EVERY or time.monotonic() - last_commit > COMMIT_SECONDS:
                yield flush()
                last_commit = time.monotonic()


def run_to_end(job: Generator, on_progress: Callable[[Progress], None] | None = None):
    """Drive a generator job to its end; returns what it returns."""
    while True:
        try:
            progress = next(job)
        except StopIteration as stop:
            return stop.value
        if on_progress:
            on_progress(progress)
