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
# # 08 · 练习：数据
#
# 五道题，练习第 08 章的重点：自己写 `Dataset`、为变长序列写 `collate_fn`、为不平衡数据算采样权重、可复现的打乱，以及可复现的划分。
#
# 把每个函数里的 `raise NotImplementedError(...)` 换成你的代码，然后运行下面的 `check(...)` 单元格。
#
# * `✅` 检查通过，`❌` 还不对（附提示），`⏳` 还没有完成。
# * `check()` 会用它自己的小数据调用你的代码，所以只对课文里的例子成立是不够的。
# * 卡住了？完整答案在 `solutions/zh/08_data.ipynb`。

# %%
from course_utils import check, setup_notebook

setup_notebook()

import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, Dataset, random_split

# %% [markdown]
# ## 08.1 带变换的 `Dataset`
#
# 完成 `DigitsDataset` 的两个方法（`__init__` 已经写好）：
#
# * `__len__`：样本个数；
# * `__getitem__(index)`：返回 `(image, label)`。`image` 是 `self.images[index]`，`self.transform` 不是 `None` 时先对它调用变换；`label` 是 Python 的 `int`（拼成批次后就是 `CrossEntropyLoss` 需要的 `int64`）。
#
# 不要原地修改 `self.images`。`check()` 会用它自己的图片和一个变换来创建你的数据集，并把它放进 `DataLoader` 试一试。

# %%
class DigitsDataset(Dataset):
    """(image, label) pairs; `transform`, when given, is applied to each image as it is read."""

    def __init__(self, images, labels, transform=None):
        self.images = images
        self.labels = labels
        self.transform = transform

    def __len__(self):
        ### BEGIN SOLUTION
        return len(self.labels)
        ### END SOLUTION

    def __getitem__(self, index):
        ### BEGIN SOLUTION
        image = self.images[index]
        if self.transform is not None:
            image = self.transform(image)
        return image, int(self.labels[index])
        ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("08.1", DigitsDataset)

# %% [markdown]
# ## 08.2 补齐一批变长序列
#
# 完成 `collate_fn` 用的 `pad_collate(batch)`。`batch` 是一个列表，每项是 `(sequence, label)`：`sequence` 是一维浮点张量（长度各不相同），`label` 是 `int`。返回元组 `(padded, lengths, labels)`：
#
# * `padded`：形状 $(B, T)$，$T$ 是**这个批次里**最长序列的长度，短的序列在后面补 0；
# * `lengths`：形状 $(B,)$ 的 `int64` 张量，每条序列补齐**之前**的长度；
# * `labels`：形状 $(B,)$ 的 `int64` 张量。
#
# 提示：`pad_sequence` 已经导入，注意它的 `batch_first` 参数。

# %%
def pad_collate(batch):
    """Pad a list of (sequence, label) pairs; return (padded (B, T), lengths (B,), labels (B,))."""
    ### BEGIN SOLUTION
    sequences = [sequence for sequence, _ in batch]
    lengths = torch.tensor([len(sequence) for sequence in sequences])
    padded = pad_sequence(sequences, batch_first=True, padding_value=0.0)
    labels = torch.tensor([label for _, label in batch])
    return padded, lengths, labels
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("08.2", pad_collate)

# %% [markdown]
# ## 08.3 `WeightedRandomSampler` 的权重
#
# 完成 `sample_weights(labels)`：`labels` 是形状 $(N,)$ 的 `int64` 张量（类别下标，有些类可能一个样本也没有）。返回形状 $(N,)$ 的权重，使得交给 `WeightedRandomSampler` 后**每个类被抽到的机会相等**：样本 $i$ 的权重是 $1 / (\text{和它同类的样本数})$。
#
# 提示：`torch.bincount` 数出每类有多少个样本。

# %%
def sample_weights(labels):
    """One weight per sample, 1 / (number of samples of its class)."""
    ### BEGIN SOLUTION
    counts = torch.bincount(labels)
    class_weights = 1.0 / counts.double()  # 空的类会得到 inf，但不会被下面的索引取到
    return class_weights[labels]
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("08.3", sample_weights)

# %% [markdown]
# ## 08.4 可复现的打乱
#
# 完成 `make_loader(dataset, batch_size, seed)`，返回一个 `DataLoader`：
#
# * 每个 epoch 都打乱（第 2 个 epoch 的顺序和第 1 个不同）；
# * 用同一个 `seed` 创建的两个 loader，给出完全相同的 epoch 序列——即使在创建和使用之间，程序的其他部分用了随机数；
# * 不同的 `seed` 给出不同的顺序。
#
# 提示：回顾课文第 3 节，为什么 `torch.manual_seed` 不够。

# %%
def make_loader(dataset, batch_size, seed):
    """A DataLoader that shuffles every epoch, in an order fixed by `seed`."""
    ### BEGIN SOLUTION
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=generator)
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("08.4", make_loader)

# %% [markdown]
# ## 08.5 可复现的训练/验证划分
#
# 完成 `split_train_val(dataset, val_fraction, seed)`，返回 `(train, val)`：
#
# * 随机划分，验证集约占 `val_fraction`（例如 50 个样本、`0.2` → 40 个训练、10 个验证）；
# * 同一个 `seed` 永远给出同样的划分，不同的 `seed` 给出不同的划分；
# * 不改变全局随机状态（不要调用 `torch.manual_seed`：它会悄悄影响程序里其他所有随机的东西）。

# %%
def split_train_val(dataset, val_fraction, seed):
    """Split `dataset` at random into (train, val), reproducibly."""
    ### BEGIN SOLUTION
    generator = torch.Generator().manual_seed(seed)
    return random_split(dataset, [1 - val_fraction, val_fraction], generator=generator)
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("08.5", split_train_val)

# %% [markdown]
# 五个 ✅？下一章（09）把这些零件用在一个完整的训练项目里。
