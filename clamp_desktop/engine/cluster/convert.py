"""Conversion as Ray tasks: the local converter pool, its job, limits and reasons, on each worker.

A task converts a few files in a ``ConverterPool`` of one process that its Ray
worker keeps between tasks (starting a converter costs about a second), so a
hostile file is refused on a cluster exactly as it is locally: the same time
limit, the same memory limit (an rlimit in the converter process), the same
one-line reason, and a crash or hang kills only that converter process.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import ray

from ...ingest.pool import ConverterPool
from ..indexer import convert_job

_pools: dict[tuple, ConverterPool] = {}


def _pool(timeout: float, memory_limit: int | None) -> ConverterPool:
    key = (timeout, memory_limit)
    if key not in _pools:
        _pools[key] = ConverterPool(convert_job, workers=1, timeout=timeout, memory_limit=memory_limit).__enter__()
    return _pools[key]


@ray.remote(num_cpus=1, max_retries=3)
def convert_files(jobs: list[tuple[str, str]], payloads: list[bytes] | None,
                  timeout: float, memory_limit: int | None) -> tuple[str, list[tuple]]:
    """(this node's id, [(job, entries, None) or (job, None, reason)]) for ``jobs``.

    ``payloads``: the files' bytes when the driver ships them (``--ship-files``);
    they are written under their own path (below a temporary folder), so titles
    and composers taken from file and folder names are the same as when the
    file is read where it lies.
    """
    node = ray.get_runtime_context().get_node_id()
    pool = _pool(timeout, memory_limit)
    if payloads is None:
        return node, list(pool.imap_unordered(jobs))
    with tempfile.TemporaryDirectory(prefix="clamp-shipped-") as folder:
        originals = {}
        for index, ((path, digest), data) in enumerate(zip(jobs, payloads)):
            copy = Path(folder, str(index), *Path(path).parts[1:])
            copy.parent.mkdir(parents=True)
            copy.write_bytes(data)
            originals[str(copy)] = (path, digest)
        copies = [(copy, digest) for copy, (_, digest) in originals.items()]
        return node, [(originals[job[0]], entries, error) for job, entries, error in pool.imap_unordered(copies)]
