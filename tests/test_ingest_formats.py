"""ABC (one entry per tune), Humdrum **kern and MEI go through MusicXML to CLaMP ABC."""


import pytest

from clamp_desktop.errors import ConversionError
from clamp_desktop.ingest.score import SUPPORTED_SUFFIXES, read_score
from clamp_desktop.model import patchify


def test_multi_tune_abc_gives_one_entry_per_tune(corpus, tmp_path):
    source = corpus.root / "essenFolksong" / "han1.abc"
    tunes = source.read_text(encoding="latin-1").count("\nX:") + source.read_text(encoding="latin-1").startswith("X:")
    path = tmp_path / "few.abc"
    # three tunes keep the test fast; the file header is kept
    text = source.read_text(encoding="latin-1")
    starts = [i for i in range(len(text)) if text.startswith("X:", i) and (i == 0 or text[i - 1] == "\n")]
    path.write_text(text[: starts[3]], encoding="latin-1")
    entries = read_score(path)
    assert tunes > 3
    assert [e.tune for e in entries] == [0, 1, 2]
    assert len({e.abc for e in entries}) == 3
    for entry in entries:
        assert "K:" in entry.abc and "|" in entry.abc
        assert entry.metadata["title"]
        assert entry.metadata["composer"] != "Music21"
        assert len(patchify(entry.abc, 512)) > 3


def test_abc_header_fields_become_metadata(tmp_path):
    path = tmp_path / "reel.abc"
    path.write_text(
        "X:1\nT:The Silver Spear\nC:Trad.\nR:reel\nO:Ireland\nM:4/4\nL:1/8\nK:D\n"
        "A|FAAB AFED|FAAB A2de|fded cAGc|1 dBAF D3:|2 dBAF D2|]\n"
    )
    (entry,) = read_score(path)
    meta = entry.metadata
    assert meta["title"] == "The Silver Spear"
    assert meta["composer"] == "Traditional" and meta["composer_raw"] == "Trad."
    assert meta["genre"] == "reel"
    assert meta["origin"] == "Ireland"
    assert meta["time_signature"] == "4/4"
    assert meta["key"] == "D major"
    assert entry.abc.count("|") >= 6


def test_kern_file_converts(corpus):
    path = sorted((corpus.root / "bach").glob("*.krn"))[0] if list((corpus.root / "bach").glob("*.krn")) else corpus.files("**/*.krn", 1)[0]
    (entry,) = read_score(path)
    assert "K:" in entry.abc and "V:" in entry.abc
    assert entry.metadata["parts"] >= 1


def test_mei_file_converts(corpus, tmp_path):
    import verovio

    toolkit = verovio.toolkit()
    assert toolkit.loadFile(str(corpus.root / "bach" / "bwv66.6.mxl"))
    mei = tmp_path / "bwv66.mei"
    mei.write_text(toolkit.getMEI(), encoding="utf-8")
    (entry,) = read_score(mei)
    assert entry.abc.count("V:") >= 4
    assert entry.metadata["parts"] == 4


def test_abc_without_tunes_is_refused(tmp_path):
    path = tmp_path / "notes.abc"
    path.write_text("just some text\n")
    with pytest.raises(ConversionError, match="no ABC tune"):
        read_score(path)


def test_unsupported_suffix_is_refused(tmp_path):
    path = tmp_path / "score.pdf"
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(ConversionError, match="unsupported"):
        read_score(path)
    assert ".pdf" not in SUPPORTED_SUFFIXES


def test_musicxml_metadata_from_header(corpus):
    (entry,) = read_score(corpus.root / "bach" / "bwv66.6.mxl")
    meta = entry.metadata
    assert meta["key"] == "F# minor"
    assert meta["time_signature"] == "4/4"
    assert meta["parts"] == 4
    assert meta["instruments"] == ["Soprano", "Alto", "Tenor", "Bass"]
    assert meta["measures"] == 10
    assert meta["duration_s"] > 0
    assert meta["title"] == "BWV 66.6"  # no title in the file: the file name made readable


def test_musicxml_composer_and_title(corpus):
    (entry,) = read_score(corpus.root / "beethoven" / "opus59no1" / "movement4.mxl")
    assert entry.metadata["composer"] == "Ludwig van Beethoven"
    assert entry.metadata["title"] == "Opus 59 no 1 Movement 4"
    assert entry.metadata["parts"] == 4
