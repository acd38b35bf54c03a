"""The instructor workflow: assign builds clean student copies; grade survives hostile submissions."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path

import nbformat
import pytest

from course_utils.tools.authoring import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    END_HIDDEN,
    END_SOLUTION,
    STUB,
    read_notebook,
)
from course_utils.tools.grading import build_assignment, grade, keep_exercises, resolve

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ["00_how_to_use", "01_what_is_pytorch"]
# Grading runs about fifteen kernels, one of them until its time limit.
pytestmark = pytest.mark.timeout(900)


def region_lines(source: str) -> list[str]:
    """The non-trivial lines inside solution and hidden-test regions."""
    lines, inside = [], False
    for line in source.splitlines():
        if line.strip() in (BEGIN_SOLUTION, BEGIN_HIDDEN):
            inside = True
        elif line.strip() in (END_SOLUTION, END_HIDDEN):
            inside = False
        elif inside and len(line.strip()) > 12:
            lines.append(line.strip())
    return lines


@pytest.fixture(scope="module")
def assignment(tmp_path_factory) -> Path:
    return build_assignment(CHAPTERS, "en", tmp_path_factory.mktemp("hw") / "hw1")


def test_resolve_chapters_and_ids():
    chosen = resolve(["00", "01.2", "01.4"])
    assert chosen == {"00_how_to_use": ["00.1", "00.2", "00.3"], "01_what_is_pytorch": ["01.2", "01.4"]}
    with pytest.raises(ValueError, match="neither an exercise id nor a chapter"):
        resolve(["99_nothing"])


def test_student_copy_leaks_no_solution_or_hidden_test(assignment):
    student_text = "".join(p.read_text(encoding="utf-8") for p in sorted((assignment / "student").iterdir()))
    secret = [line for c in CHAPTERS for cell in read_notebook(ROOT / "solutions" / "en" / f"{c}.ipynb").cells
              if cell.cell_type == "code" for line in region_lines(cell.source)]
    assert len(secret) > 10
    assert [line for line in secret if line in student_text] == []
    assert "HIDDEN" not in student_text and "BEGIN SOLUTION" not in student_text
    manifest = json.loads((assignment / "instructor" / "assignment.json").read_text())
    assert "Zoë" in manifest["notebooks"]["00_how_to_use"]["hidden_tests"]["00.1"]
    assert (assignment / "instructor" / "solutions" / "00_how_to_use.ipynb").exists()
    assert "hidden tests" in (assignment / "student" / "README.md").read_text()


def test_assigning_single_exercises_keeps_only_their_sections(tmp_path):
    out = build_assignment(["01.2"], "zh", tmp_path / "hw")
    notebook = read_notebook(out / "student" / "01_what_is_pytorch.ipynb")
    text = "\n".join(cell.source for cell in notebook.cells)
    assert 'check("01.2"' in text and 'check("01.1"' not in text and 'check("01.4"' not in text
    assert "setup_notebook()" in text
    manifest = json.loads((out / "instructor" / "assignment.json").read_text())
    assert manifest["notebooks"]["01_what_is_pytorch"]["exercises"] == ["01.2"]


def test_keep_exercises_cuts_at_headings():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# Intro"), nbformat.v4.new_markdown_cell("## 03.1 A"),
                      nbformat.v4.new_code_cell("a"), nbformat.v4.new_markdown_cell("## 03.2 B"),
                      nbformat.v4.new_code_cell("b")]
    assert [c.source for c in keep_exercises(notebook, ["03.2"]).cells] == ["# Intro", "## 03.2 B", "b"]


# ---------------------------------------------------------------- submissions


def solved(chapter: str, assignment: Path) -> nbformat.NotebookNode:
    """The student copy with every stub replaced by the solution's code (hidden tests left out)."""
    student = read_notebook(assignment / "student" / f"{chapter}.ipynb")
    solution = read_notebook(ROOT / "solutions" / "en" / f"{chapter}.ipynb")
    for mine, theirs in zip(student.cells, solution.cells, strict=True):
        if mine.cell_type == "code" and STUB in mine.source:
            mine.source = "\n".join(line for line in theirs.source.splitlines() if "### " not in line)
    return student


def replace_function(notebook, name: str, code: str) -> None:
    cell = next(c for c in notebook.cells if c.cell_type == "code" and c.source.startswith(f"def {name}("))
    cell.source = code


def insert_after_setup(notebook, code: str) -> None:
    index = next(i for i, c in enumerate(notebook.cells) if "setup_notebook()" in c.source)
    notebook.cells.insert(index + 1, nbformat.v4.new_code_cell(code))


def drop_check(notebook, exercise_id: str) -> None:
    notebook.cells = [c for c in notebook.cells if f'check("{exercise_id}"' not in c.source]


def edit_check(notebook, exercise_id: str, new: str) -> None:
    cell = next(c for c in notebook.cells if f'check("{exercise_id}"' in c.source)
    cell.source = new


def write(folder: Path, student: str, chapter: str, notebook) -> None:
    (folder / student).mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, folder / student / f"{chapter}.ipynb")


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def graded(assignment, tmp_path_factory):
    subs = tmp_path_factory.mktemp("submissions")
    c00, c01 = CHAPTERS
    write(subs, "alice", c00, solved(c00, assignment))
    write(subs, "alice", c01, solved(c01, assignment))

    bob = solved(c00, assignment)  # partly correct; chapter 01 not handed in
    replace_function(bob, "greet", 'def greet(name):\n    return f"Hi, {name}"')
    write(subs, "bob", c00, bob)

    carol = solved(c00, assignment)  # passes the public check of 00.1 but not the hidden test
    replace_function(carol, "greet", 'def greet(name):\n    return {"Ada": "Hello, Ada!", "世界": "Hello, 世界!"}[name]')
    write(subs, "carol", c00, carol)
    looping = solved(c01, assignment)
    insert_after_setup(looping, "while True:\n    pass")
    write(subs, "carol", c01, looping)

    dave = solved(c00, assignment)  # raises, then calls sys.exit, but his functions are right
    insert_after_setup(dave, "1 / 0")
    insert_after_setup(dave, "import sys\nsys.exit(3)")
    write(subs, "dave", c00, dave)

    erin = solved(c00, assignment)  # kills the kernel
    insert_after_setup(erin, "import os\nos._exit(1)")
    write(subs, "erin", c00, erin)

    frank = solved(c00, assignment)  # deletes his working folders and prints megabytes
    insert_after_setup(frank, "import os, shutil\nhere = os.getcwd()\n"
                              "for target in [here, os.path.dirname(here), os.path.expanduser('~')]:\n"
                              "    shutil.rmtree(target, ignore_errors=True)\nprint('x' * 5_000_000)")
    write(subs, "frank", c00, frank)

    grace = solved(c00, assignment)  # edits one check cell and deletes another
    edit_check(grace, "00.2", 'check("00.2", lambda chapter, edition: f"solutions/{edition}/{chapter}.ipynb")')
    drop_check(grace, "00.3")
    write(subs, "grace", c00, grace)

    (subs / "heidi").mkdir()
    (subs / "heidi" / f"{c00}.ipynb").write_text("{ this is not a notebook")

    before = (tree_digest(assignment), tree_digest(ROOT / "solutions"))
    out = tmp_path_factory.mktemp("results")
    grade(assignment, subs, out, timeout=30, jobs=2)
    assert (tree_digest(assignment), tree_digest(ROOT / "solutions")) == before, "grading changed the instructor's files"
    assert (subs / "frank" / f"{c00}.ipynb").exists(), "a submission deleted another file"
    with open(out / "grades.csv", encoding="utf-8") as fh:
        return {row["student"]: row for row in csv.DictReader(fh)}, out


SCORES = {  # 00.1 00.2 00.3 01.1 01.2 01.3 01.4 total
    "alice": "1 1 1 1 1 1 1 7",
    "bob": "0 1 1 0 0 0 0 2",
    "carol": "0 1 1 0 0 0 0 2",
    "dave": "1 1 1 0 0 0 0 3",
    "erin": "0 0 0 0 0 0 0 0",
    "frank": "1 1 1 0 0 0 0 3",
    "grace": "1 0 0 0 0 0 0 1",
    "heidi": "0 0 0 0 0 0 0 0",
}
STATUS = {
    "alice": r"^ok$",
    "bob": r"01_what_is_pytorch: not submitted",
    "carol": r"01_what_is_pytorch: timed out",
    "dave": r"00_how_to_use: errors: .*ZeroDivisionError",
    "erin": r"00_how_to_use: kernel died",
    "frank": r"^01_what_is_pytorch: not submitted$",
    "grace": r"check cell changed \(00\.2\).*check cell removed \(00\.3\)",
    "heidi": r"00_how_to_use: unreadable notebook",
}


def test_grades_csv_cell_by_cell(graded):
    rows, _ = graded
    assert list(rows) == sorted(SCORES)
    ids = ["00.1", "00.2", "00.3", "01.1", "01.2", "01.3", "01.4", "total"]
    for student, expected in SCORES.items():
        assert [rows[student][i] for i in ids] == expected.split(), student
        assert re.search(STATUS[student], rows[student]["status"]), (student, rows[student]["status"])


def test_feedback_explains_each_result(graded):
    _, out = graded
    bob = (out / "feedback" / "bob.md").read_text()
    assert "Checks passed: 2 / 7" in bob and "expected 'Hello, Ada!', got 'Hi, Ada'" in bob
    carol = (out / "feedback" / "carol.md").read_text()
    assert "a hidden test failed" in carol and "timed out" in carol
    assert len((out / "feedback" / "frank.md").read_text()) < 10_000
    assert sorted(p.stem for p in (out / "feedback").iterdir()) == sorted(SCORES)
