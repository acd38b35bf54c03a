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
# # 01 什么是 PyTorch：练习
#
# 四个小练习，对应课文 `notebooks/zh/01_what_is_pytorch.ipynb` 的内容：动态计算图、组件表、
# 对网上常见说法的判断，以及沿 `next_functions` 遍历计算图。
#
# 每个练习都是一个函数：把 `raise NotImplementedError(...)` 换成你的代码，然后运行它下面的
# `check(...)` 单元格。✅ 表示检查通过，❌ 会告诉你哪里不对，⏳ 表示还没做。

# %%
from course_utils import setup_notebook

setup_notebook()

# %%
from course_utils import check

# %% [markdown]
# ## 练习 01.1 随数据变化的计算图
#
# 写 `dynamic_forward(x)`：只要 `x` 的范数（`x.norm()`）**不超过** 10，就把它乘以 2；然后返回结果。
#
# 例如 `[1.0, 1.0]` 的范数约为 1.41，要翻倍 3 次得到 `[8.0, 8.0]`；`[30.0, 40.0]` 的范数是 50，
# 一次也不翻倍，原样返回。翻倍的次数由数据决定，所以每个输入得到的计算图长短不同。
#
# 检查会对结果做反向传播：结果必须留在计算图里（不要用 `.detach()`、`.item()` 或 `torch.no_grad()`
# 计算返回值），梯度应为 `2 ** 翻倍次数`。

# %%
def dynamic_forward(x):
    """Double ``x`` while its norm is at most 10; return the result, still attached to the graph."""
    ### BEGIN SOLUTION
    y = x
    while y.norm() <= 10:  # 循环次数由数据决定：这就是动态图
        y = y * 2
    return y
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("01.1", dynamic_forward)

# %% [markdown]
# ## 练习 01.2 哪个组件负责这件事
#
# `components()` 返回一个字典：键是一项任务，值是完成这项任务的模块**导入名**（字符串），
# 例如 `"torchvision"` 或 `"torch.profiler"`。键已经写好了，不要改动它们，只填写值。
# 提示：回顾课文的组件表，尤其是“现状”一列。

# %%
def components():
    """Return {task: import name of the PyTorch component that does it}."""
    answer = {
        "load a WAV file and compute a mel spectrogram": None,
        "a ResNet model and image transforms": None,
        "train one model on 8 GPUs at once": None,
        "find which operation makes training slow": None,
        "hand a model to a runtime outside PyTorch in a standard format": None,
        "capture a model as a graph to run without Python": None,
        "tensors, autograd and nn layers": None,
        "embed the token ids of a text classifier": None,
    }
    ### BEGIN SOLUTION
    answer["load a WAV file and compute a mel spectrogram"] = "torchaudio"
    answer["a ResNet model and image transforms"] = "torchvision"
    answer["train one model on 8 GPUs at once"] = "torch.distributed"
    answer["find which operation makes training slow"] = "torch.profiler"
    answer["hand a model to a runtime outside PyTorch in a standard format"] = "torch.onnx"
    answer["capture a model as a graph to run without Python"] = "torch.export"  # 不用已弃用的 torch.jit
    answer["tensors, autograd and nn layers"] = "torch"
    answer["embed the token ids of a text classifier"] = "torch"  # torchtext 已停止开发
    ### END SOLUTION
    return answer


# %%
# NBVAL_CHECK_OUTPUT
check("01.2", components)

# %% [markdown]
# ## 练习 01.3 判断对错
#
# 下面每一条说法都在网上流传过。`myths()` 返回一个字典：对每条说法填 `True`（对）或 `False`（错）。
# 键已经写好了，只填写值。

# %%
def myths():
    """Return {statement: True or False}."""
    answer = {
        "TensorFlow 2 builds a static graph before running anything, by default": None,
        "PyTorch can train on Google TPUs": None,
        "PyTorch can use the GPU of an Apple-silicon Mac": None,
        "PyTorch runs only on NVIDIA GPUs and CPUs": None,
        "TorchText is being merged into Hugging Face": None,
        "PyTorch is governed by the PyTorch Foundation, part of the Linux Foundation": None,
    }
    ### BEGIN SOLUTION
    answer["TensorFlow 2 builds a static graph before running anything, by default"] = False  # 默认 eager
    answer["PyTorch can train on Google TPUs"] = True  # PyTorch/XLA
    answer["PyTorch can use the GPU of an Apple-silicon Mac"] = True  # "mps" 设备
    answer["PyTorch runs only on NVIDIA GPUs and CPUs"] = False  # 还有 ROCm、XPU、MPS、XLA
    answer["TorchText is being merged into Hugging Face"] = False  # 是停止开发，不是合并
    answer["PyTorch is governed by the PyTorch Foundation, part of the Linux Foundation"] = True  # 2022 年起
    ### END SOLUTION
    return answer


# %%
# NBVAL_CHECK_OUTPUT
check("01.3", myths)

# %% [markdown]
# ## 练习 01.4 数计算图的节点
#
# 写 `count_grad_fns(y)`：从 `y.grad_fn` 出发，沿每个节点的 `node.next_functions`
# （一个由 `(下一个节点, 编号)` 组成的元组）遍历整张反向图，返回**不同节点**的个数。
#
# - 跳过 `None`（不需要梯度的输入）；
# - 叶子张量对应的 `AccumulateGrad` 节点也要计数；
# - 一个节点可能被多条路径共享（例如 `a * a + b` 里 `a` 的 `AccumulateGrad`），只数一次。
#   用一个集合记住访问过的**节点对象本身**。不要存 `id(node)`：节点的 Python 包装对象是按需创建的，
#   没有被引用时会被释放，它的 id 可能被另一个节点的新包装对象重用。
#
# 例如 `(a * b).sum()` 有 4 个节点：`SumBackward0`、`MulBackward0` 和两个 `AccumulateGrad`。

# %%
def count_grad_fns(y):
    """Return how many distinct nodes the backward graph of ``y`` has, AccumulateGrad leaves included."""
    ### BEGIN SOLUTION
    seen = set()  # 存节点对象本身，它们因此一直存活
    stack = [y.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        stack.extend(next_node for next_node, _ in node.next_functions)
    return len(seen)
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("01.4", count_grad_fns)

# %% [markdown]
# 全部 ✅ 了吗？下一章：安装 PyTorch，并用 `course_utils.doctor()` 检查你的环境。
