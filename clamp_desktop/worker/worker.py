"""``Worker``: the one door from the GUI to the engine (see the package docstring)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from . import jobs
from .job import Job
from .lane import Lane
from .progress import job_tqdm
from .state import EngineState, ReadState

BACKGROUND, INTERACTIVE = 1, 0


class Worker(QObject):
    jobStarted = Signal(object)       # Job
    jobEnded = Signal(object)         # Job
    libraryChanged = Signal()         # a job wrote to the library
    modelReady = Signal(object)       # jobs.ModelInfo, once the model is loaded

    def __init__(self, db_path: str | Path, model: str | None = None, device: str | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.state = EngineState(db_path, model, device)
        self.engine = Lane("clamp-engine", on_exit=self.state.close)
        self.render_lane = Lane("clamp-render")
        self.reads = ReadState(db_path)   # its own read-only connection, opened and closed on the read lane
        self.read_lane = Lane("clamp-read", on_exit=self.reads.close)
        self._renderer = None          # made and used on the render lane only
        self.model_info: jobs.ModelInfo | None = None
        self._jobs: set[Job] = set()     # queued or running: kept alive until their last signal on this thread

    @property
    def db_path(self) -> Path:
        return self.state.db_path

    # --- queuing ----------------------------------------------------------------

    def _submit(self, lane: Lane, job: Job, writes: bool = False) -> Job:
        """Queue ``job`` (or return the equal one waiting); after ``shutdown`` it is dropped unrun."""
        job.lane = lane.objectName()
        queued = lane.submit(job)
        if queued is job and not job.done:
            self._jobs.add(job)
            # bound methods and signals, no lambdas: Qt drops these connections with the Worker
            job.began.connect(self.jobStarted)
            job.ended.connect(self._ended)
            if writes:
                job.yielded.connect(self.libraryChanged)
                job.finished.connect(self.libraryChanged)
        return queued

    def _ended(self, job: Job) -> None:
        self._jobs.discard(job)      # whoever asked for it still holds it; its ``finished`` comes next
        model = self.state.model
        if self.model_info is None and model is not None:
            self.model_info = jobs.ModelInfo(model.name, str(model.device), model.dim)
            self.modelReady.emit(self.model_info)
        self.jobEnded.emit(job)

    def _engine(self, label: str, function: Callable, *args, interactive: bool = False,
                writes: bool = False, key=None, **kwargs) -> Job:
        job = Job(label, partial(function, self.state, *args, **kwargs), interactive=interactive,
                  priority=INTERACTIVE if interactive else BACKGROUND, key=key)
        return self._submit(self.engine, job, writes)

    def _read(self, label: str, function: Callable, *args, key=None) -> Job:
        job = Job(label, partial(function, self.reads, *args), priority=INTERACTIVE, key=key)
        return self._submit(self.read_lane, job)

    def busy(self) -> bool:
        return self.engine.current is not None or bool(self.engine.pending())

    # --- engine jobs ----------------------------------------------------------------

    def load_model(self) -> Job:
        return self._engine("Loading the model", jobs.load_model)

    def index(self, folders: list[str] | None = None, workers: int | None = None,
              suffixes: tuple[str, ...] | None = None) -> Job:
        """Index folders (default: the library's); a waiting identical request is reused."""
        key = ("index", tuple(folders or ()), suffixes)
        return self._engine("Indexing", jobs.index, folders, workers=workers, suffixes=suffixes,
                            writes=True, key=key)

    def reindex(self, workers: int | None = None, suffixes: tuple[str, ...] | None = None) -> Job:
        return self._engine("Re-indexing", jobs.reindex, workers=workers, suffixes=suffixes, writes=True)

    def add_folder(self, folder: str, workers: int | None = None,
                   suffixes: tuple[str, ...] | None = None) -> Job:
        return self._engine("Adding a folder", jobs.add_folder, folder, workers=workers, suffixes=suffixes,
                            writes=True)

    def remove_folder(self, folder: str) -> Job:
        return self._engine("Removing a folder", jobs.remove_folder, folder, writes=True)

    def tag(self, vocabularies=None) -> Job:
        return self._engine("Tagging", jobs.tag, vocabularies, writes=True)

    def search(self, text: str, top: int = 100, offset: int = 0, words_first: bool = False) -> Job:
        return self._engine("Searching", jobs.search, text, top, offset, words_first, interactive=True)

    def similar_to_piece(self, piece_id: int, top: int = 10) -> Job:
        return self._engine("Finding similar pieces", jobs.similar_to_piece, piece_id, top, interactive=True)

    def similar_to_file(self, path: str, top: int = 10) -> Job:
        return self._engine("Finding similar pieces", jobs.similar_to_file, path, top, interactive=True)

    def edit_tag(self, action: str, piece_id: int, vocabulary: str, label: str) -> Job:
        return self._engine("Editing tags", jobs.edit_tag, action, piece_id, vocabulary, label,
                            interactive=True, writes=True)

    def rename_composer(self, old: str, new: str) -> Job:
        return self._engine("Renaming a composer", jobs.rename_composer, old, new, interactive=True, writes=True)

    def change(self, label: str, verb: Callable, *args, **kwargs) -> Job:
        """Run ``verb(library, *args)``, an engine verb that changes the user's data (an edit, a mark, a collection)."""
        return self._engine(label, jobs.on_library, verb, *args, interactive=True, writes=True, **kwargs)

    def library_job(self, label: str, verb: Callable, *args, **kwargs) -> Job:
        """Run ``verb(library, *args)`` that only reads the library (an export, a backup file)."""
        return self._engine(label, jobs.on_library, verb, *args, interactive=True, **kwargs)

    def find_duplicates(self) -> Job:
        return self._engine("Looking for duplicates", jobs.find_duplicates, key="duplicates")

    def save_vocabulary(self, vocabulary) -> Job:
        return self._engine("Re-tagging", jobs.save_vocabulary, vocabulary, writes=True)

    def use_model(self, model: str | None, device: str | None) -> Job:
        self.model_info = None
        return self._engine("Switching model", lambda state: state.use_model(model, device))

    def download_model(self, name: str) -> Job:
        job = Job(f"Downloading {name}", lambda: None, priority=INTERACTIVE)
        job.function = partial(jobs.download_model, name, job_tqdm(job))
        return self._submit(self.engine, job)

    # --- read jobs: reads too slow for the GUI thread at a million pieces ----------------------

    def sidebar_counts(self, vocabularies: dict) -> Job:
        """The sidebar's facets and piece total (``jobs.SidebarCounts``); a waiting request is reused."""
        return self._read("Counting the sidebar", jobs.sidebar_counts, vocabularies, key="sidebar_counts")

    # --- render jobs ----------------------------------------------------------------

    def render(self, label: str, function: Callable, *args, priority: int = INTERACTIVE, key=None) -> Job:
        """Run ``function(renderer, *args)`` on the render lane with its ``ScoreRenderer``."""
        job = Job(label, partial(self._with_renderer, function, *args), priority=priority, key=key)
        return self._submit(self.render_lane, job)

    def _with_renderer(self, function: Callable, *args):
        if self._renderer is None:
            from ..engine.render import ScoreRenderer

            self._renderer = ScoreRenderer()
        return function(self._renderer, *args)

    # --- the end ----------------------------------------------------------------------

    def cancel_all(self) -> None:
        self.engine.cancel_all()
        self.render_lane.cancel_all()
        self.read_lane.cancel_all()

    def shutdown(self, timeout_ms: int = 15_000) -> bool:
        """Cancel every job, end the threads (each library is closed on its own thread), for good.

        Every job's results are dropped, those still on their way included:
        whoever asked for them (the window) is going.  A job asked for later
        is dropped unrun (``Lane.submit``).
        """
        for job in self._jobs:
            job.drop()
        self._jobs.clear()            # the lanes release what they still hold, on this thread (Lane._retire)
        self.reads.interrupt()        # a count of a million pieces takes seconds: the window does not wait for it
        ended = self.render_lane.stop(timeout_ms)
        ended = self.read_lane.stop(timeout_ms) and ended
        ended = self.engine.stop(timeout_ms) and ended
        if not self.engine.isRunning():
            self.state.close()
        if not self.read_lane.isRunning():
            self.reads.close()
        return ended
