"""Read and write queries for search, tags, facets and the vector index.

Every function takes an open ``Library`` (or ``Database``).  Filters are built
from small ``Clause`` values (SQL text made here from whitelisted column names,
values always bound as parameters) and combined by ``piece_ids``; the engine
decides *what* to filter, this module alone knows *how* in SQL.

Visibility of tags is decided at read time from each vocabulary's threshold
(passed in as ``thresholds``), so editing a threshold needs no re-tagging:
a ``user`` tag is always visible; an ``auto`` tag is visible when its score
reaches the threshold of a known vocabulary and no ``hidden`` row (a user's
removal) exists for the same piece, vocabulary and label.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .database import Database

TEXT_COLUMNS = frozenset({
    "title", "subtitle", "composer", "lyricist", "arranger", "work", "movement",
    "instruments", "path", "format", "software", "genre", "origin", "composer_raw", "mode",
    "key_source", "ensemble", "language", "tempo_class", "era", "notes",
})
NUMBER_COLUMNS = frozenset({"parts", "measures", "tune", "voices", "has_lyrics", "has_chords"})
FINGERPRINT_BYTES = 32          # the head of a vector blob that tells a re-encoded vector apart
_CHUNK = 900                    # bound parameters per statement, under SQLite's limit


def _abc_header_field(abc: str, letter: str) -> str:
    """SQL for the value of the first ``X:`` header line of an ABC column (NULL when absent).

    Written to stop at the first match and to copy only the line itself: this
    runs over every piece whose metadata lacks a key or metre.
    """
    found = f"instr({abc}, char(10) || '{letter}:')"

    def line_from(start: str) -> str:
        head = f"substr({abc}, {start}, 200) || char(10)"
        return f"trim(substr({abc}, {start}, instr({head}, char(10)) - 1))"

    return (f"CASE WHEN substr({abc}, 1, 2) = '{letter}:' THEN {line_from('3')} "
            f"WHEN {found} > 0 THEN {line_from(f'{found} + 3')} END")


def effective(field: str, alias: str = "") -> str:
    """SQL for the key or metre a piece is filed under.

    The metadata's value when present, else the K: or M: line of its ABC
    (every converted piece has those).
    """
    prefix = f"{alias}." if alias else ""
    column, letter = {"key": ("key", "K"), "meter": ("time_signature", "M")}[field]
    return (f"coalesce(nullif(trim({prefix}{column}), ''), "
            f"{_abc_header_field(prefix + 'abc', letter)})")


@dataclass(frozen=True)
class Clause:
    """One condition on ``pieces`` (aliased ``p``), ready to AND with others."""

    sql: str
    params: tuple = ()


def contains(column: str, text: str) -> Clause:
    """Case-insensitive substring match on a metadata column."""
    if column not in TEXT_COLUMNS:
        raise ValueError(f"not a text column: {column}")
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Clause(f"p.{column} LIKE ? ESCAPE '\\'", (f"%{escaped}%",))


def equals(column: str, value: str | int) -> Clause:
    """A metadata column equals ``value`` (text compared without regard to case)."""
    if column not in TEXT_COLUMNS | NUMBER_COLUMNS:
        raise ValueError(f"not a metadata column: {column}")
    return Clause(f"p.{column} = ? COLLATE NOCASE", (value,))


def number_between(column: str, low: float | None, high: float | None) -> Clause:
    """``low <= column <= high``; either bound may be None."""
    if column not in NUMBER_COLUMNS:
        raise ValueError(f"not a number column: {column}")
    parts, params = [], []
    if low is not None:
        parts.append(f"p.{column} >= ?")
        params.append(low)
    if high is not None:
        parts.append(f"p.{column} <= ?")
        params.append(high)
    return Clause(" AND ".join(parts) or "1", tuple(params))


def effective_in(field: str, values: Iterable[str]) -> Clause:
    """The piece's effective key or metre (see ``effective``) is one of ``values``."""
    values = tuple(values)
    if not values:
        return Clause("0")
    return Clause(f"{effective(field, 'p')} IN ({','.join('?' * len(values))})", values)


def fts_match(expression: str) -> Clause:
    """An FTS5 MATCH over the metadata index ``pieces_fts``."""
    return Clause("p.id IN (SELECT rowid FROM pieces_fts WHERE pieces_fts MATCH ?)", (expression,))


def id_in(ids: Iterable[int]) -> Clause:
    """The piece is one of ``ids``."""
    ids = tuple(int(i) for i in ids)
    return Clause(f"p.id IN ({','.join('?' * len(ids))})", ids) if ids else Clause("0")


def keyword_ranking(library: Database, expression: str, clauses: Sequence[Clause] = (),
                    limit: int = 1000) -> list[int]:
    """Ids of readable pieces meeting ``clauses`` whose metadata matches the FTS5 ``expression``, best bm25 first."""
    where, params = _where(clauses)
    sql = (f"SELECT p.id FROM pieces_fts JOIN pieces p ON p.id = pieces_fts.rowid "
           f"WHERE pieces_fts MATCH ? AND {where} ORDER BY pieces_fts.rank, p.id LIMIT ?")
    return [row[0] for row in library.conn.execute(sql, [expression, *params, int(limit)])]


def title_rows(library: Database, expression: str, limit: int = 200) -> list[tuple[int, str, str | None]]:
    """(id, title, movement) of readable pieces whose title or movement matches the FTS5 ``expression``."""
    sql = ("SELECT p.id, p.title, p.movement FROM pieces_fts JOIN pieces p ON p.id = pieces_fts.rowid "
           "WHERE pieces_fts MATCH ? AND p.status = 'ok' ORDER BY pieces_fts.rank, p.id LIMIT ?")
    return [tuple(row) for row in library.conn.execute(sql, [f"{{title movement}} : ({expression})", int(limit)])]


def fts_column_rows(library: Database, column: str, expression: str, limit: int = 200) -> list[tuple[int, str]]:
    """(id, value) of readable pieces whose ``column`` matches the FTS5 ``expression``, best first."""
    if column not in TEXT_COLUMNS:
        raise ValueError(f"not a text column: {column}")
    sql = (f"SELECT p.id, p.{column} FROM pieces_fts JOIN pieces p ON p.id = pieces_fts.rowid "
           f"WHERE pieces_fts MATCH ? AND p.status = 'ok' ORDER BY pieces_fts.rank, p.id LIMIT ?")
    return [(row[0], row[1]) for row in library.conn.execute(sql, [f"{column} : ({expression})", int(limit)])]


def _threshold_case(thresholds: Mapping[str, float], column: str) -> tuple[str, list]:
    if not thresholds:
        return "NULL", []
    whens = " ".join("WHEN ? THEN ?" for _ in thresholds)
    params: list = []
    for name, value in thresholds.items():
        params.extend((name, float(value)))
    return f"(CASE {column} {whens} ELSE NULL END)", params


# A guessed composer is never shown for a piece whose file or folder names its composer.
_KNOWN_COMPOSER = ("(t.vocabulary = 'composer' AND EXISTS (SELECT 1 FROM pieces kc WHERE kc.id = t.piece_id "
                   "AND trim(coalesce(kc.composer, '')) != ''))")


def tagging_model(library: Database, vocabulary: str) -> str | None:
    """The model whose automatic tags a vocabulary holds (the last tagging run's), or None."""
    row = library.conn.execute("SELECT model FROM tags WHERE vocabulary = ? AND source = 'auto' LIMIT 1",
                               (vocabulary,)).fetchone()
    return row[0] if row else None


def has_composer(library: Database, piece_id: int) -> bool:
    row = library.conn.execute("SELECT trim(coalesce(composer, '')) != '' FROM pieces WHERE id = ?",
                               (int(piece_id),)).fetchone()
    return bool(row and row[0])


def _visible_tags_sql(thresholds: Mapping[str, float], piece_ids: Sequence[int] | None = None) -> tuple[str, list]:
    """SQL yielding (piece_id, vocabulary, label) of every visible tag, once each.

    ``piece_ids`` narrows both halves of the UNION (not the result), so a page
    of pieces costs a page of index lookups.
    """
    case, case_params = _threshold_case(thresholds, "t.vocabulary")
    only, only_params, source = "", [], "source"
    if piece_ids is not None:
        only = f" AND piece_id IN ({','.join('?' * len(piece_ids))})"
        only_params = [int(i) for i in piece_ids]
        # unary + keeps SQLite off the source index (every automatic tag: 3.5 s at a million pieces)
        # and on the primary key's piece ids
        source = "+source"
    sql = (
        f"SELECT piece_id, vocabulary, label FROM tags WHERE {source} = 'user'{only} UNION "
        f"SELECT t.piece_id, t.vocabulary, t.label FROM tags t WHERE {source.replace('source', 't.source')} = 'auto' "
        f"AND t.score >= {case}{only.replace('piece_id', 't.piece_id')} AND NOT EXISTS (SELECT 1 FROM tags h "
        "WHERE h.source = 'hidden' AND h.piece_id = t.piece_id AND h.vocabulary = t.vocabulary "
        f"AND h.label = t.label) AND NOT {_KNOWN_COMPOSER}"
    )
    return sql, [*only_params, *case_params, *only_params]


def has_visible_tag(vocabulary: str | None, label: str, thresholds: Mapping[str, float]) -> Clause:
    """The piece shows ``label`` (case-insensitive) in ``vocabulary`` (or in any vocabulary).

    The label is matched first, through the ``tags_label_nocase`` index, and
    visibility checked on those rows only: a million pieces' tags are never
    gathered to find one label's.
    """
    match, params = "t.label = ? COLLATE NOCASE", [label]
    if vocabulary is not None:
        match += " AND t.vocabulary = ? COLLATE NOCASE"
        params.append(vocabulary)
    case, case_params = _threshold_case(thresholds, "t.vocabulary")
    sql = (f"p.id IN (SELECT t.piece_id FROM tags t WHERE {match} AND (t.source = 'user' OR (t.source = 'auto' "
           f"AND t.score >= {case} AND NOT EXISTS (SELECT 1 FROM tags h WHERE h.source = 'hidden' "
           "AND h.piece_id = t.piece_id AND h.vocabulary = t.vocabulary AND h.label = t.label))))")
    return Clause(sql, (*params, *case_params))


def any_of(*clauses: Clause) -> Clause:
    """At least one of the clauses holds."""
    return Clause("(" + " OR ".join(f"({c.sql})" for c in clauses) + ")",
                  tuple(value for c in clauses for value in c.params))


def all_of(*clauses: Clause) -> Clause:
    """Every one of the clauses holds."""
    return Clause("(" + " AND ".join(f"({c.sql})" for c in clauses) + ")",
                  tuple(value for c in clauses for value in c.params))


def is_unknown(column: str) -> Clause:
    """A metadata column holds no value."""
    if column not in TEXT_COLUMNS | NUMBER_COLUMNS:
        raise ValueError(f"not a metadata column: {column}")
    return Clause(f"(p.{column} IS NULL OR p.{column} = '')")


def rating_between(low: int | None, high: int | None) -> Clause:
    """The user rated the piece ``low`` to ``high`` stars (either bound may be None; unrated pieces never match)."""
    parts, params = ["u.rating IS NOT NULL"], []
    if low is not None:
        parts.append("u.rating >= ?")
        params.append(int(low))
    if high is not None:
        parts.append("u.rating <= ?")
        params.append(int(high))
    return Clause(f"p.id IN (SELECT u.piece_id FROM user_pieces u WHERE {' AND '.join(parts)})", tuple(params))


def is_favourite(yes: bool = True) -> Clause:
    inside = "p.id IN (SELECT piece_id FROM user_pieces WHERE favourite = 1 AND piece_id IS NOT NULL)"
    return Clause(inside if yes else f"NOT {inside}")


def not_hidden() -> Clause:
    """The piece is not an extra copy the user hid from the library view."""
    return Clause("p.id NOT IN (SELECT piece_id FROM user_pieces WHERE hidden = 1 AND piece_id IS NOT NULL)")


def is_hidden() -> Clause:
    return Clause("p.id IN (SELECT piece_id FROM user_pieces WHERE hidden = 1 AND piece_id IS NOT NULL)")


def has_hidden(library: Database) -> bool:
    """Whether the user hid any piece (cheap: most libraries hide none, and then need no clause)."""
    return library.conn.execute("SELECT 1 FROM user_pieces WHERE hidden = 1 AND piece_id IS NOT NULL "
                                "LIMIT 1").fetchone() is not None


def in_collection(name: str) -> Clause:
    """The piece is in the manual collection called ``name`` (any case)."""
    return Clause("p.id IN (SELECT u.piece_id FROM collection_members m JOIN user_pieces u ON u.id = m.user_piece_id "
                  "JOIN collections c ON c.id = m.collection_id WHERE c.name = ? AND u.piece_id IS NOT NULL)", (name,))


def exclude_ids(ids: Iterable[int]) -> Clause:
    ids = tuple(int(i) for i in ids)
    if not ids:
        return Clause("1")
    return Clause(f"p.id NOT IN ({','.join('?' * len(ids))})", ids)


# --- reading pieces ----------------------------------------------------------

def _where(clauses: Sequence[Clause]) -> tuple[str, list]:
    where = ["p.status = 'ok'", *(c.sql for c in clauses)]
    return " AND ".join(where), [value for c in clauses for value in c.params]


def piece_ids(library: Database, clauses: Sequence[Clause] = (), *, ordered: bool = True,
              limit: int | None = None, offset: int = 0) -> list[int]:
    """Ids of readable pieces meeting every clause; in library order (path, tune) when ``ordered``."""
    where, params = _where(clauses)
    sql = f"SELECT p.id FROM pieces p WHERE {where}"
    if ordered:
        sql += " ORDER BY p.path, p.tune"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [int(limit), int(offset)]
    return [row[0] for row in library.conn.execute(sql, params)]


def count_pieces(library: Database, clauses: Sequence[Clause] = ()) -> int:
    where, params = _where(clauses)
    return library.conn.execute(f"SELECT count(*) FROM pieces p WHERE {where}", params).fetchone()[0]


def has_pieces(library: Database) -> bool:
    """Whether the library holds at least one readable piece (cheap at any size)."""
    return library.conn.execute("SELECT 1 FROM pieces WHERE status = 'ok' LIMIT 1").fetchone() is not None


def effective_values(library: Database, field: str) -> list[tuple[str, int]]:
    """(effective key or metre as written, number of readable pieces), most common first.

    Written with the expression itself (no alias, no subquery) so SQLite counts
    from the ``pieces_key`` / ``pieces_meter`` expression indexes.
    """
    value = effective(field)
    sql = (f"SELECT {value}, count(*) FROM pieces WHERE status = 'ok' AND {value} IS NOT NULL "
           f"GROUP BY {value} ORDER BY count(*) DESC, 1")
    return [(row[0], row[1]) for row in library.conn.execute(sql)]


def effective_of(library: Database, ids: Sequence[int]) -> dict[int, tuple[str | None, str | None]]:
    """piece id -> (effective key, effective metre) as written."""
    found = {}
    for chunk in _chunks(ids):
        rows = library.conn.execute(
            f"SELECT id, {effective('key')}, {effective('meter')} FROM pieces "
            f"WHERE id IN ({','.join('?' * len(chunk))})", chunk)
        found.update((row[0], (row[1], row[2])) for row in rows)
    return found


def column_counts(library: Database, column: str) -> list[tuple[str, int]]:
    """(value, number of readable pieces) of a metadata column, most common first."""
    if column not in TEXT_COLUMNS:
        raise ValueError(f"not a text column: {column}")
    sql = (f"SELECT {column}, count(*) FROM pieces WHERE status = 'ok' AND {column} IS NOT NULL "
           f"AND {column} != '' GROUP BY {column} ORDER BY count(*) DESC, {column}")
    return [(row[0], row[1]) for row in library.conn.execute(sql)]


def columns_counts(library: Database, columns: Sequence[str]) -> dict[str, list[tuple[str, int]]]:
    """``column_counts`` of several columns in one pass over the pieces.

    The score-fact facets (ensemble, era, language, tempo_class, in that order)
    are read from the ``pieces_facts`` index alone (migration 0007); columns
    without an index read every row (5 s at a million pieces).
    """
    if not set(columns) <= set(TEXT_COLUMNS):
        raise ValueError(f"not text columns: {columns}")
    totals: list[dict[str, int]] = [{} for _ in columns]
    listed = ", ".join(columns)
    for *values, count in library.conn.execute(
            f"SELECT {listed}, count(*) FROM pieces WHERE status = 'ok' GROUP BY {listed}"):
        for total, value in zip(totals, values):
            if value is not None and value != "":
                total[value] = total.get(value, 0) + count
    return {column: sorted(total.items(), key=lambda item: (-item[1], item[0]))
            for column, total in zip(columns, totals)}


def ids_with_hash(library: Database, file_hash: str) -> list[int]:
    return [row[0] for row in library.conn.execute("SELECT id FROM pieces WHERE hash = ?", (file_hash,))]


def same_file_groups(library: Database) -> list[list[int]]:
    """Ids of readable pieces whose files have the same bytes (hash and tune), in groups of two or more."""
    rows = library.conn.execute(
        "SELECT group_concat(id) FROM pieces WHERE status = 'ok' GROUP BY hash, tune "
        "HAVING count(DISTINCT path) > 1")
    return [sorted(int(i) for i in row[0].split(",")) for row in rows]


def titles(library: Database) -> list[tuple[int, str]]:
    """(id, title) of every readable piece that has a title."""
    return library.conn.execute(
        "SELECT id, title FROM pieces WHERE status = 'ok' AND title IS NOT NULL AND title != ''").fetchall()


def music_of(library: Database, ids: Sequence[int]) -> dict[int, str | None]:
    """The converted music (ABC, None for a piece listed by its metadata only) of the given pieces."""
    found = {}
    for chunk in _chunks(ids):
        found.update(library.conn.execute(
            f"SELECT id, abc FROM pieces WHERE id IN ({','.join('?' * len(chunk))})", chunk))
    return found


# --- vectors -----------------------------------------------------------------

def vector_fingerprints(library: Database, model: str) -> tuple[np.ndarray, np.ndarray]:
    """(ids int64 sorted, heads bytes [n]) of every readable piece with a ``model`` vector.

    A re-encoded piece keeps its id but gets a new vector; the head of the blob
    tells the two apart without reading every vector.
    """
    # Two plain scans and a numpy filter: joining each vector row to its piece took a quarter longer.
    rows = library.conn.execute(
        f"SELECT piece_id, substr(vector, 1, {FINGERPRINT_BYTES}) FROM embeddings WHERE model = ?", (model,),
    ).fetchall()
    readable = np.fromiter((r[0] for r in library.conn.execute("SELECT id FROM pieces WHERE status = 'ok'")),
                           dtype=np.int64)
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    heads = np.array([r[1] for r in rows], dtype=f"S{FINGERPRINT_BYTES}")
    keep = np.isin(ids, readable)
    order = np.argsort(ids[keep], kind="stable")
    return ids[keep][order], heads[keep][order]


def vector_state(library: Database, model: str) -> tuple[int, int | None]:
    """(the library's revision, the model's vector generation), read together.

    The generation (migration 0007) is a number the triggers draw anew whenever
    the model's vector set may have changed: a vector stored, replaced or
    removed, a piece becoming readable or failing, a readable piece removed.
    None when the model never had a vector.
    """
    return library.conn.execute(
        "SELECT (SELECT value FROM revision WHERE id = 1), (SELECT value FROM vector_generations WHERE model = ?)",
        (model,)).fetchone()


def vector_rows(library: Database, model: str) -> int:
    """How many ``model`` vectors the table holds (any status; from the model index, not the blobs)."""
    return library.conn.execute("SELECT count(*) FROM embeddings WHERE model = ?", (model,)).fetchone()[0]


def vectors_for(library: Database, model: str, ids: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """(ids int64, vectors float32 [n, dim], not normalised) for the given pieces, by id."""
    found: dict[int, bytes] = {}
    dim = 0
    for chunk in _chunks(ids):
        rows = library.conn.execute(
            f"SELECT piece_id, dim, vector FROM embeddings WHERE model = ? "
            f"AND piece_id IN ({','.join('?' * len(chunk))})", [model, *chunk])
        for piece_id, dim, blob in rows:
            found[piece_id] = blob
    order = sorted(found)
    if not order:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
    matrix = np.frombuffer(b"".join(found[i] for i in order), dtype="<f4").reshape(len(order), dim)
    return np.array(order, dtype=np.int64), matrix.astype(np.float32)


# --- tags ----------------------------------------------------------------------

def tag_rows(library: Database, piece_id: int) -> list[tuple[str, str, float | None, str]]:
    """(vocabulary, label, score, source) of every tag row of a piece."""
    return [tuple(row) for row in library.conn.execute(
        "SELECT vocabulary, label, score, source FROM tags WHERE piece_id = ? "
        "ORDER BY vocabulary, label, source", (piece_id,))]


def user_tag_rows(library: Database) -> list[tuple]:
    """(path, tune, hash, vocabulary, label, score, source) of every tag the user added, accepted or removed."""
    return [tuple(row) for row in library.conn.execute(
        "SELECT p.path, p.tune, p.hash, t.vocabulary, t.label, t.score, t.source FROM tags t "
        "JOIN pieces p ON p.id = t.piece_id WHERE t.source IN ('user', 'hidden') "
        "ORDER BY p.path, p.tune, t.vocabulary, t.label, t.source")]


def visible_tags(library: Database, ids: Sequence[int] | None,
                 thresholds: Mapping[str, float]) -> dict[int, list[tuple[str, str]]]:
    """piece id -> [(vocabulary, label)] of its visible tags (all pieces when ``ids`` is None)."""
    found: dict[int, list[tuple[str, str]]] = {}
    room = (_CHUNK - 2 * len(thresholds)) // 2
    for chunk in [None] if ids is None else _chunks(ids, room):
        visible, params = _visible_tags_sql(thresholds, chunk)
        for piece_id, vocabulary, label in library.conn.execute(visible + " ORDER BY 1, 2, 3", params):
            found.setdefault(piece_id, []).append((vocabulary, label))
    return found


def visible_tag_counts(library: Database, thresholds: Mapping[str, float]) -> dict[str, list[tuple[str, int]]]:
    """vocabulary -> [(label, number of readable pieces showing it)], most common first.

    Counted as the automatic tags over their threshold (``tags_auto`` index
    ranges, no table rows: ``_auto_visible_counts``), corrected by the few rows that change
    the picture: hidden marks on those tags, user tags they do not already
    show, and the visible tags of failed pieces.  The plain union of every tag
    row took tens of seconds at a million pieces; this is the same count.
    """
    case, case_params = _threshold_case(thresholds, "t.vocabulary")
    auto_visible = f"t.source = 'auto' AND t.score >= {case}"
    same = "{0}.piece_id = t.piece_id AND {0}.vocabulary = t.vocabulary AND {0}.label = t.label"
    totals: dict[tuple[str, str], int] = {}

    def add(sql: str, params: list, sign: int) -> None:
        for vocabulary, label, count in library.conn.execute(sql, params):
            totals[(vocabulary, label)] = totals.get((vocabulary, label), 0) + sign * count

    for vocabulary, label, count in _auto_visible_counts(library, thresholds):
        totals[(vocabulary, label)] = count
    # Each correction starts from its few rows (CROSS JOIN keeps SQLite to that order).
    add(f"SELECT h.vocabulary, h.label, count(*) FROM tags h CROSS JOIN tags t ON {same.format('h')} "
        f"WHERE h.source = 'hidden' AND {auto_visible} GROUP BY 1, 2", case_params, -1)
    add("SELECT t.vocabulary, t.label, count(*) FROM tags t WHERE t.source = 'user' AND NOT EXISTS "
        f"(SELECT 1 FROM tags a WHERE a.source = 'auto' AND a.score >= {case.replace('t.', 'a.')} "
        f"AND {same.format('a')} AND NOT EXISTS (SELECT 1 FROM tags h WHERE h.source = 'hidden' "
        f"AND {same.format('h').replace('t.', 'a.')})) GROUP BY 1, 2", case_params, 1)
    add("SELECT t.vocabulary, t.label, count(DISTINCT t.piece_id) FROM pieces f CROSS JOIN tags t "
        f"ON t.piece_id = f.id WHERE f.status = 'failed' AND (t.source = 'user' OR ({auto_visible} AND NOT EXISTS "
        f"(SELECT 1 FROM tags h WHERE h.source = 'hidden' AND {same.format('h')}))) GROUP BY 1, 2", case_params, -1)
    counts: dict[str, list[tuple[str, int]]] = {}
    for (vocabulary, label), count in sorted(totals.items(), key=lambda item: (item[0][0], -item[1], item[0][1])):
        if count > 0:
            counts.setdefault(vocabulary, []).append((label, count))
    return counts


def _auto_visible_counts(library: Database, thresholds: Mapping[str, float]) -> list[tuple[str, str, int]]:
    """(vocabulary, label, automatic tags at or over the vocabulary's threshold) from ``tags_auto`` alone.

    Each vocabulary's labels are found by skipping through the index (one seek
    per label, not one step per row), then each label's rows over the threshold
    are counted as one index range: at a million pieces about a third of the
    time of one pass over every automatic tag comparing its score with a CASE
    of the thresholds.
    """
    found = []
    for vocabulary, threshold in thresholds.items():
        labels = library.conn.execute(
            "WITH RECURSIVE label (name) AS ("
            "SELECT min(label) FROM tags WHERE source = 'auto' AND vocabulary = ?1 UNION ALL "
            "SELECT (SELECT min(label) FROM tags WHERE source = 'auto' AND vocabulary = ?1 AND label > label.name) "
            "FROM label WHERE label.name IS NOT NULL) SELECT name FROM label WHERE name IS NOT NULL", (vocabulary,))
        for (label,) in labels.fetchall():
            count = library.conn.execute(
                "SELECT count(*) FROM tags WHERE source = 'auto' AND vocabulary = ? AND label = ? AND score >= ?",
                (vocabulary, label, float(threshold))).fetchone()[0]
            if count:
                found.append((vocabulary, label, count))
    return found


def replace_auto_tags(library: Database, vocabulary: str, model: str,
                      rows: Iterable[tuple[int, str, float]]) -> int:
    """Swap every automatic tag of ``vocabulary`` for ``rows`` (piece id, label, probability).

    User tags and hidden marks are other rows and stay as they are.  Call inside
    ``library.atomic()`` so readers never see a vocabulary half re-tagged.
    """
    conn = library.conn
    conn.execute("DELETE FROM tags WHERE vocabulary = ? AND source = 'auto'", (vocabulary,))
    cursor = conn.executemany(
        "INSERT INTO tags (piece_id, vocabulary, label, score, source, model) VALUES (?, ?, ?, ?, 'auto', ?)",
        ((int(pid), vocabulary, label, float(score), model) for pid, label, score in rows),
    )
    return cursor.rowcount


def put_tag(library: Database, piece_id: int, vocabulary: str, label: str, source: str,
            score: float | None = None) -> None:
    library.conn.execute(
        "INSERT OR IGNORE INTO tags (piece_id, vocabulary, label, score, source) VALUES (?, ?, ?, ?, ?)",
        (piece_id, vocabulary, label, score, source),
    )


def delete_tag(library: Database, piece_id: int, vocabulary: str, label: str, source: str) -> int:
    return library.conn.execute(
        "DELETE FROM tags WHERE piece_id = ? AND vocabulary = ? AND label = ? AND source = ?",
        (piece_id, vocabulary, label, source),
    ).rowcount


def _chunks(ids: Sequence[int], size: int = _CHUNK) -> list[list[int]]:
    ids = [int(i) for i in ids]
    return [ids[start:start + size] for start in range(0, len(ids), max(size, 1))]
