"""Chapter 10's checks catch the typical wrong answers with specific hints."""

import torch
from torch import nn
from torchvision import ops
from torchvision.transforms import v2

from course_utils.checks import evaluate
from course_utils.checks.engine import Submitted


class Remote(Submitted):
    """A stand-in as `course grade` passes it: calling it runs the answer elsewhere, `source` is what was written."""

    def __init__(self, function, source):
        self.function, self.source = function, source

    def __call__(self, *args):
        return self.function(*args)


def stub(*args):
    raise NotImplementedError


# ----------------------------------------------------------------- 10.1 IoU


def iou(boxes1, boxes2, clamp=True, plus_one=0.0, subtract=True, transpose=False):
    area1 = (boxes1[:, 2] - boxes1[:, 0] + plus_one) * (boxes1[:, 3] - boxes1[:, 1] + plus_one)
    area2 = (boxes2[:, 2] - boxes2[:, 0] + plus_one) * (boxes2[:, 3] - boxes2[:, 1] + plus_one)
    wh = torch.min(boxes1[:, None, 2:], boxes2[None, :, 2:]) - torch.max(boxes1[:, None, :2], boxes2[None, :, :2])
    wh = wh + plus_one
    if clamp:
        wh = wh.clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    result = inter / (area1[:, None] + area2[None, :] - (inter if subtract else 0))
    return result.T if transpose else result


def test_iou():
    assert evaluate("10.1", iou, "en")[0] == "pass"
    status, message = evaluate("10.1", lambda a, b: iou(a, b, clamp=False), "en")
    assert status == "fail" and "Clamp the width and height of the intersection at 0" in message
    status, message = evaluate("10.1", lambda a, b: iou(a, b, clamp=False), "zh")
    assert status == "fail" and ".clamp(min=0)" in message and "不相交" in message
    status, message = evaluate("10.1", lambda a, b: iou(a, b, plus_one=1.0), "en")
    assert status == "fail" and "'+1 pixel' convention" in message
    status, message = evaluate("10.1", lambda a, b: iou(a, b, subtract=False), "en")
    assert status == "fail" and "union is area1 + area2 - intersection" in message
    status, message = evaluate("10.1", lambda a, b: iou(a, b, transpose=True), "en")
    assert status == "fail" and "transposed" in message
    status, message = evaluate("10.1", lambda a, b: iou(a, b).diagonal(), "en")
    assert status == "fail" and "one IoU for every pair" in message
    status, message = evaluate("10.1", lambda a, b: iou(a, b).tolist(), "en")
    assert status == "fail" and "should return a torch.Tensor" in message
    status, message = evaluate("10.1", lambda a, b: iou(a.clamp_(min=1), b), "en")
    assert status == "fail" and "in place" in message


def test_iou_must_not_call_box_iou():
    import torchvision

    def library(a, b):
        return ops.box_iou(a, b)

    def full_path(a, b):
        return torchvision.ops.boxes.box_iou(a, b)

    for answer, found in [(library, "`ops.box_iou`"), (full_path, "`torchvision.ops.boxes.box_iou`"),
                          (ops.box_iou, "`torchvision.ops.box_iou`")]:
        status, message = evaluate("10.1", answer, "en")
        assert status == "fail" and f"your code uses {found}, which this exercise forbids" in message, message
    status, message = evaluate("10.1", library, "zh")
    assert status == "fail" and "这道练习不允许用它" in message and "自己算交集和并集" in message
    written = "from torchvision.ops import box_iou\n\ndef box_iou_by_hand(a, b):\n    return box_iou(a, b)\n"
    status, message = evaluate("10.1", Remote(iou, written), "en")
    assert status == "fail" and "`from torchvision.ops import box_iou`" in message, message


NOTEBOOK_ANSWERS = """
import torch
from torchvision import ops
from torchvision.ops import box_iou as library_iou


def box_iou_by_hand(boxes1, boxes2):
    return pair_iou(boxes1, boxes2)


def pair_iou(boxes1, boxes2):
    return IOU(boxes1, boxes2)


def nms_by_hand(boxes, scores, iou_threshold):
    ious = library_iou(boxes, boxes)  # 10.2 may use ops.box_iou
    return ops.nms(boxes, scores, iou_threshold)
"""


def test_a_submitted_notebook_is_read_one_answer_at_a_time():
    """course grade passes the code of all the answer cells: 10.1's ban reads box_iou_by_hand and what it uses only."""
    assert evaluate("10.1", Remote(iou, NOTEBOOK_ANSWERS.replace("IOU(", "my_iou(")), "en")[0] == "pass"
    status, message = evaluate("10.1", Remote(iou, NOTEBOOK_ANSWERS.replace("IOU(", "library_iou(")), "en")
    assert status == "fail" and "`from torchvision.ops import box_iou`" in message, message
    status, message = evaluate("10.2", Remote(nms, NOTEBOOK_ANSWERS), "en")
    assert status == "fail" and "`ops.nms`" in message, message


# ----------------------------------------------------------------- 10.2 NMS


def nms(boxes, scores, threshold, sort=True, strict=True, chain=False, order="score"):
    indices = scores.argsort(descending=True) if sort else torch.arange(len(scores))
    keep, suppressed = [], set()
    for position, i in enumerate(indices.tolist()):
        if i in suppressed:
            continue
        keep.append(i)
        for j in indices[position + 1:].tolist():
            value = ops.box_iou(boxes[i][None], boxes[j][None])[0, 0]
            if (value > threshold) if strict else (value >= threshold):
                suppressed.add(j)
    if chain:  # the typical wrong greedy: every box suppresses, even a suppressed one
        keep = [i for i in indices.tolist()
                if not any(ops.box_iou(boxes[i][None], boxes[j][None])[0, 0] > threshold
                           for j in indices.tolist()[: indices.tolist().index(i)])]
    if order == "index":
        keep = sorted(keep)
    return torch.tensor(keep, dtype=torch.int64)


def test_nms():
    assert evaluate("10.2", nms, "en")[0] == "pass"
    assert evaluate("10.2", lambda b, s, t: nms(b, s, t).tolist(), "en")[0] == "pass"
    status, message = evaluate("10.2", lambda b, s, t: nms(b, s, t, sort=False), "en")
    assert status == "fail" and "from the highest score down" in message
    status, message = evaluate("10.2", lambda b, s, t: nms(b, s, t, sort=False), "zh")
    assert status == "fail" and "分数最高" in message
    status, message = evaluate("10.2", lambda b, s, t: nms(b, s, t, strict=False), "en")
    assert status == "fail" and "use >, not >=" in message
    status, message = evaluate("10.2", lambda b, s, t: nms(b, s, t, chain=True), "en")
    assert status == "fail" and "only with the boxes you KEEP" in message
    status, message = evaluate("10.2", lambda b, s, t: nms(b, s, t, order="index"), "en")
    assert status == "fail" and "decreasing order of score" in message
    keep_mask = lambda b, s, t: torch.isin(torch.arange(len(s)), nms(b, s, t))  # noqa: E731
    status, message = evaluate("10.2", keep_mask, "en")
    assert status == "fail" and "not a mask" in message


def test_nms_must_not_call_nms():
    def library(b, s, t):
        return ops.nms(b, s, t)

    def batched(b, s, t):
        return ops.batched_nms(b, s, torch.zeros_like(s, dtype=torch.int64), t)

    for answer, found in [(library, "`ops.nms`"), (batched, "`ops.batched_nms`"), (ops.nms, "`torchvision.ops.nms`")]:
        status, message = evaluate("10.2", answer, "en")
        assert status == "fail" and f"your code uses {found}, which this exercise forbids" in message, message
    status, message = evaluate("10.2", library, "zh")
    assert status == "fail" and "这道练习不允许用它" in message
    written = "from torchvision.ops import nms\n\ndef nms_by_hand(b, s, t):\n    return nms(b, s, t)\n"
    status, message = evaluate("10.2", Remote(nms, written), "en")
    assert status == "fail" and "`from torchvision.ops import nms`" in message, message
    # ops.box_iou is allowed here, in the answer or in a submitted file
    allowed = "from torchvision import ops\n\ndef nms_by_hand(b, s, t):\n    return ops.box_iou(b, b)\n"
    assert evaluate("10.2", Remote(nms, allowed), "en")[0] == "pass"


# ----------------------------------------------------------------- 10.3 box formats


def test_cxcywh_to_xyxy():
    assert evaluate("10.3", lambda b: ops.box_convert(b, "cxcywh", "xyxy"), "en")[0] == "pass"

    def no_half(b):
        cx, cy, w, h = b.unbind(1)
        return torch.stack([cx - w, cy - h, cx + w, cy + h], 1)

    def as_corner(b):
        cx, cy, w, h = b.unbind(1)
        return torch.stack([cx, cy, cx + w, cy + h], 1)

    def wrong_columns(b):
        cx, cy, w, h = b.unbind(1)
        return torch.stack([cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2], 1)

    def in_place(b):
        b[:, :2] -= b[:, 2:] / 2
        b[:, 2:] += b[:, :2]
        return b

    status, message = evaluate("10.3", no_half, "en")
    assert status == "fail" and "HALF a width" in message
    status, message = evaluate("10.3", as_corner, "en")
    assert status == "fail" and "top-left corner (that is the xywh format)" in message
    status, message = evaluate("10.3", wrong_columns, "zh")
    assert status == "fail" and "x1, y1, x2, y2" in message
    status, message = evaluate("10.3", in_place, "en")
    assert status == "fail" and "in place" in message


# ----------------------------------------------------------------- 10.4 transforms


def good_pipeline():
    return v2.Compose([v2.RandomHorizontalFlip(), v2.RandomResizedCrop(64, scale=(0.5, 1.0)),
                       v2.ToDtype(torch.float32, scale=True), v2.SanitizeBoundingBoxes()])


def test_detection_transforms():
    assert evaluate("10.4", good_pipeline, "en")[0] == "pass"
    before = torch.random.get_rng_state()
    evaluate("10.4", good_pipeline, "en")
    assert torch.equal(before, torch.random.get_rng_state()), "the checker must not change the global RNG"

    import torchvision.transforms as v1

    status, message = evaluate("10.4", lambda: v1.Compose([v1.RandomHorizontalFlip()]), "en")
    assert status == "fail" and "Use torchvision.transforms.v2" in message
    status, message = evaluate("10.4", lambda: v2.Compose([v2.RandomHorizontalFlip(), v2.RandomResizedCrop(64, scale=(0.5, 1.0)),
                                                           v2.SanitizeBoundingBoxes()]), "en")
    assert status == "fail" and "v2.ToDtype(torch.float32, scale=True)" in message
    status, message = evaluate("10.4", lambda: v2.Compose([v2.RandomHorizontalFlip(), v2.ToDtype(torch.float32)]), "en")
    assert status == "fail" and "values above 1" in message
    status, message = evaluate("10.4", lambda: v2.Compose([v2.RandomHorizontalFlip(), v2.RandomResizedCrop(64, scale=(0.1, 1.0)),
                                                           v2.ToDtype(torch.float32, scale=True)]), "en")
    assert status == "fail" and "SanitizeBoundingBoxes()" in message
    status, message = evaluate("10.4", lambda: v2.Compose([v2.RandomResizedCrop(48, scale=(0.5, 1.0)),
                                                           v2.ToDtype(torch.float32, scale=True), v2.SanitizeBoundingBoxes()]), "en")
    assert status == "fail" and "(3, 64, 64)" in message
    status, message = evaluate("10.4", lambda: v2.Compose([v2.ColorJitter(0.5, 0.5), v2.ToDtype(torch.float32, scale=True)]), "en")
    assert status == "fail" and "the boxes never moved" in message

    status, message = evaluate("10.4", lambda: v2.Compose([v2.RandomHorizontalFlip(), v2.ToDtype(torch.float32, scale=True),
                                                           v2.SanitizeBoundingBoxes()]), "en")
    assert status == "fail" and "no box ever got bigger" in message and "RandomResizedCrop(64, scale=(0.5, 1.0))" in message
    status, message = evaluate("10.4", lambda: v2.Compose([v2.RandomHorizontalFlip(), v2.RandomResizedCrop(64),
                                                           v2.ToDtype(torch.float32, scale=True), v2.SanitizeBoundingBoxes()]),
                               "zh")
    assert status == "fail" and "保留的不到图片的一半" in message
    assert evaluate("10.4", lambda: v2.Compose([v2.RandomHorizontalFlip(), v2.RandomCrop(48), v2.Resize(64),
                                                v2.ToDtype(torch.float32, scale=True), v2.SanitizeBoundingBoxes()]),
                    "en")[0] == "pass"

    def flip_image_only(image, target):
        return v2.ToDtype(torch.float32, scale=True)(image.flip(-1)), target

    status, message = evaluate("10.4", lambda: flip_image_only, "en")
    assert status == "fail" and "the boxes never moved" in message

    def boxes_left_behind(image, target):
        image, masks = v2.RandomHorizontalFlip(p=1.0)(image, target["masks"])
        return v2.ToDtype(torch.float32, scale=True)(image), {**target, "masks": masks}

    status, message = evaluate("10.4", lambda: boxes_left_behind, "en")
    assert status == "fail" and "image, boxes and masks were not transformed together" in message

    def plain_boxes(image, target):
        target = {**target, "boxes": target["boxes"].as_subclass(torch.Tensor)}
        return v2.Compose([v2.RandomHorizontalFlip(p=1.0), v2.ToDtype(torch.float32, scale=True)])(image, target)

    status, message = evaluate("10.4", lambda: plain_boxes, "en")
    assert status == "fail" and "must stay tv_tensors.BoundingBoxes" in message
    status, message = evaluate("10.4", lambda: (lambda image, target: image), "en")
    assert status == "fail" and "return the pair (image, target)" in message
    assert evaluate("10.4", lambda: None, "en")[0] == "fail"
    assert evaluate("10.4", stub, "en")[0] == "todo"


# ----------------------------------------------------------------- 10.5 freezing


def freeze(model, num_classes):
    model.requires_grad_(False)
    model.fc = nn.Linear(model.fc.in_features, num_classes)
    return model


def test_freeze_backbone():
    assert evaluate("10.5", freeze, "en")[0] == "pass"

    def not_frozen(model, num_classes):
        model.requires_grad = False  # only sets an attribute
        model.fc = nn.Linear(512, num_classes)
        return model

    def head_frozen(model, num_classes):
        model.fc = nn.Linear(512, num_classes)
        model.requires_grad_(False)
        return model

    def wrong_head(model, num_classes):
        model.requires_grad_(False)
        model.fc = nn.Linear(512, 1000)
        return model

    def partly_frozen(model, num_classes):
        model.layer1.requires_grad_(False)
        model.fc = nn.Linear(512, num_classes)
        return model

    def no_return(model, num_classes):
        freeze(model, num_classes)

    status, message = evaluate("10.5", not_frozen, "en")
    assert status == "fail" and "model.requires_grad = False only sets an unused attribute" in message
    status, message = evaluate("10.5", head_frozen, "en")
    assert status == "fail" and "Freeze the model FIRST, then replace" in message
    status, message = evaluate("10.5", head_frozen, "zh")
    assert status == "fail" and "先冻结整个模型" in message
    status, message = evaluate("10.5", wrong_head, "en")
    assert status == "fail" and "nn.Linear(512, 5)" in message
    status, message = evaluate("10.5", partly_frozen, "en")
    assert status == "fail" and "only the new head should be: 512 * 5 + 5 = 2,565" in message
    status, message = evaluate("10.5", no_return, "en")
    assert status == "fail" and "return the model" in message


def test_stubs_are_not_done():
    for exercise_id in ("10.1", "10.2", "10.3", "10.4", "10.5"):
        assert evaluate(exercise_id, stub, "en")[0] == "todo", exercise_id
