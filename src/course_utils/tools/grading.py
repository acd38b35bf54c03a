"""The instructor workflow: build an assignment, then grade the submitted notebooks.

``course assign --edition en --out hw1 03_tensors 05.2``
    writes ``hw1/student/`` (the exercise notebooks and a README to hand out) and
    ``hw1/instructor/`` (the handed-out copies, the solutions, and ``assignment.json`` with the
    check cells and the hidden tests, which never reach the student copy).

``course grade hw1 submissions/ --out results/ [--hidden-tests private.py]``
    grades every submitted notebook: its answer cells run in a sandbox (tools/sandbox.py), the
    checks and hidden tests run outside it (tools/judge.py). Then, with every sandbox gone, it
    writes ``grades.csv`` (with each submission's SHA-256) and one feedback file per student.

Submissions are ``submissions/<student>/<chapter>.ipynb``, or
``submissions/<student>.ipynb`` when the assignment has a single notebook.
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import re
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

from ..checks.catalog import CHAPTER_OF
from .authoring import BEGIN_HIDDEN, END_HIDDEN, KERNELSPEC, read_notebook, to_exercise
from .judge import NotebookResult, exercise_of, judge
from .sandbox import UNPROTECTED, Limits, sandbox_problem

ROOT = Path(__file__).resolve().parents[3]
CHECK_CALL = re.compile(r"""check\(\s*["'](\d\d\.\d+)["']\s*,\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)""")
#: A sentence that sends the student to the solution notebooks ("Stuck? The full solutions are in `solutions/...`.").
SOLUTION_POINTER = re.compile(r"(Stuck\?\s*|卡住了？)?[^.?!。？！\n]*`solutions/[^`]*`[^.?!。？！\n]*[.?!。？！]?")
PRIVATE_TEST = re.compile(r"^# %%\s+(\d\d\.\d+)\s*$")


class SandboxRefused(RuntimeError):
    """``grade`` found no sandbox and was not told to grade without one."""


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


def answer_names(exercise: nbformat.NotebookNode) -> dict[str, str]:
    """{exercise id: the name its ``check(...)`` call checks} of a student copy."""
    return {exercise_id: answer for cell in exercise.cells if cell.cell_type == "code"
            for exercise_id, answer in CHECK_CALL.findall(cell.source)}


STUDENT_README = """# Assignment / 作业

Notebooks: {notebooks}
Exercises: {ids}

1. Open each notebook in the course environment (`make lab`, kernel "PyTorch course").
2. In every exercise, replace `raise NotImplementedError(...)` with your code and run the `check(...)` cell below it.
3. Write each answer in its own exercise's section (helper functions too): only your code cells are graded,
   by the instructor's own checks, so editing a `check(...)` cell changes nothing.
4. Restart the kernel and "Run All" once before you hand in, then submit the .ipynb file(s) unchanged in name.

The instructor also runs hidden tests, so make your functions work for any valid input, not just the ones `check()` tries.

---

1. 在课程环境中打开每个笔记本（`make lab`，内核选 "PyTorch course"）。
2. 在每道练习里把 `raise NotImplementedError(...)` 换成你的代码，然后运行下面的 `check(...)` 单元格。
3. 每道题的代码（包括辅助函数）都写在这道题自己的小节里：评分只取你写的代码单元格，再用老师自己的检查来判，
   所以改动 `check(...)` 单元格不会有任何作用。
4. 提交前重启内核并 "Run All" 一次，然后提交 .ipynb 文件（不要改文件名）。

老师还会运行隐藏测试，所以你的函数要对任何合法输入都正确，而不只是 `check()` 试过的那些。
"""


def handout(solution: nbformat.NotebookNode, chapter: str, edition: str, ids: list[str]) -> nbformat.NotebookNode:
    """The student copy of an assignment: the exercise notebook with only the chosen exercises, no
    line pointing to ``solutions/``, and hints that stop before naming the solution notebook."""
    exercise = keep_exercises(to_exercise(solution, chapter, edition), ids)
    exercise.metadata["kernelspec"] = dict(KERNELSPEC)
    for cell in exercise.cells:
        if cell.cell_type == "markdown":
            lines = [SOLUTION_POINTER.sub("", line).rstrip() for line in cell.source.splitlines()]
            cell.source = "\n".join(line for line in lines if line.strip() not in ("*", "-"))
        elif "setup_notebook()" in cell.source:
            cell.source = cell.source.replace("setup_notebook()", "setup_notebook(assignment=True)")
    return exercise


def build_assignment(items: list[str], edition: str, out: Path, root: Path = ROOT) -> Path:
    """Write ``out/student`` and ``out/instructor`` for the chosen chapters or exercises."""
    if edition not in ("zh", "en"):
        raise ValueError("edition must be 'zh' or 'en'")
    chosen = resolve(items)
    student, instructor = out / "student", out / "instructor"
    for folder in (student, instructor / "solutions", instructor / "handout"):
        folder.mkdir(parents=True, exist_ok=True)
    manifest: dict = {"edition": edition, "notebooks": {}}
    for chapter, ids in chosen.items():
        solution = read_notebook(root / "solutions" / edition / f"{chapter}.ipynb")
        exercise = handout(solution, chapter, edition, ids)
        nbformat.write(exercise, student / f"{chapter}.ipynb")
        nbformat.write(exercise, instructor / "handout" / f"{chapter}.ipynb")  # what grading rebuilds from
        shutil.copy(root / "solutions" / edition / f"{chapter}.ipynb", instructor / "solutions")
        answers = answer_names(exercise)
        missing = [i for i in ids if i not in answers]
        if missing:
            raise ValueError(f"{chapter}: no check() cell for {missing}")
        hidden = hidden_tests(solution)
        manifest["notebooks"][chapter] = {
            "exercises": ids,
            "answers": {i: answers[i] for i in ids},
            "hidden_tests": {i: hidden[i] for i in ids if i in hidden},
        }
    (instructor / "assignment.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    all_ids = [i for ids in chosen.values() for i in ids]
    (student / "README.md").write_text(
        STUDENT_README.format(notebooks=", ".join(f"{c}.ipynb" for c in chosen), ids=", ".join(all_ids))
    )
    return out


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


def private_tests(path: Path | None) -> dict[str, str]:
    """An instructor's own hidden tests: a Python file, kept outside the repository, in which a line
    ``# %% 03.2`` starts the tests of exercise 03.2. They run like the course's hidden tests."""
    if path is None:
        return {}
    tests: dict[str, list[str]] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if match := PRIVATE_TEST.match(line.strip()):
            current = match.group(1)
            tests.setdefault(current, [])
        elif current is not None:
            tests[current].append(line)
    unknown = sorted(set(tests) - set(CHAPTER_OF))
    if unknown:
        raise ValueError(f"{path}: no exercise {', '.join(unknown)}")
    return {exercise_id: "\n".join(lines) for exercise_id, lines in tests.items()}


def grade(assignment: Path, submissions: Path, out: Path, timeout: float = 60, jobs: int = 2,
          hidden: Path | None = None, limits: Limits | None = None, unprotected: bool = False) -> Path:
    """Grade every submission; then write ``out/grades.csv`` and ``out/feedback/<student>.md``.

    ``timeout``: seconds for one cell or one call of the student's code. Without a sandbox on this
    machine, grading stops with ``SandboxRefused`` unless ``unprotected`` is True.
    """
    problem = sandbox_problem()
    if problem and not unprotected:
        raise SandboxRefused(f"no sandbox: {problem}. To grade anyway, trusted submissions only, pass "
                             f"--no-sandbox, which leaves: {'; '.join(UNPROTECTED)}.")
    manifest = json.loads((assignment / "instructor" / "assignment.json").read_text())
    lang, specs = manifest["edition"], manifest["notebooks"]
    handouts = {c: read_notebook(assignment / "instructor" / "handout" / f"{c}.ipynb") for c in specs}
    extra = private_tests(hidden)
    limits = limits or Limits(seconds=timeout)
    students = find_submissions(submissions, list(specs))
    jobs_list = [(s, c) for s in students for c in specs]
    context = multiprocessing.get_context("spawn")  # fresh, trusted workers; each keeps torch loaded
    with ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=context) as pool:
        futures = [pool.submit(judge, students[s][c], specs[c], handouts[c], lang, limits, problem is None, extra)
                   for s, c in jobs_list]
        outcomes = dict(zip(jobs_list, (f.result() for f in futures)))
    _stop_resource_tracker()
    # Every sandbox is gone now (each judge() stops its own): only now is anything written.
    write_gradebook(out, students, specs, outcomes)
    return out / "grades.csv"


def _stop_resource_tracker() -> None:
    """The process pool started multiprocessing's resource tracker, a child that would outlive
    grading; stop it (it starts again whenever it is needed)."""
    from multiprocessing import resource_tracker

    stop = getattr(resource_tracker._resource_tracker, "_stop", None)  # noqa: SLF001 - no public way
    if stop is not None:
        stop()


def write_gradebook(out: Path, students: dict, specs: dict, outcomes: dict[tuple[str, str], NotebookResult]) -> None:
    """``grades.csv`` (one row per student, with the SHA-256 of each notebook graded) and the feedback files."""
    ids = [i for spec in specs.values() for i in spec["exercises"]]
    out.mkdir(parents=True, exist_ok=True)
    (out / "feedback").mkdir(exist_ok=True)
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student", *ids, "total", "status", "sha256"])
        for student in students:
            results, problems, digests = {}, [], []
            for chapter in specs:
                outcome = outcomes[(student, chapter)]
                results.update(outcome.results)
                problems += [f"{chapter}: {p}" for p in outcome.problems]
                digests += [f"{chapter}:{outcome.sha256}"] if outcome.sha256 else []
            scores = [1 if results[i][0] == "pass" else 0 for i in ids]
            writer.writerow([student, *scores, sum(scores), "; ".join(problems) or "ok", " ".join(digests)])
            (out / "feedback" / f"{student}.md").write_text(feedback(student, ids, results, problems), encoding="utf-8")


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
