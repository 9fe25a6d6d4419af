"""MusicXML -> interleaved ABC, as CLaMP 3's ``batch_xml2abc`` + ``batch_interleaved_abc`` make it.

xml2abc 143 with ``-d 8 -x`` (in-process, same parser as ``ingest.xml2abc``),
then abctoolkit 0.0.4's pipeline: blank lines and information fields removed,
bar-number comments removed, quoted texts holding a bar line removed, empty
bars stripped, alignment checked, voices rotated into one line per bar.
Reference section 2; tests in ``tests/test_clamp3_interleave.py``.
"""

from __future__ import annotations

import contextlib
import io
import re

from ..errors import ConversionError

# optparse's values for "-d 8 -x" (everything else at xml2abc's defaults).
XML2ABC_OPTIONS = dict(
    u=None, m=0, c=0, d=8, n=0, b=0, o="", v=0, x=True, p="", j=None, t=None, s=None,
    v1=None, ped=True, stm=False, i=None,
)
INFORMATION_FIELDS = ["X:", "T:", "C:", "W:", "w:", "Z:", "%%MIDI"]


def universal_newlines(text: str) -> str:
    """What reading the reference's intermediate files in text mode does to line ends."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_lines(text: str) -> list[str]:
    """``readlines()`` of the text as the reference's intermediate file: split on "\\n" only, ends kept.

    (``str.splitlines`` would also split on form feeds, \\x1c-\\x1e, \\x85 and U+2028/9.)
    """
    parts = universal_newlines(text).split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _remove_quoted_barlines(lines: list[str], quote_re: str, barlines: list[str]) -> list[str]:
    """The reference's loop, quirk included: a changed line loses its ``\\"`` removal."""
    lines = list(lines)
    for i, line in enumerate(lines):
        if not (re.search(r"^[A-Za-z]:", line) or line.startswith("%")):
            lines[i] = line.replace(r"\"", "")
            for quoted in re.findall(quote_re, line):
                for barline in barlines:
                    if barline in quoted:
                        line = line.replace(quoted, "")
                        lines[i] = line
    return lines


def interleave_abc(abc: str) -> str:
    """Standard ABC -> interleaved ABC; raises ConversionError where the reference drops the file."""
    from abctoolkit.check import check_alignment_unrotated
    from abctoolkit.rotate import rotate_abc
    from abctoolkit.utils import (
        Barlines, Quote_re, remove_bar_no_annotations, remove_information_field, strip_empty_bars,
    )

    lines = [line for line in read_lines(abc) if line.strip() != ""]
    try:
        lines = remove_information_field(abc_lines=lines, info_fields=INFORMATION_FIELDS)
        lines = remove_bar_no_annotations(lines)
        lines = _remove_quoted_barlines(lines, Quote_re, Barlines)
        stripped, _counts = strip_empty_bars(lines)
        if stripped is None:
            raise ConversionError("its voices have different numbers of bars, or no bar has notes")
        check_alignment_unrotated(stripped)
        rotated = rotate_abc(stripped)
    except ConversionError:
        raise
    except Exception as exc:  # abctoolkit raises bare errors on what it cannot align
        raise ConversionError(f"the interleaving step failed ({type(exc).__name__}: {exc})"[:300]) from exc
    if rotated is None:
        raise ConversionError("the interleaving step could not rotate its voices")
    return "".join(rotated)


STANDARD_ABC_NOTE = "read as standard ABC: the interleaving step drops this score in the reference pipeline"


def musicxml_to_interleaved_abc(data: bytes, name: str = "score") -> tuple[str, bool]:
    """(what CLaMP 3 reads of MusicXML bytes, whether it is interleaved).

    Interleaved ABC as the reference makes it; where the interleaving step
    drops the score, xml2abc's own ABC with the same field lines removed
    (the documented fallback).
    """
    from .xml2abc import musicxml_to_abc

    abc = universal_newlines(musicxml_to_abc(data, name, options=XML2ABC_OPTIONS, keep_carriage_returns=True))
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # abctoolkit prints its checks
            return universal_newlines(interleave_abc(abc)), True
    except ConversionError:
        lines = [line for line in read_lines(abc) if line.strip()]
        return "".join(line for line in lines if not line.startswith(tuple(INFORMATION_FIELDS))), False
