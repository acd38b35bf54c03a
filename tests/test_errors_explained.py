"""PyTorch errors explained under their traceback (course_utils.companion.errors).

Every case raises the REAL error from the installed torch, so a torch release that rewords a
message makes ``explain()`` return None and the test fail. Two kinds of message cannot be raised
without a GPU: CUDA device mismatches and CUDA out of memory. Those are built from torch's own
message text, and the test checks that each piece of that text is in the installed torch
binaries; on a machine with CUDA the real errors are raised too.
"""

from __future__ import annotations

import contextlib
import io
import json
import mmap
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from IPython.core.interactiveshell import InteractiveShell

from course_utils.companion import errors
from course_utils.companion.errors import explain, install_explainer

TORCH_LIB = Path(torch.__file__).parent / "lib"
ROOT = Path(__file__).resolve().parents[1]


def raised(action: Callable[[], object]) -> BaseException:
    """The exception ``action()`` raises (the test fails if it raises none)."""
    try:
        action()
    except Exception as error:
        return error
    raise AssertionError("expected an error")


def backward_twice() -> None:
    x = torch.randn(3, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


def update_leaf_in_place() -> None:
    w = torch.randn(3, requires_grad=True)
    w -= 0.1


def change_saved_tensor() -> None:
    x = torch.randn(3, requires_grad=True)
    y = x.sigmoid()  # sigmoid saves its output for backward
    y.mul_(2)
    y.sum().backward()


def meta(*shape: int) -> torch.Tensor:
    return torch.randn(*shape, device="meta")


# id -> (the failing code, words the English note must contain, words the Chinese note must contain)
REAL: dict[str, tuple[Callable[[], object], list[str], list[str]]] = {
    # 1. shapes in a matrix product
    "matmul @": (lambda: torch.randn(4, 3) @ torch.randn(5, 2), ["4×3", "5×2", "3 ≠ 5"], ["4×3", "5×2", "3 ≠ 5"]),
    "torch.mm": (lambda: torch.mm(torch.randn(4, 3), torch.randn(5, 2)), ["4×3", "5×2"], ["4×3", "5×2"]),
    "nn.Linear": (lambda: nn.Linear(10, 5)(torch.randn(8, 7)),
                  ["8×7", "10×5", "in_features=10", "got 7", "nn.Linear(7, 5)"],
                  ["8×7", "10×5", "in_features=10", "收到的却是 7 个", "nn.Linear(7, 5)"]),
    "bmm": (lambda: torch.bmm(torch.randn(2, 3, 4), torch.randn(2, 5, 6)), ["[2, 4]", "[2, 5]"], ["[2, 4]", "[2, 5]"]),
    "matrix @ vector": (lambda: torch.randn(3, 4) @ torch.randn(5), ["3×4", "length 5"], ["3×4", "长度为 5"]),
    # 2. devices: the check PyTorch runs for meta (and MPS) tensors; CUDA ones are below
    "device cpu/meta": (lambda: meta(3) + torch.randn(3), ["on cpu", "on meta", "model.to(device)"],
                        ["在 cpu 上", "在 meta 上", "model.to(device)"]),
    "device in a loss": (lambda: F.cross_entropy(meta(4, 3), torch.tensor([0, 1, 2, 1])), ["meta", "cpu"], ["meta", "cpu"]),
    # 3. dtypes
    "Long target in cross_entropy": (lambda: F.cross_entropy(torch.randn(4, 3), torch.tensor([0.0, 1.0, 2.0, 1.0])),
                                     ["expected Long", "got Float", "y.long()"], ["需要 Long", "却是 Float", "y.long()"]),
    "Long input to nn.Linear": (lambda: nn.Linear(3, 2)(torch.ones(4, 3, dtype=torch.long)),
                                ["Long and Float", "x.float()"], ["Long 和 Float", "x.float()"]),
    "Double input to nn.Linear": (lambda: nn.Linear(3, 2)(torch.ones(4, 3, dtype=torch.double)),
                                  ["Double and Float"], ["Double 和 Float"]),
    "Float @ Long": (lambda: torch.randn(3, 3) @ torch.ones(3, 3, dtype=torch.long), ["Float and Long"], ["Float 和 Long"]),
    "Long target in mse backward": (lambda: F.mse_loss(torch.randn(4, requires_grad=True), torch.tensor([0, 1, 2, 1])).backward(),
                                    ["Long", "needs Float", "y.float()"], ["需要 Float", "却是 Long", "y.float()"]),
    "Long target in bce": (lambda: F.binary_cross_entropy(torch.rand(4), torch.tensor([0, 1, 1, 1])),
                           ["Long", "Float"], ["Long", "Float"]),
    "Long target in bce with logits": (lambda: F.binary_cross_entropy_with_logits(torch.randn(4), torch.tensor([0, 1, 1, 1])),
                                       ["Float", "Long", "y.float()"], ["Float", "Long", "y.float()"]),
    "float ids in nn.Embedding": (lambda: nn.Embedding(10, 3)(torch.tensor([1.0, 2.0])),
                                  ["torch.FloatTensor", "ids.long()"], ["torch.FloatTensor", "ids.long()"]),
    # 4. backward twice
    "backward twice": (backward_twice, ["retain_graph=True", "loss.item()"], ["retain_graph=True", "loss.item()"]),
    # 5. in-place operations
    "in-place on a leaf": (update_leaf_in_place, ["torch.no_grad()"], ["torch.no_grad()"]),
    "in-place on a parameter": (lambda: nn.Linear(2, 2).weight.add_(1), ["torch.no_grad()"], ["torch.no_grad()"]),
    "in-place on a saved tensor": (change_saved_tensor, ["[3]", "torch.FloatTensor", "SigmoidBackward0", "0 → 1"],
                                   ["[3]", "torch.FloatTensor", "SigmoidBackward0", "0 → 1"]),
    # 6. CrossEntropyLoss targets
    "one-hot float target of another width": (
        lambda: F.cross_entropy(torch.randn(4, 3), F.one_hot(torch.tensor([0, 1, 2, 1]), 5).float()),
        ["[N]", "argmax(dim=1)"], ["[N]", "argmax(dim=1)"]),
    "target of shape [N, 1]": (lambda: F.cross_entropy(torch.randn(4, 3), torch.tensor([[0], [1], [2], [1]])),
                               ["squeeze(1)"], ["squeeze(1)"]),
    "one-hot Long target": (lambda: F.cross_entropy(torch.randn(4, 3), F.one_hot(torch.tensor([0, 1, 2, 1]), 3)),
                            ["probabilities", "Long", "argmax(dim=1)"], ["概率", "Long", "argmax(dim=1)"]),
    "target out of range": (lambda: F.cross_entropy(torch.randn(4, 3), torch.tensor([0, 1, 3, 1])),
                            ["index is 3", "y.max() + 1"], ["编号是 3", "y.max() + 1"]),
    "negative target": (lambda: F.cross_entropy(torch.randn(4, 3), torch.tensor([0, -1, 2, 1])), ["index is -1"], ["编号是 -1"]),
    "batch sizes differ": (lambda: F.cross_entropy(torch.randn(4, 3), torch.tensor([0, 1, 2])),
                           ["4 predictions", "3 targets"], ["4 个预测", "3 个目标"]),
    # 9. view
    "view after .t()": (lambda: torch.randn(3, 4).t().view(12), [".reshape(", ".contiguous()"], [".reshape(", ".contiguous()"]),
    "view after .permute()": (lambda: torch.randn(2, 3, 4).permute(0, 2, 1).view(2, -1), [".reshape("], [".reshape("]),
    "view to an impossible shape": (lambda: torch.randn(3, 4).view(5, -1), ["[5, -1]", "12 elements"], ["[5, -1]", "12 个元素"]),
    # 10. .numpy()
    "numpy on a tensor that requires grad": (lambda: torch.randn(3, requires_grad=True).numpy(),
                                             ["detach().numpy()"], ["detach().numpy()"]),
    "numpy on a non-CPU tensor": (lambda: meta(3).numpy(), ["on meta", "t.cpu().numpy()"], ["在 meta 上", "t.cpu().numpy()"]),
}


@pytest.mark.parametrize("case", list(REAL))
def test_real_error_is_explained_in_both_languages(case):
    action, words_en, words_zh = REAL[case]
    error = raised(action)
    for lang, words in (("en", words_en), ("zh", words_zh)):
        note = explain(error, lang)
        assert note is not None, f"{case}: no note for {type(error).__name__}: {error}"
        assert note.startswith(errors.HEADER[lang]) and errors.FIX[lang] in note
        for word in words:
            assert word in note, f"{case} ({lang}): {word!r} missing from\n{note}"
    assert explain(error, "zh") != explain(error, "en")


# ----------------------------------------------------------------- built from torch's own text


@cache
def in_torch_binaries(piece: str) -> bool:
    """Whether ``piece`` is a string in one of torch's compiled libraries (its message source)."""
    needle = piece.encode()
    for library in sorted(TORCH_LIB.glob("*.so*")):
        with open(library, "rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
            if data.find(needle) >= 0:
                return True
    return False


def has_cuda_libraries() -> bool:
    return any(TORCH_LIB.glob("libc10_cuda.so*"))


# The CUDA messages, in pieces as torch writes them (aten/src/ATen/TensorIterator.cpp,
# aten/src/ATen/core/adaption.cpp, c10/cuda/CUDACachingAllocator.cpp, torch/csrc/utils/tensor_numpy.cpp),
# and the values a real run fills in.
CONSTRUCTED = {
    "devices, TensorIterator": (
        RuntimeError, ["Expected all tensors to be on the same device, but found at least two devices, ", "cuda:0",
                       " and ", "cpu", "!"], ["cuda:0", "cpu"]),
    "devices, argument check": (
        RuntimeError, ["Expected all tensors to be on the same device, but got ", "mat2", " is on ", "cpu",
                       ", different from other tensors on ", "cuda:0", " (when checking argument in method ",
                       "wrapper_CUDA_mm", ")"], ["`mat2`", "cpu", "cuda:0"]),
    "CUDA out of memory": (
        torch.OutOfMemoryError,
        ["CUDA out of memory. Tried to allocate ", "20.00 MiB", ". GPU ", "0", " has a total capacity of ", "14.75 GiB",
         " of which ", "3.06 MiB", " is free. ", "Including non-PyTorch memory, this process", " has ", "14.74 GiB",
         " memory in use. ", "Of the allocated memory ", "14.60 GiB", " is allocated by PyTorch, ", "and ",
         "11.57 MiB", " is reserved by PyTorch but unallocated.",
         " If reserved but unallocated memory is large try setting",
         " PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid fragmentation.  See documentation for Memory "
         "Management  (https://docs.pytorch.org/docs/stable/notes/cuda.html#optimizing-memory-usage-with-pytorch-cuda-alloc-conf)"],
        ["20.00 MiB", "GPU 0", "14.75 GiB", "3.06 MiB", "batch_size"]),
    "numpy on cuda": (
        TypeError, ["can't convert ", "cuda:0", " device type tensor to numpy. Use Tensor.cpu() to ",
                    "copy the tensor to host memory first."], ["cuda:0", ".cpu().numpy()"]),
}
VALUES = {"cuda:0", "cpu", "mat2", "wrapper_CUDA_mm", "20.00 MiB", "0", "14.75 GiB", "3.06 MiB", "14.74 GiB",
          "14.60 GiB", "11.57 MiB", " and ", " has ", "!", ")", " is on ", "and "}


@pytest.mark.parametrize("case", list(CONSTRUCTED))
def test_cuda_message_from_torch_source_is_explained(case):
    kind, pieces, words = CONSTRUCTED[case]
    for piece in pieces:
        if piece in VALUES or (kind is torch.OutOfMemoryError and not has_cuda_libraries()):
            continue
        assert in_torch_binaries(piece), f"torch no longer writes {piece!r}: update errors.py and this test"
    error = kind("".join(pieces))
    for lang in ("en", "zh"):
        note = explain(error, lang)
        assert note is not None, f"{case}: {error}"
        for word in words:
            assert word in note, f"{case} ({lang}): {word!r} missing from\n{note}"


def test_the_source_check_can_fail():
    assert not in_torch_binaries("Expected all tensors to be on the same planet, but ")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_real_cuda_errors_are_explained():
    gpu = torch.randn(4, 3, device="cuda")
    for action, word in ((lambda: gpu @ torch.randn(3, 2), "cuda:0"),
                         (lambda: nn.Linear(3, 2)(gpu), "cuda:0"),
                         (lambda: gpu.numpy(), "cuda:0"),
                         (lambda: torch.empty(2**62, dtype=torch.uint8, device="cuda"), "GPU")):
        note = explain(raised(action), "en")
        assert note is not None and word in note


# ----------------------------------------------------------------- DataLoader workers in a notebook

DATALOADER_SCRIPT = textwrap.dedent("""
    import json
    import torch
    from torch.utils.data import DataLoader, Dataset
    from course_utils.companion.errors import explain

    class Squares(Dataset):  # defined in __main__, as in a notebook
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return torch.tensor(i * i)

    try:
        for batch in DataLoader(Squares(), batch_size=2, num_workers=1, multiprocessing_context="spawn"):
            pass
    except Exception as error:
        print(json.dumps({"message": str(error), "en": explain(error, "en"), "zh": explain(error, "zh")}))
""")


@pytest.fixture(scope="module")
def dead_worker() -> tuple[dict, str]:
    """Run a DataLoader with a __main__ Dataset under spawn, as a notebook would (python -c: no file)."""
    run = subprocess.run([sys.executable, "-c", DATALOADER_SCRIPT], capture_output=True, text=True,
                         timeout=300, cwd=ROOT, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
    assert lines, f"the DataLoader did not fail:\n{run.stdout}\n{run.stderr}"
    return json.loads(lines[-1]), run.stderr


def test_dataloader_worker_exit_is_explained(dead_worker):
    result, _ = dead_worker
    assert "DataLoader worker (pid" in result["message"] and "exited unexpectedly" in result["message"]
    assert "num_workers=0" in result["en"] and "spawn" in result["en"] and "pid " in result["en"]
    assert "num_workers=0" in result["zh"] and "“spawn”" in result["zh"]


def test_worker_error_cant_get_attribute_is_explained(dead_worker):
    _, worker_stderr = dead_worker
    line = next(line for line in worker_stderr.splitlines() if line.startswith("AttributeError: Can't get attribute"))
    error = AttributeError(line.removeprefix("AttributeError: "))  # the worker's real message
    assert "`Squares`" in explain(error, "en") and "`Squares`" in explain(error, "zh")


# ----------------------------------------------------------------- unknown errors and robustness


@pytest.mark.parametrize("action", [
    lambda: 1 / 0,
    lambda: {}["missing"],
    lambda: torch.randn(3) @ torch.randn(4),  # 1-D @ 1-D: a message we do not explain
    lambda: torch.tensor([1, 2]).mean(),
], ids=["ZeroDivisionError", "KeyError", "dot of 1-D tensors", "mean of Long"])
def test_unknown_errors_get_no_note(action):
    error = raised(action)
    assert explain(error, "en") is None and explain(error, "zh") is None


def test_a_reworded_message_is_not_recognised():
    """What a torch upgrade that rewords a message looks like: the note disappears, and tests above fail."""
    assert explain(RuntimeError("mat1 and mat2 shapes cannot be multiplied (4x3 and 5x2)"), "en")
    assert explain(RuntimeError("mat1 and mat2 shapes can not be multiplied (4x3 and 5x2)"), "en") is None


def test_cause_is_explained_and_language_follows_the_notebook(monkeypatch):
    inner = raised(lambda: torch.randn(4, 3) @ torch.randn(5, 2))
    outer = ValueError("my helper failed")
    outer.__cause__ = inner
    monkeypatch.setenv("COURSE_LANG", "zh")
    assert explain(outer) == explain(inner, "zh")
    monkeypatch.setenv("COURSE_LANG", "en")
    assert explain(outer) == explain(inner, "en")


def test_every_note_has_both_languages_and_chinese_quotes():
    for known in errors.KNOWN:
        assert known.en.count("||") == known.zh.count("||") == 1
        assert '"' not in known.zh, "Chinese text uses “ ” quotes"


# ----------------------------------------------------------------- in a real IPython shell

CELL_KNOWN = "import torch\ntorch.randn(4, 3) @ torch.randn(5, 2)"
CELL_UNKNOWN = "1 / 0"
CELL_SYNTAX = "def f(:\n    pass"


@pytest.fixture
def shell():
    ip = InteractiveShell.instance(colors="nocolor")
    ip.set_custom_exc((), None)
    ip.__dict__.pop(errors._MARK, None)
    yield ip
    ip.set_custom_exc((), None)
    ip.__dict__.pop(errors._MARK, None)


def run_cell(ip: InteractiveShell, cell: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        ip.run_cell(cell, store_history=False)
    return out.getvalue()


def check_traceback_then_note(plain: str, shown: str, note: str | None) -> None:
    """``shown`` is IPython's own output ``plain``, unchanged, followed by ``note`` (or nothing)."""
    assert shown.startswith(plain), f"the traceback changed:\n{plain}\n---\n{shown}"
    assert shown[len(plain):].strip() == (note or "")


def test_known_error_shows_the_traceback_then_the_note(shell):
    plain = run_cell(shell, CELL_KNOWN)
    assert "RuntimeError: mat1 and mat2 shapes cannot be multiplied (4x3 and 5x2)" in plain
    assert install_explainer(shell, lang="en") is True
    shown = run_cell(shell, CELL_KNOWN)
    note = explain(raised(lambda: torch.randn(4, 3) @ torch.randn(5, 2)), "en")
    check_traceback_then_note(plain, shown, note)
    assert "4×3" in shown and "Custom TB Handler failed" not in shown


def test_chinese_note_and_installing_twice(shell):
    plain = run_cell(shell, CELL_KNOWN)
    assert install_explainer(shell, lang="zh") and install_explainer(shell, lang="zh")
    shown = run_cell(shell, CELL_KNOWN)
    check_traceback_then_note(plain, shown, explain(raised(lambda: torch.randn(4, 3) @ torch.randn(5, 2)), "zh"))
    assert shown.count("💡") == 1


@pytest.mark.parametrize("cell", [CELL_UNKNOWN, CELL_SYNTAX], ids=["ZeroDivisionError", "SyntaxError"])
def test_unknown_error_shows_only_the_traceback(shell, cell):
    plain = run_cell(shell, cell)
    assert "Error" in plain
    install_explainer(shell, lang="en")
    assert run_cell(shell, cell) == plain


def test_a_bug_in_the_explainer_never_hides_the_error(shell, monkeypatch):
    plain = run_cell(shell, CELL_KNOWN)
    install_explainer(shell, lang="en")

    def broken(*args, **kwargs):
        raise KeyError("bug in the explainer")

    monkeypatch.setattr(errors, "explain", broken)
    assert run_cell(shell, CELL_KNOWN) == plain
    assert shell.custom_exceptions == (Exception,)  # IPython did not unregister us
    monkeypatch.setattr(shell, "showtraceback", broken)
    shown = run_cell(shell, CELL_KNOWN)  # even if IPython's display fails, Python's traceback shows
    assert "RuntimeError: mat1 and mat2 shapes cannot be multiplied (4x3 and 5x2)" in shown
    assert "Custom TB Handler failed" not in shown


def test_the_traceback_check_can_fail(shell):
    """A handler that hides or reorders the traceback is caught by check_traceback_then_note."""
    plain = run_cell(shell, CELL_KNOWN)
    note = explain(raised(lambda: torch.randn(4, 3) @ torch.randn(5, 2)), "en")
    shell.set_custom_exc((Exception,), lambda ip, etype, value, tb, tb_offset=None: print(explain(value, "en")))
    with pytest.raises(AssertionError):
        check_traceback_then_note(plain, run_cell(shell, CELL_KNOWN), note)

    def note_first(ip, etype, value, tb, tb_offset=None):
        print(explain(value, "en"))
        ip.showtraceback((etype, value, tb), tb_offset=tb_offset)

    shell.set_custom_exc((Exception,), note_first)
    with pytest.raises(AssertionError):
        check_traceback_then_note(plain, run_cell(shell, CELL_KNOWN), note)


def test_someone_elses_handler_is_left_alone(shell):
    def theirs(ip, etype, value, tb, tb_offset=None):
        print("their handler")

    shell.set_custom_exc((ZeroDivisionError,), theirs)
    assert install_explainer(shell) is False
    assert shell.custom_exceptions == (ZeroDivisionError,)


def test_outside_ipython_it_does_nothing():
    # IPython imported but no shell running; errors.py loaded alone (no torch import: a fast process)
    code = ("import importlib.util, sys, IPython; "
            f"spec = importlib.util.spec_from_file_location('errors', {errors.__file__!r}); "
            "module = sys.modules['errors'] = importlib.util.module_from_spec(spec); "
            "spec.loader.exec_module(module); "
            "print(module.install_explainer(), module.install_explainer())")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["False", "False"]
