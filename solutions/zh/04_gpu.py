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
# # 04 · 练习：在 GPU 上计算
#
# 五道题，练习第 04 章的内容：与设备无关的代码、GFLOP/s、正确计时、张量的字节数、混合精度的设置。
#
# 所有检查在没有 GPU 的电脑上也能运行：设备用 `cpu` 和 `meta`（只有形状、没有数据的设备）来检查，计时用一块**模拟的异步 GPU** 来检查。
#
# * 把函数里的 `raise NotImplementedError(...)` 换成你的代码，然后运行下面的 `check(...)` 单元格。
# * `✅` 检查通过，`❌` 还不对（附提示），`⏳` 还没有完成。
# * 卡住了？完整答案在 `solutions/zh/04_gpu.ipynb`。

# %%
from course_utils import check, setup_notebook

setup_notebook()

# %%
import torch

# %% [markdown]
# ## 04.1 在任意设备上运行模型
#
# 完成 `run_on(model, batch, device)`：把模型和数据搬到 `device` 上，返回 `model(batch)` 的结果。`device` 可能是字符串（`"cpu"`、`"meta"`），也可能是 `torch.device`。
#
# 提示：不要写死 `.cuda()`；记住 `Tensor.to()` 返回的是新张量。

# %%
def run_on(model, batch, device):
    """Move model and batch to device and return model(batch)."""
    ### BEGIN SOLUTION
    model = model.to(device)
    batch = batch.to(device)
    return model(batch)
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("04.1", run_on)

# %% [markdown]
# ## 04.2 矩阵乘法的 GFLOP/s
#
# 完成 `gflops(n, seconds)`：两个 n×n 矩阵相乘用了 `seconds` 秒，返回这次计算的吞吐量，单位是 GFLOP/s（每秒 10⁹ 次浮点运算）。
#
# 提示：结果的每个元素是一个长度为 n 的点积，每次乘加算两次浮点运算。

# %%
def gflops(n, seconds):
    """Throughput in GFLOP/s of one n x n @ n x n matrix multiply that took `seconds`."""
    ### BEGIN SOLUTION
    return 2 * n**3 / seconds / 1e9
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("04.2", gflops)

# %% [markdown]
# ## 04.3 正确地计时
#
# 完成 `time_it(fn, sync, clock, warmup=2, repeats=5)`，返回一个列表：`repeats` 次调用 `fn()` 各自用了多少秒。
#
# * `sync()` 等待设备完成所有排队的工作（实际使用时是 `lambda: synchronize(device)`）；
# * `clock()` 返回当前时间，单位是秒（实际使用时是 `time.perf_counter`）。请只用这个参数读时间，不要直接调用 `time.perf_counter`：检查会传入一块模拟的 GPU 和它的时钟。
#
# 规则和第 04 章的 `benchmark()` 一样：先不计时地预热 `warmup` 次；每次计时前后都要 `sync()`。

# %%
def time_it(fn, sync, clock, warmup=2, repeats=5):
    """Call fn() warmup times, then return the seconds each of `repeats` timed calls took."""
    ### BEGIN SOLUTION
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        sync()
        start = clock()
        fn()
        sync()
        times.append(clock() - start)
    return times
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("04.3", time_it)

# %% [markdown]
# 做对之后，可以这样量一次真正的矩阵乘法：`time_it(lambda: a @ a, lambda: synchronize(device), time.perf_counter)`（`synchronize` 来自 `course_utils.timing`）。

# %% [markdown]
# ## 04.4 张量占多少字节
#
# 完成 `tensor_bytes(shape, dtype)`：返回一个形状为 `shape`、类型为 `dtype` 的张量的数据占多少字节。例如 `tensor_bytes((1000, 1000), torch.float32)` 是 `4000000`。
#
# 提示：不必真的分配内存，在 `meta` 设备上创建张量，或者用 `torch.empty((), dtype=dtype).element_size()` 得到每个元素的字节数。

# %%
def tensor_bytes(shape, dtype):
    """Bytes that the data of a tensor with this shape and dtype takes."""
    ### BEGIN SOLUTION
    t = torch.empty(shape, dtype=dtype, device="meta")
    return t.element_size() * t.nelement()
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("04.4", tensor_bytes)

# %% [markdown]
# ## 04.5 按设备选择混合精度设置
#
# 完成 `amp_settings(device)`：返回一对值 `(dtype, use_grad_scaler)`，供 `torch.autocast(device_type=..., dtype=dtype)` 和 `torch.amp.GradScaler(..., enabled=use_grad_scaler)` 使用：
#
# * CUDA 设备（`"cuda"`、`"cuda:1"`、`torch.device("cuda", 0)` ……）和苹果的 `"mps"`：`float16`，需要 `GradScaler`；
# * CPU：`bfloat16`，不需要 `GradScaler`。
#
# `device` 可能是字符串，也可能是 `torch.device`。

# %%
def amp_settings(device):
    """Return (autocast dtype, whether to use a GradScaler) for a device."""
    ### BEGIN SOLUTION
    if torch.device(device).type == "cpu":
        return torch.bfloat16, False
    return torch.float16, True
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("04.5", amp_settings)

# %% [markdown]
# 在训练循环里这样用（第 04 章 7.3 节）：
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
# 五个 ✅？那就可以进入第 05 章（自动求导）了。
