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
# # 17 · Convolutional networks
#
# Chapter 09 already used `nn.Conv2d`, but only as a black box. This chapter takes a convolutional network apart and puts it back together, piece by piece:
#
# 1. **Convolution from the ground up**: kernels, stride, padding and dilation, the output-size formula, the receptive field; one convolution computed by hand and checked against `nn.Conv2d`;
# 2. **Pooling, BatchNorm, Dropout**: above all, how BatchNorm behaves differently in training and in evaluation;
# 3. **The residual block**: the identity shortcut, and the 1×1 projection when the channels or the stride change;
# 4. **A small ResNet** trained on handwritten digits, and a classic bug seen on it: forgetting `model.eval()`;
# 5. **Data augmentation** with `torchvision.transforms.v2`;
# 6. **`channels_last` and `cudnn.benchmark`**;
# 7. **Transfer learning**: pretrain on one task, fine-tune on a related task with little data, and compare with training from scratch;
# 8. **Drawing what the network "sees"**: filters and feature maps.
#
# All data is local: scikit-learn's bundled 8×8 handwritten digits and the geometric shapes the course generates itself (`course_utils.shapes`). Nothing is downloaded.

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

device = get_device()  # the GPU if there is one, else the CPU
# this chapter's models are tiny: one thread is enough, and results do not depend on the number of cores (chapter 09)
torch.set_num_threads(1)
print("device:", device.type)

# %% [markdown]
# ## 1. Convolution from the ground up
#
# ### 1.1 One convolution by hand
#
# A 3×3 **kernel** slides over the input. At every position, the 9 numbers it covers are multiplied by the kernel's 9 weights and summed, the bias is added, and that gives one number of the output.
# When the input has several channels, the kernel has as many channels, and the products of all channels are summed together; there are as many output channels as kernels.
# That is why the weight of `nn.Conv2d(C_in, C_out, k)` has the shape `(C_out, C_in, k, k)`.
#
# Here is that definition written with the plainest loops, with stride, padding and dilation (explained right after) included:

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
# Small integers as input and weights make the result exact integers that you can check at a glance. A 5×5 input and a 3×3 kernel whose left column is −1, middle column 0 and right column +1:
# it computes "right minus left", so it responds most to vertical edges that get brighter from left to right.

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

# the same weights in nn.Conv2d
conv = nn.Conv2d(1, 1, kernel_size=3)
with torch.no_grad():
    conv.weight.copy_(kernel)
    conv.bias.copy_(bias)
    by_module = conv(x.unsqueeze(0))[0]  # the module wants a batch dimension: (N, C, H, W)
print("nn.Conv2d gives the same numbers:", torch.equal(by_hand, by_module))

# %% [markdown]
# The top-left output is 3: the kernel covers the top-left 3×3 of the input, where the three 1s of the right column are multiplied by +1 and the three 0s of the left column by −1.
#
# Note that the "convolution" of deep learning is, mathematically, a **cross-correlation**: the kernel is **not flipped**. The convolution of mathematics first rotates the kernel by 180°.
# For weights that are learned this makes no difference (the learned kernel simply comes out flipped), but remember it when you follow a textbook formula by hand.
#
# Now random inputs with several channels, and each of stride, padding and dilation; floating-point results are compared with `allclose`:

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
# ### 1.2 Stride, padding, dilation, and the output-size formula
#
# * **Stride** `stride=s`: the kernel moves s pixels at a time. With s = 2 the output's height and width roughly halve, the usual way a CNN shrinks its feature maps.
# * **Padding** `padding=p`: p rings of zeros around the input. A 3×3 conv with `padding=1` gives an output as large as its input (a "same" convolution).
# * **Dilation** `dilation=d`: the kernel's elements sit d − 1 pixels apart, so a 3×3 kernel spans `d·(k−1)+1` pixels with the same number of parameters.
#
# The output size along one dimension (computed once for the height and once for the width):
#
# $$H_\text{out} = \left\lfloor \frac{H + 2p - d\,(k-1) - 1}{s} \right\rfloor + 1$$
#
# This is the formula in PyTorch's documentation of `nn.Conv2d`. The numerator is how far the kernel's left edge can travel: the padded width `H + 2p` minus the kernel's span `d(k−1)+1`.
# Divide by the stride, round down, and add 1 for the starting position. Here it is checked on a 10×10 input for several settings:

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
# Two things worth remembering: 3×3 with `padding=1` keeps the size; add `stride=2` to the same settings and the size halves (rounded up).
# The last row, 7×7 with stride 2 and padding 3, is the first layer of torchvision's ResNets (it turns 224 into 112).
#
# `nn.MaxPool2d` and `nn.AvgPool2d` follow the same formula, with the pooling window as the kernel (`AvgPool2d` has no dilation argument: d = 1).
#
# ### 1.3 What a kernel does to an image
#
# Let's try a few hand-made kernels on a larger picture, made by the course's shapes generator `render_shapes` and turned to grey:

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
# Red is a positive response, blue a negative one, white is 0. The vertical-edge kernel is positive on edges that go from dark (left) to bright (right), negative on edges that go from bright to dark, and 0 where the colour is uniform.
# The first layer of a CNN learns exactly this kind of edge and colour detector (section 8 plots the learned kernels);
# the difference from hand-made ones is that the weights are learned from data, and that there are dozens or hundreds of them.
#
# ### 1.4 The receptive field
#
# One output value depends only on a small patch of the input: its **receptive field**. One 3×3 conv has a 3×3 receptive field;
# stack two, and each output of the second layer sees 3×3 values of the first, each of which sees 3×3 input pixels: 5×5 in all.
# In general, go up from the input layer by layer (`r` is the width of the receptive field, `j` how far apart two neighbouring outputs of the current layer are on the input; start with `r = j = 1`):
#
# $$r \leftarrow r + (k - 1)\,d\,j, \qquad j \leftarrow j \cdot s$$
#
# A stride makes one "step" of every later layer wider on the input, so after downsampling the receptive field grows much faster.
#
# The receptive field can be **measured**: take the gradient of one output with respect to the input; the region where it is non-zero is the receptive field.
# So that positive and negative weights cannot cancel, the measurement sets every weight to 1 and uses no activation:

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
# Formula and measurement agree. Plotted, the gradient lights up the input pixels that the centre output "sees"; the brightness says through how many paths each pixel reaches that output:

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
# Two details. First, the central pixels reach the output through more paths, so the "effective" receptive field that really matters is smaller than the theoretical width.
# Second, with a stride or a dilation the number of paths alternates between neighbouring pixels, which gives the checkered pattern; when the stride is larger than the kernel (a 1×1 conv with stride 2, say), some pixels get no path at all and are skipped entirely.
# The three 3×3 convs with dilations 1, 2 and 4 still have only 9 weights each, yet reach a receptive field of 15 with no pixel skipped in between: that is what dilated convolutions are for.
#
# ## 2. Pooling, BatchNorm, Dropout
#
# ### 2.1 Pooling
#
# **Pooling** has no parameters to learn: `MaxPool2d(2)` takes the maximum of every 2×2 window, `AvgPool2d(2)` the mean; both halve the height and the width.
# `AdaptiveAvgPool2d(1)` averages each channel to one number whatever the input size ("global average pooling"); nearly every modern classifier puts it right before the final fully connected layer.

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
# ### 2.2 BatchNorm: different in training and in evaluation
#
# `nn.BatchNorm2d(C)` standardises each channel: subtract the mean, divide by the standard deviation, then multiply by the learnable `weight` (γ) and add the learnable `bias` (β). What matters is **which mean and standard deviation**:
#
# * **training mode** (`model.train()`): those of the **current batch** (all examples, all positions); they are also blended into
#   `running_mean` and `running_var` with `momentum=0.1`: `running = 0.9 · running + 0.1 · batch`;
# * **evaluation mode** (`model.eval()`): the accumulated `running_mean` and `running_var`, which no longer change. So each example's output depends only on the example itself, not on which batch it sits in.

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
# In training mode the same image gives different outputs alone and inside a batch; in evaluation mode the outputs agree. This leads to one of the most common bugs in CNNs, which section 4 shows on a trained model.
#
# Note too that **a forward pass alone** in training mode (even inside `torch.no_grad()`) overwrites `running_mean`/`running_var`:

# %%
# NBVAL_CHECK_OUTPUT
before = bn.running_mean.clone()
with torch.no_grad():
    bn(torch.randn(8, 2, 4, 4) + 100)  # "just looking" at very different data, still in train mode
print("running_mean changed by a forward pass under no_grad:", not torch.equal(before, bn.running_mean))

# %% [markdown]
# ### 2.3 Dropout
#
# `nn.Dropout(p)` zeroes each element with probability p during training and multiplies the survivors by `1/(1−p)`, so the expected output stays the same; in evaluation it does nothing.
# (For feature maps there is also `nn.Dropout2d`, which drops whole channels.)

# %%
# NBVAL_CHECK_OUTPUT
drop = nn.Dropout(p=0.5)
ones = torch.ones(2, 8)
drop.train()
print("train mode:\n", drop(ones))
drop.eval()
print("eval mode:\n", drop(ones))

# %% [markdown]
# ## 3. The residual block
#
# Stacking more and more conv layers makes a network harder to train: the gradient has to pass through every layer on its way back. ResNet (He et al., 2015) adds a **shortcut** around every two convs:
#
# $$\text{out} = \text{ReLU}\big(F(x) + \text{shortcut}(x)\big), \qquad F = \text{conv}_{3\times3} \to \text{BN} \to \text{ReLU} \to \text{conv}_{3\times3} \to \text{BN}$$
#
# The shortcut is usually the identity, `x` itself: no parameters, and the gradient flows back through it unchanged; the block only has to learn "how much to change x".
# When F changes the shape (a different number of output channels, or `stride=2` in the first conv to halve the size), `x` can no longer be added,
# and the shortcut becomes a **1×1 conv** (with the same stride) plus BN, which projects x to the shape of F(x).
#
# A conv followed directly by BN needs no bias (BN subtracts it again with the mean), hence `bias=False`.

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
# Why does the shortcut help? Take an extreme case: set γ of F's last BN to 0 (torchvision's ResNets do this with the option `zero_init_residual=True`).
# The block then becomes `ReLU(x)`, the identity on the non-negative inputs that come out of a previous ReLU. So even a very deep ResNet starts out behaving like a shallow network, and puts its extra layers to use gradually.

# %%
# NBVAL_CHECK_OUTPUT
block = BasicBlock(16, 16)
nn.init.zeros_(block.bn2.weight)
block.eval()
nonneg = torch.rand(2, 16, 8, 8)
print("with bn2.weight = 0, the block is the identity on non-negative inputs:", torch.allclose(block(nonneg), nonneg))

# %% [markdown]
# ## 4. A small ResNet on handwritten digits
#
# The images are only 8×8, so the network is small too: a 3×3 "stem" conv, two residual blocks (the second doubles the channels and halves the size to 4×4),
# global average pooling, and a fully connected layer with 10 outputs.

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
# Training uses AdamW with a cosine learning rate (chapter 07) for `EPOCHS` epochs, a number chosen after measuring speed and accuracy on a 2-core CPU.

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
# the last digit depends on the CPU: rounding differences during training can flip a test image or two
_, test_acc = evaluate(model, test_loader, loss_fn, device)
print(f"test accuracy: {test_acc:.3f}")

# %%
# NBVAL_CHECK_OUTPUT
print("test accuracy at least 98%:", test_acc >= 0.98)

# %% [markdown]
# The target is a test accuracy of at least 98% (chapter 09's plain CNN aimed at 97%).
#
# ### The classic bug: forgetting `model.eval()`
#
# `evaluate()` calls `model.eval()` itself. Forget it, and the model stays in training mode, where BatchNorm uses the statistics of **the current batch**.
# With large shuffled batches, a batch's statistics are close to the accumulated ones and the bug hides; predict one image at a time, and everything changes:

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
# One image at a time, each channel is standardised with the pixels of that one image only, which erases "is this feature stronger or weaker than usual in this image"; the accuracy drops below one half.
# Worse, these "evaluations" quietly overwrote the running statistics, which is why the cell saved a copy of the `state_dict` first and restored it afterwards.
# A prediction function for deployment always needs `model.eval()` plus `torch.no_grad()` (or `torch.inference_mode()`); exercise 17.4 writes one.
#
# ## 5. Data augmentation: `torchvision.transforms.v2`
#
# **Data augmentation** applies small random changes to every training image (shifts, rotations, scaling, flips, colours...) that leave its label unchanged.
# The model sees "new" images every epoch, so it learns to ignore these changes and finds it harder to memorise the training set.
# Which changes fit depends on the task: handwritten digits may shift and rotate a little, but must not be flipped left to right (that makes other symbols) or turned by 180° (a 6 becomes a 9).
#
# v2 transforms work directly on tensors (of shape `(..., C, H, W)`) and chain with `v2.Compose`:

# %%
augment = v2.Compose([
    v2.RandomAffine(degrees=10, translate=(0.125, 0.125), scale=(0.9, 1.1)),  # up to 1 pixel of shift on 8x8
])
digit, label = train_set[0]
show_images([digit] + [augment(digit) for _ in range(7)], titles=["original"] + ["augmented"] * 7)
plt.show()

# %% [markdown]
# One thing to watch: a v2 transform called on a whole batch `(N, C, H, W)` **draws one set of random parameters for the whole batch**, so every image changes the same way.
# To give every image its own random change, call the transform per example, in a `Dataset` (the `DataLoader`'s worker processes can then do it in parallel):

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
# The digits of this dataset are all written in the middle of the grid, in the test set too, so the model above has never seen a digit one pixel off centre.
# Shift every test image one pixel right and down and measure its accuracy; then train the same model for a few more epochs on the augmented `Augmented` dataset and measure again:

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
# A shift of a single pixel was enough for the original model to get a large share wrong; after a few epochs with augmentation it is far more robust to shifts, and hardly worse on the original test set (still above 97%).
# The price of augmentation is slower training: every image is transformed again in every epoch (here in the main process; real projects let `DataLoader(num_workers=...)` do it in several processes).
#
# ## 6. `channels_last` and `cudnn.benchmark`
#
# ### `channels_last`
#
# By default an `(N, C, H, W)` tensor is laid out in memory in the order N, C, H, W (`torch.contiguous_format`, also called NCHW): the whole image of one channel is contiguous.
# `channels_last` (NHWC) puts all channels of one pixel next to each other. **The shape stays the same**; only the strides change:

# %%
# NBVAL_CHECK_OUTPUT
images = torch.randn(64, 16, 8, 8)
nhwc = images.to(memory_format=torch.channels_last)
print("shape:", tuple(images.shape), "->", tuple(nhwc.shape))
print("strides NCHW:", images.stride(), "| channels_last:", nhwc.stride())
print("same values:", torch.equal(images, nhwc), "| channels_last contiguous:",
      nhwc.is_contiguous(memory_format=torch.channels_last))

# %% [markdown]
# Tensor Cores on GPUs and oneDNN on CPUs both prefer NHWC for convolutions. To use it, convert the model and the inputs; the rest of the code stays the same, and the values differ only by floating-point rounding:

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
# Whether it is faster has to be measured: on a GPU, with mixed precision (chapter 04), it often is, clearly; on a CPU with a network as small as this one it may make no difference, or be slower. Here is one measurement on a somewhat larger conv:

# %%
# NBVAL_IGNORE_OUTPUT
# timings depend on the machine
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
# On NVIDIA GPUs, cuDNN has several algorithms for the same convolution (direct, im2col + matrix multiply, FFT, Winograd...), and which is fastest depends on the shapes and the hardware.
# `torch.backends.cudnn.benchmark = True` makes PyTorch try the candidates **the first time each new input shape appears**, remember the fastest, and use it from then on.
#
# * Fixed input shapes (most image-classification training): the first step is a little slower, every later step faster;
# * shapes that keep changing (variable image sizes, variable-length sequences): every new shape is benchmarked again, which makes things slower;
# * the algorithm it picks may not be deterministic: turn it off and set `torch.backends.cudnn.deterministic = True` when you need bit-for-bit reproducibility (chapter 09).
#
# It affects only cuDNN, that is NVIDIA GPUs; setting it on a CPU has no effect. So the measurement below runs only when a GPU is present:

# %%
# NBVAL_IGNORE_OUTPUT
# measurable only on a GPU; timings depend on the card
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
# ## 7. Transfer learning with weights the course trains itself
#
# With little data, rather than starting from random weights, start from a model trained on a **related task**: its conv layers have already learned general features such as strokes and edges.
# The recipe has three steps:
#
# 1. **pretrain** on the task with plenty of data and save the weights;
# 2. **replace the head**: load the weights and swap the last fully connected layer `fc` for a new one with as many outputs as the new task has classes;
# 3. **fine-tune**: either **freeze** the body (`requires_grad_(False)`) and train only the new head, or train the body too, but with a **smaller learning rate**, so that the learned features are not washed away at once.
#
# The experiment: the old task is to recognise the digits 0–4 (all training images of these five classes); the new task is to recognise the digits 5–9, with only 8 labelled images per class.
# The pretrained model has never seen a 5–9, so the task is "related but different".

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

checkpoint_dir = tempfile.TemporaryDirectory()  # a temporary folder, deleted at the end of this section
checkpoint_path = Path(checkpoint_dir.name) / "resnet_digits_0_to_4.pt"
torch.save(pretrained.state_dict(), checkpoint_path)

# %%
# NBVAL_CHECK_OUTPUT
print("old task (digits 0-4):", len(old_task), "training images, test accuracy at least 98%:", old_acc >= 0.98)


# %% [markdown]
# The function below prepares a model in one of three ways. For fine-tuning, the optimizer gets two **parameter groups**: the body's learning rate is a tenth of the new head's.

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
# With 8 images per class, the result depends on which 8 images happen to be drawn. To compare more fairly, each strategy runs on three different draws of 40 images and the accuracies are averaged;
# all three strategies get the same images and the same number of training steps.

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
# Reading the figure:
#
# * **fine-tuning** (small learning rate for the body, larger for the new head) is best: the stroke features learned in pretraining help with 5–9 too, and need only small adjustments;
# * **training only the new head** lands in between: borrowed features beat random ones, but the body learned to tell 0–4 apart, and after global average pooling only 32 numbers are left, which do not carry enough to tell 5–9 apart, while the frozen body cannot change.
#   Features pretrained on a large and varied dataset such as ImageNet are more general, and a frozen body is often enough there; the narrower the pretraining task, the more fine-tuning is needed;
# * **training from scratch** is worst: 40 images and `STEPS` steps are nowhere near enough, starting from random weights.
#
# The spread of the black dots matters too: with this little data, which images happen to be drawn changes the result a lot. So compare methods over several draws and look at the mean; a conclusion from a single run is not to be trusted.
#
# One more detail about freezing: in training mode, BN layers still update their running statistics (section 2.2), and `requires_grad_(False)` does not stop that.
# To keep the body completely unchanged, put those layers in `eval()` mode.
#
# ## 8. Drawing filters and feature maps
#
# Finally, what did the ResNet trained in section 4 learn? The 16 3×3 kernels of its first layer (the stem):

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
# 3×3 is too small to show much, but some are recognisable edge detectors, "positive on one side, negative on the other", much like the hand-made kernels of section 1.3.
# **Feature maps** say more: the output of each stage for one image. **Forward hooks** (chapter 19 covers them in detail) record the outputs of the intermediate layers:

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
# Deeper in the network, the feature maps get smaller (8×8 → 8×8 → 4×4), the channels more numerous (16 → 16 → 32), each value's receptive field larger, and what it represents more abstract:
# the early channels still show the digit's strokes, the later ones light up only in some places, meaning "some combination is here". Global average pooling then turns each channel into one number for the fully connected layer to classify.
#
# ## Summary
#
# * Convolution = the kernel slides over the input, multiplies element by element and sums (the kernel is not flipped); the weight has shape `(C_out, C_in, k, k)`.
# * Output size `⌊(H + 2p − d(k−1) − 1)/s⌋ + 1`; 3×3 with `padding=1` keeps the size, adding `stride=2` halves it.
# * The receptive field grows layer by layer, `r += (k−1)·d·j`, where `j` is the product of all earlier strides; a gradient measures it.
# * BatchNorm uses the batch's statistics (and updates the running ones) in training, the running statistics in evaluation: always `model.eval()` before predicting.
# * Residual block `ReLU(F(x) + shortcut(x))`: the shortcut is the identity when the shape stays the same, a 1×1 conv projection when the channels or the stride change.
# * Augmentation: call v2 transforms per example in a `Dataset`; called on a whole batch they draw one set of random parameters.
# * `channels_last` changes the memory layout, not the shape; `cudnn.benchmark` picks the fastest cuDNN algorithm for fixed shapes, on NVIDIA GPUs only.
# * Transfer learning: load pretrained weights, replace the head, fine-tune the body with a smaller learning rate (or freeze it); the less data, the bigger the gain.
#
# The exercises are in `exercises/en/17_cnn.ipynb`: the output-size formula, the receptive field of a stack, a residual block with a 1×1 projection, a prediction function that cannot forget `eval()`, and a new head with two learning rates for transfer learning.

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **Next:** [the exercises of this chapter: 17_cnn](../../exercises/en/17_cnn.ipynb) · [the next chapter: 18_transformer](18_transformer.ipynb)
