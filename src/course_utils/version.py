"""The course's version (chapter 00): one number for the whole course, ``[project] version`` in
pyproject.toml. ``course_utils.__version__``, ``course --version`` and the first lines of
``doctor()``'s report show it; ``make release`` checks that CHANGELOG.md, CITATION.cff and the git
tag agree with it. A checkout imported without being installed reads pyproject.toml itself.
"""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"

try:
    __version__ = importlib.metadata.version("course_utils")
except importlib.metadata.PackageNotFoundError:  # not installed: read the checkout's pyproject.toml
    found = PYPROJECT.is_file() and re.search(r'^version = "([^"]+)"', PYPROJECT.read_text("utf-8"), re.M)
    __version__ = found.group(1) if found else "unknown"
