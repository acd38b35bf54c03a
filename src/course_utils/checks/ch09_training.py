"""Checks for 09_training.

Every checker builds its own small models and data, works on the CPU, and runs
inside ``private_rng``: checking an answer never changes the notebook's random state.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any, NoReturn

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from ..training import train_digits_mlp
from .engine import checker
from .vocabulary import (
    Mistake,
    as_number,
    diagnose,
    expect_callable,
    expect_returned,
    fail,
    private_rng,
    )

# --------------------------------------------------------------------------- 09.1


def _accuracy_cases() -> list[tuple[torch.Tensor, torch.Tensor]]:
    generator = torch.Generator().manual_seed(9)
    cases = []
    for n, classes in ((8, 3), (5, 5), (50, 10)):
        logits = torch.randn(n, classes, generator=generator) * 3
        targets = torch.randint(0, classes, (n,), generator=generator)
        # make about half of the predictions right, so every wrong formula gives another number
        right = torch.arange(n) % 2 == 0
        targets[right] = logits[right].argmax(dim=1)
        cases.append((logits, targets))
    return cases


def _correct(logits: torch.Tensor, targets: torch.Tensor) -> float:
    return float((logits.argmax(dim=1) == targets).sum().item())


ACCURACY_MISTAKES = [
    Mistake(lambda logits, t: (logits.argmax(dim=0) == t).float().mean().item() if logits.shape[0] == logits.shape[1]
            else None,
            "you took the argmax over the wrong dimension. Each ROW is one example, so the predicted class is "
            "logits.argmax(dim=1).",
            "argmax 的维度取错了。每一行是一个样本，所以预测类别是 logits.argmax(dim=1)。"),
    Mistake(lambda logits, t: 0.0,
            "returned 0.0, expected {want:.4f}. Comparing the logits themselves with the targets almost never "
            "matches (scores are floats like 2.7); compare logits.argmax(dim=1) with the targets. If you did, check "
            "for integer division (//).",
            "返回 0.0，应为 {want:.4f}。直接拿 logits 和 targets 比较几乎永远不相等（分数是 2.7 这样的浮点数）；"
            "应比较 logits.argmax(dim=1) 和 targets。如果已经这样做了，检查一下是否用了整除（//）。"),
    Mistake(_correct,
            "returned {got:g}, the NUMBER of correct predictions; return the fraction: divide by len(targets).",
            "返回了 {got:g}，这是预测正确的个数；应返回比例：再除以 len(targets)。"),
    Mistake(lambda logits, t: 100 * _correct(logits, t) / len(t),
            "returned a percentage ({got:g}); return a fraction between 0 and 1 ({want:.4f}).",
            "返回的是百分数（{got:g}）；应返回 0 到 1 之间的比例（{want:.4f}）。"),
]


@checker("09.1")
def check_accuracy(accuracy) -> None:
    expect_callable(accuracy)
    for logits, targets in _accuracy_cases():
        n, classes = logits.shape
        call = f"accuracy(logits of shape ({n}, {classes}), targets of shape ({n},))"
        try:
            result = accuracy(logits.clone(), targets.clone())
        except RuntimeError as error:
            if "size of tensor" in str(error) or "must match" in str(error):
                fail("", f"{call} failed with a shape mismatch. The logits hold one score per class (shape (N, C)); "
                     "compare the predicted classes, logits.argmax(dim=1) (shape (N,)), with the targets.",
                     f"{call} 因形状不匹配而出错。logits 是每个类别一个分数（形状 (N, C)）；"
                     "应该用预测的类别 logits.argmax(dim=1)（形状 (N,)）去和 targets 比较。")
            raise
        got, expected = as_number(result, call), _correct(logits, targets) / n
        diagnose(got, expected, ACCURACY_MISTAKES, call, logits, targets, atol=1e-6, rtol=1e-9,
                 otherwise=("expected {want:.4f}, got {got:.4f}. "
                            "Accuracy = (logits.argmax(dim=1) == targets).float().mean().",
                            "应为 {want:.4f}，实际为 {got:.4f}。准确率 = (logits.argmax(dim=1) == targets).float().mean()。"),
                 got=got, want=expected)


# --------------------------------------------------------------------------- 09.2


CONFUSION_MISTAKES = [
    Mistake(lambda expected: expected.T,
            "rows and columns are swapped. By convention (scikit-learn's too) row i is the TRUE class and column j the "
            "PREDICTED class: cm[t, p] += 1. Here two 0s were predicted as 1, so cm[0, 1] should be 2 and cm[1, 0] "
            "should be 0.",
            "行和列弄反了。约定（scikit-learn 也一样）：第 i 行是真实类别，第 j 列是预测类别：cm[t, p] += 1。"
            "这里有两个 0 被预测成了 1，所以 cm[0, 1] 应为 2，cm[1, 0] 应为 0。"),
]


@checker("09.2")
def check_confusion_matrix(confusion_matrix) -> None:
    expect_callable(confusion_matrix)
    generator = torch.Generator().manual_seed(2)
    cases = [
        # asymmetric: two 0s predicted as 1, no 1 predicted as 0; class 3 never appears
        (torch.tensor([1, 1, 0, 1, 2, 2, 0]), torch.tensor([0, 0, 0, 1, 2, 2, 2]), 4),
        (torch.randint(0, 10, (200,), generator=generator), torch.randint(0, 10, (200,), generator=generator), 10),
    ]
    for preds, targets, n in cases:
        call = f"confusion_matrix(preds, targets, num_classes={n})"
        result = expect_returned(confusion_matrix(preds.clone(), targets.clone(), n), call)
        try:
            got = torch.as_tensor(result)
        except (TypeError, ValueError, RuntimeError):
            fail("", f"{call} should return a tensor (or array), got a {type(result).__name__}.",
                 f"{call} 应返回张量（或数组），实际得到的是 {type(result).__name__}。")
        expected = torch.bincount(targets * n + preds, minlength=n**2).reshape(n, n)
        if got.shape != expected.shape:
            fail("", f"{call} has shape {tuple(got.shape)}, expected ({n}, {n}). Use num_classes for the size, not "
                 "the largest label seen: a class that never occurs still gets its row and column.",
                 f"{call} 的形状是 {tuple(got.shape)}，应为 ({n}, {n})。大小要用 num_classes，"
                 "而不是出现过的最大标签：从没出现过的类别也要有自己的行和列。")
        if got.is_floating_point() and not torch.equal(got, got.round()):
            fail("", f"{call} holds fractions; it should count examples (whole numbers).",
                 f"{call} 里有小数；它应该数样本的个数（整数）。")
        got = got.to(torch.int64)
        total = got.sum().item()
        if total != len(targets):  # (a transposed matrix has the right total)
            fail("", f"{call} counts {total} examples in total, but there are {len(targets)}: every (target, "
                 "prediction) pair adds exactly 1 to one cell.",
                 f"{call} 一共数了 {total} 个样本，而实际有 {len(targets)} 个：每一对（真实, 预测）恰好给一个格子加 1。")
        diagnose(got, expected, CONFUSION_MISTAKES, call, expected,
                 otherwise=("expected {want}, got {got}.", "应为 {want}，实际得到 {got}。"),
                 want=expected.tolist(), got=got.tolist())


# --------------------------------------------------------------------------- 09.3


EVALUATE_MISTAKES = [
    Mistake(lambda batch_mean: batch_mean,
            "averaged the accuracies of the batches; the last batch is smaller, so that weighs its examples more. "
            "Count correct predictions and examples over all batches, and divide at the end.",
            "对各个批次的准确率取了平均；最后一个批次更小，这样会让它的样本权重更大。"
            "应在所有批次上累计预测正确的个数和样本总数，最后再相除。"),
    Mistake(lambda batch_mean: 20.0,
            "returned the number of correct predictions (20); divide by the number of examples.",
            "返回的是预测正确的个数（20）；还要除以样本总数。"),
]


class _ModeProbe(nn.Module):
    """Passes its input through and records the mode it ran in: model.training and grad mode."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[bool, bool]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls.append((self.training, torch.is_grad_enabled()))
        return x


class _StopEvaluation(Exception):
    """Raised by ``_DeviceProbe`` once it has seen a batch: the rest of the evaluation does not matter."""


class _DeviceProbe(nn.Module):
    """Records the device of the batch it is given, then stops the evaluation."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 3)  # a parameter, for answers that move the model or read its device
        self.devices: list[torch.device] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.devices.append(x.device)
        raise _StopEvaluation


@checker("09.3")
def check_evaluate_accuracy(evaluate_accuracy) -> None:
    expect_callable(evaluate_accuracy)
    call = "evaluate_accuracy(model, loader, device)"
    with private_rng(3):
        inputs = torch.randn(25, 4).abs() + 0.1
        inputs[:, 3] = 0
        targets = inputs[:, :3].argmax(dim=1)
        wrong = torch.tensor([0, 1, 2, 20, 21])  # 5 of 25 wrong: accuracy 0.8, but 0.7, 1.0, 0.6 per batch
        targets[wrong] = (targets[wrong] + 1) % 3
        loader = DataLoader(TensorDataset(inputs, targets), batch_size=10)  # batches of 10, 10 and 5
        probe, linear = _ModeProbe(), nn.Linear(4, 3)
        with torch.no_grad():
            linear.weight.copy_(torch.eye(3, 4))
            linear.bias.zero_()
        model = nn.Sequential(probe, nn.Dropout(0.5), linear).train()
        got = as_number(evaluate_accuracy(model, loader, torch.device("cpu")), call)
    if not probe.calls:
        fail("", f"{call} never called the model on the batches.", f"{call} 从未在批次上调用模型。")
    if any(training for training, _ in probe.calls):
        fail("", f"{call} ran the model in training mode: dropout was still switching off random units, so the "
             "result changes from run to run. Call model.eval() before the loop.",
             f"{call} 在训练模式下运行了模型：dropout 仍在随机关闭神经元，结果每次都不一样。请在循环之前调用 model.eval()。")
    if any(grad for _, grad in probe.calls):
        fail("", f"{call} ran with gradient tracking on: PyTorch recorded a graph for every batch, which wastes "
             "memory and time. Put the loop inside `with torch.no_grad():`.",
             f"{call} 运行时开着梯度记录：PyTorch 为每个批次都建了计算图，白白浪费内存和时间。"
             "请把循环放进 `with torch.no_grad():` 里。")
    if len(probe.calls) != 3:
        fail("", f"{call} called the model {len(probe.calls)} time(s) for 3 batches: go over every batch once.",
             f"{call} 在 3 个批次上调用了模型 {len(probe.calls)} 次：每个批次恰好走一遍。")
    with torch.no_grad():
        right = (model.eval()(inputs).argmax(dim=1) == targets).float()
    batch_mean = sum(right[i:i + 10].mean().item() for i in (0, 10, 20)) / 3
    diagnose(got, 0.8, EVALUATE_MISTAKES, call, batch_mean, atol=1e-6, rtol=1e-9)
    # The "meta" device holds shapes without data: enough to see where the answer puts the batches, on a CPU.
    with private_rng(4):
        probe = _DeviceProbe()
        try:
            evaluate_accuracy(probe, loader, torch.device("meta"))
        except _StopEvaluation:
            pass
    if probe.devices and probe.devices[0].type != "meta":
        fail("", f"{call} ignores its device argument: with device=torch.device('meta') the model still got a batch "
             f"on {probe.devices[0]}. On a GPU the model and the data must be on the same device: move every batch, "
             "inputs, targets = inputs.to(device), targets.to(device).",
             f"{call} 忽略了参数 device：传入 device=torch.device('meta') 时，模型收到的批次仍在 {probe.devices[0]} 上。"
             "在 GPU 上，模型和数据必须在同一个设备上：把每个批次都移过去，"
             "inputs, targets = inputs.to(device), targets.to(device)。")


# --------------------------------------------------------------------------- 09.4 and 09.5


def _trained_pair(seed: int) -> tuple[nn.Module, torch.optim.Optimizer]:
    """A small model and an Adam optimizer that has taken a few steps, so it has state."""
    with private_rng(seed):
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        inputs, targets = torch.randn(16, 4), torch.randint(0, 3, (16,))
        for _ in range(3):
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(inputs), targets).backward()
            optimizer.step()
    return model, optimizer


def _same_tensors(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _same_optimizer_state(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a["state"].keys() == b["state"].keys() and all(_same_tensors(a["state"][k], b["state"][k]) for k in a["state"])


def _unsafe_checkpoint_hint(path: Path, call: str) -> NoReturn:
    """The file cannot be read with weights_only=True: find out what was pickled, for the right hint."""
    # the file was written a moment ago by the student's function, in our own temporary folder
    checkpoint = torch.load(path, weights_only=False)
    values = checkpoint.values() if isinstance(checkpoint, dict) else [checkpoint]
    if any(isinstance(v, (nn.Module, torch.optim.Optimizer)) for v in values):
        fail("", f"{call} pickled a whole model or optimizer object. Save their state_dict()s: plain tensors that "
             "torch.load(path, weights_only=True) reads safely, and that load into a freshly built model.",
             f"{call} 把整个模型或优化器对象 pickle 了。应保存它们的 state_dict()：纯粹的张量，"
             "torch.load(path, weights_only=True) 可以安全读取，也能加载进新建的模型。")
    if any(callable(v) for v in values):
        fail("", f"{call} saved the method state_dict itself; call it: model.state_dict(), optimizer.state_dict().",
             f"{call} 保存的是 state_dict 这个方法本身；要调用它：model.state_dict()、optimizer.state_dict()。")
    fail("", f"{call} wrote something torch.load(path, weights_only=True) cannot read; save a dict of state_dicts "
         "and numbers.",
         f"{call} 写出的内容无法用 torch.load(path, weights_only=True) 读取；请保存由 state_dict 和数字组成的字典。")


@checker("09.4")
def check_save_training_state(save_training_state) -> None:
    expect_callable(save_training_state)
    model, optimizer = _trained_pair(4)
    call = "save_training_state(path, model, optimizer, epoch=7)"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "checkpoint.pt"
        save_training_state(path, model, optimizer, 7)
        if not path.exists():
            fail("", f"{call} wrote no file at `path`: finish with torch.save(checkpoint, path).",
                 f"{call} 没有在 `path` 写出文件：最后要 torch.save(checkpoint, path)。")
        try:
            checkpoint = torch.load(path, weights_only=True)
        except Exception:  # noqa: BLE001 - find out what was pickled, to give the right hint
            _unsafe_checkpoint_hint(path, call)
    if not isinstance(checkpoint, dict):
        fail("", f"{call} saved a {type(checkpoint).__name__}; save a dict with the keys 'model', 'optimizer' and "
             "'epoch'.",
             f"{call} 保存的是 {type(checkpoint).__name__}；应保存一个包含 'model'、'optimizer'、'epoch' 三个键的字典。")
    if "optimizer" not in checkpoint:
        fail("", f"{call} saved no 'optimizer'. Without optimizer.state_dict(), Adam's running averages and step "
             "counts are lost, and the resumed run takes different steps than the uninterrupted one would have.",
             f"{call} 没有保存 'optimizer'。没有 optimizer.state_dict()，Adam 的滑动平均和步数就丢了，"
             "恢复后的训练会走出和不中断时不同的步子。")
    for key in ("model", "epoch"):
        if key not in checkpoint:
            fail("", f"{call} saved no {key!r}; the keys are 'model', 'optimizer' and 'epoch'.",
                 f"{call} 没有保存 {key!r}；键应为 'model'、'optimizer' 和 'epoch'。")
    if not isinstance(checkpoint["model"], dict) or not _same_tensors(checkpoint["model"], model.state_dict()):
        fail(call, "checkpoint['model'] should be model.state_dict().", "checkpoint['model'] 应为 model.state_dict()。")
    saved = checkpoint["optimizer"]
    if not isinstance(saved, dict) or "state" not in saved or not _same_optimizer_state(saved, optimizer.state_dict()):
        fail(call, "checkpoint['optimizer'] should be optimizer.state_dict() (it holds 'state' and 'param_groups').",
             "checkpoint['optimizer'] 应为 optimizer.state_dict()（其中有 'state' 和 'param_groups'）。")
    if checkpoint["epoch"] != 7:
        fail(call, f"checkpoint['epoch'] should be 7, got {checkpoint['epoch']!r}.",
             f"checkpoint['epoch'] 应为 7，实际为 {checkpoint['epoch']!r}。")


@checker("09.5")
def check_load_training_state(load_training_state) -> None:
    expect_callable(load_training_state)
    trained, trained_optimizer = _trained_pair(5)
    fresh, fresh_optimizer = _trained_pair(6)  # other weights, other optimizer state
    call = "load_training_state(path, model, optimizer)"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "checkpoint.pt"
        torch.save({"model": trained.state_dict(), "optimizer": trained_optimizer.state_dict(), "epoch": 7}, path)
        epoch = load_training_state(path, fresh, fresh_optimizer)
    if not _same_tensors(fresh.state_dict(), trained.state_dict()):
        fail("", f"{call} did not put the saved weights into `model`. Call model.load_state_dict(checkpoint['model']): "
             "it copies into the model you were given (assigning a new object to the name `model` inside the "
             "function does not change the caller's model).",
             f"{call} 没有把保存的权重放进 `model`。请调用 model.load_state_dict(checkpoint['model'])："
             "它把数值复制进传入的模型（在函数里给 `model` 这个名字赋一个新对象，不会改变调用者的模型）。")
    if not _same_optimizer_state(fresh_optimizer.state_dict(), trained_optimizer.state_dict()):
        fail("", f"{call} restored the model but not the optimizer: call "
             "optimizer.load_state_dict(checkpoint['optimizer']), or Adam restarts its running averages and the next "
             "steps differ.",
             f"{call} 恢复了模型，却没有恢复优化器：请调用 optimizer.load_state_dict(checkpoint['optimizer'])，"
             "否则 Adam 的滑动平均会从头开始，接下来的步子就不一样了。")
    if epoch is None:
        fail("", f"{call} returned None; return checkpoint['epoch'] (the number of epochs already done).",
             f"{call} 返回了 None；应返回 checkpoint['epoch']（已经完成的轮数）。")
    if epoch != 7:
        fail("", f"{call} returned {epoch!r}; return checkpoint['epoch'], here 7 (fit(..., start_epoch=7) then goes "
             "on with epoch 8).",
             f"{call} 返回了 {epoch!r}；应返回 checkpoint['epoch']，这里是 7（之后 fit(..., start_epoch=7) 从第 8 轮接着训练）。")
    # one more step on both must give the same weights: the resume is exact
    with private_rng(7):
        inputs, targets = torch.randn(16, 4), torch.randint(0, 3, (16,))
    for model, optimizer in ((trained, trained_optimizer), (fresh, fresh_optimizer)):
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(inputs), targets).backward()
        optimizer.step()
    if not _same_tensors(fresh.state_dict(), trained.state_dict()):
        fail("", f"after {call}, one more training step gave other weights than the original run: load both "
             "state_dicts and change nothing else (learning rate, param_groups).",
             f"{call} 之后再训练一步，得到的权重和原来的训练不同：加载两个 state_dict，其他（学习率、param_groups）什么都不要改。")


# --------------------------------------------------------------------------- 09.6

ALLOWED_KEYS = ("lr", "epochs", "batch_size")
MAX_EPOCHS = 20
TARGET = 0.95


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _validate_config(config: Any) -> None:
    if not isinstance(config, dict):
        fail("", f"hyperparameters() should return the dict from the marked block, got a {type(config).__name__}.",
             f"hyperparameters() 应返回标记区域里的那个字典，实际得到的是 {type(config).__name__}。")
    if set(config) != set(ALLOWED_KEYS):
        extra = sorted(set(map(str, config)) - set(ALLOWED_KEYS))
        missing = sorted(set(ALLOWED_KEYS) - set(map(str, config)))
        fail("", f"change only the values of lr, epochs and batch_size (the marked block); unexpected keys: {extra}, "
             f"missing keys: {missing}. The model, optimizer and data stay as they are.",
             f"只能改 lr、epochs 和 batch_size 的值（标记区域）；多出的键：{extra}，缺少的键：{missing}。"
             "模型、优化器和数据都保持不变。")
    lr, epochs, batch_size = config["lr"], config["epochs"], config["batch_size"]
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr > 0 or not math.isfinite(lr):
        fail("", f"lr must be a positive number, got {lr!r}.", f"lr 必须是正数，实际为 {lr!r}。")
    if not _whole(epochs, 1, MAX_EPOCHS):
        fail("", f"epochs must be a whole number from 1 to {MAX_EPOCHS} (so the check stays quick), got {epochs!r}.",
             f"epochs 必须是 1 到 {MAX_EPOCHS} 之间的整数（让检查保持快速），实际为 {epochs!r}。")
    if not _whole(batch_size, 1, 1258):
        fail("", f"batch_size must be a whole number from 1 to 1258 (the size of the training set), got {batch_size!r}.",
             f"batch_size 必须是 1 到 1258（训练集大小）之间的整数，实际为 {batch_size!r}。")
    if batch_size < 8 and epochs > 5:
        fail("", "batches smaller than 8 with more than 5 epochs make the check too slow; use a larger batch_size.",
             "批次小于 8 又训练 5 轮以上会让检查太慢；请把 batch_size 调大一些。")


@checker("09.6")
def check_hyperparameters(hyperparameters) -> None:
    expect_callable(hyperparameters)
    config = hyperparameters()
    _validate_config(config)
    history = train_digits_mlp(config)
    losses, accuracy = history["train_loss"], history["val_acc"][-1]
    start, end = losses[0], losses[-1]
    chance = math.log(10)  # the loss of a model that gives every digit the same probability
    en = f"train loss {start:.4f} -> {end:.4f} over {len(losses)} epoch(s), validation accuracy {accuracy:.4f}"
    zh = f"{len(losses)} 轮里训练损失 {start:.4f} -> {end:.4f}，验证准确率 {accuracy:.4f}"
    if not all(math.isfinite(loss) and loss < 10 * chance for loss in losses):
        fail("", f"the loss blew up to nan/inf or to huge values ({en}): the steps are so large that the weights "
             "explode. The learning rate is far too large: divide it by 10 or 100.",
             f"损失爆炸成了 nan/inf 或巨大的数（{zh}）：步子太大，权重爆掉了。学习率太大了：把它除以 10 或 100。")
    if end > 0.9 * chance and max(losses) > chance + 0.05:
        fail("", f"the loss jumps around above the level of pure guessing, ln(10) = {chance:.4f} ({en}): every step "
             "overshoots. The learning rate is too large: make it 10 times smaller.",
             f"损失在纯猜测的水平 ln(10) = {chance:.4f} 之上来回跳（{zh}）：每一步都迈过了头。学习率太大了：把它缩小 10 倍。")
    steps = config["epochs"] * math.ceil(1258 / config["batch_size"])
    if end > 0.9 * start and steps < 100:
        fail("", f"the loss hardly went down ({en}): the optimizer took only {steps} steps in all (epochs x batches "
             "per epoch). Train more epochs and/or use smaller batches, so that it takes hundreds of steps.",
             f"损失几乎没有下降（{zh}）：优化器一共只走了 {steps} 步（轮数 x 每轮的批次数）。"
             "多训练几轮、用更小的批次，让它走上几百步。")
    if end > 0.9 * start:
        fail("", f"the loss hardly went down ({en}) although the optimizer took {steps} steps: each step is tiny. "
             "The learning rate is too small: try values 10 or 100 times larger.",
             f"优化器走了 {steps} 步，损失却几乎没有下降（{zh}）：每一步都太小了。学习率太小：试试大 10 倍或 100 倍的值。")
    if accuracy < TARGET:
        if len(losses) < 2 or losses[-1] < 0.95 * losses[-2]:  # still falling
            advice = ("the loss was still falling: train more epochs, use smaller batches (more steps per epoch) or a "
                      "somewhat larger learning rate", "损失还在下降：多训练几轮、用更小的批次（每轮更多步），或把学习率稍微调大")
        else:
            advice = ("the loss is not falling steadily any more: try a smaller learning rate", "损失已经不再稳定下降：试试更小的学习率")
        fail("", f"validation accuracy below {TARGET:.0%} ({en}); {advice[0]}.",
             f"验证准确率低于 {TARGET:.0%}（{zh}）；{advice[1]}。")
