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
# # 05 · 练习：自动求导
#
# 六道题，练习第 05 章的内容：求梯度、梯度累加、自定义 `autograd.Function`、二阶导数、冻结参数、不建图的预测。
# 把每个函数里的 `raise NotImplementedError(...)` 换成你的代码，然后运行下面的 `check(...)` 单元格。
#
# * `✅` 检查通过，`❌` 还不对（附提示），`⏳` 还没有完成。
# * 检查程序会用**它自己的**输入调用你的函数，所以不要把答案写死。
# * 卡住了？完整答案在 `solutions/zh/05_autograd.ipynb`。

# %%
from course_utils import check, setup_notebook

setup_notebook()

# %%
import torch
from torch import nn

# %% [markdown]
# ## 05.1 函数在一点的梯度
#
# 完成 `grad_at(f, x)`：`f` 把一个张量映射成一个**标量**张量，`x` 是一个不需要梯度的浮点张量。
# 返回 $\nabla f(x)$（和 `x` 形状相同）。要求：
#
# * 返回的张量**不**需要梯度（不连在任何图上）；
# * 不要改动调用者的 `x`（它的 `requires_grad` 和 `.grad` 保持原样）；
# * 用同一个 `x` 调用两次，两次结果要一样。

# %%
def grad_at(f, x):
    """Return the gradient of the scalar function f at x, as a tensor that does not require grad."""
    ### BEGIN SOLUTION
    x = x.detach().requires_grad_()  # 一个新的叶子张量，和调用者的 x 无关
    f(x).backward()
    return x.grad
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("05.1", grad_at)

# %% [markdown]
# ## 05.2 小批次梯度累加
#
# 完成 `accumulate_micro_batches(model, x, y, n_micro)`：把 `(x, y)` 按顺序分成 `n_micro` 个大小相同的小批次
# （`x.chunk(n_micro)`），逐个计算均方误差损失（`nn.functional.mse_loss`）并反向传播，
# 让 `model` 各参数的 `.grad` 最终**恰好等于**在整个批次上计算 `mse_loss(model(x), y)` 得到的梯度。
#
# * 调用前，`.grad` 里可能还留着上一步的旧梯度；
# * 只累加梯度，不要更新参数；函数不需要返回值。

# %%
def accumulate_micro_batches(model, x, y, n_micro):
    """Leave in model's .grad the full-batch MSE gradient, computed over n_micro micro-batches."""
    ### BEGIN SOLUTION
    model.zero_grad()
    for xb, yb in zip(x.chunk(n_micro), y.chunk(n_micro)):
        loss = nn.functional.mse_loss(model(xb), yb) / n_micro
        loss.backward()
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("05.2", accumulate_micro_batches)

# %% [markdown]
# ## 05.3 自定义 `autograd.Function` 的反向传播
#
# `LogAddExp` 计算 $\operatorname{out} = \log(e^x + e^y)$。`forward` 已经写好：它先减去较大的那个数，所以不会溢出，
# 并把 `x`、`y` 和 `out` 存进了 `ctx`。请写出 `backward`：返回 `(x 的梯度, y 的梯度)`。
#
# 提示：$\dfrac{\partial\,\mathrm{out}}{\partial x} = \dfrac{e^x}{e^x + e^y}$。用已经算好的 `out` 改写它，就不会溢出。
# 别忘了链式法则。检查程序会用 `gradcheck` 验证你的梯度，并在 $x = 1000$ 这样的大数上测试稳定性。

# %%
class LogAddExp(torch.autograd.Function):
    """out = log(exp(x) + exp(y)), computed without overflow, with a hand-written backward."""

    @staticmethod
    def forward(ctx, x, y):
        m = torch.maximum(x, y)
        out = m + torch.log(torch.exp(x - m) + torch.exp(y - m))
        ctx.save_for_backward(x, y, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        """Return (gradient for x, gradient for y)."""
        x, y, out = ctx.saved_tensors
        ### BEGIN SOLUTION
        return grad_output * torch.exp(x - out), grad_output * torch.exp(y - out)
        ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("05.3", LogAddExp)

# %% [markdown]
# ## 05.4 用 `create_graph` 求二阶导数
#
# 完成 `second_derivative(f, x)`：`f` 是一个**逐元素**的函数（比如 `torch.sin`），返回 $f''(x)$（和 `x` 形状相同）。
# 用两次 `torch.autograd.grad`。和 05.1 一样：结果不需要梯度，也不要改动调用者的 `x`。

# %%
def second_derivative(f, x):
    """Return f''(x) element-wise for an element-wise function f, as a tensor that does not require grad."""
    ### BEGIN SOLUTION
    x = x.detach().requires_grad_()
    (first,) = torch.autograd.grad(f(x).sum(), x, create_graph=True)
    (second,) = torch.autograd.grad(first.sum(), x)
    return second
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("05.4", second_derivative)

# %% [markdown]
# ## 05.5 冻结除最后一层外的所有层
#
# 完成 `freeze_all_but_last(model)`：`model` 是一个 `nn.Sequential`。冻结它最后一层之前的所有参数，
# 只让最后一层 `model[-1]` 继续训练；返回仍然需要训练的参数**列表**，可以直接交给优化器。

# %%
def freeze_all_but_last(model):
    """Freeze every parameter except those of model[-1]; return the list of parameters that still train."""
    ### BEGIN SOLUTION
    for layer in model[:-1]:
        layer.requires_grad_(False)
    return [p for p in model.parameters() if p.requires_grad]
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("05.5", freeze_all_but_last)

# %% [markdown]
# ## 05.6 预测时不建计算图
#
# 完成 `predict(model, x)`：返回 `model` 对 `x` 的预测，要求
#
# * 不建计算图（结果不需要梯度，前向计算时也不记录图）；
# * 用评估模式（模型里可能有 `Dropout`，预测时必须关掉它）；
# * 调用之后，笔记本的其他部分照常可以求梯度。

# %%
def predict(model, x):
    """Return model's predictions for x in evaluation mode, without building an autograd graph."""
    ### BEGIN SOLUTION
    model.eval()
    with torch.no_grad():
        return model(x)
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("05.6", predict)

# %% [markdown]
# 六个 ✅？你已经掌握了 autograd 的日常用法。下一章（06）用 `nn.Module` 搭建模型。
