"""search, similar, tag, tags, classify and export from the command line, and their documented JSON."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from clamp_desktop.store import Library
from cli_helpers import run_cli
from conftest import copy_score_folder
from search_helpers import index_library, reference_ranking

DOCS = Path(__file__).resolve().parent.parent / "docs" / "cli-json.md"


def documented(section: str) -> set[str]:
    """The field names in the table under ``## section`` of docs/cli-json.md."""
    text = DOCS.read_text(encoding="utf-8")
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `(\w+)` \|", body, flags=re.MULTILINE))


@pytest.fixture(scope="module")
def library_db(tmp_path_factory, tiny_checkpoint, tiny_model):
    base = tmp_path_factory.mktemp("cli-search")
    folder = copy_score_folder(base / "scores")
    index_library(base / "lib.db", folder, tiny_checkpoint, tiny_model)
    return base / "lib.db", folder


def test_search_json_is_documented_and_ranks_like_the_engine(library_db, tiny_checkpoint, tiny_model, capsys):
    db, _ = library_db
    code, out, _ = run_cli(["search", "composer:bach a slow chorale", "--db", str(db), "--model",
                            str(tiny_checkpoint), "--top", "4", "--model-only", "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert set(data) == documented("search")
    assert all(set(r) == documented("result") for r in data["results"])
    with Library(db, readonly=True) as library:
        bach = {p["id"] for p in library.pieces() if "Bach" in (p["composer"] or "")}
        ids, cos, prob = reference_ranking(library, data["model"], tiny_model.encode_text(["a slow chorale"])[0], bach)
    assert [r["id"] for r in data["results"]] == ids[:4] and data["total"] == len(bach)
    assert [r["rank"] for r in data["results"]] == [1, 2, 3, 4]
    assert data["results"][0]["probability"] == pytest.approx(prob[0], rel=1e-4)
    assert data["results"][0]["key"] and data["results"][0]["meter"] == "4/4"


def test_search_pages_and_plain_listings(library_db, tiny_checkpoint, capsys):
    db, _ = library_db
    base = ["search", "a chorale", "--db", str(db), "--model", str(tiny_checkpoint), "--json"]
    first = json.loads(run_cli(base + ["--top", "3"], capsys)[1])
    second = json.loads(run_cli(base + ["--top", "3", "--offset", "3"], capsys)[1])
    both = json.loads(run_cli(base + ["--top", "6"], capsys)[1])
    assert [r["id"] for r in first["results"] + second["results"]] == [r["id"] for r in both["results"]]
    assert [r["rank"] for r in second["results"]] == [4, 5, 6]
    listing = json.loads(run_cli(["search", '"tired" parts:5', "--db", str(db), "--json"], capsys)[1])
    assert [r["title"] for r in listing["results"]] == ["Prayer of a Tired Child"]
    assert listing["results"][0]["cosine"] is None and listing["message"] is None
    code, out, _ = run_cli(["search", "composer:nobody", "--db", str(db)], capsys)
    assert code == 0 and out.startswith("No piece matches")


def test_similar_by_id_and_by_file(library_db, tiny_checkpoint, capsys):
    db, folder = library_db
    args = ["--db", str(db), "--model", str(tiny_checkpoint), "--json", "--top", "3"]
    by_id = json.loads(run_cli(["similar", "4", "--filter", "parts:4"] + args, capsys)[1])
    assert set(by_id) == documented("similar") and by_id["query"] == {"piece_id": 4}
    assert len(by_id["results"]) == 3 and all(r["parts"] == 4 and r["id"] != 4 for r in by_id["results"])
    path = folder / "bwv10.7.mxl"
    by_file = json.loads(run_cli(["similar", str(path)] + args, capsys)[1])
    assert by_file["query"] == {"path": str(path.resolve())}
    assert str(path) not in [r["path"] for r in by_file["results"]]    # its own copy is left out
    code, _, err = run_cli(["similar", "no-such-thing", "--db", str(db)], capsys)
    assert code == 1 and err.count("\n") == 1 and "neither a score file nor a piece id" in err


def test_classify_json(library_db, tiny_checkpoint, capsys):
    _, folder = library_db
    code, out, _ = run_cli(["classify", str(folder / "bwv10.7.mxl"), "--labels", "Bach, Mozart,Joplin",
                            "--template", "This piece of music is composed by {composer}.",
                            "--model", str(tiny_checkpoint), "--json"], capsys)
    data = json.loads(out)
    assert code == 0 and set(data) == documented("classify")
    assert all(set(r) == documented("label result") for r in data["results"])
    assert sorted(r["label"] for r in data["results"]) == ["Bach", "Joplin", "Mozart"]
    assert sum(r["probability"] for r in data["results"]) == pytest.approx(1.0, abs=1e-5)
    code, _, err = run_cli(["classify", str(folder / "bwv10.7.mxl"), "--labels", "a,b", "--template", "none",
                            "--model", str(tiny_checkpoint)], capsys)
    assert code == 1 and "exactly one {placeholder}" in err


def test_index_tag_edit_and_export(tmp_path, score_folder, tiny_checkpoint, capsys):
    db = str(tmp_path / "lib.db")
    assert run_cli(["index", str(score_folder), "--db", db, "--model", str(tiny_checkpoint), "--json"], capsys)[0] == 0
    code, out, _ = run_cli(["tag", "--vocab", "genre", "--vocab", "mood", "--db", db, "--model",
                            str(tiny_checkpoint), "--json"], capsys)
    summary = json.loads(out)
    assert code == 0 and set(summary) == documented("tag")
    assert summary["vocabularies"] == ["genre", "mood"] and summary["pieces"] == 13
    shown = json.loads(run_cli(["tags", "5", "--db", db, "--json"], capsys)[1])
    auto = shown["tags"]["mood"][0]["label"]
    code, out, _ = run_cli(["tags", "5", "--add", "genre:Chorale", "--remove", f"mood:{auto}",
                            "--remove", "genre:unknown", "--db", db, "--json"], capsys)
    edited = json.loads(out)
    assert code == 0 and set(edited) == documented("tags")
    assert all(set(c) == documented("change") for c in edited["changes"])
    assert [c["result"] for c in edited["changes"]] == ["added", "hidden", "not found"]
    assert all(set(t) == documented("tag object") for items in edited["tags"].values() for t in items)
    assert {"label": "Chorale", "score": None, "source": "user", "visible": True} in edited["tags"]["genre"]
    # re-tagging keeps the user's edits
    run_cli(["tag", "--db", db, "--model", str(tiny_checkpoint), "--json"], capsys)
    again = json.loads(run_cli(["tags", "5", "--db", db, "--json"], capsys)[1])
    assert again["tags"]["genre"][0]["label"] == "Chorale"
    assert [t["source"] for t in again["tags"]["mood"] if t["label"] == auto] == ["hidden"]
    rows = json.loads(run_cli(["export", "--format", "json", "--db", db], capsys)[1])
    assert len(rows) == 13 and all(set(r) == documented("piece") for r in rows)
    five = next(r for r in rows if r["id"] == 5)
    assert "Chorale" in five["tags"]["genre"] and auto not in five["tags"].get("mood", [])
    out_file = tmp_path / "library.csv"
    assert run_cli(["export", "--format", "csv", "--out", str(out_file), "--db", db], capsys)[0] == 0
    table = list(csv.DictReader(io.StringIO(out_file.read_text(encoding="utf-8"))))
    assert [int(r["id"]) for r in table] == [r["id"] for r in rows]
    assert "genre=Chorale" in next(r for r in table if r["id"] == "5")["tags"].split("; ")


def test_user_errors_are_one_line(tmp_path, capsys):
    code, _, err = run_cli(["search", "x", "--db", str(tmp_path / "missing.db")], capsys)
    assert code == 1 and err.count("\n") == 1 and "No library" in err
    with Library(tmp_path / "empty.db"):
        pass
    code, _, err = run_cli(["tag", "--vocab", "nonexistent", "--db", str(tmp_path / "empty.db")], capsys)
    assert code == 1 and "No vocabulary named 'nonexistent'" in err
    data = json.loads(run_cli(["search", "anything", "--db", str(tmp_path / "empty.db"), "--json"], capsys)[1])
    assert data["results"] == [] and "empty" in data["message"]
