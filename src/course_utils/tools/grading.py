"""The instructor workflow: build an assignment, then grade the submitted notebooks.

``course assign --edition en --out hw1 03_tensors 05.2``
    writes ``hw1/student/`` (the exercise notebooks and a README to hand out) and
    ``hw1/instructor/`` (the solutions and ``assignment.json`` with the check cells
    and the hidden tests, which never reach the student copy).

``course grade hw1 submissions/ --out results/``
    runs every submitted notebook headless, each in its own process and temporary
    folder with a time limit, applies the public checks and the hidden tests, and
    writes ``grades.csv`` and one feedback file per student.

Submissions are ``submissions/<student>/<chapter>.ipynb``, or
``submissions/<student>.ipynb`` when the assignment has a single notebook.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..checks.catalog import CHAPTER_OF
from .authoring import BEGIN_HIDDEN, END_HIDDEN, KERNELSPEC, read_notebook, to_exercise

ROOT = Path(__file__).resolve().parents[3]
EXERCISE_HEADING = re.compile(r"^#{1,6}\s.*?\b(\d\d\.\d+)\b")
CHECK_CALL = re.compile(r"""check\(\s*["'](\d\d\.\d+)["']\s*,\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)""")
MAX_NOTEBOOK_BYTES = 20_000_000
WORKER = Path(__file__).with_name("grade_worker.py")  # runs one notebook in a child process


# --------------------------------------------------------------------------- building


def resolve(items: list[str]) -> dict[str, list[str]]:
    """Turn chapters ("03_tensors" or "03") and exercise ids ("03.2") into {chapter: [ids]}."""
    chosen: dict[str, list[str]] = {}
    for item in items:
        if item in CHAPTER_OF:
            chosen.setdefault(CHAPTER_OF[item], []).append(item)
            continue
        ids = sorted(i for i, slug in CHAPTER_OF.items() if item in (slug, slug.split("_")[0]))
        if not ids:
            raise ValueError(f"{item!r} is neither an exercise id nor a chapter with exercises")
        chosen.setdefault(CHAPTER_OF[ids[0]], []).extend(ids)
    return {chapter: sorted(set(ids)) for chapter, ids in sorted(chosen.items())}


def exercise_of(cell: nbformat.NotebookNode) -> str | None:
    """The exercise id a markdown heading such as ``## 03.2 Broadcasting`` starts."""
    if cell.cell_type != "markdown":
        return None
    match = EXERCISE_HEADING.match(cell.source.strip())
    return match.group(1) if match else None


def keep_exercises(notebook: nbformat.NotebookNode, ids: list[str]) -> nbformat.NotebookNode:
    """Drop the sections (from one exercise heading to the next) of exercises not in ``ids``."""
    kept, current = [], None
    for cell in notebook.cells:
        current = exercise_of(cell) or current
        if current is None or current in ids:
            kept.append(cell)
    notebook.cells = kept
    return notebook


def hidden_tests(solution: nbformat.NotebookNode) -> dict[str, str]:
    """{exercise id: code} for the hidden-test regions, keyed by the check() call before them."""
    tests: dict[str, str] = {}
    for cell in solution.cells:
        if cell.cell_type != "code" or BEGIN_HIDDEN not in cell.source:
            continue
        lines, inside, exercise_id = [], False, None
        for line in cell.source.splitlines():
            if line.strip() == BEGIN_HIDDEN:
                inside = True
            elif line.strip() == END_HIDDEN:
                inside = False
            elif inside:
                lines.append(line)
            elif match := CHECK_CALL.search(line):
                exercise_id = match.group(1)
        if exercise_id is None:
            raise ValueError("a hidden-test region must follow the check() call of its exercise")
        tests[exercise_id] = "\n".join(lines)
    return tests


def check_cells(exercise: nbformat.NotebookNode) -> dict[str, dict[str, str]]:
    """{exercise id: {"source": the check cell, "answer": the name it checks}} of a student copy."""
    cells = {}
    for cell in exercise.cells:
        if cell.cell_type == "code":
            for exercise_id, answer in CHECK_CALL.findall(cell.source):
                cells[exercise_id] = {"source": cell.source.strip(), "answer": answer}
    return cells


STUDENT_README = """# Assignment / 作业

Notebooks: {notebooks}
Exercises: {ids}

1. Open each notebook in the course environment (`make lab`, kernel "PyTorch course").
2. In every exercise, replace `raise NotImplementedError(...)` with your code and run the `check(...)` cell below it.
3. Do not edit or delete the `check(...)` cells: a changed check cell scores 0 for its exercise.
4. Restart the kernel and "Run All" once before you hand in, then submit the .ipynb file(s) unchanged in name.

The instructor also runs hidden tests, so make your functions work for any valid input, not just the ones `check()` tries.

---

1. 在课程环境中打开每个笔记本（`make lab`，内核选 "PyTorch course"）。
2. 在每道练习里把 `raise NotImplementedError(...)` 换成你的代码，然后运行下面的 `check(...)` 单元格。
3. 不要修改或删除 `check(...)` 单元格：被改动的检查单元格对应的练习记 0 分。
4. 提交前重启内核并 "Run All" 一次，然后提交 .ipynb 文件（不要改文件名）。

老师还会运行隐藏测试，所以你的函数要对任何合法输入都正确，而不只是 `check()` 试过的那些。
"""


def build_assignment(items: list[str], edition: str, out: Path, root: Path = ROOT) -> Path:
    """Write ``out/student`` and ``out/instructor`` for the chosen chapters or exercises."""
    if edition not in ("zh", "en"):
        raise ValueError("edition must be 'zh' or 'en'")
    chosen = resolve(items)
    student, instructor = out / "student", out / "instructor"
    for folder in (student, instructor / "solutions"):
        folder.mkdir(parents=True, exist_ok=True)
    manifest: dict = {"edition": edition, "notebooks": {}}
    for chapter, ids in chosen.items():
        solution = read_notebook(root / "solutions" / edition / f"{chapter}.ipynb")
        exercise = keep_exercises(to_exercise(solution, chapter, edition), ids)
        exercise.metadata["kernelspec"] = dict(KERNELSPEC)
        nbformat.write(exercise, student / f"{chapter}.ipynb")
        shutil.copy(root / "solutions" / edition / f"{chapter}.ipynb", instructor / "solutions")
        cells = check_cells(exercise)
        missing = [i for i in ids if i not in cells]
        if missing:
            raise ValueError(f"{chapter}: no check() cell for {missing}")
        hidden = hidden_tests(solution)
        manifest["notebooks"][chapter] = {
            "exercises": ids,
            "check_cells": {i: cells[i]["source"] for i in ids},
            "answers": {i: cells[i]["answer"] for i in ids},
            "hidden_tests": {i: hidden[i] for i in ids if i in hidden},
        }
    (instructor / "assignment.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    all_ids = [i for ids in chosen.values() for i in ids]
    (student / "README.md").write_text(
        STUDENT_README.format(notebooks=", ".join(f"{c}.ipynb" for c in chosen), ids=", ".join(all_ids))
    )
    return out


# --------------------------------------------------------------------------- grading one notebook


@dataclass
class NotebookResult:
    """The outcome of one submitted notebook: per-exercise (status, message) and problems seen."""

    results: dict[str, tuple[str, str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def collect_results(answers: dict[str, str], hidden: dict[str, str], namespace: dict, lang: str) -> dict:
    """Run inside the student's kernel after their code: the public check, then the hidden tests."""
    import contextlib
    import io

    from course_utils.checks import evaluate

    results = {}
    for exercise_id, name in answers.items():
        if name not in namespace:
            results[exercise_id] = ("fail", f"{name} is not defined (was its cell run?)")
            continue
        with contextlib.redirect_stdout(io.StringIO()):
            status, message = evaluate(exercise_id, namespace[name], lang)
            if status == "pass" and exercise_id in hidden:
                try:
                    exec(hidden[exercise_id], dict(namespace))
                except Exception as exc:  # noqa: BLE001 - any failure fails the hidden test
                    status, message = "fail", f"a hidden test failed ({type(exc).__name__}: {exc})"
        results[exercise_id] = (status, message)
    return results


def grading_notebook(submission: nbformat.NotebookNode, spec: dict, lang: str, marker: str) -> nbformat.NotebookNode:
    """The student's code cells (outputs dropped) followed by the grader's own cell."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    for cell in submission.cells:
        if cell.get("cell_type") == "code":
            notebook.cells.append(nbformat.v4.new_code_cell(cell.source))
    grader = (
        "import json as _json\n"
        "from course_utils.tools.grading import collect_results as _collect\n"
        f"print({marker!r} + _json.dumps(_collect({spec['answers']!r}, {spec.get('hidden_tests', {})!r}, "
        f"globals(), {lang!r})))"
    )
    notebook.cells.append(nbformat.v4.new_code_cell(grader))
    return notebook


def compare_check_cells(submission: nbformat.NotebookNode, spec: dict) -> dict[str, str]:
    """{exercise id: "check cell changed"/"check cell removed"} for tampered check cells."""
    sources = [c.source.strip() for c in submission.cells if c.get("cell_type") == "code"]
    tampered = {}
    for exercise_id, source in spec["check_cells"].items():
        if source in sources:
            continue
        mentioned = any(f'check("{exercise_id}"' in s or f"check('{exercise_id}'" in s for s in sources)
        tampered[exercise_id] = "check cell changed" if mentioned else "check cell removed"
    return tampered


def grade_notebook(path: Path | None, spec: dict, lang: str, timeout: int) -> NotebookResult:
    """Grade one submitted notebook in its own temporary folder and process."""
    ids = spec["exercises"]
    outcome = NotebookResult()
    if path is None:
        outcome.problems.append("not submitted")
        outcome.results = {i: ("missing", "not submitted") for i in ids}
        return outcome
    try:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            raise ValueError("notebook file too large")
        submission = nbformat.read(path, as_version=4)
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same row
        outcome.problems.append(f"unreadable notebook ({type(exc).__name__})")
        outcome.results = {i: ("error", "the notebook could not be read") for i in ids}
        return outcome
    tampered = compare_check_cells(submission, spec)
    outcome.problems += [f"{why} ({i})" for i, why in sorted(tampered.items())]
    marker = f"@@grade-{secrets.token_hex(12)}@@"
    # The notebook runs in tmp/work and may delete it (and tmp); the result lives in another folder.
    with tempfile.TemporaryDirectory(prefix="course-grade-", ignore_cleanup_errors=True) as tmp, \
            tempfile.TemporaryDirectory(prefix="course-grade-result-") as result_dir:
        work = Path(tmp) / "work"
        work.mkdir()
        notebook_path, result_path = work / "submission.ipynb", Path(result_dir) / "result.json"
        nbformat.write(grading_notebook(submission, spec, lang, marker), notebook_path)
        env = {**os.environ, "HOME": str(work), "TQDM_DISABLE": "1", "COURSE_LANG": lang,
               "COURSE_PROGRESS_FILE": "off"}  # a student's progress file is never read or written here
        env.pop("COURSE_RESULTS", None)
        command = [sys.executable, str(WORKER), str(notebook_path), str(result_path), str(timeout), KERNELSPEC["name"]]
        process = subprocess.Popen(command, cwd=work, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            process.wait(timeout=timeout + 30)  # the limit, plus the kernel's start-up
            report = json.loads(result_path.read_text()) if result_path.exists() else None
        except subprocess.TimeoutExpired:
            report = {"timed_out": True, "died": False, "errors": [], "stdout": ""}
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # the kernel and anything the notebook started
            process.wait()
    if report is None:
        report = {"timed_out": False, "died": False, "errors": [], "stdout": ""}
        outcome.problems.append("grading failed")
    results = _parse(report["stdout"], marker)
    if report["timed_out"]:
        outcome.problems.append("timed out")
    elif report["died"]:
        outcome.problems.append("kernel died (sys.exit/os._exit or a crash)")
    elif results is None:
        outcome.problems.append("grading cell did not finish")
    if report["errors"]:
        outcome.problems.append("errors: " + ", ".join(report["errors"][:5]))
    for exercise_id in ids:
        if exercise_id in tampered:
            outcome.results[exercise_id] = ("tampered", tampered[exercise_id])
        elif results and exercise_id in results:
            outcome.results[exercise_id] = tuple(results[exercise_id])  # type: ignore[assignment]
        else:
            outcome.results[exercise_id] = ("error", "; ".join(outcome.problems) or "no result")
    return outcome


def _parse(stdout: str, marker: str) -> dict | None:
    for line in stdout.splitlines():
        if line.startswith(marker):
            return json.loads(line[len(marker):])
    return None


# --------------------------------------------------------------------------- grading a class


def find_submissions(folder: Path, chapters: list[str]) -> dict[str, dict[str, Path | None]]:
    """{student: {chapter: path or None}} from ``<student>/<chapter>.ipynb`` or ``<student>.ipynb``."""
    students: dict[str, dict[str, Path | None]] = {}
    for entry in sorted(folder.iterdir()):
        if entry.is_dir():
            students[entry.name] = {c: (entry / f"{c}.ipynb" if (entry / f"{c}.ipynb").is_file() else None)
                                    for c in chapters}
        elif entry.suffix == ".ipynb" and len(chapters) == 1:
            students[entry.stem] = {chapters[0]: entry}
    return students


def grade(assignment: Path, submissions: Path, out: Path, timeout: int = 120, jobs: int = 2) -> Path:
    """Grade every submission; write ``out/grades.csv`` and ``out/feedback/<student>.md``."""
    manifest = json.loads((assignment / "instructor" / "assignment.json").read_text())
    lang, specs = manifest["edition"], manifest["notebooks"]
    students = find_submissions(submissions, list(specs))
    jobs_list = [(s, c) for s in students for c in specs]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        outcomes = dict(zip(jobs_list, pool.map(
            lambda job: grade_notebook(students[job[0]][job[1]], specs[job[1]], lang, timeout), jobs_list)))
    ids = [i for spec in specs.values() for i in spec["exercises"]]
    out.mkdir(parents=True, exist_ok=True)
    (out / "feedback").mkdir(exist_ok=True)
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student", *ids, "total", "status"])
        for student in students:
            results, problems = {}, []
            for chapter in specs:
                outcome = outcomes[(student, chapter)]
                results.update(outcome.results)
                problems += [f"{chapter}: {p}" for p in outcome.problems]
            scores = [1 if results[i][0] == "pass" else 0 for i in ids]
            writer.writerow([student, *scores, sum(scores), "; ".join(problems) or "ok"])
            (out / "feedback" / f"{student}.md").write_text(feedback(student, ids, results, problems), encoding="utf-8")
    return out / "grades.csv"


def feedback(student: str, ids: list[str], results: dict, problems: list[str]) -> str:
    """A student's feedback file: the score, each exercise's result and hint, and what went wrong."""
    score = sum(results[i][0] == "pass" for i in ids)
    lines = [f"# Feedback for {student}", "", f"Checks passed: {score} / {len(ids)}", ""]
    if problems:
        lines += ["Problems:", *[f"- {p}" for p in problems], ""]
    lines += ["| exercise | result | details |", "| --- | --- | --- |"]
    for exercise_id in ids:
        status, message = results[exercise_id]
        lines.append(f"| {exercise_id} | {status} | {message.replace('|', '/').replace(chr(10), ' ')[:300]} |")
    return "\n".join(lines) + "\n"
