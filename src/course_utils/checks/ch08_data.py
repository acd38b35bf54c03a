"""Checks for 08_data.

Every checker builds its own small data (with private generators), calls the
student's code on it, and names the typical mistake when it recognises one.
Checkers that need the global random state run inside ``torch.random.fork_rng``
so the notebook's random numbers are left as they were.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from .engine import checker
from .vocabulary import Mistake, diagnose, expect_callable, expect_returned, fail, generator

# ---------------------------------------------------------------- 08.1


def _check_label(label: Any, expected: int, call: str) -> None:
    """A class label is an int, or an int64 0-d tensor, equal to ``expected``."""
    if isinstance(label, torch.Tensor):
        if label.is_floating_point():
            fail("", f"{call} returned the label as a {label.dtype} tensor. Class labels must be integers (int64 after "
                 "batching): nn.CrossEntropyLoss wants class indices, and float labels make it fail or treat them as "
                 "probabilities. Return int(self.labels[index]).",
                 f"{call} 返回的标签是 {label.dtype} 张量。类别标签必须是整数（拼成批次后是 int64）：nn.CrossEntropyLoss "
                 "要的是类别下标，浮点标签会让它报错或被当成概率。返回 int(self.labels[index])。")
        if label.dtype != torch.int64:
            fail("", f"{call} returned the label as a {label.dtype} tensor; class labels should be int64 (torch.long), "
                 "or a plain Python int. Return int(self.labels[index]).",
                 f"{call} 返回的标签是 {label.dtype} 张量；类别标签应为 int64（torch.long）或 Python 的 int。"
                 "返回 int(self.labels[index])。")
        if label.ndim != 0:
            fail("", f"{call} returned the label with shape {tuple(label.shape)}; return one number (an int or a 0-d "
                 "tensor), so that a batch of labels has shape (B,), not (B, 1).",
                 f"{call} 返回的标签形状是 {tuple(label.shape)}；请返回一个数（int 或 0 维张量），"
                 "这样一批标签的形状是 (B,)，而不是 (B, 1)。")
        label = int(label.item())
    elif isinstance(label, (bool, np.bool_)):
        fail("", f"{call} returned the label as a bool; return the class index as an int.",
             f"{call} 返回的标签是 bool；请返回整数类别下标。")
    elif isinstance(label, (float, np.floating)):
        fail("", f"{call} returned the label as a Python float ({label!r}). Class labels must be integers: "
             "nn.CrossEntropyLoss wants int64 class indices. Return int(self.labels[index]).",
             f"{call} 返回的标签是 Python 的 float（{label!r}）。类别标签必须是整数："
             "nn.CrossEntropyLoss 要的是 int64 类别下标。返回 int(self.labels[index])。")
    elif not isinstance(label, (int, np.integer)):
        fail("", f"{call} returned the label as a {type(label).__name__}; return an int (or an int64 0-d tensor).",
             f"{call} 返回的标签是 {type(label).__name__}；请返回 int（或 int64 的 0 维张量）。")
    if int(label) != expected:
        fail("", f"{call} returned label {int(label)}, but the label of that image is {expected}. "
             "Use the same index for the image and the label.",
             f"{call} 返回的标签是 {int(label)}，但这张图的标签是 {expected}。图和标签要用同一个下标。")


ITEM_MISTAKES = [
    Mistake(lambda image, transformed: image if transformed else None,
            "returned the image without the transform. When self.transform is not None, return self.transform(image).",
            "返回的图没有经过变换。self.transform 不是 None 时，应返回 self.transform(image)。"),
]
WRONG_PIXELS = {
    False: ("wrong pixels: with transform=None the image must come back unchanged. Check the index you use.",
            "像素不对：transform=None 时图片应原样返回。检查一下你用的下标。"),
    True: ("wrong pixels: apply the transform once, to the image at that index. Check the index you use.",
           "像素不对：对这个下标的图片调用一次变换。检查一下你用的下标。"),
}


def _check_item(item: Any, image: torch.Tensor, label: int, call: str, transformed: bool) -> None:
    """``item`` is the pair (image, label), the image transformed by 2 * x + 1 when ``transformed``."""
    expect_returned(item, call)
    if not isinstance(item, (tuple, list)) or len(item) != 2:
        sized = isinstance(item, (tuple, list))
        fail("", f"{call} should return a pair (image, label), got a {type(item).__name__}"
             + (f" of length {len(item)}" if sized else "") + ". The default collate_fn then turns a batch into "
             "(images, labels).",
             f"{call} 应返回一对 (image, label)，实际得到 {type(item).__name__}" + (f"（长度 {len(item)}）" if sized else "")
             + "。这样默认的 collate_fn 才能把一批样本拼成 (images, labels)。")
    got_image, got_label = item
    if isinstance(got_label, torch.Tensor) and got_label.shape == image.shape:
        fail("", f"{call} seems to return (label, image); the order is (image, label).",
             f"{call} 似乎返回了 (label, image)；顺序应为 (image, label)。")
    if not isinstance(got_image, torch.Tensor):
        fail(call, f"the image should be a torch.Tensor, got a {type(got_image).__name__}.",
             f"图片应是 torch.Tensor，实际得到 {type(got_image).__name__}。")
    if got_image.shape != image.shape:
        fail(call, f"the image should have shape {tuple(image.shape)}, got {tuple(got_image.shape)}. "
             "Return one image, self.images[index], not the whole tensor or a batch.",
             f"图片形状应为 {tuple(image.shape)}，实际是 {tuple(got_image.shape)}。"
             "返回一张图 self.images[index]，而不是整个张量或一批。")
    expected = image * 2 + 1 if transformed else image
    diagnose(got_image, expected, ITEM_MISTAKES, call, image, transformed, atol=1e-8, rtol=1e-5,
             otherwise=WRONG_PIXELS[transformed])
    _check_label(got_label, label, call)


@checker("08.1")
def check_digits_dataset(dataset_class) -> None:
    expect_callable(dataset_class)
    images = torch.rand(7, 1, 8, 8, generator=generator(81))
    labels = torch.tensor([3, 1, 4, 1, 5, 9, 2])
    originals = images.clone()
    dataset = dataset_class(images, labels)
    n = len(dataset)
    if n in (6, 8):
        fail("", f"len(dataset) is {n} for 7 images: an off-by-one. __len__ must return the number of items, "
             "len(self.labels); the DataLoader then asks for the indices 0 .. len-1.",
             f"7 张图，len(dataset) 却是 {n}：差了一个。__len__ 应返回样本个数 len(self.labels)；"
             "DataLoader 会依次请求下标 0 到 len-1。")
    if n != 7:
        fail("", f"len(dataset) should be 7 for 7 images, got {n}. Return len(self.labels).",
             f"7 张图，len(dataset) 应为 7，实际是 {n}。返回 len(self.labels)。")
    for i in range(7):
        _check_item(dataset[i], originals[i], int(labels[i]), f"dataset[{i}]", transformed=False)
    transformed = dataset_class(images, labels, transform=lambda image: image * 2 + 1)
    for i in range(7):
        item = transformed[i]
        if not torch.equal(images, originals):
            fail("", "reading an item changed the stored images in place. A transform must make a new tensor; "
                 "don't modify self.images (no in-place methods ending in `_`, no `+=`).",
                 "读取样本时原地修改了存储的图片。变换要生成新的张量，不要修改 self.images（不要用以 `_` 结尾的原地方法，也不要用 `+=`）。")
        call = f"dataset[{i}] with transform=lambda x: 2 * x + 1"
        _check_item(item, originals[i], int(labels[i]), call, transformed=True)
    batches = list(DataLoader(dataset, batch_size=4))
    x, y = batches[0]
    if len(batches) != 2 or tuple(x.shape) != (4, 1, 8, 8) or y.dtype != torch.int64 or tuple(y.shape) != (4,):
        got = f"{len(batches)} batches, images {tuple(x.shape)}, labels {tuple(y.shape)} {y.dtype}"
        fail("", "a DataLoader with batch_size=4 should give 2 batches, the first with images (4, 1, 8, 8) and int64 "
             f"labels (4,); got {got}.",
             "batch_size=4 的 DataLoader 应给出 2 个批次，第一个的图片为 (4, 1, 8, 8)、标签为 int64 的 (4,)；"
             f"实际得到 {len(batches)} 个批次，图片 {tuple(x.shape)}，标签 {tuple(y.shape)} {y.dtype}。")


# ---------------------------------------------------------------- 08.2


def _sequences(lengths: list[int], seed: int) -> list[tuple[torch.Tensor, int]]:
    g = generator(seed)
    # values in [0.5, 1.5): never 0, so padding is easy to tell apart
    return [(torch.rand(length, generator=g) + 0.5, k % 2) for k, length in enumerate(lengths)]


def _check_padded(padded: Any, batch: list[tuple[torch.Tensor, int]], call: str) -> None:
    """One zero-padded (B, T) tensor, T the longest sequence of this batch."""
    lengths = [len(sequence) for sequence, _ in batch]
    longest, size = max(lengths), len(lengths)
    if not isinstance(padded, torch.Tensor):
        fail(call, f"padded should be one tensor, got a {type(padded).__name__}. Use pad_sequence.",
             f"padded 应是一个张量，实际得到 {type(padded).__name__}。用 pad_sequence。")
    shape = tuple(padded.shape)
    batch_first = padded.ndim == 2 and shape[0] == size
    for wrong, en, zh in (
        (shape == (longest, size) and longest != size,
         f"padded has shape {shape}, that is (T, B). pad_sequence puts time first by default; pass batch_first=True "
         "to get (B, T).",
         f"padded 的形状是 {shape}，即 (T, B)。pad_sequence 默认把时间维放在前面；加上 batch_first=True 才得到 (B, T)。"),
        (batch_first and shape[1] > longest,
         f"padded has shape {shape}, but the longest sequence in this batch has {longest} steps. Pad to the longest "
         "sequence of the BATCH (what pad_sequence does), not to a fixed or global maximum: every extra column is "
         "wasted work.",
         f"padded 的形状是 {shape}，但这个批次里最长的序列只有 {longest} 步。应补齐到**本批**最长的长度"
         "（pad_sequence 就是这样做的），而不是一个固定的或全局的最大长度：多出来的每一列都是白算。"),
        (batch_first and shape[1] < longest,
         f"padded has shape {shape}, so the longest sequence ({longest} steps) was cut. Don't pad to a fixed length: "
         "pad to the longest sequence in the batch.",
         f"padded 的形状是 {shape}，最长的序列（{longest} 步）被截断了。不要补齐到固定长度：应补到本批中最长的序列。"),
        (shape != (size, longest),
         f"padded should have shape ({size}, {longest}), got {shape}.",
         f"padded 的形状应为 ({size}, {longest})，实际是 {shape}。"),
    ):
        if wrong:
            fail(call, en, zh)
    for row, length in enumerate(lengths):
        if not torch.allclose(padded[row, :length].double(), batch[row][0].double()):
            fail(call, f"row {row} of padded does not start with sequence {row}. Keep the order of the batch.",
                 f"padded 的第 {row} 行开头不是第 {row} 条序列。保持批次里的顺序。")
        if length < longest and not torch.all(padded[row, length:] == 0):
            fail(call, f"the padding in row {row} is not 0. Pad with zeros (padding_value=0.0).",
                 f"第 {row} 行补齐的值不是 0。用 0 补齐（padding_value=0.0）。")


def _check_collate_once(pad_collate: Callable, lengths: list[int], seed: int) -> None:
    batch = _sequences(lengths, seed)
    call = f"pad_collate(a batch of {len(lengths)} sequences with lengths {lengths})"
    result = expect_returned(pad_collate(list(batch)), call)
    if isinstance(result, dict):
        fail("", f"{call} returned a dict; this exercise asks for a tuple (padded, lengths, labels).",
             f"{call} 返回了字典；这道题要的是元组 (padded, lengths, labels)。")
    if not isinstance(result, (tuple, list)):
        fail("", f"{call} should return a tuple (padded, lengths, labels), got a {type(result).__name__}.",
             f"{call} 应返回元组 (padded, lengths, labels)，实际得到 {type(result).__name__}。")
    if len(result) == 2:
        fail("", f"{call} returned 2 things; return 3: (padded, lengths, labels). Without the lengths, the model "
             "cannot tell real steps from padding (for masks, or pack_padded_sequence).",
             f"{call} 返回了 2 个值；应返回 3 个：(padded, lengths, labels)。没有长度，模型就分不清真实数据和补齐"
             "（做掩码或 pack_padded_sequence 都要用到）。")
    if len(result) != 3:
        fail("", f"{call} returned {len(result)} things; return exactly (padded, lengths, labels).",
             f"{call} 返回了 {len(result)} 个值；应正好返回 (padded, lengths, labels)。")
    padded, got_lengths, labels = result
    _check_padded(padded, batch, call)
    longest, size = max(lengths), len(lengths)
    if not isinstance(got_lengths, torch.Tensor):
        fail(call, f"lengths should be an int64 tensor, got a {type(got_lengths).__name__}. "
             "Use torch.tensor([len(s) for s in sequences]), so it can be used for masks and moved with .to().",
             f"lengths 应是 int64 张量，实际得到 {type(got_lengths).__name__}。"
             "用 torch.tensor([len(s) for s in sequences])，这样才能用来做掩码，也能 .to() 搬走。")
    if got_lengths.dtype != torch.int64 or tuple(got_lengths.shape) != (size,):
        got = f"{got_lengths.dtype} {tuple(got_lengths.shape)}"
        fail(call, f"lengths should be an int64 tensor of shape ({size},), got {got}.",
             f"lengths 应是形状为 ({size},) 的 int64 张量，实际是 {got}。")
    if got_lengths.tolist() != lengths:
        if len(set(lengths)) > 1 and got_lengths.tolist() == [longest] * size:
            fail(call, f"every length is {longest}: you measured them after padding, when every row is {longest} "
                 "long. Measure len(sequence) before padding.",
                 f"每个长度都是 {longest}：你是在补齐之后量的，那时每一行都是 {longest} 长。要在补齐之前量 len(sequence)。")
        fail(call, f"lengths should be {lengths}, got {got_lengths.tolist()}.",
             f"lengths 应为 {lengths}，实际是 {got_lengths.tolist()}。")
    expected = [label for _, label in batch]
    if not isinstance(labels, torch.Tensor) or labels.dtype != torch.int64 or labels.tolist() != expected:
        tensor = isinstance(labels, torch.Tensor)
        got = labels.tolist() if tensor else labels
        fail(call, f"labels should be the int64 tensor {expected}, got {got!r}" + (f" ({labels.dtype})." if tensor else "."),
             f"labels 应为 int64 张量 {expected}，实际是 {got!r}" + (f"（{labels.dtype}）。" if tensor else "。"))


@checker("08.2")
def check_pad_collate(pad_collate) -> None:
    expect_callable(pad_collate)
    _check_collate_once(pad_collate, [4, 2, 5], seed=82)
    _check_collate_once(pad_collate, [3, 17], seed=83)  # longer than the lesson's walks
    _check_collate_once(pad_collate, [6], seed=84)
    loader = DataLoader(_sequences([5, 3, 8, 2], seed=85), batch_size=2, collate_fn=pad_collate)
    shapes = [tuple(padded.shape) for padded, _, _ in loader]
    if shapes != [(2, 5), (2, 8)]:
        fail("", "inside a DataLoader(batch_size=2, collate_fn=pad_collate) the padded batches should have shapes "
             f"[(2, 5), (2, 8)], got {shapes}.",
             f"在 DataLoader(batch_size=2, collate_fn=pad_collate) 里，补齐后的批次形状应为 [(2, 5), (2, 8)]，实际是 {shapes}。")


# ---------------------------------------------------------------- 08.3

def _relative(weights: torch.Tensor) -> torch.Tensor:
    """The weights divided by the first one: a sampler only sees their ratios."""
    return weights / weights[0]


WEIGHT_MISTAKES = [
    Mistake(lambda labels: torch.ones(len(labels), dtype=torch.float64),
            "every sample got the same weight, which is just uniform sampling: the rare classes stay rare. "
            "Give each sample 1 / (number of samples of its class).",
            "每个样本的权重都一样，这就是普通的均匀抽样，稀有类仍然稀有。每个样本的权重应为 1 / 它所在类的样本数。"),
    Mistake(lambda labels: _relative(torch.bincount(labels).double()[labels]),
            "the weights grow with the class size, so the common classes are drawn even more often. "
            "Invert them: weight = 1 / count of the sample's class.",
            "权重随类的大小增长，常见的类反而被抽得更多。要取倒数：权重 = 1 / 样本所在类的数量。"),
]


def _check_weights_once(sample_weights: Callable, labels: torch.Tensor) -> None:
    call = f"sample_weights(labels with class counts {torch.bincount(labels).tolist()})"
    before = labels.clone()
    result = expect_returned(sample_weights(labels), call)
    if not torch.equal(labels, before):
        fail("", f"{call} changed the labels in place; compute new tensors instead.",
             f"{call} 原地修改了 labels；请计算新的张量。")
    try:
        weights = torch.as_tensor(result, dtype=torch.float64).flatten()
    except (TypeError, ValueError, RuntimeError):
        fail("", f"{call} should return a 1-D tensor of weights, got a {type(result).__name__}.",
             f"{call} 应返回一维的权重张量，实际得到 {type(result).__name__}。")
    n, got = len(labels), len(weights)
    if got != n and got in {len(labels.unique()), int(labels.max()) + 1}:
        fail("", f"{call} returned {got} numbers, one per CLASS. WeightedRandomSampler needs one weight per SAMPLE "
             f"({n} here): given per-class weights it would only ever draw the indices 0..{got - 1}. "
             "Index the class weights with the labels: class_weights[labels].",
             f"{call} 返回了 {got} 个数，即每个**类**一个。WeightedRandomSampler 要的是每个**样本**一个权重"
             f"（这里是 {n} 个）：给它每类的权重，它只会抽下标 0 到 {got - 1}。用标签去索引每类的权重：class_weights[labels]。")
    if got != n:
        fail("", f"{call} should return one weight per sample ({n} numbers), got {got}.",
             f"{call} 应为每个样本返回一个权重（{n} 个数），实际得到 {got} 个。")
    if not torch.all(torch.isfinite(weights)) or not torch.all(weights > 0):
        low, high = f"{weights.min().item():.4g}", f"{weights.max().item():.4g}"
        fail(call, f"every weight must be a positive, finite number; got {low} to {high}.",
             f"每个权重都必须是有限的正数；实际范围 {low} 到 {high}。")
    totals = torch.bincount(labels, weights)[labels.unique()]
    if torch.allclose(totals, totals.mean().expand_as(totals), rtol=1e-6):
        return  # the pass test: equal totals per class; below, only which hint to give (None never matches)
    rounded = [round(t, 4) for t in totals.tolist()]
    diagnose(_relative(weights), None, WEIGHT_MISTAKES, call, labels, atol=1e-8, rtol=1e-5,
             otherwise=("the weights of each class should add up to the same total (so that every class is drawn "
                        "equally often); got per-class totals {rounded}. Use 1 / count[label].",
                        "每个类的权重之和应该相等（这样每个类被抽到的机会相等）；实际每类的总和是 {rounded}。"
                        "用 1 / count[label]。"),
             rounded=rounded)


@checker("08.3")
def check_sample_weights(sample_weights) -> None:
    expect_callable(sample_weights)
    g = generator(86)
    first = torch.tensor([0] * 6 + [1] * 3 + [3])  # class 2 is missing
    _check_weights_once(sample_weights, first[torch.randperm(len(first), generator=g)])
    second = torch.repeat_interleave(torch.arange(5), torch.tensor([50, 20, 5, 1, 24]))
    _check_weights_once(sample_weights, second[torch.randperm(len(second), generator=g)])


# ---------------------------------------------------------------- 08.4


def _epoch(loader: Any, batch_size: int, call: str) -> list[int]:
    order: list[int] = []
    for batch in loader:
        values = torch.as_tensor(batch[0] if isinstance(batch, (tuple, list)) else batch).flatten()
        if len(values) > batch_size:
            fail(call, f"a batch has {len(values)} items; pass batch_size={batch_size} to the DataLoader.",
                 f"一个批次有 {len(values)} 个样本；应把 batch_size={batch_size} 传给 DataLoader。")
        order.extend(int(v) for v in values)
    return order


@checker("08.4")
def check_make_loader(make_loader) -> None:
    expect_callable(make_loader)
    n, batch_size = 20, 4
    dataset = TensorDataset(torch.arange(n))
    call = f"make_loader(dataset of {n} items, batch_size={batch_size}, seed=0)"
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(1234)
        loader_a = expect_returned(make_loader(dataset, batch_size, 0), call)
        loader_b = make_loader(dataset, batch_size, 0)
        first_a = _epoch(loader_a, batch_size, call)
        if sorted(first_a) != list(range(n)):
            fail(call, f"one epoch should yield every item exactly once; got {len(first_a)} items, "
                 f"{len(set(first_a))} different. Use shuffle=True (not a sampler with replacement) and keep "
                 "drop_last=False.",
                 f"一个 epoch 应把每个样本恰好取一次；实际取了 {len(first_a)} 个，其中 {len(set(first_a))} 个不同。"
                 "用 shuffle=True（不要用有放回的采样器），并保持 drop_last=False。")
        if first_a == list(range(n)):
            fail("", f"{call} does not shuffle: the items come in order 0, 1, 2, ... Pass shuffle=True.",
                 f"{call} 没有打乱：样本按 0, 1, 2, …… 的顺序出来。加上 shuffle=True。")
        first_b, second_a, second_b = (_epoch(loader, batch_size, call) for loader in (loader_b, loader_a, loader_b))
        other = _epoch(make_loader(dataset, batch_size, 1), batch_size, call)
    if first_a != first_b or second_a != second_b:
        shared = getattr(loader_a, "generator", None)
        if shared is torch.default_generator:
            why = ("torch.manual_seed(seed) returns the GLOBAL generator, which every other random call also draws "
                   "from. Give the loader its own: generator=torch.Generator().manual_seed(seed).",
                   "torch.manual_seed(seed) 返回的是**全局**生成器，其他所有随机操作也从它取数。"
                   "给 loader 一个自己的：generator=torch.Generator().manual_seed(seed)。")
        elif shared is None:
            why = ("Without a generator, the DataLoader draws its shuffling seed from the global RNG when an epoch "
                   "STARTS, so torch.manual_seed(seed) in the factory is undone by any random call in between (here: "
                   "creating the other loader). Pass generator=torch.Generator().manual_seed(seed) to the DataLoader.",
                   "没有 generator 时，DataLoader 在每个 epoch **开始时**才从全局随机数生成器取打乱的种子，所以在工厂函数里"
                   "调用 torch.manual_seed(seed) 会被中间的任何随机操作打乱（这里是创建另一个 loader）。"
                   "给 DataLoader 传入 generator=torch.Generator().manual_seed(seed)。")
        else:
            why = ("Create a new torch.Generator().manual_seed(seed) inside the function for each loader; don't share "
                   "one between loaders.",
                   "在函数里为每个 loader 新建一个 torch.Generator().manual_seed(seed)；不要让几个 loader 共用一个。")
        fail("", f"two loaders made with the same seed gave different orders. {why[0]}",
             f"用同一个种子创建的两个 loader 给出了不同的顺序。{why[1]}")
    if first_a == second_a:
        fail("", f"{call} gives the same order in every epoch. Let the DataLoader shuffle (shuffle=True with a seeded "
             "generator): each epoch then gets a new order, and the whole sequence of epochs still repeats.",
             f"{call} 每个 epoch 的顺序都一样。让 DataLoader 自己打乱（shuffle=True 加带种子的 generator）："
             "这样每个 epoch 顺序不同，而整个 epoch 序列仍然可以复现。")
    if other == first_a:
        fail("", "seeds 0 and 1 gave the same order: the seed argument is not used. "
             "Seed the generator with it: torch.Generator().manual_seed(seed).",
             "种子 0 和 1 给出了相同的顺序：参数 seed 没有用上。用它给生成器设种子：torch.Generator().manual_seed(seed)。")


# ---------------------------------------------------------------- 08.5


def _items(part: Any) -> list[int]:
    return [int(torch.as_tensor(part[i][0] if isinstance(part[i], (tuple, list)) else part[i])) for i in range(len(part))]


def _check_split_once(split_train_val: Callable, dataset: TensorDataset, fraction: float) -> None:
    n = len(dataset)
    call = f"split_train_val(dataset of {n} items, val_fraction={fraction}, seed=0)"
    result = expect_returned(split_train_val(dataset, fraction, 0), call)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        fail("", f"{call} should return a pair (train, val).", f"{call} 应返回一对 (train, val)。")
    train, val = result
    sizes = {math.floor(n * fraction), math.ceil(n * fraction)}
    if len(train) in sizes and len(val) == n - len(train) and len(val) not in sizes:
        fail("", f"{call} returned {len(train)} training and {len(val)} validation items: swapped. "
             "Return (train, val), with val_fraction of the items in val.",
             f"{call} 返回了 {len(train)} 个训练样本和 {len(val)} 个验证样本：顺序反了。返回 (train, val)，验证集占 val_fraction。")
    if len(val) not in sizes or len(train) + len(val) != n:
        fail(call, f"expected {n - min(sizes)} training and {min(sizes)} validation items, "
             f"got {len(train)} and {len(val)}.",
             f"应有 {n - min(sizes)} 个训练样本和 {min(sizes)} 个验证样本，实际是 {len(train)} 和 {len(val)}。")
    train_items, val_items = _items(train), _items(val)
    if sorted(train_items + val_items) != list(range(n)):
        fail(call, "together, train and val must hold every item exactly once (no overlap).",
             "train 和 val 合起来要恰好包含每个样本一次（不能重叠）。")
    low, high = val_items[0], val_items[-1]
    if val_items == sorted(val_items) and (low == 0 or high == n - 1) and high - low == len(val_items) - 1:
        fail(call, f"the validation set is a contiguous slice ({low}..{high}). Data is often sorted (by class, by "
             "date...), so split at random: random_split.",
             f"验证集是一段连续的切片（{low}..{high}）。数据往往是排过序的（按类别、按日期……），所以要随机划分：random_split。")


@checker("08.5")
def check_split_train_val(split_train_val) -> None:
    expect_callable(split_train_val)
    dataset = TensorDataset(torch.arange(50))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(4321)
        for fraction in (0.2, 0.25):
            _check_split_once(split_train_val, dataset, fraction)
        torch.manual_seed(2024)  # a state the function cannot reach by seeding with 0
        state = torch.get_rng_state()
        _, val_1 = split_train_val(dataset, 0.2, 0)
        state_changed = not torch.equal(state, torch.get_rng_state())
        torch.rand(5)  # something else uses random numbers in between
        _, val_2 = split_train_val(dataset, 0.2, 0)
        _, val_3 = split_train_val(dataset, 0.2, 1)
    if _items(val_1) != _items(val_2):
        fail("", "two calls with seed=0 gave different validation sets, so the validation set would change from run "
             "to run and mix with training data. Pass generator=torch.Generator().manual_seed(seed) to random_split.",
             "两次用 seed=0 调用，得到的验证集不同：每次运行验证集都会变，还会混进训练过的样本。"
             "给 random_split 传入 generator=torch.Generator().manual_seed(seed)。")
    if state_changed:
        fail("", "the split is reproducible, but the function changed the GLOBAL random state (torch.manual_seed?). "
             "That silently resets every other random thing in the program (model initialisation, shuffling, "
             "dropout). Use a private generator: random_split(..., generator=torch.Generator().manual_seed(seed)).",
             "划分可以复现，但这个函数改变了**全局**随机状态（用了 torch.manual_seed？）。这会悄悄重置程序里其他所有随机的东西"
             "（模型初始化、打乱、dropout）。用一个私有的生成器：random_split(..., generator=torch.Generator().manual_seed(seed))。")
    if _items(val_1) == _items(val_3):
        fail("", "seeds 0 and 1 gave the same split: the seed argument is not used.",
             "种子 0 和 1 给出了相同的划分：参数 seed 没有用上。")
