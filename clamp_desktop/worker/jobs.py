"""The lanes' jobs: plain functions and generators over an ``EngineState`` (or the read lane's ``ReadState``).

Each is one engine verb with the lane's library and model filled in; the
``Worker`` queues them.  Generators yield ``Progress`` and return a result.
Engine modules are imported inside the jobs, on first use: the window's
first paint needs none of them (the indexer alone took ~0.6 s to import).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..engine.progress import Progress
from .state import EngineState, ReadState


@dataclass(frozen=True)
class ModelInfo:
    name: str
    device: str
    dim: int


@dataclass(frozen=True)
class SidebarCounts:
    facets: dict[str, list[tuple[str, int]]]
    total: int          # readable pieces


def sidebar_counts(reads: ReadState, vocabularies: dict) -> SidebarCounts:
    """Facet counts and the piece total (seconds at a million pieces: never on the GUI thread)."""
    from ..engine.browse import facets
    from ..store import queries

    library = reads.library()
    if library is None:
        return SidebarCounts({}, 0)
    return SidebarCounts(facets(library, vocabularies), queries.count_pieces(library))


def load_model(state: EngineState):
    yield Progress("model", 0, 1, f"loading {state.model_name}")
    model = state.load_model()
    return ModelInfo(model.name, str(model.device), model.dim)


def index(state: EngineState, folders: list[str] | None = None, workers: int | None = None,
          suffixes: tuple[str, ...] | None = None):
    from ..engine.indexer import LibraryIndexer

    library = state.library()
    folders = list(folders) if folders else library.folders()
    indexer = LibraryIndexer(library, state.model_name, state.load_model, workers=workers, suffixes=suffixes)
    summary = yield from indexer.run(folders)
    state.model_complete()   # every piece the model reads has its vector now (a cancelled run never gets here)
    return summary


def reindex(state: EngineState, workers: int | None = None, suffixes: tuple[str, ...] | None = None):
    """Vectors of the current model are dropped and every piece is encoded again."""
    library = state.library()
    with library.atomic():
        library.drop_vectors(state.model_name)
    return (yield from index(state, None, workers, suffixes))


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def remove_folder(state: EngineState, folder: str) -> int:
    """Forget a folder and its pieces (the files stay on disk); returns how many files went."""
    library = state.library()
    with library.atomic():
        library.remove_folder(folder)
        kept = library.folders()
        gone = [p for p in library.file_states()
                if _under(p, folder) and not any(_under(p, other) for other in kept)]
        library.delete_files(gone)
    return len(gone)


def add_folder(state: EngineState, folder: str, workers: int | None = None,
               suffixes: tuple[str, ...] | None = None):
    folders = [*state.library().folders(), str(Path(folder).resolve())]
    return (yield from index(state, folders, workers, suffixes))


def tag(state: EngineState, vocabularies=None):
    from ..engine.tagging import tag_library

    return (yield from tag_library(state.library(), state.serving_name, state.load_serving_model,
                                   vocabularies=vocabularies))


def search(state: EngineState, text: str, top: int = 100, offset: int = 0, words_first: bool = False):
    from ..engine.search import search as run_search

    return run_search(state.library(), text, state.serving_name, state.load_serving_model,
                      top=top, offset=offset, semantic=True, words_first=words_first)


def similar_to_piece(state: EngineState, piece_id: int, top: int = 10):
    from ..engine.similar import similar_to_piece as run_similar

    return run_similar(state.library(), piece_id, state.serving_name, top=top)


def similar_to_file(state: EngineState, path: str, top: int = 10):
    from ..engine.similar import similar_to_file as run_similar

    return run_similar(state.library(), path, state.serving_name, state.load_serving_model, top=top)


TAG_EDITS = ("add", "remove", "accept")


def edit_tag(state: EngineState, action: str, piece_id: int, vocabulary: str, label: str):
    from ..engine import tagging

    verb = {"add": tagging.add_user_tag, "remove": tagging.remove_tag, "accept": tagging.accept_tag}[action]
    verb(state.library(), piece_id, vocabulary, label)
    return tagging.piece_tags(state.library(), piece_id)


def rename_composer(state: EngineState, old: str, new: str) -> int:
    """Show composer ``old`` as ``new`` (a merge when ``new`` exists); returns the pieces changed."""
    return state.library().rename_composer(old, new)


def on_library(state: EngineState, verb, *args, **kwargs):
    """An engine verb of the user's library data (``engine.organise``, ``collections``, ``backup``)."""
    return verb(state.library(), *args, **kwargs)


def find_duplicates(state: EngineState):
    """Groups of identical pieces and other editions (the user's "not duplicates" marks left out)."""
    from ..engine.duplicates import find_duplicates as find

    return find(state.library(), state.serving_name)


def save_vocabulary(state: EngineState, vocabulary):
    """Save an edited vocabulary, then re-tag the library with it."""
    from ..engine.tagging import save_vocabulary as save

    save(vocabulary)
    return (yield from tag(state, vocabularies=[vocabulary]))


def download_model(name: str, tqdm_class):
    from ..model import model_folder

    return model_folder(name, tqdm_class=tqdm_class)[1]
