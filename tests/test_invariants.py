"""Spec section 6: the repository invariants, each shown to fail when broken."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_utils.checks.catalog import CHAPTERS, EDITIONS, KINDS
from course_utils.tools.authoring import exercise_problems, pair_problems, read_notebook, write_pair

from .invariants import (
    ROOT,
    chapter_problems,
    edition_output_problems,
    edition_problems,
    marker_problems,
    numbers_in,
    reading_path_problems,
    repeated_number_problems,
    solution_problems,
    stamp_problems,
    stub_problems,
    unexecuted_cells,
    zh_quote_problems,
)

NOTEBOOK_FOLDERS = [ROOT / kind for kind in KINDS]


def copy_course(tmp_path: Path) -> Path:
    """A copy of the course's notebooks (and jupytext.toml) to break things in."""
    for kind in KINDS:
        shutil.copytree(ROOT / kind, tmp_path / kind)
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copy(ROOT / "jupytext.toml", tmp_path)
    return tmp_path


# ---------------------------------------------------------------- 1. pairs in sync


def test_every_notebook_has_its_twin_in_sync():
    problems = [p for folder in NOTEBOOK_FOLDERS for p in pair_problems(folder)]
    assert problems == []


def test_pair_check_catches_drift_and_missing_twins(tmp_path):
    root = copy_course(tmp_path)
    lesson = root / "notebooks" / "zh" / "00_how_to_use"
    with open(lesson.with_suffix(".py"), "a", encoding="utf-8") as fh:
        fh.write("\n# %%\nprint('edited only in the .py')\n")
    (root / "notebooks" / "en" / "00_how_to_use.py").unlink()
    (root / "solutions" / "en" / "00_how_to_use.ipynb").unlink()
    problems = pair_problems(root / "notebooks") + pair_problems(root / "solutions")
    assert any("zh/00_how_to_use.ipynb: .py twin is out of sync" in p for p in problems)
    assert any("en/00_how_to_use.ipynb: no .py twin" in p for p in problems)
    assert any("en/00_how_to_use.py: no .ipynb twin" in p for p in problems)


def test_twin_is_what_the_jupytext_cli_prints():
    notebook = ROOT / "notebooks" / "zh" / "00_how_to_use.ipynb"
    cli = subprocess.run(
        [sys.executable, "-m", "jupytext", "--to", "py:percent", "--output", "-", str(notebook)],
        capture_output=True, text=True, check=True,
    ).stdout
    assert cli == notebook.with_suffix(".py").read_text(encoding="utf-8")


# ---------------------------------------------------------------- 2. exercises/ is generated


def test_exercises_are_exactly_what_make_exercises_generates():
    assert exercise_problems(ROOT) == []


def test_exercise_check_catches_hand_edits_and_strays(tmp_path):
    root = copy_course(tmp_path)
    edited = root / "exercises" / "en" / "00_how_to_use.ipynb"
    notebook = read_notebook(edited)
    notebook.cells[-1].source += "\n(edited by hand)"
    write_pair(notebook, edited)
    (root / "exercises" / "zh" / "00_how_to_use.py").unlink()
    shutil.copy(edited, root / "exercises" / "en" / "99_stray.ipynb")
    problems = exercise_problems(root)
    assert any("en/00_how_to_use.ipynb: differs" in p for p in problems)
    assert any("zh/00_how_to_use.py: missing" in p for p in problems)
    assert any("99_stray.ipynb: has no solution notebook" in p for p in problems)


def test_exercise_facts_drift_is_caught(tmp_path):
    """An exercise's id and title live in checks/catalog.py; headings and the guides' lists must follow."""
    root = copy_course(tmp_path)
    solution = root / "solutions" / "en" / "09_training.ipynb"
    notebook = read_notebook(solution)
    cell = next(c for c in notebook.cells if c.cell_type == "markdown" and c.source.startswith("## 09.3"))
    cell.source = cell.source.replace(cell.source.splitlines()[0], "## 09.3 An evaluation function")
    write_pair(notebook, solution)
    guide = root / "docs" / "instructor_guide.zh.md"
    guide.write_text(guide.read_text(encoding="utf-8").replace("按列标准化", "标准化"), encoding="utf-8")
    problems = exercise_problems(root)
    assert any("en/09_training.ipynb: heading '## 09.3 An evaluation function' should be" in p for p in problems)
    assert any("instructor_guide.zh.md: differs" in p for p in problems)


def test_no_answers_in_the_reading_path():
    assert reading_path_problems() == []


def test_reading_path_check_catches_an_answer_in_a_helper_and_a_checker_import(tmp_path):
    root = copy_course(tmp_path)
    script = root / "solutions" / "en" / "04_gpu.py"
    script.write_text(script.read_text(encoding="utf-8") + "\nfrom course_utils.checks.ch04_gpu import x\n",
                      encoding="utf-8")
    helpers = tmp_path / "helpers"
    helpers.mkdir()
    (helpers / "timing.py").write_text("def gflops(n, seconds):\n    return 2 * n**3 / seconds / 1e9\n")
    problems = reading_path_problems(root, helpers)
    assert "solutions/en/04_gpu.py: imports from a checker or a tool: from course_utils.checks.ch04_gpu import x" \
        in problems
    assert "timing.py defines gflops, the answer to exercise 04.2" in problems


def test_exercises_hold_no_solution_code():
    for path in (ROOT / "exercises").glob("*/*.ipynb"):
        text = path.read_text(encoding="utf-8") + path.with_suffix(".py").read_text(encoding="utf-8")
        assert "### BEGIN SOLUTION" not in text and "### END SOLUTION" not in text
        assert "BEGIN HIDDEN TESTS" not in text


# ---------------------------------------------------------------- 3. solutions pass, stubs fail helpfully


SOLUTIONS = sorted((ROOT / "solutions").glob("*/*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("*/*.ipynb"))


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_solution_stores_a_pass_for_every_exercise(path):
    assert solution_problems(path) == []


def test_solution_check_catches_a_failing_solution(tmp_path):
    broken = read_notebook(ROOT / "solutions" / "en" / "00_how_to_use.ipynb")
    for cell in broken.cells:
        for output in cell.get("outputs", []):
            if "✅ 00.2" in output.get("text", ""):
                output["text"] = "❌ 00.2 not yet: expected solutions/zh/03_tensors.ipynb\n"
    path = tmp_path / "00_how_to_use.ipynb"
    nbformat.write(broken, path)
    problems = solution_problems(path)
    assert any("no stored ✅ line for 00.2" in p for p in problems)
    assert any("stored output says '❌ 00.2" in p for p in problems)


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_stub_reports_not_done_yet_with_a_hint(path):
    assert stub_problems(path) == []


def test_stub_check_catches_a_solution_left_in_the_student_copy(tmp_path):
    leaked = tmp_path / "zh" / "00_how_to_use.ipynb"
    leaked.parent.mkdir()
    shutil.copy(ROOT / "solutions" / "zh" / "00_how_to_use.ipynb", leaked)
    problems = stub_problems(leaked)
    assert len(problems) == 3 and "not 'not done yet'" in problems[0]


def test_every_committed_code_cell_was_executed():
    # Strict nbval silently skips a cell that has no execution count, so a lesson or a
    # solution committed without running would not be compared at all.
    assert unexecuted_cells(ROOT / "notebooks") + unexecuted_cells(ROOT / "solutions") == []


def test_unexecuted_check_catches_a_cleared_cell(tmp_path):
    root = copy_course(tmp_path)
    path = root / "notebooks" / "en" / "00_how_to_use.ipynb"
    notebook = read_notebook(path)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    code[2].execution_count, code[2].outputs = None, []
    write_pair(notebook, path)
    assert unexecuted_cells(root / "notebooks") == ["notebooks/en/00_how_to_use.ipynb: code cell 2 was never run"]


def test_nbval_markers_are_alone_on_their_line():
    assert [p for folder in NOTEBOOK_FOLDERS for p in marker_problems(folder)] == []


def test_marker_check_catches_a_marker_with_trailing_text(tmp_path):
    root = copy_course(tmp_path)
    path = root / "notebooks" / "en" / "00_how_to_use.ipynb"
    notebook = read_notebook(path)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    code[2].source = code[2].source.replace("# NBVAL_IGNORE_OUTPUT\n", "# NBVAL_IGNORE_OUTPUT  (paths differ)\n")
    write_pair(notebook, path)
    assert (
        "notebooks/en/00_how_to_use.ipynb: '# NBVAL_IGNORE_OUTPUT  (paths differ)' is not a marker nbval reads"
        in marker_problems(root / "notebooks")
    )


# ---------------------------------------------------------------- 4. two editions


def test_editions_have_the_same_notebooks_and_code():
    assert edition_problems(ROOT) == []


def test_edition_check_ignores_comments_but_catches_code(tmp_path):
    root = copy_course(tmp_path)
    path = root / "notebooks" / "en" / "00_how_to_use.ipynb"
    notebook = read_notebook(path)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    code[1].source = "# a comment only the English edition has\n" + code[1].source
    write_pair(notebook, path)
    assert edition_problems(root) == []
    code[1].source = code[1].source.replace("[4, 5, 6]", "[4, 5, 7]")
    write_pair(notebook, path)
    (root / "solutions" / "zh" / "00_how_to_use.ipynb").unlink()
    problems = edition_problems(root)
    assert "notebooks/00_how_to_use.ipynb: code cell 1 differs between zh and en" in problems
    assert "solutions/00_how_to_use.ipynb: exists in only one edition" in problems


def test_editions_store_the_same_outputs():
    assert edition_output_problems(ROOT) == []


def test_edition_output_check_catches_a_changed_number_but_not_a_translated_message(tmp_path):
    root = copy_course(tmp_path)
    path = root / "notebooks" / "en" / "09_training.ipynb"
    notebook = read_notebook(path)
    cell = next(c for c in notebook.cells if c.cell_type == "code" and "images per digit" in c.source)
    output = cell.outputs[0]
    output.text = output.text.replace("images:", "images: ", 1)
    write_pair(notebook, path)
    assert edition_output_problems(root) == [
        "notebooks/09_training.ipynb: code cell 2 stores different outputs in zh and en"
    ]
    # a check() message speaks the notebook's language: that difference is expected
    path = root / "solutions" / "en" / "03_tensors.ipynb"
    notebook = read_notebook(path)
    cell = next(c for c in notebook.cells if c.cell_type == "code" and "check(" in c.source)
    cell.outputs[0].text = cell.outputs[0].text.replace("checks passed", "checks passed!")
    write_pair(notebook, path)
    assert edition_output_problems(root, kinds=("solutions",)) == []


def test_every_notebook_records_the_course_version_and_the_stack():
    assert stamp_problems(ROOT) == []


def test_stamp_check_catches_a_stale_version(tmp_path):
    root = copy_course(tmp_path)
    shutil.copy(ROOT / "requirements.txt", root)
    assert stamp_problems(root) == []
    path = root / "exercises" / "zh" / "03_tensors.ipynb"
    notebook = read_notebook(path)
    notebook.metadata["course"]["torch"] = "2.10.0"
    path.write_text(nbformat.writes(notebook), encoding="utf-8")
    problems = stamp_problems(root)
    assert len(problems) == 1 and problems[0].startswith("exercises/zh/03_tensors.ipynb: metadata says")


# ---------------------------------------------------------------- 5. the chapter map


def test_every_chapter_in_the_map_is_complete_or_not_started():
    assert chapter_problems(CHAPTERS, ROOT) == []
    assert CHAPTERS[:3] == ("00_how_to_use", "01_what_is_pytorch", "02_installation")


def test_chapter_check_catches_missing_notebooks(tmp_path):
    root = copy_course(tmp_path)
    (root / "exercises" / "en" / "00_how_to_use.ipynb").unlink()
    problems = chapter_problems((*CHAPTERS, "99_extra"), root)
    assert "exercises/en/00_how_to_use.ipynb: missing" in problems
    assert "notebooks/zh/99_extra.ipynb: missing" in problems
    last = CHAPTERS[-1]
    assert f"notebooks/zh/{last}.ipynb: not a chapter of the map" in chapter_problems(CHAPTERS[:-1], root)


def test_the_map_covers_the_spec():
    assert len(CHAPTERS) == 20 and CHAPTERS[0] == "00_how_to_use" and CHAPTERS[-1] == "19_debugging"
    assert EDITIONS == ("zh", "en")


# ---------------------------------------------------------------- prose that holds on any machine


def test_markdown_never_retypes_a_number_an_output_shows():
    # Fails on chapter 11 until its rebuild (issue 16, point 5) stops copying outputs into the prose.
    assert repeated_number_problems(ROOT) == []


def test_number_reading():
    assert numbers_in("1,797 images, 48.65 ms, 0.0995, 100 runs, torch 2.11.0, 5.3x, 42") == {"1797", "48.65", "0.0995"}


def test_repeated_number_check_catches_a_retyped_measurement(tmp_path):
    root = copy_course(tmp_path)
    path = root / "notebooks" / "en" / "09_training.ipynb"
    notebook = read_notebook(path)
    output = next(c for c in notebook.cells if c.cell_type == "code" and "images per digit" in c.source).outputs[0]
    output.text += "measured: 12.345 ms\n"
    markdown = next(c for c in notebook.cells if c.cell_type == "markdown")
    markdown.source += "\n\nOn this machine it took 12.345 ms; the digits dataset has 1,797 images."
    write_pair(notebook, path)
    problems = repeated_number_problems(root, kinds=("notebooks",))
    assert any(p.startswith("notebooks/en/09_training.ipynb: markdown cell 0 repeats 12.345") for p in problems)
    assert not any("repeats 1797" in p for p in problems)  # listed, with its reason
    unlisted = repeated_number_problems(root, kinds=("notebooks",), exceptions={})
    assert any(p.startswith("notebooks/en/09_training.ipynb: markdown cell 0 repeats 1797") for p in unlisted)


# ---------------------------------------------------------------- zh typography


def test_zh_prose_quotes_with_chinese_quotation_marks():
    assert zh_quote_problems(ROOT) == []


def test_zh_quote_check_catches_ascii_quotes_but_not_code(tmp_path):
    root = copy_course(tmp_path)
    path = root / "notebooks" / "zh" / "03_tensors.ipynb"
    notebook = read_notebook(path)
    markdown = next(c for c in notebook.cells if c.cell_type == "markdown")
    markdown.source += '\n\n这是"复制"，而 `print("不算")` 和 "hello" 都不算。'
    write_pair(notebook, path)
    assert zh_quote_problems(root) == [
        'notebooks/zh/03_tensors.ipynb: markdown cell 0 quotes \'"复制"\' with ASCII quotes, not “ ”'
    ]
