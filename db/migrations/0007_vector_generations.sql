-- Version 7 (issue 20): a generation per model's vector set, and an index for the score-fact facets.
--
-- vector_generations: for each model, a number drawn anew (random()) whenever
-- the vectors a search sees for it may have changed.  That set is the model's
-- vectors of readable pieces (store.queries.vector_fingerprints), so it moves
-- when a vector is stored, replaced or removed, when a piece becomes readable
-- or fails, and when a readable piece is removed.  A tag, a rating or an edit
-- leaves it alone, so the search index (engine.vectors) and the copy saved
-- beside the library (engine.saved_vectors) skip the scan of every vector's
-- head after such a write.  The triggers live in the library, so a write from
-- another process (the command line) moves it too.  Random rather than
-- counted: a copy saved from another library, or from this one before a
-- restore, cannot carry the same number.
-- (INSERT OR REPLACE into embeddings fires no DELETE trigger, but the INSERT one.)

CREATE TABLE vector_generations (
    model TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO vector_generations (model, value) SELECT model, random() FROM (SELECT DISTINCT model FROM embeddings);

CREATE TRIGGER vector_generation_insert AFTER INSERT ON embeddings BEGIN
    INSERT OR REPLACE INTO vector_generations (model, value) VALUES (new.model, random());
END;
CREATE TRIGGER vector_generation_update AFTER UPDATE ON embeddings BEGIN
    INSERT OR REPLACE INTO vector_generations (model, value) VALUES (old.model, random());
    INSERT OR REPLACE INTO vector_generations (model, value) VALUES (new.model, random());
END;
CREATE TRIGGER vector_generation_delete AFTER DELETE ON embeddings BEGIN
    UPDATE vector_generations SET value = random() WHERE model = old.model;
END;
CREATE TRIGGER vector_generation_status AFTER UPDATE OF status ON pieces
WHEN old.status IS NOT new.status BEGIN
    UPDATE vector_generations SET value = random();
END;
CREATE TRIGGER vector_generation_piece_delete AFTER DELETE ON pieces WHEN old.status = 'ok' BEGIN
    UPDATE vector_generations SET value = random();
END;
-- A new piece has no vector yet, unless one was left behind under its id (foreign keys off elsewhere).
CREATE TRIGGER vector_generation_piece_insert AFTER INSERT ON pieces
WHEN EXISTS (SELECT 1 FROM embeddings WHERE piece_id = new.id) BEGIN
    UPDATE vector_generations SET value = random() WHERE model IN (SELECT model FROM embeddings WHERE piece_id = new.id);
END;

-- The score-fact facets (ensemble, era, language, tempo: engine.browse.FACT_FACETS,
-- in this order) are counted in one pass over this index alone
-- (store.queries.columns_counts) rather than over every row of pieces
-- (11-14 s at a million pieces; tests/test_library_scale.py checks the plan).
CREATE INDEX pieces_facts ON pieces (status, ensemble, era, language, tempo_class);
