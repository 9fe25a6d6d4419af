"""How fast each model encodes, relative to another: speed follows the network's shape, not its weights.

The multiply-adds per piece of a music encoder: each bar patch goes through
the patch embedding (a sum of its characters' columns) and every layer
(attention projections, attention over its segment, the feed-forward
block).  A model that reads only a piece's first ``n`` patches stops there.
"""

from __future__ import annotations

from .registry import ModelEntry

PATCH_CHARACTERS = 64


def encoder_work(entry: ModelEntry, patches: float) -> float:
    """Multiply-adds to encode one piece of ``patches`` bar patches with ``entry``'s music encoder."""
    hidden, layers, intermediate, limit = entry.music_encoder
    read = patches if entry.whole_pieces else min(patches, limit)
    segment = min(read, limit)
    per_layer = 4 * hidden * hidden + 2 * hidden * intermediate + 2 * segment * hidden
    return read * (PATCH_CHARACTERS * hidden + layers * per_layer)


def estimated_rate(entry: ModelEntry, measured: ModelEntry, convert_s: float, encode_s: float,
                   patches: float) -> float:
    """Pieces per second of ``entry`` from one piece's conversion and ``measured``'s encoding time."""
    scale = encoder_work(entry, patches) / encoder_work(measured, patches)
    return 1.0 / (convert_s + encode_s * scale)
