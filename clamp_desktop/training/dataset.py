"""Prepared pieces -> training examples: split by work, descriptions, bar patches.

The split is by *group* (the work a piece belongs to), never by piece, so no
tune or movement has a sibling across splits: a multi-tune ABC file is split
by tune title (variants of one tune stay together), a folder of movements
(``haydn/opus74no1/movement1.mxl``) by the folder, Bach chorales by BWV number,
and the same work in two formats (``bwv277.krn``, ``bwv277.mxl``) lands once.
A group's split is a hash of the seed and its name, so it is the same on every
machine and does not move when the corpus grows.  OpenScore pieces are split
by composer instead (``openscore.split_by_composer``): the test composers'
music is never trained on.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..model.patching import patchify, segments
from .descriptions import dropout_text, fields_of, full_text
from .facts import piece_facts
from .openscore import PREFIX, split_by_composer

SPLITS = ("train", "validation", "test")
DEFAULT_FRACTIONS = (0.85, 0.05, 0.10)


def group_of(record: dict) -> str:
    """The work a piece belongs to (see the module docstring)."""
    source = record["source"]
    folder, _, rest = source.partition("/")
    stem = re.sub(r"\.[^./]+$", "", source)
    if "#" in record.get("id", ""):  # a tune of a multi-tune ABC file
        title = (record.get("metadata") or {}).get("title") or record["id"]
        title = re.sub(r"[\s\d.,;:()\-]+$", "", title.lower()).strip() or title.lower()
        return f"{source}#{re.sub(r'[^a-z]+', ' ', title).strip()}"
    if re.search(r"/movement\d+[^/]*$", stem):
        return stem.rsplit("/", 1)[0]
    if folder == "bach":
        match = re.match(r"bach/(bwv\d+)", stem)
        return match.group(1) if match else stem
    return re.sub(r"(_old|_bak|-[a-z0-9]+)$", "", stem)


def split_of(group: str, seed: int, fractions=DEFAULT_FRACTIONS) -> str:
    digest = hashlib.sha256(f"{seed}:{group}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    if u < fractions[0]:
        return "train"
    return "validation" if u < fractions[0] + fractions[1] else "test"


def assign_splits(records: list[dict], seed: int) -> dict[str, list[str]]:
    """Split name -> piece ids."""
    out: dict[str, list[str]] = {name: [] for name in SPLITS}
    for record in records:
        out[record_split(record, seed)].append(record["id"])
    return out


def record_split(record: dict, seed: int) -> str:
    """A piece's split: by work for music21's corpus, by composer for OpenScore's (``training.openscore``)."""
    if record["source"].startswith(PREFIX):
        return split_by_composer(record["source"], seed)
    return split_of(group_of(record), seed)


def save_split(split: dict[str, list[str]], path: Path, seed: int) -> None:
    data = {"seed": seed, "rule": "sha256(seed:group) -> 85/5/10 %", **{k: sorted(v) for k, v in split.items()}}
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        json.dump(data, handle)


def load_split(path: Path) -> dict:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


@dataclass
class Example:
    """One piece ready for training: patches, facts, and indices of its description texts."""

    id: str
    patches: np.ndarray                  # uint8 [n_patches, 64]: the first segment
    facts: dict
    texts: list[int] = field(default_factory=list)   # indices into TextTable (dropout variants)
    used: list[tuple[str, ...]] = field(default_factory=list)  # the fields each variant names
    full: int = -1                                    # index of the full description
    signature: dict = field(default_factory=dict)     # field -> hash of its phrasings (its value)
    segments: list[np.ndarray] = field(default_factory=list)  # every segment, ``patches`` first

    def segment(self, rng: random.Random) -> np.ndarray:
        """One of the piece's segments, drawn by ``rng`` (its only one for a piece that fits)."""
        return self.segments[rng.randrange(len(self.segments))] if len(self.segments) > 1 else self.patches


class TextTable:
    """Unique description texts, each stored once (many pieces share short descriptions)."""

    def __init__(self):
        self.texts: list[str] = []
        self._index: dict[str, int] = {}

    def add(self, text: str) -> int:
        index = self._index.get(text)
        if index is None:
            index = self._index[text] = len(self.texts)
            self.texts.append(text)
        return index

    def __len__(self) -> int:
        return len(self.texts)


def build_examples(records: list[dict], max_length: int, variants: int, seed: int,
                   table: TextTable, whole_pieces: bool = False) -> list[Example]:
    """Patches and ``variants`` text-dropout descriptions (+ the full one) per piece.

    A record may carry its own ``fields`` (field -> phrasings, as a library
    piece does); otherwise they are built from its facts.  ``whole_pieces``:
    a long piece keeps every segment the model reads it in at inference
    (``patching.segments``), and training draws one of them each time it sees
    the piece; otherwise only its first ``max_length`` patches.
    """
    rng = random.Random(seed)
    examples = []
    drawn_for: dict[str, tuple] = {}
    for record in records:
        facts = record.get("facts") or piece_facts(record)
        fields = record.get("fields") or fields_of(facts)
        cut = segments(patchify(record["abc"], None), max_length) if whole_pieces else [
            (patchify(record["abc"], max_length), 0)]
        pieces = [np.asarray(patches, dtype=np.uint8) for patches, _ in cut]
        # Pieces with the same fields share their drawn texts: the texts would
        # be drawn from the same distribution anyway, and the frozen text
        # encoder (the slow part on a CPU) then sees far fewer distinct texts.
        key = json.dumps(fields, sort_keys=True)
        if key not in drawn_for:
            drawn = [dropout_text(fields, rng) for _ in range(variants)]
            drawn_for[key] = ([table.add(t) for t, _ in drawn], [u for _, u in drawn],
                              table.add(full_text(fields)))
        texts, used, full = drawn_for[key]
        signature = {name: hash(tuple(phrases)) for name, phrases in fields.items()}
        examples.append(Example(record["id"], pieces[0], facts, list(texts), list(used), full, signature,
                                pieces))
    return examples


def oversample(examples: list[Example], min_per_collection: int, min_per_genre: int,
               max_repeat: int = 4) -> list[Example]:
    """Each piece of a rare collection or genre repeated (at most ``max_repeat`` times).

    A collection with fewer than ``min_per_collection`` training pieces (43
    Monteverdi madrigals beside 3,800 folk songs) or a genre with fewer than
    ``min_per_genre`` is otherwise seen so rarely per epoch that its words
    barely move; repeats draw fresh description texts each time.
    """
    labels = Counter(e.facts.get("label") for e in examples)
    genres = Counter(e.facts.get("genre") for e in examples)
    out = []
    for example in examples:
        repeat = 1
        if min_per_collection:
            repeat = max(repeat, math.ceil(min_per_collection / labels[example.facts.get("label")]))
        if min_per_genre and example.facts.get("genre"):
            repeat = max(repeat, math.ceil(min_per_genre / genres[example.facts["genre"]]))
        out.extend([example] * min(repeat, max_repeat))
    return out
