"""``check()``: instant feedback on an exercise, and a record for graders.

An exercise asks for a function (or a value). Its checker, registered with ``@checker("03.2")``
in ``chNN_slug.py``, calls that function on test inputs and raises ``CheckFailed`` with a hint
when something is wrong. ``check()`` turns the outcome into one line in the notebook's language:

* ``✅ 03.1 checks passed``
* ``❌ 03.1`` and what is wrong, with a hint (never a raw traceback)
* ``⏳ 03.1 not done yet`` while the function still raises ``NotImplementedError``

A chapter's checkers are imported the first time one of its exercises is checked.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..settings import LANG_VAR, RESULTS_VAR
from .catalog import CHAPTER_OF, EXERCISES

PASS, FAIL, TODO, ERROR = "pass", "fail", "todo", "error"

Checker = Callable[[Any], None]
#: Exercise id -> its checker, filled in as chapters' check modules are imported.
CHECKERS: dict[str, Checker] = {}


class CheckFailed(Exception):
    """Raised by a checker: what is wrong and a hint, in English and Chinese."""

    def __init__(self, en: str, zh: str | None = None) -> None:
        super().__init__(en)
        self.en = en
        self.zh = zh or en

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class Submitted:
    """An answer that ``course grade`` checks from outside the student's sandbox (tools/sandbox.py).

    The student's object stays in the sandbox; the grader gives the checker a stand-in of this
    class, and ``source`` holds the code of the student's answer cells, read by the grader from
    the submitted file (so a checker can inspect what the student wrote, never what their code says).
    """

    source: str = ""


def checker(exercise_id: str) -> Callable[[Checker], Checker]:
    """Register the decorated function as the checker of ``exercise_id`` (listed in catalog.py)."""

    def register(function: Checker) -> Checker:
        if exercise_id not in EXERCISES:
            raise ValueError(f"exercise {exercise_id} is not in checks/catalog.py")
        if exercise_id in CHECKERS:
            raise ValueError(f"exercise {exercise_id} has two checkers")
        CHECKERS[exercise_id] = function
        return function

    return register


def checker_of(exercise_id: str) -> Checker:
    """The checker of an exercise, importing its chapter's check module on first use."""
    if exercise_id not in CHECKERS:
        importlib.import_module(f"{__package__}.ch{CHAPTER_OF[exercise_id]}")
    return CHECKERS[exercise_id]


def language() -> str:
    """The notebook's language: ``COURSE_LANG``, else the ``zh``/``en`` folder it runs in."""
    forced = os.environ.get(LANG_VAR, "").strip().lower()
    if forced in ("zh", "en"):
        return forced
    # JupyterLab tells the kernel which notebook it runs; nbval and nbclient run it in its folder.
    session = os.environ.get("JPY_SESSION_NAME", "")
    for folder in (Path(session).parent.name if session else "", Path.cwd().name):
        if folder in ("zh", "en"):
            return folder
    return "en"


MESSAGES = {
    PASS: {"en": "✅ {id} checks passed: {title}", "zh": "✅ {id} 检查通过：{title}"},
    TODO: {
        "en": "⏳ {id} not done yet: replace `raise NotImplementedError` with your code, then run this cell again.",
        "zh": "⏳ {id} 还没有完成（not done yet）：把 `raise NotImplementedError` 换成你的代码，再运行这个单元格。",
    },
    FAIL: {"en": "❌ {id} not yet: {detail}", "zh": "❌ {id} 还不对：{detail}"},
    ERROR: {
        "en": "❌ {id} your code raised {detail}. Read the message, fix the function, and run it again.",
        "zh": "❌ {id} 你的代码抛出了异常 {detail}。读一读这条信息，修改函数后再运行。",
    },
}


def _record(exercise_id: str, status: str, message: str) -> None:
    """Append the outcome to the file named by ``COURSE_RESULTS`` when a grader set it; otherwise
    note it in the student's progress file (``course progress``, companion/progress.py)."""
    path = os.environ.get(RESULTS_VAR)
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"id": exercise_id, "status": status, "message": message}, ensure_ascii=False) + "\n")
        return
    from ..companion.progress import remember  # imported here: progress.py imports this module

    remember(exercise_id, status)


def evaluate(exercise_id: str, answer: Any, lang: str = "en") -> tuple[str, str]:
    """Run the checker and return ``(status, message)`` without printing.

    Anything the student's code raises becomes a message, ``SystemExit`` and
    ``KeyboardInterrupt`` included: one broken answer never stops the notebook.
    """
    if exercise_id not in EXERCISES:
        return ERROR, f"❌ unknown exercise id {exercise_id!r} (known: {', '.join(EXERCISES)})"
    try:
        checker_of(exercise_id)(answer)
    except NotImplementedError:
        status, detail = TODO, ""
    except CheckFailed as failed:
        status, detail = FAIL, failed.text(lang)
    except BaseException as exc:  # noqa: BLE001 - the student's code raised: explain, no traceback
        status, detail = ERROR, f"{type(exc).__name__}: {exc}"
    else:
        status, detail = PASS, ""
    title = EXERCISES[exercise_id].title(lang)
    return status, MESSAGES[status][lang].format(id=exercise_id, title=title, detail=detail)


def check(exercise_id: str, answer: Any) -> None:
    """Check ``answer`` for exercise ``exercise_id`` and print one line of feedback."""
    status, message = evaluate(exercise_id, answer, language())
    _record(exercise_id, status, message)
    print(message)
