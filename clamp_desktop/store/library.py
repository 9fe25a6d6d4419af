"""The library's tables behind small verbs; all SQL of the app lives in this package."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import user_data
from .database import Database

IDS_PER_QUERY = 500
PIECE_COLUMNS = (
    "title", "subtitle", "composer", "lyricist", "arranger", "work", "movement", "key",
    "time_signature", "tempo", "parts", "instruments", "measures", "duration_s", "software",
    "genre", "origin", "composer_raw", "mode", "key_source", "ensemble", "voices", "language",
    "has_lyrics", "has_chords", "tempo_class", "era", "notes",
)


@dataclass(frozen=True)
class FileState:
    """What the library knows of one file path."""

    path: str
    hash: str
    size: int
    mtime_ns: int
    status: str
    piece_ids: tuple[int, ...]
    stale: bool = False      # read before the score facts existed (schema 3): read it again


def _metadata_row(metadata: dict) -> dict:
    row = {k: metadata.get(k) for k in PIECE_COLUMNS}
    if isinstance(row["instruments"], (list, tuple)):
        row["instruments"] = json.dumps(list(row["instruments"]), ensure_ascii=False)
    if row["tempo"] is not None:
        row["tempo"] = str(row["tempo"])
    return row


class Library(Database):
    """A library database with the verbs the ingest, engine and UI layers need."""

    # --- folders ---------------------------------------------------------

    def add_folder(self, path: str | Path) -> None:
        with self.atomic() as conn:
            conn.execute("INSERT OR IGNORE INTO folders (path) VALUES (?)", (str(Path(path).resolve()),))

    def remove_folder(self, path: str | Path) -> None:
        with self.atomic() as conn:
            conn.execute("DELETE FROM folders WHERE path = ?", (str(Path(path).resolve()),))

    def folders(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT path FROM folders ORDER BY path")]

    # --- files and pieces --------------------------------------------------

    def file_states(self) -> dict[str, FileState]:
        # has_lyrics is 0 or 1 for every piece read since migration 0003, NULL before it
        rows = self.conn.execute(
            "SELECT path, hash, size, mtime_ns, status, group_concat(id), "
            "max(status = 'ok' AND has_lyrics IS NULL) FROM pieces GROUP BY path"
        )
        return {
            r[0]: FileState(r[0], r[1], r[2], r[3], r[4], tuple(int(i) for i in r[5].split(",")), bool(r[6]))
            for r in rows
        }

    def touch_file(self, path: str, size: int, mtime_ns: int) -> None:
        """Same content, new size/mtime record (e.g. the file was copied over itself)."""
        self.conn.execute(
            "UPDATE pieces SET size = ?, mtime_ns = ? WHERE path = ?", (size, mtime_ns, path)
        )

    def move_file(self, old_path: str, new_path: str, size: int, mtime_ns: int) -> None:
        """A renamed or moved file keeps its pieces, vectors and tags."""
        self.conn.execute(
            "UPDATE pieces SET path = ?, size = ?, mtime_ns = ?, updated_at = datetime('now') "
            "WHERE path = ?",
            (new_path, size, mtime_ns, old_path),
        )

    def delete_files(self, paths: Iterable[str]) -> int:
        removed = 0
        for path in paths:
            removed += self.conn.execute("DELETE FROM pieces WHERE path = ?", (path,)).rowcount
        return removed

    def store_entries(self, path: str, hash_: str, size: int, mtime_ns: int, fmt: str,
                      entries: list) -> list[int]:
        """Insert or update the pieces of one converted file; returns their ids.

        A changed file keeps the ids (and so the user's tags) of tunes that are
        still there; its old vectors are dropped because the music changed.
        """
        ids = []
        shown_as = self.composer_names()
        for entry in entries:
            row = _metadata_row(entry.metadata)
            row["composer"] = shown_as.get(row["composer"], row["composer"])
            existing = self.conn.execute(
                "SELECT id, abc FROM pieces WHERE path = ? AND tune = ?", (path, entry.tune)
            ).fetchone()
            # a piece no converter could read is listed by its metadata (abc NULL, error says why)
            values = dict(row, hash=hash_, size=size, mtime_ns=mtime_ns, status="ok",
                          error=getattr(entry, "error", None), abc=entry.abc, format=fmt,
                          conversion_note=getattr(entry, "conversion_note", None))
            if existing:
                sets = ", ".join(f"{k} = :{k}" for k in values)
                self.conn.execute(
                    f"UPDATE pieces SET {sets}, updated_at = datetime('now') WHERE id = :id",
                    dict(values, id=existing[0]),
                )
                if existing[1] != entry.abc:
                    self.conn.execute("DELETE FROM embeddings WHERE piece_id = ?", (existing[0],))
                ids.append(existing[0])
            else:
                columns = ", ".join(values)
                marks = ", ".join(f":{k}" for k in values)
                cursor = self.conn.execute(
                    f"INSERT INTO pieces (path, tune, {columns}) VALUES (:path, :tune, {marks})",
                    dict(values, path=path, tune=entry.tune),
                )
                ids.append(cursor.lastrowid)
        self.conn.execute(
            "DELETE FROM pieces WHERE path = ? AND tune >= ?", (path, len(entries))
        )
        user_data.reapply_edits(self, ids)   # the user's edits win over what the file says
        return ids

    def store_failure(self, path: str, hash_: str, size: int, mtime_ns: int, fmt: str,
                      reason: str) -> None:
        """Record a file that could not be read, with its one-line reason."""
        title = Path(path).stem
        self.conn.execute("DELETE FROM pieces WHERE path = ? AND tune > 0", (path,))
        self.conn.execute(
            "INSERT INTO pieces (path, tune, hash, size, mtime_ns, status, error, title, format) "
            "VALUES (?, 0, ?, ?, ?, 'failed', ?, ?, ?) "
            "ON CONFLICT (path, tune) DO UPDATE SET hash = excluded.hash, size = excluded.size, "
            "mtime_ns = excluded.mtime_ns, status = 'failed', error = excluded.error, abc = NULL, "
            "updated_at = datetime('now')",
            (path, hash_, size, mtime_ns, reason, title, fmt),
        )
        self.conn.execute(
            "DELETE FROM embeddings WHERE piece_id IN (SELECT id FROM pieces WHERE path = ?)", (path,)
        )

    def piece(self, piece_id: int) -> dict | None:
        row = self.conn.execute("SELECT * FROM pieces WHERE id = ?", (piece_id,)).fetchone()
        if row is None:
            return None
        names = [d[0] for d in self.conn.execute("SELECT * FROM pieces LIMIT 0").description]
        return _decode(dict(zip(names, row)))

    def pieces(self, ids: Iterable[int] | None = None, status: str | None = "ok") -> list[dict]:
        """Piece rows (no ABC), optionally only the given ids (kept in the given order)."""
        if ids is None:
            return self._piece_rows(None, status)
        ids = list(dict.fromkeys(ids))
        # SQLite caps the parameters of one statement (999 in older builds): ask in chunks.
        rows = [row for start in range(0, len(ids), IDS_PER_QUERY)
                for row in self._piece_rows(ids[start:start + IDS_PER_QUERY], status)]
        order = {pid: i for i, pid in enumerate(ids)}
        rows.sort(key=lambda r: order[r["id"]])
        return rows

    def _piece_rows(self, ids: list[int] | None, status: str | None) -> list[dict]:
        columns = "id, path, tune, status, error, conversion_note, format, " + ", ".join(PIECE_COLUMNS)
        where, params = [], []
        if status:
            where.append("status = ?")
            params.append(status)
        if ids is not None:
            where.append(f"id IN ({','.join('?' * len(ids))})")
            params.extend(ids)
        sql = f"SELECT {columns} FROM pieces"
        if where:
            sql += " WHERE " + " AND ".join(where)
        cursor = self.conn.execute(sql + " ORDER BY path, tune", params)
        names = [d[0] for d in cursor.description]
        return [_decode(dict(zip(names, r))) for r in cursor]

    def failures(self) -> list[dict]:
        """Every file still not converted: failed ones, and those listed by their metadata only."""
        cursor = self.conn.execute(
            "SELECT id, path, error, status = 'ok' FROM pieces WHERE error IS NOT NULL ORDER BY path, tune"
        )
        return [dict(id=r[0], path=r[1], error=r[2], listed=bool(r[3])) for r in cursor]

    def notices(self) -> list[dict]:
        """Pieces converted from a repaired copy, with what the repair removed."""
        cursor = self.conn.execute(
            "SELECT id, path, conversion_note FROM pieces WHERE conversion_note IS NOT NULL ORDER BY path, tune"
        )
        return [dict(id=r[0], path=r[1], note=r[2]) for r in cursor]

    # --- composers: the user's renames and merges ----------------------------

    def composer_names(self) -> dict[str, str]:
        """Canonical composer name -> the name the user chose to show instead."""
        return dict(self.conn.execute("SELECT name, shown FROM composer_names"))

    def rename_composer(self, old: str, new: str) -> int:
        """Show every piece by ``old`` as by ``new`` (a merge when ``new`` exists); returns pieces changed.

        Kept in the library only; re-reading a file applies it again.  Earlier
        renames to ``old`` follow it to ``new``, so chains never form.
        """
        old, new = " ".join(old.split()), " ".join(new.split())
        with self.atomic() as conn:
            conn.execute("UPDATE composer_names SET shown = ? WHERE shown = ?", (new, old))
            conn.execute("UPDATE piece_edits SET value = ? WHERE field = 'composer' AND value = ?", (new, old))
            conn.execute("DELETE FROM composer_names WHERE name = ?", (new,))
            if old != new:
                conn.execute("INSERT OR REPLACE INTO composer_names (name, shown) VALUES (?, ?)", (old, new))
            return conn.execute(
                "UPDATE pieces SET composer = ?, updated_at = datetime('now') WHERE composer = ?",
                (new, old)).rowcount

    def merge_spellings(self, mapping: dict[str, str]) -> int:
        """Show each piece by ``mapping``'s key as by its value (found spellings, not the user's renames)."""
        changed = 0
        for old, new in mapping.items():
            changed += self.conn.execute(
                "UPDATE pieces SET composer = ?, updated_at = datetime('now') WHERE composer = ? "
                f"AND NOT {user_data.composer_edited()}", (new, old)
            ).rowcount
        return changed

    def piece_composers(self) -> list[tuple[int, str, str | None]]:
        """(id, path, composer) of every readable piece, in path order: the composer passes need no more."""
        return [(r[0], r[1], r[2]) for r in self.conn.execute(
            "SELECT id, path, composer FROM pieces WHERE status = 'ok' ORDER BY path, tune")]

    def set_composers(self, composers: dict[int, str]) -> None:
        """Name the composer of pieces (id -> name) that have none."""
        self.conn.executemany(
            "UPDATE pieces SET composer = ?, updated_at = datetime('now') WHERE id = ? AND composer IS NULL "
            f"AND NOT {user_data.composer_edited()}",
            [(name, piece_id) for piece_id, name in composers.items()])

    def composers(self) -> list[tuple[str, int]]:
        """(composer as shown, number of readable pieces), by name."""
        return [(r[0], r[1]) for r in self.conn.execute(
            "SELECT composer, count(*) FROM pieces WHERE status = 'ok' AND composer IS NOT NULL "
            "AND composer != '' GROUP BY composer ORDER BY composer COLLATE NOCASE")]

    # --- embeddings ----------------------------------------------------------

    def pieces_needing_vectors(self, model: str) -> Iterator[tuple[int, str]]:
        """(id, abc) of every readable piece without a vector from ``model``."""
        yield from self.conn.execute(
            "SELECT p.id, p.abc FROM pieces p WHERE p.status = 'ok' AND p.abc IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM embeddings e WHERE e.piece_id = p.id AND e.model = ?) ORDER BY p.id",
            (model,),
        ).fetchall()

    def store_vectors(self, model: str, ids: list[int], vectors: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype="<f4")
        self.conn.executemany(
            "INSERT OR REPLACE INTO embeddings (piece_id, model, dim, vector) VALUES (?, ?, ?, ?)",
            [(pid, model, vectors.shape[1], vectors[i].tobytes()) for i, pid in enumerate(ids)],
        )

    def load_vectors(self, model: str) -> tuple[np.ndarray, np.ndarray]:
        """(ids int64 [n], vectors float32 [n, dim]) of every readable piece with a ``model`` vector."""
        rows = self.conn.execute(
            "SELECT e.piece_id, e.dim, e.vector FROM embeddings e JOIN pieces p ON p.id = e.piece_id "
            "WHERE e.model = ? AND p.status = 'ok' ORDER BY e.piece_id",
            (model,),
        ).fetchall()
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
        dim = rows[0][1]
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        matrix = np.frombuffer(b"".join(r[2] for r in rows), dtype="<f4").reshape(len(rows), dim)
        return ids, matrix.astype(np.float32)

    def vector(self, piece_id: int, model: str) -> np.ndarray | None:
        row = self.conn.execute(
            "SELECT vector FROM embeddings WHERE piece_id = ? AND model = ?", (piece_id, model)
        ).fetchone()
        return None if row is None else np.frombuffer(row[0], dtype="<f4").astype(np.float32)

    def models(self) -> dict[str, int]:
        """Model name -> number of stored vectors."""
        return dict(self.conn.execute("SELECT model, count(*) FROM embeddings GROUP BY model"))

    def drop_vectors(self, model: str) -> None:
        self.conn.execute("DELETE FROM embeddings WHERE model = ?", (model,))

    # --- summary ---------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """pieces listed, failed rows, files; files still failing (not converted, listed or not); repaired pieces."""
        rows = dict(self.conn.execute("SELECT status, count(*) FROM pieces GROUP BY status"))
        files, failing, listed_only, repaired = self.conn.execute(
            "SELECT count(DISTINCT path), count(DISTINCT CASE WHEN error IS NOT NULL THEN path END), "
            "count(CASE WHEN status = 'ok' AND abc IS NULL THEN 1 END), "
            "count(conversion_note) FROM pieces"
        ).fetchone()
        return {"pieces": rows.get("ok", 0), "failed": rows.get("failed", 0), "files": files,
                "files_failing": failing, "listed_without_music": listed_only, "repaired": repaired}


def _decode(row: dict) -> dict:
    if row.get("instruments"):
        try:
            row["instruments"] = json.loads(row["instruments"])
        except ValueError:
            pass
    return row
