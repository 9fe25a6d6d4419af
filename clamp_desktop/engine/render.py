"""Scores -> page SVGs with Verovio, in a form Qt's SVG renderer can draw.

Verovio writes each page as an outer ``<svg>`` holding a nested
``<svg viewBox>`` (the page in its own units), and texts as ``<tspan>``s
nested in ``<tspan>``s.  Qt's renderer only supports SVG Tiny 1.2: it skips
nested ``<svg>`` elements (the page comes out blank) and drops nested
``<tspan>``s.  :func:`flatten_svg` rewrites both into what Tiny allows
(``<g transform>`` and one level of ``<tspan>``), so any SVG Tiny renderer
draws the notes.  No Qt here: the UI rasterises the flattened SVG.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ..errors import ClampDesktopError, RenderError

SVG_NS = "http://www.w3.org/2000/svg"
_SVG = f"{{{SVG_NS}}}"
# SMuFL glyphs in texts (e.g. the note of a tempo mark) live in the Private Use
# Area and need Verovio's music font, which a plain SVG renderer lacks.
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_TEXT_STYLE = ("font-size", "font-style", "font-weight", "font-family", "fill", "text-decoration")
_PAGE_OPTIONS = {
    "pageWidth": 2100, "pageHeight": 2970, "scale": 40, "pageMarginLeft": 80, "pageMarginRight": 80,
    "pageMarginTop": 60, "pageMarginBottom": 60, "footer": "none", "header": "auto",
    "breaks": "auto", "svgViewBox": False, "adjustPageHeight": False,
    "xmlIdChecksum": True,      # the same ids on every load, so a timemap matches any later page
}
VEROVIO_SUFFIXES = (".mxl", ".musicxml", ".xml", ".abc", ".krn", ".mei", ".mid", ".midi")
# Files shown through a conversion to notation (the viewer says so).
CONVERTED_SUFFIXES = {".mid": "MIDI", ".midi": "MIDI"}


def conversion_label(path: str | Path) -> str:
    """"" for a score shown as written; else what the view was converted from."""
    source = CONVERTED_SUFFIXES.get(Path(path).suffix.lower())
    return f"converted from {source} by music21" if source else ""


@dataclass(frozen=True)
class ViewOptions:
    """How a piece is shown: transposed (a Verovio interval such as "M2" or "-m3") and/or one part only
    (1-based, MusicXML; 0 shows every part)."""

    transpose: str = ""
    part: int = 0


TRANSPOSITIONS = {0: "", 1: "m2", 2: "M2", 3: "m3", 4: "M3", 5: "P4", 6: "A4", 7: "P5", 8: "m6", 9: "M6",
                  10: "m7", 11: "M7", 12: "P8"}


def interval_for(semitones: int) -> str:
    """Verovio's transpose value for a shift in semitones (-12..12), '' for none."""
    name = TRANSPOSITIONS[abs(semitones)]
    return f"-{name}" if semitones < 0 and name else name


def one_part(musicxml: str, part: int) -> str:
    """A partwise MusicXML score reduced to its ``part``-th part (1-based)."""
    parser = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True)
    root = etree.fromstring(musicxml.encode("utf-8"), parser)
    parts = root.findall("part")
    if not 1 <= part <= len(parts):
        raise RenderError(f"The score has {len(parts)} parts; there is no part {part}.")
    keep = parts[part - 1].get("id")
    for element in parts:
        if element.get("id") != keep:
            root.remove(element)
    part_list = root.find("part-list")
    for entry in part_list.findall("score-part") if part_list is not None else []:
        if entry.get("id") != keep:
            part_list.remove(entry)
    for group in part_list.findall("part-group") if part_list is not None else []:
        part_list.remove(group)
    return etree.tostring(root, encoding="unicode")


def part_names(musicxml: str) -> list[str]:
    """The names of a partwise MusicXML score's parts, in order."""
    parser = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True)
    root = etree.fromstring(musicxml.encode("utf-8"), parser)
    names = {entry.get("id"): (entry.findtext("part-name") or "").strip() for entry in root.iter("score-part")}
    return [names.get(p.get("id")) or f"Part {n}" for n, p in enumerate(root.findall("part"), 1)]


@dataclass(frozen=True)
class RenderedScore:
    """A laid-out score: its page count and where it came from."""

    path: str
    tune: int
    pages: int
    parts: tuple = ()        # part names (MusicXML), for choosing one


def _number(value: str | None, default: float) -> float:
    if not value:
        return default
    match = re.match(r"\s*(-?[\d.]+)", value)
    return float(match.group(1)) if match else default


def _flatten_nested_svgs(element, width: float, height: float) -> None:
    """Turn every nested <svg viewBox> into a <g transform> that maps the viewBox onto its viewport."""
    for child in list(element):
        if child.tag != _SVG + "svg":
            _flatten_nested_svgs(child, width, height)
            continue
        own_w = _number(child.get("width"), width)
        own_h = _number(child.get("height"), height)
        x, y = _number(child.get("x"), 0.0), _number(child.get("y"), 0.0)
        box = [float(v) for v in re.split(r"[\s,]+", child.get("viewBox", "").strip()) if v]
        transform = f"translate({x:g},{y:g})"
        if len(box) == 4 and box[2] > 0 and box[3] > 0:
            scale = min(own_w / box[2], own_h / box[3])  # preserveAspectRatio xMidYMid meet
            dx = x + (own_w - box[2] * scale) / 2 - box[0] * scale
            dy = y + (own_h - box[3] * scale) / 2 - box[1] * scale
            transform = f"translate({dx:g},{dy:g}) scale({scale:g})"
        group = etree.Element(_SVG + "g")
        for name, value in child.attrib.items():
            if name not in ("viewBox", "width", "height", "x", "y", "overflow", "preserveAspectRatio"):
                group.set(name, value)
        group.set("transform", transform)
        group.extend(list(child))
        group.tail = child.tail
        element.replace(child, group)
        _flatten_nested_svgs(group, own_w, own_h)


def _text_runs(element, style: dict, runs: list) -> None:
    """(text, style, starts_line, x, y) for every piece of text, styles inherited down the tspans."""
    style = dict(style, **{k: element.get(k) for k in _TEXT_STYLE if element.get(k) is not None})
    positioned = element.get("x") is not None or element.get("y") is not None
    if element.text and element.text.strip():
        runs.append([element.text.strip(), style, positioned, element.get("x"), element.get("y")])
        positioned = False
    for child in element:
        if child.tag == _SVG + "tspan":
            before = len(runs)
            _text_runs(child, style, runs)
            if positioned and len(runs) > before:
                run = runs[before]
                run[2], run[3], run[4] = True, run[3] or element.get("x"), run[4] or element.get("y")
                positioned = False
        if child.tail and child.tail.strip():
            runs.append([child.tail.strip(), style, False, None, None])


def _flatten_text(text) -> None:
    """One <text> with nested <tspan>s -> <text>s with one level of styled <tspan>s."""
    runs: list = []
    _text_runs(text, {}, runs)
    anchor = text.get("text-anchor")
    x, y = text.get("x", "0"), text.get("y", "0")
    lines: list[list] = []
    for content, style, starts_line, run_x, run_y in runs:
        content = _PRIVATE_USE.sub("", content)
        if not content.strip():
            continue
        if starts_line or not lines:
            x, y = run_x or x, run_y or y
            lines.append([x, y, []])
        lines[-1][2].append((content, style))
    replacement = etree.Element(_SVG + "g")
    for line_x, line_y, spans in lines:
        line = etree.SubElement(replacement, _SVG + "text", x=line_x, y=line_y)
        if anchor:
            line.set("text-anchor", anchor)
        line.set("font-size", spans[0][1].get("font-size") or text.get("font-size") or "12px")
        for content, style in spans:
            span = etree.SubElement(line, _SVG + "tspan")
            for key, value in style.items():
                if value and value != "0px":
                    span.set(key, value)
            span.text = content
    for name in ("font-style", "font-weight", "class", "id"):
        if text.get(name):
            replacement.set(name, text.get(name))
    replacement.tail = text.tail
    text.getparent().replace(text, replacement)


def flatten_svg(svg: str) -> str:
    """Verovio's page SVG rewritten to SVG Tiny 1.2 structure (see the module docstring)."""
    parser = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True, remove_blank_text=True)
    root = etree.fromstring(svg.encode("utf-8"), parser)
    width, height = _number(root.get("width"), 2100), _number(root.get("height"), 2970)
    if root.get("viewBox") is None:
        root.set("viewBox", f"0 0 {width:g} {height:g}")
    _flatten_nested_svgs(root, width, height)
    for text in list(root.iter(_SVG + "text")):
        _flatten_text(text)
    for note in root.iter(_SVG + "g"):
        # The notehead gets an id of its own, so that a highlight can mark the head (a note's
        # group also holds its stem, accidental and lyric syllable).
        if note.get("class") == "note" and note.get("id"):
            head = next((g for g in note if g.get("class") == "notehead"), None)
            if head is not None and head.get("id") is None:
                head.set("id", note.get("id") + "-head")
    for element in root.iter(_SVG + "*"):
        # Tiny takes one family name; "Times, serif" as a whole matches no font.
        family = element.get("font-family")
        if family and "," in family:
            element.set("font-family", family.split(",")[0].strip().strip("'\""))
    return etree.tostring(root, encoding="unicode")


def page_size(svg: str) -> tuple[float, float]:
    """(width, height) of a page SVG in its own pixels."""
    head = svg[: svg.find(">") + 1]
    width = re.search(r'\swidth="([^"]+)"', head)
    height = re.search(r'\sheight="([^"]+)"', head)
    return _number(width and width.group(1), 2100), _number(height and height.group(1), 2970)


def _score_data(path: Path, tune: int) -> tuple[str, str | None]:
    """(what Verovio loads, input format option or None) for one piece of a file."""
    from ..ingest.formats import read_text, split_abc_tunes
    from ..ingest.musicxml import MUSICXML_SUFFIXES, read_musicxml_bytes

    suffix = path.suffix.lower()
    if suffix in MUSICXML_SUFFIXES:
        return read_musicxml_bytes(path).decode("utf-8"), "musicxml"
    if suffix == ".abc":
        tunes = split_abc_tunes(read_text(path))
        if not 0 <= tune < len(tunes):
            raise RenderError(f"{path.name} has no tune number {tune + 1}.")
        return tunes[tune].text, "abc"
    if suffix in (".krn", ".mei"):
        return read_text(path), "humdrum" if suffix == ".krn" else "mei"
    if suffix in CONVERTED_SUFFIXES:
        from ..ingest.midi import midi_to_musicxml_bytes
        return midi_to_musicxml_bytes(path).decode("utf-8"), "musicxml"
    raise RenderError(f"Scores of type {suffix or '(none)'} cannot be shown.")


def new_toolkit():
    """A Verovio toolkit that works on any thread.

    Verovio's default resource path (its music fonts) is per thread and set
    only on the thread that imported it, so a toolkit made elsewhere names it.
    """
    from importlib.resources import files

    import verovio

    verovio.enableLog(verovio.LOG_OFF)
    toolkit = verovio.toolkit(False)
    toolkit.setResourcePath(str(files("verovio") / "data"))
    return toolkit


class ScoreRenderer:
    """One Verovio toolkit: loads a piece, hands out flattened page SVGs, caches them.

    Not thread-safe: one renderer belongs to one thread (the worker's render lane).
    """

    def __init__(self, cache_pages: int = 64, options: dict | None = None):
        self._toolkit = new_toolkit()
        self._options = dict(_PAGE_OPTIONS, **(options or {}))
        self._toolkit.setOptions(self._options)
        self._loaded: tuple | None = None   # (path, tune, mtime_ns, ViewOptions)
        self._pages = 0
        self._parts: tuple = ()
        self._cache: OrderedDict = OrderedDict()
        self._cache_pages = cache_pages

    def load(self, path: str | Path, tune: int = 0, view: ViewOptions = ViewOptions()) -> RenderedScore:
        """Lay out one piece as ``view`` says (no-op when it is already loaded so and unchanged)."""
        path = Path(path)
        try:
            key = (str(path), tune, path.stat().st_mtime_ns, view)
        except OSError as exc:
            raise RenderError(f"The score {path.name} cannot be read: {exc.strerror or exc}.") from exc
        if key == self._loaded:
            return RenderedScore(str(path), tune, self._pages, self._parts)
        try:
            data, fmt = _score_data(path, tune)
            self._parts = tuple(part_names(data)) if fmt == "musicxml" else ()
            if view.part and fmt == "musicxml":
                data = one_part(data, view.part)
        except (ClampDesktopError, etree.XMLSyntaxError) as exc:
            raise RenderError(f"{path.name} cannot be shown: {exc}") from exc
        self._loaded = None
        self._toolkit.setOptions({"inputFrom": fmt or "auto", "transpose": view.transpose})
        if not self._toolkit.loadData(data) or self._toolkit.getPageCount() < 1:
            raise RenderError(f"Verovio cannot lay out {path.name}; the file may be damaged or unusual.")
        self._loaded, self._pages = key, self._toolkit.getPageCount()
        if 'class="measure' not in self.page_svg(1):
            self._loaded = None
            raise RenderError(f"{path.name} holds no music that Verovio can show.")
        return RenderedScore(str(path), tune, self._pages, self._parts)

    @property
    def page_count(self) -> int:
        return self._pages if self._loaded else 0

    def page_svg(self, page: int) -> str:
        """Page ``page`` (1-based) of the loaded piece, flattened for SVG Tiny renderers."""
        if not self._loaded:
            raise RenderError("No score is loaded.")
        if not 1 <= page <= self._pages:
            raise RenderError(f"The score has {self._pages} pages; there is no page {page}.")
        key = (*self._loaded, page)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        svg = flatten_svg(self._toolkit.renderToSVG(page))
        self._cache[key] = svg
        if len(self._cache) > self._cache_pages:
            self._cache.popitem(last=False)
        return svg

    def midi(self) -> bytes:
        """The loaded piece as a Standard MIDI File (Verovio's rendering, one track per part)."""
        import base64

        if not self._loaded:
            raise RenderError("No score is loaded.")
        return base64.b64decode(self._toolkit.renderToMIDI())

    def timemap(self) -> list[dict]:
        """Verovio's timemap: {tstamp ms, on/off note ids, measureOn} plus the page of each entry."""
        if not self._loaded:
            raise RenderError("No score is loaded.")
        entries = self._toolkit.renderToTimemap({"includeMeasures": True, "includeRests": False})
        # Each entry's page is its bar's page.  Verovio's getPageWithElement searches from the
        # start every time (14 s for a 20-page quartet); reading the bar ids off each page is ~1 s.
        bar_page = {}
        for page in range(1, self._pages + 1):
            for bar in re.findall(r'<g id="([^"]+)" class="measure"', self._toolkit.renderToSVG(page)):
                bar_page.setdefault(bar, page)
        page = 1
        for entry in entries:
            page = bar_page.get(entry.get("measureOn"), page)
            entry["page"] = page
        return entries


def recolor_svg(svg: str, ink: str, paper: str) -> str:
    """The page drawn in ``ink`` on ``paper``, by changing the SVG's own colours (dark mode).

    Verovio draws in ``currentColor`` (the root's ``color``) and in the SVG default
    fill, black; both are set on the root, and a page-sized ``paper`` rectangle goes
    under everything, so notes, lines and texts all change and nothing is inverted.
    """
    parser = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True)
    root = etree.fromstring(svg.encode("utf-8"), parser)
    root.set("color", ink)
    root.set("fill", ink)
    for element in root.iter(_SVG + "*"):
        for name in ("fill", "stroke", "color"):
            if element is not root and element.get(name) in ("black", "#000", "#000000"):
                element.set(name, ink)
    box = root.get("viewBox", "0 0 2100 2970").split()
    paper_rect = etree.Element(_SVG + "rect", x=box[0], y=box[1], width=box[2], height=box[3], fill=paper)
    defs = root.find(_SVG + "defs")
    root.insert(0 if defs is None else list(root).index(defs) + 1, paper_rect)
    return etree.tostring(root, encoding="unicode")
