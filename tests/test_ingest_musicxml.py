"""MusicXML -> CLaMP ABC on real scores from music21's corpus."""

import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from clamp_desktop.errors import ConversionError
from clamp_desktop.ingest import to_clamp_abc
from clamp_desktop.ingest.musicxml import read_musicxml_bytes, read_mxl, to_utf8
from clamp_desktop.ingest.xml2abc import musicxml_to_abc, write_reference_script
from clamp_desktop.model.patching import filter_abc

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def reference_script(tmp_path_factory):
    return write_reference_script(tmp_path_factory.mktemp("reference"))


def reference_abc(script: Path, path: Path) -> str:
    """The reference workflow: xml2abc as its own process with -m 2 -c 6 -x, stdout, then the filter."""
    out = subprocess.run([sys.executable, str(script), "-m", "2", "-c", "6", "-x", str(path)],
                         capture_output=True, check=False)
    return filter_abc(out.stdout.decode("utf-8").replace("\r", ""))


@pytest.mark.parametrize("pattern", ["bach/bwv1*.mxl", "haydn/opus74no1/movement1.mxl",
                                     "trecento/*.xml", "schubert/*.xml"])
def test_in_process_conversion_equals_the_reference_process(corpus, pattern, reference_script):
    """Wiring: the in-process call gives what the program gives, and refuses what it cannot convert."""
    files = corpus.files(pattern, 2)
    assert files, f"music21's corpus has no {pattern}"
    for path in files:
        expected = reference_abc(reference_script, path)
        if expected.strip():
            assert to_clamp_abc(path) == expected, path
        else:  # the program writes nothing (schubert/Lindenbaum.xml: a Sibelius export it cannot read)
            with pytest.raises(ConversionError, match="xml2abc failed"):
                to_clamp_abc(path)


# Stored output of the reference program (see tests/data/README.md): corpus file -> (stored ABC, input sha256).
EXPECTED_ABC = {
    "bach/bwv1.6.mxl": ("bwv1.6.abc", "54915cba7b1dd0e2a10e973d2365c0342e1ed3616ca28b5e54fd6c5c2c20c6d4"),
    "haydn/opus74no1/movement1.mxl": ("haydn-opus74no1-movement1.abc",
                                      "f8925cd0d7cc5c3914e12ae0d69ddaab70513270b35ac52837cf1f177108118b"),
    "trecento/Fava_Dicant_nunc_iudei.xml": ("Fava_Dicant_nunc_iudei.abc",
                                            "2c816b7d85cee53ac463b99fdfa6ebcf5d103896125ec4751b1127d931c9e075"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED_ABC))
def test_conversion_equals_the_stored_output_of_the_reference_program(corpus, name):
    """Conversion: compared with ABC the original xml2abc program wrote once, not with a fresh run of it."""
    stored, sha256 = EXPECTED_ABC[name]
    path = corpus.root / name
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha256, f"music21's {name} changed; see tests/data/README.md"
    expected = (DATA / "expected-abc" / stored).read_text(encoding="utf-8")
    assert musicxml_to_abc(read_musicxml_bytes(path), path.stem) == expected
    assert to_clamp_abc(path) == filter_abc(expected)


def test_multi_part_score_has_a_voice_per_part(corpus):
    abc = to_clamp_abc(corpus.root / "haydn/opus74no1/movement1.mxl")
    assert abc.startswith("%%score")
    for voice in ("V:1", "V:2", "V:3", "V:4"):
        assert voice in abc


def test_output_has_no_metadata_fields(corpus):
    abc = to_clamp_abc(corpus.files("bach/bwv1*.mxl", 1)[0])
    lines = abc.split("\n")
    assert not [l for l in lines if l[:2] in ("T:", "C:", "X:", "Z:", "w:")]
    assert "K:" in abc and "L:" in abc


def test_mxl_whose_score_is_dot_musicxml_is_read_through_its_container(corpus):
    path = corpus.root / "bach/bwv113.8.mxl"
    names = zipfile.ZipFile(path).namelist()
    assert not [n for n in names if n.endswith(".xml") and not n.startswith("META")]
    abc = to_clamp_abc(path)
    assert "K:" in abc and "|" in abc


def test_multi_file_mxl_reads_the_container_rootfile(corpus):
    data = read_mxl(corpus.root / "beethoven/opus133.mxl")
    assert b"<score-partwise" in data[:2000]


def test_utf16_score_is_transcoded_and_converted(corpus):
    path = corpus.root / "trecento/PMFC_12_13-Credo London f83-85.xml"
    assert path.read_bytes()[:2] == b"\xff\xfe"
    assert to_utf8(path.read_bytes()).startswith(b"<?xml")
    assert "K:" in to_clamp_abc(path)


def test_not_musicxml_is_refused_with_a_reason(tmp_path):
    other = tmp_path / "feed.xml"
    other.write_text("<?xml version='1.0'?><rss><channel/></rss>")
    with pytest.raises(ConversionError, match="not MusicXML"):
        to_clamp_abc(other)


def test_corrupt_mxl_is_refused_with_a_reason(tmp_path):
    bad = tmp_path / "bad.mxl"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(ConversionError, match="zip"):
        to_clamp_abc(bad)


def test_empty_file_is_refused(tmp_path):
    empty = tmp_path / "empty.musicxml"
    empty.write_bytes(b"")
    with pytest.raises(ConversionError, match="empty"):
        to_clamp_abc(empty)
