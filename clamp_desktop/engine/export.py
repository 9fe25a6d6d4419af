"""Exporting the library: every readable piece with its metadata, score facts and visible tags, as CSV or JSON.

The CLI's ``export`` command and the window's File ▸ Export… both write this.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

FORMATS = ("csv", "json")
# Facts read from the score (docs/cli-json.md, "facts").
FACT_FIELDS = ("composer_raw", "era", "mode", "key_source", "ensemble", "voices", "language", "has_lyrics",
               "has_chords", "tempo_class")
EXPORT_FIELDS = ("id", "path", "tune", "title", "subtitle", "composer", "lyricist", "arranger", "work",
                 "movement", "genre", "origin", "key", "meter", "tempo", "parts", "instruments",
                 "measures", "duration_s", "format", *FACT_FIELDS)
# What the user made (docs/cli-json.md, "export"): lists are "; "-joined in CSV.
USER_FIELDS = ("notes", "rating", "favourite", "collections", "edited")


def fact_values(piece: dict) -> dict:
    facts = {name: piece.get(name) for name in FACT_FIELDS}
    for flag in ("has_lyrics", "has_chords"):
        facts[flag] = None if facts[flag] is None else bool(facts[flag])
    return facts


def export_rows(library) -> list[dict]:
    """Every readable piece with its metadata and visible tags (the export format)."""
    from . import browse, collections, organise

    pieces = library.pieces()
    ids = [p["id"] for p in pieces]
    facts = browse.key_and_meter(library, ids)
    tags = browse.visible_tags(library, None)
    marks, edited = organise.marks(library), organise.edited_map(library, ids)
    held_by = collections.collections_of(library, ids)
    rows = []
    for piece in pieces:
        row = {name: piece.get(name) for name in EXPORT_FIELDS}
        row.update(fact_values(piece))
        row["key"], row["meter"] = facts.get(piece["id"], (None, None))
        mark = marks.get(piece["id"], {})
        row.update(notes=piece.get("notes"), rating=mark.get("rating"), favourite=mark.get("favourite", False),
                   collections=held_by.get(piece["id"], []), edited=sorted(edited.get(piece["id"], ())))
        row["tags"] = tags.get(piece["id"], {})
        rows.append(row)
    return rows


def csv_text(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*EXPORT_FIELDS, *USER_FIELDS, "tags"], lineterminator="\n")
    writer.writeheader()
    for row in rows:
        flat = dict(row)
        flat["instruments"] = "; ".join(row["instruments"] or []) if isinstance(row["instruments"], list) \
            else row["instruments"]
        flat["tags"] = "; ".join(f"{v}={label}" for v, labels in row["tags"].items() for label in labels)
        flat["collections"], flat["edited"] = "; ".join(row["collections"]), "; ".join(row["edited"])
        writer.writerow(flat)
    return out.getvalue()


def export_text(library, fmt: str) -> tuple[str, int]:
    """(the export as text, pieces in it) in ``fmt`` ("csv" or "json")."""
    rows = export_rows(library)
    text = csv_text(rows) if fmt == "csv" else json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    return text, len(rows)


def write_export(library, path: str | Path, fmt: str | None = None) -> int:
    """Write the export to ``path`` (format from ``fmt``, else from the suffix: .json or CSV); the piece count."""
    fmt = fmt or ("json" if Path(path).suffix.lower() == ".json" else "csv")
    text, count = export_text(library, fmt)
    Path(path).write_text(text, encoding="utf-8", newline="")
    return count
