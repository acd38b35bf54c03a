"""Checks for 01_what_is_pytorch."""

from __future__ import annotations

import torch

from .engine import checker
from .vocabulary import expect_callable, fail, is_tensor, same


def _double_until(x: torch.Tensor, limit: float = 10.0) -> tuple[torch.Tensor, int]:
    """Reference: double ``x`` while its norm is at most ``limit``; also count the doublings."""
    steps = 0
    while x.norm() <= limit:
        x = x * 2
        steps += 1
    return x, steps


@checker("01.1")
def check_dynamic_forward(dynamic_forward) -> None:
    expect_callable(dynamic_forward)
    for values in ([1.0, 1.0], [6.0, 8.0], [30.0, 40.0], [0.5, 0.0]):
        x = torch.tensor(values, requires_grad=True)
        got = dynamic_forward(x)
        if not is_tensor(got):
            fail("", f"return a tensor, got {type(got).__name__}.", f"请返回张量，而不是 {type(got).__name__}。")
        expected, steps = _double_until(x.detach())
        if not same(got.detach(), expected, atol=1e-8, rtol=1e-5):
            fail("", f"for x={values} expected {expected.tolist()} ({steps} doubling(s)), got {got.detach().tolist()}. "
                 "The number of doublings must depend on the data: loop with `while y.norm() <= 10:`.",
                 f"x={values} 时应得到 {expected.tolist()}（翻倍 {steps} 次），实际为 {got.detach().tolist()}。"
                 "翻倍次数要由数据决定：用 `while y.norm() <= 10:` 循环。")
        if steps == 0:
            continue
        if got.grad_fn is None:
            fail("", "the result is cut off from the graph (no grad_fn). Do not use .detach(), .item() or "
                 "torch.no_grad() here.", "结果和计算图断开了（没有 grad_fn）。这里不要用 .detach()、.item() 或 torch.no_grad()。")
        got.sum().backward()
        if not same(x.grad, torch.full_like(x, 2.0**steps), atol=1e-8, rtol=1e-5):
            fail("", f"the gradient for x={values} should be 2**{steps} everywhere, got {x.grad.tolist()}.",
                 f"x={values} 的梯度应处处为 2**{steps}，实际为 {x.grad.tolist()}。")


COMPONENT_ANSWERS = {
    "load a WAV file and compute a mel spectrogram": {"torchaudio"},
    "a ResNet model and image transforms": {"torchvision"},
    "train one model on 8 GPUs at once": {"torch.distributed"},
    "find which operation makes training slow": {"torch.profiler"},
    "hand a model to a runtime outside PyTorch in a standard format": {"torch.onnx"},
    "capture a model as a graph to run without Python": {"torch.export", "torch.jit"},
    "tensors, autograd and nn layers": {"torch"},
    "embed the token ids of a text classifier": {"torch", "torch.nn"},
}

COMPONENT_HINTS = {
    "torchtext": ("torchtext is discontinued (its last release does not support current torch); "
                  "text pipelines are written in plain torch.",
                  "torchtext 已停止维护（最后一个版本不支持当前的 torch）；文本处理直接用 torch 写。"),
    "torchscript": ("write the module's import name. TorchScript lives in torch.jit and is deprecated; "
                    "its successor for capturing a graph is torch.export.",
                    "请写模块的导入名。TorchScript 在 torch.jit 里，已被弃用；用来捕获计算图的继任者是 torch.export。"),
}


def _dict_answer(fn, call: str, shape_en: str, shape_zh: str) -> dict:
    """Call the student's no-argument function, which must return a dict."""
    expect_callable(fn)
    if not isinstance(answer := fn(), dict):
        fail(call, f"must return a dict {shape_en}.", f"应返回字典 {shape_zh}。")
    return answer


@checker("01.2")
def check_components(components) -> None:
    answer = _dict_answer(components, "components()", "{task: module name}", "{任务: 模块名}")
    for task in COMPONENT_ANSWERS:
        if task not in answer:
            fail("", f"keep every task as a key; missing: {task!r}.", f"保留每个任务作为键；缺少：{task!r}。")
    for task, accepted in COMPONENT_ANSWERS.items():
        given = str(answer[task]).strip().lower()
        if given in COMPONENT_HINTS:
            fail(repr(task), *COMPONENT_HINTS[given])
        if given not in accepted:
            fail("", f"{task!r} is not done by {given!r}. Look at the components table again.",
                 f"{task!r} 不是由 {given!r} 完成的。再看一遍组件表。")


MYTHS = {  # statement: (truth, why in English, why in Chinese)
    "TensorFlow 2 builds a static graph before running anything, by default": (
        False, "TensorFlow 2 runs eagerly by default; graphs come from tf.function.",
        "TensorFlow 2 默认即时执行（eager）；图要靠 tf.function 才会生成。"),
    "PyTorch can train on Google TPUs": (True, "PyTorch/XLA runs PyTorch on TPUs.", "PyTorch/XLA 让 PyTorch 跑在 TPU 上。"),
    "PyTorch can use the GPU of an Apple-silicon Mac": (True, "the 'mps' device uses Apple GPUs.", "'mps' 设备就是苹果的 GPU。"),
    "PyTorch runs only on NVIDIA GPUs and CPUs": (
        False, "AMD GPUs (ROCm), Intel GPUs (XPU), Apple GPUs (MPS) and TPUs (XLA) are supported too.",
        "AMD GPU（ROCm）、Intel GPU（XPU）、苹果 GPU（MPS）和 TPU（XLA）也都支持。"),
    "TorchText is being merged into Hugging Face": (
        False, "TorchText was discontinued, not merged; its last release does not support current torch.",
        "TorchText 是停止维护了，并没有被合并；它的最后一个版本不支持当前的 torch。"),
    "PyTorch is governed by the PyTorch Foundation, part of the Linux Foundation": (
        True, "since 2022 the PyTorch Foundation governs PyTorch.", "从 2022 年起由 PyTorch 基金会管理。"),
}


@checker("01.3")
def check_myths(myths) -> None:
    answer = _dict_answer(myths, "myths()", "{statement: True/False}", "{陈述: True/False}")
    for statement, (truth, why_en, why_zh) in MYTHS.items():
        given = answer.get(statement)
        if not isinstance(given, bool):
            fail("", f"answer True or False for {statement!r} (got {given!r}).",
                 f"请对 {statement!r} 回答 True 或 False（实际为 {given!r}）。")
        if given != truth:
            fail("", f"{statement!r} is {truth}: {why_en}", f"{statement!r} 应为 {truth}：{why_zh}")


def _count_nodes(grad_fn, distinct: bool) -> int:
    """Reference walk of the backward graph, counting shared nodes once (or not).

    ``seen`` holds the node objects themselves, not their ``id()``: Python creates
    a node's wrapper object on demand and frees it when nothing refers to it, so a
    later wrapper (of another node) can reuse a freed one's id. Keeping the wrappers
    alive in the set keeps one wrapper per node, so identity is reliable.
    """
    seen: set = set()
    count = 0
    stack = [grad_fn]
    while stack:
        node = stack.pop()
        if node is None or (distinct and node in seen):
            continue
        seen.add(node)
        count += 1
        stack.extend(next_fn for next_fn, _ in node.next_functions)
    return count


@checker("01.4")
def check_count_grad_fns(count_grad_fns) -> None:
    expect_callable(count_grad_fns)
    a = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(3.0, requires_grad=True)
    graphs = {"(a * b).sum()": (a * b).sum(), "a * a + b": a * a + b, "((a + b) * (a + b)).exp()": ((a + b) * (a + b)).exp()}
    for text, y in graphs.items():
        expected, got = _count_nodes(y.grad_fn, distinct=True), count_grad_fns(y)
        if got == _count_nodes(y.grad_fn, distinct=False) and got != expected:
            fail(f"y = {text}", f"you counted a shared node twice ({got}, expected {expected}). "
                 "Keep a set of the nodes you have visited.",
                 f"你把共享节点数了两次（{got}，应为 {expected}）。用一个集合记录访问过的节点。")
        if got != expected:
            fail(f"y = {text}", f"expected {expected} nodes, got {got}. Start at y.grad_fn, follow "
                 "node.next_functions, skip None, count AccumulateGrad leaves too, and keep the visited "
                 "nodes themselves in a set (not their id(): a freed node wrapper's id can be reused).",
                 f"应有 {expected} 个节点，实际为 {got}。从 y.grad_fn 出发，沿 node.next_functions 走，"
                 "跳过 None，AccumulateGrad 叶子节点也要计数，并把访问过的节点对象本身放进集合"
                 "（不要放 id()：节点包装对象被释放后，它的 id 可能被重用）。")
