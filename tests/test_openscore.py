"""OpenScore songs and quartets as training pieces: facts from their metadata, split by composer."""

from __future__ import annotations

from pathlib import Path

import pytest

from clamp_desktop.training import openscore
from clamp_desktop.training.dataset import assign_splits
from clamp_desktop.training.descriptions import fields_of, full_text
from clamp_desktop.training.facts import piece_facts
from clamp_desktop.training.tags import tag_truths

DATA = Path(__file__).parent / "data" / "openscore"


@pytest.fixture(scope="module")
def pieces(tmp_path_factory):
    """The copied scores converted by the app's ingest (as training does), with their facts."""
    cache = tmp_path_factory.mktemp("cache")
    records, report = openscore.prepare_openscore(cache, DATA, inline=True)
    assert report.failed_files == 0 and len(records) == len(list(DATA.rglob("*.mxl")))
    openscore.annotate(records, DATA)
    return {r["source"].split("/")[3]: (r, piece_facts(r)) for r in records}


def test_a_german_song_gets_composer_dates_era_set_language_and_ensemble(pieces):
    record, facts = pieces["Reichardt,_Louise"]
    assert record["lyrics"] and facts["language"] == "German"
    assert facts["composer"] == "Louise Reichardt" and (facts["born"], facts["died"]) == (1779, 1826)
    assert facts["era"] == "Romantic" and facts["origin"] == "German"
    assert facts["ensemble"] == "voice and piano" and facts["genre"] == "song"
    assert facts["work"] == "6 Lieder von Novalis, Op.4" and facts["corpus"] == "OpenScore Lieder Corpus"
    text = full_text(fields_of(facts))
    assert "Louise Reichardt" in text and "German" in text and "voice and piano" in text
    phrasings = [p for values in fields_of(facts).values() for p in values]
    assert "by Louise Reichardt (1779-1826)" in phrasings
    assert tag_truths(facts)["ensemble"] == ["voice and piano"] and tag_truths(facts)["genre"] == ["art song"]


def test_a_french_song_and_a_quartet_whose_title_states_its_key(pieces):
    _, song = pieces["Boulanger,_Lili"]
    assert song["language"] == "French" and song["era"] == "20th-century" and "work" not in song
    _, quartet = pieces["Saint-Georges,_Joseph_Bologne"]
    assert quartet["ensemble"] == "string quartet" and quartet["voices"] == 4 and "language" not in quartet
    assert (quartet["tonic"], quartet["mode"]) == ("G", "minor")          # "String Quartet in G minor"
    assert quartet["work"] == "String Quartet in G minor, Op.1 No.3"


def test_language_needs_clear_evidence():
    assert openscore.language_of("Der Mond ist aufgegangen, die goldnen Sternlein prangen am Himmel und "
                                 "ich bin mit dir") == "de"
    assert openscore.language_of("The lady moon is my lover and the sea is in my heart") == "en"
    assert openscore.language_of("la la la") is None and openscore.language_of("") is None


def test_the_split_holds_out_whole_composers_and_never_those_music21_trains_on():
    sources = openscore.openscore_sources(DATA)
    assert len(sources) == len(list(DATA.rglob("*.mxl"))) and all(s.startswith("openscore/") for s in sources)
    many = [f"openscore/lieder/scores/Composer_{i},_X/_/Song_{j}/lc{i}{j}.mxl" for i in range(60) for j in range(3)]
    splits = {}
    for source in many:
        splits.setdefault(source.split("/")[3], set()).add(openscore.split_by_composer(source, 0))
    assert all(len(s) == 1 for s in splits.values())                   # one composer, one split
    shares = [sum(s == {name} for s in splits.values()) / len(splits) for name in ("test", "validation")]
    assert 0.1 < shares[0] < 0.45 and 0.0 < shares[1] < 0.25
    assert openscore.split_by_composer("openscore/lieder/scores/Schubert,_Franz/_/X/lc1.mxl", 0) == "train"
    records = [{"source": s, "id": s} for s in many]
    assert assign_splits(records, 0)["test"] == [s for s in many if openscore.split_by_composer(s, 0) == "test"]
    assert openscore.split_by_composer(many[0], 1) in ("train", "validation", "test")   # the seed is used


def test_era_from_dates():
    assert openscore.era_of(1770, 1827) == "Classical" and openscore.era_of(1797, 1828) == "Romantic"
    assert openscore.era_of(1862, 1918) == "20th-century" and openscore.era_of(None, None) is None
