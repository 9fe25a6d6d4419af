"""The words of a free-text query that name a fact of a piece, and the facts they name.

All keys are normalised (lower case, accents removed, see ``understand.normalise``).
Ensemble values are those ``ingest.ensemble`` writes into ``pieces.ensemble``.
"""

from __future__ import annotations

VOICE_AND_PIANO = ("voice and piano",)
SONG = ("voice and piano", "solo voice", "voice and guitar", "vocal duet and piano", "voice and ensemble",
        "voice and orchestra", "lead sheet")
CHOIR = ("choir", "choir and piano", "choir and orchestra", "choir and ensemble")
ORCHESTRA = ("orchestra", "string orchestra", "voice and orchestra", "choir and orchestra")
PIANO = ("solo piano",)

# phrase -> the ensembles it asks for; longer phrases are matched first and use up their words.
ENSEMBLES: dict[str, tuple[str, ...]] = {
    "string quartet": ("string quartet",), "string quartets": ("string quartet",),
    "quartet": ("string quartet", "piano quartet"), "quartets": ("string quartet", "piano quartet"),
    "string trio": ("string trio",), "piano trio": ("piano trio",), "piano quartet": ("piano quartet",),
    "piano quintet": ("piano quintet",), "string quintet": ("string quintet",),
    "voice and piano": VOICE_AND_PIANO, "piano and voice": VOICE_AND_PIANO, "singer and piano": VOICE_AND_PIANO,
    "art song": VOICE_AND_PIANO, "lied": VOICE_AND_PIANO, "lieder": VOICE_AND_PIANO,
    "melodie": VOICE_AND_PIANO, "melodies": VOICE_AND_PIANO,
    "song": SONG, "songs": SONG, "singer": SONG, "sung": SONG,
    "lead sheet": ("lead sheet",), "lead sheets": ("lead sheet",), "leadsheet": ("lead sheet",),
    "jazz standard": ("lead sheet",), "jazz": ("lead sheet",), "chord symbols": ("lead sheet",),
    "piano four hands": ("piano four hands",), "four hands": ("piano four hands",),
    "piano duet": ("piano four hands", "two pianos"), "two pianos": ("two pianos",),
    "solo piano": PIANO, "piano solo": PIANO, "piano piece": PIANO, "piano pieces": PIANO,
    "for piano": PIANO, "piano music": PIANO,
    "choir": CHOIR, "choirs": CHOIR, "chorus": CHOIR, "choral": CHOIR, "chorale": CHOIR, "chorales": CHOIR,
    "hymn": CHOIR, "a cappella": CHOIR + ("solo voice", "vocal duet"), "satb": CHOIR,
    "orchestra": ORCHESTRA, "orchestral": ORCHESTRA, "symphony": ORCHESTRA, "symphonic": ORCHESTRA,
    "violin and piano": ("violin and piano",), "violin sonata": ("violin and piano",),
    "cello and piano": ("cello and piano",), "cello sonata": ("cello and piano",),
    "solo voice": ("solo voice",), "unaccompanied song": ("solo voice",),
}
VOCAL = frozenset(SONG + CHOIR) - {"lead sheet"}

# word -> lyrics language (ISO 639-1), used only when the query asks for sung music.
LANGUAGES = {
    "german": "de", "deutsch": "de", "french": "fr", "francais": "fr", "english": "en", "italian": "it",
    "latin": "la", "spanish": "es", "russian": "ru", "czech": "cs", "polish": "pl", "norwegian": "no",
    "swedish": "sv", "danish": "da", "dutch": "nl", "portuguese": "pt", "hungarian": "hu",
    "hawaiian": "haw", "finnish": "fi",
}
LANGUAGE_OF_ENSEMBLE_WORD = {"lied": "de", "lieder": "de", "melodie": "fr", "melodies": "fr"}
LYRICS_WORDS = frozenset({"lyrics", "text", "words", "sung", "sings", "singing", "poem", "setting"})

# word -> tempo class; checked word by word, so "allegretto" is not "allegro".
TEMPI = {
    "slow": "slow", "slowly": "slow", "adagio": "slow", "largo": "slow", "lento": "slow", "grave": "slow",
    "larghetto": "slow", "langsam": "slow",
    "fast": "fast", "quick": "fast", "lively": "fast", "allegro": "fast", "presto": "fast",
    "vivace": "fast", "brisk": "fast", "rapid": "fast", "schnell": "fast", "upbeat": "fast",
    "moderate": "moderate", "andante": "moderate", "moderato": "moderate", "allegretto": "moderate",
}

# word or phrase -> time signature
METERS = {
    "waltz": "3/4", "waltzes": "3/4", "minuet": "3/4", "minuets": "3/4", "mazurka": "3/4",
    "mazurkas": "3/4", "three four": "3/4", "jig": "6/8", "jigs": "6/8", "six eight": "6/8",
    "common time": "4/4", "cut time": "2/2", "alla breve": "2/2",
}

# word -> era (as the composer authority, resources/composers/authority.toml, names it)
ERAS = {
    "medieval": "Medieval", "renaissance": "Renaissance", "baroque": "Baroque", "classical": "Classical",
    "romantic": "Romantic", "impressionist": "Impressionist", "modern": "Modern", "contemporary": "Modern",
    "twentieth century": "Modern", "20th century": "Modern",
}

MODES = {
    "major": "major", "minor": "minor", "dur": "major", "moll": "minor", "dorian": "dorian",
    "phrygian": "phrygian", "lydian": "lydian", "mixolydian": "mixolydian", "aeolian": "minor",
    "ionian": "major", "locrian": "locrian",
}

# Words that carry nothing for the keyword ranking.
STOP_WORDS = frozenset("""
a an the of for by in on at to with and or from some any me my i is it this that piece pieces music
work works something like written composed key mode time tempo movement movements one two
""".split())

# Surnames that are also query words: they name a composer only as "by X" or with a given name.
COMMON_WORDS = frozenset({
    "white", "guest", "german", "wolf", "bond", "may", "young", "little", "strong", "rich", "church",
    "march", "song", "gay", "berg", "field", "gabriel", "queen", "lane", "hill", "ford",
})
