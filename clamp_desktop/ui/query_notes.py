"""What the results line says besides the count: why nothing came back, hints, filters not used."""

from __future__ import annotations


def query_notes(result) -> list[str]:
    """The result's message and hint, and each filter it could not use (an unknown ``foo:``, ``parts:many``)."""
    ignored = [f"not used: {item}" for item in result.ignored]
    if result.message and "Ignored:" in result.message:
        ignored = []     # the no-match message already lists them
    return [note for note in (result.message, result.hint, *ignored) if note]
