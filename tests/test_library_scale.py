"""A million-piece library stays quick because its reads use the indexes of ``0005_large_library_indexes``
(and ``pieces_facts`` of ``0007_vector_generations``).

Timings at a million pieces are in ``bench/bench_million.py`` (docs/performance.md);
here each read the table and the sidebar make is run on a small real library and
its query plan checked: an index (not a scan of every row plus a sort) serves it.
An edit to ``store.queries.effective`` that no longer matches the indexed
expression fails here rather than making facets slow unnoticed.
"""

from __future__ import annotations

import pytest

from clamp_desktop.engine.indexer import LibraryIndexer, run_to_end
from clamp_desktop.store import Library, queries


@pytest.fixture(scope="module")
def library(tmp_path_factory, tiny_checkpoint, tiny_model):
    from conftest import copy_score_folder

    base = tmp_path_factory.mktemp("scale")
    folder = copy_score_folder(base / "scores")
    with Library(base / "lib.db") as writer:
        run_to_end(LibraryIndexer(writer, str(tiny_checkpoint), lambda: tiny_model, inline=True).run([folder]))
    with Library(base / "lib.db", readonly=True) as reader:
        yield reader


def plans(library, read) -> tuple[object, list[str]]:
    """What ``read()`` returns, and the query plan lines of every statement it ran."""
    statements = []
    library.conn.set_trace_callback(statements.append)
    try:
        result = read()
    finally:
        library.conn.set_trace_callback(None)
    lines = [row[3] for sql in statements for row in library.conn.execute("EXPLAIN QUERY PLAN " + sql)]
    return result, lines


@pytest.mark.parametrize("offset", [0, 5])
def test_table_pages_come_from_the_listing_index(library, offset):
    ids, lines = plans(library, lambda: queries.piece_ids(library, limit=4, offset=offset))
    assert len(ids) == 4
    assert any("COVERING INDEX pieces_listing" in line for line in lines), lines
    assert not any("TEMP B-TREE FOR ORDER BY" in line for line in lines), lines


def test_the_piece_count_comes_from_an_index(library):
    count, lines = plans(library, lambda: queries.count_pieces(library))
    assert count == library.counts()["pieces"]
    assert all("COVERING INDEX" in line for line in lines), lines


def test_composer_counts_come_from_their_index(library):
    _, lines = plans(library, lambda: queries.column_counts(library, "composer"))
    assert any("COVERING INDEX pieces_composer" in line for line in lines), lines


def test_a_pages_visible_tags_come_from_its_piece_ids(library):
    """Not from the automatic-tag index, which holds every piece's tags (3.5 s at a million, before the rows)."""
    ids = queries.piece_ids(library, limit=4)
    tags, lines = plans(library, lambda: queries.visible_tags(library, ids, {"genre": 0.0}))
    assert tags == {pid: rows for pid, rows in queries.visible_tags(library, None, {"genre": 0.0}).items() if pid in ids}
    tag_lines = [line for line in lines if " tags " in line or " t " in line]
    assert tag_lines and all("(piece_id=?" in line for line in tag_lines), lines


def test_a_pages_rows_come_from_their_piece_ids(library):
    ids = queries.piece_ids(library, limit=4)
    rows, lines = plans(library, lambda: library.pieces(ids))
    assert [row["id"] for row in rows] == ids
    assert lines and all("PRIMARY KEY" in line or "ORDER BY" in line for line in lines), lines


def test_fact_columns_are_counted_in_one_pass_as_each_alone(library):
    columns = ["ensemble", "era", "language", "tempo_class"]
    together, lines = plans(library, lambda: queries.columns_counts(library, columns))
    assert together == {column: queries.column_counts(library, column) for column in columns}
    assert any(together.values())
    assert len([line for line in lines if "pieces" in line]) == 1, lines
    assert any("COVERING INDEX pieces_facts" in line for line in lines), lines
    assert not any("TEMP B-TREE" in line for line in lines), lines


@pytest.mark.parametrize("field", ["key", "meter"])
def test_key_and_metre_counts_come_from_their_expression_indexes(library, field):
    counts, lines = plans(library, lambda: queries.effective_values(library, field))
    assert sum(n for _, n in counts) == library.counts()["pieces"]
    assert any(f"INDEX pieces_{field}" in line for line in lines), lines
    assert not any("TEMP B-TREE FOR GROUP BY" in line for line in lines), lines


def test_tag_counts_are_those_of_the_visible_tags(library, tmp_path):
    """Automatic tags over and under their threshold, hidden marks, user tags and a failed piece."""
    import shutil
    import sqlite3
    from collections import Counter

    db = tmp_path / "tags.db"
    shutil.copy(library.path, db)
    thresholds = {"genre": 0.5, "mood": 0.2}
    with Library(db) as writer:
        ids = [p["id"] for p in writer.pieces()]
        labels = ("chorale", "dance", "hymn")
        with writer.atomic():
            queries.replace_auto_tags(writer, "genre", "m", [(pid, labels[i % 3], 0.3 + 0.1 * (i % 5))
                                                              for i, pid in enumerate(ids)])
            queries.replace_auto_tags(writer, "mood", "m", [(pid, "calm", 0.25) for pid in ids[::2]])
            for i, pid in enumerate(ids[:6]):
                queries.put_tag(writer, pid, "genre", labels[i % 3], "hidden")      # hides some, others never shown
                queries.put_tag(writer, pid, "genre", labels[(i + 1) % 3], "user")
            queries.put_tag(writer, ids[0], "genre", labels[0], "user")               # hidden auto, but the user says so
            queries.put_tag(writer, ids[7], "mood", "calm", "user")                    # user and auto agree
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE pieces SET status = 'failed' WHERE id = ?", (ids[1],))
    with Library(db, readonly=True) as reader:
        ok = {p["id"] for p in reader.pieces()}
        shown = Counter(tag for pid, tags in queries.visible_tags(reader, None, thresholds).items() if pid in ok
                        for tag in tags)
        counts = queries.visible_tag_counts(reader, thresholds)
        _, lines = plans(reader, lambda: queries.visible_tag_counts(reader, thresholds))
    assert {(v, label): n for v, rows in counts.items() for label, n in rows} == dict(shown)
    assert all(n1 >= n2 for rows in counts.values() for (_, n1), (_, n2) in zip(rows, rows[1:]))
    assert any("COVERING INDEX tags_auto" in line for line in lines), lines
    # each label's visible automatic tags are one index range (no pass over every tag comparing scores)
    assert any("tags_auto (source=? AND vocabulary=? AND label=? AND score>?)" in line for line in lines), lines


def test_a_tag_filter_finds_its_label_through_an_index(library):
    thresholds = {"genre": 0.5}
    clause = queries.has_visible_tag("genre", "Chorale", thresholds)
    _, lines = plans(library, lambda: queries.count_pieces(library, [clause]))
    assert any("INDEX tags_label_nocase" in line for line in lines), lines
