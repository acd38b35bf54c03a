"""Small comparisons that checkers share, each failing with a specific message."""

from __future__ import annotations

from typing import Any

from .core import CheckFailed


def expect_callable(answer: Any) -> None:
    """Exercises ask for a function: catch a value passed where the function was wanted."""
    if not callable(answer):
        raise CheckFailed(
            f"pass the function itself (without calling it), got a {type(answer).__name__}.",
            f"请传入函数本身（不要加括号调用），而你传入的是 {type(answer).__name__}。",
        )


def expect_equal(actual: Any, expected: Any, what_en: str, what_zh: str) -> None:
    """Fail with both values when ``actual != expected``."""
    if actual != expected:
        raise CheckFailed(
            f"{what_en}: expected {expected!r}, got {actual!r}.",
            f"{what_zh}：应为 {expected!r}，实际得到 {actual!r}。",
        )
