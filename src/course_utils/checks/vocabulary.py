"""The words every checker is written in: comparisons, messages and known mistakes.

A checker reads like a list of facts about the student's answer::

    result = expect_tensor(call_unchanged(fn, x, call=call), call, shape=x.shape, dtype=x.dtype)
    diagnose(result, expected, STANDARDIZE_MISTAKES, call, x)

``diagnose`` passes when ``result`` matches ``expected``; otherwise it fails with the hint of the
first known mistake the result looks like, and with a plain "wrong values" message when none fits.
Every failure is a ``CheckFailed`` with an English and a Chinese text, prefixed by the call that
went wrong, so the student sees which input broke their function.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

import torch

from .engine import CheckFailed

# --------------------------------------------------------------------------- messages


def fail(call: str, en: str, zh: str) -> NoReturn:
    """Fail with ``call: en`` / ``call：zh`` (``call`` empty: the texts alone)."""
    if not call:
        raise CheckFailed(en, zh)
    raise CheckFailed(f"{call}: {en}", f"{call}：{zh}")


def fmt(value: Any, digits: int = 4) -> str:
    """A number, or a tensor's values as a flat list, with ``digits`` decimals."""
    if isinstance(value, torch.Tensor):
        values = value.detach().to(torch.float64).flatten().tolist()
        return "[" + ", ".join(f"{v:.{digits}f}" for v in values) + "]"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return repr(value)


def shape_of(value: Any) -> str:
    """A tensor's shape as a plain tuple, ``(2, 3)``, for messages."""
    return str(tuple(value.shape))


# --------------------------------------------------------------------------- comparisons


def is_tensor(value: Any) -> bool:
    """A real tensor: a subclass that could redefine ``==`` or ``allclose`` does not count."""
    return type(value) in (torch.Tensor, torch.nn.Parameter)


def same(actual: Any, expected: Any, atol: float = 1e-5, rtol: float = 1e-5) -> bool:
    """Same shape and the same values: exact for integers and booleans, within the tolerances
    (compared in float64) when either side is floating point. NaN is never equal to anything."""
    if not (is_tensor(actual) and is_tensor(expected)) or actual.shape != expected.shape:
        return False
    actual, expected = actual.detach().cpu(), expected.detach().cpu()
    if actual.is_floating_point() or expected.is_floating_point():
        return torch.allclose(actual.double(), expected.double(), atol=atol, rtol=rtol)
    return torch.equal(actual, expected)


def close(actual: float, expected: float, rel: float = 1e-6, abs: float = 1e-9) -> bool:  # noqa: A002
    """Two numbers equal within a relative and an absolute tolerance."""
    return math.isclose(actual, expected, rel_tol=rel, abs_tol=abs)


def matches(actual: Any, expected: Any, atol: float = 1e-5, rtol: float = 1e-5) -> bool:
    """``same`` for tensors, ``close`` for numbers, ``==`` for anything else."""
    if isinstance(expected, torch.Tensor):
        return same(actual, expected, atol, rtol)
    if isinstance(expected, float) and isinstance(actual, (int, float)) and not isinstance(actual, bool):
        return math.isclose(actual, expected, rel_tol=rtol, abs_tol=atol)
    return type(actual) is type(expected) and actual == expected


# --------------------------------------------------------------------------- what the answer must be


def expect_callable(answer: Any) -> None:
    """Exercises ask for a function: catch a value passed where the function was wanted."""
    if not callable(answer):
        fail("", f"pass the function itself (without calling it), got a {type(answer).__name__}.",
             f"请传入函数本身（不要加括号调用），而你传入的是 {type(answer).__name__}。")


def expect_equal(actual: Any, expected: Any, what_en: str, what_zh: str) -> None:
    """Fail with both values when ``actual != expected``."""
    if actual != expected:
        fail(what_en, f"expected {expected!r}, got {actual!r}.", f"应为 {expected!r}，实际得到 {actual!r}。")


def expect_returned(result: Any, call: str) -> Any:
    """Catch the classic forgotten ``return`` (the function gave back None)."""
    if result is None:
        raise CheckFailed(f"{call} returned None. Did you forget `return`?",
                          f"{call} 返回了 None。是不是忘了 `return`？")
    return result


def expect_tensor(result: Any, call: str, shape: Sequence[int] | None = None,
                  dtype: torch.dtype | None = None) -> torch.Tensor:
    """The result must be a real tensor, of ``shape`` and ``dtype`` when they are given."""
    expect_returned(result, call)
    if not is_tensor(result):
        raise CheckFailed(f"{call} should return a torch.Tensor, got a {type(result).__name__}.",
                          f"{call} 应返回 torch.Tensor，实际得到 {type(result).__name__}。")
    if shape is not None and tuple(result.shape) != tuple(shape):
        fail(call, f"expected shape {tuple(shape)}, got {shape_of(result)}.",
             f"形状应为 {tuple(shape)}，实际得到 {shape_of(result)}。")
    if dtype is not None and result.dtype != dtype:
        fail(call, f"expected dtype {dtype}, got {result.dtype}.", f"dtype 应为 {dtype}，实际得到 {result.dtype}。")
    return result


def as_number(result: Any, call: str) -> float:
    """A Python number or a one-element tensor as a float; anything else fails with a hint."""
    expect_returned(result, call)
    if is_tensor(result):
        if result.numel() != 1:
            raise CheckFailed(
                f"{call} should return one number, got a tensor of shape {shape_of(result)}.",
                f"{call} 应该返回一个数，实际得到形状为 {shape_of(result)} 的张量。",
            )
        return float(result.detach().real.item() if result.is_complex() else result.detach().item())
    if isinstance(result, (int, float)) and not isinstance(result, bool):
        return float(result)
    raise CheckFailed(f"{call} should return a number, got a {type(result).__name__}.",
                      f"{call} 应该返回一个数，实际得到的是 {type(result).__name__}。")


def call_unchanged(fn: Callable, *args: torch.Tensor, call: str) -> Any:
    """Call ``fn(*args)`` and fail if it modified any argument in place."""
    before = [a.clone() for a in args]
    result = fn(*args)
    if not all(a.shape == b.shape and torch.equal(a, b) for a, b in zip(args, before)):
        fail(call, "changed its input in place (an in-place method ending in `_`, `+=`, `-=`, or assigning "
             "into the argument). The caller's tensor must stay as it was: compute a new tensor, or clone() first.",
             "原地修改了它的输入（以 `_` 结尾的原地方法、`+=`、`-=`，或给参数的元素赋值）。"
             "调用者的张量必须保持原样：计算出一个新张量，或者先 clone()。")
    return result


# --------------------------------------------------------------------------- known mistakes


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer and its hint.

    ``wrong(*inputs)`` computes what that wrong answer returns for the checker's inputs (``None``
    when the mistake cannot be told apart on them). ``en`` and ``zh`` may use ``{fields}`` that
    ``diagnose`` fills in from its keyword arguments.
    """

    wrong: Callable[..., Any]
    en: str
    zh: str


def diagnose(result: Any, expected: Any, mistakes: Iterable[Mistake], call: str, *inputs: Any,
             atol: float = 1e-5, rtol: float = 1e-5, otherwise: tuple[str, str] | None = None,
             **fields: Any) -> None:
    """Pass if ``result`` matches ``expected``; otherwise fail with the best hint we have.

    In order: the first known mistake that ``result`` matches; a wrong shape; ``otherwise``
    (en, zh), or a generic "wrong values" message.
    """
    if matches(result, expected, atol, rtol):
        return
    for mistake in mistakes:
        wrong = mistake.wrong(*inputs)
        if wrong is not None and matches(result, wrong, atol, rtol):
            fail(call, mistake.en.format(**fields), mistake.zh.format(**fields))
    if is_tensor(expected) and is_tensor(result) and result.shape != expected.shape:
        fail(call, f"expected shape {shape_of(expected)}, got {shape_of(result)}.",
             f"形状应为 {shape_of(expected)}，实际得到 {shape_of(result)}。")
    if otherwise is not None:
        fail(call, otherwise[0].format(**fields), otherwise[1].format(**fields))
    fail(call, f"wrong values: expected {fmt(expected)}, got {fmt(result)}.",
         f"数值不对：应为 {fmt(expected)}，实际得到 {fmt(result)}。")


def when_raises(error: BaseException, needle: str, call: str, en: str, zh: str) -> None:
    """Turn an error whose message contains ``needle`` into a hint; re-raise anything else."""
    if needle in str(error):
        fail(call, en.format(error=error), zh.format(error=error))


# --------------------------------------------------------------------------- randomness


def generator(seed: int) -> torch.Generator:
    """A private random generator, so a check never disturbs the notebook's random state."""
    return torch.Generator().manual_seed(seed)


@contextmanager
def private_rng(seed: int = 0) -> Iterator[None]:
    """Seed torch inside the block and give the notebook its random state back afterwards."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield
