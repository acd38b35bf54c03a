"""Chapter 15's checks catch the typical wrong answers with specific hints."""

import json

import torch
from torch.profiler import ProfilerActivity, profile, record_function, schedule

from course_utils.checks import evaluate
from course_utils.profiling import quiet_profiler

quiet_profiler()
CPU = [ProfilerActivity.CPU]


def _stub(*args):
    raise NotImplementedError


def test_slowest_op():
    def good(prof):
        return max(prof.key_averages(), key=lambda e: e.self_cpu_time_total).key

    assert evaluate("15.1", good, "en")[0] == "pass"

    def by_total(prof):
        return max(prof.key_averages(), key=lambda e: e.cpu_time_total).key

    status, message = evaluate("15.1", by_total, "en")
    assert status == "fail" and "largest *total* time" in message
    status, message = evaluate("15.1", by_total, "zh")
    assert status == "fail" and "按自身时间找" in message
    status, message = evaluate("15.1", lambda prof: max(prof.key_averages(), key=lambda e: e.self_cpu_time_total), "en")
    assert status == "fail" and "not the whole row" in message
    status, message = evaluate("15.1", lambda prof: "aten::mm", "en")
    assert status == "fail" and "do not type it in" in message
    status, message = evaluate("15.1", lambda prof: "aten::matmul", "en")
    assert status == "fail" and "spends most of its time in the ops it calls" in message


def test_schedule():
    assert evaluate("15.2", lambda: schedule(wait=2, warmup=1, active=2, repeat=2), "en")[0] == "pass"
    status, message = evaluate("15.2", lambda: schedule(wait=2, warmup=1, active=2), "en")
    assert status == "fail" and "repeat=0" in message
    status, message = evaluate("15.2", lambda: schedule(wait=2, warmup=1, active=2, repeat=1), "en")
    assert status == "fail" and "repeat=2" in message
    status, message = evaluate("15.2", lambda: schedule(wait=1, warmup=1, active=2, repeat=2), "en")
    assert status == "fail" and "1 step(s) too early" in message
    status, message = evaluate("15.2", lambda: schedule(wait=3, warmup=1, active=2, repeat=2), "zh")
    assert status == "fail" and "晚了 1 步" in message
    status, message = evaluate("15.2", lambda: schedule(wait=3, warmup=0, active=2, repeat=2), "en")
    assert status == "fail" and "without a warmup step" in message
    status, message = evaluate("15.2", lambda: schedule(wait=2, warmup=1, active=3, repeat=2), "en")
    assert status == "fail" and "2 + 1 + 2 = 5" in message
    status, message = evaluate("15.2", lambda: profile(activities=CPU, schedule=schedule(wait=2, warmup=1, active=2)), "en")
    assert status == "fail" and "not a profiler" in message


def test_labels():
    def good(model, x):
        with profile(activities=CPU) as prof:
            with record_function("normalize"):
                x = (x - x.mean()) / x.std()
            with record_function("model"):
                model(x)
        return prof

    assert evaluate("15.3", good, "en")[0] == "pass"

    def label_outside(model, x):
        with record_function("normalize"):
            x = (x - x.mean()) / x.std()
        with profile(activities=CPU) as prof:
            with record_function("model"):
                model(x)
        return prof

    status, message = evaluate("15.3", label_outside, "en")
    assert status == "fail" and "only recorded while the profiler runs" in message

    def empty_label(model, x):
        with profile(activities=CPU) as prof:
            with record_function("normalize"):
                pass
            x = (x - x.mean()) / x.std()
            with record_function("model"):
                model(x)
        return prof

    status, message = evaluate("15.3", empty_label, "en")
    assert status == "fail" and "no ops ran inside it" in message

    def nested(model, x):
        with profile(activities=CPU) as prof:
            with record_function("normalize"):
                x = (x - x.mean()) / x.std()
                with record_function("model"):
                    model(x)
        return prof

    status, message = evaluate("15.3", nested, "en")
    assert status == "fail" and "keep the two blocks apart" in message

    def output(model, x):
        with profile(activities=CPU):
            return model(x)

    status, message = evaluate("15.3", output, "zh")
    assert status == "fail" and "不是模型的输出" in message


def test_vectorised():
    assert evaluate("15.4", lambda a, b: ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1), "en")[0] == "pass"
    assert evaluate("15.4", lambda a, b: torch.cdist(a, b) ** 2, "en")[0] == "pass"
    status, message = evaluate("15.4", lambda a, b: torch.cdist(a, b), "en")
    assert status == "fail" and "not the squared distances" in message
    status, message = evaluate("15.4", lambda a, b: ((b[:, None, :] - a[None, :, :]) ** 2).sum(-1), "en")
    assert status == "fail" and "transposed" in message
    status, message = evaluate("15.4", lambda a, b: torch.stack([((row - b) ** 2).sum(1) for row in a]), "en")
    assert status == "fail" and "still a Python loop" in message
    status, message = evaluate("15.4", lambda a, b: ((a[:, None, :] - b[None, :, :]) ** 2).sum(), "zh")
    assert status == "fail" and "形状" in message


def _peak(fn, trace_path, reduce):
    with profile(activities=CPU, profile_memory=True) as prof:
        fn()
    prof.export_chrome_trace(trace_path)
    with open(trace_path, encoding="utf-8") as f:
        events = [e for e in json.load(f)["traceEvents"] if e.get("name") == "[memory]"]
    sizes = [e["args"]["Bytes"] for e in sorted(events, key=lambda e: e["ts"])]
    return reduce(sizes)


def _running_max(sizes):
    held = peak = 0
    for size in sizes:
        held += size
        peak = max(peak, held)
    return peak


def test_peak_bytes():
    assert evaluate("15.5", lambda fn, path: _peak(fn, path, _running_max), "en")[0] == "pass"
    status, message = evaluate("15.5", lambda fn, path: _peak(fn, path, lambda s: sum(x for x in s if x > 0)), "en")
    assert status == "fail" and "freed memory comes back" in message
    status, message = evaluate("15.5", lambda fn, path: _peak(fn, path, max), "en")
    assert status == "fail" and "largest single allocation" in message
    status, message = evaluate("15.5", lambda fn, path: _peak(fn, path, sum), "en")
    assert status == "fail" and "still holds at the end" in message
    status, message = evaluate("15.5", lambda fn, path: _peak(fn, path, _running_max) / 1024, "en")
    assert status == "fail" and "not KiB or MiB" in message

    def no_memory(fn, path):
        with profile(activities=CPU) as prof:
            fn()
        prof.export_chrome_trace(path)
        return 1

    status, message = evaluate("15.5", no_memory, "zh")
    assert status == "fail" and "profile_memory=True" in message
    status, message = evaluate("15.5", lambda fn, path: fn(), "en")
    assert status == "fail" and "no trace file" in message


def test_stubs_are_not_done():
    assert all(evaluate(i, _stub, "en")[0] == "todo" for i in ("15.1", "15.2", "15.3", "15.4", "15.5"))
