"""Checks for 06_nn.

Every checker builds its own models and data. Models are built inside
``torch.random.fork_rng`` and data come from a private generator, so checking
an answer never changes the notebook's random state.
"""

from __future__ import annotations

import copy
from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

from .core import CheckFailed, exercise
from .helpers import expect_callable, expect_equal, expect_returned, generator

CHAPTER = "06_nn"


def _build(factory):
    """Build a module without touching the global random state."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(6)
        return factory()


def _fill(model: nn.Module, seed: int) -> nn.Module:
    """Give every parameter reproducible random values."""
    gen = generator(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen))
    return model


def _fmt(t: torch.Tensor) -> str:
    return "[" + ", ".join(f"{v:.4f}" for v in t.detach().flatten().tolist()) + "]"


def _n_params(sizes: list[int]) -> int:
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


# --------------------------------------------------------------------------- 06.1


def _hidden_modules(model: nn.Module) -> bool:
    """True when the object keeps modules in a plain list, tuple or dict attribute."""
    for value in vars(model).values():
        items = value.values() if isinstance(value, dict) else value
        if isinstance(value, (list, tuple, dict)) and any(isinstance(v, nn.Module) for v in items):
            return True
    return False


def _mlp_reference(linears: list[nn.Linear], x: torch.Tensor, relu_after_last: bool, relu: bool = True):
    h = x
    for i, layer in enumerate(linears):
        h = layer(h)
        if relu and (i < len(linears) - 1 or relu_after_last):
            h = torch.relu(h)
    return h


def _check_mlp_sizes(MLP, sizes: list[int], seed: int) -> None:
    call = f"MLP({sizes})"
    try:
        model = _build(lambda: MLP(sizes))
    except AttributeError as err:
        if "before Module.__init__() call" in str(err):
            raise CheckFailed(
                f"{call} raised AttributeError: {err}. Call super().__init__() as the FIRST line of __init__, "
                "before you assign any layer: nn.Module sets up its registry of parameters and submodules there.",
                f"{call} 抛出 AttributeError：{err}。请在 __init__ 的第一行调用 super().__init__()，"
                "在给任何层赋值之前：nn.Module 在那里建好参数和子模块的登记簿。",
            ) from None
        raise
    if "_parameters" not in vars(model):
        raise CheckFailed(
            f"{call} did not run nn.Module.__init__: call super().__init__() as the first line of __init__.",
            f"{call} 没有运行 nn.Module.__init__：请在 __init__ 的第一行调用 super().__init__()。",
        )
    n_params = sum(p.numel() for p in model.parameters())
    expected = _n_params(sizes)
    if n_params == 0 and _hidden_modules(model):
        raise CheckFailed(
            f"{call} has 0 registered parameters: its layers sit in a plain Python list (or dict), which "
            "nn.Module cannot see, so the optimizer, .to(device) and state_dict() miss them. "
            "Use nn.ModuleList (or nn.Sequential).",
            f"{call} 登记的参数个数是 0：它的层放在普通的 Python list（或 dict）里，nn.Module 看不见，"
            "于是优化器、.to(device) 和 state_dict() 都会漏掉它们。请用 nn.ModuleList（或 nn.Sequential）。",
        )
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    shapes = [(layer.in_features, layer.out_features) for layer in linears]
    wanted = list(zip(sizes[:-1], sizes[1:]))
    if n_params != expected or shapes != wanted:
        raise CheckFailed(
            f"{call} should hold the Linear layers {wanted} (each with a bias), {expected} parameters in all; "
            f"it holds Linear layers {shapes} with {n_params} parameters. Build one nn.Linear per pair of "
            "consecutive sizes, e.g. zip(sizes[:-1], sizes[1:]), so the class works for any list of sizes.",
            f"{call} 应该包含 Linear 层 {wanted}（都带偏置），共 {expected} 个参数；实际是 Linear 层 {shapes}，"
            f"共 {n_params} 个参数。请为每一对相邻的大小建一个 nn.Linear，例如用 zip(sizes[:-1], sizes[1:])，"
            "这样任何大小列表都能用。",
        )
    x = torch.randn(5, sizes[0], generator=generator(seed))
    out = model(x)
    if not isinstance(out, torch.Tensor):
        raise CheckFailed(
            f"{call}(x) should return a tensor, got {type(out).__name__}. Did you forget `return` in forward?",
            f"{call}(x) 应该返回一个张量，实际得到 {type(out).__name__}。forward 里是不是忘了 `return`？",
        )
    expect_equal(tuple(out.shape), (5, sizes[-1]), f"the output shape of {call} on a batch of 5",
                 f"{call} 对 5 个样本的输出形状")
    with torch.no_grad():
        right = _mlp_reference(linears, x, relu_after_last=False)
        if torch.allclose(out, right, atol=1e-5):
            return
        if len(linears) > 1 and torch.allclose(out, _mlp_reference(linears, x, relu=False, relu_after_last=False),
                                               atol=1e-5):
            raise CheckFailed(
                f"{call} applies no ReLU between its Linear layers, so the whole network is one linear map. "
                "Apply torch.relu (or nn.ReLU) after every Linear layer except the last.",
                f"{call} 的 Linear 层之间没有 ReLU，整个网络就只是一个线性变换。请在除最后一层以外的每个 Linear 层之后加 ReLU。",
            )
        if torch.allclose(out, _mlp_reference(linears, x, relu_after_last=True), atol=1e-5):
            raise CheckFailed(
                f"{call} applies ReLU after the LAST layer too. The last layer outputs logits, which must be "
                "able to be negative: no activation after it.",
                f"{call} 在最后一层之后也加了 ReLU。最后一层输出的是 logits，必须可以取负值：它之后不加激活函数。",
            )
    raise CheckFailed(
        f"{call}(x) does not compute Linear → ReLU → … → Linear with its layers in the order they were "
        f"created: expected {_fmt(right[0])} for the first sample, got {_fmt(out[0])}.",
        f"{call}(x) 算的不是按创建顺序的 Linear → ReLU → … → Linear：第一个样本应为 {_fmt(right[0])}，"
        f"实际得到 {_fmt(out[0])}。",
    )


@exercise("06.1", CHAPTER, "an MLP class for any layer sizes", "任意层大小的 MLP 类")
def check_mlp(MLP) -> None:
    expect_callable(MLP)
    if not (isinstance(MLP, type) and issubclass(MLP, nn.Module)):
        raise CheckFailed(
            "pass the class MLP itself, defined as `class MLP(nn.Module):` (a subclass of nn.Module).",
            "请传入 MLP 这个类本身，它应定义为 `class MLP(nn.Module):`（nn.Module 的子类）。",
        )
    for sizes, seed in (([4, 16, 8, 3], 61), ([2, 5], 62), ([3, 7, 7, 7, 2], 63)):
        _check_mlp_sizes(MLP, sizes, seed)


# --------------------------------------------------------------------------- 06.2


@exercise("06.2", CHAPTER, "count the trainable parameters", "数一数可训练的参数")
def check_count_trainable(count_trainable) -> None:
    expect_callable(count_trainable)
    partly_frozen = _build(lambda: nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)))
    partly_frozen[0].requires_grad_(False)
    params = list(partly_frozen.parameters())
    flags = [p.requires_grad for p in params]
    got = count_trainable(partly_frozen)
    if [p.requires_grad for p in params] != flags:
        raise CheckFailed(
            "count_trainable changed which parameters require grad. Only read p.requires_grad, never set it.",
            "count_trainable 改变了参数的 requires_grad。只读取 p.requires_grad，不要修改它。",
        )
    if isinstance(got, torch.Tensor):
        raise CheckFailed(
            "return a Python int, not a tensor: p.numel() is already an int, so sum() of them is an int too.",
            "请返回 Python 的 int，而不是张量：p.numel() 本身就是 int，对它们求 sum() 得到的也是 int。",
        )
    expect_returned(got, "count_trainable")
    trainable = sum(p.numel() for p in params if p.requires_grad)
    if got == sum(p.numel() for p in params):
        raise CheckFailed(
            f"for a model whose first Linear(3, 4) is frozen you returned {got}, which counts the frozen "
            f"parameters too. Count only those with p.requires_grad (expected {trainable}).",
            f"对第一层 Linear(3, 4) 已冻结的模型，你返回了 {got}，把冻结的参数也数进去了。"
            f"只数 p.requires_grad 为真的参数（应为 {trainable}）。",
        )
    if got in (len(params), sum(flags)):
        raise CheckFailed(
            f"you returned {got}, the number of parameter TENSORS. The parameter count is the number of "
            "elements: add up p.numel() (a Linear(4, 2) alone has 4*2 + 2 = 10 parameters).",
            f"你返回了 {got}，这是参数张量的个数。参数个数指的是元素个数：把 p.numel() 加起来"
            "（单是一个 Linear(4, 2) 就有 4*2 + 2 = 10 个参数）。",
        )
    if got == sum(p.numel() for p in params if not p.requires_grad):
        raise CheckFailed(
            f"you returned {got}, the number of FROZEN parameters (requires_grad=False). "
            f"Count those with requires_grad=True (expected {trainable}).",
            f"你返回了 {got}，这是冻结参数（requires_grad=False）的个数。请数 requires_grad=True 的参数（应为 {trainable}）。",
        )
    expect_equal(got, trainable, "count_trainable(model with a frozen first layer)",
                 "count_trainable(第一层被冻结的模型)")

    with_buffers = _build(lambda: nn.Sequential(nn.Linear(5, 6), nn.BatchNorm1d(6), nn.Linear(6, 1)))
    expected = sum(p.numel() for p in with_buffers.parameters())
    got = count_trainable(with_buffers)
    if got == sum(t.numel() for t in with_buffers.state_dict().values()):
        raise CheckFailed(
            f"for a model with a BatchNorm1d you returned {got}: state_dict() also holds buffers "
            "(running_mean, running_var, num_batches_tracked), which are not parameters, and its tensors do "
            "not tell you requires_grad. Loop over model.parameters() instead.",
            f"对含 BatchNorm1d 的模型你返回了 {got}：state_dict() 里还有 buffer（running_mean、running_var、"
            "num_batches_tracked），它们不是参数，而且那些张量看不出 requires_grad。请遍历 model.parameters()。",
        )
    expect_equal(got, expected, "count_trainable(Linear(5, 6), BatchNorm1d(6), Linear(6, 1))",
                 "count_trainable(Linear(5, 6), BatchNorm1d(6), Linear(6, 1))")


# --------------------------------------------------------------------------- 06.3


@exercise("06.3", CHAPTER, "a classification loss from logits", "由 logits 计算分类损失")
def check_classification_loss(classification_loss) -> None:
    expect_callable(classification_loss)
    gen = generator(64)
    logits = (2 * torch.randn(6, 4, generator=gen)).requires_grad_()
    labels = torch.randint(0, 4, (6,), generator=gen)
    got = classification_loss(logits, labels)
    expect_returned(got, "classification_loss")
    if not isinstance(got, torch.Tensor):
        raise CheckFailed(
            f"return the loss as a tensor (got a {type(got).__name__}): training needs loss.backward(), "
            "which a Python number (from .item()) cannot do.",
            f"请以张量的形式返回损失（实际得到 {type(got).__name__}）：训练要调用 loss.backward()，"
            "Python 数字（.item() 的结果）做不到。",
        )
    if got.numel() != 1:
        raise CheckFailed(
            f"expected one number, the mean loss over the batch; got a tensor of shape {tuple(got.shape)}. "
            "Keep the default reduction='mean'.",
            f"应该得到一个数：整批的平均损失；实际得到形状为 {tuple(got.shape)} 的张量。请保留默认的 reduction='mean'。",
        )
    if got.grad_fn is None:
        raise CheckFailed(
            "the loss is cut off from the logits (no grad_fn): don't .detach() or rebuild it with "
            "torch.tensor(...), or backward() cannot reach the model.",
            "损失和 logits 断开了（没有 grad_fn）：不要 .detach()，也不要用 torch.tensor(...) 重新包装，"
            "否则 backward() 传不回模型。",
        )
    value = got.detach().reshape(())
    with torch.no_grad():
        expected = F.cross_entropy(logits, labels)
        mistakes = [
            (F.cross_entropy(torch.softmax(logits, dim=1), labels),
             "you applied softmax before CrossEntropyLoss. It applies log_softmax itself and wants raw "
             "logits: softmax first squashes them, so the loss never gets near 0 and learns slowly.",
             "你在 CrossEntropyLoss 之前做了 softmax。它自己会做 log_softmax，要的是原始的 logits："
             "先 softmax 会把它们压扁，损失永远接近不了 0，学得也慢。"),
            (F.nll_loss(logits, labels),
             "you passed raw logits to nll_loss, which expects LOG-probabilities. Use F.cross_entropy "
             "(= log_softmax + nll_loss) on the logits.",
             "你把原始的 logits 传给了 nll_loss，而它要的是对数概率。请对 logits 用 F.cross_entropy"
             "（= log_softmax + nll_loss）。"),
            (F.nll_loss(torch.softmax(logits, dim=1), labels),
             "you passed probabilities (softmax) to nll_loss, which expects LOG-probabilities. Use "
             "F.cross_entropy on the raw logits.",
             "你把概率（softmax 的结果）传给了 nll_loss，而它要的是对数概率。请直接对原始 logits 用 F.cross_entropy。"),
            (F.cross_entropy(logits, labels, reduction="sum"),
             "that is the SUM of the per-example losses; the task asks for the mean (the default "
             "reduction='mean'), so the loss does not grow with the batch size.",
             "这是每个样本损失的总和；题目要的是平均值（默认的 reduction='mean'），这样损失不随批次大小变化。"),
        ]
    for wrong, en, zh in mistakes:
        if torch.allclose(value, wrong, atol=1e-5) and not torch.allclose(value, expected, atol=1e-5):
            raise CheckFailed(en, zh)
    if not torch.allclose(value, expected, atol=1e-5):
        raise CheckFailed(
            f"for 6 examples and 4 classes expected the mean cross-entropy {expected.item():.4f}, "
            f"got {value.item():.4f}. Pass the logits (N, C) and the int64 class indices (N,) to "
            "nn.CrossEntropyLoss() or F.cross_entropy.",
            f"对 6 个样本、4 个类别，平均交叉熵应为 {expected.item():.4f}，实际得到 {value.item():.4f}。"
            "请把 logits (N, C) 和 int64 类别编号 (N,) 交给 nn.CrossEntropyLoss() 或 F.cross_entropy。",
        )
    one_sure = torch.tensor([[12.0, -3.0, 0.0]])
    expect_equal(round(float(classification_loss(one_sure, torch.tensor([0]))), 4), 0.0,
                 "the loss of a confident right answer (logits [12, -3, 0], class 0)",
                 "一个有把握的正确答案的损失（logits [12, -3, 0]，类别 0）")


# --------------------------------------------------------------------------- 06.4


def _sgd_case(seed: int, factory, n_in: int, n_out: int):
    model = _fill(_build(factory), seed)
    gen = generator(seed + 100)
    return model, torch.randn(8, n_in, generator=gen), torch.randn(8, n_out, generator=gen)


def _reference_step(model: nn.Module, x: torch.Tensor, y: torch.Tensor, lr: float):
    ref = copy.deepcopy(model)
    loss = F.mse_loss(ref(x), y)
    grads = torch.autograd.grad(loss, list(ref.parameters()))
    before = [p.detach().clone() for p in ref.parameters()]
    return loss.item(), before, grads


def _matches(params: list[torch.Tensor], expected: list[torch.Tensor]) -> bool:
    return all(torch.allclose(p.detach(), e, atol=1e-5) for p, e in zip(params, expected))


@exercise("06.4", CHAPTER, "one SGD step by hand", "亲手走一步 SGD")
def check_sgd_step(sgd_step) -> None:
    expect_callable(sgd_step)
    lr = 0.1
    cases = [
        (lambda: nn.Linear(3, 2), 3, 2),
        (lambda: nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1)), 2, 1),
    ]
    for number, (factory, n_in, n_out) in enumerate(cases):
        model, x, y = _sgd_case(65 + number, factory, n_in, n_out)
        loss_before, before, grads = _reference_step(model, x, y, lr)
        stale = [torch.full_like(p, 0.5) for p in model.parameters()]
        for p, old in zip(model.parameters(), stale):
            p.grad = old.clone()  # a gradient left over from an earlier step
        try:
            result = sgd_step(model, x, y, lr)
        except RuntimeError as err:
            if "leaf Variable that requires grad" in str(err):
                raise CheckFailed(
                    "updating a parameter in place while autograd is recording raises "
                    f"'{err}'. Do the update inside `with torch.no_grad():`.",
                    f"在 autograd 记录时原地修改参数会报错：'{err}'。请把更新放在 `with torch.no_grad():` 里。",
                ) from None
            raise
        params = list(model.parameters())
        if result is None:
            raise CheckFailed("sgd_step returned None: return the loss (a float) computed BEFORE the update.",
                              "sgd_step 返回了 None：请返回更新之前算出的损失（一个 float）。")
        if isinstance(result, torch.Tensor):
            result = result.detach()
        if _matches(params, before):
            raise CheckFailed(
                "the parameters did not change. Update them IN PLACE (p -= lr * p.grad, or p.sub_(...)) "
                "inside torch.no_grad(): `p = p - lr * p.grad` only rebinds the local name p.",
                "参数没有变化。请在 torch.no_grad() 里原地更新（p -= lr * p.grad 或 p.sub_(...)）："
                "`p = p - lr * p.grad` 只是让局部变量 p 指向一个新张量。",
            )
        if _matches(params, [b + lr * g for b, g in zip(before, grads)]):
            raise CheckFailed(
                "sign error: you moved the parameters UP the gradient (w + lr*grad), which increases the loss. "
                "Gradient descent subtracts: w - lr*grad.",
                "符号错了：你让参数沿梯度上升（w + lr*grad），损失会变大。梯度下降是减去：w - lr*grad。",
            )
        if _matches(params, [b - g for b, g in zip(before, grads)]):
            raise CheckFailed(
                "you subtracted the whole gradient (w - grad): multiply it by the learning rate, w - lr*grad.",
                "你减去了整个梯度（w - grad）：要乘以学习率，w - lr*grad。",
            )
        if _matches(params, [b - lr * (g + old) for b, g, old in zip(before, grads, stale)]):
            raise CheckFailed(
                "the model arrived with gradients left over from an earlier step, and backward() ADDED the new "
                "gradients to them. Clear the gradients first (model.zero_grad(), or p.grad = None) and only "
                "then call backward().",
                "模型带着上一步留下的梯度进来，backward() 把新的梯度累加了上去。"
                "请先清空梯度（model.zero_grad() 或 p.grad = None），再调用 backward()。",
            )
        expected = [b - lr * g for b, g in zip(before, grads)]
        if not _matches(params, expected):
            raise CheckFailed(
                f"after one step with lr={lr} on the MSE loss expected the first parameter "
                f"{_fmt(expected[0])}, got {_fmt(params[0])}. Use the mean squared error "
                "(F.mse_loss(model(inputs), targets)) and update every parameter: p -= lr * p.grad.",
                f"用 lr={lr} 在 MSE 损失上走一步后，第一个参数应为 {_fmt(expected[0])}，实际得到 {_fmt(params[0])}。"
                "请用均方误差（F.mse_loss(model(inputs), targets)），并更新每一个参数：p -= lr * p.grad。",
            )
        try:
            loss_value = float(result)
        except (TypeError, ValueError):
            raise CheckFailed(f"return the loss as a float, got {type(result).__name__}.",
                              f"请以 float 的形式返回损失，实际得到 {type(result).__name__}。") from None
        if abs(loss_value - loss_before) > 1e-4:
            after = F.mse_loss(model(x), y).item()
            if abs(loss_value - after) < 1e-4:
                raise CheckFailed(
                    "you returned the loss AFTER the update; return the one computed before it (the loss "
                    "whose gradient you used).",
                    "你返回的是更新之后的损失；请返回更新之前算出的那个（你用它求的梯度）。",
                )
            raise CheckFailed(
                f"the returned loss should be the MSE before the step, {loss_before:.4f}; got {loss_value:.4f}.",
                f"返回的损失应是更新前的 MSE，{loss_before:.4f}；实际得到 {loss_value:.4f}。",
            )


# --------------------------------------------------------------------------- 06.5


def _prefixed_case(seed: int):
    def factory():
        return nn.Sequential(OrderedDict(
            encoder=nn.Linear(3, 4), norm=nn.BatchNorm1d(4), act=nn.ReLU(), submodule=nn.Linear(4, 2),
        ))

    source = _fill(_build(factory), seed)
    with torch.no_grad():
        source.norm.running_mean.copy_(torch.randn(4, generator=generator(seed + 1)))
        source.norm.running_var.copy_(torch.rand(4, generator=generator(seed + 2)) + 0.5)
        source.norm.num_batches_tracked.fill_(7)
    checkpoint = {"module." + key: value.clone() for key, value in source.state_dict().items()}
    target = _build(factory)
    return source, checkpoint, target


@exercise("06.5", CHAPTER, "load a checkpoint whose keys carry a prefix", "加载键名带前缀的检查点")
def check_load_without_prefix(load_without_prefix) -> None:
    expect_callable(load_without_prefix)
    source, checkpoint, target = _prefixed_case(66)
    given = dict(checkpoint)
    try:
        result = load_without_prefix(target, given)
    except RuntimeError as err:
        text = str(err)
        if "subweight" in text or "subbias" in text:
            raise CheckFailed(
                "str.replace('module.', '') also removed 'module.' from the middle of 'submodule.weight', "
                "which became 'subweight'. Remove only the PREFIX: key.removeprefix('module.').",
                "str.replace('module.', '') 把 'submodule.weight' 中间的 'module.' 也删掉了，变成了 'subweight'。"
                "只去掉前缀：key.removeprefix('module.')。",
            ) from None
        if '"module.' in text:
            raise CheckFailed(
                "load_state_dict found keys that still start with 'module.' (like 'module.encoder.weight') "
                "where the model expects 'encoder.weight': remove that prefix from every key before loading.",
                "load_state_dict 发现键仍以 'module.' 开头（例如 'module.encoder.weight'），而模型要的是 "
                "'encoder.weight'：加载之前，请把每个键的这个前缀去掉。",
            ) from None
        if "Error(s) in loading state_dict" in text:
            detail = " ".join(text.split())[:300]
            raise CheckFailed(
                f"the keys still do not match the model: {detail}",
                f"键仍然和模型对不上：{detail}",
            ) from None
        raise
    if result is None:
        raise CheckFailed("load_without_prefix returned None: return the model after loading.",
                          "load_without_prefix 返回了 None：加载之后请返回模型。")
    if hasattr(result, "missing_keys"):
        raise CheckFailed(
            "you returned what load_state_dict returns (the lists of missing and unexpected keys). "
            "load_state_dict loads in place: call it, then return the model.",
            "你返回的是 load_state_dict 的返回值（缺失键和多余键的清单）。load_state_dict 是原地加载的：调用它，然后返回模型。",
        )
    if result is not target:
        raise CheckFailed(
            "return the model you were given, with the weights loaded into it (load_state_dict works in place).",
            "请返回传进来的那个模型，权重加载进它里面（load_state_dict 是原地加载的）。",
        )
    expected = source.state_dict()
    got = target.state_dict()
    loaded = {key for key in expected if torch.equal(got[key], expected[key])}
    if not loaded:
        raise CheckFailed(
            "nothing was loaded: the model still has its own random weights. With strict=False, "
            "load_state_dict skips every key that does not match and does not complain; keep the default "
            "strict=True and rename the keys ('module.encoder.weight' -> 'encoder.weight').",
            "什么都没有加载：模型还是原来的随机权重。strict=False 时，load_state_dict 会跳过所有对不上的键而且不报错；"
            "请保留默认的 strict=True，并给键改名（'module.encoder.weight' -> 'encoder.weight'）。",
        )
    missing = sorted(set(expected) - loaded)
    if missing and all("running" in key or "num_batches" in key for key in missing):
        raise CheckFailed(
            f"the parameters were loaded but the buffers {missing} were not. Copying parameters one by one "
            "misses buffers: load the whole renamed dict with model.load_state_dict(...).",
            f"参数加载了，但 buffer {missing} 没有。逐个复制参数会漏掉 buffer：请用 model.load_state_dict(...) "
            "加载改名后的整个字典。",
        )
    if missing:
        raise CheckFailed(
            f"these entries were not loaded: {missing}. Rename every key and load with the default strict=True.",
            f"这些项没有加载：{missing}。请给每个键改名，并用默认的 strict=True 加载。",
        )
    x = torch.randn(5, 3, generator=generator(67))
    source.eval()
    target.eval()
    with torch.no_grad():
        same = torch.allclose(target(x), source(x))
    expect_equal(same, True, "the loaded model gives the same outputs as the saved one",
                 "加载后的模型与保存时的模型输出相同")

