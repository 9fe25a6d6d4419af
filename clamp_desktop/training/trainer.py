"""The two training stages of CLaMP, on a ``ClampNetwork``: masked music model, then contrastive.

* **Masked music model** (pre-training the music encoder alone): 15 % of a
  piece's bar patches are chosen; 80 % of those become all-mask patches (id
  96), 10 % another patch of the batch, 10 % stay; a small head predicts every
  character of each chosen patch from the encoder's output at that patch.
  The head is thrown away afterwards.
* **Contrastive** (symmetric InfoNCE): music vectors against text vectors of
  one text-dropout description per piece per step.  The text encoder is
  frozen, so its mean-pooled hidden states are computed once for every
  description (``text_features``) and only ``text_proj`` learns on the text
  side.  A description is also *true* of other pieces in the batch that share
  the fields it names ("In 6/8 time." fits every 6/8 piece), so those pairs
  count as positives rather than negatives.

Everything runs on the CPU in minutes for the bundled model's size; a seed
fixes the data order, masking and initialisation.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..model.network import ClampNetwork, masked_mean
from ..model.patching import MASK_ID, PATCH_FEATURES, PATCH_LENGTH
from .dataset import Example

Log = Callable[[str], None]


@dataclass
class StageResult:
    steps: int
    seconds: float
    first_loss: float
    last_loss: float
    losses: list[float]



def _optimizer_step(optimizer, loss, params) -> float:
    """One update with gradients clipped to norm 1; returns the loss as a float."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    nn.utils.clip_grad_norm_(params, 1.0)
    optimizer.step()
    return float(loss.detach())

def _result(steps: int, started: float, losses: list[float]) -> StageResult:
    """Mean loss of the first and of the last quarter of the steps (at most 20 each)."""
    if not losses:
        return StageResult(steps, time.perf_counter() - started, float("nan"), float("nan"), losses)
    k = max(1, min(20, len(losses) // 4))
    return StageResult(steps, time.perf_counter() - started, float(np.mean(losses[:k])),
                       float(np.mean(losses[-k:])), losses)


def batches_by_length(lengths: Sequence[int], batch_size: int, patch_budget: int,
                      rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar length (little padding), each under ``patch_budget`` patches."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], rng.random()))
    batches, current = [], []
    for index in order:
        longest = max(lengths[index], 1)
        if current and ((len(current) + 1) * longest > patch_budget or len(current) >= batch_size):
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    rng.shuffle(batches)
    return batches


def pad_patches(examples: Sequence[Example], batch: list[int],
                rng: random.Random) -> tuple[torch.Tensor, torch.Tensor]:
    """(ids, mask) of one drawn segment per piece (``Example.segment``: all are as long as the first)."""
    chosen = [examples[i].segment(rng) for i in batch]
    longest = max(len(patches) for patches in chosen)
    ids = torch.zeros((len(batch), longest, PATCH_LENGTH), dtype=torch.long)
    mask = torch.zeros((len(batch), longest), dtype=torch.long)
    for row, patches in enumerate(chosen):
        ids[row, : len(patches)] = torch.from_numpy(patches.astype(np.int64))
        mask[row, : len(patches)] = 1
    return ids, mask


def _schedule(step: int, total: int, warmup: int) -> float:
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


class PatchHead(nn.Module):
    """Hidden state of a patch -> logits of its 64 characters (98 classes each)."""

    def __init__(self, hidden: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(hidden, hidden), nn.GELU(), nn.LayerNorm(hidden),
                                 nn.Linear(hidden, PATCH_LENGTH * PATCH_FEATURES))

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.net(hidden).view(-1, PATCH_LENGTH, PATCH_FEATURES)


def mask_patches(ids: torch.Tensor, mask: torch.Tensor, generator: torch.Generator,
                 rate: float = 0.15) -> tuple[torch.Tensor, torch.Tensor]:
    """(corrupted ids, chosen [batch, patches] bool) for the masked music model."""
    chosen = (torch.rand(mask.shape, generator=generator) < rate) & mask.bool()
    if not chosen.any():
        first = mask.sum(dim=1).argmax()
        chosen[first, 0] = True
    corrupted = ids.clone()
    roll = torch.rand(mask.shape, generator=generator)
    to_mask = chosen & (roll < 0.8)
    to_random = chosen & (roll >= 0.8) & (roll < 0.9)
    corrupted[to_mask] = MASK_ID
    if to_random.any():
        real = ids[mask.bool()]
        picks = torch.randint(len(real), (int(to_random.sum()),), generator=generator)
        corrupted[to_random] = real[picks]
    return corrupted, chosen


def train_masked_music(network: ClampNetwork, examples: Sequence[Example], *, steps: int,
                       batch_size: int = 64, patch_budget: int = 8192, lr: float = 5e-4,
                       seed: int = 0, log: Log | None = None, log_every: int = 50) -> StageResult:
    """Masked-music-model pre-training of ``network.music_enc`` for ``steps`` steps."""
    rng = random.Random(seed)
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    encoder = network.music_enc
    head = PatchHead(encoder.enc.config.hidden_size)
    params = list(encoder.parameters()) + list(head.parameters())
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    lengths = [len(e.patches) for e in examples]
    encoder.train()
    losses, started, step = [], time.perf_counter(), 0
    while step < steps:
        for batch in batches_by_length(lengths, batch_size, patch_budget, rng):
            if step >= steps:
                break
            for group in optimizer.param_groups:
                group["lr"] = lr * _schedule(step, steps, max(1, steps // 20))
            ids, mask = pad_patches(examples, batch, rng)
            corrupted, chosen = mask_patches(ids, mask, generator)
            hidden = encoder(corrupted, mask)
            logits = head(hidden[chosen])
            target = ids[chosen]
            # Every character up to the end-of-patch mark counts; the padding after it does not.
            valid = target != 0
            loss = nn.functional.cross_entropy(logits[valid], target[valid])
            losses.append(_optimizer_step(optimizer, loss, params))
            step += 1
            if log and (step % log_every == 0 or step == steps):
                log(f"mmm step {step}/{steps} loss {np.mean(losses[-log_every:]):.4f} "
                    f"({time.perf_counter() - started:.0f} s)")
    encoder.eval()
    return _result(step, started, losses)


def compatibility(examples: Sequence[Example], batch: list[int], variants: list[int]) -> torch.Tensor:
    """[music i, text j] = 1 when piece i has every field that text j (of piece j) names, same value."""
    size = len(batch)
    out = torch.eye(size)
    for j, (bj, vj) in enumerate(zip(batch, variants)):
        text_fields = examples[bj].used[vj] if vj >= 0 else tuple(examples[bj].signature)
        sig_j = examples[bj].signature
        for i, bi in enumerate(batch):
            if i == j:
                continue
            sig_i = examples[bi].signature
            if all(sig_i.get(f) == sig_j[f] for f in text_fields):
                out[i, j] = 1.0
    return out


def soft_infonce(logits: torch.Tensor, positives: torch.Tensor) -> torch.Tensor:
    """Symmetric InfoNCE with several positives per row/column (targets spread evenly over them)."""
    rows = positives / positives.sum(dim=1, keepdim=True)
    cols = positives / positives.sum(dim=0, keepdim=True)
    music_to_text = -(rows * logits.log_softmax(dim=1)).sum(dim=1).mean()
    text_to_music = -(cols * logits.log_softmax(dim=0)).sum(dim=0).mean()
    return (music_to_text + text_to_music) / 2


def tagging_loss(logits: torch.Tensor, targets: torch.Tensor, spans: Sequence[tuple[int, int]]) -> torch.Tensor | None:
    """Cross-entropy within each vocabulary (a span of label columns) for the pieces it has a true label for."""
    losses = []
    for start, end in spans:
        wanted = targets[:, start:end]
        known = wanted.sum(dim=1) > 0
        if known.any():
            losses.append(-(wanted[known] * logits[known, start:end].log_softmax(dim=1)).sum(dim=1))
    return torch.cat(losses).mean() if losses else None


@dataclass
class TagTask:
    """The tagging loss's inputs: label-prompt features, per-example targets, vocabulary spans, weight."""

    features: np.ndarray            # [labels, text hidden] pooled text-encoder features of the prompts
    targets: np.ndarray             # [examples, labels] see ``training.tags.TagTargets.targets``
    spans: list[tuple[int, int]]
    weight: float


def train_contrastive(network: ClampNetwork, examples: Sequence[Example], text_features: np.ndarray, *,
                      epochs: float, batch_size: int = 64, patch_budget: int = 8192, lr: float = 5e-4,
                      proj_lr: float | None = None, full_text_rate: float = 0.2, seed: int = 0,
                      train_encoder: bool = True, tags: TagTask | None = None, log: Log | None = None,
                      log_every: int = 50) -> StageResult:
    """Symmetric InfoNCE between music vectors and frozen-text-encoder features, ``epochs`` passes.

    With ``tags``, each step also adds ``tags.weight`` x the tagging loss: the
    same music vectors against every label prompt of the tag vocabularies.
    """
    rng = random.Random(seed + 1)
    torch.manual_seed(seed + 1)
    feats = torch.from_numpy(np.ascontiguousarray(text_features, dtype=np.float32))
    if tags is not None:
        tag_feats = torch.from_numpy(np.ascontiguousarray(tags.features, dtype=np.float32))
        tag_targets = torch.from_numpy(np.ascontiguousarray(tags.targets, dtype=np.float32))
    logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
    encoder_params = list(network.music_enc.parameters()) if train_encoder else []
    for p in network.music_enc.parameters():
        p.requires_grad_(train_encoder)
    for p in network.text_enc.parameters():
        p.requires_grad_(False)
    proj_params = list(network.music_proj.parameters()) + list(network.text_proj.parameters()) + [logit_scale]
    groups = [{"params": proj_params, "lr": proj_lr or lr}]
    if encoder_params:
        groups.append({"params": encoder_params, "lr": lr})
    optimizer = torch.optim.AdamW(groups, weight_decay=0.01)
    base_lrs = [g["lr"] for g in optimizer.param_groups]
    lengths = [len(e.patches) for e in examples]
    per_epoch = len(batches_by_length(lengths, batch_size, patch_budget, random.Random(0)))
    steps = max(1, int(round(per_epoch * epochs)))
    network.music_enc.train(train_encoder)
    losses, started, step = [], time.perf_counter(), 0
    if len(examples) < 2:
        raise ValueError("contrastive training needs at least two pieces")
    while step < steps:
        for batch in batches_by_length(lengths, max(2, batch_size), patch_budget, rng):
            if step >= steps:
                break
            if len(batch) < 2:
                batch = batch + [rng.randrange(len(examples))]
                if batch[1] == batch[0]:
                    continue
            factor = _schedule(step, steps, max(1, steps // 20))
            for group, base in zip(optimizer.param_groups, base_lrs):
                group["lr"] = base * factor
            variants = [-1 if rng.random() < full_text_rate or not examples[i].texts
                        else rng.randrange(len(examples[i].texts)) for i in batch]
            text_ids = [examples[i].full if v < 0 else examples[i].texts[v] for i, v in zip(batch, variants)]
            ids, mask = pad_patches(examples, batch, rng)
            music = nn.functional.normalize(network.music_features(ids, mask), dim=-1)
            text = nn.functional.normalize(network.text_proj(feats[text_ids]), dim=-1)
            scale = logit_scale.clamp(max=math.log(100)).exp()
            loss = soft_infonce(scale * music @ text.t(), compatibility(examples, batch, variants))
            if tags is not None:
                labels = nn.functional.normalize(network.text_proj(tag_feats), dim=-1)
                extra = tagging_loss(scale * music @ labels.t(), tag_targets[batch], tags.spans)
                if extra is not None:
                    loss = loss + tags.weight * extra
            losses.append(_optimizer_step(optimizer, loss, [p for g in groups for p in g["params"]]))
            step += 1
            if log and (step % log_every == 0 or step == steps):
                log(f"contrastive step {step}/{steps} loss {np.mean(losses[-log_every:]):.4f} "
                    f"scale {logit_scale.exp().item():.1f} ({time.perf_counter() - started:.0f} s)")
    network.eval()
    for p in network.parameters():
        p.requires_grad_(True)
    return _result(step, started, losses)


def pooled_text_features(text_enc: nn.Module, tokenizer, texts: Sequence[str], max_tokens: int = 128,
                         batch_size: int = 256) -> np.ndarray:
    """Mean-pooled last hidden states of the text encoder: the input of ``text_proj``.

    Tokenised exactly as ``Clamp.encode_text`` does (special tokens on,
    truncation at 128 tokens), so training sees what inference computes.
    """
    hidden = text_enc.config.hidden_size
    out = np.zeros((len(texts), hidden), dtype=np.float32)
    if not len(texts):
        return out
    encoded = [tokenizer(t, truncation=True, max_length=max_tokens)["input_ids"] for t in texts]
    order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))
    pad_id = tokenizer.pad_token_id or 0
    text_enc.eval()
    for start in range(0, len(order), batch_size):
        batch = order[start: start + batch_size]
        longest = max(len(encoded[i]) for i in batch)
        ids = torch.full((len(batch), longest), pad_id, dtype=torch.long)
        mask = torch.zeros((len(batch), longest), dtype=torch.long)
        for row, index in enumerate(batch):
            ids[row, : len(encoded[index])] = torch.tensor(encoded[index])
            mask[row, : len(encoded[index])] = 1
        with torch.inference_mode():
            states = text_enc(input_ids=ids, attention_mask=mask).last_hidden_state
            out[batch] = masked_mean(states, mask).numpy()
    return out
