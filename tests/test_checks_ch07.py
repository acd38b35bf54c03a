"""Chapter 07's checks catch the typical wrong answers with specific hints."""

import math

import torch

from course_utils.checks import evaluate


def _eig(A):
    eig = torch.linalg.eigvalsh(A)
    return eig.min().item(), eig.max().item()


# --------------------------------------------------------------------------- 07.1


def test_fastest_lr():
    def right(A):
        lo, hi = _eig(A)
        return 2 / (lo + hi)

    assert evaluate("07.1", right, "en")[0] == "pass"
    assert evaluate("07.1", lambda A: torch.tensor(right(A)), "en")[0] == "pass"  # a 0-d tensor is fine

    status, message = evaluate("07.1", lambda A: 2 / _eig(A)[1], "en")
    assert status == "fail" and "exactly on the stability edge" in message
    status, message = evaluate("07.1", lambda A: 1 / _eig(A)[1], "en")
    assert status == "fail" and "converges, but not the fastest" in message
    status, message = evaluate("07.1", lambda A: 2 / _eig(A)[0], "en")
    assert status == "fail" and "DIVERGES" in message and "LARGEST eigenvalue" in message
    status, message = evaluate("07.1", lambda A: 2 / _eig(A)[0], "zh")
    assert status == "fail" and "发散" in message

    def diagonal(A):
        d = torch.diagonal(A)
        return 2 / (d.min() + d.max()).item()

    status, message = evaluate("07.1", diagonal, "en")
    assert status == "fail" and "EIGENVALUES of A" in message
    status, message = evaluate("07.1", lambda A: None, "en")
    assert status == "fail" and "forget `return`" in message


# --------------------------------------------------------------------------- 07.2


def momentum_right(param, grad, buf, lr, momentum):
    buf = grad.clone() if buf is None else momentum * buf + grad
    return param - lr * buf, buf


def test_momentum_step():
    assert evaluate("07.2", momentum_right, "en")[0] == "pass"

    def lr_inside(param, grad, buf, lr, momentum):
        buf = lr * grad if buf is None else momentum * buf + lr * grad
        return param - buf, buf

    status, message = evaluate("07.2", lr_inside, "en")
    assert status == "fail" and "you put the learning rate inside it" in message

    def no_buffer(param, grad, buf, lr, momentum):
        return param - lr * grad, grad.clone()

    status, message = evaluate("07.2", no_buffer, "en")
    assert status == "fail" and "plain SGD" in message and "buffer is not used" in message

    def ema(param, grad, buf, lr, momentum):
        buf = torch.zeros_like(grad) if buf is None else buf
        buf = momentum * buf + (1 - momentum) * grad
        return param - lr * buf, buf

    status, message = evaluate("07.2", ema, "en")
    assert status == "fail" and "Adam's first moment" in message

    def crashes_on_none(param, grad, buf, lr, momentum):
        buf = momentum * buf + grad
        return param - lr * buf, buf

    status, message = evaluate("07.2", crashes_on_none, "en")
    assert status == "fail" and "buf = grad.clone()" in message

    def nesterov(param, grad, buf, lr, momentum):
        buf = grad.clone() if buf is None else momentum * buf + grad
        return param - lr * (grad + momentum * buf), buf

    status, message = evaluate("07.2", nesterov, "en")
    assert status == "fail" and "Nesterov" in message

    def uphill(param, grad, buf, lr, momentum):
        buf = grad.clone() if buf is None else momentum * buf + grad
        return param + lr * buf, buf

    status, message = evaluate("07.2", uphill, "zh")
    assert status == "fail" and "走反了方向" in message


# --------------------------------------------------------------------------- 07.3


def groups_right(model, lr, weight_decay):
    decay = [p for p in model.parameters() if p.ndim >= 2]
    no_decay = [p for p in model.parameters() if p.ndim < 2]
    return torch.optim.AdamW(
        [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}], lr=lr
    )


def test_make_optimizer():
    assert evaluate("07.3", groups_right, "en")[0] == "pass"

    def decay_all(model, lr, weight_decay):
        return torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)

    status, message = evaluate("07.3", decay_all, "en")
    assert status == "fail" and "applied to ALL parameters" in message

    def by_name(model, lr, weight_decay):
        bias = [p for n, p in model.named_parameters() if n.endswith("bias")]
        rest = [p for n, p in model.named_parameters() if not n.endswith("bias")]
        return torch.optim.AdamW(
            [{"params": rest, "weight_decay": weight_decay}, {"params": bias, "weight_decay": 0.0}], lr=lr
        )

    status, message = evaluate("07.3", by_name, "en")
    assert status == "fail" and "select by p.ndim < 2, not by name" in message

    def adam(model, lr, weight_decay):
        decay = [p for p in model.parameters() if p.ndim >= 2]
        no_decay = [p for p in model.parameters() if p.ndim < 2]
        return torch.optim.Adam(
            [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}], lr=lr
        )

    status, message = evaluate("07.3", adam, "en")
    assert status == "fail" and "the exercise asks for AdamW" in message

    def only_weights(model, lr, weight_decay):
        decay = [p for p in model.parameters() if p.ndim >= 2]
        return torch.optim.AdamW(decay, lr=lr, weight_decay=weight_decay)

    status, message = evaluate("07.3", only_weights, "en")
    assert status == "fail" and "would never be trained" in message

    def default_decay(model, lr, weight_decay):
        decay = [p for p in model.parameters() if p.ndim >= 2]
        no_decay = [p for p in model.parameters() if p.ndim < 2]
        return torch.optim.AdamW([{"params": decay}, {"params": no_decay, "weight_decay": 0.0}], lr=lr)

    status, message = evaluate("07.3", default_decay, "zh")
    assert status == "fail" and "权重矩阵" in message and "实际是 0.01" in message


# --------------------------------------------------------------------------- 07.4


def cosine_right(step, base_lr, eta_min, T_max):
    return eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * step / T_max)) / 2


def test_cosine_lr():
    assert evaluate("07.4", cosine_right, "en")[0] == "pass"

    status, message = evaluate("07.4", lambda s, b, e, t: cosine_right(s + 1, b, e, t), "en")
    assert status == "fail" and "off by one" in message and "step 0 should be base_lr" in message
    status, message = evaluate("07.4", lambda s, b, e, t: cosine_right(s, b, e, t - 1), "en")
    assert status == "fail" and "reach eta_min at step == T_max" in message
    status, message = evaluate("07.4", lambda s, b, e, t: b * (1 + math.cos(math.pi * s / t)) / 2, "en")
    assert status == "fail" and "instead of eta_min" in message
    status, message = evaluate("07.4", lambda s, b, e, t: e + (b - e) * (1 + math.cos(math.pi * s / t)), "en")
    assert status == "fail" and "divide it by 2" in message
    status, message = evaluate("07.4", lambda s, b, e, t: e + (b - e) * (1 - math.cos(math.pi * s / t)) / 2, "zh")
    assert status == "fail" and "逐渐下降" in message


# --------------------------------------------------------------------------- 07.5


def clip_right(grads, max_norm):
    total = torch.sqrt(sum((g**2).sum() for g in grads))
    scale = min(1.0, max_norm / (total.item() + 1e-6))
    return [g * scale for g in grads], total


def test_clip_by_total_norm():
    assert evaluate("07.5", clip_right, "en")[0] == "pass"

    def per_tensor(grads, max_norm):
        clipped = [g * min(1.0, max_norm / g.norm().item()) for g in grads]
        return clipped, torch.sqrt(sum((g**2).sum() for g in grads))

    status, message = evaluate("07.5", per_tensor, "en")
    assert status == "fail" and "clipped each tensor separately" in message

    def norm_after(grads, max_norm):
        clipped, _ = clip_right(grads, max_norm)
        return clipped, torch.sqrt(sum((g**2).sum() for g in clipped))

    status, message = evaluate("07.5", norm_after, "en")
    assert status == "fail" and "norm AFTER clipping" in message

    def always_scale(grads, max_norm):
        total = torch.sqrt(sum((g**2).sum() for g in grads))
        return [g * max_norm / total for g in grads], total

    status, message = evaluate("07.5", always_scale, "en")
    assert status == "fail" and "only shrink, never stretch" in message

    def sum_of_norms(grads, max_norm):
        total = sum(g.norm() for g in grads)
        return [g * min(1.0, max_norm / total.item()) for g in grads], total

    status, message = evaluate("07.5", sum_of_norms, "en")
    assert status == "fail" and "SUM of the per-tensor norms" in message

    def by_value(grads, max_norm):
        return [g.clamp(-max_norm, max_norm) for g in grads], torch.sqrt(sum((g**2).sum() for g in grads))

    status, message = evaluate("07.5", by_value, "zh")
    assert status == "fail" and "clip_grad_value_" in message


def test_stubs_are_not_done():
    def stub(*args):
        raise NotImplementedError

    assert all(evaluate(i, stub, "en")[0] == "todo" for i in ("07.1", "07.2", "07.3", "07.4", "07.5"))
