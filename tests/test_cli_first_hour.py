"""The CLI as a newcomer meets it, through the real entry point: messages, exit codes, readable results."""

from __future__ import annotations

import json
import shutil

import pytest

from clamp_desktop import paths
from clamp_desktop.engine.indexer import LibraryIndexer
from clamp_desktop.engine.models import model_name
from clamp_desktop.store import Library
from cli_helpers import run_cli
from conftest import corpus_files


@pytest.fixture(scope="module")
def library(tmp_path_factory, tiny_checkpoint):
    """A library of 4 Bach chorales and 2 jigs (ABC), indexed by the CLI with the tiny checkpoint."""
    base = tmp_path_factory.mktemp("first-hour")
    folder = base / "Scores"
    (folder / "bach").mkdir(parents=True)
    for path in corpus_files("bach/bwv1*.mxl", 4):
        shutil.copy(path, folder / "bach" / path.name)
    for path in corpus_files("ryansMammoth/*Jig.abc", 2):
        shutil.copy(path, folder / path.name)
    db = base / "lib.db"
    from clamp_desktop.cli import main

    main(["index", str(folder), "--db", str(db), "--model", str(tiny_checkpoint)])
    with Library(db, readonly=True) as indexed:
        assert len(indexed.pieces()) == 6
    return db, folder


def test_help_lists_every_command_with_its_whole_description(capsys):
    from clamp_desktop.cli import cli

    code, out, _ = run_cli(["--help"], capsys)
    listing = " ".join(out.split("Commands:", 1)[1].split())
    assert code == 0 and "..." not in listing
    for name, command in cli.commands.items():
        first_sentence = " ".join(command.help.split("\n\n")[0].split())
        assert f"{name} {first_sentence}" in listing


def test_results_read_as_title_composer_key_meter_and_a_short_path(library, tiny_checkpoint, capsys):
    db, folder = library
    args = ["search", "composer:bach a chorale", "--db", str(db), "--model", str(tiny_checkpoint), "--top", "2"]
    code, out, _ = run_cli(args, capsys)
    first = out.splitlines()[0]
    assert code == 0 and " — Johann Sebastian Bach (" in first and "/4)" in first
    assert "  Scores/bach/bwv1" in first and "[" not in first and str(folder) not in first
    assert first.split(". ", 1)[1].startswith("cos 0.") or first.split(". ", 1)[1].startswith("cos -0.")
    code, verbose, _ = run_cli(args + ["--verbose"], capsys)
    assert code == 0 and f"] {folder}/bach/bwv1" in verbose.splitlines()[0]


def test_similar_to_an_unknown_piece_fails_with_a_message(library, tiny_checkpoint, capsys):
    db, _ = library
    code, out, err = run_cli(["similar", "99999", "--db", str(db), "--model", str(tiny_checkpoint)], capsys)
    assert code == 1 and out == ""
    assert err.strip() == "error: There is no readable piece 99999 in the library."


def test_an_unknown_filter_is_refused_with_the_known_ones_but_times_stay_text(library, tiny_checkpoint, capsys):
    db, _ = library
    base = ["--db", str(db), "--model", str(tiny_checkpoint), "--json"]
    code, out, err = run_cli(["search", "foo:bar a jig", *base], capsys)
    assert code == 2 and out == "" and "unknown filter foo:bar" in err and "composer:" in err and "meter:" in err
    code, out, _ = run_cli(["search", "a jig in 3:4", *base], capsys)
    assert code == 0 and json.loads(out)["ignored"] == []
    code, _, err = run_cli(["similar", "1", "--filter", "colour:red", *base], capsys)
    assert code == 2 and "unknown filter colour:red" in err


def test_status_after_the_demo_names_the_demo_library(tmp_path, monkeypatch, tiny_checkpoint, capsys):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))     # a fresh home: no library yet
    code, out, _ = run_cli(["demo", "--quick", "--model", str(tiny_checkpoint), "--top", "1"], capsys)
    demo = paths.demo_db_path()
    assert code == 0 and f"status --db {demo}" in out
    code, _, err = run_cli(["status"], capsys)
    assert code == 1 and err.count("\n") == 1
    assert "--db PATH" in err and "CLAMP_DESKTOP_DB" in err and f"The demo library is {demo}" in err
    code, out, _ = run_cli(["status", "--db", str(demo)], capsys)
    assert code == 0 and "pieces: 36 from 36 files" in out


def test_index_without_a_folder_resumes_the_unfinished_run(tmp_path, tiny_checkpoint, tiny_model, capsys):
    folder = tmp_path / "scores"
    folder.mkdir()
    for path in corpus_files("bach/bwv1*.mxl", 3):
        shutil.copy(path, folder / path.name)
    db = tmp_path / "lib.db"
    code, _, err = run_cli(["index", "--db", str(db)], capsys)
    assert code == 1 and "No library at" in err
    with Library(db) as lib:
        job = LibraryIndexer(lib, model_name(str(tiny_checkpoint)), lambda: tiny_model, inline=True).run([folder])
        next(job), next(job)
        job.close()                                         # cancelled after the scan
    code, out, _ = run_cli(["status", "--db", str(db)], capsys)
    assert code == 0 and f"unfinished index run: 0 of 3 files read; resume with 'clamp-desktop index --db {db}'" in out
    code, out, _ = run_cli(["index", "--db", str(db), "--model", str(tiny_checkpoint)], capsys)
    assert code == 0 and out.startswith("added 3,") and f"resumed the unfinished run over {folder.resolve()}" in out
    code, _, err = run_cli(["index", "--db", str(db)], capsys)
    assert code == 2 and "no unfinished run" in err
