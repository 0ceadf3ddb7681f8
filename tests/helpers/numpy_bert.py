"""A plain numpy BERT encoder: an fp32 reference for the fused ONNX graph, independent of ONNX Runtime.

It follows Hugging Face's ``BertModel`` step by step (embeddings + LayerNorm,
then per layer: Q/K/V projections, masked softmax attention, output projection,
residual LayerNorm, GELU feed-forward, residual LayerNorm) in float64, so it
shares no code and no operator implementation with the graph under test.
"""

from __future__ import annotations

import math

import numpy as np


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def _gelu(x: np.ndarray) -> np.ndarray:
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def last_hidden_state(w: dict[str, np.ndarray], ids: np.ndarray, mask: np.ndarray, *, num_heads: int,
                      eps: float = 1e-12) -> np.ndarray:
    """[batch, seq, hidden] for right- or left-padded ``ids`` with ``mask`` (token type 0)."""
    w = {k: v.astype(np.float64) for k, v in w.items() if v.dtype.kind == "f"}
    batch, seq = ids.shape
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:seq] \
        + w["embeddings.token_type_embeddings.weight"][0]
    x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    hidden = x.shape[-1]
    head = hidden // num_heads
    bias = np.where(mask[:, None, None, :] > 0, 0.0, -1e9)
    layer = 0
    while f"encoder.layer.{layer}.attention.self.query.weight" in w:
        p = f"encoder.layer.{layer}."

        def linear(v: np.ndarray, name: str) -> np.ndarray:
            return v @ w[p + name + ".weight"].T + w[p + name + ".bias"]

        def heads(v: np.ndarray) -> np.ndarray:
            return v.reshape(batch, seq, num_heads, head).transpose(0, 2, 1, 3)

        q, k, v = (heads(linear(x, f"attention.self.{n}")) for n in ("query", "key", "value"))
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head) + bias
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        probs = scores / scores.sum(-1, keepdims=True)
        ctx = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, seq, hidden)
        x = _layer_norm(linear(ctx, "attention.output.dense") + x, w[p + "attention.output.LayerNorm.weight"],
                        w[p + "attention.output.LayerNorm.bias"], eps)
        inner = _gelu(linear(x, "intermediate.dense"))
        x = _layer_norm(linear(inner, "output.dense") + x, w[p + "output.LayerNorm.weight"],
                        w[p + "output.LayerNorm.bias"], eps)
        layer += 1
    return x


def sentence_vectors(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean over the mask, then unit length (the model's pooling)."""
    weights = mask[:, :, None].astype(np.float64)
    pooled = (hidden * weights).sum(1) / weights.sum(1)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
