"""ABC, Humdrum **kern and MEI files -> MusicXML bytes, through music21.

CLaMP was trained on xml2abc's ABC dialect, so every format goes through
MusicXML and the same xml2abc + filter as MusicXML files do: a tune from an
``.abc`` file and the same tune exported to MusicXML give the same vectors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConversionError

MAX_TEXT_BYTES = 32 * 1024 * 1024
_TUNE_START = re.compile(r"^X:", re.MULTILINE)
_ABC_FIELD = re.compile(r"^([A-Za-z]):\s*(.*?)\s*$")


@dataclass
class AbcTune:
    number: str
    text: str            # the tune with the file header prepended
    fields: dict          # first value of each header field (T, C, R, K, M, Q, O, S ...)


def read_text(path: Path) -> str:
    if path.stat().st_size > MAX_TEXT_BYTES:
        raise ConversionError(f"the file is larger than {MAX_TEXT_BYTES // 2**20} MiB; refused")
    data = path.read_bytes()
    if not data.strip():
        raise ConversionError("the file is empty")
    for encoding in ("utf-8", "latin-1"):  # old ABC collections are often Latin-1
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ConversionError("the text cannot be decoded")


def _header_fields(text: str) -> dict:
    fields: dict = {}
    for line in text.splitlines():
        match = _ABC_FIELD.match(line)
        if match and match.group(1) not in fields:
            fields[match.group(1)] = match.group(2)
        if line.startswith("K:"):
            break  # the body starts after K:
    return fields


def split_abc_tunes(text: str) -> list[AbcTune]:
    """One entry per ``X:`` tune; the file header (before the first X:) applies to each."""
    starts = [m.start() for m in _TUNE_START.finditer(text)]
    if not starts:
        raise ConversionError("no ABC tune (no X: line) in the file")
    header = text[: starts[0]]
    header = "\n".join(line for line in header.splitlines() if _ABC_FIELD.match(line) or line.startswith("%%"))
    tunes = []
    for start, end in zip(starts, starts[1:] + [len(text)]):
        body = text[start:end].strip("\n")
        number = body.split("\n", 1)[0][2:].strip()
        tunes.append(AbcTune(number, (header + "\n" + body).strip("\n") + "\n", _header_fields(body)))
    return tunes


def _export(score) -> bytes:
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    return GeneralObjectExporter(score).parse()


def abc_tune_to_musicxml(tune: AbcTune) -> bytes:
    from music21 import converter

    try:
        score = converter.parse(tune.text, format="abc")
        if hasattr(score, "scores") and score.scores:
            score = score.scores[0]
        return _export(score)
    except ConversionError:
        raise
    except Exception as exc:  # music21 raises many kinds on malformed ABC
        raise ConversionError(f"music21 cannot read the tune: {type(exc).__name__}: {exc}"[:300]) from exc


def score_file_to_musicxml(path: Path, fmt: str):
    """(music21 score, MusicXML bytes) for a Humdrum or MEI file."""
    from music21 import converter

    read_text(path)  # size and emptiness checks before music21 sees it
    try:
        score = converter.parse(str(path), format=fmt, forceSource=True)
        if hasattr(score, "scores") and score.scores:
            score = score.scores[0]
        return score, _export(score)
    except Exception as exc:
        raise ConversionError(f"music21 cannot read the {fmt} file: {type(exc).__name__}: {exc}"[:300]) from exc
