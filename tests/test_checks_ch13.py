"""Chapter 13's checks catch the typical wrong answers with specific hints."""

import os
import warnings

import torch
from torch import nn

from course_utils.checks import evaluate


def _stub(*args):
    raise NotImplementedError


def test_make_portable():
    assert evaluate("13.1", torch.jit.script, "en")[0] == "pass"

    def traced(model):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return torch.jit.trace(model, torch.ones(1, 3))

    status, message = evaluate("13.1", traced, "en")
    assert status == "fail" and "That is what torch.jit.trace does" in message
    status, message = evaluate("13.1", lambda model: model, "zh")
    assert status == "fail" and "torch.jit.script(model)" in message and "应返回" in message


def test_export_dynamic():
    def good(model, example):
        return torch.export.export(model, (example,), dynamic_shapes={"x": {0: torch.export.Dim("batch")}})

    assert evaluate("13.2", good, "en")[0] == "pass"
    status, message = evaluate("13.2", lambda model, example: torch.export.export(model, (example,)), "en")
    assert status == "fail" and "Without dynamic_shapes" in message
    status, message = evaluate("13.2", lambda model, example: good(model, example).module(), "en")
    assert status == "fail" and "not ep.module()" in message


def test_roundtrip():
    def good(ep, folder):
        path = os.path.join(folder, "m.pt2")
        torch.export.save(ep, path)
        return torch.export.load(path)

    assert evaluate("13.3", good, "en")[0] == "pass"

    def no_load(ep, folder):
        torch.export.save(ep, os.path.join(folder, "m.pt2"))
        return ep

    status, message = evaluate("13.3", no_load, "en")
    assert status == "fail" and "returned the original program" in message
    status, message = evaluate("13.3", lambda ep, folder: ep, "zh")
    assert status == "fail" and "文件夹里什么也没写" in message


def test_roundtrip_with_torch_save_gets_a_hint():
    """torch.save pickles an ExportedProgram that cannot be read back: a hint, not an internal TypeError."""

    def pickled(load):
        def roundtrip(ep, folder):
            path = os.path.join(folder, "m.pt2")
            torch.save(ep, path)
            return load(path)

        return roundtrip

    for load in (lambda path: torch.load(path, weights_only=False), torch.load, torch.export.load):
        for lang, text in (("en", "written with torch.save"), ("zh", "是用 torch.save 写的")):
            status, message = evaluate("13.3", pickled(load), lang)
            assert status == "fail" and text in message and "torch.export.save" in message, message


def test_roundtrip_with_torch_save_and_no_load_gets_the_same_hint():
    def save_only(ep, folder):
        torch.save(ep, os.path.join(folder, "m.pt2"))
        return ep

    status, message = evaluate("13.3", save_only, "en")
    assert status == "fail" and "m.pt2 was written with torch.save" in message and "torch.export.load" in message


def test_cond_gate():
    class Good(nn.Module):
        def forward(self, x):
            return torch.cond(x.mean() > 0, lambda x: x.relu() + 1, lambda x: x.abs() * 3, (x,))

    class PythonIf(nn.Module):
        def forward(self, x):
            if x.mean() > 0:
                return x.relu() + 1
            return x.abs() * 3

    class WrongBranch(nn.Module):
        def forward(self, x):
            return torch.cond(x.mean() > 0, lambda x: x.relu() + 1, lambda x: x.abs(), (x,))

    assert evaluate("13.4", Good, "en")[0] == "pass"
    status, message = evaluate("13.4", PythonIf, "en")
    assert status == "fail" and "cannot capture a Python `if`" in message
    status, message = evaluate("13.4", WrongBranch, "en")
    assert status == "fail" and "otherwise x.abs() * 3" in message


def test_choose_tools():
    good = {
        "speed up my training loop in Python": "torch.compile",
        "run the model on a phone or server without Python": "torch.export",
        "export a model whose forward has an if on tensor values": "torch.export",
        "keep a legacy C++ (LibTorch) service running that loads TorchScript .pt files": "torch.jit.script",
    }
    assert evaluate("13.5", lambda: dict(good), "en")[0] == "pass"
    wrong = dict(good, **{"export a model whose forward has an if on tensor values": "torch.jit.script"})
    status, message = evaluate("13.5", lambda: wrong, "en")
    assert status == "fail" and "write the branch with torch.cond" in message
    wrong = dict(good, **{"speed up my training loop in Python": "torch.export"})
    status, message = evaluate("13.5", lambda: wrong, "en")
    assert status == "fail" and "that is torch.compile's job" in message


def test_stubs_are_not_done():
    assert all(evaluate(i, _stub, "en")[0] == "todo" for i in ("13.1", "13.2", "13.3", "13.4", "13.5"))
