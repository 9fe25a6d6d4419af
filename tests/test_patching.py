"""One named test per rule of the reference's ABC filter and bar patchilizer."""

import pytest

from clamp_desktop.model.patching import (
    EOS_ID, PAD_ID, bar_to_patch, filter_abc, is_header_line, patchify, split_bars,
)

END_OF_PIECE = [EOS_ID] * 64


def chars(text):
    return [ord(c) - 31 for c in text]


# --- the filter -------------------------------------------------------------

@pytest.mark.parametrize("field", ["A:", "B:", "C:", "D:", "F:", "H:", "N:", "O:", "R:", "r:",
                                   "S:", "T:", "W:", "w:", "X:", "Z:"])
def test_filter_drops_metadata_and_lyric_fields(field):
    assert filter_abc(f"{field} something\nK:C\n") == "K:C\n\n"


@pytest.mark.parametrize("field", ["K:C", "L:1/8", "M:3/4", "Q:1/4=90", "V:1 treble", "I:linebreak", "P:A"])
def test_filter_keeps_music_fields(field):
    assert filter_abc(field) == field + "\n"


def test_filter_drops_a_line_that_is_exactly_G():
    assert filter_abc("G\nGAB|\n") == "GAB|\n\n"


def test_filter_drops_comment_lines_but_keeps_score_directive():
    assert filter_abc("%%MIDI program 1\n% comment\n%%score 1 2\n") == "%%score 1 2\n\n"


def test_filter_cuts_inline_comment_and_one_more_character():
    # everything from the last % goes, then the last remaining character too
    assert filter_abc("abc|%12") == "abc\n"
    assert filter_abc("a%b%c") == "a%\n"


def test_filter_keeps_blank_lines_each_followed_by_newline():
    assert filter_abc("K:C\n\nabc|") == "K:C\n\nabc|\n"


def test_filter_makes_text_ascii():
    assert filter_abc("V:1 nm=\"Sopr\u00e1n\"") == 'V:1 nm="Sopran"\n'


# --- patchify -----------------------------------------------------------------

def test_header_lines_are_field_lines_or_score_lines():
    assert is_header_line("K:C")
    assert is_header_line("%%score 1 2")
    assert not is_header_line("K")          # one character is never a header
    assert not is_header_line("|:abc")
    assert not is_header_line("1:abc")      # first char must be a letter


def test_each_header_line_is_its_own_patch():
    patches = patchify("L:1/8\nK:G\n", 16)
    assert patches[0][:5] == chars("L:1/8")
    assert patches[1][:3] == chars("K:G")
    assert patches[2] == END_OF_PIECE


def test_score_directive_is_a_header_patch():
    assert patchify("%%score 1 2\n", 8)[0][:11] == chars("%%score 1 2")


def test_only_the_first_empty_line_is_removed():
    # Body lines join with no newline; the second empty line stays (and adds nothing).
    assert patchify("\nab|\n\ncd|\n", 8) == patchify("ab|\ncd|\n", 8)
    assert len(patchify("\n\nK:C\n", 8)) == 2


def test_body_lines_are_joined_without_newline_then_split_into_bars():
    patches = patchify("K:C\nab|c\nd|\n", 8)
    assert patches[1][:3] == chars("ab|")
    assert patches[2][:3] == chars("cd|")


def test_delimiters_are_tried_in_reference_order():
    assert split_bars("a|:b:|c||d|]e[|f::g|") == ["a|:", "b:|", "c||", "d|]", "e[|", "f::", "g|"]


def test_leading_delimiter_is_glued_to_the_next_piece():
    assert split_bars("|:abc|def|") == ["|:abc|", "def|"]


def test_trailing_fragment_without_bar_line_is_dropped():
    assert split_bars("abc|def") == ["abc|"]
    assert patchify("K:C\nabc|def\n", 8) == [bar_to_patch("K:C"), bar_to_patch("abc|"), END_OF_PIECE]


def test_empty_pieces_are_dropped():
    assert split_bars("a||b|") == ["a||", "b|"]


def test_lone_bar_line_gives_no_bar():
    assert split_bars("|") == []


def test_patch_holds_shifted_ascii_then_end_mark_then_padding():
    patch = bar_to_patch("A2|")
    assert patch[:3] == [ord("A") - 31, ord("2") - 31, ord("|") - 31]
    assert patch[3] == EOS_ID
    assert patch[4:] == [PAD_ID] * 60
    assert len(patch) == 64


def test_characters_past_64_are_cut_and_get_no_end_mark():
    patch = bar_to_patch("a" * 70)
    assert patch == [ord("a") - 31] * 64


def test_text_of_exactly_64_characters_has_no_end_mark():
    assert EOS_ID not in bar_to_patch("b" * 64)


def test_text_of_63_characters_ends_with_end_mark():
    assert bar_to_patch("b" * 63)[63] == EOS_ID


def test_non_printable_characters_become_zero():
    assert bar_to_patch("a\tb")[:3] == [ord("a") - 31, 0, ord("b") - 31]


def test_non_ascii_is_transliterated_before_patching():
    assert patchify("K:C\n\u00e9|\n", 8)[1][:2] == chars("e|")


def test_end_of_piece_patch_is_appended():
    assert patchify("K:C\nabc|\n", 8)[-1] == END_OF_PIECE


def test_truncation_happens_after_the_end_patch_is_added():
    abc = "K:C\n" + "a|" * 20 + "\n"
    patches = patchify(abc, 5)
    assert len(patches) == 5
    assert END_OF_PIECE not in patches          # a long piece loses its end patch
    assert len(patchify("K:C\nab|\n", 3)) == 3  # a piece that fits keeps it
    assert patchify("K:C\nab|\n", 3)[-1] == END_OF_PIECE
