"""`make lab LAB_LANG=zh` shows JupyterLab in Chinese; plain `make lab` stays English.

The lab tests run make itself (``-o`` on the .venv stamp, so nothing is installed) on a free port
with a token, ask the translations API for the Chinese strings, and read the menu bar in headless
Chromium (Debian's ``chromium`` and ``chromium-driver``; without them the two menu tests are
skipped, saying so). Each lab gets an empty ``JUPYTER_CONFIG_DIR`` (no browser tab opens, and
~/.jupyter plays no part) and ``LANG=C.UTF-8``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest

from course_utils.doctor import read_pins

ROOT = Path(__file__).resolve().parents[1]
STAMP = ".venv/.course-installed"
PACK = "jupyterlab-language-pack-zh-CN"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMEDRIVER = shutil.which("chromedriver")
MISSING_BROWSER = "headless Chromium is missing: apt-get install chromium chromium-driver (.ci/run installs them)"
#: Top-level menus of JupyterLab 4.6, as the zh_CN pack translates them ("menu" context).
MENUS = {"zh": ("文件", "编辑", "查看", "运行", "内核"), "en": ("File", "Edit", "View", "Run", "Kernel")}
pytestmark = pytest.mark.timeout(180)


def make_lab(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``make -n lab ARGS``: the recipe make would run, without running it."""
    return subprocess.run(["make", "-n", "-o", STAMP, "lab", *args], cwd=ROOT, capture_output=True, text=True,
                          env=env)


# --------------------------------------------------------------------------- the recipe


def test_lab_lang_zh_writes_the_chinese_locale_into_a_course_settings_folder():
    recipe = make_lab("LAB_LANG=zh").stdout
    settings = ROOT / ".venv" / "lab-settings" / "zh"
    assert f'--LabApp.user_settings_dir="{settings}"' in recipe
    assert "zh_CN" in recipe and f"{settings}/@jupyterlab/translation-extension" in recipe
    assert "jupyter lab" in recipe and "--ServerApp.ip=127.0.0.1" in recipe


@pytest.mark.parametrize("lang", [None, "C.UTF-8", "en_US.UTF-8", "zh_CN.UTF-8", "zh"])
def test_without_lab_lang_the_recipe_sets_no_language(lang):
    """Neither the locale in the environment nor ``make lab LANG=...`` picks the lab's language."""
    env = {key: value for key, value in os.environ.items() if key not in ("LANG", "LC_ALL", "LAB_LANG")}
    if lang:
        env["LANG"] = lang
    for args in ((), (f"LANG={lang}",) if lang else ()):
        recipe = make_lab(*args, env=env).stdout
        assert "jupyter lab" in recipe
        assert "user_settings_dir" not in recipe and "zh_CN" not in recipe, recipe


def test_an_unknown_lab_lang_stops_make():
    result = make_lab("LAB_LANG=fr")
    assert result.returncode != 0 and "LAB_LANG=zh" in result.stderr
    assert "jupyter lab" not in result.stdout


def test_the_language_pack_is_pinned_and_installed():
    pin = read_pins(ROOT / "requirements.txt")[PACK.lower()]  # read_pins lowercases the names
    assert metadata.version(PACK) == pin, "the venv is older than requirements.txt: run make venv"
    packs = {entry.name for entry in metadata.entry_points(group="jupyterlab.languagepack")}
    assert "zh_CN" in packs


# --------------------------------------------------------------------------- the lab in a browser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str, token: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def start_lab(lab_lang: str | None, home: Path) -> tuple[subprocess.Popen, str, str]:
    """``make lab [LAB_LANG=...]`` in a process group of its own; returns it, its URL and token."""
    port, token = free_port(), secrets.token_hex(16)
    config = home / "config"
    config.mkdir(parents=True)
    (config / "jupyter_server_config.json").write_text(json.dumps({"ServerApp": {"open_browser": False}}))
    env = {key: value for key, value in os.environ.items() if key not in ("LC_ALL", "LAB_LANG")}
    env.update(LANG="C.UTF-8", JUPYTER_TOKEN=token, JUPYTER_CONFIG_DIR=str(config),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTERLAB_SETTINGS_DIR=str(home / "user-settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"))
    args = ["make", "-s", "-o", STAMP, "lab", f"PORT={port}"] + ([f"LAB_LANG={lab_lang}"] if lab_lang else [])
    process = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return process, f"http://127.0.0.1:{port}", token


def stop(process: subprocess.Popen) -> None:
    """Ends make, its shell and JupyterLab (one process group)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="module")
def labs() -> Iterator[dict[str, tuple[str, str]]]:
    """Two labs started together: ``zh`` (LAB_LANG=zh) and ``en`` (plain make lab)."""
    with tempfile.TemporaryDirectory(prefix="course-lab-zh-") as tmp:
        started = {lang: start_lab(lang if lang == "zh" else None, Path(tmp) / lang) for lang in MENUS}
        try:
            deadline = time.monotonic() + 90
            for lang, (process, base, token) in started.items():
                while True:
                    assert process.poll() is None, f"make lab ({lang}) exited at start-up"
                    assert time.monotonic() < deadline, f"make lab ({lang}) did not answer within 90 s"
                    try:
                        get_json(f"{base}/api/status", token)
                        break
                    except (urllib.error.URLError, ConnectionError):
                        time.sleep(0.5)
            yield {lang: (base, token) for lang, (_, base, token) in started.items()}
        finally:
            for process, _, _ in started.values():
                stop(process)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Headless Chromium (Debian's, through its chromedriver) with a fresh profile."""
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip(MISSING_BROWSER)
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (requirements.txt)")
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="course-lab-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--no-first-run", "--disable-background-networking", "--disable-sync",
                     f"--user-data-dir={profile}", "--window-size=1280,900", "--lang=en-US"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
        driver.set_page_load_timeout(60)
        try:
            yield driver
        finally:
            driver.quit()


def menu_labels(driver, base: str, token: str) -> list[str]:
    """The labels of JupyterLab's top menu bar, once the interface has drawn it."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{base}/lab?token={token}")
    script = "return [...document.querySelectorAll('#jp-menu-panel .lm-MenuBar-itemLabel')].map(e => e.textContent)"
    return WebDriverWait(driver, 60, poll_frequency=0.5).until(lambda d: [t for t in d.execute_script(script) if t])


def test_the_zh_lab_serves_the_chinese_strings(labs):
    base, token = labs["zh"]
    packs = get_json(f"{base}/lab/api/translations", token)["data"]
    assert "zh_CN" in packs
    strings = get_json(f"{base}/lab/api/translations/zh_CN", token)["data"]["jupyterlab"]
    assert strings["menu\x04File"] == ["文件"]
    settings = get_json(f"{base}/lab/api/settings/@jupyterlab/translation-extension:plugin", token)
    assert settings["settings"].get("locale") == "zh_CN", settings["raw"]


@pytest.mark.parametrize("lang", list(MENUS))
def test_the_menu_bar_speaks_the_chosen_language(labs, browser, lang):
    base, token = labs[lang]
    labels = menu_labels(browser, base, token)
    assert set(MENUS[lang]) <= set(labels), f"make lab{' LAB_LANG=zh' if lang == 'zh' else ''}: menus {labels}"
    assert document_lang(browser) == ("zh-CN" if lang == "zh" else "en")


def document_lang(driver) -> str:
    """``<html lang>``, which JupyterLab sets to the language it loaded."""
    return driver.execute_script("return document.documentElement.lang")
