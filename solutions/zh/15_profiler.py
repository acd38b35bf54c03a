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
# # 15 · 练习：性能分析
#
# 把每个函数里的 `raise NotImplementedError(...)` 换成你的代码，然后运行它下面的 `check(...)`。`✅` 检查通过，`❌` 还不对（附提示），`⏳` 还没有完成。卡住了？完整答案在 `solutions/zh/15_profiler.ipynb`。
#
# 时间每次运行都不同，所以检查器比较的是：你的答案和**同一份**分析结果里的事实是否一致，以及算子调用了几次。

# %%
from course_utils import check, setup_notebook

setup_notebook()

import json

import torch
from torch.profiler import ProfilerActivity, profile, record_function, schedule

from course_utils.profiling import quiet_profiler

quiet_profiler()  # silences two harmless profiler messages (see chapter 15, section 1)

# %% [markdown]
# ## 15.1 最慢的算子
#
# 完成 `slowest_op(prof)`：`prof` 是一个已经结束的 `torch.profiler.profile`。返回**自身** CPU 时间（`self_cpu_time_total`）最大的那一行的名字（字符串，比如 `"aten::mm"`）。
#
# 检查器给你的分析结果里有一个 `record_function` 标签，它包住了所有代码。想一想：按总时间排序，排第一的会是谁？

# %%
# NBVAL_CHECK_OUTPUT
def slowest_op(prof):
    """Return the name of the row with the largest self CPU time."""
    ### BEGIN SOLUTION
    return max(prof.key_averages(), key=lambda e: e.self_cpu_time_total).key
    ### END SOLUTION


check("15.1", slowest_op)

# %% [markdown]
# ## 15.2 只记录第 3、4、8、9 步
#
# 完成 `make_schedule()`：返回一个 `torch.profiler.schedule(...)`，在从 0 开始编号的训练步里**恰好**记录第 3、4、8、9 步，并且每个记录阶段之前有**一个**预热步。
#
# 提示：可以像第 4 节那样，直接调用 `make_schedule()(step)` 看每一步的动作。

# %%
# NBVAL_CHECK_OUTPUT
def make_schedule():
    """Return a profiler schedule that records exactly steps 3, 4, 8 and 9, each phase after one warmup step."""
    ### BEGIN SOLUTION
    return schedule(wait=2, warmup=1, active=2, repeat=2)
    ### END SOLUTION


check("15.2", make_schedule)

# %% [markdown]
# ## 15.3 贴标签
#
# 完成 `profile_with_labels(model, x)`：在**一个** `profile` 里
#
# 1. 把 `x = (x - x.mean()) / x.std()` 放在标签 `"normalize"` 下；
# 2. 把 `model(x)` 放在标签 `"model"` 下；
#
# 然后返回分析器对象 `prof`。检查器会在表格里找这两个标签，并确认每个标签下面运行了该运行的算子。

# %%
# NBVAL_CHECK_OUTPUT
def profile_with_labels(model, x):
    """Profile the normalisation and the model under the labels 'normalize' and 'model'; return the profiler."""
    ### BEGIN SOLUTION
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        with record_function("normalize"):
            x = (x - x.mean()) / x.std()
        with record_function("model"):
            model(x)
    return prof
    ### END SOLUTION


check("15.3", profile_with_labels)

# %% [markdown]
# ## 15.4 把慢循环向量化
#
# 下面的 `slow_sq_dists(a, b)` 计算 `a` 的每一行和 `b` 的每一行之间的**距离平方**，结果 `out[i, j] = ((a[i] - b[j]) ** 2).sum()`，形状 `(len(a), len(b))`。它对每一对都调用好几个算子。先分析它，看看调用了多少次：

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
# 完成 `fast_sq_dists(a, b)`：结果相同，但不用 Python 循环。检查器比较结果，并分析你的函数：同样大小的输入，aten 算子调用要少于 60 次。

# %%
# NBVAL_CHECK_OUTPUT
def fast_sq_dists(a, b):
    """Squared distances between every row of a and every row of b, without a Python loop."""
    ### BEGIN SOLUTION
    return ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
    ### END SOLUTION


check("15.4", fast_sq_dists)

# %% [markdown]
# ## 15.5 内存峰值
#
# 完成 `peak_bytes(fn, trace_path)`：
#
# 1. 在 `profile(activities=[ProfilerActivity.CPU], profile_memory=True)` 里调用 `fn()`；
# 2. 用 `prof.export_chrome_trace(trace_path)` 导出轨迹，再用 `json` 读回来；
# 3. 取出所有名为 `"[memory]"` 的事件，按时间 `ts` 排序，累加它们的 `e["args"]["Bytes"]`（分配为正、释放为负）；
# 4. 返回累加过程中的**最大值**（字节数，整数）。
#
# 这就是 `fn` 运行期间同一时刻占用内存的峰值（第 3 节的内存曲线的最高点）。

# %%
# NBVAL_CHECK_OUTPUT
def peak_bytes(fn, trace_path):
    """Profile fn() with profile_memory=True and return the peak of the bytes it held at once."""
    ### BEGIN SOLUTION
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        fn()
    prof.export_chrome_trace(trace_path)
    with open(trace_path, encoding="utf-8") as f:
        events = json.load(f)["traceEvents"]
    held = peak = 0
    for e in sorted((e for e in events if e.get("name") == "[memory]"), key=lambda e: e["ts"]):
        held += e["args"]["Bytes"]
        peak = max(peak, held)
    return peak
    ### END SOLUTION


check("15.5", peak_bytes)

# %% [markdown]
# 五个 ✅？下一章把模型导出成 ONNX。
