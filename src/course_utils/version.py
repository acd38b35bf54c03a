"""The course's version: one number for the whole course, kept in pyproject.toml.

``course_utils.__version__`` (and ``python -m course_utils --version``, and the first lines of
``doctor()``'s report) read it from the installed package's metadata. When course_utils is
imported straight from a checkout without being installed, it falls back to pyproject.toml.
``make release`` checks that CHANGELOG.md, CITATION.cff and the git tag agree with it.
"""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

#: The distribution name in pyproject.toml.
DISTRIBUTION = "course_utils"

#: pyproject.toml of the checkout this module sits in (src/course_utils/version.py).
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"

UNKNOWN = "unknown"


def read_pyproject_version(path: Path = PYPROJECT) -> str | None:
    """``[project] version`` of a pyproject.toml, or None when the file or the key is missing."""
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    try:
        import tomllib  # Python 3.11+
    except ModuleNotFoundError:  # Python 3.10: the [project] table's version line
        table = re.search(r"^\[project\]\s*$(.*?)(?=^\[|\Z)", text, re.MULTILINE | re.DOTALL)
        match = table and re.search(r"""^version\s*=\s*["']([^"']+)["']""", table.group(1), re.MULTILINE)
        return match.group(1) if match else None
    version = tomllib.loads(text).get("project", {}).get("version")
    return str(version) if version else None


def course_version() -> str:
    """The installed course_utils' version; pyproject.toml's when it is not installed."""
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return read_pyproject_version() or UNKNOWN


__version__ = course_version()
