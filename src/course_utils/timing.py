"""Time PyTorch code correctly, on any device (taught in chapter 04; used in 13 and 15).

GPUs run asynchronously: a CUDA (or MPS) operation called from Python is only *queued* on the
device, and Python gets control back at once. A stopwatch around the call therefore measures the
launch, not the work. ``benchmark()`` does it right::

    from course_utils.timing import benchmark

    a = torch.randn(1024, 1024, device=device)
    result = benchmark(lambda: a @ a, device=device, warmup=3, repeats=10)
    print(result)                                  # median and number of runs

1. warm-up calls first (the first calls pay for kernel selection, caches, lazy
   initialisation and memory allocation);
2. ``synchronize(device)`` before starting the clock, so queued work from
   earlier does not count;
3. ``synchronize(device)`` before stopping the clock, so the work itself counts;
4. several repeats, summarised by the median, which ignores the odd slow run.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch


def synchronize(device: torch.device | str) -> None:
    """Wait until all work queued on ``device`` has finished (chapter 04).

    CUDA waits with ``torch.cuda.synchronize``, Apple's MPS with
    ``torch.mps.synchronize``. On the CPU (and the ``meta`` device) operations
    finish before they return, so there is nothing to wait for.
    """
    device = torch.device(device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


@dataclass(frozen=True)
class TimingResult:
    """The seconds each timed call took (warm-up calls excluded; chapter 04)."""

    times: tuple[float, ...]
    device: str
    warmup: int

    @property
    def median(self) -> float:
        """Median seconds per call: robust against the occasional slow run."""
        return statistics.median(self.times)

    @property
    def best(self) -> float:
        """The fastest call, in seconds."""
        return min(self.times)

    @property
    def repeats(self) -> int:
        return len(self.times)

    def __str__(self) -> str:
        return f"median {format_seconds(self.median)} over {self.repeats} runs on {self.device}"


def benchmark(fn: Callable[[], object], *, device: torch.device | str, warmup: int = 3, repeats: int = 10,
              clock: Callable[[], float] = time.perf_counter) -> TimingResult:
    """Call ``fn()`` ``warmup`` times untimed, then time ``repeats`` calls on ``device`` (chapter 04)."""
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    if warmup < 0:
        raise ValueError("warmup must not be negative")
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        synchronize(device)  # earlier queued work must not be counted
        start = clock()
        fn()
        synchronize(device)  # wait for this call's work before stopping the clock
        times.append(clock() - start)
    return TimingResult(times=tuple(times), device=str(torch.device(device)), warmup=warmup)


def format_seconds(seconds: float) -> str:
    """A duration with a readable unit: ``0.00123`` -> ``'1.23 ms'`` (chapter 04)."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if abs(seconds) >= scale:
            return f"{seconds / scale:.2f} {unit}"
    return f"{seconds / 1e-9:.0f} ns"
