"""Checks for 16_onnx."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from .core import CheckFailed, exercise
from .helpers import expect_callable, expect_equal

CHAPTER = "16_onnx"


def _tiny_onnx(batch_dim, with_custom_domain: bool = False, ir_version: int = 10, opset: int = 18):
    """A small hand-built ONNX model: Gemm -> Relu -> Gemm -> Relu, with misleading node names."""
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("features", TensorProto.FLOAT, [batch_dim, 4])
    y = helper.make_tensor_value_info("scores", TensorProto.FLOAT, [batch_dim, 3])
    w1 = helper.make_tensor("w1", TensorProto.FLOAT, [5, 4], [0.1] * 20)
    w2 = helper.make_tensor("w2", TensorProto.FLOAT, [3, 5], [0.2] * 15)
    nodes = [
        helper.make_node("Gemm", ["features", "w1"], ["h1"], name="Relu_layer1", transB=1),
        helper.make_node("Relu", ["h1"], ["a1"], name="act1"),
        helper.make_node("Gemm", ["a1", "w2"], ["h2"], name="Relu_layer2", transB=1),
        helper.make_node("Relu", ["h2"], ["scores"], name="act2"),
    ]
    graph = helper.make_graph(nodes, "tiny", [x], [y], [w1, w2])
    opsets = [helper.make_opsetid("", opset)]
    if with_custom_domain:
        opsets.insert(0, helper.make_opsetid("pkg.course", 1))
    return helper.make_model(graph, opset_imports=opsets, ir_version=ir_version)


def _conv_model():
    """A model with Conv and ConvTranspose nodes, for counting op types."""
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 8, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 1, 8, 8])
    w = helper.make_tensor("w", TensorProto.FLOAT, [1, 1, 3, 3], [0.1] * 9)
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("Conv", ["r1", "w"], ["c2"], name="conv2", pads=[1, 1, 1, 1]),
        helper.make_node("ConvTranspose", ["c2", "w"], ["c3"], name="Conv_up", pads=[1, 1, 1, 1]),
        helper.make_node("Conv", ["c3", "w"], ["y"], name="Relu_head", pads=[1, 1, 1, 1]),
    ]
    graph = helper.make_graph(nodes, "convs", [x], [y], [w])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=10)


@exercise("16.1", CHAPTER, "export with a dynamic batch dimension", "导出时保持批维度动态")
def check_export_dynamic(export_model) -> None:
    expect_callable(export_model)
    import onnxruntime as ort
    import torch

    class TinyMLP(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc1 = torch.nn.Linear(4, 16)
            self.fc2 = torch.nn.Linear(16, 3)

        def forward(self, x):
            return self.fc2(torch.relu(self.fc1(x)))

    torch.manual_seed(16)
    model = TinyMLP().eval()
    example = torch.randn(2, 4)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tiny_mlp.onnx"
        returned = export_model(model, example, str(path))
        if returned is None:
            raise CheckFailed(
                "export_model returned None: return the path of the file you wrote.",
                "export_model 返回了 None：请返回你写出的文件的路径。",
            )
        if not Path(returned).is_file():
            raise CheckFailed(
                f"no ONNX file at the returned path {str(returned)!r}: write the model to the `path` argument and return it.",
                f"返回的路径 {str(returned)!r} 上没有 ONNX 文件：请把模型写到参数 `path` 指定的位置，并返回它。",
            )
        session = ort.InferenceSession(str(returned), providers=["CPUExecutionProvider"])
        input_name = session.get_inputs()[0].name
        first_dim = session.get_inputs()[0].shape[0]
        if isinstance(first_dim, int):
            raise CheckFailed(
                f"the batch dimension is fixed to {first_dim} in the exported file, so batch sizes 1 and 7 cannot run. "
                "Pass dynamic_shapes={'x': {0: torch.export.Dim('batch')}} to torch.onnx.export.",
                f"导出的文件里批维度被固定成了 {first_dim}，批大小 1 和 7 无法运行。"
                "请给 torch.onnx.export 传入 dynamic_shapes={'x': {0: torch.export.Dim('batch')}}。",
            )
        for n in (1, 7):
            xs = torch.randn(n, 4)
            (got,) = session.run(None, {input_name: xs.numpy()})
            with torch.no_grad():
                want = model(xs).numpy()
            if got.shape != want.shape or not np.allclose(got, want, rtol=1e-4, atol=1e-5):
                raise CheckFailed(
                    f"with batch size {n} onnxruntime's output differs from the model's: export the model you were given, in eval mode.",
                    f"批大小为 {n} 时 onnxruntime 的输出与模型不一致：请导出传入的那个模型（eval 模式）。",
                )


@exercise("16.2", CHAPTER, "read inputs and outputs", "读出输入和输出")
def check_describe_io(describe_io) -> None:
    expect_callable(describe_io)
    model = _tiny_onnx("N")
    got = describe_io(model)
    if not isinstance(got, dict) or set(got) != {"inputs", "outputs"}:
        raise CheckFailed(
            "return a dict with exactly two keys, 'inputs' and 'outputs'.",
            "请返回一个只有 'inputs' 和 'outputs' 两个键的字典。",
        )
    shape = list((got["inputs"] or {}).get("features", [])) if isinstance(got["inputs"], dict) else []
    if shape[:1] == [0]:
        raise CheckFailed(
            "the batch dimension came out as 0: it is symbolic, so dim_value is unset (0) and its name is in dim_param. "
            "Use d.dim_param if d.HasField('dim_param') else d.dim_value.",
            "批维度变成了 0：它是符号维度，dim_value 没有设置（为 0），名字在 dim_param 里。"
            "请用 d.dim_param if d.HasField('dim_param') else d.dim_value。",
        )
    expected = {"inputs": {"features": ["N", 4]}, "outputs": {"scores": ["N", 3]}}
    normalised = {k: {name: list(dims) for name, dims in v.items()} for k, v in got.items()}
    expect_equal(normalised, expected, "describe_io(model)", "describe_io(model)")
    fixed = describe_io(_tiny_onnx(5))
    fixed = {k: {name: list(dims) for name, dims in v.items()} for k, v in fixed.items()}
    expect_equal(fixed, {"inputs": {"features": [5, 4]}, "outputs": {"scores": [5, 3]}},
                 "describe_io(model with a fixed batch of 5)", "describe_io(批大小固定为 5 的模型)")


@exercise("16.3", CHAPTER, "compare outputs with a tolerance", "带容差比较输出")
def check_outputs_match(outputs_match) -> None:
    expect_callable(outputs_match)
    rng = np.random.default_rng(16)
    ref = rng.normal(size=(4, 10)).astype(np.float32)
    tiny = ref + np.float32(3e-7) * np.sign(rng.normal(size=ref.shape)).astype(np.float32)
    if not bool(outputs_match(ref, tiny)):
        raise CheckFailed(
            "outputs that differ only by float32 rounding (about 3e-7) must match. Do not test exact equality: "
            "use np.allclose(a, b, rtol=rtol, atol=atol).",
            "只因 float32 舍入而相差约 3e-7 的输出应当算作一致。不要检查完全相等，请用 np.allclose(a, b, rtol=rtol, atol=atol)。",
        )
    if not bool(outputs_match(ref, ref.copy())):
        raise CheckFailed("identical outputs must match.", "完全相同的输出应当一致。")
    wrong = ref.copy()
    wrong[1, 3] += 0.01
    if bool(outputs_match(ref, wrong)):
        raise CheckFailed(
            "an output that is off by 0.01 in one element must not match with rtol=1e-4, atol=1e-5: "
            "use the rtol and atol arguments instead of a loose tolerance (and check every element).",
            "有一个元素相差 0.01 时，在 rtol=1e-4、atol=1e-5 下不应算作一致：请使用参数 rtol 和 atol，不要放宽容差（并且要检查所有元素）。",
        )
    if bool(outputs_match(np.repeat(ref[:1], 4, axis=0), ref[:1])):
        raise CheckFailed(
            "outputs of shapes (4, 10) and (1, 10) must not match: np.allclose broadcasts, so compare the shapes first.",
            "形状 (4, 10) 和 (1, 10) 的输出不应算作一致：np.allclose 会广播，所以要先比较形状。",
        )
    import torch

    if not bool(outputs_match(torch.from_numpy(ref), tiny)):
        raise CheckFailed(
            "a PyTorch tensor and a NumPy array with the same values must match: convert with np.asarray(...) first.",
            "数值相同的 PyTorch 张量和 NumPy 数组应当一致：请先用 np.asarray(...) 转换。",
        )
    if bool(outputs_match(ref, ref + np.float32(5e-3), rtol=1e-4, atol=1e-5)) or not bool(
        outputs_match(ref, ref + np.float32(5e-3), rtol=0.0, atol=1e-2)
    ):
        raise CheckFailed(
            "use the rtol and atol arguments you are given, not constants of your own.",
            "请使用传入的 rtol 和 atol 参数，而不是自己写死的常数。",
        )


@exercise("16.4", CHAPTER, "count nodes of an op type", "数一数某种算子的节点")
def check_count_ops(count_ops) -> None:
    expect_callable(count_ops)
    model = _conv_model()
    got = count_ops(model, "Conv")
    if got == 5:
        raise CheckFailed(
            "that is the number of all nodes: count only those whose op_type equals the one asked for.",
            "这是全部节点的个数：只数 op_type 等于所给类型的节点。",
        )
    if got == 4:
        raise CheckFailed(
            "ConvTranspose is a different op type: compare node.op_type == op_type exactly, not as a substring.",
            "ConvTranspose 是另一种算子：要用 node.op_type == op_type 精确比较，不要用子串匹配。",
        )
    if got in (0, 1):
        raise CheckFailed(
            "count by node.op_type, not by node.name: node names are free text chosen by the exporter.",
            "请按 node.op_type 计数，而不是 node.name：节点名只是导出器随意起的文字。",
        )
    expect_equal(got, 3, "count_ops(model, 'Conv')", "count_ops(model, 'Conv')")
    expect_equal(count_ops(model, "Relu"), 1, "count_ops(model, 'Relu')", "count_ops(model, 'Relu')")
    expect_equal(count_ops(model, "Gemm"), 0, "count_ops(model, 'Gemm')", "count_ops(model, 'Gemm')")
    expect_equal(count_ops(_tiny_onnx("N"), "Gemm"), 2, "count_ops(tiny MLP, 'Gemm')", "count_ops(小 MLP, 'Gemm')")


@exercise("16.5", CHAPTER, "read the opset", "读出 opset")
def check_opset_of(opset_of) -> None:
    expect_callable(opset_of)
    model = _tiny_onnx("N", with_custom_domain=True, ir_version=9, opset=17)
    got = opset_of(model)
    if got == 9:
        raise CheckFailed(
            "that is model.ir_version, the version of the file format. The opset is in model.opset_import.",
            "这是 model.ir_version，即文件格式的版本。opset 在 model.opset_import 里。",
        )
    if got == 1:
        raise CheckFailed(
            "that is the version of a custom domain ('pkg.course'). Pick the entry whose domain is '' (or 'ai.onnx'), "
            "not simply the first one.",
            "这是自定义域 'pkg.course' 的版本。请选出 domain 为 ''（或 'ai.onnx'）的那一项，而不是简单地取第一项。",
        )
    expect_equal(got, 17, "opset_of(model)", "opset_of(model)")
    expect_equal(opset_of(_tiny_onnx("N", opset=20)), 20, "opset_of(an opset-20 model)", "opset_of(opset 20 的模型)")
