"""The sandbox `course grade` runs submissions in, and the one door out of it (tools/wire.py)."""

from __future__ import annotations

import io
import os
import pickle
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from course_utils.tools.sandbox import Limits, Remote, Sandbox, SandboxStopped, sandbox_problem
from course_utils.tools.wire import WireError, dumps, loads_plain

ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- what may cross


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


class FakeTensor(torch.Tensor):
    def __eq__(self, other):  # noqa: D105 - equal to everything
        return True


def test_plain_data_crosses():
    value = [1, 2.5, "s", b"b", None, True, (1, 2), {"a": torch.arange(3)}, torch.float32, torch.Size([2])]
    back = loads_plain(dumps(value))
    assert back[:7] == value[:7] and torch.equal(back[7]["a"], torch.arange(3)) and back[8:] == value[8:]


@pytest.mark.parametrize("value", [Evil(), torch.arange(3.0).as_subclass(FakeTensor), {"x": Evil()}])
def test_objects_and_tensor_subclasses_do_not_cross(value):
    buffer = io.BytesIO()
    torch.save(value, buffer, pickle_module=pickle)
    with pytest.raises(WireError, match="not plain data"):
        loads_plain(buffer.getvalue())


# --------------------------------------------------------------------------- the sandbox itself


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    if problem := sandbox_problem():
        pytest.fail(f"grading needs its sandbox: {problem}")
    shared = tmp_path_factory.mktemp("shared")
    box = Sandbox(Limits(seconds=20, memory_bytes=4 << 30, processes=64, file_bytes=64 << 20), {}, shared=shared)
    yield box
    box.stop()


def run(box: Sandbox, code: str, name: str = "result"):
    box.request("exec", code)
    return box.request("name", name)


def test_no_network(sandbox):
    with socket.create_server(("127.0.0.1", 0)) as listener:  # the grader's machine, listening
        port = listener.getsockname()[1]
        code = (f"import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n    result = 'in'\n"
                "except OSError:\n    result = 'no'\n")
        assert run(sandbox, code) == "no"  # its loopback is its own


def test_sees_only_itself_and_the_python_installation(sandbox):
    pids = run(sandbox, "import os\nresult = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())")
    assert len(pids) < 10, pids  # bubblewrap's init and the worker, not the host's processes
    hidden = [str(ROOT / "solutions"), str(ROOT / "docs"), str(ROOT / ".git"), str(ROOT / "README.md")]
    assert run(sandbox, f"import os\nresult = [p for p in {hidden!r} if os.path.exists(p)]") == []
    home = Path.home()  # only the way to the Python installation, when it lives there
    on_the_way = {Path(sys.base_prefix).resolve().relative_to(home).parts[0]} if home in Path(sys.base_prefix).resolve().parents else set()
    seen = run(sandbox, f"import os\nresult = os.listdir({str(home)!r}) if os.path.isdir({str(home)!r}) else []")
    assert set(seen) <= on_the_way, seen
    assert run(sandbox, "import os\nresult = os.getuid()") == 65534
    code = "import torch, os\ntry:\n    open(os.path.dirname(torch.__file__) + '/x', 'w')\n    result = 'wrote'\nexcept OSError:\n    result = 'read-only'\n"
    assert run(sandbox, code) == "read-only"
    env = run(sandbox, "import os\nresult = sorted(os.environ)")
    assert not [k for k in env if k.startswith(("PIP", "SSH", "GIT", "CI"))] and "PATH" in env


def test_limits(sandbox):
    code = ("import subprocess\nkids = []\nfor _ in range(500):\n    try:\n        kids.append(subprocess.Popen(['sleep', '30']))\n"
            "    except OSError:\n        break\nresult = len(kids)\nfor k in kids:\n    k.kill()\n")
    assert run(sandbox, code) < 64
    code = "import torch\ntry:\n    torch.empty(8 << 30, dtype=torch.uint8)\n    result = 'got 8 GB'\nexcept RuntimeError:\n    result = 'refused'\n"
    assert run(sandbox, code) == "refused"
    code = "try:\n    open('/tmp/big', 'wb').write(b'x' * (100 << 20))\n    result = 'wrote'\nexcept OSError:\n    result = 'refused'\n"
    assert run(sandbox, code) == "refused"


def test_a_student_error_keeps_its_name_and_never_exits_the_grader(sandbox):
    for code, name in [("raise SystemExit(3)", "SystemExit"), ("raise KeyboardInterrupt", "KeyboardInterrupt"),
                       ("def f():\n    return f()\nf()", "RecursionError"), ("1/0", "ZeroDivisionError")]:
        with pytest.raises(Exception) as caught:
            sandbox.request("exec", code)
        assert type(caught.value).__name__ == name


def test_stand_ins_are_never_tensors(sandbox):
    sandbox.request("exec", "import torch\nclass Fake(torch.Tensor):\n    pass\n"
                            "def f(x):\n    return x.as_subclass(Fake)\n")
    result = sandbox.request("name", "f")(torch.ones(2))
    assert isinstance(result, Remote) and not isinstance(result, torch.Tensor) and type(result).__name__ == "Fake"


def test_a_hang_or_exit_stops_it_and_kills_every_process(tmp_path):
    box = Sandbox(Limits(seconds=3), {})
    box.request("exec", "import subprocess\nsubprocess.Popen(['setsid', 'sleep', '600'], start_new_session=True)")
    assert "sleep 600" in subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    with pytest.raises(SandboxStopped, match="more than 3 s") as stopped:
        box.request("exec", "while True:\n    pass")
    assert stopped.value.reason == "timed out" and box.process is None
    assert "sleep 600" not in subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    with pytest.raises(SandboxStopped) as stopped:
        box.request("exec", "import os\nos._exit(1)")
    assert stopped.value.reason == "exited"


def test_filling_the_shared_folder_stops_it(sandbox):
    with pytest.raises(SandboxStopped, match="more than 64 MB"):
        sandbox.request("exec", f"for k in range(5):\n    open('{sandbox.shared}/f%d' % k, 'wb').write(b'x' * (20 << 20))")


def test_between_requests_nothing_runs_and_only_plain_files_stay(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    box = Sandbox(Limits(seconds=20), {}, shared=shared)
    try:  # a background process that keeps planting a link to a host file and a pipe where checks read
        loop = (f"while true; do ln -sf /etc/passwd {shared}/link; mkfifo {shared}/pipe 2>/dev/null; "
                f"date +%s%N > {shared}/tick; done")
        run(box, f"import subprocess, time\nsubprocess.Popen(['sh', '-c', {loop!r}])\ntime.sleep(0.5)\nresult = 1")
        tick = (shared / "tick").read_text()
        time.sleep(0.5)
        assert (shared / "tick").read_text() == tick, "a process of the sandbox ran between requests"
        assert sorted(p.name for p in shared.iterdir()) == ["tick"]
    finally:
        box.stop()
