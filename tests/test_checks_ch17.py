"""Chapter 17's checks catch the typical wrong answers with specific hints."""

from __future__ import annotations

import copy
import math

import torch
import torch.nn.functional as F
from torch import nn

from course_utils.checks import evaluate


def stub(*args, **kwargs):
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# --------------------------------------------------------------------------- 17.1 output size


def out_size(size, kernel_size, stride=1, padding=0, dilation=1):
    return (size + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1


def test_conv_output_size():
    assert evaluate("17.1", out_size, "en")[0] == "pass"
    assert evaluate("17.1", lambda h, k, stride=1, padding=0, dilation=1: torch.tensor(out_size(h, k, stride, padding,
                                                                                               dilation)), "en")[0] == "pass"
    status, message = evaluate("17.1", lambda h, k, stride=1, padding=0, dilation=1: (h + 2 * padding - k) // stride + 1,
                               "en")
    assert status == "fail" and "dilation is missing" in message
    status, message = evaluate(
        "17.1", lambda h, k, stride=1, padding=0, dilation=1: (h + padding - dilation * (k - 1) - 1) // stride + 1, "en")
    assert status == "fail" and "2*padding" in message
    status, message = evaluate(
        "17.1", lambda h, k, stride=1, padding=0, dilation=1: (h + 2 * padding - dilation * (k - 1) - 1) // stride, "zh")
    assert status == "fail" and "少了 1" in message
    status, message = evaluate(
        "17.1", lambda h, k, stride=1, padding=0, dilation=1: (h + 2 * padding - dilation * k) // stride + 1, "en")
    assert status == "fail" and "not dilation*kernel_size" in message
    status, message = evaluate(
        "17.1", lambda h, k, stride=1, padding=0, dilation=1: math.ceil(
            (h + 2 * padding - dilation * (k - 1) - 1) / stride) + 1, "en")
    assert status == "fail" and "round DOWN" in message
    status, message = evaluate(
        "17.1", lambda h, k, stride=1, padding=0, dilation=1: (h + 2 * padding - dilation * (k - 1) - 1) / stride + 1,
        "en")
    assert status == "fail" and "instead of /" in message
    status, message = evaluate(
        "17.1", lambda h, k, stride=1, padding=0, dilation=1: float(out_size(h, k, stride, padding, dilation)), "en")
    assert status == "fail" and "a float" in message
    status, message = evaluate("17.1", lambda h, k, stride=2, padding=0, dilation=1: out_size(h, k, stride, padding,
                                                                                              dilation), "en")
    assert status == "fail" and "defaults" in message
    assert evaluate("17.1", stub, "en")[0] == "todo"


# --------------------------------------------------------------------------- 17.2 receptive field


def receptive_field(layers):
    r, j = 1, 1
    for k, s, d in layers:
        r += (k - 1) * d * j
        j *= s
    return r


def test_receptive_field():
    assert evaluate("17.2", receptive_field, "en")[0] == "pass"
    status, message = evaluate("17.2", lambda layers: 1 + sum((k - 1) * d for k, s, d in layers), "en")
    assert status == "fail" and "strides are missing" in message

    def stride_first(layers):
        r, j = 1, 1
        for k, s, d in layers:
            j *= s
            r += (k - 1) * d * j
        return r

    status, message = evaluate("17.2", stride_first, "en")
    assert status == "fail" and "own stride before using it" in message
    status, message = evaluate("17.2", lambda layers: receptive_field([(k, s, 1) for k, s, _ in layers]), "zh")
    assert status == "fail" and "漏了空洞" in message
    status, message = evaluate("17.2", lambda layers: receptive_field(layers) - 1, "en")
    assert status == "fail" and "start from r = 1" in message
    status, message = evaluate("17.2", lambda layers: sum(k for k, _, _ in layers) or 1, "en")
    assert status == "fail" and "counts the overlap twice" in message
    assert evaluate("17.2", stub, "en")[0] == "todo"


# --------------------------------------------------------------------------- 17.3 residual block


class Block(nn.Module):
    def __init__(self, in_channels, out_channels, stride=1, *, always_project=False, add=True, relu_last=True,
                 padding=1, shortcut_bn=True):
        super().__init__()
        self.add, self.relu_last = add, relu_last
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=padding, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=padding, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        if stride == 1 and in_channels == out_channels and not always_project:
            self.shortcut = nn.Identity()
        else:
            layers = [nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)]
            if shortcut_bn:
                layers.append(nn.BatchNorm2d(out_channels))
            self.shortcut = nn.Sequential(*layers)

    def forward(self, x):
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        if self.add:
            out = out + self.shortcut(x)
        return F.relu(out) if self.relu_last else out


def variant(**options):
    return lambda in_channels, out_channels, stride=1: Block(in_channels, out_channels, stride, **options)


def test_residual_block():
    assert evaluate("17.3", Block, "en")[0] == "pass"
    assert evaluate("17.3", variant(shortcut_bn=False), "en")[0] == "pass"
    status, message = evaluate("17.3", variant(always_project=True), "en")
    assert status == "fail" and "should be the identity" in message
    status, message = evaluate("17.3", variant(add=False), "en")
    assert status == "fail" and "shortcut is not added" in message
    status, message = evaluate("17.3", variant(relu_last=False), "en")
    assert status == "fail" and "ReLU AFTER adding" in message
    status, message = evaluate("17.3", variant(padding=0), "en")
    assert status == "fail" and "padding=1" in message

    class NoProjection(Block):
        def __init__(self, in_channels, out_channels, stride=1):
            super().__init__(in_channels, out_channels, stride)
            self.shortcut = nn.Identity()

    status, message = evaluate("17.3", NoProjection, "zh")
    assert status == "fail" and "1×1" in message

    class WrongStride(Block):
        def __init__(self, in_channels, out_channels, stride=1):
            super().__init__(in_channels, out_channels, stride)
            if not isinstance(self.shortcut, nn.Identity):
                self.shortcut = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, bias=False),
                                              nn.BatchNorm2d(out_channels), nn.MaxPool2d(stride))

    status, message = evaluate("17.3", WrongStride, "en")
    assert status == "fail" and "stride=2" in message

    class Unregistered(nn.Module):
        def __init__(self, in_channels, out_channels, stride=1):
            super().__init__()

    status, message = evaluate("17.3", Unregistered, "en")
    assert status == "fail" and "has no parameters" in message
    assert evaluate("17.3", stub, "en")[0] == "todo"


# --------------------------------------------------------------------------- 17.4 predict


def predict(model, images):
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return model(images).argmax(dim=1)
    finally:
        model.train(was_training)


def test_predict():
    assert evaluate("17.4", predict, "en")[0] == "pass"

    def on_a_copy(model, images):
        copy_ = copy.deepcopy(model).eval()
        with torch.inference_mode():
            return copy_(images).argmax(dim=1)

    assert evaluate("17.4", on_a_copy, "en")[0] == "pass"

    def forgot_eval(model, images):
        with torch.no_grad():
            return model(images).argmax(dim=1)

    status, message = evaluate("17.4", forgot_eval, "en")
    assert status == "fail" and "training mode" in message and "model.eval()" in message

    def forgot_no_grad(model, images):
        was_training = model.training
        model.eval()
        out = model(images).argmax(dim=1)
        model.train(was_training)
        return out

    status, message = evaluate("17.4", forgot_no_grad, "en")
    assert status == "fail" and "torch.no_grad()" in message

    def no_restore(model, images):
        model.eval()
        with torch.no_grad():
            return model(images).argmax(dim=1)

    status, message = evaluate("17.4", no_restore, "en")
    assert status == "fail" and "was_training = model.training" in message

    def always_train(model, images):
        model.eval()
        with torch.no_grad():
            out = model(images).argmax(dim=1)
        model.train()
        return out

    status, message = evaluate("17.4", always_train, "zh")
    assert status == "fail" and "model.train(was_training)" in message and "一律" in message

    def logits(model, images):
        was_training = model.training
        model.eval()
        with torch.no_grad():
            out = model(images)
        model.train(was_training)
        return out

    status, message = evaluate("17.4", logits, "en")
    assert status == "fail" and "returned the logits" in message
    assert evaluate("17.4", stub, "en")[0] == "todo"


def test_predict_keeps_the_notebook_random_state():
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    evaluate("17.4", predict, "en")
    assert torch.equal(torch.rand(3), expected)


# --------------------------------------------------------------------------- 17.5 new head


def new_head(model, num_classes, lr):
    model.fc = nn.Linear(model.fc.in_features, num_classes)
    body = [p for name, p in model.named_parameters() if not name.startswith("fc.")]
    return torch.optim.AdamW([{"params": body, "lr": lr / 10}, {"params": model.fc.parameters(), "lr": lr}])


def test_new_head():
    assert evaluate("17.5", new_head, "en")[0] == "pass"

    def sgd(model, num_classes, lr):
        model.fc = nn.Linear(model.fc.in_features, num_classes)
        head = set(model.fc.parameters())
        body = [p for p in model.parameters() if p not in head]
        return torch.optim.SGD([{"params": model.fc.parameters()}, {"params": body, "lr": lr / 10}], lr=lr)

    assert evaluate("17.5", sgd, "en")[0] == "pass"

    def optimizer_first(model, num_classes, lr):
        body = [p for name, p in model.named_parameters() if not name.startswith("fc.")]
        optimizer = torch.optim.AdamW([{"params": body, "lr": lr / 10}, {"params": model.fc.parameters(), "lr": lr}])
        model.fc = nn.Linear(model.fc.in_features, num_classes)
        return optimizer

    status, message = evaluate("17.5", optimizer_first, "en")
    assert status == "fail" and "OLD head" in message

    def same_lr(model, num_classes, lr):
        model.fc = nn.Linear(model.fc.in_features, num_classes)
        return torch.optim.AdamW(model.parameters(), lr=lr)

    status, message = evaluate("17.5", same_lr, "en")
    assert status == "fail" and "two parameter groups" in message

    def swapped(model, num_classes, lr):
        model.fc = nn.Linear(model.fc.in_features, num_classes)
        body = [p for name, p in model.named_parameters() if not name.startswith("fc.")]
        return torch.optim.AdamW([{"params": body, "lr": lr}, {"params": model.fc.parameters(), "lr": lr / 10}])

    status, message = evaluate("17.5", swapped, "en")
    assert status == "fail" and "swapped" in message

    def frozen(model, num_classes, lr):
        model.fc = nn.Linear(model.fc.in_features, num_classes)
        for name, p in model.named_parameters():
            p.requires_grad_(name.startswith("fc."))
        return torch.optim.AdamW(model.fc.parameters(), lr=lr)

    status, message = evaluate("17.5", frozen, "en")
    assert status == "fail" and "not frozen" in message

    def no_new_head(model, num_classes, lr):
        body = [p for name, p in model.named_parameters() if not name.startswith("fc.")]
        return torch.optim.AdamW([{"params": body, "lr": lr / 10}, {"params": model.fc.parameters(), "lr": lr}])

    status, message = evaluate("17.5", no_new_head, "en")
    assert status == "fail" and "replace it" in message

    def wrong_size(model, num_classes, lr):
        return new_head(model, num_classes + 1, lr)

    status, message = evaluate("17.5", wrong_size, "en")
    assert status == "fail" and "one output per class" in message
    assert evaluate("17.5", stub, "en")[0] == "todo"
