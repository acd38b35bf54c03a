"""Where am I in the course? Every ``check()`` notes its outcome; ``course progress`` shows them.

The notes live in one small JSON file per checkout, ``<checkout>/.course-progress.json``
(git ignores it), or per user when the course is installed elsewhere. It holds the latest
status of each exercise and how many times each status came up: it never grows into a log.

``progress_table("en")`` (or ``"zh"``) returns the table ``course progress`` prints::

    00_how_to_use  2/3  ✅ 00.1  ✅ 00.2  · 00.3
    Next: chapter 00, exercise 00.3: count the chapters

Nothing is recorded, or read, while an instructor grades: ``COURSE_RESULTS`` is set, or
``course grade`` runs the notebook. ``COURSE_PROGRESS_FILE`` names another file, or ``off``.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from ..checks.catalog import CATALOG, CHAPTER_OF, EXERCISES
from ..checks.engine import ERROR, FAIL, PASS, TODO, language
from ..settings import RESULTS_VAR

PROGRESS_VAR = "COURSE_PROGRESS_FILE"
FILE_NAME = ".course-progress.json"
STATUSES = (PASS, FAIL, TODO, ERROR)
PASSED, TRIED, NEW = "✅", "❌", "·"

TEXT = {
    "title": {"en": "Your progress: {passed} of {total} exercises passed",
              "zh": "你的进度：{total} 道练习里已通过 {passed} 道"},
    "legend": {"en": "✅ passed   ❌ tried, not passed yet   · not started",
               "zh": "✅ 已通过   ❌ 做过，还没通过   · 还没开始"},
    "next": {"en": "Next: chapter {chapter}, exercise {id}: {title}",
             "zh": "下一步：第 {chapter} 章，练习 {id}：{title}"},
    "done": {"en": "All {total} exercises passed. Well done!",
             "zh": "{total} 道练习全部通过，恭喜！"},
    "corrupt": {"en": "Note: {path} could not be read (damaged?), so no progress is shown. "
                      "Your next check() starts it afresh.",
                "zh": "注意：{path} 读不出来（文件可能坏了），所以先按“没有进度”显示。"
                      "下次运行 check() 时会重新开始记录。"},
    "file": {"en": "Recorded in {path} (delete it to start over).",
             "zh": "记录保存在 {path}（删掉它就能从头开始）。"},
    "off": {"en": "Progress is not recorded here: {why}.",
            "zh": "这里不记录进度：{why}。"},
}


def _grading() -> str | None:
    """Why an instructor's grading is running (then nothing is read or written), or None.
    (``course grade`` itself runs no check(), and sets COURSE_PROGRESS_FILE=off in its sandbox.)"""
    if os.environ.get(RESULTS_VAR):
        return f"{RESULTS_VAR} is set"
    return None


def _user_data_dir() -> Path:
    """The per-user data folder, as platformdirs would choose it (without the dependency)."""
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def progress_file() -> Path | None:
    """The progress file, or None when progress must not be recorded (grading, or ``off``)."""
    if _grading():
        return None
    chosen = os.environ.get(PROGRESS_VAR, "").strip()
    if chosen.lower() in ("off", "0", "no", "false") or chosen == os.devnull:
        return None
    if chosen:
        return Path(chosen).expanduser()
    checkout = Path(__file__).resolve().parents[3]
    if (checkout / "pyproject.toml").is_file() and (checkout / "notebooks").is_dir():
        return checkout / FILE_NAME
    return _user_data_dir() / "pytorch-course" / "progress.json"


def _valid(entry: object) -> bool:
    if not isinstance(entry, dict) or entry.get("status") not in STATUSES or not isinstance(entry.get("time"), str):
        return False
    counts = entry.get("counts")
    return isinstance(counts, dict) and all(s in STATUSES and type(n) is int and n >= 0 for s, n in counts.items())


def load(path: Path | None) -> tuple[dict[str, dict], bool]:
    """``({exercise id: entry}, damaged)``. A missing file is empty; a damaged one is empty and flagged."""
    if path is None:
        return {}, False
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, False
    except (OSError, ValueError):  # unreadable, not UTF-8, not JSON
        return {}, True
    entries = data.get("exercises") if isinstance(data, dict) else None
    if not isinstance(entries, dict) or not all(_valid(e) for e in entries.values()):
        return {}, True
    return {i: e for i, e in entries.items() if i in EXERCISES}, False


def _write(path: Path, entries: dict[str, dict]) -> None:
    """Replace ``path`` atomically: a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        rows = ",\n".join(f"{json.dumps(i)}: {json.dumps(e, sort_keys=True)}" for i, e in sorted(entries.items()))
        with os.fdopen(handle, "w", encoding="utf-8") as fh:
            fh.write(f'{{"version": 1, "exercises": {{\n{rows}\n}}}}\n')  # one line per exercise
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def remember(exercise_id: str, status: str) -> None:
    """Note one ``check()`` outcome. Never raises for a file problem: feedback matters more."""
    path = progress_file()
    if path is None or exercise_id not in EXERCISES or status not in STATUSES:
        return
    try:
        entries, _ = load(path)  # a damaged file starts afresh
        entry = entries.get(exercise_id, {"counts": {}})
        entry["counts"][status] = entry["counts"].get(status, 0) + 1
        entry["status"] = status
        entry["time"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        entries[exercise_id] = entry
        _write(path, entries)
    except OSError:
        pass


def mark(entry: dict | None) -> str:
    """✅ when the latest check passed, ❌ when tried (anything but "not done yet"), else ·."""
    if entry is None:
        return NEW
    if entry["status"] == PASS:
        return PASSED
    return TRIED if any(n for s, n in entry["counts"].items() if s != TODO) else NEW


def next_exercise(entries: dict[str, dict]) -> str | None:
    """The first exercise, in course order, whose latest check did not pass (None: all passed)."""
    return next((i for i in EXERCISES if mark(entries.get(i)) != PASSED), None)


def progress_table(lang: str | None = None, show_file: bool = False) -> str:
    """One line per chapter (marks and a count), then the next step; ``lang`` is "zh" or "en"."""
    lang = lang if lang in ("zh", "en") else language()
    path = progress_file()
    entries, damaged = load(path)
    lines = []
    if damaged:
        lines.append(TEXT["corrupt"][lang].format(path=path))
    passed = sum(mark(entries.get(i)) == PASSED for i in EXERCISES)
    lines += [TEXT["title"][lang].format(passed=passed, total=len(EXERCISES)), ""]
    width = max(len(slug) for slug in CATALOG)
    for slug, exercises in CATALOG.items():
        marks = [mark(entries.get(facts.id)) for facts in exercises]
        count = f"{marks.count(PASSED)}/{len(marks)}"
        cells = "  ".join(f"{m} {facts.id}" for m, facts in zip(marks, exercises))
        lines.append(f"{slug:<{width}}  {count:>5}  {cells}".rstrip())
    lines += ["", TEXT["legend"][lang]]
    upcoming = next_exercise(entries)
    if upcoming is None:
        lines.append(TEXT["done"][lang].format(total=len(EXERCISES)))
    else:
        lines.append(TEXT["next"][lang].format(chapter=CHAPTER_OF[upcoming][:2], id=upcoming,
                                              title=EXERCISES[upcoming].title(lang)))
    if show_file:
        why = _grading() or f"{PROGRESS_VAR}={os.environ.get(PROGRESS_VAR, '').strip()}"
        lines.append(TEXT["file"][lang].format(path=path) if path else TEXT["off"][lang].format(why=why))
    return "\n".join(lines)
