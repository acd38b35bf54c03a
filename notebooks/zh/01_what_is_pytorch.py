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
# # 01 什么是 PyTorch
#
# 官网：<https://pytorch.org/>
#
# 这一章先动手，再讲道理。读完之后你会知道：
#
# 1. PyTorch 是什么，以及它的第一个 “Hello World”；
# 2. **动态计算图**是什么意思——我们会亲眼看到一张随数据变化的图；
# 3. PyTorch 的来历，以及今天由谁来管理它；
# 4. PyTorch 由哪些组件构成，哪些已经过时；
# 5. PyTorch 和 TensorFlow 到底有什么区别（网上很多说法已经过时了）。
#
# 每个笔记本的第一个代码单元都一样：它固定所有随机数种子，并让数字只打印 4 位小数，
# 这样每次运行的输出都相同。

# %%
from course_utils import setup_notebook

setup_notebook()

# %% [markdown]
# ## 1. PyTorch 是什么
#
# PyTorch 是一个开源的深度学习框架。它最初由 Facebook（今天的 Meta）的人工智能研究团队 FAIR 开发，
# 现在由 Linux 基金会旗下的 **PyTorch 基金会**管理。一句话概括，它给你三样东西：
#
# - **张量（tensor）**：像 NumPy 数组一样的多维数组，但可以放在 GPU 等加速器上计算；
# - **自动求导（autograd）**：你用普通的 Python 代码做计算，PyTorch 自动算出梯度；
# - **搭建和训练模型的积木**：`torch.nn` 里的层和损失函数、`torch.optim` 里的优化器、
#   `torch.utils.data` 里的数据加载工具，以及一个很大的周边生态。
#
# 它的设计是“Python 优先”：代码一行一行立即执行（称为 *eager* 模式），
# 所以可以用 `print`、调试器和普通的 `if`/`for` 来写模型。
# 科研和工业界都广泛使用它，应用覆盖视觉、语音、自然语言处理、强化学习和生成式 AI。
#
# 先来尝一口：PyTorch 的 “Hello World” 就是把两个张量相加。

# %%
import torch

x = torch.tensor([1, 2, 3])
y = torch.tensor([4, 5, 6])
z = x + y
print("x =", x)
print("y =", y)
print("z = x + y =", z)
print("torch version:", torch.__version__)

# %% [markdown]
# 同样的代码也能在 GPU 上运行。课程用 `get_device()` 选设备：有 CUDA 就用 CUDA，
# 否则是苹果的 MPS，再否则是 CPU。把张量用 `.to(device)` 搬过去即可，这种写法在哪台机器上都能运行
# （比旧教程里的 `.cuda()` 更好，第 04 章细讲）。在没有 GPU 的机器上，下面会打印 `cpu`。

# %%
from course_utils import get_device

device = get_device()
z_on_device = x.to(device) + y.to(device)
print("device:", device.type)
print("z =", z_on_device.cpu())

# %% [markdown]
# ## 2. 先执行、边执行边建图：动态计算图
#
# 训练神经网络需要梯度。PyTorch 的做法是：**代码运行的同时，把做过的运算记录成一张图**，
# 反向传播时再沿着这张图往回走，用链式法则算梯度。
# 这张图每次前向计算都重新生成，所以叫**动态计算图**（也叫 *define-by-run*）。
#
# 这意味着普通的 Python 控制流——`while` 循环、`if` 分支——会直接决定这一次的图长什么样。
# 下面的函数循环多少次、走哪个分支，都取决于输入的**数值**：

# %%
def f(x):
    y = x
    while y.sum() < 10:  # 循环几次？由 x 的数值决定
        y = y * 2
    if y.mean() > 15:  # 走哪个分支？也由数值决定
        y = y.log()
    else:
        y = y**2
    return y.sum()


# %% [markdown]
# 结果张量的 `grad_fn` 就是图的出口节点；每个节点的 `next_functions` 指向它的输入节点。
# 从 `out.grad_fn` 出发一路往下走，就能把整张图打印出来。
# 最底下的 `AccumulateGrad` 节点代表叶子张量 `x`：反向传播到这里时，梯度被累加进 `x.grad`。

# %%
from course_utils.graphs import print_graph

inputs = {"small x": [1.0, 2.0], "large x": [10.0, 30.0]}
for label, values in inputs.items():
    x = torch.tensor(values, requires_grad=True)
    out = f(x)
    print(f"{label} = {values}:")
    print_graph(out.grad_fn)
    out.backward()
    print("x.grad =", x.grad)
    print()

# %% [markdown]
# 同一个函数，两张完全不同的图：
#
# - `[1.0, 2.0]` 的和是 3，小于 10，于是翻倍两次（两个 `MulBackward0`），均值 6 不大于 15，走平方分支（`PowBackward0`）。
#   `out = sum((4x)²) = 16·Σx²`，所以梯度是 `32x = [32, 64]`。
# - `[10.0, 30.0]` 的和已经是 40，一次也不循环，均值 20 大于 15，走对数分支（`LogBackward0`）。
#   `out = Σ log x`，梯度是 `1/x = [1/10, 1/30]`。
#
# 反向传播用的正是**这一次**记录下来的图，所以两种情况的梯度都对。下面用 `course_utils/graphs.py` 里的 `draw_backward_graph` 把两张图并排画出来（第 05 章会细读这样的图）。

# %%
import matplotlib.pyplot as plt

from course_utils.graphs import draw_backward_graph

fig, axes = plt.subplots(1, 2, figsize=(10, 6.5))
titles = {"small x": "x = [1.0, 2.0]: loop runs twice, ** 2 branch",
          "large x": "x = [10.0, 30.0]: no loop, log branch"}
for ax, (label, values) in zip(axes, inputs.items(), strict=True):
    x = torch.tensor(values, requires_grad=True)
    draw_backward_graph(f(x), {"x": x}, titles[label], ax=ax)
fig.suptitle("Same function f, two inputs, two backward graphs (gradients flow downwards)")
plt.tight_layout()
plt.show()

# %% [markdown]
# **和静态图的对比。** 早期的 TensorFlow 1.x 等框架采用“先定义、后运行”（*define-and-run*）的静态图：
# 先把整张图描述出来，再喂数据执行；图里的循环和分支要用框架专门的算子（如 `tf.while_loop`、`tf.cond`）写。
# 动态图的好处是：模型就是普通的 Python 代码，可以随时 `print` 中间结果、打断点、用任何控制流。
#
# 你随时可以看中间结果，因为每一行都已经真的执行过了：

# %%
x = torch.tensor([1.0, 2.0], requires_grad=True)
h = x * 2
print("h =", h)  # 一个真正的张量，而不是“以后才会算”的符号
print("h.grad_fn:", type(h.grad_fn).__name__)
print("h.sum() < 10 ?", bool(h.sum() < 10))

# %% [markdown]
# 静态图也有好处：整张图事先已知，便于整体优化和脱离 Python 部署。今天的 PyTorch 两者兼得：
# 默认动态执行，需要时再**按需捕获**一张图——`torch.compile` 把代码编译得更快（第 13 章），
# `torch.export` 把模型导出成一张不依赖 Python 的图（第 13 章）。
#
# ## 3. 来历与治理
#
# | 年份 | 事件 |
# |---|---|
# | 更早 | **Lua Torch**（最广为人知的版本是 Torch7）：一个用 Lua 语言编程、底层用 C 编写的科学计算与机器学习库。PyTorch 继承了它的名字和许多设计思想 |
# | 2016 | Facebook 人工智能研究院（FAIR）发布 **PyTorch**：保留 Torch 的理念，但换成 Python 前端，核心卖点是动态计算图（正式公开推广是在 2017 年初） |
# | 2017 | Facebook 和微软共同推出 **ONNX** 模型交换格式 |
# | 2018 | **PyTorch 1.0**：面向生产部署的 Caffe2 框架并入 PyTorch，同时带来 TorchScript |
# | 2022 | 成立 **PyTorch 基金会**，隶属于 **Linux 基金会**；PyTorch 从此由一个中立的基金会管理，而不是由单一公司管理 |
# | 2023 | **PyTorch 2.0**：推出 `torch.compile`，在不改变 eager 写法的前提下编译加速 |
# | 之后 | `torch.export` 成为导出计算图的推荐方式，TorchScript 被弃用；本课程使用 torch 2.11 |
#
# PyTorch 基金会的成员包括多家云服务商和芯片厂商，技术决策由维护者团队按公开的治理规则做出。
# 它现在是一个“伞形”基金会，除 PyTorch 外还托管 vLLM、DeepSpeed 等开源项目。
#
# ## 4. PyTorch 的组成
#
# PyTorch 不是一个单独的包，而是一个核心库加上一组领域库和工具。注意表里的“现状”一列：
# 网上很多教程还停留在几年前。
#
# | 组件 | 作用 | 现状（torch 2.11） | 本课程 |
# |---|---|---|---|
# | `torch` | 核心：张量、`autograd`、`nn`、`optim`、`utils.data`（`Dataset`/`DataLoader`）、`cuda` 等 | 活跃开发 | 第 03–09 章 |
# | `torchvision` | 视觉：数据集、模型（`weights=` 接口）、图像变换、检测/分割工具。检测模型有 Faster/Mask/Keypoint R-CNN、RetinaNet、SSD、SSDlite 和 FCOS；种子教材说它带 YOLO，其实**没有** | 活跃开发 | 第 10 章 |
# | `torchaudio` | 音频：变换（频谱、MFCC、重采样）、模型（如 Wav2Vec2） | **维护模式**；音频读写（I/O）已移交给 **TorchCodec** | 第 12 章 |
# | 文本（`torchtext`） | 曾提供 NLP 数据集、分词和词表 | **已停止开发**：最后一个版本不支持当前的 torch，本课程**没有安装**它；文本处理直接用 `torch` 写 | 第 11 章 |
# | TorchScript（`torch.jit`） | 把模型转成可在 C++ 等无 Python 环境运行的格式（`script`/`trace`） | **已弃用**，继任者是 **`torch.export`**（以及用于加速的 `torch.compile`） | 第 13 章 |
# | `torch.distributed` | 分布式训练：通信原语（`all_reduce`、`broadcast`）、后端（NCCL、Gloo、MPI）、DDP | 活跃开发 | 第 14 章 |
# | `torch.profiler` | 性能分析：每个算子的耗时和内存；轨迹用 Perfetto 查看（TensorBoard 插件已弃用） | 活跃开发 | 第 15 章 |
# | `torch.onnx` | 把模型导出成 ONNX 通用格式，交给 ONNX Runtime、TensorRT 等运行时。种子教材说可以导入 TensorFlow 和 Caffe，这已经过时：Caffe2 早已并入 PyTorch，不再单独存在，ONNX 转 TensorFlow 的转换器也已归档、停止维护 | 活跃开发；默认使用基于 `torch.export` 的新导出器，需要 `onnxscript` 包 | 第 16 章 |
#
# 光看表不够，下面直接导入每个已安装的组件并打印版本。子模块（如 `torch.export`）随 `torch` 一起发布，版本与 `torch` 相同。

# %%
import importlib
import importlib.util

components = ["torch", "torchvision", "torchaudio", "torchcodec",
              "torch.export", "torch.jit", "torch.distributed", "torch.profiler", "torch.onnx"]
lines = []  # 先收集、最后一次打印，输出不会因导入快慢被拆成几段
for name in components:
    module = importlib.import_module(name)
    version = getattr(module, "__version__", f"ships with torch {torch.__version__}")
    lines.append(f"{name:18} {version}")

# torchtext 已停止开发，因此没有安装
status = "installed" if importlib.util.find_spec("torchtext") else "not installed (discontinued)"
lines.append(f"{'torchtext':18} {status}")
print("\n".join(lines))

# %% [markdown]
# 版本号里的 `+cu130` 表示这个 torch 是为 CUDA 13.0 编译的——它在没有 GPU 的机器上也能运行（第 02 章细讲）。
#
# TorchScript 的弃用不是传闻，torch 2.11 自己就会发出警告。我们用 `torch.jit.trace` 追踪一个小模型，并把警告收集起来看一看：

# %%
import warnings

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")  # 显示所有警告，包括默认隐藏的 DeprecationWarning
    traced = torch.jit.trace(torch.nn.Linear(2, 1), torch.ones(1, 2))
messages = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
for message in dict.fromkeys(messages):  # 同一条警告只打印一次
    print("DeprecationWarning:", message)

# %% [markdown]
# 核心库 `torch` 的几个部分是这样配合的：`nn` 提供模型和损失函数，`autograd` 算梯度，`optim` 更新参数。
# 下面是一步完整的训练（第 06、07 章会逐行展开）：

# %%
model = torch.nn.Linear(2, 1)  # torch.nn：一个线性层
loss_fn = torch.nn.MSELoss()  # torch.nn：均方误差损失
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)  # torch.optim：随机梯度下降

inputs_batch = torch.randn(8, 2)
targets = inputs_batch.sum(dim=1, keepdim=True)  # 要学的规律：y = x1 + x2
for step in range(3):
    loss = loss_fn(model(inputs_batch), targets)
    optimizer.zero_grad()
    loss.backward()  # torch.autograd：沿动态图反向传播
    optimizer.step()
    print(f"step {step}: loss = {loss.item():.4f}")

# %% [markdown]
# ## 5. PyTorch 与 TensorFlow
#
# 这两个框架经常被拿来比较，但网上（包括本课程的种子教材）流传的对比很多已经过时，有的从一开始就不对。逐条更正：
#
# | 常见说法 | 实际情况 |
# |---|---|
# | 两者都是“基于 Torch 和 Theano 等底层库的高级 API” | **不对。** 两者都有自己的 C++ 核心：PyTorch 的张量库 ATen 和自动求导引擎是它自己的；TensorFlow 是 Google 自己开发的运行时。PyTorch 只是继承了 Lua Torch 的名字和设计思想；Theano 是另一个更早的框架，2017 年已停止主要开发，两者都不是建在它上面的 |
# | TensorFlow 用静态图，PyTorch 用动态图 | **过时。** 这是 TensorFlow 1.x 的情况。TensorFlow 2（2019）**默认即时执行（eager）**，需要图时用 `tf.function` 生成；PyTorch 默认 eager，需要图时用 `torch.compile`/`torch.export` 捕获。两者已经趋同 |
# | TensorFlow 支持 TPU 等更多硬件，PyTorch 主要支持 CPU 和 GPU | **不对。** PyTorch 支持 NVIDIA GPU（CUDA）、AMD GPU（ROCm）、Intel GPU（XPU）、苹果 GPU（MPS），并通过 **PyTorch/XLA** 在 Google TPU 上运行 |
# | TensorFlow 社区更大，PyTorch 生态较小 | **不对。** PyTorch 的生态很大：Hugging Face Transformers、PyTorch Lightning、timm、vLLM、DeepSpeed 等大量库都建在它上面，大量科研论文的代码也用 PyTorch 发布 |
# | 要在大集群上训练或用 TPU，就选 TensorFlow | **过时。** PyTorch 有 `torch.distributed`（DDP、FSDP）做大规模分布式训练，也能跑 TPU |
# | TensorFlow 的 API 复杂，PyTorch 的简单 | 见仁见智。TensorFlow 2 以 Keras 为高层 API，也很好上手；而 Keras 3 本身可以用 JAX、TensorFlow 或 PyTorch 作后端 |
# | （种子教材没提）谁来管理 | TensorFlow 由 Google 主导；PyTorch 由 Linux 基金会旗下的 **PyTorch 基金会**管理 |
#
# 下面的单元格列出这台机器上的 torch 编译进了哪些加速器后端、哪些可以用。
# 在普通 CPU 机器上都是 `False`；在 NVIDIA 机器上 CUDA 会是 `True`，在 Mac 上 MPS 会是 `True`。
# （TPU 需要另外安装 `torch_xla` 包。）

# %%
print("built for CUDA:", torch.version.cuda)  # NVIDIA
print("built for ROCm:", torch.version.hip)  # AMD（用 ROCm 版的 torch 时才不是 None）
print("CUDA/ROCm GPU available:", torch.cuda.is_available())  # ROCm 版也通过 torch.cuda 接口使用
print("Intel XPU available:", torch.xpu.is_available())
print("Apple MPS available:", torch.backends.mps.is_available())
print("TPU support (torch_xla) installed:", importlib.util.find_spec("torch_xla") is not None)

# %% [markdown]
# 同一个计算在 TensorFlow 2 里的写法（只作对照，本课程没有安装 TensorFlow，所以不运行）：
#
# ```python
# import tensorflow as tf
#
# x = tf.constant([1, 2, 3])
# y = tf.constant([4, 5, 6])
# print(x + y)            # 立即得到结果：TF2 默认就是 eager
#
# @tf.function            # 需要静态图时，才用 tf.function 把函数编译成图
# def add(a, b):
#     return a + b
# ```
#
# **怎么选？** 今天两者都能做科研，也都能上生产。与其比较“谁更快、谁硬件多”，不如看你的团队、你要用的模型和库在哪个生态里。
# 本课程选择 PyTorch。
#
# ## 小结
#
# - PyTorch = 张量 + 自动求导 + 建模积木 + 大生态，代码即时执行。
# - 计算图是在代码运行时记录下来的，每次运行都可能不同；通过 `grad_fn` 和 `next_functions` 可以看到它。
# - 大事记：2016 年 PyTorch 接过 Lua Torch 的衣钵；2018 年发布 1.0，Caffe2 并入 PyTorch；2022 年成立 PyTorch 基金会；2023 年发布 2.0，带来 `torch.compile`。
# - torchtext 已停止开发，TorchScript 已弃用（改用 `torch.export`），torchaudio 进入维护模式（读写交给 TorchCodec）。
# - TensorFlow 2 默认同样是即时执行（eager）。PyTorch 除了 NVIDIA 显卡，还能用 TPU 以及苹果、AMD、Intel 的 GPU；它的生态也相当庞大。
#
# 练习在 `exercises/zh/01_what_is_pytorch.ipynb`。下一章：安装 PyTorch。

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **接下来：** [本章练习：01_what_is_pytorch](../../exercises/zh/01_what_is_pytorch.ipynb) · [下一章：02_installation](02_installation.ipynb)
