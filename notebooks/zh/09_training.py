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
# # 09 · 完整项目：手写数字识别
#
# 前面几章分别讲了张量、自动求导、`nn.Module`、优化器和 `DataLoader`。这一章把它们串成一个**完整的项目**，
# 走一遍真实工作中的每一步：
#
# 1. 看数据，把它分成训练集、验证集、测试集；
# 2. 搭一个小卷积网络；
# 3. 弄清 `model.train()` / `model.eval()` 和 `torch.no_grad()` 各管什么；
# 4. 用 `course_utils.fit` 训练，并在验证集上**早停**（early stopping）；
# 5. 画学习曲线；
# 6. 在测试集上做**唯一一次**最终评估：混淆矩阵、每个类别的准确率、看看认错的图片；
# 7. 保存检查点（checkpoint），再从检查点**恢复**训练，并证明恢复后的结果和不中断训练**逐位相同**。
#
# 数据是 scikit-learn 自带的手写数字数据集（digits）：1,797 张 8×8 的灰度图，随 scikit-learn 一起安装，**不需要下载**。
# 目标：测试准确率至少 97%，在 2 核 CPU 上训练不超过 30 秒。

# %%
from course_utils import setup_notebook

setup_notebook()

# %%
import copy
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import torch
from sklearn.metrics import confusion_matrix
from torch import nn
from torch.utils.data import DataLoader

from course_utils import (
    digits_datasets,
    fit,
    get_device,
    load_digits_tensors,
    plot_history,
    show_images,
)
from course_utils.checkpoint import load_checkpoint, save_checkpoint

device = get_device()  # 有 GPU 用 GPU，否则用 CPU
# 模型很小，每个运算只有一点点计算量，拆给多个线程几乎省不了时间；而当别的程序也在占用这几个核时，
# 线程之间互相等待，训练可能慢上好几倍。只用一个线程既快又稳定，结果也与机器有几个核无关。
torch.set_num_threads(1)
print("device:", device.type)

# %% [markdown]
# ## 1. 数据
#
# `load_digits_tensors()` 把数据集变成 PyTorch 张量：图片形状为 `(N, 1, 8, 8)`（N 张图、1 个通道、8×8 像素），
# 数值缩放到 `[0, 1]`；标签是 0–9 的整数（`int64`，正是 `CrossEntropyLoss` 要的类型）。

# %%
# NBVAL_CHECK_OUTPUT
images, labels = load_digits_tensors()
print("images:", tuple(images.shape), images.dtype, f"min {images.min():.1f}, max {images.max():.1f}")
print("labels:", tuple(labels.shape), labels.dtype)
print("images per digit:", torch.bincount(labels).tolist())

# %% [markdown]
# 8×8 的分辨率很低，但数字依然认得出来：

# %%
show_images(images[:16], titles=[f"label {y}" for y in labels[:16].tolist()])
plt.show()

# %% [markdown]
# ### 训练集、验证集、测试集
#
# 数据分成三份，各有各的用途：
#
# | 集合 | 比例 | 用来做什么 |
# | --- | --- | --- |
# | 训练集 train | 70% | 计算梯度、更新权重 |
# | 验证集 validation | 15% | 训练过程中反复查看：调超参数、决定何时停止、在几个模型之间挑选 |
# | 测试集 test | 15% | 所有决定都做完之后，**只用一次**，估计模型在新数据上的表现 |
#
# **为什么测试集只能用一次？** 每次你看了测试成绩再回去改点什么（换学习率、多训练几轮、换个模型），
# 你就在用测试集“调”模型。改上几十次，测试成绩就不再是对**新**数据的诚实估计了，而是被你挑出来的偏高的数字。
# 验证集就是为这些反复的决定准备的；测试集留到最后。
#
# `digits_datasets(seed=0)` 用固定的种子打乱再切分，所以每次运行得到的是同一个切分：
# 不同实验的验证成绩可以直接比较，测试集里的图片也永远不会混进训练集。

# %%
# NBVAL_CHECK_OUTPUT
train_set, val_set, test_set = digits_datasets(seed=0)
for name, subset in (("train", train_set), ("validation", val_set), ("test", test_set)):
    counts = torch.bincount(subset.tensors[1], minlength=10).tolist()
    print(f"{name:>10}: {len(subset):4d} images, per digit {counts}")

# %% [markdown]
# 每个集合里十个数字都差不多一样多，所以准确率是个合理的指标（如果某一类占 90%，一个永远猜这一类的模型也有 90% 的准确率）。
#
# 接下来是 `DataLoader`（第 08 章）。只有训练集需要打乱；验证集和测试集的顺序不影响结果，批次也可以大一些，因为评估时不存梯度，省内存。
#
# 训练集的打乱用一个**自己的** `torch.Generator`。这样打乱顺序只由它决定，不会因为别处多抽了一个随机数而改变；
# 第 7 节保存检查点时，我们还要把它的状态一起存下来。

# %%
# NBVAL_CHECK_OUTPUT
BATCH_SIZE = 32
shuffle_generator = torch.Generator().manual_seed(0)
train_loader = DataLoader(train_set, batch_size=BATCH_SIZE, shuffle=True, generator=shuffle_generator)
val_loader = DataLoader(val_set, batch_size=256)
test_loader = DataLoader(test_set, batch_size=256)
print("batches per epoch:", len(train_loader), "| validation batches:", len(val_loader))

# %% [markdown]
# ## 2. 模型：一个小卷积网络
#
# 两层 3×3 卷积提取笔画特征（`padding=1` 保持 8×8 大小），最大池化把尺寸减半到 4×4，
# 展平后是 32 × 4 × 4 = 512 个特征，再经过两层全连接输出 10 个分数（logits），每个数字一个。
#
# 两个 `nn.Dropout` 在训练时随机把 30% 的特征置零，让网络不能依赖个别特征，减轻过拟合。

# %%
class DigitNet(nn.Module):
    def __init__(self, dropout: float = 0.3):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.ReLU(),   # (N, 16, 8, 8)
            nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(),  # (N, 32, 8, 8)
            nn.MaxPool2d(2),                                         # (N, 32, 4, 4)
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),                                            # (N, 512)
            nn.Dropout(dropout),
            nn.Linear(32 * 4 * 4, 64), nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(64, 10),                                       # (N, 10): one logit per digit
        )

    def forward(self, x):
        return self.classifier(self.features(x))


# %%
# NBVAL_CHECK_OUTPUT
demo = DigitNet().to(device)
batch_images, batch_labels = next(iter(val_loader))
print("parameters:", sum(p.numel() for p in demo.parameters()))
print("input:", tuple(batch_images.shape), "-> logits:", tuple(demo(batch_images.to(device)).shape))

# %% [markdown]
# 不到 4 万个参数，对 1,258 张训练图片来说足够了。
#
# ## 3. `model.train()`、`model.eval()` 和 `torch.no_grad()`
#
# 有些层在训练和评估时的行为不同：`Dropout` 训练时随机丢弃、评估时什么也不做；`BatchNorm` 训练时用当前批次的统计量、评估时用累积的统计量。
# `model.train()` 和 `model.eval()` 就是切换这个开关（它们设置每个子模块的 `.training` 属性）。忘了切换是最常见的 bug 之一：
# 在训练模式下评估，同一张图每次预测都可能不一样。

# %%
# NBVAL_CHECK_OUTPUT
x = batch_images[:4].to(device)
demo.train()
print("train mode: two passes give the same logits?", torch.equal(demo(x), demo(x)))
demo.eval()
print("eval mode:  two passes give the same logits?", torch.equal(demo(x), demo(x)))
print("demo.training =", demo.training, "| its Dropout layer's training =", demo.classifier[1].training)

# %% [markdown]
# `torch.no_grad()` 管的是另一件事：在它里面，PyTorch **不记录计算图**（第 05 章），
# 于是不保存反向传播要用的中间结果，评估更快、更省内存。它不会改变 Dropout 的行为，`eval()` 也不会关掉计算图，
# 所以评估时**两者都要**。（`torch.inference_mode()` 是更彻底的版本，效果相同。）

# %%
# NBVAL_CHECK_OUTPUT
out = demo(x)
print("eval mode only: requires_grad =", out.requires_grad, "| grad_fn =", type(out.grad_fn).__name__)
with torch.no_grad():
    out = demo(x)
print("eval + no_grad: requires_grad =", out.requires_grad, "| grad_fn =", out.grad_fn)

# %% [markdown]
# `course_utils` 里的训练循环（`src/course_utils/training.py`，值得打开读一读）正是这样安排的：
#
# ```python
# def _train_epoch(model, loader, loss_fn, optimizer, device):
#     model.train()                        # Dropout 打开
#     for batch in loader:                 # 一个批次是 (*inputs, target)
#         *inputs, target = (t.to(device) for t in batch)
#         optimizer.zero_grad()
#         loss = loss_fn(model(*inputs), target)
#         loss.backward()
#         optimizer.step()
#
# @torch.no_grad()                         # 不记录计算图
# def evaluate(model, loader, loss_fn, device):
#     model.eval()                         # Dropout 关闭
#     ...                                  # 累加损失和预测正确的个数
# ```
#
# `fit()` 每一轮（epoch）先调用 `_train_epoch`，再在验证集上调用 `evaluate`，并把结果记进 `history`。
# 因为 `_train_epoch` 一开始就调用 `model.train()`，评估之后的下一轮又会回到训练模式。
#
# ## 4. 训练，并在验证集上早停
#
# 训练久了，模型会开始**过拟合**：训练损失继续下降，验证损失却不再下降甚至回升。
# **早停**的做法是：每轮结束后看验证损失；创了新低就把这时的权重复制一份；连续 `PATIENCE` 轮没有新低就停止，并换回最好的那份权重。
#
# `fit()` 的 `on_epoch_end(epoch, history)` 参数在每轮结束后被调用，返回 `True` 就停止训练，正好用来写早停。
#
# 学习率按**余弦日程**变化（第 07 章）：从 3e-3 开始，平滑地降到第 `MAX_EPOCHS` 轮的 0。前期步子大，进展快；后期步子小，权重慢慢稳定下来。
# 这也让训练**稳定**：学习率不变的话，某个浮点数最后一位的差别（换一块 CPU、换一个库的版本）会一步步放大，
# 到后来验证曲线都不一样了，早停选中的轮次也跟着变。用了余弦日程，最好的轮次、验证准确率和下面打印的测试准确率，
# 在课程测试过的每台机器上都一样。

# %%
torch.manual_seed(0)  # 模型的初始权重只取决于这个种子，与上面运行过哪些单元格无关
model = DigitNet().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
loss_fn = nn.CrossEntropyLoss()

MAX_EPOCHS, PATIENCE = 12, 3
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=MAX_EPOCHS)  # lr falls to 0 by the last epoch
best = {"epoch": 0, "val_loss": float("inf"), "state": None}


def early_stopping(epoch, history):
    """Keep a copy of the best weights; return True (stop) after PATIENCE epochs without a new best."""
    if history["val_loss"][-1] < best["val_loss"]:
        best.update(epoch=epoch, val_loss=history["val_loss"][-1], state=copy.deepcopy(model.state_dict()))
    return epoch - best["epoch"] >= PATIENCE


cpu_start, wall_start = time.process_time(), time.perf_counter()
history = fit(model, train_loader, loss_fn, optimizer, epochs=MAX_EPOCHS, val_loader=val_loader,
              scheduler=scheduler, on_epoch_end=early_stopping)
cpu_seconds, wall_seconds = time.process_time() - cpu_start, time.perf_counter() - wall_start

# %%
# NBVAL_IGNORE_OUTPUT
# 耗时取决于机器，以及它同时还在做什么
print(f"training took {cpu_seconds:.1f} s of CPU time ({wall_seconds:.1f} s on the clock)")

# %%
model.load_state_dict(best["state"])  # 换回最好的那一轮的权重
print(f"stopped after {len(history['train_loss'])} epochs; best epoch {best['epoch']}")
print(f"best validation loss {best['val_loss']:.2f}, accuracy {history['val_acc'][best['epoch'] - 1]:.4f}")

# %% [markdown]
# 运行这个笔记本时，上面会显示一个进度条（自动测试时关掉了，因为它含有速度和时间）。
#
# ## 5. 学习曲线
#
# `plot_history` 画出 `fit()` 返回的曲线；虚线标出早停选中的那一轮。损失用对数坐标，后面几轮的小变化才看得清。

# %%
fig = plot_history(history, title="DigitNet on the digits")
for ax in fig.axes:
    ax.axvline(best["epoch"], color="gray", linestyle="--", label="best epoch")
fig.axes[0].set_yscale("log")
fig.axes[0].legend()
plt.show()

# %% [markdown]
# 怎么读这张图：
#
# * 两条损失曲线一起下降，说明模型在学习。学习率越来越小，两条曲线也越来越平。过了最好的那一轮，验证损失再没创新低，
#   训练损失却还在慢慢下降：再训练下去，模型在新数据上不会更好，反而可能开始记住训练集的细节（过拟合）。
#   连续 `PATIENCE` 轮没有新低，早停就结束训练，并换回最好的权重。
# * 验证损失有时比训练损失还低，这并不奇怪：训练损失是在 Dropout 打开时、一边更新权重一边算出的一轮平均值，
#   验证损失则是在这一轮结束后、Dropout 关闭时算的。
# * 验证准确率的每一格是 1/270 ≈ 0.4%：验证集只有 270 张图，一两张图的变化就会让曲线抖动。
#
# ## 6. 最终评估：测试集，只用一次
#
# 所有的决定（模型结构、学习率、何时停止）都已做完，现在才打开测试集。我们只过一遍测试集，把每张图的 logits 收集起来，
# 下面所有的数字都来自这一遍：之后不再回头根据测试结果修改模型。

# %%
model.eval()
with torch.no_grad():
    test_logits = torch.cat([model(inputs.to(device)).cpu() for inputs, _ in test_loader])
test_targets = torch.cat([targets for _, targets in test_loader])
test_preds = test_logits.argmax(dim=1)

test_loss = loss_fn(test_logits, test_targets).item()
test_acc = (test_preds == test_targets).float().mean().item()
print(f"test loss {test_loss:.2f}, test accuracy {test_acc:.4f} "
      f"({(test_preds == test_targets).sum().item()} of {len(test_targets)} correct)")

# %%
# NBVAL_CHECK_OUTPUT
print("test accuracy at least 97%:", test_acc >= 0.97)

# %% [markdown]
# ### 混淆矩阵
#
# 准确率只是一个数字。**混淆矩阵**告诉我们错在哪里：第 i 行、第 j 列的数，是“真实为 i、被预测为 j”的图片张数。
# 对角线上是预测正确的，其他格子都是错误。（按 scikit-learn 的约定，行是真实类别，列是预测类别。）

# %%
cm = torch.from_numpy(confusion_matrix(test_targets.numpy(), test_preds.numpy(), labels=list(range(10))))

fig, ax = plt.subplots(figsize=(6, 5.5))
ax.imshow(cm.numpy(), cmap="Blues")
for true in range(10):
    for pred in range(10):
        count = cm[true, pred].item()
        if count:
            ax.text(pred, true, str(count), ha="center", va="center",
                    color="white" if count > cm.max().item() / 2 else "black")
ax.set_xticks(range(10))
ax.set_yticks(range(10))
ax.set_xlabel("predicted digit")
ax.set_ylabel("true digit")
ax.set_title("Confusion matrix on the test set")
ax.grid(False)
plt.show()

# %% [markdown]
# 每个类别的准确率 = 对角线上的数 ÷ 这一行的总数（这一类一共有多少张图）。整体准确率很高时，它能暴露出某一类特别差的问题。

# %%
per_class = cm.diag() / cm.sum(dim=1)
for digit in range(10):
    print(f"digit {digit}: {cm[digit, digit].item():2d} of {cm[digit].sum().item():2d} correct ({per_class[digit]:.4f})")
print("errors (true -> predicted: count):",
      [(t, p, cm[t, p].item()) for t in range(10) for p in range(10) if t != p and cm[t, p] > 0])

# %% [markdown]
# ### 认错的图片
#
# 看看模型到底在哪些图片上犯了错，标题里是真实标签、预测和模型给预测的概率（softmax）：

# %%
wrong = (test_preds != test_targets).nonzero().flatten()
probabilities = test_logits.softmax(dim=1)
titles = [f"true {test_targets[i]}, pred {test_preds[i]}\np = {probabilities[i, test_preds[i]]:.2f}" for i in wrong]
if len(wrong):
    show_images(test_set.tensors[0][wrong], titles=titles, ncols=max(len(wrong), 4))
    plt.show()
else:
    print("every test image is classified correctly")

# %% [markdown]
# 8×8 的图片太粗糙，有些错误连人也会犯。
#
# ## 7. 检查点：保存，以及从中断处继续训练
#
# 大模型一训练就是几小时甚至几天，机器可能重启，任务可能被抢占。**检查点**就是定期把训练的全部状态写到磁盘，
# 出事后从最近的检查点接着训练，而不是从头再来。
#
# ### 只为使用模型：保存 `state_dict`
#
# 如果只是想以后**用**这个模型，保存 `model.state_dict()`（一个“参数名 → 张量”的字典）就够了。
# 加载时先按同样的代码建好模型，再 `load_state_dict`。
# `torch.load` 从 2.6 版起默认 `weights_only=True`：只读取张量和简单的 Python 数据（数字、字符串、列表、字典等），
# 不会执行文件里夹带的任意代码，所以加载别人给的检查点更安全。

# %%
# NBVAL_CHECK_OUTPUT
checkpoint_dir = tempfile.TemporaryDirectory()  # 临时文件夹，本节结束时删除
weights_path = Path(checkpoint_dir.name) / "digitnet_weights.pt"
torch.save(model.state_dict(), weights_path)

restored = DigitNet().to(device)
restored.load_state_dict(torch.load(weights_path, weights_only=True))
restored.eval()
with torch.no_grad():
    same = torch.equal(restored(x), model(x))
print("keys:", list(model.state_dict())[:4], "...")
print("restored model gives the same logits:", same)

# %% [markdown]
# ### 为了继续训练：保存一切
#
# 要从中断处**继续训练**，并且得到和从未中断**完全一样**的结果，光有权重不够。还需要：
#
# | 状态 | 为什么需要 |
# | --- | --- |
# | `optimizer.state_dict()` | Adam 为每个参数维护的滑动平均和步数；丢了它，接下来的每一步都会不同 |
# | 已完成的轮数 `epoch` | 知道从哪一轮接着训练 |
# | 训练集 `DataLoader` 的 generator 状态 | 决定之后每一轮的打乱顺序 |
# | torch 的全局随机数发生器（GPU 上还有 CUDA 的） | Dropout 的随机掩码从这里抽取；而且**每个** `DataLoader` 在每次遍历开始时，都会从它自己的 generator（没有就用全局的）抽一个种子，连不打乱的验证集也一样 |
# | Python `random` 和 NumPy 的状态 | 这里没用到，但很多数据增强会用 |
# | 学习率调度器的状态（如果有） | 学习率走到了哪一步 |
#
# `course_utils/checkpoint.py` 把这些都收集起来：`save_checkpoint(path, model, optimizer, epoch, generator=...)` 保存，
# `load_checkpoint(path, model, optimizer, generator=...)` 恢复并返回整个检查点（`state["epoch"]` 就是已完成的轮数）。
# 而 `fit(..., start_epoch=state["epoch"])` 从下一轮接着训练。
#
# 下面来做实验：
#
# * **A：不中断**。训练 6 轮，第 3 轮结束时顺手存一个检查点。
# * **B：恢复**。假装进程在第 3 轮后崩溃了：重新建模型、优化器和 DataLoader（故意用**别的**种子，证明一切都来自检查点），加载检查点，训练剩下的 3 轮。
#
# 在 GPU 上，有些卷积算法本身不是确定性的（同样的输入，结果的最后几位可能不同），所以先要求 cuDNN 只用确定性算法；在 CPU 上这两行没有作用。

# %%
torch.backends.cudnn.deterministic = True  # GPU：只用确定性的卷积算法（CPU 上无影响）
torch.backends.cudnn.benchmark = False

SAVE_AT, TOTAL = 3, 6
checkpoint_path = Path(checkpoint_dir.name) / "digitnet_epoch3.pt"


def new_run(seed):
    """Build what a training script builds when it starts: model, optimizer, shuffling loader."""
    torch.manual_seed(seed)
    run_model = DigitNet().to(device)
    run_optimizer = torch.optim.Adam(run_model.parameters(), lr=3e-3)
    generator = torch.Generator().manual_seed(seed)
    loader = DataLoader(train_set, batch_size=BATCH_SIZE, shuffle=True, generator=generator)
    return run_model, run_optimizer, loader, generator


# A：一口气训练 6 轮，第 3 轮结束时保存检查点
model_a, optimizer_a, loader_a, generator_a = new_run(seed=1)


def save_at_epoch_3(epoch, history):
    if epoch == SAVE_AT:
        save_checkpoint(checkpoint_path, model_a, optimizer_a, epoch, generator=generator_a, history=history)


history_a = fit(model_a, loader_a, loss_fn, optimizer_a, epochs=TOTAL, val_loader=val_loader,
                on_epoch_end=save_at_epoch_3)

# %% [markdown]
# 检查点里有什么？（`weights_only=True` 能读它，说明里面只有张量和简单的 Python 数据。）

# %%
checkpoint = torch.load(checkpoint_path, weights_only=True)
print("checkpoint:", list(checkpoint))
print("rng:", list(checkpoint["rng"]))
print("epoch:", checkpoint["epoch"], "| optimizer state of the first weight:", list(checkpoint["optimizer"]["state"][0]))

# %%
# B：新的“进程”，别的种子；一切都从检查点恢复
model_b, optimizer_b, loader_b, generator_b = new_run(seed=2)
state = load_checkpoint(checkpoint_path, model_b, optimizer_b, generator=generator_b)
print("resuming after epoch", state["epoch"])
history_b = fit(model_b, loader_b, loss_fn, optimizer_b, epochs=TOTAL, start_epoch=state["epoch"],
                val_loader=val_loader)

# %% [markdown]
# 现在逐个比较两次运行的 `state_dict` 里的**每一个**张量。`torch.equal` 要求形状相同、每一个数都完全相等，不是“差不多”：

# %%
# NBVAL_CHECK_OUTPUT
state_a, state_b = model_a.state_dict(), model_b.state_dict()
for name in state_a:
    print(f"{name:<22} identical: {torch.equal(state_a[name], state_b[name])}")
print("resumed run == uninterrupted run, bit for bit:", all(torch.equal(state_a[k], state_b[k]) for k in state_a))

# %% [markdown]
# 逐位相同。第 4～6 轮的验证损失也一位不差（B 只跑了这 3 轮）：

# %%
print("validation losses of A and B equal, bit for bit:", history_a["val_loss"][SAVE_AT:] == history_b["val_loss"])

# %% [markdown]
# ### 反例：少恢复一样东西
#
# 把同样的实验再做一次，但**不**恢复 DataLoader 的 generator（其他一切照旧恢复）。
# 之后每一轮的打乱顺序都不一样了，权重也就不一样了：

# %%
# NBVAL_CHECK_OUTPUT
model_c, optimizer_c, loader_c, generator_c = new_run(seed=2)
state = load_checkpoint(checkpoint_path, model_c, optimizer_c)  # 没有传 generator=generator_c
fit(model_c, loader_c, loss_fn, optimizer_c, epochs=TOTAL, start_epoch=state["epoch"], val_loader=val_loader)
state_c = model_c.state_dict()
print("without the generator state, identical:", all(torch.equal(state_a[k], state_c[k]) for k in state_a))

# %%
largest = max((state_a[k].float() - state_c[k].float()).abs().max().item() for k in state_a)
print("largest difference in a weight is far above float rounding (> 1e-3):", largest > 1e-3)
checkpoint_dir.cleanup()  # 删除临时文件夹和里面的检查点

# %% [markdown]
# 差别不大，模型照样能用；但“几乎一样”的结果让调试变得很难：你没法判断一个变化来自你的修改，还是来自随机性。
# 能够逐位复现，出问题时才能定位。（`tests/test_checkpoint.py` 用同样的办法证明了：恢复后的训练逐位相同；
# 少恢复 generator 或全局随机数状态，结果就不同。）
#
# 在真实项目里，检查点通常每轮（或每隔几百步）保存一次，文件名里带上轮数，只保留最近几个和验证成绩最好的一个。
# `save_checkpoint` 先写到一个临时文件再改名，所以即使保存时进程崩溃，也不会留下一个写了一半的检查点。
#
# ## 小结
#
# * 数据分三份：训练集更新权重，验证集做所有的决定，测试集只在最后用一次。
# * 训练用 `model.train()`，评估用 `model.eval()` **加上** `torch.no_grad()`：前者改变 Dropout/BatchNorm 的行为，后者不记录计算图。
# * 早停：盯着验证损失，保存最好的权重，连续几轮没有进步就停。
# * 准确率之外，看混淆矩阵、每个类别的准确率和认错的样本。
# * 能继续训练的检查点 = 模型 + 优化器 + 轮数 + **所有**随机数发生器（包括 DataLoader 的 generator）；全部恢复后，结果逐位相同。
#
# 练习在 `exercises/zh/09_training.ipynb`：自己写准确率、混淆矩阵、评估函数和检查点的保存与加载，最后只改超参数，把一个训练不起来的配置修到验证准确率 95% 以上。

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **接下来：** [本章练习：09_training](../../exercises/zh/09_training.ipynb) · [下一章：10_torchvision](10_torchvision.ipynb)
