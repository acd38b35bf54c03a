"""Judged from outside the sandbox, every answer in the checkers' unit tests gets the verdict it gets
in the notebook (tools/remote_checks.py); and the instructor guides list the exercises that are not."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from course_utils.checks.catalog import EXERCISES
from course_utils.tools.judge import CHECKED_IN_SANDBOX
from course_utils.tools.sandbox import sandbox_problem

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import remote_checks  # noqa: E402


@pytest.mark.timeout(900)
def test_every_verdict_from_outside_is_the_verdict_inside():
    if problem := sandbox_problem():
        pytest.fail(f"grading needs its sandbox: {problem}")
    modules = sorted((ROOT / "tests").glob("test_checks_ch[0-9]*.py"))
    failures = [failure for path in modules for failure in remote_checks.run_module(path)]
    assert failures == []
    judged_outside = set(EXERCISES) - CHECKED_IN_SANDBOX
    assert sorted(judged_outside - set(remote_checks.COMPARED)) == [], "exercises no unit test judged from outside"


@pytest.mark.parametrize("edition", ["en", "zh"])
def test_the_guide_lists_the_exercises_checked_inside(edition):
    text = (ROOT / "docs" / f"instructor_guide.{edition}.md").read_text(encoding="utf-8")
    paragraph = next(p for p in text.split("\n- ") if "CHECKED_IN_SANDBOX" in p)
    listed = set(re.findall(r"\b\d\d\.\d\b", paragraph))
    for chapter, start, end in re.findall(r"\b(\d\d)\.(\d)–\1\.(\d)\b", paragraph):  # 13.1–13.4
        listed |= {f"{chapter}.{k}" for k in range(int(start), int(end) + 1)}
    assert listed == set(CHECKED_IN_SANDBOX)
    assert f"{len(CHECKED_IN_SANDBOX)} " in paragraph and f"{len(EXERCISES) - len(CHECKED_IN_SANDBOX)}" in paragraph
