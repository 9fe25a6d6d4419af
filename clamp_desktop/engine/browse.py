"""Read helpers for browsing the library: facet counts, visible tags, key and metre per piece.

Keys and metres are shown the way filters match them ('G minor', '3/4'),
from the metadata when present, else from the piece's ABC header.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from ..store import queries
from .filters import parse_meter, score_key
from .tagging import Vocabulary, load_vocabularies, thresholds


def _vocabularies(vocabularies: Mapping[str, Vocabulary] | None) -> Mapping[str, Vocabulary]:
    return vocabularies if vocabularies is not None else load_vocabularies()[0]


def display_key(written: str | None) -> str | None:
    key = score_key(written)
    return str(key) if key else None


def display_meter(written: str | None) -> str | None:
    return parse_meter(written) if written else None


def _merged(pairs, display) -> list[tuple[str, int]]:
    counts: Counter = Counter()
    for written, count in pairs:
        value = display(written)
        if value:
            counts[value] += count
    return sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold()))


def facets(library, vocabularies: Mapping[str, Vocabulary] | None = None) -> dict[str, list[tuple[str, int]]]:
    """{"composer": [(value, count)], "key": ..., "meter": ..., "tags:<vocabulary>": ...}.

    Counts are of readable pieces, most common first; tag counts are of visible tags.
    """
    vocabularies = _vocabularies(vocabularies)
    result = {
        "composer": queries.column_counts(library, "composer"),
        "key": _merged(queries.effective_values(library, "key"), display_key),
        "meter": _merged(queries.effective_values(library, "meter"), display_meter),
    }
    for vocabulary, counts in queries.visible_tag_counts(library, thresholds(vocabularies, library)).items():
        result[f"tags:{vocabulary}"] = counts
    return result


def visible_tags(library, piece_ids: Sequence[int] | None,
                 vocabularies: Mapping[str, Vocabulary] | None = None) -> dict[int, dict[str, list[str]]]:
    """piece id -> {vocabulary: [labels shown]} (every piece when ``piece_ids`` is None; untagged ones absent)."""
    rows = queries.visible_tags(library, piece_ids, thresholds(_vocabularies(vocabularies), library))
    result: dict[int, dict[str, list[str]]] = {}
    for piece_id, pairs in rows.items():
        for vocabulary, label in pairs:
            result.setdefault(piece_id, {}).setdefault(vocabulary, []).append(label)
    return result


def key_and_meter(library, piece_ids: Sequence[int]) -> dict[int, tuple[str | None, str | None]]:
    """piece id -> (key, metre) as shown and filtered ('G minor', '3/4'); None where unknown."""
    return {piece_id: (display_key(key), display_meter(meter))
            for piece_id, (key, meter) in queries.effective_of(library, piece_ids).items()}
