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
# # 04 · Exercises: computing on the GPU
#
# Five exercises on chapter 04: device-agnostic code, GFLOP/s, timing correctly, the bytes of a tensor, and mixed-precision settings.
#
# Every check runs on a computer without a GPU: devices are checked with `cpu` and `meta` (a device with shapes but no data), and timing is checked against a **simulated asynchronous GPU**.
#
# * Replace `raise NotImplementedError(...)` in each function with your code, then run the `check(...)` cell below it.
# * `✅` checks passed, `❌` not yet (with a hint), `⏳` not done yet.
# * Stuck? The full solutions are in `solutions/en/04_gpu.ipynb`.

# %%
from course_utils import check, setup_notebook

setup_notebook()

# %%
import torch

# %% [markdown]
# ## 04.1 Run a model on any device
#
# Complete `run_on(model, batch, device)`: move the model and the batch to `device` and return the result of `model(batch)`. `device` may be a string (`"cpu"`, `"meta"`) or a `torch.device`.
#
# Hint: don't hard-code `.cuda()`, and remember that `Tensor.to()` returns a new tensor.

# %%
def run_on(model, batch, device):
    """Move model and batch to device and return model(batch)."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("04.1", run_on)

# %% [markdown]
# ## 04.2 GFLOP/s of a matrix multiply
#
# Complete `gflops(n, seconds)`: multiplying two n×n matrices took `seconds` seconds; return the throughput in GFLOP/s (10⁹ floating-point operations per second).
#
# Hint: every element of the result is a dot product of length n, and every multiply-add counts as two floating-point operations.

# %%
def gflops(n, seconds):
    """Throughput in GFLOP/s of one n x n @ n x n matrix multiply that took `seconds`."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("04.2", gflops)

# %% [markdown]
# ## 04.3 Time a function correctly
#
# Complete `time_it(fn, sync, clock, warmup=2, repeats=5)`. It returns a list: how many seconds each of `repeats` calls of `fn()` took.
#
# * `sync()` waits until the device has finished all queued work (in real use: `lambda: synchronize(device)`);
# * `clock()` returns the current time in seconds (in real use: `time.perf_counter`). Read the time only through this argument, never by calling `time.perf_counter` directly: the check passes in a simulated GPU and its clock.
#
# The rules are those of `benchmark()` in chapter 04: first `warmup` untimed calls; then `sync()` before and after every timed call.

# %%
def time_it(fn, sync, clock, warmup=2, repeats=5):
    """Call fn() warmup times, then return the seconds each of `repeats` timed calls took."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("04.3", time_it)

# %% [markdown]
# Once it passes, you can time a real matrix multiply like this: `time_it(lambda: a @ a, lambda: synchronize(device), time.perf_counter)` (`synchronize` comes from `course_utils.timing`).

# %% [markdown]
# ## 04.4 Bytes of a tensor
#
# Complete `tensor_bytes(shape, dtype)`: return how many bytes the data of a tensor with shape `shape` and dtype `dtype` takes. For example, `tensor_bytes((1000, 1000), torch.float32)` is `4000000`.
#
# Hint: there is no need to allocate memory: create the tensor on the `meta` device, or get the bytes per element from `torch.empty((), dtype=dtype).element_size()`.

# %%
def tensor_bytes(shape, dtype):
    """Bytes that the data of a tensor with this shape and dtype takes."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("04.4", tensor_bytes)

# %% [markdown]
# ## 04.5 Mixed-precision settings per device
#
# Complete `amp_settings(device)`: return a pair `(dtype, use_grad_scaler)` for `torch.autocast(device_type=..., dtype=dtype)` and `torch.amp.GradScaler(..., enabled=use_grad_scaler)`:
#
# * CUDA devices (`"cuda"`, `"cuda:1"`, `torch.device("cuda", 0)`, ...) and Apple's `"mps"`: `float16`, with a `GradScaler`;
# * the CPU: `bfloat16`, without a `GradScaler`.
#
# `device` may be a string or a `torch.device`.

# %%
def amp_settings(device):
    """Return (autocast dtype, whether to use a GradScaler) for a device."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("04.5", amp_settings)

# %% [markdown]
# In a training loop you use it like this (chapter 04, section 7.3):
#
# ```python
# amp_dtype, use_scaler = amp_settings(device)
# scaler = torch.amp.GradScaler(device.type, enabled=use_scaler)
# with torch.autocast(device_type=device.type, dtype=amp_dtype):
#     loss = loss_fn(model(inputs), targets)
# scaler.scale(loss).backward()
# scaler.step(optimizer)
# scaler.update()
# ```

# %% [markdown]
# Five ✅? Then you are ready for chapter 05 (autograd).
