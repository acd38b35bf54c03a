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
# # 10 · 练习：torchvision
#
# 五道题：亲手实现检测里最常用的三个运算（IoU、NMS、边框格式转换），写一个让边框跟着形状走的 v2 变换管道，再为迁移学习冻结一个骨干网络。
#
# 把每个函数里的 `raise NotImplementedError(...)` 换成你的代码，然后运行下面的 `check(...)` 单元格：`✅` 检查通过，`❌` 还不对（附提示），`⏳` 还没有完成。卡住了？回到课文 `notebooks/zh/10_torchvision.ipynb` 的第 2、3、5 节，或者看 `solutions/zh/10_torchvision.ipynb`。

# %%
from course_utils import check, setup_notebook

setup_notebook()

# %%
import torch
from torch import nn
from torchvision import ops
from torchvision.transforms import v2

from course_utils.shapes import ShapesDataset

# %% [markdown]
# ## 10.1 亲手实现 IoU
#
# 完成 `box_iou_by_hand(boxes1, boxes2)`：`boxes1` 形状 `(N, 4)`，`boxes2` 形状 `(M, 4)`，都是 `XYXY` 格式的浮点张量。返回 `(N, M)` 的张量，第 `i` 行第 `j` 列是 `boxes1[i]` 和 `boxes2[j]` 的 IoU，和 `torchvision.ops.box_iou` 一样（但不要调用它）。
#
# 提示：交集的左上角是两个左上角的较大者，右下角是两个右下角的较小者。用 `boxes1[:, None, :2]` 和 `boxes2[None, :, :2]` 广播，一次算出所有的对。想一想两个框**不相交**时会发生什么。

# %%
def box_iou_by_hand(boxes1, boxes2):
    """IoU of every box in boxes1 (N, 4) with every box in boxes2 (M, 4), XYXY format: an (N, M) tensor."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("10.1", box_iou_by_hand)

# %% [markdown]
# ## 10.2 亲手实现 NMS
#
# 完成 `nms_by_hand(boxes, scores, iou_threshold)`，结果要和 `torchvision.ops.nms` 完全一样（但不要调用它；可以用 `ops.box_iou` 或你在 10.1 写的函数）：
#
# 1. 按分数从高到低处理所有框；
# 2. 保留当前分数最高的框，删掉剩下的框中与它的 IoU **大于** `iou_threshold` 的；
# 3. 对剩下的框重复，直到没有框为止。
#
# 返回保留下来的框的下标（`int64` 张量），按分数从高到低排列。

# %%
def nms_by_hand(boxes, scores, iou_threshold):
    """Indices (int64) of the boxes that non-maximum suppression keeps, in decreasing order of score."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("10.2", nms_by_hand)

# %% [markdown]
# ## 10.3 边框格式转换：cxcywh → xyxy
#
# YOLO 和 DETR 这类模型输出的框是 `cxcywh`（中心 x、中心 y、宽、高）。完成 `cxcywh_to_xyxy(boxes)`：把 `(N, 4)` 的 `cxcywh` 边框转换成 `xyxy`（左上角 x、y，右下角 x、y），结果和 `ops.box_convert(boxes, "cxcywh", "xyxy")` 一样。不要原地修改输入。
#
# 例子：`[[30, 30, 40, 20]]` → `[[10, 20, 50, 40]]`。

# %%
def cxcywh_to_xyxy(boxes):
    """Convert (N, 4) boxes from (cx, cy, w, h) to (x1, y1, x2, y2)."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("10.3", cxcywh_to_xyxy)

# %% [markdown]
# ## 10.4 让边框跟着形状走的变换管道
#
# 完成 `make_detection_transforms()`：返回一个 v2 变换管道，用来增强形状数据集的训练图片。调用方式是 `image, target = pipeline(image, target)`，其中 `image` 是 `uint8` 的 `(3, 64, 64)` 图片，`target` 含 `boxes`、`masks`、`labels`。管道要：
#
# * 随机水平翻转；
# * 随机裁剪一块（面积占 50%–100%）并缩放回 64×64；
# * 把图片变成 0–1 之间的 `float32`；
# * 删除被裁剪弄得退化的框（连同标签和掩码）。
#
# 检查会在许多样本和随机种子上运行你的管道，验证每个掩码都还在它的框里。想自己先试试，可以在新的单元格里运行 `make_detection_transforms()(*ShapesDataset(8).raw(0))` 看看输出。

# %%
def make_detection_transforms():
    """A v2 pipeline for detection training: random flip and crop, float images, no degenerate boxes."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("10.4", make_detection_transforms)

# %% [markdown]
# ## 10.5 冻结骨干网络，换一个头
#
# 完成 `freeze_backbone(model, num_classes)`：`model` 是一个 torchvision 的 ResNet（比如 `resnet18(weights=...)`）。
#
# * 冻结它的**所有**参数；
# * 把最后一层 `model.fc` 换成一个新的 `nn.Linear`，输入维度和原来的 `fc` 一样，输出 `num_classes` 类；
# * 返回模型。
#
# 这样训练时只有新的头会更新。检查会数一数可训练的参数有多少。

# %%
def freeze_backbone(model, num_classes):
    """Freeze every parameter of a torchvision ResNet, replace model.fc by a new trainable head, return the model."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("10.5", freeze_backbone)

# %% [markdown]
# 五个 ✅？下一章离开图像，用纯 PyTorch 搭一条文本处理的管道。
