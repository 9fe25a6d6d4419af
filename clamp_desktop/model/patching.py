"""CLaMP's ABC preprocessing and bar patching, exactly as the published models saw it.

Every rule here is from ``shared/clamp-reference.md``; several look odd (a line
that is exactly ``G`` is dropped, a line with ``%`` loses one character more
than its comment, a trailing fragment without a bar line is dropped).  They are
kept on purpose: the published weights only give good vectors for input
prepared this way.  Each rule has a named test in ``tests/test_patching.py``.
"""

from __future__ import annotations

import re

from unidecode import unidecode

PATCH_LENGTH = 64
PATCH_FEATURES = 98
PAD_ID = 0
MASK_ID = 96
EOS_ID = 97

BAR_DELIMITERS = ("|:", "::", ":|", "[|", "||", "|]", "|")
_BAR_SPLIT = re.compile("(" + "|".join(map(re.escape, BAR_DELIMITERS)) + ")")

# Metadata and lyrics fields the reference filter drops; "G" is a quirk of the
# reference list (it only ever matches a line that is exactly "G").
_DROPPED_PREFIXES = frozenset(
    ["A:", "B:", "C:", "D:", "F:", "G", "H:", "N:", "O:", "R:", "r:",
     "S:", "T:", "W:", "w:", "X:", "Z:"]
)


def filter_abc(abc: str) -> str:
    """Drop metadata, lyrics and comments from converter output, as the reference does."""
    kept = []
    for line in unidecode(abc).split("\n"):
        if line[:2] in _DROPPED_PREFIXES:
            continue
        is_score = line.startswith("%%score")
        if line.startswith("%") and not is_score:
            continue
        if "%" in line and not is_score:
            line = "%".join(line.split("%")[:-1])[:-1]
        kept.append(line + "\n")
    return "".join(kept)


def is_header_line(line: str) -> bool:
    """A field line (``K:``, ``V:1`` ...) or a ``%%score`` line becomes its own patch."""
    return len(line) > 1 and (
        (line[0].isalpha() and line[1] == ":") or line.startswith("%%score")
    )


def split_bars(body: str) -> list[str]:
    """Split a run of music lines into bars, each ending with its bar line."""
    pieces = [p for p in _BAR_SPLIT.split(body) if p != ""]
    if pieces and pieces[0] in BAR_DELIMITERS:
        if len(pieces) == 1:
            return []  # a lone bar line: nothing to pair it with
        pieces = [pieces[0] + pieces[1]] + pieces[2:]
    # (text, delimiter) pairs; a trailing piece without a partner is dropped.
    return [pieces[2 * i] + pieces[2 * i + 1] for i in range(len(pieces) // 2)]


def bar_to_patch(text: str) -> list[int]:
    """Encode one bar or header line as 64 ids: chars, then an end mark, then padding."""
    patch = [PAD_ID] * PATCH_LENGTH
    for i, char in enumerate(text[:PATCH_LENGTH]):
        code = ord(char)
        if 32 <= code < 127:
            patch[i] = code - 31
    if len(text) < PATCH_LENGTH:
        patch[len(text)] = EOS_ID
    return patch


def patchify(abc: str, max_patches: int | None) -> list[list[int]]:
    """Turn filtered ABC into bar patches, end-of-piece patch included, cut to ``max_patches`` (None: whole)."""
    lines = unidecode(abc).split("\n")
    if "" in lines:
        lines.remove("")  # the reference removes the first empty line only
    patches: list[list[int]] = []
    body = ""
    for line in lines:
        if is_header_line(line):
            if body:
                patches.extend(bar_to_patch(bar) for bar in split_bars(body))
                body = ""
            patches.append(bar_to_patch(line))
        else:
            body += line
    if body:
        patches.extend(bar_to_patch(bar) for bar in split_bars(body))
    patches.append([EOS_ID] * PATCH_LENGTH)
    return patches[:max_patches]


def segments(patches: list[list[int]], length: int) -> list[tuple[list[list[int]], int]]:
    """A whole piece as (segment, weight) pairs of at most ``length`` patches, as CLaMP 2/3 cut them.

    Segments start at 0, L, 2L, ...; the last one is replaced by the last L
    patches (so it is full, overlapping the one before) and weighs N % L, the
    patches it adds; every other segment weighs L.  N = 1300, L = 512 gives
    [0:512], [512:1024], [788:1300] weighing 512, 512, 276.  A piece that fits
    is one segment, itself.
    """
    if len(patches) <= length:
        return [(patches, len(patches))]
    cut = []
    for start in range(0, len(patches), length):
        if start + length <= len(patches):
            cut.append((patches[start:start + length], length))
        else:
            cut.append((patches[-length:], len(patches) % length))
    return cut
