"""Query syntax and filters: parsing, and the allowed sets they select in a real library."""

from __future__ import annotations

import pytest

from clamp_desktop.engine.filters import (
    Filter, KeySpec, parse_key, parse_meter, parse_query, parse_range, score_key, select,
)
from clamp_desktop.ingest.score import ScoreEntry
from clamp_desktop.store import Library, queries
from conftest import copy_score_folder
from search_helpers import index_library


@pytest.fixture(scope="module")
def library(tmp_path_factory, tiny_checkpoint, tiny_model):
    base = tmp_path_factory.mktemp("filters")
    index_library(base / "lib.db", copy_score_folder(base / "scores"), tiny_checkpoint, tiny_model)
    with Library(base / "lib.db", readonly=True) as opened:
        yield opened


def selection(library, text, vocabularies=("genre",)):
    return select(library, parse_query(text, vocabularies), {}, free_text_as_keywords=True)


def allowed(library, text):
    """The selected ids in library order, or None for every piece."""
    clauses = selection(library, text).clauses
    return queries.piece_ids(library, clauses) if clauses else None


def abc_field(piece_abc: str, letter: str) -> str:
    return next(line[2:].strip() for line in piece_abc.splitlines() if line.startswith(f"{letter}:"))


# --- parsing ---------------------------------------------------------------------------

def test_a_query_splits_into_filters_keywords_and_free_text():
    query = parse_query('composer:bach key:minor meter:3/4 "chorale" title:"st matthew" parts:4 '
                        'tag:genre=chorale some free text mood:calm foo:bar', vocabularies=["mood"])
    assert query.filters == (
        Filter("composer", "bach"), Filter("key", "minor"), Filter("meter", "3/4"),
        Filter("title", "st matthew"), Filter("parts", "4"), Filter("tag", "genre=chorale"),
        Filter("tag", "mood=calm"),
    )
    assert query.keywords == ("chorale",)
    assert query.text == "some free text"
    assert query.unknown == ("foo:bar",)


def test_colons_that_name_no_field_stay_free_text():
    query = parse_query("a waltz in 3:4 at 12:30")
    assert query.text == "a waltz in 3:4 at 12:30"
    assert query.unknown == ()


def test_aliases_unterminated_quotes_and_empty_values():
    query = parse_query('time:6/8 instruments:violin composer: "open phrase')
    assert query.filters == (Filter("meter", "6/8"), Filter("instrument", "violin"))
    assert query.keywords == ("open phrase",)
    assert query.text == "composer:"


@pytest.mark.parametrize("text, expected", [
    ("minor", KeySpec(None, "minor")), ("major", KeySpec(None, "major")), ("dorian", KeySpec(None, "dorian")),
    ("A minor", KeySpec("A", "minor")), ("a minor", KeySpec("A", "minor")), ("Am", KeySpec("A", "minor")),
    ("a", KeySpec("A", None)), ("Gmin", KeySpec("G", "minor")), ("bb", KeySpec("Bb", None)),
    ("F#m", KeySpec("F#", "minor")), ("E-flat major", KeySpec("Eb", "major")), ("ebmaj", KeySpec("Eb", "major")),
    ("f sharp minor", KeySpec("F#", "minor")), ("Dmix", KeySpec("D", "mixolydian")),
    ("xyz", None), ("mi", None), ("", None),
])
def test_keys_are_read_in_the_usual_spellings(text, expected):
    assert parse_key(text) == expected


def test_a_score_key_without_mode_is_major_as_in_abc():
    assert score_key("G") == KeySpec("G", "major")
    assert score_key("Bmin") == KeySpec("B", "minor")
    assert score_key("C clef=bass") == KeySpec("C", "major")
    assert score_key("none") is None


@pytest.mark.parametrize("text, expected", [("3/4", "3/4"), ("M:6/8", "6/8"), ("C", "4/4"), ("C|", "2/2"),
                                            ("2+3/8", "2+3/8"), ("none", None), ("", None)])
def test_meters(text, expected):
    assert parse_meter(text) == expected


@pytest.mark.parametrize("text, expected", [("4", (4, 4)), (">=4", (4, None)), (">4", (5, None)),
                                            ("<3", (None, 2)), ("2-4", (2, 4)), ("many", None)])
def test_ranges(text, expected):
    assert parse_range(text) == expected


# --- selecting in a real library ------------------------------------------------------------

def test_composer_filter_is_a_case_insensitive_substring(library):
    expected = [p["id"] for p in library.pieces() if "bach" in (p["composer"] or "").lower()]
    assert expected and allowed(library, "composer:BACH") == expected


def test_key_filter_reads_the_abc_header_when_metadata_has_no_key(library):
    minor = [p["id"] for p in library.pieces()
             if abc_field(library.piece(p["id"])["abc"], "K").endswith("min")]
    assert minor and allowed(library, "key:minor") == minor
    b_minor = [p["id"] for p in library.pieces() if abc_field(library.piece(p["id"])["abc"], "K") == "Bmin"]
    assert b_minor and allowed(library, 'key:"b minor"') == b_minor == allowed(library, "key:bm")
    major = set(allowed(library, "key:major"))
    assert major and not major & set(minor)
    assert len(major) + len(minor) == len(library.pieces())


def test_meter_filter(library):
    expected = [p["id"] for p in library.pieces() if abc_field(library.piece(p["id"])["abc"], "M") == "3/8"]
    assert expected and allowed(library, "meter:3/8") == expected
    common = [p["id"] for p in library.pieces() if abc_field(library.piece(p["id"])["abc"], "M") == "4/4"]
    assert allowed(library, "time:C") == common


def test_parts_range_and_filters_combine_with_and(library):
    pieces = library.pieces()
    assert allowed(library, "parts:>=5") == [p["id"] for p in pieces if p["parts"] >= 5]
    assert allowed(library, "parts:2-3") == [p["id"] for p in pieces if 2 <= p["parts"] <= 3]
    both = allowed(library, "composer:bach key:bm")
    assert both == sorted(set(allowed(library, "composer:bach")) & set(allowed(library, "key:bm")),
                          key=allowed(library, "composer:bach").index)


def test_quoted_keywords_match_metadata_words(library):
    assert [library.piece(i)["title"] for i in allowed(library, '"prayer"')] == ["Prayer of a Tired Child"]
    assert allowed(library, '"violoncello"') == [p["id"] for p in library.pieces()
                                                      if "Violoncello" in (p["instruments"] or [])]


def test_free_words_are_prefixes_in_a_plain_listing(library):
    titles = [library.piece(i)["title"] for i in allowed(library, "lugent")]
    assert titles == ["12. Lugentum siccentur"]


def test_an_unreadable_filter_is_ignored_and_reported(library):
    chosen = selection(library, "parts:many key:xyz")
    assert chosen.clauses == [] and chosen.allowed_ids(library) is None
    assert chosen.ignored == ["parts:many (not a number or range)", "key:xyz (not a key or mode)"]


def test_nothing_matching_gives_an_empty_set(library):
    assert allowed(library, "composer:nobody-at-all") == []


def test_metadata_keys_are_matched_in_any_spelling(tmp_path, score_folder, tiny_checkpoint, tiny_model):
    db = tmp_path / "lib.db"
    index_library(db, score_folder, tiny_checkpoint, tiny_model)
    with Library(db) as library:
        with library.atomic():
            ids = library.store_entries(str(tmp_path / "extra.xml"), "h", 1, 1, "xml", [
                ScoreEntry(0, "X:1\nK:C\nCDEF|\n", {"title": "one", "key": "A minor", "time_signature": "3/4"}),
                ScoreEntry(1, "X:1\nK:C\nCDEF|\n", {"title": "two", "key": "a minor"}),
            ])
        assert set(ids) <= set(allowed(library, "key:am"))
        assert set(allowed(library, 'key:"A minor"')) & set(ids) == set(ids)
        assert ids[0] in allowed(library, "meter:3/4")
        assert ids[1] not in allowed(library, "meter:3/4")       # its ABC says no metre at all
