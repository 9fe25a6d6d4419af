"""``Progress``: what a long engine job reports (indexing, tagging, a download).

In a module of its own so that what only reports progress (tagging, the
worker) does not import the indexer and its dependencies: the window's first
paint needs none of them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Progress:
    stage: str              # "scan", "convert", "encode", "search index", "done"
    done: int
    total: int
    detail: str = ""
