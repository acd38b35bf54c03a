"""Authoring tools: build notebooks from their scripts, keep pairs in sync, generate exercises.

The loop for a chapter (CONTRIBUTING.md has the full story):

1. edit ``notebooks/zh/NN_slug.py`` (py:percent) or the ``.ipynb`` in JupyterLab;
2. ``course build PATH ...`` executes the notebook in the same
   conditions as the tests and writes both files of the pair;
3. ``make exercises`` turns ``solutions/`` into the student copies in ``exercises/``.
"""

from __future__ import annotations

import copy
import io
import os
import re
import tokenize
from collections.abc import Sequence
from pathlib import Path

import jupytext
import nbformat
from IPython.core.inputtransformer2 import TransformerManager
from nbformat import NotebookNode

from ..checks.catalog import CATALOG, EDITIONS, EXERCISES, KINDS, heading

ROOT = Path(__file__).resolve().parents[3]

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
STUB = 'raise NotImplementedError("Write your code here / 在这里写你的代码")'

KERNELSPEC = {"name": "pytorch-course", "display_name": "PyTorch course", "language": "python"}
#: Notebook metadata that makes every .py twin carry the kernel, but no jupytext version (no churn).
JUPYTEXT_METADATA = {
    "cell_metadata_filter": "-all",
    "notebook_metadata_filter": "kernelspec,jupytext,-jupytext.text_representation.jupytext_version",
}

#: The environment every notebook runs in under test, and when authors execute it.
TEST_ENV = {
    "IPYKERNEL_CELL_NAME": "<IPY-INPUT>",  # stable warning locations instead of /tmp/ipykernel_<pid>/...
    "TQDM_DISABLE": "1",  # progress bars print rates and times
    "COURSE_DOWNLOAD": "0",  # offline: never download
    "COURSE_BLOCK_NETWORK": "1",  # tests/netguard/sitecustomize.py refuses non-loopback sockets
    "COURSE_PROGRESS_FILE": "off",  # check() records no student progress while tests run
    "PYTHONHASHSEED": "0",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",  # silences a debugger warning at kernel start
    "PYTHONWARNINGS": "ignore::DeprecationWarning",
}
#: CPU kernel settings. Stored outputs are recorded under "pinned": every x86-64 CPU with AVX2
#: (Intel or AMD, with or without AVX-512) then runs the same vector kernels in ATen, MKL and
#: oneDNN, with the same thread count. "other" acts like a different CPU (ATen's scalar kernels,
#: MKL's and oneDNN's oldest code paths, one thread): a stored output that hangs on the last bits
#: of a float fails under it, on any machine.
KERNEL_SETTINGS: dict[str, dict[str, str]] = {
    "pinned": {"ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2",
               "OMP_NUM_THREADS": "2"},
    "other": {"ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "COMPATIBLE", "ONEDNN_MAX_CPU_ISA": "SSE41",
              "OMP_NUM_THREADS": "1"},
}
#: Which setting each edition's notebooks run under in a test run, chosen by ``COURSE_KERNELS``.
#: The editions' code cells are identical, so "split" (the default) runs every cell under both
#: settings at the price of one pass; tests/test_invariants.py checks that their outputs agree.
KERNEL_PLANS: dict[str, dict[str, str]] = {
    "split": {"en": "pinned", "zh": "other"},
    "swap": {"en": "other", "zh": "pinned"},
    "pinned": {"en": "pinned", "zh": "pinned"},
    "other": {"en": "other", "zh": "other"},
}
KERNELS_VAR = "COURSE_KERNELS"
PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
NETGUARD_DIR = ROOT / "tests" / "netguard"


class AuthoringError(ValueError):
    """A solution notebook breaks the exercise conventions."""


def apply_test_env(environ: dict[str, str] | os._Environ = os.environ) -> None:
    """Put ``TEST_ENV`` and the network guard into ``environ`` (kernels inherit it)."""
    environ.update(TEST_ENV)
    environ.update(KERNEL_SETTINGS["pinned"])
    for name in PROXY_VARS:  # a proxy on loopback would carry downloads past the guard
        environ.pop(name, None)
    paths = [str(NETGUARD_DIR)] + [p for p in environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))


def kernel_setting(edition: str, plan: str | None = None) -> dict[str, str]:
    """The CPU kernel variables for a notebook of ``edition`` ("zh" or "en") under ``plan``."""
    plan = plan or os.environ.get(KERNELS_VAR, "split")
    if plan not in KERNEL_PLANS:
        raise ValueError(f"{KERNELS_VAR}={plan!r}: choose one of {', '.join(KERNEL_PLANS)}")
    return KERNEL_SETTINGS[KERNEL_PLANS[plan][edition]]


# --------------------------------------------------------------------------- exercises


def stub_source(source: str, path: str = "<cell>") -> str:
    """Replace every solution region with a stub and drop hidden-test regions.

    A solution region must sit inside a function: the stub raises
    ``NotImplementedError``, which ``check()`` reports as "not done yet", so
    "Run All" goes through the whole exercise notebook.
    """
    out: list[str] = []
    inside: str | None = None
    for number, line in enumerate(source.splitlines(), start=1):
        marker = line.strip()
        if marker in (BEGIN_SOLUTION, BEGIN_HIDDEN):
            if inside:
                raise AuthoringError(f"{path}: line {number}: {marker} inside another region")
            inside = marker
            indent = line[: len(line) - len(line.lstrip())]
            if marker == BEGIN_SOLUTION:
                if not indent:
                    raise AuthoringError(f"{path}: line {number}: a solution region must be inside a function")
                out.append(indent + STUB)
        elif marker in (END_SOLUTION, END_HIDDEN):
            expected = BEGIN_SOLUTION if marker == END_SOLUTION else BEGIN_HIDDEN
            if inside != expected:
                raise AuthoringError(f"{path}: line {number}: {marker} without {expected}")
            inside = None
        elif inside is None:
            out.append(line)
    if inside:
        raise AuthoringError(f"{path}: {inside} is never closed")
    return "\n".join(out)


def with_hint_import(source: str) -> str:
    """``from course_utils import check, ...`` also imports ``hint``, which the student copy offers."""
    def add_hint(match: re.Match) -> str:
        names = [n.strip() for n in match.group(1).split(",")]
        return "from course_utils import " + ", ".join(sorted({*names, "hint"}))

    return re.sub(r"^from course_utils import ((?:\w+, )*check(?:, \w+)*)$", add_hint, source, flags=re.M)


#: The line under every exercise's task in the student copy.
STUCK = {"en": "*Stuck? Run `hint(\"{id}\")` in a new cell: each call gives the next hint.*",
         "zh": "*卡住了？在新单元格里运行 `hint(\"{id}\")`：每运行一次，给出下一条提示。*"}


def to_exercise(solution: NotebookNode, path: str = "<notebook>", lang: str = "en") -> NotebookNode:
    """The student copy of a solution notebook: stubs instead of solutions, no outputs, and a
    "stuck? hint(...)" line under every exercise's task."""
    exercise = copy.deepcopy(solution)
    for index, cell in enumerate(exercise.cells):
        first = cell.source.splitlines()[0] if cell.source else ""
        if cell.cell_type == "markdown" and (match := HEADING.match(first)):
            cell.source = cell.source.rstrip() + "\n\n" + STUCK[lang].format(id=match.group(2))
        if cell.cell_type != "code":
            continue
        cell.source = with_hint_import(stub_source(cell.source, f"{path} cell {index}"))
        cell.outputs = []
        cell.execution_count = None
    return exercise


# --------------------------------------------------------------------------- pairs


def py_text(notebook: NotebookNode) -> str:
    """The py:percent twin of a notebook, exactly as ``jupytext --to py:percent --output -`` prints it."""
    return jupytext.writes(notebook, fmt="py:percent")


#: The packages whose versions a notebook's metadata records (``metadata["course"]``).
STACK = ("torch", "torchvision", "torchaudio")


def stack_versions(root: Path = ROOT) -> dict[str, str]:
    """The course's version and the pinned stack, recorded in every notebook's ``metadata["course"]``.

    (The Python version is in ``metadata["language_info"]``, written when the notebook runs.)
    """
    from ..doctor import read_pins
    from ..version import __version__

    pins = read_pins(root / "requirements.txt")
    return {"version": __version__, **{name: pins[name] for name in STACK}}


def set_course_metadata(notebook: NotebookNode) -> None:
    """Give a notebook the course kernel and the jupytext filters."""
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    notebook.metadata["course"] = stack_versions()
    notebook.metadata.setdefault("jupytext", {}).update(JUPYTEXT_METADATA)
    notebook.metadata["jupytext"].pop("text_representation", None)


def stamp_notebooks(root: Path = ROOT) -> list[Path]:
    """Rewrite the notebooks whose ``metadata["course"]`` is not ``stack_versions()`` (outputs untouched)."""

    expected, stamped = stack_versions(root), []
    for path in sorted(p for kind in KINDS for p in (root / kind).glob("*/*.ipynb")):
        notebook = read_notebook(path)
        if notebook.metadata.get("course") != expected:
            write_pair(notebook, path)
            stamped.append(path)
    return stamped


def ipynb_text(notebook: NotebookNode) -> str:
    """A notebook as JSON, formatted the way Jupyter saves it."""
    return nbformat.writes(notebook) + "\n"


def read_notebook(path: Path) -> NotebookNode:
    return nbformat.read(path, as_version=4)


def write_pair(notebook: NotebookNode, ipynb_path: Path) -> None:
    """Write ``ipynb_path`` and its ``.py`` twin."""
    set_course_metadata(notebook)
    ipynb_path.parent.mkdir(parents=True, exist_ok=True)
    ipynb_path.write_text(ipynb_text(notebook), encoding="utf-8")
    ipynb_path.with_suffix(".py").write_text(py_text(notebook), encoding="utf-8")


def pair_problems(folder: Path) -> list[str]:
    """Every notebook in ``folder/<edition>/`` whose ``.py`` twin is missing or out of sync (and the reverse).

    Only the edition folders hold notebooks: files that lessons write while they run
    (``course_output/``), JupyterLab's ``.ipynb_checkpoints/`` and ``notebooks/scripts/`` are not looked at.
    """
    problems: list[str] = []
    notebooks = [p for edition in EDITIONS for p in sorted((folder / edition).glob("*.ipynb"))]
    scripts = [p for edition in EDITIONS for p in sorted((folder / edition).glob("*.py"))]
    for ipynb in notebooks:
        if not ipynb.with_suffix(".py").exists():
            problems.append(f"{ipynb}: no .py twin")
        elif not in_sync(ipynb):
            problems.append(f"{ipynb}: .py twin is out of sync (run `make sync`)")
    for script in scripts:
        if not script.with_suffix(".ipynb").exists():
            problems.append(f"{script}: no .ipynb twin")
    return problems


# --------------------------------------------------------------------------- generating exercises/


GUIDE_BEGIN = "<!-- BEGIN EXERCISE LIST: generated from src/course_utils/checks/catalog.py by `course exercises` -->"
GUIDE_END = "<!-- END EXERCISE LIST -->"
HEADING = re.compile(r"^(#+)\s+(\d\d\.\d+)\b.*$")


def exercise_list(lang: str) -> str:
    """The instructor guide's list of every exercise: one line per chapter, ids and titles."""
    separator, colon = ("；", "：") if lang == "zh" else ("; ", ": ")
    lines = []
    for slug, entries in CATALOG.items():
        if entries:
            titles = separator.join(f"`{facts.id}` {facts.title(lang)}" for facts in entries)
            lines.append(f"- **{slug}**{colon}{titles}")
    return "\n".join(lines)


def guide_text(text: str, lang: str) -> str:
    """``text`` (an instructor guide) with its exercise list regenerated from the catalog."""
    begin, end = text.index(GUIDE_BEGIN) + len(GUIDE_BEGIN), text.index(GUIDE_END)
    return f"{text[:begin]}\n{exercise_list(lang)}\n{text[end:]}"


def heading_problems(root: Path = ROOT) -> list[str]:
    """Exercise headings in solutions/ that differ from the catalog's (``## 03.2 Standardize the columns``)."""
    problems = []
    for edition in EDITIONS:
        for solution in sorted((root / "solutions" / edition).glob("*.ipynb")):
            found = []
            for cell in read_notebook(solution).cells:
                first = cell.source.splitlines()[0] if cell.cell_type == "markdown" and cell.source else ""
                if match := HEADING.match(first):
                    found.append(match.group(2))
                    if match.group(2) not in EXERCISES:
                        problems.append(f"{solution.relative_to(root)}: {match.group(2)} is not in the catalog")
                    elif first != heading(match.group(2), edition):
                        problems.append(f"{solution.relative_to(root)}: heading {first!r} should be "
                                        f"{heading(match.group(2), edition)!r} (checks/catalog.py)")
            listed = [facts.id for facts in CATALOG.get(solution.stem, [])]
            if found != listed:
                problems.append(f"{solution.relative_to(root)}: exercises {found}, the catalog lists {listed}")
    return problems


NAVIGATION = "<!-- navigation: generated by `course exercises` -->"
NAV_WORDS = {
    "en": {"next": "**Next:**", "exercises": "the exercises of this chapter", "chapter": "the next chapter",
           "back": "**Lesson:**"},
    "zh": {"next": "**接下来：**", "exercises": "本章练习", "chapter": "下一章", "back": "**本章课文：**"},
}


def navigation(kind: str, slug: str, lang: str) -> str:
    """The generated links: a lesson's last cell (its exercises, the next lesson), or the
    second cell of a solution or exercise notebook (back to its lesson). Relative links work in
    JupyterLab; the website's build maps them onto its pages."""
    words, slugs, colon = NAV_WORDS[lang], list(CATALOG), "：" if lang == "zh" else ": "
    if kind == "notebooks":
        links = [f"[{words['exercises']}{colon}{slug}](../../exercises/{lang}/{slug}.ipynb)"]
        following = slugs[slugs.index(slug) + 1:]
        if following:
            links.append(f"[{words['chapter']}{colon}{following[0]}]({following[0]}.ipynb)")
        return f"{NAVIGATION}\n{words['next']} " + " · ".join(links)
    return f"{NAVIGATION}\n{words['back']} [{slug}](../../notebooks/{lang}/{slug}.ipynb)"


def with_navigation(notebook: NotebookNode, kind: str, slug: str, lang: str) -> NotebookNode:
    """``notebook`` with its navigation cell (re)generated: last in a lesson, second elsewhere."""
    notebook = copy.deepcopy(notebook)
    cells = [c for c in notebook.cells if not (c.cell_type == "markdown" and c.source.startswith(NAVIGATION))]
    cell = nbformat.v4.new_markdown_cell(navigation(kind, slug, lang))
    cell.id = "course-navigation"  # a fixed id: regenerating changes nothing
    cells.insert(len(cells) if kind == "notebooks" else 1, cell)
    notebook.cells = cells
    return notebook


def expected_exercises(root: Path = ROOT, slugs: Sequence[str] = ()) -> dict[Path, str]:
    """What ``make exercises`` writes: {path relative to root: text} for every file in exercises/,
    the lessons and solutions with their navigation cells, and the instructor guides' exercise lists.

    With ``slugs``, only those chapters (``["11_text"]``), for authors working on one chapter.
    """
    files: dict[Path, str] = {}
    for kind in ("notebooks", "solutions"):
        for path in sorted((root / kind).glob("*/*.ipynb")):
            if (slugs and path.stem not in slugs) or path.stem not in CATALOG:
                continue
            edition = path.parent.name
            notebook = with_navigation(read_notebook(path), kind, path.stem, edition)
            files[path.relative_to(root)] = ipynb_text(notebook)
            files[path.relative_to(root).with_suffix(".py")] = py_text(notebook)
            if kind == "solutions":
                exercise = to_exercise(notebook, str(path.relative_to(root)), edition)
                set_course_metadata(exercise)
                target = Path("exercises") / edition / path.name
                files[target] = ipynb_text(exercise)
                files[target.with_suffix(".py")] = py_text(exercise)
    for edition in EDITIONS:
        guide = Path("docs") / f"instructor_guide.{edition}.md"
        if (root / guide).is_file():  # a partial copy of the course (a test's) may have no docs/
            files[guide] = guide_text((root / guide).read_text(encoding="utf-8"), edition)
    return files


def write_exercises(root: Path = ROOT, slugs: Sequence[str] = ()) -> list[Path]:
    """Regenerate exercises/ from solutions/ (only ``slugs``, if given), and the guides' exercise lists.

    A full run also removes files that no solution produces.
    """
    expected = expected_exercises(root, slugs)
    for stale in sorted((root / "exercises").glob("*/*")) if not slugs else []:
        if stale.suffix in (".ipynb", ".py") and stale.relative_to(root) not in expected:
            stale.unlink()
    # a pair whose .py an author is editing (out of sync) is never overwritten with the older .ipynb
    editing = {r.with_suffix("") for r in expected if r.parts[0] in ("notebooks", "solutions")
               and r.suffix == ".ipynb" and not in_sync(root / r)}
    for relative, text in expected.items():
        path = root / relative
        if relative.with_suffix("") in editing:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return sorted(expected)


def in_sync(ipynb: Path) -> bool:
    """Whether a notebook's ``.py`` twin says what the ``.ipynb`` says."""
    twin = ipynb.with_suffix(".py")
    return twin.is_file() and twin.read_text(encoding="utf-8") == py_text(read_notebook(ipynb))


def exercise_problems(root: Path = ROOT) -> list[str]:
    """Differences between exercises/ (and the guides' exercise lists) and what ``make exercises``
    would generate now, plus solution headings that drifted from the catalog."""
    expected = expected_exercises(root)
    problems = heading_problems(root)
    for relative, text in expected.items():
        path = root / relative
        if not path.exists():
            problems.append(f"{relative}: missing (run `make exercises`)")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{relative}: differs from what `make exercises` writes (run it)")
    for path in sorted((root / "exercises").glob("*/*")):
        if path.suffix in (".ipynb", ".py") and path.relative_to(root) not in expected:
            problems.append(f"{path.relative_to(root)}: has no solution notebook")
    return problems


# --------------------------------------------------------------------------- executing


def build(path: Path, timeout: int = 600) -> Path:
    """Execute a notebook (given as .py or .ipynb) as the tests do, then write both twins."""
    from nbclient import NotebookClient

    path = Path(path).resolve()
    ipynb = path.with_suffix(".ipynb")
    notebook = jupytext.read(path) if path.suffix == ".py" else read_notebook(ipynb)
    set_course_metadata(notebook)
    apply_test_env()
    client = NotebookClient(
        notebook,
        timeout=timeout,
        record_timing=False,  # no timestamps in cell metadata: no churn
        kernel_name=KERNELSPEC["name"],
        resources={"metadata": {"path": str(ipynb.parent)}},
    )
    client.execute()
    write_pair(notebook, ipynb)
    return ipynb


def code_without_comments(source: str) -> str:
    """A code cell reduced to its Python tokens, one logical line per line.

    Comments and blank lines are dropped, ``# NBVAL_*`` markers are kept, so
    the zh and en editions must be equal under this view: only comments may differ.
    """
    python = TransformerManager().transform_cell(source)  # turns %magics into plain Python
    lines = [line.strip() for line in source.splitlines() if line.strip().startswith("# NBVAL_")]
    current: list[str] = []
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.ENDMARKER}
    for token in tokenize.generate_tokens(io.StringIO(python).readline):
        if token.type in skip:
            continue
        if token.type == tokenize.NEWLINE:
            lines.append(" ".join(current))
            current = []
        elif token.type in (tokenize.INDENT, tokenize.DEDENT):
            current.append(tokenize.tok_name[token.type])
        else:
            current.append(token.string)
    if current:
        lines.append(" ".join(current))
    return "\n".join(lines)
