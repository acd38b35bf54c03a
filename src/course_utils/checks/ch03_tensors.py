"""Checks for 03_tensors.

Every checker calls the student's function on its own inputs (fixed ones and
random ones from a private generator, so the notebook's random state is left
alone) and names the typical mistake when it recognises one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from .core import CheckFailed, exercise
from .helpers import expect_callable, expect_tensor, generator

CHAPTER = "03_tensors"


def _same(a: torch.Tensor, b: torch.Tensor, atol: float = 1e-5) -> bool:
    """Same shape and (nearly) the same values, NaNs never equal."""
    if a.shape != b.shape:
        return False
    if a.is_floating_point() or b.is_floating_point():
        return torch.allclose(a.double(), b.double(), atol=atol, rtol=1e-5)
    return torch.equal(a, b)


def _call_unchanged(fn: Callable, x: torch.Tensor, call: str) -> Any:
    """Call ``fn(x)`` and fail if it modified ``x`` in place."""
    before = x.clone()
    result = fn(x)
    if x.shape != before.shape or not torch.equal(x, before):
        raise CheckFailed(
            f"{call} changed its input in place (an in-place method ending in `_`, `+=`, `-=`, "
            "or assigning into the argument). The caller's tensor must stay as it was: "
            "compute a new tensor, or clone() first.",
            f"{call} 原地修改了它的输入（以 `_` 结尾的原地方法、`+=`、`-=`，或给参数的元素赋值）。"
            "调用者的张量必须保持原样：计算出一个新张量，或者先 clone()。",
        )
    return result


# ---------------------------------------------------------------- 03.1


@exercise("03.1", CHAPTER, "images to channels-first", "图片转成通道在前")
def check_to_channels_first(to_channels_first) -> None:
    expect_callable(to_channels_first)
    g = generator(31)
    inputs = [
        torch.arange(2 * 3 * 4 * 3).reshape(2, 3, 4, 3),  # N, H, W, C all told apart by value
        torch.randn(4, 5, 7, 3, generator=g),
        torch.rand(3, 6, 6, 3, generator=g),  # square images: H and W have the same size
        torch.randn(1, 2, 5, 4, generator=g),
    ]
    for x in inputs:
        n, h, w, c = x.shape
        call = f"to_channels_first(x with shape {tuple(x.shape)})"
        result = expect_tensor(_call_unchanged(to_channels_first, x, call), call)
        expected = x.permute(0, 3, 1, 2)
        if result.shape == expected.shape and torch.equal(result, expected):
            continue
        if result.shape == expected.shape and torch.equal(result, x.reshape(n, c, h, w)):
            raise CheckFailed(
                f"{call}: right shape, wrong element order: reshape does not move axes, use permute. "
                "reshape (like view) only cuts the same row of numbers into a new shape; "
                "x.permute(0, 3, 1, 2) moves the channel axis.",
                f"{call}：形状对了，元素顺序错了：reshape 不移动坐标轴，请用 permute。"
                "reshape（和 view 一样）只是把同一串数字按新形状重新切分；x.permute(0, 3, 1, 2) 才会移动通道轴。",
            )
        if result.shape == (n, c, w, h) and torch.equal(result, expected.transpose(2, 3)):
            raise CheckFailed(
                f"{call}: height and width are swapped: you returned (N, C, W, H). "
                "permute lists, for each new axis, which old axis goes there: (N, H, W, C) -> "
                "(N, C, H, W) is permute(0, 3, 1, 2).",
                f"{call}：高和宽被交换了：你返回的是 (N, C, W, H)。permute 的参数依次说明每个新轴来自哪个旧轴："
                "(N, H, W, C) -> (N, C, H, W) 是 permute(0, 3, 1, 2)。",
            )
        if result.shape != expected.shape:
            raise CheckFailed(
                f"{call}: expected shape {tuple(expected.shape)}, got {tuple(result.shape)}.",
                f"{call}：形状应为 {tuple(expected.shape)}，实际得到 {tuple(result.shape)}。",
            )
        raise CheckFailed(
            f"{call}: right shape, but the values are not where they belong. result[n, c, h, w] must "
            "equal x[n, h, w, c].",
            f"{call}：形状对了，但数值不在正确的位置上。result[n, c, h, w] 必须等于 x[n, h, w, c]。",
        )


# ---------------------------------------------------------------- 03.2


@exercise("03.2", CHAPTER, "standardize the columns", "按列标准化")
def check_standardize_columns(standardize_columns) -> None:
    expect_callable(standardize_columns)
    g = generator(32)
    inputs = [
        torch.tensor([[1.0, 10.0, 100.0], [2.0, 20.0, 300.0], [3.0, 60.0, 200.0], [6.0, 30.0, 400.0]]),
        torch.randn(6, 6, generator=g) * 5 + 3,  # square: the wrong dim broadcasts silently
        torch.rand(10, 3, generator=g) * 100,
        torch.randn(5, 2, generator=g) - 7,
    ]
    for x in inputs:
        call = f"standardize_columns(x with shape {tuple(x.shape)})"
        try:
            result = _call_unchanged(standardize_columns, x, call)
        except RuntimeError as err:
            if "must match the size" in str(err):
                raise CheckFailed(
                    f"{call} raised a broadcasting error ({err}). The column statistics have shape (D,) "
                    "when you reduce over dim=0, and (1, D) with keepdim=True; both broadcast against (N, D). "
                    "Reducing over dim=1 gives one value per row instead.",
                    f"{call} 抛出了广播错误（{err}）。按列统计要沿 dim=0 归约，得到形状 (D,)，"
                    "加 keepdim=True 得到 (1, D)，两者都能和 (N, D) 广播。沿 dim=1 归约得到的是每行一个值。",
                ) from None
            raise
        result = expect_tensor(result, call)
        expected = (x - x.mean(dim=0, keepdim=True)) / x.std(dim=0, keepdim=True)
        if _same(result, expected):
            continue
        if result.shape != x.shape:
            raise CheckFailed(
                f"{call}: expected shape {tuple(x.shape)} (the same as x), got {tuple(result.shape)}.",
                f"{call}：形状应为 {tuple(x.shape)}（和 x 一样），实际得到 {tuple(result.shape)}。",
            )
        if _same(result, (x - x.mean(dim=1, keepdim=True)) / x.std(dim=1, keepdim=True)):
            raise CheckFailed(
                f"{call}: you standardized each row. Each COLUMN (feature) needs mean 0 and std 1: "
                "reduce over the rows, dim=0.",
                f"{call}：你标准化的是每一行。要让每一列（特征）均值为 0、标准差为 1：沿行的方向归约，dim=0。",
            )
        if _same(result, (x - x.mean()) / x.std()):
            raise CheckFailed(
                f"{call}: you used the mean and std of the whole tensor. Each column needs its own: "
                "x.mean(dim=0, keepdim=True) and x.std(dim=0, keepdim=True).",
                f"{call}：你用了整个张量的均值和标准差。每一列要用自己的：x.mean(dim=0, keepdim=True) 和 "
                "x.std(dim=0, keepdim=True)。",
            )
        if _same(result, (x - x.mean(dim=0)) / x.std(dim=0, correction=0)):
            raise CheckFailed(
                f"{call}: you divided by the population std (correction=0, unbiased=False). "
                "Use the default of x.std(dim=0), which divides by N - 1.",
                f"{call}：你除以的是总体标准差（correction=0，或 unbiased=False）。"
                "请用 x.std(dim=0) 的默认值，它除以 N - 1。",
            )
        if _same(result, x - x.mean(dim=0)):
            raise CheckFailed(
                f"{call}: the columns are centered but not scaled: divide by their std as well.",
                f"{call}：每列已经减去了均值，但还没有除以标准差。",
            )
        if _same(result, (x - x.mean(dim=0)) / x.var(dim=0)):
            raise CheckFailed(
                f"{call}: you divided by the variance. Divide by the standard deviation, its square root.",
                f"{call}：你除以的是方差。应除以标准差，也就是方差的平方根。",
            )
        raise CheckFailed(
            f"{call}: the values are wrong. Expected (x - column mean) / column std, "
            "where the statistics come from x.mean(dim=0, keepdim=True) and x.std(dim=0, keepdim=True).",
            f"{call}：数值不对。应为 (x - 列均值) / 列标准差，统计量来自 x.mean(dim=0, keepdim=True) "
            "和 x.std(dim=0, keepdim=True)。",
        )


# ---------------------------------------------------------------- 03.3


@exercise("03.3", CHAPTER, "select rows with a boolean mask", "用布尔掩码选行")
def check_rows_with_negatives(rows_with_negatives) -> None:
    expect_callable(rows_with_negatives)
    g = generator(33)
    inputs = [
        torch.tensor([[1.0, 2.0, 3.0], [-1.0, 5.0, 6.0], [0.0, 0.0, 1.0], [-2.0, -3.0, -4.0], [7.0, -0.5, 8.0]]),
        torch.randn(8, 4, generator=g),
        torch.randint(-3, 4, (6, 5), generator=g),  # integers, zeros included
        torch.rand(4, 3, generator=g),  # no negative value at all
    ]
    for x in inputs:
        call = f"rows_with_negatives(x with shape {tuple(x.shape)})"
        result = expect_tensor(_call_unchanged(rows_with_negatives, x, call), call)
        expected = x[(x < 0).any(dim=1)]
        if result.shape == expected.shape and torch.equal(result, expected):
            continue
        if result.dtype == torch.bool:
            raise CheckFailed(
                f"{call} returned a boolean mask. Use the mask to index x and return the selected rows.",
                f"{call} 返回的是布尔掩码。要用掩码去索引 x，返回被选中的行。",
            )
        if result.shape == x[x < 0].shape and torch.equal(result, x[x < 0]):
            raise CheckFailed(
                f"{call}: x[x < 0] selects single ELEMENTS (a 1-D result), not rows. Reduce the mask "
                "along each row first: (x < 0).any(dim=1) has one True/False per row.",
                f"{call}：x[x < 0] 选出的是单个元素（一维结果），不是行。先沿每一行归约掩码："
                "(x < 0).any(dim=1) 给每行一个 True/False。",
            )
        if result.shape == x.shape:
            raise CheckFailed(
                f"{call}: the result has as many rows as x. Keep only the selected rows "
                "(index x with a mask of shape (N,)) instead of zeroing or replacing values.",
                f"{call}：结果的行数和 x 一样。应只保留选中的行（用形状为 (N,) 的掩码索引 x），而不是把数值置零或替换。",
            )
        for wrong, en, zh in (
            (
                x[(x < 0).all(dim=1)],
                "you kept the rows whose values are ALL negative; keep those with at least one: .any(dim=1).",
                "你保留的是全部为负数的行；应保留至少有一个负数的行：.any(dim=1)。",
            ),
            (
                x[(x <= 0).any(dim=1)],
                "zero is not negative: compare with x < 0, not x <= 0.",
                "0 不是负数：应比较 x < 0，而不是 x <= 0。",
            ),
            (
                x[~(x < 0).any(dim=1)],
                "you kept the rows WITHOUT negative values; drop the ~.",
                "你保留的是没有负数的行；去掉 ~。",
            ),
        ):
            if result.shape == wrong.shape and torch.equal(result, wrong):
                raise CheckFailed(f"{call}: {en}", f"{call}：{zh}")
        if result.shape != expected.shape:
            raise CheckFailed(
                f"{call}: expected shape {tuple(expected.shape)} (the selected rows, in their original order), "
                f"got {tuple(result.shape)}.",
                f"{call}：形状应为 {tuple(expected.shape)}（被选中的行，保持原来的顺序），实际得到 {tuple(result.shape)}。",
            )
        raise CheckFailed(
            f"{call}: right shape, wrong rows. Return x[mask] where mask = (x < 0).any(dim=1), "
            "keeping the rows in their original order.",
            f"{call}：形状对了，行不对。应返回 x[mask]，其中 mask = (x < 0).any(dim=1)，行保持原来的顺序。",
        )


# ---------------------------------------------------------------- 03.4


@exercise("03.4", CHAPTER, "zero the diagonal without touching the input", "把对角线置零，但不改输入")
def check_zero_diagonal(zero_diagonal) -> None:
    expect_callable(zero_diagonal)
    g = generator(34)
    inputs = [
        torch.randn(4, 4, generator=g),
        torch.arange(1, 10).reshape(3, 3),  # int64
        torch.randint(1, 100, (5, 5), generator=g, dtype=torch.int32),
        torch.tensor([[7.0]]),
        torch.tensor([[0, 2, 3], [4, 0, 6], [7, 8, 0]]),  # the diagonal is zero already
    ]
    for m in inputs:
        call = f"zero_diagonal(m with shape {tuple(m.shape)}, dtype {m.dtype})"
        result = expect_tensor(_call_unchanged(zero_diagonal, m, call), call)
        expected = m.clone()
        expected.fill_diagonal_(0)
        if result.dtype != m.dtype:
            raise CheckFailed(
                f"{call}: the result has dtype {result.dtype}, the input {m.dtype}. Type promotion at work: "
                "torch.eye is float32 by default, and an integer tensor times a float tensor is float. "
                "Pass dtype=m.dtype to torch.eye, or clone m and zero its diagonal.",
                f"{call}：结果的 dtype 是 {result.dtype}，输入是 {m.dtype}。这是类型提升：torch.eye 默认是 float32，"
                "整数张量乘浮点张量得到浮点数。给 torch.eye 传 dtype=m.dtype，或者 clone 之后再把对角线置零。",
            )
        if result.shape != m.shape:
            raise CheckFailed(
                f"{call}: expected shape {tuple(m.shape)}, got {tuple(result.shape)}. "
                "torch.diagonal(m) is only the diagonal: return the whole matrix.",
                f"{call}：形状应为 {tuple(m.shape)}，实际得到 {tuple(result.shape)}。"
                "torch.diagonal(m) 只是对角线：要返回整个矩阵。",
            )
        if not torch.equal(result, expected):
            if torch.equal(result, m):
                raise CheckFailed(
                    f"{call}: the matrix came back unchanged, its diagonal is not zero. If you zeroed a "
                    "copy made by advanced indexing (such as m[[0, 1], [0, 1]]), remember that it is a copy: "
                    "assign into it instead (result[idx, idx] = 0) or use fill_diagonal_ on a clone.",
                    f"{call}：矩阵原样返回，对角线不是 0。如果你是把高级索引（例如 m[[0, 1], [0, 1]]）得到的副本置零，"
                    "别忘了那是副本：应对它赋值（result[idx, idx] = 0），或者在 clone 上调用 fill_diagonal_。",
                )
            raise CheckFailed(
                f"{call}: wrong values. Only the diagonal m[i, i] becomes 0; every other entry stays.",
                f"{call}：数值不对。只有对角线元素 m[i, i] 变成 0，其他元素保持不变。",
            )
        if result.untyped_storage().data_ptr() == m.untyped_storage().data_ptr():
            raise CheckFailed(
                f"{call}: the result shares memory with m, so changing one changes the other. "
                "Return a new tensor (clone()).",
                f"{call}：结果和 m 共享内存，改一个另一个也会变。请返回一个新张量（clone()）。",
            )


# ---------------------------------------------------------------- 03.5


def _forbidden_cdist(*args: Any, **kwargs: Any) -> Any:
    raise CheckFailed(
        "torch.cdist computes this for you; the exercise is to do it with broadcasting. "
        "Hint: a[:, None, :] - b[None, :, :] has shape (N, M, D).",
        "torch.cdist 会替你算好；这道练习要你用广播来做。提示：a[:, None, :] - b[None, :, :] 的形状是 (N, M, D)。",
    )


def _reference_distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return ((a[:, None, :].double() - b[None, :, :].double()) ** 2).sum(dim=-1).sqrt()


@exercise("03.5", CHAPTER, "pairwise distances by broadcasting", "用广播计算两两距离")
def check_pairwise_distances(pairwise_distances) -> None:
    expect_callable(pairwise_distances)
    g = generator(35)
    a0 = torch.tensor([[0.0, 0.0], [3.0, 4.0], [1.0, 1.0]])
    b0 = torch.tensor([[0.0, 0.0], [6.0, 8.0], [1.0, 1.0], [-3.0, 4.0]])
    square = torch.randn(5, 3, generator=g)
    cases = [
        (a0, b0),
        (torch.randn(6, 4, generator=g), torch.randn(2, 4, generator=g)),
        (square, torch.cat([square[:2], torch.randn(3, 3, generator=g)])),  # N == M, shared points
        (torch.rand(1, 7, generator=g), torch.rand(3, 7, generator=g)),
    ]
    original = torch.cdist
    torch.cdist = _forbidden_cdist
    try:
        for a, b in cases:
            call = f"pairwise_distances(a {tuple(a.shape)}, b {tuple(b.shape)})"
            try:
                result = pairwise_distances(a.clone(), b.clone())
            except RuntimeError as err:
                if "must match the size" in str(err):
                    raise CheckFailed(
                        f"{call} raised a broadcasting error ({err}). a - b pairs row i of a only with "
                        "row i of b. Give each its own axis: a[:, None, :] is (N, 1, D), b[None, :, :] is "
                        "(1, M, D), and their difference is (N, M, D).",
                        f"{call} 抛出了广播错误（{err}）。a - b 只把 a 的第 i 行和 b 的第 i 行配对。"
                        "给它们各自一个轴：a[:, None, :] 是 (N, 1, D)，b[None, :, :] 是 (1, M, D)，"
                        "相减得到 (N, M, D)。",
                    ) from None
                raise
            result = expect_tensor(result, call)
            expected = _reference_distances(a, b)
            n, m = expected.shape
            if _same(result, expected, atol=1e-4):
                continue
            if torch.isnan(result).any():
                raise CheckFailed(
                    f"{call}: the result contains NaN. With the expansion |a|^2 + |b|^2 - 2 a.b, rounding "
                    "can make a squared distance slightly negative: clamp it at 0 before the square root, "
                    "or compute the differences directly by broadcasting.",
                    f"{call}：结果里有 NaN。用展开式 |a|^2 + |b|^2 - 2 a.b 时，舍入误差可能让距离的平方略小于 0："
                    "开方前用 clamp 把它截到 0，或者直接用广播计算差值。",
                )
            if _same(result, expected**2, atol=1e-4):
                raise CheckFailed(
                    f"{call}: these are squared distances. Take the square root at the end.",
                    f"{call}：这是距离的平方。最后还要开平方根。",
                )
            if result.shape == (m, n) and n != m and _same(result, expected.T, atol=1e-4):
                raise CheckFailed(
                    f"{call}: the result is transposed: expected shape ({n}, {m}), one row per point of a.",
                    f"{call}：结果被转置了：形状应为 ({n}, {m})，a 的每个点对应一行。",
                )
            if result.shape != (n, m):
                raise CheckFailed(
                    f"{call}: expected shape ({n}, {m}), got {tuple(result.shape)}. Build the (N, M, D) "
                    "differences with a[:, None, :] - b[None, :, :], then reduce the last axis (dim=-1).",
                    f"{call}：形状应为 ({n}, {m})，实际得到 {tuple(result.shape)}。先用 a[:, None, :] - b[None, :, :] "
                    "得到 (N, M, D) 的差值，再沿最后一维（dim=-1）归约。",
                )
            raise CheckFailed(
                f"{call}: wrong values. Entry [i, j] must be the Euclidean distance between a[i] and b[j]; "
                f"for example entry [0, 0] should be {expected[0, 0].item():.4f}, got {result[0, 0].item():.4f}.",
                f"{call}：数值不对。第 [i, j] 个元素应是 a[i] 和 b[j] 之间的欧氏距离；"
                f"例如 [0, 0] 应为 {expected[0, 0].item():.4f}，实际得到 {result[0, 0].item():.4f}。",
            )
    finally:
        torch.cdist = original
