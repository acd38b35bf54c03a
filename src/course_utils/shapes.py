"""A synthetic "shapes" dataset for detection and segmentation, generated on the fly.

Every image is drawn from its own seed, ``(seed, index)``, so the same index
always gives the same picture, on any machine, without files or downloads::

    from course_utils.shapes import ShapesDataset, CLASSES
    ds = ShapesDataset(100, seed=0)
    image, target = ds[0]   # tv_tensors.Image (3, 64, 64) uint8, and a dict:
    target["boxes"]         # tv_tensors.BoundingBoxes (N, 4), XYXY, canvas_size=(64, 64)
    target["masks"]         # tv_tensors.Mask (N, 64, 64) bool, one mask per shape
    target["labels"]        # int64 (N,), 1 circle, 2 square, 3 triangle (0 is background)

Because the targets are ``tv_tensors``, ``torchvision.transforms.v2`` moves the
boxes and masks together with the image (flips, crops, resizes, rotations).

Conventions:

* Boxes use pixel *edges*: a shape that covers columns 10 to 19 (inclusive) has
  ``x1 = 10`` and ``x2 = 20``. This is the convention the v2 transforms use, so a
  horizontal flip maps the box exactly onto the flipped mask.
  (``torchvision.ops.masks_to_boxes`` returns the last pixel instead: ``x2 = 19``.)
* Shapes may overlap. Later shapes are drawn on top, each mask holds only the *visible* pixels
  of its shape, and the box is tight around that mask. A placement that would hide most of an
  earlier shape is rejected and redrawn, so every mask keeps at least half of its shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset
from torchvision import tv_tensors

#: Class names by label: index 0 is the background, as in torchvision's detection models.
CLASSES: tuple[str, ...] = ("background", "circle", "square", "triangle")
NUM_CLASSES = len(CLASSES)  # 4, including the background

Target = dict[str, Any]


def _shape_mask(kind: int, cx: float, cy: float, r: float, size: int) -> np.ndarray:
    """A boolean (size, size) mask of one shape; pixel (row, col) is tested at its centre."""
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float64) + 0.5
    if kind == 1:  # circle of radius r
        return (xs - cx) ** 2 + (ys - cy) ** 2 <= r**2
    if kind == 2:  # axis-aligned square of side 2r
        return (np.abs(xs - cx) <= r) & (np.abs(ys - cy) <= r)
    # upward-pointing triangle inscribed in the 2r x 2r square: apex at the top middle
    top = cy - r  # each row's half-width grows from 0 at the apex to r at the base
    return (ys >= top) & (ys <= cy + r) & (np.abs(xs - cx) <= r * (ys - top) / (2 * r))


def masks_to_boxes_xyxy(masks: torch.Tensor) -> torch.Tensor:
    """Tight XYXY boxes (pixel edges: x2/y2 exclusive) around (N, H, W) masks; an empty mask gives 0s (chapter 10)."""
    masks = torch.as_tensor(masks).bool()
    boxes = torch.zeros((masks.shape[0], 4), dtype=torch.float32)
    for i, mask in enumerate(masks):
        rows = torch.nonzero(mask.any(dim=1)).flatten()
        cols = torch.nonzero(mask.any(dim=0)).flatten()
        if len(rows) and len(cols):
            boxes[i] = torch.tensor([cols[0], rows[0], cols[-1] + 1, rows[-1] + 1], dtype=torch.float32)
    return boxes


def render_shapes(rng: np.random.Generator, size: int = 64, max_shapes: int = 3, min_shapes: int = 1,
                  classes: tuple[int, ...] = (1, 2, 3)) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw one image. Returns ``(image HxWx3 uint8, masks NxHxW bool, labels N int64)`` (chapter 10)."""
    background = rng.integers(0, 70, size=3)
    image = np.broadcast_to(background, (size, size, 3)).astype(np.uint8).copy()
    n_shapes = int(rng.integers(min_shapes, max_shapes + 1))
    masks, full_areas, labels = [], [], []  # full_areas: each shape's area before later shapes hid part of it
    attempts = 0
    while len(labels) < n_shapes and attempts < 100:
        attempts += 1
        kind = int(rng.choice(classes))
        r = float(rng.uniform(0.11, 0.22) * size)  # half of the shape's width
        cx, cy = (float(v) for v in rng.uniform(r + 1, size - r - 1, size=2))
        new = _shape_mask(kind, cx, cy, r, size)
        # reject a shape that would hide more than half of an earlier one
        if any((m & ~new).sum() < 0.5 * area for m, area in zip(masks, full_areas)):
            continue
        masks = [m & ~new for m in masks]  # occlusion: earlier masks keep only their visible pixels
        masks.append(new)
        full_areas.append(int(new.sum()))
        labels.append(kind)
        image[new] = rng.integers(110, 256, size=3)  # bright on a dark background
    return image, np.stack(masks), np.array(labels, dtype=np.int64)


class ShapesDataset(Dataset):
    """``n`` images of circles, squares and triangles with boxes, masks and labels (chapter 10).

    Args:
        n: number of images.
        seed: dataset seed; image ``i`` is drawn from ``numpy.random.default_rng([seed, i])``.
        transforms: optional callable ``(image, target) -> (image, target)``,
            typically a ``torchvision.transforms.v2`` pipeline.
        size: image side in pixels.
        max_shapes, min_shapes: how many shapes each image holds.
        classes: which labels may appear (a subset of 1, 2, 3).
    """

    def __init__(self, n: int, seed: int = 0, transforms: Callable[..., Any] | None = None, size: int = 64,
                 max_shapes: int = 3, min_shapes: int = 1, classes: tuple[int, ...] = (1, 2, 3)) -> None:
        if not 1 <= min_shapes <= max_shapes:
            raise ValueError("need 1 <= min_shapes <= max_shapes")
        if not set(classes) <= {1, 2, 3}:
            raise ValueError("classes must be a subset of (1, 2, 3)")
        self.n, self.seed, self.transforms, self.size = n, seed, transforms, size
        self.max_shapes, self.min_shapes, self.classes = max_shapes, min_shapes, tuple(classes)

    def __len__(self) -> int:
        return self.n

    def raw(self, index: int) -> tuple[tv_tensors.Image, Target]:
        """Sample ``index`` without ``transforms``."""
        if not 0 <= index < self.n:
            raise IndexError(f"index {index} out of range for {self.n} images")
        rng = np.random.default_rng([self.seed, index])
        image, masks, labels = render_shapes(rng, self.size, self.max_shapes, self.min_shapes, self.classes)
        mask_tensor = torch.from_numpy(masks)
        boxes = masks_to_boxes_xyxy(mask_tensor)
        target: Target = {"boxes": tv_tensors.BoundingBoxes(boxes, format="XYXY", canvas_size=(self.size, self.size)),
                          "masks": tv_tensors.Mask(mask_tensor), "labels": torch.from_numpy(labels)}
        return tv_tensors.Image(torch.from_numpy(image).permute(2, 0, 1).contiguous()), target

    def __getitem__(self, index: int) -> tuple[Any, Target]:
        image, target = self.raw(index)
        if self.transforms is not None:
            image, target = self.transforms(image, target)
        return image, target


def collate_detection(batch: list[tuple[Any, Target]]) -> tuple[list[Any], list[Target]]:
    """``collate_fn`` for detection: images and targets stay lists (each image has its own N; chapter 10)."""
    images, targets = zip(*batch)
    return list(images), list(targets)
