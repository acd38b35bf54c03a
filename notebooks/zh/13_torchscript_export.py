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
# # 13 · TorchScript、torch.export 与 torch.compile
#
# 训练好的模型常常要离开写它的 Python 代码：部署到服务器、手机，或者只是想跑得更快。PyTorch 为此先后提供了三种工具：
#
# | 工具 | 做什么 | 现状（torch 2.11） |
# | --- | --- | --- |
# | `torch.jit.trace` / `torch.jit.script`（TorchScript） | 把模型变成不依赖 Python 类的程序，可保存、可在 C++ 里加载 | **已弃用**，调用时会发出 `DeprecationWarning` |
# | `torch.export` | 把模型完整地捕获成一张由 ATen 算子组成的图（`ExportedProgram`），用于部署 | 推荐的导出方式 |
# | `torch.compile` | 在 Python 里即时编译模型，让它跑得更快 | 推荐的加速方式 |
#
# 本章先用一个小例子说明 `trace` 为什么会**悄无声息地出错**、`script` 怎样修好它，再保存模型并在一个**全新的进程**里运行它，最后学习它们的继任者 `torch.export` 和 `torch.compile`。

# %%
from course_utils import setup_notebook

setup_notebook()

# %% [markdown]
# ## 1. 一个带分支的模型
#
# 下面的模型根据输入的**数值**走不同的分支：元素之和为正时乘以 2，否则取相反数。这种“由数据决定的控制流”在动态图里再自然不过了。

# %%
import warnings

import torch
from torch import nn


class SignFlip(nn.Module):
    def forward(self, x):
        if x.sum() > 0:
            return x * 2
        return -x


model = SignFlip()
pos = torch.tensor([1.0, 2.0])
neg = torch.tensor([-1.0, -2.0])
print("eager, positive input:", model(pos))
print("eager, negative input:", model(neg))

# %% [markdown]
# ## 2. `torch.jit.trace`：只录下走过的那条路
#
# `trace` 用一个示例输入**运行一次**模型，把执行过的张量运算录下来。Python 的 `if` 不是张量运算，录不下来：示例输入走了哪个分支，录下的程序就永远走那个分支。
#
# `trace` 会发出警告。为了让输出稳定、让你看清楚，我们用 `warnings.catch_warnings(record=True)` 把警告收集起来，再逐条打印一行摘要（同样的警告只打印一次）。

# %%
def summarize(caught):
    """One line per distinct warning: its category and the start of its message."""
    seen = []
    for w in caught:
        line = f"{w.category.__name__}: {str(w.message)[:90]}"
        if line not in seen:
            seen.append(line)
    for line in seen:
        print(line)


with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    traced = torch.jit.trace(model, pos)  # traced with a POSITIVE example
summarize(caught)

# %% [markdown]
# 两类警告：
#
# * `DeprecationWarning`：TorchScript 已被弃用，PyTorch 建议改用 `torch.compile` 或 `torch.export`（第 5 节细说）；
# * `TracerWarning`：把张量转成 Python 布尔值（就是 `if x.sum() > 0` 这一步），录下的程序“可能不适用于其他输入”。
#
# 警告很容易被忽略。现在用**负数**输入调用录下的模型，和原来的模型对比：

# %%
# NBVAL_CHECK_OUTPUT
print("input         :", neg)
print("eager model   :", model(neg))
print("traced model  :", traced(neg))
print("same result?  :", torch.equal(model(neg), traced(neg)))

# %% [markdown]
# 结果错了，却没有任何报错：录下的程序里根本没有 `if`，只有“乘以 2”。看看它的代码：

# %%
print(traced.code)

# %% [markdown]
# ## 3. `torch.jit.script`：编译源代码，分支得以保留
#
# `script` 不运行模型，而是**读源代码**（通过 `inspect` 找到 `forward` 的源文件），把 Python 的一个子集（TorchScript 语言）编译成程序，`if`、`for` 都会保留下来。因为要读源代码，我们把类定义和 `script` 调用放在同一个单元格里：有些笔记本运行器（比如本课程的自动测试）会让所有单元格共用一个“文件名”，这时 `inspect` 找不到其他单元格里的源代码。

# %%
# script reads the source code of forward(), so the class is defined again right next to the call
class SignFlip(nn.Module):
    def forward(self, x):
        if x.sum() > 0:
            return x * 2
        return -x


model = SignFlip()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    scripted = torch.jit.script(model)
summarize(caught)
print(scripted.code)

# %%
# NBVAL_CHECK_OUTPUT
for x in (pos, neg):
    print(f"input {x} -> eager {model(x)}, traced {traced(x)}, scripted {scripted(x)}")

# %% [markdown]
# 一张图看得更清楚：把输入取成 `t * [1, 1]`，让 `t` 从 -2 变到 2，画出输出的第一个元素。`trace` 得到的是一条直线，只在 `t > 0` 时碰巧正确。

# %%
import matplotlib.pyplot as plt

ts = torch.linspace(-2, 2, 81)
curves = {"eager": [], "traced": [], "scripted": []}
for t in ts:
    x = t * torch.ones(2)
    curves["eager"].append(model(x)[0].item())
    curves["traced"].append(traced(x)[0].item())
    curves["scripted"].append(scripted(x)[0].item())

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(ts, curves["eager"], lw=6, alpha=0.3, label="eager (the truth)")
ax.plot(ts, curves["scripted"], "k:", lw=2, label="torch.jit.script")
ax.plot(ts, curves["traced"], "r--", lw=2, label="torch.jit.trace (example t=1)")
ax.axvline(0, color="gray", lw=0.5)
ax.set_xlabel("t  (input = t * [1, 1])")
ax.set_ylabel("output[0]")
ax.set_title("trace records one branch; script keeps the if")
ax.legend()
plt.show()

# %% [markdown]
# **经验**：模型里只要有依赖数据的 `if`/循环，`trace` 就可能悄悄出错；没有控制流的模型（比如纯卷积网络），`trace` 才是安全的。

# %% [markdown]
# ## 4. 保存、加载，在没有模型类的进程里运行
#
# TorchScript 模块把代码和参数一起存进一个文件。加载它**不需要**定义模型的 Python 类，C++ 程序（LibTorch）也能加载。我们把文件存进一个临时目录：

# %%
import os
import subprocess
import sys
import tempfile

workdir = tempfile.mkdtemp()
path = os.path.join(workdir, "signflip.pt")
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # already shown above
    torch.jit.save(scripted, path)
    loaded = torch.jit.load(path)
print(type(loaded).__name__)
print("loaded(neg):", loaded(neg))

# %% [markdown]
# 更有说服力的是一个**全新的 Python 进程**：它只导入 `torch`，从没见过 `SignFlip` 这个类。我们用 `subprocess` 启动它，并打印它的标准输出（`-W ignore` 关掉新进程里的弃用警告）。

# %%
code = (
    "import sys, torch\n"
    "m = torch.jit.load(sys.argv[1])\n"
    "print(m(torch.tensor([3.0, -1.0])))\n"
    "print(m(torch.tensor([-3.0, 1.0])))\n"
)
result = subprocess.run(
    [sys.executable, "-W", "ignore", "-c", code, path], capture_output=True, text=True, check=True
)
print(result.stdout)

# %% [markdown]
# ### TorchScript 的局限
#
# `script` 只懂 Python 的一个**静态类型**的子集：
#
# * 没有类型注解的参数一律被当作 `Tensor`；
# * 不支持 `*args`/`**kwargs`、大多数第三方库（NumPy 等）、任意 Python 对象；
# * 报错信息常常很长，要改写代码去迁就它。
#
# 看一个例子：`factor` 没有注解，就被推断成 `Tensor`，传入 `float` 时报错。

# %%
def scale(x, factor):
    return x * factor


def first_line(error):
    return f"{type(error).__name__}: {str(error).strip().splitlines()[0]}"


with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # already shown above
    scripted_scale = torch.jit.script(scale)
    try:
        scripted_scale(torch.ones(2), 2.0)
    except RuntimeError as error:
        print(first_line(error))


    def scale_annotated(x: torch.Tensor, factor: float) -> torch.Tensor:
        return x * factor

    print("annotated:", torch.jit.script(scale_annotated)(torch.ones(2), 2.0))

    def with_kwargs(x, **options):
        return x

    try:
        torch.jit.script(with_kwargs)
    except torch.jit.frontend.NotSupportedError as error:
        print(first_line(error))

# %% [markdown]
# ## 5. 弃用：TorchScript 的继任者
#
# TorchScript 已进入维护状态，torch 2.11 调用 `torch.jit.trace`/`script`/`save`/`load` 时都会发出 `DeprecationWarning`。它的两个任务分别交给了：
#
# * **部署**（脱离 Python 运行）→ `torch.export`：得到 `ExportedProgram`，再交给 AOTInductor、ExecuTorch（移动端）或 ONNX（第 16 章）；
# * **加速**（仍在 Python 里）→ `torch.compile`。
#
# 已有的 TorchScript 模型仍能加载运行，但新项目不要再用它。

# %% [markdown]
# ## 6. `torch.export`：把模型捕获成一张完整的图
#
# `torch.export.export(model, args)` 用示例输入运行模型，得到一张只含 ATen 算子的图。默认情况下，所有形状都被固定成示例输入的形状；用 `torch.export.Dim` 声明哪一维可以变化（这里是批量大小）。

# %%
class SmallNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return torch.relu(self.fc(x))


net = SmallNet().eval()
batch = torch.export.Dim("batch")
ep = torch.export.export(net, (torch.randn(2, 4),), dynamic_shapes={"x": {0: batch}})
print(type(ep).__name__)
print(ep.graph_module.code)

# %% [markdown]
# 读一读这张图：
#
# * **参数（placeholder）**：图的输入除了 `x`，还有模型参数 `p_fc_weight` 和 `p_fc_bias`：导出时，参数被“提升”（lift）成了图的输入；
# * **ATen 算子**：`torch.ops.aten.linear.default`、`torch.ops.aten.relu.default` 是 PyTorch 底层的算子，C++、移动端运行时都认识它们；
# * **输出**：`return (relu,)`，一个元组。
#
# `graph_signature` 说明每个输入、输出的身份：

# %%
print(ep.graph_signature)

# %% [markdown]
# 用 `ep.module()` 得到一个可以调用的模块。因为批量维是动态的，换一个批量大小也能运行：

# %%
# NBVAL_CHECK_OUTPUT
exported = ep.module()
for n in (1, 7):
    x = torch.randn(n, 4)
    print(f"batch {n}: output shape {tuple(exported(x).shape)}, matches eager: {torch.allclose(exported(x), net(x))}")

# %% [markdown]
# 不声明 `dynamic_shapes` 的话，导出的程序只接受示例的形状，别的形状会被**守卫（guard）**拒绝：

# %%
ep_static = torch.export.export(net, (torch.randn(2, 4),))
try:
    ep_static.module()(torch.randn(7, 4))
except AssertionError as error:
    print(first_line(error))

# %% [markdown]
# ### 保存和加载 `ExportedProgram`
#
# `torch.export.save` 写一个 `.pt2` 文件，`torch.export.load` 读回来，同样不需要 `SmallNet` 类。

# %%
pt2_path = os.path.join(workdir, "small_net.pt2")
torch.export.save(ep, pt2_path)
with warnings.catch_warnings():
    # the loader builds tensors from a read-only buffer and warns about it; harmless here
    warnings.filterwarnings("ignore", message="The given buffer is not writable")
    ep_loaded = torch.export.load(pt2_path)
x = torch.randn(5, 4)
print("loaded:", type(ep_loaded).__name__, "| matches eager:", torch.allclose(ep_loaded.module()(x), net(x)))

# %% [markdown]
# ### 依赖数据的控制流：`export` 拒绝，`torch.cond` 解决
#
# `export` 要的是**一张完整的图**，不会像 `trace` 那样悄悄选一个分支。对 `SignFlip` 导出会直接报错（导出失败时 PyTorch 会把部分图打印到 stderr，这里把它收起来，只打印错误的类型）：

# %%
import contextlib
import io
import logging

symbolic_log = logging.getLogger("torch.fx.experimental.symbolic_shapes")
old_level = symbolic_log.level
symbolic_log.setLevel(logging.ERROR)  # it logs a warning about the unbacked symbol first
try:
    with contextlib.redirect_stderr(io.StringIO()):
        torch.export.export(model, (pos,))
except Exception as error:
    print("export failed with", type(error).__name__)
    print("data-dependent:", "data-dependent" in str(error))
finally:
    symbolic_log.setLevel(old_level)

# %% [markdown]
# 把分支写成 `torch.cond(条件, 真分支, 假分支, 操作数)`，两个分支都会进入图里：

# %%
class CondFlip(nn.Module):
    def forward(self, x):
        return torch.cond(x.sum() > 0, lambda x: x * 2, lambda x: -x, (x,))


ep_cond = torch.export.export(CondFlip(), (pos,))
print(ep_cond.graph_module.code)

# %%
# NBVAL_CHECK_OUTPUT
for x in (pos, neg):
    print(f"input {x} -> eager {model(x)}, exported with torch.cond {ep_cond.module()(x)}")

# %% [markdown]
# ## 7. `torch.compile`：在 Python 里加速
#
# `torch.compile(fn)` 返回一个包装后的函数。**第一次调用**时，TorchDynamo 读取 Python 字节码、捕获计算图，再交给后端编译；之后的调用直接复用编译结果。遇到依赖数据的 `if`，它会在那里**断开图**（graph break），回到 Python 执行，所以结果总是对的：

# %%
# NBVAL_CHECK_OUTPUT
compiled_model = torch.compile(model, backend="aot_eager")
for x in (pos, neg):
    print(f"input {x} -> eager {model(x)}, compiled {compiled_model(x)}")

# %% [markdown]
# 默认后端 `inductor` 会生成 C++（CPU）或 Triton（GPU）代码并编译它。在本课程的 2 核 CPU 上，对一个一行的函数，第一次 `inductor` 编译要花**几十秒到一分多钟**（要启动编译器、生成并编译 C++ 代码），所以这里默认用 `backend="aot_eager"`：它走完捕获图、生成前向/反向图的全部流程，只是不生成新代码，能演示机制但不加速。想亲自体验 `inductor`，把下面的 `USE_INDUCTOR` 改成 `True`（需要 C++ 编译器，比如 gcc）。

# %%
from course_utils.timing import benchmark

USE_INDUCTOR = False  # True: real code generation, slow first call on a small CPU


def f(x):
    return torch.sin(x) ** 2 + torch.cos(x) ** 2


torch._dynamo.reset()
compiled_f = torch.compile(f) if USE_INDUCTOR else torch.compile(f, backend="aot_eager")
x = torch.randn(10_000)


first = benchmark(lambda: compiled_f(x), device="cpu", warmup=0, repeats=1).median
later = benchmark(lambda: compiled_f(x), device="cpu", warmup=0, repeats=50).median
eager = benchmark(lambda: f(x), device="cpu", warmup=3, repeats=50).median

# %%
# NBVAL_IGNORE_OUTPUT
# timings depend on the machine and its load
print(f"backend           : {'inductor' if USE_INDUCTOR else 'aot_eager'}")
print(f"first call        : {first * 1e3:10.2f} ms  (captures and compiles)")
print(f"later calls       : {later * 1e3:10.4f} ms  (median)")
print(f"eager             : {eager * 1e3:10.4f} ms  (median)")
print(f"first / later     : {first / later:10.0f}x")
print(f"later / eager     : {later / eager:10.1f}x")

# %%
# NBVAL_CHECK_OUTPUT
print("compiled matches eager:", torch.allclose(compiled_f(x), f(x)))

# %% [markdown]
# 读数时注意三点：
#
# * 首次调用远远慢于之后的调用：那是**一次性**的捕获和编译成本（用 `inductor` 时是几十秒）；
# * `aot_eager` 不生成新代码，所以之后的调用**不会**比 eager 快。每次调用还要检查守卫、经过一层包装，对这么小的函数来说，这份固定开销通常会让编译后的调用比 eager 还慢，慢多少取决于机器和当时的负载（`later / eager` 那一行就是这次运行的比值）。这很正常；
# * 真正的加速来自 `inductor` 的算子融合，它在计算量大、反复运行的代码上（训练循环、大模型推理，尤其在 GPU 上）才划算；对一个只跑几次的小函数，编译时间永远赚不回来。

# %%
plt.figure(figsize=(6, 3))
plt.bar(["first compiled call", "later compiled calls", "eager"], [first * 1e3, later * 1e3, eager * 1e3])
plt.yscale("log")
plt.ylabel("milliseconds per call (log scale)")
plt.title("torch.compile: one-time cost on the first call")
plt.show()

# %% [markdown]
# ## 小结
#
# | 你想要 | 用 |
# | --- | --- |
# | 在 Python 里让训练/推理更快 | `torch.compile` |
# | 把模型导出，在没有 Python 的地方运行（服务器、手机、ONNX） | `torch.export`（控制流用 `torch.cond`，可变维度用 `Dim`） |
# | 维护已有的 TorchScript 模型 | `torch.jit.load`（已弃用，尽早迁移） |
#
# * `trace` 只录下走过的分支，遇到依赖数据的 `if` 会**悄悄出错**；
# * `script` 保留控制流，但只支持带类型的 Python 子集；
# * `export` 宁可报错也不会悄悄出错，`ep.module()` 可以直接调用，`.pt2` 文件可以保存和加载。
#
# 第 16 章会把导出的模型转成 ONNX，并在 onnxruntime 里运行。

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **接下来：** [本章练习：13_torchscript_export](../../exercises/zh/13_torchscript_export.ipynb) · [下一章：14_distributed](14_distributed.ipynb)
