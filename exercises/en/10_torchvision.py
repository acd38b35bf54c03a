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
# # 10 · Exercises: torchvision
#
# Five exercises: write the three most common operations of detection by hand (IoU, NMS, box-format conversion), build a v2 transform pipeline that keeps boxes on their shapes, and freeze a backbone for transfer learning.
#
# Replace the `raise NotImplementedError(...)` in each function with your code, then run the `check(...)` cell below it: `✅` checks passed, `❌` not yet (with a hint), `⏳` not done yet. Stuck? Go back to sections 2, 3 and 5 of the lesson `notebooks/en/10_torchvision.ipynb`, or look at `solutions/en/10_torchvision.ipynb`.

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
# ## 10.1 IoU by hand
#
# Write `box_iou_by_hand(boxes1, boxes2)`: `boxes1` has shape `(N, 4)` and `boxes2` shape `(M, 4)`, both float tensors in `XYXY` format. Return an `(N, M)` tensor whose row `i`, column `j` holds the IoU of `boxes1[i]` and `boxes2[j]`, like `torchvision.ops.box_iou` (but do not call it).
#
# Hint: the intersection's top-left corner is the larger of the two top-left corners, its bottom-right corner the smaller of the two bottom-right corners. Broadcast `boxes1[:, None, :2]` against `boxes2[None, :, :2]` to get all pairs at once. Think about what happens when two boxes **do not overlap**.

# %%
def box_iou_by_hand(boxes1, boxes2):
    """IoU of every box in boxes1 (N, 4) with every box in boxes2 (M, 4), XYXY format: an (N, M) tensor."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("10.1", box_iou_by_hand)

# %% [markdown]
# ## 10.2 NMS by hand
#
# Write `nms_by_hand(boxes, scores, iou_threshold)` so that it gives exactly what `torchvision.ops.nms` gives (without calling it; you may use `ops.box_iou` or your function from 10.1):
#
# 1. go through the boxes from the highest score down;
# 2. keep the current best box and remove every remaining box whose IoU with it is **greater** than `iou_threshold`;
# 3. repeat with what is left until no box remains.
#
# Return the indices of the kept boxes (an `int64` tensor) in decreasing order of score.

# %%
def nms_by_hand(boxes, scores, iou_threshold):
    """Indices (int64) of the boxes that non-maximum suppression keeps, in decreasing order of score."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("10.2", nms_by_hand)

# %% [markdown]
# ## 10.3 Box formats: cxcywh → xyxy
#
# Models such as YOLO and DETR output boxes as `cxcywh` (centre x, centre y, width, height). Write `cxcywh_to_xyxy(boxes)`: convert `(N, 4)` boxes from `cxcywh` to `xyxy` (top-left x, y, bottom-right x, y), giving the same result as `ops.box_convert(boxes, "cxcywh", "xyxy")`. Do not modify the input in place.
#
# Example: `[[30, 30, 40, 20]]` → `[[10, 20, 50, 40]]`.

# %%
def cxcywh_to_xyxy(boxes):
    """Convert (N, 4) boxes from (cx, cy, w, h) to (x1, y1, x2, y2)."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("10.3", cxcywh_to_xyxy)

# %% [markdown]
# ## 10.4 A transform pipeline that keeps boxes on their shapes
#
# Write `make_detection_transforms()`: it returns a v2 pipeline that augments training images of the shapes dataset. It is called as `image, target = pipeline(image, target)`, where `image` is a `uint8` image of shape `(3, 64, 64)` and `target` holds `boxes`, `masks` and `labels`. The pipeline should:
#
# * flip horizontally at random;
# * crop a random piece (50–100% of the area) and resize it back to 64×64;
# * turn the image into `float32` between 0 and 1;
# * remove the boxes a crop made degenerate (with their labels and masks).
#
# The check runs your pipeline on many samples and random seeds and verifies that every mask is still inside its box. To try it yourself first, run `make_detection_transforms()(*ShapesDataset(8).raw(0))` in a new cell and look at the output.

# %%
def make_detection_transforms():
    """A v2 pipeline for detection training: random flip and crop, float images, no degenerate boxes."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("10.4", make_detection_transforms)

# %% [markdown]
# ## 10.5 Freeze a backbone and put on a new head
#
# Write `freeze_backbone(model, num_classes)`, where `model` is a torchvision ResNet (such as `resnet18(weights=...)`):
#
# * freeze **all** its parameters;
# * replace its last layer `model.fc` by a new `nn.Linear` with the same number of inputs as the old `fc` and `num_classes` outputs;
# * return the model.
#
# Then training updates only the new head. The check counts the trainable parameters.

# %%
def freeze_backbone(model, num_classes):
    """Freeze every parameter of a torchvision ResNet, replace model.fc by a new trainable head, return the model."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("10.5", freeze_backbone)

# %% [markdown]
# Five ✅? The next chapter leaves images behind and builds a text pipeline in plain PyTorch.
