-- Version 2: tune type / genre (ABC R:) and origin (ABC O:/S:) become
-- searchable metadata; the full-text index is rebuilt to include them.

ALTER TABLE pieces ADD COLUMN genre TEXT;
ALTER TABLE pieces ADD COLUMN origin TEXT;

DROP TRIGGER pieces_fts_insert;
DROP TRIGGER pieces_fts_delete;
DROP TRIGGER pieces_fts_update;
DROP TABLE pieces_fts;

CREATE VIRTUAL TABLE pieces_fts USING fts5 (
    title, subtitle, composer, lyricist, arranger, work, movement, instruments, path, genre, origin,
    content = 'pieces', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER pieces_fts_insert AFTER INSERT ON pieces BEGIN
    INSERT INTO pieces_fts (rowid, title, subtitle, composer, lyricist, arranger, work, movement, instruments, path, genre, origin)
    VALUES (new.id, new.title, new.subtitle, new.composer, new.lyricist, new.arranger, new.work, new.movement, new.instruments, new.path, new.genre, new.origin);
END;
CREATE TRIGGER pieces_fts_delete AFTER DELETE ON pieces BEGIN
    INSERT INTO pieces_fts (pieces_fts, rowid, title, subtitle, composer, lyricist, arranger, work, movement, instruments, path, genre, origin)
    VALUES ('delete', old.id, old.title, old.subtitle, old.composer, old.lyricist, old.arranger, old.work, old.movement, old.instruments, old.path, old.genre, old.origin);
END;
CREATE TRIGGER pieces_fts_update AFTER UPDATE ON pieces BEGIN
    INSERT INTO pieces_fts (pieces_fts, rowid, title, subtitle, composer, lyricist, arranger, work, movement, instruments, path, genre, origin)
    VALUES ('delete', old.id, old.title, old.subtitle, old.composer, old.lyricist, old.arranger, old.work, old.movement, old.instruments, old.path, old.genre, old.origin);
    INSERT INTO pieces_fts (rowid, title, subtitle, composer, lyricist, arranger, work, movement, instruments, path, genre, origin)
    VALUES (new.id, new.title, new.subtitle, new.composer, new.lyricist, new.arranger, new.work, new.movement, new.instruments, new.path, new.genre, new.origin);
END;
INSERT INTO pieces_fts (pieces_fts) VALUES ('rebuild');
