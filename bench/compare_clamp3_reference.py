"""`clamp-desktop embed` against the CLaMP 3 reference code, on random weights of the published C2 layout.

    python bench/compare_clamp3_reference.py --reference REF --ref-python PY [--work DIR] [--openscore DIR]

REF is a checkout of github.com/sanderwood/clamp3 (its ``code/`` and
``preprocessing/`` folders are run, never copied); PY is an interpreter with
the reference's pins (transformers 4.40.0, abctoolkit 0.0.4, mido 1.3.0,
unidecode 1.3.6, samplings, accelerate, torch), kept apart from the app's
environment (docs/clamp3.md says how).  Nothing is downloaded:

1. the reference's own ``CLaMP3Model`` is built with random weights of the
   published shapes (every tensor random, 605 tensors, 457,896,960 numbers)
   and saved as the published ``.pth`` dict; the XLM-R tokenizer is replaced by
   one trained here with XLM-R's special tokens (both sides read the same file);
2. the inputs: music21's MusicXML (.mxl, .xml, .musicxml), OpenScore's real
   MuseScore exports, MIDI from music21's MIDI tests (files written by other
   programs), MIDI written by music21 and by mido (a performance-like file:
   unquantised times, pedal, bends, sysex; and a type-0 file), and texts in
   several languages, one longer than 128 tokens;
3. the reference's preprocessing scripts (batch_xml2abc, batch_interleaved_abc,
   batch_midi2mtf) and ``extract_clamp3.py --get_global`` run as published
   (only ``input_dir`` and two config values are set from outside);
4. ``clamp-desktop embed`` runs on the original files and texts;
5. per input kind: inputs the reference encodes that we refuse, what we
   encode that the reference drops, preprocessing texts that differ, and the
   largest absolute difference of the vectors.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
TEXTS = {
    "en": "a sad slow piece for string quartet",
    "de": "ein fröhliches Lied für gemischten Chor und Klavier",
    "zh": "一首欢快的钢琴曲，适合儿童演奏",
    "ja": "静かで美しいピアノのための夜想曲",
    "fr": "une valse mélancolique pour violon et piano",
    "ru": "Музыка для хора а капелла",
    "long": " ".join(["This long description of a four-part chorale by Johann Sebastian Bach is longer than one",
                      "hundred and twenty eight tokens, so both readers cut it into two segments: the soprano moves",
                      "by step, the alto and the tenor fill the harmony, the bass walks in quavers under each",
                      "cadence, every phrase ends with a fermata and the last chord is a Picardy third."] * 3
                     + ["Die Melodie ist schlicht und der Schluss ist feierlich.", "这首合唱曲庄严而优美。"]),
}
MUSIC21_SCORES = ["bach/bwv66.6.mxl", "bach/bwv1.6.mxl", "bach/bwv67.4.xml", "beethoven/opus18no1/movement1.mxl",
                  "corelli/opus3no1/1grave.xml", "schubert/Lindenbaum.xml", "beach/prayer_of_a_tired_child.musicxml",
                  "monteverdi/madrigal.3.1.mxl", "demos/multiple-verses.xml", "schoenberg/opus19/movement2.mxl",
                  "joplin/maple_leaf_rag.mxl", "ciconia/quod_jactatur.xml",
                  "bach/bwv113.8.mxl", "johnson_j_r/lift_every_voice.mxl"]   # the last two: a .musicxml inside
XLMR_BASE = dict(vocab_size=250002, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                 intermediate_size=3072, max_position_embeddings=514, type_vocab_size=1, layer_norm_eps=1e-5,
                 pad_token_id=1, bos_token_id=0, eos_token_id=2)

# Run with the reference's interpreter, inside its code/ folder: its own model class, random weights.
MAKE_CHECKPOINT = """
import json, sys, torch
from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers
from transformers import BertConfig, XLMRobertaConfig, XLMRobertaModel
xlmr, out = sys.argv[1], sys.argv[2]
tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))   # XLM-R's special tokens at XLM-R's ids
tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
tokenizer.train_from_iterator(json.loads(sys.argv[4]) * 3, trainers.BpeTrainer(
    vocab_size=1000, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"]))
tokenizer.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0))
tokenizer.save(xlmr + "/tokenizer.json")
tokenizer.save(out + "/tokenizer.json")
XLMRobertaModel(XLMRobertaConfig(**json.loads(sys.argv[3]))).save_pretrained(xlmr)
import config
config.TEXT_MODEL_NAME = xlmr
config.PATCH_NUM_LAYERS = config.AUDIO_NUM_LAYERS = json.loads(sys.argv[3])["num_hidden_layers"]
from config import *
from utils import CLaMP3Model
audio = BertConfig(vocab_size=1, hidden_size=AUDIO_HIDDEN_SIZE, num_hidden_layers=AUDIO_NUM_LAYERS,
                   num_attention_heads=AUDIO_HIDDEN_SIZE//64, intermediate_size=AUDIO_HIDDEN_SIZE*4,
                   max_position_embeddings=MAX_AUDIO_LENGTH)
symbolic = BertConfig(vocab_size=1, hidden_size=M3_HIDDEN_SIZE, num_hidden_layers=PATCH_NUM_LAYERS,
                      num_attention_heads=M3_HIDDEN_SIZE//64, intermediate_size=M3_HIDDEN_SIZE*4,
                      max_position_embeddings=PATCH_LENGTH)
model = CLaMP3Model(audio_config=audio, symbolic_config=symbolic, text_model_name=xlmr, load_m3=False)
torch.manual_seed(0)
state = model.state_dict()
for k, v in state.items():   # every weight random: LayerNorm gains around 1, biases not zero
    v.copy_(1 + 0.1 * torch.randn_like(v) if "LayerNorm.weight" in k else 0.05 * torch.randn_like(v))
print(len(state), "tensors,", sum(v.numel() for v in state.values()), "numbers")
torch.save({"model": state, "epoch": 0, "min_eval_loss": 0.0}, out + "/" + CLAMP3_WEIGHTS_PATH)
"""
# A published preprocessing script, its input_dir (edited into the file upstream) set from outside.
RUN_SCRIPT = """
import re, sys
source = open(sys.argv[1], encoding="utf-8").read()
source = re.sub(r"^input_dir = .*$", "input_dir = %r" % sys.argv[2], source, count=1, flags=re.M)
main = sys.modules["__main__"]
main.__file__ = sys.argv[1]
exec(compile(source, sys.argv[1], "exec"), main.__dict__)
"""
# extract_clamp3.py as published; the text model, the weights' path (and the layer count) set in its config.
RUN_EXTRACT = """
import sys
sys.path.insert(0, sys.argv[1])
import config
config.TEXT_MODEL_NAME, config.CLAMP3_WEIGHTS_PATH = sys.argv[2], sys.argv[3]
config.PATCH_NUM_LAYERS = config.AUDIO_NUM_LAYERS = int(sys.argv[6])
script = sys.argv[1] + "/extract_clamp3.py"
sys.argv = [script, sys.argv[4], sys.argv[5], "--get_global"]
main = sys.modules["__main__"]
exec(compile(open(script, encoding="utf-8").read(), script, "exec"), main.__dict__)
"""


def run(python: str, code: str, *args, cwd: Path, env: dict | None = None) -> None:
    """A reference step with the reference's interpreter; its output goes to reference.log."""
    environment = dict(os.environ, PYTHONHASHSEED="0", **(env or {}))
    done = subprocess.run([python, "-c", code, *map(str, args)], cwd=cwd, env=environment,
                          capture_output=True, text=True)
    log = cwd / "reference.log"
    with log.open("a", encoding="utf-8") as f:
        f.write(done.stdout + done.stderr)
    if done.returncode:
        sys.exit(f"the reference step failed (see {log}):\n{done.stderr[-2000:]}")


def make_checkpoint(work: Path, ref: Path, python: str, layers: int) -> Path:
    """ckpt/ (published .pth + tokenizer.json) and xlmr/ (what the reference's AutoModel loads).

    The tokenizer is trained by the reference's ``tokenizers`` too: older versions cannot read newer files.
    """
    ckpt, xlmr = work / f"ckpt-{layers}", work / f"xlmr-{layers}"
    ckpt.mkdir(exist_ok=True)
    xlmr.mkdir(exist_ok=True)
    if not list(ckpt.glob("weights_clamp3_c2_*.pth")):
        shape = dict(XLMR_BASE, num_hidden_layers=layers)
        run(python, MAKE_CHECKPOINT, xlmr, ckpt, json.dumps(shape), json.dumps(list(TEXTS.values())),
            cwd=ref / "code")
    return ckpt


def music21_midi(score: str, out: Path) -> None:
    from music21 import corpus

    corpus.parse(score).write("midi", fp=str(out))


def performance_midi(out: Path, type0: bool = False, seed: int = 0) -> None:
    """A recorded-performance-like file: unquantised times, velocities, pedal, bends, sysex, names and texts."""
    import mido

    rng = random.Random(seed)
    mid = mido.MidiFile(type=0 if type0 else 1, ticks_per_beat=960)
    meta = mido.MidiTrack()
    meta += [mido.MetaMessage("track_name", name="Performance ÿ"), mido.MetaMessage("set_tempo", tempo=612000),
             mido.MetaMessage("time_signature", numerator=3, denominator=4), mido.MetaMessage("key_signature", key="Eb"),
             mido.MetaMessage("smpte_offset", frame_rate=25, hours=1), mido.MetaMessage("marker", text="A"),
             mido.MetaMessage("sequencer_specific", data=(7, 8)), mido.Message("sysex", data=[0x7E, 0x7F, 9, 1])]
    piano = mido.MidiTrack([mido.MetaMessage("instrument_name", name="Grand Piano"),
                            mido.Message("program_change", program=0, channel=0)])
    for i in range(700 if not type0 else 120):
        pitch = 48 + rng.randrange(36)
        piano.append(mido.Message("note_on", note=pitch, velocity=20 + rng.randrange(100), time=rng.randrange(0, 300)))
        if i % 17 == 0:
            piano.append(mido.Message("control_change", control=64, value=rng.choice((0, 127)), time=rng.randrange(40)))
        if i % 29 == 0:
            piano.append(mido.Message("pitchwheel", pitch=rng.randrange(-8192, 8191), time=3))
            piano.append(mido.Message("aftertouch", value=rng.randrange(128), time=0))
        piano.append(mido.Message("note_off", note=pitch, velocity=64, time=rng.randrange(10, 500)))
    piano.append(mido.MetaMessage("lyrics", text="la"))
    if type0:
        mid.tracks.append(mido.merge_tracks([meta, piano]))
    else:
        mid.tracks += [meta, piano]
    mid.save(out)


def gather_inputs(work: Path, openscore: Path | None) -> dict[str, list[Path]]:
    import mido
    import music21

    m21 = Path(music21.__file__).parent
    xml, midi = work / "xml", work / "midi"
    for folder in (xml, midi):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
    for name in MUSIC21_SCORES:   # flat, unique names: the reference names outputs by file stem
        shutil.copy(m21 / "corpus" / name, xml / ("m21-" + name.replace("/", "-")))
    scores = sorted((ROOT / "tests/data/openscore").rglob("*.mxl"))
    if openscore:
        scores += sorted(openscore.rglob("*.mxl"))[:: max(1, len(list(openscore.rglob("*.mxl"))) // 6)][:6]
    for path in scores:
        shutil.copy(path, xml / f"openscore-{path.stem}.mxl")
    for path in sorted((m21 / "midi/testPrimitive").glob("*.mid")):
        shutil.copy(path, midi / f"m21test-{path.name}")
    music21_midi("bach/bwv66.6", midi / "music21-bwv66.6.mid")
    music21_midi("beethoven/opus18no1/movement1", midi / "music21-opus18no1.mid")
    performance_midi(midi / "mido-performance.mid")
    performance_midi(midi / "mido-type0.mid", type0=True)
    type2 = mido.MidiFile(midi / "mido-type0.mid")
    type2.type = 2            # independent tracks: mido cannot merge them, the reference drops the file
    type2.tracks.append(mido.MidiTrack(type2.tracks[0][:20]))
    type2.save(midi / "mido-type2.mid")
    return {"MusicXML": sorted(xml.iterdir()), "MIDI": sorted(midi.iterdir())}


def run_reference(work: Path, ref: Path, python: str, ckpt: Path, layers: int) -> Path:
    """The reference's preprocessing, then its extractor, on copies of the inputs; returns its .npy folder."""
    (work / "utils").unlink(missing_ok=True)
    (work / "utils").symlink_to(ref / "preprocessing/abc/utils")   # batch_xml2abc runs utils/xml2abc.py
    for name in ("xml_abc", "xml_abc_interleaved", "midi_mtf", "extract", "vectors", "logs"):
        shutil.rmtree(work / name, ignore_errors=True)
    run(python, RUN_SCRIPT, ref / "preprocessing/abc/batch_xml2abc.py", "xml", cwd=work)
    run(python, RUN_SCRIPT, ref / "preprocessing/abc/batch_interleaved_abc.py", "xml_abc", cwd=work)
    run(python, RUN_SCRIPT, ref / "preprocessing/midi/batch_midi2mtf.py", "midi", cwd=work)
    extract = work / "extract"
    extract.mkdir()
    for path in list((work / "xml_abc_interleaved").glob("*.abc")) + list((work / "midi_mtf").glob("*.mtf")):
        shutil.copy(path, extract / path.name)
    for key, text in TEXTS.items():
        (extract / f"text-{key}.txt").write_text(text, encoding="utf-8")
    weights = next(ckpt.glob("weights_clamp3_c2_*.pth"))
    run(python, RUN_EXTRACT, ref / "code", work / f"xlmr-{layers}", weights, extract, work / "vectors", layers, cwd=work)
    return work / "vectors"


def run_ours(work: Path, ckpt: Path, inputs: dict[str, list[Path]]) -> dict[str, np.ndarray]:
    out = work / "ours.npz"
    command = [sys.executable, "-m", "clamp_desktop", "embed", *map(str, inputs["MusicXML"] + inputs["MIDI"]),
               *[arg for text in TEXTS.values() for arg in ("--text", text)],
               "--model", str(ckpt), "--device", "cpu", "--out", str(out), "--json"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        sys.exit(f"clamp-desktop embed failed:\n{done.stderr[-3000:]}")
    report = json.loads(done.stdout)
    (work / "ours.json").write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    data = np.load(out)
    keys = {text: f"text-{key}" for key, text in TEXTS.items()}
    return {keys.get(name, Path(name).stem): vector for name, vector in zip(data["inputs"], data["vectors"])}


def preprocessing_differences(work: Path, inputs: dict[str, list[Path]]) -> list[str]:
    """Inputs whose text (interleaved ABC or MTF) differs from the reference's intermediate file."""
    from clamp_desktop.errors import ConversionError
    from clamp_desktop.ingest.model_input import model_input

    differ = []
    for path in inputs["MusicXML"] + inputs["MIDI"]:
        folder = work / ("xml_abc_interleaved" if path.parent.name == "xml" else "midi_mtf")
        theirs = folder / (path.stem + (".abc" if path.parent.name == "xml" else ".mtf"))
        if not theirs.exists():
            continue
        try:
            ours = model_input(path, "clamp3").text
        except ConversionError:
            continue
        if ours != theirs.read_text(encoding="utf-8"):   # text mode, as extract_clamp3 reads it
            differ.append(path.name)
    return differ


def compare(work: Path, inputs: dict[str, list[Path]], theirs_dir: Path, ours: dict[str, np.ndarray]) -> dict:
    differ = set(preprocessing_differences(work, inputs))
    kinds = {kind: [p.stem for p in paths] for kind, paths in inputs.items()}
    kinds["text"] = [f"text-{key}" for key in TEXTS]
    table = {}
    for kind, names in kinds.items():
        theirs = {n: np.load(theirs_dir / f"{n}.npy")[0] for n in names if (theirs_dir / f"{n}.npy").exists()}
        refused = sorted(n for n in theirs if n not in ours)
        extra = sorted(n for n in names if n in ours and n not in theirs)
        diffs = {n: float(np.abs(ours[n] - v).max()) for n, v in theirs.items() if n in ours}
        worst = max(diffs, key=diffs.get) if diffs else None
        table[kind] = dict(inputs=len(names), reference_encoded=len(theirs), both=len(diffs), we_refuse=refused,
                           only_we_encode=extra, max_abs_diff=diffs[worst] if worst else None, worst=worst,
                           preprocessing_differs=sorted(n for n in differ if Path(n).stem in names),
                           over_1e4=sorted(n for n, d in diffs.items() if d > 1e-4))
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, required=True, help="a checkout of sanderwood/clamp3")
    parser.add_argument("--ref-python", required=True, help="an interpreter with the reference's packages")
    parser.add_argument("--work", type=Path, default=Path("/tmp/clamp3-compare"), help="scratch folder")
    parser.add_argument("--openscore", type=Path, help="more OpenScore .mxl files (a few are taken)")
    parser.add_argument("--reuse-reference", action="store_true",
                        help="keep the reference's vectors from the last run in --work (same inputs and layers)")
    parser.add_argument("--layers", type=int, default=12,
                        help="transformer layers of each encoder (published: 12; widths stay as published)")
    args = parser.parse_args()
    work, ref = args.work.resolve(), args.reference.resolve()
    work.mkdir(parents=True, exist_ok=True)
    (work / "reference.log").unlink(missing_ok=True)
    ckpt = make_checkpoint(work, ref, args.ref_python, args.layers)
    inputs = gather_inputs(work, args.openscore)
    if args.reuse_reference and (work / "vectors").is_dir():
        theirs = work / "vectors"
    else:
        theirs = run_reference(work, ref, args.ref_python, ckpt, args.layers)
    ours = run_ours(work, ckpt, inputs)
    table = compare(work, inputs, theirs, ours)
    (work / "comparison.json").write_text(json.dumps(table, indent=1), encoding="utf-8")
    print(f"random weights, published C2 shapes, {args.layers} layers per encoder")
    print(f"{'kind':10} {'inputs':>6} {'ref':>4} {'both':>4} {'max |diff|':>11}  refused / only ours / text differs")
    for kind, row in table.items():
        diff = f"{row['max_abs_diff']:.2e}" if row["max_abs_diff"] is not None else "-"
        print(f"{kind:10} {row['inputs']:6} {row['reference_encoded']:4} {row['both']:4} {diff:>11}  "
              f"{row['we_refuse'] or '-'} / {row['only_we_encode'] or '-'} / {row['preprocessing_differs'] or '-'}")
    print(f"details: {work / 'comparison.json'}; reference output: {work / 'reference.log'}")
    bad = [k for k, r in table.items() if r["we_refuse"] or r["over_1e4"]]
    sys.exit(f"FAILED for {bad}" if bad else 0)


if __name__ == "__main__":
    main()
