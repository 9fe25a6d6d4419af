"""Every model the app knows by name, in one table.

A model is named either by a registry name (a published hub checkpoint or the
bundled model) or by a path to a folder in the published layout.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..errors import CheckpointError, ModelUnavailableError


@dataclass(frozen=True)
class HubFile:
    name: str
    size: int | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class ModelEntry:
    name: str
    description: str
    repo_id: str | None = None          # Hugging Face hub repo; None for bundled models
    files: tuple[HubFile, ...] = ()
    bundled_dir: str | None = None      # folder under resources/models
    download_size: int = 0
    whole_pieces: bool = False          # trained on whole pieces: long pieces are read in segments
    family: str = "clamp"               # "clamp" (v1 layout) or "clamp3" / "clamp2" (model.clamp3)
    languages: str = "English"          # what its text side understands
    text_tokenizer_repo: str | None = None   # hub repo of its tokenizer, when not distilroberta-base
    # the music encoder's (hidden, layers, intermediate, bar patches read unless whole pieces), for speed estimates
    music_encoder: tuple[int, int, int, int] = (768, 6, 3072, 512)

    @property
    def is_bundled(self) -> bool:
        return self.bundled_dir is not None


PUBLISHED = (
    ModelEntry(
        name="sander-wood/clamp-small-512",
        description="CLaMP-S/512 (ISMIR 2023): the published model, 512 bar patches",
        repo_id="sander-wood/clamp-small-512",
        files=(
            HubFile("config.json"),
            HubFile(
                "pytorch_model.bin",
                526_605_909,
                "43b1a1a32362d64096e74322b711926a03c79b31164d45100dffe640e34e2c6c",
            ),
        ),
        download_size=526_605_909,
    ),
    ModelEntry(
        name="sander-wood/clamp-small-1024",
        description="CLaMP-S/1024 (ISMIR 2023): the published model, 1024 bar patches",
        repo_id="sander-wood/clamp-small-1024",
        files=(
            HubFile("config.json"),
            HubFile(
                "pytorch_model.bin",
                528_182_869,
                "0a8044d715a92b3c16c55fa945ff26d615d0a32165c87987ab0d969ec27c8481",
            ),
        ),
        download_size=528_182_869,
        music_encoder=(768, 6, 3072, 1024),
    ),
)

CLAMP3_C2_FILE = (
    "weights_clamp3_c2_h_size_768_t_model_FacebookAI_xlm-roberta-base_t_length_128_a_size_768"
    "_a_layers_12_a_length_128_s_size_768_s_layers_12_p_size_64_p_length_512.pth"
)
CLAMP2_FILE = (
    "weights_clamp2_h_size_768_lr_5e-05_batch_128_scale_1_t_length_128"
    "_t_model_FacebookAI_xlm-roberta-base_t_dropout_True_m3_True.pth"
)
XLMR_TOKENIZER_REPO = "FacebookAI/xlm-roberta-base"
# config.json names the tokenizer class (xlm-roberta-base's tokenizer_config.json does not).
XLMR_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "config.json", "sentencepiece.bpe.model")
# Size and sha256 are not published: the revision and hash are pinned on first
# download (hub.fetch_pinned) and checked on every later one.
MULTILINGUAL = (
    PUBLISHED
    + (
        ModelEntry(
            name="clamp3-c2",
            description="CLaMP 3 C2 (ACL 2025): scores and MIDI, whole pieces, ~100 languages; "
                        "WikiMT text-to-music MRR 0.4498 (CLaMP v1: 0.2561)",
            repo_id="sander-wood/clamp3", files=(HubFile(CLAMP3_C2_FILE),),
            download_size=2_500_000_000, whole_pieces=True, family="clamp3",
            languages="about 100 languages (XLM-R)", text_tokenizer_repo=XLMR_TOKENIZER_REPO,
            music_encoder=(768, 12, 3072, 512),
        ),
        ModelEntry(
            name="clamp2",
            description="CLaMP 2 (NAACL 2025): scores and MIDI, whole pieces, ~100 languages",
            repo_id="sander-wood/clamp2", files=(HubFile(CLAMP2_FILE),),
            download_size=2_500_000_000, whole_pieces=True, family="clamp2",
            languages="about 100 languages (XLM-R)", text_tokenizer_repo=XLMR_TOKENIZER_REPO,
            music_encoder=(768, 12, 3072, 512),
        ),
    )
)

BUNDLED = (
    ModelEntry(
        name="clamp-desktop-mini",
        description="Small offline model trained by this project on music21's corpus (bundled)",
        bundled_dir="clamp-desktop-mini",
        whole_pieces=True,
        music_encoder=(256, 4, 1024, 128),
    ),
)

# Appended to a model's name when the user asks a model trained on its first
# max_length patches to read whole pieces (see resolve_model).
WHOLE_PIECES_SUFFIX = "+whole-pieces"

REGISTRY: dict[str, ModelEntry] = {m.name: m for m in MULTILINGUAL + BUNDLED}

# The tokenizer the published checkpoints expect; they do not contain it.
TEXT_TOKENIZER_REPO = "distilroberta-base"
TEXT_TOKENIZER_FILES = ("config.json", "vocab.json", "merges.txt", "tokenizer.json")

# distilroberta-base's architecture, used when a checkpoint's config.json
# describes only the music side (as the published ones do).
DISTILROBERTA_CONFIG = {
    "model_type": "roberta",
    "vocab_size": 50265,
    "hidden_size": 768,
    "num_hidden_layers": 6,
    "num_attention_heads": 12,
    "intermediate_size": 3072,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1,
    "max_position_embeddings": 514,
    "type_vocab_size": 1,
    "initializer_range": 0.02,
    "layer_norm_eps": 1e-05,
    "pad_token_id": 1,
    "bos_token_id": 0,
    "eos_token_id": 2,
}


def weights_file(folder: Path) -> Path:
    """A model folder's weights (here, not in ``checkpoint``: finding them must not import torch)."""
    for name in ("model.safetensors", "pytorch_model.bin"):
        if (folder / name).exists():
            return folder / name
    raise CheckpointError(f"{folder} holds neither model.safetensors nor pytorch_model.bin.")


def bundled_model_dir(entry: ModelEntry) -> Path:
    return Path(str(resources.files("clamp_desktop.resources"))) / "models" / entry.bundled_dir


def default_model_name() -> str:
    """The bundled model when it is installed, else the published 512 model."""
    for entry in BUNDLED:
        if (bundled_model_dir(entry) / "config.json").exists():
            return entry.name
    return PUBLISHED[0].name


def list_models() -> list[ModelEntry]:
    return list(REGISTRY.values())


def trained_on_whole_pieces(name: str, entry: ModelEntry | None) -> bool:
    """The registry entry's flag; for a checkpoint folder, ``"whole_pieces": true`` in its config.json."""
    if entry is not None:
        return entry.whole_pieces
    if any(Path(name).glob("weights_clamp[23]_*.pth")):
        return True   # a CLaMP 3 / CLaMP 2 folder: trained on whole pieces
    try:
        config = json.loads((Path(name) / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(config, dict) and config.get("whole_pieces") is True


def with_whole_pieces(requested: str | None) -> str:
    """The model request that reads whole pieces ("read whole pieces", opted into by the user)."""
    text = str(requested or default_model_name())
    return text if text.endswith(WHOLE_PIECES_SUFFIX) else text + WHOLE_PIECES_SUFFIX


def reads_whole_pieces(name_or_folder: str | Path) -> bool:
    """Whether the model so named encodes long pieces in segments (its training, or the user's choice)."""
    text = str(name_or_folder)
    if text.endswith(WHOLE_PIECES_SUFFIX):
        return True
    return trained_on_whole_pieces(*resolve_model(text))


def resolve_model(name_or_folder: str | Path) -> tuple[str, ModelEntry | None]:
    """(the name vectors are stored under, registry entry or None for a folder).

    A request ending in ``+whole-pieces`` keeps the suffix when the model was
    trained on its first ``max_length`` patches (CLaMP v1): its segmented
    vectors differ from its faithful ones and are stored apart.  For a model
    trained on whole pieces the suffix is dropped: it reads them whole anyway.
    """
    text = str(name_or_folder)
    if text.endswith(WHOLE_PIECES_SUFFIX) and not Path(text).is_dir():
        name, entry = resolve_model(text[: -len(WHOLE_PIECES_SUFFIX)])
        return (name if trained_on_whole_pieces(name, entry) else name + WHOLE_PIECES_SUFFIX), entry
    if text in REGISTRY:
        return text, REGISTRY[text]
    if Path(text).is_dir():
        return str(Path(text).resolve()), None
    known = ", ".join(REGISTRY)
    raise ModelUnavailableError(
        f"'{text}' is neither a known model ({known}) nor a checkpoint folder."
    )


def model_reads(name_or_folder: str | Path) -> str:
    """What the named model reads, without loading it: ``clamp3``/``clamp2`` or ``clamp-abc`` (v1, bundled)."""
    text = str(name_or_folder).removesuffix(WHOLE_PIECES_SUFFIX)
    entry = REGISTRY.get(text)
    if entry is not None:
        return entry.family if entry.family in ("clamp3", "clamp2") else "clamp-abc"
    for family in ("clamp3", "clamp2"):
        if Path(text).is_dir() and any(Path(text).glob(f"weights_{family}_*.pth")):
            return family
    return "clamp-abc"
