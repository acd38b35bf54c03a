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

from .core import CheckFailed, exercise
from .helpers import expect_callable, expect_returned, generator

CHAPTER = "08_data"


# ---------------------------------------------------------------- 08.1


def _check_label(label: Any, expected: int, call: str) -> None:
    if isinstance(label, torch.Tensor):
        if label.is_floating_point():
            raise CheckFailed(
                f"{call} returned the label as a {label.dtype} tensor. Class labels must be integers "
                "(int64 after batching): nn.CrossEntropyLoss wants class indices, and float labels make it fail "
                "or treat them as probabilities. Return int(self.labels[index]).",
                f"{call} 返回的标签是 {label.dtype} 张量。类别标签必须是整数（拼成批次后是 int64）："
                "nn.CrossEntropyLoss 要的是类别下标，浮点标签会让它报错或被当成概率。返回 int(self.labels[index])。",
            )
        if label.dtype != torch.int64:
            raise CheckFailed(
                f"{call} returned the label as a {label.dtype} tensor; class labels should be int64 "
                "(torch.long), or a plain Python int. Return int(self.labels[index]).",
                f"{call} 返回的标签是 {label.dtype} 张量；类别标签应为 int64（torch.long）或 Python 的 int。"
                "返回 int(self.labels[index])。",
            )
        if label.ndim != 0:
            raise CheckFailed(
                f"{call} returned the label with shape {tuple(label.shape)}; return one number "
                "(an int or a 0-d tensor), so that a batch of labels has shape (B,), not (B, 1).",
                f"{call} 返回的标签形状是 {tuple(label.shape)}；请返回一个数（int 或 0 维张量），"
                "这样一批标签的形状是 (B,)，而不是 (B, 1)。",
            )
        value = int(label.item())
    elif isinstance(label, (bool, np.bool_)):
        raise CheckFailed(
            f"{call} returned the label as a bool; return the class index as an int.",
            f"{call} 返回的标签是 bool；请返回整数类别下标。",
        )
    elif isinstance(label, (int, np.integer)):
        value = int(label)
    elif isinstance(label, (float, np.floating)):
        raise CheckFailed(
            f"{call} returned the label as a Python float ({label!r}). Class labels must be integers: "
            "nn.CrossEntropyLoss wants int64 class indices. Return int(self.labels[index]).",
            f"{call} 返回的标签是 Python 的 float（{label!r}）。类别标签必须是整数："
            "nn.CrossEntropyLoss 要的是 int64 类别下标。返回 int(self.labels[index])。",
        )
    else:
        raise CheckFailed(
            f"{call} returned the label as a {type(label).__name__}; return an int (or an int64 0-d tensor).",
            f"{call} 返回的标签是 {type(label).__name__}；请返回 int（或 int64 的 0 维张量）。",
        )
    if value != expected:
        raise CheckFailed(
            f"{call} returned label {value}, but the label of that image is {expected}. "
            "Use the same index for the image and the label.",
            f"{call} 返回的标签是 {value}，但这张图的标签是 {expected}。图和标签要用同一个下标。",
        )


def _check_item(item: Any, image: torch.Tensor, label: int, call: str, transformed: bool) -> None:
    expect_returned(item, call)
    if not isinstance(item, (tuple, list)) or len(item) != 2:
        raise CheckFailed(
            f"{call} should return a pair (image, label), got a {type(item).__name__}"
            + (f" of length {len(item)}" if isinstance(item, (tuple, list)) else "")
            + ". The default collate_fn then turns a batch into (images, labels).",
            f"{call} 应返回一对 (image, label)，实际得到 {type(item).__name__}"
            + (f"（长度 {len(item)}）" if isinstance(item, (tuple, list)) else "")
            + "。这样默认的 collate_fn 才能把一批样本拼成 (images, labels)。",
        )
    got_image, got_label = item
    if isinstance(got_label, torch.Tensor) and got_label.shape == image.shape:
        raise CheckFailed(
            f"{call} seems to return (label, image); the order is (image, label).",
            f"{call} 似乎返回了 (label, image)；顺序应为 (image, label)。",
        )
    if not isinstance(got_image, torch.Tensor):
        raise CheckFailed(
            f"{call}: the image should be a torch.Tensor, got a {type(got_image).__name__}.",
            f"{call}：图片应是 torch.Tensor，实际得到 {type(got_image).__name__}。",
        )
    if got_image.shape != image.shape:
        raise CheckFailed(
            f"{call}: the image should have shape {tuple(image.shape)}, got {tuple(got_image.shape)}. "
            "Return one image, self.images[index], not the whole tensor or a batch.",
            f"{call}：图片形状应为 {tuple(image.shape)}，实际是 {tuple(got_image.shape)}。"
            "返回一张图 self.images[index]，而不是整个张量或一批。",
        )
    if transformed:
        expected = image * 2 + 1
        if torch.allclose(got_image, image):
            raise CheckFailed(
                f"{call} returned the image without the transform. When self.transform is not None, "
                "return self.transform(image).",
                f"{call} 返回的图没有经过变换。self.transform 不是 None 时，应返回 self.transform(image)。",
            )
    else:
        expected = image
    if not torch.allclose(got_image, expected):
        raise CheckFailed(
            f"{call} returned the wrong pixels"
            + (": with transform=None the image must come back unchanged." if not transformed else
               ": apply the transform once, to the image at that index.")
            + " Check the index you use.",
            f"{call} 返回的像素不对"
            + ("：transform=None 时图片应原样返回。" if not transformed else "：对这个下标的图片调用一次变换。")
            + "检查一下你用的下标。",
        )
    _check_label(got_label, label, call)


@exercise("08.1", CHAPTER, "a Dataset with a transform", "带变换的 Dataset")
def check_digits_dataset(dataset_class) -> None:
    expect_callable(dataset_class)
    g = generator(81)
    images = torch.rand(7, 1, 8, 8, generator=g)
    labels = torch.tensor([3, 1, 4, 1, 5, 9, 2])
    originals = images.clone()

    dataset = dataset_class(images, labels)
    n = len(dataset)
    if n in (6, 8):
        raise CheckFailed(
            f"len(dataset) is {n} for 7 images: an off-by-one. __len__ must return the number of items, "
            "len(self.labels); the DataLoader then asks for the indices 0 .. len-1.",
            f"7 张图，len(dataset) 却是 {n}：差了一个。__len__ 应返回样本个数 len(self.labels)；"
            "DataLoader 会依次请求下标 0 到 len-1。",
        )
    if n != 7:
        raise CheckFailed(
            f"len(dataset) should be 7 for 7 images, got {n}. Return len(self.labels).",
            f"7 张图，len(dataset) 应为 7，实际是 {n}。返回 len(self.labels)。",
        )
    for i in range(7):
        _check_item(dataset[i], originals[i], int(labels[i]), f"dataset[{i}]", transformed=False)

    transformed = dataset_class(images, labels, transform=lambda image: image * 2 + 1)
    for i in range(7):
        item = transformed[i]
        if not torch.equal(images, originals):
            raise CheckFailed(
                "reading an item changed the stored images in place. A transform must make a new tensor; "
                "don't modify self.images (no in-place methods ending in `_`, no `+=`).",
                "读取样本时原地修改了存储的图片。变换要生成新的张量，不要修改 self.images（不要用以 `_` 结尾的原地方法，也不要用 `+=`）。",
            )
        _check_item(item, originals[i], int(labels[i]), f"dataset[{i}] with transform=lambda x: 2 * x + 1", transformed=True)

    batches = list(DataLoader(dataset, batch_size=4))
    x, y = batches[0]
    if len(batches) != 2 or tuple(x.shape) != (4, 1, 8, 8) or y.dtype != torch.int64 or tuple(y.shape) != (4,):
        raise CheckFailed(
            f"a DataLoader with batch_size=4 should give 2 batches, the first with images (4, 1, 8, 8) and "
            f"int64 labels (4,); got {len(batches)} batches, images {tuple(x.shape)}, labels {tuple(y.shape)} {y.dtype}.",
            f"batch_size=4 的 DataLoader 应给出 2 个批次，第一个的图片为 (4, 1, 8, 8)、标签为 int64 的 (4,)；"
            f"实际得到 {len(batches)} 个批次，图片 {tuple(x.shape)}，标签 {tuple(y.shape)} {y.dtype}。",
        )


# ---------------------------------------------------------------- 08.2


def _sequences(lengths: list[int], seed: int) -> list[tuple[torch.Tensor, int]]:
    g = generator(seed)
    # values in [0.5, 1.5): never 0, so padding is easy to tell apart
    return [(torch.rand(length, generator=g) + 0.5, k % 2) for k, length in enumerate(lengths)]


def _check_collate_once(pad_collate: Callable, lengths: list[int], seed: int) -> None:
    batch = _sequences(lengths, seed)
    call = f"pad_collate(a batch of {len(lengths)} sequences with lengths {lengths})"
    result = expect_returned(pad_collate(list(batch)), call)
    if isinstance(result, dict):
        raise CheckFailed(
            f"{call} returned a dict; this exercise asks for a tuple (padded, lengths, labels).",
            f"{call} 返回了字典；这道题要的是元组 (padded, lengths, labels)。",
        )
    if not isinstance(result, (tuple, list)):
        raise CheckFailed(
            f"{call} should return a tuple (padded, lengths, labels), got a {type(result).__name__}.",
            f"{call} 应返回元组 (padded, lengths, labels)，实际得到 {type(result).__name__}。",
        )
    if len(result) == 2:
        raise CheckFailed(
            f"{call} returned 2 things; return 3: (padded, lengths, labels). Without the lengths, the model "
            "cannot tell real steps from padding (for masks, or pack_padded_sequence).",
            f"{call} 返回了 2 个值；应返回 3 个：(padded, lengths, labels)。没有长度，模型就分不清真实数据和补齐"
            "（做掩码或 pack_padded_sequence 都要用到）。",
        )
    if len(result) != 3:
        raise CheckFailed(
            f"{call} returned {len(result)} things; return exactly (padded, lengths, labels).",
            f"{call} 返回了 {len(result)} 个值；应正好返回 (padded, lengths, labels)。",
        )
    padded, got_lengths, labels = result
    longest, size = max(lengths), len(lengths)
    if not isinstance(padded, torch.Tensor):
        raise CheckFailed(
            f"{call}: padded should be one tensor, got a {type(padded).__name__}. Use pad_sequence.",
            f"{call}：padded 应是一个张量，实际得到 {type(padded).__name__}。用 pad_sequence。",
        )
    if tuple(padded.shape) == (longest, size) and longest != size:
        raise CheckFailed(
            f"{call}: padded has shape {tuple(padded.shape)}, that is (T, B). pad_sequence puts time first by "
            "default; pass batch_first=True to get (B, T).",
            f"{call}：padded 的形状是 {tuple(padded.shape)}，即 (T, B)。pad_sequence 默认把时间维放在前面；"
            "加上 batch_first=True 才得到 (B, T)。",
        )
    if padded.ndim == 2 and padded.shape[0] == size and padded.shape[1] > longest:
        raise CheckFailed(
            f"{call}: padded has shape {tuple(padded.shape)}, but the longest sequence in this batch has "
            f"{longest} steps. Pad to the longest sequence of the BATCH (what pad_sequence does), "
            "not to a fixed or global maximum: every extra column is wasted work.",
            f"{call}：padded 的形状是 {tuple(padded.shape)}，但这个批次里最长的序列只有 {longest} 步。"
            "应补齐到**本批**最长的长度（pad_sequence 就是这样做的），而不是一个固定的或全局的最大长度：多出来的每一列都是白算。",
        )
    if padded.ndim == 2 and padded.shape[0] == size and padded.shape[1] < longest:
        raise CheckFailed(
            f"{call}: padded has shape {tuple(padded.shape)}, so the longest sequence ({longest} steps) was cut. "
            "Don't pad to a fixed length: pad to the longest sequence in the batch.",
            f"{call}：padded 的形状是 {tuple(padded.shape)}，最长的序列（{longest} 步）被截断了。"
            "不要补齐到固定长度：应补到本批中最长的序列。",
        )
    if tuple(padded.shape) != (size, longest):
        raise CheckFailed(
            f"{call}: padded should have shape ({size}, {longest}), got {tuple(padded.shape)}.",
            f"{call}：padded 的形状应为 ({size}, {longest})，实际是 {tuple(padded.shape)}。",
        )
    for row, (sequence, _) in enumerate(batch):
        length = len(sequence)
        if not torch.allclose(padded[row, :length].double(), sequence.double()):
            raise CheckFailed(
                f"{call}: row {row} of padded does not start with sequence {row}. Keep the order of the batch.",
                f"{call}：padded 的第 {row} 行开头不是第 {row} 条序列。保持批次里的顺序。",
            )
        if length < longest and not torch.all(padded[row, length:] == 0):
            raise CheckFailed(
                f"{call}: the padding in row {row} is not 0. Pad with zeros (padding_value=0.0).",
                f"{call}：第 {row} 行补齐的值不是 0。用 0 补齐（padding_value=0.0）。",
            )
    if not isinstance(got_lengths, torch.Tensor):
        raise CheckFailed(
            f"{call}: lengths should be an int64 tensor, got a {type(got_lengths).__name__}. "
            "Use torch.tensor([len(s) for s in sequences]), so it can be used for masks and moved with .to().",
            f"{call}：lengths 应是 int64 张量，实际得到 {type(got_lengths).__name__}。"
            "用 torch.tensor([len(s) for s in sequences])，这样才能用来做掩码，也能 .to() 搬走。",
        )
    if got_lengths.dtype != torch.int64 or tuple(got_lengths.shape) != (size,):
        raise CheckFailed(
            f"{call}: lengths should be an int64 tensor of shape ({size},), got {got_lengths.dtype} {tuple(got_lengths.shape)}.",
            f"{call}：lengths 应是形状为 ({size},) 的 int64 张量，实际是 {got_lengths.dtype} {tuple(got_lengths.shape)}。",
        )
    if got_lengths.tolist() != lengths:
        if len(set(lengths)) > 1 and got_lengths.tolist() == [longest] * size:
            raise CheckFailed(
                f"{call}: every length is {longest}: you measured them after padding, when every row is {longest} "
                "long. Measure len(sequence) before padding.",
                f"{call}：每个长度都是 {longest}：你是在补齐之后量的，那时每一行都是 {longest} 长。要在补齐之前量 len(sequence)。",
            )
        raise CheckFailed(
            f"{call}: lengths should be {lengths}, got {got_lengths.tolist()}.",
            f"{call}：lengths 应为 {lengths}，实际是 {got_lengths.tolist()}。",
        )
    expected_labels = [label for _, label in batch]
    if not isinstance(labels, torch.Tensor) or labels.dtype != torch.int64 or labels.tolist() != expected_labels:
        got = labels.tolist() if isinstance(labels, torch.Tensor) else labels
        raise CheckFailed(
            f"{call}: labels should be the int64 tensor {expected_labels}, got {got!r}"
            + (f" ({labels.dtype})" if isinstance(labels, torch.Tensor) else "") + ".",
            f"{call}：labels 应为 int64 张量 {expected_labels}，实际是 {got!r}"
            + (f"（{labels.dtype}）" if isinstance(labels, torch.Tensor) else "") + "。",
        )


@exercise("08.2", CHAPTER, "pad a batch of sequences", "补齐一批变长序列")
def check_pad_collate(pad_collate) -> None:
    expect_callable(pad_collate)
    _check_collate_once(pad_collate, [4, 2, 5], seed=82)
    _check_collate_once(pad_collate, [3, 17], seed=83)  # longer than the lesson's walks
    _check_collate_once(pad_collate, [6], seed=84)
    loader = DataLoader(_sequences([5, 3, 8, 2], seed=85), batch_size=2, collate_fn=pad_collate)
    shapes = [tuple(padded.shape) for padded, _, _ in loader]
    if shapes != [(2, 5), (2, 8)]:
        raise CheckFailed(
            f"inside a DataLoader(batch_size=2, collate_fn=pad_collate) the padded batches should have shapes "
            f"[(2, 5), (2, 8)], got {shapes}.",
            f"在 DataLoader(batch_size=2, collate_fn=pad_collate) 里，补齐后的批次形状应为 [(2, 5), (2, 8)]，实际是 {shapes}。",
        )


# ---------------------------------------------------------------- 08.3


def _check_weights_once(sample_weights: Callable, labels: torch.Tensor) -> None:
    call = f"sample_weights(labels with class counts {torch.bincount(labels).tolist()})"
    before = labels.clone()
    result = expect_returned(sample_weights(labels), call)
    if not torch.equal(labels, before):
        raise CheckFailed(
            f"{call} changed the labels in place; compute new tensors instead.",
            f"{call} 原地修改了 labels；请计算新的张量。",
        )
    try:
        weights = torch.as_tensor(result, dtype=torch.float64).flatten()
    except (TypeError, ValueError, RuntimeError):
        raise CheckFailed(
            f"{call} should return a 1-D tensor of weights, got a {type(result).__name__}.",
            f"{call} 应返回一维的权重张量，实际得到 {type(result).__name__}。",
        ) from None
    present = labels.unique()
    if len(weights) != len(labels) and len(weights) in {len(present), int(labels.max()) + 1}:
        raise CheckFailed(
            f"{call} returned {len(weights)} numbers, one per CLASS. WeightedRandomSampler needs one weight per "
            f"SAMPLE ({len(labels)} here): given per-class weights it would only ever draw the indices "
            f"0..{len(weights) - 1}. Index the class weights with the labels: class_weights[labels].",
            f"{call} 返回了 {len(weights)} 个数，即每个**类**一个。WeightedRandomSampler 要的是每个**样本**一个权重"
            f"（这里是 {len(labels)} 个）：给它每类的权重，它只会抽下标 0 到 {len(weights) - 1}。"
            "用标签去索引每类的权重：class_weights[labels]。",
        )
    if len(weights) != len(labels):
        raise CheckFailed(
            f"{call} should return one weight per sample ({len(labels)} numbers), got {len(weights)}.",
            f"{call} 应为每个样本返回一个权重（{len(labels)} 个数），实际得到 {len(weights)} 个。",
        )
    if not torch.all(torch.isfinite(weights)) or not torch.all(weights > 0):
        raise CheckFailed(
            f"{call}: every weight must be a positive, finite number; got {weights.min().item():.4g} to {weights.max().item():.4g}.",
            f"{call}：每个权重都必须是有限的正数；实际范围 {weights.min().item():.4g} 到 {weights.max().item():.4g}。",
        )
    counts = torch.bincount(labels).double()
    totals = torch.bincount(labels, weights)[present]
    if torch.allclose(totals, totals.mean().expand_as(totals), rtol=1e-6):
        return
    if torch.allclose(weights, weights[0].expand_as(weights)):
        raise CheckFailed(
            f"{call}: every sample got the same weight, which is just uniform sampling: the rare classes stay rare. "
            "Give each sample 1 / (number of samples of its class).",
            f"{call}：每个样本的权重都一样，这就是普通的均匀抽样，稀有类仍然稀有。每个样本的权重应为 1 / 它所在类的样本数。",
        )
    ratio = weights / counts[labels]
    if torch.allclose(ratio, ratio[0].expand_as(ratio)):
        raise CheckFailed(
            f"{call}: the weights grow with the class size, so the common classes are drawn even more often. "
            "Invert them: weight = 1 / count of the sample's class.",
            f"{call}：权重随类的大小增长，常见的类反而被抽得更多。要取倒数：权重 = 1 / 样本所在类的数量。",
        )
    raise CheckFailed(
        f"{call}: the weights of each class should add up to the same total (so that every class is drawn "
        f"equally often); got per-class totals {[round(t, 4) for t in totals.tolist()]}. Use 1 / count[label].",
        f"{call}：每个类的权重之和应该相等（这样每个类被抽到的机会相等）；实际每类的总和是 "
        f"{[round(t, 4) for t in totals.tolist()]}。用 1 / count[label]。",
    )


@exercise("08.3", CHAPTER, "weights for WeightedRandomSampler", "WeightedRandomSampler 的权重")
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
        values = batch[0] if isinstance(batch, (tuple, list)) else batch
        values = torch.as_tensor(values).flatten()
        if len(values) > batch_size:
            raise CheckFailed(
                f"{call}: a batch has {len(values)} items; pass batch_size={batch_size} to the DataLoader.",
                f"{call}：一个批次有 {len(values)} 个样本；应把 batch_size={batch_size} 传给 DataLoader。",
            )
        order.extend(int(v) for v in values)
    return order


@exercise("08.4", CHAPTER, "a reproducible shuffling DataLoader", "可复现的打乱 DataLoader")
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
            raise CheckFailed(
                f"{call}: one epoch should yield every item exactly once; got {len(first_a)} items, "
                f"{len(set(first_a))} different. Use shuffle=True (not a sampler with replacement) and keep drop_last=False.",
                f"{call}：一个 epoch 应把每个样本恰好取一次；实际取了 {len(first_a)} 个，其中 {len(set(first_a))} 个不同。"
                "用 shuffle=True（不要用有放回的采样器），并保持 drop_last=False。",
            )
        if first_a == list(range(n)):
            raise CheckFailed(
                f"{call} does not shuffle: the items come in order 0, 1, 2, ... Pass shuffle=True.",
                f"{call} 没有打乱：样本按 0, 1, 2, …… 的顺序出来。加上 shuffle=True。",
            )
        first_b = _epoch(loader_b, batch_size, call)
        second_a = _epoch(loader_a, batch_size, call)
        second_b = _epoch(loader_b, batch_size, call)
        other = _epoch(make_loader(dataset, batch_size, 1), batch_size, call)
    if first_a != first_b or second_a != second_b:
        generator = getattr(loader_a, "generator", None)
        if generator is torch.default_generator:
            raise CheckFailed(
                "two loaders made with the same seed gave different orders. torch.manual_seed(seed) returns the "
                "GLOBAL generator, which every other random call also draws from. Give the loader its own: "
                "generator=torch.Generator().manual_seed(seed).",
                "用同一个种子创建的两个 loader 给出了不同的顺序。torch.manual_seed(seed) 返回的是**全局**生成器，"
                "其他所有随机操作也从它取数。给 loader 一个自己的：generator=torch.Generator().manual_seed(seed)。",
            )
        if generator is None:
            raise CheckFailed(
                "two loaders made with the same seed gave different orders. Without a generator, the DataLoader "
                "draws its shuffling seed from the global RNG when an epoch STARTS, so torch.manual_seed(seed) in the "
                "factory is undone by any random call in between (here: creating the other loader). Pass "
                "generator=torch.Generator().manual_seed(seed) to the DataLoader.",
                "用同一个种子创建的两个 loader 给出了不同的顺序。没有 generator 时，DataLoader 在每个 epoch **开始时**"
                "才从全局随机数生成器取打乱的种子，所以在工厂函数里调用 torch.manual_seed(seed) 会被中间的任何随机操作"
                "打乱（这里是创建另一个 loader）。给 DataLoader 传入 generator=torch.Generator().manual_seed(seed)。",
            )
        raise CheckFailed(
            "two loaders made with the same seed gave different orders. Create a new "
            "torch.Generator().manual_seed(seed) inside the function for each loader; don't share one between loaders.",
            "用同一个种子创建的两个 loader 给出了不同的顺序。在函数里为每个 loader 新建一个 "
            "torch.Generator().manual_seed(seed)；不要让几个 loader 共用一个。",
        )
    if first_a == second_a:
        raise CheckFailed(
            f"{call} gives the same order in every epoch. Let the DataLoader shuffle (shuffle=True with a seeded "
            "generator): each epoch then gets a new order, and the whole sequence of epochs still repeats.",
            f"{call} 每个 epoch 的顺序都一样。让 DataLoader 自己打乱（shuffle=True 加带种子的 generator）："
            "这样每个 epoch 顺序不同，而整个 epoch 序列仍然可以复现。",
        )
    if other == first_a:
        raise CheckFailed(
            "seeds 0 and 1 gave the same order: the seed argument is not used. "
            "Seed the generator with it: torch.Generator().manual_seed(seed).",
            "种子 0 和 1 给出了相同的顺序：参数 seed 没有用上。用它给生成器设种子：torch.Generator().manual_seed(seed)。",
        )


# ---------------------------------------------------------------- 08.5


def _items(part: Any) -> list[int]:
    return [int(torch.as_tensor(part[i][0] if isinstance(part[i], (tuple, list)) else part[i])) for i in range(len(part))]


@exercise("08.5", CHAPTER, "a reproducible train/validation split", "可复现的训练/验证划分")
def check_split_train_val(split_train_val) -> None:
    expect_callable(split_train_val)
    n = 50
    dataset = TensorDataset(torch.arange(n))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(4321)
        for fraction in (0.2, 0.25):
            call = f"split_train_val(dataset of {n} items, val_fraction={fraction}, seed=0)"
            result = expect_returned(split_train_val(dataset, fraction, 0), call)
            if not isinstance(result, (tuple, list)) or len(result) != 2:
                raise CheckFailed(
                    f"{call} should return a pair (train, val).",
                    f"{call} 应返回一对 (train, val)。",
                )
            train, val = result
            sizes = {math.floor(n * fraction), math.ceil(n * fraction)}
            if len(train) in sizes and len(val) == n - len(train) and len(val) not in sizes:
                raise CheckFailed(
                    f"{call} returned {len(train)} training and {len(val)} validation items: swapped. "
                    "Return (train, val), with val_fraction of the items in val.",
                    f"{call} 返回了 {len(train)} 个训练样本和 {len(val)} 个验证样本：顺序反了。"
                    "返回 (train, val)，验证集占 val_fraction。",
                )
            if len(val) not in sizes or len(train) + len(val) != n:
                raise CheckFailed(
                    f"{call}: expected {n - min(sizes)} training and {min(sizes)} validation items, "
                    f"got {len(train)} and {len(val)}.",
                    f"{call}：应有 {n - min(sizes)} 个训练样本和 {min(sizes)} 个验证样本，实际是 {len(train)} 和 {len(val)}。",
                )
            train_items, val_items = _items(train), _items(val)
            if sorted(train_items + val_items) != list(range(n)):
                raise CheckFailed(
                    f"{call}: together, train and val must hold every item exactly once (no overlap).",
                    f"{call}：train 和 val 合起来要恰好包含每个样本一次（不能重叠）。",
                )
            if val_items == sorted(val_items) and (val_items[0] == 0 or val_items[-1] == n - 1) and \
                    val_items[-1] - val_items[0] == len(val_items) - 1:
                raise CheckFailed(
                    f"{call}: the validation set is a contiguous slice ({val_items[0]}..{val_items[-1]}). "
                    "Data is often sorted (by class, by date...), so split at random: random_split.",
                    f"{call}：验证集是一段连续的切片（{val_items[0]}..{val_items[-1]}）。数据往往是排过序的"
                    "（按类别、按日期……），所以要随机划分：random_split。",
                )
        torch.manual_seed(2024)  # a state the function cannot reach by seeding with 0
        state = torch.get_rng_state()
        _, val_1 = split_train_val(dataset, 0.2, 0)
        state_changed = not torch.equal(state, torch.get_rng_state())
        torch.rand(5)  # something else uses random numbers in between
        _, val_2 = split_train_val(dataset, 0.2, 0)
        _, val_3 = split_train_val(dataset, 0.2, 1)
    if _items(val_1) != _items(val_2):
        raise CheckFailed(
            "two calls with seed=0 gave different validation sets, so the validation set would change from run to "
            "run and mix with training data. Pass generator=torch.Generator().manual_seed(seed) to random_split.",
            "两次用 seed=0 调用，得到的验证集不同：每次运行验证集都会变，还会混进训练过的样本。"
            "给 random_split 传入 generator=torch.Generator().manual_seed(seed)。",
        )
    if state_changed:
        raise CheckFailed(
            "the split is reproducible, but the function changed the GLOBAL random state (torch.manual_seed?). "
            "That silently resets every other random thing in the program (model initialisation, shuffling, dropout). "
            "Use a private generator: random_split(..., generator=torch.Generator().manual_seed(seed)).",
            "划分可以复现，但这个函数改变了**全局**随机状态（用了 torch.manual_seed？）。这会悄悄重置程序里其他所有随机的东西"
            "（模型初始化、打乱、dropout）。用一个私有的生成器：random_split(..., generator=torch.Generator().manual_seed(seed))。",
        )
    if _items(val_1) == _items(val_3):
        raise CheckFailed(
            "seeds 0 and 1 gave the same split: the seed argument is not used.",
            "种子 0 和 1 给出了相同的划分：参数 seed 没有用上。",
        )
