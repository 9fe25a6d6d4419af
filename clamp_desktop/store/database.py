"""Opening a library database: WAL, migrations, one writer at a time.

The schema lives in ``db/migrations/NNNN_name.sql``; ``PRAGMA user_version``
records the last one applied, so an old library upgrades in place, each
migration inside one transaction.  A writer holds ``<db>.lock`` for as long as
it is open; a second writer on the same library is refused with a clear
message (readers never need the lock and never block on the writer: WAL).
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import sqlite_utils
from filelock import FileLock, Timeout

from ..errors import LibraryError

BUSY_TIMEOUT_MS = 10_000


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every migration file, in order."""
    folder = resources.files("clamp_desktop.db") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = re.fullmatch(r"(\d{4})_(\w+)\.sql", entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    return sorted(found)


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply every migration newer than the database; returns the names applied."""
    applied = []
    current = schema_version(conn)
    for version, name, sql in migrations():
        if version <= current:
            continue
        # executescript commits first; the script itself runs as one transaction.
        conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;")
        applied.append(name)
    return applied


def _connect(path: Path, readonly: bool) -> sqlite3.Connection:
    # isolation_level=None: transactions are explicit, through Database.atomic().
    if readonly:
        uri = f"{path.resolve().as_uri()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                               check_same_thread=False, isolation_level=None)
    else:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000,
                               check_same_thread=False, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


class Database:
    """A connection to a library file, as writer (holding the lock) or reader."""

    def __init__(self, path: str | Path, readonly: bool = False, wait: float = 0):
        """``wait``: seconds a writer waits for another writer to close (a short command's edit)."""
        self.path = Path(path)
        self.readonly = readonly
        self._lock: FileLock | None = None
        if readonly:
            if not self.path.exists():
                raise LibraryError(f"No library at {self.path}; index a folder first.")
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock = FileLock(str(self.path) + ".lock")
            try:
                self._lock.acquire(timeout=wait)
            except Timeout as exc:
                raise LibraryError(
                    f"The library {self.path} is open for writing in another clamp-desktop window "
                    "or command; close it first (reading still works)."
                ) from exc
        try:
            self.conn = _connect(self.path, readonly)
            if not readonly:
                self.conn.execute("PRAGMA journal_mode = WAL")
                self.conn.execute("PRAGMA synchronous = NORMAL")
                migrate(self.conn)
            elif schema_version(self.conn) < max(v for v, _, _ in migrations()):
                raise LibraryError(f"The library {self.path} is from an older version; open it once for writing to upgrade it.")
        except sqlite3.DatabaseError as exc:
            self.close()
            raise LibraryError(f"{self.path} is not a usable library database ({exc}).") from exc
        self.db = sqlite_utils.Database(self.conn)

    @contextmanager
    def atomic(self):
        """One transaction: committed on success, rolled back on any error. Nestable."""
        if self.conn.in_transaction:
            savepoint = "sp_nested"
            self.conn.execute(f"SAVEPOINT {savepoint}")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute(f"ROLLBACK TO {savepoint}")
                self.conn.execute(f"RELEASE {savepoint}")
                raise
            self.conn.execute(f"RELEASE {savepoint}")
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.rollback()
            raise
        self.conn.execute("UPDATE revision SET value = value + 1 WHERE id = 1")
        self.conn.commit()

    def revision(self) -> int:
        return self.conn.execute("SELECT value FROM revision WHERE id = 1").fetchone()[0]

    def close(self) -> None:
        conn = getattr(self, "conn", None)
        if conn is not None:
            conn.close()
            self.conn = None
        if self._lock is not None and self._lock.is_locked:
            self._lock.release()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
