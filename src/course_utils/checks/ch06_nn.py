"""Checks for 06_nn.

Every checker builds its own models and data. Models are built inside
``torch.random.fork_rng`` and data come from a private generator, so checking
an answer never changes the notebook's random state.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from .engine import checker
from .vocabulary import (
    Mistake,
    as_number,
    diagnose,
    expect_callable,
    expect_equal,
    expect_returned,
    expect_tensor,
    fail,
    fmt,
    generator,
    when_raises,
)


def _build(factory: Callable[[], nn.Module], seed: int | None = None) -> nn.Module:
    """Build a module without touching the global random state; ``seed``: random parameter values."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(6)
        model = factory()
    if seed is not None:
        gen = generator(seed)
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(torch.randn(p.shape, generator=gen))
    return model


# --------------------------------------------------------------------------- 06.1


def _hidden_modules(model: nn.Module) -> bool:
    """True when the object keeps modules in a plain list, tuple or dict attribute."""
    containers = [v for v in vars(model).values() if isinstance(v, (list, tuple, dict))]
    return any(isinstance(v, nn.Module) for c in containers for v in (c.values() if isinstance(c, dict) else c))


def _mlp(linears: list[nn.Linear], x: torch.Tensor, relu: str = "between") -> torch.Tensor:
    """The layers applied in order, with ReLU "between" them, after "all" of them, or "none"."""
    for i, layer in enumerate(linears):
        x = layer(x)
        if relu == "all" or (relu == "between" and i < len(linears) - 1):
            x = torch.relu(x)
    return x


MLP_MISTAKES = [
    Mistake(lambda linears, x: _mlp(linears, x, "none") if len(linears) > 1 else None,
            "applies no ReLU between its Linear layers, so the whole network is one linear map. "
            "Apply torch.relu (or nn.ReLU) after every Linear layer except the last.",
            "Linear 层之间没有 ReLU，整个网络就只是一个线性变换。请在除最后一层以外的每个 Linear 层之后加 ReLU。"),
    Mistake(lambda linears, x: _mlp(linears, x, "all"),
            "applies ReLU after the LAST layer too. The last layer outputs logits, which must be able to be "
            "negative: no activation after it.",
            "在最后一层之后也加了 ReLU。最后一层输出的是 logits，必须可以取负值：它之后不加激活函数。"),
]


def _check_mlp_sizes(MLP, sizes: list[int], seed: int) -> None:  # noqa: N803 - the answer is a class
    call = f"MLP({sizes})"
    try:
        model = _build(lambda: MLP(sizes))
    except AttributeError as err:
        when_raises(err, "before Module.__init__() call", call,
                    "raised AttributeError: {error}. Call super().__init__() as the FIRST line of __init__, before "
                    "you assign any layer: nn.Module sets up its registry of parameters and submodules there.",
                    "抛出 AttributeError：{error}。请在 __init__ 的第一行调用 super().__init__()，"
                    "在给任何层赋值之前：nn.Module 在那里建好参数和子模块的登记簿。")
        raise
    if "_parameters" not in vars(model):
        fail(call, "did not run nn.Module.__init__: call super().__init__() as the first line of __init__.",
             "没有运行 nn.Module.__init__：请在 __init__ 的第一行调用 super().__init__()。")
    n_params, expected = sum(p.numel() for p in model.parameters()), sum(a * b + b for a, b in zip(sizes, sizes[1:]))
    if n_params == 0 and _hidden_modules(model):
        fail(call, "has 0 registered parameters: its layers sit in a plain Python list (or dict), which nn.Module "
             "cannot see, so the optimizer, .to(device) and state_dict() miss them. Use nn.ModuleList (or nn.Sequential).",
             "登记的参数个数是 0：它的层放在普通的 Python list（或 dict）里，nn.Module 看不见，"
             "于是优化器、.to(device) 和 state_dict() 都会漏掉它们。请用 nn.ModuleList（或 nn.Sequential）。")
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    shapes = [(layer.in_features, layer.out_features) for layer in linears]
    wanted = list(zip(sizes, sizes[1:]))
    if n_params != expected or shapes != wanted:
        fail(call, f"should hold the Linear layers {wanted} (each with a bias), {expected} parameters in all; it holds "
             f"Linear layers {shapes} with {n_params} parameters. Build one nn.Linear per pair of consecutive sizes, "
             "e.g. zip(sizes[:-1], sizes[1:]), so the class works for any list of sizes.",
             f"应该包含 Linear 层 {wanted}（都带偏置），共 {expected} 个参数；实际是 Linear 层 {shapes}，共 {n_params} "
             "个参数。请为每一对相邻的大小建一个 nn.Linear，例如用 zip(sizes[:-1], sizes[1:])，这样任何大小列表都能用。")
    x = torch.randn(5, sizes[0], generator=generator(seed))
    out = expect_tensor(model(x), f"{call}(x)", shape=(5, sizes[-1]))
    with torch.no_grad():
        right = _mlp(linears, x)
    diagnose(out, right, MLP_MISTAKES, call, linears, x,
             otherwise=(f"MLP(x) does not compute Linear → ReLU → … → Linear with its layers in the order they were "
                        f"created: expected {fmt(right[0])} for the first sample, got {fmt(out[0])}.",
                        f"MLP(x) 算的不是按创建顺序的 Linear → ReLU → … → Linear：第一个样本应为 {fmt(right[0])}，"
                        f"实际得到 {fmt(out[0])}。"))


@checker("06.1")
def check_mlp(MLP) -> None:  # noqa: N803 - the answer is a class
    expect_callable(MLP)
    if not (isinstance(MLP, type) and issubclass(MLP, nn.Module)):
        fail("", "pass the class MLP itself, defined as `class MLP(nn.Module):` (a subclass of nn.Module).",
             "请传入 MLP 这个类本身，它应定义为 `class MLP(nn.Module):`（nn.Module 的子类）。")
    for sizes, seed in (([4, 16, 8, 3], 61), ([2, 5], 62), ([3, 7, 7, 7, 2], 63)):
        _check_mlp_sizes(MLP, sizes, seed)


# --------------------------------------------------------------------------- 06.2

TENSORS = ("you returned {got}, the number of parameter TENSORS. The parameter count is the number of elements: "
           "add up p.numel() (a Linear(4, 2) alone has 4*2 + 2 = 10 parameters).",
           "你返回了 {got}，这是参数张量的个数。参数个数指的是元素个数：把 p.numel() 加起来"
           "（单是一个 Linear(4, 2) 就有 4*2 + 2 = 10 个参数）。")
#: Wrong counts of a model's trainable parameters.
COUNT_MISTAKES = [
    Mistake(lambda m: sum(p.numel() for p in m.parameters()),
            "you returned {got}, which counts the frozen parameters too. Count only those with p.requires_grad "
            "(expected {trainable}).",
            "你返回了 {got}，把冻结的参数也数进去了。只数 p.requires_grad 为真的参数（应为 {trainable}）。"),
    Mistake(lambda m: len(list(m.parameters())), *TENSORS),
    Mistake(lambda m: sum(p.requires_grad for p in m.parameters()), *TENSORS),
    Mistake(lambda m: sum(p.numel() for p in m.parameters() if not p.requires_grad),
            "you returned {got}, the number of FROZEN parameters (requires_grad=False). "
            "Count those with requires_grad=True (expected {trainable}).",
            "你返回了 {got}，这是冻结参数（requires_grad=False）的个数。请数 requires_grad=True 的参数（应为 {trainable}）。"),
    Mistake(lambda m: sum(t.numel() for t in m.state_dict().values()),
            "you returned {got}: state_dict() also holds buffers (BatchNorm's running_mean, running_var, "
            "num_batches_tracked), which are not parameters, and its tensors do not tell you requires_grad. "
            "Loop over model.parameters() instead.",
            "你返回了 {got}：state_dict() 里还有 buffer（BatchNorm 的 running_mean、running_var、num_batches_tracked），"
            "它们不是参数，而且那些张量看不出 requires_grad。请遍历 model.parameters()。"),
]


@checker("06.2")
def check_count_trainable(count_trainable) -> None:
    expect_callable(count_trainable)
    partly_frozen = _build(lambda: nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)))
    partly_frozen[0].requires_grad_(False)
    with_buffers = _build(lambda: nn.Sequential(nn.Linear(5, 6), nn.BatchNorm1d(6), nn.Linear(6, 1)))
    for name, model in (("Linear(3, 4) frozen, ReLU(), Linear(4, 2)", partly_frozen),
                        ("Linear(5, 6), BatchNorm1d(6), Linear(6, 1)", with_buffers)):
        call = f"count_trainable(Sequential({name}))"
        flags = [p.requires_grad for p in model.parameters()]
        got = count_trainable(model)
        if [p.requires_grad for p in model.parameters()] != flags:
            fail(call, "changed which parameters require grad. Only read p.requires_grad, never set it.",
                 "改变了参数的 requires_grad。只读取 p.requires_grad，不要修改它。")
        if isinstance(got, torch.Tensor):
            fail(call, "return a Python int, not a tensor: p.numel() is already an int, so sum() of them is an int too.",
                 "请返回 Python 的 int，而不是张量：p.numel() 本身就是 int，对它们求 sum() 得到的也是 int。")
        expected = sum(p.numel() for p in model.parameters() if p.requires_grad)
        diagnose(expect_returned(got, call), expected, COUNT_MISTAKES, call, model, got=got, trainable=expected,
                 otherwise=("expected {trainable!r}, got {got!r}.", "应为 {trainable!r}，实际得到 {got!r}。"))


# --------------------------------------------------------------------------- 06.3

#: Wrong mean cross-entropies, from (logits, labels).
LOSS_MISTAKES = [
    Mistake(lambda z, y: F.cross_entropy(torch.softmax(z, dim=1), y),
            "you applied softmax before CrossEntropyLoss. It applies log_softmax itself and wants raw logits: "
            "softmax first squashes them, so the loss never gets near 0 and learns slowly.",
            "你在 CrossEntropyLoss 之前做了 softmax。它自己会做 log_softmax，要的是原始的 logits："
            "先 softmax 会把它们压扁，损失永远接近不了 0，学得也慢。"),
    Mistake(lambda z, y: F.nll_loss(z, y),
            "you passed raw logits to nll_loss, which expects LOG-probabilities. Use F.cross_entropy "
            "(= log_softmax + nll_loss) on the logits.",
            "你把原始的 logits 传给了 nll_loss，而它要的是对数概率。请对 logits 用 F.cross_entropy（= log_softmax + nll_loss）。"),
    Mistake(lambda z, y: F.nll_loss(torch.softmax(z, dim=1), y),
            "you passed probabilities (softmax) to nll_loss, which expects LOG-probabilities. "
            "Use F.cross_entropy on the raw logits.",
            "你把概率（softmax 的结果）传给了 nll_loss，而它要的是对数概率。请直接对原始 logits 用 F.cross_entropy。"),
    Mistake(lambda z, y: F.cross_entropy(z, y, reduction="sum"),
            "that is the SUM of the per-example losses; the task asks for the mean (the default reduction='mean'), "
            "so the loss does not grow with the batch size.",
            "这是每个样本损失的总和；题目要的是平均值（默认的 reduction='mean'），这样损失不随批次大小变化。"),
]


@checker("06.3")
def check_classification_loss(classification_loss) -> None:
    expect_callable(classification_loss)
    call = "classification_loss(logits, labels)"
    gen = generator(64)
    logits = (2 * torch.randn(6, 4, generator=gen)).requires_grad_()
    labels = torch.randint(0, 4, (6,), generator=gen)
    got = expect_returned(classification_loss(logits, labels), call)
    if not isinstance(got, torch.Tensor):
        fail(call, f"return the loss as a tensor (got a {type(got).__name__}): training needs loss.backward(), "
             "which a Python number (from .item()) cannot do.",
             f"请以张量的形式返回损失（实际得到 {type(got).__name__}）：训练要调用 loss.backward()，"
             "Python 数字（.item() 的结果）做不到。")
    if got.numel() != 1:
        fail(call, f"expected one number, the mean loss over the batch; got a tensor of shape {tuple(got.shape)}. "
             "Keep the default reduction='mean'.",
             f"应该得到一个数：整批的平均损失；实际得到形状为 {tuple(got.shape)} 的张量。请保留默认的 reduction='mean'。")
    if got.grad_fn is None:
        fail(call, "the loss is cut off from the logits (no grad_fn): don't .detach() or rebuild it with "
             "torch.tensor(...), or backward() cannot reach the model.",
             "损失和 logits 断开了（没有 grad_fn）：不要 .detach()，也不要用 torch.tensor(...) 重新包装，否则 backward() 传不回模型。")
    expected, value = F.cross_entropy(logits, labels).detach(), got.detach().reshape(())
    diagnose(value, expected, LOSS_MISTAKES, call, logits.detach(), labels,
             otherwise=(f"for 6 examples and 4 classes expected the mean cross-entropy {expected.item():.4f}, got "
                        f"{value.item():.4f}. Pass the logits (N, C) and the int64 class indices (N,) to "
                        "nn.CrossEntropyLoss() or F.cross_entropy.",
                        f"对 6 个样本、4 个类别，平均交叉熵应为 {expected.item():.4f}，实际得到 {value.item():.4f}。"
                        "请把 logits (N, C) 和 int64 类别编号 (N,) 交给 nn.CrossEntropyLoss() 或 F.cross_entropy。"))
    one_sure = torch.tensor([[12.0, -3.0, 0.0]])
    expect_equal(round(float(classification_loss(one_sure, torch.tensor([0]))), 4), 0.0,
                 "the loss of a confident right answer (logits [12, -3, 0], class 0)",
                 "一个有把握的正确答案的损失（logits [12, -3, 0]，类别 0）")


# --------------------------------------------------------------------------- 06.4

#: Wrong parameters after one step, all flattened into one vector, from (before, gradient, stale .grad, lr).
SGD_MISTAKES = [
    Mistake(lambda w, g, stale, lr: w,
            "the parameters did not change. Update them IN PLACE (p -= lr * p.grad, or p.sub_(...)) inside "
            "torch.no_grad(): `p = p - lr * p.grad` only rebinds the local name p.",
            "参数没有变化。请在 torch.no_grad() 里原地更新（p -= lr * p.grad 或 p.sub_(...)）："
            "`p = p - lr * p.grad` 只是让局部变量 p 指向一个新张量。"),
    Mistake(lambda w, g, stale, lr: w + lr * g,
            "sign error: you moved the parameters UP the gradient (w + lr*grad), which increases the loss. "
            "Gradient descent subtracts: w - lr*grad.",
            "符号错了：你让参数沿梯度上升（w + lr*grad），损失会变大。梯度下降是减去：w - lr*grad。"),
    Mistake(lambda w, g, stale, lr: w - g,
            "you subtracted the whole gradient (w - grad): multiply it by the learning rate, w - lr*grad.",
            "你减去了整个梯度（w - grad）：要乘以学习率，w - lr*grad。"),
    Mistake(lambda w, g, stale, lr: w - lr * (g + stale),
            "the model arrived with gradients left over from an earlier step, and backward() ADDED the new gradients "
            "to them. Clear the gradients first (model.zero_grad(), or p.grad = None) and only then call backward().",
            "模型带着上一步留下的梯度进来，backward() 把新的梯度累加了上去。"
            "请先清空梯度（model.zero_grad() 或 p.grad = None），再调用 backward()。"),
]
LOSS_AFTER = [
    Mistake(lambda model, x, y: F.mse_loss(model(x), y).item(),
            "you returned the loss AFTER the update; return the one computed before it (the loss whose gradient "
            "you used).",
            "你返回的是更新之后的损失；请返回更新之前算出的那个（你用它求的梯度）。"),
]


def _flat(tensors) -> torch.Tensor:
    return torch.cat([t.detach().flatten() for t in tensors])


@checker("06.4")
def check_sgd_step(sgd_step) -> None:
    expect_callable(sgd_step)
    lr, call = 0.1, "sgd_step(model, inputs, targets, lr=0.1)"
    cases = [(lambda: nn.Linear(3, 2), 3, 2), (lambda: nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1)), 2, 1)]
    for seed, (factory, n_in, n_out) in enumerate(cases, start=65):
        model, gen = _build(factory, seed), generator(seed + 100)
        x, y = torch.randn(8, n_in, generator=gen), torch.randn(8, n_out, generator=gen)
        loss = F.mse_loss(model(x), y)
        grads = _flat(torch.autograd.grad(loss, list(model.parameters())))
        before, first = _flat(model.parameters()), next(model.parameters()).numel()
        for p in model.parameters():
            p.grad = torch.full_like(p, 0.5)  # a gradient left over from an earlier step
        try:
            result = sgd_step(model, x, y, lr)
        except RuntimeError as err:
            when_raises(err, "leaf Variable that requires grad", call,
                        "updating a parameter in place while autograd is recording raises '{error}'. "
                        "Do the update inside `with torch.no_grad():`.",
                        "在 autograd 记录时原地修改参数会报错：'{error}'。请把更新放在 `with torch.no_grad():` 里。")
            raise
        if result is None:
            fail(call, "returned None: return the loss (a float) computed BEFORE the update.",
                 "返回了 None：请返回更新之前算出的损失（一个 float）。")
        expected, params = before - lr * grads, _flat(model.parameters())
        diagnose(params, expected, SGD_MISTAKES, call, before, grads, torch.full_like(grads, 0.5), lr,
                 otherwise=(f"after one step with lr={lr} on the MSE loss expected the first parameter "
                            f"{fmt(expected[:first])}, got {fmt(params[:first])}. Use the mean squared error "
                            "(F.mse_loss(model(inputs), targets)) and update every parameter: p -= lr * p.grad.",
                            f"用 lr={lr} 在 MSE 损失上走一步后，第一个参数应为 {fmt(expected[:first])}，实际得到 "
                            f"{fmt(params[:first])}。请用均方误差（F.mse_loss(model(inputs), targets)），"
                            "并更新每一个参数：p -= lr * p.grad。"))
        loss_value = as_number(result, call)
        diagnose(loss_value, loss.item(), LOSS_AFTER, call, model, x, y, atol=1e-4, rtol=0.0,
                 otherwise=(f"the returned loss should be the MSE before the step, {loss.item():.4f}; "
                            f"got {loss_value:.4f}.",
                            f"返回的损失应是更新前的 MSE，{loss.item():.4f}；实际得到 {loss_value:.4f}。"))


# --------------------------------------------------------------------------- 06.5


def _prefixed_case(seed: int) -> tuple[nn.Module, dict[str, torch.Tensor], nn.Module]:
    def factory():
        return nn.Sequential(OrderedDict(
            encoder=nn.Linear(3, 4), norm=nn.BatchNorm1d(4), act=nn.ReLU(), submodule=nn.Linear(4, 2),
        ))

    source = _build(factory, seed)
    with torch.no_grad():
        source.norm.running_mean.copy_(torch.randn(4, generator=generator(seed + 1)))
        source.norm.running_var.copy_(torch.rand(4, generator=generator(seed + 2)) + 0.5)
        source.norm.num_batches_tracked.fill_(7)
    checkpoint = {"module." + key: value.clone() for key, value in source.state_dict().items()}
    return source, checkpoint, _build(factory)


REPLACED = ("str.replace('module.', '') also removed 'module.' from the middle of 'submodule.weight', which "
            "became 'subweight'. Remove only the PREFIX: key.removeprefix('module.').",
            "str.replace('module.', '') 把 'submodule.weight' 中间的 'module.' 也删掉了，变成了 'subweight'。"
            "只去掉前缀：key.removeprefix('module.')。")
#: (text in load_state_dict's error, en, zh)
LOAD_ERRORS = [
    ("subweight", *REPLACED),
    ("subbias", *REPLACED),
    ('"module.', "load_state_dict found keys that still start with 'module.' (like 'module.encoder.weight') where "
     "the model expects 'encoder.weight': remove that prefix from every key before loading.",
     "load_state_dict 发现键仍以 'module.' 开头（例如 'module.encoder.weight'），而模型要的是 'encoder.weight'："
     "加载之前，请把每个键的这个前缀去掉。"),
]


@checker("06.5")
def check_load_without_prefix(load_without_prefix) -> None:
    expect_callable(load_without_prefix)
    call = "load_without_prefix(model, checkpoint)"
    source, checkpoint, target = _prefixed_case(66)
    try:
        result = load_without_prefix(target, dict(checkpoint))
    except RuntimeError as err:
        for needle, en, zh in LOAD_ERRORS:
            when_raises(err, needle, "", en, zh)
        if "Error(s) in loading state_dict" in str(err):
            detail = " ".join(str(err).split())[:300]
            fail("", f"the keys still do not match the model: {detail}", f"键仍然和模型对不上：{detail}")
        raise
    if result is None:
        fail(call, "returned None: return the model after loading.", "返回了 None：加载之后请返回模型。")
    if hasattr(result, "missing_keys"):
        fail(call, "you returned what load_state_dict returns (the lists of missing and unexpected keys). "
             "load_state_dict loads in place: call it, then return the model.",
             "你返回的是 load_state_dict 的返回值（缺失键和多余键的清单）。load_state_dict 是原地加载的：调用它，然后返回模型。")
    if result is not target:
        fail(call, "return the model you were given, with the weights loaded into it (load_state_dict works in place).",
             "请返回传进来的那个模型，权重加载进它里面（load_state_dict 是原地加载的）。")
    expected, got = source.state_dict(), target.state_dict()
    missing = sorted(key for key in expected if not torch.equal(got[key], expected[key]))
    if len(missing) == len(expected):
        fail(call, "nothing was loaded: the model still has its own random weights. With strict=False, load_state_dict "
             "skips every key that does not match and does not complain; keep the default strict=True and rename "
             "the keys ('module.encoder.weight' -> 'encoder.weight').",
             "什么都没有加载：模型还是原来的随机权重。strict=False 时，load_state_dict 会跳过所有对不上的键而且不报错；"
             "请保留默认的 strict=True，并给键改名（'module.encoder.weight' -> 'encoder.weight'）。")
    if missing and all("running" in key or "num_batches" in key for key in missing):
        fail(call, f"the parameters were loaded but the buffers {missing} were not. Copying parameters one by one "
             "misses buffers: load the whole renamed dict with model.load_state_dict(...).",
             f"参数加载了，但 buffer {missing} 没有。逐个复制参数会漏掉 buffer：请用 model.load_state_dict(...) "
             "加载改名后的整个字典。")
    if missing:
        fail(call, f"these entries were not loaded: {missing}. Rename every key and load with the default strict=True.",
             f"这些项没有加载：{missing}。请给每个键改名，并用默认的 strict=True 加载。")
    x = torch.randn(5, 3, generator=generator(67))
    with torch.no_grad():
        diagnose(target.eval()(x), source.eval()(x), [], call, atol=1e-8, rtol=1e-5, otherwise=(
            "the loaded model does not give the same outputs as the saved one.", "加载后的模型与保存时的模型输出不同。"))
