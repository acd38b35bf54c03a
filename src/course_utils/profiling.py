"""Helpers for reading ``torch.profiler`` results (chapter 15).

The profiler's tables are full of times, and times change from run to run.
What an operation *is* and *how often it ran* does not change, so these
helpers turn a profile into those facts, and draw a Chrome trace file as a
small timeline, the way Perfetto (https://ui.perfetto.dev) shows it::

    from course_utils.profiling import quiet_profiler, op_counts, load_trace, plot_trace

    quiet_profiler()
    with torch.profiler.profile() as prof:
        model(x)
    print(op_counts(prof))                 # {'aten::addmm': 2, 'aten::linear': 2, ...}
    prof.export_chrome_trace("trace.json")
    plot_trace(load_trace("trace.json"))
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterable
from typing import Any

#: Trace categories drawn by ``plot_trace``, with their colours.
CATEGORY_COLORS = {
    "user_annotation": "tab:orange",  # record_function labels, ProfilerStep#N, Optimizer.step, DataLoader
    "cpu_op": "tab:blue",  # aten:: operators and autograd nodes
    "python_function": "tab:gray",  # only with with_stack=True
    "kernel": "tab:green",  # CUDA kernels (GPU rows)
    "gpu_memcpy": "tab:purple",
    "gpu_memset": "tab:purple",
    "cuda_runtime": "tab:red",  # cudaLaunchKernel and friends, on the CPU side
}


def quiet_profiler() -> None:
    """Silence two harmless messages that torch 2.11's profiler prints.

    * The CUDA build of torch on a machine *without* a GPU: kineto, the C++
      library under the profiler, logs ``gpuGetDeviceCount failed`` straight to
      stderr. ``KINETO_LOG_LEVEL=5`` turns its log off; it only works before the
      first profile of the process, so call this first.
    * Every ``profile()`` warns once that it "clears events at the end of each
      cycle" (it matters only with a schedule that repeats; chapter 15 shows it).
    """
    os.environ.setdefault("KINETO_LOG_LEVEL", "5")
    warnings.filterwarnings("ignore", message="Warning: Profiler clears events")


def op_counts(prof: Any, prefix: str = "aten::") -> dict[str, int]:
    """How many times each event whose name starts with ``prefix`` ran, sorted by name.

    ``prof`` is a finished ``torch.profiler.profile``. With ``prefix=""`` every
    row of ``prof.key_averages()`` is counted, labels included.
    """
    return {e.key: e.count for e in sorted(prof.key_averages(), key=lambda e: e.key) if e.key.startswith(prefix)}


def count_calls(prof: Any, prefix: str = "aten::") -> int:
    """The total number of calls of events whose name starts with ``prefix``."""
    return sum(op_counts(prof, prefix).values())


def labels(prof: Any) -> dict[str, int]:
    """The ``record_function`` labels and the profiler's own, with their counts.

    The profiler's own labels include ``Optimizer.step#SGD.step`` and, with a
    schedule, ``ProfilerStep*``: ``key_averages()`` merges the per-step labels
    ``ProfilerStep#2``, ``ProfilerStep#3``, ... into that one row.
    """
    return {e.key: e.count for e in sorted(prof.key_averages(), key=lambda e: e.key) if e.is_user_annotation}


def load_trace(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The events of a Chrome trace written by ``prof.export_chrome_trace(path)``."""
    with open(path, encoding="utf-8") as f:
        return json.load(f)["traceEvents"]


def _lanes(events: Iterable[dict[str, Any]]) -> dict[tuple[Any, Any], list[tuple[dict[str, Any], int]]]:
    """Group complete ('X') events by (pid, tid) and give each its nesting depth."""
    by_thread: dict[tuple[Any, Any], list[dict[str, Any]]] = {}
    for e in events:
        if e.get("ph") == "X" and e.get("cat") in CATEGORY_COLORS and "dur" in e:
            by_thread.setdefault((e["pid"], e["tid"]), []).append(e)
    lanes = {}
    for key, evs in by_thread.items():
        evs.sort(key=lambda e: (e["ts"], -e["dur"]))
        open_ends: list[float] = []  # end times of the events that enclose the current one
        placed = []
        for e in evs:
            while open_ends and e["ts"] >= open_ends[-1]:
                open_ends.pop()
            placed.append((e, len(open_ends)))
            open_ends.append(e["ts"] + e["dur"])
        lanes[key] = placed
    return lanes


def plot_trace(
    events: list[dict[str, Any]],
    ax: Any = None,
    max_depth: int = 4,
    title: str = "profiler trace",
) -> Any:
    """Draw a trace as Perfetto does: time runs left to right, nested calls stack downwards.

    One band per thread (and per GPU stream); inside it, depth 0 is the
    outermost event and deeper calls sit below. Boxes get their name where
    it fits. To zoom in, pass only the events of the part you want to see.
    Returns the matplotlib ``Axes``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    lanes = _lanes(events)
    if not lanes:
        raise ValueError("the trace has no complete events to draw")
    start = min(e["ts"] for placed in lanes.values() for e, _ in placed)
    end = max(e["ts"] + e["dur"] for placed in lanes.values() for e, _ in placed)
    lo, hi = 0.0, (end - start) / 1000
    if ax is None:
        rows = sum(min(max(d for _, d in placed) + 1, max_depth) for placed in lanes.values())
        _, ax = plt.subplots(figsize=(10, 0.45 * rows + 1.2))
    chars_across = ax.get_window_extent().width / ax.get_figure().dpi * 72 / 5  # a 7-point character: ~5 points
    gpu_cats = ("kernel", "gpu_memcpy", "gpu_memset")
    order = sorted(lanes.values(), key=lambda placed: (any(e["cat"] in gpu_cats for e, _ in placed), placed[0][0]["ts"]))
    y = 0.0
    ticks, tick_labels, present = [], [], set()
    for number, placed in enumerate(order):  # CPU threads first, then GPU streams
        depth = min(max(d for _, d in placed) + 1, max_depth)
        on_gpu = any(e["cat"] in gpu_cats for e, _ in placed)
        ticks.append(y + depth / 2)
        tick_labels.append(f"{'GPU stream' if on_gpu else 'CPU thread'} {number}")
        for e, d in placed:
            left, width = (e["ts"] - start) / 1000, e["dur"] / 1000
            if d >= max_depth:
                continue
            present.add(e["cat"])
            ax.barh(y + d + 0.5, width, left=left, height=0.9, color=CATEGORY_COLORS[e["cat"]], edgecolor="white", lw=0.3)
            room = int(width / (hi - lo) * chars_across)  # how many characters fit in the box
            if room >= 5:
                name = e["name"] if len(e["name"]) <= room else e["name"][: room - 1] + "…"
                ax.text(left + width / 2, y + d + 0.5, name, ha="center", va="center", fontsize=7, clip_on=True)
        y += depth + 0.6
    ax.set_xlim(lo, hi)
    ax.set_ylim(y, 0)  # depth grows downwards, as in the trace viewer
    ax.set_yticks(ticks, tick_labels)
    ax.set_xlabel("time since the first event (ms)")
    ax.set_title(title)
    ax.grid(False)
    handles = [Patch(color=CATEGORY_COLORS[c], label=c) for c in sorted(present)]
    ax.legend(handles=handles, loc="lower right", fontsize=7)
    return ax


__all__ = [
    "CATEGORY_COLORS",
    "count_calls",
    "labels",
    "load_trace",
    "op_counts",
    "plot_trace",
    "quiet_profiler",
]
