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
# # 09 · 练习：完整的训练项目
#
# 六道题，对应课文里的六个环节：准确率、混淆矩阵、评估函数、保存检查点、加载检查点，最后只改超参数把一次失败的训练修好。
#
# 把函数里的 `raise NotImplementedError(...)` 换成你的代码，然后运行下面的 `check(...)` 单元格：
# `✅` 检查通过，`❌` 还不对（附提示），`⏳` 还没有完成。卡住了？完整答案在 `solutions/zh/09_training.ipynb`。

# %%
from course_utils import check, setup_notebook

setup_notebook()

# %%
import torch

# %% [markdown]
# ## 09.1 由 logits 计算准确率
#
# 模型对 N 个样本输出形状为 `(N, C)` 的 logits（每个类别一个分数），`targets` 是形状为 `(N,)` 的真实类别。
# 完成 `accuracy(logits, targets)`：返回预测正确的**比例**（0 到 1 之间的一个数）。预测的类别是分数最大的那个。

# %%
def accuracy(logits, targets):
    """Fraction of the rows of `logits` whose largest score is at the target class (a number in [0, 1])."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("09.1", accuracy)

# %% [markdown]
# ## 09.2 混淆矩阵
#
# 完成 `confusion_matrix(preds, targets, num_classes)`：返回形状为 `(num_classes, num_classes)` 的整数张量，
# 其中 `cm[t, p]` 是“真实类别为 t、被预测为 p”的样本个数（**行是真实类别，列是预测类别**，和 scikit-learn 的约定一样）。
# 从没出现过的类别也要有自己的行和列。

# %%
def confusion_matrix(preds, targets, num_classes):
    """cm[t, p] = how many examples of true class t were predicted as class p."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("09.2", confusion_matrix)

# %% [markdown]
# ## 09.3 评估函数
#
# 完成 `evaluate_accuracy(model, loader, device)`：返回 `model` 在 `loader` 的**全部**样本上的准确率。要求：
#
# * 在评估模式下运行模型（Dropout 关闭）；
# * 不记录计算图；
# * 把每个批次移到 `device` 上；
# * 所有批次一起算：累计预测正确的个数和样本总数，最后再相除（最后一个批次可能比较小）。
#
# 检查程序会用一个带 Dropout 的模型来测试。

# %%
def evaluate_accuracy(model, loader, device):
    """Accuracy of `model` over all examples of `loader`, in eval mode and without recording a graph."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("09.3", evaluate_accuracy)

# %% [markdown]
# ## 09.4 保存检查点
#
# 完成 `save_training_state(path, model, optimizer, epoch)`：把一个字典保存到 `path`，它有三个键：
# `"model"`（模型的 `state_dict`）、`"optimizer"`（优化器的 `state_dict`）和 `"epoch"`（已完成的轮数）。
# 检查程序会用 `torch.load(path, weights_only=True)` 读取它。

# %%
def save_training_state(path, model, optimizer, epoch):
    """Save {"model": ..., "optimizer": ..., "epoch": ...} to `path`, so that training can resume."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("09.4", save_training_state)

# %% [markdown]
# ## 09.5 加载检查点，继续训练
#
# 完成 `load_training_state(path, model, optimizer)`：读取 09.4 格式的检查点，把保存的状态放进**传入的** `model` 和 `optimizer`，
# 并返回已完成的轮数（之后就可以 `fit(..., start_epoch=返回值)` 接着训练）。
# 检查程序会在加载之后再训练一步，看结果是否和原来的训练完全一样。

# %%
def load_training_state(path, model, optimizer):
    """Load a checkpoint written by save_training_state into `model` and `optimizer`; return its epoch."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("09.5", load_training_state)

# %% [markdown]
# ## 09.6 修好超参数
#
# 检查程序用你给的超参数，在 digits 的训练集上训练一个固定的小网络（64 → 64 → 10 的全连接网络，带动量 0.9 的 SGD），
# 然后在验证集上测准确率。目标：**验证准确率至少 95%**。
#
# 下面函数里标出的那几个值训练效果很差。**只改这几个值**（学习率 `lr`、轮数 `epochs`、批大小 `batch_size`，
# 轮数最多 20），然后删掉 `raise NotImplementedError` 那一行。模型、优化器和数据都不能改：字典里只能有这三个键。
#
# 每次检查都会重新训练（几秒钟），失败时的提示会告诉你损失是怎么变化的：没怎么下降？变成了 nan？还在下降？
# 据此判断该往哪个方向调。想自己看训练过程，可以调用检查程序用的同一个函数：
# `from course_utils.checks.ch09_training import train_with_hyperparameters`，`train_with_hyperparameters(config)` 返回每一轮的训练损失和验证准确率。

# %%
def hyperparameters():
    """Return the training hyperparameters: change only the values in the marked block."""
    # ---- 只能改这三个值（现在的值训练效果很差）----------------------------
    config = {"lr": 0.0001, "epochs": 2, "batch_size": 512}
    # ----------------------------------------------------------------------
    raise NotImplementedError("Write your code here / 在这里写你的代码")
    return config


# %%
# NBVAL_CHECK_OUTPUT
check("09.6", hyperparameters)

# %% [markdown]
# 六个 ✅？你已经完整地走过了一个深度学习项目：数据切分、训练、评估、检查点。下一章用 torchvision 处理真正的图像。
