"""Checks for 16_onnx. The models are built by hand with ``onnx.helper``: small, fast, exact."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import torch

from .engine import checker
from .vocabulary import Mistake, diagnose, expect_callable, expect_equal, fail


def _onnx(nodes: list[tuple], x: tuple, y: tuple, weights: dict[str, tuple[list[int], float]],
          opsets: tuple = (("", 18),), ir_version: int = 10):
    """A model from ``(op_type, inputs, outputs, name, attributes)`` nodes, one input ``x`` and one output
    ``y`` (``(name, shape)``), and constant weights ``{name: (shape, value)}``."""
    from onnx import TensorProto, helper

    def value(name: str, shape: list) -> object:
        return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)

    inits = [helper.make_tensor(name, TensorProto.FLOAT, shape, [fill] * math.prod(shape))
             for name, (shape, fill) in weights.items()]
    graph = helper.make_graph([helper.make_node(op, i, o, name=n, **attrs) for op, i, o, n, attrs in nodes],
                              "check", [value(*x)], [value(*y)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets], ir_version=ir_version)


def _tiny_onnx(batch_dim, with_custom_domain: bool = False, ir_version: int = 10, opset: int = 18):
    """Gemm -> Relu -> Gemm -> Relu, with misleading node names."""
    nodes = [("Gemm", ["features", "w1"], ["h1"], "Relu_layer1", {"transB": 1}), ("Relu", ["h1"], ["a1"], "act1", {}),
             ("Gemm", ["a1", "w2"], ["h2"], "Relu_layer2", {"transB": 1}), ("Relu", ["h2"], ["scores"], "act2", {})]
    opsets = ((("pkg.course", 1),) if with_custom_domain else ()) + (("", opset),)
    return _onnx(nodes, ("features", [batch_dim, 4]), ("scores", [batch_dim, 3]),
                 {"w1": ([5, 4], 0.1), "w2": ([3, 5], 0.2)}, opsets, ir_version)


def _conv_model():
    """Three Conv nodes, a ConvTranspose and a Relu, for counting op types (names mislead again)."""
    pads = {"pads": [1, 1, 1, 1]}
    nodes = [("Conv", ["x", "w"], ["c1"], "conv1", pads), ("Relu", ["c1"], ["r1"], "relu1", {}),
             ("Conv", ["r1", "w"], ["c2"], "conv2", pads), ("ConvTranspose", ["c2", "w"], ["c3"], "Conv_up", pads),
             ("Conv", ["c3", "w"], ["y"], "Relu_head", pads)]
    return _onnx(nodes, ("x", ["N", 1, 8, 8]), ("y", ["N", 1, 8, 8]), {"w": ([1, 1, 3, 3], 0.1)})


# --------------------------------------------------------------------------- 16.1


class TinyMLP(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = torch.nn.Linear(4, 16)
        self.fc2 = torch.nn.Linear(16, 3)

    def forward(self, x):  # the argument is called x: dynamic_shapes={"x": ...} names it
        return self.fc2(torch.relu(self.fc1(x)))


@checker("16.1")
def check_export_dynamic(export_model) -> None:
    expect_callable(export_model)
    import onnxruntime as ort

    torch.manual_seed(16)
    model = TinyMLP().eval()
    example = torch.randn(2, 4)
    with tempfile.TemporaryDirectory() as tmp:
        returned = export_model(model, example, str(Path(tmp) / "tiny_mlp.onnx"))
        if returned is None:
            fail("", "export_model returned None: return the path of the file you wrote.",
                 "export_model 返回了 None：请返回你写出的文件的路径。")
        if not Path(returned).is_file():
            fail("", f"no ONNX file at the returned path {str(returned)!r}: write the model to the `path` argument "
                 "and return it.",
                 f"返回的路径 {str(returned)!r} 上没有 ONNX 文件：请把模型写到参数 `path` 指定的位置，并返回它。")
        session = ort.InferenceSession(str(returned), providers=["CPUExecutionProvider"])
        model_input = session.get_inputs()[0]
        if isinstance(model_input.shape[0], int):
            fail("", f"the batch dimension is fixed to {model_input.shape[0]} in the exported file, so batch sizes 1 "
                 "and 7 cannot run. Pass dynamic_shapes={'x': {0: torch.export.Dim('batch')}} to torch.onnx.export.",
                 f"导出的文件里批维度被固定成了 {model_input.shape[0]}，批大小 1 和 7 无法运行。"
                 "请给 torch.onnx.export 传入 dynamic_shapes={'x': {0: torch.export.Dim('batch')}}。")
        for n in (1, 7):
            xs = torch.randn(n, 4)
            (got,) = session.run(None, {model_input.name: xs.numpy()})
            with torch.no_grad():
                want = model(xs).numpy()
            if got.shape != want.shape or not np.allclose(got, want, rtol=1e-4, atol=1e-5):
                fail("", f"with batch size {n} onnxruntime's output differs from the model's: export the model you "
                     "were given, in eval mode.",
                     f"批大小为 {n} 时 onnxruntime 的输出与模型不一致：请导出传入的那个模型（eval 模式）。")


# --------------------------------------------------------------------------- 16.2


def _as_lists(io: dict) -> dict:
    return {k: {name: list(dims) for name, dims in v.items()} for k, v in io.items()}


@checker("16.2")
def check_describe_io(describe_io) -> None:
    expect_callable(describe_io)
    got = describe_io(_tiny_onnx("N"))
    if not isinstance(got, dict) or set(got) != {"inputs", "outputs"}:
        fail("", "return a dict with exactly two keys, 'inputs' and 'outputs'.",
             "请返回一个只有 'inputs' 和 'outputs' 两个键的字典。")
    shape = list((got["inputs"] or {}).get("features", [])) if isinstance(got["inputs"], dict) else []
    if shape[:1] == [0]:
        fail("", "the batch dimension came out as 0: it is symbolic, so dim_value is unset (0) and its name is in "
             "dim_param. Use d.dim_param if d.HasField('dim_param') else d.dim_value.",
             "批维度变成了 0：它是符号维度，dim_value 没有设置（为 0），名字在 dim_param 里。"
             "请用 d.dim_param if d.HasField('dim_param') else d.dim_value。")
    expect_equal(_as_lists(got), {"inputs": {"features": ["N", 4]}, "outputs": {"scores": ["N", 3]}},
                 "describe_io(model)", "describe_io(model)")
    expect_equal(_as_lists(describe_io(_tiny_onnx(5))), {"inputs": {"features": [5, 4]}, "outputs": {"scores": [5, 3]}},
                 "describe_io(model with a fixed batch of 5)", "describe_io(批大小固定为 5 的模型)")


# --------------------------------------------------------------------------- 16.3

ARGUMENTS = ("use the rtol and atol arguments you are given, not constants of your own.",
             "请使用传入的 rtol 和 atol 参数，而不是自己写死的常数。")


@checker("16.3")
def check_outputs_match(outputs_match) -> None:
    expect_callable(outputs_match)
    rng = np.random.default_rng(16)
    ref = rng.normal(size=(4, 10)).astype(np.float32)
    tiny = ref + np.float32(3e-7) * np.sign(rng.normal(size=ref.shape)).astype(np.float32)
    off = ref.copy()
    off[1, 3] += 0.01
    cases = [  # (a, b, tolerances, should they match, what is wrong otherwise), checked in order
        (ref, tiny, {}, True, "outputs that differ only by float32 rounding (about 3e-7) must match. Do not test "
         "exact equality: use np.allclose(a, b, rtol=rtol, atol=atol).",
         "只因 float32 舍入而相差约 3e-7 的输出应当算作一致。不要检查完全相等，请用 np.allclose(a, b, rtol=rtol, atol=atol)。"),
        (ref, ref.copy(), {}, True, "identical outputs must match.", "完全相同的输出应当一致。"),
        (ref, off, {}, False, "an output that is off by 0.01 in one element must not match with rtol=1e-4, "
         "atol=1e-5: use the rtol and atol arguments instead of a loose tolerance (and check every element).",
         "有一个元素相差 0.01 时，在 rtol=1e-4、atol=1e-5 下不应算作一致：请使用参数 rtol 和 atol，不要放宽容差（并且要检查所有元素）。"),
        (np.repeat(ref[:1], 4, axis=0), ref[:1], {}, False, "outputs of shapes (4, 10) and (1, 10) must not match: "
         "np.allclose broadcasts, so compare the shapes first.",
         "形状 (4, 10) 和 (1, 10) 的输出不应算作一致：np.allclose 会广播，所以要先比较形状。"),
        (torch.from_numpy(ref), tiny, {}, True, "a PyTorch tensor and a NumPy array with the same values must match: "
         "convert with np.asarray(...) first.", "数值相同的 PyTorch 张量和 NumPy 数组应当一致：请先用 np.asarray(...) 转换。"),
        (ref, ref + np.float32(5e-3), {"rtol": 1e-4, "atol": 1e-5}, False, *ARGUMENTS),
        (ref, ref + np.float32(5e-3), {"rtol": 0.0, "atol": 1e-2}, True, *ARGUMENTS),
    ]
    for a, b, tolerances, should_match, en, zh in cases:
        if bool(outputs_match(a, b, **tolerances)) != should_match:
            fail("", en, zh)


# --------------------------------------------------------------------------- 16.4

#: Wrong counts of a model's nodes of one op type, from (model, op_type).
COUNT_MISTAKES = [
    Mistake(lambda model, op_type: len(model.graph.node),
            "that is the number of all nodes: count only those whose op_type equals the one asked for.",
            "这是全部节点的个数：只数 op_type 等于所给类型的节点。"),
    Mistake(lambda model, op_type: sum(op_type in node.op_type for node in model.graph.node),
            "ConvTranspose is a different op type: compare node.op_type == op_type exactly, not as a substring.",
            "ConvTranspose 是另一种算子：要用 node.op_type == op_type 精确比较，不要用子串匹配。"),
    *(Mistake(by_name, "count by node.op_type, not by node.name: node names are free text chosen by the exporter.",
              "请按 node.op_type 计数，而不是 node.name：节点名只是导出器随意起的文字。")
      for by_name in (lambda model, op_type: sum(op_type in node.name for node in model.graph.node),
                      lambda model, op_type: sum(op_type == node.name for node in model.graph.node))),
]


@checker("16.4")
def check_count_ops(count_ops) -> None:
    expect_callable(count_ops)
    cases = ((_conv_model(), "model", "Conv", 3), (_conv_model(), "model", "Relu", 1),
             (_conv_model(), "model", "Gemm", 0), (_tiny_onnx("N"), "tiny_mlp", "Gemm", 2))
    for i, (model, about, op_type, want) in enumerate(cases):  # the mistakes are told apart by the first case
        diagnose(count_ops(model, op_type), want, COUNT_MISTAKES if i == 0 else [], f"count_ops({about}, {op_type!r})",
                 model, op_type)


# --------------------------------------------------------------------------- 16.5

#: Wrong opset versions, from the model.
OPSET_MISTAKES = [
    Mistake(lambda model: model.ir_version,
            "that is model.ir_version, the version of the file format. The opset is in model.opset_import.",
            "这是 model.ir_version，即文件格式的版本。opset 在 model.opset_import 里。"),
    Mistake(lambda model: model.opset_import[0].version,
            "that is the version of a custom domain ('pkg.course'). Pick the entry whose domain is '' (or "
            "'ai.onnx'), not simply the first one.",
            "这是自定义域 'pkg.course' 的版本。请选出 domain 为 ''（或 'ai.onnx'）的那一项，而不是简单地取第一项。"),
]


@checker("16.5")
def check_opset_of(opset_of) -> None:
    expect_callable(opset_of)
    for model, call, want in ((_tiny_onnx("N", with_custom_domain=True, ir_version=9, opset=17), "opset_of(model)", 17),
                              (_tiny_onnx("N", opset=20), "opset_of(opset20_model)", 20)):
        diagnose(opset_of(model), want, OPSET_MISTAKES, call, model)
