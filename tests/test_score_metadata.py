"""Titles, composers, keys and score facts read from real and hand-made MusicXML (issue 14, items 1-4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clamp_desktop.ingest import composers
from clamp_desktop.ingest.language import detect_language
from clamp_desktop.ingest.score import read_score
from clamp_desktop.ingest.tempo import word_class
from clamp_desktop.ingest.titles import is_placeholder, not_a_title
from musicxml_cases import D_MINOR, score, write

OPENSCORE = Path(__file__).parent / "data" / "openscore"
STRINGS = [{"name": "Violine I"}, {"name": "Violine II"}, {"name": "Bratsche"}, {"name": "Violoncello"}]


def meta_of(path: Path) -> dict:
    (entry,) = read_score(path)
    return entry.metadata


# --- titles ---------------------------------------------------------------------------------

def test_a_placeholder_title_gives_way_to_the_folder_names(tmp_path):
    path = write(tmp_path / "Beethoven" / "Piano_Sonatas" / "21-1" / "xml_score.musicxml", score(title="Title"))
    meta = meta_of(path)
    assert meta["title"] == "Piano Sonatas 21-1"
    assert meta["composer"] == "Ludwig van Beethoven" and meta["composer_raw"] == "Beethoven"


@pytest.mark.parametrize("placeholder", ["title", "a", "X", "untitled", "musicxml_cleaned", None])
def test_a_generic_file_name_is_never_the_title(tmp_path, placeholder):
    meta = meta_of(write(tmp_path / "All_Of_Me" / "c.xml", score(title=placeholder, chords=True,
                                                                 parts=[{"name": "Voice"}])))
    assert meta["title"] == "All Of Me"
    assert meta["ensemble"] == "lead sheet" and meta["has_chords"] == 1


def test_work_and_movement_are_shown_together(tmp_path):
    data = score(work="Piano Sonata No. 14", movement="Adagio sostenuto", tempo_words="Adagio sostenuto")
    meta = meta_of(write(tmp_path / "sonata.musicxml", data))
    assert meta["title"] == "Piano Sonata No. 14: Adagio sostenuto"
    assert meta["tempo_class"] == "slow"


def test_a_title_credit_fills_in_for_a_missing_movement_title(tmp_path):
    meta = meta_of(write(tmp_path / "lc1234.mxl.musicxml", score(credit_title="Erlkönig")))
    assert meta["title"] == "Erlkönig"


@pytest.mark.parametrize("text", ["Title", "xml_score", "c", "lc12345", "sq123", "Untitled score", "X", "bwv102.7.mxl"])
def test_placeholders(text):
    assert is_placeholder(text)


@pytest.mark.parametrize("text", ["Erlkönig", "All Of Me", "BWV 66.6", "Op. 27", "Ave Maria", "Mailied"])
def test_real_titles_are_not_placeholders(text):
    assert not is_placeholder(text)


@pytest.mark.parametrize("text", [".lV.L\"'!UCl'l.v .J.u,.:;l';'V", "\\J.D. 'JUa..J..UU", "CANTO", "CAN TO", "Cant",
                                  "G.B. Guarini", "M.Moro", "Johann Sebastian Bach"])
def test_what_recognition_puts_in_a_title_slot_is_not_a_title(text):
    assert not_a_title(text, ["Canto", "Quinto", "Alto", "Tenor", "Basso"], ["Johann Sebastian Bach"])


@pytest.mark.parametrize("text", ["3. ERA L' ANIMA MIA", "Op. 1, No. 2", "Alto Rhapsody", "J'ai du bon tabac",
                                  "I. Allegro – II. Adagio – III. Presto", "Greensleeves", "Ave Maria"])
def test_real_titles_beside_parts_and_credits_are_titles(text):
    assert not not_a_title(text, ["Alto", "Piano", "Greensleeves"], ["Johannes Brahms"])


@pytest.mark.parametrize("name, title", [("madrigal.3.10.mxl", "Madrigal 3.10"), ("madrigal.3.8.mxl", "Madrigal 3.8"),
                                         ("madrigal.4.15.mxl", "Madrigal 4.15"),
                                         ("madrigal.3.12.mxl", "3.12: Perfidissimo Volto")])
def test_music21s_recognised_monteverdi_titles(tmp_path, name, title):
    """Misread characters, the Canto part's name and the poet's credit sit in these files' title slots."""
    import shutil

    from conftest import corpus_root

    shutil.copy(corpus_root() / "monteverdi" / name, tmp_path / name)
    assert meta_of(tmp_path / name)["title"] == title


# --- composers ------------------------------------------------------------------------------

@pytest.mark.parametrize("written, person", [
    ("Johann Sebastian Bach(1685 - 1750)", "Johann Sebastian Bach"),
    ("J.S. Bach", "Johann Sebastian Bach"),
    ("Bach, Johann Sebastian", "Johann Sebastian Bach"),
    ("C. P. E. Bach", "Carl Philipp Emanuel Bach"),
    ("Maurice Ravel (1875-1937)", "Maurice Ravel"),
    ("Frederick Chopin", "Frédéric Chopin"), ("Fredryk Chopin", "Frédéric Chopin"),
    ("Frederic Francois Chopin", "Frédéric Chopin"), ("Chopin", "Frédéric Chopin"),
    ("Holmès, Augusta Mary Anne", "Augusta Holmès"), ("Augusta Holmès", "Augusta Holmès"),
    ("Серге́й Рахма́нинов", "Sergei Rachmaninoff"), ("Sergei Vasilievich Rachmaninoff", "Sergei Rachmaninoff"),
    ("Rachmaninov", "Sergei Rachmaninoff"), ("Tschaikowsky", "Pyotr Ilyich Tchaikovsky"),
    ("Joseph Haydn Hob. XVI:50", "Joseph Haydn"), ("W. A. Mozart K. 331", "Wolfgang Amadeus Mozart"),
    ("Music by Franz Schubert", "Franz Schubert"), ("Composer: Dvorak, Antonin, Op. 96", "Antonín Dvořák"),
    ("Words by Heinrich Heine / Music by Robert Schumann", "Robert Schumann"),
    ("L. van BEETHOVEN", "Ludwig van Beethoven"), ("Clara Wieck", "Clara Schumann"),
])
def test_one_name_per_composer(written, person):
    assert composers.canonical(written) == person


def test_a_composer_the_authority_does_not_know_is_cleaned_not_guessed():
    assert composers.canonical("Smith, Jane (1901-1980)") == "Jane Smith"
    assert composers.canonical("John Williams") == "John Williams"       # not Ralph Vaughan Williams
    assert composers.canonical("Berlin") == "Berlin"                      # a bare word is not Irving Berlin
    assert composers.canonical("Composer") is None and composers.canonical("Music21") is None


def test_spellings_of_a_person_the_authority_does_not_know_become_one():
    shown = [("Mary Ellen Brown", 2), ("Mary Brown", 1), ("M. E. Brown", 1), ("Jane Smith", 3), ("John Smith", 2),
             ("J. Smith", 1), ("Édouard Lalo", 1), ("Edouard Lalo", 2), ("Bob Jones", 2), ("Robert Jones", 1)]
    assert composers.unify(shown) == {"Mary Brown": "Mary Ellen Brown", "M. E. Brown": "Mary Ellen Brown",
                                      "Édouard Lalo": "Edouard Lalo"}   # "J. Smith" could be either Smith


def test_a_piece_without_composer_takes_the_one_its_folder_names():
    pieces = [(1, "/m/Nadia_Boulanger/Songs/a.xml", "Nadia Boulanger"), (2, "/m/Nadia_Boulanger/Songs/b.xml", None),
              (3, "/m/Nadia_Boulanger/Other/c.xml", "Nadia Boulanger"), (4, "/m/Mixed/d.xml", "Jane Smith"),
              (5, "/m/Mixed/e.xml", "John Smith"), (6, "/m/Mixed/f.xml", None), (7, "/m/Lone/g.xml", "Ann Lee"),
              (8, "/m/Lone/h.xml", None)]
    # a folder of two people, or one named piece, is no evidence
    assert composers.composers_by_folder(pieces) == {2: "Nadia Boulanger"}


def test_the_authority_covers_the_corpora_with_dates_and_eras():
    bach = composers.lookup("Johann Sebastian Bach")
    assert (bach.born, bach.died, bach.era) == (1685, 1750, "Baroque")
    for folder in ("Saint-Georges,_Joseph_Bologne", "Indy,_Vincent_d’", "Liliuokalani,_Queen_of_the_Hawaiian_Islands"):
        assert composers.lookup(composers.clean(folder.replace("_", " "))) is not None, folder


def test_a_surname_given_folder_names_the_composer_of_a_file_that_names_none(tmp_path):
    meta = meta_of(write(tmp_path / "Smith,_Jane" / "Songs" / "Evening.musicxml", score()))
    assert meta["composer"] == "Jane Smith" and meta["title"] == "Evening"
    assert meta["composer_raw"] == "Smith,_Jane"


def test_a_surname_first_folder_without_comma_names_a_known_composer(tmp_path):
    meta = meta_of(write(tmp_path / "schumann_clara" / "polonaise_op1n1.musicxml", score()))
    assert meta["composer"] == "Clara Schumann"       # as in music21's corpus
    assert composers.folder_composer("Berlin_Pieces") is None      # not a person the authority knows


def test_an_unknown_name_credited_as_composer_gives_way_to_a_known_composers_folder(tmp_path):
    # An invented poet in a folder the authority file knows: the folder's composer.
    meta = meta_of(write(tmp_path / "Schubert" / "Lieder" / "Evening.musicxml", score(composer="W. Poetmann")))
    assert meta["composer"] == "Franz Schubert"
    # A folder the authority does not know is weaker evidence than the file: the credit stays ...
    meta = meta_of(write(tmp_path / "Smith,_Jane" / "Evening.musicxml", score(composer="John Doe")))
    assert meta["composer"] == "John Doe"
    # ... unless the credit says it is the words', or names the piece's lyricist.
    assert composers.choose("Text: John Doe", "Jane Smith") == "Jane Smith"
    assert composers.choose("John Doe", "Jane Smith", lyricist="John Doe") == "Jane Smith"
    assert composers.choose("John Doe", "Jane Smith", lyricist="Ann Lee") == "John Doe"
    # A composer the authority knows keeps its credit in anyone's folder.
    assert composers.choose("Johann Sebastian Bach", "Franz Schubert") == "Johann Sebastian Bach"


def test_music21s_monteverdi_madrigals_that_credit_the_poet_are_monteverdis(tmp_path):
    import shutil

    from conftest import corpus_root

    folder = tmp_path / "monteverdi"
    folder.mkdir()
    for name in ("madrigal.4.6.mxl", "madrigal.4.9.mxl"):     # "G.B. Guarini", "A. Gatti" as composer
        shutil.copy(corpus_root() / "monteverdi" / name, folder / name)
        meta = meta_of(folder / name)
        assert meta["composer"] == "Claudio Monteverdi" and meta["composer_raw"] == "monteverdi", name


def test_a_folder_that_is_no_composer_is_not_taken_for_one(tmp_path):
    meta = meta_of(write(tmp_path / "Berlin" / "Piano_Pieces" / "Evening.musicxml", score()))
    assert meta["composer"] is None


def test_the_file_credit_wins_over_the_folder_and_keeps_what_it_said(tmp_path):
    path = write(tmp_path / "Bach" / "piece.musicxml", score(title="Prelude", composer="Johann Sebastian Bach(1685 - 1750)"))
    meta = meta_of(path)
    assert meta["composer"] == "Johann Sebastian Bach"
    assert meta["composer_raw"] == "Johann Sebastian Bach(1685 - 1750)"
    assert meta["era"] == "Baroque"


# --- key and mode ---------------------------------------------------------------------------

def test_a_minor_key_signature_without_mode_is_estimated_minor(tmp_path):
    meta = meta_of(write(tmp_path / "lament.musicxml", score(title="Lament", fifths=-1, notes=D_MINOR)))
    assert (meta["key"], meta["mode"], meta["key_source"]) == ("D minor", "minor", "estimated")


def test_the_same_signature_with_a_major_tune_stays_major(tmp_path):
    meta = meta_of(write(tmp_path / "song.musicxml", score(title="Song", fifths=-1)))
    assert (meta["key"], meta["key_source"]) == ("F major", "estimated")


def test_a_stated_mode_is_kept_and_said_to_be_stated(tmp_path):
    meta = meta_of(write(tmp_path / "dorian.musicxml", score(title="Tune", fifths=0, mode="dorian", notes=D_MINOR)))
    assert (meta["key"], meta["mode"], meta["key_source"]) == ("D dorian", "dorian", "stated")


# --- ensemble, lyrics, chords -----------------------------------------------------------------

@pytest.mark.parametrize("parts, ensemble", [
    (STRINGS, "string quartet"),
    ([{"name": "Violon 1"}, {"name": "Violon 2"}, {"name": "Alto"}, {"name": "Violoncelle"}], "string quartet"),
    ([{"name": ""}, {"name": ""}, {"name": ""}, {"name": ""}], None),
    ([{"name": "", "program": 41}, {"name": "", "program": 41}, {"name": "", "program": 42},
      {"name": "", "program": 43}], "string quartet"),
    ([{"name": "Klavier", "staves": 2}], "solo piano"),
    ([{"name": "Pianoforte", "staves": 2}, {"name": "Violino"}], "violin and piano"),
    ([{"name": "Singstimme"}, {"name": "Klavier", "staves": 2}], "voice and piano"),
    ([{"name": "Soprano"}, {"name": "Alto"}, {"name": "Tenor"}, {"name": "Bass"}], "choir"),
])
def test_ensemble_from_part_names_in_any_language_and_midi_programs(tmp_path, parts, ensemble):
    meta = meta_of(write(tmp_path / "piece.musicxml", score(title="Piece", parts=parts)))
    assert meta["ensemble"] == ensemble


@pytest.mark.parametrize("verse", [1, 2])     # some exports number their only verse 2
def test_lyrics_make_a_part_a_voice_and_tell_the_language(tmp_path, verse):
    lyrics = ("Das Wan-dern ist des Mül-lers Lust, das Wan-dern! Das muss ein schlech-ter "
              "Mül-ler sein, dem nie-mals fiel das Wan-dern ein")
    parts = [{"name": "S.", "sings": True}, {"name": "Pno.", "staves": 2}]
    meta = meta_of(write(tmp_path / "wandern.musicxml", score(title="Wandern", parts=parts, lyrics=lyrics,
                                                              notes=D_MINOR * 2, verse=verse)))
    assert meta["ensemble"] == "voice and piano"
    assert (meta["has_lyrics"], meta["language"], meta["has_chords"]) == (1, "de", 0)


@pytest.mark.parametrize("words, tempo", [
    ("Allegro con brio", "fast"), ("Allegretto", "moderate"), ("Langsam", "slow"), ("Nicht schnell", "moderate"),
    ("Lent et grave", "slow"), ("Lively", "fast"), ("Andante", "moderate"), ("dolce", None),
])
def test_tempo_words(words, tempo):
    assert word_class(words) == tempo


@pytest.mark.parametrize("words, language", [
    ("the night is dark and the love of my heart is with you".split(), "en"),
    ("je suis dans le jardin et la nuit est pour mon cœur".split(), "fr"),
    ("kyrie eleison christe eleison gloria in excelsis deo et in terra pax".split(), "la"),
    ("Я помню чудное мгновенье".split(), "ru"),
    ("la la la la".split(), None),
])
def test_lyrics_language(words, language):
    assert detect_language(words) == language


# --- real files from the OpenScore corpora (CC0) ---------------------------------------------

def test_an_openscore_song():
    meta = meta_of(next(OPENSCORE.glob("lieder/scores/Schubert,_Franz/*/1_Das_Wandern/*.mxl")))
    assert "Das Wandern" in meta["title"] and "Müllerin" in meta["title"]
    assert meta["composer"] == "Franz Schubert" and meta["era"] == "Romantic"
    assert (meta["ensemble"], meta["language"], meta["has_lyrics"]) == ("voice and piano", "de", 1)


def test_an_openscore_song_in_french_from_a_folder_named_underscore():
    meta = meta_of(next(OPENSCORE.glob("lieder/scores/Boulanger,_Lili/_/Reflets/*.mxl")))
    assert meta["title"] == "Reflets" and meta["composer"] == "Lili Boulanger"
    assert meta["language"] == "fr"


def test_an_openscore_quartet():
    meta = meta_of(next(OPENSCORE.glob("string-quartets/scores/Saint-Georges*/String_Quartet_in_C_minor*/*.mxl")))
    assert meta["composer"] == "Joseph Bologne Saint-Georges"
    assert meta["ensemble"] == "string quartet" and meta["voices"] == 4
    assert meta["has_lyrics"] == 0 and meta["language"] is None
    assert meta["title"].startswith("String Quartet in C minor")
    assert (meta["mode"], meta["key_source"]) == ("minor", "estimated")
