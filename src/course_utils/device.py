"""Pick a device and make runs repeatable.

Every notebook starts with ``setup_notebook()``, which seeds all random number
generators and fixes how numbers are printed, so that stored outputs are the
same on every run.
"""

from __future__ import annotations

import os
import random

import numpy as np
import torch

from .settings import REQUIRE_GPU_VAR, env_flag


def get_device() -> torch.device:
    """Return the best available device: CUDA, then Apple's MPS, then the CPU (chapter 04).

    With ``COURSE_REQUIRE_GPU=1`` (set by ``make test-gpu``) a machine without
    CUDA raises instead of quietly falling back to the CPU.
    """
    if torch.cuda.is_available():
        return torch.device("cuda")
    if env_flag(REQUIRE_GPU_VAR):
        raise RuntimeError(f"{REQUIRE_GPU_VAR}=1 but torch.cuda.is_available() is False. "
                           "Run `python -m course_utils doctor` to see why the GPU is not visible.")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int = 0, deterministic: bool = False) -> None:
    """Seed Python's ``random``, NumPy and PyTorch (CPU and every GPU; chapter 00).

    ``deterministic=True`` also asks PyTorch for deterministic kernels, which
    matters on GPUs (some CUDA kernels use atomics) and costs some speed.
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True)
        torch.backends.cudnn.benchmark = False


def setup_notebook(seed: int = 0, assignment: bool = False) -> None:
    """The first call in every notebook: seed everything and fix print precision (chapter 00).

    ``assignment=True`` (in copies that ``course assign`` hands out): ``hint()`` never points to
    the solution notebooks.

    Printing 4 decimals keeps stored outputs identical across CPU models, whose
    last floating-point digits can differ (AVX2 versus AVX-512, thread counts). In a notebook it
    also explains common PyTorch errors under their traceback (``course_utils/companion/errors.py``).
    """
    from .companion import hint
    from .companion.errors import install_explainer

    hint.POINT_TO_SOLUTIONS = not assignment
    install_explainer()
    seed_everything(seed)
    torch.set_printoptions(precision=4, sci_mode=False)
    np.set_printoptions(precision=4, suppress=True)
    try:
        import matplotlib as mpl
    except ImportError:  # plotting is optional for the helpers
        return
    mpl.rcParams.update({"figure.figsize": (6.0, 4.0), "figure.dpi": 80, "axes.grid": True})
