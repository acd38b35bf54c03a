"""Exercise checks: ``check("03.2", answer)`` and the checkers behind it.

* ``catalog.py``: every exercise's id, chapter and title (the one source of those facts);
* ``hints.py``: every exercise's ladder of hints, shown by ``hint("03.2")`` (``companion/hint.py``);
* ``engine.py``: ``check()``, ``evaluate()`` and the ``@checker`` registry;
* ``vocabulary.py``: the comparisons, messages and known-mistake tables checkers are written in;
* ``chNN_slug.py``: one chapter's checkers, imported the first time one of them runs.
"""

from __future__ import annotations

import importlib

from .catalog import CHAPTERS, EXERCISES
from .engine import CHECKERS, CheckFailed, check, checker, checker_of, evaluate, language


def load_all() -> dict:
    """Import every chapter's checkers (tests and tools use this; ``check()`` never needs it)."""
    for slug in CHAPTERS:
        importlib.import_module(f"{__name__}.ch{slug}")
    return CHECKERS


__all__ = ["CHECKERS", "CheckFailed", "EXERCISES", "check", "checker", "checker_of", "evaluate",
           "language", "load_all"]
