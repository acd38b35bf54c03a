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
# # 06 · 练习：神经网络模块
#
# 五道练习，对应第 06 章的五个要点：写一个 `nn.Module`、数参数、选对损失函数、亲手完成一步训练、加载键名对不上的 `state_dict`。
#
# * 把函数里的 `raise NotImplementedError(...)` 换成你的代码，然后运行下面的 `check(...)` 单元格。
# * `✅` 检查通过，`❌` 还不对（附提示），`⏳` 还没有完成。
# * 检查程序会用它自己的模型和数据调用你的函数，所以函数要对任意合理的输入都成立，而不只是对某一个例子。
# * 卡住了？先回到课文 `notebooks/zh/06_nn.ipynb` 的对应小节；完整答案在 `solutions/zh/06_nn.ipynb`。

# %%
from course_utils import check, setup_notebook

setup_notebook()

# %%
import torch
import torch.nn.functional as F
from torch import nn

# %% [markdown]
# ## 06.1 任意层大小的 MLP
#
# 完成 `MLP` 类。`MLP(sizes)` 接收一个层大小的列表，例如 `[4, 16, 8, 3]`，为每一对相邻的大小建一个 `nn.Linear`
# （这里是 `Linear(4, 16)`、`Linear(16, 8)`、`Linear(8, 3)`，都带偏置），`forward` 依次调用它们，
# 在每两层**之间**加 ReLU，最后一层之后**不加**（它输出 logits）。
#
# 要求：对任何长度的 `sizes` 都能用（`[2, 5]` 只有一层），并且所有层都要被 `nn.Module` 登记，
# 这样 `model.parameters()`、`.to(device)` 和 `state_dict()` 才能看到它们。

# %%
class MLP(nn.Module):
    """Linear layers between consecutive sizes, with ReLU between them (none after the last)."""

    def __init__(self, sizes):
        ### BEGIN SOLUTION
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = torch.relu(x)
        return x
        ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("06.1", MLP)

# %% [markdown]
# ## 06.2 数一数可训练的参数
#
# 完成 `count_trainable(model)`：返回模型中**可训练**参数（`requires_grad=True`）的**元素**个数，一个 Python `int`。
# 被冻结的参数不算，buffer（比如 BatchNorm 的 `running_mean`）也不算。

# %%
def count_trainable(model):
    """Number of elements in the parameters of `model` that require grad."""
    ### BEGIN SOLUTION
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("06.2", count_trainable)

# %% [markdown]
# ## 06.3 由 logits 计算分类损失
#
# 完成 `classification_loss(logits, labels)`：`logits` 是模型输出的原始分数，形状 `(N, C)`；`labels` 是 `int64` 类别编号，形状 `(N,)`。
# 返回整批的**平均**交叉熵损失，作为一个张量（之后要能对它调用 `backward()`）。

# %%
def classification_loss(logits, labels):
    """Mean cross-entropy of raw scores `logits` (N, C) against class indices `labels` (N,)."""
    ### BEGIN SOLUTION
    return F.cross_entropy(logits, labels)
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("06.3", classification_loss)

# %% [markdown]
# ## 06.4 亲手走一步 SGD
#
# 不用 `torch.optim`，完成一步梯度下降。`sgd_step(model, inputs, targets, lr)` 要：
#
# 1. 先清空梯度（模型可能带着上一步留下的 `.grad` 进来）；
# 2. 计算均方误差损失 `F.mse_loss(model(inputs), targets)`，并 `backward()`；
# 3. 对每个参数做 $w \leftarrow w - \text{lr}\cdot\text{grad}$，**原地**修改（放在 `torch.no_grad()` 里）；
# 4. 返回更新**之前**的损失，一个 Python `float`。

# %%
def sgd_step(model, inputs, targets, lr):
    """One gradient-descent step on the MSE loss, by hand; return the loss before the step."""
    ### BEGIN SOLUTION
    model.zero_grad()
    loss = F.mse_loss(model(inputs), targets)
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
    return loss.item()
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("06.4", sgd_step)

# %% [markdown]
# ## 06.5 加载键名带前缀的检查点
#
# 一个模型用 `DistributedDataParallel` 包着训练，保存下来的 `state_dict` 里每个键都多了前缀 `module.`，
# 例如 `module.encoder.weight`。完成 `load_without_prefix(model, checkpoint)`：去掉每个键开头的 `module.`，
# 用默认的 `strict=True` 加载进 `model`，然后返回 `model`。
#
# 提示：模型里可能有名字中间也含 `module.` 的层（比如 `submodule.weight`）。

# %%
def load_without_prefix(model, checkpoint):
    """Load `checkpoint`, whose keys start with 'module.', into `model` (strictly); return `model`."""
    ### BEGIN SOLUTION
    renamed = {key.removeprefix("module."): value for key, value in checkpoint.items()}
    model.load_state_dict(renamed)
    return model
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("06.5", load_without_prefix)

# %% [markdown]
# 五个 ✅？那就可以进入第 07 章：优化器和学习率调度。
