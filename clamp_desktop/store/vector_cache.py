"""A small cache of key vectors by content hash, for ``clamp-desktop query``.

The reference tool caches key features so unchanged keys are not re-encoded;
ours is keyed by (model, kind, sha256 of the content), so a renamed file or a
reordered text file costs nothing either.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

_SCHEMA = """
CREATE TABLE IF NOT EXISTS key_vectors (
    model TEXT NOT NULL, kind TEXT NOT NULL, key_hash TEXT NOT NULL,
    dim INTEGER NOT NULL, vector BLOB NOT NULL,
    PRIMARY KEY (model, kind, key_hash)
)
"""


class VectorCache:
    def __init__(self, path: str | Path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(path), timeout=10, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute(_SCHEMA)

    def get_many(self, model: str, kind: str, hashes: list[str]) -> dict[str, np.ndarray]:
        found = {}
        for start in range(0, len(hashes), 500):
            chunk = hashes[start:start + 500]
            rows = self.conn.execute(
                f"SELECT key_hash, vector FROM key_vectors WHERE model = ? AND kind = ? "
                f"AND key_hash IN ({','.join('?' * len(chunk))})",
                [model, kind, *chunk],
            )
            found.update((h, np.frombuffer(v, dtype="<f4").astype(np.float32)) for h, v in rows)
        return found

    def put_many(self, model: str, kind: str, items: dict[str, np.ndarray]) -> None:
        self.conn.execute("BEGIN")
        self.conn.executemany(
            "INSERT OR REPLACE INTO key_vectors VALUES (?, ?, ?, ?, ?)",
            [(model, kind, h, len(v), np.asarray(v, dtype="<f4").tobytes()) for h, v in items.items()],
        )
        self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()
