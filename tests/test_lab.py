"""`make lab` serves JupyterLab on localhost with token authentication and the course kernel."""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def make_lab_command() -> str:
    """The recipe of the `lab` target, as make would run it."""
    # -o: treat the .venv stamp as up to date, so make prints only the lab recipe
    result = subprocess.run(["make", "-n", "-o", ".venv/.course-installed", "lab"], cwd=ROOT, capture_output=True, text=True)
    return result.stdout


def test_make_lab_keeps_token_auth_and_listens_on_localhost():
    command = make_lab_command()
    assert "jupyter lab" in command and "--ServerApp.ip=127.0.0.1" in command
    assert not re.search(r"token=(''|\"\"|\s)|disable_check_xsrf|password=''", command)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {}


@pytest.fixture(scope="module")
def lab():
    port, token = free_port(), secrets.token_hex(16)
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}"]
        + (["--allow-root"] if os.geteuid() == 0 else []),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            assert process.poll() is None, "jupyter lab exited at start-up"
            try:
                urllib.request.urlopen(f"{base}/api", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
        yield base, token
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_rest_api_answers_with_the_token_and_lists_the_course_kernel(lab):
    base, token = lab
    status, specs = get(f"{base}/api/kernelspecs", token)
    assert status == 200
    assert "pytorch-course" in specs["kernelspecs"]
    assert specs["kernelspecs"]["pytorch-course"]["spec"]["display_name"] == "PyTorch course"
    status, listing = get(f"{base}/api/contents/notebooks/zh", token)
    assert status == 200 and any(item["name"] == "00_how_to_use.ipynb" for item in listing["content"])


def test_rest_api_refuses_without_the_token(lab):
    base, token = lab
    assert get(f"{base}/api/kernelspecs")[0] == 403
    assert get(f"{base}/api/kernelspecs", "wrong" + token)[0] == 403
