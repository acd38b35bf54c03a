"""Checks for 00_how_to_use."""

from __future__ import annotations

from .engine import checker
from .vocabulary import Mistake, diagnose, expect_callable, expect_equal, fail


@checker("00.1")
def check_greet(greet) -> None:
    expect_callable(greet)
    if greet("Ada") is None:
        fail("", "greet('Ada') returned None. Did you print() the text instead of return-ing it?",
             "greet('Ada') 返回了 None。你是不是用了 print() 而不是 return？")
    for name in ("Ada", "世界"):
        expect_equal(greet(name), f"Hello, {name}!", f"greet({name!r})", f"greet({name!r})")


@checker("00.2")
def check_solution_path(solution_path) -> None:
    expect_callable(solution_path)
    got = solution_path("03_tensors", "zh")
    if isinstance(got, str) and got.startswith("exercises/"):
        fail("", "exercises/ holds the student copies; the full solutions are in solutions/.",
             "exercises/ 里是学生版；完整答案在 solutions/ 里。")
    for chapter, edition in (("03_tensors", "zh"), ("09_training", "en")):
        call = f"solution_path({chapter!r}, {edition!r})"
        expect_equal(str(solution_path(chapter, edition)), f"solutions/{edition}/{chapter}.ipynb", call, call)


LESSONS = ["00_how_to_use.ipynb", "00_how_to_use.py", "01_what_is_pytorch.ipynb", "01_what_is_pytorch.py", "README.md"]
TWIN_HINT = ("count each notebook once: every .ipynb has a .py twin, and README.md is not a lesson. "
             "Hint: keep only names ending in '.ipynb'.",
             "每个笔记本只数一次：每个 .ipynb 都有一个 .py 孪生文件，README.md 也不是课。提示：只保留以 '.ipynb' 结尾的名字。")
COUNT_MISTAKES = [Mistake(len, *TWIN_HINT), Mistake(lambda names: len(names) - 1, *TWIN_HINT)]  # all files; all but README


@checker("00.3")
def check_count_lessons(count_lessons) -> None:
    expect_callable(count_lessons)
    got = count_lessons(LESSONS)
    diagnose(got, 2, COUNT_MISTAKES, "count_lessons(names)", LESSONS,
             otherwise=("expected 2, got {got!r}.", "应为 2，实际得到 {got!r}。"), got=got)
    expect_equal(count_lessons([]), 0, "count_lessons([])", "count_lessons([])")
