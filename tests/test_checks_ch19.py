"""Chapter 19's checks catch the typical wrong answers with specific hints."""

from __future__ import annotations

import math
import os
import random

import numpy as np
import torch
from torch import nn

from course_utils.checks import evaluate


def stub(*args):
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# --------------------------------------------------------------------------- 19.1 initial loss


def test_expected_initial_loss():
    assert evaluate("19.1", lambda c: math.log(c), "en")[0] == "pass"
    assert evaluate("19.1", lambda c: torch.log(torch.tensor(float(c))), "en")[0] == "pass"
    status, message = evaluate("19.1", lambda c: math.log10(c), "en")
    assert status == "fail" and "log10" in message and "natural logarithm" in message
    status, message = evaluate("19.1", lambda c: math.log2(c), "en")
    assert status == "fail" and "log2" in message
    status, message = evaluate("19.1", lambda c: -math.log(c), "en")
    assert status == "fail" and "sign is wrong" in message
    status, message = evaluate("19.1", lambda c: 1 / c, "zh")
    assert status == "fail" and "负对数" in message
    status, message = evaluate("19.1", lambda c: math.log(c - 1), "en")
    assert status == "fail" and "off by one" in message
    status, message = evaluate("19.1", lambda c: 2.302585, "en")  # ln(10) hard-coded
    assert status == "fail" and "expected_initial_loss(2)" in message
    assert evaluate("19.1", lambda c: None, "en")[1].count("return") >= 1
    assert evaluate("19.1", stub, "en")[0] == "todo"


# --------------------------------------------------------------------------- 19.2 classifier


def make_loop(zero_grad=True, softmax=False, zero_between=False, step=True, keep_losses=True):
    def train_classifier(model, optimizer, batches):
        loss_fn = nn.CrossEntropyLoss()
        model.train()
        losses = []
        for x, y in batches:
            if zero_grad:
                optimizer.zero_grad()
            out = model(x)
            loss = loss_fn(out.softmax(dim=1) if softmax else out, y)
            loss.backward()
            if zero_between:
                optimizer.zero_grad()
            if step:
                optimizer.step()
            losses.append(loss.item() if keep_losses else 2.3)
        return losses

    return train_classifier


def test_train_classifier():
    assert evaluate("19.2", make_loop(), "en")[0] == "pass"

    def model_zero_grad(model, optimizer, batches):
        losses = []
        for x, y in batches:
            model.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            losses.append(loss)  # tensors are accepted too
        return losses

    assert evaluate("19.2", model_zero_grad, "en")[0] == "pass"
    status, message = evaluate("19.2", make_loop(zero_grad=False, softmax=True), "en")
    assert status == "fail" and "both bugs" in message
    status, message = evaluate("19.2", make_loop(zero_grad=False), "en")
    assert status == "fail" and "zero_grad() is still missing" in message
    status, message = evaluate("19.2", make_loop(softmax=True), "en")
    assert status == "fail" and "still gets probabilities" in message and "logits" in message
    status, message = evaluate("19.2", make_loop(softmax=True), "zh")
    assert status == "fail" and "概率" in message
    status, message = evaluate("19.2", make_loop(zero_grad=False, zero_between=True), "en")
    assert status == "fail" and "weights never change" in message and "between backward() and step()" in message
    status, message = evaluate("19.2", make_loop(step=False), "en")
    assert status == "fail" and "weights never change" in message and "optimizer.step() is missing" in message
    status, message = evaluate("19.2", make_loop(keep_losses=False), "en")
    assert status == "fail" and "returned losses do not fall" in message

    def returns_nothing(model, optimizer, batches):
        make_loop()(model, optimizer, batches)

    status, message = evaluate("19.2", returns_nothing, "en")
    assert status == "fail" and "return" in message

    def own_optimizer(model, optimizer, batches):
        return make_loop()(model, torch.optim.Adam(model.parameters(), lr=1e-3), batches)

    status, message = evaluate("19.2", own_optimizer, "en")
    assert status == "fail" and "differ from those of a correct loop" in message
    assert evaluate("19.2", stub, "en")[0] == "todo"


def test_train_classifier_keeps_the_notebook_random_state():
    torch.manual_seed(5)
    expected = torch.rand(2)
    torch.manual_seed(5)
    evaluate("19.2", make_loop(), "en")
    assert torch.equal(torch.rand(2), expected)


# --------------------------------------------------------------------------- 19.3 regression


def make_fit(shuffle_x=False, broadcast=False, reduce="mean", keep_losses=True):
    def fit_line(x, y, steps=200, lr=0.1):
        torch.manual_seed(0)
        model = nn.Linear(x.shape[1], 1)
        if shuffle_x:
            x = x[torch.randperm(len(x))]
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        losses = []
        for _ in range(steps):
            optimizer.zero_grad()
            pred = model(x) if broadcast else model(x).squeeze(1)
            loss = getattr((pred - y) ** 2, reduce)()
            loss.backward()
            optimizer.step()
            losses.append(loss.item() if keep_losses else 1.0)
        return model, losses

    return fit_line


def test_fit_line():
    assert evaluate("19.3", make_fit(), "en")[0] == "pass"

    def shuffle_both(x, y, steps=200, lr=0.1):
        torch.manual_seed(0)
        perm = torch.randperm(len(x))
        return make_fit()(x[perm], y[perm], steps, lr)

    assert evaluate("19.3", shuffle_both, "en")[0] == "pass"

    def unsqueeze_y(x, y, steps=200, lr=0.1):
        torch.manual_seed(0)
        model = nn.Linear(x.shape[1], 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        losses = []
        for _ in range(steps):
            optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(model(x), y.unsqueeze(1))
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return model, losses

    assert evaluate("19.3", unsqueeze_y, "en")[0] == "pass"
    status, message = evaluate("19.3", make_fit(shuffle_x=True, broadcast=True), "en")
    assert status == "fail" and "still broadcasts" in message and "stay paired" in message
    status, message = evaluate("19.3", make_fit(broadcast=True), "en")
    assert status == "fail" and "still broadcasts" in message and "squeeze(1)" in message
    status, message = evaluate("19.3", make_fit(broadcast=True), "zh")
    assert status == "fail" and "广播" in message
    status, message = evaluate("19.3", make_fit(shuffle_x=True), "en")
    assert status == "fail" and "x is still shuffled without y" in message
    status, message = evaluate("19.3", make_fit(reduce="sum"), "en")
    assert status == "fail" and "nan/inf" in message and ".mean()" in message
    status, message = evaluate("19.3", make_fit(keep_losses=False), "en")
    assert status == "fail" and "returned losses do not fall" in message
    status, message = evaluate("19.3", lambda x, y, steps=200, lr=0.1: make_fit()(x, y)[0], "en")
    assert status == "fail" and "(model, losses)" in message
    assert evaluate("19.3", stub, "en")[0] == "todo"


# --------------------------------------------------------------------------- 19.4 gradient norms


def grad_norms(model):
    norms = {}
    for name, module in model.named_modules():
        grads = [p.grad for p in module.parameters(recurse=False) if p.grad is not None]
        if grads:
            norms[name] = math.sqrt(sum(g.pow(2).sum().item() for g in grads))
    return norms


def test_grad_norm_per_layer():
    assert evaluate("19.4", grad_norms, "en")[0] == "pass"

    def with_tensors(model):
        return {name: torch.tensor(v) for name, v in grad_norms(model).items()}

    assert evaluate("19.4", with_tensors, "en")[0] == "pass"
    status, message = evaluate(
        "19.4", lambda m: {n: p.grad.norm().item() for n, p in m.named_parameters() if p.grad is not None}, "en")
    assert status == "fail" and "parameter names" in message and "recurse=False" in message

    def recursive(model):
        norms = {}
        for name, module in model.named_modules():
            grads = [p.grad for p in module.parameters() if p.grad is not None]
            if grads:
                norms[name] = math.sqrt(sum(g.pow(2).sum().item() for g in grads))
        return norms

    status, message = evaluate("19.4", recursive, "en")
    assert status == "fail" and "containers" in message and "recurse=False" in message

    def per_module(combine):
        def fn(model):
            norms = {}
            for name, module in model.named_modules():
                params = [p for p in module.parameters(recurse=False) if p.grad is not None]
                if params:
                    norms[name] = combine(params)
            return norms

        return fn

    status, message = evaluate("19.4", per_module(lambda ps: math.sqrt(sum(p.pow(2).sum().item() for p in ps))), "en")
    assert status == "fail" and "norms of the weights themselves" in message
    status, message = evaluate("19.4", per_module(lambda ps: sum(p.grad.pow(2).sum().item() for p in ps)), "en")
    assert status == "fail" and "squared norms" in message
    status, message = evaluate("19.4", per_module(lambda ps: sum(p.grad.norm().item() for p in ps)), "en")
    assert status == "fail" and "added the norms" in message
    status, message = evaluate("19.4", per_module(lambda ps: ps[0].grad.norm().item()), "zh")
    assert status == "fail" and "bias 也要算进去" in message

    def crashes_on_frozen(model):
        norms = {}
        for name, module in model.named_modules():
            params = list(module.parameters(recurse=False))
            if params:
                norms[name] = math.sqrt(sum(p.grad.pow(2).sum().item() for p in params))
        return norms

    status, message = evaluate("19.4", crashes_on_frozen, "en")
    assert status == "fail" and "p.grad = None" in message

    def keeps_frozen(model):
        norms = {}
        for name, module in model.named_modules():
            params = list(module.parameters(recurse=False))
            if params:
                norms[name] = math.sqrt(sum(p.grad.pow(2).sum().item() for p in params if p.grad is not None))
        return norms

    status, message = evaluate("19.4", keeps_frozen, "en")
    assert status == "fail" and "should not be in the dict" in message
    status, message = evaluate("19.4", lambda m: list(grad_norms(m).values()), "en")
    assert status == "fail" and "return a dict" in message
    assert evaluate("19.4", stub, "en")[0] == "todo"


# --------------------------------------------------------------------------- 19.5 reproducibility


def make_settings(skip=(), warn_only=False, cublas=":4096:8"):
    def make_reproducible(seed):
        if "random" not in skip:
            random.seed(seed)
        if "numpy" not in skip:
            np.random.seed(seed)
        if "torch" not in skip:
            torch.manual_seed(seed)
        if "cublas" not in skip:
            os.environ["CUBLAS_WORKSPACE_CONFIG"] = cublas
        if "deterministic" not in skip:
            torch.use_deterministic_algorithms(True, warn_only=warn_only)
        if "benchmark" not in skip:
            torch.backends.cudnn.benchmark = False
        if "generator" in skip:
            return torch.Generator()
        return torch.Generator().manual_seed(seed)

    return make_reproducible


def test_make_reproducible():
    assert evaluate("19.5", make_settings(), "en")[0] == "pass"
    assert evaluate("19.5", make_settings(cublas=":16:8"), "en")[0] == "pass"
    hints = {
        "random": "random.seed(seed)",
        "numpy": "np.random.seed(seed)",
        "torch": "torch.manual_seed(seed)",
        "deterministic": "use_deterministic_algorithms(True)",
        "benchmark": "cudnn.benchmark is still True",
        "cublas": "CUBLAS_WORKSPACE_CONFIG",
        "generator": "torch.Generator().manual_seed(seed)",
    }
    for skipped, hint in hints.items():
        status, message = evaluate("19.5", make_settings(skip=(skipped,)), "en")
        assert status == "fail" and hint in message, (skipped, message)
    status, message = evaluate("19.5", make_settings(warn_only=True), "en")
    assert status == "fail" and "warn_only=True" in message
    status, message = evaluate("19.5", lambda seed: make_settings()(seed) and None, "en")
    assert status == "fail" and "returned None" in message
    status, message = evaluate("19.5", lambda seed: (make_settings()(seed), seed), "zh")
    assert status == "fail" and "torch.Generator" in message
    assert evaluate("19.5", stub, "en")[0] == "todo"


def test_make_reproducible_restores_the_global_state():
    before = (torch.are_deterministic_algorithms_enabled(), torch.backends.cudnn.benchmark,
              os.environ.get("CUBLAS_WORKSPACE_CONFIG"))
    torch.manual_seed(11)
    random.seed(11)
    np.random.seed(11)
    expected = (torch.rand(1).item(), random.random(), float(np.random.rand()))
    torch.manual_seed(11)
    random.seed(11)
    np.random.seed(11)
    assert evaluate("19.5", make_settings(), "en")[0] == "pass"
    assert (torch.rand(1).item(), random.random(), float(np.random.rand())) == expected
    assert (torch.are_deterministic_algorithms_enabled(), torch.backends.cudnn.benchmark,
            os.environ.get("CUBLAS_WORKSPACE_CONFIG")) == before
