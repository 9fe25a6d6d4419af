"""One model's normalised vectors saved beside the library, memory-mapped by the next process.

Reading a million vectors out of SQLite takes 30-70 s; mapping this file takes
about a second.  The file is never trusted on its word: it records the
library's ``revision`` (bumped in the same transaction as every write) and the
number of the model's vector rows it was made from, and a copy whose revision
is behind is only a starting point that ``VectorIndex.refresh`` corrects
against the table's blob heads, reading just the vectors that changed.  A
header or body that fails its CRC-32, a file of the wrong size or of another
format is ignored and rewritten.  A new copy is written beside the old one and
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
VERSION = 1
# magic, version, revision, table rows, vectors, dimensions, body CRC, header CRC (of the fields before it)
_HEADER = struct.Struct("<8sIqqqIII")
_HEADER_BYTES = 64
_ALIGN = 64
_HEAD_DTYPE = f"S{queries.FINGERPRINT_BYTES}"
_CRC_CHUNK = 64 * 1024**2
ABANDONED_S = 3600


@dataclass
class SavedVectors:
    revision: int              # the library's revision the copy was made at (or later: never earlier)
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


def _header(revision: int, table_rows: int, count: int, dim: int, body_crc: int) -> bytes:
    fields = _HEADER.pack(MAGIC, VERSION, revision, table_rows, count, dim, body_crc, 0)[:-4]
    return (fields + struct.pack("<I", zlib.crc32(fields))).ljust(_HEADER_BYTES, b"\0")


def _crc(buffer, start: int, end: int) -> int:
    crc = 0
    for at in range(start, end, _CRC_CHUNK):
        crc = zlib.crc32(buffer[at:min(end, at + _CRC_CHUNK)], crc)
    return crc


def write(path: Path, revision: int, table_rows: int, ids: np.ndarray, heads: np.ndarray,
          matrix: np.ndarray) -> None:
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
            out.write(_header(revision, table_rows, count, dim, crc))
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


def restamp(path: Path, revision: int, table_rows: int) -> bool:
    """Record that the copy is still the table's at a later revision (only the header changes).

    False, with nothing written, when the header is not a valid one (the copy must then be written whole).
    """
    with open(path, "r+b") as out:
        header = out.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return False
        magic, version, _, _, count, dim, body_crc, header_crc = _HEADER.unpack(header)
        if magic != MAGIC or version != VERSION or zlib.crc32(header[:-4]) != header_crc:
            return False
        out.seek(0)
        out.write(_header(revision, table_rows, count, dim, body_crc))
    return True


def read(path: Path) -> SavedVectors | None:
    """The saved copy, or None when there is none or it is torn, damaged or of another format."""
    try:
        with open(path, "rb") as file:
            header = file.read(_HEADER_BYTES)
            size = os.fstat(file.fileno()).st_size
    except OSError:
        return None
    if len(header) < _HEADER.size:
        return None
    magic, version, revision, table_rows, count, dim, body_crc, header_crc = _HEADER.unpack(header[:_HEADER.size])
    if magic != MAGIC or version != VERSION or zlib.crc32(header[:_HEADER.size - 4]) != header_crc:
        return None
    ids_at, heads_at, matrix_at, end = _layout(count, dim)
    if size != end:
        return None
    if not count:
        return SavedVectors(revision, table_rows, np.zeros(0, np.int64), np.zeros(0, _HEAD_DTYPE),
                            np.zeros((0, 0), np.float32))
    whole = np.memmap(path, dtype=np.uint8, mode="r", shape=(end,))
    if _crc(memoryview(whole), ids_at, end) != body_crc:
        return None
    return SavedVectors(revision, table_rows,
                        np.frombuffer(whole, dtype="<i8", count=count, offset=ids_at).astype(np.int64),
                        np.frombuffer(whole, dtype=_HEAD_DTYPE, count=count, offset=heads_at).copy(),
                        np.ndarray((count, dim), dtype="<f4", buffer=whole, offset=matrix_at))
