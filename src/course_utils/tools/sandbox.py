"""A student's code in a sandbox, and stand-ins that let the grader's checkers reach it.

``course grade`` runs each submission in a fresh ``Sandbox``: a worker process
(tools/sandbox_worker.py) under bubblewrap, with

* its own network namespace (no network at all) and PID namespace (``/proc`` shows only itself);
* a read-only view of the Python installation and of this package, nothing else of the host:
  not the instructor's folder, the other submissions, the repository's ``solutions/``, or ``$HOME``;
* a private, size-limited ``/tmp``, a minimal environment, an unprivileged user id;
* limits on memory, processes, file size, output, and time per cell and per call;
* when it is stopped, every process in it killed, ``setsid`` children included.

The checkers never run there. They run in the grader's process and receive a ``Remote`` stand-in
for the student's answer: calling it sends the arguments into the sandbox and brings back plain
data only (tools/wire.py), so nothing the student defines can reach a comparison.
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import os
import platform
import re
import resource
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ..checks.engine import Submitted
from . import sandbox_worker
from .wire import HEADER, REF, WireError, dumps, loads_plain, send

PACKAGE_PARENT = Path(__file__).resolve().parents[2]  # the folder that holds course_utils/
SYSTEM_DIRS = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc/alternatives")
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/localtime", "/etc/nsswitch.conf")
SANDBOX_UID = 65534  # "nobody"
UNPROTECTED = ("no network isolation", "no PID namespace", "a full view of your files (the student's code runs "
               "as you)", "no kill of setsid children")


@dataclass(frozen=True)
class Limits:
    """What one submission may use. ``seconds``: one cell, or one call of the student's code."""

    seconds: float = 60.0
    memory_bytes: int = 6 << 30
    processes: int = 256
    file_bytes: int = 256 << 20
    output_bytes: int = 1 << 20
    reply_bytes: int = 512 << 20


class SandboxStopped(Exception):
    """The sandbox was stopped: ``reason`` is "timed out" or "exited" (a crash, sys.exit, os._exit)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


class StudentError(Exception):
    """An exception raised by the student's code, re-raised here under its own name."""


# --------------------------------------------------------------------------- is there a sandbox?


def sandbox_problem() -> str | None:
    """Why this machine cannot sandbox submissions, or None when it can."""
    if platform.system() != "Linux":
        return f"{platform.system()} has no bubblewrap (Linux namespaces)"
    if shutil.which("bwrap") is None:
        return "bubblewrap is not installed (Debian/Ubuntu: apt install bubblewrap)"
    probe = subprocess.run([*bwrap_prefix(Path("/tmp")), "/bin/true"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"bubblewrap cannot create namespaces here: {probe.stderr.strip()[:300]}"
    if os.geteuid() == 0 and _pids_cgroup_root() is None:
        return "running as root, where the process limit needs a writable pids cgroup, and none was found"
    return None


def bwrap_prefix(workdir: Path) -> list[str]:
    """The bubblewrap command line up to the program it runs (``workdir``: a folder inside /tmp)."""
    command = [shutil.which("bwrap") or "bwrap", "--unshare-all", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
               "--die-with-parent", "--new-session", "--proc", "/proc", "--dev", "/dev"]
    for folder in SYSTEM_DIRS:
        path = Path(folder)
        if path.is_symlink():
            command += ["--symlink", os.readlink(path), folder]
        elif path.is_dir():
            command += ["--ro-bind", folder, folder]
    for file in SYSTEM_FILES:
        command += ["--ro-bind-try", file, file]
    for folder in sorted({Path(sys.base_prefix).resolve(), Path(sys.prefix), Path(sys.prefix).resolve(), PACKAGE_PARENT}):
        command += ["--ro-bind", str(folder), str(folder)]
    return [*command, "--tmpfs", "/tmp", "--dir", str(workdir), "--dir", "/tmp/home", "--chdir", str(workdir)]


def _pids_cgroup_root() -> Path | None:
    """A pids cgroup folder this (root) process may create children in: v2, else v1."""
    for root in (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/pids")):
        if (root / "pids.max").exists() or "pids" in _read(root / "cgroup.controllers") or root.name == "pids":
            if os.access(root, os.W_OK) and (root / "cgroup.procs").exists():
                return root
    return None


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


# --------------------------------------------------------------------------- the sandbox


class Sandbox:
    """One worker process for one submission; ``request()`` talks to it, ``stop()`` ends it."""

    def __init__(self, limits: Limits, env: dict[str, str], isolated: bool = True, shared: Path | None = None) -> None:
        self.limits, self.env, self.isolated, self.shared = limits, env, isolated, shared
        self.process: subprocess.Popen | None = None
        self.output = bytearray()
        self.cgroup: Path | None = None

    def start(self) -> None:
        """Start the worker (under bubblewrap when ``isolated``)."""
        request_read, self.request_fd = os.pipe()
        self.reply_fd, reply_write = os.pipe()
        worker = [sys.executable, "-I", "-u", "-B", "-m", sandbox_worker.__name__, str(request_read), str(reply_write)]
        env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp/home", "USER": "student", "LOGNAME": "student",
               "LANG": "C.UTF-8", "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp/home/.mpl",
               **self.env}
        if self.isolated:
            command = [*bwrap_prefix(Path("/tmp/work")), "--clearenv",
                       *[arg for key, value in env.items() for arg in ("--setenv", key, value)], *worker]
            command.insert(command.index("--tmpfs"), "--size")
            command.insert(command.index("--tmpfs"), str(self.limits.file_bytes))
            if self.shared is not None:  # the one folder both sides see: the checkers' temporary files
                command[command.index("--chdir"):command.index("--chdir")] = ["--bind", str(self.shared), str(self.shared)]
            self.cgroup = self._make_cgroup() if os.geteuid() == 0 else None
        else:
            command, env["HOME"] = worker, os.environ.get("TMPDIR", "/tmp")
        self.process = subprocess.Popen(command, env=env if not self.isolated else {}, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        pass_fds=(request_read, reply_write), preexec_fn=self._limit,
                                        start_new_session=True)
        os.close(request_read)
        os.close(reply_write)
        self.drain = threading.Thread(target=self._drain, daemon=True)
        self.drain.start()

    def _make_cgroup(self) -> Path | None:
        root = _pids_cgroup_root()
        if root is None:
            return None
        cgroup = root / f"course-grade-{os.getpid()}-{id(self)}-{time.monotonic_ns()}"
        cgroup.mkdir()
        (cgroup / "pids.max").write_text(str(self.limits.processes))
        return cgroup

    def _limit(self) -> None:
        """In the child, before bubblewrap starts: the resource limits its processes inherit."""
        memory, files = self.limits.memory_bytes, self.limits.file_bytes
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_FSIZE, (files, files))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if self.isolated:  # a user's own process count counts everything they run; only the sandbox uid is limited
            resource.setrlimit(resource.RLIMIT_NPROC, (self.limits.processes, self.limits.processes))
        if self.cgroup is not None:
            (self.cgroup / "cgroup.procs").write_text(str(os.getpid()))

    def _drain(self) -> None:
        """Keep the first ``output_bytes`` of what the student's code prints; drop the rest."""
        assert self.process is not None and self.process.stdout is not None
        stream = self.process.stdout
        for chunk in iter(lambda: stream.read1(1 << 16), b""):
            self.output += chunk[: max(0, self.limits.output_bytes - len(self.output))]

    def request(self, *message: Any) -> Any:
        """Send one request; return the reply's value, or raise what the student's code raised."""
        if self.process is None:
            self.start()
        deadline = time.monotonic() + self.limits.seconds
        try:
            send(self.request_fd, dumps(message, functions=True))
            header = self._read(HEADER.size, deadline)
            size = HEADER.unpack(header)[0]
            if size > self.limits.reply_bytes:
                raise WireError(f"a reply of {size:,} bytes is over the limit of {self.limits.reply_bytes:,}")
            reply = loads_plain(self._read(size, deadline))
        except TimeoutError:
            self.stop()
            raise SandboxStopped("timed out", f"ran for more than {self.limits.seconds:g} s") from None
        except (WireError, OSError) as exc:
            exited = self.process is not None and self.process.poll() is not None
            self.stop()
            if exited or isinstance(exc, OSError) or "closed the pipe" in str(exc):
                raise SandboxStopped("exited", "the process ended (sys.exit, os._exit, a crash, or a limit)") from None
            raise SandboxStopped("exited", f"the sandbox sent something that is not plain data: {exc}") from None
        if not (type(reply) is tuple and reply and reply[0] in ("ok", "raised")):
            self.stop()
            raise SandboxStopped("exited", "the sandbox sent a malformed reply")
        if reply[0] == "raised":
            raise student_exception(str(reply[1]), str(reply[2]))
        return to_remote(reply[1], self)

    def _read(self, size: int, deadline: float) -> bytes:
        chunks, left = [], size
        while left:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.reply_fd], [], [], remaining)[0]:
                raise TimeoutError
            chunk = os.read(self.reply_fd, min(left, 1 << 20))
            if not chunk:
                raise WireError("the sandbox closed the pipe")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def stop(self) -> None:
        """Kill every process of the sandbox and wait for them; safe to call twice."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.drain.join(timeout=5)
        for fd in (self.request_fd, self.reply_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        if self.cgroup is not None:
            self._empty_cgroup(self.cgroup)
            self.cgroup = None
        self.process = None

    @staticmethod
    def _empty_cgroup(cgroup: Path) -> None:
        """Kill what is left in the cgroup (a process that escaped the PID namespace cannot exist,
        but the check is cheap), then remove it."""
        for _ in range(100):
            pids = _read(cgroup / "cgroup.procs").split()
            if not pids:
                break
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
            time.sleep(0.01)
        with contextlib.suppress(OSError):
            cgroup.rmdir()


# --------------------------------------------------------------------------- stand-ins for the student's objects


def student_exception(name: str, message: str) -> Exception:
    """The exception to raise here for one raised in the sandbox: a built-in Exception class keeps
    its class (checkers catch ``RuntimeError`` and friends); anything else, ``SystemExit`` and
    ``KeyboardInterrupt`` included, becomes a ``StudentError`` of the same name."""
    known = getattr(builtins, name, None)
    if isinstance(known, type) and issubclass(known, Exception):
        return known(message)
    return _named(name, (StudentError,))(message)


@functools.cache
def _named(name: str, bases: tuple[type, ...]) -> type:
    safe = re.sub(r"\W", "_", name)[:60] or "object"
    return type(safe if safe[0].isalpha() else f"_{safe}", bases, {"__module__": "sandbox"})


class Remote(Submitted):
    """An object that lives in the student's sandbox. Its class is named after the student's type,
    so a message says "got a FakeTensor", but it is never a tensor, a number or a module here."""

    def __init__(self, sandbox: Sandbox, ref: int) -> None:
        object.__setattr__(self, "_sandbox", sandbox)
        object.__setattr__(self, "_ref", ref)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_sandbox", "_ref"):
            raise AttributeError(name)
        return self._sandbox.request("attr", self._ref, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "source":
            object.__setattr__(self, name, value)
        else:
            self._sandbox.request("setattr", self._ref, name, value)

    def __reduce__(self) -> tuple:
        return (sandbox_worker.lookup, (self._ref,))  # sent back into the sandbox as the same object

    def __len__(self) -> int:
        return _integer(self._sandbox.request("len", self._ref))

    def __iter__(self) -> Any:
        return self._sandbox.request("iter", self._ref)

    def __next__(self) -> Any:
        return self._sandbox.request("next", self._ref)

    def __getitem__(self, key: Any) -> Any:
        return self._sandbox.request("item", self._ref, key)

    def __contains__(self, item: Any) -> bool:
        return self._sandbox.request("contains", self._ref, item) is True

    def __str__(self) -> str:
        return str(self._sandbox.request("str", self._ref))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} in the sandbox>"


class RemoteCallable(Remote):
    """A function or class of the student's: calling it runs it in the sandbox."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        result, arg_states, kwarg_states = self._sandbox.request("call", self._ref, args, kwargs)
        for value, state in [*zip(args, arg_states), *((kwargs[k], s) for k, s in kwarg_states.items() if k in kwargs)]:
            apply_state(value, state)
        return result


def _integer(value: Any) -> int:
    if type(value) is not int or value < 0:
        raise TypeError("__len__ should return an integer >= 0")
    return value


def to_remote(value: Any, sandbox: Sandbox, depth: int = 0) -> Any:
    """Turn the references in a reply into stand-ins; leave plain data as it is."""
    if type(value) is tuple and len(value) == 4 and value[0] == REF:
        _, ref, name, is_callable = value
        return _named(str(name), (RemoteCallable if is_callable is True else Remote,))(sandbox, ref)
    if depth < 20 and type(value) in (list, tuple):
        return type(value)(to_remote(item, sandbox, depth + 1) for item in value)
    if depth < 20 and type(value) is dict:
        return {key: to_remote(item, sandbox, depth + 1) for key, item in value.items()}
    return value


def apply_state(original: Any, state: Any) -> None:
    """Give an argument the grader passed in the changes the student's call made to its copy."""
    if not (type(state) is tuple and state):
        return
    if state[0] == "tensor" and isinstance(original, torch.Tensor):
        _apply_tensor(original, *state[1:])
    elif state[0] == "module" and isinstance(original, torch.nn.Module):
        parameters, buffers, training = state[1:]
        for name, parameter in original.named_parameters(remove_duplicate=False):
            if name in parameters:
                _apply_tensor(parameter, *parameters[name])
        for name, buffer in original.named_buffers():
            if name in buffers and buffer is not None:
                _apply_tensor(buffer, buffers[name], buffer.requires_grad, buffer.grad)
        for name, module in original.named_modules():
            module.training = training.get(name, module.training) is True
    elif state[0] == "sequence" and isinstance(original, (list, tuple)):
        for item, item_state in zip(original, state[1]):
            apply_state(item, item_state)


def _apply_tensor(original: torch.Tensor, data: Any, requires_grad: Any, grad: Any) -> None:
    if type(data) is not torch.Tensor:
        return
    with torch.no_grad():
        if data.shape == original.shape and data.dtype == original.dtype:
            original.copy_(data)
        else:
            original.data = data
    if original.is_leaf and requires_grad in (True, False) and original.requires_grad != requires_grad:
        original.requires_grad_(requires_grad)
    if grad is None or (type(grad) is torch.Tensor and grad.shape == original.shape):
        original.grad = grad
