"""One resumable, checksum-checked download of a pinned file (urllib; http, https and file URLs).

The bytes go to ``NAME.part`` next to the target; an interrupted download
continues from there with an HTTP Range request.  Only a file whose size and
sha256 match the pin is renamed into place, so a half-written or tampered file
is never used.
"""

from __future__ import annotations

import urllib.request
from pathlib import Path
from typing import Callable

from ..errors import ClampDesktopError
from ..digests import file_hash

CHUNK = 1 << 16
TIMEOUT_S = 30


class DownloadError(ClampDesktopError):
    """A download failed, or its file does not match its pin."""


def _open(url: str, start: int):
    """The response from ``start`` on, and whether the server honoured the range."""
    request = urllib.request.Request(url, headers={"User-Agent": "clamp-desktop"})
    if start and not url.startswith("file:"):
        request.add_header("Range", f"bytes={start}-")
    response = urllib.request.urlopen(request, timeout=TIMEOUT_S)
    resumed = start > 0 and getattr(response, "status", 200) == 206
    return response, resumed


def download(url: str, target: Path, size: int, sha256: str,
             progress: Callable[[int, int], None] | None = None) -> Path:
    """``target`` holding the pinned file; resumes a ``.part`` left by an earlier try."""
    target = Path(target)
    if target.is_file() and target.stat().st_size == size and file_hash(str(target)) == sha256:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    start = partial.stat().st_size if partial.is_file() else 0
    if start > size:
        partial.unlink()
        start = 0
    try:
        response, resumed = _open(url, start)
        with response, open(partial, "ab" if resumed else "wb") as out:
            done = start if resumed else 0
            while block := response.read(CHUNK):
                out.write(block)
                done += len(block)
                if progress:
                    progress(done, size)
    except OSError as exc:   # URLError, HTTPError, timeouts and disk errors are all OSErrors
        raise DownloadError(f"Downloading {target.name} failed ({exc}); run it again to resume.") from exc
    if partial.stat().st_size < size:      # the connection ended early: keep the part to resume
        raise DownloadError(f"Downloading {target.name} stopped at {partial.stat().st_size} of {size} bytes; "
                            "run it again to resume.")
    if partial.stat().st_size != size or file_hash(str(partial)) != sha256:
        got = partial.stat().st_size
        partial.unlink()
        raise DownloadError(f"The downloaded {target.name} ({got} bytes) does not match its pinned "
                            f"size ({size} bytes) and sha256; it was deleted, not used.")
    partial.replace(target)
    return target
