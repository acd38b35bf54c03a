"""Run the checkers' unit tests again, with every answer also judged from outside a sandbox.

``python tools/remote_checks.py [tests/test_checks_ch05.py ...]`` (tests/test_remote_checks.py runs it)

Each ``evaluate(id, answer, lang)`` in a chapter's tests (tests/test_checks_chNN.py) is done twice:
as in the notebook, and as ``course grade`` does it, with the answer's code (the test's own
functions and classes) run in a sandbox and judged through a stand-in (tools/judge.py). The two
verdicts must be the same, message included. Exercises that ``course grade`` checks inside the
sandbox (``CHECKED_IN_SANDBOX``), and answers written as lambdas, are judged once, as in the notebook.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import shutil
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from course_utils.checks import engine
from course_utils.tools.authoring import apply_test_env
from course_utils.tools.judge import CHECKED_IN_SANDBOX
from course_utils.tools.sandbox import Limits, Remote, Sandbox

ROOT = Path(__file__).resolve().parents[1]
#: Exercise id -> how many answers were judged both ways.
COMPARED: dict[str, int] = {}


def module_preamble(module: Any) -> str:
    """The test module's imports, helpers and constants, to run in the sandbox first."""
    tree = ast.parse(inspect.getsource(module))
    keep = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.Assign))
            and not (isinstance(node, ast.FunctionDef) and node.name.startswith("test_"))
            and not (isinstance(node, ast.ImportFrom) and node.module == "__future__")]
    return "\n\n".join(ast.unparse(node) for node in keep)


def nested_code(test: Any) -> str:
    """What a test defines inside itself (its answers), as code."""
    body = ast.parse(textwrap.dedent(inspect.getsource(test))).body[0].body
    kinds = (ast.FunctionDef, ast.ClassDef, ast.Assign, ast.Import, ast.ImportFrom)
    return "\n\n".join(ast.unparse(node) for node in body if isinstance(node, kinds))


class BothWays:
    """An ``evaluate`` for one test: judges each answer here and from outside, and notes disagreements."""

    def __init__(self, sandbox: Sandbox, source: str, where: str, failures: list[str]) -> None:
        self.sandbox, self.source, self.where, self.failures = sandbox, source, where, failures

    def __call__(self, exercise_id: str, answer: Any, lang: str = "en") -> tuple[str, str]:
        here = engine.evaluate(exercise_id, answer, lang)
        name = getattr(answer, "__name__", "")
        own = inspect.isfunction(answer) or inspect.isclass(answer) and answer.__module__ == self.where.split("::")[0]
        if exercise_id in CHECKED_IN_SANDBOX or not own or name == "<lambda>":
            return here
        try:
            stand_in = self.sandbox.request("name", name)
        except NameError:
            return here  # defined elsewhere (the solution, imported): not one of this test's answers
        if isinstance(stand_in, Remote):  # as judge.py does: all the code, helpers included
            stand_in.source, stand_in.__name__ = self.source, name
        outside = engine.evaluate(exercise_id, stand_in, lang)
        COMPARED[exercise_id] = COMPARED.get(exercise_id, 0) + 1
        banned = all("which this exercise forbids" in m or "这道练习不允许用它" in m for _, m in (here, outside))
        if outside != here and not (banned and outside[0] == here[0]):  # a ban may quote another spelling first
            self.failures.append(f"{self.where} {exercise_id} {name}: here {here}, from outside {outside}")
        return here


def run_module(path: Path) -> list[str]:
    """Run one test module's tests, every answer judged both ways; return the disagreements."""
    sys.path.insert(0, str(path.parent))
    module = importlib.import_module(path.stem)
    preamble, failures = module_preamble(module), []
    shared = Path(tempfile.mkdtemp(prefix="remote-checks-"))
    tempfile.tempdir = str(shared)  # the checkers' scratch files, seen by both sides (as in judge.py)
    sandbox = Sandbox(Limits(seconds=60), {"COURSE_PROGRESS_FILE": "off"}, shared=shared)
    try:
        for name, test in list(vars(module).items()):
            if not (name.startswith("test_") and inspect.isfunction(test)) or inspect.signature(test).parameters:
                continue
            code = preamble + "\n\n" + nested_code(test)
            try:
                sandbox.request("exec", code)
            except Exception as exc:  # noqa: BLE001 - a test of the stand-ins themselves (it builds its own)
                print(f"skipped {path.name}::{name}: its code does not run on its own ({exc})")
                continue
            module.evaluate = BothWays(sandbox, code, f"{path.stem}::{name}", failures)
            try:
                test()
            except Exception as exc:  # noqa: BLE001 - the verdicts were compared already; a test may
                print(f"note {path.name}::{name}: {exc!r}"[:300])  # also assert one spelling of a ban, say
            finally:
                module.evaluate = engine.evaluate
    finally:
        sandbox.stop()
        tempfile.tempdir = None
        shutil.rmtree(shared, ignore_errors=True)
    return failures


def main(paths: list[str]) -> int:
    apply_test_env()  # the unit tests' settings (CPU kernels, offline), as under pytest
    files = [Path(p).resolve() for p in paths] or sorted((ROOT / "tests").glob("test_checks_ch[0-9]*.py"))
    failures = [f for path in files for f in run_module(path)]
    print("compared:", " ".join(f"{i}×{n}" for i, n in sorted(COMPARED.items())))
    print("\n".join(failures) or f"all {len(files)} modules agree")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
