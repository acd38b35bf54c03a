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
# # 11 · 练习：文本处理流水线
#
# 五道题，沿着课文的流水线走一遍：切词、建词表、编号、为循环网络整理批次、为 `nn.EmbeddingBag` 准备输入。每道题都和课文里的版本**略有不同**，请仔细读题。
#
# 把每个函数里的 `raise NotImplementedError(...)` 换成你的代码，然后运行下面的 `check(...)` 单元格。`✅` 检查通过，`❌` 还不对（附提示），`⏳` 还没有完成。卡住了？完整答案在 `solutions/zh/11_text.ipynb`。

# %%
from course_utils import check, setup_notebook

setup_notebook()

import re
from collections import Counter

import torch
from torch.nn.utils.rnn import pad_sequence

# %% [markdown]
# ## 11.1 切词
#
# 完成 `tokenize(text)`，返回词元（token）列表：
#
# * 先转成小写；
# * 单词由字母、数字和撇号组成，所以 `"don't"`、`"it's"` 各是**一个**词元；
# * 其他每个非空白字符（标点、符号）**单独**成为一个词元；
# * 只由数字组成的词元换成 `"<num>"`。
#
# 例如 `tokenize("The striker scored 2 goals!")` 返回 `['the', 'striker', 'scored', '<num>', 'goals', '!']`。

# %%
# NBVAL_CHECK_OUTPUT
def tokenize(text):
    """Lower-case, split into words (with apostrophes) and single symbols, and replace numbers by <num>."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


check("11.1", tokenize)

# %% [markdown]
# ## 11.2 建立词表
#
# 完成 `build_vocab(token_lists, min_freq)`：`token_lists` 是若干句子的词元列表。返回词表 `itos`（一个列表，下标就是编号）：
#
# * 下标 0 是 `"<pad>"`，下标 1 是 `"<unk>"`；
# * 然后是出现**至少** `min_freq` 次的每个词元（数全部出现次数），出现次数多的在前；
# * 次数相同的词元按**字母顺序**排列（课文里是按第一次出现的顺序，这里不同）。

# %%
# NBVAL_CHECK_OUTPUT
def build_vocab(token_lists, min_freq):
    """Return itos: '<pad>', '<unk>', then tokens with count >= min_freq, by count (descending), ties alphabetical."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


check("11.2", build_vocab)

# %% [markdown]
# ## 11.3 把词元变成编号
#
# 完成 `numericalize(tokens, stoi)`：`stoi` 是“词元 → 编号”的字典（里面有 `"<pad>"` 和 `"<unk>"`）。返回一个 `torch.long` 张量，每个词元一个编号；词表里没有的词元用 `"<unk>"` 的编号。

# %%
# NBVAL_CHECK_OUTPUT
def numericalize(tokens, stoi):
    """Return a torch.long tensor of ids; tokens missing from stoi get the id of '<unk>'."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


check("11.3", numericalize)

# %% [markdown]
# ## 11.4 为循环网络整理批次（排好序）
#
# 课文（第 6、7 节）补齐时保持批次原来的顺序，打包时用 `enforce_sorted=False`。老代码和导出 ONNX 时常常要求 `enforce_sorted=True`，这时批次必须**按长度从长到短**排好。
#
# 完成 `collate_sorted(batch)`：`batch` 是 `(ids, label)` 对的列表，`ids` 是一维 `torch.long` 张量，`label` 是整数。返回 `(padded, lengths, labels)`：
#
# * 先按序列长度**从长到短**排序（长度相同时保持原来的先后顺序）；
# * `padded`：形状 `(B, T)`，用 `<pad>` 的编号 **0** 补齐；
# * `lengths`：`int64` 张量，每条序列的真实长度；
# * `labels`：`int64` 张量，和序列**按同样的顺序**排列。
#
# 检查器会把结果交给 `pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=True)`。

# %%
# NBVAL_CHECK_OUTPUT
def collate_sorted(batch):
    """Sort (ids, label) pairs by length, longest first; return (padded (B, T) with 0s, lengths, labels)."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


check("11.4", collate_sorted)

# %% [markdown]
# ## 11.5 为 `nn.EmbeddingBag` 准备输入
#
# 完成 `bag_inputs(sequences)`：`sequences` 是若干个一维 `torch.long` 张量（每句话的编号）。返回 `(flat, offsets)`：
#
# * `flat`：所有编号首尾相接成的一维张量；
# * `offsets`：`int64` 张量，`offsets[k]` 是第 k 句在 `flat` 里**开始**的位置（所以第一个总是 0）。
#
# 检查器会验证 `nn.EmbeddingBag(..., mode="mean")(flat, offsets)` 给出的正是每句话的平均嵌入。

# %%
# NBVAL_CHECK_OUTPUT
def bag_inputs(sequences):
    """Return (flat, offsets) for nn.EmbeddingBag: all ids in one tensor, and where each sequence starts."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


check("11.5", bag_inputs)

# %% [markdown]
# 五个 ✅？下一章（第 12 章）处理另一种序列：音频。
