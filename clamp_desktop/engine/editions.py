"""Whether two pieces close in music are one work: the evidence beside the cosine.

Two files of one work (a transposed copy, another engraving, an
arrangement) have close music vectors, but so do many pieces of one kind (a
hundred Bach chorales of a dozen bars each).  What tells them apart is what
the files say: the same title, where numbers must agree ("BWV 101.7" is not "BWV 102.7",
"No. 1, Op. 18" not "No. 2, Op. 18", though "Song (2)" may be a copy of
"Song"), the same composer or none stated, and about as many bars.
``edition_score`` folds these into one number compared with a threshold that
``bench/bench_duplicates.py`` chose on data (docs/duplicates.md).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from unidecode import unidecode

from ..ingest.composers import words

_TOKEN = re.compile(r"[a-z]+|\d+(?:\.\d+)*")
NUMBERS_PENALTY = 0.30     # titles whose numbers disagree cost this much cosine ...
TITLE_WEIGHT = 0.10        # ... titles with no word in common this much ...
COMPOSER_PENALTY = 0.10    # ... a different composer this much ...
BARS_WEIGHT = 0.30         # ... and half as many bars half this


@dataclass(frozen=True)
class Evidence:
    """What two pieces share: music cosine, title overlap, composer, bar counts."""

    cosine: float
    title: float           # 0..1, shared title words (numbers count as words)
    numbers_agree: bool    # the numbers of one title are among the other's
    same_composer: bool | None   # None: one of them names none
    bars: float            # smaller / larger bar count; 1.0 when either is unknown

    def edition_score(self) -> float:
        """The cosine, lowered by a different title, composer and length."""
        score = self.cosine - TITLE_WEIGHT * (1.0 - self.title) - BARS_WEIGHT * (1.0 - self.bars)
        score -= 0.0 if self.numbers_agree else NUMBERS_PENALTY
        return score - (COMPOSER_PENALTY if self.same_composer is False else 0.0)


def evidence(cosine: float, one: dict, other: dict) -> Evidence:
    """The evidence of two piece rows (title, composer, measures) at a music cosine."""
    title, other_title = one.get("title"), other.get("title")
    return Evidence(float(cosine), title_overlap(title, other_title), numbers_agree(title, other_title),
                    same_composer(one.get("composer"), other.get("composer")),
                    bar_ratio(one.get("measures"), other.get("measures")))


def title_tokens(title: str | None) -> list[str]:
    """The title's words and numbers ("158.4" is one), lower case, accents dropped, in order."""
    return _TOKEN.findall(unidecode(title or "").lower())


def title_words(title: str | None) -> set[str]:
    return set(title_tokens(title))


def title_overlap(one: str | None, other: str | None) -> float:
    """Shared words over the shorter title's words (1.0 when either is empty: no evidence)."""
    a, b = title_words(one), title_words(other)
    if not a or not b:
        return 1.0
    return len(a & b) / min(len(a), len(b))


def numbers_agree(one: str | None, other: str | None) -> bool:
    """Whether one title's numbers, counted, are among the other's ("Op. 18 No. 1" and "... Mvmt. 1" are)."""
    a, b = (Counter(w for w in title_tokens(t) if w[0].isdigit()) for t in (one, other))
    return a <= b or b <= a


def same_composer(one: str | None, other: str | None) -> bool | None:
    """Whether two composer credits name one person (surname spelling skeletons); None if one is missing."""
    if not one or not other:
        return None
    a, b = words(one), words(other)
    return bool(a and b and a[-1] == b[-1])


def bar_ratio(one: int | None, other: int | None) -> float:
    if not one or not other:
        return 1.0
    return min(one, other) / max(one, other)
