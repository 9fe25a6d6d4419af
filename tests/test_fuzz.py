"""Fuzzing the code that reads untrusted text: only the project's own errors may come out.

The patchilizer and the ABC filter must take any text; the MusicXML checks
may refuse input only with ``ConversionError``; the metadata reader must
always return its fields.  Inputs mix pure noise with near-valid documents
(declarations, byte order marks, odd codecs, entity declarations), where the
bugs live.  Example counts stay small for CI; ``HYPOTHESIS_PROFILE=fuzz``
runs many more.
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clamp_desktop.errors import ConversionError
from clamp_desktop.ingest.metadata import METADATA_FIELDS, read_musicxml_metadata
from clamp_desktop.ingest.musicxml import MUSICXML_ROOTS, check_musicxml, to_utf8
from clamp_desktop.model.patching import EOS_ID, PATCH_LENGTH, filter_abc, patchify, split_bars

settings.register_profile("ci", max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# --- ABC ------------------------------------------------------------------------

ABC_PIECES = ["|", "|:", ":|", "::", "[|", "|]", "||", "\n", "%", "%%score 1 2", "K:", "L:1/8", "M:3/4",
              "V:1", "T:", "w:", "G", "abc", "z2", "[CEG]", "!trill!", "\"Am\"", "é", "\t", " ", "ß", "曲"]
abc_like = st.lists(st.one_of(st.sampled_from(ABC_PIECES), st.text(max_size=8)), max_size=60).map("".join)
any_abc = st.one_of(abc_like, st.text(max_size=400))


@given(any_abc, st.integers(min_value=1, max_value=80))
def test_patchify_takes_any_text(abc, max_patches):
    patches = patchify(abc, max_patches)
    assert 1 <= len(patches) <= max_patches
    assert all(len(p) == PATCH_LENGTH and all(0 <= i <= EOS_ID for i in p) for p in patches)


@given(any_abc)
def test_split_bars_keeps_the_text_in_order(body):
    bars = split_bars(body)
    assert body.startswith("".join(bars))
    assert all(bar for bar in bars)


@given(any_abc)
def test_filter_abc_takes_any_text(abc):
    out = filter_abc(abc)
    assert out.isascii() and (out == "" or out.endswith("\n"))
    assert all(line.startswith("%%score") for line in out.split("\n") if line.startswith("%"))
    patchify(out, 64)


# --- MusicXML bytes ---------------------------------------------------------------

ENCODINGS = ["UTF-8", "utf-16", "UTF-16LE", "utf-32", "ISO-8859-1", "windows-1252", "Shift_JIS", "idna",
             "punycode", "unicode_escape", "raw_unicode_escape", "utf-7", "rot13", "hex", "base64", "zlib",
             "x-unknown", "utf_8_sig", "cp037", "mbcs", "undefined"]
BOMS = [b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"]
XML_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@st.composite
def xml_documents(draw) -> bytes:
    """Near-valid MusicXML: a declaration, maybe a DOCTYPE, a root, elements with random text, an encoding."""
    encoding = draw(st.sampled_from(ENCODINGS))
    root = draw(st.sampled_from(["score-partwise", "score-timewise", "opus", "rss", "a:score-partwise"]))
    doctype = draw(st.sampled_from([
        "", f'<!DOCTYPE {root} PUBLIC "-//Recordare//DTD MusicXML 4.0 Partwise//EN" '
            '"http://www.musicxml.org/dtds/partwise.dtd">',
        f'<!DOCTYPE {root} [<!ENTITY x "y">]>', f'<!DOCTYPE {root} [<!ENTITY % p SYSTEM "file:///etc/passwd">]>',
        f'<!DOCTYPE {root} SYSTEM "file:///etc/passwd">']))
    children = draw(st.lists(st.tuples(
        st.sampled_from(["work", "movement-title", "identification", "part-list", "part", "measure",
                         "creator", "score-part", "part-name", "software"]), XML_TEXT), max_size=8))
    body = "".join(f"<{tag}>{escape(text)}</{tag}>" for tag, text in children)
    if draw(st.booleans()):
        body = (f'<work><work-title>{escape(draw(XML_TEXT))}</work-title></work><identification>'
                f'<creator type="{draw(st.sampled_from(["composer", "lyricist", "", "x"]))}">{escape(draw(XML_TEXT))}'
                '</creator></identification><part-list><score-part id="P1"><part-name>'
                f'{escape(draw(XML_TEXT))}</part-name></score-part></part-list><part id="P1"><measure/></part>') + body
    text = f'<?xml version="1.0" encoding="{encoding}"?>{doctype}<{root}>{body}</{root}>'
    data = text.encode(draw(st.sampled_from(["utf-8", "utf-16-le", "utf-16-be", "latin-1", "utf-32"])),
                       errors="replace")
    cut = draw(st.integers(min_value=0, max_value=len(data)))
    data = data[:cut] if draw(st.booleans()) else data
    return draw(st.sampled_from(BOMS)) + data


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;")


any_bytes = st.one_of(xml_documents(), st.binary(max_size=600))


@given(any_bytes)
def test_to_utf8_refuses_only_with_conversion_error(data):
    try:
        out = to_utf8(data)
    except ConversionError:
        return
    assert isinstance(out, bytes)


@given(any_bytes)
def test_check_musicxml_refuses_only_with_conversion_error(data):
    try:
        text = to_utf8(data)
        check_musicxml(text)
    except ConversionError:
        return
    # accepted: a MusicXML root is there, and no entity declaration got through (in UTF-8, or in the
    # UTF-16 that the XML parser detects by itself, e.g. behind a contradictory UTF-8 byte order mark)
    assert any(spelled in text for root in MUSICXML_ROOTS for spelled in spellings(root)), text[:200]
    assert not any(spelled in text.lower() for spelled in spellings("<!entity")), text[:200]


def spellings(word: str) -> list[bytes]:
    return [word.encode(codec) for codec in ("utf-8", "utf-16-le", "utf-16-be")]


@given(any_bytes)
def test_metadata_reader_always_returns_every_field(data):
    meta = read_musicxml_metadata(data, Path("some score.musicxml"))
    assert set(meta) == set(METADATA_FIELDS)
    assert isinstance(meta["title"], str) and meta["title"]
