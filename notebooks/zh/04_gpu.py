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
# # 04 · 在 GPU 上计算
#
# 种子教材里的“在 GPU 上计算”只有一个 `if torch.cuda.is_available(): x = x.cuda()`。这一章把它展开成日常要用的整套做法：
#
# 1. 这台机器有哪些设备：`torch.cuda.is_available()`、设备数量和名字，以及苹果芯片的 MPS；
# 2. 为什么写 `.to(device)` 而不是 `.cuda()`：**与设备无关的代码**；
# 3. 把模型和数据搬到同一个设备上，以及搬错时的报错；
# 4. **正确地计时**：预热、`synchronize`，并测一测矩阵乘法的 GFLOP/s；
# 5. 内存：一个张量占多少字节，显存怎么查；
# 6. 锁页内存（pinned memory）和 `non_blocking=True`；
# 7. 混合精度：`torch.autocast`、`GradScaler` 和 TF32。
#
# 这本笔记本在**没有 GPU 的电脑上也能完整运行**（课程的自动测试就在 CPU 上跑），在有 CUDA GPU 的机器上同样能正确运行。每一节都有一段“**在 GPU 上**”，说明换到 GPU 后哪里会不同。

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
# ## 1. 这台机器有哪些设备？
#
# PyTorch 把“张量存在哪里、在哪里计算”叫作**设备**（device）。CPU 永远存在；NVIDIA GPU 通过 CUDA 使用（AMD GPU 的 ROCm 版 PyTorch 也沿用 `cuda` 这个名字）；苹果芯片的 GPU 叫 `mps`。`torch.accelerator` 是较新的通用接口，不管加速器是哪一家的都能问。
#
# 下面的输出取决于运行它的机器，所以不参与自动比对。

# %%
# NBVAL_IGNORE_OUTPUT
# 有没有 GPU、GPU 叫什么、有多少显存，因机器而异
print("CUDA available:", torch.cuda.is_available())
print("CUDA devices:  ", torch.cuda.device_count())
for i in range(torch.cuda.device_count()):
    props = torch.cuda.get_device_properties(i)
    print(f"  cuda:{i}  {props.name}  {props.total_memory / 2**30:.1f} GiB  compute capability {props.major}.{props.minor}")
print("MPS available: ", torch.backends.mps.is_available())
print("accelerator:   ", torch.accelerator.current_accelerator(check_available=True))

# %% [markdown]
# 课程用 `course_utils.get_device()` 选设备：有 CUDA 就用 `cuda`，否则有 MPS 就用 `mps`，都没有就用 `cpu`。它只有几行，值得打开 `src/course_utils/device.py` 读一读。（课程的 GPU 测试会设置 `COURSE_REQUIRE_GPU=1`，这时没有 CUDA 就直接报错，而不是悄悄退回 CPU。）
#
# 这一章后面的代码都只用这个 `device` 变量，从不写死设备名。

# %%
device = get_device()
print("device:", device)

# %% [markdown]
# `torch.device` 就是“类型 + 编号”。`cuda` 不带编号时指当前 GPU（通常是 `cuda:0`）。还有一个特别的设备 `meta`：它只记录形状和数据类型，**不存数据、不占内存**，每台机器上都有。这一章会用它来演示“张量在哪个设备上”的规则，因为它在 CPU 和 GPU 机器上表现完全一样。

# %%
# NBVAL_CHECK_OUTPUT
for name in ["cpu", "cuda", "cuda:1", "mps", "meta"]:
    d = torch.device(name)
    print(f"{name!r:8} -> type={d.type!r:7} index={d.index}")

# %% [markdown]
# **在 GPU 上**：第一个单元格会列出每块 GPU 的名字、显存和计算能力（compute capability，比如 9.0 是 H100），`device` 会是 `cuda`。创建 `torch.device("cuda:1")` 这样的对象本身从不报错，只有真的往不存在的设备上放张量时才会报错。

# %% [markdown]
# ## 2. `.cuda()` 还是 `.to(device)`？
#
# 种子教材的写法是：
#
# ```python
# if torch.cuda.is_available():
#     x = x.cuda()
#     y = y.cuda()
# z = x + y
# ```
#
# 它能运行，但有三个问题：
#
# * 每个张量、每个模型都要记得写一遍 `if ... .cuda()`，漏掉一个，就会出现一半在 GPU、一半在 CPU 的情况（第 3 节的报错）；
# * `.cuda()` 只认 NVIDIA（和 ROCm）：苹果芯片的 GPU（`mps`）永远用不上；
# * 没有 `if` 保护的 `.cuda()` 在没有 CUDA 的机器上直接报错。看看在这台机器上会怎样：

# %%
# NBVAL_IGNORE_OUTPUT
# 有 CUDA 的机器上会成功；没有时报错，错误类型和信息因机器而异
try:
    print(torch.tensor([1, 2, 3]).cuda())
except (RuntimeError, AssertionError) as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown]
# **与设备无关的写法**：在开头选一次 `device`，之后所有张量和模型都用 `device=device` 创建，或用 `.to(device)` 搬过去。同一份代码在 CPU、CUDA、MPS 上都能运行。

# %%
# NBVAL_CHECK_OUTPUT
x = torch.tensor([1, 2, 3], device=device)  # 直接在目标设备上创建
y = torch.tensor([4, 5, 6]).to(device)  # 先在 CPU 上创建，再搬过去
z = x + y
print("z =", z.cpu())
print("z is on the chosen device:", z.device.type == device.type)

# %% [markdown]
# 这里打印的是 `z.cpu()`，所以每台机器上的输出都一样。在 GPU 上直接 `print(z)` 会显示 `tensor([5, 7, 9], device='cuda:0')`：张量总会告诉你它在哪个设备上。
#
# 关于 `Tensor.to()`，有三条规则要记住：
#
# 1. 它**返回一个新张量**，原来的张量不变，所以一定要写 `x = x.to(device)`；
# 2. 如果张量已经在目标设备上（并且类型也相同），它直接返回原来的张量，不复制；
# 3. 它可以同时改设备和数据类型。

# %%
# NBVAL_CHECK_OUTPUT
t = torch.ones(2, 3)
t.to("meta")  # 结果被丢掉了：t 本身没有动
print("t after t.to('meta'):", t.device)
t_meta = t.to("meta")
print("t_meta:", t_meta.device, tuple(t_meta.shape), t_meta.dtype)
print("already there -> same object:", t.to("cpu") is t)
print("device and dtype at once:", t.to("meta", torch.float16).dtype)

# %% [markdown]
# 直接在目标设备上创建张量，比“先在 CPU 上创建再搬”少一次复制。`*_like` 函数会继承原张量的形状、类型**和设备**。NumPy 只认识 CPU 内存，所以 GPU 上的张量要先 `.cpu()` 才能 `.numpy()`（否则会报 `TypeError: can't convert cuda:0 device type tensor to numpy`）。

# %%
# NBVAL_CHECK_OUTPUT
zeros = torch.zeros(2, 3, device=device)
noise = torch.randn_like(zeros)  # 和 zeros 一样：形状、类型、设备
ids = torch.arange(4, device=device)
print([tensor.device.type == device.type for tensor in (zeros, noise, ids)])
print(ids.cpu().numpy())

# %% [markdown]
# **在 GPU 上**：`.to(device)` 会真的把数据从内存复制到显存（经过 PCIe 或 NVLink），这是有代价的。训练时只搬一次模型，每个批次搬一次数据；不要在循环里来回搬。`x.cpu()`、`x.item()`、`print(x)` 都会把数据复制回 CPU，并且要等 GPU 算完（第 4 节）。

# %% [markdown]
# ## 3. 把模型和数据放到同一个设备上
#
# 模型的参数是张量，也有设备。`model.to(device)` 把所有参数和缓冲区搬过去。和张量不同，**模块的 `.to()` 是原地修改**，返回的就是模型自己，所以写不写 `model = ...` 都可以。

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
# 如果模型和数据不在同一个设备上，PyTorch 不会替你搬，而是报错。在 GPU 机器上最常见的是模型在 `cuda:0`、数据还在 `cpu`，报错以 `RuntimeError: Expected all tensors to be on the same device, but ...` 开头，后面写着两个设备的名字（不同版本的措辞略有不同）。
#
# 这台机器没有 GPU，但用 `meta` 设备可以得到同一类错误：模型留在 CPU 上，数据在 `meta` 上。

# %%
# NBVAL_CHECK_OUTPUT
cpu_model = nn.Linear(4, 2)  # 留在 CPU 上
meta_batch = torch.randn(8, 4, device="meta")  # 数据在另一个设备上
try:
    cpu_model(meta_batch)
except RuntimeError as err:
    print("RuntimeError:", err)

# %% [markdown]
# 修法永远是同一个：把两边搬到同一个设备上。读报错时找两个设备名，再往回找是哪个张量忘了 `.to(device)`。常见的漏网之鱼：在 `forward` 里新建的张量（用 `torch.zeros(..., device=x.device)`），以及只写了 `batch.to(device)` 而没有赋值。
#
# 还有一个顺序问题：**先搬模型，再创建优化器**。优化器记住的是参数对象本身；有些转换会用新的参数对象替换旧的，比如搬到 `meta`：

# %%
# NBVAL_CHECK_OUTPUT
model = nn.Linear(4, 2)
old_weight = model.weight
model.to("meta")
print("same Parameter object after .to('meta'):", model.weight is old_weight)

# %% [markdown]
# （CPU 到 CUDA 的搬运目前会保留原来的参数对象、只替换里面的数据，但养成"先 `.to(device)`，再建优化器"的习惯，就不必关心这些细节。）
#
# 把种子教材里的训练一步（`Linear` + `MSELoss` + `SGD`）改成与设备无关的写法，只需要给模型和数据各加一个 `.to(device)`：

# %%
torch.manual_seed(0)
model = nn.Linear(2, 1).to(device)  # 先搬模型……
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)  # ……再建优化器

x = torch.randn(2, 2).to(device)
y = torch.randn(2, 1).to(device)
loss = criterion(model(x), y)
optimizer.zero_grad()
loss.backward()
optimizer.step()
print(f"loss = {loss.item():.4f}")
print("gradient on the chosen device:", model.weight.grad.device.type == device.type)

# %% [markdown]
# 数据先在 CPU 上用固定的种子生成，再搬到设备上，所以在 GPU 上得到的是同样的数字（GPU 有自己的随机数生成器，直接 `torch.randn(..., device="cuda")` 会得到另一组数）。
#
# **在 GPU 上**：输出一样，只是计算发生在 GPU 上；`loss.item()` 把一个数复制回 CPU。想知道一个模型在哪个设备上，可以看 `next(model.parameters()).device`。

# %% [markdown]
# ## 4. 正确地计时
#
# ### 4.1 GPU 是异步的
#
# 在 GPU 上，Python 调用 `a @ b` 时，PyTorch 只是把这个运算**排进 GPU 的队列**（一个 CUDA stream），然后立刻返回，Python 接着往下执行；GPU 在后台按顺序完成队列里的工作。这样 CPU 和 GPU 可以同时忙，这是 GPU 程序跑得快的原因之一。
#
# 代价是：如果只在调用前后看表，量到的是**把运算排进队列的时间**（几微秒），而不是运算本身的时间。只有在停表之前调用 `torch.cuda.synchronize()`（等队列清空），量到的才是真正的工作。
#
# CPU 上的运算是同步的，看不到这个现象。所以我们用一个线程搭一个**玩具“GPU 队列”**：`launch()` 把工作交给后台线程，马上返回；`synchronize()` 等所有工作做完。在这一点上，真正的 CUDA stream 也是这样工作的。

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
# 计时结果因机器而异
stream = ToyStream()
a = torch.randn(1024, 1024)
t0 = time.perf_counter()
launched = []
for _ in range(3):
    stream.launch(partial(torch.matmul, a, a))
    launched.append(time.perf_counter() - t0)
naive = time.perf_counter() - t0  # 没有 synchronize 就停表
stream.synchronize()
synced = time.perf_counter() - t0  # 等队列清空再停表
print(f"clock stopped without synchronize: {format_seconds(naive)}")
print(f"clock stopped after synchronize:   {format_seconds(synced)}")

# %% [markdown]
# 把这次运行画成时间线：上面一行是 Python（CPU）在做什么，下面一行是“设备”在做什么。

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
# 三次“启动”几乎在一瞬间就返回了，真正的工作在后面排队执行。不 `synchronize` 就停表，量到的只是最左边那一小段。
#
# 有些操作会**隐式地同步**，因为它们需要 GPU 上的结果：`x.item()`、`x.cpu()`、`print(x)`、`x.tolist()`、`if (x > 0).any():`。所以有时“不加 synchronize 也对”只是碰巧，有时一个不起眼的 `.item()` 会让代码变慢，因为 CPU 每步都在等 GPU。
#
# ### 4.2 预热
#
# 第一次运行一个运算往往特别慢：要分配内存、初始化库、选择算法（在 GPU 上还要初始化 CUDA 上下文、加载内核）。下面连续运行 6 次同一个矩阵乘法，每次都单独计时：

# %%
# NBVAL_IGNORE_OUTPUT
# 计时结果因机器而异
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
# 把这些规则写成一个函数，就是 `src/course_utils/timing.py` 里的 `benchmark()`（请打开读一读，只有几十行）：
#
# ```python
# for _ in range(warmup):        # 1. 预热，不计时
#     fn()
# for _ in range(repeats):
#     synchronize(device)        # 2. 先等之前排队的工作做完
#     start = clock()
#     fn()
#     synchronize(device)        # 3. 再等这一次的工作做完
#     times.append(clock() - start)
# ```
#
# `synchronize(device)` 在 CUDA 上调用 `torch.cuda.synchronize`，在 MPS 上调用 `torch.mps.synchronize`，在 CPU 上什么也不做。`benchmark()` 返回每次的时间，报告**中位数**：偶尔一次被别的程序打断变慢，不影响中位数。
#
# 对比一下“随手计时”和 `benchmark()`：

# %%
# NBVAL_IGNORE_OUTPUT
# 计时结果因机器而异
a = torch.randn(1024, 1024, device=device)
start = time.perf_counter()
c = a @ a
naive = time.perf_counter() - start
result = benchmark(partial(torch.matmul, a, a), device=device, warmup=3, repeats=10)
print("naive, first call:", format_seconds(naive))
print("benchmark():      ", result)
print(f"naive / median = {naive / result.median:.1f}x")

# %% [markdown]
# 最后一行是两者在这台机器上的比值。别指望它等于 1：随手计时只量了一次调用，还算进了第一次调用的一次性开销（分配内存、启动线程、缓存是冷的），别的程序稍一打扰，结果就会变；换一次运行或换一台机器，它可能和中位数差不多，也可能慢好几倍。要报告的，是预热之后多次运行的中位数。**在 GPU 上**，随手计时则错在另一个方向：它只量到了启动时间，会严重低估。
#
# ### 4.4 矩阵乘法有多快：GFLOP/s
#
# 两个 n×n 矩阵相乘，结果有 n² 个元素，每个元素是长度为 n 的点积：n 次乘法加 n 次加法。一共 **2·n³ 次浮点运算**（FLOP）。除以秒数，再除以 10⁹，就是 **GFLOP/s**。
#
# 下面对几种大小、两种数据类型测一测。在 GPU 上我们用更大的矩阵：小矩阵喂不饱成千上万个核心。

# %%
# NBVAL_IGNORE_OUTPUT
# 计时和 GFLOP/s 因机器而异
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
# 小矩阵的 GFLOP/s 很低：运算太少，调用本身的固定开销占了大头。矩阵变大后，吞吐量逐渐接近硬件上限。`bfloat16` 是否更快取决于硬件：有些 CPU 有专门的 bfloat16 指令，有些没有。
#
# **在 GPU 上**：数字会大好几个数量级（一块 H100 的 float32 矩阵乘法是每秒几十 TFLOP，bfloat16/float16 借助 Tensor Core 还要再快很多倍），而且 `benchmark()` 里的 `synchronize` 在这里是必不可少的。

# %% [markdown]
# ## 5. 内存
#
# ### 5.1 一个张量占多少字节
#
# 张量的数据占 `element_size() * nelement()` 字节（也可以直接用 `t.nbytes`）：每个元素的字节数乘以元素个数。这与设备无关，在 `meta` 设备上就能算，不必真的分配内存。

# %%
# NBVAL_CHECK_OUTPUT
for dtype in [torch.float64, torch.float32, torch.float16, torch.bfloat16, torch.int64, torch.uint8, torch.bool]:
    t = torch.empty(1000, 1000, dtype=dtype, device="meta")
    print(f"{str(dtype):15} {t.element_size()} bytes/element -> {t.element_size() * t.nelement() / 1e6:4.1f} MB")

# %% [markdown]
# 模型也一样：把所有参数的字节数加起来。`with torch.device("meta"):` 让块内的所有张量默认创建在 `meta` 上，可以“造”一个模型只为数一数它有多大（`torch.set_default_device` 是它的全局版本）。
#
# 训练时要的远不止参数本身：用 Adam 训练，每个参数还有一份梯度和两份优化器状态，所以 float32 下至少是参数的 4 倍，还没算中间激活值。

# %%
# NBVAL_CHECK_OUTPUT
with torch.device("meta"):
    big = nn.Sequential(nn.Linear(1024, 4096), nn.ReLU(), nn.Linear(4096, 1024))
n_params = sum(p.nelement() for p in big.parameters())
param_bytes = sum(p.element_size() * p.nelement() for p in big.parameters())
print(f"parameters: {n_params:,} -> {param_bytes / 2**20:.1f} MiB in float32")
print(f"training with Adam: at least {4 * param_bytes / 2**20:.1f} MiB (weights + gradients + 2 Adam states), plus activations")

# %% [markdown]
# ### 5.2 查询设备内存
#
# CUDA 有一个缓存分配器：释放的显存先留在 PyTorch 手里，下次分配时复用。所以有几个不同的数字：
#
# | 函数 | 含义 |
# | --- | --- |
# | `torch.cuda.memory_allocated()` | 张量现在占用的显存 |
# | `torch.cuda.max_memory_allocated()` | 峰值（用 `torch.cuda.reset_peak_memory_stats()` 清零） |
# | `torch.cuda.memory_reserved()` | 缓存分配器向驱动要来的总量（≥ allocated） |
# | `torch.cuda.mem_get_info()` | 整块 GPU 的（空闲，总量），包括别的进程用掉的 |
#
# `torch.cuda.empty_cache()` 把缓存里没用的块还给驱动（让别的进程能用），但不会让你的程序多出可用显存。MPS 上有 `torch.mps.current_allocated_memory()`。CPU 上 PyTorch 不统计内存，要用 `element_size() * nelement()` 自己算，或者用操作系统的工具。
#
# 下面这个函数在每种设备上都能调用，在 CPU 上给出一句说明，而不是报错：

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
# 显存数字因机器而异
print("before:   ", memory_summary(device))
block = torch.empty(16, 2**20, device=device)  # 16 Mi 个 float32 = 64 MiB
print(f"tensor:    {block.element_size() * block.nelement() / 2**20:.0f} MiB")
print("with it:  ", memory_summary(device))
del block
print("after del:", memory_summary(device))

# %% [markdown]
# **在 GPU 上**：`allocated` 会增加 64 MiB，`del` 之后又减回去，而 `reserved` 不变：那块显存留在缓存里等下次复用。显存不够时会报 `torch.OutOfMemoryError: CUDA out of memory`，常见的对策是减小批大小、用混合精度（第 7 节），或者在评估时用 `torch.no_grad()` 不保存激活值。

# %% [markdown]
# ## 6. 锁页内存和 `non_blocking=True`
#
# 数据从内存复制到显存，是由 GPU 的 DMA 引擎直接读内存完成的。普通内存是**可分页的**（pageable）：操作系统随时可能把它换出或挪走，所以驱动要先把数据复制到一块**锁页内存**（pinned / page-locked memory）里，再从那里传给 GPU，多了一次复制，而且 CPU 必须等它做完。
#
# * `x.pin_memory()` 返回一份放在锁页内存里的副本，`x.is_pinned()` 告诉你是不是；
# * 从锁页内存出发，`x.to("cuda", non_blocking=True)` 可以**异步**复制：调用立刻返回，复制和 GPU 上的计算、CPU 上准备下一个批次同时进行；
# * `DataLoader(..., pin_memory=True)` 让加载器直接把每个批次放进锁页内存。
#
# 锁页内存要通过加速器的驱动来分配。这台机器没有 GPU，看看会发生什么：

# %%
# NBVAL_CHECK_OUTPUT
host_batch = torch.randn(256, 1024)
print("an ordinary CPU tensor is pinned:", host_batch.is_pinned())

# %%
# NBVAL_IGNORE_OUTPUT
# pin_memory() 需要加速器的驱动：有 GPU 时成功，没有时报错，错误信息因机器而异
try:
    pinned = host_batch.pin_memory()
    print("pinned copy is pinned:", pinned.is_pinned())
except RuntimeError as err:
    print("pin_memory() failed:", err)

# %% [markdown]
# 没有 GPU 时 `pin_memory()` 会报错，因为锁页内存是向 GPU 驱动申请的；`DataLoader(pin_memory=True)` 则会发出一个警告，然后不锁页照常工作。所以与设备无关的写法是：只在 CUDA 上打开锁页。`non_blocking=True` 在 CPU 上无害（搬到同一个设备什么也不做），可以一直写着。

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
# 一个要当心的方向：从 GPU **复制回** CPU 时用 `non_blocking=True`，调用返回时数据可能还没到，必须先 `synchronize` 再读。只在“内存 → 显存”的方向上用它，就不会出错。
#
# 下面的单元格只在 CUDA 上真正运行：它用 `benchmark()` 比较从普通内存和从锁页内存复制 256 MiB 到显存的速度。

# %%
# NBVAL_IGNORE_OUTPUT
# 只在 CUDA 上运行，带宽因机器而异
if device.type == "cuda":
    pageable = torch.randn(64, 2**20)  # 256 MiB
    for name, source in [("pageable", pageable), ("pinned", pageable.pin_memory())]:
        result = benchmark(partial(source.to, device, non_blocking=True), device=device, warmup=2, repeats=5)
        print(f"{name:8} host -> GPU: {source.nbytes / result.median / 1e9:5.1f} GB/s")
else:
    print(f"skipped on {device.type}: copying host memory to a GPU needs a CUDA device")

# %% [markdown]
# **在 GPU 上**：从锁页内存复制通常明显更快，而且 `non_blocking=True` 让复制和计算重叠。锁页内存也不是越多越好：它不能被换出，锁太多会挤占整台机器的内存。

# %% [markdown]
# ## 7. 混合精度
#
# ### 7.1 三种浮点类型
#
# 默认的 `float32` 每个数 4 字节。两种 16 位类型各有取舍：`float16` 精度较高但**范围很窄**（最大 65504，很小的数会变成 0）；`bfloat16` 的范围和 `float32` 一样，但精度更低（只有 8 位有效二进制位，大约 2～3 位十进制有效数字）。

# %%
# NBVAL_CHECK_OUTPUT
for dtype in [torch.float32, torch.float16, torch.bfloat16]:
    info = torch.finfo(dtype)
    print(f"{str(dtype):15} bits={info.bits}  max={info.max:.3g}  smallest normal={info.tiny:.3g}  eps={info.eps:.3g}")

# %% [markdown]
# 把 1e-10 到 1e6 之间的一串数转换成每种类型，画出最坏情况下的相对舍入误差：曲线平的部分是这种类型的精度（大约是 eps 的一半），两端升到 1 的地方是它表示不了的范围（太小变成 0，太大变成 inf，相对误差都按 1 画）。`float16` 在 6e-5 以下先进入“非规格化数”区间，精度逐渐变差，再往下就直接变成 0。

# %%
values = torch.logspace(-10, 6, 32000, dtype=torch.float64)
fig, ax = plt.subplots(figsize=(7, 4))
for dtype in [torch.float32, torch.bfloat16, torch.float16]:
    rounded = values.to(dtype).to(torch.float64)
    error = ((rounded - values).abs() / values).nan_to_num(posinf=1.0)
    worst = error.reshape(-1, 100).amax(dim=1).clamp(1e-10, 1.0)  # 每 100 个相邻的数取最大误差
    ax.loglog(values.reshape(-1, 100)[:, 50], worst, label=str(dtype))
ax.axvline(65504, color="gray", ls=":")
ax.text(65504, 1e-5, "float16 max ", fontsize=8, ha="right")
ax.set_xlabel("value")
ax.set_ylabel("worst relative rounding error")
ax.set_title("Range and precision of float32, bfloat16 and float16")
ax.legend(loc="center left")
plt.show()

# %% [markdown]
# 训练时的梯度常常很小。下面几个数转成 `float16` 后，`1e-9` 变成了 0，`1e5` 变成了 inf；`bfloat16` 都能表示，只是不太精确：

# %%
# NBVAL_CHECK_OUTPUT
grads = torch.tensor([1e-3, 1e-5, 1e-7, 1e-9, 1e5])
for dtype in [torch.float16, torch.bfloat16]:
    print(f"{str(dtype):15}", [f"{v:.3g}" for v in grads.to(dtype).float().tolist()])

# %% [markdown]
# ### 7.2 `torch.autocast`
#
# **混合精度**不是把整个模型改成 16 位，而是：参数仍然是 `float32`，只在 `torch.autocast` 块里，让矩阵乘法、卷积这类“又多又能容忍误差”的运算用 16 位计算，而损失函数这类对误差敏感的运算留在 `float32`。哪些运算用哪种类型，是 PyTorch 按设备定好的清单（文档里的 *Autocast Op Reference*），CPU 和 CUDA 的清单并不完全相同。
#
# CPU 上用 `bfloat16`（CPU 上 autocast 的默认类型）：

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
# `add` 没有出现在清单里，所以保持输入的类型（`float32`）；`mse_loss` 被明确要求用 `float32`。
#
# ### 7.3 一个与设备无关的混合精度训练循环
#
# 在 CUDA 上，经典的组合是 `float16` + **`GradScaler`**：它先把损失乘以一个很大的数（起始是 65536）再反向传播，让小梯度不会在 `float16` 里变成 0；`scaler.step()` 在更新前把梯度除回去，如果发现 inf 或 NaN 就跳过这一步；`scaler.update()` 随后调整缩放因子（出现溢出就减小）。`bfloat16` 的范围和 `float32` 一样，不需要缩放。
#
# 下面的循环在两种情况下都能用：`GradScaler(enabled=False)` 的 `scale()`、`step()`、`update()` 什么都不改变，直接调用优化器。

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
# 两条曲线几乎重合；梯度始终是 `float32`，因为参数是 `float32`。
#
# **在 GPU 上**：`amp_dtype` 是 `float16`，`GradScaler` 被启用，第一行的输出会显示 `torch.float16`。混合精度在 GPU 上通常明显更快（Tensor Core），还能减少激活值占用的显存。Ampere（RTX 30 系列、A100）及更新的 GPU 在硬件上支持 `bfloat16`（`torch.cuda.is_bf16_supported(including_emulation=False)` 返回 `True`），用它就不需要 `GradScaler`；更老的 GPU（如 T4、V100）没有 bfloat16 硬件，用 `float16`。
#
# ### 7.4 TF32
#
# Ampere 及更新的 NVIDIA GPU 还有一种折中：**TF32** 用 `float32` 的范围、约 10 位尾数做矩阵乘法，代码里的类型仍然是 `float32`。PyTorch 默认**不**对矩阵乘法打开它，但对 cuDNN 卷积默认打开：

# %%
# NBVAL_CHECK_OUTPUT
print("float32 matmul precision:", torch.get_float32_matmul_precision())
print("TF32 for CUDA matmuls:   ", torch.backends.cuda.matmul.allow_tf32)
print("TF32 for cuDNN convs:    ", torch.backends.cudnn.allow_tf32)

# %% [markdown]
# 想用 TF32 加速 `float32` 矩阵乘法，在程序开头写一行 `torch.set_float32_matmul_precision("high")`（旧写法是 `torch.backends.cuda.matmul.allow_tf32 = True`）。按照文档，这个设置目前只影响 CUDA 上的矩阵乘法，在 CPU 上不起作用。

# %% [markdown]
# ## 小结
#
# * 开头选一次 `device = get_device()`，之后只写 `device=device` 和 `.to(device)`，不写 `.cuda()`：同一份代码在 CPU、CUDA、MPS 上都能运行。
# * `Tensor.to()` 返回新张量（要赋值），`Module.to()` 原地修改；先搬模型，再建优化器。
# * 模型和数据必须在同一个设备上，否则报 "Expected all tensors to be on the same device"。
# * GPU 是异步的：计时要**预热**，并在开始和停表前 **synchronize**，`course_utils.timing.benchmark()` 都替你做了；n×n 矩阵乘法是 2·n³ 次浮点运算。
# * 张量占 `element_size() * nelement()` 字节；显存用 `torch.cuda.memory_allocated()` 等函数查，CPU 上没有这些统计。
# * 锁页内存 + `non_blocking=True` 让数据搬运和计算重叠，只在 CUDA 上打开。
# * 混合精度：`torch.autocast`，CUDA 上 `float16` + `GradScaler`，CPU 上 `bfloat16`；TF32 用 `torch.set_float32_matmul_precision("high")` 打开。
#
# 现在打开 `exercises/zh/04_gpu.ipynb` 做练习。

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **接下来：** [本章练习：04_gpu](../../exercises/zh/04_gpu.ipynb) · [下一章：05_autograd](05_autograd.ipynb)
