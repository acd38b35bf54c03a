"""Checks for 05_autograd.

Every checker builds its own small tensors and models from a private random
generator, so checking an answer never changes the notebook's random state.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import torch
from torch import nn
from torch.autograd.gradcheck import GradcheckError

from .engine import checker
from .vocabulary import (
    Mistake,
    diagnose,
    expect_callable,
    expect_tensor,
    fail,
    fmt,
    generator,
    observed,
    same,
    when_raises,
)

TOL = {"atol": 1e-5, "rtol": 1e-4}
NO_GRAPH = "does not require grad and does not have a grad_fn"


def _near(actual: Any, expected: torch.Tensor) -> bool:
    return same(actual, expected, **TOL)


def _fill(model: nn.Module, gen: torch.Generator) -> nn.Module:
    """Random parameter values from ``gen``."""
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen))
    return model


def _expect_gradient(result: Any, call: str) -> torch.Tensor:
    """A tensor; None gets the non-leaf hint as well as the forgotten ``return``."""
    if result is None:
        fail(call, "returned None. Did you forget `return`? Note that .grad stays None on a tensor that is not a leaf "
             "(a result of an operation): take the gradient of the leaf you called requires_grad_() on.",
             "返回了 None。是不是忘了 `return`？另外，非叶子张量（运算的结果）的 .grad 一直是 None："
             "要取你调用了 requires_grad_() 的那个叶子张量的梯度。")
    return expect_tensor(result, call)


def _caller_untouched(x: torch.Tensor, call: str) -> None:
    if x.requires_grad or x.grad is not None:
        fail(call, "changed the caller's tensor: x.requires_grad is now True. Work on a copy, "
             "x = x.detach().requires_grad_(), so the caller's tensor stays as it was.",
             "修改了调用者的张量：x.requires_grad 现在变成了 True。"
             "请在副本上求导（x = x.detach().requires_grad_()），让调用者的张量保持原样。")


def _detached(result: torch.Tensor, call: str) -> None:
    if result.requires_grad:
        fail(call, "the result still requires grad (it is attached to a graph, e.g. because of create_graph=True). "
             "Return it .detach()-ed.",
             "结果仍然 requires_grad（它还连在一张图上，比如因为用了 create_graph=True）。请返回 .detach() 之后的结果。")


# --------------------------------------------------------------------------- 05.1


def _grad_at(grad_at, f, x: torch.Tensor, call: str) -> torch.Tensor:
    try:
        return _expect_gradient(grad_at(f, x), call)
    except RuntimeError as err:
        when_raises(err, NO_GRAPH, call, "autograd recorded no graph for f(x): x did not require grad when f(x) "
                    "was computed. Make a leaf that requires grad, x = x.detach().requires_grad_(), BEFORE "
                    "computing f(x).",
                    "autograd 没有为 f(x) 记录计算图：计算 f(x) 时 x 并不需要梯度。"
                    "请在计算 f(x) 之前先做一个需要梯度的叶子张量：x = x.detach().requires_grad_()。")
        when_raises(err, "One of the differentiated Tensors", call, "torch.autograd.grad(y, x) differentiates with "
                    "respect to a tensor that y was not computed from ({error}). Pass the leaf you called "
                    "requires_grad_() on and computed f from: x = x.detach().requires_grad_(); "
                    "torch.autograd.grad(f(x), x).",
                    "torch.autograd.grad(y, x) 求导的对象不是计算 y 时用的那个张量（{error}）。"
                    "请传入你调用了 requires_grad_() 并用来计算 f 的那个叶子张量："
                    "x = x.detach().requires_grad_()；torch.autograd.grad(f(x), x)。")
        raise


@checker("05.1")
def check_grad_at(grad_at) -> None:
    expect_callable(grad_at)
    call = "grad_at(f, x)"
    x = torch.tensor([1.0, -2.0, 0.5])
    cube, expected = (lambda t: (t**3).sum()), 3 * x**2
    first = _grad_at(grad_at, cube, x, call)
    first_values = first.detach().clone()
    second = _grad_at(grad_at, cube, x, call)  # the same x again: a correct answer gives the same gradient
    if _near(first_values, expected) and _near(second, 2 * expected):
        fail(call, "the second call with the same x returned twice the gradient: gradients ACCUMULATE in x.grad. "
             "Work on a fresh leaf, x = x.detach().requires_grad_(), or use torch.autograd.grad, which does not "
             "touch .grad.",
             "用同一个 x 第二次调用时，返回的梯度翻了一倍：梯度会在 x.grad 里累加。"
             "请在一个新的叶子张量上求导（x = x.detach().requires_grad_()），或者用不碰 .grad 的 torch.autograd.grad。")
    _caller_untouched(x, call)
    _detached(first, call)
    if not _near(first, expected):
        got = fmt(first) if first.shape == expected.shape else tuple(first.shape)
        fail(call, f"for f(x) = sum(x**3) at x = {fmt(x)} expected the gradient 3*x**2 = {fmt(expected)}, got {got}.",
             f"对 f(x) = sum(x**3)，在 x = {fmt(x)} 处梯度应为 3*x**2 = {fmt(expected)}，实际得到 {got}。")
    matrix = torch.randn(2, 3, generator=generator(51))
    got = _grad_at(grad_at, lambda t: (torch.sin(t) * t).sum(), matrix, call)
    if not _near(got, torch.cos(matrix) * matrix + torch.sin(matrix)):
        fail(call, f"for f(x) = sum(sin(x) * x) on a 2x3 tensor expected the gradient cos(x)*x + sin(x) "
             f"(shape (2, 3)), got {tuple(got.shape)} {fmt(got)}.",
             f"对 2x3 张量上的 f(x) = sum(sin(x) * x)，梯度应为 cos(x)*x + sin(x)（形状 (2, 3)），"
             f"实际得到 {tuple(got.shape)} {fmt(got)}。")


# --------------------------------------------------------------------------- 05.2

TOO_LARGE = ("your gradient is n_micro = {n_micro} times too large: each micro-batch's mean loss must be divided "
             "by n_micro, because the full batch averages over all samples.",
             "你的梯度大了 n_micro = {n_micro} 倍：每个小批次的平均损失要除以 n_micro，因为大批次是对全部样本取平均。")
ONLY_LAST = ("only the last micro-batch's gradient is left: zero_grad() inside the loop throws away what was "
             "accumulated. Call it once, before the loop.",
             "只剩下最后一个小批次的梯度：在循环里面调用 zero_grad() 会把已经累加的梯度清掉。请只在循环之前调用一次。")
#: Wrong accumulated gradients, from (full-batch gradient, last micro-batch's gradient, stale .grad, n_micro).
MICRO_BATCH_MISTAKES = [
    Mistake(lambda full, last, stale, n: stale + full,
            "the stale gradient that was already in .grad is still in your result: call model.zero_grad() once "
            "BEFORE the loop over micro-batches.",
            ".grad 里原有的旧梯度还留在你的结果里：请在遍历小批次的循环之前调用一次 model.zero_grad()。"),
    Mistake(lambda full, last, stale, n: n * full, *TOO_LARGE),
    Mistake(lambda full, last, stale, n: stale + n * full, *TOO_LARGE),
    Mistake(lambda full, last, stale, n: last, *ONLY_LAST),
    Mistake(lambda full, last, stale, n: last / n, *ONLY_LAST),
]


def _flat_grads(model: nn.Module, losses) -> torch.Tensor:
    """Every parameter's gradient, in one vector, after backward() of each loss, starting from zero."""
    model.zero_grad()
    for loss in losses(model):
        loss.backward()
    return torch.cat([p.grad.detach().flatten() for p in model.parameters()])


def _check_micro_case(accumulate, seed: int, n_samples: int, n_micro: int) -> None:
    gen = generator(seed)
    with torch.random.fork_rng(devices=[]):  # building a layer draws random numbers: keep the notebook's state
        model = _fill(nn.Linear(3, 2), gen)
    x, y = torch.randn(n_samples, 3, generator=gen), torch.randn(n_samples, 2, generator=gen)
    mse, reference = nn.functional.mse_loss, copy.deepcopy(model)
    full = _flat_grads(reference, lambda m: [mse(m(x), y)])
    last = _flat_grads(reference, lambda m: [mse(m(x.chunk(n_micro)[-1]), y.chunk(n_micro)[-1])])
    for p in model.parameters():
        p.grad = torch.full_like(p, 0.5)  # a gradient left over from an earlier step
    before = [p.detach().clone() for p in model.parameters()]
    batch_sizes: list[int] = []
    model.register_forward_hook(observed(lambda module, args, out: batch_sizes.append(len(args[0]))))

    accumulate(model, x, y, n_micro)

    if not all(torch.equal(a, p) for a, p in zip(before, model.parameters())):
        fail("", "the parameters changed: only accumulate the gradients, do not update the parameters "
             "(no optimizer.step() and no manual update).",
             "参数被改变了：只累加梯度，不要更新参数（不要调用 optimizer.step()，也不要手动更新）。")
    if any(p.grad is None for p in model.parameters()):
        fail("", "after your function some parameter has .grad None: call backward() on every micro-batch's loss.",
             "运行你的函数之后，有参数的 .grad 是 None：请对每个小批次的损失调用 backward()。")
    grads = torch.cat([p.grad.detach().flatten() for p in model.parameters()])
    diagnose(grads, full, MICRO_BATCH_MISTAKES, "", full, last, torch.full_like(full, 0.5), n_micro, **TOL,
             otherwise=("the accumulated weight gradient should equal the full-batch gradient {full}, got {got}. "
                        "Use the mean-squared-error loss on each micro-batch, divided by n_micro.",
                        "累加得到的权重梯度应等于大批次的梯度 {full}，实际得到 {got}。请对每个小批次用均方误差损失，并除以 n_micro。"),
             n_micro=n_micro, full=fmt(full[:6]), got=fmt(grads[:6]))
    size = n_samples // n_micro
    if batch_sizes != [size] * n_micro:
        fail("", f"the gradient is right, but the model saw batches of sizes {batch_sizes}: run it on n_micro = "
             f"{n_micro} micro-batches of {size} samples (x.chunk(n_micro)), one at a time.",
             f"梯度是对的，但模型处理的批次大小是 {batch_sizes}：请把数据分成 n_micro = {n_micro} 个、"
             f"每个 {size} 个样本的小批次（x.chunk(n_micro)），逐个计算。")


@checker("05.2")
def check_accumulate_micro_batches(accumulate_micro_batches) -> None:
    expect_callable(accumulate_micro_batches)
    _check_micro_case(accumulate_micro_batches, seed=52, n_samples=12, n_micro=3)
    _check_micro_case(accumulate_micro_batches, seed=520, n_samples=8, n_micro=4)


# --------------------------------------------------------------------------- 05.3

#: Wrong (grad for x, grad for y), stacked, from (x, y, out, grad_output, the student's grad for y).
LOGADDEXP_MISTAKES = [
    Mistake(lambda x, y, out, g, gy: torch.stack([torch.exp(x - out), torch.exp(y - out)]),
            "you returned the local derivatives without the chain rule: multiply each by grad_output.",
            "你返回的是局部导数，没有用链式法则：每个都要乘以 grad_output。"),
    Mistake(lambda x, y, out, g, gy: g * torch.stack([torch.exp(y - out), torch.exp(x - out)]),
            "the gradients for x and y are swapped: return them in the order of forward's inputs, (x, y).",
            "x 和 y 的梯度顺序反了：请按 forward 输入的顺序 (x, y) 返回。"),
    Mistake(lambda x, y, out, g, gy: torch.stack([g * torch.exp(x), gy]),
            "the gradient for x is grad_output * exp(x): that is the derivative of exp, not of log(exp(x) + exp(y)). "
            "Its derivative is exp(x) / (exp(x) + exp(y)) = exp(x - out).",
            "x 的梯度是 grad_output * exp(x)：这是 exp 的导数，不是 log(exp(x) + exp(y)) 的。"
            "正确的导数是 exp(x) / (exp(x) + exp(y)) = exp(x - out)。"),
]
WHICH = {"en": ("x (the first input)", "y (the second input)"), "zh": ("x（第一个输入）", "y（第二个输入）")}
WRONG_INPUT = ("the gradient for {en} is wrong. "
               "d/dx log(exp(x) + exp(y)) = exp(x - out) and d/dy = exp(y - out), each times grad_output.",
               "{zh}的梯度不对。"
               "d/dx log(exp(x) + exp(y)) = exp(x - out)，d/dy = exp(y - out)，都要再乘以 grad_output。")


def _which(index: int) -> dict[str, str]:
    return {lang: names[index] if index in (0, 1) else f"#{index}" for lang, names in WHICH.items()}


@checker("05.3")
def check_logaddexp(LogAddExp) -> None:  # noqa: N803 - the answer is a class
    if not (isinstance(LogAddExp, type) and issubclass(LogAddExp, torch.autograd.Function)):
        fail("", "pass the class itself, check('05.3', LogAddExp): not LogAddExp.apply, not an instance.",
             "请传入类本身：check('05.3', LogAddExp)，不要传 LogAddExp.apply，也不要传实例。")
    gen = generator(53)
    x, y = (torch.randn(5, dtype=torch.double, generator=gen).requires_grad_() for _ in range(2))
    upstream = torch.rand(5, dtype=torch.double, generator=gen) + 0.5
    out = LogAddExp.apply(x, y)
    if not _near(out, torch.logaddexp(x, y).detach()):
        fail("", "the forward no longer computes log(exp(x) + exp(y)): keep the forward as given and only write backward.",
             "forward 算的已经不是 log(exp(x) + exp(y)) 了：请保留给定的 forward，只写 backward。")
    try:
        gx, gy = torch.autograd.grad(out, (x, y), upstream)
    except RuntimeError as err:
        when_raises(err, "incorrect number of gradients", "",
                    "backward must return one gradient per input of forward, in order: (grad for x, grad for y).",
                    "backward 要为 forward 的每个输入各返回一个梯度，并按顺序：(x 的梯度, y 的梯度)。")
        raise
    inputs = [t.detach() for t in (x, y, out, upstream, gy)]
    right = upstream * torch.exp(torch.stack(inputs[:2]) - inputs[2])
    diagnose(torch.stack([gx, gy]), right, LOGADDEXP_MISTAKES, "", *inputs, **TOL,
             otherwise=WRONG_INPUT, **_which(0 if not _near(gx, right[0]) else 1))
    try:
        torch.autograd.gradcheck(LogAddExp.apply, (x, y))
    except GradcheckError as err:
        found = re.search(r"with respect to input (\d+)", str(err))
        fail("", *(text.format(**_which(int(found.group(1)) if found else -1)) for text in WRONG_INPUT))
    big_x = torch.tensor([1000.0, -1000.0], requires_grad=True)
    big_y = torch.tensor([0.0, 0.0], requires_grad=True)
    LogAddExp.apply(big_x, big_y).sum().backward()
    if not (_near(big_x.grad, torch.tensor([1.0, 0.0])) and _near(big_y.grad, torch.tensor([0.0, 1.0]))):
        fail("", f"right formula, but not numerically stable: for x = [1000, -1000], y = [0, 0] (float32) the gradient "
             f"for x is {fmt(big_x.grad)}, expected [1, 0]. exp(1000) overflows: use the saved out, exp(x - out).",
             f"公式对了，但数值上不稳定：x = [1000, -1000]、y = [0, 0]（float32）时 x 的梯度是 {fmt(big_x.grad)}，"
             "应为 [1, 0]。exp(1000) 会溢出：请用保存下来的 out 计算 exp(x - out)。")


# --------------------------------------------------------------------------- 05.4

#: (name, f, f', f'') of the test functions.
SECOND_DERIVATIVE_CASES = [
    ("x**3", lambda t: t**3, lambda t: 3 * t**2, lambda t: 6 * t),
    ("sin(x)", torch.sin, torch.cos, lambda t: -torch.sin(t)),
    ("exp(2x)", lambda t: torch.exp(2 * t), lambda t: 2 * torch.exp(2 * t), lambda t: 4 * torch.exp(2 * t)),
]
SECOND_DERIVATIVE_MISTAKES = [
    Mistake(lambda x, f1: f1(x), "for f(x) = {name} you returned the FIRST derivative: differentiate it once more.",
            "对 f(x) = {name}，你返回的是一阶导数：还要再求一次导。"),
]


@checker("05.4")
def check_second_derivative(second_derivative) -> None:
    expect_callable(second_derivative)
    call = "second_derivative(f, x)"
    x = torch.tensor([-1.0, 0.5, 2.0])
    for name, f, f1, f2 in SECOND_DERIVATIVE_CASES:
        try:
            got = _expect_gradient(second_derivative(f, x), call)
        except RuntimeError as err:
            when_raises(err, NO_GRAPH, "", "the first derivative has no graph, so it cannot be differentiated again: "
                        "pass create_graph=True to the FIRST torch.autograd.grad call.",
                        "一阶导数没有记录图，所以不能再求导：请在第一次调用 torch.autograd.grad 时传入 create_graph=True。")
            when_raises(err, "only for scalar outputs", "", "autograd.grad of a non-scalar needs a scalar: f is "
                        "element-wise, so differentiate f(x).sum() (and then first_derivative.sum()).",
                        "对非标量求导需要先变成标量：f 是逐元素的，所以对 f(x).sum() 求导（之后对一阶导数的 .sum() 求导）。")
            raise
        _caller_untouched(x, call)
        if not _near(got, f1(x)):  # a returned first derivative gets its own hint, attached or not
            _detached(got, call)
        diagnose(got, f2(x), SECOND_DERIVATIVE_MISTAKES, call, x, f1, **TOL, name=name,
                 otherwise=(f"for f(x) = {name} at x = {fmt(x)} expected f''(x) = {fmt(f2(x))}, got {fmt(got)}.",
                            f"对 f(x) = {name}，在 x = {fmt(x)} 处 f''(x) 应为 {fmt(f2(x))}，实际得到 {fmt(got)}。"))


# --------------------------------------------------------------------------- 05.5


@checker("05.5")
def check_freeze(freeze_all_but_last) -> None:
    expect_callable(freeze_all_but_last)
    with torch.random.fork_rng(devices=[]):  # building layers draws random numbers: keep the notebook's state
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2))
    result = freeze_all_but_last(model)

    last = list(model[-1].parameters())
    still = [name for name, p in model.named_parameters() if not name.startswith(f"{len(model) - 1}.") and p.requires_grad]
    if still and any("requires_grad" in vars(layer) for layer in model):
        fail("", "`layer.requires_grad = False` only sets a plain Python attribute on the module; its parameters still "
             "require grad. Call the method layer.requires_grad_(False), or set p.requires_grad = False on every parameter.",
             "`layer.requires_grad = False` 只是给模块加了一个普通的 Python 属性，它的参数仍然需要梯度。"
             "请调用方法 layer.requires_grad_(False)，或者对每个参数设置 p.requires_grad = False。")
    if not all(p.requires_grad for p in last):
        fail("", "the last layer is frozen too: model[-1] must keep training (its parameters keep requires_grad=True).",
             "最后一层也被冻结了：model[-1] 要继续训练（它的参数保持 requires_grad=True）。")
    if still:
        fail("", f"these parameters still require grad: {', '.join(still)}. Freeze every layer before the last one.",
             f"这些参数仍然需要梯度：{', '.join(still)}。请冻结最后一层之前的每一层。")
    if result is None:
        fail("", "the freezing is right, but the function returned None: return the list of parameters that still "
             "train, ready for an optimizer.",
             "冻结做对了，但函数返回了 None：请返回仍然要训练的参数列表，可以直接交给优化器。")
    result = list(result)
    if len(result) == len(list(model.parameters())):
        fail("", "you returned all the parameters: return only those with requires_grad=True.",
             "你返回了全部参数：只返回 requires_grad=True 的那些。")
    if len(result) != len(last) or not all(any(r is p for p in last) for r in result):
        fail("", "return exactly the parameters that still train: the weight and bias of the last layer.",
             "请恰好返回仍然要训练的参数：最后一层的权重和偏置。")


# --------------------------------------------------------------------------- 05.6


@checker("05.6")
def check_predict(predict) -> None:
    expect_callable(predict)
    call = "predict(model, x)"
    torch_state = torch.random.get_rng_state()  # layers and Dropout draw random numbers: restore the state after
    gen = generator(56)
    model = _fill(nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 1)), gen)
    x = torch.randn(6, 4, generator=gen)
    with torch.no_grad():
        expected = copy.deepcopy(model).eval()(x)
    modes: list[bool] = []
    model[0].register_forward_hook(lambda module, args, out: modes.append(torch.is_grad_enabled()))
    model.train()
    try:
        out = predict(model, x)
    finally:
        grad_mode_after = torch.is_grad_enabled()
        torch.set_grad_enabled(True)  # undo a global switch so the notebook keeps working
        torch.random.set_rng_state(torch_state)  # dropout in train mode draws random numbers
    if not grad_mode_after:
        fail(call, "gradients are now switched off for the whole notebook: torch.set_grad_enabled(False) is global. "
             "Use `with torch.no_grad():` so grad mode comes back after the block.",
             "调用之后，整个笔记本的梯度计算都被关掉了：torch.set_grad_enabled(False) 是全局的。"
             "请用 `with torch.no_grad():`，这样离开代码块后梯度模式会自动恢复。")
    out = expect_tensor(out, call)
    if out.requires_grad:
        fail(call, "the predictions still require grad, so a graph was built: run the forward pass inside "
             "`with torch.no_grad():` (or torch.inference_mode()).",
             "预测结果仍然 requires_grad，说明建了计算图：请在 `with torch.no_grad():`（或 torch.inference_mode()）里做前向计算。")
    if modes and modes[0]:
        fail(call, "the forward pass ran with gradients on and you detached afterwards: the graph was still built "
             "(time and memory). Run the forward pass inside `with torch.no_grad():` instead.",
             "前向计算时梯度模式是开着的，你是事后才 detach：计算图还是被建起来了（耗时又占内存）。"
             "请改为在 `with torch.no_grad():` 里做前向计算。")
    if not _near(out, expected) and model.training:
        fail(call, "the predictions are random because Dropout is still active: torch.no_grad() does not switch "
             "layers to evaluation mode. Call model.eval() first.",
             "预测结果是随机的，因为 Dropout 仍然开着：torch.no_grad() 不会把层切换到评估模式。请先调用 model.eval()。")
    if not _near(out, expected):
        fail(call, f"expected the predictions {fmt(expected)}, got {fmt(out)}.",
             f"预测结果应为 {fmt(expected)}，实际得到 {fmt(out)}。")
