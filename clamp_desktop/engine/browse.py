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


# Facts read from the score that are facets: facet (a filter field) -> column.
FACT_FACETS = {"ensemble": "ensemble", "era": "era", "lang": "language", "tempo": "tempo_class"}


def facets(library, vocabularies: Mapping[str, Vocabulary] | None = None) -> dict[str, list[tuple[str, int]]]:
    """{"composer": [(value, count)], "key": ..., "meter": ..., "ensemble": ..., "tags:<vocabulary>": ...}.

    Counts are of readable pieces, most common first; tag counts are of visible tags.
    """
    vocabularies = _vocabularies(vocabularies)
    result = {
        "composer": queries.column_counts(library, "composer"),
        "key": _merged(queries.effective_values(library, "key"), display_key),
        "meter": _merged(queries.effective_values(library, "meter"), display_meter),
    }
    facts = queries.columns_counts(library, list(FACT_FACETS.values()))
    result.update((facet, facts[column]) for facet, column in FACT_FACETS.items())
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


LANGUAGE_NAMES = {"de": "German", "en": "English", "fr": "French", "it": "Italian", "es": "Spanish",
                  "la": "Latin", "pt": "Portuguese", "nl": "Dutch", "sv": "Swedish", "cs": "Czech",
                  "pl": "Polish", "ru": "Russian", "el": "Greek", "he": "Hebrew", "ar": "Arabic",
                  "ja": "Japanese", "ko": "Korean", "zh": "Chinese"}


def composer_line(piece: dict) -> str:
    """'Franz Schubert (1797–1828)': the composer as shown, with the authority file's dates."""
    from ..ingest.composers import lookup

    name = piece.get("composer") or ""
    known = lookup(name) if name else None
    if known is None or known.name != name or not (known.born or known.died):
        return name
    return f"{name} ({known.born or '?'}–{known.died or ''})"


def facts_line(piece: dict) -> str:
    """The facts read from the score, as one line: 'voice and piano · D minor (estimated) · 3/4 · slow ...'."""
    key = piece.get("key")
    if key and piece.get("key_source") == "estimated":
        key = f"{key} (mode estimated)"
    language = LANGUAGE_NAMES.get(piece.get("language") or "", piece.get("language"))
    parts = [piece.get("ensemble"), key, piece.get("time_signature"), piece.get("tempo_class"),
             f"{piece['voices']} voices" if piece.get("voices") else None,
             f"lyrics in {language}" if language else "lyrics" if piece.get("has_lyrics") else None,
             "chord symbols" if piece.get("has_chords") else None, piece.get("era")]
    return " · ".join(str(p) for p in parts if p)
