"""check(): one line of feedback, in the notebook's language, recorded for graders."""

from __future__ import annotations

import functools
import json
import sys

import pytest
import torch

from course_utils.checks import CHECKERS, CheckFailed, check, checker, evaluate, language, load_all
from course_utils.checks.catalog import CATALOG, CHAPTER_OF, CHAPTERS, EXERCISES
from course_utils.checks.engine import Submitted
from course_utils.checks.vocabulary import expect_not_called, student_code


def greet(name):
    return f"Hello, {name}!"


def stub(*args):
    raise NotImplementedError("Write your code here / 在这里写你的代码")


def test_pass_fail_and_todo_lines(capsys, monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "en")
    check("00.1", greet)
    check("00.1", stub)
    check("00.1", lambda name: f"Hi, {name}!")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "✅ 00.1 checks passed: return a greeting"
    assert lines[1].startswith("⏳ 00.1 not done yet") and "NotImplementedError" in lines[1]
    assert lines[2].startswith("❌ 00.1 not yet:") and "expected 'Hello, Ada!', got 'Hi, Ada!'" in lines[2]


def test_chinese_notebooks_get_chinese_feedback(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")
    status, message = evaluate("00.1", stub, language())
    assert status == "todo" and "还没有完成" in message


def test_language_follows_the_notebook_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("COURSE_LANG", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    (tmp_path / "zh").mkdir()
    monkeypatch.chdir(tmp_path / "zh")
    assert language() == "zh"
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "notebooks" / "en" / "03_tensors.ipynb"))
    assert language() == "en"
    monkeypatch.delenv("JPY_SESSION_NAME")
    monkeypatch.chdir(tmp_path)
    assert language() == "en"


def test_student_exceptions_become_one_line_without_traceback(capsys, monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "en")

    def broken(name):
        return name + 1

    check("00.1", broken)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "Traceback" not in out
    assert out.startswith("❌ 00.1 your code raised TypeError")


def test_a_value_instead_of_a_function_gets_a_hint():
    status, message = evaluate("00.1", greet("Ada"), "en")
    assert status == "fail" and "pass the function itself" in message


def test_unknown_exercise_id():
    status, message = evaluate("99.9", greet, "en")
    assert status == "error" and "unknown exercise id '99.9'" in message


def test_results_are_recorded_for_graders(tmp_path, monkeypatch):
    record = tmp_path / "results.jsonl"
    monkeypatch.setenv("COURSE_RESULTS", str(record))
    monkeypatch.setenv("COURSE_LANG", "en")
    check("00.1", greet)
    check("00.2", stub)
    rows = [json.loads(line) for line in record.read_text().splitlines()]
    assert [(r["id"], r["status"]) for r in rows] == [("00.1", "pass"), ("00.2", "todo")]


def test_a_checker_needs_a_catalog_entry_and_only_one_checker_per_id():
    load_all()
    with pytest.raises(ValueError, match="two checkers"):
        checker("00.1")(lambda answer: None)
    with pytest.raises(ValueError, match="not in checks/catalog.py"):
        checker("99.9")(lambda answer: None)


def test_check_failed_carries_both_languages():
    failed = CheckFailed("wrong", "不对")
    assert failed.text("en") == "wrong" and failed.text("zh") == "不对"
    assert CheckFailed("only english").text("zh") == "only english"


def test_every_exercise_has_titles_a_chapter_and_exactly_one_checker():
    assert set(load_all()) == set(EXERCISES)
    for exercise_id, facts in EXERCISES.items():
        assert exercise_id[:2] == CHAPTER_OF[exercise_id][:2] and facts.en and facts.zh
    assert list(CATALOG) == list(CHAPTERS)


def test_a_chapters_checks_load_when_its_first_exercise_is_checked(tmp_path):
    """check() imports only the chapter it needs: a fresh process checking 03.1 never loads ch09."""
    code = (
        "import sys; from course_utils.checks import evaluate\n"
        "evaluate('03.1', lambda x: x.permute(0, 3, 1, 2))\n"
        "print(sorted(m.rsplit('.', 1)[1] for m in sys.modules if m.startswith('course_utils.checks.ch')))"
    )
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['ch03_tensors']"


def test_exits_and_interrupts_from_student_code_become_messages():
    def exits(x):
        raise SystemExit(3)

    def interrupted(x):
        raise KeyboardInterrupt

    def recurses(x):
        return recurses(x)

    for answer, name in ((exits, "SystemExit"), (interrupted, "KeyboardInterrupt"), (recurses, "RecursionError")):
        status, message = evaluate("03.1", answer, "en")
        assert status == "error" and name in message
    assert "03.1" in CHECKERS


def _exits(*args):
    raise SystemExit(3)


def _interrupted(*args):
    raise KeyboardInterrupt


def _recurses(*args):
    return _recurses(*args)


ESCAPES = [(_exits, "SystemExit"), (_interrupted, "KeyboardInterrupt"), (_recurses, "RecursionError")]


@pytest.mark.parametrize("exercise_id", ["00.1", "03.2", "03.5", "05.1", "09.3", "10.2", "13.3"])
def test_exits_interrupts_and_recursion_never_escape_a_checker(exercise_id):
    """Checkers that catch some errors themselves (broadcasting, missing graph, pickling) let these reach evaluate()."""
    for answer, name in ESCAPES:
        status, message = evaluate(exercise_id, answer, "en")
        assert status == "error" and f"your code raised {name}" in message, message
        status, message = evaluate(exercise_id, answer, "zh")
        assert status == "error" and f"你的代码抛出了异常 {name}" in message, message


def test_check_prints_and_records_exits_interrupts_and_recursion(tmp_path, monkeypatch, capsys):
    record = tmp_path / "results.jsonl"
    monkeypatch.setenv("COURSE_RESULTS", str(record))
    monkeypatch.setenv("COURSE_LANG", "en")
    for answer, _ in ESCAPES:
        check("03.1", answer)  # returns normally: nothing escapes
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [f"❌ 03.1 your code raised {name}" for _, name in ESCAPES]
    assert lines[0].startswith("❌ 03.1 your code raised SystemExit: 3")
    rows = [json.loads(line) for line in record.read_text().splitlines()]
    assert [r["status"] for r in rows] == ["error"] * 3


# ---------------------------------------------------------------- bans read the student's code


_top_level_alias = torch.cdist


def _helper(a, b):
    return torch.functional.cdist(a, b)


def _answer_with_helper(a, b):
    return _helper(a, b)


class _Remote(Submitted):
    def __init__(self, source):
        self.source = source

    def __call__(self, *args):
        raise AssertionError("a ban reads the code, it never calls the answer")


def _ban(answer, name=None):
    expect_not_called(answer, ["torch.cdist"], "Use broadcasting.", "用广播。", name=name)


def test_student_code_follows_the_answers_own_helpers_only():
    code = student_code(_answer_with_helper)
    assert "def _answer_with_helper" in code and "def _helper" in code
    assert "def cdist" not in code  # library code is not read
    assert student_code(_Remote("x = 1")) == "x = 1"


def test_student_code_of_a_submitted_notebook_keeps_what_the_answer_needs():
    cells = ("import torch\nimport math as m\nfrom torch import cdist\n\nSCALE = m.sqrt(2)\n\n"
             "def helper(a):\n    return a * SCALE\n\ndef answer(a, b):\n    return helper(a) - b\n\n"
             "def other(a, b):\n    return cdist(a, b)\n")
    kept = student_code(_Remote(cells), "answer")
    assert kept.split("\n\n") == ["import math as m", "SCALE = m.sqrt(2)", "def helper(a):\n    return a * SCALE",
                                   "def answer(a, b):\n    return helper(a) - b"]
    _ban(_Remote(cells), name="answer")  # answer never reaches cdist
    with pytest.raises(CheckFailed, match="from torch import cdist"):
        _ban(_Remote(cells))  # no name: the whole source is read
    assert student_code(_Remote(cells), "renamed") == cells  # the name is not defined: everything is read


def test_student_code_without_source_gives_none_and_no_ban():
    for no_source in (len, torch.add, functools.partial(_answer_with_helper)):
        assert student_code(no_source) is None
        _ban(no_source)  # nothing to read: no ban, no crash
    _ban(_Remote("this is not python ("))  # does not parse: no ban
    _ban(_Remote("%time x = 1\n!ls\ny = 2"))  # notebook magics are skipped


@pytest.mark.parametrize(("answer", "found"), [
    (_answer_with_helper, "torch.functional.cdist"),
    (lambda a, b: _top_level_alias(a, b), "_top_level_alias (= torch.cdist)"),
    (_Remote("import torch.functional as F\nd = F.cdist"), "F.cdist"),
    (_Remote("from torch import cdist as d\nd(a, b)"), "from torch import cdist"),
    (_Remote("f = getattr(torch, 'cdist')"), "getattr(torch, 'cdist')"),
    (_Remote("f = vars(torch)['cdist']"), "'cdist'"),
    (_Remote("%time cdist(a, b)\nz = cdist(a, b)"), "cdist"),
])
def test_expect_not_called_catches_every_spelling(answer, found):
    with pytest.raises(CheckFailed) as failed:
        _ban(answer)
    assert failed.value.en == f"your code uses `{found}`, which this exercise forbids. Use broadcasting."
    assert failed.value.zh == f"你的代码用到了 `{found}`，这道练习不允许用它。用广播。"


def test_expect_not_called_lets_own_names_and_other_functions_through():
    _ban(_Remote("def cdist(a, b):\n    return a - b\n\nz = cdist(a, b)"))  # the student's own cdist
    _ban(_Remote("z = torch.linalg.norm(a[:, None] - b[None], dim=-1)  # no cdist here"))
