"""Chapter 09's checks catch the typical wrong answers with specific hints."""

from __future__ import annotations

import copy

import torch
from torch import nn

from course_utils.checks import evaluate


def stub(*args):
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# --------------------------------------------------------------------------- 09.1 accuracy


def test_accuracy():
    assert evaluate("09.1", lambda logits, t: (logits.argmax(dim=1) == t).float().mean().item(), "en")[0] == "pass"
    assert evaluate("09.1", lambda logits, t: (logits.argmax(dim=1) == t).float().mean(), "en")[0] == "pass"
    status, message = evaluate("09.1", lambda logits, t: (logits == t).float().mean().item(), "en")
    assert status == "fail" and "logits.argmax(dim=1)" in message and "shape mismatch" in message
    status, message = evaluate("09.1", lambda logits, t: (logits.argmax(dim=1) == t).sum().item(), "en")
    assert status == "fail" and "NUMBER of correct predictions" in message
    status, message = evaluate("09.1", lambda logits, t: (logits.argmax(dim=1) == t).sum().item() // len(t), "en")
    assert status == "fail" and "integer division" in message
    status, message = evaluate("09.1", lambda logits, t: (logits.argmax(dim=0) == t).float().mean().item(), "en")
    assert status == "fail" and ("wrong dimension" in message or "shape mismatch" in message)
    status, message = evaluate("09.1", lambda logits, t: 100 * (logits.argmax(1) == t).float().mean().item(), "zh")
    assert status == "fail" and "百分数" in message
    assert evaluate("09.1", stub, "en")[0] == "todo"


def test_accuracy_wrong_dimension_on_square_logits():
    # with as many examples as classes the shapes match, so only the value can tell
    def accuracy(logits, targets):
        if logits.shape[0] == logits.shape[1]:
            return (logits.argmax(dim=0) == targets).float().mean().item()
        return (logits.argmax(dim=1) == targets).float().mean().item()

    status, message = evaluate("09.1", accuracy, "en")
    assert status == "fail" and "wrong dimension" in message


# --------------------------------------------------------------------------- 09.2 confusion matrix


def confusion(preds, targets, num_classes):
    cm = torch.zeros(num_classes, num_classes, dtype=torch.int64)
    for t, p in zip(targets.tolist(), preds.tolist()):
        cm[t, p] += 1
    return cm


def test_confusion_matrix():
    assert evaluate("09.2", confusion, "en")[0] == "pass"
    assert evaluate("09.2", lambda p, t, n: confusion(p, t, n).float().numpy(), "en")[0] == "pass"
    status, message = evaluate("09.2", lambda p, t, n: confusion(p, t, n).T, "en")
    assert status == "fail" and "rows and columns are swapped" in message and "cm[t, p] += 1" in message
    status, message = evaluate("09.2", lambda p, t, n: confusion(t, p, n), "zh")
    assert status == "fail" and "行和列弄反了" in message
    status, message = evaluate("09.2", lambda p, t, n: confusion(p, t, int(max(p.max(), t.max())) + 1), "en")
    assert status == "fail" and "Use num_classes for the size" in message
    status, message = evaluate("09.2", lambda p, t, n: confusion(p, t, n) / len(t), "en")
    assert status == "fail" and "holds fractions" in message
    assert evaluate("09.2", stub, "en")[0] == "todo"


# --------------------------------------------------------------------------- 09.3 evaluation


def evaluate_accuracy(model, loader, device):
    model.eval()
    correct = count = 0
    with torch.no_grad():
        for inputs, targets in loader:
            inputs, targets = inputs.to(device), targets.to(device)
            correct += (model(inputs).argmax(dim=1) == targets).sum().item()
            count += len(targets)
    return correct / count


def test_evaluate_accuracy():
    assert evaluate("09.3", evaluate_accuracy, "en")[0] == "pass"

    def inference_mode(model, loader, device):
        with torch.inference_mode():
            return evaluate_accuracy(model, loader, device)

    assert evaluate("09.3", inference_mode, "en")[0] == "pass"

    def forgot_eval(model, loader, device):
        correct = count = 0
        with torch.no_grad():
            for inputs, targets in loader:
                correct += (model(inputs).argmax(dim=1) == targets).sum().item()
                count += len(targets)
        return correct / count

    status, message = evaluate("09.3", forgot_eval, "en")
    assert status == "fail" and "training mode" in message and "model.eval()" in message

    def forgot_no_grad(model, loader, device):
        model.eval()
        correct = count = 0
        for inputs, targets in loader:
            correct += (model(inputs).argmax(dim=1) == targets).sum().item()
            count += len(targets)
        return correct / count

    status, message = evaluate("09.3", forgot_no_grad, "en")
    assert status == "fail" and "torch.no_grad()" in message
    status, message = evaluate("09.3", forgot_no_grad, "zh")
    assert status == "fail" and "torch.no_grad()" in message and "梯度记录" in message

    def mean_of_batches(model, loader, device):
        model.eval()
        with torch.no_grad():
            accs = [(model(x).argmax(dim=1) == y).float().mean().item() for x, y in loader]
        return sum(accs) / len(accs)

    status, message = evaluate("09.3", mean_of_batches, "en")
    assert status == "fail" and "averaged the accuracies of the batches" in message
    assert evaluate("09.3", stub, "en")[0] == "todo"


def test_evaluate_accuracy_must_move_the_batches_to_device():
    def ignores_device(model, loader, device):
        model.eval()
        correct = count = 0
        with torch.no_grad():
            for inputs, targets in loader:
                correct += (model(inputs).argmax(dim=1) == targets).sum().item()
                count += len(targets)
        return correct / count

    def moves_only_the_model(model, loader, device):
        model.to(device)
        return ignores_device(model, loader, device)

    for answer in (ignores_device, moves_only_the_model):
        status, message = evaluate("09.3", answer, "en")
        assert status == "fail" and "ignores its device argument" in message and "inputs.to(device)" in message, message
    status, message = evaluate("09.3", ignores_device, "zh")
    assert status == "fail" and "忽略了参数 device" in message

    def with_the_device_keyword(model, loader, device):
        model.eval()
        correct = count = 0
        with torch.no_grad():
            for inputs, targets in loader:
                inputs, targets = inputs.to(device=device, non_blocking=True), targets.to(device=device)
                correct += (model(inputs).argmax(dim=1) == targets).sum().item()
                count += len(targets)
        return correct / count

    assert evaluate("09.3", with_the_device_keyword, "en")[0] == "pass"


def test_evaluate_accuracy_keeps_the_notebook_random_state():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    evaluate("09.3", evaluate_accuracy, "en")
    assert torch.equal(torch.rand(3), expected)


# --------------------------------------------------------------------------- 09.4 and 09.5 checkpoints


def save_training_state(path, model, optimizer, epoch):
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}, path)


def load_training_state(path, model, optimizer):
    checkpoint = torch.load(path, weights_only=True)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    return checkpoint["epoch"]


def test_save_training_state():
    assert evaluate("09.4", save_training_state, "en")[0] == "pass"
    status, message = evaluate("09.4", lambda path, m, o, e: torch.save({"model": m.state_dict(), "epoch": e}, path), "en")
    assert status == "fail" and "saved no 'optimizer'" in message and "Adam" in message
    status, message = evaluate(
        "09.4", lambda path, m, o, e: torch.save({"model": m, "optimizer": o.state_dict(), "epoch": e}, path), "en")
    assert status == "fail" and "pickled a whole model" in message
    status, message = evaluate(
        "09.4", lambda path, m, o, e: torch.save({"model": m.state_dict, "optimizer": o.state_dict, "epoch": e}, path),
        "en")
    assert status == "fail" and "call it" in message
    status, message = evaluate("09.4", lambda path, m, o, e: {"model": m.state_dict()}, "en")
    assert status == "fail" and "wrote no file" in message
    status, message = evaluate(
        "09.4", lambda path, m, o, e: torch.save({"model": m.state_dict(), "optimizer": o.state_dict(), "epoch": e + 1},
                                                 path), "zh")
    assert status == "fail" and "应为 7" in message
    assert evaluate("09.4", stub, "en")[0] == "todo"


def test_load_training_state():
    assert evaluate("09.5", load_training_state, "en")[0] == "pass"

    def model_only(path, model, optimizer):
        checkpoint = torch.load(path, weights_only=True)
        model.load_state_dict(checkpoint["model"])
        return checkpoint["epoch"]

    status, message = evaluate("09.5", model_only, "en")
    assert status == "fail" and "not the optimizer" in message

    def rebinds(path, model, optimizer):
        checkpoint = torch.load(path, weights_only=True)
        model = copy.deepcopy(model)  # a new object: the caller's model is unchanged
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        return checkpoint["epoch"]

    status, message = evaluate("09.5", rebinds, "en")
    assert status == "fail" and "model.load_state_dict(checkpoint['model'])" in message

    def returns_nothing(path, model, optimizer):
        load_training_state(path, model, optimizer)

    status, message = evaluate("09.5", returns_nothing, "en")
    assert status == "fail" and "return checkpoint['epoch']" in message

    def changes_lr(path, model, optimizer):
        epoch = load_training_state(path, model, optimizer)
        for group in optimizer.param_groups:
            group["lr"] = 0.1
        return epoch

    status, message = evaluate("09.5", changes_lr, "en")
    assert status == "fail" and "one more training step" in message
    assert evaluate("09.5", stub, "en")[0] == "todo"


# --------------------------------------------------------------------------- 09.6 hyperparameters


def test_hyperparameters_pass():
    assert evaluate("09.6", lambda: {"lr": 0.05, "epochs": 10, "batch_size": 32}, "en")[0] == "pass"


def test_hyperparameters_hints():
    status, message = evaluate("09.6", lambda: {"lr": 1e-4, "epochs": 2, "batch_size": 512}, "en")
    assert status == "fail" and "only 6 steps" in message
    status, message = evaluate("09.6", lambda: {"lr": 1e-4, "epochs": 10, "batch_size": 32}, "en")
    assert status == "fail" and "learning rate is too small" in message
    status, message = evaluate("09.6", lambda: {"lr": 3.0, "epochs": 3, "batch_size": 32}, "en")
    assert status == "fail" and "learning rate is too large" in message
    status, message = evaluate("09.6", lambda: {"lr": 1e6, "epochs": 2, "batch_size": 32}, "en")
    assert status == "fail" and "blew up" in message and "far too large" in message
    status, message = evaluate("09.6", lambda: {"lr": 1e30, "epochs": 2, "batch_size": 32}, "en")
    assert status == "fail" and "nan" in message and "far too large" in message
    status, message = evaluate("09.6", lambda: {"lr": 0.01, "epochs": 10, "batch_size": 32}, "en")
    assert status == "fail" and "validation accuracy below 95%" in message and "train more epochs" in message
    status, message = evaluate("09.6", lambda: {"lr": 0.3, "epochs": 10, "batch_size": 32}, "en")
    assert status == "fail" and "not falling steadily" in message and "smaller learning rate" in message
    status, message = evaluate("09.6", lambda: {"lr": 0.05, "epochs": 10, "batch_size": 32, "momentum": 0.99}, "en")
    assert status == "fail" and "change only the values" in message and "momentum" in message
    status, message = evaluate("09.6", lambda: {"lr": 0.05, "epochs": 500, "batch_size": 32}, "zh")
    assert status == "fail" and "1 到 20" in message
    status, message = evaluate("09.6", lambda: {"lr": 0.05, "epochs": 10.0, "batch_size": 32}, "en")
    assert status == "fail" and "whole number" in message
    assert evaluate("09.6", stub, "en")[0] == "todo"


def test_hyperparameter_training_is_repeatable_and_leaves_the_random_state():
    from course_utils.training import train_digits_mlp

    torch.manual_seed(7)
    expected = torch.rand(2)
    torch.manual_seed(7)
    config = {"lr": 0.05, "epochs": 2, "batch_size": 128}
    first = train_digits_mlp(config)
    assert torch.equal(torch.rand(2), expected)
    assert train_digits_mlp(config) == first
    assert isinstance(nn.Module(), nn.Module)
