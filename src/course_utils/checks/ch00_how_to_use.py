"""Checks for 00_how_to_use."""

from __future__ import annotations

from .core import CheckFailed, exercise
from .helpers import expect_callable, expect_equal

CHAPTER = "00_how_to_use"


@exercise("00.1", CHAPTER, "return a greeting", "返回一句问候")
def check_greet(greet) -> None:
    expect_callable(greet)
    result = greet("Ada")
    if result is None:
        raise CheckFailed(
            "greet('Ada') returned None. Did you print() the text instead of return-ing it?",
            "greet('Ada') 返回了 None。你是不是用了 print() 而不是 return？",
        )
    for name in ("Ada", "世界"):
        expect_equal(greet(name), f"Hello, {name}!", f"greet({name!r})", f"greet({name!r})")


@exercise("00.2", CHAPTER, "find a solution notebook", "找到答案笔记本")
def check_solution_path(solution_path) -> None:
    expect_callable(solution_path)
    got = solution_path("03_tensors", "zh")
    if isinstance(got, str) and got.startswith("exercises/"):
        raise CheckFailed(
            "exercises/ holds the student copies; the full solutions are in solutions/.",
            "exercises/ 里是学生版；完整答案在 solutions/ 里。",
        )
    for chapter, edition in (("03_tensors", "zh"), ("09_training", "en")):
        expect_equal(
            str(solution_path(chapter, edition)),
            f"solutions/{edition}/{chapter}.ipynb",
            f"solution_path({chapter!r}, {edition!r})",
            f"solution_path({chapter!r}, {edition!r})",
        )


@exercise("00.3", CHAPTER, "count the chapters", "数一数章节")
def check_count_lessons(count_lessons) -> None:
    expect_callable(count_lessons)
    names = ["00_how_to_use.ipynb", "00_how_to_use.py", "01_what_is_pytorch.ipynb", "01_what_is_pytorch.py", "README.md"]
    got = count_lessons(names)
    if got == len(names) or got == 4:
        raise CheckFailed(
            "count each notebook once: every .ipynb has a .py twin, and README.md is not a lesson. "
            "Hint: keep only names ending in '.ipynb'.",
            "每个笔记本只数一次：每个 .ipynb 都有一个 .py 孪生文件，README.md 也不是课。提示：只保留以 '.ipynb' 结尾的名字。",
        )
    expect_equal(got, 2, "count_lessons(names)", "count_lessons(names)")
    expect_equal(count_lessons([]), 0, "count_lessons([])", "count_lessons([])")
