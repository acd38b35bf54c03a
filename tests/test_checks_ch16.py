"""Chapter 16's checks catch the typical wrong answers with specific hints."""

import warnings

import numpy as np
import torch
from onnx import TensorProto, helper

from course_utils.checks import evaluate


def _export(model, example, path, dynamic=True):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\)", category=FutureWarning)
        torch.onnx.export(
            model, (example,), path, dynamo=True, external_data=False, verbose=False,
            dynamic_shapes={"x": {0: torch.export.Dim("batch")}} if dynamic else None,
        )
    return path


def _fixed_batch_export(model, example, path):
    """A fast stand-in for an export without dynamic_shapes: the batch dim is baked in as 2."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4])
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "fixed", [x], [y])
    model_proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=10)
    with open(path, "wb") as fh:
        fh.write(model_proto.SerializeToString())
    return path


def _stub(*args, **kwargs):
    raise NotImplementedError


def test_export_dynamic():
    assert evaluate("16.1", _export, "en")[0] == "pass"
    status, message = evaluate("16.1", _fixed_batch_export, "en")
    assert status == "fail" and "batch dimension is fixed to 2" in message
    status, message = evaluate("16.1", _fixed_batch_export, "zh")
    assert status == "fail" and "批维度被固定成了 2" in message
    status, message = evaluate("16.1", lambda m, e, p: None, "en")
    assert status == "fail" and "return the path" in message


def _shape(v, symbolic_as_zero=False):
    dims = v.type.tensor_type.shape.dim
    if symbolic_as_zero:
        return [d.dim_value for d in dims]
    return [d.dim_param if d.HasField("dim_param") else d.dim_value for d in dims]


def test_describe_io():
    def right(m):
        return {"inputs": {v.name: _shape(v) for v in m.graph.input},
                "outputs": {v.name: _shape(v) for v in m.graph.output}}

    def static_only(m):
        return {"inputs": {v.name: _shape(v, True) for v in m.graph.input},
                "outputs": {v.name: _shape(v, True) for v in m.graph.output}}

    assert evaluate("16.2", right, "en")[0] == "pass"
    status, message = evaluate("16.2", static_only, "en")
    assert status == "fail" and "dim_param" in message and "came out as 0" in message
    status, message = evaluate("16.2", lambda m: [v.name for v in m.graph.input], "en")
    assert status == "fail" and "'inputs' and 'outputs'" in message


def test_outputs_match():
    def right(a, b, rtol=1e-4, atol=1e-5):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and bool(np.allclose(b, a, rtol=rtol, atol=atol))

    assert evaluate("16.3", right, "en")[0] == "pass"
    status, message = evaluate("16.3", lambda a, b, rtol=1e-4, atol=1e-5: bool((np.asarray(a) == b).all()), "en")
    assert status == "fail" and "Do not test exact equality" in message
    status, message = evaluate("16.3", lambda a, b, rtol=1e-4, atol=1e-5: bool(np.allclose(b, np.asarray(a))), "en")
    assert status == "fail" and "compare the shapes first" in message
    status, message = evaluate("16.3", lambda a, b, rtol=1e-4, atol=1e-5: bool(np.allclose(b, a, atol=0.1)), "en")
    assert status == "fail" and "off by 0.01" in message


def test_count_ops():
    assert evaluate("16.4", lambda m, t: sum(n.op_type == t for n in m.graph.node), "en")[0] == "pass"
    status, message = evaluate("16.4", lambda m, t: len(m.graph.node), "en")
    assert status == "fail" and "number of all nodes" in message
    status, message = evaluate("16.4", lambda m, t: sum(t in n.op_type for n in m.graph.node), "en")
    assert status == "fail" and "not as a substring" in message
    status, message = evaluate("16.4", lambda m, t: sum(t in n.name for n in m.graph.node), "zh")
    assert status == "fail" and "请按 node.op_type 计数" in message


def test_opset_of():
    def right(m):
        return next(i.version for i in m.opset_import if i.domain in ("", "ai.onnx"))

    assert evaluate("16.5", right, "en")[0] == "pass"
    status, message = evaluate("16.5", lambda m: m.ir_version, "en")
    assert status == "fail" and "model.ir_version" in message
    status, message = evaluate("16.5", lambda m: m.opset_import[0].version, "en")
    assert status == "fail" and "custom domain" in message


def test_stubs_are_not_done():
    assert all(evaluate(i, _stub, "en")[0] == "todo" for i in ("16.1", "16.2", "16.3", "16.4", "16.5"))
