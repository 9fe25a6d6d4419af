"""The indexer's backend on a Ray cluster: conversion tasks out, results streamed back in.

The driver (this process) plans, ships work and is the only library writer,
exactly as in a plain run; Ray only replaces the converter processes and the
encoder thread.  A task lost with its node is retried by Ray; a result comes
back once, so no file is recorded or encoded twice.  Work Ray cannot redo
stops the run with one line, and the next run resumes from what was committed.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator

from pathlib import Path

import ray

from ...ingest.pool import DEFAULT_MEMORY_LIMIT, DEFAULT_TIMEOUT_S, failure_reason
from ...ingest.score import unreadable
from . import ClusterError
from .convert import convert_files
from .encode import ClusterEncoder

CHUNK_FILES = 16                # files per conversion task, at most
CHUNK_BYTES = 64 * 1024**2      # shipped bytes per task, at most
TASKS_PER_CPU = 2               # in flight, so no worker waits for the driver


class ClusterBackend:
    """Convert in Ray tasks and encode in Ray actors; see ``LocalBackend`` for the contract."""

    def __init__(self, address: str, requested_model: str | None, device: str | None = None,
                 ship_files: bool = False, timeout: float = DEFAULT_TIMEOUT_S,
                 memory_limit: int | None = DEFAULT_MEMORY_LIMIT):
        self.address = address
        self.requested_model = requested_model
        self.device = device
        self.ship_files = ship_files
        self.timeout = timeout
        self.memory_limit = memory_limit
        self.nodes: set[str] = set()
        self._connected_here = False

    def __enter__(self) -> "ClusterBackend":
        if not ray.is_initialized():
            try:
                ray.init(address=self.address, logging_level="ERROR", log_to_driver=False)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise ClusterError(f"cannot reach the Ray cluster at {self.address}: {str(exc).splitlines()[0]}; "
                                   "start one with 'ray start --head'") from None
            self._connected_here = True
        return self

    def __exit__(self, *exc) -> None:
        if self._connected_here:
            ray.shutdown()
            self._connected_here = False

    def nodes_used(self, worked: bool) -> int:
        return len(self.nodes)

    def encoder(self, load_model: Callable) -> ClusterEncoder:
        """Actors load the model themselves (``load_model`` is this machine's)."""
        return ClusterEncoder(self.requested_model, self.device, self.nodes)

    def convert(self, jobs: list) -> Iterator[tuple]:
        in_flight = max(2, TASKS_PER_CPU * int(ray.cluster_resources().get("CPU", 1)))
        chunks = iter(_chunks(jobs, math.ceil(len(jobs) / (2 * in_flight)), self.ship_files))
        running: dict = {}
        more = True
        try:
            while more or running:
                while more and len(running) < in_flight:
                    chunk = next(chunks, None)
                    if chunk is None:
                        more = False
                        break
                    chunk, payloads, refused = self._payloads(chunk)
                    yield from refused
                    if chunk:
                        running[convert_files.remote(chunk, payloads, self.timeout, self.memory_limit)] = chunk
                if running:
                    ready, _ = ray.wait(list(running), num_returns=1)
                    for ref in ready:
                        yield from self._results(ref, running.pop(ref))
        finally:
            for ref in running:
                ray.cancel(ref)

    def _payloads(self, chunk: list) -> tuple[list, list[bytes] | None, list[tuple]]:
        """(jobs to send, their bytes when shipping, failures of files this machine cannot read)."""
        if not self.ship_files:
            return chunk, None, []
        readable, payloads, refused = [], [], []
        for job in chunk:
            try:
                payloads.append(Path(job[0]).read_bytes())
                readable.append(job)
            except OSError as exc:
                refused.append((job, None, failure_reason(unreadable(exc))))
        return readable, payloads, refused

    def _results(self, ref, chunk: list) -> Iterator[tuple]:
        try:
            node, results = ray.get(ref)
        except ray.exceptions.RayError as exc:
            raise ClusterError(f"the cluster could not convert {chunk[0][0]} and {len(chunk) - 1} other files "
                               f"({type(exc).__name__}); run the index again to resume") from exc
        self.nodes.add(node)
        yield from results


def _chunks(jobs: list, size: int, by_bytes: bool) -> Iterator[list]:
    """Jobs in tasks of at most ``size`` files (and ``CHUNK_BYTES`` when shipped)."""
    size = max(1, min(CHUNK_FILES, size))
    chunk, total = [], 0
    for job in jobs:
        weight = _size(job[0]) if by_bytes else 0
        if chunk and (len(chunk) >= size or total + weight > CHUNK_BYTES):
            yield chunk
            chunk, total = [], 0
        chunk.append(job)
        total += weight
    if chunk:
        yield chunk


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
