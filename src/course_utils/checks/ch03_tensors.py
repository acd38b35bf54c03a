"""Checks for 03_tensors.

Every checker calls the student's function on its own inputs (fixed ones and random ones from a
private generator, so the notebook's random state is left alone) and names the typical mistake
when it recognises one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch

from .engine import checker
from .vocabulary import (
    Mistake,
    call_unchanged,
    diagnose,
    expect_callable,
    expect_not_called,
    expect_tensor,
    fail,
    generator,
    same,
    shape_of,
    when_raises,
)

EXACT = {"atol": 0.0, "rtol": 0.0}
BROADCAST_ERROR = "must match the size"


def _results(fn: Callable, call: str, inputs: list[torch.Tensor], broadcast: tuple[str, str] | None = None,
             ) -> Iterator[tuple[torch.Tensor, str, torch.Tensor]]:
    """Call ``fn`` on each input; yield ``(x, call, result)`` once the result is a tensor and x is unchanged.

    ``call`` is a template with ``{shape}`` and ``{dtype}``; ``broadcast`` is the hint for a broadcasting error.
    """
    expect_callable(fn)
    for x in inputs:
        described = call.format(shape=shape_of(x), dtype=x.dtype)
        try:
            result = call_unchanged(fn, x, call=described)
        except RuntimeError as err:
            if broadcast is not None:
                when_raises(err, BROADCAST_ERROR, described, *broadcast)
            raise
        yield x, described, expect_tensor(result, described)


def _keeps_dtype(result: torch.Tensor, x: torch.Tensor, call: str, en: str, zh: str) -> None:
    """The result must have the input's dtype; ``en``/``zh`` explain why, for this exercise."""
    if result.dtype != x.dtype:
        fail(call, f"the result has dtype {result.dtype}, but x has dtype {x.dtype}. {en}",
             f"结果的 dtype 是 {result.dtype}，而 x 的 dtype 是 {x.dtype}。{zh}")


# ---------------------------------------------------------------- 03.1

CHANNELS_MISTAKES = [
    Mistake(lambda x: x.reshape(x.shape[0], x.shape[3], x.shape[1], x.shape[2]),
            "right shape, wrong element order: reshape does not move axes, use permute. reshape (like view) only cuts "
            "the same row of numbers into a new shape; x.permute(0, 3, 1, 2) moves the channel axis.",
            "形状对了，元素顺序错了：reshape 不移动坐标轴，请用 permute。"
            "reshape（和 view 一样）只是把同一串数字按新形状重新切分；x.permute(0, 3, 1, 2) 才会移动通道轴。"),
    Mistake(lambda x: x.permute(0, 3, 2, 1),
            "height and width are swapped: you returned (N, C, W, H). permute lists, for each new axis, which old "
            "axis goes there: (N, H, W, C) -> (N, C, H, W) is permute(0, 3, 1, 2).",
            "高和宽被交换了：你返回的是 (N, C, W, H)。permute 的参数依次说明每个新轴来自哪个旧轴："
            "(N, H, W, C) -> (N, C, H, W) 是 permute(0, 3, 1, 2)。"),
]


@checker("03.1")
def check_to_channels_first(to_channels_first) -> None:
    g = generator(31)
    inputs = [
        torch.arange(2 * 3 * 4 * 3).reshape(2, 3, 4, 3),  # N, H, W, C all told apart by value
        torch.randn(4, 5, 7, 3, generator=g),
        torch.rand(3, 6, 6, 3, generator=g),  # square images: H and W have the same size
        torch.randn(1, 2, 5, 4, generator=g),
    ]
    for x, call, result in _results(to_channels_first, "to_channels_first(x with shape {shape})", inputs):
        diagnose(result, x.permute(0, 3, 1, 2), CHANNELS_MISTAKES, call, x, **EXACT,
                 otherwise=("right shape, but the values are not where they belong. result[n, c, h, w] must equal "
                            "x[n, h, w, c].", "形状对了，但数值不在正确的位置上。result[n, c, h, w] 必须等于 x[n, h, w, c]。"))
        _keeps_dtype(result, x, call, "Moving axes changes no value, so the dtype stays: return x.permute(0, 3, 1, 2) "
                     "without converting it (no .float(), .double() or .to(dtype)).",
                     "移动坐标轴不改变任何数值，dtype 也应保持不变：直接返回 x.permute(0, 3, 1, 2)，"
                     "不要转换类型（不要 .float()、.double() 或 .to(dtype)）。")


# ---------------------------------------------------------------- 03.2

STANDARDIZE_MISTAKES = [
    Mistake(lambda x: (x - x.mean(dim=1, keepdim=True)) / x.std(dim=1, keepdim=True),
            "you standardized each row. Each COLUMN (feature) needs mean 0 and std 1: reduce over the rows, dim=0.",
            "你标准化的是每一行。要让每一列（特征）均值为 0、标准差为 1：沿行的方向归约，dim=0。"),
    Mistake(lambda x: (x - x.mean()) / x.std(),
            "you used the mean and std of the whole tensor. Each column needs its own: "
            "x.mean(dim=0, keepdim=True) and x.std(dim=0, keepdim=True).",
            "你用了整个张量的均值和标准差。每一列要用自己的：x.mean(dim=0, keepdim=True) 和 x.std(dim=0, keepdim=True)。"),
    Mistake(lambda x: (x - x.mean(dim=0)) / x.std(dim=0, correction=0),
            "you divided by the population std (correction=0, unbiased=False). "
            "Use the default of x.std(dim=0), which divides by N - 1.",
            "你除以的是总体标准差（correction=0，或 unbiased=False）。请用 x.std(dim=0) 的默认值，它除以 N - 1。"),
    Mistake(lambda x: x - x.mean(dim=0),
            "the columns are centered but not scaled: divide by their std as well.", "每列已经减去了均值，但还没有除以标准差。"),
    Mistake(lambda x: (x - x.mean(dim=0)) / x.var(dim=0),
            "you divided by the variance. Divide by the standard deviation, its square root.",
            "你除以的是方差。应除以标准差，也就是方差的平方根。"),
]


@checker("03.2")
def check_standardize_columns(standardize_columns) -> None:
    g = generator(32)
    inputs = [
        torch.tensor([[1.0, 10.0, 100.0], [2.0, 20.0, 300.0], [3.0, 60.0, 200.0], [6.0, 30.0, 400.0]]),
        torch.randn(6, 6, generator=g) * 5 + 3,  # square: the wrong dim broadcasts silently
        torch.rand(10, 3, generator=g) * 100,
        torch.randn(5, 2, generator=g) - 7,
        torch.randn(7, 3, generator=g, dtype=torch.float64) * 2 + 1,  # float64 must stay float64
    ]
    broadcast = ("raised a broadcasting error ({error}). The column statistics have shape (D,) when you reduce over "
                 "dim=0, and (1, D) with keepdim=True; both broadcast against (N, D). "
                 "Reducing over dim=1 gives one value per row instead.",
                 "抛出了广播错误（{error}）。按列统计要沿 dim=0 归约，得到形状 (D,)，加 keepdim=True 得到 (1, D)，"
                 "两者都能和 (N, D) 广播。沿 dim=1 归约得到的是每行一个值。")
    for x, call, result in _results(standardize_columns, "standardize_columns(x with shape {shape})", inputs, broadcast):
        expect_tensor(result, call, shape=x.shape)
        expected = (x - x.mean(dim=0, keepdim=True)) / x.std(dim=0, keepdim=True)
        diagnose(result, expected, STANDARDIZE_MISTAKES, call, x, atol=1e-5, rtol=1e-5,
                 otherwise=("the values are wrong. Expected (x - column mean) / column std, where the statistics come "
                            "from x.mean(dim=0, keepdim=True) and x.std(dim=0, keepdim=True).",
                            "数值不对。应为 (x - 列均值) / 列标准差，统计量来自 x.mean(dim=0, keepdim=True) 和 "
                            "x.std(dim=0, keepdim=True)。"))
        _keeps_dtype(result, x, call, "Standardizing keeps the input's dtype (float64 stays float64): compute with x "
                     "as it is, without .float(), .double() or torch.tensor(..., dtype=...).",
                     "标准化应保持输入的 dtype（float64 仍是 float64）：直接用 x 计算，"
                     "不要 .float()、.double() 或 torch.tensor(..., dtype=...)。")


# ---------------------------------------------------------------- 03.3

ROWS_MISTAKES = [
    Mistake(lambda x: x[x < 0],
            "x[x < 0] selects single ELEMENTS (a 1-D result), not rows. Reduce the mask along each row first: "
            "(x < 0).any(dim=1) has one True/False per row.",
            "x[x < 0] 选出的是单个元素（一维结果），不是行。先沿每一行归约掩码：(x < 0).any(dim=1) 给每行一个 True/False。"),
    Mistake(lambda x: x[(x < 0).all(dim=1)],
            "you kept the rows whose values are ALL negative; keep those with at least one: .any(dim=1).",
            "你保留的是全部为负数的行；应保留至少有一个负数的行：.any(dim=1)。"),
    Mistake(lambda x: x[(x <= 0).any(dim=1)],
            "zero is not negative: compare with x < 0, not x <= 0.", "0 不是负数：应比较 x < 0，而不是 x <= 0。"),
    Mistake(lambda x: x[~(x < 0).any(dim=1)],
            "you kept the rows WITHOUT negative values; drop the ~.", "你保留的是没有负数的行；去掉 ~。"),
]


@checker("03.3")
def check_rows_with_negatives(rows_with_negatives) -> None:
    g = generator(33)
    inputs = [
        torch.tensor([[1.0, 2.0, 3.0], [-1.0, 5.0, 6.0], [0.0, 0.0, 1.0], [-2.0, -3.0, -4.0], [7.0, -0.5, 8.0]]),
        torch.randn(8, 4, generator=g),
        torch.randint(-3, 4, (6, 5), generator=g),  # integers, zeros included
        torch.rand(4, 3, generator=g),  # no negative value at all
    ]
    for x, call, result in _results(rows_with_negatives, "rows_with_negatives(x with shape {shape})", inputs):
        expected = x[(x < 0).any(dim=1)]
        if result.dtype == torch.bool:
            fail(call, "returned a boolean mask. Use the mask to index x and return the selected rows.",
                 "返回的是布尔掩码。要用掩码去索引 x，返回被选中的行。")
        if result.shape == x.shape and not same(result, expected, **EXACT):
            fail(call, "the result has as many rows as x. Keep only the selected rows (index x with a mask of shape "
                 "(N,)) instead of zeroing or replacing values.",
                 "结果的行数和 x 一样。应只保留选中的行（用形状为 (N,) 的掩码索引 x），而不是把数值置零或替换。")
        diagnose(result, expected, ROWS_MISTAKES, call, x, **EXACT,
                 otherwise=("right shape, wrong rows. Return x[mask] where mask = (x < 0).any(dim=1), keeping the rows "
                            "in their original order.",
                            "形状对了，行不对。应返回 x[mask]，其中 mask = (x < 0).any(dim=1)，行保持原来的顺序。"))
        _keeps_dtype(result, x, call, "The selected rows are rows of x, with x's dtype (an integer x gives integer "
                     "rows): return x[mask] without converting it.",
                     "选出的行就是 x 的行，dtype 和 x 一样（整数的 x 得到整数的行）：直接返回 x[mask]，不要转换类型。")


# ---------------------------------------------------------------- 03.4

UNCHANGED = Mistake(lambda m: m,
                    "the matrix came back unchanged, its diagonal is not zero. If you zeroed a copy made by "
                    "advanced indexing (such as m[[0, 1], [0, 1]]), remember that it is a copy: assign into it "
                    "instead (result[idx, idx] = 0) or use fill_diagonal_ on a clone.",
                    "矩阵原样返回，对角线不是 0。如果你是把高级索引（例如 m[[0, 1], [0, 1]]）得到的副本置零，"
                    "别忘了那是副本：应对它赋值（result[idx, idx] = 0），或者在 clone 上调用 fill_diagonal_。")


@checker("03.4")
def check_zero_diagonal(zero_diagonal) -> None:
    g = generator(34)
    inputs = [
        torch.randn(4, 4, generator=g),
        torch.arange(1, 10).reshape(3, 3),  # int64
        torch.randint(1, 100, (5, 5), generator=g, dtype=torch.int32),
        torch.tensor([[7.0]]),
        torch.tensor([[0, 2, 3], [4, 0, 6], [7, 8, 0]]),  # the diagonal is zero already
    ]
    for m, call, result in _results(zero_diagonal, "zero_diagonal(m with shape {shape}, dtype {dtype})", inputs):
        if result.dtype != m.dtype:
            fail(call, f"the result has dtype {result.dtype}, the input {m.dtype}. Type promotion at work: torch.eye is "
                 "float32 by default, and an integer tensor times a float tensor is float. Pass dtype=m.dtype to "
                 "torch.eye, or clone m and zero its diagonal.",
                 f"结果的 dtype 是 {result.dtype}，输入是 {m.dtype}。这是类型提升：torch.eye 默认是 float32，"
                 "整数张量乘浮点张量得到浮点数。给 torch.eye 传 dtype=m.dtype，或者 clone 之后再把对角线置零。")
        if result.shape != m.shape:
            fail(call, f"expected shape {shape_of(m)}, got {shape_of(result)}. torch.diagonal(m) is only the "
                 "diagonal: return the whole matrix.",
                 f"形状应为 {shape_of(m)}，实际得到 {shape_of(result)}。torch.diagonal(m) 只是对角线：要返回整个矩阵。")
        expected = m.clone().fill_diagonal_(0)
        diagnose(result, expected, [UNCHANGED], call, m, **EXACT,
                 otherwise=("wrong values. Only the diagonal m[i, i] becomes 0; every other entry stays.",
                            "数值不对。只有对角线元素 m[i, i] 变成 0，其他元素保持不变。"))
        if result.untyped_storage().data_ptr() == m.untyped_storage().data_ptr():
            fail(call, "the result shares memory with m, so changing one changes the other. Return a new tensor (clone()).",
                 "结果和 m 共享内存，改一个另一个也会变。请返回一个新张量（clone()）。")


# ---------------------------------------------------------------- 03.5


# Each wrong answer is computed from the right distances (float64, shape (N, M)).
DISTANCE_MISTAKES = [
    Mistake(lambda d: d**2, "these are squared distances. Take the square root at the end.", "这是距离的平方。最后还要开平方根。"),
    Mistake(lambda d: d.T if d.shape[0] != d.shape[1] else None,
            "the result is transposed: expected shape {shape}, one row per point of a.",
            "结果被转置了：形状应为 {shape}，a 的每个点对应一行。"),
]


@checker("03.5")
def check_pairwise_distances(pairwise_distances) -> None:
    expect_callable(pairwise_distances)
    expect_not_called(pairwise_distances, ["torch.cdist"],
                      "torch.cdist computes this for you; the exercise is to do it with broadcasting. "
                      "Hint: a[:, None, :] - b[None, :, :] has shape (N, M, D).",
                      "torch.cdist 会替你算好；这道练习要你用广播来做。提示：a[:, None, :] - b[None, :, :] 的形状是 (N, M, D)。",
                      name="pairwise_distances")
    g = generator(35)
    square = torch.randn(5, 3, generator=g)
    cases = [
        (torch.tensor([[0.0, 0.0], [3.0, 4.0], [1.0, 1.0]]),
         torch.tensor([[0.0, 0.0], [6.0, 8.0], [1.0, 1.0], [-3.0, 4.0]])),
        (torch.randn(6, 4, generator=g), torch.randn(2, 4, generator=g)),
        (square, torch.cat([square[:2], torch.randn(3, 3, generator=g)])),  # N == M, shared points
        (torch.rand(1, 7, generator=g), torch.rand(3, 7, generator=g)),
    ]
    for a, b in cases:
        call = f"pairwise_distances(a {shape_of(a)}, b {shape_of(b)})"
        try:
            result = pairwise_distances(a.clone(), b.clone())
        except RuntimeError as err:
            when_raises(err, BROADCAST_ERROR, call,
                        "raised a broadcasting error ({error}). a - b pairs row i of a only with row i of b. Give "
                        "each its own axis: a[:, None, :] is (N, 1, D), b[None, :, :] is (1, M, D), and their "
                        "difference is (N, M, D).",
                        "抛出了广播错误（{error}）。a - b 只把 a 的第 i 行和 b 的第 i 行配对。给它们各自一个轴："
                        "a[:, None, :] 是 (N, 1, D)，b[None, :, :] 是 (1, M, D)，相减得到 (N, M, D)。")
            raise
        result = expect_tensor(result, call)
        expected = ((a[:, None, :].double() - b[None, :, :].double()) ** 2).sum(dim=-1).sqrt()
        if torch.isnan(result).any():
            fail(call, "the result contains NaN. With the expansion |a|^2 + |b|^2 - 2 a.b, rounding can make a "
                 "squared distance slightly negative: clamp it at 0 before the square root, or compute the "
                 "differences directly by broadcasting.",
                 "结果里有 NaN。用展开式 |a|^2 + |b|^2 - 2 a.b 时，舍入误差可能让距离的平方略小于 0："
                 "开方前用 clamp 把它截到 0，或者直接用广播计算差值。")
        if result.shape not in (expected.shape, expected.T.shape):
            fail(call, f"expected shape {shape_of(expected)}, got {shape_of(result)}. Build the (N, M, D) "
                 "differences with a[:, None, :] - b[None, :, :], then reduce the last axis (dim=-1).",
                 f"形状应为 {shape_of(expected)}，实际得到 {shape_of(result)}。先用 a[:, None, :] - b[None, :, :] "
                 "得到 (N, M, D) 的差值，再沿最后一维（dim=-1）归约。")
        diagnose(result, expected, DISTANCE_MISTAKES, call, expected, atol=1e-4, rtol=1e-5,
                 otherwise=("wrong values. Entry [i, j] must be the Euclidean distance between a[i] and b[j]; for "
                            "example entry [0, 0] should be {want:.4f}, got {got:.4f}.",
                            "数值不对。第 [i, j] 个元素应是 a[i] 和 b[j] 之间的欧氏距离；"
                            "例如 [0, 0] 应为 {want:.4f}，实际得到 {got:.4f}。"),
                 shape=shape_of(expected), want=expected[0, 0].item(), got=result[0, 0].item())
