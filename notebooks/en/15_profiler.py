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
# # 15 · Profiling: `torch.profiler`
#
# When code is slow, don't guess: **measure**. `torch.profiler` records every operator your program calls: how long it took, how often it ran, how much memory it allocated, and on a GPU every CUDA kernel too. In this chapter you will:
#
# 1. profile a training step and read the `key_averages()` table: **self** time versus **total** time;
# 2. label blocks of code with `record_function`, and group by input shape;
# 3. profile memory;
# 4. record only a few steps of a long run with a `schedule`;
# 5. export a Chrome/Perfetto trace and look at the timeline; see what TensorBoard still does today;
# 6. **find and fix a real bottleneck**;
# 7. avoid the timing traps: warm-up, the profiler's own overhead, asynchronous GPUs.
#
# About the outputs: the **times** in the tables depend on the machine and how busy it was, so your numbers will differ from the stored ones (the automated tests do not compare those cells). **Which operators ran, and how many times,** does not change; this chapter prints those facts separately.

# %%
from course_utils import setup_notebook

setup_notebook()

# %% [markdown]
# ## 1. Setup: device, model and a training step
#
# `profile(activities=...)` says what to record: `ProfilerActivity.CPU` records operators on the CPU; with a GPU we add `ProfilerActivity.CUDA`, which records the kernels that run on it. The code below takes the same path on both kinds of machine.
#
# Two setup lines need a word:
#
# * `quiet_profiler()` (in `course_utils/profiling.py`: read its docstring) silences two harmless messages that the profiler prints in torch 2.11;
# * `torch.set_num_threads(1)`: this chapter profiles tiny models. With several threads, every small operator has to wake up and wait for the threads of a pool; on a busy machine that costs tens of times more than the computation itself, and it changes from run to run. With one thread, the table shows the model. (If you are curious, delete the line, run again and compare the tables.)

# %%
import shutil
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.profiler import ProfilerActivity, profile, record_function

from course_utils import get_device, load_digits_tensors
from course_utils.profiling import (
    count_calls,
    labels,
    load_trace,
    op_counts,
    plot_trace,
    quiet_profiler,
)

quiet_profiler()
torch.set_num_threads(1)

device = get_device()
activities = [ProfilerActivity.CPU]
if torch.cuda.is_available():
    activities.append(ProfilerActivity.CUDA)

OUT = Path("course_output/15_profiler")  # files this notebook writes (relative to the notebook's folder)
shutil.rmtree(OUT, ignore_errors=True)
OUT.mkdir(parents=True)
print("device     :", device)
print("activities :", [a.name for a in activities])

# %% [markdown]
# The model is a small convolutional network, the data chapter 09's handwritten digits (8×8 grey images that ship with scikit-learn, no download). The training step labels its three parts with `record_function("name")`; each label becomes a row of its own in the table:

# %%
images, labels_all = load_digits_tensors()
x = images[:128].to(device)
y = labels_all[:128].to(device)


def make_model():
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 4 * 4, 10),
    ).to(device)


model = make_model()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)


def train_step(x, y):
    with record_function("forward"):
        loss = F.cross_entropy(model(x), y)
    with record_function("backward"):
        optimizer.zero_grad()
        loss.backward()
    with record_function("optimizer"):
        optimizer.step()
    return loss


print("input batch:", tuple(x.shape), "| parameters:", sum(p.numel() for p in model.parameters()))

# %% [markdown]
# ## 2. A first profile: the `key_averages()` table
#
# Put the code to profile inside `with profile(...)`. First run it once **outside** the profiler, as a **warm-up**: the first call pays one-time costs (allocating memory, initialising libraries) that say nothing about the steps after it (more in section 8). `record_shapes=True` also records the shapes of each operator's inputs.

# %%
train_step(x, y)  # warm-up, outside the profiler

with profile(activities=activities, record_shapes=True) as prof:
    for _ in range(3):
        train_step(x, y)

# %% [markdown]
# `prof.key_averages()` merges the events with the same name into one row, and `.table()` lays them out. `sort_by="cpu_time_total"` sorts by **total** time, and `row_limit` keeps the first rows:

# %%
# NBVAL_IGNORE_OUTPUT
# times depend on the machine and its load
print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=12))

# %% [markdown]
# What the columns mean:
#
# | column | meaning |
# | --- | --- |
# | `Self CPU` | time spent in the event **itself**, without the operators it calls |
# | `CPU total` | all the time from entering to returning, **including** every operator it calls |
# | `CPU time avg` | `CPU total` ÷ number of calls |
# | `# of Calls` | number of calls |
# | `Self CPU %`, `CPU total %` | share of the whole profiled interval |
#
# Operators nest: `aten::linear` computes almost nothing itself; it calls `aten::t` (transpose the weight) and `aten::addmm` (the actual matrix multiply-add). Here are the children of one call:

# %%
linear = next(e for e in prof.events() if e.name == "aten::linear")
print("aten::linear calls:", [child.name for child in linear.cpu_children])

# %%
# NBVAL_IGNORE_OUTPUT
# times depend on the machine
children = sum(child.cpu_time_total for child in linear.cpu_children)
print(f"total {linear.cpu_time_total:8.1f} us = self {linear.self_cpu_time_total:8.1f} us + children {children:8.1f} us")

# %% [markdown]
# So when you **sort by total time**, the outer things come first: your labels, and "wrapper" operators like `aten::linear`. That tells you **which part of the code** is slow. To find **which operator does the work**, sort by **self time**:

# %%
# NBVAL_IGNORE_OUTPUT
# times depend on the machine and its load
print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=10))

# %% [markdown]
# The times change on every run, the call counts do not. `labels(prof)` and `op_counts(prof)` from `course_utils.profiling` keep only those facts (three training steps, so each label appears 3 times):

# %%
print("labels:")
for name, count in labels(prof).items():
    print(f"  {name:40} {count}")
counts = op_counts(prof)
print(f"{len(counts)} different aten ops, {sum(counts.values())} calls; the most frequent:")
for name, count in sorted(counts.items(), key=lambda kv: -kv[1])[:6]:
    print(f"  {name:40} {count}")

# %% [markdown]
# The most frequent operators are `aten::t`, `aten::transpose`, `aten::as_strided` and the like: they only create *views* and take almost no time. Many calls do not mean slow; read the counts together with the times.
#
# Besides our three labels, PyTorch adds labels of its own: `Optimizer.step#SGD.step` and `Optimizer.zero_grad#SGD.zero_grad`. With a `DataLoader` you also get `enumerate(DataLoader)#_SingleProcessDataLoaderIter.__next__`: the time spent fetching data is booked under it, so you see at a glance whether data loading is the bottleneck.
#
# ### Grouping by input shape
#
# The same operator can cost very different amounts on different shapes. `record_shapes=True` recorded the shapes, and `key_averages(group_by_input_shape=True)` groups by (name, shapes); the table gains an `Input Shapes` column:

# %%
# NBVAL_IGNORE_OUTPUT
# times depend on the machine and its load
print(prof.key_averages(group_by_input_shape=True).table(sort_by="cpu_time_total", row_limit=8))

# %%
for e in prof.key_averages(group_by_input_shape=True):
    if e.key in ("aten::convolution", "aten::addmm"):
        print(f"{e.key:18} x{e.count}  inputs {e.input_shapes}")

# %% [markdown]
# The inputs of `aten::addmm` are the bias `[10]`, the flattened activations `[128, 256]` and the transposed weight `[256, 10]`.
#
# Two more options are worth knowing: `with_stack=True` records which line of Python called each operator (`key_averages(group_by_stack_n=5)` groups by call stack), and `with_flops=True` estimates the floating-point operations of matrix products and convolutions. Both make profiling slower; switch them on when you need them.

# %% [markdown]
# ## 3. Memory
#
# `profile_memory=True` records every allocation and every free. The table gains two columns: `CPU Mem` (including the operators called) and `Self CPU Mem` (the event alone). A **negative** number means the event freed more than it allocated. Sort by `self_cpu_memory_usage` to find the operators that allocate most; when the tensors live on a GPU, read the `CUDA Mem` columns and sort by `self_cuda_memory_usage`.
#
# The profiler can only follow memory allocated **after** it started. If a block allocated earlier is freed during profiling (say, last step's gradients freed by `zero_grad()`), PyTorch prints the warning "Memory block of unknown size was allocated before the profiling started". So we call `zero_grad()` before profiling:

# %%
memory_sort = "self_cuda_memory_usage" if device.type == "cuda" else "self_cpu_memory_usage"
optimizer.zero_grad()  # free the old gradients before profiling (see the note below)
with profile(activities=activities, profile_memory=True, record_shapes=True) as prof_mem:
    train_step(x, y)

# %%
# NBVAL_IGNORE_OUTPUT
# the time columns depend on the machine
print(prof_mem.key_averages().table(sort_by=memory_sort, row_limit=8))

# %% [markdown]
# The memory numbers themselves are deterministic (how many bytes are allocated follows from the tensor shapes). Printing only the memory:

# %%
rows = sorted(prof_mem.key_averages(), key=lambda e: -e.self_cpu_memory_usage)[:5]
for e in rows:
    print(f"{e.key:28} self {e.self_cpu_memory_usage / 1024:9.1f} KiB   total {e.cpu_memory_usage / 1024:9.1f} KiB")

# %% [markdown]
# Most memory is allocated by low-level operators like `aten::empty`: high-level ones such as `aten::convolution` ask them for their output, so the bytes are booked as *their* self memory. To see **which part of the code** holds memory, read your labels in the `CPU Mem` (total) column.
#
# The table only gives each operator's sum; it does not show how memory changes **over time**. The profiler writes every allocation and free into the trace file as a `[memory]` event (section 5 explains the file). Each event's `Bytes` is positive for an allocation and negative for a free; their running sum is the memory the code holds at each moment. The plot's x-axis counts events instead of measuring time, so the picture depends only on the order of allocations, not on the speed of the machine. How many events there are can differ from one CPU to another (a kernel written for one vector width may allocate a scratch buffer that another does not need), so the cell prints only the peak, which follows from the tensor shapes.

# %%
prof_mem.export_chrome_trace(str(OUT / "memory_trace.json"))
events = load_trace(OUT / "memory_trace.json")
memory_events = sorted((e for e in events if e.get("name") == "[memory]"), key=lambda e: e["ts"])
held, curve = 0, []
for e in memory_events:
    held += e["args"]["Bytes"]
    curve.append((e["ts"], held))
print(f"peak held during the step: {max(h for _, h in curve) / 1024:.1f} KiB")

# %%
import matplotlib.pyplot as plt

spans = [e for e in events if e.get("cat") == "user_annotation" and e["name"] in ("forward", "backward", "optimizer")]
fig, ax = plt.subplots(figsize=(8, 3.2))
ax.step(range(len(curve)), [h / 1024 for _, h in curve], where="post", color="k", label="held")
for e, color in zip(sorted(spans, key=lambda e: e["ts"]), ("tab:blue", "tab:orange", "tab:green")):
    inside = [i for i, (t, _) in enumerate(curve) if e["ts"] <= t <= e["ts"] + e["dur"]]
    if inside:  # shade the memory events that happened under this label
        ax.axvspan(inside[0] - 0.5, inside[-1] + 0.5, color=color, alpha=0.2, label=e["name"])
ax.set_xlabel("memory events in order (each one an allocation or a free)")
ax.set_ylabel("KiB held by the step")
ax.set_title("Memory during one training step (from the trace's [memory] events)")
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
plt.tight_layout()
plt.show()

# %% [markdown]
# Memory rises during the forward pass: every layer's output is kept for the backward pass. During the backward pass, once the gradients are computed, those activations are freed. This is why training needs much more memory than inference under `torch.no_grad()`.
#
# On a GPU you can also ask PyTorch's caching allocator directly: `torch.cuda.max_memory_allocated()` gives the peak, `torch.cuda.memory_summary()` a detailed report, and `torch.cuda.reset_peak_memory_stats()` resets the peak.

# %%
if torch.cuda.is_available():
    print(f"peak CUDA memory so far: {torch.cuda.max_memory_allocated() / 2**20:.1f} MiB")
    print(torch.cuda.memory_summary(abbreviated=True))
else:
    print("no CUDA device: torch.cuda.max_memory_allocated() and memory_summary() describe GPU memory only")

# %% [markdown]
# ## 4. Recording a few steps: `schedule`
#
# A real training run has thousands of steps. Recording them all gives a huge file, and the profiler's overhead slows training down. `torch.profiler.schedule` decides what happens at each step:
#
# * `wait`: skip some steps without recording;
# * `warmup`: the profiler runs but throws the results away (starting it has a cost, so these steps' numbers cannot be trusted);
# * `active`: record;
# * `repeat`: how many times the whole cycle runs (`0` means until the end).
#
# The training loop calls `prof.step()` at the end of every step, so the profiler knows a new step begins. At the end of each `active` phase the profiler calls `on_trace_ready(prof)` and hands you that phase's results.
#
# What `schedule` returns is just a function from a step number to that step's action. Let's call it:

# %%
# NBVAL_CHECK_OUTPUT
from torch.profiler import schedule

my_schedule = schedule(wait=1, warmup=1, active=2, repeat=2)
for step in range(10):
    print(f"step {step}: {my_schedule(step).name}")

# %%
action_colors = {"NONE": "lightgray", "WARMUP": "gold", "RECORD": "tab:green", "RECORD_AND_SAVE": "darkgreen"}
fig, ax = plt.subplots(figsize=(8, 1.8))
for step in range(10):
    action = my_schedule(step).name
    ax.barh(0, 1, left=step, color=action_colors[action], edgecolor="white")
    ax.text(step + 0.5, 0, action.replace("_AND_", "+\n"), ha="center", va="center", fontsize=7)
ax.set_xticks([s + 0.5 for s in range(10)], [str(s) for s in range(10)])
ax.set_yticks([])
ax.set_xlabel("training step")
ax.set_title("schedule(wait=1, warmup=1, active=2, repeat=2)")
ax.grid(False)
plt.show()

# %% [markdown]
# `RECORD_AND_SAVE` is the last step of each `active` phase: `on_trace_ready` is called when it ends. The profiler labels each step `ProfilerStep#N` (N is the step number). Note that `key_averages()` **merges** them into one row, `ProfilerStep*` (and the `name` of a single event from `p.events()` reads the same); the original name is kept in the event's `trace_name`. The handler below records the step number it was called at, the step numbers of the events it received, and the count of the merged row:

# %%
# NBVAL_CHECK_OUTPUT
seen = []


def on_trace_ready(p):
    steps = sorted(int(e.trace_name.split("#")[1]) for e in p.events() if e.trace_name.startswith("ProfilerStep#"))
    seen.append((p.step_num, steps, labels(p)["ProfilerStep*"]))


with profile(activities=activities, schedule=my_schedule, on_trace_ready=on_trace_ready) as prof_sched:
    for _ in range(10):
        train_step(x, y)
        prof_sched.step()

for step_num, steps, merged in seen:
    print(f"on_trace_ready at step_num={step_num}: events of steps {steps}, key_averages row 'ProfilerStep*' x{merged}")

# %% [markdown]
# Two cycles, each recording two steps (2, 3 and 6, 7); steps 8 and 9 are not recorded. When the handler runs, `prof.step()` has already moved on to the next step, so `step_num` is 4 and 8. Note that at the end of each cycle the profiler **clears** the earlier events (which is why the handler only sees the current cycle's two steps); to accumulate across cycles, create the `profile` with `acc_events=True`.
#
# ## 5. Trace files: Chrome / Perfetto
#
# A table is a summary; a **timeline** shows order, gaps and overlaps. `prof.export_chrome_trace(path)` writes a JSON file (the Chrome Trace Event format). To open it:
#
# * go to <https://ui.perfetto.dev> and drag the file onto the page (the file is processed in your browser, not uploaded);
# * or open `chrome://tracing` in Chrome and click **Load**.
#
# In the viewer, `W`/`S` zoom in and out, `A`/`D` move left and right, and clicking a box shows its details (name, duration, input shapes). We export the three training steps of section 2:

# %%
trace_path = OUT / "train_steps.json"
prof.export_chrome_trace(str(trace_path))
trace = load_trace(trace_path)
print("written:", trace_path.as_posix())
kinds = {}
for e in trace:
    if e.get("ph") == "X":
        kinds[e.get("cat")] = kinds.get(e.get("cat"), 0) + 1
print("complete events by category:", dict(sorted(kinds.items())))

# %% [markdown]
# The file is plain JSON: each event has a `name`, a category `cat` (`cpu_op` for operators, `user_annotation` for labels; on a GPU also `kernel`), a start time `ts` and a duration `dur` (in microseconds). `course_utils.profiling.plot_trace` draws it with a few dozen lines of matplotlib, the way the viewer does: time runs left to right, nested calls stack downwards.

# %%
first_optimizer = next(e for e in trace if e.get("name") == "optimizer" and e.get("cat") == "user_annotation")
step_end = first_optimizer["ts"] + first_optimizer["dur"]
first_step = [e for e in trace if e.get("ph") == "X" and e["ts"] + e["dur"] <= step_end]
fig, axes = plt.subplots(2, 1, figsize=(10, 6.5), height_ratios=[1, 2])
plot_trace(trace, ax=axes[0], max_depth=2, title="Three training steps (the whole trace)")
plot_trace(first_step, ax=axes[1], max_depth=6, title="Zoomed in on the first step (press W in Perfetto)")
plt.tight_layout()
plt.show()

# %% [markdown]
# The three steps are plain to see, each with `forward`, `backward` and `optimizer` in turn. A stretch inside a label with **no operator at all** is time spent in Python code, or time when the operating system gave the CPU to another program (common on a busy machine): the profiler only sees operators. On a GPU the timeline gets GPU stream rows below: the kernels run there, **shifted** against the CPU operators, because the CPU only puts them in a queue (section 8).
#
# ## 6. TensorBoard: what it still does today
#
# Many tutorials tell you to pass `on_trace_ready=torch.profiler.tensorboard_trace_handler(logdir)` and view the result with TensorBoard's PyTorch Profiler plugin (`torch-tb-profiler`). The facts first:
#
# * the plugin is **deprecated and no longer maintained**: PyTorch deprecated it in 2023, its last release on PyPI is 0.4.3 from October 2023, and its source code has since been deleted from the `pytorch/kineto` repository. PyTorch's own tutorial now recommends opening the trace files in Perfetto or `chrome://tracing`;
# * it was **never** tested against TensorBoard 2.21 (the version this course pins); this course does **not** install it and does not need it.
#
# `tensorboard_trace_handler` itself still works, and what it does is simple: at the end of each `active` phase it calls `export_chrome_trace` and writes the file into `logdir`, named `<worker_name>.<timestamp in ns>.pt.trace.json`. You can drag these files into Perfetto just the same:

# %%
from torch.profiler import tensorboard_trace_handler

trace_dir = OUT / "traces"
handler = tensorboard_trace_handler(str(trace_dir), worker_name="demo")
with profile(activities=activities, schedule=schedule(wait=1, warmup=1, active=2, repeat=2), on_trace_ready=handler) as p:
    for _ in range(10):
        train_step(x, y)
        p.step()
files = sorted(trace_dir.iterdir())
print(len(files), "files, e.g. demo.<time_ns>.pt.trace.json")
print("all end in .pt.trace.json:", all(f.name.endswith(".pt.trace.json") for f in files))

# %% [markdown]
# TensorBoard itself (2.21) works as usual, and it is the right tool for **numbers that change during training**. `torch.utils.tensorboard.SummaryWriter` writes scalars, for example each step's loss and the step time measured by the profiler:

# %%
from torch.utils.tensorboard import SummaryWriter

tb_dir = OUT / "tensorboard"
writer = SummaryWriter(str(tb_dir))
for step in range(5):
    with profile(activities=activities) as p:
        with record_function("step"):
            loss = train_step(x, y)
    step_ms = next(e for e in p.key_averages() if e.key == "step").cpu_time_total / 1000
    writer.add_scalar("train/loss", loss.item(), step)
    writer.add_scalar("profile/step_ms", step_ms, step)
writer.close()

# %% [markdown]
# Reading them back shows what was written (TensorBoard reads them the same way):

# %%
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

acc = EventAccumulator(str(tb_dir))
acc.Reload()
for tag in sorted(acc.Tags()["scalars"]):
    print(f"{tag:16} steps {[s.step for s in acc.Scalars(tag)]}")

# %% [markdown]
# In a terminal (not in the notebook), run this command from the repository's root folder, then open the address it prints (by default <http://localhost:6006>) to see the two curves:
#
# ```bash
# tensorboard --logdir notebooks/en/course_output/15_profiler/tensorboard
# ```
#
# In short: look at **traces** in Perfetto, and at **scalars over time** in TensorBoard. For deeper automatic analysis (GPU idle time, overlap of communication and computation), PyTorch points to Holistic Trace Analysis (HTA), which reads the same `.pt.trace.json` files.

# %% [markdown]
# ## 7. Finding and fixing a bottleneck
#
# A classmate thought "computing the loss one sample at a time is clearest" and wrote the loss function below. It is correct, but slow. Let's pretend we do not know why, and let the profiler tell us:

# %%
def loss_per_sample(model, x, y):
    total = 0.0
    for xi, yi in zip(x, y):
        total = total + F.cross_entropy(model(xi[None]), yi[None])
    return total / len(x)


def loss_batched(model, x, y):
    return F.cross_entropy(model(x), y)


def forward_backward(loss_fn):
    model.zero_grad()
    loss = loss_fn(model, x, y)
    loss.backward()
    return loss.detach(), [p.grad.clone() for p in model.parameters()]


forward_backward(loss_per_sample)  # warm-up
with profile(activities=activities) as prof_slow:
    with record_function("per-sample loss"):
        slow_result = forward_backward(loss_per_sample)

# %%
# NBVAL_IGNORE_OUTPUT
# times depend on the machine and its load
print(prof_slow.key_averages().table(sort_by="cpu_time_total", row_limit=10))

# %% [markdown]
# Reading the table:
#
# * nearly all the time is inside our label, yet no operator is slow: each call takes a few tens of microseconds;
# * the problem is in the `# of Calls` column: `aten::conv2d` and `aten::addmm` ran 128 times each, **once per sample**;
# * the label's own `Self CPU` is large: that is the Python interpreter running the loop, which belongs to no operator.
#
# Diagnosis: the time goes into the **number of calls**, not into computation. The fix: feed the whole batch to the model at once, so that one operator call handles 128 samples.

# %%
forward_backward(loss_batched)  # warm-up
with profile(activities=activities) as prof_fast:
    with record_function("batched loss"):
        fast_result = forward_backward(loss_batched)

# %%
# NBVAL_IGNORE_OUTPUT
# times depend on the machine and its load
print(prof_fast.key_averages().table(sort_by="cpu_time_total", row_limit=10))

# %% [markdown]
# First the deterministic facts: the results are the same (the loss, and every parameter's gradient), and the number of operator calls dropped by two orders of magnitude.

# %%
(slow_loss, slow_grads), (fast_loss, fast_grads) = slow_result, fast_result
# rtol=1e-3 leaves room for GPUs, whose convolutions may use TF32 and round differently per batch size
print("same loss     :", torch.allclose(slow_loss, fast_loss, rtol=1e-3, atol=1e-6))
print("same gradients:", all(torch.allclose(a, b, rtol=1e-3, atol=1e-6) for a, b in zip(slow_grads, fast_grads)))
slow_calls, fast_calls = count_calls(prof_slow), count_calls(prof_fast)
print(f"aten op calls : per-sample {slow_calls}, batched {fast_calls}")
print("fewer than 1/10 of the calls:", fast_calls < slow_calls / 10)
for op in ("aten::conv2d", "aten::addmm", "aten::cross_entropy_loss"):
    print(f"  {op:26} {op_counts(prof_slow)[op]:4} -> {op_counts(prof_fast)[op]}")

# %% [markdown]
# Now the times. Each label's `CPU total` is the total time of that piece of code:

# %%
# NBVAL_IGNORE_OUTPUT
# times depend on the machine and its load
slow_ms = next(e for e in prof_slow.key_averages() if e.key == "per-sample loss").cpu_time_total / 1000
fast_ms = next(e for e in prof_fast.key_averages() if e.key == "batched loss").cpu_time_total / 1000
print(f"per-sample: {slow_ms:8.2f} ms")
print(f"batched   : {fast_ms:8.2f} ms")
print(f"speed-up  : {slow_ms / fast_ms:8.1f}x")

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 3))
axes[0].bar(["per-sample", "batched"], [slow_ms, fast_ms], color=["tab:red", "tab:green"])
axes[0].set_ylabel("ms for forward + backward")
axes[0].set_title("Time (this machine, this run)")
axes[1].bar(["per-sample", "batched"], [slow_calls, fast_calls], color=["tab:red", "tab:green"])
axes[1].set_yscale("log")
axes[1].set_ylabel("aten op calls (log scale)")
axes[1].set_title("Op calls (the same on every run)")
plt.tight_layout()
plt.show()

# %% [markdown]
# The same approach works for other common bottlenecks:
#
# * **data loading**: the `enumerate(DataLoader)#...` row takes most of the time, so the model is waiting for data. Do the per-sample preprocessing once, ahead of time (on the whole tensor at once), or set `num_workers` (chapter 08);
# * **moving data back and forth between CPU and GPU**: many `aten::to` and `aten::copy_` calls in the table, or `aten::item` (each one waits for the GPU to finish);
# * **too many small operators**: as above, vectorise; or let `torch.compile` (chapter 13) fuse them.

# %% [markdown]
# ## 8. Timing traps
#
# **Warm-up.** The first call pays one-time costs: allocating memory, initialising libraries, and (on a GPU) loading and selecting kernels. That is why every profile above was preceded by one run, and why a `schedule` has a `warmup` phase. Compare a fresh model's first call with the calls after it:

# %%
import time

from course_utils.timing import benchmark

fresh = make_model()


def step():
    fresh(x).sum().backward()


first = benchmark(step, device=device, warmup=0, repeats=1).median * 1000  # a fresh model's first call
later = benchmark(step, device=device, warmup=0, repeats=20).median * 1000

with profile(activities=activities):
    profiled = benchmark(step, device=device, warmup=0, repeats=20).median * 1000

# %%
# NBVAL_IGNORE_OUTPUT
# times depend on the machine and its load
print(f"first call            : {first:7.2f} ms")
print(f"later calls (median)  : {later:7.2f} ms")
print(f"same, under profiler  : {profiled:7.2f} ms  (the profiler's own overhead)")

# %% [markdown]
# **The first `profile()` is the slowest.** The first time torch 2.11's profiler starts, it imports `torch._inductor` (just to read one setting), which takes several seconds on a slow machine; section 2's first profile paid that price. Later profiles in the same process do not.
#
# **The profiler has overhead.** Recording every event takes time, so code runs slower under the profiler, especially code made of many small operators (where the fixed cost per operator weighs most). Use the profiler to compare **relative** sizes (which operator dominates, how the call counts changed with your fix); to report absolute speed, switch it off and measure with `course_utils.timing.benchmark` from chapter 04.
#
# **GPUs are asynchronous.** When Python calls a CUDA operator, the operator is only put in a queue and the call returns at once. A `time.perf_counter()` around the call measures the queueing, not the computation, which happens later. Two correct ways:
#
# * call `torch.cuda.synchronize()` before stopping the clock, to wait until the queued work is done (chapter 04's `benchmark` does this);
# * use the profiler with `ProfilerActivity.CUDA`: it records, from the GPU's side, when each kernel really started and ended. The table gains `Self CUDA` and `CUDA total` columns, and `sort_by="cuda_time_total"` finds the slowest kernels on the GPU.
#
# The next cell runs its GPU part only where there is a GPU, and shows what unsynchronised timing gets wrong:

# %%
# NBVAL_IGNORE_OUTPUT
# times depend on the machine; the GPU part runs only where CUDA is available
if torch.cuda.is_available():
    a = torch.randn(4096, 4096, device="cuda")
    torch.cuda.synchronize()
    start = time.perf_counter()
    b = a @ a
    queued = time.perf_counter() - start
    torch.cuda.synchronize()
    finished = time.perf_counter() - start
    print(f"without synchronize: {queued * 1e3:8.3f} ms (only queued)")
    print(f"with synchronize   : {finished * 1e3:8.3f} ms (the real work)")
else:
    print("no CUDA device here: on the CPU an op has finished when it returns, so no synchronize is needed")

# %% [markdown]
# ## Summary
#
# | you want to know | use |
# | --- | --- |
# | which part of the code is slow | `record_function` labels + `sort_by="cpu_time_total"` (on a GPU `"cuda_time_total"`) |
# | which operator does the work | `sort_by="self_cpu_time_total"` |
# | on which inputs an operator is slow | `record_shapes=True` + `key_averages(group_by_input_shape=True)` |
# | which line of code called it | `with_stack=True` + `key_averages(group_by_stack_n=5)` |
# | who allocates memory | `profile_memory=True` + `sort_by="self_cpu_memory_usage"`; on a GPU also `torch.cuda.max_memory_allocated()` |
# | profile a few steps of a long run | `schedule(wait, warmup, active, repeat)` + `prof.step()` + `on_trace_ready` |
# | see the timeline | `export_chrome_trace`, dragged into <https://ui.perfetto.dev> |
#
# The routine for finding a bottleneck: **warm up → profile → find the slow part by total time → find the cause by self time and call counts → fix → profile again and check the results did not change**. The times in the table vary, the call counts do not: use the counts as your evidence.

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **Next:** [the exercises of this chapter: 15_profiler](../../exercises/en/15_profiler.ipynb) · [the next chapter: 16_onnx](16_onnx.ipynb)
