"""Small comparisons that checkers share, each failing with a specific message."""

from __future__ import annotations

from typing import Any

import torch

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


def generator(seed: int) -> torch.Generator:
    """A private random generator, so a check never disturbs the notebook's random state."""
    return torch.Generator().manual_seed(seed)


def expect_returned(result: Any, call: str) -> Any:
    """Catch the classic forgotten ``return`` (the function gave back None)."""
    if result is None:
        raise CheckFailed(
            f"{call} returned None. Did you forget `return`?",
            f"{call} 返回了 None。是不是忘了 `return`？",
        )
    return result


def expect_tensor(result: Any, call: str) -> torch.Tensor:
    """The result must be a tensor; say what it was otherwise."""
    expect_returned(result, call)
    if not isinstance(result, torch.Tensor):
        raise CheckFailed(
            f"{call} should return a torch.Tensor, got a {type(result).__name__}.",
            f"{call} 应返回 torch.Tensor，实际得到 {type(result).__name__}。",
        )
    return result
