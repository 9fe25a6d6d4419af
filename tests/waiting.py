"""Waiting for a condition that has no event to wait on (another process's state, a file, a thread's end)."""

from __future__ import annotations

import time
from collections.abc import Callable

POLL_S = 0.05


def wait_until(condition: Callable[[], object], timeout_s: float, what: str) -> None:
    """Return as soon as ``condition()`` is true; fail naming ``what`` after ``timeout_s``.

    ``timeout_s`` is a limit for a hung test, not a speed claim: nothing is
    asserted about how long the wait took (speed is measured in bench/).
    """
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(POLL_S)
