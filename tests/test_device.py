"""get_device, seed_everything and setup_notebook."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from course_utils import get_device, seed_everything, setup_notebook


def test_cpu_machine_gets_cpu(monkeypatch):
    monkeypatch.delenv("COURSE_REQUIRE_GPU", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert get_device() == torch.device("cpu")


def test_order_is_cuda_then_mps(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert get_device() == torch.device("mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert get_device() == torch.device("cuda")


def test_require_gpu_fails_loudly_without_cuda(monkeypatch):
    monkeypatch.setenv("COURSE_REQUIRE_GPU", "1")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="COURSE_REQUIRE_GPU=1"):
        get_device()


def draws() -> tuple:
    return random.random(), float(np.random.rand()), torch.rand(3).tolist()


def test_seeding_repeats_every_generator():
    seed_everything(7)
    first = draws()
    seed_everything(7)
    assert draws() == first
    seed_everything(8)
    assert draws() != first


def test_setup_notebook_prints_four_decimals():
    setup_notebook()
    assert repr(torch.tensor([1 / 3])) == "tensor([0.3333])"
    assert np.array2string(np.array([1 / 3])) == "[0.3333]"
    setup_notebook()
    a = torch.randn(2)
    setup_notebook()
    assert torch.equal(a, torch.randn(2))


def test_package_exports_load_lazily_and_completely():
    import subprocess
    import sys

    import course_utils

    for name in course_utils.__all__:
        assert callable(getattr(course_utils, name)), name
    # A worker that imports one helper does not pay for matplotlib or the checks.
    code = "import sys, course_utils.distributed; print('matplotlib' in sys.modules, 'course_utils.checks' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split() == ["False", "False"]
    # The doctor submodule must not shadow the doctor() function.
    code = "import course_utils.doctor; from course_utils import doctor; print(callable(doctor) and doctor.__name__)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "doctor"
