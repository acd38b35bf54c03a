"""Exercise checks. Importing this package registers every chapter's checkers.

Each chapter has a module ``chNN_slug.py`` here; it is imported automatically.
"""

import importlib
import pkgutil

from .core import REGISTRY, RESULTS, CheckFailed, Exercise, check, evaluate, exercise, language

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("ch")):
    importlib.import_module(f"{__name__}.{_module}")

__all__ = ["REGISTRY", "RESULTS", "CheckFailed", "Exercise", "check", "evaluate", "exercise", "language"]
