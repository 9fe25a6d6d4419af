"""The CLaMP 3 network (symbolic + text path): tensors in, projected vectors out.

Module names match the published state dict (``text_model``, ``text_proj``,
``symbolic_model.patch_embedding``, ``symbolic_model.base``,
``symbolic_proj``), so a published checkpoint loads key for key.  Every size
comes from a ``Clamp3Shape`` read off the state dict, never assumed.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from transformers import BertConfig, BertModel, XLMRobertaConfig, XLMRobertaModel

from ..network import masked_mean

M3_CLASSES = 128   # one-hot width per character: ids are ord(c) < 128 after unidecode


@dataclass(frozen=True)
class EncoderShape:
    hidden: int
    layers: int
    intermediate: int
    positions: int
    token_types: int
    vocab: int


@dataclass(frozen=True)
class Clamp3Shape:
    text: EncoderShape
    music: EncoderShape
    patch_size: int     # characters per patch (64)
    dim: int            # output vector size


def symbolic_config(shape: EncoderShape) -> BertConfig:
    """The M3 patch encoder's BERT: LayerNorm eps 1e-12, exact GELU, heads = hidden // 64."""
    return BertConfig(
        vocab_size=shape.vocab, hidden_size=shape.hidden, num_hidden_layers=shape.layers,
        num_attention_heads=max(shape.hidden // 64, 1), intermediate_size=shape.intermediate,
        max_position_embeddings=shape.positions, type_vocab_size=shape.token_types,
        hidden_act="gelu", layer_norm_eps=1e-12,
    )


def text_config(shape: EncoderShape) -> XLMRobertaConfig:
    """xlm-roberta-base's config with the sizes read from the weights.

    LayerNorm eps is 1e-5 (XLMRobertaConfig's own default is 1e-12: a trap);
    pad id 1, so positions start at 2.
    """
    return XLMRobertaConfig(
        vocab_size=shape.vocab, hidden_size=shape.hidden, num_hidden_layers=shape.layers,
        num_attention_heads=max(shape.hidden // 64, 1), intermediate_size=shape.intermediate,
        max_position_embeddings=shape.positions, type_vocab_size=shape.token_types,
        hidden_act="gelu", layer_norm_eps=1e-5, pad_token_id=1, bos_token_id=0, eos_token_id=2,
    )


class M3PatchEncoder(nn.Module):
    """Patches of character ids -> hidden states: one-hot patch embedding, then BERT."""

    def __init__(self, shape: EncoderShape, patch_size: int):
        super().__init__()
        self.patch_embedding = nn.Linear(patch_size * M3_CLASSES, shape.hidden)
        self.base = BertModel(symbolic_config(shape))
        offsets = torch.arange(patch_size) * M3_CLASSES
        self.register_buffer("_column_offsets", offsets, persistent=False)

    def embed_patches(self, patches: torch.Tensor) -> torch.Tensor:
        """``one_hot(ids, 128).flatten() @ W.T + b`` as a sum of one weight column per character.

        Pad id 0 inside a patch still picks column ``j*128``: the reference's
        one-hot does the same, so padding inside a patch is not neutral.
        """
        batch, length, size = patches.shape
        columns = (patches + self._column_offsets).reshape(batch * length, size)
        summed = nn.functional.embedding_bag(columns, self.patch_embedding.weight.t(), mode="sum")
        return (summed + self.patch_embedding.bias).reshape(batch, length, -1)

    def forward(self, patches: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        embeds = self.embed_patches(patches).to(self.base.get_input_embeddings().weight.dtype)
        return self.base(inputs_embeds=embeds, attention_mask=mask).last_hidden_state


class Clamp3Network(nn.Module):
    """XLM-R text encoder + M3 patch encoder, each mean-pooled and projected."""

    def __init__(self, shape: Clamp3Shape):
        super().__init__()
        self.shape = shape
        self.text_model = XLMRobertaModel(text_config(shape.text))
        self.text_proj = nn.Linear(shape.text.hidden, shape.dim)
        self.symbolic_model = M3PatchEncoder(shape.music, shape.patch_size)
        self.symbolic_proj = nn.Linear(shape.music.hidden, shape.dim)

    @property
    def music_proj(self) -> nn.Linear:   # the name the shared encoder code reads ``dim`` from
        return self.symbolic_proj

    def transformer_slots(self) -> list[tuple[nn.Module, str]]:
        """(owner, attribute) of each transformer, for the int8 fast path."""
        return [(self.symbolic_model, "base"), (self, "text_model")]

    def patch_embedding_module(self) -> nn.Linear:
        return self.symbolic_model.patch_embedding

    def music_features(self, patches: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """[batch, patches, patch_size] ids and [batch, patches] mask -> [batch, dim], not normalised."""
        hidden = self.symbolic_model(patches, mask)
        return self.symbolic_proj(masked_mean(hidden, mask))

    def text_features(self, input_ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Token ids and mask -> [batch, dim], not normalised."""
        hidden = self.text_model(input_ids=input_ids, attention_mask=mask).last_hidden_state
        return self.text_proj(masked_mean(hidden, mask))
