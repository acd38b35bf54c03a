"""The words every checker is written in: comparisons, messages and known mistakes.

A checker reads like a list of facts about the student's answer::

    result = expect_tensor(call_unchanged(fn, x, call=call), call, shape=x.shape, dtype=x.dtype)
    diagnose(result, expected, STANDARDIZE_MISTAKES, call, x)

``diagnose`` passes when ``result`` matches ``expected``; otherwise it fails with the hint of the
first known mistake the result looks like, and with a plain "wrong values" message when none fits.
Every failure is a ``CheckFailed`` with an English and a Chinese text, prefixed by the call that
went wrong, so the student sees which input broke their function.

A ban on a library function (``expect_not_called``) reads the code the student wrote
(``student_code``) instead of running it, so it also works when ``course grade`` checks the answer
from another process.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import math
import sys
import textwrap
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

import torch

from .engine import CheckFailed, Submitted

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


# --------------------------------------------------------------------------- what the student wrote


def student_code(answer: Any, name: str | None = None) -> str | None:
    """The code the student wrote for ``answer``, read (never run) by bans such as ``expect_not_called``.

    A live function gives its own source, followed by the source of every function and class of its
    own module (the notebook) that it uses, transitively: a helper that calls a forbidden function is
    read too. Library code is not read. None when there is no source (a built-in, a lambda typed at a
    prompt).

    A ``Submitted`` stand-in (``course grade``) carries the code of the answer cells in ``source``. When
    that code defines the function ``name`` (the stand-in's ``__name__``, else the exercise's name for
    it), only what that function needs is kept: so a ban in 10.1 does not read 10.2's answer.
    """
    if isinstance(answer, Submitted):
        return _needed_by(answer.source, getattr(answer, "__name__", None) or name)
    namespace = _namespace(answer)
    module = getattr(answer, "__module__", None)
    todo, seen, sources = [answer], set(), []
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        source = _source_of(obj)
        if source is None:
            continue
        sources.append(source)
        for used in sorted(_names(_parse(source))):
            value = namespace.get(used)
            if (inspect.isfunction(value) or inspect.isclass(value)) and value.__module__ == module:
                todo.append(value)
    return "\n\n".join(sources) or None


def expect_not_called(answer: Any, banned: Sequence[str], en: str, zh: str, name: str | None = None) -> None:
    """Fail when the student's code uses a function the exercise forbids (a ban read from the code).

    ``banned`` holds dotted names such as ``"torch.cdist"``. The ban reads ``student_code(answer)`` rather
    than watching calls, so it works on a ``Submitted`` stand-in too, and it catches every spelling:
    ``torch.cdist(...)``, ``torch.functional.cdist(...)``, ``F.cdist``, ``from torch import cdist as d``,
    ``getattr(torch, "cdist")``, an alias ``d = torch.cdist`` in the notebook, a call inside a helper.
    ``en`` and ``zh`` say what to do instead; ``name`` is the exercise's name for the function (see
    ``student_code``). Without code to read nothing is banned (the results are still checked).
    """
    found = _banned_use(answer, banned, name)
    if found is not None:
        fail("", f"your code uses `{found}`, which this exercise forbids. {en}",
             f"你的代码用到了 `{found}`，这道练习不允许用它。{zh}")


def _needed_by(code: str, name: str | None) -> str:
    """The top-level statements of ``code`` that the function ``name`` needs: its definition, and the
    definitions, imports and assignments of the names it uses, transitively (all of ``code`` when it
    does not define ``name``)."""
    tree = _parse(code)
    if tree is None or not name:
        return code
    binders: dict[str, list[ast.stmt]] = {}
    for statement in tree.body:
        for bound in _top_level_names(statement):
            binders.setdefault(bound, []).append(statement)
    needed: list[ast.stmt] = []
    todo, seen = [name], set()
    while todo:
        wanted = todo.pop()
        if wanted in seen:
            continue
        seen.add(wanted)
        for statement in binders.get(wanted, []):
            if not any(statement is kept for kept in needed):
                needed.append(statement)
                todo.extend(_names(statement))
    if not needed:
        return code
    return "\n\n".join(ast.unparse(statement) for statement in sorted(needed, key=lambda s: s.lineno))


def _top_level_names(statement: ast.stmt) -> set[str]:
    """The module-level names a top-level statement binds."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {statement.name}
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in statement.names}
    return {node.id for node in ast.walk(statement) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}


def _banned_use(answer: Any, banned: Sequence[str], name: str | None) -> str | None:
    """How the student's code uses one of the ``banned`` functions (as written), or None."""
    objects = {dotted: _resolve(dotted) for dotted in banned}
    for dotted, obj in objects.items():
        if obj is not None and answer is obj:
            return dotted  # the library function itself was passed as the answer
    code = student_code(answer, name)
    tree = _parse(code) if code else None
    if tree is None:
        return None
    short = {dotted.rsplit(".", 1)[-1] for dotted in banned}
    own = _bound_names(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and any(_is_banned_text(arg, short) for arg in node.args):
            return ast.unparse(node)  # getattr(torch, "cdist")
        if isinstance(node, ast.Attribute) and node.attr in short:
            return ast.unparse(node)  # torch.cdist, torch.functional.cdist, F.cdist
        if isinstance(node, ast.Name) and node.id in short and node.id not in own:
            return node.id  # cdist, imported at the top of the notebook
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in short:
                    return f"from {node.module} import {alias.name}"
        if _is_banned_text(node, short):
            return repr(node.value)  # torch.__dict__["cdist"]
    if not isinstance(answer, Submitted):  # an alias made at the top of the notebook: d = torch.cdist
        namespace = _namespace(answer)
        for used in sorted(_names(tree)):
            for dotted, obj in objects.items():
                if obj is not None and namespace.get(used) is obj:
                    return f"{used} (= {dotted})"
    return None


def _is_banned_text(node: ast.AST, short: set[str]) -> bool:
    """A string constant spelling a banned name, as in ``getattr(torch, "cdist")``."""
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in short


def _resolve(dotted: str) -> Any:
    """The object a dotted name such as ``"torchvision.ops.nms"`` stands for, or None."""
    module, _, attribute = dotted.rpartition(".")
    try:
        return getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError):
        return None


def _namespace(answer: Any) -> dict[str, Any]:
    """The globals the answer's code sees (for a notebook function: the notebook's variables)."""
    function = getattr(answer, "__func__", answer)  # a bound method: its function
    if isinstance(getattr(function, "__globals__", None), dict):
        return function.__globals__
    module = sys.modules.get(getattr(answer, "__module__", None) or "")
    return vars(module) if module is not None else {}


def _source_of(obj: Any) -> str | None:
    """The source of a function or class, when Python can find it and it parses on its own."""
    try:
        source = textwrap.dedent(inspect.getsource(obj))
    except (OSError, TypeError):
        return None
    return source if _parse(source) is not None else None


def _parse(code: str) -> ast.Module | None:
    """``code`` as a syntax tree, with IPython's ``%magic`` and ``!shell`` lines left out; None if it does not parse."""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in code.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except (SyntaxError, ValueError, RecursionError):  # ValueError: a null byte; RecursionError: absurd nesting
        return None


def _names(tree: ast.AST | None) -> set[str]:
    """Every plain name the code mentions."""
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)} if tree is not None else set()


def _bound_names(tree: ast.AST) -> set[str]:
    """Names the code defines itself: functions, classes, arguments and assigned variables."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


# --------------------------------------------------------------------------- watching the student's code


def observed(function: Callable) -> Callable:
    """Mark a checker's recording function (a hook, a callback) to run where the checker runs.

    In a notebook this changes nothing. When ``course grade`` checks from outside the student's
    sandbox, the student's code calls it through the sandbox's wall, so what it records lands in
    the checker's own lists.
    """
    function.__course_observed__ = True  # type: ignore[attr-defined]
    return function


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
