"""``composer list`` / ``composer rename`` and the facts in ``export``, through the real CLI on a real library."""

import json

from clamp_desktop.ingest.score import read_score
from clamp_desktop.store import Library
from cli_helpers import run_cli
from musicxml_cases import D_MINOR, score, write


def _library(tmp_path):
    db = tmp_path / "lib.db"
    with Library(db) as library:
        for name, composer in (("Nocturne", "Fryderyk Chopin"), ("Ballade", "Chopin, F."), ("Song", "Jane Smith"),
                               ("Air", "J. Smith (1901-1980)")):
            path = write(tmp_path / "scores" / f"{name}.musicxml",
                         score(title=name, composer=composer, fifths=-1, notes=D_MINOR))
            with library.atomic():
                library.store_entries(str(path), name, 1, 1, "musicxml", read_score(path))
    return db


def test_composer_list_shows_one_name_per_known_person(tmp_path, capsys):
    db = _library(tmp_path)
    code, out, _ = run_cli(["composer", "list", "--db", str(db), "--json"], capsys)
    assert code == 0
    listed = {c["name"]: c["pieces"] for c in json.loads(out)["composers"]}
    assert listed == {"Frédéric Chopin": 2, "Jane Smith": 1, "J. Smith": 1}


def test_composer_rename_merges_and_export_shows_it_with_the_facts(tmp_path, capsys):
    db = _library(tmp_path)
    code, out, _ = run_cli(["composer", "rename", "J. Smith", "Jane Smith", "--db", str(db), "--json"], capsys)
    assert code == 0 and json.loads(out) == {"from": "J. Smith", "to": "Jane Smith", "pieces": 1, "merged": True}
    code, out, _ = run_cli(["export", "--format", "json", "--db", str(db)], capsys)
    rows = {r["title"]: r for r in json.loads(out)}
    assert rows["Air"]["composer"] == "Jane Smith" and rows["Air"]["composer_raw"] == "J. Smith (1901-1980)"
    assert (rows["Air"]["key"], rows["Air"]["mode"], rows["Air"]["key_source"]) == ("D minor", "minor", "estimated")
    assert rows["Nocturne"]["era"] == "Romantic" and rows["Nocturne"]["has_chords"] is False
    code, out, _ = run_cli(["composer", "list", "--db", str(db)], capsys)
    assert "renamed: J. Smith -> Jane Smith" in out and "     2  Jane Smith" in out


def test_renaming_an_unknown_composer_says_what_to_do(tmp_path, capsys):
    db = _library(tmp_path)
    code, _, err = run_cli(["composer", "rename", "Nobody", "Somebody", "--db", str(db)], capsys)
    assert code == 2 and "composer list" in err
