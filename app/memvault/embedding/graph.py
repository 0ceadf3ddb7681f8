"""An fp32 ONNX graph of a BERT encoder (all-MiniLM-L6-v2) built from its safetensors weights.

The graph is written directly with ONNX Runtime's fused transformer operators
(``com.microsoft`` domain): ``EmbedLayerNormalization`` (word + position
embeddings, LayerNorm, and the per-sequence token count the attention needs),
``Attention`` (Q, K and V in one packed GEMM, masked softmax inside) and
``BiasGelu`` (bias + exact erf GELU). An export from PyTorch spells attention
masking in a way ONNX Runtime's optimizer does not recognise, so those fusions
never happen there; building the fused graph ourselves gets them with the
same fp32 arithmetic. Bias, residual and LayerNorm are three standard
operators, not the fused ``SkipLayerNormalization``: ONNX Runtime 1.31's CPU
kernel for the fused one took 1.07 ms on a 16 x 64 x 384 batch where
``Add``, ``Add`` and ``LayerNormalization`` take 0.44 (2 threads, 2-core Xeon);
with it the whole int8 graph ran 13% slower on the bench texts.

Building is deterministic: the same weights give byte-identical graphs. Nothing
is downloaded; the weights come from a pinned file checked by the caller.

Padding must be on the right (the embedder pads that way): the attention takes
each sequence's length from the mask, not the mask itself.

Given the calibration maxima of the activations (``int8_maxima``), the graph
computes the products ``memvault/embedding/int8.py`` names in int8 instead: per-token
quantized activations, per-column int8 weights, SmoothQuant factors folded into
the weights, and ``MultiHeadAttention`` after an int8 Q/K/V projection.
``MatMulIntegerToFloat`` applies the weights' column scales inside the integer
GEMM, leaving one multiply by the tokens' scales (9% faster over the graph
than ``MatMulInteger``, ``DequantizeLinear`` and ``Mul``). The feed-forward
output is one ``MatMulNBits`` node instead (8-bit weights per block of 32, its
activations quantized per block inside it: ``int8.BLOCKWISE``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from memvault.domain.errors import ModelError
from memvault.embedding import int8
from memvault.embedding import onnx_proto as pb

#: Opsets the graph is written against (ONNX Runtime ≥ 1.16 runs both).
ONNX_OPSET = 17
MS_OPSET = 1
IR_VERSION = 8
#: The name the graph's external weights are stored under (never a real file).
WEIGHTS_FILE = "weights.bin"


def _layer_count(weights: dict[str, np.ndarray]) -> int:
    count = 0
    while f"encoder.layer.{count}.attention.self.query.weight" in weights:
        count += 1
    return count


@dataclass(frozen=True)
class BertGraph:
    """A serialized ONNX model whose weights are held apart, in one buffer.

    The model names the buffer as external data in the file
    :data:`WEIGHTS_FILE`; hand it to the session with
    ``SessionOptions.add_external_initializers_from_files_in_memory``.
    """

    model: bytes
    weights: bytes


def probe_tensors(layers: int) -> dict[str, str]:
    """The graph's tensor feeding each int8 candidate product, by the product's name (``l{i}_{kind}``)."""
    out = {}
    for i in range(layers):
        out[f"l{i}_qkv"] = f"l{i - 1}_x" if i else "x0"
        out[f"l{i}_ao"] = f"l{i}_ctx"
        out[f"l{i}_in"] = f"l{i}_h1"
        out[f"l{i}_out"] = f"l{i}_act"
    return out


def build_bert_graph(weights: dict[str, np.ndarray], *, num_heads: int, epsilon: float = 1e-12,
                     int8_maxima: dict[str, np.ndarray] | None = None, unsigned_weights: bool = False,
                     probes: bool = False) -> BertGraph:
    """The ONNX model for BERT weights named as Hugging Face's ``BertModel`` names them.

    Inputs ``input_ids`` and ``attention_mask`` (int64, [batch, seq], right
    padded); output ``last_hidden_state`` (float32, [batch, seq, hidden]).
    Token type ids are always 0 for a single-segment sentence encoder, so
    segment 0's embedding is folded into the position embeddings.

    Args:
        int8_maxima: per product name (see :func:`probe_tensors`), each input
            channel's largest absolute activation on calibration texts; given,
            the products in :data:`int8.QUANTIZED` are int8.
        unsigned_weights: store those products' weights as uint8 with zero
            point 128 (:data:`int8.WEIGHT_SIGNS` says when).
        probes: also output every :func:`probe_tensors` tensor (fp32 graph
            only), for calibration.
    """
    try:
        return _build(weights, num_heads, epsilon, int8_maxima, unsigned_weights, probes)
    except KeyError as exc:
        raise ModelError(f"the model's weights lack the tensor {exc}") from None


def _build(w: dict[str, np.ndarray], num_heads: int, epsilon: float,
           maxima: dict[str, np.ndarray] | None, unsigned: bool, probes: bool) -> BertGraph:
    layers = _layer_count(w)
    if layers == 0:
        raise ModelError("the model's weights hold no encoder layers")
    hidden = w["embeddings.word_embeddings.weight"].shape[1]
    if hidden % num_heads:
        raise ModelError(f"hidden size {hidden} does not split into {num_heads} heads")
    inits: list[bytes] = []
    blob = bytearray()

    def const(name: str, array: np.ndarray) -> str:
        if array.dtype == np.int64:  # shapes: inline, shape inference must read them
            inits.append(pb.tensor(name, pb.INT64, array.shape, array.ravel().tolist()))
            return name
        # Declared as external data in one in-memory "file": serializing 90 MB
        # of weights into the protobuf would cost ~1 s.
        kind, dtype = {np.dtype(np.int8): (pb.INT8, "i1"), np.dtype(np.uint8): (pb.UINT8, "u1")}.get(
            array.dtype, (pb.FLOAT, "<f4"))
        data = np.ascontiguousarray(array, dtype=dtype).tobytes()
        blob.extend(b"\0" * (-len(blob) % 64))  # aligned, as ONNX Runtime likes its tensors
        inits.append(pb.external_tensor(name, kind, array.shape, WEIGHTS_FILE, len(blob), len(data)))
        blob.extend(data)
        return name

    nodes = [
        pb.node("Cast", ["input_ids"], ["ids32"], to=pb.INT32),
        pb.node("Cast", ["attention_mask"], ["mask32"], to=pb.INT32),
        pb.node(
            "EmbedLayerNormalization",
            ["ids32", "", const("word_embeddings", w["embeddings.word_embeddings.weight"]),
             const("position_embeddings", w["embeddings.position_embeddings.weight"]
                   + w["embeddings.token_type_embeddings.weight"][0]),
             "", const("embeddings_ln_gamma", w["embeddings.LayerNorm.weight"]),
             const("embeddings_ln_beta", w["embeddings.LayerNorm.bias"]), "mask32"],
            ["x0", "mask_index"], domain="com.microsoft", epsilon=epsilon, name="embeddings"),
    ]
    quantized = set(int8.QUANTIZED) if maxima is not None else set()
    blockwise = set(int8.BLOCKWISE) if maxima is not None else set()
    if quantized:
        nodes += [pb.node("Shape", ["x0"], ["x_shape"]),
                  pb.node("Slice", ["x_shape", const("zero", np.array([0])), const("two", np.array([2]))],
                                   ["batch_seq"])]
        inits += [pb.tensor("one_127th", pb.FLOAT, [], [1 / 127]),
                  pb.tensor("tiny", pb.FLOAT, [], [1e-12]),
                  pb.tensor("zp128", pb.UINT8, [], [128]),
                  pb.tensor("one", pb.FLOAT, [], [1.0]),
                  pb.tensor("column_axis", pb.INT64, [1], [1])]

    def matmul(name: str, inp: str, weight: np.ndarray, out: str) -> None:
        """``out = inp @ weight``, in int8 when ``name``'s kind is quantized."""
        kind = name.split("_", 1)[1]
        if kind in blockwise:
            b = int8.quantize_blocks(weight)
            nodes.append(pb.node("MatMulNBits", [inp, const(f"{name}_bw", b.values), const(f"{name}_bs", b.scales)],
                                 [out], domain="com.microsoft", K=weight.shape[0], N=weight.shape[1], bits=8,
                                 block_size=int8.BLOCK, accuracy_level=int8.BLOCKWISE_ACCURACY, name=name))
            return
        if kind not in quantized:
            nodes.append(pb.node("MatMul", [inp, const(f"{name}_w", weight)], [out], name=name))
            return
        alpha = int8.SMOOTHING_ALPHA.get(kind)
        if alpha is not None:
            s = int8.smoothing_factors(maxima[name], weight, alpha)
            nodes.append(pb.node("Mul", [inp, const(f"{name}_unsmooth", 1 / s)], [f"{name}_smooth"]))
            inp, weight = f"{name}_smooth", weight * s[:, None]
        q = int8.quantize_columns(weight, unsigned=unsigned)
        t = name
        # Per token: scale = max|x| / 127 over the token's channels, zero point 128.
        # max|x| as max(max x, -min x): two reads instead of writing |x| out first.
        nodes.extend([
            pb.node("Reshape", [inp, const(f"{t}_rows", np.array([-1, weight.shape[0]]))], [f"{t}_a"]),
            pb.node("ReduceMax", [f"{t}_a"], [f"{t}_top"], axes=[1], keepdims=0),
            pb.node("ReduceMin", [f"{t}_a"], [f"{t}_bottom"], axes=[1], keepdims=0),
            pb.node("Neg", [f"{t}_bottom"], [f"{t}_neg_bottom"]),
            pb.node("Max", [f"{t}_top", f"{t}_neg_bottom"], [f"{t}_max"]),
            pb.node("Mul", [f"{t}_max", "one_127th"], [f"{t}_scale0"]),
            pb.node("Max", [f"{t}_scale0", "tiny"], [f"{t}_scale"]),
            pb.node("Shape", [f"{t}_scale"], [f"{t}_tokens"]),
            pb.node("Expand", ["zp128", f"{t}_tokens"], [f"{t}_zp"]),
            pb.node("QuantizeLinear", [f"{t}_a", f"{t}_scale", f"{t}_zp"], [f"{t}_aq"], axis=0),
            # The column scales are applied inside the GEMM (its B scale); A's
            # per-token scales are not supported there, hence the Mul after.
            pb.node("MatMulIntegerToFloat", [f"{t}_aq", const(f"{t}_wq", q.values), "one", const(f"{t}_ws", q.scales),
                                             "zp128", *(["zp128"] if unsigned else [])],
                             [f"{t}_acc"], domain="com.microsoft"),
            pb.node("Unsqueeze", [f"{t}_scale", "column_axis"], [f"{t}_scale_column"]),
            pb.node("Mul", [f"{t}_acc", f"{t}_scale_column"], [f"{t}_y"]),
            pb.node("Concat", ["batch_seq", const(f"{t}_width", np.array([weight.shape[1]]))],
                             [f"{t}_shape"], axis=0),
            pb.node("Reshape", [f"{t}_y", f"{t}_shape"], [out], name=name),
        ])

    def add_and_normalize(name: str, product: str, bias: str, residual: str, gamma: str, beta: str, out: str) -> None:
        """``out = LayerNorm(product + bias + residual)`` (see the module docstring for why unfused)."""
        nodes.extend([
            pb.node("Add", [product, bias], [f"{name}_biased"]),
            pb.node("Add", [f"{name}_biased", residual], [f"{name}_sum"]),
            pb.node("LayerNormalization", [f"{name}_sum", gamma, beta], [out], axis=-1, epsilon=epsilon,
                             name=name),
        ])

    x = "x0"
    for i in range(layers):
        p = f"encoder.layer.{i}."
        att = p + "attention."
        # torch stores Linear weights as [out, in]; MatMul wants [in, out].
        qkv_w = np.concatenate([w[att + f"self.{k}.weight"].T for k in ("query", "key", "value")], axis=1)
        qkv_b = np.concatenate([w[att + f"self.{k}.bias"] for k in ("query", "key", "value")])
        if "qkv" in quantized:
            matmul(f"l{i}_qkv", x, qkv_w, f"l{i}_qkv_out")
            nodes += [
                pb.node("Split", [f"l{i}_qkv_out", const(f"l{i}_qkv_split", np.array([hidden] * 3))],
                                 [f"l{i}_q", f"l{i}_k", f"l{i}_v"], axis=2),
                pb.node("MultiHeadAttention", [f"l{i}_q", f"l{i}_k", f"l{i}_v", const(f"l{i}_qkv_b", qkv_b),
                                                        "mask32"],
                                 [f"l{i}_ctx"], domain="com.microsoft", num_heads=num_heads, name=f"l{i}_attention"),
            ]
        else:
            nodes.append(pb.node(
                "Attention", [x, const(f"l{i}_qkv_w", qkv_w), const(f"l{i}_qkv_b", qkv_b), "mask_index"],
                [f"l{i}_ctx"], domain="com.microsoft", num_heads=num_heads, name=f"l{i}_attention"))
        matmul(f"l{i}_ao", f"l{i}_ctx", w[att + "output.dense.weight"].T, f"l{i}_ao_out")
        add_and_normalize(f"l{i}_ln1", f"l{i}_ao_out", const(f"l{i}_ao_b", w[att + "output.dense.bias"]), x,
                          const(f"l{i}_ln1_g", w[att + "output.LayerNorm.weight"]),
                          const(f"l{i}_ln1_b", w[att + "output.LayerNorm.bias"]), f"l{i}_h1")
        matmul(f"l{i}_in", f"l{i}_h1", w[p + "intermediate.dense.weight"].T, f"l{i}_in_out")
        nodes.append(pb.node("BiasGelu", [f"l{i}_in_out", const(f"l{i}_in_b", w[p + "intermediate.dense.bias"])],
                                      [f"l{i}_act"], domain="com.microsoft", name=f"l{i}_gelu"))
        matmul(f"l{i}_out", f"l{i}_act", w[p + "output.dense.weight"].T, f"l{i}_out_out")
        add_and_normalize(f"l{i}_ln2", f"l{i}_out_out", const(f"l{i}_out_b", w[p + "output.dense.bias"]), f"l{i}_h1",
                          const(f"l{i}_ln2_g", w[p + "output.LayerNorm.weight"]),
                          const(f"l{i}_ln2_b", w[p + "output.LayerNorm.bias"]), f"l{i}_x")
        x = f"l{i}_x"
    nodes.append(pb.node("Identity", [x], ["last_hidden_state"]))
    batch_seq = ["batch", "sequence"]
    graph = pb.graph(
        nodes, "bert_fused",
        [pb.value_info("input_ids", pb.INT64, batch_seq), pb.value_info("attention_mask", pb.INT64, batch_seq)],
        [pb.value_info("last_hidden_state", pb.FLOAT, [*batch_seq, hidden])]
        + [pb.value_info(t, pb.FLOAT, None) for t in (probe_tensors(layers) if probes else {}).values()],
        inits)
    model = pb.model(graph, ir_version=IR_VERSION, opsets={"": ONNX_OPSET, "com.microsoft": MS_OPSET},
                     producer_name="memvault", producer_version="1")
    return BertGraph(model, bytes(blob))
