"""CLaMP 3's M3 patching: interleaved ABC or MTF text -> patches of 64 character ids.

Rules from ``shared/clamp3-reference.md`` section 4, each with a named test in
``tests/test_clamp3_patching.py``.  They look odd in places (a text after a
line's last bar line is dropped, a long patch loses its end mark, the end
patch is ``[1, 2, 2, ...]``); the published weights were trained on exactly this.
"""

from __future__ import annotations

import re

from unidecode import unidecode

PATCH_SIZE = 64
PAD_ID, BOS_ID, EOS_ID = 0, 1, 2
BAR_DELIMITERS = ("|:", "::", ":|", "[|", "||", "|]", "|")
_BAR_SPLIT = re.compile("(" + "|".join(map(re.escape, BAR_DELIMITERS)) + ")")
_LINES = re.compile(r".*?\n|.*$")


def split_lines(text: str) -> list[str]:
    """Lines keeping their "\\n"; empty strings dropped."""
    return [line for line in _LINES.findall(text) if line]


def is_mtf(lines: list[str]) -> bool:
    return bool(lines) and lines[0].split(" ")[0] == "ticks_per_beat"


def mtf_patches(lines: list[str], patch_size: int = PATCH_SIZE) -> list[str]:
    """Consecutive messages of one type share a patch while it fits: ``a 1\\n`` + ``a 2\\n`` -> ``a 1\\t2\\n``.

    "Same type" is the reference's string-prefix test on the patch so far.
    """
    patches: list[str] = []
    current = ""
    for line in lines:
        head, rest = line.split(" ")[0], " ".join(line.split(" ")[1:])
        if current.startswith(head) and len(current) + len(rest) <= patch_size - 2:
            current = current[:-1] + "\t" + rest
        else:
            if current:
                patches.append(current)
            current = line
    if current:
        patches.append(current)
    return patches


def split_bars(line: str) -> list[str]:
    """Bars of one ABC line, each with its closing bar line; a text after the last bar line is dropped."""
    pieces = [p for p in _BAR_SPLIT.split(line) if p]
    if pieces and pieces[0] in BAR_DELIMITERS:
        if len(pieces) == 1:
            # The reference raises here (IndexError) and drops the file; we read the
            # line as holding no bar, so the piece still gets a vector (fallback).
            return []
        pieces = [pieces[0] + pieces[1]] + pieces[2:]
    return [pieces[2 * i] + pieces[2 * i + 1] for i in range(len(pieces) // 2)]


def abc_patches(lines: list[str]) -> list[str]:
    """Field lines and ``%%`` lines are one patch each; music lines give one patch per bar."""
    patches: list[str] = []
    for line in lines:
        if len(line) > 1 and ((line[0].isalpha() and line[1] == ":") or line.startswith("%%")):
            patches.append(line)
        else:
            bars = split_bars(line)
            if bars:
                bars[-1] += "\n"
                patches.extend(bars)
    return patches


def to_ids(patch: str, patch_size: int = PATCH_SIZE) -> list[int]:
    """``[1] + ords + [2]``, cut to ``patch_size`` (the end mark is lost past 62 characters), padded with 0."""
    ids = ([BOS_ID] + [ord(c) for c in patch] + [EOS_ID])[:patch_size]
    return ids + [PAD_ID] * (patch_size - len(ids))


def m3_patches(item: str, strip_unit_length: bool = True, patch_size: int = PATCH_SIZE) -> list[list[int]]:
    """A whole piece as patch ids, with the begin patch (all 1) and end patch (``[1, 2, 2, ...]``).

    ``strip_unit_length``: CLaMP 3 removes ``L:1/8\\n`` before ``unidecode``;
    CLaMP 2 does not.
    """
    if strip_unit_length:
        item = item.replace("L:1/8\n", "")
    lines = split_lines(unidecode(item))
    if not lines:
        raise ValueError("nothing to encode")
    texts = mtf_patches(lines, patch_size) if is_mtf(lines) else abc_patches(lines)
    texts = [chr(BOS_ID) * patch_size] + texts + [chr(EOS_ID) * patch_size]
    return [to_ids(text, patch_size) for text in texts]
