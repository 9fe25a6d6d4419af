"""Walking library folders for score files, and telling what changed since the last run."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .score import SUPPORTED_SUFFIXES


@dataclass(frozen=True)
class FoundFile:
    path: str
    size: int
    mtime_ns: int


@dataclass
class LibraryScanner:
    """Finds score files under folders, following symlinks but never around a loop."""

    suffixes: tuple[str, ...] = SUPPORTED_SUFFIXES
    problems: list[tuple[str, str]] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)   # suffix -> score files left out by ``suffixes``

    def scan(self, folders: Iterable[str | Path]) -> Iterator[FoundFile]:
        seen_dirs: set[tuple[int, int]] = set()
        seen_files: set[str] = set()
        for folder in folders:
            yield from self._walk(Path(folder).absolute(), seen_dirs, seen_files)

    def _walk(self, folder: Path, seen_dirs: set, seen_files: set) -> Iterator[FoundFile]:
        stack = [folder]
        while stack:
            directory = stack.pop()
            try:
                info = directory.stat()
                entries = sorted(os.scandir(directory), key=lambda e: e.name)
            except OSError as exc:
                self.problems.append((str(directory), exc.strerror or str(exc)))
                continue
            if (info.st_dev, info.st_ino) in seen_dirs:
                continue  # a symlink loop or a folder reached twice
            seen_dirs.add((info.st_dev, info.st_ino))
            subdirs = []
            for entry in entries:
                try:
                    if entry.is_dir():
                        subdirs.append(Path(entry.path))
                    elif entry.is_file() and self._skipped(entry.name):
                        continue
                    elif entry.is_file() and Path(entry.name).suffix.lower() in self.suffixes:
                        if entry.name.startswith("."):
                            continue  # editor and OS temp files (._x.mxl, .~lock)
                        stat = entry.stat()
                        if entry.path not in seen_files:
                            seen_files.add(entry.path)
                            yield FoundFile(entry.path, stat.st_size, stat.st_mtime_ns)
                except OSError as exc:
                    self.problems.append((entry.path, exc.strerror or str(exc)))
            stack.extend(reversed(subdirs))

    def _skipped(self, name: str) -> bool:
        """A score file of a format not asked for (MusicXML only, say): counted, so a summary can say so."""
        suffix = Path(name).suffix.lower()
        if suffix in self.suffixes or suffix not in SUPPORTED_SUFFIXES or name.startswith("."):
            return False
        self.skipped[suffix.lstrip(".")] += 1
        return True
