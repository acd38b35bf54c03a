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
# # 13 · Exercises: TorchScript, torch.export and torch.compile
#
# Replace the `raise NotImplementedError(...)` in each function with your code, then run the `check(...)` cell below it. `✅` means the checks passed, `❌` not yet (with a hint), `⏳` not done yet. Stuck? The full solutions are in `solutions/en/13_torchscript_export.ipynb`.

# %%
from course_utils import check, setup_notebook

setup_notebook()

import os

import torch
from torch import nn

# %% [markdown]
# ## 13.1 Make a model with an `if` portable
#
# Complete `make_portable(model)`: return a TorchScript module (`torch.jit.ScriptModule`) that gives the same result as `model` on **every** input. The checker passes a model whose `forward` contains a data-dependent `if`. Which one keeps it: `trace` or `script`?

# %%
def make_portable(model):
    """Return a TorchScript module that behaves like `model` on every input."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("13.1", make_portable)

# %% [markdown]
# ## 13.2 Export with a dynamic batch dimension
#
# Complete `export_dynamic(model, example)`: export `model` with `torch.export.export` (`example` is an example input of shape `(4, 4)`; the model's `forward` argument is called `x`) so that dimension 0 (the batch) may vary, and return the `ExportedProgram`. The checker calls `ep.module()` with batch sizes 1 and 7.

# %%
def export_dynamic(model, example):
    """Export `model` with a dynamic batch dimension and return the ExportedProgram."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("13.2", export_dynamic)

# %% [markdown]
# ## 13.3 Save and load an `ExportedProgram`
#
# Complete `roundtrip(ep, folder)`: save `ep` as a `.pt2` file inside `folder`, load it back, and return the loaded `ExportedProgram`.

# %%
def roundtrip(ep, folder):
    """Save `ep` as a .pt2 file in `folder`, load it back and return the loaded program."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("13.3", roundtrip)

# %% [markdown]
# ## 13.4 Export a branch with `torch.cond`
#
# Complete `make_gate()`: return an `nn.Module` instance whose `forward(x)` returns `x.relu() + 1` when `x.mean() > 0` and `x.abs() * 3` otherwise, and which `torch.export.export` can export (both branches must end up in the graph).

# %%
def make_gate():
    """Return a module computing x.relu() + 1 if x.mean() > 0 else x.abs() * 3, exportable with torch.export."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("13.4", make_gate)

# %% [markdown]
# ## 13.5 Choose the right tool
#
# Complete `choose_tools()`: return a dict that maps each scenario below (the key, copied exactly) to one of `"torch.compile"`, `"torch.export"` or `"torch.jit.script"`.
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
# Five ✅? Chapter 16 turns an exported model into ONNX.

