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
# # 15 · 性能分析：`torch.profiler`
#
# 代码慢，先别猜，**先测量**。`torch.profiler` 记录程序运行时调用的每一个算子：花了多少时间、调用了多少次、分配了多少内存，在 GPU 上还有每个 CUDA 核函数。本章：
#
# 1. 分析一个训练步，读懂 `key_averages()` 表格：**自身时间**（self）和**总时间**（total）；
# 2. 用 `record_function` 给代码块贴标签，按输入形状分组；
# 3. 分析内存；
# 4. 用 `schedule` 只记录训练中的几步；
# 5. 导出 Chrome/Perfetto 轨迹，看时间线；TensorBoard 今天还能做什么；
# 6. **找到并修好一个真实的瓶颈**；
# 7. 计时的陷阱：预热、分析器自身的开销、GPU 的异步执行。
#
# 关于输出：表格里的**时间**取决于机器和它当时忙不忙，你看到的数字一定和这里存下的不同（自动测试也不比较这些单元格）。**哪些算子被调用、各调用几次**却是确定的，本章把这些事实单独打印出来。

# %%
from course_utils import setup_notebook

setup_notebook()

# %% [markdown]
# ## 1. 准备：设备、模型和一个训练步
#
# `profile(activities=...)` 说明要记录什么：`ProfilerActivity.CPU` 记录 CPU 上的算子；有 GPU 时再加上 `ProfilerActivity.CUDA`，记录 GPU 上的核函数。下面的代码在两种机器上走同一条路。
#
# 两行“环境设置”需要解释：
#
# * `quiet_profiler()`（在 `course_utils/profiling.py` 里，读一读它的说明）关掉分析器在 torch 2.11 里打印的两条无害信息；
# * `torch.set_num_threads(1)`：本章分析的是很小的模型。多线程时，每个小算子都要唤醒、等待线程池里的线程，在一台繁忙的机器上，这部分开销会比计算本身大几十倍，而且每次都不一样。只用一个线程，表格里看到的才是模型本身。（好奇的话，删掉这一行再运行，比较一下表格。）

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
# 模型是一个小卷积网络，数据是第 09 章的手写数字（8×8 灰度图，scikit-learn 自带，无需下载）。训练步里用 `record_function("名字")` 给三段代码贴上标签，它们会作为单独的行出现在表格里：

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
# ## 2. 第一次分析：`key_averages()` 表格
#
# 把要分析的代码放进 `with profile(...)`。先不经分析器运行一次**预热**：第一次调用要付一次性的代价（分配内存、初始化库），它不代表之后的每一步（第 8 节细说）。`record_shapes=True` 让分析器同时记下每个算子输入的形状。

# %%
train_step(x, y)  # warm-up, outside the profiler

with profile(activities=activities, record_shapes=True) as prof:
    for _ in range(3):
        train_step(x, y)

# %% [markdown]
# `prof.key_averages()` 把同名事件合并成一行，`.table()` 把它排版成表格。`sort_by="cpu_time_total"` 按**总时间**排序，`row_limit` 只显示前几行：

# %%
# NBVAL_IGNORE_OUTPUT
# times depend on the machine and its load
print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=12))

# %% [markdown]
# 各列的意思：
#
# | 列 | 含义 |
# | --- | --- |
# | `Self CPU` | 这个事件**自己**花的时间，不含它调用的子算子 |
# | `CPU total` | 从进入到返回的全部时间，**含**所有子算子 |
# | `CPU time avg` | `CPU total` ÷ 调用次数 |
# | `# of Calls` | 调用次数 |
# | `Self CPU %`、`CPU total %` | 占整个分析区间的比例 |
#
# 算子是嵌套的：`aten::linear` 自己几乎什么也不算，它调用 `aten::t`（转置权重）和 `aten::addmm`（真正的矩阵乘加）。看一次调用的子事件：

# %%
linear = next(e for e in prof.events() if e.name == "aten::linear")
print("aten::linear calls:", [child.name for child in linear.cpu_children])

# %%
# NBVAL_IGNORE_OUTPUT
# times depend on the machine
children = sum(child.cpu_time_total for child in linear.cpu_children)
print(f"total {linear.cpu_time_total:8.1f} us = self {linear.self_cpu_time_total:8.1f} us + children {children:8.1f} us")

# %% [markdown]
# 所以**按总时间排序**，排在最前面的总是外层的东西：你的标签、`aten::linear` 这类“包装”算子。它告诉你**哪一段代码**慢。要找**哪个算子真正在干活**，按**自身时间**排序：

# %%
# NBVAL_IGNORE_OUTPUT
# times depend on the machine and its load
print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=10))

# %% [markdown]
# 表格里的时间每次都变，但调用次数不变。`course_utils.profiling` 里的 `labels(prof)` 和 `op_counts(prof)` 只取这些确定的事实（三步训练，所以每个标签 3 次）：

# %%
print("labels:")
for name, count in labels(prof).items():
    print(f"  {name:40} {count}")
counts = op_counts(prof)
print(f"{len(counts)} different aten ops, {sum(counts.values())} calls; the most frequent:")
for name, count in sorted(counts.items(), key=lambda kv: -kv[1])[:6]:
    print(f"  {name:40} {count}")

# %% [markdown]
# 调用最多的是 `aten::t`、`aten::transpose`、`aten::as_strided` 这类只改“视图”、几乎不花时间的算子：调用次数多不等于慢，要和时间一起看。
#
# 除了我们的三个标签，PyTorch 自己也贴了标签：`Optimizer.step#SGD.step`、`Optimizer.zero_grad#SGD.zero_grad`。用 `DataLoader` 时还会出现 `enumerate(DataLoader)#_SingleProcessDataLoaderIter.__next__`：取数据的时间都记在它名下，数据加载是不是瓶颈，一看便知。
#
# ### 按输入形状分组
#
# 同一个算子在不同形状上的开销可能差很多。`record_shapes=True` 记下了形状，`key_averages(group_by_input_shape=True)` 按（名字，形状）分组，表格多出 `Input Shapes` 一列：

# %%
# NBVAL_IGNORE_OUTPUT
# times depend on the machine and its load
print(prof.key_averages(group_by_input_shape=True).table(sort_by="cpu_time_total", row_limit=8))

# %%
for e in prof.key_averages(group_by_input_shape=True):
    if e.key in ("aten::convolution", "aten::addmm"):
        print(f"{e.key:18} x{e.count}  inputs {e.input_shapes}")

# %% [markdown]
# `aten::addmm` 的输入是偏置 `[10]`、展平后的激活 `[128, 256]` 和转置后的权重 `[256, 10]`。
#
# 还有两个常用选项：`with_stack=True` 记下每个算子是从哪一行 Python 代码调用的（`key_averages(group_by_stack_n=5)` 按调用栈分组），`with_flops=True` 估算矩阵乘法和卷积的浮点运算次数。它们都会让分析变慢，需要时再打开。

# %% [markdown]
# ## 3. 内存
#
# `profile_memory=True` 记录每次内存分配和释放。表格多出两列：`CPU Mem`（含子算子）和 `Self CPU Mem`（只算自己）。**负数**表示这个事件释放的比分配的多。按 `self_cpu_memory_usage` 排序，找出分配内存最多的算子；张量在 GPU 上时，看 `CUDA Mem` 列，按 `self_cuda_memory_usage` 排序。
#
# 分析器只能跟踪它启动**之后**分配的内存。如果一块更早分配的内存在分析期间被释放（比如上一步留下的梯度被 `zero_grad()` 释放），PyTorch 会打印一条警告 "Memory block of unknown size was allocated before the profiling started"。所以我们在分析之前先调用 `zero_grad()`：

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
# 内存数字本身是确定的（分配多少字节由张量形状决定）。只打印内存：

# %%
rows = sorted(prof_mem.key_averages(), key=lambda e: -e.self_cpu_memory_usage)[:5]
for e in rows:
    print(f"{e.key:28} self {e.self_cpu_memory_usage / 1024:9.1f} KiB   total {e.cpu_memory_usage / 1024:9.1f} KiB")

# %% [markdown]
# 分配内存的多半是 `aten::empty` 一类的底层算子：`aten::convolution` 这样的高层算子请它们分配输出，内存就记在它们的“自身”名下。想知道**哪段代码**占内存，看 `CPU Mem`（总数）一列里你的标签。
#
# 表格只给每个算子的总和，看不出内存**随时间**怎么变。分析器把每次分配和释放作为 `[memory]` 事件写进轨迹文件（第 5 节细讲这个文件），事件的 `Bytes` 字段分配为正、释放为负，累加起来就是这段代码在每个时刻占用的内存。画图时横轴用事件的序号而不是时间：这样图只取决于分配的顺序，和机器快慢无关。事件的个数在不同的 CPU 上可能不一样（为某种向量宽度写的内核可能要多申请一块临时缓冲区，换一种就不用），所以下面只打印峰值：它由张量形状决定。

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
# 前向时内存上升：每一层的输出都要留给反向传播用。反向时，梯度算完，这些激活就被释放了。这就是训练比推理（`torch.no_grad()`）占内存多得多的原因。
#
# 在 GPU 上还可以直接问 PyTorch 的缓存分配器：`torch.cuda.max_memory_allocated()` 给出峰值，`torch.cuda.memory_summary()` 给出一份详细报告，`torch.cuda.reset_peak_memory_stats()` 把峰值清零。

# %%
if torch.cuda.is_available():
    print(f"peak CUDA memory so far: {torch.cuda.max_memory_allocated() / 2**20:.1f} MiB")
    print(torch.cuda.memory_summary(abbreviated=True))
else:
    print("no CUDA device: torch.cuda.max_memory_allocated() and memory_summary() describe GPU memory only")

# %% [markdown]
# ## 4. 只记录几步：`schedule`
#
# 真正的训练有成千上万步，全部记录下来，文件会巨大，分析器的开销也会拖慢训练。`torch.profiler.schedule` 决定每一步做什么：
#
# * `wait`：不记录，先跳过几步；
# * `warmup`：分析器已经启动但丢弃结果（启动本身有开销，这几步的数字不可信）；
# * `active`：真正记录；
# * `repeat`：整个周期重复几次（`0` 表示一直重复到结束）。
#
# 训练循环每一步结束时调用 `prof.step()`，分析器才知道进入了下一步。每个 `active` 阶段结束时，分析器调用 `on_trace_ready(prof)`，把这一段的结果交给你。
#
# `schedule` 返回的其实就是一个函数：输入步号，输出这一步的动作。直接调用它看看：

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
# `RECORD_AND_SAVE` 是每个 `active` 阶段的最后一步：这一步结束时调用 `on_trace_ready`。分析器自动给每一步贴上标签 `ProfilerStep#N`（N 是步号）。注意 `key_averages()` 会把它们**合并**成一行 `ProfilerStep*`（单个事件 `p.events()` 的 `name` 也是这样），原来的名字保存在事件的 `trace_name` 里。下面的处理函数记下它被调用时的步号、事件里的步号和合并后那一行的次数：

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
# 两个周期，各记录两步（2、3 和 6、7），第 8、9 步不再记录。处理函数被调用时，`prof.step()` 已经把步号加到了下一步，所以 `step_num` 是 4 和 8。注意每个周期结束时分析器会**清空**之前的事件（所以处理函数每次只看到本周期的两步）；要跨周期累积，创建 `profile` 时传 `acc_events=True`。
#
# ## 5. 轨迹文件：Chrome / Perfetto
#
# 表格是汇总，**时间线**才能看出先后顺序、空隙和重叠。`prof.export_chrome_trace(路径)` 写出一个 JSON 文件（Chrome Trace Event 格式）。打开它：
#
# * 打开 <https://ui.perfetto.dev>，把文件拖进页面（文件只在你的浏览器里处理，不会上传）；
# * 或者在 Chrome 里打开 `chrome://tracing`，点 **Load**。
#
# 在查看器里，`W`/`S` 放大缩小，`A`/`D` 左右移动，点一个方块看它的详细信息（名字、时长、输入形状）。我们导出第 2 节的三个训练步：

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
# 文件就是普通的 JSON：每个事件有名字 `name`、类别 `cat`（`cpu_op` 是算子，`user_annotation` 是标签；GPU 上还有 `kernel`）、开始时间 `ts` 和时长 `dur`（微秒）。`course_utils.profiling.plot_trace` 用几十行 matplotlib 把它画成查看器里的样子：时间从左往右，嵌套的调用往下叠。

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
# 三步清楚可见，每步里依次是 `forward`、`backward`、`optimizer`。如果标签里有一段**什么算子也没有**的空白，那段时间花在了 Python 代码上，或者操作系统把 CPU 让给了别的程序（在繁忙的机器上很常见）：分析器只看得见算子。在 GPU 上，时间线下面还会多出 GPU stream 行：核函数在那里执行，和 CPU 上的算子**错开**，因为 CPU 只是把它们排进队列（第 8 节）。
#
# ## 6. TensorBoard：今天还能做什么
#
# 很多教程让你用 `on_trace_ready=torch.profiler.tensorboard_trace_handler(logdir)`，再装 TensorBoard 的 PyTorch Profiler 插件（`torch-tb-profiler`）查看。先说实话：
#
# * 这个插件**已被弃用，不再维护**：PyTorch 在 2023 年宣布弃用，它在 PyPI 上的最后一个版本是 2023 年 10 月的 0.4.3，之后源代码也从 `pytorch/kineto` 仓库里删除了。PyTorch 官方教程现在建议用 Perfetto 或 `chrome://tracing` 打开轨迹文件；
# * 它**没有**针对 TensorBoard 2.21（本课程锁定的版本）测试过，本课程**没有安装**它，也不需要它。
#
# `tensorboard_trace_handler` 本身仍然可用，它做的事很简单：每个 `active` 阶段结束时调用 `export_chrome_trace`，把文件写进 `logdir`，文件名是 `<worker_name>.<纳秒时间戳>.pt.trace.json`。这些文件同样可以拖进 Perfetto：

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
# TensorBoard 本身（2.21）照常工作，适合看**随训练变化的数字**。用 `torch.utils.tensorboard.SummaryWriter` 写标量，比如每一步的损失和分析器测得的步时：

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
# 读回来确认写进去了什么（TensorBoard 自己也是这样读的）：

# %%
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

acc = EventAccumulator(str(tb_dir))
acc.Reload()
for tag in sorted(acc.Tags()["scalars"]):
    print(f"{tag:16} steps {[s.step for s in acc.Scalars(tag)]}")

# %% [markdown]
# 在终端里（不是在笔记本里），从仓库的根目录运行下面的命令，再用浏览器打开它打印的地址（默认 <http://localhost:6006>），就能看到这两条曲线：
#
# ```bash
# tensorboard --logdir notebooks/zh/course_output/15_profiler/tensorboard
# ```
#
# 总结一下：**轨迹**用 Perfetto 看，**随时间变化的标量**用 TensorBoard 看。需要更深入的自动分析（GPU 空闲时间、通信与计算的重叠），PyTorch 推荐 Holistic Trace Analysis（HTA），它读的也是这些 `.pt.trace.json` 文件。

# %% [markdown]
# ## 7. 找到并修好一个瓶颈
#
# 一位同学觉得“逐个样本算损失最清楚”，写出了下面的损失函数。它是对的，但是很慢。假装我们还不知道为什么，让分析器告诉我们：

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
# 读这张表：
#
# * 时间几乎全在我们的标签里，但没有哪个算子特别慢：每次调用都只要几十微秒；
# * 问题在 `# of Calls` 一列：`aten::conv2d`、`aten::addmm` 各被调用了 128 次，也就是**每个样本一次**；
# * 标签自己的 `Self CPU` 很大：那是 Python 解释器执行循环的时间，不属于任何算子。
#
# 诊断：时间花在**调用次数**上，不在计算上。修法：把整批数据一次送进模型，让一个算子处理 128 个样本。

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
# 先核对确定的事实：结果相同（损失和每个参数的梯度），算子调用次数少了两个数量级。

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
# 再看时间。每个标签的 `CPU total` 就是这段代码的总耗时：

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
# 同样的思路适用于其他常见瓶颈：
#
# * **数据加载**：`enumerate(DataLoader)#...` 一行占了大半时间，说明模型在等数据。把逐样本的预处理提前做好（对整个张量一次完成），或者设置 `num_workers`（第 08 章）；
# * **CPU 和 GPU 之间来回搬数据**：表格里大量的 `aten::to`、`aten::copy_`，或 `aten::item`（每次都要等 GPU 算完）；
# * **小算子太多**：和上面一样，想办法向量化；或者用 `torch.compile`（第 13 章）把它们融合起来。

# %% [markdown]
# ## 8. 计时的陷阱
#
# **预热。** 第一次调用要付一次性的代价：分配内存、初始化库、（在 GPU 上）加载和选择核函数。所以前面每次分析之前都先运行一次，`schedule` 也有 `warmup` 阶段。对比一个新模型的第一次调用和之后的调用：

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
# **第一次 `profile()` 最慢。** torch 2.11 的分析器第一次启动时会导入 `torch._inductor`（只为读一个设置），在慢机器上要好几秒；本章第 2 节的第一次分析就付了这笔钱。同一个进程里之后的分析不再付。
#
# **分析器有开销。** 记录每个事件都要花时间，所以分析器下的代码更慢，尤其是小算子很多的代码（每个算子的固定开销占比大）。分析器适合比较**相对**的大小（哪个算子占大头、改动前后调用次数变了多少），要报告绝对速度，就关掉分析器，用第 04 章的 `course_utils.timing.benchmark` 测。
#
# **GPU 是异步的。** Python 调用一个 CUDA 算子时，算子只是被放进队列，函数立刻返回。`time.perf_counter()` 包住这个调用，量到的只是“排队”的时间；真正的计算发生在之后。两种正确的做法：
#
# * 停表之前调用 `torch.cuda.synchronize()`，等队列里的工作做完（第 04 章的 `benchmark` 就是这样做的）；
# * 用分析器加上 `ProfilerActivity.CUDA`：它从 GPU 那边记录每个核函数真正的开始和结束时间，表格里出现 `Self CUDA`、`CUDA total` 列，按 `sort_by="cuda_time_total"` 排序可以找出 GPU 上最慢的核函数。
#
# 下面的单元格只在有 GPU 时运行，演示不同步的计时错在哪里：

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
# ## 小结
#
# | 你想知道 | 用 |
# | --- | --- |
# | 哪段代码慢 | `record_function` 标签 + `sort_by="cpu_time_total"`（GPU 上 `"cuda_time_total"`） |
# | 哪个算子真正在干活 | `sort_by="self_cpu_time_total"` |
# | 同一个算子在哪种输入上慢 | `record_shapes=True` + `key_averages(group_by_input_shape=True)` |
# | 从哪行代码调用的 | `with_stack=True` + `key_averages(group_by_stack_n=5)` |
# | 谁分配了内存 | `profile_memory=True` + `sort_by="self_cpu_memory_usage"`；GPU 上另有 `torch.cuda.max_memory_allocated()` |
# | 只分析长训练中的几步 | `schedule(wait, warmup, active, repeat)` + `prof.step()` + `on_trace_ready` |
# | 看时间线 | `export_chrome_trace`，拖进 <https://ui.perfetto.dev> |
#
# 找瓶颈的套路：**预热 → 分析 → 看总时间找到慢的代码段 → 看自身时间和调用次数找原因 → 修改 → 再分析，核对结果不变**。表格里的时间会变，调用次数不会，把后者当作证据。

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **接下来：** [本章练习：15_profiler](../../exercises/zh/15_profiler.ipynb) · [下一章：16_onnx](16_onnx.ipynb)
