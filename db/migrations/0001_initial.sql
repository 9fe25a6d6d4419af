-- Library schema, version 1.
-- A row of `pieces` is one piece of music: a file holds one, a multi-tune ABC
-- file holds several (tune 0, 1, ...).  A file that failed is one row with
-- status 'failed' and its reason, so nothing is silently skipped.

CREATE TABLE folders (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    added_at TEXT NOT NULL DEFAULT (datetime('now'))
);

CREATE TABLE pieces (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    tune INTEGER NOT NULL DEFAULT 0,
    hash TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
    error TEXT,
    title TEXT,
    subtitle TEXT,
    composer TEXT,
    lyricist TEXT,
    arranger TEXT,
    work TEXT,
    movement TEXT,
    key TEXT,
    time_signature TEXT,
    tempo TEXT,
    parts INTEGER,
    instruments TEXT,          -- JSON list of part names
    measures INTEGER,
    duration_s REAL,
    software TEXT,
    format TEXT,
    abc TEXT,                  -- the filtered CLaMP ABC the vectors were computed from
    added_at TEXT NOT NULL DEFAULT (datetime('now')),
    updated_at TEXT NOT NULL DEFAULT (datetime('now')),
    UNIQUE (path, tune)
);
CREATE INDEX pieces_hash ON pieces (hash);
CREATE INDEX pieces_status ON pieces (status);

-- One vector per piece and model; vectors of different models never mix.
CREATE TABLE embeddings (
    piece_id INTEGER NOT NULL REFERENCES pieces (id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    dim INTEGER NOT NULL,
    vector BLOB NOT NULL,      -- float32, little-endian, not normalised
    created_at TEXT NOT NULL DEFAULT (datetime('now')),
    PRIMARY KEY (piece_id, model)
);
CREATE INDEX embeddings_model ON embeddings (model);

-- source: 'auto' (zero-shot, with probability), 'user' (added by the user),
-- 'hidden' (the user removed an automatic tag; it stays hidden on re-tagging).
CREATE TABLE tags (
    piece_id INTEGER NOT NULL REFERENCES pieces (id) ON DELETE CASCADE,
    vocabulary TEXT NOT NULL,
    label TEXT NOT NULL,
    score REAL,
    source TEXT NOT NULL CHECK (source IN ('auto', 'user', 'hidden')),
    model TEXT,
    created_at TEXT NOT NULL DEFAULT (datetime('now')),
    PRIMARY KEY (piece_id, vocabulary, label, source)
);
CREATE INDEX tags_label ON tags (vocabulary, label);

-- Full-text index over the metadata, kept in step by triggers.
CREATE VIRTUAL TABLE pieces_fts USING fts5 (
    title, subtitle, composer, lyricist, arranger, work, movement, instruments, path,
    content = 'pieces', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER pieces_fts_insert AFTER INSERT ON pieces BEGIN
    INSERT INTO pieces_fts (rowid, title, subtitle, composer, lyricist, arranger, work, movement, instruments, path)
    VALUES (new.id, new.title, new.subtitle, new.composer, new.lyricist, new.arranger, new.work, new.movement, new.instruments, new.path);
END;
CREATE TRIGGER pieces_fts_delete AFTER DELETE ON pieces BEGIN
    INSERT INTO pieces_fts (pieces_fts, rowid, title, subtitle, composer, lyricist, arranger, work, movement, instruments, path)
    VALUES ('delete', old.id, old.title, old.subtitle, old.composer, old.lyricist, old.arranger, old.work, old.movement, old.instruments, old.path);
END;
CREATE TRIGGER pieces_fts_update AFTER UPDATE ON pieces BEGIN
    INSERT INTO pieces_fts (pieces_fts, rowid, title, subtitle, composer, lyricist, arranger, work, movement, instruments, path)
    VALUES ('delete', old.id, old.title, old.subtitle, old.composer, old.lyricist, old.arranger, old.work, old.movement, old.instruments, old.path);
    INSERT INTO pieces_fts (rowid, title, subtitle, composer, lyricist, arranger, work, movement, instruments, path)
    VALUES (new.id, new.title, new.subtitle, new.composer, new.lyricist, new.arranger, new.work, new.movement, new.instruments, new.path);
END;

-- Bumped on every write that changes what a reader sees, so readers (the
-- vector matrix, the GUI table) reload only when something changed.
CREATE TABLE revision (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
INSERT INTO revision (id, value) VALUES (1, 0);
