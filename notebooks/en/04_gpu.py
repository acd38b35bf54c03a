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
# # 04 · Computing on the GPU
#
# In the seed textbook, "computing on the GPU" is a single `if torch.cuda.is_available(): x = x.cuda()`. This chapter turns it into the full set of habits you need every day:
#
# 1. which devices this machine has: `torch.cuda.is_available()`, the number and names of devices, and MPS on Apple silicon;
# 2. why we write `.to(device)` rather than `.cuda()`: **device-agnostic code**;
# 3. putting the model and the data on the same device, and the error you get when you don't;
# 4. **timing correctly**: warm-up, `synchronize`, and the GFLOP/s of a matrix multiply;
# 5. memory: how many bytes a tensor takes, and how to query GPU memory;
# 6. pinned memory and `non_blocking=True`;
# 7. mixed precision: `torch.autocast`, `GradScaler` and TF32.
#
# This notebook **runs completely on a computer without a GPU** (the course's automatic tests run it on a CPU), and it runs just as well on a machine with a CUDA GPU. Every section ends with an **On a GPU** paragraph that says what changes there.

# %%
from course_utils import setup_notebook

setup_notebook()

# %%
import time
from functools import partial

import matplotlib.pyplot as plt
import torch
from torch import nn

from course_utils import get_device
from course_utils.timing import benchmark, format_seconds, synchronize

# %% [markdown]
# ## 1. Which devices does this machine have?
#
# PyTorch calls the place where a tensor lives and is computed on a **device**. There is always a CPU; NVIDIA GPUs are used through CUDA (the ROCm build of PyTorch for AMD GPUs reuses the name `cuda`); the GPU of Apple silicon is called `mps`. `torch.accelerator` is a newer, vendor-neutral interface that answers the same questions for any kind of accelerator.
#
# The output below depends on the machine that runs it, so the tests do not compare it.

# %%
# NBVAL_IGNORE_OUTPUT
# Which GPUs exist, their names and memory depend on the machine.
print("CUDA available:", torch.cuda.is_available())
print("CUDA devices:  ", torch.cuda.device_count())
for i in range(torch.cuda.device_count()):
    props = torch.cuda.get_device_properties(i)
    print(f"  cuda:{i}  {props.name}  {props.total_memory / 2**30:.1f} GiB  compute capability {props.major}.{props.minor}")
print("MPS available: ", torch.backends.mps.is_available())
print("accelerator:   ", torch.accelerator.current_accelerator(check_available=True))

# %% [markdown]
# The course picks its device with `course_utils.get_device()`: `cuda` if there is CUDA, otherwise `mps` if there is MPS, otherwise `cpu`. It is only a few lines long; open `src/course_utils/device.py` and read it. (The course's GPU tests set `COURSE_REQUIRE_GPU=1`; then a machine without CUDA raises an error instead of quietly falling back to the CPU.)
#
# All the code in the rest of this chapter uses this `device` variable and never spells out a device name.

# %%
device = get_device()
print("device:", device)

# %% [markdown]
# A `torch.device` is just "type + index". `cuda` without an index means the current GPU (usually `cuda:0`). There is also a special device, `meta`: it records shapes and dtypes but **stores no data and takes no memory**, and every machine has it. This chapter uses it to demonstrate the rules about where tensors live, because it behaves exactly the same on CPU and GPU machines.

# %%
# NBVAL_CHECK_OUTPUT
for name in ["cpu", "cuda", "cuda:1", "mps", "meta"]:
    d = torch.device(name)
    print(f"{name!r:8} -> type={d.type!r:7} index={d.index}")

# %% [markdown]
# **On a GPU**: the first cell lists every GPU with its name, memory and compute capability (9.0 is an H100, for example), and `device` is `cuda`. Creating an object like `torch.device("cuda:1")` never fails by itself; you only get an error when you actually put a tensor on a device that does not exist.

# %% [markdown]
# ## 2. `.cuda()` or `.to(device)`?
#
# The seed textbook writes:
#
# ```python
# if torch.cuda.is_available():
#     x = x.cuda()
#     y = y.cuda()
# z = x + y
# ```
#
# It works, but it has three problems:
#
# * every tensor and every model needs its own `if ... .cuda()`; forget one and you end up with half of your tensors on the GPU and half on the CPU (the error in section 3);
# * `.cuda()` only knows NVIDIA (and ROCm): the GPU of Apple silicon (`mps`) is never used;
# * a `.cuda()` without the `if` fails outright on a machine without CUDA. Here is what happens on this machine:

# %%
# NBVAL_IGNORE_OUTPUT
# Succeeds with CUDA; without it the error type and text depend on the machine.
try:
    print(torch.tensor([1, 2, 3]).cuda())
except (RuntimeError, AssertionError) as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown]
# **The device-agnostic way**: choose `device` once at the top, then create every tensor and model with `device=device`, or move it there with `.to(device)`. The same code runs on the CPU, on CUDA and on MPS.

# %%
# NBVAL_CHECK_OUTPUT
x = torch.tensor([1, 2, 3], device=device)  # created directly on the target device
y = torch.tensor([4, 5, 6]).to(device)  # created on the CPU, then moved
z = x + y
print("z =", z.cpu())
print("z is on the chosen device:", z.device.type == device.type)

# %% [markdown]
# We print `z.cpu()`, so the output is the same on every machine. On a GPU, `print(z)` would show `tensor([5, 7, 9], device='cuda:0')`: a tensor always tells you which device it is on.
#
# Three rules about `Tensor.to()` are worth remembering:
#
# 1. it **returns a new tensor** and leaves the original alone, so always write `x = x.to(device)`;
# 2. if the tensor is already on the target device (with the same dtype), it returns the original tensor without copying;
# 3. it can change the device and the dtype in one call.

# %%
# NBVAL_CHECK_OUTPUT
t = torch.ones(2, 3)
t.to("meta")  # the result is thrown away: t itself has not moved
print("t after t.to('meta'):", t.device)
t_meta = t.to("meta")
print("t_meta:", t_meta.device, tuple(t_meta.shape), t_meta.dtype)
print("already there -> same object:", t.to("cpu") is t)
print("device and dtype at once:", t.to("meta", torch.float16).dtype)

# %% [markdown]
# Creating a tensor directly on the target device saves a copy compared with creating it on the CPU and moving it. The `*_like` functions inherit the shape, the dtype **and the device** of their argument. NumPy only knows CPU memory, so a GPU tensor needs `.cpu()` before `.numpy()` (otherwise you get `TypeError: can't convert cuda:0 device type tensor to numpy`).

# %%
# NBVAL_CHECK_OUTPUT
zeros = torch.zeros(2, 3, device=device)
noise = torch.randn_like(zeros)  # same shape, dtype and device as zeros
ids = torch.arange(4, device=device)
print([tensor.device.type == device.type for tensor in (zeros, noise, ids)])
print(ids.cpu().numpy())

# %% [markdown]
# **On a GPU**: `.to(device)` really copies the data from main memory to GPU memory (over PCIe or NVLink), and that costs time. In training, move the model once and each batch once; don't move tensors back and forth inside a loop. `x.cpu()`, `x.item()` and `print(x)` all copy data back to the CPU and have to wait until the GPU has finished computing it (section 4).

# %% [markdown]
# ## 3. Model and data on the same device
#
# A model's parameters are tensors, so they live on a device too. `model.to(device)` moves all parameters and buffers. Unlike a tensor, **a module's `.to()` works in place** and returns the module itself, so `model = ...` is optional.

# %%
# NBVAL_CHECK_OUTPUT
model = nn.Linear(4, 2)
print("created on:", next(model.parameters()).device)
returned = model.to(device)
print("module .to() returns the same module:", returned is model)
print("every parameter on the chosen device:", all(p.device.type == device.type for p in model.parameters()))

batch = torch.randn(8, 4).to(device)
out = model(batch)
print("output shape:", tuple(out.shape), "| on the chosen device:", out.device.type == device.type)

# %% [markdown]
# When the model and the data are on different devices, PyTorch does not move anything for you; it raises an error. On a GPU machine the usual case is a model on `cuda:0` with the data still on the `cpu`, and the error starts with `RuntimeError: Expected all tensors to be on the same device, but ...` followed by the names of the two devices (the exact wording varies a little between versions).
#
# This machine has no GPU, but the `meta` device produces the same kind of error: the model stays on the CPU and the data is on `meta`.

# %%
# NBVAL_CHECK_OUTPUT
cpu_model = nn.Linear(4, 2)  # stays on the CPU
meta_batch = torch.randn(8, 4, device="meta")  # the data is on another device
try:
    cpu_model(meta_batch)
except RuntimeError as err:
    print("RuntimeError:", err)

# %% [markdown]
# The fix is always the same: put both on the same device. Read the two device names in the message, then look for the tensor that missed its `.to(device)`. The usual suspects: tensors created inside `forward` (use `torch.zeros(..., device=x.device)`), and a bare `batch.to(device)` whose result was never assigned.
#
# There is also an ordering rule: **move the model first, then create the optimizer**. The optimizer holds on to the parameter objects themselves, and some conversions replace them with new ones, for example moving to `meta`:

# %%
# NBVAL_CHECK_OUTPUT
model = nn.Linear(4, 2)
old_weight = model.weight
model.to("meta")
print("same Parameter object after .to('meta'):", model.weight is old_weight)

# %% [markdown]
# (Moving from CPU to CUDA currently keeps the parameter objects and only swaps their data, but with the habit "`.to(device)` first, optimizer second" you never have to think about such details.)
#
# Making the seed's training step (`Linear` + `MSELoss` + `SGD`) device-agnostic takes one `.to(device)` for the model and one for the data:

# %%
torch.manual_seed(0)
model = nn.Linear(2, 1).to(device)  # move the model first...
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)  # ...then create the optimizer

x = torch.randn(2, 2).to(device)
y = torch.randn(2, 1).to(device)
loss = criterion(model(x), y)
optimizer.zero_grad()
loss.backward()
optimizer.step()
print(f"loss = {loss.item():.4f}")
print("gradient on the chosen device:", model.weight.grad.device.type == device.type)

# %% [markdown]
# The data is generated on the CPU with a fixed seed and then moved, so a GPU gets the same numbers (a GPU has its own random number generator: `torch.randn(..., device="cuda")` would give different ones).
#
# **On a GPU**: the output is the same; only the computation happens on the GPU, and `loss.item()` copies one number back to the CPU. To find out which device a model is on, look at `next(model.parameters()).device`.

# %% [markdown]
# ## 4. Timing correctly
#
# ### 4.1 GPUs are asynchronous
#
# On a GPU, when Python calls `a @ b`, PyTorch only **puts the operation into the GPU's queue** (a CUDA stream) and returns immediately, so Python carries on; the GPU works through the queue in the background, in order. The CPU and the GPU can then be busy at the same time, which is one reason GPU programs run fast.
#
# The price: if you just read a clock before and after the call, you measure **the time it took to queue the operation** (a few microseconds), not the operation itself. Only if you call `torch.cuda.synchronize()` (wait until the queue is empty) before stopping the clock do you measure the real work.
#
# Operations on the CPU are synchronous, so you cannot see this effect there. Instead, we build a **toy "GPU queue"** with a thread: `launch()` hands the work to a background thread and returns at once; `synchronize()` waits until all work is done. In this respect a real CUDA stream behaves exactly the same.

# %%
import queue
import threading


class ToyStream:
    """A toy GPU stream: launch() queues work for a background thread and returns at once."""

    def __init__(self):
        self.jobs = queue.Queue()
        self.log = []  # (start, end) of every job, in time.perf_counter() seconds
        threading.Thread(target=self._worker, daemon=True).start()

    def _worker(self):
        while True:
            fn = self.jobs.get()
            start = time.perf_counter()
            fn()
            self.log.append((start, time.perf_counter()))
            self.jobs.task_done()

    def launch(self, fn):
        self.jobs.put(fn)

    def synchronize(self):
        self.jobs.join()


# %%
# NBVAL_IGNORE_OUTPUT
# Timings depend on the machine.
stream = ToyStream()
a = torch.randn(1024, 1024)
t0 = time.perf_counter()
launched = []
for _ in range(3):
    stream.launch(partial(torch.matmul, a, a))
    launched.append(time.perf_counter() - t0)
naive = time.perf_counter() - t0  # clock stopped without synchronize
stream.synchronize()
synced = time.perf_counter() - t0  # clock stopped once the queue is empty
print(f"clock stopped without synchronize: {format_seconds(naive)}")
print(f"clock stopped after synchronize:   {format_seconds(synced)}")

# %% [markdown]
# Here is that run as a timeline: the top row is what Python (the host CPU) did, the bottom row what the "device" did.

# %%
fig, ax = plt.subplots(figsize=(8, 2.6))
for i, end in enumerate(launched):
    ax.plot([end * 1e3] * 2, [0.75, 1.25], color="tab:blue", lw=2, label="launch returns" if i == 0 else None)
for i, (start, end) in enumerate(stream.log):
    ax.barh(0, (end - start) * 1e3, left=(start - t0) * 1e3, height=0.5, color="tab:orange", edgecolor="black",
            label="work on the device" if i == 0 else None)
ax.axvline(naive * 1e3, color="tab:red", ls="--", label="clock stopped without synchronize")
ax.axvline(synced * 1e3, color="tab:green", ls="--", label="clock stopped after synchronize")
ax.set_yticks([0, 1], ["device queue", "Python (host)"])
ax.set_ylim(-0.6, 1.6)
ax.set_xlabel("time since the first launch (ms)")
ax.set_title("Asynchronous launches: time the work, not the launch")
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=2, fontsize=8)
plt.show()

# %% [markdown]
# All three "launches" return almost instantly; the real work queues up behind them. Stop the clock without `synchronize` and you measure only the short stretch on the far left.
#
# Some operations **synchronize implicitly**, because they need a result from the GPU: `x.item()`, `x.cpu()`, `print(x)`, `x.tolist()`, `if (x > 0).any():`. That is why timing code without synchronize is sometimes right by accident, and why an innocent-looking `.item()` can slow a loop down: the CPU waits for the GPU at every step.
#
# ### 4.2 Warm-up
#
# The first run of an operation is often slower: memory has to be allocated, libraries initialised, algorithms chosen (and on a GPU the CUDA context created and kernels loaded). Below, the same matrix multiply runs 6 times in a row, each run timed on its own:

# %%
# NBVAL_IGNORE_OUTPUT
# Timings depend on the machine.
b = torch.randn(300, 300, device=device)
times = []
for _ in range(6):
    synchronize(device)
    start = time.perf_counter()
    b @ b
    synchronize(device)
    times.append(time.perf_counter() - start)
print([format_seconds(t) for t in times])

# %% [markdown]
# ### 4.3 `course_utils.timing.benchmark`
#
# Written as a function, these rules become `benchmark()` in `src/course_utils/timing.py` (open it: it is a few dozen lines):
#
# ```python
# for _ in range(warmup):        # 1. warm up, untimed
#     fn()
# for _ in range(repeats):
#     synchronize(device)        # 2. wait for work queued earlier
#     start = clock()
#     fn()
#     synchronize(device)        # 3. wait for this call's work
#     times.append(clock() - start)
# ```
#
# `synchronize(device)` calls `torch.cuda.synchronize` on CUDA, `torch.mps.synchronize` on MPS, and does nothing on the CPU. `benchmark()` returns every time and reports the **median**: one run slowed down by another program does not move the median.
#
# Compare a quick-and-dirty timing with `benchmark()`:

# %%
# NBVAL_IGNORE_OUTPUT
# Timings depend on the machine.
a = torch.randn(1024, 1024, device=device)
start = time.perf_counter()
c = a @ a
naive = time.perf_counter() - start
result = benchmark(partial(torch.matmul, a, a), device=device, warmup=3, repeats=10)
print("naive, first call:", format_seconds(naive))
print("benchmark():      ", result)
print(f"naive / median = {naive / result.median:.1f}x")

# %% [markdown]
# The last line is the ratio between the two on this machine. Do not expect it to be 1: the quick timing measures a single call, includes the first call's one-off costs (allocating memory, starting threads, cold caches), and one hiccup from another program is enough to move it; on another run or another machine it can land anywhere from about equal to several times slower. The median of warmed-up runs is the number to report. **On a GPU**, the quick timing is wrong the other way: it measures only the launch and badly underestimates.
#
# ### 4.4 How fast is a matrix multiply: GFLOP/s
#
# Multiplying two n×n matrices gives n² results, each a dot product of length n: n multiplications and n additions. That is **2·n³ floating-point operations** (FLOP) in total. Divide by the seconds and by 10⁹ and you get **GFLOP/s**.
#
# Let's measure a few sizes in two dtypes. On a GPU we use larger matrices: small ones cannot keep thousands of cores busy.

# %%
# NBVAL_IGNORE_OUTPUT
# Timings and GFLOP/s depend on the machine.
sizes = [256, 512, 1024, 2048, 4096] if device.type == "cuda" else [64, 128, 256, 512, 1024]
dtypes = [torch.float32, torch.bfloat16]
rates = {dtype: [] for dtype in dtypes}
for dtype in dtypes:
    for n in sizes:
        a = torch.randn(n, n, device=device, dtype=dtype)
        b = torch.randn(n, n, device=device, dtype=dtype)
        result = benchmark(partial(torch.matmul, a, b), device=device, warmup=2, repeats=5)
        rates[dtype].append(2 * n**3 / result.median / 1e9)  # FLOP per second, in units of 10⁹
        print(f"{str(dtype):15} n={n:5}  {format_seconds(result.median):>10}  {rates[dtype][-1]:9.1f} GFLOP/s")

# %%
fig, ax = plt.subplots()
for dtype, values in rates.items():
    ax.plot(sizes, values, marker="o", label=str(dtype))
ax.set_xscale("log", base=2)
ax.set_xticks(sizes, [str(n) for n in sizes])
ax.set_xlabel("matrix size n (n x n @ n x n)")
ax.set_ylabel("GFLOP/s (2 n^3 / seconds / 1e9)")
ax.set_title(f"Matrix multiply throughput on {device.type}")
ax.legend()
plt.show()

# %% [markdown]
# Small matrices reach few GFLOP/s: there is too little arithmetic, and the fixed cost of each call dominates. As the matrices grow, the throughput approaches what the hardware can do. Whether `bfloat16` is faster depends on the hardware: some CPUs have dedicated bfloat16 instructions, others don't.
#
# **On a GPU**: the numbers are orders of magnitude larger (an H100 multiplies float32 matrices at tens of TFLOP/s, and bfloat16/float16 on its Tensor Cores are many times faster still), and the `synchronize` inside `benchmark()` is indispensable there.

# %% [markdown]
# ## 5. Memory
#
# ### 5.1 How many bytes does a tensor take?
#
# A tensor's data takes `element_size() * nelement()` bytes (also available as `t.nbytes`): bytes per element times the number of elements. This does not depend on the device, and you can compute it on the `meta` device without allocating anything.

# %%
# NBVAL_CHECK_OUTPUT
for dtype in [torch.float64, torch.float32, torch.float16, torch.bfloat16, torch.int64, torch.uint8, torch.bool]:
    t = torch.empty(1000, 1000, dtype=dtype, device="meta")
    print(f"{str(dtype):15} {t.element_size()} bytes/element -> {t.element_size() * t.nelement() / 1e6:4.1f} MB")

# %% [markdown]
# The same goes for a model: add up the bytes of all its parameters. `with torch.device("meta"):` makes every tensor created inside the block default to `meta`, so you can "build" a model just to measure it (`torch.set_default_device` is the global version of this).
#
# Training needs much more than the parameters: with Adam, every parameter also has a gradient and two optimizer states, so in float32 you need at least 4 times the parameter memory, before counting the activations.

# %%
# NBVAL_CHECK_OUTPUT
with torch.device("meta"):
    big = nn.Sequential(nn.Linear(1024, 4096), nn.ReLU(), nn.Linear(4096, 1024))
n_params = sum(p.nelement() for p in big.parameters())
param_bytes = sum(p.element_size() * p.nelement() for p in big.parameters())
print(f"parameters: {n_params:,} -> {param_bytes / 2**20:.1f} MiB in float32")
print(f"training with Adam: at least {4 * param_bytes / 2**20:.1f} MiB (weights + gradients + 2 Adam states), plus activations")

# %% [markdown]
# ### 5.2 Querying device memory
#
# CUDA memory goes through a caching allocator: memory you free stays with PyTorch and is reused by the next allocation. That is why there are several numbers:
#
# | function | meaning |
# | --- | --- |
# | `torch.cuda.memory_allocated()` | memory taken by tensors right now |
# | `torch.cuda.max_memory_allocated()` | the peak (reset with `torch.cuda.reset_peak_memory_stats()`) |
# | `torch.cuda.memory_reserved()` | everything the caching allocator got from the driver (≥ allocated) |
# | `torch.cuda.mem_get_info()` | (free, total) of the whole GPU, including what other processes use |
#
# `torch.cuda.empty_cache()` returns unused cached blocks to the driver (so other processes can use them), but it does not give your own program more usable memory. On MPS there is `torch.mps.current_allocated_memory()`. On the CPU PyTorch keeps no memory statistics: count the bytes yourself with `element_size() * nelement()`, or use the operating system's tools.
#
# The function below can be called for any device; on the CPU it returns an explanation instead of failing:

# %%
def memory_summary(device):
    """The device's memory as one line of text; CUDA and MPS keep statistics, the CPU does not."""
    device = torch.device(device)
    mib = 2**20
    if device.type == "cuda":
        free, total = torch.cuda.mem_get_info(device)
        return (f"allocated {torch.cuda.memory_allocated(device) / mib:.1f} MiB, "
                f"peak {torch.cuda.max_memory_allocated(device) / mib:.1f} MiB, "
                f"reserved {torch.cuda.memory_reserved(device) / mib:.1f} MiB, "
                f"GPU free {free / 2**30:.1f} of {total / 2**30:.1f} GiB")
    if device.type == "mps":
        return (f"allocated {torch.mps.current_allocated_memory() / mib:.1f} MiB, "
                f"driver {torch.mps.driver_allocated_memory() / mib:.1f} MiB")
    return f"{device.type}: PyTorch keeps no memory statistics here; count bytes with element_size() * nelement()"


# %%
# NBVAL_IGNORE_OUTPUT
# Memory numbers depend on the machine.
print("before:   ", memory_summary(device))
block = torch.empty(16, 2**20, device=device)  # 16 Mi float32 values = 64 MiB
print(f"tensor:    {block.element_size() * block.nelement() / 2**20:.0f} MiB")
print("with it:  ", memory_summary(device))
del block
print("after del:", memory_summary(device))

# %% [markdown]
# **On a GPU**: `allocated` grows by 64 MiB and drops back after `del`, while `reserved` stays the same: the block waits in the cache to be reused. When memory runs out you get `torch.OutOfMemoryError: CUDA out of memory`; the usual remedies are a smaller batch, mixed precision (section 7), and `torch.no_grad()` during evaluation so that no activations are kept.

# %% [markdown]
# ## 6. Pinned memory and `non_blocking=True`
#
# A copy from main memory to the GPU is done by the GPU's DMA engine, which reads main memory directly. Ordinary memory is **pageable**: the operating system may swap it out or move it at any time, so the driver first copies the data into a **pinned** (page-locked) buffer and sends it to the GPU from there: one extra copy, and the CPU has to wait for it.
#
# * `x.pin_memory()` returns a copy in pinned memory, and `x.is_pinned()` tells you whether a tensor is pinned;
# * from pinned memory, `x.to("cuda", non_blocking=True)` can copy **asynchronously**: the call returns at once, and the copy overlaps with computation on the GPU and with the CPU preparing the next batch;
# * `DataLoader(..., pin_memory=True)` makes the loader put every batch into pinned memory.
#
# Pinned memory is allocated through the accelerator's driver. This machine has no GPU; let's see what happens:

# %%
# NBVAL_CHECK_OUTPUT
host_batch = torch.randn(256, 1024)
print("an ordinary CPU tensor is pinned:", host_batch.is_pinned())

# %%
# NBVAL_IGNORE_OUTPUT
# pin_memory() needs an accelerator's driver: works with a GPU, else the error depends on the machine.
try:
    pinned = host_batch.pin_memory()
    print("pinned copy is pinned:", pinned.is_pinned())
except RuntimeError as err:
    print("pin_memory() failed:", err)

# %% [markdown]
# Without a GPU, `pin_memory()` raises an error, because pinned memory is requested from the GPU driver; `DataLoader(pin_memory=True)` instead prints a warning and carries on without pinning. The device-agnostic way is therefore to turn pinning on only for CUDA. `non_blocking=True` does no harm on the CPU (moving to the same device does nothing), so you can leave it in.

# %%
# NBVAL_CHECK_OUTPUT
from torch.utils.data import DataLoader, TensorDataset

dataset = TensorDataset(torch.randn(64, 10), torch.randint(0, 2, (64,)))
loader = DataLoader(dataset, batch_size=16, pin_memory=device.type == "cuda")
for xb, yb in loader:
    xb = xb.to(device, non_blocking=True)
    yb = yb.to(device, non_blocking=True)
print("last batch:", tuple(xb.shape), tuple(yb.shape), "| on the chosen device:", xb.device.type == device.type)

# %% [markdown]
# One direction needs care: when copying **back** from the GPU to the CPU with `non_blocking=True`, the data may not have arrived when the call returns, so you must `synchronize` before reading it. Use it only for host → GPU copies and you cannot go wrong.
#
# The next cell only does real work on CUDA: it uses `benchmark()` to compare copying 256 MiB to the GPU from pageable and from pinned memory.

# %%
# NBVAL_IGNORE_OUTPUT
# Runs on CUDA only; bandwidth depends on the machine.
if device.type == "cuda":
    pageable = torch.randn(64, 2**20)  # 256 MiB
    for name, source in [("pageable", pageable), ("pinned", pageable.pin_memory())]:
        result = benchmark(partial(source.to, device, non_blocking=True), device=device, warmup=2, repeats=5)
        print(f"{name:8} host -> GPU: {source.nbytes / result.median / 1e9:5.1f} GB/s")
else:
    print(f"skipped on {device.type}: copying host memory to a GPU needs a CUDA device")

# %% [markdown]
# **On a GPU**: copies from pinned memory are usually clearly faster, and `non_blocking=True` lets copies overlap with computation. But more pinned memory is not always better: it cannot be swapped out, and pinning too much squeezes the memory of the whole machine.

# %% [markdown]
# ## 7. Mixed precision
#
# ### 7.1 Three floating-point types
#
# The default `float32` takes 4 bytes per number. The two 16-bit types make different trade-offs: `float16` is more precise but has a **narrow range** (its maximum is 65504, and very small numbers become 0); `bfloat16` has the same range as `float32` but less precision (only 8 significant bits, about 2 to 3 decimal digits).

# %%
# NBVAL_CHECK_OUTPUT
for dtype in [torch.float32, torch.float16, torch.bfloat16]:
    info = torch.finfo(dtype)
    print(f"{str(dtype):15} bits={info.bits}  max={info.max:.3g}  smallest normal={info.tiny:.3g}  eps={info.eps:.3g}")

# %% [markdown]
# Convert many numbers between 1e-10 and 1e6 to each type and plot the worst relative rounding error: the flat part of a curve is the type's precision (about half its eps), and where a curve rises to 1 the type cannot represent the numbers at all (too small becomes 0, too large becomes inf; both are drawn as a relative error of 1). Below 6e-5, `float16` first enters its "subnormal" range, where precision degrades gradually, and further down everything becomes 0.

# %%
values = torch.logspace(-10, 6, 32000, dtype=torch.float64)
fig, ax = plt.subplots(figsize=(7, 4))
for dtype in [torch.float32, torch.bfloat16, torch.float16]:
    rounded = values.to(dtype).to(torch.float64)
    error = ((rounded - values).abs() / values).nan_to_num(posinf=1.0)
    worst = error.reshape(-1, 100).amax(dim=1).clamp(1e-10, 1.0)  # the largest error of every 100 neighbouring values
    ax.loglog(values.reshape(-1, 100)[:, 50], worst, label=str(dtype))
ax.axvline(65504, color="gray", ls=":")
ax.text(65504, 1e-5, "float16 max ", fontsize=8, ha="right")
ax.set_xlabel("value")
ax.set_ylabel("worst relative rounding error")
ax.set_title("Range and precision of float32, bfloat16 and float16")
ax.legend(loc="center left")
plt.show()

# %% [markdown]
# Gradients in training are often tiny. Converted to `float16`, `1e-9` below becomes 0 and `1e5` becomes inf; `bfloat16` can represent all of them, just not very precisely:

# %%
# NBVAL_CHECK_OUTPUT
grads = torch.tensor([1e-3, 1e-5, 1e-7, 1e-9, 1e5])
for dtype in [torch.float16, torch.bfloat16]:
    print(f"{str(dtype):15}", [f"{v:.3g}" for v in grads.to(dtype).float().tolist()])

# %% [markdown]
# ### 7.2 `torch.autocast`
#
# **Mixed precision** does not turn the whole model into 16 bits. The parameters stay `float32`; only inside a `torch.autocast` block do operations such as matrix multiplies and convolutions, which are plentiful and tolerate rounding, run in 16 bits, while error-sensitive operations such as loss functions stay in `float32`. Which operation runs in which type is a list PyTorch keeps per device (the *Autocast Op Reference* in the documentation), and the CPU and CUDA lists are not identical.
#
# On the CPU we use `bfloat16` (autocast's default type on the CPU):

# %%
# NBVAL_CHECK_OUTPUT
layer = nn.Linear(8, 4)
a = torch.randn(16, 8)
with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
    h = layer(a)
    product = a @ a.T
    total = a + a
    loss = nn.functional.mse_loss(h, torch.zeros_like(h))
print("inside autocast:  linear", h.dtype, "| matmul", product.dtype, "| add", total.dtype, "| mse_loss", loss.dtype)
print("weights stay:    ", layer.weight.dtype)
print("outside autocast: matmul", (a @ a.T).dtype)

# %% [markdown]
# `add` is not on the list, so it keeps the type of its inputs (`float32`); `mse_loss` is explicitly listed to run in `float32`.
#
# ### 7.3 A device-agnostic mixed-precision training loop
#
# On CUDA the classic combination is `float16` with a **`GradScaler`**: it multiplies the loss by a large factor (65536 at the start) before the backward pass, so that small gradients do not become 0 in `float16`; `scaler.step()` divides the gradients back before the update and skips the step if it finds inf or NaN; `scaler.update()` then adjusts the factor (lowering it after an overflow). `bfloat16` has the range of `float32` and needs no scaling.
#
# The loop below works in both cases: with `GradScaler(enabled=False)`, `scale()`, `step()` and `update()` change nothing and simply call the optimizer.

# %%
def train_regression(use_amp, steps=80):
    """Train a small MLP on a fixed regression problem; return the loss of every step."""
    torch.manual_seed(0)
    inputs = torch.randn(512, 16)
    targets = inputs @ torch.randn(16, 1) + 0.1 * torch.randn(512, 1)
    inputs, targets = inputs.to(device), targets.to(device)
    model = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 1)).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    amp_dtype = torch.float16 if device.type == "cuda" else torch.bfloat16
    scaler = torch.amp.GradScaler(device.type, enabled=use_amp and amp_dtype == torch.float16)
    losses = []
    for _ in range(steps):
        with torch.autocast(device_type=device.type, dtype=amp_dtype, enabled=use_amp):
            outputs = model(inputs)
            loss = nn.functional.mse_loss(outputs, targets)
        optimizer.zero_grad()
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        losses.append(loss.item())
    print(f"use_amp={use_amp!s:5}  outputs {outputs.dtype}, loss {loss.dtype}, gradients {model[0].weight.grad.dtype}")
    return losses


full = train_regression(use_amp=False)
mixed = train_regression(use_amp=True)
print(f"final loss: float32 {full[-1]:.2f}, mixed precision {mixed[-1]:.2f}")

# %%
fig, ax = plt.subplots()
ax.plot(full, label="float32")
ax.plot(mixed, label="autocast (mixed precision)", ls="--")
ax.set_yscale("log")
ax.set_xlabel("step")
ax.set_ylabel("MSE loss")
ax.set_title(f"Mixed precision follows the float32 curve ({device.type})")
ax.legend()
plt.show()

# %% [markdown]
# The two curves almost coincide, and the gradients are always `float32`, because the parameters are `float32`.
#
# **On a GPU**: `amp_dtype` is `float16`, the `GradScaler` is enabled, and the first output line shows `torch.float16`. Mixed precision is usually much faster on a GPU (Tensor Cores) and also reduces the memory taken by activations. Ampere GPUs (RTX 30 series, A100) and newer support `bfloat16` in hardware (`torch.cuda.is_bf16_supported(including_emulation=False)` returns `True`), and with it you need no `GradScaler`; older GPUs (such as the T4 or V100) have no bfloat16 hardware and use `float16`.
#
# ### 7.4 TF32
#
# Ampere and newer NVIDIA GPUs offer one more compromise: **TF32** multiplies matrices with the range of `float32` but a mantissa of about 10 bits, while the tensors in your code stay `float32`. PyTorch does **not** enable it for matrix multiplies by default, but does for cuDNN convolutions:

# %%
# NBVAL_CHECK_OUTPUT
print("float32 matmul precision:", torch.get_float32_matmul_precision())
print("TF32 for CUDA matmuls:   ", torch.backends.cuda.matmul.allow_tf32)
print("TF32 for cuDNN convs:    ", torch.backends.cudnn.allow_tf32)

# %% [markdown]
# To speed up `float32` matrix multiplies with TF32, put `torch.set_float32_matmul_precision("high")` at the start of your program (the older spelling is `torch.backends.cuda.matmul.allow_tf32 = True`). According to its documentation, this setting currently affects only matrix multiplies on CUDA; on the CPU it has no effect.

# %% [markdown]
# ## Summary
#
# * Choose `device = get_device()` once at the top, then only write `device=device` and `.to(device)`, never `.cuda()`: the same code runs on the CPU, CUDA and MPS.
# * `Tensor.to()` returns a new tensor (assign it), `Module.to()` works in place; move the model first, then create the optimizer.
# * The model and the data must be on the same device, or you get "Expected all tensors to be on the same device".
# * GPUs are asynchronous: when timing, **warm up** and **synchronize** before starting and before stopping the clock; `course_utils.timing.benchmark()` does all of it for you. An n×n matrix multiply is 2·n³ floating-point operations.
# * A tensor takes `element_size() * nelement()` bytes; query GPU memory with `torch.cuda.memory_allocated()` and friends; the CPU keeps no such statistics.
# * Pinned memory plus `non_blocking=True` overlaps data transfers with computation; turn it on only for CUDA.
# * Mixed precision: `torch.autocast`, with `float16` + `GradScaler` on CUDA and `bfloat16` on the CPU; enable TF32 with `torch.set_float32_matmul_precision("high")`.
#
# Now open `exercises/en/04_gpu.ipynb` and do the exercises.

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **Next:** [the exercises of this chapter: 04_gpu](../../exercises/en/04_gpu.ipynb) · [the next chapter: 05_autograd](05_autograd.ipynb)
