-- Version 3: facts read from the score itself, and one name per composer.
-- `composer` becomes the canonical display name (authority file, then the
-- user's renames); `composer_raw` keeps what the file or folder said.
-- key_source: 'stated' (the file's <mode>) or 'estimated' (from the notes).

ALTER TABLE pieces ADD COLUMN composer_raw TEXT;
ALTER TABLE pieces ADD COLUMN mode TEXT;
ALTER TABLE pieces ADD COLUMN key_source TEXT;
ALTER TABLE pieces ADD COLUMN ensemble TEXT;
ALTER TABLE pieces ADD COLUMN voices INTEGER;
ALTER TABLE pieces ADD COLUMN language TEXT;
ALTER TABLE pieces ADD COLUMN has_lyrics INTEGER;
ALTER TABLE pieces ADD COLUMN has_chords INTEGER;
ALTER TABLE pieces ADD COLUMN tempo_class TEXT;
ALTER TABLE pieces ADD COLUMN era TEXT;
CREATE INDEX pieces_composer ON pieces (composer);

-- The user's renames and merges of composers: every piece whose canonical
-- composer is `name` is shown as `shown`.  Kept in the library, never
-- written to the score files; applied again whenever a file is re-read.
CREATE TABLE composer_names (
    name TEXT PRIMARY KEY,
    shown TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (datetime('now'))
);

DROP TRIGGER pieces_fts_insert;
DROP TRIGGER pieces_fts_delete;
DROP TRIGGER pieces_fts_update;
DROP TABLE pieces_fts;

CREATE VIRTUAL TABLE pieces_fts USING fts5 (
    title, subtitle, composer, lyricist, arranger, work, movement, instruments, path, genre, origin,
    composer_raw, key, ensemble, era,
    content = 'pieces', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER pieces_fts_insert AFTER INSERT ON pieces BEGIN
    INSERT INTO pieces_fts (rowid, title, subtitle, composer, lyricist, arranger, work, movement, instruments, path, genre, origin, composer_raw, key, ensemble, era)
    VALUES (new.id, new.title, new.subtitle, new.composer, new.lyricist, new.arranger, new.work, new.movement, new.instruments, new.path, new.genre, new.origin, new.composer_raw, new.key, new.ensemble, new.era);
END;
CREATE TRIGGER pieces_fts_delete AFTER DELETE ON pieces BEGIN
    INSERT INTO pieces_fts (pieces_fts, rowid, title, subtitle, composer, lyricist, arranger, work, movement, instruments, path, genre, origin, composer_raw, key, ensemble, era)
    VALUES ('delete', old.id, old.title, old.subtitle, old.composer, old.lyricist, old.arranger, old.work, old.movement, old.instruments, old.path, old.genre, old.origin, old.composer_raw, old.key, old.ensemble, old.era);
END;
CREATE TRIGGER pieces_fts_update AFTER UPDATE ON pieces BEGIN
    INSERT INTO pieces_fts (pieces_fts, rowid, title, subtitle, composer, lyricist, arranger, work, movement, instruments, path, genre, origin, composer_raw, key, ensemble, era)
    VALUES ('delete', old.id, old.title, old.subtitle, old.composer, old.lyricist, old.arranger, old.work, old.movement, old.instruments, old.path, old.genre, old.origin, old.composer_raw, old.key, old.ensemble, old.era);
    INSERT INTO pieces_fts (rowid, title, subtitle, composer, lyricist, arranger, work, movement, instruments, path, genre, origin, composer_raw, key, ensemble, era)
    VALUES (new.id, new.title, new.subtitle, new.composer, new.lyricist, new.arranger, new.work, new.movement, new.instruments, new.path, new.genre, new.origin, new.composer_raw, new.key, new.ensemble, new.era);
END;
INSERT INTO pieces_fts (pieces_fts) VALUES ('rebuild');
