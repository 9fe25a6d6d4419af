"""A pool of long-lived converter processes with a time and memory limit per file.

``concurrent.futures`` cannot stop a task that hangs, and one hostile file must
never hang the indexer, so each worker runs one task at a time and is killed
and replaced when it runs past its time limit or dies (segfault, out of
memory).  Workers exit on their own when the parent goes away, even after a
``kill -9`` of the parent: an idle one sees its pipe close, a busy one is
stopped by a watchdog thread that notices it has a new parent.  Ctrl+C is the
parent's to handle; workers ignore it and are closed by the parent.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

from ..errors import ConversionError

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MEMORY_LIMIT = 3 * 1024**3
ORPHAN_CHECK_S = 0.5


def _limit_memory(limit: int | None) -> None:
    if not limit:
        return
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # not on Windows/macOS; best effort
        pass


def _exit_with_parent(parent_pid: int) -> None:
    """Stop this worker soon after its parent dies, even in the middle of a long conversion."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(ORPHAN_CHECK_S)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="orphan-watch").start()


def failure_reason(exc: Exception) -> str:
    """The one-line reason recorded for a file whose conversion raised ``exc``."""
    if isinstance(exc, ConversionError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "conversion ran out of memory (size limit)"
    if isinstance(exc, RecursionError):
        return "the score nests too deeply to convert"
    return f"{type(exc).__name__}: {exc}"[:300]


def _worker_main(conn: Connection, func: Callable, memory_limit: int | None, parent_pid: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent(parent_pid)
    _limit_memory(memory_limit)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        key, item = task
        try:
            result = ("ok", func(item))
        except Exception as exc:  # one bad file must never stop the run
            result = ("error", failure_reason(exc))
        try:
            conn.send((key, result))
        except (OSError, ValueError):
            return


@dataclass
class _Worker:
    process: mp.Process
    conn: Connection
    task: tuple | None = None
    deadline: float = 0.0


class ConverterPool:
    """Run ``func(item)`` for many items in worker processes; results come back as they finish.

    ``imap_unordered`` yields ``(item, result, None)`` or ``(item, None, reason)``.
    """

    def __init__(self, func: Callable, workers: int | None = None,
                 timeout: float = DEFAULT_TIMEOUT_S, memory_limit: int | None = DEFAULT_MEMORY_LIMIT):
        self.func = func
        self.size = max(1, workers or min(2, os.cpu_count() or 1))
        self.timeout = timeout
        self.memory_limit = memory_limit
        self._context = mp.get_context("spawn")
        self._workers: list[_Worker] = []

    def _start_worker(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=_worker_main, args=(child, self.func, self.memory_limit, os.getpid()), daemon=True
        )
        process.start()
        child.close()
        return _Worker(process, parent)

    def __enter__(self) -> "ConverterPool":
        self._workers = [self._start_worker() for _ in range(self.size)]
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for worker in self._workers:
            try:
                worker.conn.send(None)
            except (OSError, ValueError):
                pass
        for worker in self._workers:
            worker.process.join(timeout=2)
            if worker.process.is_alive():
                worker.process.kill()
            worker.conn.close()
        self._workers = []

    def _replace(self, worker: _Worker) -> int | None:
        """Start a fresh worker in ``worker``'s place; returns the old one's exit code."""
        worker.process.kill()
        worker.process.join(timeout=5)
        worker.conn.close()
        self._workers[self._workers.index(worker)] = self._start_worker()
        return worker.process.exitcode

    def _hand_out(self, pending: deque) -> None:
        """Give each idle worker the next item; a worker that died while idle is replaced first."""
        for index, worker in enumerate(self._workers):
            while worker.task is None and pending:
                try:
                    worker.conn.send(pending[0])
                except OSError:  # it died between tasks (killed by the OOM killer, say)
                    self._replace(worker)
                    worker = self._workers[index]
                    continue
                worker.task = pending.popleft()
                worker.deadline = time.monotonic() + self.timeout

    def imap_unordered(self, items: Iterable) -> Iterator[tuple]:
        if not self._workers:
            self.__enter__()
        pending = deque(enumerate(items))
        while True:
            self._hand_out(pending)
            busy = [w for w in self._workers if w.task is not None]
            if not busy:
                return
            wait_for = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            ready = wait([w.conn for w in busy], timeout=wait_for)
            for worker in busy:
                if worker.conn in ready:
                    yield from self._collect(worker)
                elif time.monotonic() >= worker.deadline:
                    item = worker.task[1]
                    worker.task = None
                    self._replace(worker)
                    yield item, None, f"conversion timed out after {self.timeout:g} s"

    def _collect(self, worker: _Worker) -> Iterator[tuple]:
        item = worker.task[1]
        try:
            _, (status, value) = worker.conn.recv()
        except (EOFError, OSError):
            worker.task = None
            code = self._replace(worker)
            yield item, None, f"the converter process died (exit code {code})"
            return
        worker.task = None
        if status == "ok":
            yield item, value, None
        else:
            yield item, None, value


def convert_inline(func: Callable, items: Iterable) -> Iterator[tuple]:
    """The same contract as ``ConverterPool.imap_unordered``, in this process, with no time or memory limit.

    Only for files the user picked one by one and for tests; a folder of
    unknown files goes through the pool.
    """
    for item in items:
        try:
            yield item, func(item), None
        except Exception as exc:  # one bad file must never stop the run
            yield item, None, failure_reason(exc)
