"""A BERT encoder in plain torch, for loading a text query's encoder without transformers.

Importing transformers costs several seconds; a text query needs one small
BERT.  ``PlainBert`` computes what transformers' ``BertModel`` computes for
the configurations it covers (``plain_bert_refusal`` says which: absolute
positions, exact GELU, post-LayerNorm, an encoder only) and keeps its
parameter names, so the same state dict loads key for key.  Anything else is
refused and loaded through transformers as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

_COVERED = {"model_type": ("bert",), "hidden_act": ("gelu",), "position_embedding_type": ("absolute",),
            "is_decoder": (False,), "add_cross_attention": (False,)}


def masked_mean(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over the real positions of each sequence (the reference's avg_pooling)."""
    mask = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1)


def plain_bert_refusal(fields: dict) -> str | None:
    """Why ``PlainBert`` cannot compute this config (a transformers config dict), or None."""
    for name, allowed in _COVERED.items():
        value = fields.get(name, allowed[0])
        if value not in allowed:
            return f"{name}={value!r}"
    return None


@dataclass(frozen=True)
class BertShape:
    vocab_size: int
    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    intermediate_size: int
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    pad_token_id: int = 0

    @classmethod
    def from_fields(cls, fields: dict) -> "BertShape":
        names = cls.__dataclass_fields__
        return cls(**{name: fields[name] for name in names if name in fields})


class BertEmbeddings(nn.Module):
    def __init__(self, shape: BertShape):
        super().__init__()
        self.word_embeddings = nn.Embedding(shape.vocab_size, shape.hidden_size, padding_idx=shape.pad_token_id)
        self.position_embeddings = nn.Embedding(shape.max_position_embeddings, shape.hidden_size)
        self.token_type_embeddings = nn.Embedding(shape.type_vocab_size, shape.hidden_size)
        self.LayerNorm = nn.LayerNorm(shape.hidden_size, eps=shape.layer_norm_eps)

    def forward(self, input_ids: torch.Tensor | None, inputs_embeds: torch.Tensor | None) -> torch.Tensor:
        embeds = self.word_embeddings(input_ids) if inputs_embeds is None else inputs_embeds
        positions = torch.arange(embeds.shape[1], device=embeds.device)
        # Token type 0 everywhere, as the callers never pass token types.
        embeds = embeds + self.token_type_embeddings.weight[0] + self.position_embeddings(positions)
        return self.LayerNorm(embeds)


class _Projection(nn.Module):
    """dense -> (+ residual) -> LayerNorm: BERT's ``*.output`` blocks."""

    def __init__(self, size_in: int, size_out: int, eps: float):
        super().__init__()
        self.dense = nn.Linear(size_in, size_out)
        self.LayerNorm = nn.LayerNorm(size_out, eps=eps)

    def forward(self, hidden: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dense(hidden) + residual)


class _SelfAttention(nn.Module):
    def __init__(self, shape: BertShape):
        super().__init__()
        self.heads = shape.num_attention_heads
        self.query = nn.Linear(shape.hidden_size, shape.hidden_size)
        self.key = nn.Linear(shape.hidden_size, shape.hidden_size)
        self.value = nn.Linear(shape.hidden_size, shape.hidden_size)

    def forward(self, hidden: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        batch, length, size = hidden.shape

        def split(x: torch.Tensor) -> torch.Tensor:
            return x.view(batch, length, self.heads, size // self.heads).transpose(1, 2)

        mixed = F.scaled_dot_product_attention(split(self.query(hidden)), split(self.key(hidden)),
                                               split(self.value(hidden)), attn_mask=bias)
        return mixed.transpose(1, 2).reshape(batch, length, size)


class _Attention(nn.Module):
    def __init__(self, shape: BertShape):
        super().__init__()
        self.self = _SelfAttention(shape)
        self.output = _Projection(shape.hidden_size, shape.hidden_size, shape.layer_norm_eps)

    def forward(self, hidden: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        return self.output(self.self(hidden, bias), hidden)


class _Intermediate(nn.Module):
    def __init__(self, shape: BertShape):
        super().__init__()
        self.dense = nn.Linear(shape.hidden_size, shape.intermediate_size)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return F.gelu(self.dense(hidden))


class BertLayer(nn.Module):
    def __init__(self, shape: BertShape):
        super().__init__()
        self.attention = _Attention(shape)
        self.intermediate = _Intermediate(shape)
        self.output = _Projection(shape.intermediate_size, shape.hidden_size, shape.layer_norm_eps)

    def forward(self, hidden: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        attended = self.attention(hidden, bias)
        return self.output(self.intermediate(attended), attended)


class _Encoder(nn.Module):
    def __init__(self, shape: BertShape):
        super().__init__()
        self.layer = nn.ModuleList(BertLayer(shape) for _ in range(shape.num_hidden_layers))


class _Pooler(nn.Module):
    def __init__(self, shape: BertShape):
        super().__init__()
        self.dense = nn.Linear(shape.hidden_size, shape.hidden_size)


class PlainBert(nn.Module):
    """``BertModel``'s last hidden state, with its parameter names (the pooler only if asked for)."""

    def __init__(self, shape: BertShape, with_pooler: bool = False):
        super().__init__()
        self.embeddings = BertEmbeddings(shape)
        self.encoder = _Encoder(shape)
        if with_pooler:     # only so a whole BertModel state dict loads; its output is never used here
            self.pooler = _Pooler(shape)

    def forward(self, input_ids: torch.Tensor | None = None, attention_mask: torch.Tensor | None = None,
                inputs_embeds: torch.Tensor | None = None) -> torch.Tensor:
        hidden = self.embeddings(input_ids, inputs_embeds)
        if attention_mask is None:
            attention_mask = torch.ones(hidden.shape[:2], device=hidden.device)
        # Padded keys get the dtype's lowest value added to their scores, as transformers does.
        bias = (1.0 - attention_mask[:, None, None, :].to(hidden.dtype)) * torch.finfo(hidden.dtype).min
        for layer in self.encoder.layer:
            hidden = layer(hidden, bias)
        return hidden
