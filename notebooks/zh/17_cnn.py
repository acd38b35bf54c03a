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
# # 17 · 卷积神经网络
#
# 第 09 章已经用过 `nn.Conv2d`，但只是把它当成一个黑盒。这一章把卷积网络拆开来看，再一块块装回去：
#
# 1. **卷积从头算起**：卷积核、步长（stride）、填充（padding）、空洞（dilation），输出尺寸公式，感受野；亲手算一次卷积，和 `nn.Conv2d` 对答案；
# 2. **池化、BatchNorm、Dropout**：尤其是 BatchNorm 在训练和评估时的不同行为；
# 3. **残差块**：恒等捷径，以及通道数或步长改变时的 1×1 投影；
# 4. **一个小 ResNet**：在手写数字上训练，顺便看一个经典 bug，忘了 `model.eval()`；
# 5. **数据增强**：`torchvision.transforms.v2`；
# 6. **`channels_last` 和 `cudnn.benchmark`**；
# 7. **迁移学习**：先在一个任务上预训练，再在一个只有少量数据的相关任务上微调，和从头训练比一比；
# 8. **把网络“看到”的东西画出来**：卷积核和特征图。
#
# 数据全部来自本地：scikit-learn 自带的 8×8 手写数字，以及课程自己生成的几何图形（`course_utils.shapes`），不需要下载。

# %%
from course_utils import setup_notebook

setup_notebook()

# %%
import copy
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset
from torchvision.transforms import v2

from course_utils import digits_datasets, evaluate, fit, get_device, plot_history, show_images
from course_utils.shapes import render_shapes
from course_utils.timing import benchmark

device = get_device()  # 有 GPU 用 GPU，否则用 CPU
# 这一章的模型都很小：一个线程就够了，而且结果和机器有几个核无关（见第 09 章）
torch.set_num_threads(1)
print("device:", device.type)

# %% [markdown]
# ## 1. 卷积从头算起
#
# ### 1.1 亲手算一次卷积
#
# 一个 3×3 的**卷积核**（kernel）在输入上滑动；每到一个位置，把它盖住的 9 个数和卷积核的 9 个权重逐个相乘再相加，再加上偏置，就得到输出的一个数。
# 输入有多个通道时，卷积核也有同样多的通道，所有通道的乘积一起相加；有几个卷积核，输出就有几个通道。
# 所以 `nn.Conv2d(C_in, C_out, k)` 的权重形状是 `(C_out, C_in, k, k)`。
#
# 下面用最朴素的循环写出这个定义，同时支持步长、填充和空洞（后面马上解释）：

# %%
def conv2d_by_hand(x, weight, bias, stride=1, padding=0, dilation=1):
    """x: (C_in, H, W), weight: (C_out, C_in, k, k), bias: (C_out,) -> (C_out, H_out, W_out), with plain loops."""
    c_out, c_in, k, _ = weight.shape
    x = F.pad(x, (padding, padding, padding, padding))  # zeros around the border
    span = dilation * (k - 1) + 1                       # how far the kernel reaches
    h_out = (x.shape[1] - span) // stride + 1
    w_out = (x.shape[2] - span) // stride + 1
    out = torch.zeros(c_out, h_out, w_out)
    for o in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                top, left = i * stride, j * stride
                patch = x[:, top:top + span:dilation, left:left + span:dilation]  # (C_in, k, k)
                out[o, i, j] = (patch * weight[o]).sum() + bias[o]
    return out


# %% [markdown]
# 用小整数做输入和权重，这样结果是精确的整数，一眼就能对上。一个 5×5 的输入，一个 3×3 的卷积核，左列是 −1、中间一列是 0、右列是 +1：
# 它算的是“右边减左边”，对“从左到右变亮”的竖直边缘反应最强。

# %%
# NBVAL_CHECK_OUTPUT
x = torch.tensor([[0, 0, 1, 1, 1],
                  [0, 0, 1, 1, 1],
                  [0, 0, 1, 1, 1],
                  [0, 0, 0, 0, 0],
                  [0, 0, 0, 0, 0]], dtype=torch.float32).unsqueeze(0)  # (1, 5, 5): one channel
kernel = torch.tensor([[-1, 0, 1],
                       [-1, 0, 1],
                       [-1, 0, 1]], dtype=torch.float32).reshape(1, 1, 3, 3)  # (C_out=1, C_in=1, 3, 3)
bias = torch.zeros(1)

by_hand = conv2d_by_hand(x, kernel, bias)
print("by hand, output shape", tuple(by_hand.shape))
print(by_hand[0].int())

# 同样的权重放进 nn.Conv2d
conv = nn.Conv2d(1, 1, kernel_size=3)
with torch.no_grad():
    conv.weight.copy_(kernel)
    conv.bias.copy_(bias)
    by_module = conv(x.unsqueeze(0))[0]  # the module wants a batch dimension: (N, C, H, W)
print("nn.Conv2d gives the same numbers:", torch.equal(by_hand, by_module))

# %% [markdown]
# 左上角的输出是 3：卷积核盖住输入左上角的 3×3 区域，右列三个 1 乘以 +1，左列三个 0 乘以 −1。
#
# 注意，深度学习里的“卷积”其实是数学上的**互相关**：卷积核**不翻转**。数学上的卷积要先把卷积核旋转 180°。
# 对要学习的权重来说这没有区别（学出来的卷积核自然就是翻转过的样子），但按教科书公式手算时要记得。
#
# 再用随机的多通道输入、步长、填充和空洞各试一次，比较浮点数时用 `allclose`：

# %%
# NBVAL_CHECK_OUTPUT
gen = torch.Generator().manual_seed(0)
x3 = torch.randn(3, 9, 9, generator=gen)
for stride, padding, dilation in [(1, 0, 1), (2, 1, 1), (1, 2, 2), (3, 1, 2)]:
    conv = nn.Conv2d(3, 4, kernel_size=3, stride=stride, padding=padding, dilation=dilation)
    with torch.no_grad():
        expected = conv(x3.unsqueeze(0))[0]
    mine = conv2d_by_hand(x3, conv.weight.detach(), conv.bias.detach(), stride, padding, dilation)
    print(f"stride={stride} padding={padding} dilation={dilation}: shape {tuple(mine.shape)}, "
          f"matches nn.Conv2d: {torch.allclose(mine, expected, atol=1e-5)}")

# %% [markdown]
# ### 1.2 步长、填充、空洞，和输出尺寸公式
#
# * **步长** `stride=s`：卷积核每次挪 s 格。s = 2 时输出的高和宽大约减半，这是卷积网络缩小特征图的常用办法。
# * **填充** `padding=p`：在输入四周补 p 圈 0。3×3 卷积配 `padding=1` 时输出和输入一样大（“same” 卷积）。
# * **空洞** `dilation=d`：卷积核的各个元素之间隔开 d − 1 格，于是 3×3 的卷积核能覆盖 `d·(k−1)+1` 那么宽的范围，参数却不变。
#
# 一个维度上的输出尺寸（高和宽各算一次）：
#
# $$H_\text{out} = \left\lfloor \frac{H + 2p - d\,(k-1) - 1}{s} \right\rfloor + 1$$
#
# 这就是 PyTorch 文档里 `nn.Conv2d` 的公式。分子是卷积核“最左边的位置”能走多远：补零后的宽度 `H + 2p`，减去卷积核的跨度 `d(k−1)+1`；
# 除以步长向下取整，再加 1 是起始那个位置。下面在 10×10 的输入上核对几种设置：

# %%
# NBVAL_CHECK_OUTPUT
H = 10
print(" k  s  p  d | formula | nn.Conv2d")
for k, s, p, d in [(3, 1, 0, 1), (3, 1, 1, 1), (3, 2, 1, 1), (3, 2, 0, 1), (5, 1, 2, 1), (3, 1, 2, 2), (4, 2, 1, 1),
                   (7, 2, 3, 1)]:
    formula = (H + 2 * p - d * (k - 1) - 1) // s + 1
    measured = nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d)(torch.zeros(1, 1, H, H)).shape[-1]
    print(f"{k:2d} {s:2d} {p:2d} {d:2d} | {formula:7d} | {measured:9d}")

# %% [markdown]
# 两点值得记住：3×3、`padding=1` 保持尺寸；同样设置再加 `stride=2` 把尺寸减半（向上取整）。
# 最后一行 7×7、步长 2、填充 3 是 torchvision 里 ResNet 的第一层（它把 224 变成 112）。
#
# `nn.MaxPool2d` 和 `nn.AvgPool2d` 用的是同一个公式，池化窗口就相当于卷积核（`AvgPool2d` 没有空洞参数，取 d = 1）。
#
# ### 1.3 卷积核在图片上做了什么
#
# 在一张更大的图上换几个手工设计的卷积核看看效果。图片来自课程的几何图形生成器 `render_shapes`，转成灰度：

# %%
shape_image, _, _ = render_shapes(np.random.default_rng(3), size=64, min_shapes=3, max_shapes=3)
gray = torch.from_numpy(shape_image).float().mean(dim=2).div(255).reshape(1, 1, 64, 64)  # (N=1, C=1, 64, 64)

hand_kernels = {
    "vertical edges": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],    # Sobel: brightness changing from left to right
    "horizontal edges": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],  # the same, from top to bottom
    "blur": [[1 / 9] * 3] * 3,                                 # the mean of the 3x3 neighbourhood
    "outline": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],             # Laplacian: zero where the image is flat
}
weights = torch.tensor(list(hand_kernels.values())).unsqueeze(1)  # (4, 1, 3, 3): four filters, one input channel
maps = F.conv2d(gray, weights, padding=1)[0]                      # (4, 64, 64): one feature map per filter

fig, axes = plt.subplots(1, 5, figsize=(13, 2.9))
axes[0].imshow(shape_image)
axes[0].set_title("input")
for ax, name, fmap in zip(axes[1:], hand_kernels, maps):
    if name == "blur":
        ax.imshow(fmap.numpy(), cmap="gray")
    else:  # a symmetric colour scale: white is 0, red positive, blue negative
        limit = fmap.abs().max().item()
        ax.imshow(fmap.numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_title(name)
for ax in axes:
    ax.axis("off")
fig.tight_layout()
plt.show()

# %% [markdown]
# 红色是正的响应，蓝色是负的，白色是 0：竖直边缘卷积核在“左暗右亮”的边缘上为正，在“左亮右暗”的边缘上为负，在颜色均匀的地方为 0。
# 卷积网络的第一层学到的，正是这类边缘、颜色的检测器（第 8 节会把学到的卷积核画出来）；
# 它们和手工设计的不同之处在于，权重是从数据里学来的，而且有几十上百个。
#
# ### 1.4 感受野
#
# 输出的一个数只取决于输入中的一小块区域，这块区域叫它的**感受野**（receptive field）。一层 3×3 卷积的感受野是 3×3；
# 叠两层，第二层的每个输出看到第一层的 3×3 个值，而它们每个又看到输入的 3×3，合起来是 5×5。
# 一般地，从输入往上逐层计算（`r` 是感受野的宽度，`j` 是这一层相邻两个输出在输入上相隔多远，开始时 `r = j = 1`）：
#
# $$r \leftarrow r + (k - 1)\,d\,j, \qquad j \leftarrow j \cdot s$$
#
# 步长让之后每一层的“一格”在输入上变得更宽，所以下采样之后，感受野长得快得多。
#
# 感受野可以**测量**：对某一个输出求关于输入的梯度，梯度不为零的区域就是它的感受野。
# 为了不让正负权重恰好抵消，测量时把所有权重设成 1，也不加激活函数：

# %%
# NBVAL_CHECK_OUTPUT
def measured_receptive_field(layers, size=64):
    """Width of the input region that the centre output of a stack of (kernel, stride, dilation) convs depends on."""
    stack = nn.Sequential(*[nn.Conv2d(1, 1, k, stride=s, dilation=d, bias=False) for k, s, d in layers])
    for conv in stack:
        nn.init.ones_(conv.weight)
    image = torch.zeros(1, 1, size, size, requires_grad=True)
    out = stack(image)
    out[0, 0, out.shape[2] // 2, out.shape[3] // 2].backward()
    touched = image.grad[0, 0].abs().sum(dim=0) > 0  # columns the centre output depends on
    return int(touched.sum()), image.grad[0, 0]


stacks = {
    "one 3x3": [(3, 1, 1)],
    "two 3x3": [(3, 1, 1), (3, 1, 1)],
    "three 3x3": [(3, 1, 1)] * 3,
    "3x3 s2, then two 3x3": [(3, 2, 1), (3, 1, 1), (3, 1, 1)],
    "three 3x3, dilation 1, 2, 4": [(3, 1, 1), (3, 1, 2), (3, 1, 4)],
}
grads = {}
for name, layers in stacks.items():
    r, j = 1, 1
    for k, s, d in layers:
        r, j = r + (k - 1) * d * j, j * s
    measured, grads[name] = measured_receptive_field(layers)
    print(f"{name:<29} formula {r:2d}, measured {measured:2d}")

# %% [markdown]
# 公式和测量一致。把梯度画出来，亮的地方是中心输出“看得到”的输入像素，颜色深浅表示每个像素经过多少条路径影响这个输出：

# %%
fig, axes = plt.subplots(1, len(grads), figsize=(14, 3.2))
for ax, (name, grad) in zip(axes, grads.items()):
    ax.imshow(grad[16:48, 16:48].numpy(), cmap="magma")  # the central 32 x 32 of the 64 x 64 input
    ax.set_title(name, fontsize=9)
    ax.axis("off")
fig.suptitle("Receptive field of the centre output (gradient with respect to the input)")
fig.tight_layout()
plt.show()

# %% [markdown]
# 两个细节。第一，中间的像素通过更多条路径影响输出，所以真正起作用的“有效”感受野比理论宽度小。
# 第二，有步长或空洞时，相邻像素的路径数高低交错，出现格子状的图案；如果步长比卷积核还大（比如 1×1 卷积、步长 2），有的像素干脆一条路径也没有，被完全跳过。
# 空洞 1、2、4 的三层卷积每层仍只有 9 个权重，感受野却达到 15，而且中间没有漏掉的像素：这就是空洞卷积的用处。
#
# ## 2. 池化、BatchNorm、Dropout
#
# ### 2.1 池化
#
# **池化**没有要学的参数：`MaxPool2d(2)` 在每个 2×2 的窗口里取最大值，`AvgPool2d(2)` 取平均，都把高和宽减半。
# `AdaptiveAvgPool2d(1)` 不管输入多大，都把每个通道平均成一个数（“全局平均池化”），现代分类网络几乎都用它接在最后的全连接层之前。

# %%
# NBVAL_CHECK_OUTPUT
grid = torch.arange(16.0).reshape(1, 1, 4, 4)
print("input:\n", grid[0, 0])
print("MaxPool2d(2):\n", nn.MaxPool2d(2)(grid)[0, 0])
print("AvgPool2d(2):\n", nn.AvgPool2d(2)(grid)[0, 0])
print("AdaptiveAvgPool2d(1):", nn.AdaptiveAvgPool2d(1)(grid).flatten())
print("AdaptiveAvgPool2d(1) on a 7x5 input gives shape",
      tuple(nn.AdaptiveAvgPool2d(1)(torch.zeros(2, 8, 7, 5)).shape))

# %% [markdown]
# ### 2.2 BatchNorm：训练时和评估时不一样
#
# `nn.BatchNorm2d(C)` 对每个通道做标准化：减去均值、除以标准差，再乘上可学习的 `weight`（γ）、加上 `bias`（β）。关键在于**用哪个均值和标准差**：
#
# * **训练模式**（`model.train()`）：用**当前这个批次**（所有样本、所有位置）的统计量，同时把它们以 `momentum=0.1` 的比例并入
#   `running_mean` 和 `running_var`：`running = 0.9 · running + 0.1 · 本批次`；
# * **评估模式**（`model.eval()`）：用累积下来的 `running_mean` 和 `running_var`，不再更新。于是每个样本的输出只取决于它自己，不取决于和谁在同一个批次里。

# %%
# NBVAL_CHECK_OUTPUT
bn = nn.BatchNorm2d(2)
batch = torch.randn(8, 2, 4, 4, generator=torch.Generator().manual_seed(1)) * 3 + 5  # mean about 5, std about 3
print("running_mean at start:", bn.running_mean, "| running_var:", bn.running_var)

bn.train()
out = bn(batch)
print("train mode, output mean per channel:", out.mean(dim=(0, 2, 3)).abs().round(decimals=3),
      "std:", out.std(dim=(0, 2, 3)))
print("batch mean per channel:             ", batch.mean(dim=(0, 2, 3)))
print("running_mean after one batch:       ", bn.running_mean, "(0.9 * 0 + 0.1 * batch mean)")

bn.eval()
single = batch[:1]
print("eval mode: one image alone == the same image inside the batch:", torch.allclose(bn(single), bn(batch)[:1]))
bn.train()
print("train mode: one image alone == the same image inside the batch:", torch.allclose(bn(single), bn(batch)[:1]))

# %% [markdown]
# 训练模式下，同一张图片单独送进去和放在批次里送进去，结果不同；评估模式下相同。这就引出了卷积网络里最常见的 bug 之一，第 4 节会在训练好的模型上亲眼看到。
#
# 还要注意：在训练模式下**只做前向传播**（哪怕在 `torch.no_grad()` 里）也会改写 `running_mean`/`running_var`：

# %%
# NBVAL_CHECK_OUTPUT
before = bn.running_mean.clone()
with torch.no_grad():
    bn(torch.randn(8, 2, 4, 4) + 100)  # "just looking" at very different data, still in train mode
print("running_mean changed by a forward pass under no_grad:", not torch.equal(before, bn.running_mean))

# %% [markdown]
# ### 2.3 Dropout
#
# `nn.Dropout(p)` 在训练时把每个元素以概率 p 置零，并把留下的元素乘以 `1/(1−p)`，这样输出的期望不变；评估时它什么都不做。
# （卷积特征图上还有 `nn.Dropout2d`，一次丢掉整个通道。）

# %%
# NBVAL_CHECK_OUTPUT
drop = nn.Dropout(p=0.5)
ones = torch.ones(2, 8)
drop.train()
print("train mode:\n", drop(ones))
drop.eval()
print("eval mode:\n", drop(ones))

# %% [markdown]
# ## 3. 残差块
#
# 把卷积层一层层堆得很深，训练反而更难：梯度要穿过每一层才能回到前面。ResNet（He 等，2015）的办法是给每两层卷积加一条**捷径**：
#
# $$\text{out} = \text{ReLU}\big(F(x) + \text{shortcut}(x)\big), \qquad F = \text{conv}_{3\times3} \to \text{BN} \to \text{ReLU} \to \text{conv}_{3\times3} \to \text{BN}$$
#
# 捷径通常就是恒等映射 `x` 本身：没有参数，梯度可以原封不动地流回去；这一块只需要学“在 x 的基础上改多少”。
# 如果 F 改变了形状（输出通道数不同，或者第一个卷积用了 `stride=2` 把尺寸减半），`x` 就加不上去了，
# 这时捷径换成一个 **1×1 卷积**（同样的步长）加 BN，把 x 投影成和 F(x) 一样的形状。
#
# 卷积后面紧跟 BN 时，卷积的偏置是多余的（BN 减均值时会把它减掉），所以写 `bias=False`。

# %%
class BasicBlock(nn.Module):
    """ResNet's basic block: two 3x3 convs with BatchNorm, plus a shortcut (1x1 projection when the shape changes)."""

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        if stride == 1 and in_channels == out_channels:
            self.shortcut = nn.Identity()
        else:
            self.shortcut = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                                          nn.BatchNorm2d(out_channels))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


# %%
# NBVAL_CHECK_OUTPUT
x = torch.randn(2, 16, 8, 8)
for in_c, out_c, stride in [(16, 16, 1), (16, 32, 1), (16, 32, 2)]:
    block = BasicBlock(in_c, out_c, stride)
    print(f"BasicBlock({in_c}, {out_c}, stride={stride}): {tuple(x.shape)} -> {tuple(block(x).shape)}, "
          f"shortcut: {type(block.shortcut).__name__}, parameters: {sum(p.numel() for p in block.parameters())}")

# %% [markdown]
# 为什么捷径有用？看一个极端情况：把 F 的最后一个 BN 的 γ 设成 0（torchvision 的 ResNet 有个选项 `zero_init_residual=True` 就这么做），
# 这一块就变成了 `ReLU(x)`：对已经过 ReLU 的非负输入就是恒等映射。于是再深的 ResNet 在开始时也表现得像一个浅网络，之后再慢慢用上多出来的层。

# %%
# NBVAL_CHECK_OUTPUT
block = BasicBlock(16, 16)
nn.init.zeros_(block.bn2.weight)
block.eval()
nonneg = torch.rand(2, 16, 8, 8)
print("with bn2.weight = 0, the block is the identity on non-negative inputs:", torch.allclose(block(nonneg), nonneg))

# %% [markdown]
# ## 4. 一个小 ResNet 识别手写数字
#
# 图片只有 8×8，所以网络也很小：一个 3×3 的“茎”（stem）卷积，两个残差块（第二个把通道数翻倍、尺寸减半到 4×4），
# 全局平均池化，最后一个全连接层输出 10 个分数。

# %%
class SmallResNet(nn.Module):
    def __init__(self, num_classes=10, width=16):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU())
        self.layer1 = BasicBlock(width, width)                  # (N, 16, 8, 8)
        self.layer2 = BasicBlock(width, 2 * width, stride=2)    # (N, 32, 4, 4)
        self.pool = nn.AdaptiveAvgPool2d(1)                     # (N, 32, 1, 1)
        self.fc = nn.Linear(2 * width, num_classes)             # (N, num_classes)

    def forward(self, x):
        x = self.layer2(self.layer1(self.stem(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


# %%
# NBVAL_CHECK_OUTPUT
train_set, val_set, test_set = digits_datasets(seed=0)
print("train / validation / test images:", len(train_set), len(val_set), len(test_set))
print("parameters:", sum(p.numel() for p in SmallResNet().parameters()))

# %% [markdown]
# 训练用 AdamW 和余弦学习率（第 07 章），训练 `EPOCHS` 轮；这个轮数是在 2 核 CPU 上测过速度和准确率之后定下的。

# %%
EPOCHS = 6
loss_fn = nn.CrossEntropyLoss()
train_loader = DataLoader(train_set, batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(0))
val_loader = DataLoader(val_set, batch_size=512)
test_loader = DataLoader(test_set, batch_size=512)

torch.manual_seed(0)
model = SmallResNet().to(device)
optimizer = torch.optim.AdamW(model.parameters(), lr=5e-3, weight_decay=1e-4)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=EPOCHS)
history = fit(model, train_loader, loss_fn, optimizer, epochs=EPOCHS, val_loader=val_loader, scheduler=scheduler)

# %%
fig = plot_history(history, title="SmallResNet on the digits")
fig.axes[0].set_yscale("log")
plt.show()

# %%
# NBVAL_IGNORE_OUTPUT
# 最后一位取决于 CPU：换一台机器，训练中的舍入差别可能让一两张测试图的结果不同
_, test_acc = evaluate(model, test_loader, loss_fn, device)
print(f"test accuracy: {test_acc:.3f}")

# %%
# NBVAL_CHECK_OUTPUT
print("test accuracy at least 98%:", test_acc >= 0.98)

# %% [markdown]
# 目标是测试准确率至少 98%（第 09 章的普通卷积网络定的目标是 97%）。
#
# ### 经典 bug：忘了 `model.eval()`
#
# `evaluate()` 里面会调用 `model.eval()`。假如忘了，模型还停在训练模式，BatchNorm 就会用**当前批次**的统计量。
# 批次大而且打乱时，批次的统计量和累积的差不多，bug 就藏起来了；可一旦一次只预测一张图，结果就完全变了：

# %%
# NBVAL_CHECK_OUTPUT
test_images, test_labels = (t.to(device) for t in test_set.tensors)
saved_state = copy.deepcopy(model.state_dict())  # train-mode forward passes overwrite the running statistics


def accuracy_of(predict_batch, images, labels, batch_size):
    with torch.no_grad():
        preds = torch.cat([predict_batch(images[i:i + batch_size]).argmax(dim=1)
                           for i in range(0, len(images), batch_size)])
    return (preds == labels).float().mean().item()


# accuracies to one decimal: the second one moves by an image or two from one CPU to another
model.eval()
print(f"eval mode,  one image at a time:     {accuracy_of(model, test_images, test_labels, 1):.1f}")
model.train()  # the bug: we forgot model.eval()
print(f"train mode, the whole test set:      {accuracy_of(model, test_images, test_labels, 269):.1f}")
print(f"train mode, one image at a time:     {accuracy_of(model, test_images, test_labels, 1):.1f}")
print("running statistics changed by these 'evaluations':",
      not torch.equal(saved_state["stem.1.running_mean"], model.state_dict()["stem.1.running_mean"]))
model.load_state_dict(saved_state)  # undo the damage
model.eval()

# %% [markdown]
# 一次预测一张图时，每个通道都只按这一张图自己的像素标准化，“这个特征在这张图里比平常强还是弱”的信息被抹掉了，准确率掉到一半以下。
# 更糟的是，这些“评估”还悄悄改写了 running 统计量，所以上面先把 `state_dict` 存了一份，再恢复回来。
# 部署时的预测函数一定要 `model.eval()` 加 `torch.no_grad()`（或 `torch.inference_mode()`），练习 17.4 会写一个这样的函数。
#
# ## 5. 数据增强：`torchvision.transforms.v2`
#
# **数据增强**在训练时对每张图片做随机的小变化（平移、旋转、缩放、翻转、颜色……），变化后的图片标签不变。
# 模型每一轮看到的都是“新”的图片，于是学会对这些变化不敏感，也更难死记训练集。
# 选哪些变化要看任务：手写数字可以稍微平移和旋转，但不能左右翻转（会变成别的符号），也不能转 180°（6 会变成 9）。
#
# v2 的变换直接作用在张量上（形状 `(..., C, H, W)`），还可以用 `v2.Compose` 串起来：

# %%
augment = v2.Compose([
    v2.RandomAffine(degrees=10, translate=(0.125, 0.125), scale=(0.9, 1.1)),  # up to 1 pixel of shift on 8x8
])
digit, label = train_set[0]
show_images([digit] + [augment(digit) for _ in range(7)], titles=["original"] + ["augmented"] * 7)
plt.show()

# %% [markdown]
# 有一点要小心：一个 v2 变换作用在一整个批次的张量 `(N, C, H, W)` 上时，**整个批次只抽一组随机参数**，所有图片做同样的变化。
# 想让每张图有自己的随机变化，就要在 `Dataset` 里对每个样本分别调用（`DataLoader` 的 worker 进程正好可以并行做这件事）：

# %%
# NBVAL_CHECK_OUTPUT
class Augmented(Dataset):
    """Wrap a dataset of (image, label) pairs and transform each image when it is read."""

    def __init__(self, dataset, transform):
        self.dataset, self.transform = dataset, transform

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, index):
        image, label = self.dataset[index]
        return self.transform(image), label


shift = v2.RandomAffine(degrees=0, translate=(0.25, 0.25))
pair = torch.stack([digit, digit])                       # the same image twice, as a batch
batch_out = shift(pair)
print("one call on a batch: both copies moved the same way:", torch.equal(batch_out[0], batch_out[1]))
per_sample = Augmented(TensorDataset(pair, torch.tensor([label, label])), shift)
print("per sample, in a Dataset: each copy drew its own shift:", not torch.equal(per_sample[0][0], per_sample[1][0]))

# %% [markdown]
# 数字数据集里的数字都写在格子正中，测试集也一样，所以上面的模型从来没见过偏了一个像素的数字。
# 把测试图片都向右下平移一个像素，看看它的准确率；然后用带增强的 `Augmented` 数据集把同一个模型再训练几轮，再测一次：

# %%
def shifted(images):
    """Move every image one pixel right and one pixel down (the uncovered border becomes 0)."""
    return v2.functional.affine(images, angle=0.0, translate=[1, 1], scale=1.0, shear=[0.0, 0.0])


shifted_test_loader = DataLoader(TensorDataset(shifted(test_set.tensors[0]), test_set.tensors[1]), batch_size=512)
_, shifted_before = evaluate(model, shifted_test_loader, loss_fn, device)

AUG_EPOCHS = 2
augmented_loader = DataLoader(Augmented(train_set, augment), batch_size=64, shuffle=True,
                              generator=torch.Generator().manual_seed(1))
optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=AUG_EPOCHS)
fit(model, augmented_loader, loss_fn, optimizer, epochs=AUG_EPOCHS, scheduler=scheduler)
_, shifted_after = evaluate(model, shifted_test_loader, loss_fn, device)
_, test_acc_after = evaluate(model, test_loader, loss_fn, device)

# %%
# NBVAL_CHECK_OUTPUT
print(f"shifted test digits, before augmentation: {shifted_before:.1f}")
print(f"shifted test digits, after {AUG_EPOCHS} epochs with augmentation, at least 0.3 higher:",
      shifted_after > shifted_before + 0.3)
print("original test digits still at least 97%:", test_acc_after >= 0.97)

# %% [markdown]
# 只平移了一个像素，原来的模型就错了一大片；用增强训练几轮后，它对平移稳健多了，在原来的测试集上也几乎没有变差（仍在 97% 以上）。
# 增强的代价是训练变慢：每张图每一轮都要变换一次（这里在主进程里做；真实项目用 `DataLoader(num_workers=...)` 让几个进程并行做）。
#
# ## 6. `channels_last` 和 `cudnn.benchmark`
#
# ### `channels_last`
#
# 一个 `(N, C, H, W)` 的张量在内存里默认按 N、C、H、W 的顺序排（`torch.contiguous_format`，也叫 NCHW）：同一个通道的整张图挨在一起。
# `channels_last`（NHWC）把同一个像素的所有通道挨在一起。**形状不变**，变的只是步长（stride）：

# %%
# NBVAL_CHECK_OUTPUT
images = torch.randn(64, 16, 8, 8)
nhwc = images.to(memory_format=torch.channels_last)
print("shape:", tuple(images.shape), "->", tuple(nhwc.shape))
print("strides NCHW:", images.stride(), "| channels_last:", nhwc.stride())
print("same values:", torch.equal(images, nhwc), "| channels_last contiguous:",
      nhwc.is_contiguous(memory_format=torch.channels_last))

# %% [markdown]
# GPU 的 Tensor Core 和 CPU 上的 oneDNN 做卷积时都更喜欢 NHWC。用法是把模型和输入都转过去，其余代码不变，数值只差浮点舍入：

# %%
# NBVAL_CHECK_OUTPUT
model_cl = copy.deepcopy(model).to(memory_format=torch.channels_last)  # conv weights become NHWC too
inputs = test_set.tensors[0][:64].to(device)
with torch.no_grad():
    out_default = model(inputs)
    out_cl = model_cl(inputs.to(memory_format=torch.channels_last))
print("same predictions:", torch.equal(out_default.argmax(1), out_cl.argmax(1)),
      "| logits close:", torch.allclose(out_default, out_cl, atol=1e-4))

# %% [markdown]
# 快多少要测了才知道：在 GPU 上配合混合精度（第 04 章）常常明显更快；在 CPU 上、像这里这么小的网络，可能没区别甚至更慢。下面在一个稍大的卷积上测一次：

# %%
# NBVAL_IGNORE_OUTPUT
# 耗时取决于机器
big_conv = nn.Conv2d(64, 64, 3, padding=1).to(device).eval()
big_input = torch.randn(8, 64, 32, 32, device=device)
with torch.no_grad():
    t_nchw = benchmark(lambda: big_conv(big_input), device=device, warmup=2, repeats=5)
    big_conv_cl = copy.deepcopy(big_conv).to(memory_format=torch.channels_last)
    big_input_cl = big_input.to(memory_format=torch.channels_last)
    t_nhwc = benchmark(lambda: big_conv_cl(big_input_cl), device=device, warmup=2, repeats=5)
print(f"3x3 conv, 64 channels, 8 x 32 x 32 on {device.type}: NCHW {t_nchw.median * 1e3:.2f} ms, "
      f"channels_last {t_nhwc.median * 1e3:.2f} ms")

# %% [markdown]
# ### `cudnn.benchmark`
#
# 在 NVIDIA GPU 上，同一个卷积 cuDNN 有好几种算法（直接算、im2col + 矩阵乘、FFT、Winograd……），哪种最快取决于形状和硬件。
# `torch.backends.cudnn.benchmark = True` 让 PyTorch 在**每种新的输入形状第一次出现时**把候选算法都试一遍，记住最快的，以后直接用它。
#
# * 输入形状固定（大多数图像分类训练）：第一步慢一点，之后每一步都更快；
# * 形状总在变（可变的图片大小、可变长度的序列）：每个新形状都要重新试，反而更慢；
# * 它选中的算法可能不是确定性的，要逐位复现时关掉它，并设 `torch.backends.cudnn.deterministic = True`（第 09 章）。
#
# 它只影响 cuDNN，也就是 NVIDIA GPU；在 CPU 上设置它不起作用。所以下面的测量只在有 GPU 时运行：

# %%
# NBVAL_IGNORE_OUTPUT
# 只有在 GPU 上才测得出来；耗时取决于显卡
if torch.cuda.is_available():
    gpu_net = nn.Sequential(*[nn.Sequential(nn.Conv2d(64, 64, 3, padding=1), nn.ReLU()) for _ in range(8)]).cuda()
    gpu_input = torch.randn(64, 64, 56, 56, device="cuda")
    for flag in (False, True):
        torch.backends.cudnn.benchmark = flag
        with torch.no_grad():
            result = benchmark(lambda: gpu_net(gpu_input), device="cuda", warmup=3, repeats=20)
        print(f"cudnn.benchmark={flag}: {result.median * 1e3:.2f} ms per forward pass")
    torch.backends.cudnn.benchmark = False
else:
    print("no CUDA GPU here: cudnn.benchmark only affects cuDNN convolutions on NVIDIA GPUs, so nothing to measure")

# %% [markdown]
# ## 7. 迁移学习：用课程自己训练的权重
#
# 数据少的时候，与其从随机权重开始，不如从一个在**相关任务**上训练过的模型开始：它的卷积层已经学会了笔画、边缘这些通用的特征。
# 做法分三步：
#
# 1. **预训练**：在数据多的任务上训练，保存权重；
# 2. **换头**：加载权重，把最后的全连接层 `fc` 换成一个新的、输出类别数符合新任务的层；
# 3. **微调**：要么**冻结**主体（`requires_grad_(False)`）只训练新头，要么主体也一起训练，但用**更小的学习率**，免得把学好的特征一下子冲掉。
#
# 实验设计：旧任务是识别数字 0–4（训练集里这五类的全部图片）；新任务是识别数字 5–9，但每类只有 8 张有标签的图片。
# 预训练的模型从没见过 5–9，所以这是一个“相关但不同”的任务。

# %%
train_images, train_labels = train_set.tensors
test_images, test_labels = test_set.tensors
old_task = TensorDataset(train_images[train_labels < 5], train_labels[train_labels < 5])
new_test = TensorDataset(test_images[test_labels >= 5], test_labels[test_labels >= 5] - 5)  # labels 0-4 again

torch.manual_seed(0)
pretrained = SmallResNet(num_classes=5).to(device)
optimizer = torch.optim.AdamW(pretrained.parameters(), lr=5e-3, weight_decay=1e-4)
fit(pretrained, DataLoader(old_task, batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(0)),
    loss_fn, optimizer, epochs=4)
old_test = TensorDataset(test_images[test_labels < 5], test_labels[test_labels < 5])
_, old_acc = evaluate(pretrained, DataLoader(old_test, batch_size=512), loss_fn, device)

checkpoint_dir = tempfile.TemporaryDirectory()  # 临时文件夹，本节结束时删除
checkpoint_path = Path(checkpoint_dir.name) / "resnet_digits_0_to_4.pt"
torch.save(pretrained.state_dict(), checkpoint_path)

# %%
# NBVAL_CHECK_OUTPUT
print("old task (digits 0-4):", len(old_task), "training images, test accuracy at least 98%:", old_acc >= 0.98)


# %% [markdown]
# 下面的函数按三种方式准备模型。微调时优化器用两个**参数组**（parameter group）：主体的学习率是新头的十分之一。

# %%
def prepare(strategy):
    """A model and an optimizer for the new 5-class task: 'scratch', 'frozen' or 'fine-tune'."""
    model = SmallResNet(num_classes=5).to(device)
    if strategy == "scratch":
        return model, torch.optim.AdamW(model.parameters(), lr=5e-3)
    model.load_state_dict(torch.load(checkpoint_path, weights_only=True, map_location=device))
    model.fc = nn.Linear(model.fc.in_features, 5).to(device)  # a new head for the new classes
    body = [p for name, p in model.named_parameters() if not name.startswith("fc.")]
    if strategy == "frozen":
        for p in body:
            p.requires_grad_(False)
        return model, torch.optim.AdamW(model.fc.parameters(), lr=1e-2)
    return model, torch.optim.AdamW([{"params": body, "lr": 1e-3},             # the body: 10 times smaller
                                     {"params": model.fc.parameters(), "lr": 1e-2}])


model_ft, optimizer_ft = prepare("fine-tune")
print("fine-tune param groups (lr, tensors):", [(g["lr"], len(g["params"])) for g in optimizer_ft.param_groups])
model_fr, _ = prepare("frozen")
print("frozen: trainable parameters", sum(p.numel() for p in model_fr.parameters() if p.requires_grad),
      "of", sum(p.numel() for p in model_fr.parameters()))

# %% [markdown]
# 8 张一类的小数据集，结果会随“恰好抽到哪几张”而变。为了比较得公平些，换三组不同的 40 张图各做一遍，取平均；
# 三种做法用的是同样的图片、同样的训练步数。

# %%
SHOTS, STEPS = 8, 20
results = {"scratch": [], "frozen": [], "fine-tune": []}
for draw in range(3):
    few = torch.cat([torch.nonzero(train_labels == d).flatten()[draw * SHOTS:(draw + 1) * SHOTS] for d in range(5, 10)])
    few_loader = DataLoader(TensorDataset(train_images[few], train_labels[few] - 5), batch_size=len(few), shuffle=True,
                            generator=torch.Generator().manual_seed(draw))
    for strategy in results:
        torch.manual_seed(draw)
        small_model, small_optimizer = prepare(strategy)
        fit(small_model, few_loader, loss_fn, small_optimizer, epochs=STEPS)  # one batch per epoch: STEPS steps
        results[strategy].append(evaluate(small_model, DataLoader(new_test, batch_size=512), loss_fn, device)[1])
checkpoint_dir.cleanup()

# %%
# NBVAL_CHECK_OUTPUT
# one decimal: each run's accuracy moves by a test image or two from one CPU to another (the figure shows more)
mean_acc = {strategy: sum(accs) / len(accs) for strategy, accs in results.items()}
print(f"new task (digits 5-9): {SHOTS} images per digit, {len(new_test)} test images, chance 0.2")
print(f"from scratch: mean test accuracy {mean_acc['scratch']:.1f}")
print(f"fine-tuned:   mean test accuracy {mean_acc['fine-tune']:.1f}")
print("fine-tuning beats training from scratch by more than 0.2:", mean_acc["fine-tune"] - mean_acc["scratch"] > 0.2)
print("the frozen body lands in between:", mean_acc["scratch"] < mean_acc["frozen"] < mean_acc["fine-tune"])

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
for i, accs in enumerate(results.values()):
    ax.bar(i, sum(accs) / len(accs), color=["tab:orange", "gray", "tab:blue"][i], alpha=0.7)
    ax.scatter([i] * len(accs), accs, color="black", zorder=3, s=12)
ax.set_xticks(range(len(results)), list(results))
ax.set_ylim(0, 1)
ax.axhline(0.2, color="gray", linestyle=":", label="chance")
ax.set_ylabel("test accuracy on digits 5-9")
ax.set_title(f"{SHOTS} training images per digit (bars: mean, dots: each draw)")
ax.legend()
plt.show()

# %% [markdown]
# 读这张图：
#
# * **微调**（主体小学习率、新头大学习率）最好：预训练学到的笔画特征对 5–9 也有用，只需稍加调整；
# * **只训练新头**居中：借来的特征比随机的好，但主体是为了区分 0–4 而学的，经过全局平均池化后只剩 32 个数，其中区分 5–9 的信息不够，冻结的主体又没法改。
#   在 ImageNet 这种又大又杂的数据集上预训练的特征更通用，冻结主体常常就够了；预训练任务越窄，越需要微调；
# * **从头训练**最差：40 张图、`STEPS` 步，从随机权重出发远远不够。
#
# 黑点的分散也值得注意：数据这么少，恰好抽到哪几张图，结果能差很多。所以比较方法时要多抽几次、看平均，只跑一次的结论靠不住。
#
# 冻结主体时还有一个细节：BN 层在训练模式下仍会更新 running 统计量（第 2.2 节），`requires_grad_(False)` 管不了它。
# 想让主体完全不变，要把这些层设成 `eval()` 模式。
#
# ## 8. 把卷积核和特征图画出来
#
# 最后看看第 4 节训练好的 ResNet 学到了什么。第一层（stem）的 16 个 3×3 卷积核：

# %%
filters = model.stem[0].weight.detach().cpu()  # (16, 1, 3, 3)
limit = filters.abs().max().item()
fig, axes = plt.subplots(2, 8, figsize=(10, 3), gridspec_kw={"hspace": 0.3})
for ax, f in zip(axes.flat, filters):
    ax.imshow(f[0].numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.axis("off")
fig.suptitle("The 16 learned 3x3 filters of the stem (red positive, blue negative)")
plt.show()

# %% [markdown]
# 3×3 太小，看不出多少规律，但能认出一些“一边正一边负”的边缘检测器，和第 1.3 节的手工卷积核很像。
# 更能说明问题的是**特征图**：一张图片经过每一层后的输出。用**前向钩子**（forward hook，第 19 章会细讲）把中间层的输出记下来：

# %%
feature_maps = {}
hooks = [getattr(model, name).register_forward_hook(
    lambda module, inputs, output, name=name: feature_maps.__setitem__(name, output.detach().cpu()))
    for name in ("stem", "layer1", "layer2")]
model.eval()
with torch.no_grad():
    model(test_set.tensors[0][:1].to(device))
for hook in hooks:
    hook.remove()  # hooks stay until removed

fig, axes = plt.subplots(4, 9, figsize=(11, 5.2))
axes[0, 0].imshow(test_set.tensors[0][0, 0].numpy(), cmap="gray")
axes[0, 0].set_title(f"input ({test_set.tensors[1][0].item()})", fontsize=9)
for row, name in enumerate(("stem", "layer1", "layer2"), start=1):
    axes[row, 0].text(0.5, 0.5, f"{name}\n{tuple(feature_maps[name].shape[1:])}", ha="center", va="center")
    for col in range(1, 9):
        axes[row, col].imshow(feature_maps[name][0, col - 1].numpy(), cmap="viridis")
for ax in axes.flat:
    ax.axis("off")
fig.suptitle("Feature maps of one test digit: the first 8 channels after each stage")
fig.tight_layout()
plt.show()

# %% [markdown]
# 越往后，特征图越小（8×8 → 8×8 → 4×4），通道越多（16 → 16 → 32），每个数的感受野越大，表示的东西也越抽象：
# 前面的通道还看得出数字的笔画，后面的只在某些位置亮起来，表示“这里有某种组合”。最后的全局平均池化把每个通道平均成一个数，交给全连接层去分类。
#
# ## 小结
#
# * 卷积 = 卷积核在输入上滑动、逐元素相乘再相加（不翻转卷积核）；权重形状 `(C_out, C_in, k, k)`。
# * 输出尺寸 `⌊(H + 2p − d(k−1) − 1)/s⌋ + 1`；3×3、`padding=1` 保持尺寸，再加 `stride=2` 减半。
# * 感受野逐层增长 `r += (k−1)·d·j`，其中 `j` 是之前所有步长的乘积；可以用梯度测出来。
# * BatchNorm 训练时用批次统计量并更新 running 统计量，评估时用 running 统计量：预测前一定要 `model.eval()`。
# * 残差块 `ReLU(F(x) + shortcut(x))`：形状不变时捷径是恒等映射，通道数或步长变了用 1×1 卷积投影。
# * 数据增强：v2 变换放在 `Dataset` 里逐个样本调用；对整个批次调用只抽一组随机参数。
# * `channels_last` 只改内存布局不改形状；`cudnn.benchmark` 为固定形状挑最快的 cuDNN 算法，只在 NVIDIA GPU 上起作用。
# * 迁移学习：加载预训练权重、换头、主体用更小的学习率微调（或冻结）；数据越少越划算。
#
# 练习在 `exercises/zh/17_cnn.ipynb`：输出尺寸公式、一叠卷积层的感受野、带 1×1 投影的残差块、不会忘记 `eval()` 的预测函数，以及为迁移学习换头并设置两组学习率。

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **接下来：** [本章练习：17_cnn](../../exercises/zh/17_cnn.ipynb) · [下一章：18_transformer](18_transformer.ipynb)
