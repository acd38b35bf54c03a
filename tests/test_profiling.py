"""course_utils.profiling: deterministic summaries of a profile, and the trace timeline."""

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from torch.profiler import ProfilerActivity, profile, record_function  # noqa: E402

from course_utils.profiling import (  # noqa: E402
    count_calls,
    labels,
    load_trace,
    op_counts,
    plot_trace,
    quiet_profiler,
)

quiet_profiler()


def _profile():
    model = torch.nn.Linear(4, 2)
    x = torch.ones(3, 4)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(2):
            with record_function("step"):
                model(x)
    return prof


def test_counts_are_facts_not_times():
    prof = _profile()
    counts = op_counts(prof)
    assert counts["aten::linear"] == 2 and counts["aten::addmm"] == 2
    assert list(counts) == sorted(counts) and all(name.startswith("aten::") for name in counts)
    assert count_calls(prof) == sum(counts.values())
    assert count_calls(prof, "aten::linear") == 2
    assert labels(prof) == {"step": 2}
    assert op_counts(prof, "")["step"] == 2


def test_trace_round_trip_and_plot(tmp_path):
    prof = _profile()
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    events = load_trace(path)
    names = {e.get("name") for e in events}
    assert {"step", "aten::linear", "aten::addmm"} <= names
    ax = plot_trace(events, title="t")
    drawn = {t.get_text() for t in ax.texts}
    assert "step" in drawn  # the outer label is wide enough to carry its name
    assert [t.get_text() for t in ax.get_yticklabels()] == ["CPU thread 0"]
    plt.close(ax.figure)


def test_plot_nests_and_separates_gpu_streams(tmp_path):
    events = [
        {"ph": "X", "cat": "user_annotation", "name": "outer", "pid": 1, "tid": 1, "ts": 0, "dur": 100},
        {"ph": "X", "cat": "cpu_op", "name": "inner", "pid": 1, "tid": 1, "ts": 10, "dur": 50},
        {"ph": "X", "cat": "kernel", "name": "gemm", "pid": 0, "tid": 7, "ts": 20, "dur": 60},
        {"ph": "i", "cat": "cpu_instant_event", "name": "[memory]", "pid": 1, "tid": 1, "ts": 5},
    ]
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"traceEvents": events}))
    ax = plot_trace(load_trace(path))
    assert [t.get_text() for t in ax.get_yticklabels()] == ["CPU thread 0", "GPU stream 1"]
    bars = {round(p.get_x() * 1000): p.get_y() for p in ax.patches if hasattr(p, "get_x")}  # ms -> us
    assert bars[0] < bars[10]  # the nested call sits below its parent
    plt.close(ax.figure)
