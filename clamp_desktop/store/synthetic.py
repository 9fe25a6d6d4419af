"""Large libraries made of one real piece under many names, for tests and benchmarks.

Start-up and paging costs depend on the number of rows, not on the music, so
one real conversion stored 10,000 times gives a library file of the real
format and size without converting 10,000 scores.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from .library import Library


def library_of_copies(db: Path, entry, folder: Path, files: int = 100, per_file: int = 100) -> None:
    """Write ``files`` x ``per_file`` copies of ``entry`` (a ``ScoreEntry``) into the library at ``db``."""
    with Library(db) as library, library.atomic():
        for file in range(files):
            entries = [replace(entry, tune=tune, metadata=dict(entry.metadata, title=f"Piece {file}-{tune}"))
                       for tune in range(per_file)]
            library.store_entries(str(folder / f"copy{file}.mxl"), f"hash{file}", 1, 1, "mxl", entries)
        library.add_folder(folder)
