"""The instructor workflow: assign builds clean student copies; grade survives hostile submissions."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import re
import socket
import time
from pathlib import Path

import nbformat
import pytest

from course_utils.distributed import child_pids
from course_utils.tools.authoring import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    END_HIDDEN,
    END_SOLUTION,
    STUB,
    read_notebook,
)
from course_utils.tools.grading import (
    build_assignment,
    grade,
    keep_exercises,
    private_tests,
    resolve,
)
from course_utils.tools.judge import without_checks
from course_utils.tools.sandbox import sandbox_problem

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ["00_how_to_use", "03_tensors"]
pytestmark = pytest.mark.timeout(900)


def region_lines(source: str) -> list[str]:
    """The non-trivial lines inside solution and hidden-test regions."""
    lines, inside = [], False
    for line in source.splitlines():
        if line.strip() in (BEGIN_SOLUTION, BEGIN_HIDDEN):
            inside = True
        elif line.strip() in (END_SOLUTION, END_HIDDEN):
            inside = False
        elif inside and len(line.strip()) > 12:
            lines.append(line.strip())
    return lines


@pytest.fixture(scope="module")
def assignment(tmp_path_factory) -> Path:
    return build_assignment(CHAPTERS, "en", tmp_path_factory.mktemp("hw") / "hw1")


def test_resolve_chapters_and_ids():
    chosen = resolve(["00", "01.2", "01.4"])
    assert chosen == {"00_how_to_use": ["00.1", "00.2", "00.3"], "01_what_is_pytorch": ["01.2", "01.4"]}
    with pytest.raises(ValueError, match="neither an exercise id nor a chapter"):
        resolve(["99_nothing"])


def test_student_copy_leaks_no_solution_or_hidden_test(assignment):
    student_text = "".join(p.read_text(encoding="utf-8") for p in sorted((assignment / "student").iterdir()))
    secret = [line for c in CHAPTERS for cell in read_notebook(ROOT / "solutions" / "en" / f"{c}.ipynb").cells
              if cell.cell_type == "code" for line in region_lines(cell.source)]
    assert len(secret) > 10
    assert [line for line in secret if line in student_text] == []
    assert "HIDDEN" not in student_text and "BEGIN SOLUTION" not in student_text
    manifest = json.loads((assignment / "instructor" / "assignment.json").read_text())
    assert "Zoë" in manifest["notebooks"]["00_how_to_use"]["hidden_tests"]["00.1"]
    assert (assignment / "instructor" / "solutions" / "00_how_to_use.ipynb").exists()
    assert "hidden tests" in (assignment / "student" / "README.md").read_text()
    assert "`solutions/" not in student_text, "the handed-out copy points to solutions/"
    assert "solutions/zh/03_tensors.ipynb" in student_text, "exercise 00.2's own example was cut"
    assert "setup_notebook(assignment=True)" in student_text


def test_assigning_single_exercises_keeps_only_their_sections(tmp_path):
    out = build_assignment(["01.2"], "zh", tmp_path / "hw")
    notebook = read_notebook(out / "student" / "01_what_is_pytorch.ipynb")
    text = "\n".join(cell.source for cell in notebook.cells)
    assert 'check("01.2"' in text and 'check("01.1"' not in text and 'check("01.4"' not in text
    assert "setup_notebook(assignment=True)" in text
    manifest = json.loads((out / "instructor" / "assignment.json").read_text())
    assert manifest["notebooks"]["01_what_is_pytorch"]["exercises"] == ["01.2"]


def test_keep_exercises_cuts_at_headings():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# Intro"), nbformat.v4.new_markdown_cell("## 03.1 A"),
                      nbformat.v4.new_code_cell("a"), nbformat.v4.new_markdown_cell("## 03.2 B"),
                      nbformat.v4.new_code_cell("b")]
    assert [c.source for c in keep_exercises(notebook, ["03.2"]).cells] == ["# Intro", "## 03.2 B", "b"]




def test_without_checks_keeps_the_answer_in_a_cell_that_also_checks():
    cell = 'def f(x):\n    return x\n\n\ncheck("15.4", f)  # mine\nprint(f(1))'
    assert without_checks(cell) == "def f(x):\n    return x\n\n\nprint(f(1))"
    assert without_checks("check('03.1', f)\n") == ""


def test_private_tests_are_read_by_exercise(tmp_path):
    path = tmp_path / "private.py"
    path.write_text("import math\n# %% 03.2\nassert True\n# %% 00.1\nx = 1\nassert x\n")
    assert private_tests(path) == {"03.2": "assert True", "00.1": "x = 1\nassert x"}
    path.write_text("# %% 99.9\nassert True\n")
    with pytest.raises(ValueError, match="no exercise 99.9"):
        private_tests(path)


# ---------------------------------------------------------------- the hostile batch
# Every cheat and fairness case that was tried on the grader, graded in one run. Each one must
# score what it deserves, leave no file changed outside its sandbox and no process behind.

MARK = "course-hostile-batch-marker"  # in the command line of every process a submission starts


def solved(chapter: str, assignment: Path) -> nbformat.NotebookNode:
    """The student copy with every stub replaced by the solution's code (hidden tests left out)."""
    student = read_notebook(assignment / "student" / f"{chapter}.ipynb")
    solution = read_notebook(ROOT / "solutions" / "en" / f"{chapter}.ipynb")
    answers = iter(c for c in solution.cells if c.cell_type == "code" and BEGIN_SOLUTION in c.source)
    for cell in student.cells:
        if cell.cell_type == "code" and STUB in cell.source:
            cell.source = "\n".join(line for line in next(answers).source.splitlines() if "### " not in line)
    return student


def stubs(chapter: str, assignment: Path) -> nbformat.NotebookNode:
    return read_notebook(assignment / "student" / f"{chapter}.ipynb")


def replace_function(notebook, name: str, code: str) -> None:
    cell = next(c for c in notebook.cells if c.cell_type == "code" and re.search(rf"^def {name}\(", c.source, re.M))
    cell.source = code


def add_cell(notebook, code: str, after: str = "setup_notebook(") -> None:
    """A new code cell after the setup cell (or, with ``after=None``, at the end)."""
    index = len(notebook.cells) - 1 if after is None else next(
        i for i, c in enumerate(notebook.cells) if after in c.source)
    notebook.cells.insert(index + 1, nbformat.v4.new_code_cell(code))


def edit_checks(notebook, edit) -> None:
    for cell in notebook.cells:
        if cell.cell_type == "code" and "check(" in cell.source:
            cell.source = edit(cell.source)


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


def leftover_processes() -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if MARK in text and "pytest" not in text:
            found.append(text)
    return found


def cheats(assignment: Path, secrets: dict[str, Path], port: int) -> dict[str, dict[str, nbformat.NotebookNode]]:
    """{student: {chapter: notebook}} for the whole batch."""
    c00, c03 = CHAPTERS
    batch: dict[str, dict[str, nbformat.NotebookNode]] = {}

    def both(base=solved):
        return {c00: base(c00, assignment), c03: base(c03, assignment)}

    batch["honest"] = both()
    batch["untouched"] = both(stubs)

    for name, code in {  # each replaces the grader's own code in its process, with no answers written
        "patch_grader": "import course_utils.tools.grading as g, course_utils.tools.judge as j\n"
                        "g.grade = j.judge = j.judge_exercise = lambda *a, **k: None",
        "patch_evaluate": "import course_utils.checks as c, course_utils.checks.engine as e\n"
                          "c.evaluate = e.evaluate = lambda *a, **k: ('pass', 'ok')\n"
                          "e.CheckFailed = Exception",
        "patch_print": "import builtins\n_p = builtins.print\n"
                       "builtins.print = lambda *a, **k: _p(*[str(x).replace('❌', '✅') for x in a], **k)",
    }.items():
        batch[name] = both(stubs)
        add_cell(batch[name][c00], code)
        add_cell(batch[name][c03], code)

    wrong = both()  # wrong values of the right shape, with torch's comparisons made to say yes
    replace_function(wrong[c03], "to_channels_first", (
        "def to_channels_first(images):\n    n, h, w, c = images.shape\n    return images.reshape(n, c, h, w)"))
    replace_function(wrong[c03], "zero_diagonal", "def zero_diagonal(m):\n    return m.clone()")
    replace_function(wrong[c00], "greet", "def greet(name):\n    return 'hi'")
    for notebook in wrong.values():
        add_cell(notebook, "import torch, math\ntorch.equal = torch.allclose = torch.isclose = lambda *a, **k: True\n"
                           "math.isclose = lambda *a, **k: True")
    batch["patch_torch"] = wrong

    fakes = both()  # answers that pretend: a tensor subclass, and a value equal to everything
    replace_function(fakes[c03], "to_channels_first", (
        "class Fake(torch.Tensor):\n    def __eq__(self, other): return True\n"
        "    def __torch_function__(self, *a, **k): return True\n\n"
        "def to_channels_first(images):\n    return torch.zeros(images.shape[0], images.shape[3], images.shape[1], "
        "images.shape[2]).as_subclass(Fake)"))
    replace_function(fakes[c00], "greet", (
        "class Anything(str):\n    def __eq__(self, other): return True\n    __hash__ = str.__hash__\n\n"
        "def greet(name):\n    return Anything('no')"))
    batch["fake_values"] = fakes

    looking = both(stubs)  # read the solutions, the instructor's copy and the hidden tests, then use them
    add_cell(looking[c03], (
        "import glob, json, os\nfound = []\n"
        f"for path in [{str(secrets['solutions'])!r}, {str(secrets['instructor'])!r}, os.path.expanduser('~')]:\n"
        "    found += glob.glob(path + '/**/*.ipynb', recursive=True) + glob.glob(path + '/**/*.json', recursive=True)\n"
        "for path in found:\n"
        "    try:\n"
        "        cells = json.load(open(path))['cells']\n"
        "        exec('\\n'.join(''.join(c['source']) for c in cells if c['cell_type'] == 'code' and 'check(' not in ''.join(c['source'])))\n"
        "    except Exception:\n        pass\n"))
    batch["read_solutions"] = looking

    damage = both()  # honest answers, then everything a /proc walk can find: delete, overwrite, connect out
    add_cell(damage[c03], (
        "import glob, os, shutil, socket\n"
        "for link in glob.glob('/proc/*/cwd') + glob.glob('/proc/*/root'):\n"
        "    try:\n        os.listdir(link)\n    except OSError:\n        pass\n"
        f"for victim in [{str(secrets['instructor'])!r}, {str(secrets['submissions'])!r}, {str(secrets['solutions'])!r},"
        f" {str(secrets['home'])!r}, {str(secrets['checkers'])!r}]:\n"
        "    shutil.rmtree(victim, ignore_errors=True)\n"
        "    try:\n        open(os.path.join(victim, 'pwned.txt'), 'w').write('x')\n    except OSError:\n        pass\n"
        f"for host in ['127.0.0.1', '10.0.0.1']:\n"
        "    try:\n"
        f"        socket.create_connection((host, {port}), timeout=2).sendall(b'pwned')\n"
        "    except OSError:\n        pass\n"), after=None)
    batch["damage"] = damage

    lingering = both()  # honest answers; a setsid child that outlives grading to rewrite the gradebook
    add_cell(lingering[c00], (
        "import subprocess\n"
        f"subprocess.Popen(['setsid', 'sh', '-c', 'sleep 4; for f in $(find / -name grades.csv 2>/dev/null); do "
        f"echo {MARK} > $f; done; sleep 60 # {MARK}'], start_new_session=True)\n"))
    add_cell(lingering[c03], (  # and a fork bomb, held back by the process limit
        "import subprocess\nchildren = []\n"
        "for _ in range(2000):\n"
        "    try:\n"
        f"        children.append(subprocess.Popen(['sleep', '60', '{MARK}']))\n"
        "    except OSError:\n        break\n"))
    batch["processes"] = lingering

    memory = both()  # honest answers; one cell asks for 50 GB
    add_cell(memory[c03], "import torch\nhuge = torch.empty(50 * 2**30, dtype=torch.uint8).fill_(1)")
    batch["memory"] = memory

    unfair = both()  # honest answers, except: one hangs, one exits, one kills its process
    replace_function(unfair[c03], "standardize_columns", "def standardize_columns(x):\n    while True:\n        pass")
    replace_function(unfair[c03], "rows_with_negatives", "def rows_with_negatives(x):\n    import sys\n    sys.exit(3)")
    replace_function(unfair[c03], "zero_diagonal", "def zero_diagonal(m):\n    import os\n    os._exit(1)")
    add_cell(unfair[c00], "raise KeyboardInterrupt")
    batch["unfair"] = unfair

    ending = both()  # honest answers; the last cell ends the process after everything ran
    add_cell(ending[c03], "import os\nos._exit(0)", after=None)
    batch["exit_at_end"] = ending

    cosmetic = both()  # harmless edits to the check cells, one check cell deleted
    edit_checks(cosmetic[c00], lambda s: s.replace('"', "'") + "  # done!")
    edit_checks(cosmetic[c03], lambda s: s.replace("# NBVAL_CHECK_OUTPUT\n", ""))
    cosmetic[c03].cells = [c for c in cosmetic[c03].cells if 'check("03.5"' not in c.source]
    batch["cosmetic"] = cosmetic

    sneaky = both()  # passes the public checks, fails the course's hidden test and the private one
    replace_function(sneaky[c00], "greet", (
        "def greet(name):\n    return 'Hello, ' + name + '!' if name.isascii() or name == '世界' else 'Hi'"))
    replace_function(sneaky[c00], "count_lessons", (
        "def count_lessons(names):\n    return sum(n.endswith('.ipynb') for n in names) if len(names) != 1 else 0"))
    batch["hidden_tests"] = sneaky
    return batch


SCORES = {  # 00.1 00.2 00.3 03.1 03.2 03.3 03.4 03.5 total
    "corrupt": "0 0 0 0 0 0 0 0 0",
    "cosmetic": "1 1 1 1 1 1 1 1 8",
    "damage": "1 1 1 1 1 1 1 1 8",
    "exit_at_end": "1 1 1 1 1 1 1 1 8",
    "fake_values": "0 1 1 0 1 1 1 1 6",
    "hidden_tests": "0 1 0 1 1 1 1 1 6",
    "honest": "1 1 1 1 1 1 1 1 8",
    "memory": "1 1 1 1 1 1 1 1 8",
    "patch_evaluate": "0 0 0 0 0 0 0 0 0",
    "patch_grader": "0 0 0 0 0 0 0 0 0",
    "patch_print": "0 0 0 0 0 0 0 0 0",
    "patch_torch": "0 1 1 0 1 1 0 1 5",
    "processes": "1 1 1 1 1 1 1 1 8",
    "read_solutions": "0 0 0 0 0 0 0 0 0",
    "unfair": "1 1 1 1 0 0 0 1 5",
    "untouched": "0 0 0 0 0 0 0 0 0",
}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    if problem := sandbox_problem():
        pytest.fail(f"grading needs its sandbox: {problem}")
    base = tmp_path_factory.mktemp("hostile")
    assignment = build_assignment(CHAPTERS, "en", base / "instructor-home" / "hw1")
    subs, out, home = base / "submissions", base / "results", base / "instructor-home"
    (home / "notes.txt").write_text("the instructor's own files")
    checkers = Path(__import__("course_utils.checks.ch03_tensors").checks.ch03_tensors.__file__).parent
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    secrets = {"solutions": ROOT / "solutions", "instructor": assignment / "instructor", "submissions": subs,
               "home": home, "checkers": checkers}
    for student, notebooks in cheats(assignment, secrets, listener.getsockname()[1]).items():
        for chapter, notebook in notebooks.items():
            (subs / student).mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, subs / student / f"{chapter}.ipynb")
    (subs / "corrupt").mkdir()
    (subs / "corrupt" / f"{CHAPTERS[0]}.ipynb").write_text("{ this is not a notebook")
    private = base / "private-tests.py"  # the instructor's own hidden test, outside the repository
    private.write_text("# %% 00.3\nassert count_lessons(['only.ipynb']) == 1\n")
    watched = {"assignment": assignment, "submissions": subs, "solutions": ROOT / "solutions", "home": home,
               "checkers": checkers}
    before = {name: tree_digest(folder) for name, folder in watched.items()}
    children = child_pids()
    started = time.monotonic()
    grade(assignment, subs, out, timeout=5, jobs=2, hidden=private)
    seconds = time.monotonic() - started
    gradebook = (out / "grades.csv").read_bytes()
    time.sleep(5)  # the setsid child would rewrite grades.csv by now, were it alive
    connections = 0
    with contextlib.suppress(OSError):
        while True:
            listener.accept()[0].close()
            connections += 1
    listener.close()
    with open(out / "grades.csv", encoding="utf-8") as fh:
        rows = {row["student"]: row for row in csv.DictReader(fh)}
    return {"rows": rows, "out": out, "before": before, "after": {n: tree_digest(f) for n, f in watched.items()},
            "new_children": sorted(set(child_pids()) - set(children)),
            "gradebook": gradebook, "connections": connections, "seconds": seconds}


def test_every_submission_scores_what_it_deserves(batch):
    rows = batch["rows"]
    assert sorted(rows) == sorted(SCORES)
    ids = ["00.1", "00.2", "00.3", "03.1", "03.2", "03.3", "03.4", "03.5", "total"]
    wrong = {s: " ".join(rows[s][i] for i in ids) for s in SCORES if " ".join(rows[s][i] for i in ids) != SCORES[s]}
    assert wrong == {}, f"scored / deserved: { {s: (v, SCORES[s]) for s, v in wrong.items()} }"


def test_nothing_outside_the_sandboxes_changed(batch):
    assert batch["after"] == batch["before"]
    assert batch["connections"] == 0, "a submission reached the grader's network"
    assert (batch["out"] / "grades.csv").read_bytes() == batch["gradebook"], "the gradebook changed after grading"
    assert leftover_processes() == []
    assert batch["new_children"] == [], "grading left a process of its own"


def test_gradebook_records_digests_and_reasons(batch):
    rows, out = batch["rows"], batch["out"]
    honest = ROOT  # the digest is the SHA-256 of the submitted file
    assert all(re.fullmatch(r"00_how_to_use:[0-9a-f]{64} 03_tensors:[0-9a-f]{64}", rows[s]["sha256"])
               for s in SCORES if s != "corrupt"), honest
    unfair = (out / "feedback" / "unfair.md").read_text()
    assert "ran for more than 5 s" in unfair and "SystemExit" in unfair and "the process ended" in unfair
    assert "a hidden test failed" in (out / "feedback" / "hidden_tests.md").read_text()
    assert "unreadable notebook" in rows["corrupt"]["status"]
    assert "cell" in rows["exit_at_end"]["status"] and "left out" in rows["exit_at_end"]["status"]
