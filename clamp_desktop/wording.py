"""Words shown to people: counted nouns ("1 piece", "3 pieces") and menu texts without mnemonics."""

from __future__ import annotations

IRREGULAR = {"was": "were", "is": "are", "has": "have"}


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``count`` and ``noun``, in the plural unless it is exactly one: ``plural(1, "piece")`` → "1 piece"."""
    return f"{count:,} {noun if count == 1 else many or IRREGULAR.get(noun) or noun + 's'}"


def without_mnemonic(text: str) -> str:
    """A menu text as plain words: "&Cancel the running job…" → "Cancel the running job…" ("&&" stays "&")."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")
