"""The fact filters (key:minor, ensemble:, lang:, chords:, tempo:, era:) on a real library of real conversions."""

from __future__ import annotations

import pytest

from clamp_desktop.engine.filters import parse_query, select
from clamp_desktop.ingest.score import read_score
from clamp_desktop.store import Library, queries
from musicxml_cases import D_MINOR, score, write

STRINGS = [{"name": "Violin 1"}, {"name": "Violin 2"}, {"name": "Viola"}, {"name": "Cello"}]
PIECES = {
    "Quartet": dict(parts=STRINGS, fifths=-1, notes=D_MINOR, tempo_words="Allegro"),
    "Lied": dict(parts=[{"name": "Singstimme", "sings": True}, {"name": "Klavier", "staves": 2}],
                 lyrics="Das Wan-dern ist des Mül-lers Lust, das Wan-dern und der Bach ist mit dem Herz",
                 tempo_words="Langsam"),
    "Standard": dict(parts=[{"name": "Voice"}], chords=True, fifths=-1),
}


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    base = tmp_path_factory.mktemp("facts")
    with Library(base / "lib.db") as opened:
        for title, options in PIECES.items():
            path = write(base / "Bach" / f"{title}.musicxml", score(title=title, **options))
            with opened.atomic():
                opened.store_entries(str(path), title, 1, 1, "musicxml", read_score(path))
        yield opened


def titles(library, text):
    selection = select(library, parse_query(text, ["ensemble", "era"]), {}, free_text_as_keywords=True)
    assert not selection.ignored, selection.ignored
    return sorted(p["title"] for p in library.pieces(queries.piece_ids(library, selection.clauses)))


@pytest.mark.parametrize("query, expected", [
    ("key:minor", ["Quartet"]), ("key:major", ["Lied", "Standard"]), ('key:"d minor"', ["Quartet"]),
    ("key:dm", ["Quartet"]), ("ensemble:quartet", ["Quartet"]), ('ensemble:"voice and piano"', ["Lied"]),
    ("ensemble:lead", ["Standard"]), ("lang:de", ["Lied"]), ("language:german", ["Lied"]),
    ("chords:yes", ["Standard"]), ("chords:no", ["Lied", "Quartet"]), ("lyrics:yes", ["Lied"]),
    ("tempo:fast", ["Quartet"]), ("tempo:slow", ["Lied"]), ("era:baroque", ["Lied", "Quartet", "Standard"]),
    ("composer:bach voices:4", ["Quartet"]),
])
def test_fact_filters(library, query, expected):
    assert titles(library, query) == expected


def test_facts_are_found_by_keyword_search(library):
    assert titles(library, '"string quartet"') == ["Quartet"]


def test_an_unreadable_yes_no_is_reported():
    selection = select(None, parse_query("chords:maybe"), {}, free_text_as_keywords=False)
    assert selection.ignored == ["chords:maybe (not yes or no)"]
