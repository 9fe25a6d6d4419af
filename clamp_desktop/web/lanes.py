"""The two one-thread lanes of the web server: the model's and Verovio's.

Requests run on many threads, but the model's weights and a Verovio toolkit
are each used from one thread only: a request that needs them queues its work
on their lane and waits for the answer, so two encodes never run at once on
the same weights (as in the desktop app's worker lanes, without Qt).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from ..engine.render import ScoreRenderer

MAX_BATCH = 64


class ModelLane:
    """The model, loaded once on first use, driven from one thread; quacks like the model for the engine.

    Texts that arrive while the model is busy wait together and are encoded as
    one batch (the same vectors as one at a time), so many clients searching at
    once cost a few model runs, not one each.
    """

    def __init__(self, load: Callable):
        self._load = load
        self._lane = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clamp-web-model")
        self._waiting: list[tuple[str, Future]] = []
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Start loading the model now, so the first search does not wait for it."""
        self._lane.submit(self._load)

    def encode_text(self, texts: list[str]) -> np.ndarray:
        futures = [Future() for _ in texts]
        with self._lock:
            self._waiting.extend(zip(texts, futures))
        self._lane.submit(self._encode_waiting)
        return np.stack([future.result() for future in futures])

    def _encode_waiting(self) -> None:
        with self._lock:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
        if not batch:
            return                      # an earlier run took these texts along
        try:
            vectors = self._load().encode_text([text for text, _ in batch])
        except BaseException as exc:    # every waiting request hears of it
            for _, future in batch:
                future.set_exception(exc)
            return
        for (_, future), vector in zip(batch, vectors):
            future.set_result(vector)

    def close(self) -> None:
        self._lane.shutdown(wait=True, cancel_futures=True)


class RenderLane:
    """One Verovio renderer on one thread: (page count, page SVG) of a score file."""

    def __init__(self):
        self._lane = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clamp-web-render")
        self._renderer: ScoreRenderer | None = None    # made on the lane's thread

    def _loaded(self, path: str, tune: int) -> ScoreRenderer:
        if self._renderer is None:
            self._renderer = ScoreRenderer()
        self._renderer.load(path, tune)
        return self._renderer

    def page_count(self, path: str, tune: int) -> int:
        return self._lane.submit(lambda: self._loaded(path, tune).page_count).result()

    def page_svg(self, path: str, tune: int, page: int) -> str:
        return self._lane.submit(lambda: self._loaded(path, tune).page_svg(page)).result()

    def close(self) -> None:
        self._lane.shutdown(wait=True, cancel_futures=True)
