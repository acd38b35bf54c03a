"""The synthetic shapes dataset: deterministic, tight boxes, and v2 transforms keep boxes on the masks."""

import pytest
import torch
from torchvision import tv_tensors
from torchvision.ops import masks_to_boxes
from torchvision.transforms import v2

from course_utils.shapes import (
    CLASSES,
    NUM_CLASSES,
    ShapesDataset,
    collate_detection,
    masks_to_boxes_xyxy,
)

N = 40


@pytest.fixture(scope="module")
def dataset():
    return ShapesDataset(N, seed=3)


def test_types_and_shapes(dataset):
    image, target = dataset[0]
    assert isinstance(image, tv_tensors.Image) and image.dtype == torch.uint8 and image.shape == (3, 64, 64)
    boxes, masks, labels = target["boxes"], target["masks"], target["labels"]
    assert isinstance(boxes, tv_tensors.BoundingBoxes)
    assert boxes.format == tv_tensors.BoundingBoxFormat.XYXY and tuple(boxes.canvas_size) == (64, 64)
    assert isinstance(masks, tv_tensors.Mask) and masks.dtype == torch.bool
    assert labels.dtype == torch.int64
    assert len(boxes) == len(masks) == len(labels) >= 1
    assert masks.shape[1:] == (64, 64)
    assert CLASSES[0] == "background" and NUM_CLASSES == 4


def test_same_index_gives_identical_tensors(dataset):
    for index in (0, 7, N - 1):
        (a, ta), (b, tb) = dataset[index], ShapesDataset(N, seed=3)[index]
        assert torch.equal(a, b)
        for key in ("boxes", "masks", "labels"):
            assert torch.equal(ta[key], tb[key])
    assert not torch.equal(dataset[0][0], ShapesDataset(N, seed=4)[0][0])
    assert not torch.equal(dataset[0][0], dataset[1][0])


def test_labels_masks_and_counts(dataset):
    seen = set()
    for index in range(N):
        image, target = dataset[index]
        labels, masks = target["labels"], target["masks"]
        assert ((labels >= 1) & (labels <= 3)).all()
        seen.update(labels.tolist())
        assert 1 <= len(labels) <= 3
        assert (masks.flatten(1).sum(dim=1) > 0).all(), "no empty masks"
        assert masks.sum(dim=0).max() <= 1, "visible masks do not overlap"
        # pixels outside every mask show the background colour
        background = ~masks.any(dim=0)
        assert (image[:, background] == image[:, background][:, :1]).all()
    assert seen == {1, 2, 3}


def test_every_box_is_tight_around_its_mask(dataset):
    for index in range(N):
        _, target = dataset[index]
        boxes, masks = target["boxes"], target["masks"]
        for box, mask in zip(boxes, masks):
            x1, y1, x2, y2 = box.int().tolist()
            assert mask[y1:y2, x1:x2].sum() == mask.sum(), "every mask pixel lies inside its box"
            # tight: the first and last rows and columns of the box hold mask pixels
            assert mask[y1, x1:x2].any() and mask[y2 - 1, x1:x2].any()
            assert mask[y1:y2, x1].any() and mask[y1:y2, x2 - 1].any()
        # torchvision's masks_to_boxes names the last pixel; the dataset uses pixel edges (+1)
        assert torch.equal(boxes.as_subclass(torch.Tensor), masks_to_boxes(masks) + torch.tensor([0, 0, 1, 1]))


def test_min_and_max_shapes_and_classes():
    ds = ShapesDataset(10, seed=0, min_shapes=2, max_shapes=2, classes=(1,))
    for i in range(10):
        labels = ds[i][1]["labels"]
        assert labels.tolist() == [1, 1]
    with pytest.raises(ValueError):
        ShapesDataset(3, min_shapes=3, max_shapes=2)
    with pytest.raises(IndexError):
        ShapesDataset(3)[3]


def _assert_aligned(target, tol):
    boxes, masks = target["boxes"], target["masks"]
    assert len(boxes) == len(masks) == len(target["labels"])
    recomputed = masks_to_boxes_xyxy(masks)
    assert len(boxes) == 0 or (boxes - recomputed).abs().max() <= tol, (boxes, recomputed)


def test_horizontal_flip_moves_boxes_exactly(dataset):
    flip = v2.RandomHorizontalFlip(p=1.0)
    for index in range(N):
        image, target = dataset[index]
        flipped_image, flipped = flip(image, target)
        assert torch.equal(flipped_image, image.flip(-1))
        _assert_aligned(flipped, tol=0)


def test_resize_keeps_boxes_on_masks(dataset):
    resize = v2.Resize((128, 128))
    for index in range(N):
        image, target = resize(*dataset[index])
        assert image.shape == (3, 128, 128) and tuple(target["boxes"].canvas_size) == (128, 128)
        _assert_aligned(target, tol=0)


def test_random_resized_crop_keeps_masks_inside_boxes():
    """A crop clamps each box to the crop, so the box still holds its mask (no longer tightly:
    a triangle cut below its apex is narrower than its old base)."""
    torch.manual_seed(0)
    pipeline = v2.Compose([v2.RandomResizedCrop(64, scale=(0.3, 1.0)), v2.SanitizeBoundingBoxes()])
    ds = ShapesDataset(N, seed=5, transforms=pipeline)
    for index in range(N):
        image, target = ds[index]
        boxes, masks = target["boxes"], target["masks"]
        assert len(boxes) == len(masks) == len(target["labels"])
        for box, mask in zip(boxes, masks):
            inner = masks_to_boxes_xyxy(mask[None])[0]
            if mask.any():  # a sliver can lose every pixel when it is resampled
                assert (inner[:2] >= box[:2] - 1).all() and (inner[2:] <= box[2:] + 1).all(), (box, inner)


def test_transforms_argument_and_collate():
    ds = ShapesDataset(4, seed=0, transforms=v2.ToDtype(torch.float32, scale=True))
    image, _ = ds[0]
    assert image.dtype == torch.float32 and 0 <= image.min() and image.max() <= 1
    images, targets = collate_detection([ds[i] for i in range(4)])
    assert len(images) == len(targets) == 4 and isinstance(targets[0], dict)
    assert torch.equal(ds.raw(0)[0], ShapesDataset(4, seed=0)[0][0])
