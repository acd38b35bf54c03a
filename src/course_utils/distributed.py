"""Chapter 14's helpers: launch ``torchrun`` from a notebook and leave nothing behind.

A notebook cannot be a distributed worker: ``torchrun`` starts fresh Python processes, and each
one runs a *script* (``mp.spawn`` of a function defined in a notebook fails under the spawn start
method). So the chapter writes scripts and runs them with :func:`run_torchrun`. Inside a script:

* :func:`pick_backend` chooses ``nccl`` (NVIDIA GPUs) or ``gloo`` (CPU);
* :func:`print_in_rank_order` prints one message per rank, from rank 0, in
  rank order, so the output is the same on every run.

:func:`child_pids` and :func:`port_is_free` let a notebook show that a run
left no processes and no busy port behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import socket
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import psutil  # process trees on every OS (installed with ipykernel)
import torch
import torch.distributed as dist

#: Seconds a run may take before :func:`run_torchrun` kills it.
DEFAULT_TIMEOUT = 180.0

#: The last line of a Python traceback: ``ValueError: x``, ``torch.OutOfMemoryError``, ``KeyboardInterrupt``.
_EXCEPTION = re.compile(r"^([\w.]+(Error|Exception|Interrupt|Exit))(: .*)?$")


class TorchrunError(RuntimeError):
    """A torchrun job failed or timed out; ``output`` holds what the workers printed (chapter 14)."""

    def __init__(self, message: str, output: str = "", returncode: int | None = None) -> None:
        super().__init__(message)
        self.output = output
        self.returncode = returncode


def pick_backend(world_size: int) -> str:
    """``"nccl"`` when there are at least ``world_size`` CUDA GPUs, else ``"gloo"`` (chapter 14).

    NCCL needs one GPU per rank: two ranks on the same GPU fail with
    "Duplicate GPU detected". Gloo runs anywhere, on CPU tensors.
    """
    if dist.is_nccl_available() and torch.cuda.is_available() and torch.cuda.device_count() >= world_size:
        return "nccl"
    return "gloo"


def worker_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for torchrun and its workers (chapter 14).

    * ``OMP_NUM_THREADS=1``: each worker uses one thread, so two workers share
      the CPU instead of fighting over it (torchrun would warn and set it too);
    * ``GLOO_SOCKET_IFNAME``: gloo finds its network interface by resolving the
      host name, which can fail (a ``.local`` name on macOS) or pick a real
      network card. On one machine the loopback interface is all we need.
    """
    env = {**(os.environ if base is None else base), "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    interface = {"linux": "lo", "darwin": "lo0"}.get(sys.platform)  # loopback; on Windows gloo picks one itself
    if interface and "GLOO_SOCKET_IFNAME" not in env:
        env["GLOO_SOCKET_IFNAME"] = interface
    for name in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(name, None)  # torchrun sets these for each worker
    return env


def torchrun_command(script: str | Path, nproc: int = 2, args: Iterable[str] = ()) -> list[str]:
    """``python -m torch.distributed.run --standalone --nproc_per_node=N script args...`` (chapter 14).

    ``python -m torch.distributed.run`` is what the ``torchrun`` command runs;
    calling it through ``sys.executable`` makes sure the notebook's Python is used.
    """
    return [sys.executable, "-m", "torch.distributed.run", "--standalone",
            f"--nproc_per_node={nproc}", str(script), *map(str, args)]


def shell_command(script: str | Path, nproc: int = 2, args: Iterable[str] = ()) -> str:
    """The same job as you would type it in a terminal (``torchrun ...``; chapter 14)."""
    return shlex.join(["torchrun", *torchrun_command(script, nproc, args)[3:]])


def run_torchrun(script: str | Path, nproc: int = 2, args: Iterable[str] = (),
                 timeout: float = DEFAULT_TIMEOUT, cwd: str | Path | None = None) -> str:
    """Run ``script`` on ``nproc`` processes with torchrun and return what they printed (chapter 14).

    Only standard output is returned (the scripts print from rank 0, in rank
    order). If a worker fails, :class:`TorchrunError` carries the workers'
    output and error messages. After ``timeout`` seconds every process of the
    job (the launcher and its workers) is killed, so nothing is left running.
    """
    # its own process group, killed as one
    group = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP} if os.name == "nt" else {"start_new_session": True}
    proc = subprocess.Popen(torchrun_command(script, nproc, args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=worker_env(), cwd=cwd, **group)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except BaseException as stop:  # the timeout, or KeyboardInterrupt (the notebook's stop button)
        kill_tree(proc)  # stop the whole job
        stdout, stderr = proc.communicate()
        if not isinstance(stop, subprocess.TimeoutExpired):
            raise
        raise TorchrunError(f"torchrun did not finish within {timeout:g} s and was stopped "
                            f"(all its processes were killed).\n{_readable(stdout + stderr)}",
                            stdout + stderr, None) from None
    if proc.returncode != 0:
        errors = worker_errors(stderr)
        root = re.search(r"Root Cause[\s\S]*?rank\s*:\s*(\d+)", stderr)  # torchrun's own verdict
        summary = "\n".join(f"  rank {rank}: {error}" + ("   <- root cause" if root and int(root.group(1)) == rank else "")
                            for rank, error in errors.items())
        if not errors:  # a worker failed before its output got the [rankN]: prefix (an import error)
            lines = [line for line in stderr.splitlines() if _EXCEPTION.match(line) and "ChildFailedError" not in line]
            summary = "\n".join(f"  {line}" for line in dict.fromkeys(lines))
        raise TorchrunError(
            f"torchrun failed (exit code {proc.returncode}). The workers' errors:\n"
            f"{summary or '  (no Python traceback: see the output below)'}\n"
            f"--- the workers' output (torchrun's own traceback left out) ---\n{_readable(stdout + stderr)}",
            stdout + stderr, proc.returncode)
    return stdout


def worker_errors(output: str) -> dict[int, str]:
    """{rank: the last line of its traceback}, from torchrun's ``[rankN]:`` prefixed output (chapter 14)."""
    lines = re.finditer(r"^\[rank(\d+)\]: (\S.*)$", output, flags=re.MULTILINE)
    errors = {int(line.group(1)): line.group(2) for line in lines if _EXCEPTION.match(line.group(2))}
    return dict(sorted(errors.items()))


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
    """Stop a launcher and all its descendants (torchrun starts each worker in its own session; chapter 14)."""
    try:
        descendants = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        descendants = []
    proc.terminate()  # torchrun forwards SIGTERM to its workers
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
    for child in descendants:  # whatever is left, a worker in its own process group included
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    proc.wait()


def child_pids(pid: int | None = None) -> list[int]:
    """The pids of every live descendant of ``pid`` (default: this process), zombies excluded (chapter 14)."""
    alive = []
    for child in psutil.Process(pid).children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            if child.status() != psutil.STATUS_ZOMBIE:
                alive.append(child.pid)
    return sorted(alive)


def port_is_free(port: int) -> bool:
    """Can a new server listen on ``port``, as TCPStore binds it? (chapter 14)"""
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
    """Every rank calls this; rank 0 prints all messages, rank 0 first, as ``[rank r] message`` (chapter 14).

    Printing from several processes interleaves at random. Gathering the
    messages on rank 0 (``gather_object``) gives the same output on every run.
    This is a collective: every rank must call it, or the others wait forever.
    """
    rank, world_size = dist.get_rank(group), dist.get_world_size(group)
    messages: list[str | None] | None = [None] * world_size if rank == 0 else None
    dist.gather_object(str(message), messages, dst=0, group=group)
    if rank == 0:
        for r, text in enumerate(messages):
            for line in str(text).splitlines() or [""]:
                print(f"[rank {r}] {line}", flush=True)
