"""What the results line says besides the count: why nothing came back, hints, filters not used."""

from __future__ import annotations

UNKNOWN_FILTER = " (no filter '"     # how engine.filters.unknown_filter_reason begins its reason


def query_notes(result) -> list[str]:
    """The result's message and hint, and each filter it could not use (an unknown ``foo:``, ``parts:many``).

    Kept short: the results line is one line (the full list of filter names is in Help and in the CLI's error).
    """
    ignored = [f"not used: {_short(item)}" for item in result.ignored]
    if result.message and "Ignored:" in result.message:
        ignored = []     # the no-match message already lists them
    return [note for note in (result.message, result.hint, *ignored) if note]


def _short(item: str) -> str:
    term, unknown, _ = item.partition(UNKNOWN_FILTER)
    return f"{term} (no such filter)" if unknown else item
