"""The download switch.

The course runs offline by default. Code that downloads a dataset or
pretrained weights stays in the notebooks, but only runs when the student
sets ``COURSE_DOWNLOAD=1`` before starting Jupyter.
"""

from __future__ import annotations

from .settings import DOWNLOAD_VAR, env_flag


def downloads_enabled() -> bool:
    """True when ``COURSE_DOWNLOAD`` is 1/true/yes; False (offline) otherwise."""
    return env_flag(DOWNLOAD_VAR)


def offline_note(what: str) -> str:
    """One line saying which data a notebook uses, for example ``offline_note('MNIST')``."""
    if downloads_enabled():
        return f"{DOWNLOAD_VAR}=1: downloading {what}."
    return f"Offline mode: using data shipped with the course instead of {what} (set {DOWNLOAD_VAR}=1 to download)."
