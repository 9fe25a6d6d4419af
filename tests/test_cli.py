"""The command line end to end: query (clamp.py parity), index, status, model list."""

import json
import re
import subprocess
import sys

import numpy as np
import pytest

from clamp_desktop.engine.scoring import cosines, probabilities
from clamp_desktop.ingest import to_clamp_abc
from clamp_desktop.model import load_clamp
from clamp_desktop.store import Library

from cli_helpers import run_cli


def test_query_text_against_music_ranks_like_the_reference(score_folder, tiny_checkpoint, capsys):
    code, out, _ = run_cli(["query", "--model", str(tiny_checkpoint), "--query-modal", "text",
                            "--key-modal", "music", "--query", "a slow chorale in a minor key",
                            "--keys", str(score_folder), "--top-n", "0", "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    files = sorted(str(p) for p in score_folder.iterdir())
    model = load_clamp(tiny_checkpoint)
    keys = model.encode_music([to_clamp_abc(f) for f in files])
    query = model.encode_text(["a slow chorale in a minor key"])[0]
    cos = cosines(query, keys)
    prob = probabilities(cos)
    expected = [files[i] for i in np.argsort(-prob, kind="stable")]
    assert [r["key"] for r in data["results"]] == expected
    got = {r["key"]: r for r in data["results"]}
    for i, f in enumerate(files):
        assert got[f]["cosine"] == pytest.approx(float(cos[i]), abs=1e-5)
        assert got[f]["probability"] == pytest.approx(float(prob[i]), abs=1e-6)
    assert sum(r["probability"] for r in data["results"]) == pytest.approx(1.0, abs=1e-5)


def test_query_second_run_encodes_only_what_changed(score_folder, tiny_checkpoint, capsys, corpus):
    args = ["query", "--model", str(tiny_checkpoint), "--query-modal", "text", "--key-modal", "music",
            "--query", "a chorale", "--keys", str(score_folder), "--json"]
    first = json.loads(run_cli(args, capsys)[1])
    assert first["encoded"] == len(list(score_folder.iterdir()))
    second = json.loads(run_cli(args, capsys)[1])
    assert second["encoded"] == 0
    assert second["results"] == first["results"]
    (score_folder / "new.mxl").write_bytes(sorted(score_folder.glob("*.mxl"))[0].read_bytes())
    third = json.loads(run_cli(args, capsys)[1])
    assert third["encoded"] == 0  # same content as a cached key: found by hash
    (score_folder / "newer.mxl").write_bytes((corpus.root / "bach" / "bwv66.6.mxl").read_bytes())
    assert json.loads(run_cli(args, capsys)[1])["encoded"] == 1


def printed_hits(out: str) -> list[tuple[str, float]]:
    """(key, cosine) of each hit as the reference tool prints it: "Prob: P% - Sim: S:" then the key."""
    return [(key, float(sim)) for sim, key in re.findall(r"^Prob: [0-9.]+% - Sim: (-?[0-9.]+):\n(.*)$", out, re.M)]


def cosines_by_hand(query: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Cosines with numpy alone (not the app's scoring module)."""
    return (keys @ query) / (np.linalg.norm(keys, axis=1) * np.linalg.norm(query))


@pytest.mark.parametrize("query_modal,key_modal", [("music", "music"), ("music", "text"), ("text", "text")])
def test_query_other_modalities(query_modal, key_modal, score_folder, tiny_checkpoint, tiny_model, tmp_path, capsys):
    keys_file = tmp_path / "keys.txt"
    keys_file.write_text("a chorale by Bach\n\nan Irish reel\n  a string quartet  \n")
    query = str(sorted(score_folder.glob("*.mxl"))[0]) if query_modal == "music" else "a dance"
    keys = str(score_folder) if key_modal == "music" else str(keys_file)
    code, out, _ = run_cli(["query", "--model", str(tiny_checkpoint), "--query-modal", query_modal,
                            "--key-modal", key_modal, "--query", query, "--keys", keys, "--top-n", "2"], capsys)
    assert code == 0
    if key_modal == "text":
        names = ["a chorale by Bach", "an Irish reel", "a string quartet"]
        key_vectors = tiny_model.encode_text(names)
    else:
        names = sorted(str(p) for p in score_folder.iterdir())
        key_vectors = tiny_model.encode_music([to_clamp_abc(n) for n in names])
    query_vector = (tiny_model.encode_music([to_clamp_abc(query)]) if query_modal == "music"
                    else tiny_model.encode_text([query]))[0]
    cos = cosines_by_hand(query_vector, key_vectors)
    best = np.argsort(-cos, kind="stable")[:2]
    hits = printed_hits(out)
    assert [key for key, _ in hits] == [names[i] for i in best]          # best first, the top 2 only
    assert [sim for _, sim in hits] == pytest.approx([float(cos[i]) for i in best], abs=1e-4)


def test_query_reads_a_text_query_from_a_file(tiny_checkpoint, tiny_model, tmp_path, capsys):
    query_file = tmp_path / "q.txt"
    query_file.write_text("a chorale\n")
    keys_file = tmp_path / "keys.txt"
    keys_file.write_text("a chorale\nsomething else entirely\n")
    code, out, _ = run_cli(["query", "--model", str(tiny_checkpoint), "--query-modal", "text", "--key-modal", "text",
                            "--query", str(query_file), "--keys", str(keys_file), "--json"], capsys)
    assert code == 0
    results = json.loads(out)["results"]
    keys = ["a chorale", "something else entirely"]
    from_file = cosines_by_hand(tiny_model.encode_text(["a chorale\n"])[0], tiny_model.encode_text(keys))
    from_path = cosines_by_hand(tiny_model.encode_text([str(query_file)])[0], tiny_model.encode_text(keys))
    assert not np.allclose(from_file, from_path, atol=1e-3)   # the check below can tell the two apart
    got = {r["key"]: r["cosine"] for r in results}
    assert [got[k] for k in keys] == pytest.approx(from_file.tolist(), abs=1e-5)
    assert [r["key"] for r in results] == [keys[i] for i in np.argsort(-from_file, kind="stable")]


def test_index_and_status_json(tmp_path, score_folder, tiny_checkpoint, capsys):
    db = tmp_path / "lib.db"
    code, out, _ = run_cli(["index", str(score_folder), "--db", str(db), "--model", str(tiny_checkpoint), "--json"], capsys)
    assert code == 0
    summary = json.loads(out)
    assert summary["added"] == len(list(score_folder.iterdir()))
    assert set(summary) >= {"added", "updated", "moved", "removed", "unchanged", "failed", "encoded", "seconds", "failures", "db"}
    code, out, _ = run_cli(["status", "--db", str(db), "--json"], capsys)
    status = json.loads(out)
    assert status["pieces"] == summary["added"]
    assert status["models"] == {str(tiny_checkpoint): summary["added"]}
    assert status["size_bytes"] > 0


def test_env_variable_chooses_the_library(tmp_path, score_folder, tiny_checkpoint, capsys, monkeypatch):
    monkeypatch.setenv("CLAMP_DESKTOP_DB", str(tmp_path / "env.db"))
    code, out, _ = run_cli(["index", str(score_folder), "--model", str(tiny_checkpoint), "--json"], capsys)
    assert code == 0 and json.loads(out)["db"] == str(tmp_path / "env.db")
    with Library(tmp_path / "env.db", readonly=True) as library:
        assert library.counts()["pieces"] == len(list(score_folder.iterdir()))


def test_user_errors_are_one_line_with_exit_status_1(tmp_path, capsys):
    code, out, err = run_cli(["status", "--db", str(tmp_path / "none.db")], capsys)
    assert code == 1
    assert err.startswith("error: ") and err.strip().count("\n") == 0
    code, _, err = run_cli(["query", "--model", "not-a-model", "--query-modal", "text", "--key-modal", "text",
                            "--query", "x", "--keys", str(tmp_path)], capsys)
    assert code == 1 and "neither a known model" in err


def test_model_list_names_the_published_checkpoints(capsys):
    code, out, _ = run_cli(["model", "list", "--json"], capsys)
    names = {m["name"] for m in json.loads(out)}
    assert {"sander-wood/clamp-small-512", "sander-wood/clamp-small-1024", "clamp-desktop-mini"} <= names


def test_every_command_has_help_with_an_example():
    from clamp_desktop.cli.app import cli

    def walk(group, prefix=()):
        for name, command in group.commands.items():
            yield prefix + (name,), command
            if hasattr(command, "commands"):
                yield from walk(command, prefix + (name,))

    for name, command in walk(cli):
        assert command.help, name
        if not hasattr(command, "commands"):
            assert "Example:" in command.help, name


def test_module_entry_point_runs():
    out = subprocess.run([sys.executable, "-m", "clamp_desktop", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and "clamp-desktop" in out.stdout
