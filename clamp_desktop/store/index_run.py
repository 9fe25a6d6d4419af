"""The library's unfinished index run, remembered beside its database file.

An index run that is cancelled (or killed) keeps every piece it committed; the
files it had not read yet, and pieces still without a vector, are what the
next run over the same folders does.  So that the next run (the app's next
start, or the next ``clamp-desktop index``) knows there is one to finish,
the run writes ``LIBRARY.db.index-run.json`` when it starts and removes it
when it ends: ``{"folders": [...], "files": M, "read": N}``.  A file beside
the database, not a table, so no schema change is needed; written whole
(temporary file, then rename), so it is never half there.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


def run_file(db_path: str | Path) -> Path:
    return Path(str(db_path) + ".index-run.json")


def remember(db_path: str | Path, folders: list[str], files: int, read: int) -> None:
    target = run_file(db_path)
    temporary = target.with_name(target.name + ".tmp")
    temporary.write_text(json.dumps({"folders": folders, "files": files, "read": read}), encoding="utf-8")
    os.replace(temporary, target)


def forget(db_path: str | Path) -> None:
    run_file(db_path).unlink(missing_ok=True)


def unfinished(db_path: str | Path) -> dict | None:
    """The unfinished run (folders, files, read), or None; an unreadable record counts as none."""
    try:
        record = json.loads(run_file(db_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("folders"), list):
        return None
    return {"folders": [str(f) for f in record["folders"]], "files": int(record.get("files") or 0),
            "read": int(record.get("read") or 0)}
