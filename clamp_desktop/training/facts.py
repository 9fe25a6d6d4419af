"""Facts about a piece, read cheaply from its converted ABC, its metadata and its collection.

No music21 parse: the key and mode come from the ``K:`` line, the meter from
``M:``, the tempo from ``Q:`` (or the tempo words of an ABC ``N:`` line), the
number of voices from ``V:`` lines, the range from the note letters of the
body.  Collection-level facts (composer, era, genre, origin) come from a table
of music21's corpus folders; tune-level ones from the ABC ``R:`` and ``O:``
fields.  The result is a flat dict of plain strings and numbers, which is
what ``training.descriptions`` phrases and the evaluation judges relevance by.
"""

from __future__ import annotations

import re
from fractions import Fraction

# corpus folder -> collection facts.  "label" is the short name used for
# zero-shot classification and by the evaluation.
COLLECTIONS: dict[str, dict] = {
    "airdsAirs": dict(label="Aird's Airs", collection="Aird's Selection of Scotch, English, Irish and Foreign Airs",
                      era="traditional", origin="Scottish", genre="air", ensemble="melody"),
    "bach": dict(label="Bach", composer="Johann Sebastian Bach", era="Baroque", genre="chorale",
                 origin="German"),
    "beach": dict(label="Amy Beach", composer="Amy Beach", era="Romantic", genre="song", origin="American"),
    "beethoven": dict(label="Beethoven", composer="Ludwig van Beethoven", era="Classical",
                      genre="string quartet", origin="German"),
    "chopin": dict(label="Chopin", composer="Frederic Chopin", era="Romantic", genre="mazurka",
                   origin="Polish"),
    "ciconia": dict(label="Ciconia", composer="Johannes Ciconia", era="Medieval", origin="Italian"),
    "corelli": dict(label="Corelli", composer="Arcangelo Corelli", era="Baroque", genre="trio sonata",
                    origin="Italian"),
    "cpebach": dict(label="C. P. E. Bach", composer="Carl Philipp Emanuel Bach", era="Classical",
                    origin="German"),
    "essenFolksong": dict(label="Essen folk songs", collection="the Essen folk song collection",
                          era="traditional", genre="folk song", ensemble="melody"),
    "handel": dict(label="Handel", composer="George Frideric Handel", era="Baroque", genre="aria",
                   origin="German"),
    "haydn": dict(label="Haydn", composer="Joseph Haydn", era="Classical", genre="string quartet",
                  origin="Austrian"),
    "johnson_j_r": dict(label="J. Rosamond Johnson", composer="J. Rosamond Johnson", era="20th-century",
                        genre="song", origin="American"),
    "joplin": dict(label="Joplin", composer="Scott Joplin", era="20th-century", genre="ragtime",
                   origin="American"),
    "josquin": dict(label="Josquin", composer="Josquin des Prez", era="Renaissance", genre="chanson",
                    origin="Franco-Flemish"),
    "leadSheet": dict(label="lead sheets", era="20th-century", genre="song", origin="American"),
    "liliuokalani": dict(label="Liliuokalani", composer="Queen Liliuokalani", era="Romantic", genre="song",
                         origin="Hawaiian"),
    "luca": dict(label="Trecento", era="Medieval", genre="mass movement", origin="Italian"),
    "lusitano": dict(label="Lusitano", composer="Vicente Lusitano", era="Renaissance", genre="madrigal",
                     origin="Portuguese"),
    "miscFolk": dict(label="fife and minstrelsy tunes", collection="folk tune books",
                     era="traditional", ensemble="melody"),
    "monteverdi": dict(label="Monteverdi", composer="Claudio Monteverdi", era="Renaissance",
                       genre="madrigal", origin="Italian"),
    "mozart": dict(label="Mozart", composer="Wolfgang Amadeus Mozart", era="Classical",
                   genre="string quartet", origin="Austrian"),
    "nottingham-dataset": dict(label="Nottingham folk tunes", collection="the Nottingham folk music database",
                               era="traditional", origin="English", ensemble="melody"),
    "oneills1850": dict(label="O'Neill's Irish tunes", collection="O'Neill's Music of Ireland",
                        era="traditional", origin="Irish", ensemble="melody"),
    "palestrina": dict(label="Palestrina", composer="Giovanni Pierluigi da Palestrina", era="Renaissance",
                       genre="mass movement", origin="Italian"),
    "ryansMammoth": dict(label="Ryan's Mammoth fiddle tunes", collection="Ryan's Mammoth Collection",
                         era="traditional", origin="American", ensemble="melody"),
    "schoenberg": dict(label="Schoenberg", composer="Arnold Schoenberg", era="20th-century",
                       genre="piano piece", origin="Austrian"),
    "schubert": dict(label="Schubert", composer="Franz Schubert", era="Romantic", genre="song",
                     origin="Austrian"),
    "schumann_clara": dict(label="Clara Schumann", composer="Clara Schumann", era="Romantic",
                           origin="German"),
    "schumann_robert": dict(label="Robert Schumann", composer="Robert Schumann", era="Romantic",
                            genre="song", origin="German"),
    "trecento": dict(label="Trecento", collection="Italian Trecento music", era="Medieval",
                     origin="Italian"),
    "verdi": dict(label="Verdi", composer="Giuseppe Verdi", era="Romantic", genre="opera",
                  origin="Italian"),
    "weber": dict(label="Weber", composer="Carl Maria von Weber", era="Romantic", origin="German"),
    "webern": dict(label="Webern", composer="Anton Webern", era="20th-century", origin="Austrian"),
}

# ABC R: values (lower case, spaces removed) -> tune type.
_TUNE_TYPES = {
    "reel": "reel", "jig": "jig", "doublejig": "jig", "singlejig": "jig", "slipjig": "slip jig",
    "hornpipe": "hornpipe", "strathspey": "strathspey", "clog": "clog dance", "highlandfling": "fling",
    "fling": "fling", "air": "air", "slowair": "air", "waltz": "waltz", "march": "march",
    "polka": "polka", "slide": "slide", "mazurka": "mazurka", "schottische": "schottische",
    "quickstep": "march", "walkaround": "walkaround", "set dance": "set dance", "setdance": "set dance",
    "gavotte": "gavotte", "minuet": "minuet", "country dance": "country dance",
}
# Essen genre words (German) -> English.
_ESSEN_GENRES = [
    ("ballade", "ballad"), ("romanze", "ballad"), ("kinderlied", "children's song"),
    ("wiegenlied", "lullaby"), ("tanz", "dance song"), ("liebeslied", "love song"),
    ("soldaten", "soldiers' song"), ("geistlich", "sacred song"), ("weihnacht", "Christmas song"),
    ("trinklied", "drinking song"), ("arbeitslied", "work song"), ("wuge", "dance song"),
    ("shan'ge", "mountain song"), ("haozi", "work song"), ("xiaodiao", "ditty"),
]
_ORIGINS = [
    ("irland", "Irish"), ("deutschland", "German"), ("luxemburg", "Luxembourgish"),
    ("lothringen", "Lorrainian"), ("oesterreich", "Austrian"), ("schweiz", "Swiss"),
    ("niederlande", "Dutch"), ("ungarn", "Hungarian"), ("jugoslawien", "Yugoslav"),
    ("polen", "Polish"), ("frankreich", "French"), ("china", "Chinese"), ("asien", "Chinese"),
    ("daenemark", "Danish"), ("schweden", "Swedish"), ("russland", "Russian"),
    ("rumaenien", "Romanian"), ("tschechien", "Czech"), ("boehmen", "Bohemian"), ("italien", "Italian"),
]
_SLOW_WORDS = ("slow", "adagio", "largo", "lento", "grave", "larghetto", "tenderly", "plaintive")
_FAST_WORDS = ("lively", "fast", "quick", "allegro", "presto", "vivace", "brisk", "spirited", "rapid")
_MODE_NAMES = {
    "": "major", "maj": "major", "major": "major", "ion": "major", "ionian": "major",
    "m": "minor", "min": "minor", "minor": "minor", "aeo": "minor", "aeolian": "minor",
    "dor": "dorian", "dorian": "dorian", "mix": "mixolydian", "mixolydian": "mixolydian",
    "phr": "phrygian", "phrygian": "phrygian", "lyd": "lydian", "lydian": "lydian",
    "loc": "locrian", "locrian": "locrian",
}
_STEP = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_NOTE = re.compile(r"(?<![A-Za-z\"!])([_^=]*)([A-Ga-g])([,']*)")
_MASS_PARTS = ("kyrie", "gloria", "credo", "sanctus", "benedictus", "agnus")


def header_fields(abc: str) -> dict[str, list[str]]:
    """Every ``X:value`` line of the converted ABC, by letter, in order (voice lines too)."""
    fields: dict[str, list[str]] = {}
    for line in abc.splitlines():
        if len(line) > 1 and line[1] == ":" and line[0].isalpha():
            fields.setdefault(line[0], []).append(line[2:].strip())
    return fields


def parse_key(value: str | None) -> tuple[str | None, str | None]:
    """'Gmin' -> ('G', 'minor'); 'F#dor' -> ('F#', 'dorian'); 'none'/'' -> (None, None)."""
    if not value:
        return None, None
    match = re.match(r"\s*([A-Ga-g])([#b]?)\s*([A-Za-z]*)", value)
    if not match:
        return None, None
    tonic = match.group(1).upper() + match.group(2)
    mode_word = match.group(3).lower()
    if mode_word in ("none", "hp", "perc", "clef"):
        return None, None
    mode = _MODE_NAMES.get(mode_word) or _MODE_NAMES.get(mode_word[:3])
    return tonic, mode or "major"


_SHARPS, _FLATS = "FCGDAEB", "BEADGCF"
_MAJOR_FIFTHS = {"C": 0, "G": 1, "D": 2, "A": 3, "E": 4, "B": 5, "F#": 6, "C#": 7,
                 "F": -1, "Bb": -2, "Eb": -3, "Ab": -4, "Db": -5, "Gb": -6, "Cb": -7}
_PC = {"C": 0, "C#": 1, "Db": 1, "D": 2, "D#": 3, "Eb": 3, "E": 4, "F": 5, "F#": 6, "Gb": 6, "G": 7,
       "G#": 8, "Ab": 8, "A": 9, "A#": 10, "Bb": 10, "B": 11, "Cb": 11}
_PC_NAMES = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
_MODE_BY_INTERVAL = {0: "major", 9: "minor", 2: "dorian", 7: "mixolydian", 4: "phrygian", 5: "lydian"}


def final_note_class(abc: str, fifths: int, wanted: str = "1") -> int | None:
    """Pitch class of the last note of voice ``wanted`` (the first), with the key signature applied."""
    body, voice = [], None
    for line in abc.splitlines():
        if line.startswith("V:"):
            voice = line[2:].split()[0] if line[2:].split() else None
            continue
        if len(line) > 1 and line[1] == ":" and line[0].isalpha():
            continue
        if voice in (None, wanted):
            body.append(line)
    text = re.sub(r'"[^"]*"|![^!]*!|\[[A-Za-z]:[^\]]*\]', "", " ".join(body))
    notes = _NOTE.findall(text)
    if not notes:
        return None
    accidental, letter, _ = notes[-1]
    pc = _STEP[letter.upper()]
    if accidental:
        pc += accidental.count("^") - accidental.count("_")
    elif fifths > 0 and letter.upper() in _SHARPS[:fifths]:
        pc += 1
    elif fifths < 0 and letter.upper() in _FLATS[:-fifths]:
        pc -= 1
    return pc % 12


def parse_meter(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().split()[0] if value.strip() else ""
    if value == "C":
        return "4/4"
    if value == "C|":
        return "2/2"
    return value if re.fullmatch(r"\d+(\+\d+)*/\d+", value) else None


def meter_kind(meter: str | None) -> str | None:
    if not meter:
        return None
    top = sum(int(n) for n in meter.split("/")[0].split("+"))
    bottom = int(meter.split("/")[1])
    if bottom >= 8 and top in (6, 9, 12):
        return "compound"
    if top in (3, 9):
        return "triple"
    if top in (2, 4, 8):
        return "duple"
    return "irregular"


def quarter_bpm(value: str | None) -> float | None:
    """'1/4=76' or '3/8=60' or '120' -> quarter notes per minute."""
    if not value:
        return None
    match = re.search(r"(\d+)/(\d+)\s*=\s*(\d+(?:\.\d+)?)", value)
    if match:
        beat = Fraction(int(match.group(1)), int(match.group(2)))
        return float(match.group(3)) * float(beat) * 4
    match = re.search(r"(?<![/\d])(\d+(?:\.\d+)?)\s*$", value)
    return float(match.group(1)) if match else None


def tempo_class(bpm: float | None, words: str = "", meter: str | None = None) -> str | None:
    words = words.lower()
    if any(w in words for w in _SLOW_WORDS):
        return "slow"
    if any(w in words for w in _FAST_WORDS):
        return "fast"
    if bpm is None:
        return None
    if meter_kind(meter) == "compound":
        bpm = bpm / 1.5  # a dotted-quarter beat
    if bpm <= 72:
        return "slow"
    if bpm >= 132:
        return "fast"
    return "moderate"


def pitch_range(abc: str) -> int | None:
    """Semitones between the lowest and highest written note (accidentals ignored), or None."""
    lowest = highest = None
    for line in abc.splitlines():
        if not line or (len(line) > 1 and line[1] == ":" and line[0].isalpha()) or line.startswith("%"):
            continue
        line = re.sub(r'"[^"]*"|![^!]*!|\[[A-Za-z]:[^\]]*\]', "", line)
        for _, letter, octave in _NOTE.findall(line):
            value = _STEP[letter.upper()] + (12 if letter.islower() else 0)
            value += 12 * octave.count("'") - 12 * octave.count(",")
            lowest = value if lowest is None else min(lowest, value)
            highest = value if highest is None else max(highest, value)
    return None if lowest is None else highest - lowest


def _voices(fields: dict[str, list[str]], metadata: dict) -> int:
    ids = {v.split()[0] for v in fields.get("V", []) if v.split()}
    return max(len(ids), int(metadata.get("parts") or 0), 1)


def ensemble_of(instruments: list[str], voices: int, default: str | None) -> str | None:
    names = " ".join(i.lower() for i in instruments or [])
    strings = sum(w in names for w in ("violin", "viola", "cello", "violoncello"))
    if voices == 4 and ("viola" in names or "violoncello" in names or "cello" in names) and strings:
        return "string quartet"
    if any(w in names for w in ("soprano", "alto", "tenor", "bass", "cantus", "voice", "motetus",
                                 "triplum", "contratenor", "quintus", "superius")):
        return "choir" if voices >= 3 else "voice and accompaniment"
    if "piano" in names or "pianoforte" in names:
        return "voice and piano" if voices >= 2 and any(w in names for w in ("voice", "singstimme", "sing")) \
            else "piano"
    if voices == 1:
        return default or "melody"
    return default if default and default != "melody" else None


def _clean_composer(name: str | None) -> str | None:
    if not name:
        return None
    name = re.sub(r"\([^)]*\)", "", name).strip(" ,;")
    if "," in name and len(name.split(",")) == 2:  # "Palestrina, Giovanni" -> "Giovanni Palestrina"
        last, first = (p.strip() for p in name.split(","))
        name = f"{first} {last}"
    if not name or name.lower().startswith(("anon", "unknown", "trad")):
        return None
    return " ".join(name.split())


def _origin(text: str) -> str | None:
    text = text.lower()
    for needle, name in _ORIGINS:
        if needle in text:
            return name
    return None


def _essen_genre(text: str) -> str | None:
    text = text.lower()
    for needle, name in _ESSEN_GENRES:
        if needle in text:
            return name
    return None


_DANCES = {"reel", "jig", "slip jig", "hornpipe", "strathspey", "clog dance", "fling", "polka", "march"}


def mood_keys(facts: dict) -> list[str]:
    """The moods a piece's facts carry by convention, which no corpus metadata states.

    "minor" or "major" from the mode (the church modes carry no settled mood);
    "slow" or "fast" from the tempo, or "dance" for a dance tune with no tempo
    word; "sacred" for chorales and mass movements.  ``training.descriptions``
    phrases them and ``training.tags`` turns them into mood labels.
    """
    keys = [facts["mode"]] if facts.get("mode") in ("minor", "major") else []
    if facts.get("tempo") in ("slow", "fast"):
        keys.append(facts["tempo"])
    elif facts.get("genre") in _DANCES:
        keys.append("dance")
    if facts.get("genre") in ("chorale", "mass movement"):
        keys.append("sacred")
    return keys


def piece_facts(record: dict) -> dict:
    """Facts of one prepared piece (see ``training.corpus``); missing facts are left out."""
    abc, meta, raw = record["abc"], record.get("metadata", {}), record.get("abc_fields", {})
    folder = record["source"].split("/")[0]
    collection = COLLECTIONS.get(folder, {})
    fields = header_fields(abc)
    facts: dict = {"folder": folder, "label": collection.get("label", folder)}
    for name in ("collection", "era", "origin", "genre"):
        if collection.get(name):
            facts[name] = collection[name]
    composer = _clean_composer(meta.get("composer")) if folder in ("trecento", "luca", "leadSheet") else None
    composer = composer or collection.get("composer") or _clean_composer(raw.get("C"))
    if composer:
        facts["composer"] = composer

    key_text = fields.get("K", [None])[0]
    tonic, mode = parse_key(key_text)
    explicit_mode = bool(key_text and re.match(r"\s*[A-Ga-g][#b]?\s*[A-Za-z]", key_text))
    if tonic and not explicit_mode and _voices(fields, meta) == 1:
        # A bare K: is only a key signature (Essen writes K:G for E minor too):
        # a folk tune ends on its tonic, so the last note names the mode.
        signature_fifths = _MAJOR_FIFTHS.get(tonic)
        final = final_note_class(abc, signature_fifths) if signature_fifths is not None else None
        if final is not None:
            interval = (final - _PC[tonic]) % 12
            if interval in _MODE_BY_INTERVAL:
                tonic, mode = _PC_NAMES[final], _MODE_BY_INTERVAL[interval]
    if tonic:
        facts["tonic"], facts["mode"] = tonic, mode
    meter = parse_meter(fields.get("M", [None])[0])
    if meter:
        facts["meter"] = meter
        facts["meter_kind"] = meter_kind(meter)
    bpm = quarter_bpm(fields.get("Q", [None])[0])
    words = " ".join(v for k, v in raw.items() if k in ("N", "Q")) if raw else ""
    tempo = tempo_class(bpm, words, meter)
    if tempo:
        facts["tempo"] = tempo
    if bpm:
        facts["bpm"] = round(bpm)

    if raw.get("R"):
        rhythm = raw["R"].lower()
        kind = _TUNE_TYPES.get(rhythm.replace(" ", "")) or _TUNE_TYPES.get(rhythm.strip())
        if kind:
            facts["genre"] = kind
            facts["dance"] = kind not in ("air", "march")
        elif folder == "essenFolksong":
            facts["genre"] = _essen_genre(rhythm) or "folk song"
    if raw.get("O") and (origin := _origin(raw["O"])):
        facts["origin"] = origin
    if folder == "essenFolksong" and record["source"].split("/")[-1].startswith("han"):
        facts["origin"] = "Chinese"
    title = (meta.get("title") or "").lower()
    if folder in ("palestrina", "trecento", "luca", "josquin"):
        part = next((p for p in _MASS_PARTS if p in title), None)
        if part:
            facts["genre"] = "mass movement"
            facts["mass_part"] = "Agnus Dei" if part == "agnus" else part.capitalize()
    if folder == "bach" and "846" in record["source"]:
        facts["genre"] = "prelude"
    if folder == "trecento" and "genre" not in facts:
        facts["genre"] = "madrigal" if "madrigal" in title else "secular song"

    voices = _voices(fields, meta)
    facts["voices"] = voices
    ensemble = ensemble_of(meta.get("instruments") or [], voices, collection.get("ensemble"))
    if ensemble:
        facts["ensemble"] = ensemble
    facts["texture"] = "monophonic" if voices == 1 else (
        "homophonic" if facts.get("genre") == "chorale" else "polyphonic" if voices >= 3 else "two-part")
    span = pitch_range(abc)
    if span is not None:
        facts["range"] = span
    measures = meta.get("measures")
    if measures:
        facts["measures"] = int(measures)
        facts["length"] = "short" if measures <= 16 else "long" if measures >= 100 else "medium"
    if record.get("openscore"):
        openscore_facts(facts, record, fields, explicit_mode)
    return facts


_TITLE_KEY = re.compile(r"\bin ([A-G])(?:[- ]?(flat|sharp|b|#))?[- ]?(major|minor|Major|Minor|dur|moll)\b")


def bass_voice(fields: dict[str, list[str]]) -> str | None:
    """The first voice with a bass clef (a song's piano left hand, a quartet's cello), else None."""
    for value in fields.get("V", []):
        parts = value.split()
        if len(parts) > 1 and parts[1].startswith("bass"):
            return parts[0]
    return None


def _mode_from_bass(abc: str, fields: dict[str, list[str]], tonic: str) -> tuple[str, str] | None:
    """(tonic, 'major'|'minor') when the bass ends on the signature's major or relative minor tonic."""
    voice, fifths = bass_voice(fields), _MAJOR_FIFTHS.get(tonic)
    if voice is None or fifths is None:
        return None
    final = final_note_class(abc, fifths, voice)
    if final == _PC[tonic]:
        return tonic, "major"
    if final == (_PC[tonic] + 9) % 12:
        return _PC_NAMES[final], "minor"
    return None


def openscore_facts(facts: dict, record: dict, fields: dict[str, list[str]], explicit_mode: bool) -> None:
    """Facts of an OpenScore song or quartet from the corpora's metadata (``training.openscore``)."""
    from .openscore import era_of, language_name

    meta = record["openscore"]
    quartet = "Quartet" in meta["collection_name"]
    facts.update(label=meta["composer"], corpus=meta["collection_name"], composer=meta["composer"],
                 genre="string quartet" if quartet else "song",
                 ensemble="string quartet" if quartet else "voice and piano")
    facts.pop("collection", None)
    for name in ("born", "died"):
        if meta.get(name):
            facts[name] = meta[name]
    if era := era_of(meta.get("born"), meta.get("died")):
        facts["era"] = era
    if meta.get("nationality"):
        facts["origin"] = meta["nationality"]
    if work := (meta.get("title") if quartet else meta.get("set")):
        facts["work"] = work
    if language := language_name(record.get("language")):
        facts["language"] = language
    # The ABC's V: lines count every staff's split voices: the parts are what a musician counts.
    if quartet:  # ... and a quartet's texture changes from movement to movement: no one word for it
        facts["voices"] = 4
        facts.pop("texture", None)
    else:
        facts["voices"] = 1  # one singer (a song's "parts" are not voices)
        facts["texture"] = "melody with accompaniment"
    # A key signature without a mode says nothing of major or minor: the work's
    # title ("in G minor") or the bass's last note decides, else no mode at all.
    stated = _TITLE_KEY.search(meta.get("title") or "")
    if stated:
        accidental = {"flat": "b", "b": "b", "sharp": "#", "#": "#"}.get(stated.group(2) or "", "")
        facts["tonic"] = stated.group(1) + accidental
        facts["mode"] = "minor" if stated.group(3).lower() in ("minor", "moll") else "major"
    elif not explicit_mode and facts.get("tonic"):
        found = _mode_from_bass(record["abc"], fields, facts["tonic"])
        if found:
            facts["tonic"], facts["mode"] = found
        else:
            facts.pop("tonic")
            facts.pop("mode", None)
