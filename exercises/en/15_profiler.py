# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: -all
#     notebook_metadata_filter: kernelspec,jupytext,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: PyTorch course
#     language: python
#     name: pytorch-course
# ---

# %% [markdown]
# # 15 · Exercises: profiling
#
# Replace the `raise NotImplementedError(...)` in each function with your code, then run the `check(...)` below it. `✅` means the checks passed, `❌` not yet (with a hint), `⏳` not done yet. Stuck? The full answers are in `solutions/en/15_profiler.ipynb`.
#
# Times differ on every run, so the checkers compare your answer with the facts of the **same** profile, and count how many times operators ran.

# %%
from course_utils import check, setup_notebook

setup_notebook()

import json

import torch
from torch.profiler import ProfilerActivity, profile, record_function, schedule

from course_utils.profiling import quiet_profiler

quiet_profiler()  # silences two harmless profiler messages (see chapter 15, section 1)

# %% [markdown]
# ## 15.1 The slowest operator
#
# Complete `slowest_op(prof)`: `prof` is a finished `torch.profiler.profile`. Return the name (a string, like `"aten::mm"`) of the row with the largest **self** CPU time (`self_cpu_time_total`).
#
# The profile the checker gives you has a `record_function` label around all of its code. Think: sorted by total time, what comes first?

# %%
# NBVAL_CHECK_OUTPUT
def slowest_op(prof):
    """Return the name of the row with the largest self CPU time."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


check("15.1", slowest_op)

# %% [markdown]
# ## 15.2 Record steps 3, 4, 8 and 9 only
#
# Complete `make_schedule()`: return a `torch.profiler.schedule(...)` that, with training steps numbered from 0, records **exactly** steps 3, 4, 8 and 9, with **one** warmup step before each recording phase.
#
# Hint: as in section 4 of the lesson, call `make_schedule()(step)` to see each step's action.

# %%
# NBVAL_CHECK_OUTPUT
def make_schedule():
    """Return a profiler schedule that records exactly steps 3, 4, 8 and 9, each phase after one warmup step."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


check("15.2", make_schedule)

# %% [markdown]
# ## 15.3 Labels
#
# Complete `profile_with_labels(model, x)`: inside **one** `profile`,
#
# 1. run `x = (x - x.mean()) / x.std()` under the label `"normalize"`;
# 2. run `model(x)` under the label `"model"`;
#
# then return the profiler object `prof`. The checker looks for both labels in the table, and checks that the right operators ran under each.

# %%
# NBVAL_CHECK_OUTPUT
def profile_with_labels(model, x):
    """Profile the normalisation and the model under the labels 'normalize' and 'model'; return the profiler."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


check("15.3", profile_with_labels)

# %% [markdown]
# ## 15.4 Vectorise a slow loop
#
# `slow_sq_dists(a, b)` below computes the **squared distance** between every row of `a` and every row of `b`: `out[i, j] = ((a[i] - b[j]) ** 2).sum()`, of shape `(len(a), len(b))`. It calls several operators for every pair. Profile it first, to see how many calls that makes:

# %%
from course_utils.profiling import count_calls


def slow_sq_dists(a, b):
    out = torch.empty(len(a), len(b))
    for i in range(len(a)):
        for j in range(len(b)):
            out[i, j] = ((a[i] - b[j]) ** 2).sum()
    return out


a, b = torch.randn(37, 5), torch.randn(23, 5)
with profile(activities=[ProfilerActivity.CPU]) as prof:
    slow_sq_dists(a, b)
print(f"{len(a)} x {len(b)} pairs: {count_calls(prof)} aten op calls")

# %% [markdown]
# Complete `fast_sq_dists(a, b)`: the same result, without a Python loop. The checker compares the results and profiles your function: on inputs of the same size it must make fewer than 60 aten operator calls.

# %%
# NBVAL_CHECK_OUTPUT
def fast_sq_dists(a, b):
    """Squared distances between every row of a and every row of b, without a Python loop."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


check("15.4", fast_sq_dists)

# %% [markdown]
# ## 15.5 Peak memory
#
# Complete `peak_bytes(fn, trace_path)`:
#
# 1. call `fn()` inside `profile(activities=[ProfilerActivity.CPU], profile_memory=True)`;
# 2. export the trace with `prof.export_chrome_trace(trace_path)` and read it back with `json`;
# 3. take every event named `"[memory]"`, sort them by their time `ts`, and add up their `e["args"]["Bytes"]` (positive for an allocation, negative for a free);
# 4. return the **largest** value of that running total (in bytes, an int).
#
# That is the peak of the memory `fn` held at one moment (the top of the memory curve in section 3 of the lesson).

# %%
# NBVAL_CHECK_OUTPUT
def peak_bytes(fn, trace_path):
    """Profile fn() with profile_memory=True and return the peak of the bytes it held at once."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


check("15.5", peak_bytes)

# %% [markdown]
# Five ✅? The next chapter exports models to ONNX.
