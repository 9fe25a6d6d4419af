"""Facts -> description fields, each phrased several ways; text dropout over them.

A piece's description is a list of *fields* (composer, genre, key, meter ...);
each field has several phrasings.  ``dropout_text`` is CLaMP's text dropout:
a random non-empty subset of the fields, in random order, each in a random
phrasing, joined into one text.  ``full_text`` is the deterministic long form
(every field, first phrasing) used for retrieval evaluation.
"""

from __future__ import annotations

import random

from .facts import mood_keys

_NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight"}
_ERA_WORDS = {
    "Medieval": ["medieval music", "from the Middle Ages", "a fourteenth-century piece"],
    "Renaissance": ["Renaissance music", "from the Renaissance", "a sixteenth-century piece"],
    "Baroque": ["Baroque music", "from the Baroque era", "an eighteenth-century Baroque piece"],
    "Classical": ["from the Classical period", "Classical-era music", "in the Viennese Classical style"],
    "Romantic": ["Romantic-era music", "from the nineteenth century", "a Romantic piece"],
    "20th-century": ["twentieth-century music", "a modern piece from the 20th century"],
    "traditional": ["traditional music", "a traditional tune", "folk music"],
}
_METER_WORDS = {
    "duple": ["in duple time", "with two or four beats to the bar"],
    "triple": ["in triple time", "with three beats to the bar"],
    "compound": ["in compound time", "with a lilting compound meter"],
}
_TEMPO_WORDS = {
    "slow": ["slow", "at a slow tempo", "slow and unhurried"],
    "moderate": ["at a moderate tempo", "moderately paced"],
    "fast": ["fast", "lively and quick", "at a brisk tempo"],
}
_TEXTURE_WORDS = {
    "monophonic": ["a single melodic line", "monophonic", "an unaccompanied melody"],
    "homophonic": ["homophonic, chordal texture", "four-part harmony"],
    "polyphonic": ["polyphonic", "contrapuntal texture", "interweaving independent voices"],
    "two-part": ["in two parts", "a two-voice texture"],
    "melody with accompaniment": ["a melody with accompaniment", "an accompanied melody"],
}
# Phrasings of ``facts.mood_keys``: the words the mood vocabulary
# (resources/vocabularies/mood.toml) asks about.  Dance tunes read as energetic.
_MOOD_WORDS = {
    "minor": ["sad", "melancholy", "a sad, melancholic mood", "dark and sombre"],
    "major": ["happy", "bright and cheerful", "a happy, cheerful mood"],
    "slow": ["calm", "peaceful and tender"],
    "fast": ["energetic", "full of energy"],
    "dance": ["energetic", "full of energy"],
    "sacred": ["solemn", "solemn and dignified"],
}
_ENSEMBLE_WORDS = {
    "string quartet": ["for string quartet", "for two violins, viola and cello", "chamber music for strings"],
    "choir": ["for choir", "for vocal ensemble", "choral music"],
    "melody": ["a solo melody", "for a single melody instrument", "a tune for fiddle, flute or voice"],
    "piano": ["for piano", "solo piano music", "a keyboard piece"],
    "voice and piano": ["for voice and piano", "a song with piano accompaniment"],
    "voice and accompaniment": ["for voice with accompaniment"],
}
_GENRE_WORDS = {
    "chorale": ["a chorale", "a four-part chorale harmonization", "a Lutheran hymn setting"],
    "string quartet": ["a string quartet movement", "a movement from a string quartet"],
    "madrigal": ["a madrigal", "a secular vocal madrigal"],
    "mass movement": ["a mass movement", "sacred music from a mass setting", "a movement of the Mass"],
    "reel": ["a reel", "a reel, a fast dance tune in 4/4", "a fiddle reel"],
    "jig": ["a jig", "a jig dance tune", "a lively jig in 6/8"],
    "slip jig": ["a slip jig", "a slip jig in 9/8"],
    "hornpipe": ["a hornpipe", "a hornpipe dance tune"],
    "strathspey": ["a strathspey", "a Scottish strathspey"],
    "air": ["an air", "a slow air", "a song air"],
    "folk song": ["a folk song", "a traditional folk song"],
    "ballad": ["a ballad", "a narrative folk ballad"],
    "children's song": ["a children's song", "a nursery song"],
    "dance song": ["a dance song", "a folk dance tune"],
    "love song": ["a love song"],
    "mountain song": ["a mountain song"],
    "work song": ["a work song", "a labour song"],
    "secular song": ["a secular song", "a secular vocal piece"],
    "song": ["a song", "an art song"],
    "trio sonata": ["a trio sonata movement"],
    "ragtime": ["a rag", "ragtime piano music"],
    "mazurka": ["a mazurka", "a Polish dance in triple time"],
    "prelude": ["a prelude", "a keyboard prelude"],
    "aria": ["an aria", "an operatic aria"],
    "opera": ["an opera excerpt"],
    "piano piece": ["a short piano piece"],
    "chanson": ["a chanson", "a Renaissance chanson"],
    "march": ["a march", "a military march"],
    "waltz": ["a waltz", "a waltz in 3/4"],
    "clog dance": ["a clog dance", "a clog hornpipe"],
    "fling": ["a highland fling"],
}


def _an(word: str) -> str:
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def fields_of(facts: dict) -> dict[str, list[str]]:
    """Field name -> phrasings, for every fact the piece has."""
    out: dict[str, list[str]] = {}
    if composer := facts.get("composer"):
        last = composer.split()[-1]
        out["composer"] = [f"composed by {composer}", f"by {composer}", f"a piece by {last}",
                           f"music of {composer}", f"written by {last}"]
        if born := facts.get("born"):
            dates = f"{born}-{facts['died']}" if facts.get("died") else f"born {born}"
            out["composer"] += [f"by {composer} ({dates})", f"{composer}, {dates}"]
    if work := facts.get("work"):
        out["work"] = [f"from {work}", f"part of {work}", f"{work}"]
    if language := facts.get("language"):
        out["language"] = [f"sung in {language}", f"with {language} words", f"a song in {language}",
                           f"{language} lyrics"]
    if collection := facts.get("collection"):
        out["collection"] = [f"from {collection}", f"a piece from {collection}",
                             f"taken from {collection}"]
    if (era := facts.get("era")) in _ERA_WORDS:
        out["era"] = _ERA_WORDS[era]
    if origin := facts.get("origin"):
        kind = "tune" if facts.get("era") == "traditional" else "piece"
        out["origin"] = [f"{_an(origin)} {kind}", f"{origin} music", f"a {kind} from the {origin} tradition"]
    if genre := facts.get("genre"):
        phrases = list(_GENRE_WORDS.get(genre, [_an(genre)]))
        if facts.get("dance"):
            phrases.append(f"{_an(genre)} for dancing")
        if part := facts.get("mass_part"):
            phrases.append(f"the {part} of a mass")
        out["genre"] = phrases
    if tonic := facts.get("tonic"):
        mode = facts.get("mode", "major")
        name = tonic.replace("#", " sharp").replace("b", " flat") if len(tonic) > 1 else tonic
        phrases = [f"in {tonic} {mode}", f"in the key of {name} {mode}", f"key: {tonic} {mode}"]
        if mode in ("major", "minor"):
            phrases += [f"in a {mode} key", f"{mode} mode" if mode == "minor" else "in a major key"]
        else:
            phrases += [f"in the {mode} mode", f"modal, {mode}"]
        out["key"] = phrases
    if meter := facts.get("meter"):
        phrases = [f"in {meter} time", f"time signature {meter}", f"meter {meter}"]
        phrases += _METER_WORDS.get(facts.get("meter_kind"), [])
        out["meter"] = phrases
    if (tempo := facts.get("tempo")) in _TEMPO_WORDS:
        phrases = list(_TEMPO_WORDS[tempo])
        if bpm := facts.get("bpm"):
            phrases.append(f"{tempo} tempo, about {bpm} beats per minute")
        out["tempo"] = phrases
    if ensemble := facts.get("ensemble"):
        out["ensemble"] = list(_ENSEMBLE_WORDS.get(ensemble, [f"for {ensemble}"]))
    voices = facts.get("voices") or 1
    if voices > 1:
        number = _NUMBERS.get(voices, str(voices))
        out["voices"] = [f"for {number} voices", f"in {number} parts", f"{voices} parts"]
    if texture := facts.get("texture"):
        out["texture"] = list(_TEXTURE_WORDS.get(texture, [texture]))
    if (span := facts.get("range")) is not None:
        if span <= 12:
            out["range"] = ["a narrow melodic range, within an octave", "small range"]
        elif span >= 24:
            out["range"] = ["a wide range of more than two octaves", "wide range"]
        else:
            out["range"] = ["a range of more than an octave", "moderate range"]
    out.update(mood_fields(facts))
    if length := facts.get("length"):
        words = {"short": ["short", "a short piece"], "medium": ["of medium length"],
                 "long": ["long", "a long, extended piece"]}[length]
        out["length"] = words
    return out


def mood_fields(facts: dict) -> dict[str, list[str]]:
    """``mood`` (from the mode) and ``character`` (tempo, dance, sacred genre) phrasings, where known.

    Two fields, so a text naming one ("Sad.") is true of every piece sharing
    that one, whatever the other says.
    """
    keys = mood_keys(facts)
    out = {"mood": list(_MOOD_WORDS[k]) for k in keys if k in ("minor", "major")}
    if character := [word for k in keys if k not in ("minor", "major") for word in _MOOD_WORDS[k]]:
        out["character"] = character
    return out


def dropout_text(fields: dict[str, list[str]], rng: random.Random) -> tuple[str, tuple[str, ...]]:
    """CLaMP's text dropout: a random non-empty subset of fields, shuffled, one phrasing each.

    Returns the text and the names of the fields it used (a text is also true
    of every other piece that shares those fields: see ``training.trainer``).
    """
    names = list(fields)
    if not names:
        return "A piece of music.", ()
    # Half the time a short, query-like subset (1-3 fields), else any size:
    # users type short queries, and short texts repeat across pieces, so the
    # frozen text encoder has fewer distinct texts to encode.
    size = rng.choice((1, 1, 2, 2, 3)) if rng.random() < 0.5 else rng.randint(1, len(names))
    chosen = rng.sample(names, min(size, len(names)))
    parts = [rng.choice(fields[n]) for n in chosen]
    joiner = rng.choice([", ", "; ", ". "])
    text = joiner.join(parts)
    return text[0].upper() + text[1:] + ".", tuple(chosen)


def full_text(fields: dict[str, list[str]]) -> str:
    """Every field in a fixed order, first phrasing: the piece's own full description."""
    if not fields:
        return "A piece of music."
    text = ", ".join(phrases[0] for phrases in fields.values())
    return text[0].upper() + text[1:] + "."
