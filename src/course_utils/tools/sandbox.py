"""A student's code in a sandbox, and stand-ins that let the grader's checkers reach it.

``course grade`` runs each submission in a fresh ``Sandbox``: a worker process
(tools/sandbox_worker.py) under bubblewrap, with

* its own network namespace (no network at all) and PID namespace (``/proc`` shows only itself);
* a read-only view of the Python installation and of this package, nothing else of the host:
  not the instructor's folder, the other submissions, the repository's ``solutions/``, or ``$HOME``;
* a private, size-limited ``/tmp``, a minimal environment, an unprivileged user id;
* limits on memory, processes, file size, and time per cell and per call (its output is thrown away);
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
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import torch

from ..checks.engine import Submitted
from . import sandbox_worker
from .wire import ARG, HEADER, REF, WireError, dumps_request, loads_plain, send

PACKAGE_PARENT = Path(__file__).resolve().parents[2]  # the folder that holds course_utils/
SYSTEM_DIRS = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc/alternatives")
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/localtime", "/etc/nsswitch.conf")
SANDBOX_UID = 65534  # "nobody"
STARTUP_SECONDS = 120
EXITED = "the process ended (sys.exit, os._exit, a crash, or a limit)"
UNPROTECTED = ("no network isolation", "no PID namespace", "a full view of your files (the student's code runs "
               "as you)", "no kill of setsid children")


@dataclass(frozen=True)
class Limits:
    """What one submission may use. ``seconds``: one cell, or one call of the student's code."""

    seconds: float = 60.0
    memory_bytes: int = 6 << 30
    processes: int = 256
    file_bytes: int = 256 << 20
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
    probe = subprocess.run([*bwrap_prefix(), "/bin/true"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"bubblewrap cannot create namespaces here: {probe.stderr.strip()[:300]}"
    if os.geteuid() == 0 and _pids_cgroup_root() is None:
        return "running as root, where the process limit needs a writable pids cgroup, and none was found"
    return None


def bwrap_prefix(tmp_bytes: int = 64 << 20, shared: Path | None = None) -> list[str]:
    """The bubblewrap command line up to the program it runs: a private ``/tmp`` of ``tmp_bytes``
    (working folder ``/tmp/work``), read-only system and Python folders, and ``shared``, read-write."""
    command = [shutil.which("bwrap") or "bwrap", "--unshare-all", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
               "--die-with-parent", "--new-session", "--proc", "/proc", "--dev", "/dev",
               "--size", str(tmp_bytes), "--tmpfs", "/tmp", "--dir", "/tmp/work", "--dir", "/tmp/home"]
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
    if shared is not None:  # the one folder both sides see: the checkers' temporary files
        command += ["--bind", str(shared), str(shared)]
    return [*command, "--chdir", "/tmp/work"]


@functools.cache
def _pids_cgroup_root() -> Path | None:
    """A cgroup folder (v2, else v1's pids hierarchy) where this root process can make a child
    with a ``pids.max``: tried once, with a probe child that is removed again."""
    for root in (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/pids")):
        if not ((root / "cgroup.procs").exists() and os.access(root, os.W_OK)):
            continue
        probe = root / f"course-grade-probe-{os.getpid()}"
        try:
            probe.mkdir()
            usable = (probe / "pids.max").exists()
            probe.rmdir()
        except OSError:
            continue
        if usable:
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
        self.cgroup: Path | None = None
        self.callbacks: dict[int, Callable] = {}  # the checker's observed functions the sandbox may call
        self.frozen: list[int] = []  # the sandbox's processes, stopped between requests

    def start(self) -> None:
        """Start the worker (under bubblewrap when ``isolated``)."""
        request_read, self.request_fd = os.pipe()
        self.reply_fd, reply_write = os.pipe()
        # -I: no PYTHON* variables, no user site; the package comes from the grader's own copy.
        start = f"import sys; sys.path.insert(0, {str(PACKAGE_PARENT)!r}); import {sandbox_worker.__name__} as w; w.main()"
        worker = [sys.executable, "-I", "-u", "-B", "-c", start, str(request_read), str(reply_write)]
        env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp/home", "USER": "student", "LOGNAME": "student",
               "LANG": "C.UTF-8", "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp/home/.mpl",
               **self.env}
        if self.isolated:
            command = [*bwrap_prefix(self.limits.file_bytes, self.shared), "--clearenv",
                       *[arg for key, value in env.items() for arg in ("--setenv", key, value)], *worker]
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
        try:  # Python and PyTorch starting is not the student's time
            self._receive(time.monotonic() + STARTUP_SECONDS)
        except SandboxStopped as stopped:
            raise SandboxStopped(stopped.reason, f"the sandbox did not start: {stopped}") from None

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
        """Read what the student's code prints and throw it away: printing never blocks it, nor
        fills the grader's memory (feedback comes from the checks, not from the output)."""
        assert self.process is not None and self.process.stdout is not None
        stream = self.process.stdout
        for _ in iter(lambda: stream.read1(1 << 16), b""):
            pass

    def request(self, *message: Any) -> Any:
        """Send one request; return the reply's value, or raise what the student's code raised.
        While it waits, it runs the checker's observed functions that the student's code calls."""
        if self.process is None:
            self.start()
        deadline = time.monotonic() + self.limits.seconds
        self._thaw()
        self._send(message)
        while True:
            reply = self._receive(deadline)
            if reply[0] == "callback":
                self._run_callback(reply)
                continue
            self._freeze()
            self._check_shared()
            if reply[0] == "raised":
                error = student_exception(*reply[1:4])
                error.after_call = reply[4]  # type: ignore[attr-defined]
                raise error
            return to_remote(reply[1], self)

    def _freeze(self) -> None:
        """Stop every process of the sandbox: nothing in it runs while the checks look at its work."""
        self.frozen = []
        for _ in range(3):  # again, for children started while the first pass ran
            try:
                found = psutil.Process(self.process.pid).children(recursive=True) if self.process else []
            except psutil.NoSuchProcess:
                return
            new = [p.pid for p in found if p.pid not in self.frozen]
            for pid in new:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGSTOP)
            self.frozen += new
            if not new:
                return

    def _thaw(self) -> None:
        """Let the processes stopped by ``_freeze`` run again (none can have started since)."""
        for pid in self.frozen:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        self.frozen = []

    def _check_shared(self) -> None:
        """The folder shared with the checks is on the grader's disk. Only files and folders stay in it
        (a link or a pipe could make a check read elsewhere, or wait forever), and a sandbox that
        fills it is stopped."""
        if self.shared is None:
            return
        used = 0
        for path in self.shared.rglob("*"):
            with contextlib.suppress(OSError):
                info = path.lstat()
                if stat.S_ISREG(info.st_mode):
                    used += info.st_size
                elif not stat.S_ISDIR(info.st_mode):
                    path.unlink()
        if used > self.limits.file_bytes:
            self.stop()
            raise SandboxStopped("exited", f"wrote more than {self.limits.file_bytes >> 20} MB of files")

    def _send(self, message: tuple) -> None:
        try:
            send(self.request_fd, dumps_request(message, self.callbacks))
        except OSError:
            self.stop()
            raise SandboxStopped("exited", EXITED) from None

    def _receive(self, deadline: float) -> tuple:
        """The next message from the sandbox, checked to be plain data of the expected shape."""
        try:
            size = HEADER.unpack(self._read(HEADER.size, deadline))[0]
            if size > self.limits.reply_bytes:
                raise WireError(f"a reply of {size:,} bytes is over the limit of {self.limits.reply_bytes:,}")
            reply = loads_plain(self._read(size, deadline))
        except TimeoutError:
            self.stop()
            raise SandboxStopped("timed out", f"ran for more than {self.limits.seconds:g} s") from None
        except (WireError, OSError) as exc:
            self.stop()
            closed = isinstance(exc, OSError) or "closed the pipe" in str(exc)
            raise SandboxStopped("exited", EXITED if closed else f"the sandbox sent something that is not plain data: {exc}") from None
        shapes = {"ok": 2, "raised": 5, "callback": 4}
        if not (type(reply) is tuple and reply and reply[0] in shapes and len(reply) == shapes[reply[0]]):
            self.stop()
            raise SandboxStopped("exited", "the sandbox sent a malformed reply")
        return reply

    def _run_callback(self, reply: tuple) -> None:
        """Run an observed function of the checker's here, with what the sandbox passed it."""
        _, ref, args, kwargs = reply
        function = self.callbacks.get(ref) if type(ref) is int else None
        if function is None or type(args) is not tuple or type(kwargs) is not dict:
            self._send(("raise", "no such function"))
            return
        try:
            value = function(*to_remote(args, self), **to_remote(kwargs, self))
        except SandboxStopped:
            raise
        except Exception as exc:  # noqa: BLE001 - the sandbox's caller sees it as an error
            self._send(("raise", f"{type(exc).__name__}: {exc}"))
        else:
            self._send(("return", value))

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
        self.process, self.frozen = None, []

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


def student_exception(name: Any, message: Any, module: Any = "") -> Exception:
    """The exception to raise here for one raised in the sandbox: a built-in Exception class, or one
    of the checkers' own (a probe's "stop here"), keeps its class; anything else, ``SystemExit`` and
    ``KeyboardInterrupt`` included, becomes a ``StudentError`` of the same name."""
    name, message, module = str(name), str(message), str(module)
    known = getattr(builtins, name, None)
    if module.startswith("course_utils.checks.") and module in sys.modules:
        known = getattr(sys.modules[module], name, None)
    if isinstance(known, type) and issubclass(known, Exception):
        try:
            return known(message)
        except Exception:  # noqa: BLE001 - a class that wants other arguments
            pass
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
        if name in ("source", "__name__"):  # set by the grader: the code of the answer cells, the answer's name
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
        torch_state = (torch.is_grad_enabled(), torch.get_rng_state())
        try:
            result, *after = self._sandbox.request("call", self._ref, args, kwargs, torch_state)
        except Exception as error:
            if type(getattr(error, "after_call", None)) is list:
                after_call(args, kwargs, *error.after_call)  # type: ignore[attr-defined]
            raise
        after_call(args, kwargs, *after)
        return _argument(result, args)


def after_call(args: tuple, kwargs: dict, arg_states: Any, kwarg_states: Any, torch_state: Any) -> None:
    """What the student's call changed, done to the grader's own arguments and torch state."""
    if type(arg_states) is list:
        for value, state in zip(args, arg_states):
            apply_state(value, state)
    if type(kwarg_states) is dict:
        for key, state in kwarg_states.items():
            if key in kwargs:
                apply_state(kwargs[key], state)
    apply_torch_state(torch_state)


def apply_torch_state(state: Any) -> None:
    """The grad mode and random state the student's call left behind, as if it had run here: both
    are global (a checker catches ``torch.set_grad_enabled(False)`` or ``torch.manual_seed`` inside)."""
    if type(state) is not tuple or len(state) != 2:
        return
    grad_mode, rng_state = state
    if grad_mode in (True, False):
        torch.set_grad_enabled(grad_mode)
    if type(rng_state) is torch.Tensor and rng_state.dtype == torch.uint8 and rng_state.shape == torch.get_rng_state().shape:
        torch.set_rng_state(rng_state)


def _argument(result: Any, args: tuple) -> Any:
    """The grader's own argument when the student's function returned it (wire.ARG), else ``result``."""
    if not (type(result) is tuple and len(result) == 3 and result[0] == ARG and type(result[1]) is int
            and 0 <= result[1] < len(args)):
        return result
    argument, names = args[result[1]], result[2]
    if names == "":
        return argument
    parameters = dict(argument.named_parameters()) if isinstance(argument, torch.nn.Module) else {}
    if type(names) is not list or not all(type(n) is str and n in parameters for n in names):
        return result
    return [parameters[n] for n in names]


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
        parameters, buffers, training, attributes = state[1:]
        for name, parameter in original.named_parameters(remove_duplicate=False):
            if name in parameters:
                _apply_tensor(parameter, *parameters[name])
        for name, buffer in original.named_buffers():
            if name in buffers and buffer is not None:
                _apply_tensor(buffer, buffers[name], buffer.requires_grad, buffer.grad)
        for name, module in original.named_modules():
            module.training = training.get(name, module.training) is True
            for key, value in attributes.get(name, {}).items():  # plain data that hides no method or setting
                if type(key) is str and not key.startswith("_") and not hasattr(type(module), key) and (
                        key not in vars(module) or type(vars(module)[key]) is type(value)):
                    setattr(module, key, value)
    elif state[0] == "sequence" and isinstance(original, (list, tuple)):
        for item, item_state in zip(original, state[1]):
            apply_state(item, item_state)


def _apply_tensor(original: torch.Tensor, data: Any, requires_grad: Any, grad: Any) -> None:
    if type(data) is not torch.Tensor:
        return
    with torch.no_grad():
        if data.shape == original.shape and data.dtype == original.dtype and data.device == original.device:
            original.copy_(data)
        elif data.device == original.device:  # a new shape or dtype: take the tensor as it is
            original.data = data
        else:  # another device (model.to("meta")): the same Python object, with everything swapped in
            kind = torch.nn.Parameter if isinstance(original, torch.nn.Parameter) else torch.Tensor
            torch.utils.swap_tensors(original, kind(data) if kind is torch.nn.Parameter else data)
    if original.is_leaf and requires_grad in (True, False) and original.requires_grad != requires_grad:
        original.requires_grad_(requires_grad)
    if grad is None or (type(grad) is torch.Tensor and grad.shape == original.shape):
        original.grad = grad
