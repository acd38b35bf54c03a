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
# # 16 · 练习：ONNX 导出
#
# 五道练习：导出带动态批维度的模型，读出 ONNX 文件的输入输出、算子和 opset，并用容差比较输出。课文 `notebooks/zh/16_onnx.ipynb` 里有全部需要的代码。
#
# * `✅` 检查通过，`❌` 还不对（附提示），`⏳` 还没有完成。
# * 检查器用它自己的小模型来调用你的函数，所以函数必须对任意模型都成立，而不只是对课文里的那个。

# %%
from course_utils import check, setup_notebook

setup_notebook()

# %%
import warnings

import numpy as np
import torch

# %% [markdown]
# ## 16.1 导出时保持批维度动态
#
# 完成 `export_model(model, example, path)`：用 dynamo 导出器把 `model` 导出到 `path`，并**返回这个路径**。导出的文件要能在 onnxruntime 中以批大小 1 **和** 7 运行，而示例输入 `example` 的批大小是 2。
#
# 检查器传入的模型，其 `forward` 的参数名叫 `x`，输入形状是 `(批大小, 4)`。提示：`dynamic_shapes`、`torch.export.Dim`。导出时 torch 内部会触发一条 pytree 的 `FutureWarning`，下面的代码已经把它过滤掉了。

# %%
def export_model(model, example, path):
    """Export `model` (forward(self, x)) to ONNX at `path` with a dynamic batch dim; return `path`."""
    with warnings.catch_warnings():
        # torch 2.11 内部在导出时触发的 pytree FutureWarning（LeafSpec），与练习无关
        warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\)", category=FutureWarning)
        ### BEGIN SOLUTION
        torch.onnx.export(
            model,
            (example,),
            path,
            dynamo=True,
            dynamic_shapes={"x": {0: torch.export.Dim("batch")}},
            external_data=False,
            verbose=False,
        )
        return path
        ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("16.1", export_model)

# %% [markdown]
# ## 16.2 读出输入和输出
#
# 完成 `describe_io(model)`：`model` 是一个 `onnx.ModelProto`（`onnx.load(...)` 的结果）。返回一个字典
#
# ```python
# {"inputs": {名字: 形状}, "outputs": {名字: 形状}}
# ```
#
# 形状是一个列表，固定维度写成整数，**符号维度写成它的名字**，例如 `{"inputs": {"images": ["batch", 1, 8, 8]}, "outputs": {"logits": ["batch", 10]}}`。

# %%
def describe_io(model):
    """Return {"inputs": {name: shape}, "outputs": {name: shape}} of an onnx.ModelProto."""
    ### BEGIN SOLUTION
    def shape_of(value_info):
        dims = value_info.type.tensor_type.shape.dim
        return [d.dim_param if d.HasField("dim_param") else d.dim_value for d in dims]

    return {
        "inputs": {v.name: shape_of(v) for v in model.graph.input},
        "outputs": {v.name: shape_of(v) for v in model.graph.output},
    }
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("16.2", describe_io)

# %% [markdown]
# ## 16.3 带容差比较输出
#
# 完成 `outputs_match(torch_out, ort_out, rtol=1e-4, atol=1e-5)`：当两个输出**形状相同**且每个元素都满足 `|ort - torch| <= atol + rtol * |torch|` 时返回 `True`，否则返回 `False`。`torch_out` 可能是 PyTorch 张量，也可能是 NumPy 数组。

# %%
def outputs_match(torch_out, ort_out, rtol=1e-4, atol=1e-5):
    """True when both outputs have the same shape and agree within rtol/atol."""
    ### BEGIN SOLUTION
    a = np.asarray(torch_out)
    b = np.asarray(ort_out)
    return a.shape == b.shape and bool(np.allclose(b, a, rtol=rtol, atol=atol))
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("16.3", outputs_match)

# %% [markdown]
# ## 16.4 数一数某种算子的节点
#
# 完成 `count_ops(model, op_type)`：返回 `onnx.ModelProto` 的图中算子类型**恰好**是 `op_type`（如 `"Conv"`）的节点个数。

# %%
def count_ops(model, op_type):
    """Number of nodes in model.graph whose op type is exactly `op_type`."""
    ### BEGIN SOLUTION
    return sum(node.op_type == op_type for node in model.graph.node)
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("16.4", count_ops)

# %% [markdown]
# ## 16.5 读出 opset
#
# 部署前要确认目标运行时支持模型的 opset。完成 `opset_of(model)`：返回 `onnx.ModelProto` 所用的**标准算子集**（域名为 `""`，也写作 `"ai.onnx"`）的版本号。模型可能还导入了其他域的算子集。

# %%
def opset_of(model):
    """Version of the default ONNX operator set ("" / "ai.onnx") that the model imports."""
    ### BEGIN SOLUTION
    for imp in model.opset_import:
        if imp.domain in ("", "ai.onnx"):
            return imp.version
    return None
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("16.5", opset_of)

# %% [markdown]
# 想换一个 opset？导出时传 `opset_version=`，例如 `torch.onnx.export(..., dynamo=True, opset_version=18)`，再用 `opset_of(onnx.load(path))` 确认。
