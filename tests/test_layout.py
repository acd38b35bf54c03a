"""The helper package's three rooms: lesson helpers students read, exercise checks, and tools."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "course_utils"
MAX_LESSON_LINES = 2000
CHAPTER = re.compile(r"\b[Cc]hapters? \d\d")


def lesson_modules(package: Path = PACKAGE) -> list[Path]:
    """The lesson helpers: the package's top-level modules (checks/ and tools/ are other rooms)."""
    return sorted(package.glob("*.py"))


def undocumented_helpers(module: Path) -> list[str]:
    """Public functions and classes whose docstring does not name the chapter that teaches them."""
    missing = []
    for node in ast.parse(module.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
            if not CHAPTER.search(ast.get_docstring(node) or ""):
                missing.append(f"{module.name}: {node.name}")
    return missing


def test_students_read_at_most_2000_lines():
    lines = sum(len(path.read_text(encoding="utf-8").splitlines()) for path in lesson_modules())
    assert lines <= MAX_LESSON_LINES, f"the lesson helpers have {lines} lines"


def test_every_public_lesson_helper_names_its_chapter():
    assert [m for path in lesson_modules() for m in undocumented_helpers(path)] == []


def test_the_chapter_rule_catches_a_helper_without_its_chapter(tmp_path):
    module = tmp_path / "helper.py"
    module.write_text('def seen():\n    """Taught in chapter 03."""\n\n\ndef unseen():\n    """No chapter."""\n')
    assert undocumented_helpers(module) == ["helper.py: unseen"]


def test_lessons_load_no_checks_and_no_tools():
    """Importing the lesson helpers loads neither a chapter's checks nor the instructor tools."""
    code = (
        "import sys, course_utils\n"
        "from course_utils import check, fit, setup_notebook, doctor\n"
        "from course_utils import timing, checkpoint, plotting, graphs, data\n"
        "print(sorted(m for m in sys.modules if m.startswith(('course_utils.checks.ch', 'course_utils.tools'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
