"""``check()``: instant feedback on an exercise, and a record for graders.

An exercise asks for a function (or a function that returns a value). Its
checker, registered with ``@exercise``, calls that function on test inputs and
raises ``CheckFailed`` with a hint when something is wrong. ``check()`` turns
the outcome into one line in the notebook's language:

* ``✅ 03.1 checks passed``
* ``❌ 03.1`` and what is wrong, with a hint (never a raw traceback)
* ``⏳ 03.1 not done yet`` while the function still raises ``NotImplementedError``
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..settings import LANG_VAR, RESULTS_VAR

PASS, FAIL, TODO, ERROR = "pass", "fail", "todo", "error"


class CheckFailed(Exception):
    """Raised by a checker: what is wrong and a hint, in English and Chinese."""

    def __init__(self, en: str, zh: str | None = None) -> None:
        super().__init__(en)
        self.en = en
        self.zh = zh or en

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Exercise:
    """One registered exercise: its id ("03.2"), chapter slug, titles and checker."""

    id: str
    chapter: str
    title_en: str
    title_zh: str
    checker: Callable[[Any], None]

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en


REGISTRY: dict[str, Exercise] = {}
RESULTS: dict[str, str] = {}  # exercise id -> last status in this session


def exercise(exercise_id: str, chapter: str, title_en: str, title_zh: str) -> Callable:
    """Decorator that registers a checker under ``exercise_id``."""

    def register(checker: Callable[[Any], None]) -> Callable[[Any], None]:
        if exercise_id in REGISTRY:
            raise ValueError(f"exercise id {exercise_id} is registered twice")
        REGISTRY[exercise_id] = Exercise(exercise_id, chapter, title_en, title_zh, checker)
        return checker

    return register


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
    RESULTS[exercise_id] = status
    path = os.environ.get(RESULTS_VAR)
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"id": exercise_id, "status": status, "message": message}, ensure_ascii=False) + "\n")


def evaluate(exercise_id: str, answer: Any, lang: str = "en") -> tuple[str, str]:
    """Run the checker and return ``(status, message)`` without printing."""
    ex = REGISTRY.get(exercise_id)
    if ex is None:
        known = ", ".join(sorted(REGISTRY)) or "none"
        return ERROR, f"❌ unknown exercise id {exercise_id!r} (known: {known})"
    try:
        ex.checker(answer)
    except NotImplementedError:
        status, detail = TODO, ""
    except CheckFailed as failed:
        status, detail = FAIL, failed.text(lang)
    except Exception as exc:  # noqa: BLE001 - the student's code raised: explain, no traceback
        status, detail = ERROR, f"{type(exc).__name__}: {exc}"
    else:
        status, detail = PASS, ""
    return status, MESSAGES[status][lang].format(id=exercise_id, title=ex.title(lang), detail=detail)


def check(exercise_id: str, answer: Any) -> None:
    """Check ``answer`` for exercise ``exercise_id`` and print one line of feedback."""
    status, message = evaluate(exercise_id, answer, language())
    _record(exercise_id, status, message)
    print(message)
