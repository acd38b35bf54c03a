"""course_utils: the helper package of the PyTorch notebook course.

Notebooks import what they need from here::

    from course_utils import setup_notebook, get_device, check
    setup_notebook()          # seed everything, fix print precision
    device = get_device()     # cuda, then mps, then cpu

Read the modules: they are short and part of the course.
"""

from .checks import check
from .data import digits_datasets, load_digits_tensors
from .device import get_device, seed_everything, setup_notebook
from .doctor import doctor
from .downloads import downloads_enabled, offline_note
from .plotting import plot_history, show_images
from .training import evaluate, fit, train_one_epoch

__all__ = [
    "check",
    "digits_datasets",
    "doctor",
    "downloads_enabled",
    "evaluate",
    "fit",
    "get_device",
    "load_digits_tensors",
    "offline_note",
    "plot_history",
    "seed_everything",
    "setup_notebook",
    "show_images",
    "train_one_epoch",
]
