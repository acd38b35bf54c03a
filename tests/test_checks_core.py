"""check(): one line of feedback, in the notebook's language, recorded for graders."""

from __future__ import annotations

import json
import sys

import pytest

from course_utils.checks import CHECKERS, CheckFailed, check, checker, evaluate, language, load_all
from course_utils.checks.catalog import CATALOG, CHAPTER_OF, CHAPTERS, EXERCISES


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
