"""Chapter 14's helpers: launch ``torchrun`` from a notebook and leave nothing behind.

A notebook cannot be a distributed worker: ``torchrun`` starts fresh Python
processes, and each one runs a *script* (``mp.spawn`` of a function defined in
a notebook fails under the spawn start method). So the chapter writes scripts
and runs them with :func:`run_torchrun`. Inside a script:

* :func:`pick_backend` chooses ``nccl`` (NVIDIA GPUs) or ``gloo`` (CPU);
* :func:`print_in_rank_order` prints one message per rank, from rank 0, in
  rank order, so the output is the same on every run.

:func:`child_pids` and :func:`port_is_free` let a notebook show that a run
left no processes and no busy port behind.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import torch
import torch.distributed as dist

#: Seconds a run may take before :func:`run_torchrun` kills it.
DEFAULT_TIMEOUT = 180.0


class TorchrunError(RuntimeError):
    """A torchrun job failed or timed out; ``output`` holds what the workers printed."""

    def __init__(self, message: str, output: str = "", returncode: int | None = None) -> None:
        super().__init__(message)
        self.output = output
        self.returncode = returncode


def pick_backend(world_size: int) -> str:
    """``"nccl"`` when there are at least ``world_size`` CUDA GPUs, else ``"gloo"``.

    NCCL needs one GPU per rank: two ranks on the same GPU fail with
    "Duplicate GPU detected". Gloo runs anywhere, on CPU tensors.
    """
    if dist.is_nccl_available() and torch.cuda.is_available() and torch.cuda.device_count() >= world_size:
        return "nccl"
    return "gloo"


def loopback_interface() -> str | None:
    """The name of the loopback network interface: ``lo`` on Linux, ``lo0`` on macOS."""
    if sys.platform.startswith("linux"):
        return "lo"
    if sys.platform == "darwin":
        return "lo0"
    return None  # Windows: gloo picks the interface itself


def worker_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for torchrun and its workers.

    * ``OMP_NUM_THREADS=1``: each worker uses one thread, so two workers share
      the CPU instead of fighting over it (torchrun would warn and set it too);
    * ``GLOO_SOCKET_IFNAME``: gloo finds its network interface by resolving the
      host name, which can fail (a ``.local`` name on macOS) or pick a real
      network card. On one machine the loopback interface is all we need.
    """
    env = dict(os.environ if base is None else base)
    env["OMP_NUM_THREADS"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    interface = loopback_interface()
    if interface and "GLOO_SOCKET_IFNAME" not in env:
        env["GLOO_SOCKET_IFNAME"] = interface
    for name in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(name, None)  # torchrun sets these for each worker
    return env


def torchrun_command(script: str | Path, nproc: int = 2, args: Iterable[str] = ()) -> list[str]:
    """``python -m torch.distributed.run --standalone --nproc_per_node=N script args...``.

    ``python -m torch.distributed.run`` is what the ``torchrun`` command runs;
    calling it through ``sys.executable`` makes sure the notebook's Python is used.
    """
    return [sys.executable, "-m", "torch.distributed.run", "--standalone",
            f"--nproc_per_node={nproc}", str(script), *map(str, args)]


def shell_command(script: str | Path, nproc: int = 2, args: Iterable[str] = ()) -> str:
    """The same job as you would type it in a terminal (``torchrun ...``)."""
    return shlex.join(["torchrun", *torchrun_command(script, nproc, args)[3:]])


def run_torchrun(script: str | Path, nproc: int = 2, args: Iterable[str] = (),
                 timeout: float = DEFAULT_TIMEOUT, cwd: str | Path | None = None) -> str:
    """Run ``script`` on ``nproc`` processes with torchrun and return what they printed.

    Only standard output is returned (the scripts print from rank 0, in rank
    order). If a worker fails, :class:`TorchrunError` carries the workers'
    output and error messages. After ``timeout`` seconds every process of the
    job (the launcher and its workers) is killed, so nothing is left running.
    """
    command = torchrun_command(script, nproc, args)
    popen_kwargs: dict = {}
    if os.name == "nt":
        popen_kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
    else:
        popen_kwargs["start_new_session"] = True  # its own process group, killed as one
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=worker_env(), cwd=cwd, **popen_kwargs)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_tree(proc)
        stdout, stderr = proc.communicate()
        raise TorchrunError(f"torchrun did not finish within {timeout:g} s and was stopped "
                            f"(all its processes were killed).\n{_readable(stdout + stderr)}",
                            stdout + stderr, None) from None
    except BaseException:  # KeyboardInterrupt (the notebook's stop button): stop the job too
        kill_tree(proc)
        proc.communicate()
        raise
    if proc.returncode != 0:
        errors = worker_errors(stderr)
        root = re.search(r"Root Cause[\s\S]*?rank\s*:\s*(\d+)", stderr)  # torchrun's own verdict
        summary = "\n".join(f"  rank {rank}: {error}" + ("   <- root cause" if root and int(root.group(1)) == rank else "")
                            for rank, error in errors.items())
        if not errors:  # a worker failed before its output got the [rankN]: prefix (an import error)
            summary = "\n".join(f"  {line}" for line in dict.fromkeys(_exception_lines(stderr)))
        raise TorchrunError(
            f"torchrun failed (exit code {proc.returncode}). The workers' errors:\n"
            f"{summary or '  (no Python traceback: see the output below)'}\n"
            f"--- the workers' output (torchrun's own traceback left out) ---\n{_readable(stdout + stderr)}",
            stdout + stderr, proc.returncode)
    return stdout


_EXCEPTION = re.compile(r"^([\w.]+(Error|Exception|Interrupt|Exit))(: .*)?$")


def worker_errors(output: str) -> dict[int, str]:
    """{rank: the last line of its traceback}, from torchrun's ``[rankN]:`` prefixed output."""
    errors: dict[int, str] = {}
    for match in re.finditer(r"^\[rank(\d+)\]: (\S.*)$", output, flags=re.MULTILINE):
        if _EXCEPTION.match(match.group(2)):
            errors[int(match.group(1))] = match.group(2)
    return dict(sorted(errors.items()))


def _exception_lines(output: str) -> list[str]:
    return [line for line in output.splitlines()
            if _EXCEPTION.match(line) and "ChildFailedError" not in line]


def _readable(output: str, lines: int = 60) -> str:
    """The output without torchrun's own traceback (it only says that a child failed)."""
    kept = output.rstrip().splitlines()
    for i, line in enumerate(kept[:-1]):
        if line.startswith("Traceback") and "<frozen runpy>" in kept[i + 1]:
            end = next((j for j in range(i, len(kept)) if "ChildFailedError" in kept[j]), None)
            if end is not None:
                kept = kept[:i] + kept[end + 1:]
            break
    return "\n".join(kept[-lines:])


def kill_tree(proc: subprocess.Popen) -> None:
    """Stop a launcher and all its descendants (torchrun starts each worker in its own session)."""
    if os.name == "nt":
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(proc.pid)], capture_output=True, check=False)
        return
    descendants = child_pids(proc.pid)
    try:
        proc.send_signal(signal.SIGTERM)  # torchrun forwards SIGTERM to its workers
        proc.wait(timeout=5)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    for pid in [proc.pid, *descendants]:
        for kill in (os.killpg, os.kill):  # a worker leads its own process group
            try:
                kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    proc.wait()


def _parent_map() -> dict[int, int]:
    """{pid: parent pid} for every process we can see (psutil, else Linux's /proc)."""
    try:
        import psutil  # installed with ipykernel
    except ImportError:
        psutil = None
    if psutil is not None:
        return {p.pid: p.info["ppid"] for p in psutil.process_iter(["ppid", "status"])
                if p.info["status"] != psutil.STATUS_ZOMBIE}
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # the command name (field 2) is in parentheses and may hold spaces
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    return parents


def child_pids(pid: int | None = None) -> list[int]:
    """The pids of every live descendant of ``pid`` (default: this process), zombies excluded."""
    root = os.getpid() if pid is None else pid
    parents = _parent_map()
    found: list[int] = []
    frontier = [root]
    while frontier:
        current = frontier.pop()
        children = [p for p, parent in parents.items() if parent == current and p not in found]
        found.extend(children)
        frontier.extend(children)
    return sorted(p for p in found if not _is_zombie(p))


def _is_zombie(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return False
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def port_is_free(port: int) -> bool:
    """Can a new server listen on ``port``? (TCPStore binds the same way.)"""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        if os.name != "nt":  # a port in TIME_WAIT is reusable; one that is listening is not
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("", port))
            sock.listen(1)
        except OSError:
            return False
    return True


def print_in_rank_order(message: str, group: dist.ProcessGroup | None = None) -> None:
    """Every rank calls this; rank 0 prints all messages, rank 0 first, as ``[rank r] message``.

    Printing from several processes interleaves at random. Gathering the
    messages on rank 0 (``gather_object``) gives the same output on every run.
    This is a collective: every rank must call it, or the others wait forever.
    """
    rank, world_size = dist.get_rank(group), dist.get_world_size(group)
    messages: list[str | None] | None = [None] * world_size if rank == 0 else None
    dist.gather_object(str(message), messages, dst=0, group=group)
    if rank == 0:
        assert messages is not None
        for r, text in enumerate(messages):
            for line in str(text).splitlines() or [""]:
                print(f"[rank {r}] {line}", flush=True)
