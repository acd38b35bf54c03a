"""Sphinx configuration of the course's website, one edition at a time (run by book/build.py).

build.py passes ``language``, ``project`` and ``html_title`` with ``-D`` and writes
``_course.json`` into the source tree: the links and version line of each page, which
``add_course_links`` puts into the page. Notebooks are never executed. MathJax comes from the
pinned ``sphinx-mathjax-offline`` package and is copied into ``_static/mathjax``, so the site
loads nothing from any other host.
"""

from __future__ import annotations

import html
import json
import logging
import shutil
from importlib import metadata
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.search.zh import SearchChinese

HERE = Path(__file__).resolve().parent

project = "The PyTorch course"
copyright = "the course's authors; text and figures CC BY 4.0, code MIT"
extensions = ["myst_nb", "sphinx_copybutton", "sphinx.ext.mathjax"]
exclude_patterns = ["**.ipynb_checkpoints"]

# Notebooks: the stored outputs, never run. No ipywidgets bundle from a CDN.
nb_execution_mode = "off"
nb_ipywidgets_js: dict[str, dict[str, str]] = {}
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3

# Math: MathJax 3 served from this site.
mathjax_path = "mathjax/tex-chtml.js"
MATHJAX_FILES = ("tex-chtml.js", "input/tex/extensions", "output/chtml/fonts/woff-v2")
# No MathJax menu: its speech options would load speech-rule data from a CDN.
mathjax3_config = {"options": {"enableMenu": False}}

html_theme = "sphinx_book_theme"
html_static_path = [str(HERE / "static")]
html_css_files = ["course.css"]
html_js_files = ["course.js"]
html_favicon = "static/favicon.svg"  # else browsers ask the server root for /favicon.ico
html_copy_source = False
html_show_sourcelink = False
html_theme_options = {
    "show_toc_level": 2,
    "home_page_in_toc": True,
    "use_download_button": False,  # each page links to its .ipynb itself (see add_course_links)
    "use_fullscreen_button": True,
}
html_context = {"default_mode": "auto"}  # light or dark as the system says (unset, the theme logs an error)
# Chinese search: Sphinx segments words with jieba; the course's terms are kept whole.
html_search_options = {"dict": str(HERE / "zh_dict.txt")}
try:
    import jieba

    jieba.setLogLevel(logging.WARNING)  # quiet "Building prefix dict ..."
except ImportError:  # without jieba, Chinese pages are not searchable word by word
    pass


class ChineseSearch(SearchChinese):
    """Sphinx's Chinese search, naming the stemmer it ships: Sphinx 9.0.4 writes
    ``window.Stemmer = ChineseStemmer`` into language_data.js, which does not exist (it uses the
    English stemmer), and the search page then fails with a ReferenceError."""

    language_name = "English"


def course_info(app: Sphinx) -> dict[str, Any]:
    """The ``_course.json`` that build.py wrote into the source tree (read once)."""
    if not hasattr(app, "_course_info"):
        path = Path(app.srcdir) / "_course.json"
        app._course_info = json.loads(path.read_text()) if path.exists() else {"pages": {}}  # type: ignore[attr-defined]
    return app._course_info  # type: ignore[attr-defined]


def add_course_links(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    """Put the page's links under its title and the versions its outputs were made with at its end."""
    info = course_info(app)
    if "body" not in context or "other" not in info:
        return
    root = "../" * pagename.count("/")
    other = info["other"]
    links = [f'<a class="course-edition" href="{root}../{other}/{pagename}.html" hreflang="{other}">'
             f"{html.escape(info['other_label'])}</a>"]
    page = info["pages"].get(pagename, {})
    for label, href in page.get("links", []):
        extra = " download" if href.endswith(".ipynb") else ""
        links.append(f'<a href="{root}{href}"{extra}>{html.escape(label)}</a>')
    box = '<nav class="course-links">' + " · ".join(links) + "</nav>"
    body = context["body"]
    end = body.find("</h1>")
    context["body"] = body[: end + 5] + box + body[end + 5 :] if end >= 0 else box + body
    if "versions" in page:
        context["body"] += f'<p class="course-versions">{html.escape(page["versions"])}</p>'


def copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    """Copy the parts of MathJax the pages use into ``_static/mathjax``."""
    if exception is not None or app.builder.format != "html":
        return
    package = metadata.distribution("sphinx-mathjax-offline").locate_file("sphinx-mathjax-offline")
    source, target = Path(str(package)) / "static" / "mathjax", Path(app.outdir) / "_static" / "mathjax"
    for name in MATHJAX_FILES:
        if (source / name).is_dir():
            shutil.copytree(source / name, target / name, dirs_exist_ok=True)
        else:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, target / name)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_search_language(ChineseSearch)
    app.connect("html-page-context", add_course_links)
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True}
