"""Build the course's website: ``python book/build.py [--solutions] [--out build/book]``.

For each edition (zh, en) it stages the committed notebooks into a temporary Sphinx source
tree (lessons/ and exercises/, or solutions/ for the instructors' site), writes the index with
the chapter list's toctree and a ``_course.json`` that ``book/conf.py`` turns into each page's
links and version line, runs ``sphinx-build`` (execution off: nothing is run), and copies the
unchanged ``.ipynb`` files next to the pages for download. Last it writes a landing page that
chooses the language. The editions build in parallel.
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
EDITIONS = ("zh", "en")
LANGUAGES = {"zh": "zh_CN", "en": "en"}
PINNED = ("torch", "torchvision", "torchaudio")

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "name": "中文",
        "title": "PyTorch 课程",
        "solutions_title": "PyTorch 课程 · 练习答案",
        "intro": "一门由 Jupyter 笔记本组成的 PyTorch 课程。每一章先读课文，再做练习；"
                 "页面上的输出和图都是笔记本里保存的结果。",
        "solutions_intro": "练习的完整答案（教师版）。",
        "lessons": "课文与练习",
        "solutions": "答案",
        "edition": "English version",
        "languages": "选择语言",
        "download": "下载本笔记本 (.ipynb)",
        "exercises": "本章练习",
        "next": "下一章",
        "lesson": "本章课文",
        "versions": "本页输出的运行环境",
    },
    "en": {
        "name": "English",
        "title": "The PyTorch course",
        "solutions_title": "The PyTorch course · solutions",
        "intro": "A PyTorch course made of Jupyter notebooks. Each chapter has a lesson, then "
                 "exercises; the outputs and figures on these pages are the ones stored in the notebooks.",
        "solutions_intro": "The exercises with full solutions (the instructors' copy).",
        "lessons": "Lessons and exercises",
        "solutions": "Solutions",
        "edition": "中文版",
        "languages": "Choose a language",
        "download": "Download this notebook (.ipynb)",
        "exercises": "Exercises for this chapter",
        "next": "Next chapter",
        "lesson": "The lesson",
        "versions": "Outputs made with",
    },
}


def chapters() -> list[str]:
    """The written chapters, in order (src/course_utils/chapters.py, loaded without importing torch)."""
    spec = importlib.util.spec_from_file_location("course_chapters", ROOT / "src/course_utils/chapters.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.ready_chapters())


def pinned_versions(requirements: Path = ROOT / "requirements.txt") -> dict[str, str]:
    """torch, torchvision and torchaudio as requirements.txt pins them."""
    pins = dict(re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)", requirements.read_text(), re.MULTILINE))
    return {name: pins[name] for name in PINNED}


def notebook_title(notebook: dict) -> str:
    """The text of the notebook's first ``# `` heading."""
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].replace("`", "").strip()
    return "?"


def version_line(notebook: dict, pins: dict[str, str], label: str) -> str:
    """'Outputs made with: Python 3.11.7 · torch 2.11.0 · ...' for one notebook."""
    python = notebook.get("metadata", {}).get("language_info", {}).get("version", "?")
    parts = [f"Python {python}"] + [f"{name} {version}" for name, version in pins.items()]
    return f"{label}: " + " · ".join(parts)


def page_links(edition: str, kind: str, slug: str, slugs: list[str], titles: dict[str, str]) -> list[list[str]]:
    """[label, href from the site root] for one chapter page."""
    words = LABELS[edition]
    links = [[words["download"], f"download/{kind}/{slug}.ipynb"]]
    if kind == "lessons":
        links.append([words["exercises"], f"exercises/{slug}.html"])
    elif kind == "exercises":
        later = slugs[slugs.index(slug) + 1:]
        if later:
            links.append([f"{words['next']}: {titles[later[0]]}", f"lessons/{later[0]}.html"])
    else:  # a solution: the lesson and exercise pages live in the main site of the same edition
        links.append([words["lesson"], f"../../{edition}/lessons/{slug}.html"])
    return links


def stage(edition: str, kinds: dict[str, str], slugs: list[str], src: Path, solutions: bool) -> dict:
    """Write the Sphinx source tree of one site into ``src``; return the description for conf.py."""
    words, other = LABELS[edition], next(e for e in EDITIONS if e != edition)
    pins = pinned_versions()
    titles = {slug: notebook_title(json.loads((ROOT / "notebooks" / edition / f"{slug}.ipynb").read_text()))
              for slug in slugs}
    pages: dict[str, dict] = {"index": {"links": [[words["languages"], "../index.html"]]}}
    for kind, folder in kinds.items():
        (src / kind).mkdir(parents=True)
        for slug in slugs:
            notebook = json.loads((ROOT / folder / edition / f"{slug}.ipynb").read_text())
            if kind == "lessons":  # the chapter's exercises nest under its lesson in the navigation
                notebook["cells"].append({"cell_type": "markdown", "id": "course-toctree", "metadata": {}, "source":
                                          f"```{{toctree}}\n:hidden:\n\n../exercises/{slug}\n```\n"})
            (src / kind / f"{slug}.ipynb").write_text(json.dumps(notebook, ensure_ascii=False))
            pages[f"{kind}/{slug}"] = {"links": page_links(edition, kind, slug, slugs, titles),
                                       "versions": version_line(notebook, pins, words["versions"])}
    entries = "\n".join(f"{kind}/{slug}" for slug in slugs for kind in kinds if kind != "exercises")
    caption = words["solutions" if solutions else "lessons"]
    title = words["solutions_title" if solutions else "title"]
    intro = words["solutions_intro" if solutions else "intro"]
    (src / "index.md").write_text(
        f"# {title}\n\n{intro}\n\n```{{toctree}}\n:caption: {caption}\n:maxdepth: 1\n\n{entries}\n```\n")
    return {"other": other, "other_label": words["edition"], "pages": pages}


def landing(out: Path, heading: str) -> None:
    """A small page in ``out`` that chooses the language: plain HTML, no scripts."""
    items = "\n".join(
        f'    <li><a href="{edition}/index.html" hreflang="{edition}" lang="{edition}">'
        f"{html.escape(LABELS[edition]['title'])} · {LABELS[edition]['name']}</a></li>"
        for edition in EDITIONS)
    (out / "index.html").write_text(f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{html.escape(heading)}</title>
  <link rel="icon" href="data:,">
  <style>
    body {{ font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; }}
    a {{ font-size: 1.4rem; }}
    li {{ margin: 1rem 0; }}
    @media (prefers-color-scheme: dark) {{ body {{ background: #121212; color: #ddd; }} a {{ color: #8ab4f8; }} }}
  </style>
</head>
<body>
  <h1>{html.escape(heading)}</h1>
  <p lang="zh">选择语言 · <span lang="en">Choose a language</span></p>
  <ul>
{items}
  </ul>
</body>
</html>
""")


def sphinx_command(edition: str, src: Path, out: Path, doctrees: Path, title: str) -> list[str]:
    """The sphinx-build command for one edition."""
    return [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-c", str(BOOK), "-d", str(doctrees),
            "-D", f"language={LANGUAGES[edition]}", "-D", f"project={title}", "-D", f"html_title={title}",
            str(src), str(out)]


def build(out: Path, solutions: bool = False) -> float:
    """Build the site(s) into ``out``; return the seconds it took."""
    start = time.perf_counter()
    slugs = chapters()
    plan = {"": {"lessons": "notebooks", "exercises": "exercises"}}
    if solutions:
        plan["solutions"] = {"solutions": "solutions"}
    out.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(out / "solutions", ignore_errors=True)  # never left over from a SOLUTIONS=1 build
    with tempfile.TemporaryDirectory(prefix="course-book-") as tmp:
        jobs = []
        for prefix, kinds in plan.items():
            for edition in EDITIONS:
                site = out / prefix / edition
                shutil.rmtree(site, ignore_errors=True)
                src = Path(tmp) / (prefix or "book") / edition
                src.mkdir(parents=True)
                info = stage(edition, kinds, slugs, src, solutions=bool(prefix))
                (src / "_course.json").write_text(json.dumps(info, ensure_ascii=False))
                title = LABELS[edition]["solutions_title" if prefix else "title"]
                # myst-nb writes images next to the output folder (../jupyter_execute): one per site
                html_dir = src.parent / f"{edition}-out" / "html"
                command = sphinx_command(edition, src, html_dir, src.parent / f"{edition}-doctrees", title)
                jobs.append((site, html_dir, kinds, edition, subprocess.Popen(command, cwd=ROOT)))
        for site, html_dir, kinds, edition, process in jobs:
            if process.wait() != 0:
                raise SystemExit(f"sphinx-build failed for {site}")
            shutil.rmtree(html_dir / "_sources", ignore_errors=True)  # empty: html_copy_source is off
            shutil.copytree(html_dir, site)
            for kind, folder in kinds.items():
                (site / "download" / kind).mkdir(parents=True)
                for slug in slugs:
                    shutil.copy2(ROOT / folder / edition / f"{slug}.ipynb", site / "download" / kind)
    landing(out, "PyTorch 课程 · The PyTorch course")
    if solutions:
        landing(out / "solutions", "PyTorch 课程 · The PyTorch course · 答案 · solutions")
    (out / ".nojekyll").write_text("")
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "book")
    parser.add_argument("--solutions", action="store_true", help="also build the solutions sites (build/book/solutions/{zh,en})")
    args = parser.parse_args(argv)
    seconds = build(args.out.resolve(), solutions=args.solutions)
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    print(f"book: built {args.out} in {seconds:.1f} s ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
