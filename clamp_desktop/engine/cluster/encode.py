"""Encoding in Ray actors: one per GPU where the cluster has GPUs, else one per node.

Each actor loads the model once and encodes (id, abc) batches with the same
steps as the local encoder thread (by length, eight pieces at a time, halving
on out-of-memory), so its vectors are the local ones.  ``ClusterEncoder`` is
the driver's side: it has the local encoder thread's queues, hands batches to
the actors and passes their vectors back to the library writer.
"""

from __future__ import annotations

import itertools
import queue
import threading

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from ..indexer import encode_in_steps
from ..models import model_loader
from . import ClusterError

BATCHES_PER_ACTOR = 2       # in flight at once, so an actor never waits for the driver
POLL_S = 0.05


@ray.remote(max_restarts=-1, max_task_retries=-1)
class EncoderActor:
    """The model on one node or GPU; a node lost mid-batch restarts it elsewhere and the batch is redone."""

    def __init__(self, requested_model: str | None, device: str | None, threads: int):
        self.load = model_loader(requested_model, device)
        self.threads = threads
        self.model = None

    def encode(self, batch: list[tuple[int, str]], converting: bool) -> tuple[str, list[int], object]:
        import torch

        from ...model.fallback import FallbackEncoder

        # Like the local encoder: one thread while converters hold this node's cores.
        torch.set_num_threads(1 if converting else self.threads)
        self.model = self.model or FallbackEncoder(self.load())
        ids, vectors = encode_in_steps(self.model, batch)
        return ray.get_runtime_context().get_node_id(), ids, vectors


def start_actors(requested_model: str | None, device: str | None) -> list:
    """One actor per GPU of the cluster; without GPUs, one per alive node, using that node's CPUs."""
    gpus = int(ray.cluster_resources().get("GPU", 0))
    if gpus:
        return [EncoderActor.options(num_gpus=1).remote(requested_model, device, 1) for _ in range(gpus)]
    actors = []
    for node in ray.nodes():
        if node["Alive"] and node["Resources"].get("CPU"):
            # No CPU reserved: it shares the node with the converters, as the local encoder thread does.
            where = NodeAffinitySchedulingStrategy(node["NodeID"], soft=True)
            actors.append(EncoderActor.options(num_cpus=0, scheduling_strategy=where).remote(
                requested_model, device or "cpu", int(node["Resources"]["CPU"])))
    return actors


class ClusterEncoder(threading.Thread):
    """The local encoder thread's contract (inbox, outbox, conversion_done, stop), run by Ray actors."""

    def __init__(self, requested_model: str | None, device: str | None, nodes: set):
        super().__init__(daemon=True, name="clamp-cluster-encoder")
        self.requested_model = requested_model
        self.device = device
        self.nodes = nodes
        self.inbox: queue.Queue = queue.Queue()
        self.outbox: queue.Queue = queue.Queue()
        self.conversion_done = threading.Event()
        self._stopped = threading.Event()

    def stop(self) -> None:
        """Drop the batches not yet handed out and end (a cancelled run)."""
        self._stopped.set()
        self.inbox.put(None)

    def run(self) -> None:
        actors = []
        try:
            actors = start_actors(self.requested_model, self.device)
            if not actors:
                raise ClusterError("the Ray cluster has no node with CPUs or GPUs to encode on")
            self._encode_batches(actors)
        except Exception as exc:  # reported to the library writer, which stops the run
            self.outbox.put(([], None, exc))
        finally:
            for actor in actors:
                ray.kill(actor)

    def _encode_batches(self, actors: list) -> None:
        turns = itertools.cycle(actors)
        running: dict = {}
        inbox_open = True
        while (inbox_open or running) and not self._stopped.is_set():
            while inbox_open and len(running) < BATCHES_PER_ACTOR * len(actors):
                try:
                    batch = self.inbox.get(block=not running)
                except queue.Empty:
                    break
                if batch is None:
                    inbox_open = False
                    break
                converting = not self.conversion_done.is_set()
                running[next(turns).encode.remote(batch, converting)] = batch
            if running:
                ready, _ = ray.wait(list(running), num_returns=1, timeout=POLL_S)
                for ref in ready:
                    batch = running.pop(ref)
                    self.outbox.put(self._vectors(ref, batch))
        if not self._stopped.is_set():
            self.outbox.put(None)

    def _vectors(self, ref, batch: list) -> tuple:
        try:
            node, ids, vectors = ray.get(ref)
        except ray.exceptions.RayError as exc:
            raise ClusterError(f"the cluster could not encode a batch of {len(batch)} pieces "
                               f"({type(exc).__name__}); run the index again to resume") from exc
        self.nodes.add(node)
        return ids, vectors, None
