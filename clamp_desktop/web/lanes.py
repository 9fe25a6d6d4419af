"""The two one-thread lanes of the web server: the model's and Verovio's.

Requests run on many threads, but the model's weights and a Verovio toolkit
are each used from one thread only: a request that needs them queues its work
on their lane and waits for the answer, so two encodes never run at once on
the same weights (as in the desktop app's worker lanes, without Qt).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from ..engine.render import ScoreRenderer


class ModelLane:
    """The model, loaded once on first use, driven from one thread; quacks like the model for the engine."""

    def __init__(self, load: Callable):
        self._load = load
        self._lane = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clamp-web-model")

    def warm_up(self) -> None:
        """Start loading the model now, so the first search does not wait for it."""
        self._lane.submit(self._load)

    def encode_text(self, texts: list[str]):
        return self._lane.submit(lambda: self._load().encode_text(texts)).result()

    def encode_music(self, abcs: list[str]):
        return self._lane.submit(lambda: self._load().encode_music(abcs)).result()

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
