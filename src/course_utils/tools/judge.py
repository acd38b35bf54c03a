"""Grading one submitted notebook: rebuild it, run it in a sandbox, judge it from outside.

1. **Rebuild.** Only the student's code cells are taken from the submission, each exercise's from
   its own section (between its heading and the next). Their check cells are dropped: the checks
   are the instructor's, and they do not run in the sandbox. The instructor's setup cells run first.
2. **Run.** The cells run one by one in a fresh sandbox (tools/sandbox.py). A cell that runs past the
   time limit or ends the process (``sys.exit`` is caught; ``os._exit`` or a crash is not) is left
   out, the sandbox is started again with the cells that worked, and grading goes on.
3. **Judge.** For each exercise, the checker and the hidden tests run here, in the grader's process,
   on a stand-in for the student's answer. A hang or exit during one exercise costs that exercise.
"""

from __future__ import annotations

import ast
import hashlib
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from ..checks.engine import evaluate
from .sandbox import Limits, Remote, Sandbox, SandboxStopped

EXERCISE_HEADING = re.compile(r"^#{1,6}\s.*?\b(\d\d\.\d+)\b")
ANY_CHECK = re.compile(r"\bcheck\(\s*['\"]\d\d\.\d+")
MAX_NOTEBOOK_BYTES = 20_000_000
#: Exercises whose checkers need the student's objects themselves, not plain data: an autograd graph
#: (grad_fn), an object's class (an nn.Module or autograd.Function subclass, an optimizer, a TorchScript
#: module, an ExportedProgram, a generator, a tensor subclass), or what the student's code did with
#: objects of the checker's (events, profiler results, process groups). Their checker runs inside
#: the sandbox, so a student who attacks the checker there can forge their verdict; every other
#: exercise is judged outside (tools/remote_checks.py proves the two agree). The instructor guide
#: lists them.
CHECKED_IN_SANDBOX = frozenset({
    "01.1", "01.4", "04.1", "04.3", "05.3", "06.1", "06.3", "07.3", "09.5", "10.4", "13.1", "13.2", "13.3",
    "13.4", "14.1", "15.1", "15.2", "15.4", "17.3", "17.5", "19.3", "19.5",
})
VERDICTS = ("pass", "fail", "todo", "error")


@dataclass
class Cell:
    """One cell of the rebuilt notebook: its code, the exercise section it came from, and whether the
    student wrote it (the instructor's setup cells did not)."""

    source: str
    exercise: str | None = None
    student: bool = True


@dataclass
class NotebookResult:
    """The outcome of one submitted notebook: per-exercise (status, message), problems seen, digest."""

    results: dict[str, tuple[str, str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    sha256: str = ""


def exercise_of(cell: Any) -> str | None:
    """The exercise id a markdown heading such as ``## 03.2 Broadcasting`` starts."""
    if cell.get("cell_type") != "markdown":
        return None
    match = EXERCISE_HEADING.match(str(cell.get("source", "")).strip())
    return match.group(1) if match else None


def sections(notebook: nbformat.NotebookNode) -> dict[str | None, list[str]]:
    """{exercise id or None (before the first exercise): the code cells of that section}."""
    found: dict[str | None, list[str]] = {None: []}
    current = None
    for cell in notebook.cells:
        current = exercise_of(cell) or current
        if cell.get("cell_type") == "code":
            found.setdefault(current, []).append(str(cell.get("source", "")))
    return found


def defines(source: str, name: str) -> bool:
    """Whether a cell defines ``name`` at its top level (def, class, assignment or import)."""
    return name in top_level_names(source)


def top_level_names(source: str) -> set[str]:
    """The names a cell binds at its top level; none when it is not valid Python."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def without_checks(source: str) -> str:
    """A cell without its top-level ``check(...)`` calls: the checks are the grader's, not the cell's."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return source
    lines = source.splitlines()
    for node in reversed(tree.body):
        call = node.value if isinstance(node, ast.Expr) else None
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "check":
            del lines[node.lineno - 1:node.end_lineno]
    return "\n".join(lines)


def setup_cells(handout: nbformat.NotebookNode) -> list[str]:
    """The instructor's code cells before the first exercise, without check cells."""
    return [s for s in sections(handout)[None] if not ANY_CHECK.search(s)]


def rebuild(handout: nbformat.NotebookNode, submission: nbformat.NotebookNode, spec: dict) -> list[Cell]:
    """The notebook that runs: the instructor's setup cells, then the student's cells, exercise by exercise."""
    theirs = {key: [without_checks(s) for s in cells] for key, cells in sections(submission).items()}
    setup = setup_cells(handout)
    cells = [Cell(source, student=False) for source in setup]
    cells += [Cell(s) for s in theirs.get(None, []) if s.strip() and s not in setup]
    placed: set[str] = set()
    for exercise_id in spec["exercises"]:
        own = [s for s in theirs.get(exercise_id, []) if s.strip()]
        if not own:  # the heading was edited away: take the cells that define the answer
            own = [without_checks(s) for s in _all_code(submission) if defines(s, spec["answers"][exercise_id])]
        cells += [Cell(s, exercise_id) for s in own if s not in placed]
        placed.update(own)
    return cells


def _all_code(notebook: nbformat.NotebookNode) -> list[str]:
    return [str(c.get("source", "")) for c in notebook.cells if c.get("cell_type") == "code"]


# --------------------------------------------------------------------------- running and judging


class Run:
    """The rebuilt notebook in a sandbox, started again (without the cells that broke it) when needed."""

    def __init__(self, cells: list[Cell], limits: Limits, env: dict[str, str], isolated: bool, shared: Path) -> None:
        self.cells, self.limits, self.env, self.isolated, self.shared = cells, limits, env, isolated, shared
        self.broken: dict[int, str] = {}  # cell index -> why it was left out
        self.errors: list[str] = []
        self.sandbox = self._new()

    def _new(self) -> Sandbox:
        return Sandbox(self.limits, self.env, self.isolated, self.shared)

    def start(self) -> None:
        """Run every cell; leave out (and note) those that hang or end the process."""
        index = 0
        while index < len(self.cells):
            if index not in self.broken:
                try:
                    self.sandbox.request("exec", self.cells[index].source)
                except SandboxStopped as stopped:
                    self.broken[index] = ("ran past the time limit" if stopped.reason == "timed out"
                                          else "ended the process (os._exit, a crash or a limit)")
                    self._replay(index)
                except Exception as exc:  # noqa: BLE001 - the cell raised: note it, as a kernel would
                    self.errors.append(f"{type(exc).__name__} in cell {index + 1}")
            index += 1

    def _replay(self, upto: int) -> None:
        """A fresh sandbox with the cells before ``upto`` that worked."""
        self.sandbox.stop()
        self.sandbox = self._new()
        for index in range(upto):
            if index not in self.broken:
                try:
                    self.sandbox.request("exec", self.cells[index].source)
                except SandboxStopped:
                    self.broken[index] = "stopped the sandbox when it ran again"
                    return self._replay(upto)
                except Exception:  # noqa: BLE001, S110 - already noted the first time
                    pass
        return None

    def restart(self) -> None:
        """After a check stopped the sandbox: all the cells that worked, in a fresh one."""
        self._replay(len(self.cells))

    def stop(self) -> None:
        self.sandbox.stop()

    def broken_in(self, exercise_id: str) -> list[str]:
        return [why for i, why in sorted(self.broken.items()) if self.cells[i].exercise == exercise_id]


def judge_exercise(run: Run, exercise_id: str, answer_name: str, tests: list[str], source: str,
                   lang: str, test_globals: dict[str, Any]) -> tuple[str, str]:
    """Check one exercise from outside the sandbox: the public check, then the hidden tests."""
    try:
        answer = run.sandbox.request("name", answer_name)
    except NameError:
        broken = run.broken_in(exercise_id)
        why = f"a cell of this exercise {broken[0]} and was left out" if broken else "was its cell run?"
        return "fail", f"{answer_name} is not defined ({why})"
    except SandboxStopped as stopped:
        run.restart()
        return "error", f"{exercise_id}: {stopped.reason}: {stopped}"
    if isinstance(answer, Remote):
        answer.source, answer.__name__ = source, answer_name
    if exercise_id in CHECKED_IN_SANDBOX:
        status, message = _evaluate_inside(run, exercise_id, answer, lang)
    else:
        status, message = evaluate(exercise_id, answer, lang)
    if run.sandbox.process is None:  # a call timed out or ended the process: that costs this exercise
        run.restart()
        return "error", f"❌ {exercise_id} {message.split(': ', 1)[-1]}"
    if status != "pass":
        return status, message
    for test in tests:
        namespace = dict(test_globals)
        for name in _names_used(test) - set(namespace):
            try:
                namespace[name] = run.sandbox.request("name", name)
            except NameError:
                pass
        try:
            exec(compile(test, f"<hidden test {exercise_id}>", "exec"), namespace)  # noqa: S102 - instructor's code
        except SandboxStopped as stopped:
            run.restart()
            return "fail", f"a hidden test {stopped.reason}: {stopped}"
        except Exception as exc:  # noqa: BLE001 - any failure fails the hidden test
            return "fail", f"a hidden test failed ({type(exc).__name__}: {str(exc)[:300]})"
    return status, message


def _evaluate_inside(run: Run, exercise_id: str, answer: Any, lang: str) -> tuple[str, str]:
    """The checker run inside the sandbox (CHECKED_IN_SANDBOX); only its two strings come back."""
    try:
        reply = run.sandbox.request("probe", "course_utils.checks.engine.evaluate", (exercise_id, answer, lang), {})
    except SandboxStopped as stopped:
        return "error", f"❌ {exercise_id} {stopped.reason}: {stopped}"
    except Exception as exc:  # noqa: BLE001 - the checker inside could not run
        return "error", f"❌ {exercise_id} the check could not run ({type(exc).__name__}: {str(exc)[:300]})"
    if not (type(reply) is tuple and len(reply) == 2 and reply[0] in VERDICTS and type(reply[1]) is str):
        return "error", f"❌ {exercise_id} the check inside the sandbox gave no verdict"
    return reply[0], reply[1][:2000]


def _names_used(code: str) -> set[str]:
    return {n.id for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Name)}


def judge(path: Path | None, spec: dict, handout: nbformat.NotebookNode, lang: str, limits: Limits,
          isolated: bool, private_tests: dict[str, str]) -> NotebookResult:
    """Grade one submitted notebook (None: not handed in)."""
    ids, outcome = spec["exercises"], NotebookResult()
    if path is None:
        outcome.problems.append("not submitted")
        outcome.results = {i: ("missing", "not submitted") for i in ids}
        return outcome
    try:
        with open(path, "rb") as fh:  # the digest covers the whole file; at most the limit is kept
            data = fh.read(MAX_NOTEBOOK_BYTES + 1)
            digest = hashlib.sha256(data)
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        outcome.sha256 = digest.hexdigest()
        if len(data) > MAX_NOTEBOOK_BYTES:
            raise ValueError("notebook file too large")
        submission = nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same row
        outcome.problems.append(f"unreadable notebook ({type(exc).__name__})")
        outcome.results = {i: ("error", "the notebook could not be read") for i in ids}
        return outcome
    cells = rebuild(handout, submission, spec)
    # All the student's code: a ban reads what the answer needs of it (checks/vocabulary.py student_code).
    source = "\n\n".join(c.source for c in cells if c.student)
    env = {"COURSE_LANG": lang, "COURSE_PROGRESS_FILE": "off", "TQDM_DISABLE": "1", "OMP_NUM_THREADS": "1"}
    shared = Path(tempfile.mkdtemp(prefix="course-grade-shared-"))
    run = Run(cells, limits, env, isolated, shared)
    tempfile.tempdir = str(shared)  # a checker's temporary files go where the sandbox can see them
    try:
        run.start()
        test_globals = trusted_setup(handout)
        for exercise_id in ids:
            tests = [t for t in (spec.get("hidden_tests", {}).get(exercise_id), private_tests.get(exercise_id)) if t]
            outcome.results[exercise_id] = judge_exercise(run, exercise_id, spec["answers"][exercise_id], tests,
                                                          source, lang, test_globals)
    finally:
        run.stop()
        tempfile.tempdir = None
        shutil.rmtree(shared, ignore_errors=True)
    outcome.problems += [f"cell {i + 1} {why}, left out" for i, why in sorted(run.broken.items())]
    if run.errors:
        outcome.problems.append("errors: " + ", ".join(run.errors[:5]))
    return outcome


_SETUP: dict[str, dict[str, Any]] = {}


def trusted_setup(handout: nbformat.NotebookNode) -> dict[str, Any]:
    """The names the instructor's setup cells define (torch, helpers), built here for hidden tests."""
    setup = "\n".join(setup_cells(handout))
    if setup not in _SETUP:
        namespace: dict[str, Any] = {"__name__": "__hidden_tests__"}
        exec(compile(setup, "<setup>", "exec"), namespace)  # noqa: S102 - the instructor's own cells
        _SETUP[setup] = namespace
    return _SETUP[setup]
