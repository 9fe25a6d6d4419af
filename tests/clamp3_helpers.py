"""A tiny CLaMP 3 checkpoint of the published layout, and the reference's forward pass as a test oracle.

The checkpoint is what ``torch.save`` writes in the reference's training
script (a dict whose ``model`` entry holds the weights, audio branch included),
under the published file name, beside a tokenizer trained here with XLM-R's
special tokens ``<s>``=0, ``<pad>``=1, ``</s>``=2, ``<unk>``=3.
"""

from __future__ import annotations

from pathlib import Path

import torch
from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers
from transformers import BertConfig, BertModel, XLMRobertaConfig, XLMRobertaModel

from clamp_desktop.model.patching import segments
from clamp_desktop.model.registry import CLAMP3_C2_FILE

HIDDEN, PATCH_POSITIONS, TEXT_POSITIONS = 64, 16, 130
SPECIALS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
TEXTS = ["a sad slow piece for strings", "une pièce joyeuse pour piano", "ein Lied für Chor",
         "一首欢快的钢琴曲", "música para guitarra y voz", "a fugue in four voices"] * 5


def train_tokenizer(folder: Path) -> Tokenizer:
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.train_from_iterator(TEXTS, trainers.BpeTrainer(vocab_size=300, special_tokens=SPECIALS))
    tokenizer.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0))
    assert [tokenizer.token_to_id(t) for t in SPECIALS[:4]] == [0, 1, 2, 3]
    tokenizer.save(str(folder / "tokenizer.json"))
    return tokenizer


def reference_configs(vocab: int) -> tuple[BertConfig, XLMRobertaConfig]:
    symbolic = BertConfig(vocab_size=1, hidden_size=HIDDEN, num_hidden_layers=2, num_attention_heads=HIDDEN // 64,
                          intermediate_size=HIDDEN * 4, max_position_embeddings=PATCH_POSITIONS)
    text = XLMRobertaConfig(vocab_size=vocab, hidden_size=HIDDEN, num_hidden_layers=2, num_attention_heads=1,
                            intermediate_size=HIDDEN * 4, max_position_embeddings=TEXT_POSITIONS,
                            type_vocab_size=1, layer_norm_eps=1e-5, pad_token_id=1)
    return symbolic, text


def random_state(vocab: int, seed: int = 0) -> dict[str, torch.Tensor]:
    torch.manual_seed(seed)
    symbolic, text = reference_configs(vocab)
    state = {}
    for prefix, module in (("text_model.", XLMRobertaModel(text)), ("symbolic_model.base.", BertModel(symbolic)),
                           ("audio_model.", BertModel(symbolic))):
        state.update({prefix + k: v.normal_(0, 0.2) if v.is_floating_point() else v
                      for k, v in module.state_dict().items()})
    for name, shape in (("symbolic_model.patch_embedding", (HIDDEN, 64 * 128)), ("text_proj", (HIDDEN, HIDDEN)),
                        ("symbolic_proj", (HIDDEN, HIDDEN)), ("audio_proj", (HIDDEN, HIDDEN))):
        state[name + ".weight"] = torch.randn(shape) * 0.05
        state[name + ".bias"] = torch.randn(shape[0]) * 0.05
    return state


def write_checkpoint(folder: Path, state: dict | None = None, seed: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = train_tokenizer(folder)
    state = state if state is not None else random_state(tokenizer.get_vocab_size(), seed)
    torch.save({"model": state, "epoch": 1, "min_eval_loss": 0.5, "optimizer": {}}, folder / CLAMP3_C2_FILE)
    return folder


class ReferenceModel:
    """The reference's extract_feature, re-stated: one-hot matmul, pad to full length, weighted segments."""

    def __init__(self, folder: Path):
        state = torch.load(folder / CLAMP3_C2_FILE, weights_only=True)["model"]
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        symbolic, text = reference_configs(self.tokenizer.get_vocab_size())
        self.base, self.text = BertModel(symbolic).eval(), XLMRobertaModel(text).eval()
        self.base.load_state_dict(_sub(state, "symbolic_model.base."))
        self.text.load_state_dict(_sub(state, "text_model."))
        self.state = state

    def _linear(self, name, x):
        return x @ self.state[name + ".weight"].T + self.state[name + ".bias"]

    def music(self, patches: list[list[int]]) -> torch.Tensor:
        return self._pooled(patches, PATCH_POSITIONS, self._music_segment)

    def text_vector(self, ids: list[int]) -> torch.Tensor:
        return self._pooled(ids, 128, self._text_segment)

    def _pooled(self, seq, length, encode):
        vectors, weights = zip(*[(encode(s, length), w) for s, w in segments(seq, length)])
        w = torch.tensor(weights, dtype=torch.float32)[:, None]
        return (torch.stack(vectors) * w).sum(0) / w.sum()

    @torch.no_grad()
    def _music_segment(self, seg, length):
        ids = torch.tensor(seg + [[0] * 64] * (length - len(seg)))
        mask = torch.tensor([1] * len(seg) + [0] * (length - len(seg)))[None]
        embeds = torch.nn.functional.one_hot(ids, 128).reshape(1, length, 64 * 128).float()
        hidden = self.base(inputs_embeds=self._linear("symbolic_model.patch_embedding", embeds),
                           attention_mask=mask).last_hidden_state
        pooled = (hidden * mask[..., None]).sum(1) / mask.sum()
        return self._linear("symbolic_proj", pooled)[0]

    @torch.no_grad()
    def _text_segment(self, seg, length):
        ids = torch.tensor(seg + [1] * (length - len(seg)))[None]
        mask = torch.tensor([1] * len(seg) + [0] * (length - len(seg)))[None]
        hidden = self.text(input_ids=ids, attention_mask=mask).last_hidden_state
        pooled = (hidden * mask[..., None]).sum(1) / mask.sum()
        return self._linear("text_proj", pooled)[0]


def _sub(state, prefix):
    return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
