"""Export exercises to an nbgrader course folder (nbgrader 0.9).

``course export-nbgrader --edition en --out course 03_tensors 05.2`` writes

* ``course/source/<assignment>/<chapter>.ipynb``: the solution notebooks, cut to the chosen
  exercises, with nbgrader's cell metadata (schema 3): every cell with a solution region is an
  "autograded answer" cell, every ``check(...)`` cell an "autograder tests" cell worth one point,
  every other cell locked;
* ``course/nbgrader_config.py`` (only if missing): the course's stub instead of nbgrader's, and
  the cell time limit of the course's tests.

``check()`` prints and never raises, but nbgrader scores a test cell by whether it raises. So
each test cell calls :func:`graded_check` instead: the same line of feedback, then an
``AssertionError`` unless the checks passed. The hidden-test region of the cell stays in the
source notebook; ``nbgrader generate_assignment`` strips it from the release, and
``nbgrader autograde`` puts it back. nbgrader itself is not needed to export, only to use the
result (``tests/test_nbgrader.py`` runs the whole round with the real nbgrader).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from .authoring import (
    BEGIN_SOLUTION,
    END_SOLUTION,
    KERNELSPEC,
    NAVIGATION,
    STUB,
    read_notebook,
    to_exercise,
    with_hint_import,
)
from .grading import CHECK_CALL, ROOT, exercise_of, keep_exercises, resolve

#: The import that each test cell starts with (a locked cell must work on its own).
GRADED_IMPORT = "from course_utils.tools.nbgrader_export import graded_check"
GRADED_CALL = re.compile(r"""graded_check\("(\d\d\.\d+)",""")

NBGRADER_CONFIG = f'''\
# nbgrader configuration written by `course export-nbgrader`; edit it as you like.
c = get_config()  # noqa: F821 (nbgrader provides get_config)

# The course's stub instead of nbgrader's, so the release matches `course assign`'s student copy.
c.ClearSolutions.code_stub = {{"python": {STUB!r}}}
# Some exercises train a small model: allow a cell the time the course's own tests allow.
c.Execute.timeout = 600
'''


def graded_check(exercise_id: str, answer: Any, lang: str = "en") -> None:
    """``check()`` for nbgrader's test cells: print the same line, then raise unless it passed.

    Nothing is written to the student's progress file (``course progress``).
    """
    from ..checks.engine import PASS, evaluate

    status, message = evaluate(exercise_id, answer, lang)
    print(message)
    if status != PASS:
        raise AssertionError(message)


def _grade_id(exercise_id: str | None, kind: str, taken: set[str]) -> str:
    """A unique, readable grade_id such as ``ex03_2-answer`` (``intro-text``, ``ex03_2-code-2``)."""
    base = f"ex{exercise_id.replace('.', '_')}-{kind}" if exercise_id else f"intro-{kind}"
    grade_id, number = base, 1
    while grade_id in taken:
        number += 1
        grade_id = f"{base}-{number}"
    taken.add(grade_id)
    return grade_id


def _test_source(source: str, lang: str) -> str:
    """A check cell with every ``check("ID", name)`` turned into ``graded_check("ID", name, lang=...)``."""
    graded = CHECK_CALL.sub(lambda m: f'graded_check("{m.group(1)}", {m.group(2)}, lang="{lang}")', source)
    return f"{GRADED_IMPORT}  # check() that fails the cell unless the checks pass\n{graded}"


def _split_answer_and_check(cell: NotebookNode) -> list[NotebookNode]:
    """``[cell]``, or two cells when one holds both an answer and, after it, its ``check()`` call
    (chapter 11 does): nbgrader needs the answer and the test in separate cells."""
    lines = cell.source.splitlines()
    if cell.cell_type != "code" or BEGIN_SOLUTION not in cell.source:
        return [cell]
    end = max(i for i, line in enumerate(lines) if line.strip() == END_SOLUTION)
    first_check = next((i for i in range(end + 1, len(lines)) if CHECK_CALL.search(lines[i])), None)
    if first_check is None:
        return [cell]
    answer, test = copy.deepcopy(cell), copy.deepcopy(cell)
    answer.source, test.source = "\n".join(lines[:first_check]).rstrip(), "\n".join(lines[first_check:])
    if "id" in cell:
        test.id = f"{cell.id}-check"
    return [answer, test]


def nbgrader_notebook(solution: NotebookNode, chapter: str, ids: list[str], lang: str) -> NotebookNode:
    """The nbgrader source notebook of one chapter: solutions kept, cells marked, only ``ids``."""
    notebook = to_exercise(solution, chapter, lang)  # the student copy's text ("stuck? hint(...)")
    for cell, original in zip(notebook.cells, solution.cells):
        if cell.cell_type == "code":  # ... but the solutions: nbgrader replaces them itself
            lines = with_hint_import(original.source).splitlines()
            cell.source = "\n".join(line for line in lines if not line.startswith("# NBVAL_"))  # nbval's only
    notebook = keep_exercises(notebook, ids)
    # The navigation cell links to the course's folders, which an nbgrader course does not have.
    notebook.cells = [part for cell in notebook.cells if not cell.source.startswith(NAVIGATION)
                      for part in _split_answer_and_check(cell)]
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    taken: set[str] = set()
    current: str | None = None
    for cell in notebook.cells:
        current = exercise_of(cell) or current
        meta = {"grade": False, "solution": False, "locked": True, "schema_version": 3}
        if cell.cell_type == "code" and BEGIN_SOLUTION in cell.source:
            meta.update(solution=True, locked=False, grade_id=_grade_id(current, "answer", taken))
        elif cell.cell_type == "code" and (calls := CHECK_CALL.findall(cell.source)):
            cell.source = _test_source(cell.source, lang)
            meta.update(grade=True, points=len(calls), grade_id=_grade_id(calls[0][0], "test", taken))
        else:
            meta["grade_id"] = _grade_id(current, "text" if cell.cell_type == "markdown" else "code", taken)
        cell.metadata["nbgrader"] = meta
    return notebook


def export_nbgrader(items: list[str], edition: str, out: Path, assignment: str = "assignment1",
                    root: Path = ROOT) -> list[Path]:
    """Write ``out/source/<assignment>/<chapter>.ipynb`` for the chosen chapters or exercise ids,
    and ``out/nbgrader_config.py`` if it is missing. Returns the files written."""
    if edition not in ("zh", "en"):
        raise ValueError("edition must be 'zh' or 'en'")
    if not assignment or Path(assignment).name != assignment or assignment.startswith("."):
        raise ValueError(f"assignment name {assignment!r} must be a plain folder name")
    folder = out / "source" / assignment
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for chapter, ids in resolve(items).items():
        solution = read_notebook(root / "solutions" / edition / f"{chapter}.ipynb")
        notebook = nbgrader_notebook(solution, chapter, ids, edition)
        missing = sorted(set(ids) - {i for cell in notebook.cells for i in GRADED_CALL.findall(cell.source)})
        if missing:
            raise ValueError(f"{chapter}: no check() cell for {missing}")
        nbformat.write(notebook, folder / f"{chapter}.ipynb")
        written.append(folder / f"{chapter}.ipynb")
    config = out / "nbgrader_config.py"
    if not config.exists():
        config.write_text(NBGRADER_CONFIG, encoding="utf-8")
        written.append(config)
    return written
