"""Checks for 13_torchscript_export: script, export with dynamic shapes, save/load, torch.cond, choosing a tool."""

from __future__ import annotations

import contextlib
import io
import logging
import tempfile
import warnings
import zipfile
from pathlib import Path

import torch
from torch import nn

from .engine import checker
from .vocabulary import expect_callable, fail, same


class _Gate(nn.Module):
    """Data-dependent control flow: the branch depends on the values of x."""

    def forward(self, x):
        if x.mean() > 0:
            return x.relu() + 1
        return x.abs() * 3


class _Tiny(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(13)
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return torch.tanh(self.fc(x))


POSITIVE = torch.tensor([[0.5, 1.0, 2.0]])
NEGATIVE = torch.tensor([[-0.5, -1.0, -2.0]])


@checker("13.1")
def check_portable(make_portable) -> None:
    expect_callable(make_portable)
    model = _Gate()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecation and tracer warnings are the lesson's topic, not noise here
        portable = make_portable(model)
        if portable is model or not isinstance(portable, torch.jit.ScriptModule):
            fail("", f"return a TorchScript module (torch.jit.ScriptModule), got a {type(portable).__name__}. "
                 "Hint: compile the model with torch.jit.script(model).",
                 f"应返回一个 TorchScript 模块（torch.jit.ScriptModule），实际得到 {type(portable).__name__}。"
                 "提示：用 torch.jit.script(model) 编译模型。")
        results = [(portable(x), model(x)) for x in (POSITIVE, NEGATIVE)]
    if not all(same(got, want, atol=1e-8, rtol=1e-5) for got, want in results):
        fail("", "the module gives the wrong answer for some inputs (one branch of the if is missing). "
             "That is what torch.jit.trace does: it records only the branch its example took. "
             "Use torch.jit.script, which compiles the source and keeps the if.",
             "这个模块对某些输入给出错误结果（if 的一个分支丢了）。这正是 torch.jit.trace 的行为："
             "它只录下示例输入走过的分支。请用 torch.jit.script，它编译源代码，保留 if。")


@checker("13.2")
def check_export_dynamic(export_dynamic) -> None:
    expect_callable(export_dynamic)
    model = _Tiny().eval()
    ep = export_dynamic(model, torch.randn(4, 4))
    if isinstance(ep, nn.Module) and not isinstance(ep, torch.export.ExportedProgram):
        fail("", "return the ExportedProgram itself (what torch.export.export returns), not ep.module().",
             "请返回 ExportedProgram 本身（torch.export.export 的返回值），不要返回 ep.module()。")
    if not isinstance(ep, torch.export.ExportedProgram):
        fail("", f"return an ExportedProgram from torch.export.export, got a {type(ep).__name__}.",
             f"应返回 torch.export.export 得到的 ExportedProgram，实际得到 {type(ep).__name__}。")
    module = ep.module()
    for n in (1, 7):
        x = torch.randn(n, 4)
        try:
            got = module(x)
        except Exception as error:  # noqa: BLE001 - a failed shape guard is the typical mistake
            fail("", f"the exported program rejects a batch of {n} ({type(error).__name__}). Without dynamic_shapes "
                 "every dimension is fixed to the example's size. Hint: "
                 'dynamic_shapes={"x": {0: torch.export.Dim("batch")}}.',
                 f"导出的程序拒绝了批量大小为 {n} 的输入（{type(error).__name__}）。不写 dynamic_shapes 时，"
                 '每一维都固定为示例的大小。提示：dynamic_shapes={"x": {0: torch.export.Dim("batch")}}。')
        if not same(got, model(x), atol=1e-6, rtol=1e-5):
            fail("", f"for a batch of {n} the exported program does not match the model. "
                 "Export the model you were given.",
                 f"批量大小为 {n} 时，导出的程序与模型的输出不一致。请导出传入的那个模型。")


def _pickled(folder: str) -> list[str]:
    """The files in ``folder`` that torch.save wrote (a zip archive with a top-level data.pkl)."""
    def by_torch_save(path: Path) -> bool:
        if not zipfile.is_zipfile(path):
            return False
        with zipfile.ZipFile(path) as archive:
            return any(name.split("/")[1:] == ["data.pkl"] for name in archive.namelist())
    return [p.name for p in sorted(Path(folder).iterdir()) if p.is_file() and by_torch_save(p)]


def _expect_no_torch_save(folder: str) -> None:
    if pickled := _pickled(folder):  # torch.save pickles the program, and it cannot be read back
        fail("", f"{pickled[0]} was written with torch.save, which pickles the Python object; an "
             "ExportedProgram cannot be read back that way. Save it with torch.export.save(ep, path) and "
             "read it with torch.export.load(path).",
             f"{pickled[0]} 是用 torch.save 写的，它把 Python 对象序列化（pickle），ExportedProgram 这样读不回来。"
             "请用 torch.export.save(ep, path) 保存，再用 torch.export.load(path) 读回。")


@checker("13.3")
def check_roundtrip(roundtrip) -> None:
    expect_callable(roundtrip)
    model = _Tiny().eval()
    ep = torch.export.export(model, (torch.randn(3, 4),))
    with tempfile.TemporaryDirectory() as folder:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # torch.export.load warns about a read-only buffer
                loaded = roundtrip(ep, folder)
        except Exception:
            _expect_no_torch_save(folder)  # the usual reason: loading what torch.save wrote fails
            raise
        _expect_no_torch_save(folder)  # also when the answer returned without loading the file
        files = sorted(p.name for p in Path(folder).iterdir())
    if not files:
        fail("", "nothing was written into the folder. "
             "Save with torch.export.save(ep, os.path.join(folder, 'model.pt2')).",
             "文件夹里什么也没写。请用 torch.export.save(ep, os.path.join(folder, 'model.pt2')) 保存。")
    if not any(name.endswith(".pt2") for name in files):
        fail("", f"the folder holds {files}, but no .pt2 file: an ExportedProgram is saved with torch.export.save "
             "into a file ending in .pt2.",
             f"文件夹里有 {files}，但没有 .pt2 文件：ExportedProgram 要用 torch.export.save 保存成 .pt2 文件。")
    if loaded is ep:
        fail("", "you returned the original program: return what torch.export.load reads back from the file.",
             "你返回的是原来的程序：请返回 torch.export.load 从文件读回的结果。")
    if not isinstance(loaded, torch.export.ExportedProgram):
        fail("", f"return the loaded ExportedProgram (torch.export.load), got a {type(loaded).__name__}.",
             f"应返回加载得到的 ExportedProgram（torch.export.load），实际得到 {type(loaded).__name__}。")
    x = torch.randn(3, 4)
    if not same(loaded.module()(x), model(x), atol=1e-6, rtol=1e-5):
        fail("", "the loaded program does not compute the same as the model.", "加载回来的程序与模型的输出不一致。")


@checker("13.4")
def check_cond_gate(make_gate) -> None:
    expect_callable(make_gate)
    gate = make_gate()
    if not isinstance(gate, nn.Module):
        fail("", f"make_gate() must return an nn.Module instance, got a {type(gate).__name__}.",
             f"make_gate() 应返回一个 nn.Module 实例，实际得到 {type(gate).__name__}。")
    reference = _Gate()
    for x in (POSITIVE, NEGATIVE):
        got, want = gate(x), reference(x)
        if not same(got, want, atol=1e-8, rtol=1e-5):
            fail("", f"in eager mode gate({x.tolist()}) should be {want.tolist()}, got {got.tolist()}. "
                 "Check both branches: mean > 0 gives x.relu() + 1, otherwise x.abs() * 3.",
                 f"eager 模式下 gate({x.tolist()}) 应为 {want.tolist()}，实际得到 {got.tolist()}。"
                 "检查两个分支：mean > 0 时为 x.relu() + 1，否则为 x.abs() * 3。")
    logger = logging.getLogger("torch.fx.experimental.symbolic_shapes")
    old_level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stderr(io.StringIO()):  # a failed export prints its partial graph
            ep = torch.export.export(gate, (POSITIVE,))
    except Exception as error:  # noqa: BLE001 - the typical mistake fails inside export
        if "data-dependent" in str(error) or "GuardOnDataDependent" in type(error).__name__:
            fail("", "torch.export cannot capture a Python `if` on tensor values. "
                 "Hint: return torch.cond(x.mean() > 0, true_fn, false_fn, (x,)).",
                 "torch.export 无法捕获依赖张量数值的 Python `if`。"
                 "提示：return torch.cond(x.mean() > 0, true_fn, false_fn, (x,))。")
        raise
    finally:
        logger.setLevel(old_level)
    if not all(same(ep.module()(x), reference(x), atol=1e-8, rtol=1e-5) for x in (POSITIVE, NEGATIVE)):
        fail("", "the exported program is wrong on one branch: both branches must be in the graph (torch.cond).",
             "导出的程序在某个分支上出错：两个分支都必须进入图里（torch.cond）。")


TOOLS = ("torch.compile", "torch.export", "torch.jit.script")
#: Scenario -> (the right tool, why in English, why in Chinese).
SCENARIOS = {
    "speed up my training loop in Python": (
        "torch.compile",
        "the code stays in Python and should just run faster: that is torch.compile's job.",
        "代码仍在 Python 里运行，只是想更快：这是 torch.compile 的工作。",
    ),
    "run the model on a phone or server without Python": (
        "torch.export",
        "deployment without Python starts from a full graph: torch.export (then ExecuTorch, AOTInductor or ONNX).",
        "脱离 Python 部署要从一张完整的图开始：torch.export（再交给 ExecuTorch、AOTInductor 或 ONNX）。",
    ),
    "export a model whose forward has an if on tensor values": (
        "torch.export",
        "use torch.export and write the branch with torch.cond; TorchScript is deprecated and trace would silently "
        "drop a branch.",
        "用 torch.export，并把分支写成 torch.cond；TorchScript 已弃用，trace 还会悄悄丢掉一个分支。",
    ),
    "keep a legacy C++ (LibTorch) service running that loads TorchScript .pt files": (
        "torch.jit.script",
        "a service that already loads TorchScript files needs TorchScript until it is migrated: torch.jit.script.",
        "已经在加载 TorchScript 文件的服务，迁移之前仍然需要 TorchScript：torch.jit.script。",
    ),
}


@checker("13.5")
def check_choose_tools(choose_tools) -> None:
    expect_callable(choose_tools)
    answer = choose_tools()
    if not isinstance(answer, dict):
        fail("", f"return a dict {{scenario: tool}}, got a {type(answer).__name__}.",
             f"应返回一个字典 {{场景: 工具}}，实际得到 {type(answer).__name__}。")
    missing = [s for s in SCENARIOS if s not in answer]
    if missing:
        fail("", f"the dict has no answer for {missing[0]!r}: keep the scenario texts exactly as given.",
             f"字典里缺少场景 {missing[0]!r} 的答案：场景文字要与题目完全一致。")
    for scenario, (tool, why_en, why_zh) in SCENARIOS.items():
        got = answer[scenario]
        if got not in TOOLS:
            fail(repr(scenario), f"{got!r} is not one of {list(TOOLS)}.", f"{got!r} 不在 {list(TOOLS)} 之中。")
        if got != tool:
            fail(repr(scenario), f"not {got}. {why_en}", f"不是 {got}。{why_zh}")
