"""Which languages a model's text side understands, and a hint when a query is in another one."""

from __future__ import annotations

import re

from ..ingest.language import detect_language
from ..model.registry import REGISTRY, WHOLE_PIECES_SUFFIX, model_reads

MULTILINGUAL_HINT = ("{model} understands English queries only; this one looks like {language}. "
                     "Choose CLaMP 3 (clamp3-c2) in Settings for queries in about 100 languages.")
_NON_ENGLISH_LETTERS = re.compile(r"[^\W\d_a-zA-Z]")   # a letter outside a-z: é, ß, ñ, any other script


def is_multilingual(model_name: str) -> bool:
    entry = REGISTRY.get(str(model_name).removesuffix(WHOLE_PIECES_SUFFIX))
    if entry is not None:
        return entry.languages != "English"
    return model_reads(model_name) in ("clamp3", "clamp2")


def query_language_hint(text: str, model_name: str) -> str | None:
    """A one-line hint when an English-only model gets a query that looks like another language."""
    if is_multilingual(model_name):
        return None
    words = re.findall(r"\w+", text.lower())
    language = detect_language(words)
    if language == "en" or (language is None and not _NON_ENGLISH_LETTERS.search(text)):
        return None
    name = str(model_name).rsplit("/", 1)[-1]
    return MULTILINGUAL_HINT.format(model=name, language=f"'{language}'" if language else "not English")
