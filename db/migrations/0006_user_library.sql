-- Version 6: what the user makes of the library (issue 17): metadata edits,
-- collections and setlists, favourites, ratings, "not duplicates" marks and
-- hidden extra copies.  Kept in the library only, never written to the files.
--
-- `user_pieces` is the user's handle on a piece.  It names the piece three
-- ways: `piece_id` (while the piece is in the library), its content `hash` and
-- its `path` + `tune`.  Triggers keep the path and hash in step with the piece
-- (a move, a changed file), and when a piece is removed the handle stays, with
-- `piece_id` NULL; a piece indexed later with the same content, or else at the
-- same path, takes it up again (so a file moved outside the library and back,
-- or a restore into a library that has not indexed a file yet, loses nothing;
-- the user's tag decisions wait in `kept_tags` meanwhile).
-- Every other table of this file refers to `user_pieces`, never to `pieces`.

ALTER TABLE pieces ADD COLUMN notes TEXT;   -- the user's notes (no file has them); shown like any field

CREATE TABLE user_pieces (
    id INTEGER PRIMARY KEY,
    piece_id INTEGER UNIQUE REFERENCES pieces (id) ON DELETE SET NULL,
    path TEXT NOT NULL,
    tune INTEGER NOT NULL DEFAULT 0,
    hash TEXT NOT NULL,
    rating INTEGER CHECK (rating BETWEEN 0 AND 5),
    favourite INTEGER NOT NULL DEFAULT 0 CHECK (favourite IN (0, 1)),
    hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),   -- an extra copy kept out of the library view
    created_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX user_pieces_hash ON user_pieces (hash, tune);
CREATE INDEX user_pieces_path ON user_pieces (path, tune);

-- A field the user edited.  The piece's own column holds what is shown (the
-- edit), so the table, facets, full-text search and export read edits with no
-- change; `file_value` keeps what the file says, for "revert", and is brought
-- up to date each time the file is read again (Library.store_entries).
CREATE TABLE piece_edits (
    user_piece_id INTEGER NOT NULL REFERENCES user_pieces (id) ON DELETE CASCADE,
    field TEXT NOT NULL CHECK (field IN ('title', 'composer', 'work', 'movement', 'genre', 'notes')),
    value TEXT,
    file_value TEXT,
    edited_at TEXT NOT NULL DEFAULT (datetime('now')),
    PRIMARY KEY (user_piece_id, field)
);

-- smart: a saved query in the search syntax (filters, "quoted keywords",
-- free text), evaluated live; NULL for a manual collection, whose members
-- keep the order the user gave them (position 0, 1, 2 ...).
CREATE TABLE collections (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    smart TEXT,
    created_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE TABLE collection_members (
    collection_id INTEGER NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    user_piece_id INTEGER NOT NULL REFERENCES user_pieces (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    added_at TEXT NOT NULL DEFAULT (datetime('now')),
    PRIMARY KEY (collection_id, user_piece_id)
);
CREATE INDEX collection_members_order ON collection_members (collection_id, position);
CREATE INDEX collection_members_piece ON collection_members (user_piece_id);

-- Pieces the user said are not duplicates of one another (one row per group).
CREATE TABLE not_duplicate_groups (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE TABLE not_duplicate_members (
    group_id INTEGER NOT NULL REFERENCES not_duplicate_groups (id) ON DELETE CASCADE,
    user_piece_id INTEGER NOT NULL REFERENCES user_pieces (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_piece_id)
);
CREATE INDEX not_duplicate_members_piece ON not_duplicate_members (user_piece_id);

-- The user's tag decisions (tags rows 'user' and 'hidden') of a piece removed
-- from the library, kept until the piece is indexed again (tags itself needs a piece).
CREATE TABLE kept_tags (
    user_piece_id INTEGER NOT NULL REFERENCES user_pieces (id) ON DELETE CASCADE,
    vocabulary TEXT NOT NULL,
    label TEXT NOT NULL,
    score REAL,
    source TEXT NOT NULL CHECK (source IN ('user', 'hidden')),
    PRIMARY KEY (user_piece_id, vocabulary, label, source)
);

-- A piece leaves the library: its tag decisions are kept on its handle.
CREATE TRIGGER user_tags_keep BEFORE DELETE ON pieces
WHEN EXISTS (SELECT 1 FROM tags WHERE piece_id = old.id AND source IN ('user', 'hidden')) BEGIN
    INSERT INTO user_pieces (piece_id, path, tune, hash) VALUES (old.id, old.path, old.tune, old.hash)
        ON CONFLICT (piece_id) DO NOTHING;
    INSERT OR IGNORE INTO kept_tags (user_piece_id, vocabulary, label, score, source)
        SELECT u.id, t.vocabulary, t.label, t.score, t.source FROM tags t JOIN user_pieces u ON u.piece_id = old.id
        WHERE t.piece_id = old.id AND t.source IN ('user', 'hidden');
END;

-- A moved or changed file: the handle follows it (an unreadable file's empty hash is not taken).
CREATE TRIGGER user_pieces_follow AFTER UPDATE OF path, tune, hash ON pieces BEGIN
    UPDATE user_pieces SET path = new.path, tune = new.tune,
        hash = CASE WHEN new.hash != '' THEN new.hash ELSE hash END
    WHERE piece_id = new.id;
END;

-- A new piece takes up a handle left without one: same content first, else the same path.
CREATE TRIGGER user_pieces_attach AFTER INSERT ON pieces BEGIN
    UPDATE user_pieces SET piece_id = new.id, path = new.path,
        hash = CASE WHEN new.hash != '' THEN new.hash ELSE hash END
    WHERE id = (SELECT id FROM user_pieces WHERE piece_id IS NULL AND tune = new.tune
                AND ((hash = new.hash AND new.hash != '') OR path = new.path)
                ORDER BY hash = new.hash DESC, path = new.path DESC, id LIMIT 1);
    INSERT OR IGNORE INTO tags (piece_id, vocabulary, label, score, source)
        SELECT new.id, k.vocabulary, k.label, k.score, k.source FROM kept_tags k
        JOIN user_pieces u ON u.id = k.user_piece_id WHERE u.piece_id = new.id;
    DELETE FROM kept_tags WHERE user_piece_id IN (SELECT id FROM user_pieces WHERE piece_id = new.id);
END;
