-- Version 5: indexes that keep a library of a million pieces quick to browse.
-- (Numbered after 0003_score_facts and 0004_conversion_notes of parallel branches.)
--
-- pieces_listing serves the table's pages (readable pieces in path order, any
-- offset) and the counts from the index alone; it replaces pieces_status,
-- whose column it leads with.  pieces_composer, pieces_key and pieces_meter
-- serve the sidebar's facet counts; the last two index the expressions of
-- store.queries.effective('key') and effective('meter') character for
-- character, which is what lets SQLite use them (tests/test_library_scale.py
-- checks that the query plans do).  tags_auto lets the tag facets count the
-- automatic tags over their thresholds from the index alone; tags_label_nocase
-- finds one label's rows for a tag filter (labels match case-insensitively).

CREATE INDEX pieces_listing ON pieces (status, path, tune);
DROP INDEX pieces_status;
DROP INDEX IF EXISTS pieces_composer;   -- 0003's (composer) alone; this one leads with status
CREATE INDEX pieces_composer ON pieces (status, composer);
CREATE INDEX pieces_key ON pieces (status, (coalesce(nullif(trim(key), ''), CASE WHEN substr(abc, 1, 2) = 'K:' THEN trim(substr(abc, 3, instr(substr(abc, 3, 200) || char(10), char(10)) - 1)) WHEN instr(abc, char(10) || 'K:') > 0 THEN trim(substr(abc, instr(abc, char(10) || 'K:') + 3, instr(substr(abc, instr(abc, char(10) || 'K:') + 3, 200) || char(10), char(10)) - 1)) END)));
CREATE INDEX pieces_meter ON pieces (status, (coalesce(nullif(trim(time_signature), ''), CASE WHEN substr(abc, 1, 2) = 'M:' THEN trim(substr(abc, 3, instr(substr(abc, 3, 200) || char(10), char(10)) - 1)) WHEN instr(abc, char(10) || 'M:') > 0 THEN trim(substr(abc, instr(abc, char(10) || 'M:') + 3, instr(substr(abc, instr(abc, char(10) || 'M:') + 3, 200) || char(10), char(10)) - 1)) END)));
CREATE INDEX tags_auto ON tags (source, vocabulary, label, score);
CREATE INDEX tags_label_nocase ON tags (label COLLATE NOCASE, vocabulary COLLATE NOCASE);
