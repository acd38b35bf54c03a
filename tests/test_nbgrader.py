"""``course export-nbgrader`` with the real nbgrader: generate the release, autograde, read the scores.

nbgrader is an optional extra, not in requirements.txt: without it only the first test runs (the
export alone) and the others are skipped. ``.ci/nbgrader-check`` builds a venv with nbgrader 0.9
on top of .venv and runs this file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_utils.checks.catalog import EXERCISES
from course_utils.tools.authoring import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    END_HIDDEN,
    END_SOLUTION,
    KERNELSPEC,
)
from course_utils.tools.nbgrader_export import export_nbgrader

CHAPTERS = ["03_tensors", "00_how_to_use"]  # 00 has hidden tests
ASSIGNMENT = "hw1"
ROOT = Path(__file__).resolve().parents[1]
# A hard-coded answer: check("00.1") tries "Ada" and "世界" and passes; the hidden test tries "Zoë".
HARD_CODED_GREET = 'def greet(name):\n    return {"Ada": "Hello, Ada!", "世界": "Hello, 世界!"}.get(name)'
pytestmark = pytest.mark.timeout(600)


def nbgrader_meta(path: Path) -> dict[str, dict]:
    """{grade_id: nbgrader cell metadata} of a notebook."""
    return {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"] for c in nbformat.read(path, 4).cells}


def test_export_marks_cells(tmp_path):
    written = export_nbgrader(["03_tensors", "00.1", "11.1"], "en", tmp_path, ASSIGNMENT)
    assert (tmp_path / "nbgrader_config.py") in written
    meta = nbgrader_meta(tmp_path / "source" / ASSIGNMENT / "00_how_to_use.ipynb")
    assert meta["ex00_1-answer"] == {"grade": False, "solution": True, "locked": False,
                                     "grade_id": "ex00_1-answer", "schema_version": 3}
    assert meta["ex00_1-test"]["grade"] and meta["ex00_1-test"]["locked"] and meta["ex00_1-test"]["points"] == 1
    assert not [g for g in meta if g.startswith(("ex00_2", "ex00_3"))]  # only 00.1 was chosen
    tests = [m for m in nbgrader_meta(tmp_path / "source" / ASSIGNMENT / "03_tensors.ipynb").values() if m["grade"]]
    assert sum(m["points"] for m in tests) == 5
    # chapter 11 checks in the answer's cell: the export splits it, the answer first
    cells = nbformat.read(tmp_path / "source" / ASSIGNMENT / "11_text.ipynb", 4).cells
    answer = next(i for i, c in enumerate(cells) if c.metadata["nbgrader"]["grade_id"] == "ex11_1-answer")
    assert "check(" not in cells[answer].source and END_SOLUTION in cells[answer].source
    assert cells[answer + 1].metadata["nbgrader"]["grade_id"] == "ex11_1-test"
    assert 'graded_check("11.1", tokenize, lang="en")' in cells[answer + 1].source


# --------------------------------------------------------------------------- with the real nbgrader


def nbgrader(course: Path, env: dict[str, str], *args: str) -> str:
    """Run ``python -m nbgrader ARGS`` in the course folder; fail the test with its log if it fails."""
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, text=True,
                          capture_output=True, timeout=300)
    log = done.stdout + done.stderr
    assert done.returncode == 0 and "[ERROR]" not in log and "| ERROR]" not in log, log
    return log


def without_markers(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if line.strip() not in (BEGIN_SOLUTION, END_SOLUTION))


def submit(course: Path, student: str, answers: dict[str, str], chapters: list[str] = CHAPTERS) -> None:
    """Hand in the release copies with the answer cells named in ``answers`` ({grade_id: code}) filled in."""
    for chapter in chapters:
        notebook = nbformat.read(course / "release" / ASSIGNMENT / f"{chapter}.ipynb", 4)
        for cell in notebook.cells:
            cell.source = answers.get(cell.metadata["nbgrader"]["grade_id"], cell.source)
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, folder / f"{chapter}.ipynb")


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    """The environment nbgrader runs in: the notebooks' kernel ("pytorch-course") is this Python,
    and this Python's folder is first on PATH (nbgrader runs the `alembic` command)."""
    pytest.importorskip("nbgrader", minversion="0.9", reason="nbgrader is not installed (.ci/nbgrader-check installs it)")
    jupyter = tmp_path_factory.mktemp("jupyter")
    kernel = jupyter / "kernels" / KERNELSPEC["name"]
    kernel.mkdir(parents=True)
    (kernel / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": KERNELSPEC["display_name"], "language": "python"}))
    return {**os.environ, "JUPYTER_PATH": str(jupyter),
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}


@pytest.mark.parametrize("edition", ["en", "zh"])
def test_every_chapter_passes_generate_assignment(env, tmp_path, edition):
    chapters = sorted(p.stem for p in (ROOT / "solutions" / edition).glob("*.ipynb"))
    export_nbgrader(chapters, edition, tmp_path, "all")
    nbgrader(tmp_path, env, "generate_assignment", "all", "--force")
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gradebook:
        assert gradebook.find_assignment("all").max_score == len(EXERCISES)  # one point per exercise
    assert sorted(p.stem for p in (tmp_path / "release" / "all").glob("*.ipynb")) == chapters


@pytest.fixture(scope="module")
def course(tmp_path_factory, env) -> dict:
    """Export, ``nbgrader generate_assignment``, three students hand in, ``nbgrader autograde``."""
    from nbgrader.api import Gradebook

    course = tmp_path_factory.mktemp("nbgrader") / "course"
    export_nbgrader(CHAPTERS, "en", course, ASSIGNMENT)
    nbgrader(course, env, "generate_assignment", ASSIGNMENT, "--force")

    solutions = {grade_id: without_markers(cell.source) for chapter in CHAPTERS
                 for cell in nbformat.read(course / "source" / ASSIGNMENT / f"{chapter}.ipynb", 4).cells
                 if (grade_id := cell.metadata["nbgrader"]["grade_id"]).endswith("-answer")}
    submit(course, "solver", solutions)
    submit(course, "stubber", {})
    # (only 00: nbgrader scores the missing 03_tensors 0, and that saves a kernel)
    submit(course, "hardcoder", {**solutions, "ex00_1-answer": HARD_CODED_GREET}, ["00_how_to_use"])
    nbgrader(course, env, "autograde", ASSIGNMENT, "--force")

    scores: dict[str, dict[str, float]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in ("solver", "stubber", "hardcoder"):
            submission = gradebook.find_submission(ASSIGNMENT, student)
            scores[student] = {grade.name: grade.score for notebook in submission.notebooks
                               for grade in notebook.grades}
            scores[student]["total"] = submission.score
        max_score = gradebook.find_assignment(ASSIGNMENT).max_score
    return {"path": course, "scores": scores, "max_score": max_score, "solutions": solutions}


def cell_sources(course: Path, kind: str) -> str:
    """The code of every cell of the ``kind`` ("source" or "release") notebooks."""
    return "\n".join(cell.source for c in CHAPTERS
                     for cell in nbformat.read(course / kind / ASSIGNMENT / f"{c}.ipynb", 4).cells)


def test_release_has_no_solution_and_no_hidden_test(course):
    source, release = cell_sources(course["path"], "source"), cell_sources(course["path"], "release")
    secret, inside = [], False
    for line in source.splitlines():
        if line.strip() in (BEGIN_SOLUTION, BEGIN_HIDDEN, END_SOLUTION, END_HIDDEN):
            inside = line.strip() in (BEGIN_SOLUTION, BEGIN_HIDDEN)
        elif inside:
            secret.append(line.strip())
    assert len(secret) >= 10 and 'assert greet("Zoë") == "Hello, Zoë!"' in secret
    assert [line for line in release.splitlines() if line.strip() in secret] == []
    for marker in (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN):
        assert marker not in release
    assert release.count("graded_check(") == 8  # five 03 tests and three 00 tests, still there


def test_solutions_score_full_marks(course):
    assert course["max_score"] == 8
    assert course["scores"]["solver"]["total"] == 8, course["scores"]["solver"]


def test_stubs_score_zero(course):
    assert course["scores"]["stubber"]["total"] == 0, course["scores"]["stubber"]


def test_hidden_test_fails_a_hard_coded_answer(course):
    scores = course["scores"]["hardcoder"]
    assert scores["ex00_1-test"] == 0 and scores["ex00_2-test"] == scores["ex00_3-test"] == 1, scores
    assert scores["total"] == 2, scores  # and 03_tensors, not handed in, scores 0
    graded = nbformat.read(course["path"] / "autograded" / "hardcoder" / ASSIGNMENT / "00_how_to_use.ipynb", 4)
    cell = next(c for c in graded.cells if c.metadata["nbgrader"]["grade_id"] == "ex00_1-test")
    assert BEGIN_HIDDEN in cell.source  # autograde put the hidden test back
    outputs = json.dumps(cell.outputs, ensure_ascii=False)
    assert "✅ 00.1" in outputs and "AssertionError" in outputs  # check() passed, the hidden test did not
