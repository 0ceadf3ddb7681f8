"""Writes the few ONNX protobuf messages the embedder's graph needs, without the ``onnx`` package.

The ``onnx`` package (31 MB with its dependencies) was imported only to
serialize the graph that :mod:`memvault.embedding.graph` builds; ONNX Runtime
reads the bytes itself. The wire format is small and frozen (``onnx.proto``,
proto2): varint keys, length-delimited sub-messages, repeated scalars
unpacked except where the schema says ``packed``. Fields are written in
field-number order with the same presence rules as ``onnx.helper``, so the
bytes equal what ``onnx.helper`` serializes for the same calls
(tests/integration/embedding/test_onnx_proto.py compares them).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence

# TensorProto.DataType
FLOAT, UINT8, INT8, INT32, INT64 = 1, 2, 3, 6, 7
_EXTERNAL = 1  # TensorProto.DataLocation
# AttributeProto.AttributeType
_ATTR_FLOAT, _ATTR_INT, _ATTR_STRING, _ATTR_INTS = 1, 2, 3, 7


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative int64 -> two's complement, ten bytes
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _int(field: int, value: int) -> bytes:
    return _varint(field << 3) + _varint(value)


def _bytes(field: int, payload: bytes) -> bytes:
    return _varint(field << 3 | 2) + _varint(len(payload)) + payload


def _str(field: int, text: str) -> bytes:
    return _bytes(field, text.encode("utf-8"))


def _float(field: int, value: float) -> bytes:
    return _varint(field << 3 | 5) + struct.pack("<f", value)


def _entry(key: str, value: str) -> bytes:  # StringStringEntryProto
    return _str(1, key) + _str(2, value)


def _attribute(name: str, value: object) -> bytes:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, list, tuple)):
        raise TypeError(f"attribute {name}: unsupported value {value!r}")
    if isinstance(value, int):
        return _str(1, name) + _int(3, value) + _int(20, _ATTR_INT)
    if isinstance(value, float):
        return _str(1, name) + _float(2, value) + _int(20, _ATTR_FLOAT)
    if isinstance(value, str):
        return _str(1, name) + _str(4, value) + _int(20, _ATTR_STRING)
    return _str(1, name) + b"".join(_int(8, int(v)) for v in value) + _int(20, _ATTR_INTS)


def node(op_type: str, inputs: Sequence[str], outputs: Sequence[str], *, name: str | None = None,
         domain: str | None = None, **attributes: object) -> bytes:
    """A NodeProto, as ``onnx.helper.make_node`` builds it (attributes sorted by name)."""
    out = b"".join(_str(1, i) for i in inputs) + b"".join(_str(2, o) for o in outputs)
    if name is not None:
        out += _str(3, name)
    out += _str(4, op_type)
    out += b"".join(_bytes(5, _attribute(k, v)) for k, v in sorted(attributes.items()))
    if domain is not None:
        out += _str(7, domain)
    return out


def tensor(name: str, data_type: int, dims: Sequence[int], values: Iterable[float]) -> bytes:
    """A TensorProto holding ``values`` as ``onnx.helper.make_tensor`` does (not raw)."""
    out = b"".join(_int(1, d) for d in dims) + _int(2, data_type)
    if data_type == FLOAT:
        out += _bytes(4, b"".join(struct.pack("<f", v) for v in values))
    elif data_type in (UINT8, INT8, INT32):
        out += _bytes(5, b"".join(_varint(int(v)) for v in values))
    elif data_type == INT64:
        out += _bytes(7, b"".join(_varint(int(v)) for v in values))
    else:
        raise TypeError(f"tensor {name}: unsupported data type {data_type}")
    return out + _str(8, name)


def external_tensor(name: str, data_type: int, dims: Sequence[int], location: str, offset: int,
                    length: int) -> bytes:
    """A TensorProto whose data is ``length`` bytes at ``offset`` in the external file ``location``."""
    return (b"".join(_int(1, d) for d in dims) + _int(2, data_type) + _str(8, name)
            + b"".join(_bytes(13, _entry(k, v))
                       for k, v in (("location", location), ("offset", str(offset)), ("length", str(length))))
            + _int(14, _EXTERNAL))


def value_info(name: str, elem_type: int, shape: Sequence[int | str] | None) -> bytes:
    """A ValueInfoProto for a tensor; ``shape`` entries are sizes or symbolic names, None for unknown rank."""
    tensor_type = _int(1, elem_type)
    if shape is not None:
        dims = b"".join(_bytes(1, _int(1, d) if isinstance(d, int) else _str(2, d)) for d in shape)
        tensor_type += _bytes(2, dims)
    return _str(1, name) + _bytes(2, _bytes(1, tensor_type))


def graph(nodes: Iterable[bytes], name: str, inputs: Iterable[bytes], outputs: Iterable[bytes],
          initializers: Iterable[bytes]) -> bytes:
    """A GraphProto from serialized nodes, value infos and initializers."""
    return (b"".join(_bytes(1, n) for n in nodes) + _str(2, name)
            + b"".join(_bytes(5, t) for t in initializers)
            + b"".join(_bytes(11, i) for i in inputs) + b"".join(_bytes(12, o) for o in outputs))


def model(graph_proto: bytes, *, ir_version: int, opsets: dict[str, int], producer_name: str,
          producer_version: str) -> bytes:
    """A serialized ModelProto."""
    return (_int(1, ir_version) + _str(2, producer_name) + _str(3, producer_version) + _bytes(7, graph_proto)
            + b"".join(_bytes(8, _str(1, domain) + _int(2, version)) for domain, version in opsets.items()))
