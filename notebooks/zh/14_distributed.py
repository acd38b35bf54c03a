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
# # 14 · 分布式训练：进程组、集合通信与 DDP
#
# 一块 GPU（或一个进程）不够用时，就让**多个进程**一起训练：每个进程拿一份模型副本，处理一部分数据，再通过**集合通信**（collective）交换梯度。`torch.distributed` 提供通信，`DistributedDataParallel`（DDP）把它包装成几乎不用改的训练循环，`torchrun` 负责启动进程。
#
# 本章在 CPU 上**真的**启动 2 个进程（后端 gloo）：
#
# 1. 进程组、rank、world size，`torchrun` 设置的环境变量；
# 2. 四个集合通信 `all_reduce`、`broadcast`、`all_gather`、`reduce_scatter`，每个 rank 的前后张量按 rank 顺序打印，再画成图；
# 3. 后端（gloo、nccl、xccl、mpi）和它们支持的集合通信，gloo 一列是**运行出来的**；
# 4. `DistributedSampler` 怎样分数据；
# 5. 在 digits 数据上用 DDP 训练，验证它和**单进程、相同全局批量**的训练结果一致；
# 6. 只在 rank 0 保存检查点、多机训练要改什么，最后确认没有留下任何进程。
#
# 有 GPU 的机器上，同样的脚本会自动改用 nccl。

# %%
from course_utils import setup_notebook

setup_notebook()

# %% [markdown]
# ## 1. 进程组、rank 与 world size
#
# 分布式训练里的每个进程叫一个 **worker**，它们一起组成一个**进程组**（process group）：
#
# | 名字 | 含义 | 本章的值 |
# | --- | --- | --- |
# | world size | 进程组里进程的总数 | 2 |
# | rank | 进程在整个组里的编号，0 到 world size − 1 | 0、1 |
# | local rank | 进程在**本机**上的编号，用来选 GPU（`cuda:{local_rank}`） | 0、1 |
# | node | 一台机器（或一个容器）；多机训练时每台机器跑若干个 worker | 1 台 |
#
# 两台机器、每台 4 块 GPU 时，world size 是 8，rank 是 0–7，而每台机器上的 local rank 都是 0–3。
#
# `torchrun` 为每个 worker 启动一个 Python 进程，并通过**环境变量**告诉它这些信息：`RANK`、`LOCAL_RANK`、`WORLD_SIZE`，以及 rank 0 所在的地址 `MASTER_ADDR` 和端口 `MASTER_PORT`（所有进程在那里“集合”，即 rendezvous）。脚本里调用 `dist.init_process_group(backend)`，它读这些变量，等所有进程到齐。结束时先调用 `dist.barrier()`，再调用 `dist.destroy_process_group()`：barrier 让每个 rank 都等到大家通信完毕，这样就不会有哪个 rank 在别人还向它发送数据时就关掉连接。少了这一步，先做完的 rank 可能在较慢的 rank 还在通信时就拆掉进程组，较慢的那个即使活已经干完，退出时也可能崩溃，报 `terminate called without an active exception`。DDP 模型也攥着进程组不放，所以训练脚本先删掉模型、调用 `gc.collect()`：这样 gloo 的后台线程在 Python 还完整运行时就停下，而不是拖到解释器自己关闭时才停，那时停下它们同样可能让进程崩溃。（编写本章时实测：没有这两行，DDP 脚本跑 40 次崩了 3 次；加上以后 40 次一次也没有。）
#
# ### 为什么要写脚本？
#
# 笔记本的内核是**一个**进程。用 `torch.multiprocessing.spawn` 在笔记本里启动定义在单元格中的函数会失败：spawn 方式启动的新进程要重新**导入**这个函数，而它只存在于内核的内存里，不在任何文件中。所以本章 worker 的代码放在脚本文件里，也就是课程目录下的 `notebooks/scripts/14_distributed/`：笔记本先展示脚本，再用 `torchrun` 运行它，和真实项目的做法一样。也可以在 JupyterLab 的编辑器里打开这些脚本，改一改试试。
#
# 辅助函数放在 `course_utils/distributed.py`（值得一读，很短）：`run_torchrun()` 在子进程里运行 `torchrun` 并返回输出，出错时给出每个 rank 的错误，超时会杀掉所有进程；`print_in_rank_order()` 让 rank 0 按顺序打印每个 rank 的消息，输出不会交错。

# %%
import shutil
from pathlib import Path

from IPython.display import Code

from course_utils.distributed import run_torchrun, shell_command

SCRIPTS = Path("..") / "scripts" / "14_distributed"  # the worker scripts, shared by both editions
OUT = Path("course_output/14_distributed")  # what the workers write
shutil.rmtree(OUT, ignore_errors=True)  # a fresh folder for every run
OUT.mkdir(parents=True)

# %% [markdown]
# ## 2. 集合通信：真的跑起来
#
# 集合通信要求组里**每个**进程都调用同一个函数。下面的脚本让 rank 0 持有 `[1, 2]`、rank 1 持有 `[3, 4]`，依次调用四个集合通信，记录前后的张量。它还逐个尝试本后端的所有集合通信，把支持情况写进一个 JSON 文件（第 3 节用）。

# %%
# the worker script is a file of the course: notebooks/scripts/14_distributed/collectives.py
Code(filename=SCRIPTS / "collectives.py", language="python")

# %% [markdown]
# 运行它。`run_torchrun` 执行的就是你在终端里输入的这条命令（`--standalone`：单机，自动选一个空闲端口；`--nproc_per_node=2`：本机启动 2 个 worker）：

# %%
script = SCRIPTS / "collectives.py"
print("$", shell_command(script, 2, [OUT / "collectives.json"]))
print(run_torchrun(script, nproc=2, args=[OUT / "collectives.json"]))

# %% [markdown]
# 读输出：
#
# * 两个 worker 的 `RANK` 不同，`WORLD_SIZE` 相同；`MASTER_ADDR` 是 `localhost`，`MASTER_PORT` 是 torchrun 选的端口（每次不同，所以不打印）；
# * **all_reduce**：每个 rank 都得到所有 rank 的和 `[1+3, 2+4]`。它是**原地**操作：结果写回传入的张量，返回值不是结果；
# * **broadcast**：rank 0 的张量覆盖所有 rank 的；
# * **all_gather**：每个 rank 都得到所有 rank 的张量，按 rank 排好；
# * **reduce_scatter**：先求和，再把结果切成 world size 块，rank r 只留第 r 块。`reduce_scatter` + `all_gather` 正好等于一次 `all_reduce`（练习 14.5 的环形 all-reduce 就是这样做的）。
#
# 画成图更清楚：每一行是一个 rank，左边是调用前，右边是调用后。图里的数字来自刚才那次运行写下的 JSON 文件。

# %%
import json

import matplotlib.pyplot as plt

result = json.loads((OUT / "collectives.json").read_text())
record = result["record"]
RANK_COLORS, MIXED = ["#8ecae6", "#ffb703"], "#b5e48c"


def origin(name, rank, position, n_before):
    """Which rank a value after the call comes from (None: a sum over all ranks)."""
    if name.startswith("broadcast"):
        return 0
    if name.startswith("all_gather"):
        return position // n_before
    return None


def cells(ax, x0, y, values, colors):
    for j, (value, color) in enumerate(zip(values, colors)):
        ax.add_patch(plt.Rectangle((x0 + j, y), 0.95, 0.8, fc=color, ec="black"))
        ax.text(x0 + j + 0.47, y + 0.4, f"{value:g}", ha="center", va="center", fontsize=9)


fig, axes = plt.subplots(1, len(record), figsize=(15, 2.1))
for ax, (name, per_rank) in zip(axes, record.items()):
    for r, (before, after) in enumerate(per_rank):
        y = 1.2 * (len(per_rank) - 1 - r)
        ax.text(-0.2, y + 0.4, f"rank {r}", ha="right", va="center", fontsize=9)
        cells(ax, 0, y, before, [RANK_COLORS[r]] * len(before))
        after_colors = [MIXED if origin(name, r, j, len(before)) is None else RANK_COLORS[origin(name, r, j, len(before))]
                        for j in range(len(after))]
        cells(ax, 5.2, y, after, after_colors)
    ax.annotate("", xy=(5.0, 1.0), xytext=(4.1, 1.0), arrowprops=dict(arrowstyle="->", lw=1.5))
    ax.set_title(name, fontsize=11)
    ax.set_xlim(-1.7, 9.3)
    ax.set_ylim(-0.2, 2.1)
    ax.set_aspect("equal")
    ax.axis("off")
fig.suptitle("Collectives on 2 ranks: before (left) -> after (right); green = summed over ranks")
fig.subplots_adjust(top=0.85, bottom=0.0, wspace=0.08)
plt.show()

# %% [markdown]
# ## 3. 后端：谁支持什么
#
# 后端是真正搬运数据的通信库。`torch.distributed.Backend` 列出 torch 2.11 认识的后端，以及每种设备的默认后端：

# %%
import torch
import torch.distributed as dist

print("Backend.backend_list        :", dist.Backend.backend_list)
print("default backend per device  :", dist.Backend.default_device_backend_map)
print("built into this torch wheel :", {
    "gloo": dist.is_gloo_available(),
    "nccl": dist.is_nccl_available(),
    "mpi": dist.is_mpi_available(),
    "xccl": dist.is_xccl_available(),
    "ucc": dist.is_ucc_available(),
})

# %% [markdown]
# | 后端 | 用在 | 说明 |
# | --- | --- | --- |
# | `gloo` | CPU；GPU 上的备用 | 随 PyTorch 一起发布（Linux、macOS、Windows），本章用它 |
# | `nccl` | NVIDIA GPU（ROCm 版里是 RCCL） | GPU 训练的首选，最快；只支持 GPU 张量；Linux 的 CUDA 版 wheel 自带（所以上面显示 `True`，即使这台机器没有 GPU）；**每个 rank 要独占一块 GPU**，两个 rank 共用一块会报 "Duplicate GPU detected" |
# | `xccl` | Intel GPU（XPU） | 需要 XPU 版的 PyTorch |
# | `mpi` | 有 MPI 的集群 | PyPI 的 wheel **不包含**（`is_mpi_available()` 为 `False`），要在装了 MPI 的机器上从源码编译 PyTorch |
# | `ucc` | 实验性 | 同样需要自己编译 |
#
# 经验法则：GPU 训练用 nccl（Intel GPU 用 xccl），CPU 训练用 gloo。`course_utils.distributed.pick_backend(world_size)` 就是这么选的：GPU 数量够每个 rank 一块时用 nccl，否则用 gloo。
#
# 下表的 gloo 一列是刚才那次运行**实测**的；另外两列抄自 PyTorch 文档的后端表（docs/source/distributed.md），**没有在这里运行**：

# %%
DOCS = {  # from the backend table in PyTorch's distributed docs: (gloo CPU, nccl GPU)
    "send/recv": ("yes", "yes"), "broadcast": ("yes", "yes"), "all_reduce": ("yes", "yes"),
    "all_reduce (AVG)": ("-", "yes"), "reduce": ("yes", "yes"), "all_gather": ("yes", "yes"),
    "gather": ("yes", "yes"), "scatter": ("yes", "yes"), "reduce_scatter": ("yes", "yes"),
    "all_to_all": ("yes", "yes"), "all_to_all_single": ("-", "yes"), "barrier": ("yes", "yes"),
}
ran = result["backend"]
print(f"{'collective':<18} | {ran + ' (run here)':<58} | gloo CPU (docs) | nccl GPU (docs)")
print("-" * 118)
for name, verdict in result["support"].items():
    gloo_docs, nccl_docs = DOCS[name]
    print(f"{name:<18} | {verdict:<58} | {gloo_docs:<15} | {nccl_docs}")

# %% [markdown]
# 实测和文档有一处不一致：文档说 gloo 支持 `all_to_all`，但列表形式的 `dist.all_to_all` 在 gloo 上抛出 "does not support alltoall"，能用的是张量形式的 `all_to_all_single`。这就是为什么要**跑一遍**而不是只看表。（`-` 表示文档的表里没有这一行。）

# %% [markdown]
# ## 4. `DistributedSampler`：每个 rank 拿哪些样本
#
# 数据并行要求每个 rank 处理**不同**的样本。`DistributedSampler` 把下标按 rank **间隔**分配：rank r 拿第 r、r+R、r+2R…… 个（R 是副本数）。它只需要 `num_replicas` 和 `rank` 两个数，所以不用进程组，在笔记本里就能演示：10 个样本分给 3 个 rank。

# %%
from torch.utils.data import DistributedSampler

data = list(range(10))
for drop_last in (False, True):
    print(f"drop_last={drop_last}")
    for r in range(3):
        sampler = DistributedSampler(data, num_replicas=3, rank=r, shuffle=False, drop_last=drop_last)
        print(f"  rank {r}: {list(sampler)}")

# %% [markdown]
# * 10 不能被 3 整除。默认（`drop_last=False`）会**补齐**：从头重复取样本（这里是 0、1），让每个 rank 的样本数一样多（4 个）。每个 rank 的步数必须相同，否则多出来的那一步里，一个 rank 在等梯度同步，另一个已经结束，程序就卡住了；
# * `drop_last=True` 则丢掉尾部（样本 9），每个 rank 3 个。
#
# 默认 `shuffle=True`：先用 `seed + epoch` 打乱，再间隔分配。所有 rank 用同一个种子，得到同一个排列，所以分到的样本不重叠。**每个 epoch 开始前要调用 `sampler.set_epoch(epoch)`**，否则每个 epoch 的顺序都一样：

# %%
for epoch in range(2):
    parts = []
    for r in range(2):
        sampler = DistributedSampler(data, num_replicas=2, rank=r, shuffle=True, seed=0)
        sampler.set_epoch(epoch)
        parts.append(list(sampler))
    print(f"epoch {epoch}: rank 0 {parts[0]}, rank 1 {parts[1]}, overlap: {set(parts[0]) & set(parts[1])}")

# %%
n, replicas = 10, 3
samplers = [DistributedSampler(list(range(n)), num_replicas=replicas, rank=r, shuffle=False)
            for r in range(replicas)]
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 2.4), width_ratios=[n, 5])
for index in range(n):  # the dataset, each sample coloured by the rank that gets it
    left.add_patch(plt.Rectangle((index, 0), 0.95, 0.8, fc=plt.cm.tab10(index % replicas), alpha=0.8))
    left.text(index + 0.47, 0.4, str(index), ha="center", va="center")
left.set_title("dataset: sample i goes to rank i % 3")
for r, sampler in enumerate(samplers):  # what each rank iterates over
    for pos, index in enumerate(sampler):
        padded = r + pos * replicas >= n
        right.add_patch(plt.Rectangle((pos, replicas - 1 - r), 0.95, 0.8, fc=plt.cm.tab10(r),
                                      alpha=0.3 if padded else 0.8, hatch="//" if padded else None))
        right.text(pos + 0.47, replicas - 1 - r + 0.4, str(index), ha="center", va="center")
    right.text(-0.2, replicas - 1 - r + 0.4, f"rank {r}", ha="right", va="center")
right.set_title("each rank's indices (hatched = padding)")
for ax, x0, width, height in ((left, -0.1, n, 1), (right, -1.3, 5, replicas)):
    ax.set_xlim(x0, width)
    ax.set_ylim(-0.1, height)
    ax.set_aspect("equal")
    ax.axis("off")
plt.show()

# %% [markdown]
# ## 5. DDP：在 digits 上训练
#
# DDP 的做法：
#
# 1. 创建时，把 rank 0 的参数**广播**给所有 rank，保证大家从同样的权重出发；
# 2. 每个 rank 用自己那一半数据做前向和反向；
# 3. `backward()` 的同时，DDP 对梯度做 **all_reduce 再除以 world size**（求平均），所以每个 rank 拿到同样的梯度；
# 4. 每个 rank 各自执行 `optimizer.step()`：同样的权重 + 同样的梯度 = 同样的新权重，不需要再同步参数。
#
# 下面的脚本训练一个小 MLP：每个 rank 每步 32 个样本，全局批量 64。每个 epoch 打印每个 rank 的前几个样本下标、损失、权重校验和（所有参数之和），并用 `all_gather` 检查各 rank 的权重**逐位相同**。训练结束后只让 rank 0 保存检查点。
#
# 同一个文件里还有 `train_single_process()`：**一个进程**、全局批量 = 两个 rank 这一步的批量合在一起。稍后用它验证 DDP 的结果。

# %% [markdown]
# 脚本不自己加载 digits：笔记本先把训练集存成一个张量文件，每个 worker 用 `torch.load` 读它（比每个进程都导入 scikit-learn 快得多）。测试集留在笔记本里，最后评估用。

# %%
from course_utils import digits_datasets

train, _, test = digits_datasets()
torch.save(train.tensors, OUT / "digits_train.pt")
print(f"saved {len(train)} training images for the workers; {len(test)} test images stay here")

# %%
# the worker script is a file of the course: notebooks/scripts/14_distributed/ddp_train.py
Code(filename=SCRIPTS / "ddp_train.py", language="python")

# %%
script = SCRIPTS / "ddp_train.py"
ddp_args = [OUT / "digits_train.pt", OUT / "ddp_model.pt", OUT / "ddp_run.json"]
print("$", shell_command(script, 2, ddp_args))
print(run_torchrun(script, nproc=2, args=ddp_args))

# %% [markdown]
# * 两个 rank 的样本下标不同（各拿一半），每个 epoch 换一次顺序（`set_epoch`）；
# * 两个 rank 打印的损失相同（它是 `all_reduce` 之后的全局平均），权重校验和相同，`all_gather` 证实权重**逐位相同**：DDP 的同步起作用了。
#
# ### DDP = 单进程、相同全局批量
#
# 为什么？rank r 的损失是它那 32 个样本的**平均**，梯度是 $g_r = \frac{1}{32}\sum_{i \in B_r} \nabla \ell_i$。DDP 求两个 rank 梯度的平均：
#
# $$\frac{g_0 + g_1}{2} = \frac{1}{64}\sum_{i \in B_0 \cup B_1} \nabla \ell_i,$$
#
# 正好是单进程在 64 个样本的全局批量上的梯度。所以只要每一步的全局批量相同、初始权重相同，两种训练应该得到同样的权重，差别只来自浮点数加法的顺序。（这要求每个 rank 的批量一样大：这里 629 = 19 × 32 + 21，最后一步两个 rank 都是 21 个，成立。）
#
# 把这个脚本当作模块导入，运行其中的单进程参照训练，再和 rank 0 保存的检查点逐个参数比较：

# %%
import sys

sys.path.insert(0, str(SCRIPTS))
import ddp_train

reference = ddp_train.train_single_process(OUT / "digits_train.pt")
ddp_state = torch.load(OUT / "ddp_model.pt", map_location="cpu", weights_only=True)
max_diff = max((ddp_state[k] - v).abs().max().item() for k, v in reference.state_dict().items())
TOLERANCE = 1e-6

# %%
# NBVAL_IGNORE_OUTPUT
# the last bits of float32 sums depend on the CPU, so the exact difference is not compared
print(f"max |w_ddp - w_single| = {max_diff:.2e}")

# %%
print(f"DDP matches single-process training within atol={TOLERANCE:g}: {max_diff < TOLERANCE}")

# %% [markdown]
# 在这台机器上差值在 1e-7 量级（float32 的舍入误差），远小于容差 1e-6。
#
# ### 全局批量变大时，学习率怎么调
#
# 上面的对比固定了**全局**批量，所以学习率不用动。实际中加 GPU 通常是为了每一步处理更多样本：每个 rank 仍然各取 32 个样本，全局批量就是 `per_rank_batch × world_size`。从 2 个 rank 增加到 8 个，全局批量就变成原来的 4 倍。平均后的梯度期望不变，但噪声更小；而每个 epoch 的步数只剩四分之一，如果学习率不变，模型每个 epoch 走的距离就会少很多。
#
# **线性缩放规则**（2017 年在用大批量 SGD 训练 ImageNet 时提出）：*全局批量扩大 k 倍，学习率也乘以 k*，即 `lr = base_lr × global_batch / base_batch`，其中 `base_lr` 是针对全局批量 `base_batch` 调好的学习率。道理是：用学习率 η 在 k 个各含 B 个样本的批量上走 k 步 SGD，和用 k·η 在这 kB 个样本合成的一个批量上走一步，权重移动的距离大致相同，**前提是这 k 步里梯度几乎不变**。
#
# 训练刚开始时权重（以及梯度）变化很快，这个前提并不成立：一上来就用 k 倍的学习率，损失常常会发散。所以这条规则通常要配合**预热**（warm-up）：从原来的学习率出发，在最初几个 epoch 里线性升到 k·`base_lr`。在 PyTorch 里用 `LinearLR` 调度器即可（再通过 `SequentialLR` 接上你平常用的调度）：

# %%
# NBVAL_CHECK_OUTPUT
# 线性缩放规则加预热，作用在一个替身参数上（这里不训练任何东西）
base_lr, base_batch = 0.1, 64  # 脚本里的 LR，是针对 2 x 32 的全局批量调好的
world_size, per_rank_batch = 8, 32  # 假设有 8 个 rank，每个仍取 32 个样本
k = world_size * per_rank_batch / base_batch
warmup_epochs = 5
demo_params = [torch.zeros(1, requires_grad=True)]
demo_optimizer = torch.optim.SGD(demo_params, lr=base_lr * k, momentum=0.9)
warmup = torch.optim.lr_scheduler.LinearLR(demo_optimizer, start_factor=1 / k, total_iters=warmup_epochs)
print(f"global batch {world_size * per_rank_batch} = {k:g} x {base_batch}: lr {base_lr:g} -> {base_lr * k:g}")
for epoch in range(warmup_epochs + 2):
    print(f"epoch {epoch}: lr {demo_optimizer.param_groups[0]['lr']:.2f}")
    demo_optimizer.step()  # 真正的训练循环会先算损失、调用 backward()
    warmup.step()

# %% [markdown]
# 这条规则的局限：
#
# * 它是 SGD（带动量）的经验法则，不是定律。全局批量超过某个界限（取决于模型和数据）之后就不再管用：无论学习率怎么设，准确率都会下降；
# * 对 Adam、AdamW 这类自适应优化器，它不太适用，常改用平方根规则（乘以 √k）；不管用哪种，都要在验证集上检查结果，必要时重新调参；
# * 如果全局批量不变，只是把它分给更多的 rank（每个 rank 分到的样本变少），那什么都不用改，学习率保持原样：上面的对比就是这种情况。
#
# ## 6. 检查点：只在 rank 0 写，用 `map_location` 读
#
# 脚本结尾的几行是 DDP 保存检查点的标准写法：
#
# * **只有 rank 0 写文件**（所有 rank 的权重都一样，写一次就够；多个进程同时写同一个文件会互相破坏）；
# * `dist.barrier()`：其他 rank 等 rank 0 写完再读；
# * 读的时候用 `map_location` 把张量放到**本 rank 的设备**上。GPU 上保存的张量默认会加载回原来的 `cuda:0`，所有 rank 都挤到一块 GPU 上；
# * 保存 `model.module.state_dict()`，而不是 DDP 包装器的 `state_dict()`。
#
# 最后一点看一眼就明白。DDP 需要进程组，这里在笔记本里建一个**只有一个进程**的组（`HashStore` 是内存里的键值存储，不用网络），包装一个模型，看它的 `state_dict` 键名：

# %%
dist.init_process_group("gloo", store=dist.HashStore(), rank=0, world_size=1)
wrapped = torch.nn.parallel.DistributedDataParallel(ddp_train.make_model())
print("DDP wrapper keys :", list(wrapped.state_dict())[:2])
print("model.module keys:", list(wrapped.module.state_dict())[:2])
dist.destroy_process_group()
print("process group still initialized:", dist.is_initialized())

# %% [markdown]
# 包装器的键多了 `module.` 前缀，普通模型加载它会报 "Missing key(s)"。保存 `model.module` 的权重，检查点就和不用 DDP 时一模一样：任何地方都能加载，比如这个笔记本。用它在测试集上评估：

# %%
model = ddp_train.make_model()
model.load_state_dict(ddp_state)
model.eval()
with torch.no_grad():
    x, y = test.tensors
    accuracy = (model(x).argmax(1) == y).float().mean().item()
print(f"DDP-trained model, test accuracy after {ddp_train.EPOCHS} epochs: {accuracy:.2f}")

# %% [markdown]
# ## 7. 多机训练要改什么（只讲，不运行）
#
# 脚本本身**一个字都不用改**：它只读环境变量。变的是启动命令。两台机器、每台 4 块 GPU，在**每台**机器上运行：
#
# ```bash
# torchrun --nnodes=2 --nproc-per-node=4 \
#     --rdzv-backend=c10d --rdzv-endpoint=node0.example.com:29400 --rdzv-id=digits-42 \
#     ddp_train.py ckpt.pt run.json
# ```
#
# * `--nnodes=2`：共几台机器；`--nproc-per-node=4`：每台几个 worker（一块 GPU 一个）；
# * `--rdzv-backend=c10d --rdzv-endpoint=主机:端口`：在哪里集合。用 c10d 集合时，**不需要** `--node-rank`：机器到齐后由 rendezvous 分配编号（`--node-rank` 只用于旧式的静态集合，即 `--master-addr`/`--master-port`）；
# * `--rdzv-id`：作业的唯一名字，所有机器必须相同，防止两个作业混在一起；
# * **弹性**：`--nnodes=1:4` 表示 1 到 4 台机器都能开始训练，中途有机器加入或离开时，torchrun 会重新集合、重启 worker；
# * `--max-restarts=3`：某个 worker 失败时，整组 worker 最多重启 3 次。重启后脚本从头运行，所以要能**从检查点恢复**（第 9 章）；
# * 多机时 `MASTER_ADDR` 不再是 `localhost`，机器之间要能互相连通，NCCL/gloo 要选对网卡（`NCCL_SOCKET_IFNAME`、`GLOO_SOCKET_IFNAME`）。
#
# 本章的单机命令里的 `--standalone` 就是“在本机起一个 c10d 集合点、随机选一个空闲端口”的简写。

# %% [markdown]
# ## 8. 收尾：没有留下任何东西
#
# `run_torchrun` 等所有进程结束才返回，失败或超时时会杀掉整个进程树。最后确认：笔记本内核没有还活着的子进程，DDP 那次运行的集合端口（rank 0 写进了 `ddp_run.json`）可以重新绑定。

# %%
from course_utils.distributed import child_pids, port_is_free

port = json.loads((OUT / "ddp_run.json").read_text())["master_port"]
print("child processes still alive:", len(child_pids()))
print("rendezvous port free again :", port_is_free(port))

# %% [markdown]
# ## 小结
#
# * 一个进程组有 world size 个进程，每个有自己的 rank（本机上还有 local rank）；`torchrun` 通过环境变量告诉它们，`init_process_group` 读取这些变量；
# * 集合通信要每个 rank 都调用：`all_reduce`（求和给所有人）、`broadcast`（一个给所有人）、`all_gather`（人人拿全部）、`reduce_scatter`（求和再切块）；
# * CPU 用 gloo，NVIDIA GPU 用 nccl（每个 rank 一块 GPU），Intel GPU 用 xccl；MPI 要自己编译 PyTorch；
# * `DistributedSampler` 间隔分配、补齐到相同长度，每个 epoch 调 `set_epoch`；
# * DDP 对梯度求平均，所以等价于单进程、相同全局批量的训练；
# * 全局批量扩大 k 倍时，按线性缩放规则把学习率乘以 k，并配合预热；它是 SGD 的经验法则，有适用范围；
# * 检查点只在 rank 0 写，`barrier` 之后用 `map_location` 读，存 `model.module.state_dict()`。

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **接下来：** [本章练习：14_distributed](../../exercises/zh/14_distributed.ipynb) · [下一章：15_profiler](15_profiler.ipynb)
