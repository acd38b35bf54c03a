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
# # 16 · Exercises: ONNX export
#
# Five exercises: export a model with a dynamic batch dimension, read an ONNX file's inputs, outputs, operators and opset, and compare outputs with a tolerance. The lesson `notebooks/en/16_onnx.ipynb` has all the code you need.
#
# * `✅` checks passed, `❌` not yet (with a hint), `⏳` not done yet.
# * The checkers call your functions on small models of their own, so a function must work for any model, not just the lesson's.

# %%
from course_utils import check, setup_notebook

setup_notebook()

# %%
import warnings

import numpy as np
import torch

# %% [markdown]
# ## 16.1 Export with a dynamic batch dimension
#
# Complete `export_model(model, example, path)`: export `model` to `path` with the dynamo exporter and **return that path**. The file must run in onnxruntime with batch size 1 **and** 7, while the example input `example` has a batch of 2.
#
# The checker's model has a `forward` whose argument is called `x`, with inputs of shape `(batch, 4)`. Hint: `dynamic_shapes`, `torch.export.Dim`. Exporting triggers a pytree `FutureWarning` inside torch; the code below already filters it out.

# %%
def export_model(model, example, path):
    """Export `model` (forward(self, x)) to ONNX at `path` with a dynamic batch dim; return `path`."""
    with warnings.catch_warnings():
        # torch 2.11 itself triggers a pytree FutureWarning (LeafSpec) while exporting; not about the exercise
        warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\)", category=FutureWarning)
        raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("16.1", export_model)

# %% [markdown]
# ## 16.2 Read inputs and outputs
#
# Complete `describe_io(model)`: `model` is an `onnx.ModelProto` (what `onnx.load(...)` returns). Return a dict
#
# ```python
# {"inputs": {name: shape}, "outputs": {name: shape}}
# ```
#
# where a shape is a list with fixed dimensions as integers and **symbolic dimensions as their names**, for example `{"inputs": {"images": ["batch", 1, 8, 8]}, "outputs": {"logits": ["batch", 10]}}`.

# %%
def describe_io(model):
    """Return {"inputs": {name: shape}, "outputs": {name: shape}} of an onnx.ModelProto."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("16.2", describe_io)

# %% [markdown]
# ## 16.3 Compare outputs with a tolerance
#
# Complete `outputs_match(torch_out, ort_out, rtol=1e-4, atol=1e-5)`: return `True` when both outputs have **the same shape** and every element satisfies `|ort - torch| <= atol + rtol * |torch|`, else `False`. `torch_out` may be a PyTorch tensor or a NumPy array.

# %%
def outputs_match(torch_out, ort_out, rtol=1e-4, atol=1e-5):
    """True when both outputs have the same shape and agree within rtol/atol."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("16.3", outputs_match)

# %% [markdown]
# ## 16.4 Count the nodes of an op type
#
# Complete `count_ops(model, op_type)`: return how many nodes in the graph of an `onnx.ModelProto` have an op type of **exactly** `op_type` (such as `"Conv"`).

# %%
def count_ops(model, op_type):
    """Number of nodes in model.graph whose op type is exactly `op_type`."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("16.4", count_ops)

# %% [markdown]
# ## 16.5 Read the opset
#
# Before deploying, make sure the target runtime supports the model's opset. Complete `opset_of(model)`: return the version of the **standard operator set** (domain `""`, also written `"ai.onnx"`) that an `onnx.ModelProto` uses. The model may import operator sets of other domains too.

# %%
def opset_of(model):
    """Version of the default ONNX operator set ("" / "ai.onnx") that the model imports."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("16.5", opset_of)

# %% [markdown]
# Want a different opset? Pass `opset_version=` when exporting, for example `torch.onnx.export(..., dynamo=True, opset_version=18)`, and confirm with `opset_of(onnx.load(path))`.
