"""``course progress``: check() notes each outcome in one small file; the table shows marks and the next step."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_utils.checks import EXERCISES, check
from course_utils.checks.engine import TODO
from course_utils.companion import progress
from course_utils.companion.progress import load, progress_file, progress_table, remember
from course_utils.tools.cli import main

ROOT = Path(__file__).resolve().parents[1]
TOTAL = len(EXERCISES)


def stub(*args):
    raise NotImplementedError


def session() -> None:
    """A student's session: 00.1 right, 00.2 wrong then right, 00.3 still a stub, 03.1 wrong."""
    check("00.1", lambda name: f"Hello, {name}!")
    check("00.2", lambda chapter, edition: f"solutions/{chapter}.ipynb")
    check("00.2", lambda chapter, edition: f"solutions/{edition}/{chapter}.ipynb")
    check("00.3", stub)
    check("03.1", lambda x: x.permute(0, 3, 2, 1))


@pytest.fixture
def record(tmp_path, monkeypatch) -> Path:
    """Progress goes to a file in tmp_path; no grader, no forced language, a neutral working folder."""
    path = tmp_path / "state" / "progress.json"
    monkeypatch.setenv(progress.PROGRESS_VAR, str(path))
    monkeypatch.delenv("COURSE_RESULTS", raising=False)
    monkeypatch.delenv("COURSE_LANG", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    return path


def row(output: str, slug: str) -> str:
    return next(line for line in output.splitlines() if line.startswith(slug + " "))


def assert_session_table(output: str, lang: str) -> None:
    chapter00, chapter03 = row(output, "00_how_to_use"), row(output, "03_tensors")
    assert "2/3" in chapter00 and "✅ 00.1  ✅ 00.2  · 00.3" in chapter00
    assert "0/5" in chapter03 and "❌ 03.1  · 03.2" in chapter03
    assert "0/4" in row(output, "01_what_is_pytorch") and "❌" not in row(output, "01_what_is_pytorch")
    if lang == "en":
        assert f"Your progress: 2 of {TOTAL} exercises passed" in output
        assert "Next: chapter 00, exercise 00.3: count the chapters" in output
        assert "✅ passed   ❌ tried, not passed yet   · not started" in output
    else:
        assert f"你的进度：{TOTAL} 道练习里已通过 2 道" in output
        assert "下一步：第 00 章，练习 00.3：数一数章节" in output
        assert "✅ 已通过   ❌ 做过，还没通过   · 还没开始" in output


def test_a_session_is_recorded_and_shown_in_both_languages(record, capsys, monkeypatch):
    session()
    assert capsys.readouterr().out.count("\n") == 5, "check() still prints one line each"
    entries, damaged = load(record)
    assert not damaged and sorted(entries) == ["00.1", "00.2", "00.3", "03.1"]
    assert entries["00.2"]["status"] == "pass" and entries["00.2"]["counts"] == {"fail": 1, "pass": 1}
    assert entries["00.3"]["counts"] == {TODO: 1} and entries["03.1"]["status"] == "fail"
    assert entries["00.1"]["time"].endswith("Z")

    assert main(["progress"]) == 0
    out = capsys.readouterr().out
    assert_session_table(out, "en")
    assert f"Recorded in {record}" in out
    assert main(["progress", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert_session_table(out, "zh")
    assert f"记录保存在 {record}" in out
    monkeypatch.setenv("COURSE_LANG", "zh")  # the default language
    main(["progress"])
    assert_session_table(capsys.readouterr().out, "zh")
    assert progress_table("en") == progress_table("en", show_file=False)
    assert "Recorded in" not in progress_table("en"), "a notebook cell shows no machine path"


def test_python_m_course_utils_progress(record):
    session()
    for lang, extra in (("en", []), ("zh", ["--lang", "zh"])):  # COURSE_PROGRESS_FILE is set by `record`
        result = subprocess.run([sys.executable, "-m", "course_utils", "progress", *extra], capture_output=True,
                                text=True, encoding="utf-8", timeout=180, check=True)
        assert_session_table(result.stdout, lang)


def test_next_step_follows_course_order(record):
    order = list(EXERCISES)
    for exercise_id in order[: order.index("03.1")]:
        remember(exercise_id, "pass")
    remember("03.1", "error")
    remember("03.2", "pass")
    assert "Next: chapter 03, exercise 03.1: images to channels-first" in progress_table("en")
    remember("03.1", "pass")
    assert "下一步：第 03 章，练习 03.3：用布尔掩码选行" in progress_table("zh")
    for exercise_id in order:
        remember(exercise_id, "pass")
    assert f"All {TOTAL} exercises passed" in progress_table("en") and "Next:" not in progress_table("en")
    assert f"{TOTAL} 道练习全部通过" in progress_table("zh")
    remember("19.5", "fail")  # a later failure takes the mark back
    assert "Next: chapter 19, exercise 19.5" in progress_table("en")
    assert "❌ 19.5" in row(progress_table("en"), "19_debugging")


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe garbage", b"[]", b'{"exercises": []}',
                                     b'{"exercises": {"00.1": {"status": "weird", "time": "", "counts": {}}}}',
                                     b'{"exercises": {"00.1": {"status": "pass", "time": "t", "counts": {"pass": -1}}}}'])
def test_a_damaged_file_reads_as_empty_with_a_note(record, capsys, content):
    record.parent.mkdir(parents=True)
    record.write_bytes(content)
    assert main(["progress"]) == 0
    out = capsys.readouterr().out
    assert f"Note: {record} could not be read" in out and "Next: chapter 00, exercise 00.1" in out
    assert "✅" not in row(out, "00_how_to_use")
    assert "读不出来" in progress_table("zh")
    check("00.2", lambda chapter, edition: f"solutions/{edition}/{chapter}.ipynb")  # starts afresh
    entries, damaged = load(record)
    assert not damaged and list(entries) == ["00.2"]
    assert "could not be read" not in progress_table("en")


def test_unknown_ids_in_the_file_are_dropped_quietly(record):
    record.parent.mkdir(parents=True)
    record.write_text('{"version": 1, "exercises": {"99.9": {"status": "pass", "time": "t", "counts": {"pass": 1}}}}')
    assert load(record) == ({}, False)
    check("99.9", lambda: None)  # an unknown id is an error message, never a new entry
    assert load(record) == ({}, False)


def test_nothing_is_recorded_while_grading(record, tmp_path, monkeypatch, capsys):
    results = tmp_path / "results.jsonl"
    monkeypatch.setenv("COURSE_RESULTS", str(results))
    session()
    assert not record.exists() and not record.parent.exists()
    assert len(results.read_text().splitlines()) == 5, "the grader's record is unchanged"
    with monkeypatch.context() as patch:  # each of the two guards holds alone: check() does not even call
        calls = []
        patch.setattr(progress, "remember", lambda *args: calls.append(args))
        check("00.1", stub)
        assert calls == []
    remember("00.1", "pass")  # and remember() itself refuses
    assert progress_file() is None
    main(["progress"])
    assert "Progress is not recorded here: COURSE_RESULTS is set." in capsys.readouterr().out
    monkeypatch.delenv("COURSE_RESULTS")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for off in ("off", os.devnull):
        monkeypatch.setenv(progress.PROGRESS_VAR, off)
        session()
        assert progress_file() is None
    assert not record.exists()


@pytest.mark.timeout(600)
def test_course_grade_never_writes_progress(record, tmp_path):
    from course_utils.tools.grading import build_assignment, grade

    assignment = build_assignment(["00.1"], "en", tmp_path / "hw")
    submissions = tmp_path / "submissions"
    (submissions / "ann").mkdir(parents=True)
    notebook = nbformat.read(assignment / "student" / "00_how_to_use.ipynb", as_version=4)
    nbformat.write(notebook, submissions / "ann" / "00_how_to_use.ipynb")  # the stubs: check() says "todo"
    grade(assignment, submissions, tmp_path / "out", timeout=120, jobs=1)
    with open(tmp_path / "out" / "grades.csv", encoding="utf-8") as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    assert rows["ann"]["status"] == "ok", "every cell ran"
    assert not record.exists(), "the graded notebook's check() wrote the progress file"


def test_the_file_stays_small(record, capsys):
    answers = [lambda name: f"Hello, {name}!", lambda name: f"Hi {name}", stub, lambda name: 1 / 0]
    for n in range(1000):
        check("00.1", answers[n % 4])
    capsys.readouterr()
    entries, _ = load(record)
    assert entries["00.1"]["counts"] == {"pass": 250, "fail": 250, "todo": 250, "error": 250}
    assert record.stat().st_size < 200
    for exercise_id in EXERCISES:
        remember(exercise_id, "fail")
    assert record.stat().st_size < 120 * TOTAL
    assert [p.name for p in record.parent.iterdir()] == [record.name], "no temporary files left behind"


def test_file_problems_never_break_check(record, tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for path in (blocker / "progress.json", tmp_path):  # a folder under a file; a folder in the file's place
        monkeypatch.setenv(progress.PROGRESS_VAR, str(path))
        check("00.1", lambda name: f"Hello, {name}!")
        assert capsys.readouterr().out.startswith("✅ 00.1")
        main(["progress"])
        assert "Your progress: 0 of" in capsys.readouterr().out


def test_writing_is_atomic(record, monkeypatch):
    remember("00.1", "pass")
    before = record.read_bytes()

    def no_replace(source, target):  # the new file never takes the old one's place
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(progress.os, "replace", no_replace)
        remember("00.2", "pass")
    assert record.read_bytes() == before, "the file was written in place"
    assert [p.name for p in record.parent.iterdir()] == [record.name]


def test_where_the_file_lives(tmp_path, monkeypatch):
    for name in (progress.PROGRESS_VAR, "COURSE_RESULTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    assert progress_file() == ROOT / ".course-progress.json"  # a checkout (nothing is written here)
    monkeypatch.setattr(progress, "__file__", str(tmp_path / "site-packages" / "course_utils" / "companion" / "x.py"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert progress_file() == tmp_path / "data" / "pytorch-course" / "progress.json"
    monkeypatch.setenv(progress.PROGRESS_VAR, "~/mine.json")
    assert progress_file() == tmp_path / "home" / "mine.json"


def test_git_ignores_the_file():
    names = [".course-progress.json", ".course-progress.json.abc123.tmp"]
    result = subprocess.run(["git", "check-ignore", *names], cwd=ROOT, capture_output=True, text=True)
    assert result.stdout.split() == names


def test_make_progress(tmp_path):
    makefile = (ROOT / "Makefile").read_text()
    assert "make progress" in makefile and "\nprogress: $(STAMP)\n" in makefile
    for setting, command in (("COURSE_LANG=zh", "course progress --lang zh"), ("COURSE_LANG=", "course progress")):
        env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
        dry = subprocess.run(["make", "-n", "--no-print-directory", "progress", setting], cwd=ROOT, env=env,
                             capture_output=True, text=True, check=True)  # -n: print, run nothing
        assert dry.stdout.strip().splitlines()[-1].endswith(command)


def test_the_test_env_turns_recording_off():
    """make test runs every notebook's check(): none of them may write into the checkout."""
    from course_utils.tools.authoring import TEST_ENV

    assert TEST_ENV.get(progress.PROGRESS_VAR) == "off"
