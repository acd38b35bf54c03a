"""Checks for 07_optim.

Each checker builds its own tensors (from private generators, so the notebook's
random state is untouched), calls the student's function, and compares the result
with what ``torch.optim`` itself does, recognising the typical mistakes on the way.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import torch
from torch import nn

from .engine import checker
from .vocabulary import (
    Mistake,
    as_number,
    close,
    diagnose,
    expect_callable,
    expect_returned,
    fail,
    fmt,
    generator,
    is_tensor,
    same,
    shape_of,
    when_raises,
)


def _expect_pair(result: Any, call: str, names: tuple[str, str]) -> tuple[Any, Any]:
    """A pair (tuple or list of two), named ``names`` in the messages."""
    pair = f"({names[0]}, {names[1]})"
    if result is None:
        fail(call, f"returned None. Return the pair {pair}.", f"返回了 None。请返回二元组 {pair}。")
    if not (isinstance(result, tuple | list) and len(result) == 2):
        fail(call, f"should return a pair {pair}, got {type(result).__name__}.",
             f"应该返回二元组 {pair}，实际得到的是 {type(result).__name__}。")
    return result[0], result[1]


def _expect_like(value: Any, like: torch.Tensor, call: str, name: str) -> None:
    """``value`` must be a tensor of the same shape as ``like``."""
    if not (is_tensor(value) and value.shape == like.shape):
        got = f"shape {shape_of(value)}" if is_tensor(value) else f"a {type(value).__name__}"
        fail(call, f"{name} should be a tensor of shape {shape_of(like)}, got {got}.",
             f"{name} 应该是形状为 {shape_of(like)} 的张量，实际得到 {got}。")


# --------------------------------------------------------------------------- 07.1


def _spd(seed: int, eigenvalues: list[float]) -> torch.Tensor:
    """A symmetric matrix with the given eigenvalues and random (non-axis) eigenvectors."""
    q, _ = torch.linalg.qr(torch.randn(len(eigenvalues), len(eigenvalues), generator=generator(seed)))
    return q @ torch.diag(torch.tensor(eigenvalues)) @ q.T


BALANCE = "|1 - lr*λmin| = |1 - lr*λmax|"
#: Wrong learning rates, from (A, its smallest and largest eigenvalue).
LR_MISTAKES = [
    Mistake(lambda A, lo, hi: None if torch.allclose(A, torch.diag(torch.diagonal(A)))
            else 2 / (torch.diagonal(A).min().item() + torch.diagonal(A).max().item()),
            "you used the diagonal entries of A. The curvatures of f are the EIGENVALUES of A "
            "(torch.linalg.eigvalsh(A)); they equal the diagonal only when A is diagonal.",
            "你用的是 A 的对角线元素。f 的曲率是 A 的特征值（torch.linalg.eigvalsh(A)），只有 A 是对角阵时两者才相同。"),
    Mistake(lambda A, lo, hi: 2 / hi,
            "lr = 2/L = {got:.4f} is exactly on the stability edge: along the steepest direction the error is "
            "multiplied by 1 - lr*L = -1 at every step, so it oscillates forever and never shrinks. "
            f"The fastest rate balances both ends, {BALANCE}.",
            "lr = 2/L = {got:.4f} 正好在稳定性的边界上：沿最陡的方向，误差每步乘以 1 - lr*L = -1，"
            f"永远振荡而不缩小。最快的学习率要让两端平衡：{BALANCE}。"),
    Mistake(lambda A, lo, hi: 1 / hi,
            "lr = 1/L = {got:.4f} converges, but not the fastest: the flattest direction only shrinks by {flat:.4f} "
            "per step. A larger lr helps it, until the steepest direction starts to overshoot: balance the two, "
            f"{BALANCE}.",
            "lr = 1/L = {got:.4f} 能收敛，但不是最快的：最平的方向每步只缩小到 {flat:.4f} 倍。"
            f"增大学习率对它有利，直到最陡的方向开始过冲：让两者平衡，{BALANCE}。"),
]
NOT_POSITIVE = ("fastest_lr(A) returned {got:.4g}: a learning rate must be positive.",
                "fastest_lr(A) 返回了 {got:.4g}：学习率必须是正数。")
DIVERGES = ("with lr = {got:.4f}, gradient descent DIVERGES on A (eigenvalues {shown}): along the steepest direction "
            "the error is multiplied by 1 - lr*L = {factor:.3f} at every step, and |{factor:.3f}| >= 1. Any lr above "
            "2/L = {edge:.4f} diverges; the limit is set by the LARGEST eigenvalue L.",
            "学习率 {got:.4f} 会让梯度下降在 A（特征值 {shown}）上发散：沿最陡的方向，误差每步乘以 "
            "1 - lr*L = {factor:.3f}，而 |{factor:.3f}| >= 1。任何大于 2/L = {edge:.4f} 的学习率都会发散；"
            "上限由最大的特征值 L 决定。")
SLOWER = ("for A with eigenvalues {shown}, lr = {got:.4f} converges with the error shrinking by {rho:.4f} per step, "
          f"but the best lr shrinks it by {{best:.4f}}. Choose lr so that {BALANCE}.",
          "对特征值为 {shown} 的 A，lr = {got:.4f} 能收敛，误差每步缩小到 {rho:.4f} 倍，"
          f"而最好的学习率能缩小到 {{best:.4f}} 倍。让 {BALANCE}。")


@checker("07.1")
def check_fastest_lr(fastest_lr) -> None:
    expect_callable(fastest_lr)
    for A in (torch.tensor([[5.5, 4.5], [4.5, 5.5]]), _spd(7, [0.5, 3.0, 20.0]), _spd(11, [2.0, 4.0, 8.0, 40.0])):
        eig = torch.linalg.eigvalsh(A.double()).tolist()
        lo, hi = min(eig), max(eig)
        got = as_number(fastest_lr(A.clone()), "fastest_lr(A)")
        rho = max(abs(1 - got * lam) for lam in eig)
        diagnose(got, 2 / (lo + hi), LR_MISTAKES, "", A, lo, hi, atol=0.0, rtol=1e-3,
                 otherwise=NOT_POSITIVE if got <= 0 else DIVERGES if rho >= 1 else SLOWER,
                 got=got, rho=rho, flat=1 - lo / hi, best=(hi - lo) / (hi + lo), factor=1 - got * hi, edge=2 / hi,
                 shown=", ".join(f"{v:.3f}" for v in eig))


# --------------------------------------------------------------------------- 07.2

#: Wrong (new_param, new_buf), stacked, from the step ``s``: its inputs, the student's outputs and torch's.
MOMENTUM_MISTAKES = [
    Mistake(lambda s: None if s.buf is None else torch.stack([s.param - s.lr * s.grad, s.new_buf]),
            "at step {step} your update is plain SGD (param - lr * grad): the momentum buffer is not used. "
            "Update the buffer first, buf = momentum * buf + grad, then step with it: param - lr * buf.",
            "第 {step} 步你的更新是普通的 SGD（param - lr * grad），没有用到动量缓冲区。"
            "先更新缓冲区 buf = momentum * buf + grad，再用它更新参数：param - lr * buf。"),
    Mistake(lambda s: torch.stack([s.new_param, s.momentum * s.buf_or_0 + (1 - s.momentum) * s.grad]),
            "your buffer is an average, momentum * buf + (1 - momentum) * grad: that is Adam's first moment. "
            "torch's SGD adds the whole gradient: buf = momentum * buf + grad.",
            "你的缓冲区是一个平均值 momentum * buf + (1 - momentum) * grad：那是 Adam 的一阶矩。"
            "torch 的 SGD 加的是完整的梯度：buf = momentum * buf + grad。"),
    Mistake(lambda s: torch.stack([s.param - s.lr * (s.grad + s.momentum * s.exp_buf), s.new_buf]),
            "that is the Nesterov update, param - lr * (grad + momentum * buf). Plain momentum steps with the "
            "buffer itself: param - lr * buf.",
            "这是 Nesterov 的更新 param - lr * (grad + momentum * buf)。普通的动量直接用缓冲区：param - lr * buf。"),
    Mistake(lambda s: torch.stack([2 * s.param - s.exp_param, s.new_buf]),
            "at step {step} the parameter moved the wrong way: subtract, param - lr * buf (the gradient points uphill).",
            "第 {step} 步参数走反了方向：应该减去，param - lr * buf（梯度指向上坡）。"),
    Mistake(lambda s: torch.stack([s.exp_param, s.lr * s.exp_buf]),
            "your parameters are right, but your buffer holds lr * (torch's buffer): you put the learning rate inside "
            "it (v = momentum * v + lr * grad). That form moves the same way while lr is constant, but torch keeps lr "
            "out of the buffer, buf = momentum * buf + grad, so that a scheduler's new lr takes effect at once.",
            "你的参数是对的，但缓冲区是 torch 缓冲区的 lr 倍：你把学习率放进了缓冲区（v = momentum * v + lr * grad）。"
            "学习率不变时这种写法走出同样的轨迹，但 torch 的缓冲区不含学习率：buf = momentum * buf + grad，"
            "这样调度器改变学习率时立刻生效。"),
]
WRONG_BUF = ("at step {step} new_buf should be {want}, got {got}. "
             "Rule: buf = grad.clone() on the first step (buf is None), then buf = momentum * buf + grad.",
             "第 {step} 步 new_buf 应为 {want}，实际得到 {got}。"
             "规则：第一步（buf 为 None）buf = grad.clone()，之后 buf = momentum * buf + grad。")
WRONG_PARAM = ("at step {step} new_param should be {want}, got {got}. Step with the updated buffer: param - lr * buf.",
               "第 {step} 步 new_param 应为 {want}，实际得到 {got}。用更新后的缓冲区走一步：param - lr * buf。")
MOMENTUM_TOL = {"atol": 1e-6, "rtol": 1e-5}


@checker("07.2")
def check_momentum_step(momentum_step) -> None:
    expect_callable(momentum_step)
    gen = generator(3)
    lr, momentum = 0.05, 0.9  # lr != 1 - momentum, so "lr inside the buffer" and "an average" differ
    start = torch.randn(5, generator=gen)
    grads = [torch.randn(5, generator=gen) for _ in range(4)]
    p = start.clone().requires_grad_()
    opt = torch.optim.SGD([p], lr=lr, momentum=momentum)  # the reference: torch.optim.SGD itself
    param, buf = start.clone(), None
    for step, g in enumerate(grads, start=1):
        p.grad = g.clone()
        opt.step()
        exp_param, exp_buf = p.detach().clone(), opt.state[p]["momentum_buffer"].clone()
        call = f"momentum_step(param, grad, buf, lr={lr}, momentum={momentum}) at step {step}"
        try:
            result = momentum_step(param.clone(), g.clone(), None if buf is None else buf.clone(), lr, momentum)
        except TypeError as err:
            if step == 1:
                when_raises(err, "NoneType", "", "on the first step buf is None and your code tried to compute with "
                            "it. Like torch, start the buffer with the gradient itself: buf = grad.clone().",
                            "第一步时 buf 是 None，而你的代码直接拿它做了运算。像 torch 一样，"
                            "第一步用梯度本身作为缓冲区：buf = grad.clone()。")
            raise
        new_param, new_buf = _expect_pair(result, call, ("new_param", "new_buf"))
        _expect_like(new_param, g, call, "new_param")
        _expect_like(new_buf, g, call, "new_buf")
        s = SimpleNamespace(param=param, grad=g, buf=buf, buf_or_0=torch.zeros_like(g) if buf is None else buf,
                            lr=lr, momentum=momentum, new_param=new_param.detach(), new_buf=new_buf.detach(),
                            exp_param=exp_param, exp_buf=exp_buf)
        buf_right = same(new_buf, exp_buf, **MOMENTUM_TOL)
        got, want = (new_param, exp_param) if buf_right else (new_buf, exp_buf)
        diagnose(torch.stack([s.new_param, s.new_buf]), torch.stack([exp_param, exp_buf]), MOMENTUM_MISTAKES, "", s,
                 **MOMENTUM_TOL, otherwise=WRONG_PARAM if buf_right else WRONG_BUF,
                 step=step, want=fmt(want), got=fmt(got))
        param, buf = s.new_param, s.new_buf


# --------------------------------------------------------------------------- 07.3


@checker("07.3")
def check_make_optimizer(make_optimizer) -> None:
    expect_callable(make_optimizer)
    for lr, weight_decay in ((1e-3, 0.05), (3e-4, 0.1)):
        with torch.random.fork_rng(devices=[]):  # building it must not move the notebook's random state
            model = nn.Sequential(nn.Linear(5, 8), nn.LayerNorm(8), nn.ReLU(), nn.Linear(8, 2))
        call = f"make_optimizer(model, lr={lr}, weight_decay={weight_decay})"
        opt = expect_returned(make_optimizer(model, lr, weight_decay), call)
        if not isinstance(opt, torch.optim.Optimizer):
            fail(call, f"should return a torch.optim optimizer, got a {type(opt).__name__}.",
                 f"应该返回一个 torch.optim 优化器，实际得到的是 {type(opt).__name__}。")
        if not isinstance(opt, torch.optim.Adam) or not opt.defaults.get("decoupled_weight_decay", False):
            fail(call, f"returned {type(opt).__name__}; the exercise asks for AdamW. Adam's (or SGD's) weight_decay "
                 "adds an L2 term to the gradient; AdamW decouples it: param *= 1 - lr * weight_decay.",
                 f"返回的是 {type(opt).__name__}；练习要求的是 AdamW。Adam（或 SGD）的 weight_decay "
                 "是把 L2 项加进梯度；AdamW 把它解耦：param *= 1 - lr * weight_decay。")
        group_of = {id(p): group for group in opt.param_groups for p in group["params"]}
        named = list(model.named_parameters())
        missing = [name for name, p in named if id(p) not in group_of]
        if missing:
            fail("", f"these parameters are in no group, so they would never be trained: {', '.join(missing)}. "
                 "Every parameter must be in exactly one group.",
                 f"这些参数不在任何组里，所以永远不会被训练：{', '.join(missing)}。每个参数都必须恰好在一个组里。")
        lr_of = {name: group_of[id(p)]["lr"] for name, p in named}
        decay_of = {name: group_of[id(p)]["weight_decay"] for name, p in named}
        wrong_lr = [name for name, value in lr_of.items() if not math.isclose(value, lr)]
        if wrong_lr:
            fail("", f"use lr={lr} for every parameter; these got {lr_of[wrong_lr[0]]}: {', '.join(wrong_lr)}.",
                 f"所有参数都应使用 lr={lr}；这些参数得到的是 {lr_of[wrong_lr[0]]}：{', '.join(wrong_lr)}。")
        all_1d = [name for name, p in named if p.ndim < 2]
        decayed_1d = [name for name in all_1d if decay_of[name] != 0]
        undecayed_2d = [name for name, p in named if p.ndim >= 2 and not math.isclose(decay_of[name], weight_decay)]
        if decayed_1d == all_1d and not undecayed_2d:
            fail("", "weight decay is applied to ALL parameters. Put the biases and the LayerNorm parameters "
                 "(every parameter with p.ndim < 2) in a second group with weight_decay=0.0.",
                 "权重衰减作用在了所有参数上（只有一个组）。把偏置和 LayerNorm 的参数（所有 p.ndim < 2 的参数）"
                 "放进第二个组，并设 weight_decay=0.0。")
        if decayed_1d and not any(name.endswith("bias") for name in decayed_1d):
            fail("", f"the biases are excluded, but these 1-D parameters are still decayed: {', '.join(decayed_1d)}. "
                 "Normalisation layers' weights should not be decayed either: select by p.ndim < 2, not by name.",
                 f"偏置已经排除了，但这些一维参数仍然被衰减：{', '.join(decayed_1d)}。"
                 "归一化层的权重也不应衰减：按 p.ndim < 2 来选，而不是按名字。")
        if decayed_1d:
            fail("", f"these parameters should get weight_decay=0.0 but are decayed: {', '.join(decayed_1d)}.",
                 f"这些参数应该用 weight_decay=0.0，但被衰减了：{', '.join(decayed_1d)}。")
        if undecayed_2d:
            names, got = ", ".join(undecayed_2d), decay_of[undecayed_2d[0]]
            fail("", f"the weight matrices ({names}) should get weight_decay={weight_decay}, got {got}. Set it in "
                 "their group: {'params': decay, 'weight_decay': weight_decay}.",
                 f"权重矩阵（{names}）应使用 weight_decay={weight_decay}，实际是 {got}。"
                 "在它们的组里设置：{'params': decay, 'weight_decay': weight_decay}。")


# --------------------------------------------------------------------------- 07.4


def _scheduler_lrs(base_lr: float, eta_min: float, t_max: int) -> list[float]:
    """The learning rates torch's CosineAnnealingLR uses at steps 0 .. t_max."""
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=base_lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=t_max, eta_min=eta_min)
    lrs = []
    for _ in range(t_max + 1):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return lrs


def _cosine(step: float, base_lr: float, eta_min: float, t_max: float, halve: bool = True) -> float:
    return eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * step / t_max)) / (2 if halve else 1)


#: Wrong schedules, from (steps, base_lr, eta_min, T_max), compared step by step as far as they go.
COSINE_MISTAKES = [
    Mistake(lambda steps, b, e, t: [_cosine(s + 1, b, e, t) for s in steps],
            "off by one: {call} at step 0 should be base_lr = {base_lr}, got {first:.6f}. The first optimizer step "
            "uses the initial lr; the schedule only moves after scheduler.step(). Use step, not step + 1.",
            "差了一步：{call} 在 step 0 时应等于 base_lr = {base_lr}，实际得到 {first:.6f}。"
            "第一次 optimizer.step() 用的是初始学习率，调用 scheduler.step() 之后日程才前进。用 step，不要用 step + 1。"),
    Mistake(lambda steps, b, e, t: [_cosine(s, b, e, t - 1) for s in steps[:-1]] if t > 1 else None,
            "off by one: the lr should reach eta_min at step == T_max, not T_max - 1. Divide by T_max: "
            "cos(pi * step / T_max).",
            "差了一步：学习率应在 step == T_max 时降到 eta_min，而不是 T_max - 1。除以 T_max：cos(pi * step / T_max)。"),
    Mistake(lambda steps, b, e, t: [_cosine(s, b, 0.0, t) for s in steps] if e != 0 else None,
            "{call} ends at {last:.6f} instead of eta_min = {eta_min}: the curve must go from base_lr down to "
            "eta_min, eta_min + (base_lr - eta_min) * (1 + cos(pi * step / T_max)) / 2.",
            "{call} 最后停在 {last:.6f}，而不是 eta_min = {eta_min}：曲线应从 base_lr 降到 eta_min，"
            "eta_min + (base_lr - eta_min) * (1 + cos(pi * step / T_max)) / 2。"),
    Mistake(lambda steps, b, e, t: [_cosine(s, b, e, t, halve=False) for s in steps],
            "{call} starts at {first:.6f}, twice base_lr: (1 + cos) goes from 2 to 0, so divide it by 2.",
            "{call} 从 {first:.6f} 开始，是 base_lr 的两倍：(1 + cos) 从 2 变到 0，要除以 2。"),
]


def _same_values(got: list[float], expected: list[float]) -> bool:
    """Equal step by step, as far as ``expected`` goes."""
    return all(close(g, e, rel=1e-5, abs=1e-9) for g, e in zip(got, expected))


@checker("07.4")
def check_cosine_lr(cosine_lr) -> None:
    expect_callable(cosine_lr)
    for base_lr, eta_min, t_max in ((0.1, 0.001, 10), (1.0, 0.0, 7), (0.5, 0.05, 25)):
        expected, steps = _scheduler_lrs(base_lr, eta_min, t_max), list(range(t_max + 1))
        got = [as_number(cosine_lr(s, base_lr, eta_min, t_max), f"cosine_lr({s}, {base_lr}, {eta_min}, {t_max})")
               for s in steps]
        if _same_values(got, expected):
            continue
        call = f"cosine_lr(step, base_lr={base_lr}, eta_min={eta_min}, T_max={t_max})"
        fields = {"call": call, "base_lr": base_lr, "eta_min": eta_min, "first": got[0], "last": got[-1]}
        for mistake in COSINE_MISTAKES:
            wrong = mistake.wrong(steps, base_lr, eta_min, t_max)
            if wrong is not None and _same_values(got, wrong):
                fail("", mistake.en.format(**fields), mistake.zh.format(**fields))
        if math.isclose(got[0], eta_min, abs_tol=1e-9) and not math.isclose(eta_min, base_lr):
            fail(call, "starts at eta_min and grows: the schedule starts at base_lr and DEcreases. "
                 "Use (1 + cos(pi * step / T_max)) / 2, which goes from 1 to 0.",
                 "从 eta_min 开始并且在增长：日程应从 base_lr 开始并逐渐下降。用 (1 + cos(pi * step / T_max)) / 2，它从 1 变到 0。")
        bad = next(s for s in steps if not _same_values([got[s]], [expected[s]]))
        fail(f"cosine_lr({bad}, {base_lr}, {eta_min}, {t_max})",
             f"should be {expected[bad]:.6f} (what CosineAnnealingLR uses), got {got[bad]:.6f}.",
             f"应为 {expected[bad]:.6f}（CosineAnnealingLR 用的值），实际得到 {got[bad]:.6f}。")


# --------------------------------------------------------------------------- 07.5

ONLY_SHRINK = ("the total norm {total:.4f} is already <= max_norm = {max_norm}, so the gradients must stay unchanged: "
               "only shrink, never stretch (scale by min(1, max_norm / total_norm)).",
               "总范数 {total:.4f} 已经不超过 max_norm = {max_norm}，梯度应保持不变：只缩短，不拉长"
               "（乘以 min(1, max_norm / total_norm)）。")
#: Wrong total norms, from (gradients, max_norm, the right total norm).
NORM_MISTAKES = [
    Mistake(lambda grads, max_norm, total: sum(g.norm().item() for g in grads) if len(grads) > 1 else None,
            "total_norm = {norm:.4f} is the SUM of the per-tensor norms. The total norm is the norm of all gradients "
            "joined into one vector: sqrt(sum of every tensor's squared norm) = {total:.4f}.",
            "total_norm = {norm:.4f} 是各张量范数之和。总范数是把所有梯度拼成一个向量后的范数："
            "sqrt(各张量范数平方之和) = {total:.4f}。"),
    Mistake(lambda grads, max_norm, total: float(max_norm) if total > max_norm else None,
            "total_norm = {norm:.4f} is the norm AFTER clipping. Return the norm before clipping ({total:.4f}), "
            "as clip_grad_norm_ does: that is the number worth logging.",
            "total_norm = {norm:.4f} 是裁剪之后的范数。请像 clip_grad_norm_ 一样返回裁剪之前的范数（{total:.4f}）：这才是值得记录的数。"),
]
#: Wrong clipped gradients, joined into one vector, from (gradients, max_norm).
CLIP_MISTAKES = [
    Mistake(lambda grads, max_norm: torch.cat([
        g.flatten() * min(1.0, max_norm / (g.norm().item() + 1e-6)) for g in grads]),
            "you clipped each tensor separately. clip_grad_norm_ computes ONE norm over all gradients together and "
            "scales every tensor by the same factor max_norm / total_norm, so the overall direction is kept.",
            "你把每个张量分别裁剪了。clip_grad_norm_ 对所有梯度一起只算一个总范数，并把每个张量乘以同一个系数 "
            "max_norm / total_norm，这样整体方向保持不变。"),
    Mistake(lambda grads, max_norm: torch.cat([g.flatten().clamp(-max_norm, max_norm) for g in grads]),
            "you clamped every element to [-max_norm, max_norm]: that is clip_grad_value_, which changes the "
            "direction. Scale all gradients by max_norm / total_norm instead.",
            "你把每个元素截断到了 [-max_norm, max_norm]：那是 clip_grad_value_，会改变方向。应该把所有梯度乘以 max_norm / total_norm。"),
]


def _torch_clip(grads: list[torch.Tensor], max_norm: float) -> tuple[list[torch.Tensor], float]:
    """What clip_grad_norm_ makes of ``grads``: the clipped gradients and the norm before clipping."""
    params = [torch.zeros_like(g, requires_grad=True) for g in grads]
    for p, g in zip(params, grads):
        p.grad = g.clone()
    total = torch.nn.utils.clip_grad_norm_(params, max_norm)
    return [p.grad for p in params], total.item()


@checker("07.5")
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
        clipped, total_norm = _expect_pair(clip_by_total_norm([g.clone() for g in grads], max_norm), call,
                                           ("clipped", "total_norm"))
        if isinstance(total_norm, list | tuple) and not isinstance(clipped, list | tuple):
            fail("", "the pair is the wrong way round: return (clipped, total_norm).",
                 "二元组的顺序反了：应返回 (clipped, total_norm)。")
        if not (isinstance(clipped, list | tuple) and len(clipped) == len(grads)):
            fail(call, f"clipped should be a list with one tensor per gradient ({len(grads)}).",
                 f"clipped 应该是一个列表，每个梯度对应一个张量（共 {len(grads)} 个）。")
        norm = as_number(total_norm, f"{call}[1] (total_norm)")
        diagnose(norm, total, NORM_MISTAKES, "", grads, max_norm, total, atol=0.0, rtol=1e-4,
                 otherwise=(f"{call}: total_norm should be {{total:.4f}}, got {{norm:.4f}}.",
                            f"{call}：total_norm 应为 {{total:.4f}}，实际得到 {{norm:.4f}}。"), norm=norm, total=total)
        for i, (c, g) in enumerate(zip(clipped, grads)):
            _expect_like(c, g, call, f"clipped[{i}]")
        bad = next((i for i, (c, e) in enumerate(zip(clipped, expected)) if not same(c, e, atol=1e-5, rtol=1e-4)), 0)
        diagnose(torch.cat([c.detach().flatten() for c in clipped]), torch.cat([e.flatten() for e in expected]),
                 CLIP_MISTAKES, "", grads, max_norm, atol=1e-5, rtol=1e-4,
                 otherwise=ONLY_SHRINK if total <= max_norm else (
                     f"{call}: clipped[{bad}] should be {fmt(expected[bad])}, got {fmt(clipped[bad])}.",
                     f"{call}：clipped[{bad}] 应为 {fmt(expected[bad])}，实际得到 {fmt(clipped[bad])}。"),
                 total=total, max_norm=max_norm)
