"""Hand-made MusicXML for the metadata and fact rules: each case says one thing, nothing more."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

# D minor: a line that dwells on D, F and A, leads through C# and ends on D.
D_MINOR = [("D", 0, 4), ("F", 0, 4), ("A", 0, 4), ("D", 0, 5), ("C", 1, 5), ("D", 0, 5), ("A", 0, 4),
           ("F", 0, 4), ("E", 0, 4), ("G", 0, 4), ("F", 0, 4), ("E", 0, 4), ("C", 1, 4), ("E", 0, 4),
           ("D", 0, 4), ("D", 0, 4)]
F_MAJOR = [("F", 0, 4), ("A", 0, 4), ("C", 0, 5), ("F", 0, 5), ("E", 0, 5), ("C", 0, 5), ("A", 0, 4),
           ("B", -1, 4), ("G", 0, 4), ("E", 0, 4), ("C", 0, 4), ("G", 0, 4), ("A", 0, 4), ("G", 0, 4),
           ("F", 0, 4), ("F", 0, 4)]


def _note(step: str, alter: int, octave: int, lyric: tuple[str, str] | None = None, verse: int = 1) -> str:
    alter_xml = f"<alter>{alter}</alter>" if alter else ""
    lyric_xml = (f'<lyric number="{verse}"><syllabic>{lyric[1]}</syllabic><text>{escape(lyric[0])}</text></lyric>'
                 if lyric else "")
    return (f"<note><pitch><step>{step}</step>{alter_xml}<octave>{octave}</octave></pitch>"
            f"<duration>1</duration><voice>1</voice><type>quarter</type>{lyric_xml}</note>")


def _syllables(text: str) -> list[tuple[str, str]]:
    """'Das Wan-dern ist' -> [('Das', 'single'), ('Wan', 'begin'), ('dern', 'end'), ('ist', 'single')]."""
    found = []
    for word in text.split():
        parts = word.split("-")
        if len(parts) == 1:
            found.append((word, "single"))
        else:
            found += [(p, "begin" if i == 0 else "end" if i == len(parts) - 1 else "middle")
                      for i, p in enumerate(parts)]
    return found


def score(*, title: str | None = None, work: str | None = None, movement: str | None = None,
          composer: str | None = None, fifths: int = 0, mode: str | None = None,
          parts: list[dict] | None = None, notes=F_MAJOR, lyrics: str | None = None, chords: bool = False,
          tempo_words: str | None = None, credit_title: str | None = None, verse: int = 1) -> bytes:
    """A partwise score; ``parts`` are dicts of name, program (MIDI, 1-based), staves."""
    parts = parts or [{"name": "Piano", "program": 1}]
    head = ""
    if work:
        head += f"<work><work-title>{escape(work)}</work-title></work>"
    if movement or title:
        head += f"<movement-title>{escape(movement or title)}</movement-title>"
    if composer:
        head += f'<identification><creator type="composer">{escape(composer)}</creator></identification>'
    if credit_title:
        head += (f'<credit page="1"><credit-type>title</credit-type>'
                 f'<credit-words>{escape(credit_title)}</credit-words></credit>')
    part_list = "".join(
        f'<score-part id="P{i}"><part-name>{escape(p.get("name", ""))}</part-name>'
        + (f'<midi-instrument id="P{i}-I1"><midi-program>{p["program"]}</midi-program></midi-instrument>'
           if p.get("program") else "") + "</score-part>"
        for i, p in enumerate(parts, 1))
    syllables = _syllables(lyrics) if lyrics else []
    body = ""
    for i, part in enumerate(parts, 1):
        measures = []
        for m in range(0, len(notes), 4):
            attributes = ""
            if m == 0:
                mode_xml = f"<mode>{mode}</mode>" if mode else ""
                staves = f"<staves>{part['staves']}</staves>" if part.get("staves") else ""
                attributes = (f"<attributes><divisions>1</divisions><key><fifths>{fifths}</fifths>{mode_xml}</key>"
                              f"<time><beats>4</beats><beat-type>4</beat-type></time>{staves}</attributes>")
                if tempo_words and i == 1:
                    attributes += (f'<direction placement="above"><direction-type><words>{escape(tempo_words)}'
                                   "</words></direction-type></direction>")
            harmony = ("<harmony><root><root-step>F</root-step></root><kind>major</kind></harmony>"
                       if chords and i == 1 else "")
            sung = part.get("sings", False)
            group = "".join(_note(*n, lyric=syllables[m + k] if sung and m + k < len(syllables) else None, verse=verse)
                            for k, n in enumerate(notes[m:m + 4]))
            measures.append(f'<measure number="{m // 4 + 1}">{attributes}{harmony}{group}</measure>')
        body += f'<part id="P{i}">{"".join(measures)}</part>'
    xml = (f'<?xml version="1.0" encoding="UTF-8"?><score-partwise version="3.1">{head}'
           f"<part-list>{part_list}</part-list>{body}</score-partwise>")
    return xml.encode("utf-8")


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
