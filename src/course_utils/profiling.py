"""Helpers for reading ``torch.profiler`` results (chapter 15).

The profiler's tables are full of times, and times change from run to run. What an operation *is*
and *how often it ran* does not change, so these helpers turn a profile into those facts, and draw
a Chrome trace file as a small timeline, the way Perfetto (https://ui.perfetto.dev) shows it::

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
    "gpu_memcpy": "tab:purple", "gpu_memset": "tab:purple",
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
    """How many times each event whose name starts with ``prefix`` ran, sorted by name (chapter 15).

    ``prof`` is a finished ``torch.profiler.profile``. With ``prefix=""`` every
    row of ``prof.key_averages()`` is counted, labels included.
    """
    return {e.key: e.count for e in sorted(prof.key_averages(), key=lambda e: e.key) if e.key.startswith(prefix)}


def count_calls(prof: Any, prefix: str = "aten::") -> int:
    """The total number of calls of events whose name starts with ``prefix`` (chapter 15)."""
    return sum(op_counts(prof, prefix).values())


def labels(prof: Any) -> dict[str, int]:
    """The ``record_function`` labels and the profiler's own, with their counts (chapter 15).

    The profiler's own labels include ``Optimizer.step#SGD.step`` and, with a
    schedule, ``ProfilerStep*``: ``key_averages()`` merges the per-step labels
    ``ProfilerStep#2``, ``ProfilerStep#3``, ... into that one row.
    """
    return {e.key: e.count for e in sorted(prof.key_averages(), key=lambda e: e.key) if e.is_user_annotation}


def load_trace(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The events of a Chrome trace written by ``prof.export_chrome_trace(path)`` (chapter 15)."""
    with open(path, encoding="utf-8") as f:
        return json.load(f)["traceEvents"]


def _lanes(events: Iterable[dict[str, Any]]) -> list[list[tuple[dict[str, Any], int]]]:
    """Group complete ('X') events by thread (pid, tid) and give each its nesting depth."""
    by_thread: dict[tuple[Any, Any], list[dict[str, Any]]] = {}
    for e in events:
        if e.get("ph") == "X" and e.get("cat") in CATEGORY_COLORS and "dur" in e:
            by_thread.setdefault((e["pid"], e["tid"]), []).append(e)
    lanes = []
    for thread_events in by_thread.values():
        open_ends: list[float] = []  # end times of the events that enclose the current one
        lanes.append([])
        for e in sorted(thread_events, key=lambda e: (e["ts"], -e["dur"])):
            while open_ends and e["ts"] >= open_ends[-1]:
                open_ends.pop()
            lanes[-1].append((e, len(open_ends)))
            open_ends.append(e["ts"] + e["dur"])
    return lanes


def plot_trace(events: list[dict[str, Any]], ax: Any = None, max_depth: int = 4, title: str = "profiler trace") -> Any:
    """Draw a trace as Perfetto does: time runs left to right, nested calls stack downwards (chapter 15).

    One band per thread (and per GPU stream); inside it, depth 0 is the
    outermost event and deeper calls sit below. Boxes get their name where
    it fits. To zoom in, pass only the events of the part you want to see.
    Returns the matplotlib ``Axes``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    def on_gpu(lane: list[tuple[dict[str, Any], int]]) -> bool:
        return any(e["cat"] in ("kernel", "gpu_memcpy", "gpu_memset") for e, _ in lane)

    lanes = sorted(_lanes(events), key=lambda lane: (on_gpu(lane), lane[0][0]["ts"]))  # CPU threads, then GPU streams
    if not lanes:
        raise ValueError("the trace has no complete events to draw")
    start = min(e["ts"] for lane in lanes for e, _ in lane)
    span = (max(e["ts"] + e["dur"] for lane in lanes for e, _ in lane) - start) / 1000  # in ms
    depths = [min(max(d for _, d in lane) + 1, max_depth) for lane in lanes]
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 0.45 * sum(depths) + 1.2))
    chars_across = ax.get_window_extent().width / ax.get_figure().dpi * 72 / 5  # a 7-point character: ~5 points
    y, ticks, tick_labels, present = 0.0, [], [], set()
    for number, (lane, depth) in enumerate(zip(lanes, depths)):
        ticks.append(y + depth / 2)
        tick_labels.append(f"{'GPU stream' if on_gpu(lane) else 'CPU thread'} {number}")
        for e, d in lane:
            if d >= max_depth:
                continue
            left, width = (e["ts"] - start) / 1000, e["dur"] / 1000
            present.add(e["cat"])
            ax.barh(y + d + 0.5, width, left=left, height=0.9, color=CATEGORY_COLORS[e["cat"]], edgecolor="white", lw=0.3)
            room = int(width / span * chars_across)  # how many characters fit in the box
            if room >= 5:
                name = e["name"] if len(e["name"]) <= room else e["name"][: room - 1] + "…"
                ax.text(left + width / 2, y + d + 0.5, name, ha="center", va="center", fontsize=7, clip_on=True)
        y += depth + 0.6
    ax.set_xlim(0.0, span)
    ax.set_ylim(y, 0)  # depth grows downwards, as in the trace viewer
    ax.set_yticks(ticks, tick_labels)
    ax.set_xlabel("time since the first event (ms)")
    ax.set_title(title)
    ax.grid(False)
    handles = [Patch(color=CATEGORY_COLORS[c], label=c) for c in sorted(present)]
    ax.legend(handles=handles, loc="lower right", fontsize=7)
    return ax
