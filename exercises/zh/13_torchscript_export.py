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
# # 13 · 练习：TorchScript、torch.export 与 torch.compile
#
# 把每个函数里的 `raise NotImplementedError(...)` 换成你的代码，然后运行下面的 `check(...)` 单元格。`✅` 检查通过，`❌` 还不对（附提示），`⏳` 还没有完成。卡住了？完整答案在 `solutions/zh/13_torchscript_export.ipynb`。

# %%
from course_utils import check, setup_notebook

setup_notebook()

import os

import torch
from torch import nn

# %% [markdown]
# ## 13.1 让带 `if` 的模型脱离 Python
#
# 完成 `make_portable(model)`：返回一个 TorchScript 模块（`torch.jit.ScriptModule`），它对**所有**输入都和 `model` 给出相同的结果。检查器传入的模型在 `forward` 里有一个依赖数据的 `if`。想一想：`trace` 和 `script` 哪个能保留它？

# %%
def make_portable(model):
    """Return a TorchScript module that behaves like `model` on every input."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("13.1", make_portable)

# %% [markdown]
# ## 13.2 导出时让批量维可变
#
# 完成 `export_dynamic(model, example)`：用 `torch.export.export` 导出 `model`（`example` 是形状为 `(4, 4)` 的示例输入，模型 `forward` 的参数名是 `x`），让第 0 维（批量）可以变化，返回 `ExportedProgram`。检查器会用批量大小 1 和 7 调用 `ep.module()`。

# %%
def export_dynamic(model, example):
    """Export `model` with a dynamic batch dimension and return the ExportedProgram."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("13.2", export_dynamic)

# %% [markdown]
# ## 13.3 保存并加载 `ExportedProgram`
#
# 完成 `roundtrip(ep, folder)`：把 `ep` 保存成文件夹 `folder` 里的一个 `.pt2` 文件，再把它加载回来，返回加载得到的 `ExportedProgram`。

# %%
def roundtrip(ep, folder):
    """Save `ep` as a .pt2 file in `folder`, load it back and return the loaded program."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("13.3", roundtrip)

# %% [markdown]
# ## 13.4 用 `torch.cond` 导出分支
#
# 完成 `make_gate()`：返回一个 `nn.Module` 实例，它的 `forward(x)` 在 `x.mean() > 0` 时返回 `x.relu() + 1`，否则返回 `x.abs() * 3`，并且能被 `torch.export.export` 导出（两个分支都要进入图里）。

# %%
def make_gate():
    """Return a module computing x.relu() + 1 if x.mean() > 0 else x.abs() * 3, exportable with torch.export."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("13.4", make_gate)

# %% [markdown]
# ## 13.5 选对工具
#
# 完成 `choose_tools()`：返回一个字典，把下面每个场景（键，原样照抄）对应到 `"torch.compile"`、`"torch.export"` 或 `"torch.jit.script"` 之一。
#
# * `"speed up my training loop in Python"`
# * `"run the model on a phone or server without Python"`
# * `"export a model whose forward has an if on tensor values"`
# * `"keep a legacy C++ (LibTorch) service running that loads TorchScript .pt files"`

# %%
def choose_tools():
    """Return {scenario: tool} for the four scenarios above."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("13.5", choose_tools)

# %% [markdown]
# 五个 ✅？第 16 章会把导出的模型转成 ONNX。
