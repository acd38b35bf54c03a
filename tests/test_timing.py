"""course_utils.timing: warm-up first, synchronize around every timed call, median."""

import pytest
import torch

from course_utils import timing
from course_utils.timing import (
    TimingResult,
    benchmark,
    format_seconds,
    synchronize,
)


class FakeClock:
    """A clock that only moves when told to, and logs every reading."""

    def __init__(self, log):
        self.now = 0.0
        self.log = log

    def __call__(self):
        self.log.append("clock")
        return self.now


def test_warmup_calls_come_before_any_timing():
    log = []
    clock = FakeClock(log)
    benchmark(lambda: log.append("fn"), device="cpu", warmup=3, repeats=2, clock=clock)
    assert log[:3] == ["fn", "fn", "fn"]
    assert log[3:] == ["clock", "fn", "clock"] * 2


def test_repeat_count_and_times():
    calls = []
    clock = FakeClock([])

    def work():
        calls.append(1)
        clock.now += 0.5

    result = benchmark(work, device="cpu", warmup=2, repeats=5, clock=clock)
    assert len(calls) == 7
    assert result.repeats == 5 and result.warmup == 2
    assert result.times == (0.5,) * 5
    assert result.device == "cpu"


def test_synchronize_wraps_every_timed_call_on_cuda(monkeypatch):
    log = []
    monkeypatch.setattr(torch.cuda, "synchronize", lambda device=None: log.append(("sync", str(device))))
    clock = FakeClock(log)
    benchmark(lambda: log.append("fn"), device="cuda", warmup=1, repeats=2, clock=clock)
    sync = ("sync", "cuda")
    assert log == ["fn"] + [sync, "clock", "fn", sync, "clock"] * 2


def test_synchronize_dispatches_by_device(monkeypatch):
    calls = []
    monkeypatch.setattr(torch.cuda, "synchronize", lambda device=None: calls.append("cuda"))
    monkeypatch.setattr(torch.mps, "synchronize", lambda: calls.append("mps"))
    synchronize("cpu")
    synchronize(torch.device("meta"))
    assert calls == []
    synchronize(torch.device("cuda", 0))
    synchronize("mps")
    assert calls == ["cuda", "mps"]


def test_synchronize_would_make_async_work_count(monkeypatch):
    """A simulated GPU: fn() only queues one second of work; synchronize() waits for it."""
    clock = FakeClock([])
    pending = []
    monkeypatch.setattr(timing, "synchronize", lambda device: (setattr(clock, "now", clock.now + sum(pending)), pending.clear()))
    result = benchmark(lambda: pending.append(1.0), device="cuda", warmup=2, repeats=3, clock=clock)
    assert result.times == (1.0, 1.0, 1.0)


def test_median_and_best():
    result = TimingResult(times=(3.0, 1.0, 100.0, 2.0, 2.5), device="cpu", warmup=0)
    assert result.median == 2.5
    assert result.best == 1.0
    assert TimingResult(times=(1.0, 2.0, 3.0, 4.0), device="cpu", warmup=0).median == 2.5
    assert str(result) == "median 2.50 s over 5 runs on cpu"


def test_real_clock_runs_on_cpu():
    a = torch.ones(8, 8)
    result = benchmark(lambda: a @ a, device=torch.device("cpu"), warmup=1, repeats=3)
    assert result.repeats == 3 and all(t >= 0 for t in result.times)


def test_bad_arguments():
    with pytest.raises(ValueError):
        benchmark(lambda: None, device="cpu", repeats=0)
    with pytest.raises(ValueError):
        benchmark(lambda: None, device="cpu", warmup=-1)


def test_format_seconds():
    assert format_seconds(2.0) == "2.00 s"
    assert format_seconds(0.00123) == "1.23 ms"
    assert format_seconds(4.5e-6) == "4.50 µs"
    assert format_seconds(3e-8) == "30 ns"
