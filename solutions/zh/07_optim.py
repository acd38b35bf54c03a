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
# # 07 · 练习：优化器
#
# 五道题，把课文里的更新规则亲手实现一遍，再让 `check()` 拿它们和 `torch.optim` 的真实行为对比：
#
# 1. 二次函数上最快的学习率；
# 2. 一步带动量的 SGD；
# 3. 两个参数组：偏置和归一化层不做权重衰减；
# 4. 余弦学习率日程；
# 5. 按总范数裁剪梯度。
#
# 把函数里的 `raise NotImplementedError(...)` 换成你的代码，然后运行下面的 `check(...)` 单元格。
# `✅` 检查通过，`❌` 还不对（附提示），`⏳` 还没有完成。卡住了？完整答案在 `solutions/zh/07_optim.ipynb`。

# %%
from course_utils import setup_notebook

setup_notebook()

# %%
import math

import torch

from course_utils import check

# %% [markdown]
# ## 07.1 最快的学习率
#
# 在 $f(\mathbf{x}) = \tfrac12 \mathbf{x}^\top A \mathbf{x}$（$A$ 对称正定）上做梯度下降，沿 $A$ 的第 $i$ 个特征向量方向，误差每步乘以 $(1 - \eta\lambda_i)$。
# 收敛速度由最慢的方向决定，也就是 $\max_i |1 - \eta\lambda_i|$。
#
# 完成 `fastest_lr(A)`：返回让这个最大值最小的学习率（一个数）。提示：特征值用 `torch.linalg.eigvalsh(A)` 求；
# 最大值只取决于最小和最大的特征值，想一想什么时候两端的 $|1 - \eta\lambda|$ 相等。
# 检查器会用几个**非对角**的矩阵来测试，并告诉你你的学习率会让梯度下降怎样走。

# %%
def fastest_lr(A):
    """The learning rate that makes gradient descent on 0.5 * x^T A x converge fastest."""
    ### BEGIN SOLUTION
    eigenvalues = torch.linalg.eigvalsh(A)
    return 2 / (eigenvalues.min() + eigenvalues.max()).item()
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("07.1", fastest_lr)

# %% [markdown]
# ## 07.2 亲手实现一步带动量的 SGD
#
# 完成 `momentum_step(param, grad, buf, lr, momentum)`，让它和 `torch.optim.SGD(params, lr=lr, momentum=momentum)` 的一步完全一致：
#
# * `buf` 是动量缓冲区；第一步时它是 `None`；
# * 返回二元组 `(new_param, new_buf)`，两个都是张量。
#
# 规则见课文第 3 节。检查器会连续调用你的函数四步，每一步都把你返回的 `new_buf` 作为下一步的 `buf` 传回来，并与 `torch.optim.SGD` 的参数和 `momentum_buffer` 逐步对比。

# %%
def momentum_step(param, grad, buf, lr, momentum):
    """One step of torch.optim.SGD with momentum; return (new_param, new_buf)."""
    ### BEGIN SOLUTION
    if buf is None:
        buf = grad.clone()
    else:
        buf = momentum * buf + grad
    return param - lr * buf, buf
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("07.2", momentum_step)

# %% [markdown]
# ## 07.3 两个参数组：只衰减权重矩阵
#
# 完成 `make_optimizer(model, lr, weight_decay)`：返回一个 `torch.optim.AdamW`，它
#
# * 对所有**至少二维**的参数（`p.ndim >= 2`，即 `Linear`、卷积等的权重矩阵）使用 `weight_decay`；
# * 对所有**一维**的参数（偏置，以及 `LayerNorm`/`BatchNorm` 的 `weight` 和 `bias`）使用 `weight_decay=0.0`；
# * 所有参数都用学习率 `lr`，每个参数恰好出现在一个组里。
#
# 检查器会用一个含有 `LayerNorm` 的小网络测试。

# %%
def make_optimizer(model, lr, weight_decay):
    """AdamW with weight decay on the weight matrices only (not on biases and norm parameters)."""
    ### BEGIN SOLUTION
    decay = [p for p in model.parameters() if p.ndim >= 2]
    no_decay = [p for p in model.parameters() if p.ndim < 2]
    return torch.optim.AdamW(
        [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=lr,
    )
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("07.3", make_optimizer)

# %% [markdown]
# ## 07.4 余弦学习率日程
#
# 完成 `cosine_lr(step, base_lr, eta_min, T_max)`：返回 `CosineAnnealingLR(optimizer, T_max, eta_min)` 在第 `step` 次 `optimizer.step()` 时使用的学习率
# （`step` 从 0 开始，`0 <= step <= T_max`；优化器的初始学习率是 `base_lr`，每次 `optimizer.step()` 之后调用一次 `scheduler.step()`）。
#
# 检查器会把你的结果和真正的 `CosineAnnealingLR` 逐步对比。小心差一步的错误：第 0 步用的是哪个学习率？学习率在哪一步降到 `eta_min`？

# %%
def cosine_lr(step, base_lr, eta_min, T_max):
    """The learning rate CosineAnnealingLR uses at optimizer step `step` (0-based)."""
    ### BEGIN SOLUTION
    return eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * step / T_max)) / 2
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("07.4", cosine_lr)

# %% [markdown]
# ## 07.5 亲手实现按总范数的梯度裁剪
#
# 完成 `clip_by_total_norm(grads, max_norm)`，**不要**调用 `clip_grad_norm_`：
#
# * `grads` 是一串梯度张量（形状各不相同）；
# * 返回二元组 `(clipped, total_norm)`：`clipped` 是一个新的张量列表，等于 `clip_grad_norm_(params, max_norm)` 之后各个参数的 `.grad`；
#   `total_norm` 是裁剪**之前**的总范数（就是 `clip_grad_norm_` 的返回值），可以是一个数或者零维张量。
#
# 提示：和 `clip_grad_norm_` 一样，缩放系数用 `max_norm / (total_norm + 1e-6)`，并且只缩短、不拉长。

# %%
def clip_by_total_norm(grads, max_norm):
    """Clip a list of gradients by their total norm; return (clipped, total_norm before clipping)."""
    ### BEGIN SOLUTION
    total_norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
    scale = torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)
    return [g * scale for g in grads], total_norm
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("07.5", clip_by_total_norm)

# %% [markdown]
# 五个 ✅？可以进入第 08 章：数据集和 `DataLoader`。
