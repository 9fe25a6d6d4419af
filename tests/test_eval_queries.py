"""The evaluation's "unseen wording" queries really use words no training description uses."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import eval_model  # noqa: E402


def test_no_unseen_wording_query_shares_a_distinctive_word_with_the_descriptions():
    assert eval_model.unseen_wording_problems() == []
    assert sum(novel for _, _, novel in eval_model.QUERIES) == 8


def test_the_check_catches_a_query_in_the_descriptions_own_words():
    # The five the audit found (issue 21), each caught by the word it shares.
    caught = eval_model.unseen_wording_problems([(q, f, True) for q, f, _ in eval_model.OLD_NOVEL_QUERIES])
    for query, word in [("a waltz-time melody", "waltz"), ("dance music from Ireland for the fiddle", "fiddle"),
                        ("a work for two violins, a viola and a violoncello", "viola"),
                        ("four-part hymn harmonisations by J. S. Bach", "hymn"),
                        ("sixteenth-century sacred polyphony for voices", "sixteenth-century")]:
        assert f"{query}: {word}" in caught
    # Spelling and number variants do not slip through.
    assert eval_model.unseen_wording_problems([("congregational harmonisations", None, True)]) == \
        ["congregational harmonisations: harmonisations"]
