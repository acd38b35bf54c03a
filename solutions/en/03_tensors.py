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
# # 03 · Exercises: tensors
#
# Five exercises on the key points of chapter 03: moving axes, broadcasting, boolean masks, leaving the input untouched, and pairwise distances without loops.
#
# Replace the `raise NotImplementedError(...)` in each function with your code, then run the `check(...)` cell below it.
#
# * `✅` checks passed, `❌` not yet (with a hint), `⏳` not done yet.
# * `check()` calls your function on several inputs of its own, random ones included, so working on one example from the lesson is not enough.
# * None of the exercises needs a Python loop: use tensor operations.
# * Stuck? The full solutions are in `solutions/en/03_tensors.ipynb`.

# %%
from course_utils import check, setup_notebook

setup_notebook()

import torch

# %% [markdown]
# ## 03.1 Images to channels-first
#
# A batch of colour images is stored as $(N, H, W, C)$ (images, height, width, channels), the habit of many image libraries. PyTorch's convolution layers want $(N, C, H, W)$.
#
# Complete `to_channels_first(images)` so that it returns a tensor of shape $(N, C, H, W)$ with `result[n, c, h, w] == images[n, h, w, c]`.
#
# Hint: remember the picture in section 6 of the lesson: the right shape does not mean the right data.

# %%
def to_channels_first(images):
    """(N, H, W, C) -> (N, C, H, W), moving the channel axis."""
    ### BEGIN SOLUTION
    return images.permute(0, 3, 1, 2)
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("03.1", to_channels_first)

# %% [markdown]
# ## 03.2 Standardize the columns
#
# Before training, each feature (each **column**) is often standardized to mean 0 and standard deviation 1. Complete `standardize_columns(x)`: `x` has shape $(N, D)$ ($N$ samples, $D$ features); return a tensor of the same shape in which each column has its own mean subtracted and is divided by its own standard deviation.
#
# * Use the standard deviation as `x.std(...)` computes it by default (dividing by $N - 1$).
# * Use broadcasting, no loops; think about `dim` and `keepdim`.
# * Do not modify `x` itself.

# %%
def standardize_columns(x):
    """Return (x - column mean) / column std for a 2-D float tensor x of shape (N, D)."""
    ### BEGIN SOLUTION
    mean = x.mean(dim=0, keepdim=True)  # (1, D): one mean per column
    std = x.std(dim=0, keepdim=True)  # (1, D)
    return (x - mean) / std
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("03.2", standardize_columns)

# %% [markdown]
# ## 03.3 Select rows with a boolean mask
#
# Complete `rows_with_negatives(x)`: `x` is a 2-D tensor; return the rows that contain **at least one negative value**, in their original order. The result has shape $(k, D)$, where $k$ is the number of such rows (possibly 0). Zero is not negative.
#
# For example, for `[[1, 2], [-1, 5], [0, 0], [3, -4]]` the result is `[[-1, 5], [3, -4]]`.

# %%
def rows_with_negatives(x):
    """Return the rows of the 2-D tensor x that contain at least one negative value."""
    ### BEGIN SOLUTION
    mask = (x < 0).any(dim=1)  # one True/False per row, shape (N,)
    return x[mask]
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("03.3", rows_with_negatives)

# %% [markdown]
# ## 03.4 Zero the diagonal without touching the input
#
# Complete `zero_diagonal(m)`: `m` is a square matrix; return a **new** matrix with zeros on the diagonal and every other entry equal to `m`'s, with the same `dtype` as `m` (`m` may be an integer matrix).
#
# The caller's `m` must stay as it was: `check()` tests whether your function modifies it in place, and whether the result shares memory with `m`.

# %%
def zero_diagonal(m):
    """Return a copy of the square matrix m with zeros on the diagonal; m itself is unchanged."""
    ### BEGIN SOLUTION
    result = m.clone()  # copy first, then change the copy in place
    result.fill_diagonal_(0)
    return result
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("03.4", zero_diagonal)

# %% [markdown]
# ## 03.5 Pairwise distances by broadcasting
#
# `a` has shape $(N, D)$ and `b` has shape $(M, D)$: $N$ and $M$ points in $D$ dimensions. Complete `pairwise_distances(a, b)` so that it returns a tensor of shape $(N, M)$ whose entry $[i, j]$ is the Euclidean distance between `a[i]` and `b[j]`:
#
# $$d_{ij} = \sqrt{\sum_k (a_{ik} - b_{jk})^2}.$$
#
# Write no loop and do not use `torch.cdist` (the check disables it): get all the pairwise differences by broadcasting.

# %%
def pairwise_distances(a, b):
    """Euclidean distances between every row of a (N, D) and every row of b (M, D): shape (N, M)."""
    ### BEGIN SOLUTION
    diff = a[:, None, :] - b[None, :, :]  # (N, 1, D) - (1, M, D) -> (N, M, D)
    return (diff**2).sum(dim=-1).sqrt()
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("03.5", pairwise_distances)

# %% [markdown]
# Five ✅? The next chapter moves tensors to the GPU.
