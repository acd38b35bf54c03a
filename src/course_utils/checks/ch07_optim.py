"""Checks for 07_optim.

Each checker builds its own tensors (from private generators, so the notebook's
random state is untouched), calls the student's function, and compares the result
with what ``torch.optim`` itself does, recognising the typical mistakes on the way.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from .core import CheckFailed, exercise
from .helpers import expect_callable, expect_returned, generator

CHAPTER = "07_optim"


def _as_float(value: Any, call: str) -> float:
    """A Python float from a number or a one-element tensor, or a specific failure."""
    expect_returned(value, call)
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise CheckFailed(
                f"{call} should return one number, got a tensor of shape {tuple(value.shape)}.",
                f"{call} 应该返回一个数，实际得到形状为 {tuple(value.shape)} 的张量。",
            )
        if value.is_complex():
            value = value.real
        return float(value.detach())
    try:
        return float(value)
    except (TypeError, ValueError):
        raise CheckFailed(
            f"{call} should return a number, got a {type(value).__name__}.",
            f"{call} 应该返回一个数，实际得到的是 {type(value).__name__}。",
        ) from None


def _close(actual: Any, expected: torch.Tensor, atol: float = 1e-6, rtol: float = 1e-5) -> bool:
    return (
        isinstance(actual, torch.Tensor)
        and actual.shape == expected.shape
        and torch.allclose(actual.detach().to(expected.dtype), expected, atol=atol, rtol=rtol)
    )


def _fmt(t: torch.Tensor) -> str:
    return "[" + ", ".join(f"{v:.4f}" for v in t.detach().flatten().tolist()) + "]"


# --------------------------------------------------------------------------- 07.1


def _spd(seed: int, eigenvalues: list[float]) -> torch.Tensor:
    """A symmetric matrix with the given eigenvalues and random (non-axis) eigenvectors."""
    q, _ = torch.linalg.qr(torch.randn(len(eigenvalues), len(eigenvalues), generator=generator(seed)))
    return q @ torch.diag(torch.tensor(eigenvalues)) @ q.T


@exercise("07.1", CHAPTER, "the fastest learning rate on a quadratic", "二次函数上最快的学习率")
def check_fastest_lr(fastest_lr) -> None:
    expect_callable(fastest_lr)
    matrices = [
        torch.tensor([[5.5, 4.5], [4.5, 5.5]]),  # eigenvalues 1 and 10
        _spd(7, [0.5, 3.0, 20.0]),
        _spd(11, [2.0, 4.0, 8.0, 40.0]),
    ]
    for A in matrices:
        eig = torch.linalg.eigvalsh(A.double())
        lam_min, lam_max = eig.min().item(), eig.max().item()
        best = 2 / (lam_min + lam_max)
        got = _as_float(fastest_lr(A.clone()), "fastest_lr(A)")

        def near(value: float, got: float = got) -> bool:
            return math.isclose(got, value, rel_tol=1e-3)

        diag = torch.diagonal(A).double()
        shown = ", ".join(f"{v:.3f}" for v in eig.tolist())
        if near(best):
            continue
        if near(2 / (diag.min().item() + diag.max().item())) and not torch.allclose(A, torch.diag(diag).float()):
            raise CheckFailed(
                "you used the diagonal entries of A. The curvatures of f are the EIGENVALUES of A "
                "(torch.linalg.eigvalsh(A)); they equal the diagonal only when A is diagonal.",
                "你用的是 A 的对角线元素。f 的曲率是 A 的特征值（torch.linalg.eigvalsh(A)），"
                "只有 A 是对角阵时两者才相同。",
            )
        if near(2 / lam_max):
            raise CheckFailed(
                f"lr = 2/L = {got:.4f} is exactly on the stability edge: along the steepest direction the "
                "error is multiplied by 1 - lr*L = -1 at every step, so it oscillates forever and never shrinks. "
                "The fastest rate balances both ends, |1 - lr*λmin| = |1 - lr*λmax|.",
                f"lr = 2/L = {got:.4f} 正好在稳定性的边界上：沿最陡的方向，误差每步乘以 1 - lr*L = -1，"
                "永远振荡而不缩小。最快的学习率要让两端平衡：|1 - lr*λmin| = |1 - lr*λmax|。",
            )
        if near(1 / lam_max):
            rho = 1 - lam_min / lam_max
            raise CheckFailed(
                f"lr = 1/L = {got:.4f} converges, but not the fastest: the flattest direction only shrinks by "
                f"{rho:.4f} per step. A larger lr helps it, until the steepest direction starts to overshoot: "
                "balance the two, |1 - lr*λmin| = |1 - lr*λmax|.",
                f"lr = 1/L = {got:.4f} 能收敛，但不是最快的：最平的方向每步只缩小到 {rho:.4f} 倍。"
                "增大学习率对它有利，直到最陡的方向开始过冲：让两者平衡，|1 - lr*λmin| = |1 - lr*λmax|。",
            )
        rho = max(abs(1 - got * lam) for lam in eig.tolist())
        rho_best = (lam_max - lam_min) / (lam_max + lam_min)
        if got <= 0:
            raise CheckFailed(
                f"fastest_lr(A) returned {got:.4g}: a learning rate must be positive.",
                f"fastest_lr(A) 返回了 {got:.4g}：学习率必须是正数。",
            )
        if rho >= 1:
            raise CheckFailed(
                f"with lr = {got:.4f}, gradient descent DIVERGES on A (eigenvalues {shown}): along the steepest "
                f"direction the error is multiplied by 1 - lr*L = {1 - got * lam_max:.3f} at every step, and "
                f"|{1 - got * lam_max:.3f}| >= 1. Any lr above 2/L = {2 / lam_max:.4f} diverges; "
                "the limit is set by the LARGEST eigenvalue L.",
                f"学习率 {got:.4f} 会让梯度下降在 A（特征值 {shown}）上发散：沿最陡的方向，误差每步乘以 "
                f"1 - lr*L = {1 - got * lam_max:.3f}，而 |{1 - got * lam_max:.3f}| >= 1。"
                f"任何大于 2/L = {2 / lam_max:.4f} 的学习率都会发散；上限由最大的特征值 L 决定。",
            )
        raise CheckFailed(
            f"for A with eigenvalues {shown}, lr = {got:.4f} converges with the error shrinking by "
            f"{rho:.4f} per step, but the best lr shrinks it by {rho_best:.4f}. Choose lr so that "
            "|1 - lr*λmin| = |1 - lr*λmax|.",
            f"对特征值为 {shown} 的 A，lr = {got:.4f} 能收敛，误差每步缩小到 {rho:.4f} 倍，"
            f"而最好的学习率能缩小到 {rho_best:.4f} 倍。让 |1 - lr*λmin| = |1 - lr*λmax|。",
        )


# --------------------------------------------------------------------------- 07.2


def _expect_pair(result: Any, call: str) -> tuple[torch.Tensor, torch.Tensor]:
    if result is None:
        raise CheckFailed(
            f"{call} returned None. Return the pair (new_param, new_buf).",
            f"{call} 返回了 None。请返回二元组 (new_param, new_buf)。",
        )
    if not (isinstance(result, tuple | list) and len(result) == 2):
        raise CheckFailed(
            f"{call} should return a pair (new_param, new_buf), got {type(result).__name__}.",
            f"{call} 应该返回二元组 (new_param, new_buf)，实际得到的是 {type(result).__name__}。",
        )
    new_param, new_buf = result
    for value, name in ((new_param, "new_param"), (new_buf, "new_buf")):
        if not isinstance(value, torch.Tensor):
            raise CheckFailed(
                f"{call}: {name} should be a tensor, got {type(value).__name__}.",
                f"{call}：{name} 应该是张量，实际得到的是 {type(value).__name__}。",
            )
    return new_param, new_buf


@exercise("07.2", CHAPTER, "one step of SGD with momentum, by hand", "亲手实现一步带动量的 SGD")
def check_momentum_step(momentum_step) -> None:
    expect_callable(momentum_step)
    gen = generator(3)
    lr, momentum = 0.05, 0.9  # lr != 1 - momentum, so "lr inside the buffer" and "an average" differ
    start = torch.randn(5, generator=gen)
    grads = [torch.randn(5, generator=gen) for _ in range(4)]

    # the reference: torch.optim.SGD itself
    p = start.clone().requires_grad_()
    opt = torch.optim.SGD([p], lr=lr, momentum=momentum)
    expected = []
    for g in grads:
        p.grad = g.clone()
        opt.step()
        expected.append((p.detach().clone(), opt.state[p]["momentum_buffer"].clone()))

    param, buf = start.clone(), None
    for step, (g, (exp_param, exp_buf)) in enumerate(zip(grads, expected), start=1):
        call = f"momentum_step(param, grad, buf, lr={lr}, momentum={momentum}) at step {step}"
        try:
            result = momentum_step(param.clone(), g.clone(), None if buf is None else buf.clone(), lr, momentum)
        except TypeError as err:
            if step == 1 and "NoneType" in str(err):
                raise CheckFailed(
                    "on the first step buf is None and your code tried to compute with it. Like torch, start "
                    "the buffer with the gradient itself: buf = grad.clone().",
                    "第一步时 buf 是 None，而你的代码直接拿它做了运算。像 torch 一样，"
                    "第一步用梯度本身作为缓冲区：buf = grad.clone()。",
                ) from None
            raise
        new_param, new_buf = _expect_pair(result, call)
        if buf is not None and _close(new_param, param - lr * g) and not _close(new_param, exp_param):
            raise CheckFailed(
                f"at step {step} your update is plain SGD (param - lr * grad): the momentum buffer is not "
                "used. Update the buffer first, buf = momentum * buf + grad, then step with it: "
                "param - lr * buf.",
                f"第 {step} 步你的更新是普通的 SGD（param - lr * grad），没有用到动量缓冲区。"
                "先更新缓冲区 buf = momentum * buf + grad，再用它更新参数：param - lr * buf。",
            )
        ema = momentum * (torch.zeros_like(g) if buf is None else buf) + (1 - momentum) * g
        if _close(new_buf, ema):
            raise CheckFailed(
                "your buffer is an average, momentum * buf + (1 - momentum) * grad: that is Adam's first "
                "moment. torch's SGD adds the whole gradient: buf = momentum * buf + grad.",
                "你的缓冲区是一个平均值 momentum * buf + (1 - momentum) * grad：那是 Adam 的一阶矩。"
                "torch 的 SGD 加的是完整的梯度：buf = momentum * buf + grad。",
            )
        if _close(new_param, param - lr * (g + momentum * exp_buf)):
            raise CheckFailed(
                "that is the Nesterov update, param - lr * (grad + momentum * buf). Plain momentum steps "
                "with the buffer itself: param - lr * buf.",
                "这是 Nesterov 的更新 param - lr * (grad + momentum * buf)。普通的动量直接用缓冲区：param - lr * buf。",
            )
        if _close(new_param, param + (param - exp_param)):
            raise CheckFailed(
                f"at step {step} the parameter moved the wrong way: subtract, param - lr * buf "
                "(the gradient points uphill).",
                f"第 {step} 步参数走反了方向：应该减去，param - lr * buf（梯度指向上坡）。",
            )
        if _close(new_param, exp_param) and _close(new_buf, lr * exp_buf) and not _close(new_buf, exp_buf):
            raise CheckFailed(
                "your parameters are right, but your buffer holds lr * (torch's buffer): you put the learning "
                "rate inside it (v = momentum * v + lr * grad). That form moves the same way while lr is "
                "constant, but torch keeps lr out of the buffer, buf = momentum * buf + grad, so that a "
                "scheduler's new lr takes effect at once.",
                "你的参数是对的，但缓冲区是 torch 缓冲区的 lr 倍：你把学习率放进了缓冲区（v = momentum * v + lr * grad）。"
                "学习率不变时这种写法走出同样的轨迹，但 torch 的缓冲区不含学习率：buf = momentum * buf + grad，"
                "这样调度器改变学习率时立刻生效。",
            )
        if not _close(new_buf, exp_buf):
            raise CheckFailed(
                f"at step {step} new_buf should be {_fmt(exp_buf)}, got {_fmt(new_buf)}. "
                "Rule: buf = grad.clone() on the first step (buf is None), then buf = momentum * buf + grad.",
                f"第 {step} 步 new_buf 应为 {_fmt(exp_buf)}，实际得到 {_fmt(new_buf)}。"
                "规则：第一步（buf 为 None）buf = grad.clone()，之后 buf = momentum * buf + grad。",
            )
        if not _close(new_param, exp_param):
            raise CheckFailed(
                f"at step {step} new_param should be {_fmt(exp_param)}, got {_fmt(new_param)}. "
                "Step with the updated buffer: param - lr * buf.",
                f"第 {step} 步 new_param 应为 {_fmt(exp_param)}，实际得到 {_fmt(new_param)}。"
                "用更新后的缓冲区走一步：param - lr * buf。",
            )
        param, buf = new_param.detach(), new_buf.detach()


# --------------------------------------------------------------------------- 07.3


def _test_model() -> nn.Module:
    with torch.random.fork_rng(devices=[]):  # building it must not move the notebook's random state
        return nn.Sequential(nn.Linear(5, 8), nn.LayerNorm(8), nn.ReLU(), nn.Linear(8, 2))


@exercise("07.3", CHAPTER, "two parameter groups: no decay on biases", "两个参数组：偏置不做权重衰减")
def check_make_optimizer(make_optimizer) -> None:
    expect_callable(make_optimizer)
    for lr, weight_decay in ((1e-3, 0.05), (3e-4, 0.1)):
        model = _test_model()
        call = f"make_optimizer(model, lr={lr}, weight_decay={weight_decay})"
        opt = make_optimizer(model, lr, weight_decay)
        expect_returned(opt, call)
        if not isinstance(opt, torch.optim.Optimizer):
            raise CheckFailed(
                f"{call} should return a torch.optim optimizer, got a {type(opt).__name__}.",
                f"{call} 应该返回一个 torch.optim 优化器，实际得到的是 {type(opt).__name__}。",
            )
        if not isinstance(opt, torch.optim.Adam) or not opt.defaults.get("decoupled_weight_decay", False):
            raise CheckFailed(
                f"{call} returned {type(opt).__name__}; the exercise asks for AdamW. Adam's (or SGD's) "
                "weight_decay adds an L2 term to the gradient; AdamW decouples it: param *= 1 - lr * weight_decay.",
                f"{call} 返回的是 {type(opt).__name__}；练习要求的是 AdamW。Adam（或 SGD）的 weight_decay "
                "是把 L2 项加进梯度；AdamW 把它解耦：param *= 1 - lr * weight_decay。",
            )
        decay_of: dict[int, float] = {}
        lr_of: dict[int, float] = {}
        for group in opt.param_groups:
            for p in group["params"]:
                decay_of[id(p)] = group["weight_decay"]
                lr_of[id(p)] = group["lr"]
        named = list(model.named_parameters())
        missing = [name for name, p in named if id(p) not in decay_of]
        if missing:
            raise CheckFailed(
                f"these parameters are in no group, so they would never be trained: {', '.join(missing)}. "
                "Every parameter must be in exactly one group.",
                f"这些参数不在任何组里，所以永远不会被训练：{', '.join(missing)}。每个参数都必须恰好在一个组里。",
            )
        wrong_lr = [name for name, p in named if not math.isclose(lr_of[id(p)], lr)]
        if wrong_lr:
            raise CheckFailed(
                f"use lr={lr} for every parameter; these got {lr_of[id(dict(named)[wrong_lr[0]])]}: "
                f"{', '.join(wrong_lr)}.",
                f"所有参数都应使用 lr={lr}；这些参数得到的是 {lr_of[id(dict(named)[wrong_lr[0]])]}：{', '.join(wrong_lr)}。",
            )
        decayed_1d = [name for name, p in named if p.ndim < 2 and decay_of[id(p)] != 0]
        undecayed_2d = [name for name, p in named if p.ndim >= 2 and not math.isclose(decay_of[id(p)], weight_decay)]
        all_1d = [name for name, p in named if p.ndim < 2]
        if decayed_1d == all_1d and not undecayed_2d:
            raise CheckFailed(
                "weight decay is applied to ALL parameters. Put the biases and the LayerNorm "
                "parameters (every parameter with p.ndim < 2) in a second group with weight_decay=0.0.",
                "权重衰减作用在了所有参数上（只有一个组）。把偏置和 LayerNorm 的参数（所有 p.ndim < 2 的参数）"
                "放进第二个组，并设 weight_decay=0.0。",
            )
        if decayed_1d and not any(name.endswith("bias") for name in decayed_1d):
            raise CheckFailed(
                f"the biases are excluded, but these 1-D parameters are still decayed: {', '.join(decayed_1d)}. "
                "Normalisation layers' weights should not be decayed either: select by p.ndim < 2, not by name.",
                f"偏置已经排除了，但这些一维参数仍然被衰减：{', '.join(decayed_1d)}。"
                "归一化层的权重也不应衰减：按 p.ndim < 2 来选，而不是按名字。",
            )
        if decayed_1d:
            raise CheckFailed(
                f"these parameters should get weight_decay=0.0 but are decayed: {', '.join(decayed_1d)}.",
                f"这些参数应该用 weight_decay=0.0，但被衰减了：{', '.join(decayed_1d)}。",
            )
        if undecayed_2d:
            got = decay_of[id(dict(named)[undecayed_2d[0]])]
            raise CheckFailed(
                f"the weight matrices ({', '.join(undecayed_2d)}) should get weight_decay={weight_decay}, "
                f"got {got}. Set it in their group: "
                "{'params': decay, 'weight_decay': weight_decay}.",
                f"权重矩阵（{', '.join(undecayed_2d)}）应使用 weight_decay={weight_decay}，实际是 {got}。"
                "在它们的组里设置：{'params': decay, 'weight_decay': weight_decay}。",
            )


# --------------------------------------------------------------------------- 07.4


def _scheduler_lrs(base_lr: float, eta_min: float, t_max: int) -> list[float]:
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=base_lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=t_max, eta_min=eta_min)
    lrs = []
    for _ in range(t_max + 1):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return lrs


def _cosine(step: float, base_lr: float, eta_min: float, t_max: float) -> float:
    return eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * step / t_max)) / 2


@exercise("07.4", CHAPTER, "a cosine learning-rate schedule", "余弦学习率日程")
def check_cosine_lr(cosine_lr) -> None:
    expect_callable(cosine_lr)
    for base_lr, eta_min, t_max in ((0.1, 0.001, 10), (1.0, 0.0, 7), (0.5, 0.05, 25)):
        expected = _scheduler_lrs(base_lr, eta_min, t_max)
        got = [
            _as_float(cosine_lr(step, base_lr, eta_min, t_max), f"cosine_lr({step}, {base_lr}, {eta_min}, {t_max})")
            for step in range(t_max + 1)
        ]
        if all(math.isclose(g, e, rel_tol=1e-5, abs_tol=1e-9) for g, e in zip(got, expected)):
            continue

        def same(values: list[float], got: list[float] = got) -> bool:
            return all(math.isclose(g, v, rel_tol=1e-5, abs_tol=1e-9) for g, v in zip(got, values))

        steps = range(t_max + 1)
        call = f"cosine_lr(step, base_lr={base_lr}, eta_min={eta_min}, T_max={t_max})"
        if same([_cosine(s + 1, base_lr, eta_min, t_max) for s in steps]):
            raise CheckFailed(
                f"off by one: {call} at step 0 should be base_lr = {base_lr}, got {got[0]:.6f}. The first "
                "optimizer step uses the initial lr; the schedule only moves after scheduler.step(). "
                "Use step, not step + 1.",
                f"差了一步：{call} 在 step 0 时应等于 base_lr = {base_lr}，实际得到 {got[0]:.6f}。"
                "第一次 optimizer.step() 用的是初始学习率，调用 scheduler.step() 之后日程才前进。用 step，不要用 step + 1。",
            )
        if t_max > 1 and all(
            math.isclose(got[s], _cosine(s, base_lr, eta_min, t_max - 1), rel_tol=1e-5, abs_tol=1e-9)
            for s in range(t_max)
        ):
            raise CheckFailed(
                "off by one: the lr should reach eta_min at step == T_max, not T_max - 1. Divide by T_max: "
                "cos(pi * step / T_max).",
                "差了一步：学习率应在 step == T_max 时降到 eta_min，而不是 T_max - 1。除以 T_max：cos(pi * step / T_max)。",
            )
        if eta_min != 0 and same([_cosine(s, base_lr, 0.0, t_max) for s in steps]):
            raise CheckFailed(
                f"{call} ends at {got[-1]:.6f} instead of eta_min = {eta_min}: the curve must go from base_lr "
                "down to eta_min, eta_min + (base_lr - eta_min) * (1 + cos(pi * step / T_max)) / 2.",
                f"{call} 最后停在 {got[-1]:.6f}，而不是 eta_min = {eta_min}：曲线应从 base_lr 降到 eta_min，"
                "eta_min + (base_lr - eta_min) * (1 + cos(pi * step / T_max)) / 2。",
            )
        if same([eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * s / t_max)) for s in steps]):
            raise CheckFailed(
                f"{call} starts at {got[0]:.6f}, twice base_lr: (1 + cos) goes from 2 to 0, so divide it by 2.",
                f"{call} 从 {got[0]:.6f} 开始，是 base_lr 的两倍：(1 + cos) 从 2 变到 0，要除以 2。",
            )
        if math.isclose(got[0], eta_min, abs_tol=1e-9) and not math.isclose(eta_min, base_lr):
            raise CheckFailed(
                f"{call} starts at eta_min and grows: the schedule starts at base_lr and DEcreases. "
                "Use (1 + cos(pi * step / T_max)) / 2, which goes from 1 to 0.",
                f"{call} 从 eta_min 开始并且在增长：日程应从 base_lr 开始并逐渐下降。"
                "用 (1 + cos(pi * step / T_max)) / 2，它从 1 变到 0。",
            )
        bad = next(s for s in steps if not math.isclose(got[s], expected[s], rel_tol=1e-5, abs_tol=1e-9))
        raise CheckFailed(
            f"cosine_lr({bad}, {base_lr}, {eta_min}, {t_max}) should be {expected[bad]:.6f} "
            f"(what CosineAnnealingLR uses), got {got[bad]:.6f}.",
            f"cosine_lr({bad}, {base_lr}, {eta_min}, {t_max}) 应为 {expected[bad]:.6f}"
            f"（CosineAnnealingLR 用的值），实际得到 {got[bad]:.6f}。",
        )


# --------------------------------------------------------------------------- 07.5


def _torch_clip(grads: list[torch.Tensor], max_norm: float) -> tuple[list[torch.Tensor], float]:
    params = [torch.zeros_like(g, requires_grad=True) for g in grads]
    for p, g in zip(params, grads):
        p.grad = g.clone()
    total = torch.nn.utils.clip_grad_norm_(params, max_norm)
    return [p.grad for p in params], total.item()


@exercise("07.5", CHAPTER, "gradient-norm clipping, by hand", "亲手实现按范数的梯度裁剪")
def check_clip_by_total_norm(clip_by_total_norm) -> None:
    expect_callable(clip_by_total_norm)
    gen = generator(5)
    cases = [
        ([torch.tensor([3.0, 0.5]), torch.tensor([-4.0])], 1.0),
        ([torch.randn(3, 4, generator=gen), torch.randn(4, generator=gen), torch.randn(2, 3, generator=gen)], 2.0),
        ([torch.tensor([0.3, -0.1]), torch.tensor([0.2])], 1.0),  # already short enough: unchanged
    ]
    for grads, max_norm in cases:
        call = f"clip_by_total_norm(grads, max_norm={max_norm})"
        expected, total = _torch_clip(grads, max_norm)
        result = clip_by_total_norm([g.clone() for g in grads], max_norm)
        if result is None:
            raise CheckFailed(
                f"{call} returned None. Return the pair (clipped, total_norm).",
                f"{call} 返回了 None。请返回二元组 (clipped, total_norm)。",
            )
        if not (isinstance(result, tuple | list) and len(result) == 2):
            raise CheckFailed(
                f"{call} should return a pair (clipped, total_norm), got {type(result).__name__}.",
                f"{call} 应该返回二元组 (clipped, total_norm)，实际得到的是 {type(result).__name__}。",
            )
        clipped, total_norm = result
        if isinstance(total_norm, list | tuple) and not isinstance(clipped, list | tuple):
            raise CheckFailed(
                "the pair is the wrong way round: return (clipped, total_norm).",
                "二元组的顺序反了：应返回 (clipped, total_norm)。",
            )
        if not (isinstance(clipped, list | tuple) and len(clipped) == len(grads)):
            raise CheckFailed(
                f"{call}: clipped should be a list with one tensor per gradient ({len(grads)}).",
                f"{call}：clipped 应该是一个列表，每个梯度对应一个张量（共 {len(grads)} 个）。",
            )
        norm = _as_float(total_norm, f"{call}[1] (total_norm)")
        sum_of_norms = sum(torch.linalg.vector_norm(g).item() for g in grads)
        if len(grads) > 1 and math.isclose(norm, sum_of_norms, rel_tol=1e-4) and not math.isclose(norm, total, rel_tol=1e-4):
            raise CheckFailed(
                f"total_norm = {norm:.4f} is the SUM of the per-tensor norms. The total norm is the norm of all "
                "gradients joined into one vector: sqrt(sum of every tensor's squared norm) = "
                f"{total:.4f}.",
                f"total_norm = {norm:.4f} 是各张量范数之和。总范数是把所有梯度拼成一个向量后的范数："
                f"sqrt(各张量范数平方之和) = {total:.4f}。",
            )
        if total > max_norm and math.isclose(norm, max_norm, rel_tol=1e-4):
            raise CheckFailed(
                f"total_norm = {norm:.4f} is the norm AFTER clipping. Return the norm before clipping "
                f"({total:.4f}), as clip_grad_norm_ does: that is the number worth logging.",
                f"total_norm = {norm:.4f} 是裁剪之后的范数。请像 clip_grad_norm_ 一样返回裁剪之前的范数"
                f"（{total:.4f}）：这才是值得记录的数。",
            )
        if not math.isclose(norm, total, rel_tol=1e-4):
            raise CheckFailed(
                f"{call}: total_norm should be {total:.4f}, got {norm:.4f}.",
                f"{call}：total_norm 应为 {total:.4f}，实际得到 {norm:.4f}。",
            )
        for c in clipped:
            if not isinstance(c, torch.Tensor):
                raise CheckFailed(
                    f"{call}: every element of clipped should be a tensor, got {type(c).__name__}.",
                    f"{call}：clipped 的每个元素都应该是张量，实际得到 {type(c).__name__}。",
                )
        if all(_close(c, e, atol=1e-5, rtol=1e-4) for c, e in zip(clipped, expected)):
            continue
        per_tensor = [g * min(1.0, max_norm / (torch.linalg.vector_norm(g).item() + 1e-6)) for g in grads]
        if all(_close(c, e, atol=1e-5, rtol=1e-4) for c, e in zip(clipped, per_tensor)):
            raise CheckFailed(
                "you clipped each tensor separately. clip_grad_norm_ computes ONE norm over all gradients "
                "together and scales every tensor by the same factor max_norm / total_norm, so the overall "
                "direction is kept.",
                "你把每个张量分别裁剪了。clip_grad_norm_ 对所有梯度一起只算一个总范数，并把每个张量乘以同一个系数 "
                "max_norm / total_norm，这样整体方向保持不变。",
            )
        if total <= max_norm:
            raise CheckFailed(
                f"the total norm {total:.4f} is already <= max_norm = {max_norm}, so the gradients must stay "
                "unchanged: only shrink, never stretch (scale by min(1, max_norm / total_norm)).",
                f"总范数 {total:.4f} 已经不超过 max_norm = {max_norm}，梯度应保持不变：只缩短，不拉长"
                "（乘以 min(1, max_norm / total_norm)）。",
            )
        clamped = [g.clamp(-max_norm, max_norm) for g in grads]
        if all(_close(c, e, atol=1e-5, rtol=1e-4) for c, e in zip(clipped, clamped)):
            raise CheckFailed(
                "you clamped every element to [-max_norm, max_norm]: that is clip_grad_value_, which changes "
                "the direction. Scale all gradients by max_norm / total_norm instead.",
                "你把每个元素截断到了 [-max_norm, max_norm]：那是 clip_grad_value_，会改变方向。"
                "应该把所有梯度乘以 max_norm / total_norm。",
            )
        bad = next(i for i, (c, e) in enumerate(zip(clipped, expected)) if not _close(c, e, atol=1e-5, rtol=1e-4))
        raise CheckFailed(
            f"{call}: clipped[{bad}] should be {_fmt(expected[bad])}, got {_fmt(clipped[bad])}.",
            f"{call}：clipped[{bad}] 应为 {_fmt(expected[bad])}，实际得到 {_fmt(clipped[bad])}。",
        )
