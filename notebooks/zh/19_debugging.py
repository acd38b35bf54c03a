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
# # 19 · 调试：训练为什么失败，以及怎样让它可以复现
#
# 训练出了问题，PyTorch 很少报错：代码照样跑完，只是损失降不下去、准确率停在 10%，或者某一步突然变成 `nan`。
# 这一章不罗列“小技巧”，而是给出一套**方法**，再用它把六个经典的坏掉的训练逐个找出来、修好：
#
# 1. **方法**：先核对初始化时的损失，再让模型过拟合一个批次，最后才放大到整个数据集；
# 2. **六次坏掉的训练**：每一次都真的在单元格里坏掉，找出原因，再修好；
# 3. **工具**：用钩子（hook）看激活值和梯度、每层的梯度范数、`torch.autograd.set_detect_anomaly` 追查 `nan`、学习率区间测试；
# 4. **可复现**：`torch.use_deterministic_algorithms`、DataLoader 工作进程的种子，以及换一台机器后还会有什么不同；
# 5. **内存**：激活检查点（`torch.utils.checkpoint`）和梯度累加，并实际量一量省下了多少。
#
# 数据仍是 scikit-learn 自带的 8×8 手写数字（不需要下载），模型都很小，整章在 CPU 上不到一分钟就能跑完。

# %%
from course_utils import setup_notebook

setup_notebook()

# %%
import math
import sys
import tempfile
import time
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.checkpoint import checkpoint_sequential
from torch.utils.data import DataLoader

from course_utils import digits_datasets, show_images

# 这一章的模型都很小，一律在 CPU 上、用一个线程跑：既快，结果也和机器有几个核无关。
torch.set_num_threads(1)

train_set, val_set, _ = digits_datasets(seed=0)
x_train, y_train = train_set.tensors[0].flatten(1), train_set.tensors[1]  # (1258, 64) 个像素，(1258,) 个标签
x_val, y_val = val_set.tensors[0].flatten(1), val_set.tensors[1]
print("train:", tuple(x_train.shape), "| validation:", tuple(x_val.shape))

# %% [markdown]
# 下面几个小函数全章都要用。`batch_indices` 事先抽好每一步的批次：每次实验看到的批次完全相同，
# 两次运行之间唯一的区别就是我们故意改动的那一处。`train` 是一个**正确的**训练循环，后面坏掉的版本都和它对照。

# %%
def make_mlp(seed=0):
    """64 pixels -> 64 hidden units -> 10 logits."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))


def batch_indices(steps, batch_size=64, seed=0):
    """The indices of the training examples of every step: the same batches for every run."""
    generator = torch.Generator().manual_seed(seed)
    batches = []
    while len(batches) < steps:
        order = torch.randperm(len(x_train), generator=generator)
        batches += list(order[: len(order) // batch_size * batch_size].view(-1, batch_size))
    return batches[:steps]


def train(model, steps=300, lr=0.1, x=x_train, y=y_train):
    """A correct training loop with plain SGD; returns the loss of every step."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    losses = []
    for idx in batch_indices(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


@torch.no_grad()
def accuracy(model, x=x_val, y=y_val):
    """Validation accuracy, in eval mode and without a graph."""
    model.eval()
    return (model(x).argmax(dim=1) == y).float().mean().item()


def tail(losses, n=20):
    """The mean loss of the last n steps: one step's loss is too noisy to compare."""
    return sum(losses[-n:]) / len(losses[-n:])


# %% [markdown]
# ## 1. 方法：初始损失 → 过拟合一个批次 → 放大
#
# ### 1.1 初始化时的损失应该是多少？
#
# 训练开始前，权重是随机的，模型对十个数字没有任何偏好，每一类的概率大约都是 1/10。
# 交叉熵是“正确类别的概率取负对数”，所以初始损失应该接近 $-\ln(1/10) = \ln 10$。一般地，**C 个类别的初始损失 ≈ ln C**。
# 这是训练开始前就能做的检查，一行代码：

# %%
# NBVAL_CHECK_OUTPUT
model = make_mlp()
with torch.no_grad():
    init_loss = F.cross_entropy(model(x_train), y_train).item()
print(f"expected ln(10) = {math.log(10):.3f}, measured at initialisation: {init_loss:.3f}")

# %% [markdown]
# 两者吻合。如果差得很远，训练还没开始就已经有问题了。一个常见的例子：最后一层的权重太大，
# 模型一开始就对随机的答案“非常自信”，损失远高于 ln 10，前面几百步都花在把这份自信磨掉上。

# %%
# NBVAL_CHECK_OUTPUT
overconfident = make_mlp()
with torch.no_grad():
    overconfident[2].weight.mul_(30)  # 最后一层的权重放大 30 倍
    loss = F.cross_entropy(overconfident(x_train), y_train).item()
    probs = overconfident(x_train).softmax(dim=1)
print(f"last layer x30: loss at initialisation {loss:.2f} (expected {math.log(10):.2f})")
print(f"mean probability of the most likely class: {probs.max(dim=1).values.mean():.2f} (expected about 0.1)")

# %% [markdown]
# 损失高于 ln C 很多：检查最后一层的初始化和输入的尺度（比如像素忘了缩放到 [0, 1]）。
# 损失**低于** ln C 很多：模型还没学就“知道”答案了，多半是标签漏进了输入。
#
# ### 1.2 过拟合一个批次
#
# 第二步：只拿 32 张图，反复训练。一个能用的模型加一段正确的训练代码，应该能把这 32 张图**背下来**，损失接近 0。
# 做不到，就说明问题出在代码里（模型、损失、优化器的接线），而和数据多少、超参数好坏都无关。
# 这一步只要几秒钟，却排除了一大半可能的原因。

# %%
model = make_mlp()
x_one, y_one = x_train[:32], y_train[:32]
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
one_batch_losses = []
for _ in range(150):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x_one), y_one)
    loss.backward()
    optimizer.step()
    one_batch_losses.append(loss.item())

# %%
# NBVAL_CHECK_OUTPUT
print("loss on the batch after 150 steps below 0.01:", one_batch_losses[-1] < 0.01)
print("accuracy on the batch:", accuracy(model, x_one, y_one))

# %% [markdown]
# ### 1.3 再放大到整个训练集
#
# 代码没问题了，才换成全部训练数据，并开始看验证集。先用上面那个最朴素的 `train`（SGD，学习率 0.1，300 步）：

# %%
full_model = make_mlp()
full_losses = train(full_model)

# %%
# NBVAL_CHECK_OUTPUT
print(f"mean loss of the last 20 steps: {tail(full_losses):.1f}, validation accuracy: {accuracy(full_model):.2f}")

# %%
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(one_batch_losses, label="one batch of 32 (Adam)")
ax.plot(full_losses, label="whole training set (SGD)", alpha=0.8)
ax.axhline(math.log(10), color="gray", linestyle="--", label="ln 10")
ax.set_xlabel("step")
ax.set_ylabel("loss")
ax.set_yscale("log")
ax.set_title("Step 2 and step 3 of the method")
ax.legend()
plt.show()

# %% [markdown]
# 两条曲线都从 ln 10 出发。一个批次的损失一路降到接近 0（背下来了）；整个训练集的损失降得慢，而且带着批次间的抖动。
# 到这里才轮到调超参数、加大模型、训练更久。
#
# 一句话：**先核对起点，再证明能学，最后才求学得好。**
#
# ## 2. 六次坏掉的训练
#
# 下面每一节都先在单元格里写出一个**真的坏掉**的训练，看它出什么症状，找出原因，再修好。
# 每次都和上面的 `train`（或同样正确的写法）比较。所有的曲线最后画在一张图里。

# %%
curves = {}  # bug -> (broken losses, fixed losses)

# %% [markdown]
# ### 2.1 忘了 `zero_grad()`
#
# `backward()` 把梯度**加**到 `.grad` 上，而不是覆盖（第 05 章）。忘了清零，每一步用的都是从第一步起所有梯度的和：
# 越往后，这个和越大，方向也越来越由早已过时的梯度决定。

# %%
model = make_mlp()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
broken = []
for idx in batch_indices(300):
    # BUG: optimizer.zero_grad() is missing
    loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
    loss.backward()
    optimizer.step()
    broken.append(loss.item())
first_weight_grad = model[0].weight.grad.norm().item()

# 修好的那次就是第 1.3 节的训练：同样的模型、批次和学习率，加上 zero_grad()
curves["missing zero_grad()"] = (broken, full_losses)
one_step_grad = full_model[0].weight.grad.norm().item()  # .grad 里是它最后一步的梯度

# %%
# NBVAL_CHECK_OUTPUT
print(f"mean loss of the last 20 steps: fixed {tail(curves['missing zero_grad()'][1]):.1f}; broken above 0.5:",
      tail(broken) > 0.5)
print("gradient of the first layer after 300 steps is over 10x larger without zero_grad():",
      first_weight_grad > 10 * one_step_grad)

# %% [markdown]
# 症状：损失先下降，然后大起大落、停在很高的地方。修法：每一步 `backward()` 之前调用 `optimizer.zero_grad()`
# （或 `model.zero_grad()`）。如果你**有意**让梯度累加（见第 5 节），也要在每次 `step()` 之后清零。
#
# ### 2.2 先做了 softmax，再交给 `CrossEntropyLoss`
#
# `nn.CrossEntropyLoss` 要的是 **logits**（未经归一化的分数），它内部自己做 `log_softmax`。
# 如果模型最后已经做了 softmax，相当于做了两次：输入变成了 0 到 1 之间的概率，再做一次 softmax 后各类几乎一样大，
# 梯度很小。而且损失有一个降不下去的**下限**：即使模型给出完美的概率 (1, 0, …, 0)，
# 损失也是 $-\ln\frac{e^1}{e^1 + 9e^0} = \ln(e + 9) - 1$。

# %%
model = make_mlp()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
broken = []
for idx in batch_indices(300):
    optimizer.zero_grad()
    probs = model(x_train[idx]).softmax(dim=1)  # BUG: CrossEntropyLoss applies log_softmax itself
    loss = F.cross_entropy(probs, y_train[idx])
    loss.backward()
    optimizer.step()
    broken.append(loss.item())
curves["softmax before CrossEntropyLoss"] = (broken, full_losses)

# %%
# NBVAL_CHECK_OUTPUT
floor = math.log(math.e + 9) - 1
print(f"the lowest loss reachable with probabilities as inputs: ln(e + 9) - 1 = {floor:.3f}")
print("broken run never went below it:", min(broken) > floor)
print(f"mean loss of the last 20 steps: broken {tail(broken):.1f}, fixed {tail(curves['softmax before CrossEntropyLoss'][1]):.1f}")

# %% [markdown]
# 修法：模型输出 logits，损失函数直接用它们；只有在**预测**时（要给人看概率）才做 softmax。
# 同样的道理：`nn.NLLLoss` 要的是 `log_softmax` 的结果，`nn.BCEWithLogitsLoss` 要的是 logits 而不是 sigmoid 的结果。
#
# ### 2.3 学习率不对
#
# 同一段正确的代码，只换学习率。太大，第一步就迈过了头，损失冲上去，ReLU 可能全部“死掉”（输出恒为 0），再也回不来；
# 太小，损失几乎不动，看上去像“模型学不会”。

# %%
too_large = train(make_mlp(), lr=10.0)
too_small = train(make_mlp(), lr=1e-4)
curves["learning rate 10 / 1e-4"] = (too_large, full_losses)  # full_losses 的学习率是 0.1

# %%
# NBVAL_CHECK_OUTPUT
print(f"lr = 10:   highest loss {max(too_large):.0f}, mean of the last 20 steps {tail(too_large):.1f}")
print(f"lr = 1e-4: loss {too_small[0]:.2f} -> {tail(too_small):.2f} (ln 10 = {math.log(10):.2f})")
print(f"lr = 0.1:  mean of the last 20 steps {tail(curves['learning rate 10 / 1e-4'][1]):.1f}")

# %% [markdown]
# 症状很好认：损失爆炸或变成 `nan`，是学习率太大；损失一直停在 ln C 附近，而过拟合一个批次又没问题，先试试更大的学习率。
# 第 3.4 节的**学习率区间测试**能系统地找出合适的范围。
#
# ### 2.4 标签和输入被分开打乱了
#
# 想“手动打乱数据集”，却只打乱了图片，忘了用**同一个**排列打乱标签。代码不报任何错，形状也都对，
# 只是每张图配上了别人的标签：

# %%
perm = torch.randperm(len(x_train), generator=torch.Generator().manual_seed(1))
x_shuffled = x_train[perm]  # BUG: y_train is not permuted with the same perm
shuffled_model = make_mlp()
broken = train(shuffled_model, x=x_shuffled, y=y_train)
curves["labels shuffled apart from inputs"] = (broken, train(make_mlp(), x=x_shuffled, y=y_train[perm]))

# %%
# NBVAL_CHECK_OUTPUT
print(f"broken: mean loss of the last 20 steps {tail(broken):.1f} (ln 10 = {math.log(10):.1f})")
print(f"broken: validation accuracy {accuracy(shuffled_model):.1f} (chance: 0.1)")

# %% [markdown]
# 损失停在 ln 10，验证准确率停在瞎猜的水平。要命的是，**“过拟合一个批次”查不出这个问题**：32 张图配 32 个随机标签，
# 模型照样能死记硬背下来。它查的是代码，不是数据：

# %%
# NBVAL_CHECK_OUTPUT
model = make_mlp()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
for _ in range(150):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x_shuffled[:32]), y_train[:32])
    loss.backward()
    optimizer.step()
print("one batch with wrong labels memorised (loss < 0.01):", loss.item() < 0.01)

# %% [markdown]
# 所以还要**亲眼看一看**送进模型的数据：从真正的训练批次里取几张图，把标签写在标题上。

# %%
show_images(x_shuffled[:8].view(-1, 1, 8, 8), titles=[f"label {y}" for y in y_train[:8].tolist()], ncols=8)
plt.show()

# %% [markdown]
# 标签和图对不上，一眼就能看出来。修法：用同一个排列同时打乱两者（`x_train[perm], y_train[perm]`），
# 更好的做法是根本不手动打乱，把图片和标签放进同一个 `TensorDataset`，交给 `DataLoader(shuffle=True)`（第 08 章）。
#
# ### 2.5 评估时 BatchNorm 和 Dropout 还处在训练模式
#
# 训练模式下，`Dropout` 随机丢掉一半的特征，`BatchNorm` 用**当前批次**的均值和方差做归一化，并且更新它累积的统计量。
# 评估时忘了 `model.eval()`，预测就取决于同一批里还有哪些图片，准确率随批大小变化；更糟的是，“评估”还改动了模型。

# %%
def make_bn_mlp(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(64, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 10))


bn_model = make_bn_mlp()
train(bn_model)


@torch.no_grad()
def accuracy_forgot_eval(model, batch_size, x=x_val, y=y_val):
    # BUG: model.eval() is missing, so the model stays in the mode that train() left it in
    preds = torch.cat([model(x[i:i + batch_size]).argmax(dim=1) for i in range(0, len(x), batch_size)])
    return (preds == y).float().mean().item()


running_mean_before = bn_model[1].running_mean.clone()
bn_model.train()
broken_acc = {bs: accuracy_forgot_eval(bn_model, bs) for bs in (270, 16, 4)}
changed = not torch.equal(bn_model[1].running_mean, running_mean_before)
fixed_acc = accuracy(bn_model)  # accuracy() calls model.eval()

# %%
# NBVAL_CHECK_OUTPUT
for bs, acc in broken_acc.items():
    print(f"train mode, batches of {bs:3d}: accuracy {acc:.2f}")
print(f"eval mode (any batch size): accuracy {fixed_acc:.2f}")
print("the 'evaluation' in train mode changed BatchNorm's running statistics:", changed)

# %% [markdown]
# 批次越小，BatchNorm 用的统计量越不可靠，准确率越差；一张一张地预测更是直接报错：

# %%
# NBVAL_CHECK_OUTPUT
bn_model.train()
try:
    bn_model(x_val[:1])
except ValueError as error:
    print("ValueError:", error)

# %% [markdown]
# 修法：评估前 `model.eval()`，训练前 `model.train()`（第 09 章）；`torch.no_grad()` 只管不建计算图，管不了这两层的行为。
#
# ### 2.6 损失里不声不响的广播：`(N, 1)` 对 `(N,)`
#
# 回归模型最后一层是 `nn.Linear(5, 1)`，输出形状 `(N, 1)`；目标却常常是 `(N,)`。两者相减**不会报错**：
# 按广播规则（第 03 章）得到一个 `(N, N)` 的矩阵，每个预测和**每个**目标都比了一遍。
# 要让这个损失最小，模型只能学会对所有输入都输出目标的平均值。

# %%
g = torch.Generator().manual_seed(0)
x_reg = torch.randn(256, 5, generator=g)
w_true = torch.randn(5, generator=g)
y_reg = x_reg @ w_true + 0.1 * torch.randn(256, generator=g)  # shape (256,)


def train_regression(squeeze, steps=200):
    torch.manual_seed(0)
    model = nn.Linear(5, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        pred = model(x_reg)  # (256, 1)
        if squeeze:
            pred = pred.squeeze(1)  # (256,): the fix
        loss = ((pred - y_reg) ** 2).mean()  # without the fix: (256, 1) - (256,) -> (256, 256)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses, model


broken, broken_model = train_regression(squeeze=False)
fixed, _ = train_regression(squeeze=True)
curves["(N, 1) against (N,) in the loss"] = (broken, fixed)

# %%
# NBVAL_CHECK_OUTPUT
print("shape of pred - target:", tuple((broken_model(x_reg) - y_reg).shape))
print(f"final loss: broken {broken[-1]:.2f}, fixed {fixed[-1]:.3f} (noise variance 0.010)")
print(f"variance of the targets: {y_reg.var():.2f}; broken model's predictions vary by {broken_model(x_reg).std():.3f}")

# %% [markdown]
# 坏掉的模型损失停在目标的方差附近，它的预测几乎是一个常数。`nn.MSELoss` 至少会为此发出警告（手写的损失则一声不吭）：

# %%
# NBVAL_CHECK_OUTPUT
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    F.mse_loss(broken_model(x_reg), y_reg)
print(caught[0].category.__name__ + ":", str(caught[0].message))

# %% [markdown]
# 修法：让预测和目标形状一致（`pred.squeeze(1)` 或 `y.unsqueeze(1)`），并且在损失之前加一行断言，
# 把不声不响的错误变成立刻的报错：`assert pred.shape == target.shape, (pred.shape, target.shape)`。
#
# 六次坏掉的训练和修好后的对比：

# %%
fig, axes = plt.subplots(2, 3, figsize=(12, 6.5))
curve_axes = [axes[0, 0], axes[0, 1], axes[0, 2], axes[1, 0], axes[1, 2]]  # axes[1, 1] is for BatchNorm/Dropout
for ax, (bug, (bad, good)) in zip(curve_axes, curves.items()):
    ax.plot(bad, color="tab:red", label="broken")
    ax.plot(good, color="tab:green", label="fixed")
    ax.set_title(bug, fontsize=10)
    ax.set_yscale("log")
    ax.set_xlabel("step")
axes[0, 2].plot(too_small, color="tab:orange", label="lr 1e-4")
axes[0, 0].set_ylabel("loss")
axes[1, 0].set_ylabel("loss")
axes[0, 2].legend()
axes[0, 0].legend()
# BatchNorm/Dropout: accuracy instead of a loss curve
ax = axes[1, 1]
ax.bar([f"train\n{bs}" for bs in broken_acc], list(broken_acc.values()), color="tab:red")
ax.bar(["eval\nany"], [fixed_acc], color="tab:green")
ax.set_ylim(0, 1)
ax.set_xlabel("mode and batch size at evaluation")
ax.set_ylabel("validation accuracy")
ax.set_title("BatchNorm/Dropout in train mode at evaluation", fontsize=10)
fig.tight_layout()
plt.show()

# %% [markdown]
# 小结成一张对照表：
#
# | 症状 | 先怀疑 |
# | --- | --- |
# | 初始损失远离 ln C | 最后一层初始化、输入没缩放、标签漏进输入 |
# | 损失先降后乱跳，越来越糟 | 忘了 `zero_grad()`；学习率太大 |
# | 损失降得极慢，停在某个下限之上 | 损失函数的输入不对（先做了 softmax/sigmoid） |
# | 损失爆炸或 `nan` | 学习率太大；`log`/`sqrt`/除法碰到 0（第 3.3 节） |
# | 损失停在 ln C，但一个批次能背下来 | 数据和标签对不上：亲眼看一看数据 |
# | 训练好好的，评估时准确率随批大小变化 | 忘了 `model.eval()` |
# | 回归损失停在目标的方差附近 | 预测和目标的形状不同，发生了广播 |
#
# ## 3. 工具
#
# ### 3.1 钩子：看每一层的激活值和梯度
#
# **前向钩子** `module.register_forward_hook(fn)` 在模块每次算完前向时调用 `fn(module, inputs, output)`；
# **反向钩子** `module.register_full_backward_hook(fn)` 在梯度流过模块时调用 `fn(module, grad_input, grad_output)`。
# 不用改模型的代码，就能把每一层的统计量记下来。两个函数都返回一个句柄，用完要 `handle.remove()`，否则钩子一直挂着。
#
# 拿一个 10 层的深 MLP 做实验，对比两种初始化：PyTorch `nn.Linear` 的默认初始化，
# 以及为 ReLU 设计的 Kaiming（He）初始化 `nn.init.kaiming_normal_(weight, nonlinearity="relu")`。

# %%
def make_deep(init, depth=10, seed=0):
    torch.manual_seed(seed)
    layers = []
    for _ in range(depth):
        linear = nn.Linear(64, 64)
        if init == "kaiming":
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
            nn.init.zeros_(linear.bias)
        layers += [linear, nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(64, 10))


def layer_statistics(model, x, y):
    """Forward hooks record how much each ReLU's output varies with the input; backward hooks record
    the norm of the gradient at each Linear's output."""
    act_std, grad_norm, handles = [], [], []
    for module in model:
        if isinstance(module, nn.ReLU):
            # std over the examples (dim=0) of each unit, averaged over the units
            handles.append(module.register_forward_hook(
                lambda mod, inputs, output: act_std.append(output.std(dim=0).mean().item())))
        if isinstance(module, nn.Linear):
            handles.append(module.register_full_backward_hook(
                lambda mod, grad_input, grad_output: grad_norm.append(grad_output[0].norm().item())))
    # a full backward hook on the first layer wants an input that requires grad (otherwise it warns)
    F.cross_entropy(model(x.detach().requires_grad_()), y).backward()
    for handle in handles:
        handle.remove()
    return act_std, grad_norm[::-1]  # backward visits the layers last to first


x_batch, y_batch = x_train[:256], y_train[:256]
stats = {init: layer_statistics(make_deep(init), x_batch, y_batch) for init in ("default", "kaiming")}

# %%
# NBVAL_CHECK_OUTPUT
for init, (act_std, _) in stats.items():
    print(f"{init:>7}: std over the examples of the ReLU outputs, layers 1, 4, 7, 10:",
          " ".join(f"{s:.0e}" for s in act_std[::3]))

# %% [markdown]
# 这里量的是每个单元的输出**随输入变化**的幅度（在样本之间的标准差）。默认初始化下，它每过一层都缩小到一半以下，
# 到第 10 层几乎为 0：网络的输出已经和输入几乎无关，只剩偏置决定的常数。Kaiming 初始化让它大致保持不变。
# 原因：默认初始化的权重方差是 $1/(3\,\text{fan\_in})$，ReLU 又砍掉一半，信号的方差每层乘以约 1/6；
# Kaiming 用 $2/\text{fan\_in}$，正好抵消。下图的右边是反向传播时流过每层的梯度，默认初始化下同样一层层变小。

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
for init, (act_std, grad_norm) in stats.items():
    ax1.plot(range(1, len(act_std) + 1), act_std, marker="o", label=init)
    ax2.plot(range(1, len(grad_norm) + 1), grad_norm, marker="o", label=init)
ax1.set(yscale="log", xlabel="layer", ylabel="std of ReLU output over examples", title="Forward hooks: activations")
ax2.set(yscale="log", xlabel="Linear layer (11 = output layer)", ylabel="norm of gradient w.r.t. layer output",
        title="Backward hooks: gradients")
ax1.legend()
plt.show()

# %% [markdown]
# ### 3.2 每一层的梯度范数
#
# `backward()` 之后，每个参数的梯度就在 `p.grad` 里，不需要钩子。把每一层所有参数的梯度合起来求 L2 范数，
# 就能看出哪一层的梯度消失（接近 0）或爆炸（特别大）。`clip_grad_norm_` 返回的、也是第 07 章用来裁剪的，
# 是**所有**参数合起来的总范数。

# %%
# NBVAL_CHECK_OUTPUT
def grad_norm_per_layer(model):
    norms = {}
    for name, module in model.named_modules():
        grads = [p.grad for p in module.parameters(recurse=False) if p.grad is not None]
        if grads:
            norms[name] = torch.sqrt(sum(g.pow(2).sum() for g in grads)).item()
    return norms


for init in ("default", "kaiming"):
    model = make_deep(init)
    F.cross_entropy(model(x_batch), y_batch).backward()
    norms = grad_norm_per_layer(model)
    total = torch.nn.utils.get_total_norm([p.grad for p in model.parameters()]).item()
    print(f"{init:>7}: layer '0' {norms['0']:.1e}, layer '20' {norms['20']:.1e}, all layers together {total:.1e}")

# %% [markdown]
# 默认初始化下，第一层（名字 `'0'`）的梯度比最后一层（`'20'`）小好几个数量级，前面几层几乎学不动。
# 训练时每隔若干步记下这些数（或者画进 TensorBoard，第 15 章），梯度消失和爆炸在曲线上一目了然。
#
# ### 3.3 `torch.autograd.set_detect_anomaly`：`nan` 从哪里来？
#
# 损失是有限的，梯度却成了 `nan`，这种情况最难查。一个真实的例子：`torch.where` 只在 `x > 0` 时取 `sqrt(x)`，
# 前向完全正常；但反向时 `sqrt` 的梯度在负数处是 `nan`，乘以 `where` 给的 0，还是 `nan`（`nan × 0 = nan`）。

# %%
# NBVAL_CHECK_OUTPUT
x = torch.tensor([-1.0, 4.0], requires_grad=True)
loss = torch.where(x > 0, torch.sqrt(x), torch.zeros_like(x)).sum()
loss.backward()
print("loss:", loss.item(), "| gradient:", x.grad)

# %% [markdown]
# 在真实的模型里，`nan` 会一路传到所有参数，看不出源头。**异常检测模式**让 autograd 在每个反向函数之后检查输出，
# 一旦出现 `nan` 就报错，指出是哪个函数，并（作为警告）附上**前向时**创建这个函数的那行代码：

# %%
# NBVAL_CHECK_OUTPUT
x.grad = None
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    try:
        with torch.autograd.set_detect_anomaly(True):
            loss = torch.where(x > 0, torch.sqrt(x), torch.zeros_like(x)).sum()
            loss.backward()
    except RuntimeError as error:
        print("RuntimeError:", error)
trace = str(caught[0].message).splitlines()
print(trace[0])
print("forward line:", trace[-2].strip())

# %% [markdown]
# 找到了：`SqrtBackward0`，来自 `torch.sqrt(x)`。修法是让不用的那一支也不产生 `nan`：先把输入夹到安全范围，
# `torch.sqrt(x.clamp(min=1e-12))`。
#
# 异常检测要为每个运算记下调用栈，会让训练明显变慢，所以只在追查问题时打开。
# 也可以便宜地先找到**第一次**出问题的那一步：每一步检查 `torch.isfinite(loss)`，以及梯度总范数是否有限。

# %%
# NBVAL_CHECK_OUTPUT
x.grad = None
loss = torch.where(x > 0, torch.sqrt(x.clamp(min=1e-12)), torch.zeros_like(x)).sum()
loss.backward()
print("fixed gradient:", x.grad)

# %% [markdown]
# ### 3.4 学习率区间测试
#
# 第 2.3 节里，学习率 10 爆炸，1e-4 不动。合适的值在哪？**学习率区间测试**（LR range test）只需训练一百步：
# 学习率从很小开始，每一步乘以一个固定的倍数，一直增大到很大，同时记下（平滑后的）损失。
# 损失开始下降的地方是学习率“够用”的下限；损失最低之后很快就会爆炸。常用的选择是**损失最低处的学习率的十分之一左右**。

# %%
def lr_range_test(model, lr_min=1e-4, lr_max=10.0, steps=100, smoothing=0.8):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr_min)
    factor = (lr_max / lr_min) ** (1 / (steps - 1))
    lrs, losses, smooth = [], [], None
    for step, idx in enumerate(batch_indices(steps)):
        lr = lr_min * factor**step
        for group in optimizer.param_groups:
            group["lr"] = lr
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
        loss.backward()
        optimizer.step()
        smooth = loss.item() if smooth is None else smoothing * smooth + (1 - smoothing) * loss.item()
        lrs.append(lr)
        losses.append(smooth)
        if not math.isfinite(smooth) or smooth > 2 * min(losses):
            break  # the loss blew up: larger learning rates are useless
    return lrs, losses


lrs, lr_losses = lr_range_test(make_mlp())
best_lr = lrs[min(range(len(lr_losses)), key=lr_losses.__getitem__)]

# %%
fig, ax = plt.subplots(figsize=(7, 3.8))
ax.plot(lrs, lr_losses)
ax.axvline(best_lr, color="tab:red", linestyle="--", label="lowest loss")
ax.axvline(best_lr / 10, color="tab:green", linestyle="--", label="a tenth of it")
ax.set(xscale="log", xlabel="learning rate", ylabel="smoothed loss", title="Learning-rate range test (SGD)")
ax.legend()
plt.show()

# %%
# NBVAL_CHECK_OUTPUT
print(f"lowest loss at a learning rate of about {10 ** round(math.log10(best_lr)):g}; "
      f"suggested: {10 ** round(math.log10(best_lr / 10)):g}")

# %% [markdown]
# 建议值正是第 1.3 节一直在用的 0.1。学习率区间测试和优化器、批大小、模型都有关：换了其中任何一个，都要重新测一次。
#
# ## 4. 可复现
#
# 能逐位复现，调试才有意义：改了一处代码，结果变了，你要确定是这处改动造成的，而不是随机性。
# 同一台机器、同样的种子、同样的代码，CPU 上的训练应该**逐位相同**：

# %%
# NBVAL_CHECK_OUTPUT
run_1, run_2 = make_mlp(seed=3), make_mlp(seed=3)
train(run_1, steps=50)
train(run_2, steps=50)
print("two runs with the same seed, bit for bit:", all(torch.equal(a, b) for a, b in zip(run_1.parameters(), run_2.parameters())))

# %% [markdown]
# ### `torch.use_deterministic_algorithms`
#
# 在 GPU 上，有些算子为了速度用了原子加法（atomic add），相加的顺序每次不同，结果的最后几位也就不同。
# `torch.use_deterministic_algorithms(True)` 让 PyTorch 只用确定性的实现；某个算子没有确定性实现时，它会**报错**，而不是悄悄给出不可复现的结果
# （`warn_only=True` 改成只警告）。在 GPU 上还要设置环境变量 `CUBLAS_WORKSPACE_CONFIG=:4096:8`（在 CUDA 初始化之前），
# 并关掉 `torch.backends.cudnn.benchmark`（它会按当次的测速结果挑卷积算法）。
#
# 它在 CPU 上也有一个看得见的效果：`torch.empty` 分配的“未初始化”内存会被填成 `nan`（整数填最大值），
# 这样读到未初始化内存的 bug 每次都表现一样（由 `torch.utils.deterministic.fill_uninitialized_memory` 控制，默认打开）。

# %%
# NBVAL_CHECK_OUTPUT
torch.use_deterministic_algorithms(True)
print("deterministic:", torch.are_deterministic_algorithms_enabled(), "| torch.empty(3):", torch.empty(3))
torch.use_deterministic_algorithms(False)  # 本章的其余部分不需要它

# %%
# NBVAL_IGNORE_OUTPUT
# 只有在 GPU 上才能演示“没有确定性实现就报错”；CPU 上打印一行说明。
if torch.cuda.is_available():
    torch.use_deterministic_algorithms(True)
    try:
        torch.histc(torch.rand(100, device="cuda"), bins=10)
        print("torch.histc ran without an error on this version")
    except RuntimeError as error:
        print("RuntimeError:", str(error).splitlines()[0])
    finally:
        torch.use_deterministic_algorithms(False)
else:
    print("no GPU: on CUDA, an op without a deterministic implementation (e.g. torch.histc) raises a RuntimeError here")

# %% [markdown]
# ### DataLoader 工作进程的种子
#
# `num_workers > 0` 时，每个工作进程是一个单独的进程（第 08 章）。PyTorch 在进程启动时给它设种子：
# 进程 $w$ 的 `torch` 和 Python `random` 用 `base_seed + w`，NumPy 的全局生成器也用由此派生的种子；
# `base_seed` 从 DataLoader 的 `generator`（没给就从全局生成器）抽取。所以要复现，需要两样东西：
#
# * `generator=torch.Generator().manual_seed(seed)`：决定 `base_seed`，也决定打乱顺序；
# * `worker_init_fn`：给 PyTorch **管不到**的随机源设种子，比如数据集对象自己带着的生成器，或者别的库。
#
# 工作进程要能 `import` 数据集类和 `worker_init_fn`（macOS、Windows 用 `spawn` 启动进程），所以把它们写进一个模块：

# %%
WORKER_MODULE = '''
"""A dataset with its own NumPy generator (like many augmentation pipelines), and its worker_init_fn."""
import numpy as np
from torch.utils.data import Dataset, get_worker_info


class Jitter(Dataset):
    def __init__(self, n):
        self.n = n
        self.rng = np.random.default_rng(0)  # every worker gets a COPY of this generator

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        return float(self.rng.normal())


def seed_worker(worker_id):
    """worker_init_fn: reseed what PyTorch does not seed, from this worker's seed (base_seed + worker_id)."""
    info = get_worker_info()
    info.dataset.rng = np.random.default_rng(info.seed)
'''
module_dir = tempfile.TemporaryDirectory()
Path(module_dir.name, "lesson19_workers.py").write_text(WORKER_MODULE)
sys.path.insert(0, module_dir.name)
from lesson19_workers import Jitter, seed_worker


def load_all(seed, worker_init_fn):
    loader = DataLoader(Jitter(8), batch_size=4, num_workers=2, worker_init_fn=worker_init_fn,
                        generator=torch.Generator().manual_seed(seed))
    return [batch.tolist() for batch in loader]


# %%
# NBVAL_CHECK_OUTPUT
no_init = load_all(seed=0, worker_init_fn=None)
print("without worker_init_fn, both workers' batches are equal:", no_init[0] == no_init[1])
seeded = load_all(seed=0, worker_init_fn=seed_worker)
print("with seed_worker, the workers differ:", seeded[0] != seeded[1])
print("same generator seed -> same numbers:", seeded == load_all(seed=0, worker_init_fn=seed_worker))
print("other generator seed -> other numbers:", seeded != load_all(seed=1, worker_init_fn=seed_worker))

# %% [markdown]
# ### 换一台机器，还会有什么不同？
#
# 上面这些只保证**同一台机器、同样的软件**上逐位相同。浮点加法不满足结合律，换一个相加的顺序，最后几位就可能不同：

# %%
# NBVAL_CHECK_OUTPUT
print("(0.1 + 0.2) + 0.3 =", (0.1 + 0.2) + 0.3, "| 0.1 + (0.2 + 0.3) =", 0.1 + (0.2 + 0.3))

# %% [markdown]
# 而相加的顺序取决于很多东西。即使设置了上面的一切，这些不同仍然会让结果的最后几位不同：
#
# * **CPU 的指令集**：AVX2、AVX-512 的向量宽度不同，一次加几个数也不同（可以用 `ATEN_CPU_CAPABILITY=default/avx2/avx512` 在启动前切换，课程的测试就是这样做的）；
# * **线程数**：一个求和拆成几段并行算，段数不同，顺序就不同（本章用 `torch.set_num_threads(1)`）；
# * **GPU 的型号**和 CUDA、cuDNN、cuBLAS 的版本：它们挑选的算法不同；
# * **PyTorch 和其他库的版本**：实现会改。
#
# 差别起初只在最后一位，但训练会把它一步步放大，几千步之后权重可能明显不同。所以跨机器比较时，比较的应该是
# 四舍五入后的指标（准确率、损失的前几位），而不是逐位的权重；这门课存下的输出也都是这样处理的。
#
# ## 5. 内存：激活检查点和梯度累加
#
# 训练时的内存大头往往不是参数，而是前向时为反向传播**保存下来的中间结果**（激活值）：每一层的输入、ReLU 的输出……
# 它们一直留到反向传播用完为止。`torch.autograd.graph.saved_tensors_hooks` 能看到 autograd 保存的每一个张量，
# 我们用它来数一数字节数。我们量的是**为反向传播保存的激活值**（参数不算，同一块内存只算一次），
# 不是进程的总内存，但正是这一部分随批大小和层数增长，也正是下面两种技术要削减的部分。

# %%
torch.manual_seed(0)
deep = nn.Sequential(*[m for _ in range(8) for m in (nn.Linear(256, 256), nn.ReLU())])
param_storages = {p.untyped_storage().data_ptr() for p in deep.parameters()}


def saved_activation_mb(forward):
    """Run forward() and return (its output, MB of distinct non-parameter tensors autograd saved for backward)."""
    saved = {}

    def pack(tensor):
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in param_storages:
            saved[storage.data_ptr()] = storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        output = forward()
    return output, sum(saved.values()) / 2**20


x_big = torch.randn(256, 256)
out_plain, mb_plain = saved_activation_mb(lambda: deep(x_big))
out_ckpt, mb_ckpt = saved_activation_mb(lambda: checkpoint_sequential(deep, 4, x_big, use_reentrant=False))

# %% [markdown]
# ### 激活检查点
#
# `torch.utils.checkpoint` 的思路是“用时间换内存”：一段网络在前向时**不保存**中间结果，只记住这段的输入；
# 反向传播到这一段时，再把它的前向重算一遍。`checkpoint_sequential(model, segments, x)` 把一个 `nn.Sequential` 切成几段这样处理
# （最后一段照常运行，因为反向传播马上就要用它的结果）。`use_reentrant=False` 是官方推荐的实现，要明确写出来。

# %%
# NBVAL_CHECK_OUTPUT
print("input: 256 x 256 floats = 0.25 MB; 8 blocks of Linear(256, 256) + ReLU")
print(f"saved for backward, plain:                   {mb_plain:.2f} MB")
print(f"saved for backward, checkpoint_sequential 4: {mb_ckpt:.2f} MB")

# %% [markdown]
# 普通的前向存下了每个 `Linear` 的输入和最后一个 ReLU 的输出；检查点版本只存下了各段的输入和最后一段的激活值。
# 反向传播时，每次重算一段，这一段的激活值只**临时**存在，所以峰值是“保存的部分 + 一段的激活值”。
# 层数越多，省得越多：$n$ 层切成 $\sqrt{n}$ 段，保存的激活值从正比于 $n$ 降到正比于 $\sqrt{n}$。
#
# 代价是多一次前向的计算；好处是梯度**完全一样**（同样的运算又做了一遍）：

# %%
# NBVAL_CHECK_OUTPUT
out_plain.sum().backward()
grads_plain = [p.grad.clone() for p in deep.parameters()]
deep.zero_grad()
out_ckpt.sum().backward()
print("same gradients with and without checkpointing:",
      all(torch.equal(a, p.grad) for a, p in zip(grads_plain, deep.parameters())))


# %%
# NBVAL_IGNORE_OUTPUT
# 时间取决于机器和它同时在做的事情
def step_seconds(forward, repeats=3):
    start = time.perf_counter()
    for _ in range(repeats):
        deep.zero_grad()
        forward().sum().backward()
    return (time.perf_counter() - start) / repeats


plain_s = step_seconds(lambda: deep(x_big))
ckpt_s = step_seconds(lambda: checkpoint_sequential(deep, 4, x_big, use_reentrant=False))
print(f"forward + backward: plain {plain_s * 1e3:.0f} ms, checkpointed {ckpt_s * 1e3:.0f} ms")

# %% [markdown]
# 在 GPU 上，可以直接读出显存的峰值（`torch.cuda.max_memory_allocated`），它包括参数、梯度和所有临时张量：

# %%
# NBVAL_IGNORE_OUTPUT
# 显存峰值只在 GPU 上有；它的数值取决于 GPU 和 CUDA 的版本
if torch.cuda.is_available():
    deep_gpu, x_gpu = deep.cuda(), x_big.cuda()
    for name, forward in (("plain", lambda: deep_gpu(x_gpu)),
                          ("checkpointed", lambda: checkpoint_sequential(deep_gpu, 4, x_gpu, use_reentrant=False))):
        deep_gpu.zero_grad(set_to_none=True)
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        forward().sum().backward()
        torch.cuda.synchronize()
        print(f"{name}: peak GPU memory {torch.cuda.max_memory_allocated() / 2**20:.1f} MB")
    deep.cpu()
else:
    print("no GPU: the peak-memory comparison with torch.cuda.max_memory_allocated runs only on CUDA")

# %% [markdown]
# ### 梯度累加
#
# 另一种办法是把一个大批次拆成几个**小批次**：每个小批次做一次前向和反向，梯度在 `.grad` 里累加（2.1 节的那个“bug”，这回是有意的），
# 全部做完才 `step()` 一次、再清零。每次只有一个小批次的激活值在内存里。
# 注意每个小批次的损失要**除以小批次的个数**，这样累加出来的才是整个大批次的平均损失的梯度。

# %%
# NBVAL_CHECK_OUTPUT
torch.manual_seed(0)
head = nn.Linear(256, 10)
targets = torch.randint(0, 10, (256,))
model = nn.Sequential(deep, head)

model.zero_grad()
full, mb_full = saved_activation_mb(lambda: F.cross_entropy(model(x_big), targets))
full.backward()
grads_full = [p.grad.clone() for p in model.parameters()]

model.zero_grad()
ACCUMULATE = 4
mb_micro = 0.0
for x_part, y_part in zip(x_big.chunk(ACCUMULATE), targets.chunk(ACCUMULATE)):
    loss, mb = saved_activation_mb(lambda xs=x_part, ys=y_part: F.cross_entropy(model(xs), ys) / ACCUMULATE)
    loss.backward()  # gradients add up in .grad
    mb_micro = max(mb_micro, mb)
# 到这里才 optimizer.step()，然后 optimizer.zero_grad()
largest = max((a - p.grad).abs().max().item() for a, p in zip(grads_full, model.parameters()))
print(f"saved for backward: one batch of 256 {mb_full:.2f} MB, micro-batch of 64 {mb_micro:.2f} MB")
print("accumulated gradients equal the full batch's, up to float rounding (< 1e-6):", largest < 1e-6)

# %% [markdown]
# 梯度只在浮点舍入的层面上不同（加法的顺序变了，见第 4 节）。要注意：BatchNorm 按**小批次**统计均值和方差，
# 所以带 BatchNorm 的模型累加出来的梯度和大批次并不相同。
#
# 两种技术可以一起用：梯度累加决定一次放进多少样本，检查点决定每个样本保存多少激活值。

# %%
module_dir.cleanup()
sys.path.remove(module_dir.name)

# %% [markdown]
# ## 小结
#
# * **方法**：初始损失 ≈ ln C → 过拟合一个批次 → 放大到整个数据集。前两步几秒钟就能排除大部分代码错误。
# * **六个经典 bug**：忘了 `zero_grad()`；softmax 之后再用 `CrossEntropyLoss`；学习率太大或太小；标签和输入被分开打乱（过拟合一个批次查不出来，要亲眼看数据）；
#   评估时忘了 `model.eval()`；`(N, 1)` 和 `(N,)` 在损失里广播。
# * **工具**：前向/反向钩子看每层的激活值和梯度；`p.grad` 算每层的梯度范数；`set_detect_anomaly` 找出第一个产生 `nan` 的反向函数；学习率区间测试找学习率。
# * **可复现**：种子 + `use_deterministic_algorithms`（GPU 上再加 `CUBLAS_WORKSPACE_CONFIG`、关掉 `cudnn.benchmark`）+ DataLoader 的 `generator` 和 `worker_init_fn`；
#   跨机器只能指望四舍五入后的结果相同。
# * **内存**：激活检查点用一次重算换内存，梯度不变；梯度累加用几个小批次凑出一个大批次。
#
# 练习在 `exercises/zh/19_debugging.ipynb`：算出初始损失，修好两个坏掉的训练函数，写每层的梯度范数，把可复现的设置写成一个函数。

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **接下来：** [本章练习：19_debugging](../../exercises/zh/19_debugging.ipynb)
