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
# # 03 · 练习：张量
#
# 五道题，练习第 03 章的重点：移动坐标轴、广播、布尔掩码、不要原地修改输入、不用循环计算两两距离。
#
# 把每个函数里的 `raise NotImplementedError(...)` 换成你的代码，然后运行下面的 `check(...)` 单元格。
#
# * `✅` 检查通过，`❌` 还不对（附提示），`⏳` 还没有完成。
# * `check()` 会用它自己的多组输入（包括随机输入）调用你的函数，所以只对课文里那一个例子成立是不够的。
# * 所有题都不需要 Python 循环：用张量运算完成。
# * 卡住了？完整答案在 `solutions/zh/03_tensors.ipynb`。

# %%
from course_utils import check, setup_notebook

setup_notebook()

import torch

# %% [markdown]
# ## 03.1 图片转成通道在前
#
# 一批彩色图片按 $(N, H, W, C)$ 存放（图片数、高、宽、通道），这是很多图像库的习惯。PyTorch 的卷积层要的是 $(N, C, H, W)$。
#
# 完成 `to_channels_first(images)`，返回形状为 $(N, C, H, W)$ 的张量，并且 `result[n, c, h, w] == images[n, h, w, c]`。
#
# 提示：回顾课文第 6 节的图片：形状对了不代表数据对了。

# %%
def to_channels_first(images):
    """(N, H, W, C) -> (N, C, H, W), moving the channel axis."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("03.1", to_channels_first)

# %% [markdown]
# ## 03.2 按列标准化
#
# 训练前常把每个特征（每一**列**）标准化成均值 0、标准差 1。完成 `standardize_columns(x)`：`x` 的形状是 $(N, D)$（$N$ 个样本、$D$ 个特征），返回同形状的张量，每一列减去这一列的均值，再除以这一列的标准差。
#
# * 标准差用 `x.std(...)` 的默认算法（除以 $N - 1$）。
# * 用广播，不要循环；想一想 `dim` 和 `keepdim`。
# * 不要修改 `x` 本身。

# %%
def standardize_columns(x):
    """Return (x - column mean) / column std for a 2-D float tensor x of shape (N, D)."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("03.2", standardize_columns)

# %% [markdown]
# ## 03.3 用布尔掩码选行
#
# 完成 `rows_with_negatives(x)`：`x` 是二维张量，返回其中**至少含有一个负数**的那些行，保持原来的顺序。结果的形状是 $(k, D)$，$k$ 是这样的行数（可以是 0）。0 不算负数。
#
# 例如对 `[[1, 2], [-1, 5], [0, 0], [3, -4]]`，结果是 `[[-1, 5], [3, -4]]`。

# %%
def rows_with_negatives(x):
    """Return the rows of the 2-D tensor x that contain at least one negative value."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("03.3", rows_with_negatives)

# %% [markdown]
# ## 03.4 把对角线置零，但不改输入
#
# 完成 `zero_diagonal(m)`：`m` 是方阵，返回一个**新**矩阵：对角线上的元素是 0，其他元素和 `m` 相同，`dtype` 也和 `m` 相同（`m` 可能是整数矩阵）。
#
# 调用者的 `m` 必须保持原样：`check()` 会检查你的函数有没有原地修改它，也会检查返回值是否和 `m` 共享内存。

# %%
def zero_diagonal(m):
    """Return a copy of the square matrix m with zeros on the diagonal; m itself is unchanged."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("03.4", zero_diagonal)

# %% [markdown]
# ## 03.5 用广播计算两两距离
#
# `a` 的形状是 $(N, D)$，`b` 的形状是 $(M, D)$：分别是 $N$ 个和 $M$ 个 $D$ 维的点。完成 `pairwise_distances(a, b)`，返回形状 $(N, M)$ 的张量，第 $[i, j]$ 个元素是 `a[i]` 和 `b[j]` 之间的欧氏距离
#
# $$d_{ij} = \sqrt{\sum_k (a_{ik} - b_{jk})^2}.$$
#
# 不要写循环，也不要用 `torch.cdist`（检查时它被禁用了）：用广播得到所有两两差值。

# %%
def pairwise_distances(a, b):
    """Euclidean distances between every row of a (N, D) and every row of b (M, D): shape (N, M)."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("03.5", pairwise_distances)

# %% [markdown]
# 五个 ✅？下一章把张量搬到 GPU 上。
