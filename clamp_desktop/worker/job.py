"""A job: a plain function or generator run on a lane, reporting back through Qt signals.

The idea is superqt's ``thread_worker``: a generator job yields progress and
returns its result.  On the GUI thread that arrives as ``started``, any number
of ``yielded``, then exactly one of ``returned`` / ``errored`` / ``aborted``,
and ``finished`` always last.  ``cancel()`` takes effect between yields (and
in a progress callback that checks :attr:`Job.cancelled`).  ``began`` and
``ended`` come just before ``started`` and ``finished`` and carry the job, so
its ``Worker`` connects bound methods, which Qt drops with the Worker.

A job that is ``dropped`` (its Worker was shut down: the window that asked for
it is going) reports nothing more, whatever it had still on its way.

Signals are re-emitted on the thread the job was made on (the GUI thread), so
every slot, lambdas included, runs there and may touch widgets.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Generator

from PySide6.QtCore import QObject, Qt, Signal, Slot

from ..errors import ClampDesktopError

log = logging.getLogger(__name__)
YIELD_INTERVAL_S = 0.05   # at most 20 progress updates a second reach the GUI
_numbers = itertools.count(1)


class JobCancelled(Exception):
    """Raised inside a job (e.g. from a progress callback) to stop it early."""


def readable_error(exc: BaseException, label: str) -> str:
    """One line for the user: our own errors speak for themselves, others get their type."""
    if isinstance(exc, ClampDesktopError):
        text = str(exc)
    else:
        text = f"{label} failed: {type(exc).__name__}: {exc}"
    return " ".join(text.split()) or f"{label} failed"


class Job(QObject):
    started = Signal()
    yielded = Signal(object)
    returned = Signal(object)
    errored = Signal(str)
    aborted = Signal()
    finished = Signal()
    began = Signal(object)      # the job, just before ``started``
    ended = Signal(object)      # the job, just before ``finished``
    _relay = Signal(str, object)

    def __init__(self, label: str, function: Callable, *, interactive: bool = False,
                 priority: int = 1, key=None):
        super().__init__()
        self.label = label
        self.function = function
        self.interactive = interactive     # may run between the yields of a long job
        self.priority = priority           # lower runs first
        self.key = key                     # equal keys waiting in a lane are merged
        self.number = next(_numbers)
        self.result = None
        self.error: str | None = None
        self.state = "queued"              # queued, running, returned, errored, aborted
        self.lane = ""                     # the name of the lane it was queued on
        self._cancel = threading.Event()
        self._last_report = 0.0
        self._pending = None
        self._relay.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    # --- any thread -------------------------------------------------------------

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def done(self) -> bool:
        return self.state in ("returned", "errored", "aborted")

    def drop(self) -> None:
        """Cancel it and report nothing more: whoever asked for it is gone (call on the GUI thread)."""
        self.cancel()
        self.blockSignals(True)
        if not self.done:
            self.state = "aborted"      # as far as the GUI knows: nothing of it arrives any more

    def report(self, value) -> None:
        """Progress from inside the job; throttled, the latest value always arrives."""
        now = time.monotonic()
        if now - self._last_report < YIELD_INTERVAL_S:
            self._pending = (value,)
            return
        self._last_report, self._pending = now, None
        self._relay.emit("yielded", value)

    # --- the lane's thread --------------------------------------------------------

    def execute(self, between_yields: Callable[[], None] | None = None) -> None:
        """Run to the end on the calling thread, emitting the signals (via the GUI thread)."""
        if self.cancelled:
            self._end("aborted", None)
            return
        self._relay.emit("started", None)
        try:
            result = self.function()
            if isinstance(result, Generator):
                result = self._drive(result, between_yields)
        except JobCancelled:
            self._end("aborted", None)
        except Exception as exc:  # every failure reaches the GUI as one line
            if self.cancelled:      # e.g. a query interrupted at shutdown: what cancelling it meant to do
                log.debug("job %s stopped when cancelled: %s", self.label, exc)
                self._end("aborted", None)
                return
            if isinstance(exc, ClampDesktopError):
                log.info("job %s: %s", self.label, exc)
            else:
                log.warning("job %s failed", self.label, exc_info=True)
            self._end("errored", readable_error(exc, self.label))
        else:
            self._end("aborted" if result is _ABORTED else "returned", None if result is _ABORTED else result)

    def _drive(self, generator: Generator, between_yields):
        while True:
            if self.cancelled:
                generator.close()   # runs the job's finally/with blocks
                return _ABORTED
            try:
                value = next(generator)
            except StopIteration as stop:
                return stop.value
            self.report(value)
            if between_yields is not None:
                between_yields()

    def _end(self, state: str, payload) -> None:
        if self._pending is not None:
            self._relay.emit("yielded", self._pending[0])
            self._pending = None
        self._relay.emit(state, payload)
        self._relay.emit("finished", None)

    # --- the GUI thread -------------------------------------------------------------

    @Slot(str, object)
    def _deliver(self, name: str, payload) -> None:
        if self.signalsBlocked():
            return      # dropped: its results stay with it
        if name == "started":
            self.state = "running"
            self.began.emit(self)
            self.started.emit()
        elif name == "yielded":
            self.yielded.emit(payload)
        elif name == "returned":
            self.state, self.result = "returned", payload
            self.returned.emit(payload)
        elif name == "errored":
            self.state, self.error = "errored", payload
            self.errored.emit(payload)
        elif name == "aborted":
            self.state = "aborted"
            self.aborted.emit()
        elif name == "finished":
            self.ended.emit(self)
            self.finished.emit()

    def __repr__(self) -> str:
        return f"<Job {self.number} {self.label} {self.state}>"


_ABORTED = object()
