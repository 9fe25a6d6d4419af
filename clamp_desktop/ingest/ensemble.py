"""The ensemble a score is written for, from its parts.

Each part gets a role from what the file says of it, strongest first: lyrics
make it a voice; then its part and instrument names in the common languages
of printed music (Violine, Violon, Violoncello, Singstimme, Klavier ...), the
MusicXML instrument sound ("strings.viola") and the General MIDI program.
``ensemble_of`` then names the combination: "string quartet", "voice and
piano", "solo piano", "choir", "lead sheet" ...
"""

from __future__ import annotations

import re
from collections import Counter

from unidecode import unidecode

# Name words -> role, matched on whole words of the lower-cased, unaccented name.
# Order matters: "violoncello" before "violino", "contrabass" before "bass".
_NAME_ROLES = [
    ("piano", r"continuo|b ?c|figured bass"),
    ("cello", r"violoncell\w*|cello|celli|vc|vlc|vcl|vcello|violoncelle|chelo"),
    ("double bass", r"contrabass\w*|kontrabass|double ?bass|contrebasse|contrabbasso|cb|kb"),
    ("viola", r"violas?|viole|bratsche|vla|va|br"),
    ("violin", r"violin\w*|violon|violons|violine|violinen|geige|vl|vn|vln|vni|violino|violini"),
    ("piano", r"piano\w*|pianoforte|klavier|clavier|pf|pno|fortepiano|flugel|keyboard|cembalo|"
              r"harpsichord|clavecin|organ|orgel|orgue|organo|harmonium|celesta"),
    ("guitar", r"guitar\w*|gitarre|guitare|chitarra|lute|laute|luth|banjo|mandolin\w*|ukulele"),
    ("voice", r"voice|voices|voix|stimme|singstimme|gesang|canto|cantus|soprano|sopran|sopr|mezzo\w*|"
              r"contralto|alto|alt|tenor|tenore|ten|baritone|bariton|baritono|basso|bass|bajo|"
              r"vocals?|vox|chant|chor|choir|chorus|coro|choeur|superius|altus|bassus|quintus|sextus|"
              r"triplum|motetus|contratenor|tenorista|satb|ssa|ttbb"),
    ("wind", r"flute|flote|flauto|piccolo|oboe|hautbois|clarinet\w*|klarinette|bassoon|fagott\w*|"
             r"basson|recorder|blockflote|saxophone|sax"),
    ("brass", r"horn|cor|corno|trumpet|trompete|trompette|tromba|trombone|posaune|tuba|cornet"),
    ("percussion", r"timpani|pauken|drums?|percussion|schlagzeug|drumset|snare|cymbals?"),
    ("harp", r"harp|harfe|harpe|arpa"),
]
_SOUND_ROLES = {"strings.violin": "violin", "strings.viola": "viola", "strings.cello": "cello",
                "strings.contrabass": "double bass", "keyboard": "piano", "voice": "voice",
                "pluck.guitar": "guitar", "wind": "wind", "brass": "brass", "drum": "percussion",
                "metal": "percussion", "pluck.harp": "harp"}
_STRINGS = ("violin", "viola", "cello", "double bass")
_ROLE_PATTERNS = [(role, re.compile(rf"\b(?:{words})\b")) for role, words in _NAME_ROLES]


def _midi_role(program: int) -> str | None:
    """General MIDI program (1-based) -> role."""
    table = [(1, 8, "piano"), (17, 24, "piano"), (25, 32, "guitar"), (33, 40, "double bass"),
             (41, 41, "violin"), (42, 42, "viola"), (43, 43, "cello"), (44, 44, "double bass"),
             (45, 51, "strings"), (47, 47, "harp"), (53, 55, "voice"), (57, 64, "brass"),
             (65, 80, "wind"), (113, 120, "percussion")]
    for low, high, role in sorted(table, key=lambda t: t[1] - t[0]):
        if low <= program <= high:
            return role
    return None


def name_role(name: str) -> str | None:
    """The role a part or instrument name says: 'Violine I' -> 'violin', 'Singstimme' -> 'voice'."""
    text = unidecode(name or "").lower().replace(".", " ").replace("-", " ")
    text = re.sub(r"\d+|\b(?:i{1,3}|iv|v|vi{1,3})\b", " ", text)   # "Violin I", "Vln 2"
    if text.strip() in ("s", "a", "t", "b", "sa", "tb"):
        return "voice"     # S, A, T, B staves of a vocal score
    for role, pattern in _ROLE_PATTERNS:
        if pattern.search(text):
            return role
    return None


def _part_info(root) -> dict[str, dict]:
    parts = {}
    for score_part in root.iterfind("part-list/score-part"):
        names = [score_part.findtext("part-name") or "", score_part.findtext("part-abbreviation") or "",
                 *(i.findtext("instrument-name") or "" for i in score_part.iterfind("score-instrument"))]
        sound = score_part.findtext("score-instrument/instrument-sound") or ""
        program = score_part.findtext("midi-instrument/midi-program")
        parts[score_part.get("id")] = dict(names=names, sound=sound, program=program)
    return parts


SAMPLED_MEASURES = 48    # measures looked at, from each end of a part


def _staves(part) -> int:
    first = part.find("measure")
    try:
        return int((first.findtext("attributes/staves") if first is not None else None) or 1)
    except ValueError:
        return 1


def _sings(part) -> bool:
    """Whether the part has lyrics in its first or last measures (enough to tell a voice)."""
    measures = part.findall("measure")
    sample = measures if len(measures) <= 2 * SAMPLED_MEASURES else \
        measures[:SAMPLED_MEASURES] + measures[-SAMPLED_MEASURES:]
    return any(m.find("note/lyric") is not None for m in sample)


def part_roles(root) -> list[tuple[str | None, int]]:
    """(role, staves) of each part, in score order."""
    info = _part_info(root)
    roles, named_alto = [], []
    for part in root.iterfind("part"):
        meta = info.get(part.get("id"), {"names": [], "sound": "", "program": None})
        lyricless = not _sings(part)
        role = None if lyricless else "voice"
        role = role or next((r for n in meta["names"] if (r := name_role(n))), None)
        if role is None and meta["sound"]:
            role = next((r for prefix, r in _SOUND_ROLES.items() if meta["sound"].startswith(prefix)), None)
        if role is None and (meta["program"] or "").strip().isdigit():
            role = _midi_role(int(meta["program"]))
        roles.append((role, _staves(part)))
        named_alto.append(role == "voice" and lyricless and any(_is_alto(n) for n in meta["names"]))
    if any(role in _STRINGS for role, _ in roles):
        # French "Alto" is the viola: among strings, a part so named that sings no words is one
        roles = [("viola", staves) if alto else (role, staves) for (role, staves), alto in zip(roles, named_alto)]
    return roles


def _is_alto(name: str) -> bool:
    return unidecode(name or "").lower().strip(" .0123456789") in ("alto", "alt", "a")


def _strings_name(strings: Counter) -> str | None:
    violins, violas, cellos, basses = (strings[r] for r in _STRINGS)
    total = sum(strings.values())
    if (violins, violas, cellos) == (2, 1, 1) and total == 4:
        return "string quartet"
    if violins == 1 and violas == 1 and cellos == 1 and total == 3:
        return "string trio"
    if total == 5 and violins == 2 and violas + cellos == 3:
        return "string quintet"
    if total == 6 and violins == 2:
        return "string sextet"
    if total == 2 and violins == 2:
        return "violin duo"
    return None


def ensemble_of(roles: list[tuple[str | None, int]], has_chords: bool = False) -> str | None:
    """The ensemble of a score's part roles (see ``part_roles``); None when nothing is known."""
    if not roles or all(role is None for role, _ in roles) and len(roles) > 1:
        return None
    count = Counter(role for role, _ in roles)
    voices, keyboards = count["voice"], count["piano"]
    strings = Counter({r: count[r] for r in _STRINGS if count[r]})
    n_strings = sum(strings.values())
    others = len(roles) - voices - keyboards - n_strings
    if has_chords and ((len(roles) == 1 and roles[0][1] == 1) or (len(roles) <= 2 and not keyboards + n_strings)):
        return "lead sheet"     # a melody (often MuseScore's default "Piano" part) with chord symbols
    if len(roles) >= 8 and n_strings >= 3 and (count["wind"] or count["brass"]):
        return "choir and orchestra" if voices >= 3 else "voice and orchestra" if voices else "orchestra"
    if voices:
        if keyboards and n_strings + others == 0:
            return "voice and piano" if voices == 1 else "choir and piano" if voices >= 3 else "vocal duet and piano"
        if n_strings + others + keyboards == 0:
            return "solo voice" if voices == 1 else "vocal duet" if voices == 2 else "choir"
        if voices == 1 and count["guitar"] and len(roles) == 2:
            return "voice and guitar"
        return "voice and ensemble" if voices <= 2 else "choir and ensemble"
    if keyboards and n_strings + others == 0:
        if keyboards == 1:
            return "solo piano"
        return "piano four hands" if keyboards == 2 and all(s == 1 for r, s in roles) else "two pianos"
    if n_strings and others == 0:
        if keyboards == 0:
            return _strings_name(strings) or ("string orchestra" if n_strings >= 6 else "string ensemble")
        if keyboards == 1:
            if n_strings == 1:
                return f"{next(iter(strings))} and piano"
            if n_strings == 2 and strings["violin"] == 1 and strings["cello"] == 1:
                return "piano trio"
            if n_strings == 3:
                return "piano quartet"
            if n_strings == 4:
                return "piano quintet"
    if len(roles) == 1:
        role, staves = roles[0]
        if role in ("guitar", "harp"):
            return f"solo {role}"
        if role and staves == 1:
            return f"solo {role}"
        return "melody" if staves == 1 and role is None else None
    if keyboards == 1 and len(roles) == 2:
        other = next(r for r, _ in roles if r != "piano")
        return f"{other} and piano" if other else None
    return "chamber ensemble" if len(roles) <= 9 else "large ensemble"
