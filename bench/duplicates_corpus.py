"""The bench library for ``bench_duplicates.py``: real scores with planted copies and known pairs.

Real files: music21's Bach chorales (many alike: four parts, a dozen bars,
one composer, so a hard case for "another edition"), other music21 scores,
and OpenScore Lieder and String Quartets.  Planted among them:

* byte copies (another name, another folder);
* transposed copies, made with music21 (``Score.transpose``) and written as MusicXML;
* reductions (soprano and bass only): an arrangement of the same chorale;

and real pairs of one work in two files: music21's Beethoven Op. 18 No. 1
movements in Humdrum and in MusicXML (two encodings), and the Grosse Fuge
in music21 and in OpenScore (two engravings).

``truth.json`` records every pair of files that hold the same work.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

OPENSCORE = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "openscore"
OPENSCORE = OPENSCORE if OPENSCORE.exists() else Path("/work/shared/corpora/openscore")
INTERVALS = ("M2", "-M2", "m3", "-m3", "P4", "-P5")
GROSSE_FUGE = "string-quartets/scores/Beethoven,_Ludwig_van/Grosse_Fuge_in_B-flat_major,_Op.133/sq10502527.mxl"


def corpus_root() -> Path:
    import music21

    return Path(music21.__file__).parent / "corpus"


def build(folder: Path, *, chorales: int, lieder: int, quartets: int, planted: int, seed: int = 7,
          skip: int = 0) -> dict:
    """Copy and plant the files under ``folder``; returns the truth (also written to truth.json).

    ``skip``: leave out the first ``skip`` chorales and as many Lieder and quartets in proportion
    (a held-out library of other files).
    """
    root, rng = corpus_root(), random.Random(seed)
    real = folder / "real"
    real.mkdir(parents=True, exist_ok=True)
    picked = sorted(root.glob("bach/*.mxl"))[skip:skip + chorales]
    originals = [_copy(p, real / "bach" / p.name) for p in picked]
    for name in ("mozart/k80/movement1.mxl", "mozart/k155/movement1.mxl", "joplin/maple_leaf_rag.mxl",
                 "schumann_clara/polonaise_op1n1.mxl", "haydn/opus74no1/movement1.mxl"):
        _copy(root / name, real / name.replace("/", "_"))
    if OPENSCORE.exists():
        for sub, count in (("lieder", lieder), ("string-quartets", quartets)):
            offset = skip * count // max(chorales, 1)
            for p in sorted((OPENSCORE / sub).rglob("*.mxl"))[offset:offset + count]:
                _copy(p, real / sub / p.name)
    pairs = _known_pairs(root, real)
    picks = rng.sample(originals, planted)
    for i, original in enumerate(picks):
        kind = ("byte copy", "transposed", "reduction")[i % 3]
        copy = folder / "planted" / f"{original.stem}-{kind.replace(' ', '-')}.musicxml"
        pairs.append([str(original), str(_plant(kind, original, copy, rng)), kind])
    truth = {"pairs": pairs}
    (folder / "truth.json").write_text(json.dumps(truth, indent=1))
    return truth


def _copy(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target)
    return target


def _known_pairs(root: Path, real: Path) -> list[list[str]]:
    """Real files of one work: Humdrum and MusicXML encodings, two engravings."""
    pairs = []
    for n in range(1, 5):
        xml = _copy(root / f"beethoven/opus18no1/movement{n}.mxl", real / f"op18no1_movement{n}.mxl")
        krn = _copy(root / f"beethoven/opus18no1/movement{n}.krn", real / f"op18no1_movement{n}.krn")
        pairs.append([str(xml), str(krn), "other encoding"])
    if (OPENSCORE / GROSSE_FUGE).exists():
        ours = _copy(root / "beethoven/opus133.mxl", real / "opus133.mxl")
        theirs = _copy(OPENSCORE / GROSSE_FUGE, real / "grosse_fuge_openscore.mxl")
        pairs.append([str(ours), str(theirs), "other engraving"])
    return pairs


def _plant(kind: str, original: Path, copy: Path, rng: random.Random) -> Path:
    """Write the planted copy; returns its path."""
    import music21

    if kind == "byte copy":
        return _copy(original, copy.with_suffix(original.suffix))
    copy.parent.mkdir(parents=True, exist_ok=True)
    score = music21.converter.parse(str(original))
    if kind == "transposed":
        score = score.transpose(rng.choice(INTERVALS))
    else:
        parts = list(score.parts)
        for inner in parts[1:-1]:
            score.remove(inner)
    score.write("musicxml", fp=str(copy))
    return copy


def pairs_in_corpus(folder: Path) -> list[list[str]]:
    """Pairs the real files bring themselves: the same bytes, and versions of one chorale.

    music21 keeps some chorales in several versions (``bwv18.5-lz`` and
    ``bwv18.5-w``: Leipzig and Weimar); one BWV number is one work.
    """
    import hashlib
    from collections import defaultdict

    same_bytes, versions = defaultdict(list), defaultdict(list)
    for path in sorted((folder / "real").rglob("*.*")):
        same_bytes[hashlib.sha256(path.read_bytes()).hexdigest()].append(path)
        if path.parent.name == "bach":
            versions[path.stem.split("-")[0]].append(path)
    pairs = []
    for kind, groups in (("byte copy", same_bytes), ("other version", versions)):
        for paths in groups.values():
            pairs += [[str(a), str(b), kind] for i, a in enumerate(paths) for b in paths[i + 1:]]
    return pairs
