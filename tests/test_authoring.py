"""Exercise generation: solution regions become stubs, and the rules are enforced."""

from __future__ import annotations

import nbformat
import pytest

from course_utils.tools.authoring import (
    STUB,
    AuthoringError,
    code_without_comments,
    stub_source,
    to_exercise,
    write_exercises,
    write_pair,
)

SOLUTION = '''def add(a, b):
    """Return a + b."""
    ### BEGIN SOLUTION
    total = a + b
    return total
    ### END SOLUTION

check("03.1", add)'''


def test_region_becomes_a_stub_with_the_same_indentation():
    stubbed = stub_source(SOLUTION)
    assert "total" not in stubbed and "BEGIN SOLUTION" not in stubbed
    assert f"    {STUB}" in stubbed.splitlines()
    assert stubbed.splitlines()[0] == "def add(a, b):" and stubbed.endswith('check("03.1", add)')


def test_nested_indentation_is_kept():
    source = "class A:\n    def f(self):\n        ### BEGIN SOLUTION\n        return 1\n        ### END SOLUTION\n"
    assert stub_source(source).splitlines()[2] == "        " + STUB


def test_hidden_tests_are_removed():
    source = "x = 1\n### BEGIN HIDDEN TESTS\nassert secret()\n### END HIDDEN TESTS\ny = 2"
    assert stub_source(source) == "x = 1\ny = 2"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", "must be inside a function"),
        ("def f():\n    ### BEGIN SOLUTION\n    return 1", "never closed"),
        ("def f():\n    return 1\n    ### END SOLUTION", "without ### BEGIN SOLUTION"),
        ("def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n", "inside another region"),
    ],
)
def test_broken_regions_are_errors(source, message):
    with pytest.raises(AuthoringError, match=message):
        stub_source(source)


def test_to_exercise_clears_outputs():
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(SOLUTION, execution_count=3)
    cell.outputs = [nbformat.v4.new_output("stream", text="✅ 03.1 checks passed\n")]
    notebook.cells = [nbformat.v4.new_markdown_cell("# Title"), cell]
    exercise = to_exercise(notebook)
    assert exercise.cells[1].outputs == [] and exercise.cells[1].execution_count is None
    assert cell.outputs, "the solution notebook itself is left untouched"


def test_code_without_comments():
    zh = "x = 1  # 注释\n# 只有注释的一行\n\nprint('# not a comment')  # 评论\n%time y = 2"
    en = "x = 1  # a comment\nprint('# not a comment')\n%time y = 2"
    assert code_without_comments(zh) == code_without_comments(en)
    assert code_without_comments("# NBVAL_IGNORE_OUTPUT\nx = 1") != code_without_comments("x = 1")
    assert code_without_comments("x = 1") != code_without_comments("x = 2")


def test_write_exercises_for_one_chapter_leaves_the_others(tmp_path):
    for slug in ("03_tensors", "05_autograd"):
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [nbformat.v4.new_code_cell(SOLUTION, execution_count=1)]
        write_pair(notebook, tmp_path / "solutions" / "zh" / f"{slug}.ipynb")
    stale = tmp_path / "exercises" / "zh" / "99_old.py"
    stale.parent.mkdir(parents=True)
    stale.write_text("old")

    written = write_exercises(tmp_path, slugs=["05_autograd"])
    assert [p.as_posix() for p in written] == ["exercises/zh/05_autograd.ipynb", "exercises/zh/05_autograd.py",
                                               "solutions/zh/05_autograd.ipynb", "solutions/zh/05_autograd.py"]
    assert STUB.split("(")[0] in (tmp_path / "exercises" / "zh" / "05_autograd.py").read_text()
    assert not (tmp_path / "exercises" / "zh" / "03_tensors.py").exists()
    assert stale.exists(), "a one-chapter run must not delete other files"

    write_exercises(tmp_path)
    assert (tmp_path / "exercises" / "zh" / "03_tensors.py").exists() and not stale.exists()
