"""Zero-shot tagging: vocabulary files, tagging against numpy, and the user's edits winning."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np
import pytest

from clamp_desktop.engine import browse, tagging
from clamp_desktop.engine.calibration import UNCALIBRATED_THRESHOLD
from clamp_desktop.engine.indexer import LibraryIndexer, run_to_end
from clamp_desktop.engine.scoring import LOGIT_SCALE
from clamp_desktop.engine.search import search
from clamp_desktop.errors import ClampDesktopError, VocabularyError
from clamp_desktop.model import normalize
from clamp_desktop.store import Library, queries
from search_helpers import index_library

BUILTIN = {"genre", "era", "form", "mood", "ensemble", "texture", "composer"}


@pytest.fixture
def tagged(tmp_path, score_folder, tiny_checkpoint, tiny_model):
    """A fresh library, indexed and tagged with every built-in vocabulary."""
    db = tmp_path / "lib.db"
    name = index_library(db, score_folder, tiny_checkpoint, tiny_model)
    with Library(db) as library:
        summary = run_to_end(tagging.tag_library(library, name, lambda: tiny_model))
        yield library, name, summary, score_folder


def expected_top(library, name, model, vocabulary):
    """Brute force: piece id -> {label: probability} of its top_k labels."""
    ids, matrix = library.load_vectors(name)
    cos = normalize(matrix) @ normalize(model.encode_text(vocabulary.prompts())).T
    logits = cos.astype(np.float64) * LOGIT_SCALE
    prob = np.exp(logits - logits.max(axis=1, keepdims=True))
    prob /= prob.sum(axis=1, keepdims=True)
    top = np.argsort(-prob, axis=1)[:, :vocabulary.top_k]
    return {int(pid): {vocabulary.labels[j]: float(prob[i, j]) for j in top[i]} for i, pid in enumerate(ids)}


def write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


# --- vocabulary files ----------------------------------------------------------------

def test_builtin_vocabularies_load_and_composer_uses_the_paper_template():
    vocabularies, problems = tagging.load_vocabularies()
    assert problems == [] and BUILTIN <= set(vocabularies)
    assert vocabularies["composer"].template == "This piece of music is composed by {composer}."
    first = vocabularies["composer"].labels[0]
    assert vocabularies["composer"].prompts()[0] == f"This piece of music is composed by {first}."
    for vocabulary in vocabularies.values():
        assert 1 <= vocabulary.top_k <= len(vocabulary.labels) and 0 <= vocabulary.threshold <= 1


def test_a_broken_file_is_reported_in_one_line_and_the_others_still_load():
    folder = tagging.user_vocabulary_dir()
    write(folder, "bad_toml.toml", 'name = "x"\nlabels = [\n')
    write(folder, "no_placeholder.toml", 'name = "np"\ntemplate = "A piece."\nlabels = ["a"]\n')
    write(folder, "two_placeholders.toml", 'name = "tp"\ntemplate = "{a} and {b}"\nlabels = ["a"]\n')
    write(folder, "duplicate.toml", 'name = "dup"\ntemplate = "It is {x}."\nlabels = ["Fast", "slow", "fast"]\n')
    write(folder, "good.toml", 'name = "tempo"\ntemplate = "It is {x}."\nlabels = ["fast", "slow"]\ntop_k = 1\n')
    vocabularies, problems = tagging.load_vocabularies()
    assert BUILTIN | {"tempo"} == set(vocabularies)
    messages = {str(p) for p in problems}
    assert len(messages) == 4 and all(isinstance(p, VocabularyError) for p in problems)
    assert all("\n" not in m for m in messages)
    for file, why in [("bad_toml.toml", "not valid TOML"), ("no_placeholder.toml", "exactly one {placeholder}"),
                      ("two_placeholders.toml", "it has 2"), ("duplicate.toml", "'fast' appears twice")]:
        assert any(file in m and why in m for m in messages), (file, messages)


def test_a_user_file_replaces_the_builtin_of_the_same_name_and_saves_round_trip():
    vocabularies, _ = tagging.load_vocabularies()
    mine = replace(vocabularies["mood"], labels=("bright", "dark"), threshold=0.6, top_k=1,
                   template="The mood is {mood}, \"quoted\" and ünïcode.")
    path = tagging.save_vocabulary(mine)
    assert path == tagging.user_vocabulary_dir() / "mood.toml"
    reloaded, problems = tagging.load_vocabularies()
    assert problems == [] and reloaded["mood"] == mine and reloaded["genre"] == vocabularies["genre"]
    with pytest.raises(VocabularyError, match="appears twice"):
        tagging.save_vocabulary(replace(mine, labels=("a", "A")))


# --- tagging ---------------------------------------------------------------------------------

def test_tagging_stores_the_top_k_labels_with_softmax_probabilities(tagged, tiny_model):
    library, name, summary, _ = tagged
    vocabularies, _ = tagging.load_vocabularies()
    assert summary.pieces == 13 and set(summary.vocabularies) == BUILTIN
    assert summary.tags == sum(13 * v.top_k for v in vocabularies.values())
    shown = tagging.thresholds(vocabularies, library)
    # The tiny model has no calibration: conservative thresholds (engine.calibration).
    assert all(shown[n] == max(v.threshold, UNCALIBRATED_THRESHOLD) for n, v in vocabularies.items())
    for vocabulary in vocabularies.values():
        expected = expected_top(library, name, tiny_model, vocabulary)
        for piece_id, labels in expected.items():
            stored = {label: score for voc, label, score, source in queries.tag_rows(library, piece_id)
                      if voc == vocabulary.name and source == "auto"}
            assert stored == pytest.approx(labels, rel=1e-4)
            views = tagging.piece_tags(library, piece_id).get(vocabulary.name, [])
            if vocabulary.name == "composer" and library.piece(piece_id)["composer"]:
                assert views == []                    # a guess beside a known composer is not offered
                continue
            assert {v.label: v.score for v in views} == pytest.approx(labels, rel=1e-4)
            for view in views:
                assert view.source == "auto"
                assert view.visible == (view.score >= shown[vocabulary.name])


def test_the_threshold_decides_visibility_without_re_tagging(tagged):
    library, _, _, _ = tagged
    vocabularies, _ = tagging.load_vocabularies()
    piece_id = library.pieces()[0]["id"]
    views = tagging.piece_tags(library, piece_id)["genre"]
    low = min(v.score for v in views)
    # Uncalibrated: the conservative threshold leaves the tiny model's flat tags as suggestions.
    assert low < UNCALIBRATED_THRESHOLD and not any(v.visible for v in views)
    everything = {**vocabularies, "genre": replace(vocabularies["genre"], threshold=0.0)}
    assert [v.visible for v in tagging.piece_tags(library, piece_id, everything)["genre"]] == \
        [v.score >= UNCALIBRATED_THRESHOLD for v in views]
    nothing = {**vocabularies, "genre": replace(vocabularies["genre"], threshold=1.0)}
    assert not any(v.visible for v in tagging.piece_tags(library, piece_id, nothing)["genre"])


def test_user_tags_and_removals_survive_re_tagging_and_re_indexing(tagged, tiny_model):
    library, name, _, folder = tagged
    prayer = next(p for p in library.pieces() if p["path"].endswith("prayer_of_a_tired_child.musicxml"))
    removed = tagging.piece_tags(library, prayer["id"])["mood"][0].label
    accepted = tagging.piece_tags(library, prayer["id"])["era"][-1].label
    tagging.add_user_tag(library, prayer["id"], "genre", "lullaby for choir")
    assert tagging.remove_tag(library, prayer["id"], "mood", removed) == "hidden"
    tagging.accept_tag(library, prayer["id"], "era", accepted)

    def check():
        views = tagging.piece_tags(library, prayer["id"])
        assert any(v.label == "lullaby for choir" and v.source == "user" and v.visible for v in views["genre"])
        assert [v.source for v in views["mood"] if v.label == removed] == ["hidden"]
        assert not any(v.visible for v in views["mood"] if v.label == removed)
        assert [(v.source, v.visible) for v in views["era"] if v.label == accepted] == [("user", True)]
        hits = search(library, 'tag:genre="lullaby for choir"', name, lambda: tiny_model).hits
        assert [h.piece["id"] for h in hits] == [prayer["id"]]

    check()
    run_to_end(tagging.tag_library(library, name, lambda: tiny_model))
    check()
    path = folder / "prayer_of_a_tired_child.musicxml"
    path.write_text(path.read_text(encoding="utf-8") + "\n<!-- edited by the user -->\n", encoding="utf-8")
    summary = run_to_end(LibraryIndexer(library, name, lambda: tiny_model, inline=True).run([folder]))
    assert summary.updated == 1
    assert library.piece(prayer["id"])["path"] == prayer["path"]       # same piece, same id
    check()
    run_to_end(tagging.tag_library(library, name, lambda: tiny_model))
    check()


def test_re_tagging_one_vocabulary_recomputes_only_that_one(tagged, tiny_model):
    library, name, _, _ = tagged
    ids = [p["id"] for p in library.pieces()]

    def rows(vocabulary_filter):
        return {(i, r) for i in ids for r in tagging.queries.tag_rows(library, i) if vocabulary_filter(r[0])}

    others = rows(lambda v: v != "mood")
    vocabularies, _ = tagging.load_vocabularies()
    new_mood = replace(vocabularies["mood"], labels=("bright", "gloomy", "still"), top_k=2)
    summary = run_to_end(tagging.tag_library(library, name, lambda: tiny_model, [new_mood]))
    assert summary.vocabularies == ["mood"] and summary.tags == 2 * len(ids)
    assert rows(lambda v: v != "mood") == others
    assert {r[1] for _, r in rows(lambda v: v == "mood")} <= {"bright", "gloomy", "still"}


def test_remove_add_and_accept_rules(tagged):
    library, _, _, _ = tagged
    piece_id = library.pieces()[0]["id"]
    tagging.add_user_tag(library, piece_id, "genre", "my label")
    assert tagging.remove_tag(library, piece_id, "genre", "my label") == "deleted"
    assert "my label" not in [v.label for v in tagging.piece_tags(library, piece_id)["genre"]]
    assert tagging.remove_tag(library, piece_id, "genre", "never there") is None
    auto = tagging.piece_tags(library, piece_id)["form"][0].label
    tagging.accept_tag(library, piece_id, "form", auto)
    assert tagging.remove_tag(library, piece_id, "form", auto) == "hidden"     # auto row left: hide it
    tagging.add_user_tag(library, piece_id, "form", auto)                       # the user changes their mind
    assert [(v.source, v.visible) for v in tagging.piece_tags(library, piece_id)["form"] if v.label == auto] == \
        [("user", True)]
    with pytest.raises(VocabularyError):
        tagging.add_user_tag(library, piece_id, "bad name!", "x")
    with pytest.raises(ClampDesktopError, match="no piece 999999"):
        tagging.add_user_tag(library, 999999, "genre", "x")


def test_facets_count_composers_keys_meters_and_visible_tags(tagged):
    library, _, _, _ = tagged
    pieces = library.pieces()
    facets = browse.facets(library)
    assert dict(facets["composer"]) == dict(Counter(p["composer"] for p in pieces if p["composer"]))
    assert sum(n for _, n in facets["key"]) == len(pieces) == sum(n for _, n in facets["meter"])
    assert dict(facets["key"])["B minor"] == 3 and dict(facets["meter"])["3/8"] == 1
    for vocabulary in tagging.load_vocabularies()[0]:
        shown = Counter(v.label for p in pieces for v in tagging.piece_tags(library, p["id"]).get(vocabulary, [])
                        if v.visible)
        assert dict(facets.get(f"tags:{vocabulary}", [])) == dict(shown)


def test_tagging_a_library_without_vectors_explains_itself(tmp_path):
    with Library(tmp_path / "empty.db") as library:
        summary = run_to_end(tagging.tag_library(library, "some-model", lambda: None))
    assert summary.pieces == 0 and "index the library first" in summary.message


def test_classify_equals_brute_force(score_folder, tiny_model):
    from clamp_desktop.ingest import to_clamp_abc

    path = score_folder / "bwv10.7.mxl"
    labels = ["Johann Sebastian Bach", "Claude Debussy", "Scott Joplin"]
    template = "This piece of music is composed by {composer}."
    got = tagging.classify(tiny_model, path, labels, template)
    music = tiny_model.encode_music([to_clamp_abc(path)])
    text = tiny_model.encode_text([template.format(composer=label) for label in labels])
    cos = (normalize(music) @ normalize(text).T)[0]
    prob = np.exp(cos * np.e) / np.exp(cos * np.e).sum()
    order = np.argsort(-prob)
    assert [g[0] for g in got] == [labels[i] for i in order]
    np.testing.assert_allclose([g[1] for g in got], prob[order], rtol=1e-4)
    np.testing.assert_allclose([g[2] for g in got], cos[order], atol=1e-5)
    from_abc = tagging.classify(tiny_model, to_clamp_abc(path), labels, template)
    assert [g[0] for g in from_abc] == [g[0] for g in got]
    np.testing.assert_allclose([g[1] for g in from_abc], [g[1] for g in got], rtol=1e-5)
    with pytest.raises(VocabularyError, match="exactly one"):
        tagging.classify(tiny_model, path, labels, "no placeholder")
