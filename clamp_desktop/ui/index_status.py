"""What the window says about index runs: the summary's folder notes, a cancelled run, resuming one.

An index run cancelled (or cut short by quitting) is remembered by the
library (``store/index_run.py``); the next start of the window finishes it,
saying so in the status bar.
"""

from __future__ import annotations

from .status import index_message


def finished_message(summary) -> str:
    """The status bar line of a finished run, with what it says about the folders (skipped files by kind)."""
    return " · ".join([index_message(summary), *summary.folder_notes()])


INDEX_JOBS = ("Indexing", "Re-indexing", "Adding a folder")    # the worker's labels of index runs


def cancelled_message(job, library) -> str | None:
    """The status bar line of a cancelled index run (the library remembers it), else None."""
    run = library.unfinished_index_run() if library is not None and job.label in INDEX_JOBS else None
    if run is None:
        return None
    return (f"Indexing cancelled: {run['read']} of {run['files']} files read; what was read is kept, "
            "and the rest is indexed when the app next starts (or with Library ▸ Index).")


def resume_unfinished(window) -> bool:
    """Start the library's unfinished index run again, with a status bar line; False when there is none."""
    library = window.reader.library
    run = library.unfinished_index_run() if library is not None else None
    if run is None:
        return False
    window.worker.index(run["folders"], **window._index_options())
    window.statusBar().showMessage(f"Resuming the indexing cancelled last time ({run['read']} of "
                                   f"{run['files']} files were read).", 15_000)
    return True
