"""check(): one line of feedback, in the notebook's language, recorded for graders."""

from __future__ import annotations

import json

import pytest

from course_utils.checks import REGISTRY, RESULTS, check, evaluate, language
from course_utils.checks.core import CheckFailed, exercise


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
    assert RESULTS["00.1"] == "fail"


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


def test_ids_cannot_be_registered_twice():
    with pytest.raises(ValueError, match="registered twice"):
        exercise("00.1", "00_how_to_use", "again", "again")(lambda answer: None)


def test_check_failed_carries_both_languages():
    failed = CheckFailed("wrong", "不对")
    assert failed.text("en") == "wrong" and failed.text("zh") == "不对"
    assert CheckFailed("only english").text("zh") == "only english"


def test_every_exercise_has_titles_and_a_known_chapter():
    from course_utils.chapters import CHAPTERS

    for exercise_id, ex in REGISTRY.items():
        assert ex.chapter in CHAPTERS and exercise_id[:2] == ex.chapter[:2]
        assert ex.title_en and ex.title_zh
