"""Indexing on a Ray cluster: the indexer's backend for archives one machine cannot convert in time.

Ray is an optional extra (``pip install "clamp-desktop[cluster]"``).  Only
``require_ray`` and ``ClusterError`` may be imported without it; the backend
itself is imported by ``cluster_backend`` once Ray is known to be there.
"""

from __future__ import annotations

from ...errors import ClampDesktopError

INSTALL_HINT = 'indexing on a cluster needs Ray, which is not installed: pip install "clamp-desktop[cluster]"'


class ClusterError(ClampDesktopError):
    """The Ray cluster cannot be reached or lost work it could not redo."""


def require_ray() -> None:
    """Raise ``ClusterError`` with the install line when Ray cannot be imported."""
    try:
        import ray  # noqa: F401
    except ImportError:
        raise ClusterError(INSTALL_HINT) from None


def cluster_backend(address: str, requested_model: str | None, device: str | None = None,
                    ship_files: bool = False):
    """A connected ``ClusterBackend`` (a context manager that disconnects on exit)."""
    require_ray()
    from .backend import ClusterBackend

    return ClusterBackend(address, requested_model, device=device, ship_files=ship_files)
