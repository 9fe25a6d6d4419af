"""Verovio pages that Qt can draw: flattened SVG, real notes on the rasterised page (ink)."""

from __future__ import annotations

import pytest
from lxml import etree

from clamp_desktop.engine.render import SVG_NS, ScoreRenderer, flatten_svg, new_toolkit
from clamp_desktop.errors import RenderError
from clamp_desktop.ui.rasterize import ink_pixels, page_image

# A page of notes at 600 px wide has tens of thousands of dark pixels; a page
# with only a title or staff lines has far fewer.
MIN_INK = 5000


@pytest.fixture(scope="module")
def renderer():
    return ScoreRenderer()


def nested_elements(svg: str) -> tuple[int, int]:
    root = etree.fromstring(svg.encode())
    svgs = len(root.findall(f".//{{{SVG_NS}}}svg"))
    tspans = len(root.findall(f".//{{{SVG_NS}}}tspan/{{{SVG_NS}}}tspan"))
    return svgs, tspans


def test_a_musicxml_page_rasterised_by_qt_has_notes_on_it(qapp, renderer, score_folder):
    score = renderer.load(score_folder / "bwv1.6.mxl")
    assert score.pages >= 1
    image = page_image(renderer.page_svg(1), 600)
    assert image.width() == 600 and image.height() > 600
    assert ink_pixels(image) > MIN_INK


def test_verovios_own_svg_is_blank_in_qt_which_is_why_pages_are_flattened(qapp, score_folder):
    toolkit = new_toolkit()
    toolkit.loadFile(str(score_folder / "bwv1.6.mxl"))
    raw = toolkit.renderToSVG(1)
    assert nested_elements(raw)[0] >= 1
    assert ink_pixels(page_image(raw, 600)) < 100
    flat = flatten_svg(raw)
    assert nested_elements(flat) == (0, 0)
    assert ink_pixels(page_image(flat, 600)) > MIN_INK


def test_texts_survive_flattening(renderer, score_folder):
    renderer.load(score_folder / "prayer_of_a_tired_child.musicxml")
    root = etree.fromstring(renderer.page_svg(1).encode())
    words = " ".join(t.text or "" for t in root.iter(f"{{{SVG_NS}}}tspan"))
    assert "Prayer of a Tired Child" in words
    assert "Soprano" in words


def test_every_page_of_a_long_score_renders(qapp, renderer, score_folder):
    score = renderer.load(score_folder / "prayer_of_a_tired_child.musicxml")
    assert score.pages > 1
    last = page_image(renderer.page_svg(score.pages), 400)
    assert ink_pixels(last) > MIN_INK // 4
    with pytest.raises(RenderError, match="no page"):
        renderer.page_svg(score.pages + 1)


def test_pages_are_cached(renderer, score_folder):
    renderer.load(score_folder / "bwv1.6.mxl")
    assert renderer.page_svg(1) is renderer.page_svg(1)


def test_abc_tunes_render_one_at_a_time(qapp, renderer, corpus):
    path = corpus.root / "essenFolksong/altdeu10.abc"
    first = renderer.page_svg(1) if renderer.load(path, 0) else None
    fourth = renderer.page_svg(1) if renderer.load(path, 3) else None
    assert first != fourth
    assert ink_pixels(page_image(fourth, 600)) > MIN_INK // 4
    with pytest.raises(RenderError, match="no tune"):
        renderer.load(path, 10_000)


def test_humdrum_renders(qapp, renderer, corpus):
    renderer.load(corpus.root / "palestrina/Agnus_II_47.krn")
    assert ink_pixels(page_image(renderer.page_svg(1), 600)) > MIN_INK


@pytest.mark.parametrize("content", ["not a score at all", "<score-partwise><part-list/></score-partwise"])
def test_a_file_verovio_cannot_lay_out_is_a_readable_error(renderer, tmp_path, content):
    path = tmp_path / "broken.musicxml"
    path.write_text(content)
    with pytest.raises(RenderError) as error:
        renderer.load(path)
    assert "broken.musicxml" in str(error.value) and "\n" not in str(error.value)


def test_a_missing_file_is_a_readable_error(renderer, tmp_path):
    with pytest.raises(RenderError, match="cannot be read"):
        renderer.load(tmp_path / "gone.mxl")


def test_a_renderer_made_on_another_thread_finds_verovios_fonts(score_folder):
    import threading

    import verovio  # noqa: F401  (imported here first, on the main thread)

    pages = []
    thread = threading.Thread(target=lambda: pages.append(ScoreRenderer().load(score_folder / "bwv1.6.mxl").pages))
    thread.start()
    thread.join()
    assert pages and pages[0] >= 1
