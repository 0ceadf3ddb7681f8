"""The hand-written ONNX protobuf writer serializes exactly what onnx.helper does.

``onnx`` is a test dependency only: the embedder writes its graph with
memvault.embedding.onnx_proto so the installed app does not need it.
"""

import numpy as np
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

from memvault.embedding import onnx_proto as pb


@pytest.mark.parametrize("attributes", [
    {}, {"to": 6}, {"epsilon": 1e-12}, {"axes": [1, -1], "keepdims": 0}, {"mode": "constant", "axis": -2},
])
def test_node_matches_onnx_helper(attributes):
    ours = pb.node("Op", ["a", "", "b"], ["c"], name="n", domain="com.microsoft", **attributes)
    theirs = helper.make_node("Op", ["a", "", "b"], ["c"], name="n", domain="com.microsoft", **attributes)
    assert ours == theirs.SerializeToString()
    assert pb.node("Op", ["a"], ["b"]) == helper.make_node("Op", ["a"], ["b"]).SerializeToString()


@pytest.mark.parametrize(("data_type", "dims", "values"), [
    (pb.INT64, [2], [-1, 384]), (pb.INT64, [1, 3], [0, 2**40, -(2**62)]), (pb.FLOAT, [], [1 / 127]),
    (pb.FLOAT, [3], [1e-12, -2.5, 0.0]), (pb.UINT8, [], [128]), (pb.INT8, [2], [-128, 127]),
])
def test_tensor_matches_onnx_helper(data_type, dims, values):
    assert pb.tensor("t", data_type, dims, values) == helper.make_tensor("t", data_type, dims, values).SerializeToString()


def test_external_tensor_matches_onnx_proto():
    theirs = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[384, 1152], data_location=TensorProto.EXTERNAL)
    for key, value in (("location", "weights.bin"), ("offset", "64"), ("length", "1769472")):
        theirs.external_data.add(key=key, value=value)
    assert pb.external_tensor("w", pb.FLOAT, (384, 1152), "weights.bin", 64, 1769472) == theirs.SerializeToString()


@pytest.mark.parametrize("shape", [None, [], ["batch", "sequence"], ["batch", "sequence", 384]])
def test_value_info_matches_onnx_helper(shape):
    ours = pb.value_info("x", pb.FLOAT, shape)
    assert ours == helper.make_tensor_value_info("x", TensorProto.FLOAT, shape).SerializeToString()


def _reference_model() -> bytes:
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "bias"], ["y"], name="add")], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 2])],
        initializer=[helper.make_tensor("bias", TensorProto.FLOAT, [2], [0.5, -1.0])])
    model = helper.make_model(graph, producer_name="memvault", producer_version="1",
                              opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 8
    return model.SerializeToString()


def test_model_matches_onnx_helper_and_runs():
    graph = pb.graph([pb.node("Add", ["x", "bias"], ["y"], name="add")], "g",
                     [pb.value_info("x", pb.FLOAT, ["batch", 2])], [pb.value_info("y", pb.FLOAT, ["batch", 2])],
                     [pb.tensor("bias", pb.FLOAT, [2], [0.5, -1.0])])
    ours = pb.model(graph, ir_version=8, opsets={"": 17, "com.microsoft": 1}, producer_name="memvault",
                    producer_version="1")
    assert ours == _reference_model()
    session = ort.InferenceSession(ours, providers=["CPUExecutionProvider"])
    (y,) = session.run(None, {"x": np.array([[1.0, 2.0]], dtype=np.float32)})
    assert y.tolist() == [[1.5, 1.0]]


def test_unsupported_values_are_refused():
    with pytest.raises(TypeError):
        pb.node("Op", [], [], flag=True)
    with pytest.raises(TypeError):
        pb.tensor("t", 11, [1], [1.0])  # DOUBLE: the graph never writes one
