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
# # 07 · Exercises: optimizers
#
# Five exercises that implement the lesson's update rules by hand; `check()` then compares them with what `torch.optim` really does:
#
# 1. the fastest learning rate on a quadratic;
# 2. one step of SGD with momentum;
# 3. two parameter groups: no weight decay on biases and normalisation layers;
# 4. a cosine learning-rate schedule;
# 5. clipping gradients by their total norm.
#
# Replace the `raise NotImplementedError(...)` in each function with your code, then run the `check(...)` cell below it.
# `✅` means the checks passed, `❌` not yet (with a hint), `⏳` not done yet. Stuck? The full solutions are in `solutions/en/07_optim.ipynb`.

# %%
from course_utils import setup_notebook

setup_notebook()

# %%
import math

import torch

from course_utils import check

# %% [markdown]
# ## 07.1 The fastest learning rate
#
# Gradient descent on $f(\mathbf{x}) = \tfrac12 \mathbf{x}^\top A \mathbf{x}$ ($A$ symmetric positive definite) multiplies the error along the $i$-th eigenvector of $A$ by $(1 - \eta\lambda_i)$ at every step.
# The speed of convergence is set by the slowest direction, that is by $\max_i |1 - \eta\lambda_i|$.
#
# Complete `fastest_lr(A)`: return the learning rate (a number) that makes this maximum as small as possible. Hint: get the eigenvalues with `torch.linalg.eigvalsh(A)`;
# the maximum depends only on the smallest and the largest eigenvalue. When are the two ends' $|1 - \eta\lambda|$ equal?
# The checker tests with a few **non-diagonal** matrices and tells you how gradient descent behaves with your learning rate.

# %%
def fastest_lr(A):
    """The learning rate that makes gradient descent on 0.5 * x^T A x converge fastest."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("07.1", fastest_lr)

# %% [markdown]
# ## 07.2 One step of SGD with momentum, by hand
#
# Complete `momentum_step(param, grad, buf, lr, momentum)` so that it matches one step of `torch.optim.SGD(params, lr=lr, momentum=momentum)` exactly:
#
# * `buf` is the momentum buffer; on the first step it is `None`;
# * return the pair `(new_param, new_buf)`, both tensors.
#
# The rule is in section 3 of the lesson. The checker calls your function for four steps in a row, passing the `new_buf` you returned back in as the next step's `buf`, and compares each step with the parameters and the `momentum_buffer` of `torch.optim.SGD`.

# %%
def momentum_step(param, grad, buf, lr, momentum):
    """One step of torch.optim.SGD with momentum; return (new_param, new_buf)."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("07.2", momentum_step)

# %% [markdown]
# ## 07.3 Two parameter groups: decay only the weight matrices
#
# Complete `make_optimizer(model, lr, weight_decay)`: return a `torch.optim.AdamW` that
#
# * uses `weight_decay` for every parameter with **at least two dimensions** (`p.ndim >= 2`: the weight matrices of `Linear`, convolutions and so on);
# * uses `weight_decay=0.0` for every **one-dimensional** parameter (biases, and the `weight` and `bias` of `LayerNorm`/`BatchNorm`);
# * uses the learning rate `lr` for all parameters, with each parameter in exactly one group.
#
# The checker tests it on a small network that contains a `LayerNorm`.

# %%
def make_optimizer(model, lr, weight_decay):
    """AdamW with weight decay on the weight matrices only (not on biases and norm parameters)."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("07.3", make_optimizer)

# %% [markdown]
# ## 07.4 A cosine learning-rate schedule
#
# Complete `cosine_lr(step, base_lr, eta_min, T_max)`: return the learning rate that `CosineAnnealingLR(optimizer, T_max, eta_min)` uses at the `step`-th `optimizer.step()`
# (`step` counts from 0, `0 <= step <= T_max`; the optimizer's initial learning rate is `base_lr`, and `scheduler.step()` is called once after every `optimizer.step()`).
#
# The checker compares your values with the real `CosineAnnealingLR`, step by step. Watch out for off-by-one errors: which learning rate does step 0 use? At which step does it reach `eta_min`?

# %%
def cosine_lr(step, base_lr, eta_min, T_max):
    """The learning rate CosineAnnealingLR uses at optimizer step `step` (0-based)."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("07.4", cosine_lr)

# %% [markdown]
# ## 07.5 Gradient-norm clipping, by hand
#
# Complete `clip_by_total_norm(grads, max_norm)` **without** calling `clip_grad_norm_`:
#
# * `grads` is a list of gradient tensors (of different shapes);
# * return the pair `(clipped, total_norm)`: `clipped` is a new list of tensors, equal to the parameters' `.grad` after `clip_grad_norm_(params, max_norm)`;
#   `total_norm` is the total norm **before** clipping (what `clip_grad_norm_` returns), as a number or a 0-d tensor.
#
# Hint: like `clip_grad_norm_`, scale by `max_norm / (total_norm + 1e-6)`, and only ever shrink, never stretch.

# %%
def clip_by_total_norm(grads, max_norm):
    """Clip a list of gradients by their total norm; return (clipped, total_norm before clipping)."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("07.5", clip_by_total_norm)

# %% [markdown]
# Five ✅? On to chapter 08: datasets and `DataLoader`.
