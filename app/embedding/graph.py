"""An fp32 ONNX graph of a BERT encoder (all-MiniLM-L6-v2) built from its safetensors weights.

The graph is written directly with ONNX Runtime's fused transformer operators
(``com.microsoft`` domain): ``EmbedLayerNormalization`` (word + position
embeddings, LayerNorm, and the per-sequence token count the attention needs),
``Attention`` (Q, K and V in one packed GEMM, masked softmax inside),
``SkipLayerNormalization`` (bias + residual + LayerNorm in one pass) and
``BiasGelu`` (bias + exact erf GELU). An export from PyTorch spells attention
masking in a way ONNX Runtime's optimizer does not recognise, so those fusions
never happen there; building the fused graph ourselves gets them with the
same fp32 arithmetic.

Building is deterministic: the same weights give byte-identical graphs. Nothing
is downloaded; the weights come from a pinned file checked by the caller.

Padding must be on the right (the embedder pads that way): the attention takes
each sequence's length from the mask, not the mask itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from onnx import TensorProto, helper

from app.domain.errors import ModelError

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


def build_bert_graph(weights: dict[str, np.ndarray], *, num_heads: int, epsilon: float = 1e-12) -> BertGraph:
    """The ONNX model for BERT weights named as Hugging Face's ``BertModel`` names them.

    Inputs ``input_ids`` and ``attention_mask`` (int64, [batch, seq], right
    padded); output ``last_hidden_state`` (float32, [batch, seq, hidden]).
    Token type ids are always 0 for a single-segment sentence encoder, so
    segment 0's embedding is folded into the position embeddings.
    """
    try:
        return _build(weights, num_heads, epsilon)
    except KeyError as exc:
        raise ModelError(f"the model's weights lack the tensor {exc}") from None


def _build(w: dict[str, np.ndarray], num_heads: int, epsilon: float) -> BertGraph:
    layers = _layer_count(w)
    if layers == 0:
        raise ModelError("the model's weights hold no encoder layers")
    hidden = w["embeddings.word_embeddings.weight"].shape[1]
    if hidden % num_heads:
        raise ModelError(f"hidden size {hidden} does not split into {num_heads} heads")
    inits: list[TensorProto] = []
    blob = bytearray()

    def const(name: str, array: np.ndarray) -> str:
        # Declared as external data in one in-memory "file": serializing 90 MB
        # of weights into the protobuf would cost ~1 s.
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        blob.extend(b"\0" * (-len(blob) % 64))  # aligned, as ONNX Runtime likes its tensors
        tensor = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=array.shape,
                             data_location=TensorProto.EXTERNAL)
        for key, value in (("location", WEIGHTS_FILE), ("offset", str(len(blob))), ("length", str(len(data)))):
            tensor.external_data.add(key=key, value=value)
        blob.extend(data)
        inits.append(tensor)
        return name

    nodes = [
        helper.make_node("Cast", ["input_ids"], ["ids32"], to=TensorProto.INT32),
        helper.make_node("Cast", ["attention_mask"], ["mask32"], to=TensorProto.INT32),
        helper.make_node(
            "EmbedLayerNormalization",
            ["ids32", "", const("word_embeddings", w["embeddings.word_embeddings.weight"]),
             const("position_embeddings", w["embeddings.position_embeddings.weight"]
                   + w["embeddings.token_type_embeddings.weight"][0]),
             "", const("embeddings_ln_gamma", w["embeddings.LayerNorm.weight"]),
             const("embeddings_ln_beta", w["embeddings.LayerNorm.bias"]), "mask32"],
            ["x0", "mask_index"], domain="com.microsoft", epsilon=epsilon, name="embeddings"),
    ]
    x = "x0"
    for i in range(layers):
        p = f"encoder.layer.{i}."
        att = p + "attention."
        # torch stores Linear weights as [out, in]; MatMul wants [in, out].
        qkv_w = np.concatenate([w[att + f"self.{k}.weight"].T for k in ("query", "key", "value")], axis=1)
        qkv_b = np.concatenate([w[att + f"self.{k}.bias"] for k in ("query", "key", "value")])
        nodes += [
            helper.make_node("Attention", [x, const(f"l{i}_qkv_w", qkv_w), const(f"l{i}_qkv_b", qkv_b), "mask_index"],
                             [f"l{i}_ctx"], domain="com.microsoft", num_heads=num_heads, name=f"l{i}_attention"),
            helper.make_node("MatMul", [f"l{i}_ctx", const(f"l{i}_ao_w", w[att + "output.dense.weight"].T)],
                             [f"l{i}_ao"], name=f"l{i}_attention_out"),
            helper.make_node("SkipLayerNormalization",
                             [f"l{i}_ao", x, const(f"l{i}_ln1_g", w[att + "output.LayerNorm.weight"]),
                              const(f"l{i}_ln1_b", w[att + "output.LayerNorm.bias"]),
                              const(f"l{i}_ao_b", w[att + "output.dense.bias"])],
                             [f"l{i}_h1"], domain="com.microsoft", epsilon=epsilon, name=f"l{i}_ln1"),
            helper.make_node("MatMul", [f"l{i}_h1", const(f"l{i}_in_w", w[p + "intermediate.dense.weight"].T)],
                             [f"l{i}_in"], name=f"l{i}_intermediate"),
            helper.make_node("BiasGelu", [f"l{i}_in", const(f"l{i}_in_b", w[p + "intermediate.dense.bias"])],
                             [f"l{i}_act"], domain="com.microsoft", name=f"l{i}_gelu"),
            helper.make_node("MatMul", [f"l{i}_act", const(f"l{i}_out_w", w[p + "output.dense.weight"].T)],
                             [f"l{i}_out"], name=f"l{i}_output"),
            helper.make_node("SkipLayerNormalization",
                             [f"l{i}_out", f"l{i}_h1", const(f"l{i}_ln2_g", w[p + "output.LayerNorm.weight"]),
                              const(f"l{i}_ln2_b", w[p + "output.LayerNorm.bias"]),
                              const(f"l{i}_out_b", w[p + "output.dense.bias"])],
                             [f"l{i}_x"], domain="com.microsoft", epsilon=epsilon, name=f"l{i}_ln2"),
        ]
        x = f"l{i}_x"
    nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"]))
    batch_seq = ["batch", "sequence"]
    graph = helper.make_graph(
        nodes, "bert_fused",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, batch_seq),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, batch_seq)],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, [*batch_seq, hidden])],
        initializer=inits)
    model = helper.make_model(graph, producer_name="memvault", producer_version="1",
                              opset_imports=[helper.make_opsetid("", ONNX_OPSET),
                                             helper.make_opsetid("com.microsoft", MS_OPSET)])
    model.ir_version = IR_VERSION
    return BertGraph(model.SerializeToString(), bytes(blob))
