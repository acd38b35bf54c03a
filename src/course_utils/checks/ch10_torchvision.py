"""Checks for 10_torchvision.

Checkers build their own inputs, and run anything random inside
``torch.random.fork_rng``, so checking an answer never changes the notebook's
random state.
"""

from __future__ import annotations

import torch
from torch import nn

from .engine import checker
from .vocabulary import (
    Mistake,
    call_unchanged,
    diagnose,
    expect_callable,
    expect_not_called,
    expect_tensor,
    fail,
    fmt,
)

# --------------------------------------------------------------------------- 10.1 IoU


def _iou_variant(a: torch.Tensor, b: torch.Tensor, clamp: bool = True, plus_one: float = 0.0,
                 subtract_inter: bool = True) -> torch.Tensor:
    """IoU written the right way, or with one of the typical mistakes switched on."""
    area_a = (a[:, 2] - a[:, 0] + plus_one) * (a[:, 3] - a[:, 1] + plus_one)
    area_b = (b[:, 2] - b[:, 0] + plus_one) * (b[:, 3] - b[:, 1] + plus_one)
    wh = torch.min(a[:, None, 2:], b[None, :, 2:]) - torch.max(a[:, None, :2], b[None, :, :2]) + plus_one
    if clamp:
        wh = wh.clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    union = area_a[:, None] + area_b[None, :] - (inter if subtract_inter else 0)
    return inter / union


IOU_MISTAKES = [
    Mistake(lambda a, b: _iou_variant(a, b, clamp=False),
            "disjoint boxes get a non-zero IoU (up to 1.0 or even negative): when boxes do not overlap, "
            "min(x2) - max(x1) is negative. Clamp the width and height of the intersection at 0 "
            "(.clamp(min=0)) before multiplying them.",
            "不相交的框得到了非零的 IoU（甚至是 1.0 或负数）：两个框不重叠时，min(x2) - max(x1) 是负数。"
            "先把交集的宽和高用 .clamp(min=0) 截到 0，再相乘。"),
    Mistake(lambda a, b: _iou_variant(a, b, plus_one=1.0),
            "you used the '+1 pixel' convention (width = x2 - x1 + 1) of some older detection code. torchvision "
            "boxes have continuous coordinates: width = x2 - x1, area = (x2 - x1) * (y2 - y1).",
            "你用了一些老的检测代码里的“+1 像素”约定（宽 = x2 - x1 + 1）。torchvision 的边框坐标是连续的："
            "宽 = x2 - x1，面积 = (x2 - x1) * (y2 - y1)。"),
    Mistake(lambda a, b: _iou_variant(a, b, subtract_inter=False),
            "identical boxes should have IoU 1, yours gives 0.5: the union is area1 + area2 - intersection "
            "(the overlap was counted twice).",
            "两个完全相同的框 IoU 应为 1，你的结果是 0.5：并集 = 面积1 + 面积2 - 交集（重叠部分被算了两次）。"),
]

IOU_A = torch.tensor([[0.0, 0.0, 10.0, 10.0], [5.0, 5.0, 15.0, 15.0], [2.0, 1.0, 6.0, 9.0]])
IOU_B = torch.tensor([
    [0.0, 0.0, 10.0, 10.0],  # same as A[0]
    [5.0, 0.0, 15.0, 10.0],  # half overlap
    [20.0, 20.0, 30.0, 30.0],  # disjoint in x and y: an unclamped intersection is (-10) * (-10) > 0
    [12.0, 0.0, 20.0, 10.0],  # disjoint in x only: an unclamped intersection is negative
])


@checker("10.1")
def check_box_iou(box_iou_by_hand) -> None:
    from torchvision.ops import box_iou

    expect_callable(box_iou_by_hand)
    expect_not_called(box_iou_by_hand, ["torchvision.ops.box_iou"],
                      "torchvision.ops.box_iou gives the answer away; compute the intersection and the union "
                      "yourself. Hint: broadcast boxes1[:, None, :2] against boxes2[None, :, :2].",
                      "torchvision.ops.box_iou 直接给出了答案；请自己算交集和并集。"
                      "提示：用 boxes1[:, None, :2] 和 boxes2[None, :, :2] 广播。",
                      name="box_iou_by_hand")
    call = "box_iou_by_hand(boxes1, boxes2)"
    got = expect_tensor(call_unchanged(box_iou_by_hand, IOU_A.clone(), IOU_B.clone(), call=call), call)
    expected = box_iou(IOU_A, IOU_B)
    if got.shape == (len(IOU_B), len(IOU_A)):
        fail(call, f"the result has shape {tuple(got.shape)}, but it should be (N, M) = {tuple(expected.shape)}: "
             "row i holds the IoUs of boxes1[i] with every box of boxes2 (you have it transposed).",
             f"结果的形状是 {tuple(got.shape)}，应为 (N, M) = {tuple(expected.shape)}：第 i 行是 boxes1[i] 与 boxes2 "
             "中每个框的 IoU（你的结果转置了）。")
    if got.shape != expected.shape:
        fail(call, f"the result has shape {tuple(got.shape)}, expected (N, M) = {tuple(expected.shape)}: one IoU for "
             "every pair. Hint: broadcast with boxes1[:, None, :2] against boxes2[None, :, :2].",
             f"结果的形状是 {tuple(got.shape)}，应为 (N, M) = {tuple(expected.shape)}：每一对框一个 IoU。"
             "提示：用 boxes1[:, None, :2] 和 boxes2[None, :, :2] 广播。")
    diagnose(got.detach().to(torch.float32), expected, IOU_MISTAKES, call, IOU_A, IOU_B, atol=1e-4, rtol=1e-5,
             otherwise=("for boxes1 = {a} and boxes2 = {b} expected {want}, got {got}.",
                        "对 boxes1 = {a}、boxes2 = {b}，应得到 {want}，实际得到 {got}。"),
             a=IOU_A.tolist(), b=IOU_B.tolist(), want=fmt(expected), got=fmt(got))


# --------------------------------------------------------------------------- 10.2 NMS


#: What a wrong answer on each case most likely means; the other cases get a plain "expected, got".
NMS_HINTS = {
    "unsorted": ("for {case} expected {want}, got {got}. Did you go through the boxes in their given order? NMS must "
                 "visit them from the highest score down: order = scores.argsort(descending=True).",
                 "对 {case}，应得到 {want}，实际得到 {got}。你是不是按框给出的顺序处理的？NMS 必须从分数最高的框开始："
                 "order = scores.argsort(descending=True)。"),
    "tie": ("two boxes whose IoU is exactly the threshold (0.5) must both be kept: NMS suppresses a box only when its "
            "IoU is GREATER than iou_threshold (use >, not >=).",
            "两个框的 IoU 恰好等于阈值（0.5）时都应保留：只有 IoU 大于 iou_threshold 才删除（用 >，不是 >=）。"),
    "chain": ("for {case} expected {want}, got {got}: box 1 was suppressed by box 0, so it must not suppress box 2 in "
              "turn. Compare each remaining box only with the boxes you KEEP.",
              "对 {case}，应得到 {want}，实际得到 {got}：框 1 已经被框 0 删除了，它不能再去删除框 2。"
              "只拿剩下的框和已经保留的框比较。"),
}


def _nms_cases() -> list[tuple[str, torch.Tensor, torch.Tensor, float]]:
    lesson = torch.tensor([
        [10.0, 10.0, 50.0, 50.0], [13.0, 12.0, 52.0, 53.0], [8.0, 9.0, 47.0, 48.0],
        [60.0, 20.0, 95.0, 55.0], [63.0, 18.0, 97.0, 52.0],
    ])
    generator = torch.Generator().manual_seed(10)
    corners = torch.rand(30, 2, generator=generator) * 80
    sizes = torch.rand(30, 2, generator=generator) * 30 + 5
    random_boxes = torch.cat([corners, corners + sizes], dim=1)
    random_scores = torch.rand(30, generator=generator)
    return [
        ("unsorted", lesson, torch.tensor([0.80, 0.95, 0.60, 0.70, 0.85]), 0.5),
        ("order", lesson, torch.tensor([0.80, 0.90, 0.60, 0.70, 0.97]), 0.5),
        # IoU exactly 0.5 = the threshold: nms keeps both (it suppresses IoU > threshold only)
        ("tie", torch.tensor([[0.0, 0.0, 10.0, 10.0], [0.0, 0.0, 10.0, 20.0]]), torch.tensor([0.9, 0.8]), 0.5),
        # a chain: 0 suppresses 1, and 1 (already suppressed) must not suppress 2
        ("chain", torch.tensor([[0.0, 0.0, 10.0, 10.0], [4.0, 0.0, 14.0, 10.0], [8.0, 0.0, 18.0, 10.0]]),
         torch.tensor([0.9, 0.8, 0.7]), 0.4),
        ("random", random_boxes, random_scores, 0.3),
        ("random", random_boxes, random_scores, 0.6),
        ("empty", torch.zeros(0, 4), torch.zeros(0), 0.5),
    ]



@checker("10.2")
def check_nms(nms_by_hand) -> None:
    from torchvision.ops import nms

    expect_callable(nms_by_hand)
    expect_not_called(nms_by_hand, ["torchvision.ops.nms", "torchvision.ops.batched_nms"],
                      "torchvision.ops.nms and batched_nms do the suppression for you; write the loop yourself (ops.box_iou or your 10.1 function "
                      "is allowed): visit the boxes from the highest score down, keep the best one, drop the rest "
                      "whose IoU with it is greater than iou_threshold.",
                      "torchvision.ops.nms 和 batched_nms 会替你完成抑制；请自己写这个循环（可以用 ops.box_iou 或你在 10.1 写的函数）："
                      "按分数从高到低处理，保留当前最好的框，删掉与它 IoU 大于 iou_threshold 的其余框。",
                      name="nms_by_hand")
    call = "nms_by_hand(boxes, scores, iou_threshold)"
    for name, boxes, scores, threshold in _nms_cases():
        expected = nms(boxes, scores, threshold)
        result = nms_by_hand(boxes.clone(), scores.clone(), threshold)
        if isinstance(result, (list, tuple)):
            result = torch.tensor(list(result), dtype=torch.int64)
        got = expect_tensor(result, call).detach().flatten()
        if got.dtype == torch.bool or (len(got) == len(boxes) > len(expected) and set(got.tolist()) <= {0, 1}):
            fail("", "return the INDICES of the boxes you keep (like torchvision.ops.nms), not a mask of 0/1 or "
                 "True/False.", "请返回保留下来的框的下标（和 torchvision.ops.nms 一样），而不是 0/1 或 True/False 的掩码。")
        got, want = got.long().tolist(), expected.tolist()
        if got == want:
            continue
        if sorted(got) == sorted(want):
            fail("", f"you keep the right boxes, but in the wrong order ({got} instead of {want}): return them in "
                 "decreasing order of score, as torchvision.ops.nms does.",
                 f"保留的框是对的，但顺序不对（{got}，应为 {want}）：和 torchvision.ops.nms 一样，按分数从高到低返回。")
        case = f"boxes={boxes.tolist()}, scores={[round(s, 2) for s in scores.tolist()]}, iou_threshold={threshold}"
        en, zh = NMS_HINTS.get(name, ("for {case} expected {want}, got {got}.", "对 {case}，应得到 {want}，实际得到 {got}。"))
        fail("", en.format(case=case, want=want, got=got), zh.format(case=case, want=want, got=got))


# --------------------------------------------------------------------------- 10.3 box formats


def _columns(boxes: torch.Tensor, formulas) -> torch.Tensor:
    """The four output columns that ``formulas(cx, cy, w, h)`` computes from cxcywh boxes."""
    return torch.stack(formulas(*boxes.unbind(dim=1)), dim=1)


BOX_MISTAKES = [
    Mistake(lambda b: _columns(b, lambda cx, cy, w, h: [cx - w, cy - h, cx + w, cy + h]),
            "your boxes are twice too big: the centre is HALF a width from each side, x1 = cx - w / 2.",
            "你的框大了一倍：中心到左右两边各是宽度的一半，x1 = cx - w / 2。"),
    Mistake(lambda b: _columns(b, lambda cx, cy, w, h: [cx, cy, cx + w, cy + h]),
            "you treated (cx, cy) as the top-left corner (that is the xywh format). In cxcywh it is the centre: "
            "x1 = cx - w / 2, x2 = cx + w / 2.",
            "你把 (cx, cy) 当成了左上角（那是 xywh 格式）。cxcywh 里它是中心：x1 = cx - w / 2，x2 = cx + w / 2。"),
    Mistake(lambda b: _columns(b, lambda cx, cy, w, h: [cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2]),
            "the columns are in the order x1, x2, y1, y2; xyxy means x1, y1, x2, y2 (top-left corner, then "
            "bottom-right).",
            "列的顺序成了 x1, x2, y1, y2；xyxy 的意思是 x1, y1, x2, y2（先左上角，再右下角）。"),
]


@checker("10.3")
def check_cxcywh_to_xyxy(cxcywh_to_xyxy) -> None:
    from torchvision.ops import box_convert

    expect_callable(cxcywh_to_xyxy)
    generator = torch.Generator().manual_seed(3)
    boxes = torch.cat([torch.tensor([[30.0, 30.0, 40.0, 20.0]]), torch.rand(5, 4, generator=generator) * 50 + 1])
    call = "cxcywh_to_xyxy(boxes)"
    got = expect_tensor(call_unchanged(cxcywh_to_xyxy, boxes.clone(), call=call), call)
    expected = box_convert(boxes, "cxcywh", "xyxy")
    if got.shape != expected.shape:
        fail(call, f"the result has shape {tuple(got.shape)}, expected {tuple(expected.shape)} (one row x1, y1, x2, y2 "
             "per box).",
             f"结果的形状是 {tuple(got.shape)}，应为 {tuple(expected.shape)}（每个框一行 x1, y1, x2, y2）。")
    got = got.detach().to(torch.float32)
    diagnose(got, expected, BOX_MISTAKES, call, boxes, atol=1e-4, rtol=1e-5,
             otherwise=("cxcywh_to_xyxy({box}) should give {want}, got {got}.",
                        "cxcywh_to_xyxy({box}) 应得到 {want}，实际得到 {got}。"),
             box=boxes[:1].tolist(), want=expected[:1].tolist(), got=got[:1].tolist())


# --------------------------------------------------------------------------- 10.4 transforms


def _run_pipeline(pipeline, dataset) -> list[tuple]:
    """(image, target, new image, new target) for every item, under three seeds."""
    outputs = []
    with torch.random.fork_rng(devices=[]):
        for seed in range(3):
            torch.manual_seed(seed)
            for index in range(len(dataset)):
                image, target = dataset.raw(index)
                try:
                    out = pipeline(image, target)
                except TypeError as err:
                    fail("", f"calling the pipeline as pipeline(image, target) raised TypeError: {err}. The transforms "
                         "of torchvision.transforms (v1) take only the image. Use torchvision.transforms.v2 for every "
                         "step.",
                         f"以 pipeline(image, target) 调用管道时抛出 TypeError：{err}。旧的 torchvision.transforms（v1）"
                         "只接收图片。每一步都请用 torchvision.transforms.v2。")
                if not (isinstance(out, (tuple, list)) and len(out) == 2 and isinstance(out[1], dict)):
                    fail("", "pipeline(image, target) should return the pair (image, target), the way v2 transforms do.",
                         "pipeline(image, target) 应返回 (image, target) 这一对，v2 的变换就是这样的。")
                outputs.append((image, target, *out))
    return outputs


def _areas(boxes: torch.Tensor) -> torch.Tensor:
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def _check_image(image) -> None:
    if not isinstance(image, torch.Tensor) or image.dtype != torch.float32:
        got = image.dtype if isinstance(image, torch.Tensor) else type(image).__name__
        fail("", f"the output image is {got}; models want float32: add v2.ToDtype(torch.float32, scale=True).",
             f"输出的图片是 {got}；模型要的是 float32：加上 v2.ToDtype(torch.float32, scale=True)。")
    if image.max() > 1.0:
        fail("", "the output image has values above 1: use v2.ToDtype(torch.float32, scale=True), scale=True maps "
             "0-255 to 0-1.",
             "输出图片的数值大于 1：请用 v2.ToDtype(torch.float32, scale=True)，scale=True 才会把 0-255 变成 0-1。")
    if tuple(image.shape) != (3, 64, 64):
        fail("", f"an output image has shape {tuple(image.shape)}; every image should stay (3, 64, 64) so that they "
             "can be batched: give RandomResizedCrop the output size 64.",
             f"有一张输出图片的形状是 {tuple(image.shape)}；每张图都应保持 (3, 64, 64)，才能组成批次："
             "RandomResizedCrop 的输出大小设为 64。")


def _check_target(target: dict) -> None:
    from torchvision import tv_tensors

    from ..shapes import masks_to_boxes_xyxy

    boxes, masks, labels = target.get("boxes"), target.get("masks"), target.get("labels")
    if not isinstance(boxes, tv_tensors.BoundingBoxes) or not isinstance(masks, tv_tensors.Mask):
        fail("", "target['boxes'] and target['masks'] must stay tv_tensors.BoundingBoxes and tv_tensors.Mask: pass "
             "the target through v2 transforms unchanged in structure, do not rebuild it from plain tensors.",
             "target['boxes'] 和 target['masks'] 必须保持 tv_tensors.BoundingBoxes 和 tv_tensors.Mask 类型："
             "让 v2 变换处理整个 target，不要用普通张量重建它。")
    if not (len(boxes) == len(masks) == len(labels)):
        fail("", f"after the pipeline there are {len(boxes)} boxes, {len(masks)} masks and {len(labels)} labels: "
             "they must stay in step. SanitizeBoundingBoxes removes a box together with its label and mask.",
             f"经过管道后有 {len(boxes)} 个框、{len(masks)} 个掩码、{len(labels)} 个标签：三者必须一一对应。"
             "SanitizeBoundingBoxes 删除一个框时，会同时删除它的标签和掩码。")
    widths, heights = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    if len(boxes) and (widths.min() < 1 or heights.min() < 1):
        fail("", "some boxes are degenerate (width or height below 1 pixel): a crop cut their shape away. "
             "Put v2.SanitizeBoundingBoxes() at the end of the pipeline.",
             "有些框退化了（宽或高不到 1 个像素）：裁剪把它们的形状裁掉了。在管道的最后加上 v2.SanitizeBoundingBoxes()。")
    for box, mask in zip(boxes, masks):
        if not mask.any():
            continue  # a sliver can lose its last pixel when it is resampled
        inner = masks_to_boxes_xyxy(mask[None])[0]
        if (inner[:2] < box[:2] - 1).any() or (inner[2:] > box[2:] + 1).any():
            box_text = [round(v, 1) for v in box.tolist()]
            fail("", f"a mask sticks out of its box (box {box_text}, mask spans {inner.tolist()}): the image, boxes "
                 "and masks were not transformed together. Call every transform as t(image, target) and use only v2 "
                 "transforms.",
                 f"有个掩码超出了它的框（框 {box_text}，掩码范围 {inner.tolist()}）："
                 "图片、框和掩码没有一起变换。每个变换都以 t(image, target) 调用，并且只用 v2 的变换。")


@checker("10.4")
def check_detection_transforms(make_detection_transforms) -> None:
    from ..shapes import ShapesDataset

    expect_callable(make_detection_transforms)
    pipeline = make_detection_transforms()
    if pipeline is None or not callable(pipeline):
        fail("", "make_detection_transforms() should return the pipeline, for example v2.Compose([...]).",
             "make_detection_transforms() 应返回变换管道，例如 v2.Compose([...])。")
    moved_boxes, most_growth = 0, 1.0
    for _image, target, new_image, new_target in _run_pipeline(pipeline, ShapesDataset(24, seed=123)):
        _check_image(new_image)
        _check_target(new_target)
        old_boxes = target["boxes"].as_subclass(torch.Tensor)
        new_boxes = new_target["boxes"].as_subclass(torch.Tensor)
        moved_boxes += new_boxes.shape != old_boxes.shape or not torch.allclose(new_boxes, old_boxes, atol=1e-3)
        if new_boxes.shape == old_boxes.shape and len(old_boxes):  # no box removed: box i is still box i
            most_growth = max(most_growth, (_areas(new_boxes) / _areas(old_boxes)).max().item())
    if moved_boxes == 0:
        fail("", "the boxes never moved: the pipeline should augment the geometry (RandomHorizontalFlip, "
             "RandomResizedCrop) so that there is something to keep aligned.",
             "框从来没有移动过：管道应该包含几何增强（RandomHorizontalFlip、RandomResizedCrop），这样才有需要对齐的东西。")
    # Cropping a piece and resizing it back to 64x64 enlarges the boxes inside it: a piece of half the image
    # doubles their area (a little more with rounding), a flip never changes it.
    if most_growth < 1.01:
        fail("", "no box ever got bigger, so nothing was cropped and resized back to 64x64: add "
             "v2.RandomResizedCrop(64, scale=(0.5, 1.0)), which crops a random piece of 50-100% of the area.",
             "没有任何框变大过，说明没有裁剪后再缩放回 64x64：加上 v2.RandomResizedCrop(64, scale=(0.5, 1.0))，"
             "它随机裁出占面积 50%-100% 的一块。")
    if most_growth > 2.1:
        fail("", f"a box grew {most_growth:.1f} times in area: some crops kept less than half of the image. Crop "
             "50-100% of the area: v2.RandomResizedCrop(64, scale=(0.5, 1.0)).",
             f"有个框的面积变成了原来的 {most_growth:.1f} 倍：有些裁剪保留的不到图片的一半。"
             "应裁出占面积 50%-100% 的一块：v2.RandomResizedCrop(64, scale=(0.5, 1.0))。")


# --------------------------------------------------------------------------- 10.5 freezing


@checker("10.5")
def check_freeze_backbone(freeze_backbone) -> None:
    from torchvision.models import resnet18

    expect_callable(freeze_backbone)
    for num_classes in (5, 3):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(num_classes)
            model = resnet18(weights=None)
        result = freeze_backbone(model, num_classes)
        if result is None:
            fail("", "freeze_backbone returned None: return the model at the end.",
                 "freeze_backbone 返回了 None：最后要 return model。")
        if not isinstance(result, nn.Module):
            fail("", f"freeze_backbone should return the model, got a {type(result).__name__}.",
                 f"freeze_backbone 应返回模型，实际得到的是 {type(result).__name__}。")
        fc = getattr(result, "fc", None)
        if not isinstance(fc, nn.Linear) or fc.out_features != num_classes or fc.in_features != 512:
            fail("", f"model.fc should be a new nn.Linear(512, {num_classes}) (in_features = model.fc.in_features, "
                 f"out_features = num_classes), got {fc}.",
                 f"model.fc 应是一个新的 nn.Linear(512, {num_classes})（in_features = model.fc.in_features，"
                 f"out_features = num_classes），实际是 {fc}。")
        params = list(result.parameters())
        trainable, total = sum(p.numel() for p in params if p.requires_grad), sum(p.numel() for p in params)
        expected = 512 * num_classes + num_classes
        if trainable == total:
            fail("", f"all {total:,} parameters are still trainable: the backbone is not frozen. Call "
                 "p.requires_grad_(False) for every parameter (or model.requires_grad_(False)); writing "
                 "model.requires_grad = False only sets an unused attribute.",
                 f"全部 {total:,} 个参数仍然可训练：骨干网络没有冻结。对每个参数调用 p.requires_grad_(False)"
                 "（或 model.requires_grad_(False)）；写 model.requires_grad = False 只是设置了一个没人用的属性。")
        if trainable == 0:
            fail("", "no parameter is trainable: the new head was frozen too. Freeze the model FIRST, then replace "
                 "model.fc (a new nn.Linear has requires_grad=True).",
                 "没有任何参数可以训练：新的头也被冻结了。先冻结整个模型，再替换 model.fc（新建的 nn.Linear 默认 requires_grad=True）。")
        if trainable != expected:
            fail("", f"{trainable:,} parameters are trainable; only the new head should be: 512 * {num_classes} + "
                 f"{num_classes} = {expected:,}.",
                 f"有 {trainable:,} 个参数可训练；应该只有新的头可训练：512 * {num_classes} + {num_classes} = {expected:,}。")
        with torch.no_grad():
            out = result.eval()(torch.zeros(2, 3, 64, 64))
        if tuple(out.shape) != (2, num_classes):
            fail("", f"the model's output has shape {tuple(out.shape)}, expected (2, {num_classes}).",
                 f"模型输出的形状是 {tuple(out.shape)}，应为 (2, {num_classes})。")
