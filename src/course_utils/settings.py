"""Environment switches the course reads (all off unless set), and the download switch.

The course runs offline by default. Code that downloads a dataset or
pretrained weights stays in the notebooks, but only runs when the student
sets ``COURSE_DOWNLOAD=1`` before starting Jupyter.
"""

from __future__ import annotations

import os

DOWNLOAD_VAR = "COURSE_DOWNLOAD"
REQUIRE_GPU_VAR = "COURSE_REQUIRE_GPU"
LANG_VAR = "COURSE_LANG"
RESULTS_VAR = "COURSE_RESULTS"


def env_flag(name: str) -> bool:
    """True when the environment variable ``name`` is set to 1, true, yes or on (chapter 00)."""
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def downloads_enabled() -> bool:
    """True when ``COURSE_DOWNLOAD`` is 1/true/yes; False (offline) otherwise (chapter 00)."""
    return env_flag(DOWNLOAD_VAR)


def offline_note(what: str) -> str:
    """One line saying which data a notebook uses, for example ``offline_note('MNIST')`` (chapter 00)."""
    if downloads_enabled():
        return f"{DOWNLOAD_VAR}=1: downloading {what}."
    return f"Offline mode: using data shipped with the course instead of {what} (set {DOWNLOAD_VAR}=1 to download)."
