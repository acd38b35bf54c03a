"""Checks for 17_cnn.

Every checker builds its own small inputs and models on the CPU and runs inside
``private_rng``: checking an answer never changes the notebook's random state.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from .engine import checker
from .vocabulary import (
    Mistake,
    as_number,
    diagnose,
    expect_callable,
    expect_returned,
    fail,
    observed,
    private_rng,
)

# --------------------------------------------------------------------------- 17.1


def _number_mistake(wrong: Any, en: str, zh: str) -> Mistake:
    """A Mistake whose wrong answer is a whole number, compared as a float like the student's result."""
    def as_float(*inputs: Any) -> float | None:
        value = wrong(*inputs)
        return None if value is None else float(value)
    return Mistake(as_float, en, zh)


def _out_size(h: int, k: int, s: int, p: int, d: int) -> int:
    return (h + 2 * p - d * (k - 1) - 1) // s + 1


#: (size, kernel_size, stride, padding, dilation): each mistake below gives another number on some case.
SIZE_CASES = [(10, 3, 1, 0, 1), (10, 3, 1, 1, 1), (32, 3, 2, 1, 1), (9, 3, 2, 0, 1), (224, 7, 2, 3, 1),
              (10, 3, 1, 2, 2), (28, 5, 3, 1, 2), (8, 2, 2, 0, 1)]

SIZE_MISTAKES = [
    _number_mistake(lambda h, k, s, p, d: (h + 2 * p - k) // s + 1 if d > 1 else None,
            "the dilation is missing. A kernel of size k with dilation d spans d*(k-1)+1 pixels, so the "
            "numerator is size + 2*padding - dilation*(kernel_size-1) - 1.",
            "漏了空洞。空洞为 d、大小为 k 的卷积核覆盖 d*(k-1)+1 个像素，所以分子是 size + 2*padding - dilation*(kernel_size-1) - 1。"),
    _number_mistake(lambda h, k, s, p, d: (h + p - d * (k - 1) - 1) // s + 1 if p > 0 else None,
            "the padding is added on both sides (top and bottom, left and right): use 2*padding.",
            "填充是两边都加（上下、左右各 padding 圈）：要用 2*padding。"),
    _number_mistake(lambda h, k, s, p, d: (h + 2 * p - d * k) // s + 1 if d > 1 else None,
            "the kernel's span is dilation*(kernel_size-1)+1, not dilation*kernel_size: the dilation adds "
            "gaps BETWEEN the kernel's elements.",
            "卷积核的跨度是 dilation*(kernel_size-1)+1，不是 dilation*kernel_size：空洞只在卷积核的元素**之间**加空隙。"),
    _number_mistake(lambda h, k, s, p, d: (h + 2 * p - d * (k - 1) - 1) // s,
            "one too few: the formula ends with + 1 (the kernel's first position counts too).",
            "少了 1：公式最后要 + 1（卷积核的第一个位置也算一个输出）。"),
    _number_mistake(lambda h, k, s, p, d: math.ceil((h + 2 * p - d * (k - 1) - 1) / s) + 1
            if (h + 2 * p - d * (k - 1) - 1) % s else None,
            "round DOWN: the division by the stride is a floor (use //). A kernel position that would stick "
            "out past the padding is not used.",
            "要向下取整：除以步长时取 floor（用 //）。超出填充范围的卷积核位置不算。"),
]


@checker("17.1")
def check_conv_output_size(conv_output_size) -> None:
    expect_callable(conv_output_size)
    for h, k, s, p, d in SIZE_CASES:
        call = f"conv_output_size({h}, kernel_size={k}, stride={s}, padding={p}, dilation={d})"
        result = conv_output_size(h, k, stride=s, padding=p, dilation=d)
        got = as_number(result, call)
        expected = _out_size(h, k, s, p, d)
        if isinstance(result, float) or (isinstance(result, torch.Tensor) and result.is_floating_point()):
            if got == expected:
                fail(call, f"returned {result!r}, a float: a size is a whole number. Use // (floor division) "
                     "instead of /, or int(...).",
                     f"返回了浮点数 {result!r}：尺寸是整数。请用 //（整除）代替 /，或者 int(...)。")
            if got == (h + 2 * p - d * (k - 1) - 1) / s + 1:
                fail(call, f"returned {got:g}: the division by the stride must round down. Use // instead of /.",
                     f"返回了 {got:g}：除以步长要向下取整。请用 // 代替 /。")
        diagnose(got, float(expected), SIZE_MISTAKES, call, h, k, s, p, d,
                 otherwise=(f"expected {expected}, got {got:g}. "
                            "H_out = (size + 2*padding - dilation*(kernel_size-1) - 1) // stride + 1.",
                            f"应为 {expected}，实际得到 {got:g}。"
                            "H_out = (size + 2*padding - dilation*(kernel_size-1) - 1) // stride + 1。"))
    # the default arguments: stride 1, no padding, no dilation
    call = "conv_output_size(12, 5)"
    got = as_number(conv_output_size(12, 5), call)
    if got != 8:
        fail(call, f"with the defaults (stride=1, padding=0, dilation=1) expected 8, got {got:g}.",
             f"用默认参数（stride=1, padding=0, dilation=1）应为 8，实际得到 {got:g}。")


# --------------------------------------------------------------------------- 17.2


def _receptive_field(layers: list[tuple[int, int, int]]) -> int:
    r, j = 1, 1
    for k, s, d in layers:
        r, j = r + (k - 1) * d * j, j * s
    return r


def _rf_stride_first(layers: list[tuple[int, int, int]]) -> int:
    r, j = 1, 1
    for k, s, d in layers:
        j = j * s
        r = r + (k - 1) * d * j
    return r


RF_CASES: list[list[tuple[int, int, int]]] = [
    [(3, 1, 1)],
    [(3, 1, 1), (3, 1, 1)],
    [(3, 2, 1), (3, 1, 1)],
    [(7, 2, 1), (3, 2, 1), (3, 1, 1)],
    [(3, 1, 1), (3, 1, 2), (3, 1, 4)],
    [(3, 2, 2), (5, 1, 1), (2, 2, 1), (3, 1, 1)],
    [],
]

RF_MISTAKES = [
    _number_mistake(lambda layers: 1 + sum((k - 1) * d for k, s, d in layers) if any(s > 1 for _, s, _ in layers) else None,
            "the strides are missing. After a layer with stride s, one step of the next layer moves s pixels of "
            "the input: keep the jump j (the product of the strides so far) and add (k-1)*d*j per layer.",
            "漏了步长。经过步长为 s 的一层后，下一层挪一格相当于在输入上挪 s 个像素：记下 j（之前所有步长的乘积），每层加 (k-1)*d*j。"),
    _number_mistake(lambda layers: _rf_stride_first(layers) if any(s > 1 for _, s, _ in layers) else None,
            "you multiplied in a layer's own stride before using it. A layer's stride only spreads out the "
            "layers AFTER it: add (k-1)*d*j first, then update j = j*s.",
            "你先乘上了这一层自己的步长再用。一层的步长只影响它**后面**的层：先加 (k-1)*d*j，再更新 j = j*s。"),
    _number_mistake(lambda layers: _receptive_field([(k, s, 1) for k, s, d in layers])
            if any(d > 1 for _, _, d in layers) else None,
            "the dilation is missing: a kernel of size k with dilation d spans d*(k-1)+1 pixels, so each layer "
            "adds (k-1)*d*j.",
            "漏了空洞：空洞为 d、大小为 k 的卷积核覆盖 d*(k-1)+1 个像素，所以每层加 (k-1)*d*j。"),
    _number_mistake(lambda layers: _receptive_field(layers) - 1 if layers else None,
            "one too few: start from r = 1 (before any layer, an output 'sees' exactly one pixel).",
            "少了 1：从 r = 1 开始（还没有任何层时，一个输出正好“看到”一个像素）。"),
    _number_mistake(lambda layers: sum(k for k, _, _ in layers) if len(layers) > 1 else None,
            "adding the kernel sizes counts the overlap twice: two 3x3 layers see 5 pixels, not 6. "
            "Each layer adds (k-1)*d*j.",
            "把卷积核大小直接相加会把重叠部分算两次：两层 3×3 看到 5 个像素，不是 6 个。每层加 (k-1)*d*j。"),
]


@checker("17.2")
def check_receptive_field(receptive_field) -> None:
    expect_callable(receptive_field)
    for layers in RF_CASES:
        call = f"receptive_field({layers})"
        got = as_number(receptive_field([tuple(layer) for layer in layers]), call)
        diagnose(got, float(_receptive_field(layers)), RF_MISTAKES, call, layers,
                 otherwise=(f"expected {_receptive_field(layers)}, got {got:g}. Start with r = j = 1; for each "
                            "(k, s, d): r += (k-1)*d*j, then j *= s.",
                            f"应为 {_receptive_field(layers)}，实际得到 {got:g}。从 r = j = 1 开始；"
                            "对每个 (k, s, d)：r += (k-1)*d*j，然后 j *= s。"))


# --------------------------------------------------------------------------- 17.3


def _convs(block: nn.Module, size: int) -> list[nn.Conv2d]:
    return [m for m in block.modules() if isinstance(m, nn.Conv2d) and m.kernel_size == (size, size)]


def _forward(block: nn.Module, x: torch.Tensor, call: str) -> torch.Tensor:
    try:
        return block(x)
    except RuntimeError as error:
        if "size of tensor" in str(error) or "must match" in str(error):
            fail(call, f"the two branches have different shapes and cannot be added ({error}). The 3x3 convs need "
                 "padding=1 (only the first one gets the stride), and when the channels or the stride change the "
                 "shortcut must be a 1x1 conv with out_channels and the same stride.",
                 f"两条支路形状不同，无法相加（{error}）。3×3 卷积要 padding=1（只有第一个用步长）；"
                 "通道数或步长改变时，捷径要用输出通道为 out_channels、步长相同的 1×1 卷积。")
        if "expected input" in str(error) and "channels" in str(error):
            fail(call, f"a conv got the wrong number of channels ({error}). The first 3x3 conv goes from "
                 "in_channels to out_channels, the second from out_channels to out_channels.",
                 f"某个卷积收到的通道数不对（{error}）。第一个 3×3 卷积从 in_channels 到 out_channels，"
                 "第二个从 out_channels 到 out_channels。")
        raise


@checker("17.3")
def check_residual_block(ResidualBlock) -> None:  # noqa: N803 - the exercise asks for a class
    expect_callable(ResidualBlock)
    with private_rng(17):
        x = torch.randn(2, 8, 6, 6)
        for in_c, out_c, stride in [(8, 8, 1), (8, 16, 1), (8, 16, 2), (8, 8, 2)]:
            call = f"ResidualBlock({in_c}, {out_c}, stride={stride})"
            block = ResidualBlock(in_c, out_c, stride=stride)
            if not isinstance(block, nn.Module):
                fail(call, f"should be an nn.Module, got a {type(block).__name__}.",
                     f"应该是 nn.Module，实际得到 {type(block).__name__}。")
            if not list(block.parameters()):
                fail(call, "has no parameters. Create the layers in __init__ (after super().__init__()) and "
                     "assign them to self, so that the module registers them.",
                     "没有参数。请在 __init__ 里（super().__init__() 之后）创建各层并赋给 self，模块才会登记它们。")
            block.train()
            out = expect_returned(_forward(block, x, call + "(x)"), call + "(x)")
            size = (6 + 2 - 3) // stride + 1
            expected_shape = (2, out_c, size, size)
            if not isinstance(out, torch.Tensor) or tuple(out.shape) != expected_shape:
                shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
                fail(call + "(x)", f"for x of shape (2, {in_c}, 6, 6) expected shape {expected_shape}, got {shape}.",
                     f"输入形状为 (2, {in_c}, 6, 6) 时，输出形状应为 {expected_shape}，实际得到 {shape}。")
            threes, ones = _convs(block, 3), _convs(block, 1)
            if len(threes) != 2:
                fail(call, f"expected two 3x3 convs, found {len(threes)}.", f"应有两个 3×3 卷积，实际有 {len(threes)} 个。")
            needs_projection = stride != 1 or in_c != out_c
            if not needs_projection and ones:
                fail(call, "the shapes do not change here, so the shortcut should be the identity (x itself): "
                     "a 1x1 conv adds parameters and work for nothing. Use it only when the channels or the "
                     "stride change.",
                     "这里形状不变，捷径应是恒等映射（x 本身）：1×1 卷积白白增加参数和计算。只在通道数或步长改变时才用它。")
            if needs_projection:
                if len(ones) != 1:
                    fail(call, f"the shape changes here, so the shortcut needs exactly one 1x1 conv (found {len(ones)}).",
                         f"这里形状改变了，捷径需要恰好一个 1×1 卷积（实际有 {len(ones)} 个）。")
                proj = ones[0]
                if (proj.in_channels, proj.out_channels, proj.stride) != (in_c, out_c, (stride, stride)):
                    fail(call, f"the 1x1 projection should be Conv2d({in_c}, {out_c}, 1, stride={stride}), got "
                         f"Conv2d({proj.in_channels}, {proj.out_channels}, 1, stride={proj.stride[0]}).",
                         f"1×1 投影应为 Conv2d({in_c}, {out_c}, 1, stride={stride})，实际是 "
                         f"Conv2d({proj.in_channels}, {proj.out_channels}, 1, stride={proj.stride[0]})。")
            # switch the residual branch off: with its 3x3 convs at zero (BatchNorm of a constant gives 0 in
            # train mode), a correct block returns ReLU(shortcut(x))
            with torch.no_grad():
                for conv in threes:
                    conv.weight.zero_()
                    if conv.bias is not None:
                        conv.bias.zero_()
                off = block(x)
                if needs_projection:
                    shortcut = ones[0](x)
                    normalised = nn.functional.batch_norm(shortcut, None, None, training=True)
                    candidates = [shortcut.relu(), normalised.relu()]
                    plain = [shortcut, normalised]
                else:
                    candidates, plain = [x.relu()], [x]
            if torch.allclose(off, torch.zeros_like(off), atol=1e-6):
                fail(call, "with the residual branch F switched off (its convs set to 0) the block returns 0: the "
                     "shortcut is not added. forward must return relu(F(x) + shortcut(x)).",
                     "把残差支路 F 关掉（卷积权重设为 0）后，这个块输出全是 0：没有加上捷径。forward 应返回 relu(F(x) + shortcut(x))。")
            if any(c.shape == off.shape and torch.allclose(off, c, atol=1e-4) for c in plain) and \
                    not any(c.shape == off.shape and torch.allclose(off, c, atol=1e-4) for c in candidates):
                fail(call, "the output has negative values: apply the ReLU AFTER adding the shortcut, "
                     "relu(F(x) + shortcut(x)).",
                     "输出里有负数：要在加上捷径**之后**再做 ReLU：relu(F(x) + shortcut(x))。")
            if not any(c.shape == off.shape and torch.allclose(off, c, atol=1e-4) for c in candidates):
                fail(call, "with the residual branch F switched off (its 3x3 convs set to 0), the block should "
                     "return relu(shortcut(x)), and it does not. Check that F(x) is conv-BN-ReLU-conv-BN, that "
                     "the shortcut is x itself (or a 1x1 conv and BN when the shape changes), and that forward "
                     "returns relu(F(x) + shortcut(x)).",
                     "把残差支路 F 关掉（3×3 卷积设为 0）后，这个块应返回 relu(shortcut(x))，但实际不是。请检查："
                     "F(x) 是 conv-BN-ReLU-conv-BN；捷径是 x 本身（形状改变时是 1×1 卷积加 BN）；forward 返回 relu(F(x) + shortcut(x))。")


# --------------------------------------------------------------------------- 17.4


_CALLS: list[tuple[bool, bool]] = []  # (training, grad enabled) of each call of a _Probe


@observed
def _record_call(training: bool, grad_enabled: bool) -> None:
    _CALLS.append((training, grad_enabled))


class _Probe(nn.Module):
    """Passes its input through and records the mode each call ran in, in ``_CALLS`` (a deep copy
    of the model records there too; so does a model graded in a sandbox)."""

    def __init__(self) -> None:
        super().__init__()
        self.record = _record_call

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.record(self.training, torch.is_grad_enabled())
        return x


def _bn_model() -> nn.Sequential:
    """A tiny CNN whose BatchNorm has running statistics far from any one batch's."""
    model = nn.Sequential(_Probe(), nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3))
    with torch.no_grad():
        model[2].running_mean.copy_(torch.tensor([0.5, -0.3, 0.2, 0.1]))
        model[2].running_var.copy_(torch.tensor([4.0, 0.5, 2.0, 1.5]))
    return model


@checker("17.4")
def check_predict(predict) -> None:
    expect_callable(predict)
    with private_rng(174):
        images = torch.randn(6, 1, 5, 5) * 2 + 1
        for start_in_train in (True, False):
            for batch in (images, images[:1]):
                model = _bn_model()
                model.eval()
                with torch.no_grad():
                    expected = model(batch).argmax(dim=1)
                model.train(start_in_train)
                before = {k: v.clone() for k, v in model.state_dict().items()}
                _CALLS.clear()
                mode = "train" if start_in_train else "eval"
                call = f"predict(model in {mode} mode, images of shape {tuple(batch.shape)})"
                result = expect_returned(predict(model, batch.clone()), call)
                changed = not all(torch.equal(before[k], v) for k, v in model.state_dict().items())
                if _CALLS and _CALLS[0][0]:
                    fail(call, "the model ran in training mode, so BatchNorm normalised with the statistics of "
                         "this batch (and updated its running statistics). Call model.eval() before the forward "
                         "pass.",
                         "模型是在训练模式下运行的，于是 BatchNorm 用了这个批次的统计量（还改写了 running 统计量）。"
                         "前向传播之前要调用 model.eval()。")
                if changed:
                    fail(call, "the model's state_dict (BatchNorm's running statistics) changed: predicting must "
                         "leave the model as it was. Run the forward pass in eval mode.",
                         "模型的 state_dict（BatchNorm 的 running 统计量）变了：预测不能改动模型。请在 eval 模式下做前向传播。")
                if _CALLS and _CALLS[0][1]:
                    fail(call, "the forward pass recorded a graph for backward. Wrap it in torch.no_grad() (or "
                         "torch.inference_mode()): prediction needs no gradients.",
                         "前向传播记录了反向传播用的计算图。请把它放进 torch.no_grad()（或 torch.inference_mode()）：预测不需要梯度。")
                if not isinstance(result, torch.Tensor):
                    fail(call, f"should return a tensor of class indices, got a {type(result).__name__}.",
                         f"应返回类别编号的张量，实际得到 {type(result).__name__}。")
                if result.shape == (len(batch), 3):
                    fail(call, "returned the logits, shape (N, 3); return the predicted classes: "
                         "logits.argmax(dim=1), shape (N,).",
                         "返回了 logits（形状 (N, 3)）；应返回预测的类别：logits.argmax(dim=1)，形状 (N,)。")
                if result.shape != expected.shape or not torch.equal(result.long(), expected):
                    fail(call, f"expected the classes {expected.tolist()}, got {result.tolist()}.",
                         f"应为类别 {expected.tolist()}，实际得到 {result.tolist()}。")
                if model.training != start_in_train:
                    if start_in_train:
                        fail(call, "the model was in train mode and is left in eval mode: the next training step "
                             "would silently run without Dropout and with frozen BatchNorm statistics. Remember "
                             "was_training = model.training first, and call model.train(was_training) at the end.",
                             "模型原来在训练模式，现在被留在了 eval 模式：接下来的训练会悄悄地不用 Dropout、BatchNorm 统计量也不再更新。"
                             "先记下 was_training = model.training，最后调用 model.train(was_training)。")
                    fail(call, "the model was in eval mode and is left in train mode: restore the mode it had, "
                         "model.train(was_training), instead of always calling model.train().",
                         "模型原来在 eval 模式，现在被留在了训练模式：要恢复它原来的模式 model.train(was_training)，而不是一律调用 model.train()。")


# --------------------------------------------------------------------------- 17.5


class _Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                                  nn.Flatten())
        self.fc = nn.Linear(4, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.body(x))


def _ids(params: Any) -> set[int]:
    return {id(p) for p in params}


@checker("17.5")
def check_new_head(new_head_and_optimizer) -> None:
    expect_callable(new_head_and_optimizer)
    with private_rng(175):
        for num_classes, lr in [(3, 0.01), (7, 0.002)]:
            model = _Net()
            old_head = _ids(model.fc.parameters())
            body = _ids(model.body.parameters())
            call = f"new_head_and_optimizer(model, num_classes={num_classes}, lr={lr})"
            optimizer = expect_returned(new_head_and_optimizer(model, num_classes, lr), call)
            if not isinstance(optimizer, torch.optim.Optimizer):
                fail(call, f"should return the optimizer, got a {type(optimizer).__name__}.",
                     f"应返回优化器，实际得到 {type(optimizer).__name__}。")
            head = model.fc
            if not isinstance(head, nn.Linear):
                fail(call, f"model.fc should be a new nn.Linear, got a {type(head).__name__}.",
                     f"model.fc 应是一个新的 nn.Linear，实际是 {type(head).__name__}。")
            if _ids(head.parameters()) == old_head or head.out_features == 10:
                fail(call, f"model.fc still has {head.out_features} outputs: replace it, "
                     f"model.fc = nn.Linear(model.fc.in_features, num_classes).",
                     f"model.fc 仍有 {head.out_features} 个输出：要把它换掉：model.fc = nn.Linear(model.fc.in_features, num_classes)。")
            if (head.in_features, head.out_features) != (4, num_classes):
                fail(call, f"the new head should be nn.Linear({4}, {num_classes}) (in_features from the old head, "
                     f"one output per class), got nn.Linear({head.in_features}, {head.out_features}).",
                     f"新头应是 nn.Linear(4, {num_classes})（输入维数取自旧的头，每个类别一个输出），"
                     f"实际是 nn.Linear({head.in_features}, {head.out_features})。")
            new_head = _ids(head.parameters())
            groups = optimizer.param_groups
            in_optimizer = set().union(*(_ids(g["params"]) for g in groups))
            if in_optimizer & old_head:
                fail(call, "the optimizer holds the OLD head's parameters: it was built before model.fc was "
                     "replaced, so the new head would never be trained. Replace the head first, then build the "
                     "optimizer.",
                     "优化器里是**旧**头的参数：它是在替换 model.fc 之前创建的，新头永远不会被训练。先换头，再创建优化器。")
            if not new_head <= in_optimizer:
                fail(call, "the new head's parameters are not in the optimizer.", "新头的参数不在优化器里。")
            if not body <= in_optimizer:
                fail(call, "some of the body's parameters are not in the optimizer. This exercise fine-tunes the "
                     "whole model: the body too, with a smaller learning rate (not frozen).",
                     "主体的部分参数不在优化器里。这道题微调整个模型：主体也要训练，只是学习率更小（不是冻结）。")
            if not all(p.requires_grad for p in model.parameters()):
                fail(call, "some parameters have requires_grad=False: here the body is fine-tuned, not frozen.",
                     "有些参数的 requires_grad=False：这里主体是微调，不是冻结。")
            lr_of = {}
            for group in groups:
                for p in group["params"]:
                    lr_of[id(p)] = group["lr"]
            head_lrs = {lr_of[i] for i in new_head}
            body_lrs = {lr_of[i] for i in body}
            if len(groups) < 2 or head_lrs == body_lrs:
                fail(call, f"every parameter has the same learning rate ({sorted(head_lrs | body_lrs)}). Use two "
                     "parameter groups: [{'params': body_params, 'lr': lr / 10}, {'params': model.fc.parameters(), "
                     "'lr': lr}].",
                     f"所有参数的学习率都一样（{sorted(head_lrs | body_lrs)}）。请用两个参数组："
                     "[{'params': 主体参数, 'lr': lr / 10}, {'params': model.fc.parameters(), 'lr': lr}]。")
            if head_lrs == {lr / 10} and body_lrs == {lr}:
                fail(call, "the learning rates are swapped: the new head (random weights) gets the full lr, "
                     "the pretrained body the smaller lr / 10.",
                     "学习率弄反了：新头（随机权重）用完整的 lr，预训练好的主体用更小的 lr / 10。")
            if len(head_lrs) != 1 or not math.isclose(head_lrs.pop(), lr):
                fail(call, f"the new head's learning rate should be lr = {lr}.", f"新头的学习率应为 lr = {lr}。")
            if len(body_lrs) != 1 or not math.isclose(body_lrs.pop(), lr / 10):
                fail(call, f"the body's learning rate should be lr / 10 = {lr / 10:g}.",
                     f"主体的学习率应为 lr / 10 = {lr / 10:g}。")
