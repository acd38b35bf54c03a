"""The course's website (book/): built from the committed notebooks, then read in headless Chromium.

The module builds both editions once into a temporary folder (``book/build.py``, about 20 s)
and serves it on 127.0.0.1. Every page of both editions must load with no console error, no
request to another host, no broken internal link or anchor, every image loaded, and math
typeset; the edition switch must land on the twin page, and search must find English and
Chinese words. The ``*_is_reported`` tests break a copy of a page in each of those ways and
show that the checker notices. Screenshots go to reports/book/.

Needs the book's packages (requirements.txt) and Debian's ``chromium`` and ``chromium-driver``
(``.ci/run`` installs them); without them the browser tests are skipped, saying so.
"""

from __future__ import annotations

import functools
import html.parser
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest

pytest.importorskip("sphinx", reason="the book's packages are not installed (pip install -r requirements.txt)")
pytest.importorskip("myst_nb", reason="the book's packages are not installed (pip install -r requirements.txt)")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (requirements.txt)")

from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "reports" / "book"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMEDRIVER = shutil.which("chromedriver")
#: The build (about 20 s, minutes on a busy machine) runs in the first test's setup.
pytestmark = pytest.mark.timeout(900)
needs_browser = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="headless Chromium is missing: apt-get install chromium chromium-driver (.ci/run installs them)",
)
EDITIONS = ("zh", "en")
#: Pages whose math must come out typeset (they have $...$ in their markdown).
MATH_PAGES = ("en/lessons/05_autograd.html", "zh/lessons/05_autograd.html")
NETWORK_SCHEMES = ("http", "https", "ws", "wss", "ftp")
SEARCHES = (("en", "broadcasting"), ("zh", "张量"), ("zh", "自动求导"))


# --------------------------------------------------------------------------- build and serve


@pytest.fixture(scope="module")
def site() -> Iterator[Path]:
    """The book, built once for this module into a temporary folder (never run: execution is off)."""
    with tempfile.TemporaryDirectory(prefix="course-book-test-") as tmp:
        out = Path(tmp) / "book"
        start = time.perf_counter()
        result = subprocess.run([sys.executable, str(ROOT / "book" / "build.py"), "--out", str(out)],
                                cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "WARNING" not in result.stderr, result.stderr  # sphinx-build -q prints only its warnings
        print(f"book built in {time.perf_counter() - start:.1f} s")
        yield out


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves files, without a log line per request."""

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    """``http://127.0.0.1:PORT`` serving the built book."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    """Headless Chromium with a fresh profile, recording its console and every request."""
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("headless Chromium is missing: apt-get install chromium chromium-driver (.ci/run installs them)")
    with tempfile.TemporaryDirectory(prefix="course-book-chromium-") as profile:
        driver = start_chromium(profile)
        try:
            yield driver
        finally:
            driver.quit()


# --------------------------------------------------------------------------- the checker


def start_chromium(profile: str) -> webdriver.Chrome:
    """Headless Chromium (Debian's, through its chromedriver: Selenium Manager never runs)."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1280,900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    driver.get("about:blank")  # let the first tab settle, then start with empty logs
    driver.get_log("browser")
    driver.get_log("performance")
    return driver


class Anchors(html.parser.HTMLParser):
    """Collects every ``id`` and ``<a name>`` of an HTML file."""

    def __init__(self) -> None:
        super().__init__()
        self.found: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and (name == "id" or (tag == "a" and name == "name")):
                self.found.add(value)


@functools.cache
def anchors_of(path: Path, mtime: float) -> frozenset[str]:
    """The anchors of one built page (``mtime`` keys the cache, so edited copies are re-read)."""
    parser = Anchors()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return frozenset(parser.found)


def local_file(site: Path, base: str, url: str) -> Path | None:
    """The file of the site that ``url`` names, or None when ``url`` is on another host."""
    if not url.startswith(base + "/"):
        return None
    path = unquote(urlsplit(url).path).lstrip("/")
    target = site / path
    return target / "index.html" if path == "" or path.endswith("/") else target


def requested_urls(performance_log: list[dict]) -> list[str]:
    """Every URL the browser asked for, from the DevTools performance log."""
    urls = []
    for entry in performance_log:
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def load(driver: webdriver.Chrome, url: str) -> None:
    """Open ``url`` with empty logs, and wait for its images and for MathJax to finish."""
    driver.get_log("browser")
    driver.get_log("performance")
    driver.get(url)
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")
    driver.set_script_timeout(30)
    driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const images = [...document.images].map(i => { i.loading = 'eager'; return i.decode().catch(() => null); });
        const math = (window.MathJax && MathJax.startup && MathJax.startup.promise) || Promise.resolve();
        Promise.all([...images, math]).then(() => done(true), () => done(false));
    """)


def page_problems(driver: webdriver.Chrome, site: Path, base: str, page: str) -> list[str]:
    """Everything wrong with one page: console errors, requests to other hosts, broken links and
    anchors, images that did not load, and math left untypeset."""
    load(driver, f"{base}/{quote(page)}")
    problems = [f"console: {e['message']}" for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    for url in requested_urls(driver.get_log("performance")):  # chrome://, data: ... stay in the browser
        if urlsplit(url).scheme in NETWORK_SCHEMES and not url.startswith(base + "/"):
            problems.append(f"request to another host: {url}")
    for href in driver.execute_script("return [...document.querySelectorAll('a[href]')].map(a => a.href)"):
        target = local_file(site, base, href)
        if target is None:
            continue  # a link to another site (pytorch.org ...): a link, not a request
        if not target.is_file():
            problems.append(f"broken link: {href}")
            continue
        fragment = unquote(urlsplit(href).fragment)
        if fragment and target.suffix == ".html" and fragment not in anchors_of(target, target.stat().st_mtime):
            problems.append(f"missing anchor: {href}")
    broken = driver.execute_script(
        "return [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
    problems += [f"image not loaded: {src}" for src in broken]
    math, typeset = driver.execute_script(
        "return [document.querySelectorAll('.math').length, document.querySelectorAll('mjx-container').length]")
    if math and not typeset:
        problems.append(f"math not typeset: {math} formulas, no mjx-container")
    return problems


def twin_problem(driver: webdriver.Chrome, base: str, page: str) -> str | None:
    """Follow the page's edition link; say what is wrong unless it lands on the other edition's twin."""
    load(driver, f"{base}/{quote(page)}")
    links = driver.find_elements("css selector", "a.course-edition")
    if not links:
        return f"{page}: no edition link"
    links[0].click()
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")
    parts = page.split("/")
    at = next(i for i, part in enumerate(parts) if part in EDITIONS)  # zh/... or solutions/zh/...
    parts[at] = "en" if parts[at] == "zh" else "zh"
    twin = "/".join(parts)
    landed = unquote(urlsplit(driver.current_url).path).lstrip("/")
    if landed != twin:
        return f"{page}: the edition link lands on {landed}, not {twin}"
    if not driver.find_elements("css selector", "h1"):
        return f"{page}: {twin} has no title"
    return None


def search_hits(driver: webdriver.Chrome, base: str, edition: str, query: str) -> int:
    """How many results the edition's search page lists for ``query``."""
    load(driver, f"{base}/{edition}/search.html?q={quote(query)}")
    count = "return document.querySelectorAll('#search-results ul.search li').length"
    status = "return (document.querySelector('#search-results p.search-summary') || {}).textContent || ''"
    try:
        WebDriverWait(driver, 30).until(lambda d: d.execute_script(count) > 0 or d.execute_script(status).strip())
    except Exception:  # noqa: BLE001  (a timeout: no results and no summary)
        return 0
    return driver.execute_script(count)


def pages_of(site: Path) -> list[str]:
    """Every HTML page of the built book, relative to its root (not the broken copies made below)."""
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                  if not p.name.startswith("broken_") and "_static" not in p.parts)


# --------------------------------------------------------------------------- the book as built


def book_build():
    """book/build.py as a module (its chapter list and version pins)."""
    spec = importlib.util.spec_from_file_location("course_book_build", ROOT / "book" / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_chapter_has_its_pages_and_notebooks(site: Path):
    build = book_build()
    pins = " · ".join(f"{name} {version}" for name, version in build.pinned_versions().items())
    assert pins.startswith("torch 2.11.0 · torchvision ")
    for edition in EDITIONS:
        for slug in build.chapters():
            for kind, folder in (("lessons", "notebooks"), ("exercises", "exercises")):
                page = site / edition / kind / f"{slug}.html"
                assert page.is_file(), page
                text = page.read_text()
                notebook = ROOT / folder / edition / f"{slug}.ipynb"
                python = json.loads(notebook.read_text())["metadata"]["language_info"]["version"]
                assert f'download/{kind}/{slug}.ipynb"' in text, f"{page}: no download link"
                assert f"Python {python} · {pins}</p>" in text, f"{page}: no version line"
                assert (site / edition / "download" / kind / f"{slug}.ipynb").read_bytes() == notebook.read_bytes()
    assert not (site / "solutions").exists(), "solutions are built only with SOLUTIONS=1"


def test_no_page_loads_anything_from_another_host(site: Path):
    pattern = re.compile(r"""<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)=["'](?:https?:)?//""", re.I)
    offenders = [page for page in pages_of(site) if pattern.search((site / page).read_text(encoding="utf-8"))]
    assert offenders == []
    css = [p for p in site.rglob("*.css") if re.search(r"url\(\s*['\"]?(https?:)?//", p.read_text(errors="replace"))]
    assert css == []


def test_lesson_and_exercise_links(site: Path):
    lesson = (site / "en/lessons/03_tensors.html").read_text()
    assert 'href="../exercises/03_tensors.html"' in lesson
    assert 'href="../../zh/lessons/03_tensors.html"' in lesson
    exercise = (site / "zh/exercises/03_tensors.html").read_text()
    assert 'href="../lessons/04_gpu.html"' in exercise


# --------------------------------------------------------------------------- in the browser


@needs_browser
def test_every_page_of_both_editions_in_chromium(site: Path, server: str, browser):
    pages = pages_of(site)
    assert len(pages) > 2 * 2 * 17, pages
    start = time.perf_counter()
    problems = {page: found for page in pages if (found := page_problems(browser, site, server, page))}
    print(f"{len(pages)} pages checked in {time.perf_counter() - start:.1f} s")
    assert problems == {}


@needs_browser
@pytest.mark.parametrize("page", MATH_PAGES)
def test_math_is_typeset(site: Path, server: str, browser, page: str):
    load(browser, f"{server}/{page}")
    assert browser.execute_script("return document.querySelectorAll('mjx-container').length") > 10


@needs_browser
@pytest.mark.parametrize("page", ["zh/index.html", "en/index.html", "zh/lessons/03_tensors.html",
                                  "en/lessons/16_onnx.html", "zh/exercises/05_autograd.html",
                                  "en/exercises/00_how_to_use.html"])
def test_edition_switch_lands_on_the_twin(server: str, browser, page: str):
    assert twin_problem(browser, server, page) is None


@needs_browser
@pytest.mark.parametrize(("edition", "query"), SEARCHES)
def test_search_finds_words_in_both_languages(server: str, browser, edition: str, query: str):
    assert search_hits(browser, server, edition, query) >= 1


@needs_browser
def test_screenshots(server: str, browser):
    REPORTS.mkdir(parents=True, exist_ok=True)
    shots = {"zh_lesson.png": "zh/lessons/03_tensors.html", "en_exercise.png": "en/exercises/03_tensors.html"}
    for name, page in shots.items():
        load(browser, f"{server}/{page}")
        assert browser.save_screenshot(str(REPORTS / name))
    assert search_hits(browser, server, "zh", "自动求导") >= 1
    assert browser.save_screenshot(str(REPORTS / "zh_search.png"))


# --------------------------------------------------------------------------- the checker can fail


def broken_copy(site: Path, page: str, name: str, change) -> str:
    """Write ``change(html)`` of ``page`` next to it as ``name``; return the new page's path."""
    source = site / page
    target = source.with_name(name)
    target.write_text(change(source.read_text(encoding="utf-8")), encoding="utf-8")
    return target.relative_to(site).as_posix()


@needs_browser
@pytest.mark.parametrize(("change", "expected"), [
    (lambda h: h.replace("</head>", '<script src="https://example.org/x.js"></script></head>'),
     "request to another host: https://example.org/x.js"),
    (lambda h: h.replace("</h1>", '</h1><a href="../lessons/no_such_page.html">x</a>'), "broken link"),
    (lambda h: h.replace("</h1>", '</h1><a href="03_tensors.html#no-such-anchor">x</a>'), "missing anchor"),
    (lambda h: h.replace("</h1>", '</h1><img src="../_images/no_such_figure.png" alt="x">'), "image not loaded"),
    (lambda h: h.replace("</head>", "<script>console.error('boom')</script></head>"), "console: "),
    (lambda h: re.sub(r"<script[^>]*mathjax/tex-chtml\.js[^>]*></script>", "", h), "math not typeset"),
], ids=["external-script", "broken-link", "missing-anchor", "missing-image", "console-error", "no-mathjax"])
def test_a_broken_page_is_reported(site: Path, server: str, browser, change, expected: str, request):
    page = broken_copy(site, "en/lessons/05_autograd.html", f"broken_{request.node.callspec.id}.html", change)
    problems = page_problems(browser, site, server, page)
    assert any(p.startswith(expected) for p in problems), problems
    assert page_problems(browser, site, server, "en/lessons/05_autograd.html") == []


@needs_browser
def test_a_wrong_edition_link_is_reported(site: Path, server: str, browser):
    page = broken_copy(site, "en/lessons/03_tensors.html", "broken_twin.html",
                       lambda h: h.replace("../../zh/lessons/03_tensors.html", "../../zh/lessons/04_gpu.html"))
    assert "lands on zh/lessons/04_gpu.html" in (twin_problem(browser, server, page) or "")


@needs_browser
def test_a_search_without_results_is_reported(server: str, browser):
    assert search_hits(browser, server, "en", "qqqxyzzy") == 0

