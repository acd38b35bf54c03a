"""The repository invariants of spec section 6, as functions that return problems.

Each function returns a list of human-readable problems (empty when the
invariant holds), so tests can run it on the real repository and on broken
copies of it, and prove that the check catches what it must.
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import re
import warnings
from collections.abc import Sequence
from pathlib import Path

import nbformat
from IPython.core.inputtransformer2 import TransformerManager
from nbval.plugin import coalesce_streams, comment_markers, get_sanitize_patterns

from course_utils.checks.catalog import CHAPTER_OF, EDITIONS, KINDS
from course_utils.tools.authoring import code_without_comments, read_notebook, stack_versions
from course_utils.tools.grading import CHECK_CALL

ROOT = Path(__file__).resolve().parents[1]


def chapter_ids(slug: str) -> list[str]:
    """The exercise ids of a chapter, in order (checks/catalog.py)."""
    return sorted(i for i, chapter in CHAPTER_OF.items() if chapter == slug)


# ---------------------------------------------------------------- nbval markers

#: The comment lines nbval honours, taken from nbval itself.
NBVAL_MARKERS = {f"# {marker}" for marker in comment_markers}


def marker_problems(folder: Path) -> list[str]:
    """nbval honours a marker only when it is alone on its line; anything else is silently ignored."""
    problems = []
    for path in sorted(folder.glob("*/*.ipynb")):
        for cell in read_notebook(path).cells:
            if cell.cell_type != "code":
                continue
            for line in cell.source.splitlines():
                text = line.strip()
                if "NBVAL_" in text and text.startswith("#") and text not in NBVAL_MARKERS:
                    problems.append(f"{folder.name}/{path.parent.name}/{path.name}: {text!r} is not a marker nbval reads")
    return problems


# ---------------------------------------------------------------- 4. two editions


def edition_problems(root: Path = ROOT) -> list[str]:
    """zh and en must hold the same notebooks, with equal code cells once comments are stripped."""
    problems = []
    for kind in KINDS:
        names = {ed: {p.name for p in (root / kind / ed).glob("*.ipynb")} for ed in EDITIONS}
        for name in sorted(names["zh"] ^ names["en"]):
            problems.append(f"{kind}/{name}: exists in only one edition")
        for name in sorted(names["zh"] & names["en"]):
            zh, en = (read_notebook(root / kind / ed / name) for ed in EDITIONS)
            zh_code = [code_without_comments(c.source) for c in zh.cells if c.cell_type == "code"]
            en_code = [code_without_comments(c.source) for c in en.cells if c.cell_type == "code"]
            if len(zh_code) != len(en_code):
                problems.append(f"{kind}/{name}: {len(zh_code)} code cells in zh, {len(en_code)} in en")
                continue
            for number, (a, b) in enumerate(zip(zh_code, en_code)):
                if a != b:
                    problems.append(f"{kind}/{name}: code cell {number} differs between zh and en")
    return problems


#: What strict nbval compares in stored and new outputs, after the course's sanitizer.
SANITIZER = ROOT / "tests" / "nbval_sanitize.cfg"
#: Chinese characters and full-width punctuation: an output that holds them speaks the notebook's language.
CJK = re.compile("[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
IGNORED = ("# NBVAL_IGNORE_OUTPUT", "# NBVAL_SKIP")


def compared_outputs(cell: nbformat.NotebookNode, patterns: list[tuple[str, str]]) -> list[str]:
    """A code cell's outputs as strict nbval compares them: streams merged, text only, sanitized."""
    texts = []
    for output in coalesce_streams(copy_outputs(cell)):
        if output.output_type == "stream":
            text = f"{output.name}: {output.text}"
        elif output.output_type == "error":
            text = f"error: {output.ename}: {output.evalue}"
        else:
            text = f"{output.output_type}: {output.get('data', {}).get('text/plain', '')}"
        for regex, replace in patterns:
            text = re.sub(regex, replace, text)
        texts.append(text)
    return texts


def copy_outputs(cell: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [nbformat.from_dict(dict(output)) for output in cell.get("outputs", [])]


def edition_output_problems(root: Path = ROOT, kinds: tuple[str, ...] = ("notebooks", "solutions")) -> list[str]:
    """zh and en must store the same outputs for the same code, apart from text in the notebook's language.

    ``make test`` runs each edition under a different CPU kernel setting
    (conftest.py), so this is what proves that every stored output holds under both.
    Skipped: cells marked NBVAL_IGNORE_OUTPUT/NBVAL_SKIP, and cells whose zh output
    speaks Chinese (``check()`` messages).
    """
    patterns = get_sanitize_patterns(SANITIZER.read_text(encoding="utf-8"))
    problems = []
    for kind in kinds:
        for en_path in sorted((root / kind / "en").glob("*.ipynb")):
            zh_path = root / kind / "zh" / en_path.name
            if not zh_path.exists():
                continue  # edition_problems reports it
            en_cells, zh_cells = ([c for c in read_notebook(p).cells if c.cell_type == "code"] for p in (en_path, zh_path))
            for number, (en, zh) in enumerate(zip(en_cells, zh_cells)):
                if any(line.strip() in IGNORED for line in en.source.splitlines()):
                    continue
                en_out, zh_out = compared_outputs(en, patterns), compared_outputs(zh, patterns)
                if en_out != zh_out and not CJK.search("".join(zh_out)):
                    problems.append(f"{kind}/{en_path.name}: code cell {number} stores different outputs in zh and en")
    return problems


def stamp_problems(root: Path = ROOT) -> list[str]:
    """Every notebook records the course version and the pinned stack (``course stamp`` writes it)."""
    expected = stack_versions(root)
    stamps = {path: read_notebook(path).metadata.get("course")
              for kind in KINDS for path in sorted((root / kind).glob("*/*.ipynb"))}
    return [f"{path.relative_to(root)}: metadata says {stamp}, not {expected}"
            for path, stamp in stamps.items() if stamp != expected]


# ---------------------------------------------------------------- 5. the chapter map


def chapter_problems(chapters: Sequence[str], root: Path = ROOT) -> list[str]:
    """Every chapter of the map has all six notebooks (and twins), and no notebook is outside the map."""
    problems = []
    for slug in chapters:
        for kind in KINDS:
            for edition in EDITIONS:
                for suffix in (".ipynb", ".py"):
                    path = root / kind / edition / f"{slug}{suffix}"
                    if not path.exists():
                        problems.append(f"{path.relative_to(root)}: missing")
    for kind in KINDS:
        for path in (root / kind).glob("*/*.ipynb"):
            if path.stem not in chapters:
                problems.append(f"{path.relative_to(root)}: not a chapter of the map")
    return problems


# ---------------------------------------------------------------- 3. solutions and stubs


def unexecuted_cells(folder: Path) -> list[str]:
    """Code cells stored without an execution count (strict nbval would skip them silently)."""
    problems = []
    for path in sorted(folder.glob("*/*.ipynb")):
        code = [c for c in read_notebook(path).cells if c.cell_type == "code"]
        for number, cell in enumerate(code):
            if cell.execution_count is None and cell.source.strip():
                problems.append(f"{folder.name}/{path.parent.name}/{path.name}: code cell {number} was never run")
    return problems


def output_text(notebook: nbformat.NotebookNode) -> str:
    """All text a notebook's stored outputs show."""
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts.append(output.get("data", {}).get("text/plain", ""))
    return "".join(parts)


def solution_problems(path: Path) -> list[str]:
    """A solution notebook must store a ✅ line for each of its chapter's exercises, and no ❌ or ⏳."""
    text = output_text(read_notebook(path))
    problems = [f"{path.name}: no stored ✅ line for {i}" for i in chapter_ids(path.stem) if f"✅ {i} " not in text]
    if not chapter_ids(path.stem):
        problems.append(f"{path.name}: no exercises are registered for {path.stem}")
    for line in text.splitlines():
        if line.startswith(("❌", "⏳")):
            problems.append(f"{path.name}: stored output says {line[:80]!r}")
    return problems


LESSON_HELPERS = ROOT / "src" / "course_utils"


def public_names(module: Path) -> set[str]:
    """The top-level functions, classes and constants of a module that do not start with ``_``."""
    names = set()
    for node in ast.parse(module.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return {name for name in names if not name.startswith("_")}


def reading_path_problems(root: Path = ROOT, helpers: Path = LESSON_HELPERS) -> list[str]:
    """No answers where students read: no solution imports from the checks or the tools, and no
    lesson helper (``course_utils/*.py``) is named like a function an exercise asks for."""
    problems = []
    answers: dict[str, str] = {}
    for script in sorted((root / "solutions").glob("*/*.py")):
        text = script.read_text(encoding="utf-8")
        answers |= {name: exercise for exercise, name in CHECK_CALL.findall(text)}
        for line in text.splitlines():
            if re.match(r"\s*(from|import)\s+course_utils\.(checks|tools)\b", line):
                problems.append(f"{script.relative_to(root)}: imports from a checker or a tool: {line.strip()}")
    for module in sorted(helpers.glob("*.py")):
        for name in sorted(public_names(module) & set(answers)):
            problems.append(f"{module.name} defines {name}, the answer to exercise {answers[name]}")
    return problems


def run_notebook_in_process(path: Path) -> str:
    """Execute a notebook's code cells in this process (in the notebook's folder) and return stdout."""
    import matplotlib

    matplotlib.use("Agg")
    namespace: dict = {"__name__": "__main__"}
    transform = TransformerManager().transform_cell
    buffer = io.StringIO()
    old_cwd = os.getcwd()
    cells = read_notebook(path).cells
    try:
        os.chdir(path.parent)
        with contextlib.redirect_stdout(buffer), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for cell in cells:
                if cell.cell_type == "code":
                    exec(compile(transform(cell.source), str(path), "exec"), namespace)
    finally:
        os.chdir(old_cwd)
        import matplotlib.pyplot as plt

        plt.close("all")
    return buffer.getvalue()


NOT_DONE = {"en": "not done yet", "zh": "还没有完成"}


def stub_problems(path: Path) -> list[str]:
    """Run a student copy: every exercise must report "not done yet" with a hint, nothing else."""
    edition = path.parent.name
    output = run_notebook_in_process(path)
    lines = {m.group(1): m.group(0) for m in re.finditer(r"^\S+ (\d\d\.\d+) .*$", output, re.MULTILINE)}
    problems = []
    for exercise_id in chapter_ids(path.stem):
        line = lines.get(exercise_id)
        if line is None:
            problems.append(f"{path.name}: {exercise_id} was never checked")
        elif not line.startswith("⏳") or NOT_DONE[edition] not in line or "NotImplementedError" not in line:
            problems.append(f"{path.name}: the stub of {exercise_id} printed {line!r}, not 'not done yet' with a hint")
    return problems


# ---------------------------------------------------------------- prose that holds on any machine

#: A number as prose writes it: 1797, 1,797, 0.0995, 48.65 (not part of a word or of a version such as 2.11.0).
NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w]|[.,]\d)")

#: Numbers that a markdown cell may repeat from an output, per chapter (both editions, lessons and
#: solutions), each with the reason it cannot go stale. Add an entry only for a number that no
#: re-run can change; a measured number is printed by the code instead, or phrased so it holds anywhere.
REPEATED_NUMBER_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("01_what_is_pytorch", "13.0"): "the CUDA version of the pinned wheel (torch 2.11.0+cu130), set by requirements.txt",
    ("02_installation", "11.7"): "the CUDA version in the seed text's nvidia-smi screen, which a cell parses: fixed text",
    ("08_data", "1797"): "the size of scikit-learn's bundled digits dataset",
    ("09_training", "1797"): "the size of scikit-learn's bundled digits dataset",
    ("09_training", "1258"): "the size of the fixed digits training split, digits_datasets(seed=0)",
    ("10_torchvision", "269"): "the size of the fixed digits test split, digits_datasets(seed=0)",
    ("12_torchaudio", "257"): "n_fft // 2 + 1 for n_fft=512, worked out in the prose",
    ("12_torchaudio", "768"): "the feature width of Wav2Vec2-base, fixed by the architecture",
    ("14_distributed", "629"): "the size of the training set the DDP script splits, fixed by the data",
    ("15_profiler", "256"): "the hidden width of the profiled model, fixed by its layers",
    ("16_onnx", "128"): "the flattened feature size of the exported model, fixed by its shapes",
}


def significant_digits(number: str) -> int:
    """1797 → 4, 0.0995 → 3, 48.65 → 4; the trailing zeros of an integer (100, 1000) do not count."""
    digits = number.replace(",", "").replace(".", "").lstrip("0")
    return len(digits if "." in number else digits.rstrip("0"))


def numbers_in(text: str, min_digits: int = 3) -> set[str]:
    """The numbers of ``text`` with at least ``min_digits`` significant digits, thousands separators removed."""
    return {m.group(1).replace(",", "") for m in NUMBER.finditer(text) if significant_digits(m.group(1)) >= min_digits}


def repeated_number_problems(
    root: Path = ROOT,
    kinds: tuple[str, ...] = ("notebooks", "solutions"),
    exceptions: dict[tuple[str, str], str] = REPEATED_NUMBER_EXCEPTIONS,
) -> list[str]:
    """A markdown cell must not retype a number (3+ significant digits) that an output of its notebook shows.

    Such a number goes stale, or turns false on another machine, the next time the notebook runs:
    the code prints the comparison instead, or the prose says what holds anywhere. Markdown code spans
    and blocks are checked too (a pasted number goes stale in backticks as well). Not reported: numbers
    that the notebook's own code cells write (inputs chosen by the author, such as a layer width), the
    chapter's exercise ids (10.1) and ``exceptions``. Outputs of every cell count, NBVAL_IGNORE_OUTPUT
    ones included: those are the most likely to change.
    """
    problems = []
    for kind in kinds:
        for path in sorted((root / kind).glob("*/*.ipynb")):
            notebook = read_notebook(path)
            code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
            measured = numbers_in(output_text(notebook)) - numbers_in(code) - set(chapter_ids(path.stem))
            measured -= {number for (slug, number) in exceptions if slug == path.stem}
            for number, cell in enumerate(notebook.cells):
                if cell.cell_type != "markdown":
                    continue
                for value in sorted(numbers_in(cell.source) & measured):
                    problems.append(
                        f"{kind}/{path.parent.name}/{path.name}: markdown cell {number} repeats {value}, which an output"
                        " shows: print it from the code, or phrase the text so it holds on any machine"
                    )
    return problems


# ---------------------------------------------------------------- zh typography

#: zh chapters whose prose still has ASCII quotes: others are rewriting them. Empty this once they are converted.
ZH_QUOTES_NOT_YET_CONVERTED: tuple[str, ...] = ()  # every zh notebook is converted
HAN = re.compile("[\u3400-\u9fff]")
ASCII_QUOTED = re.compile(r'"([^"\n]*)"')
MARKDOWN_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)


def zh_quote_problems(root: Path = ROOT, skip: tuple[str, ...] = ZH_QUOTES_NOT_YET_CONVERTED) -> list[str]:
    """Chinese prose quotes with “ ” (and ‘ ’ inside), never with ASCII "…".

    Flags an ASCII pair in zh markdown that holds Chinese or touches it. Code spans and blocks are
    left alone: there "..." is a Python string.
    """
    problems = []
    for kind in KINDS:
        for path in sorted((root / kind / "zh").glob("*.ipynb")):
            if path.stem in skip:
                continue
            for number, cell in enumerate(read_notebook(path).cells):
                if cell.cell_type != "markdown":
                    continue
                text = MARKDOWN_CODE.sub(lambda m: "\0" * len(m.group()), cell.source)
                for m in ASCII_QUOTED.finditer(text):
                    around = text[max(m.start() - 1, 0) : m.start()] + text[m.end() : m.end() + 1]
                    if "\0" not in m.group(1) and (HAN.search(m.group(1)) or HAN.search(around)):
                        problems.append(f"{kind}/zh/{path.name}: markdown cell {number} quotes {m.group(0)!r} with ASCII quotes, not “ ”")
    return problems
