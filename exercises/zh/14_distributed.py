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
# # 14 · 练习：分布式训练
#
# 把每个函数里的 `raise NotImplementedError(...)` 换成你的代码，然后运行下面的 `check(...)` 单元格。`✅` 检查通过，`❌` 还不对（附提示），`⏳` 还没有完成。卡住了？完整答案在 `solutions/zh/14_distributed.ipynb`。

# %%
from course_utils import check, setup_notebook

setup_notebook()

import torch.distributed as dist

# %% [markdown]
# ## 14.1 自己实现 `all_reduce_mean`
#
# 完成 `all_reduce_mean(tensor)`：在每个 rank 上调用，调用后**每个** rank 的 `tensor` 都变成所有 rank 上这个张量的**平均值**（原地修改），并返回 `tensor`。只用 `dist.all_reduce`（默认 `ReduceOp.SUM`）和除法，不要用 `ReduceOp.AVG`：检查器拿它来对照。
#
# 检查器会启动 **3 个真实的进程**（gloo 后端，通过一个文件会合），在每个进程里调用你的函数（rank r 上的张量是 `[1, 2, 3] + 10 r`）。用 3 个而不是 2 个，是为了让写死的 `/ 2` 通不过。这要几秒钟。函数里只能用 `torch`、`dist` 和你在笔记本里导入的模块。

# %%
def all_reduce_mean(tensor):
    """Average `tensor` over all ranks, in place, and return it."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("14.1", all_reduce_mean)

# %% [markdown]
# ## 14.2 `DistributedSampler` 分给 rank 的下标
#
# 完成 `sampler_indices(n, num_replicas, rank, drop_last=False)`：返回 `DistributedSampler(range(n), num_replicas=num_replicas, rank=rank, shuffle=False, drop_last=drop_last)` 给出的下标列表，但**不要**用 `DistributedSampler`，自己算。回忆课上的规则：补齐（或截断）到 `num_replicas` 的倍数，再间隔取。

# %%
def sampler_indices(n, num_replicas, rank, drop_last=False):
    """The indices DistributedSampler(shuffle=False) gives to `rank`."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("14.2", sampler_indices)

# %% [markdown]
# ## 14.3 全局批量与学习率
#
# 一个学习率 `base_lr` 是在批量 `base_batch` 下调好的。现在用 DDP 训练：`world_size` 个 rank，每个 rank 每步 `per_rank_batch` 个样本。完成 `scale_for_ddp(base_lr, base_batch, per_rank_batch, world_size)`，返回元组 `(global_batch, lr)`：
#
# * `global_batch`：每一步（所有 rank 合计）处理的样本数；
# * `lr`：按**线性缩放规则**调整后的学习率：批量变成 k 倍，学习率也乘以 k（大批量时通常还要配合预热 warm-up，这里不管）。

# %%
def scale_for_ddp(base_lr, base_batch, per_rank_batch, world_size):
    """Return (global_batch, lr) with the linear scaling rule."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("14.3", scale_for_ddp)

# %% [markdown]
# ## 14.4 两台机器、每台 4 块 GPU 的 `torchrun` 命令
#
# 完成 `torchrun_args(endpoint, job_id)`：返回在**每台**机器上运行的 torchrun 命令的参数列表（字符串列表，可以以 `"torchrun"` 开头），用 c10d 集合，集合点是 `endpoint`（`"主机:端口"`），作业名是 `job_id`，训练脚本是 `train.py`（不带参数）。检查器用 torchrun **自己的**参数解析器（`torch.distributed.run.get_args_parser()`）读你的参数。

# %%
def torchrun_args(endpoint, job_id):
    """The torchrun arguments for 2 nodes x 4 GPUs, c10d rendezvous at `endpoint`."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("14.4", torchrun_args)

# %% [markdown]
# ## 14.5 模拟环形 all-reduce
#
# NCCL 和 gloo 做大张量的 all-reduce 时常用**环形**算法：n 个 rank 排成一个环，每个张量切成 n 块。
#
# 1. **reduce-scatter 阶段**（n − 1 步）：第 s 步，rank r 把自己的第 `(r - s) % n` 块发给 rank `(r + 1) % n`，对方把它**加到**自己的同一块上。结束后，rank r 的第 `(r + 1) % n` 块是所有 rank 之和；
# 2. **all-gather 阶段**（n − 1 步）：第 s 步，rank r 把自己的第 `(r + 1 - s) % n` 块（已经求完和）发给 rank `(r + 1) % n`，对方用它**替换**自己的同一块。
#
# 每个 rank 每步只发 1/n 的数据，所以总通信量与 rank 数几乎无关。完成 `ring_all_reduce(tensors)`：`tensors[r]` 是 rank r 的张量（长度能被 n 整除），返回一个列表，第 r 个元素是 rank r 最后的张量（应该都等于所有张量之和）。不要修改输入的张量。提示：`t.clone().chunk(n)` 得到的块是同一块内存的视图，原地加（`+=`）会写回去。

# %%
def ring_all_reduce(tensors):
    """Simulate a ring all-reduce; return each rank's final tensor."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("14.5", ring_all_reduce)

# %% [markdown]
# 五个 ✅？你已经会写、会跑、会验证分布式训练了。
