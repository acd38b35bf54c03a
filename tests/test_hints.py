"""``hint()``'s ladders: every exercise of the course (chapters 00-19) has its rungs in both languages, no rung
gives away a line of the solution, every link lands on a real lesson heading, and the ladder advances
and then says there is no more. Each check is a function that returns its problems, and each is
also run on a broken copy to show that it notices."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

from course_utils.checks.catalog import CHAPTER_OF, EDITIONS, EXERCISES
from course_utils.checks.hints import HINTS
from course_utils.companion import hint as hint_module
from course_utils.companion.hint import hint, message
from course_utils.settings import LANG_VAR

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")
ID_HEADING = re.compile(r"^# ## (\d\d\.\d+) ")
MIN_LEAK = 12  # solution lines longer than this many characters may not appear in a rung
RUNGS = 3  # a nudge, the tool with its lesson link, the shape of the code


# ---------------------------------------------------------------- reading the course


@cache
def solution_lines(chapter: str) -> dict[str, frozenset[str]]:
    """Exercise id -> the stripped lines of its solution regions, in both editions; for a line with a
    trailing comment, its code part too."""
    found: dict[str, set[str]] = {}
    for lang in EDITIONS:
        current, inside = None, False
        for line in (ROOT / "solutions" / lang / f"{chapter}.py").read_text(encoding="utf-8").splitlines():
            if match := ID_HEADING.match(line):
                current = match.group(1)
            elif line.strip() == "### BEGIN SOLUTION":
                inside = True
            elif line.strip() == "### END SOLUTION":
                inside = False
            elif inside and current:
                stripped = line.strip()
                found.setdefault(current, set()).update({stripped, stripped.split("  #")[0].rstrip()})
    return {key: frozenset(lines) for key, lines in found.items()}


def heading_anchor(markdown_heading: str) -> str:
    """JupyterLab's id for a heading: its rendered text, spaces replaced by ``-``."""
    text = re.sub(r"^#+\s*", "", markdown_heading.strip())
    return re.sub(r"[`*]", "", text).replace(" ", "-")


@cache
def anchors_of(notebook: Path) -> frozenset[str]:
    """The heading anchors of a notebook's Markdown cells."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    lines = [line for cell in cells if cell["cell_type"] == "markdown" for line in "".join(cell["source"]).splitlines()]
    return frozenset(heading_anchor(line) for line in lines if re.match(r"#{1,6} ", line))


def links(text: str) -> list[str]:
    """The targets of the Markdown links ``[label](target)`` in ``text`` (balanced parentheses allowed)."""
    found = []
    for match in re.finditer(r"\]\(", text):
        depth, start = 1, match.end()
        for end in range(start, len(text)):
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            if depth == 0:
                found.append(text[start:end])
                break
    return found


# ---------------------------------------------------------------- the checks


def coverage_problems(hints: dict[str, list[tuple[str, str]]]) -> list[str]:
    """Exercises of the catalog without a full ladder, and ladders of exercises that do not exist."""
    wanted = set(EXERCISES)
    problems = [f"{key}: no hints" for key in sorted(wanted - set(hints))]
    problems += [f"{key}: not an exercise of the catalog" for key in sorted(set(hints) - wanted)]
    for key, rungs in hints.items():
        if len(rungs) != RUNGS:
            problems.append(f"{key}: {len(rungs)} rung(s), want {RUNGS}")
        for k, (en, zh) in enumerate(rungs, 1):
            if not en.strip() or not zh.strip():
                problems.append(f"{key} rung {k}: empty text")
            if not CJK.search(zh):
                problems.append(f"{key} rung {k}: the zh text has no Chinese")
            if CJK.search(en):
                problems.append(f"{key} rung {k}: the en text has Chinese in it")
        if rungs and "____" not in rungs[-1][0] + rungs[-1][1]:
            problems.append(f"{key}: the last rung has no blanks (____)")
    return problems


def leak_problems(key: str, rungs: list[tuple[str, str]]) -> list[str]:
    """Rungs that contain a line of the exercise's solution verbatim."""
    lines = [line for line in solution_lines(CHAPTER_OF[key]).get(key, ()) if len(line) > MIN_LEAK]
    return [
        f"{key} rung {k} ({lang}) gives away the solution line {line!r}"
        for k, pair in enumerate(rungs, 1)
        for lang, text in zip(EDITIONS[::-1], pair)  # pairs are (en, zh)
        for line in lines
        if line in text
    ]


def link_problems(key: str, rungs: list[tuple[str, str]]) -> list[str]:
    """Links that do not lead from the exercise notebook to a heading of a lesson notebook; rung 2 must have one."""
    problems = []
    for k, pair in enumerate(rungs, 1):
        for lang, text in zip(("en", "zh"), pair):
            text = text.replace("{lesson}", hint_module.lesson_path(key, lang))
            targets = links(text)
            if k == 2 and not any("/notebooks/" in target for target in targets):
                problems.append(f"{key} rung 2 ({lang}) has no link to the lesson")
            for target in targets:
                path, _, anchor = target.partition("#")
                notebook = (ROOT / "exercises" / lang / path).resolve()
                if notebook.parent != ROOT / "notebooks" / lang or not notebook.is_file():
                    problems.append(f"{key} rung {k} ({lang}): {target} is not a lesson notebook of its edition")
                elif not anchor or anchor not in anchors_of(notebook):
                    problems.append(f"{key} rung {k} ({lang}): no heading {anchor!r} in {path}")
    return problems


def all_problems(hints: dict[str, list[tuple[str, str]]]) -> list[str]:
    problems = coverage_problems(hints)
    for key, rungs in hints.items():
        if key in CHAPTER_OF:
            problems += leak_problems(key, rungs) + link_problems(key, rungs)
    return problems


# ---------------------------------------------------------------- the real data


def test_every_exercise_of_the_course_has_a_ladder():
    assert set(HINTS) == set(EXERCISES)  # chapters 00-19, nothing left out
    assert coverage_problems(HINTS) == []


@pytest.mark.parametrize("key", sorted(HINTS))
def test_no_rung_gives_away_the_solution(key):
    assert solution_lines(CHAPTER_OF[key]).get(key), f"no solution region found for {key}"
    assert leak_problems(key, HINTS[key]) == []


@pytest.mark.parametrize("key", sorted(HINTS))
def test_every_link_lands_on_a_lesson_heading(key):
    assert link_problems(key, HINTS[key]) == []


# ---------------------------------------------------------------- the checks notice broken copies


def broken(key: str, k: int, en: str | None = None, zh: str | None = None) -> dict[str, list[tuple[str, str]]]:
    """A copy of HINTS with rung ``k`` of ``key`` replaced."""
    copy = {name: list(rungs) for name, rungs in HINTS.items()}
    old_en, old_zh = copy[key][k - 1]
    copy[key][k - 1] = (old_en if en is None else en, old_zh if zh is None else zh)
    return copy


def test_a_rung_with_a_solution_line_is_caught():
    line = "mean = x.mean(dim=0, keepdim=True)"
    copy = broken("03.2", 3, zh=HINTS["03.2"][2][1] + f"\n\n```python\n{line}\n```")
    assert any(repr(line) in problem for problem in all_problems(copy))
    # the code part of a commented solution line counts too
    copy = broken("01.3", 3, en="answer[\"PyTorch can train on Google TPUs\"] = True")
    assert any("Google TPUs" in problem for problem in leak_problems("01.3", copy["01.3"]))


def test_broken_links_are_caught():
    en = HINTS["03.2"][1][0]
    cases = {
        "a heading that does not exist": en.replace("#7.-Broadcasting", "#7.-Broadcast"),
        "another edition's notebook": en.replace("{lesson}", "../../notebooks/zh/03_tensors.ipynb"),
        "a notebook that does not exist": en.replace("{lesson}", "../../notebooks/en/03_tensor.ipynb"),
        "a link written from the wrong folder": en.replace("{lesson}", "../notebooks/en/03_tensors.ipynb"),
        "no link at all": "Use `keepdim=True`.",
    }
    for case, text in cases.items():
        assert link_problems("03.2", broken("03.2", 2, en=text)["03.2"]), case
    # a zh link to the English heading text
    zh = HINTS["03.2"][1][1].replace("#7.-广播", "#7.-Broadcasting")
    assert link_problems("03.2", broken("03.2", 2, zh=zh)["03.2"])


def test_missing_and_malformed_ladders_are_caught():
    copy = {name: list(rungs) for name, rungs in HINTS.items()}
    del copy["05.4"]
    copy["20.1"] = HINTS["03.1"]
    copy["06.2"] = copy["06.2"][:1]
    problems = coverage_problems(copy)
    assert "05.4: no hints" in problems
    assert "20.1: not an exercise of the catalog" in problems
    assert "06.2: 1 rung(s), want 3" in problems
    assert coverage_problems(broken("04.4", 1, zh="Think about the bytes."))  # zh rung in English
    assert coverage_problems(broken("04.4", 1, en=""))
    assert coverage_problems(broken("04.4", 3, en="No blanks.", zh="没有空白。"))


def test_links_reads_balanced_parentheses():
    assert links("[a](x.ipynb#2.-.cuda()-or-.to(device)?) and [b](y)") == ["x.ipynb#2.-.cuda()-or-.to(device)?", "y"]
    assert heading_anchor("## 4. Exercises and `check()`") == "4.-Exercises-and-check()"


# ---------------------------------------------------------------- the ladder


@pytest.fixture
def fresh(monkeypatch):
    """An empty rung counter, English unless a test sets COURSE_LANG."""
    monkeypatch.setattr(hint_module, "SHOWN", {})
    monkeypatch.setenv(LANG_VAR, "en")


def test_the_ladder_advances_then_says_no_more(fresh):
    texts = [message("03.2") for _ in range(4)]
    for k in (1, 2, 3):
        assert texts[k - 1].startswith(f"**💡 03.2 hint {k} of 3**")
    assert "keepdim" in texts[1] and "../../notebooks/en/03_tensors.ipynb#" in texts[1]
    assert "{lesson}" not in "".join(texts)
    assert "no more hints" in texts[3] and "solutions/en/03_tensors.ipynb" in texts[3]
    assert "no more hints" in message("03.2")  # and stays there
    assert "hint 1 of 3" in message("03.3")  # each exercise has its own counter


def test_a_chosen_rung_and_the_counter(fresh):
    assert message("03.2", rung=2).startswith("**💡 03.2 hint 2 of 3**")
    assert message("03.2").startswith("**💡 03.2 hint 3 of 3**")  # goes on from the chosen rung
    assert message("03.2", rung=1).startswith("**💡 03.2 hint 1 of 3**")
    assert "hints 1 to 3; there is no hint 4" in message("03.2", rung=4)
    assert "no hint 0" in message("03.2", rung=0)


def test_chinese(fresh, monkeypatch):
    monkeypatch.setenv(LANG_VAR, "zh")
    first = message("3.2")  # the leading zero may be left out
    assert first.startswith("**💡 03.2 提示 1/3**") and CJK.search(first)
    second = message("03.2")
    assert "../../notebooks/zh/03_tensors.ipynb#" in second
    message("03.2")
    last = message("03.2")
    assert "没有更多了" in last and "solutions/zh/03_tensors.ipynb" in last


@pytest.mark.parametrize("key", [key for key in sorted(EXERCISES) if key[:2] in ("17", "18", "19")])
def test_a_new_ladder_that_loses_a_rung_is_caught(key):
    """Chapters 17-19 are covered too: losing any one rung, or the whole ladder, is a problem."""
    for k in range(RUNGS):
        copy = {name: list(rungs) for name, rungs in HINTS.items()}
        del copy[key][k]
        assert f"{key}: {RUNGS - 1} rung(s), want {RUNGS}" in coverage_problems(copy), f"rung {k + 1} removed"
    copy = {name: rungs for name, rungs in HINTS.items() if name != key}
    assert coverage_problems(copy) == [f"{key}: no hints"]


def test_exercises_without_hints_and_unknown_ids(fresh, monkeypatch):
    monkeypatch.setattr(hint_module, "HINTS", {key: rungs for key, rungs in HINTS.items() if key != "18.2"})
    assert "has no hints yet" in message("18.2")
    assert "没有提示" in message("18.2", lang="zh")
    unknown = message("99.9")
    assert "no exercise '99.9'" in unknown and len(unknown) < 200
    assert "没有编号为" in message("hello", lang="zh")


def test_hint_prints_outside_ipython(fresh, capsys):
    assert hint("00.1") is None
    assert capsys.readouterr().out.startswith("**💡 00.1 hint 1 of 3**")


def test_hint_displays_markdown_in_ipython(fresh, monkeypatch):
    import IPython
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: object())
    monkeypatch.setattr(IPython.display, "display", shown.append)
    hint("00.1")
    assert isinstance(shown[0], IPython.display.Markdown) and "hint 1 of 3" in shown[0].data
