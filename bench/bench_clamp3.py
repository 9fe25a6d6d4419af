"""CLaMP 3 throughput on CPU: our pipeline (fp32 and fast path) against the reference's workflow.

Random weights of the published C2 layout (hidden 768, 12+12 layers, 512
patches, XLM-R-sized text side unless ``--text-vocab`` shrinks its embedding
table, which no music vector touches), on every ``--step``-th music21 file:

* reference workflow: per file, a new Python process for xml2abc ``-d 8 -x``,
  another for the interleaving step, then one piece at a time padded to 512
  patches through one-hot x Linear (as ``extract_clamp3.py`` does);
* ours: in-process conversion, then batched, length-sorted, gather-sum encoding;
* ours, fast path: the same with int8 linear layers;
* CLaMP v1 beside it, on the same files (fp32 and fast path): random weights
  of the published CLaMP-S/512 layout (the real weights need the network),
  reading each file as v1 does (our ABC, the first 512 bar patches).

It prints pieces per second for each, the exactness of ours against the
reference computation (max abs diff) and the fast path's cosine to fp32 and
top-10 neighbour overlap.  No assertions: figures go to docs/performance.md.

    python bench/bench_clamp3.py            # 24 files, published layout
    python bench/bench_clamp3.py --quick    # smoke: 4 files, 2 layers
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from clamp_desktop.ingest.interleave import musicxml_to_interleaved_abc
from clamp_desktop.ingest.musicxml import read_musicxml_bytes
from clamp_desktop.ingest.xml2abc import write_reference_script

_INTERLEAVE_SCRIPT = """
import sys
from clamp_desktop.ingest.interleave import interleave_abc
sys.stdout.write(interleave_abc(open(sys.argv[1], encoding="utf-8").read()))
"""


def corpus_sample(step: int, limit: int) -> list[Path]:
    import music21

    root = Path(music21.__file__).parent / "corpus"
    return sorted(p for p in root.rglob("*") if p.suffix in (".mxl", ".xml"))[::step][:limit]


def random_c2(folder: Path, layers: int, text_vocab: int) -> Path:
    """A random checkpoint of the C2 layout (``layers`` per encoder), with a tokenizer of XLM-R's special ids."""
    import torch
    from transformers import BertConfig, BertModel, XLMRobertaConfig, XLMRobertaModel

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from clamp3_helpers import train_tokenizer

    from clamp_desktop.model.registry import CLAMP3_C2_FILE

    folder.mkdir(parents=True, exist_ok=True)
    vocab = max(text_vocab, train_tokenizer(folder).get_vocab_size())
    torch.manual_seed(0)
    state = {}
    symbolic = BertModel(BertConfig(vocab_size=1, num_hidden_layers=layers, max_position_embeddings=512))
    text = XLMRobertaModel(XLMRobertaConfig(vocab_size=vocab, num_hidden_layers=layers, max_position_embeddings=514,
                                            type_vocab_size=1, layer_norm_eps=1e-5, pad_token_id=1))
    state.update({"symbolic_model.base." + k: v for k, v in symbolic.state_dict().items()})
    state.update({"text_model." + k: v for k, v in text.state_dict().items()})
    state["symbolic_model.patch_embedding.weight"] = torch.randn(768, 8192) * 0.02
    state["symbolic_model.patch_embedding.bias"] = torch.zeros(768)
    for name in ("symbolic_proj", "text_proj"):
        state[name + ".weight"], state[name + ".bias"] = torch.randn(768, 768) * 0.02, torch.zeros(768)
    torch.save({"model": state, "epoch": 0, "min_eval_loss": 0.0}, folder / CLAMP3_C2_FILE)
    return folder


def reference_item(xml2abc: Path, interleave: Path, path: Path, work: Path) -> str | None:
    out = subprocess.run([sys.executable, str(xml2abc), "-d", "8", "-x", str(path)], capture_output=True)
    abc = out.stdout.decode("utf-8")
    if not abc:
        return None
    (work / "x.abc").write_text(abc, encoding="utf-8")
    out = subprocess.run([sys.executable, str(interleave), str(work / "x.abc")], capture_output=True)
    return out.stdout.decode("utf-8") or None


def reference_encode(model, item: str) -> np.ndarray:
    """extract_clamp3.py's global vector: segments padded to 512, one-hot x Linear, weighted mean."""
    import torch

    from clamp_desktop.model.clamp3.patching import m3_patches
    from clamp_desktop.model.patching import segments

    net, out, weights = model.network, [], []
    for seg, weight in segments(m3_patches(item), 512):
        ids = torch.tensor(seg + [[0] * 64] * (512 - len(seg)))[None]
        mask = torch.tensor([1] * len(seg) + [0] * (512 - len(seg)))[None]
        with torch.no_grad():
            embeds = net.symbolic_model.patch_embedding(
                torch.nn.functional.one_hot(ids, 128).reshape(1, 512, 8192).float())
            hidden = net.symbolic_model.base(inputs_embeds=embeds, attention_mask=mask).last_hidden_state
            pooled = (hidden * mask[..., None]).sum(1) / mask.sum()
            out.append(net.symbolic_proj(pooled)[0].numpy())
        weights.append(weight)
    w = np.asarray(weights, np.float32)[:, None]
    return (np.stack(out) * w).sum(0) / w.sum()


def v1_rows(files: list[Path], work: Path) -> tuple[int, float, float, float]:
    """(pieces, conversion s, fp32 s, fast-path s) for CLaMP v1 on the same files."""
    from clamp_desktop.ingest.model_input import v1_input
    from clamp_desktop.model import load_clamp
    from clamp_desktop.model.precision import with_precision
    from clamp_desktop.model.synthetic import write_random_checkpoint

    model = load_clamp(write_random_checkpoint(work / "v1", None), device="cpu")
    started = time.perf_counter()
    items = []
    for path in files:
        try:
            items.append(v1_input(path).text)
        except Exception:  # counted: fewer pieces than files
            continue
    convert_s = time.perf_counter() - started
    timings = []
    for chosen in (model, with_precision(model, "fast")):
        started = time.perf_counter()
        chosen.encode_music(items)
        timings.append(time.perf_counter() - started)
    return len(items), convert_s, convert_s + timings[0], convert_s + timings[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--step", type=int, default=25)
    parser.add_argument("--files", type=int, default=24)
    parser.add_argument("--layers", type=int, default=12)
    parser.add_argument("--text-vocab", type=int, default=1000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.files, args.layers = 4, 2
    import torch

    from clamp_desktop.model import load_clamp, normalize
    from clamp_desktop.model.precision import with_precision

    files = corpus_sample(args.step, args.files)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model = load_clamp(random_c2(work / "c2", args.layers, args.text_vocab), device="cpu")
        xml2abc = write_reference_script(work)
        interleave = work / "interleave.py"
        interleave.write_text(_INTERLEAVE_SCRIPT, encoding="utf-8")

        started = time.perf_counter()
        ref_items = {p: reference_item(xml2abc, interleave, p, work) for p in files}
        ref_vectors = {p: reference_encode(model, t) for p, t in ref_items.items() if t}
        ref_s = time.perf_counter() - started

        started = time.perf_counter()
        ours_items = {}
        for p in files:
            try:
                ours_items[p] = musicxml_to_interleaved_abc(read_musicxml_bytes(p), p.stem)[0]
            except Exception:  # counted below as not encoded
                continue
        names = list(ours_items)
        convert_s = time.perf_counter() - started
        started = time.perf_counter()
        ours = model.encode_music([ours_items[p] for p in names])
        ours_s = convert_s + time.perf_counter() - started

        fast_model = with_precision(model, "fast")
        started = time.perf_counter()
        fast = fast_model.encode_music([ours_items[p] for p in names])
        fast_s = convert_s + time.perf_counter() - started
        v1_count, v1_convert_s, v1_s, v1_fast_s = v1_rows(files, work)

    common = [i for i, p in enumerate(names) if p in ref_vectors]
    diff = max(float(np.abs(ours[i] - ref_vectors[names[i]]).max()) for i in common) if common else float("nan")
    cos = (normalize(ours) * normalize(fast)).sum(1)
    sims, fast_sims = normalize(ours) @ normalize(ours).T, normalize(fast) @ normalize(fast).T
    k = min(10, len(names) - 1)
    overlap = np.mean([len(set(np.argsort(-sims[i])[1:k + 1]) & set(np.argsort(-fast_sims[i])[1:k + 1])) / k
                       for i in range(len(names))]) if k > 0 else float("nan")
    print(f"files {len(files)}, layers {args.layers}, torch threads {torch.get_num_threads()}")
    print(f"reference workflow: {len(ref_vectors)} encoded, {len(ref_vectors) / ref_s:.2f} pieces/s")
    print(f"ours fp32:          {len(names)} encoded, {len(names) / ours_s:.2f} pieces/s "
          f"({ref_s / len(ref_vectors) / (ours_s / len(names)):.1f}x)")
    print(f"ours fast path:     {len(names) / fast_s:.2f} pieces/s (conversion + int8 encoding)")
    print(f"conversion alone:   {len(names) / convert_s:.2f} pieces/s")
    print("CLaMP v1 beside it (random weights of the published CLaMP-S/512 layout; the real weights are "
          "not downloaded here):")
    print(f"v1 fp32:            {v1_count} encoded, {v1_count / v1_s:.2f} pieces/s (first 512 patches)")
    print(f"v1 fast path:       {v1_count / v1_fast_s:.2f} pieces/s")
    print(f"v1 conversion alone: {v1_count / v1_convert_s:.2f} pieces/s")
    print(f"max |ours - reference| {diff:.2e}; fast path cosine to fp32 min {cos.min():.4f}, "
          f"top-{k} overlap {overlap:.0%}")


if __name__ == "__main__":
    main()
