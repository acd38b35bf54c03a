"""``hint("03.2")``: a ladder of hints for a stuck student, one rung per call.

Each exercise has three rungs (``course_utils.checks.hints``): a nudge, the tool with a link to the
lesson section that teaches it, and the shape of the code with blanks. Every call shows the next
rung in the notebook's language; ``hint("03.2", rung=1)`` shows a chosen one again. After the last
rung it says so, and only then points at the solution notebook.
"""

from __future__ import annotations

import re

from ..checks.catalog import CHAPTER_OF, EXERCISES
from ..checks.engine import language
from ..checks.hints import HINTS

#: Exercise id -> the last rung shown in this process (0: none yet).
SHOWN: dict[str, int] = {}
#: False in a handed-out assignment (``setup_notebook(assignment=True)``): after the last rung the
#: student is sent back to the lesson, never to the solution notebook.
POINT_TO_SOLUTIONS = True

MESSAGES = {
    "header": {"en": "**💡 {id} hint {k} of {n}**", "zh": "**💡 {id} 提示 {k}/{n}**"},
    "no_more": {
        "en": "💡 {id}: no more hints, you have seen all {n}. To read one again: `hint(\"{id}\", rung=1)`. "
        "Still stuck? Reread the lesson section from hint 2 and try once more; as a last resort, the solution is in "
        "[solutions/{lang}/{chapter}.ipynb](../../solutions/{lang}/{chapter}.ipynb).",
        "zh": "💡 {id}：提示已经全部看完（共 {n} 条），没有更多了。想再看某一条：`hint(\"{id}\", rung=1)`。"
        "还是卡住的话，先重读提示 2 里链接的那一节，再试一次；实在不行，最后再去看答案："
        "[solutions/{lang}/{chapter}.ipynb](../../solutions/{lang}/{chapter}.ipynb)。",
    },
    "no_more_assignment": {
        "en": "💡 {id}: no more hints, you have seen all {n}. To read one again: `hint(\"{id}\", rung=1)`. "
        "Still stuck? Reread the lesson section from hint 2, try once more, and ask your instructor.",
        "zh": "💡 {id}：提示已经全部看完（共 {n} 条），没有更多了。想再看某一条：`hint(\"{id}\", rung=1)`。"
        "还是卡住的话，先重读提示 2 里链接的那一节，再试一次，也可以去问老师。",
    },
    "none_yet": {
        "en": "💡 {id} has no hints yet. Reread the exercise and its lesson, and let `check(\"{id}\", ...)` tell you what is wrong.",
        "zh": "💡 {id} 暂时还没有提示。请重读题目和对应的课程，并用 `check(\"{id}\", ...)` 看看哪里不对。",
    },
    "unknown": {
        "en": "💡 There is no exercise {id!r}. An id is the number in the exercise's heading, such as \"03.2\".",
        "zh": "💡 没有编号为“{id}”的练习。编号就是练习标题前面的那个数字，例如“03.2”。",
    },
    "bad_rung": {
        "en": "💡 {id} has hints 1 to {n}; there is no hint {k}.",
        "zh": "💡 {id} 的提示编号是 1 到 {n}，没有第 {k} 条。",
    },
}


def normalise(exercise_id: object) -> str:
    """The catalog's spelling of an id: ``" 3.2"`` -> ``"03.2"``."""
    text = str(exercise_id).strip()
    return f"0{text}" if re.fullmatch(r"\d\.\d+", text) else text


def lesson_path(exercise_id: str, lang: str) -> str:
    """The lesson notebook of an exercise, relative to its exercise notebook."""
    return f"../../notebooks/{lang}/{CHAPTER_OF[exercise_id]}.ipynb"


def rung_text(exercise_id: str, k: int, lang: str) -> str:
    """Rung ``k`` (from 1) of an exercise in ``lang``, with its header and the lesson link filled in."""
    rungs = HINTS[exercise_id]
    en, zh = rungs[k - 1]
    body = (zh if lang == "zh" else en).replace("{lesson}", lesson_path(exercise_id, lang))
    header = MESSAGES["header"][lang].format(id=exercise_id, k=k, n=len(rungs))
    return f"{header}\n\n{body}"


def message(exercise_id: object, rung: int | None = None, lang: str | None = None) -> str:
    """What ``hint()`` shows, and the counter moved on: the next rung, or rung ``rung``."""
    lang = lang or language()
    key = normalise(exercise_id)
    if key not in EXERCISES:
        return MESSAGES["unknown"][lang].format(id=str(exercise_id))
    if key not in HINTS:
        return MESSAGES["none_yet"][lang].format(id=key)
    n = len(HINTS[key])
    k = SHOWN.get(key, 0) + 1 if rung is None else rung
    if rung is not None and not 1 <= rung <= n:
        return MESSAGES["bad_rung"][lang].format(id=key, n=n, k=rung)
    if k > n:
        last = "no_more" if POINT_TO_SOLUTIONS else "no_more_assignment"
        return MESSAGES[last][lang].format(id=key, n=n, lang=lang, chapter=CHAPTER_OF[key])
    SHOWN[key] = k  # the next plain call shows the rung after this one
    return rung_text(key, k, lang)


def show(text: str) -> None:
    """Markdown in IPython (links work in JupyterLab), plain text elsewhere."""
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:
        get_ipython = None  # noqa: N806
    if get_ipython is not None and get_ipython() is not None:
        display(Markdown(text))
    else:
        print(text)


def hint(exercise_id: str, rung: int | None = None) -> None:
    """Show the next hint of an exercise (``hint("03.2")``), or hint number ``rung``."""
    show(message(exercise_id, rung))
