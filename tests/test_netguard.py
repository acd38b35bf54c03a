"""The network guard: tests, kernels and subprocesses may only use loopback."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import nbformat
import pytest

from course_utils.tools.authoring import KERNELSPEC

OUTSIDE = "203.0.113.7"  # TEST-NET-3: documentation addresses, never routed


def test_outside_connections_are_refused_with_a_clear_message():
    with pytest.raises(ConnectionRefusedError, match="Network access is blocked.*COURSE_DOWNLOAD=1"):
        socket.create_connection((OUTSIDE, 80), timeout=1)
    with pytest.raises(urllib.error.URLError, match="Network access is blocked.*download.pytorch.org"):
        urllib.request.urlopen("https://download.pytorch.org/whl/cpu", timeout=1)


def test_loopback_still_works():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    with socket.create_connection(server.getsockname(), timeout=5) as client:
        connection, _ = server.accept()
        client.sendall(b"ping")
        assert connection.recv(4) == b"ping"
        connection.close()
    server.close()
    assert socket.getaddrinfo("localhost", 80)


def test_subprocesses_inherit_the_guard():
    code = f"import socket; socket.create_connection(({OUTSIDE!r}, 80), timeout=1)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode != 0 and "Network access is blocked" in result.stderr


def test_a_notebook_that_downloads_fails_the_run(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    notebook.cells = [
        nbformat.v4.new_code_cell("print('before')"),
        nbformat.v4.new_code_cell(
            "import torchvision\ntorchvision.datasets.MNIST('data', download=True)"
        ),
    ]
    path = tmp_path / "downloads.ipynb"
    nbformat.write(notebook, path)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider", str(path)],
        capture_output=True, text=True, cwd=tmp_path, timeout=240,
    )
    assert result.returncode == 1, result.stdout[-2000:]
    assert "1 failed, 1 passed" in result.stdout
    assert "Network access is blocked" in result.stdout
    assert not (tmp_path / "data" / "MNIST" / "raw" / "train-images-idx3-ubyte").exists()
    assert json.loads(path.read_text())["cells"][1]["outputs"] == []
