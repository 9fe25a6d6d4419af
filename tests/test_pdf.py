"""``clamp-desktop pdf`` and ``midi``: vector pages, one per Verovio page, with real text."""

from __future__ import annotations

import re
import zlib

from click.testing import CliRunner

from clamp_desktop.cli import cli
from clamp_desktop.engine.midi import midi_parts
from clamp_desktop.engine.render import ScoreRenderer


def pdf_streams(data: bytes) -> list[bytes]:
    """Every stream of a PDF, inflated where it is compressed."""
    streams = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            streams.append(zlib.decompress(match.group(1)))
        except zlib.error:
            streams.append(match.group(1))
    return streams


def unicode_in_fonts(streams: list[bytes]) -> str:
    """The characters the PDF's ToUnicode maps give its glyphs (what copy-paste and search see)."""
    codes = []
    for stream in streams:
        for section in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
            codes += re.findall(rb"<[0-9A-Fa-f]+>\s*<([0-9A-Fa-f]+)>", section)
        for section in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.S):
            for listed in re.findall(rb"\[(.*?)\]", section, re.S):
                codes += re.findall(rb"<([0-9A-Fa-f]+)>", listed)
            for low, high, first in re.findall(rb"<(\w+)>\s*<(\w+)>\s*<(\w+)>", section):
                codes += [b"%04X" % (int(first, 16) + n) for n in range(int(high, 16) - int(low, 16) + 1)]
    return "".join(chr(int(code, 16)) for code in codes if len(code) == 4)


def test_pdf_has_the_score_pages_as_vectors_with_text(tmp_path, corpus):
    score = corpus.root / "beethoven/opus18no1/movement1.mxl"
    renderer = ScoreRenderer()
    pages = renderer.load(score).pages
    assert pages > 5
    out = tmp_path / "quartet.pdf"
    result = CliRunner().invoke(cli, ["pdf", str(score), "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and not (tmp_path / "quartet.pdf.part").exists()
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", data)) == pages
    assert b"/Subtype /Image" not in data, "a page was drawn as a bitmap"
    streams = pdf_streams(data)
    assert sum(b" Tj" in s or b"TJ" in s for s in streams) >= pages, "pages without text operators"
    assert sum(b" c\n" in s for s in streams) >= pages, "pages without curves (the notes)"
    assert set("Violin") <= set(unicode_in_fonts(streams)), "the part names are not text"


def test_midi_command_saves_every_part(tmp_path, corpus):
    out = tmp_path / "chorale.mid"
    result = CliRunner().invoke(cli, ["midi", str(corpus.root / "bach/bwv66.6.mxl"), "--out", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert [p.name for p in midi_parts(out.read_bytes())] == ["Soprano", "Alto", "Tenor", "Bass"]


def test_an_unknown_piece_id_is_one_line_error(tmp_path):
    result = CliRunner().invoke(cli, ["pdf", "12345", "--out", str(tmp_path / "x.pdf"),
                                      "--db", str(tmp_path / "lib.db")])
    assert result.exit_code != 0
    assert not (tmp_path / "x.pdf").exists()


def test_a_library_piece_is_named_by_its_id(tmp_path, corpus, tiny_checkpoint):
    import shutil

    folder = tmp_path / "scores"
    folder.mkdir()
    shutil.copy(corpus.root / "bach/bwv66.6.mxl", folder)
    db = str(tmp_path / "library.db")
    runner = CliRunner()
    result = runner.invoke(cli, ["index", str(folder), "--db", db, "--model", str(tiny_checkpoint),
                                 "--device", "cpu", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    from clamp_desktop.store import Library

    with Library(db, readonly=True) as library:
        (piece,) = library.pieces()
    result = runner.invoke(cli, ["midi", str(piece["id"]), "--db", db, "--out", str(tmp_path / "a.mid")],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert len(midi_parts((tmp_path / "a.mid").read_bytes())) == 4
    result = runner.invoke(cli, ["pdf", str(piece["id"]), "--db", db, "--out", str(tmp_path / "a.pdf")],
                           catch_exceptions=False)
    assert result.exit_code == 0 and "(1 page)" in result.output
