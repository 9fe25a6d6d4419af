"""The sha256 of a file: what names a score's content, a model's weights and a downloaded file.

Here, with nothing but hashlib, so that any layer may ask without importing
the scanner, the score reader or torch.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_hash(path: str | Path) -> str:
    """sha256 of the file's bytes (hex); identifies content across renames and moves."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
