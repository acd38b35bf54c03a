"""Authoring tools: build notebooks from their scripts, keep pairs in sync, generate exercises.

The loop for a chapter (CONTRIBUTING.md has the full story):

1. edit ``notebooks/zh/NN_slug.py`` (py:percent) or the ``.ipynb`` in JupyterLab;
2. ``python -m course_utils build PATH ...`` executes the notebook in the same
   conditions as the tests and writes both files of the pair;
3. ``make exercises`` turns ``solutions/`` into the student copies in ``exercises/``.
"""

from __future__ import annotations

import copy
import io
import os
import tokenize
from collections.abc import Sequence
from pathlib import Path

import jupytext
import nbformat
from IPython.core.inputtransformer2 import TransformerManager
from nbformat import NotebookNode

ROOT = Path(__file__).resolve().parents[2]

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


def to_exercise(solution: NotebookNode, path: str = "<notebook>") -> NotebookNode:
    """The student copy of a solution notebook: stubs instead of solutions, no outputs."""
    exercise = copy.deepcopy(solution)
    for index, cell in enumerate(exercise.cells):
        if cell.cell_type != "code":
            continue
        cell.source = stub_source(cell.source, f"{path} cell {index}")
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
    from .doctor import read_pins
    from .version import __version__

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
    from .chapters import KINDS

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
    (``course_output/``) and JupyterLab's ``.ipynb_checkpoints/`` sit deeper and are not looked at.
    """
    problems: list[str] = []
    for ipynb in sorted(folder.glob("*/*.ipynb")):
        twin = ipynb.with_suffix(".py")
        if not twin.exists():
            problems.append(f"{ipynb}: no .py twin")
        elif twin.read_text(encoding="utf-8") != py_text(read_notebook(ipynb)):
            problems.append(f"{ipynb}: .py twin is out of sync (run `make sync`)")
    for script in sorted(folder.glob("*/*.py")):
        if not script.with_suffix(".ipynb").exists():
            problems.append(f"{script}: no .ipynb twin")
    return problems


# --------------------------------------------------------------------------- generating exercises/


def expected_exercises(root: Path = ROOT, slugs: Sequence[str] = ()) -> dict[Path, str]:
    """What ``make exercises`` writes: {path relative to root: text} for every file in exercises/.

    With ``slugs``, only those chapters (``["11_text"]``), for authors working on one chapter.
    """
    files: dict[Path, str] = {}
    for solution in sorted((root / "solutions").glob("*/*.ipynb")):
        if slugs and solution.stem not in slugs:
            continue
        edition = solution.parent.name
        exercise = to_exercise(read_notebook(solution), str(solution.relative_to(root)))
        set_course_metadata(exercise)
        target = Path("exercises") / edition / solution.name
        files[target] = ipynb_text(exercise)
        files[target.with_suffix(".py")] = py_text(exercise)
    return files


def write_exercises(root: Path = ROOT, slugs: Sequence[str] = ()) -> list[Path]:
    """Regenerate exercises/ from solutions/ (only ``slugs``, if given).

    A full run also removes files that no solution produces.
    """
    expected = expected_exercises(root, slugs)
    for stale in sorted((root / "exercises").glob("*/*")) if not slugs else []:
        if stale.suffix in (".ipynb", ".py") and stale.relative_to(root) not in expected:
            stale.unlink()
    for relative, text in expected.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    return sorted(expected)


def exercise_problems(root: Path = ROOT) -> list[str]:
    """Differences between exercises/ and what ``make exercises`` would generate now."""
    expected = expected_exercises(root)
    problems = []
    for relative, text in expected.items():
        path = root / relative
        if not path.exists():
            problems.append(f"{relative}: missing (run `make exercises`)")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{relative}: differs from its solution (run `make exercises`)")
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
