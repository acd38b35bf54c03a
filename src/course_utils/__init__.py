"""course_utils: the helper package of the PyTorch notebook course.

Notebooks import what they need from here::

    from course_utils import setup_notebook, get_device, check
    setup_notebook()          # seed everything, fix print precision
    device = get_device()     # cuda, then mps, then cpu

Read the modules: they are short and part of the course.

``course_utils.__version__`` is the course's version (see ``version.py``).

The heavier helpers (checks, data, plotting, training) are loaded on first use
(PEP 562 ``__getattr__``), so a process that needs one helper does not pay for the others:
chapter 14's torchrun workers import ``course_utils.distributed`` without loading
matplotlib, scikit-learn and every chapter's checks.
"""

from __future__ import annotations

import importlib
from typing import Any

from .device import get_device, seed_everything, setup_notebook
from .doctor import doctor
from .settings import downloads_enabled, offline_note

#: The names loaded on first use, and the module that defines each.
_LAZY = {"__version__": "version", "check": "checks", "digits_datasets": "data", "load_digits_tensors": "data",
         "evaluate": "training", "fit": "training", "plot_history": "plotting", "show_images": "plotting",
         "hint": "companion.hint"}

__all__ = ["check", "digits_datasets", "doctor", "downloads_enabled", "evaluate", "fit", "get_device", "hint",
           "load_digits_tensors", "offline_note", "plot_history", "seed_everything", "setup_notebook", "show_images"]


def __getattr__(name: str) -> Any:
    """Import ``name`` from its module the first time someone asks for it."""
    if name not in _LAZY:
        raise AttributeError(f"module 'course_utils' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
