"""One model's normalised vectors saved beside the library, memory-mapped by the next process.

Reading a million vectors out of SQLite takes 30-70 s; mapping this file takes
about a second.  The file is never trusted on its word: it records the
model's vector ``generation`` (a random number the library's triggers draw
anew whenever that model's vector set may have changed, migration 0007), the
number of the model's vector rows it was made from and the library's
``revision`` then.  A copy at the library's generation and row count is used
as it is, whatever else was written since (a tag, a title: only the header is
restamped); any other copy is only a starting point that
``VectorIndex.refresh`` corrects against the table's blob heads, reading just
the vectors that changed.  A random generation also tells a copy of another
library apart (two libraries' revisions and counts can agree).  A version-1
file (before generations) is read as such a starting point and restamped as
version 2.  A header or body that fails its CRC-32, a file of the wrong size
or of another format is ignored and rewritten.  A new copy is written beside the old one and
renamed over it, so a crash leaves either the old file or the new one.

Layout: a 64-byte header, then ids (int64), blob heads (``S32``) and the
matrix (float32, rows normalised), each section aligned to 64 bytes.
"""

from __future__ import annotations

import hashlib
import os
import struct
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..store import queries

MAGIC = b"CLAMPVEC"
VERSION = 2
# magic, version, revision, generation, table rows, vectors, dimensions, body CRC, header CRC (of the fields before it)
_HEADER = struct.Struct("<8sIqqqqIII")
_HEADER_V1 = struct.Struct("<8sIqqqIII")      # the same without the generation; same body layout
_NO_GENERATION = 0                            # written for None (a model the triggers have no row for yet)
_HEADER_BYTES = 64
_ALIGN = 64
_HEAD_DTYPE = f"S{queries.FINGERPRINT_BYTES}"
_CRC_CHUNK = 64 * 1024**2
ABANDONED_S = 3600


@dataclass
class SavedVectors:
    revision: int              # the library's revision the copy was made at (or later: never earlier)
    generation: int | None     # the model's vector generation then; None: unknown (a version-1 file)
    table_rows: int            # the model's rows in the embeddings table then
    ids: np.ndarray            # int64, sorted
    heads: np.ndarray          # the blob heads those vectors were read with
    matrix: np.ndarray         # float32 [n, dim], normalised, read-only memory map


def path_for(library_path: str | Path, model: str) -> Path:
    """``<library>-vectors/<model key>.vectors``: beside the library, so a copied library keeps it."""
    key = hashlib.sha256(model.encode()).hexdigest()[:24]
    return Path(f"{library_path}-vectors") / f"{key}.vectors"


def _aligned(offset: int) -> int:
    return -(-offset // _ALIGN) * _ALIGN


def _layout(count: int, dim: int) -> tuple[int, int, int, int]:
    """Offsets of ids, heads, matrix and the file's end."""
    ids_at = _HEADER_BYTES
    heads_at = _aligned(ids_at + 8 * count)
    matrix_at = _aligned(heads_at + queries.FINGERPRINT_BYTES * count)
    return ids_at, heads_at, matrix_at, matrix_at + 4 * count * dim


def _header(revision: int, generation: int | None, table_rows: int, count: int, dim: int, body_crc: int) -> bytes:
    generation = _NO_GENERATION if generation is None else generation
    fields = _HEADER.pack(MAGIC, VERSION, revision, generation, table_rows, count, dim, body_crc, 0)[:-4]
    return (fields + struct.pack("<I", zlib.crc32(fields))).ljust(_HEADER_BYTES, b"\0")


def _crc(buffer, start: int, end: int) -> int:
    crc = 0
    for at in range(start, end, _CRC_CHUNK):
        crc = zlib.crc32(buffer[at:min(end, at + _CRC_CHUNK)], crc)
    return crc


def write(path: Path, revision: int, generation: int | None, table_rows: int, ids: np.ndarray,
          heads: np.ndarray, matrix: np.ndarray) -> None:
    """Save a copy whole (a partial file renamed over the old one once flushed to disk)."""
    count, dim = matrix.shape if matrix.ndim == 2 and len(ids) else (0, 0)
    ids_at, heads_at, matrix_at, end = _layout(count, dim)
    sections = ((ids_at, np.ascontiguousarray(ids, dtype="<i8")), (heads_at, np.asarray(heads, dtype=_HEAD_DTYPE)),
                (matrix_at, np.ascontiguousarray(matrix, dtype="<f4").reshape(count, dim)))
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(path)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    try:
        with open(partial, "wb") as out:
            out.write(b"\0" * _HEADER_BYTES)
            crc = _write_sections(out, ids_at, sections)
            out.seek(0)
            out.write(_header(revision, generation, table_rows, count, dim, crc))
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _write_sections(out, at: int, sections) -> int:
    """Write each (offset, array) after zero padding; the CRC-32 of everything written."""
    crc = 0
    for offset, array in sections:
        padding = b"\0" * (offset - at)
        data = array.reshape(-1).view(np.uint8)
        out.write(padding)
        out.write(data)
        crc = zlib.crc32(data, zlib.crc32(padding, crc))
        at = offset + len(data)
    return crc


def _remove_abandoned(path: Path) -> None:
    """Partial copies an hour old: their writer died (a copy takes seconds), and each can be a gigabyte."""
    for partial in path.parent.glob(f"{path.name}.*.partial"):
        try:
            if time.time() - partial.stat().st_mtime > ABANDONED_S:
                partial.unlink()
        except OSError:
            pass    # another process removed it first


def restamp(path: Path, revision: int, generation: int | None, table_rows: int) -> bool:
    """Record that the copy is still the table's at a later revision (only the header changes).

    A version-1 header becomes a version-2 one (the body is laid out alike).
    False, with nothing written, when the header is not a valid one (the copy must then be written whole).
    """
    with open(path, "r+b") as out:
        fields = _parse_header(out.read(_HEADER_BYTES))
        if fields is None:
            return False
        *_, count, dim, body_crc = fields
        out.seek(0)
        out.write(_header(revision, generation, table_rows, count, dim, body_crc))
    return True


def _parse_header(header: bytes) -> tuple[int, int | None, int, int, int, int] | None:
    """(revision, generation, table rows, vectors, dimensions, body CRC), or None for no valid header."""
    if len(header) < _HEADER_BYTES or header[:8] != MAGIC:
        return None
    version = struct.unpack_from("<I", header, 8)[0]
    layout = {VERSION: _HEADER, 1: _HEADER_V1}.get(version)
    if layout is None or zlib.crc32(header[:layout.size - 4]) != struct.unpack_from("<I", header, layout.size - 4)[0]:
        return None
    if version == 1:
        _, _, revision, table_rows, count, dim, body_crc, _ = layout.unpack_from(header)
        return revision, None, table_rows, count, dim, body_crc
    _, _, revision, generation, table_rows, count, dim, body_crc, _ = layout.unpack_from(header)
    return revision, (None if generation == _NO_GENERATION else generation), table_rows, count, dim, body_crc


def read(path: Path) -> SavedVectors | None:
    """The saved copy, or None when there is none or it is torn, damaged or of another format."""
    try:
        with open(path, "rb") as file:
            header = file.read(_HEADER_BYTES)
            size = os.fstat(file.fileno()).st_size
    except OSError:
        return None
    fields = _parse_header(header)
    if fields is None:
        return None
    revision, generation, table_rows, count, dim, body_crc = fields
    ids_at, heads_at, matrix_at, end = _layout(count, dim)
    if size != end:
        return None
    if not count:
        return SavedVectors(revision, generation, table_rows, np.zeros(0, np.int64), np.zeros(0, _HEAD_DTYPE),
                            np.zeros((0, 0), np.float32))
    whole = np.memmap(path, dtype=np.uint8, mode="r", shape=(end,))
    if _crc(memoryview(whole), ids_at, end) != body_crc:
        return None
    return SavedVectors(revision, generation, table_rows,
                        np.frombuffer(whole, dtype="<i8", count=count, offset=ids_at).astype(np.int64),
                        np.frombuffer(whole, dtype=_HEAD_DTYPE, count=count, offset=heads_at).copy(),
                        np.ndarray((count, dim), dtype="<f4", buffer=whole, offset=matrix_at))
