"""Checks for 19_debugging.

The "find the bug" checks train the student's fixed function for a few steps, check that the loss
falls, and compare the result with the same training done by a correct loop and by each known
broken loop: a result that matches a broken loop gets the hint for that bug. Everything runs on
the CPU inside ``private_rng``, so checking never changes the notebook's random state.
"""

from __future__ import annotations

import copy
import math
import os
import random
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..data import digits_datasets
from .engine import checker
from .vocabulary import (
    Mistake,
    as_number,
    diagnose,
    expect_callable,
    expect_returned,
    fail,
    private_rng,
    same,
)

# --------------------------------------------------------------------------- 19.1


INITIAL_LOSS_MISTAKES = [
    Mistake(lambda c: math.log10(c),
            "that is log10(C). The cross-entropy uses the natural logarithm: math.log(num_classes).",
            "这是 log10(C)。交叉熵用的是自然对数：math.log(num_classes)。"),
    Mistake(lambda c: math.log2(c),
            "that is log2(C) (bits). PyTorch's cross-entropy uses the natural logarithm: math.log(num_classes).",
            "这是 log2(C)（以比特计）。PyTorch 的交叉熵用的是自然对数：math.log(num_classes)。"),
    Mistake(lambda c: -math.log(c),
            "the sign is wrong: the loss is -ln(1/C) = +ln(C), a positive number.",
            "符号反了：损失是 -ln(1/C) = +ln(C)，是个正数。"),
    Mistake(lambda c: 1 / c,
            "1/C is the probability the model gives the right class at initialisation. The loss is the negative "
            "log of that probability: -ln(1/C) = ln(C).",
            "1/C 是初始化时模型给正确类别的概率。损失是这个概率的负对数：-ln(1/C) = ln(C)。"),
    Mistake(lambda c: math.log(c - 1) if c > 1 else None,
            "ln(C - 1) is off by one: with C classes each gets probability 1/C, so the loss is ln(C).",
            "ln(C - 1) 差了一个：C 个类别每个的概率是 1/C，所以损失是 ln(C)。"),
]


@checker("19.1")
def check_expected_initial_loss(expected_initial_loss) -> None:
    expect_callable(expected_initial_loss)
    for classes in (10, 2, 1000):
        call = f"expected_initial_loss({classes})"
        got = as_number(expected_initial_loss(classes), call)
        diagnose(got, math.log(classes), INITIAL_LOSS_MISTAKES, call, classes, atol=1e-4, rtol=1e-4)


# --------------------------------------------------------------------------- 19.2


def _digit_batches(n_batches: int = 36, batch_size: int = 32) -> list[tuple[torch.Tensor, torch.Tensor]]:
    train_set, _, _ = digits_datasets(seed=0)
    images, labels = train_set.tensors
    images = images.flatten(1)
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(19))
    return [(images[idx], labels[idx]) for idx in order[: n_batches * batch_size].view(n_batches, batch_size)]


def _classifier() -> nn.Module:
    return nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


def _reference_train(model: nn.Module, optimizer: torch.optim.Optimizer, batches: list, *, zero_grad: bool = True,
                     softmax: bool = False, step: bool = True) -> list[float]:
    """The correct loop, or one of the broken ones the students write."""
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    losses = []
    for x, y in batches:
        if zero_grad:
            optimizer.zero_grad()
        out = model(x)
        loss = loss_fn(out.softmax(dim=1) if softmax else out, y)
        loss.backward()
        if step:
            optimizer.step()
        losses.append(loss.item())
    return losses


CLASSIFIER_BUGS = [
    (dict(zero_grad=False, softmax=True),
     "both bugs are still there. (1) optimizer.zero_grad() is missing, so every step uses the sum of all the "
     "gradients so far; (2) CrossEntropyLoss gets probabilities (softmax) instead of logits. Call "
     "optimizer.zero_grad() at the start of each step and pass model(x) straight to the loss.",
     "两个 bug 都还在。(1) 没有 optimizer.zero_grad()，每一步用的是到目前为止所有梯度的和；"
     "(2) 交给 CrossEntropyLoss 的是概率（softmax 之后），而不是 logits。每一步开头调用 optimizer.zero_grad()，"
     "并把 model(x) 直接交给损失函数。"),
    (dict(zero_grad=False),
     "the softmax is gone, good, but optimizer.zero_grad() is still missing: backward() ADDS to .grad, so every "
     "step uses the sum of all the gradients so far. Call optimizer.zero_grad() before loss.backward().",
     "softmax 去掉了，很好；但还是没有 optimizer.zero_grad()：backward() 会把梯度加到 .grad 上，"
     "于是每一步用的都是之前所有梯度的和。在 loss.backward() 之前调用 optimizer.zero_grad()。"),
    (dict(softmax=True),
     "zero_grad() is there now, good, but the loss still gets probabilities: CrossEntropyLoss applies log_softmax "
     "itself, so a softmax before it squashes the scores and the loss cannot go below ln(e + 9) - 1 ≈ 1.46. "
     "Pass the logits, model(x), to the loss.",
     "zero_grad() 已经有了，很好；但交给损失函数的仍是概率：CrossEntropyLoss 自己会做 log_softmax，"
     "先做一次 softmax 会把分数压扁，损失也降不到 ln(e + 9) - 1 ≈ 1.46 以下。把 logits（model(x)）直接交给损失函数。"),
    (dict(step=False),
     "the weights never change: either optimizer.step() is missing (backward() only computes the gradients), or "
     "zero_grad() runs between backward() and step(), so that step() sees zero gradients. Each step: zero_grad(), "
     "forward, loss, backward(), step().",
     "权重从未改变：要么缺了 optimizer.step()（backward() 只负责算梯度），要么 zero_grad() 放在了 backward() 和 step() "
     "之间，step() 看到的梯度全是 0。每一步的顺序：zero_grad()、前向、损失、backward()、step()。"),
]


def _losses(result: Any, call: str, steps: int) -> list[float]:
    expect_returned(result, call)
    if isinstance(result, torch.Tensor):
        result = result.detach().flatten().tolist()
    if not isinstance(result, (list, tuple)) or len(result) != steps:
        fail(call, f"return the list of the {steps} losses, one per batch (losses.append(loss.item())).",
             f"应返回 {steps} 个损失组成的列表，每个批次一个（losses.append(loss.item())）。")
    return [as_number(v, f"{call}[{k}]") for k, v in enumerate(result)]


#: Final weights of the correct loop and of each broken one (keyed by the bugs), computed on first use.
_CLASSIFIER_REFERENCES: dict[tuple, list[torch.Tensor]] = {}


@checker("19.2")
def check_train_classifier(train_classifier) -> None:
    expect_callable(train_classifier)
    batches = _digit_batches()
    with private_rng(192):
        start = _classifier()

    def run(fn: Callable, **bugs: bool) -> tuple[nn.Module, Any]:
        model = copy.deepcopy(start)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        with private_rng(0):  # nothing here is random, but a student's loop must not move the notebook's RNG
            return model, fn(model, optimizer, batches, **bugs)

    call = "train_classifier(model, optimizer, batches)"
    model, result = run(train_classifier)
    losses = _losses(result, call, len(batches))
    params = list(model.parameters())

    def matches(**bugs: bool) -> bool:
        key = tuple(sorted(bugs.items()))
        if key not in _CLASSIFIER_REFERENCES:  # the same for every answer: train each reference loop once
            reference, _ = run(_reference_train, **bugs)
            _CLASSIFIER_REFERENCES[key] = [p.detach().clone() for p in reference.parameters()]
        return all(same(p, r, atol=1e-4, rtol=1e-4) for p, r in zip(params, _CLASSIFIER_REFERENCES[key]))

    if not matches():
        for bugs, en, zh in CLASSIFIER_BUGS:
            if matches(**bugs):
                fail(call, en, zh)
        fail(call, "after training, the weights differ from those of a correct loop. Each step should be: "
             "optimizer.zero_grad(); loss = loss_fn(model(x), y); loss.backward(); optimizer.step(). Change only "
             "the two bugs; keep the given optimizer and loss.",
             "训练之后的权重和正确的循环不一样。每一步应该是：optimizer.zero_grad()；loss = loss_fn(model(x), y)；"
             "loss.backward()；optimizer.step()。只改那两个 bug，不要换掉传入的优化器和损失函数。")
    first, last = sum(losses[:10]) / 10, sum(losses[-10:]) / 10
    if not last < 0.7 * first:
        fail(call, f"the weights are right, but the returned losses do not fall ({first:.3f} -> {last:.3f}): "
             "append each step's loss.item() after computing it.",
             f"权重是对的，但返回的损失没有下降（{first:.3f} -> {last:.3f}）：每一步算出损失后 append 它的 loss.item()。")


# --------------------------------------------------------------------------- 19.3


def _regression_data(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=g)
    w = torch.tensor([2.0, -1.0, 0.5])
    return x, x @ w + 0.3 + 0.1 * torch.randn(n, generator=g), w


def _reference_fit(x: torch.Tensor, y: torch.Tensor, steps: int = 200, lr: float = 0.1, *,
                   shuffle_x: bool = False, broadcast: bool = False) -> tuple[nn.Module, list[float]]:
    torch.manual_seed(0)
    model = nn.Linear(x.shape[1], 1)
    if shuffle_x:
        x = x[torch.randperm(len(x))]
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        pred = model(x) if broadcast else model(x).squeeze(1)
        loss = ((pred - y) ** 2).mean()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return model, losses


REGRESSION_BUGS = [
    (dict(broadcast=True),
     "the loss still broadcasts: model(x) has shape (N, 1) "
     "and y has shape (N,), so pred - y is an (N, N) matrix that compares every prediction with every target, and "
     "the best the model can do is predict the mean. Use pred = model(x).squeeze(1) (and, to be safe, "
     "assert pred.shape == y.shape). Then check the other bug: x and y must stay paired (shuffling x alone gives "
     "every input another example's target).",
     "损失里还在广播：model(x) 的形状是 (N, 1)，y 是 (N,)，pred - y 是一个 (N, N) 的矩阵，"
     "每个预测和每个目标都比了一遍，模型最多只能学会预测平均值。用 pred = model(x).squeeze(1)"
     "（保险起见再加一句 assert pred.shape == y.shape）。然后再看另一个 bug：x 和 y 必须保持配对"
     "（只打乱 x，每个输入就配上了别的样本的目标）。"),
    (dict(shuffle_x=True),
     "the shapes are right now, good, but x is still shuffled without y: every input gets another example's "
     "target, so there is nothing to learn but the mean. Remove the shuffle (a full batch needs none), or index x "
     "and y with the same permutation.",
     "形状已经对了，很好；但 x 还是在没打乱 y 的情况下被打乱了：每个输入都配上了别的样本的目标，能学到的只有平均值。"
     "去掉打乱（整批训练根本不需要），或者用同一个排列同时索引 x 和 y。"),
]


@checker("19.3")
def check_fit_line(fit_line) -> None:
    expect_callable(fit_line)
    for n, seed in ((128, 193), (75, 194)):
        x, y, w = _regression_data(n, seed)
        call = f"fit_line(x of shape ({n}, 3), y of shape ({n},))"
        with private_rng(0):
            result = fit_line(x.clone(), y.clone())
        expect_returned(result, call)
        if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], nn.Module)):
            fail(call, "return the pair (model, losses), as the broken version did.",
                 "应返回 (model, losses) 这一对，和原来那个坏掉的版本一样。")
        model, losses = result
        losses = _losses(losses, call, 200)
        if not all(math.isfinite(v) for v in losses):
            fail(call, "the loss became nan/inf. Keep the loss a mean over the examples (.mean(), not .sum()) and "
                 "keep lr=0.1.",
                 "损失变成了 nan/inf。损失要对样本取平均（.mean()，不是 .sum()），学习率保持 0.1。")
        weight = model.weight.detach().flatten()
        if same(weight, w, atol=0.05, rtol=0):
            if not losses[-1] < 0.1 * losses[0]:
                fail(call, f"the model is right, but the returned losses do not fall ({losses[0]:.3f} -> "
                     f"{losses[-1]:.3f}): append each step's loss.item().",
                     f"模型是对的，但返回的损失没有下降（{losses[0]:.3f} -> {losses[-1]:.3f}）：每一步 append loss.item()。")
            continue
        for bugs, en, zh in REGRESSION_BUGS:
            with private_rng(0):
                reference, _ = _reference_fit(x, y, **bugs)
            if same(weight, reference.weight.detach().flatten(), atol=1e-4, rtol=1e-4):
                fail(call, en, zh)
        fail(call, f"the fitted weights {[round(v, 2) for v in weight.tolist()]} are far from the true "
             f"{w.tolist()} that generated the data. Both bugs must go: the shuffle of x alone, and the "
             "(N, 1) against (N,) broadcast in the loss.",
             f"拟合出的权重 {[round(v, 2) for v in weight.tolist()]} 离生成数据用的真实权重 {w.tolist()} 很远。"
             "两个 bug 都要修：单独打乱 x，以及损失里 (N, 1) 对 (N,) 的广播。")


# --------------------------------------------------------------------------- 19.4


def _norm_model() -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    with private_rng(194):
        model = nn.Sequential(
            nn.Linear(6, 8), nn.ReLU(),
            nn.Sequential(nn.Linear(8, 8, bias=False), nn.LayerNorm(8)), nn.ReLU(),
            nn.Linear(8, 3),
        )
        x, y = torch.randn(16, 6), torch.randint(0, 3, (16,))
    return model, x, y


def _per_layer(model: nn.Module, what: Callable[[nn.Parameter], torch.Tensor | None], combine: str = "l2",
               recurse: bool = False, keys: str = "module") -> dict[str, float]:
    norms: dict[str, float] = {}
    if keys == "parameter":
        return {name: p.grad.norm().item() for name, p in model.named_parameters() if p.grad is not None}
    for name, module in model.named_modules():
        tensors = [t for t in (what(p) for p in module.parameters(recurse=recurse)) if t is not None]
        if not tensors:
            continue
        if combine == "l2":
            norms[name] = math.sqrt(sum(t.pow(2).sum().item() for t in tensors))
        elif combine == "squared":
            norms[name] = sum(t.pow(2).sum().item() for t in tensors)
        elif combine == "sum":
            norms[name] = sum(t.norm().item() for t in tensors)
        elif combine == "weight":
            norms[name] = tensors[0].norm().item()
    return norms


@checker("19.4")
def check_grad_norm_per_layer(grad_norm_per_layer) -> None:
    expect_callable(grad_norm_per_layer)
    model, x, y = _norm_model()
    F.cross_entropy(model(x), y).backward()
    call = "grad_norm_per_layer(model)"
    result = expect_returned(grad_norm_per_layer(model), call)
    if not isinstance(result, dict):
        fail(call, f"return a dict {{layer name: norm}}, got a {type(result).__name__}.",
             f"应返回字典 {{层的名字: 范数}}，实际得到 {type(result).__name__}。")
    expected = _per_layer(model, lambda p: p.grad)
    keys = set(result)
    if keys == set(_per_layer(model, lambda p: p.grad, keys="parameter")):
        fail(call, "your keys are parameter names ('0.weight', '0.bias', ...). Give one entry per LAYER: loop over "
             "model.named_modules() and combine the gradients of module.parameters(recurse=False).",
             "你的键是参数的名字（'0.weight'、'0.bias' ……）。应该每一层一项：遍历 model.named_modules()，"
             "把 module.parameters(recurse=False) 的梯度合在一起。")
    if keys > set(expected) and keys <= set(_per_layer(model, lambda p: p.grad, recurse=True)):
        fail(call, f"you also listed containers ({sorted(keys - set(expected))!r}: the '' is the model itself). "
             "module.parameters() includes the parameters of all submodules; use module.parameters(recurse=False) "
             "so that each layer counts only its own.",
             f"你把容器也列进去了（{sorted(keys - set(expected))!r}：'' 就是模型本身）。module.parameters() 包括所有子模块的参数；"
             "用 module.parameters(recurse=False)，每一层只算它自己的参数。")
    if keys != set(expected):
        fail(call, f"expected the keys {sorted(expected)!r} (the names of the modules that own parameters, from "
             f"model.named_modules()), got {sorted(keys)!r}.",
             f"键应为 {sorted(expected)!r}（model.named_modules() 里自己拥有参数的模块的名字），实际得到 {sorted(keys)!r}。")
    got = {name: as_number(value, f"{call}[{name!r}]") for name, value in result.items()}
    mistakes = [
        (_per_layer(model, lambda p: p.data),
         "these are the norms of the weights themselves. Use the gradients, p.grad, filled in by backward().",
         "这些是权重本身的范数。应该用 backward() 算出的梯度 p.grad。"),
        (_per_layer(model, lambda p: p.grad, combine="squared"),
         "these are the squared norms: take the square root of the sum of squares.",
         "这些是范数的平方：对平方和再开平方根。"),
        (_per_layer(model, lambda p: p.grad, combine="sum"),
         "you added the norms of the weight and bias gradients. A layer's norm treats all its gradients as one "
         "vector: sqrt(sum of g.pow(2).sum() over its parameters).",
         "你把 weight 和 bias 梯度的范数直接相加了。一层的范数要把它所有的梯度看成一个向量："
         "sqrt(各参数 g.pow(2).sum() 之和)。"),
        (_per_layer(model, lambda p: p.grad, combine="weight"),
         "you used only the first parameter (the weight) of each layer; include the bias too.",
         "每一层你只用了第一个参数（weight）；bias 也要算进去。"),
    ]
    for wrong, en, zh in mistakes:
        if all(math.isclose(got[k], wrong[k], rel_tol=1e-4) for k in expected) and \
                not all(math.isclose(got[k], expected[k], rel_tol=1e-4) for k in expected):
            fail(call, en, zh)
    for name, value in expected.items():
        if not math.isclose(got[name], value, rel_tol=1e-4, abs_tol=1e-8):
            fail(call, f"layer {name!r}: expected {value:.6f}, got {got[name]:.6f}.",
                 f"第 {name!r} 层：应为 {value:.6f}，实际得到 {got[name]:.6f}。")
    # a frozen layer has no gradient: it must be skipped, not crash
    model, x, y = _norm_model()
    model[0].requires_grad_(False)
    F.cross_entropy(model(x), y).backward()
    call = "grad_norm_per_layer(model with layer '0' frozen)"
    try:
        result = grad_norm_per_layer(model)
    except (AttributeError, TypeError) as error:
        if "NoneType" in str(error):
            fail(call, "a frozen layer's parameters have p.grad = None: skip the parameters (and layers) without a "
                 "gradient.",
                 "被冻结的层的参数 p.grad 是 None：跳过没有梯度的参数（和层）。")
        raise
    expect_returned(result, call)
    if isinstance(result, dict) and "0" in result:
        fail(call, "layer '0' is frozen (its p.grad is None) and should not be in the dict.",
             "第 '0' 层被冻结了（p.grad 是 None），不应出现在字典里。")


# --------------------------------------------------------------------------- 19.5


class _GlobalState:
    """Everything make_reproducible may change, saved and restored around a check."""

    def __enter__(self) -> _GlobalState:
        self.python = random.getstate()
        self.numpy = np.random.get_state()
        self.torch = torch.get_rng_state()
        self.deterministic = torch.are_deterministic_algorithms_enabled()
        self.warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
        self.benchmark = torch.backends.cudnn.benchmark
        self.cudnn_deterministic = torch.backends.cudnn.deterministic
        self.cublas = os.environ.get("CUBLAS_WORKSPACE_CONFIG")
        return self

    def __exit__(self, *exc: object) -> None:
        random.setstate(self.python)
        np.random.set_state(self.numpy)
        torch.set_rng_state(self.torch)
        torch.use_deterministic_algorithms(self.deterministic, warn_only=self.warn_only)
        torch.backends.cudnn.benchmark = self.benchmark
        torch.backends.cudnn.deterministic = self.cudnn_deterministic
        if self.cublas is None:
            os.environ.pop("CUBLAS_WORKSPACE_CONFIG", None)
        else:
            os.environ["CUBLAS_WORKSPACE_CONFIG"] = self.cublas


def _settings_after(make_reproducible: Callable, seed: int) -> dict[str, Any]:
    with _GlobalState():
        # start from the opposite of what is asked, so that a setting left out shows
        torch.use_deterministic_algorithms(False)
        torch.backends.cudnn.benchmark = True
        os.environ.pop("CUBLAS_WORKSPACE_CONFIG", None)
        random.seed(seed + 1)
        np.random.seed(seed + 1)
        torch.manual_seed(seed + 1)
        generator = make_reproducible(seed)
        return {
            "generator": generator,
            "draw": torch.rand(1, generator=generator).item() if isinstance(generator, torch.Generator) else None,
            "python": random.random(),
            "numpy": float(np.random.rand()),
            "torch": torch.rand(1).item(),
            "deterministic": torch.are_deterministic_algorithms_enabled(),
            "warn_only": torch.is_deterministic_algorithms_warn_only_enabled(),
            "benchmark": torch.backends.cudnn.benchmark,
            "cublas": os.environ.get("CUBLAS_WORKSPACE_CONFIG"),
        }


@checker("19.5")
def check_make_reproducible(make_reproducible) -> None:
    expect_callable(make_reproducible)
    for seed in (123, 7):
        call = f"make_reproducible({seed})"
        state = _settings_after(make_reproducible, seed)
        generator = state["generator"]
        expect_returned(generator, call)
        if not isinstance(generator, torch.Generator):
            fail(call, f"return a torch.Generator seeded with the seed (for the DataLoader's generator=), got a "
                 f"{type(generator).__name__}.",
                 f"应返回一个用 seed 设好种子的 torch.Generator（给 DataLoader 的 generator= 用），"
                 f"实际得到 {type(generator).__name__}。")
        if state["draw"] != torch.rand(1, generator=torch.Generator().manual_seed(seed)).item():
            fail(call, "the returned generator is not seeded with the seed: return "
                 "torch.Generator().manual_seed(seed).",
                 "返回的 generator 没有用 seed 设种子：返回 torch.Generator().manual_seed(seed)。")
        if state["python"] != random.Random(seed).random():
            fail(call, "Python's random module is not seeded with the seed: call random.seed(seed).",
                 "Python 的 random 模块没有用 seed 设种子：调用 random.seed(seed)。")
        if state["numpy"] != float(np.random.RandomState(seed).rand()):
            fail(call, "NumPy's global generator is not seeded with the seed: call np.random.seed(seed).",
                 "NumPy 的全局生成器没有用 seed 设种子：调用 np.random.seed(seed)。")
        if state["torch"] != torch.rand(1, generator=torch.Generator().manual_seed(seed)).item():
            fail(call, "torch's global generator is not seeded with the seed: call torch.manual_seed(seed) "
                 "(it seeds every GPU too).",
                 "torch 的全局生成器没有用 seed 设种子：调用 torch.manual_seed(seed)（它也会给所有 GPU 设种子）。")
        if not state["deterministic"]:
            fail(call, "deterministic algorithms are off: call torch.use_deterministic_algorithms(True).",
                 "确定性算法没有打开：调用 torch.use_deterministic_algorithms(True)。")
        if state["warn_only"]:
            fail(call, "warn_only=True only warns about an op without a deterministic implementation; ask for an "
                 "error: torch.use_deterministic_algorithms(True).",
                 "warn_only=True 遇到没有确定性实现的算子只会警告；应让它报错：torch.use_deterministic_algorithms(True)。")
        if state["benchmark"]:
            fail(call, "torch.backends.cudnn.benchmark is still True: it picks convolution algorithms by timing them, "
                 "which can differ from run to run. Set it to False.",
                 "torch.backends.cudnn.benchmark 还是 True：它按当次测速挑选卷积算法，每次可能不同。把它设为 False。")
        if state["cublas"] not in (":4096:8", ":16:8"):
            fail(call, "set the environment variable CUBLAS_WORKSPACE_CONFIG to ':4096:8' (os.environ[...] = ...): "
                 "deterministic cuBLAS on CUDA 10.2 and later needs it.",
                 "把环境变量 CUBLAS_WORKSPACE_CONFIG 设为 ':4096:8'（os.environ[...] = ...）："
                 "CUDA 10.2 及以后的 cuBLAS 要它才能确定性地运行。")

