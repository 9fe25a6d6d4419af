"""A lane: one QThread that runs jobs one after another, most urgent first.

While a long job (indexing, tagging) runs, the lane takes waiting
*interactive* jobs (a search, a tag edit) between two of its yields, so the
user is not kept waiting for the end of an hour of indexing; everything still
runs on the lane's one thread, so whatever the lane owns (the model, the
writable library) is never used from two threads at once.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable

from PySide6.QtCore import QThread, QTimer

from .job import Job


class Lane(QThread):
    def __init__(self, name: str, on_exit: Callable[[], None] | None = None):
        super().__init__()
        self.setObjectName(name)
        self._queue: list[tuple[int, int, Job]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._stopping = False
        self._on_exit = on_exit           # runs on the lane's thread as it ends
        self.current: Job | None = None
        self._retired: list[Job] = []     # finished jobs, released on the GUI thread
        self._retired_lock = threading.Lock()

    # --- the GUI thread ---------------------------------------------------------

    def submit(self, job: Job) -> Job:
        """Queue a job; a waiting job with the same key is returned instead of a duplicate.

        A stopped lane takes nothing more: the job is dropped and the thread
        is not started again (a timer that fires after the window closed
        must not bring the lane back to report to a window that is gone).
        """
        with self._wake:
            if self._stopping:
                job.drop()
                return job
            if job.key is not None:
                for _, _, waiting in self._queue:
                    if waiting.key == job.key and not waiting.cancelled:
                        return waiting
            heapq.heappush(self._queue, (job.priority, next(self._order), job))
            self._wake.notify()
        if not self.isRunning():
            self.start()
        return job

    def pending(self) -> list[Job]:
        with self._wake:
            return [job for _, _, job in sorted(self._queue)]

    def cancel_all(self) -> None:
        with self._wake:
            for _, _, job in self._queue:
                job.cancel()
        if self.current is not None:
            self.current.cancel()

    def stop(self, timeout_ms: int = 10_000) -> bool:
        """Cancel everything, end the thread (for good); True when it ended in time."""
        self.cancel_all()
        with self._wake:
            self._stopping = True
            self._wake.notify()
        return self.wait(timeout_ms) if self.isRunning() else True

    # --- the lane's thread --------------------------------------------------------

    def _take(self, block: bool, interactive_only: bool = False) -> Job | None:
        with self._wake:
            while True:
                if self._stopping and not self._queue:
                    return None
                for entry in sorted(self._queue):
                    if not interactive_only or entry[2].interactive:
                        self._queue.remove(entry)
                        heapq.heapify(self._queue)
                        return entry[2]
                if not block:
                    return None
                self._wake.wait()

    def _retire(self, job: Job) -> None:
        """Hand the last reference to a finished job back to the GUI thread.

        A Job is a QObject made on the GUI thread; if this thread dropped the
        last reference, Qt would delete it here, possibly while its queued
        signals are still being delivered there (a crash).
        """
        with self._retired_lock:
            self._retired.append(job)
        QTimer.singleShot(0, self, self._release_retired)

    def _release_retired(self) -> None:
        with self._retired_lock:
            self._retired.clear()

    def _run_waiting_interactive(self) -> None:
        while True:
            job = self._take(block=False, interactive_only=True)
            if job is None:
                return
            job.execute()
            self._retire(job)
            del job

    def run(self) -> None:
        try:
            while True:
                job = self._take(block=True)
                if job is None:
                    break
                self.current = job
                job.execute(None if job.interactive else self._run_waiting_interactive)
                self.current = None
                self._retire(job)
                del job
        finally:
            if self._on_exit is not None:
                self._on_exit()
