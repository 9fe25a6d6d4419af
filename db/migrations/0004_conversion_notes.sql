-- Version 4: files the faithful converter (xml2abc) stops at are no longer lost.
-- `conversion_note` says what a repaired conversion removed (e.g. "converted
-- without <pedal type="discontinue"> (measure 12); ..."), a notice, not a failure.
-- A piece that no repair could convert stays listed by its metadata: status
-- 'ok', `abc` NULL (so no vector) and `error` saying why.

ALTER TABLE pieces ADD COLUMN conversion_note TEXT;

-- The bundled model now reads long pieces whole, in segments (docs/model-card.md);
-- its vectors stored before were of the first 128 patches only.  They are dropped
-- here and encoded again, whole, by the next index run.
DELETE FROM embeddings WHERE model = 'clamp-desktop-mini';
