"""One test per M3 patching and segment rule of shared/clamp3-reference.md (sections 4 and 5.1)."""

from __future__ import annotations

import pytest

from clamp_desktop.model.clamp3.patching import m3_patches, mtf_patches, split_lines, to_ids
from clamp_desktop.model.patching import segments


def texts(item: str, **kwargs) -> list[str]:
    return ["".join(chr(i) for i in p[1:] if i > 2) for p in m3_patches(item, **kwargs)[1:-1]]


def test_rule_4_1_unit_length_line_removed_before_unidecode_only_for_clamp3():
    assert texts("L:1/8\nK:C\n[V:1]C|\n") == ["K:C\n", "[V:1]C|\n"]
    assert texts("L:1/8\nK:C\n[V:1]C|\n", strip_unit_length=False)[0] == "L:1/8\n"
    assert texts("K:C\n[V:1]é|\n") == ["K:C\n", "[V:1]e|\n"]


def test_rule_4_1_lines_keep_their_newline_and_empty_strings_are_dropped():
    assert split_lines("a\nb\n\nc") == ["a\n", "b\n", "\n", "c"]


def test_rule_4_2_mtf_lines_of_one_type_share_a_patch_while_it_fits():
    lines = split_lines("ticks_per_beat 480\nnote_on 0 1 60 80\nnote_on 0 1 64 80\nset_tempo 500000 0\n")
    assert mtf_patches(lines) == ["ticks_per_beat 480\n", "note_on 0 1 60 80\t0 1 64 80\n", "set_tempo 500000 0\n"]
    many = split_lines("ticks_per_beat 480\n" + "note_on 0 1 60 80\n" * 6)
    assert all(len(p) <= 64 for p in mtf_patches(many)) and len(mtf_patches(many)) == 3


def test_rule_4_2_same_type_is_a_string_prefix_test():
    lines = split_lines("ticks_per_beat 480\nnote_on_x 0\nnote_on 1\n")
    assert mtf_patches(lines)[1] == "note_on_x 0\t1\n"


def test_rule_4_3_field_and_double_percent_lines_are_one_patch_each():
    assert texts("K:C\n%%score 1\nV:1 treble\n") == ["K:C\n", "%%score 1\n", "V:1 treble\n"]


def test_rule_4_3_bars_keep_their_barlines_and_the_last_bar_gets_the_newline():
    assert texts("[V:1]cB|[V:2]E2|\n") == ["[V:1]cB|", "[V:2]E2|\n"]
    assert texts("|:ab:|cd||\n") == ["|:ab:|", "cd||\n"]


def test_rule_4_3_text_after_the_last_barline_is_dropped_and_a_line_without_one_yields_nothing():
    assert texts("ab|cd\n") == ["ab|\n"]
    assert texts("K:C\nabc\n") == ["K:C\n"]


def test_rule_4_4_patch_ids_are_bos_ords_eos_then_zero_padding_cut_to_64():
    assert to_ids("ab")[:5] == [1, 97, 98, 2, 0] and len(to_ids("ab")) == 64
    long = to_ids("x" * 70)
    assert long[0] == 1 and 2 not in long and len(long) == 64


def test_rule_4_4_begin_patch_is_all_ones_and_end_patch_is_one_then_twos():
    patches = m3_patches("K:C\n")
    assert patches[0] == [1] * 64
    assert patches[-1] == [1] + [2] * 63


def test_rule_5_1_segments_start_every_L_and_the_last_is_the_final_L_weighted_by_the_rest():
    seq = list(range(1300))
    cut = segments(seq, 512)
    assert [(s[0], s[-1], w) for s, w in cut] == [(0, 511, 512), (512, 1023, 512), (788, 1299, 276)]
    assert [w for _, w in segments(list(range(1024)), 512)] == [512, 512]
    assert segments([1, 2, 3], 512) == [([1, 2, 3], 3)]


def test_an_empty_item_cannot_be_patched():
    with pytest.raises(ValueError):
        m3_patches("")


def test_fallback_a_last_line_holding_only_a_barline_gives_no_bar_where_the_reference_drops_the_file():
    assert texts("K:C\nab|\n|") == ["K:C\n", "ab|\n"]
