"""Backup and restore of everything the user made, keyed by content hash and path.

A backup is one JSON file (format in docs/cli-json.md, "backup"): the pieces
the user touched, each named by ``hash``, ``path`` and ``tune`` with its
edits, rating, favourite and hidden marks and its own tag decisions (tags
added or accepted, automatic tags removed); collections in order (as indexes
into ``pieces``); "not duplicates" groups; composer renames; the user's tag
vocabularies.  Restoring finds each piece by its content first, then by its
path, so a backup restored into a freshly indexed library (another computer,
a deleted database) brings it all back.  A piece not found is listed in the
report; its edits, marks, tags and places wait in the library and return
when the file is indexed.

``rolling_backup`` keeps the last few backups in the data folder, written
only when something changed since the newest one.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .. import paths
from ..errors import ClampDesktopError
from ..store import collections as store_collections
from ..store import queries, user_data
from .tagging import user_vocabulary_dir

FORMAT = "clamp-desktop-backup"
VERSION = 1
ROLLING_KEEP = 10


@dataclass
class RestoreReport:
    pieces: int = 0                                    # pieces found in this library
    missing: list[dict] = field(default_factory=list)  # {"path", "tune", "hash", "title"} not found
    edits: int = 0
    tags: int = 0
    collections: int = 0
    not_duplicates: int = 0
    vocabularies: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


# --- making a backup ------------------------------------------------------------------------

def backup_data(library) -> dict:
    """Everything the user made in this library, as a JSON-ready dict."""
    entries: dict[tuple, dict] = {}
    keys: dict[int, tuple] = {}      # handle id -> its entry's key

    def entry(path: str, tune: int, hash_: str, title: str | None = None) -> dict:
        key = (hash_, path, tune)
        if key not in entries:
            entries[key] = {"path": path, "tune": tune, "hash": hash_, "title": title, "edits": {},
                            "rating": None, "favourite": False, "hidden": False, "tags": []}
        return entries[key]

    for h in user_data.handles(library):
        item = entry(h["path"], h["tune"], h["hash"])
        item.update(edits=user_data.handle_edits(library, h["id"]), rating=h["rating"],
                    favourite=bool(h["favourite"]), hidden=bool(h["hidden"]))
        keys[h["id"]] = (h["hash"], h["path"], h["tune"])
    for path, tune, hash_, vocabulary, label, score, source in [*queries.user_tag_rows(library),
                                                                *user_data.kept_tag_rows(library)]:
        entry(path, tune, hash_)["tags"].append(
            {"vocabulary": vocabulary, "label": label, "source": source, "score": score})
    _add_titles(library, entries)
    positions = {key: number for number, key in enumerate(entries)}
    refs = {owner: positions[key] for owner, key in keys.items()}   # handle id -> index into pieces
    return {
        "format": FORMAT, "version": VERSION,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "library": str(library.path),
        "pieces": list(entries.values()),
        "collections": [{"name": c["name"], "smart": c["smart"],
                         "pieces": [refs[h] for h in store_collections.member_handles(library, c["id"]) if h in refs]}
                        for c in store_collections.collections(library)],
        "not_duplicates": [[refs[h] for h in group if h in refs]
                           for group in user_data.not_duplicate_handle_groups(library)],
        "composer_names": [{"name": name, "shown": shown} for name, shown in sorted(library.composer_names().items())],
        "vocabularies": _vocabulary_files(),
    }


def _add_titles(library, entries: dict[tuple, dict]) -> None:
    """The title each piece shows now, so a report of missing pieces is readable."""
    for (_, path, tune), item in entries.items():
        row = library.conn.execute("SELECT title FROM pieces WHERE path = ? AND tune = ?", (path, tune)).fetchone()
        item["title"] = item["edits"].get("title") or (row[0] if row else None) or Path(path).stem


def _vocabulary_files() -> list[dict]:
    folder = user_vocabulary_dir()
    return [{"file": p.name, "text": p.read_text(encoding="utf-8")} for p in sorted(folder.glob("*.toml"))] \
        if folder.is_dir() else []


def _write_json(data: dict, path: Path) -> None:
    """Written to a temporary file, flushed to disk, then renamed: a crash leaves the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".backup-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=2, ensure_ascii=False)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def summary(data: dict) -> dict:
    """Counts of what a backup holds."""
    pieces = data.get("pieces", [])
    return {"pieces": len(pieces), "edits": sum(len(p["edits"]) for p in pieces),
            "tags": sum(len(p["tags"]) for p in pieces),
            "rated": sum(1 for p in pieces if p["rating"]), "favourites": sum(1 for p in pieces if p["favourite"]),
            "hidden": sum(1 for p in pieces if p["hidden"]), "collections": len(data.get("collections", [])),
            "not_duplicates": len(data.get("not_duplicates", [])),
            "composer_names": len(data.get("composer_names", [])), "vocabularies": len(data.get("vocabularies", []))}


def write_backup(library, path: str | Path) -> dict:
    """Write a backup file; returns its ``summary``."""
    data = backup_data(library)
    _write_json(data, Path(path))
    return summary(data)


# --- restoring --------------------------------------------------------------------------------

def read_backup(path: str | Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ClampDesktopError(f"Cannot read the backup {path}: {exc}.") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ClampDesktopError(f"{path} is not a clamp-desktop backup.")
    if data.get("version", 0) > VERSION:
        raise ClampDesktopError(f"{path} was written by a newer clamp-desktop; update the app to restore it.")
    return data


def restore_backup(library, path: str | Path) -> RestoreReport:
    """Bring a backup file back into this library (all of it or nothing)."""
    try:
        return restore_data(library, read_backup(path))
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        raise ClampDesktopError(f"The backup {path} is damaged ({type(exc).__name__}: {exc}); "
                                "nothing was restored.") from exc


def restore_data(library, data: dict) -> RestoreReport:
    report = RestoreReport()
    with library.atomic():
        for item in data.get("composer_names", []):
            library.rename_composer(item["name"], item["shown"])
        owners = [_restore_piece(library, item, report) for item in data.get("pieces", [])]
        for item in data.get("collections", []):
            _restore_collection(library, item, owners)
            report.collections += 1
        for group in data.get("not_duplicates", []):
            members = [owners[i] for i in group]
            if len(members) >= 2:
                user_data.add_not_duplicates(library, members)
                report.not_duplicates += 1
    report.vocabularies = _restore_vocabularies(data.get("vocabularies", []))
    return report


def _restore_piece(library, item: dict, report: RestoreReport) -> int:
    owner = user_data.handle_for_key(library, item["hash"], item["path"], int(item.get("tune", 0)))
    piece_id = user_data.piece_of(library, owner)
    user_data.put_handle_marks(library, owner, item.get("rating"), item.get("favourite"), item.get("hidden"))
    for name, value in item.get("edits", {}).items():
        if piece_id is None:
            user_data.put_handle_edit(library, owner, name, value)
        else:
            user_data.put_edit(library, piece_id, name, value)
        report.edits += 1
    if piece_id is None:
        report.missing.append({key: item.get(key) for key in ("path", "tune", "hash", "title")})
    else:
        report.pieces += 1
    for tag in item.get("tags", []):
        if piece_id is None:
            user_data.keep_tag(library, owner, tag["vocabulary"], tag["label"], tag["source"], tag.get("score"))
        else:
            if tag["source"] == "user":
                queries.delete_tag(library, piece_id, tag["vocabulary"], tag["label"], "hidden")
            queries.put_tag(library, piece_id, tag["vocabulary"], tag["label"], tag["source"], tag.get("score"))
        report.tags += 1
    return owner


def _restore_collection(library, item: dict, owners: list[int]) -> None:
    found = store_collections.collection(library, item["name"])
    if found is None:
        collection_id = store_collections.create(library, item["name"], item.get("smart"))
    else:
        collection_id = found["id"]
        store_collections.set_query(library, collection_id, item.get("smart"))
    if item.get("smart") is None:
        store_collections.insert_handles(library, collection_id, [owners[i] for i in item.get("pieces", [])])


def _restore_vocabularies(files: list[dict]) -> list[str]:
    """The user's vocabulary files, written where the app reads them (an identical file is left alone)."""
    folder = user_vocabulary_dir()
    written = []
    for item in files:
        name = Path(item["file"]).name          # never a path out of the folder
        target = folder / name
        if target.is_file() and target.read_text(encoding="utf-8") == item["text"]:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        target.write_text(item["text"], encoding="utf-8")
        written.append(name)
    return written


# --- rolling backups ----------------------------------------------------------------------------

def backups_folder() -> Path:
    return paths.data_dir() / "backups"


def rolling_backup(library, folder: str | Path | None = None, keep: int = ROLLING_KEEP) -> Path | None:
    """A backup in ``<data>/backups/`` named after the library, when anything changed since the newest one.

    Keeps the newest ``keep``; returns the new file, or None when nothing changed.
    """
    folder = Path(folder) if folder else backups_folder()
    stem = Path(library.path).stem
    existing = sorted(folder.glob(f"{stem}-*.json"))
    data = backup_data(library)
    if existing and _same(existing[-1], data):
        return None
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{stem}-{stamp}.json"
    _write_json(data, target)
    for old in sorted(folder.glob(f"{stem}-*.json"))[:-max(keep, 1)]:
        old.unlink(missing_ok=True)
    return target


def _same(path: Path, data: dict) -> bool:
    try:
        before = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return {k: v for k, v in before.items() if k != "created_at"} == {k: v for k, v in data.items() if k != "created_at"}
