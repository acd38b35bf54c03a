"""Chapter 03's checks catch the typical wrong answers with specific hints."""

import pytest
import torch

from course_utils.checks import evaluate
from course_utils.checks.engine import Submitted


class Remote(Submitted):
    """A stand-in as `course grade` passes it: calling it runs the answer elsewhere, `source` is what was written."""

    def __init__(self, function, source):
        self.function, self.source = function, source

    def __call__(self, *args):
        return self.function(*args)


def fails_with(exercise_id, answer, text, lang="en"):
    status, message = evaluate(exercise_id, answer, lang)
    assert status == "fail", message
    assert text in message, message


# ---------------------------------------------------------------- 03.1


def test_channels_first():
    assert evaluate("03.1", lambda x: x.permute(0, 3, 1, 2), "en")[0] == "pass"
    assert evaluate("03.1", lambda x: x.movedim(3, 1).contiguous(), "en")[0] == "pass"


def test_channels_first_reshape_is_the_wrong_order():
    def reshape(x):
        n, h, w, c = x.shape
        return x.reshape(n, c, h, w)

    fails_with("03.1", reshape, "right shape, wrong element order: reshape does not move axes, use permute")
    fails_with("03.1", reshape, "形状对了，元素顺序错了：reshape 不移动坐标轴，请用 permute", lang="zh")
    fails_with("03.1", lambda x: x.view(x.shape[0], x.shape[3], x.shape[1], x.shape[2]), "x.permute(0, 3, 1, 2) moves the channel axis")


def test_channels_first_keeps_the_dtype():
    fails_with("03.1", lambda x: x.permute(0, 3, 1, 2).float(), "the result has dtype torch.float32, but x has dtype "
               "torch.int64. Moving axes changes no value")
    fails_with("03.1", lambda x: x.permute(0, 3, 1, 2).double(), "移动坐标轴不改变任何数值", lang="zh")


def test_channels_first_other_mistakes():
    fails_with("03.1", lambda x: x.permute(0, 3, 2, 1), "height and width are swapped")
    fails_with("03.1", lambda x: x.permute(3, 0, 1, 2), "expected shape (2, 3, 3, 4), got (3, 2, 3, 4)")
    fails_with("03.1", lambda x: None, "Did you forget `return`?")


# ---------------------------------------------------------------- 03.2


def standardize(x):
    return (x - x.mean(dim=0, keepdim=True)) / x.std(dim=0, keepdim=True)


def test_standardize_columns():
    assert evaluate("03.2", standardize, "en")[0] == "pass"
    assert evaluate("03.2", lambda x: (x - x.mean(0)) / x.std(0), "en")[0] == "pass"


def test_standardize_columns_mistakes():
    fails_with("03.2", lambda x: (x - x.mean(dim=1)) / x.std(dim=1), "raised a broadcasting error")
    fails_with(
        "03.2", lambda x: (x - x.mean(dim=1, keepdim=True)) / x.std(dim=1, keepdim=True), "you standardized each row"
    )
    fails_with("03.2", lambda x: (x - x.mean()) / x.std(), "the mean and std of the whole tensor")
    fails_with("03.2", lambda x: (x - x.mean(0)) / x.std(0, unbiased=False), "population std")
    fails_with("03.2", lambda x: x - x.mean(0), "centered but not scaled")
    fails_with("03.2", lambda x: (x - x.mean(0)) / x.var(0), "divided by the variance")
    fails_with("03.2", lambda x: (x - x.mean(0)) / x.std(0) + 1, "the values are wrong")


def test_standardize_columns_keeps_the_dtype():
    fails_with("03.2", lambda x: standardize(x.float()), "but x has dtype torch.float64. Standardizing keeps the input's dtype")
    fails_with("03.2", lambda x: standardize(x).double(), "标准化应保持输入的 dtype", lang="zh")


def test_standardize_columns_in_place_is_caught():
    def in_place(x):
        x -= x.mean(dim=0)
        x /= x.std(dim=0)
        return x

    fails_with("03.2", in_place, "changed its input in place")
    fails_with("03.2", in_place, "原地修改了它的输入", lang="zh")


# ---------------------------------------------------------------- 03.3


def test_rows_with_negatives():
    assert evaluate("03.3", lambda x: x[(x < 0).any(dim=1)], "en")[0] == "pass"
    assert evaluate("03.3", lambda x: x[x.min(dim=1).values < 0], "en")[0] == "pass"


def test_rows_with_negatives_mistakes():
    fails_with("03.3", lambda x: x[x < 0], "selects single ELEMENTS")
    fails_with("03.3", lambda x: x[(x < 0).all(dim=1)], "ALL negative")
    fails_with("03.3", lambda x: x[(x <= 0).any(dim=1)], "zero is not negative")
    fails_with("03.3", lambda x: x[~(x < 0).any(dim=1)], "drop the ~")
    fails_with("03.3", lambda x: (x < 0).any(dim=1), "returned a boolean mask")
    fails_with("03.3", lambda x: x * (x < 0).any(dim=1, keepdim=True), "as many rows as x")
    fails_with("03.3", lambda x: x[(x < 0).any(dim=1)].flip(0), "right shape, wrong rows")


def test_rows_with_negatives_keeps_the_dtype():
    fails_with("03.3", lambda x: x[(x < 0).any(dim=1)].float(), "but x has dtype torch.int64. The selected rows are rows "
               "of x")
    fails_with("03.3", lambda x: x[(x < 0).any(dim=1)].double(), "不要转换类型", lang="zh")


# ---------------------------------------------------------------- 03.4


def zero_diagonal(m):
    result = m.clone()
    result.fill_diagonal_(0)
    return result


def test_zero_diagonal():
    assert evaluate("03.4", zero_diagonal, "en")[0] == "pass"
    assert evaluate("03.4", lambda m: m * (1 - torch.eye(len(m), dtype=m.dtype)), "en")[0] == "pass"


def test_zero_diagonal_mutating_the_input():
    def in_place(m):
        m.fill_diagonal_(0)
        return m

    def through_alias(m):
        result = m
        result[range(len(m)), range(len(m))] = 0
        return result

    fails_with("03.4", in_place, "changed its input in place")
    fails_with("03.4", through_alias, "clone() first")
    fails_with("03.4", in_place, "调用者的张量必须保持原样", lang="zh")


def test_zero_diagonal_other_mistakes():
    fails_with("03.4", lambda m: m * (1 - torch.eye(len(m))), "torch.eye is float32 by default")
    fails_with("03.4", lambda m: torch.diagonal(m) * 0, "torch.diagonal(m) is only the diagonal")

    def zero_a_copy(m):
        result = m.clone()
        idx = list(range(len(m)))
        result[idx, idx].zero_()  # advanced indexing returns a copy: this changes nothing
        return result

    fails_with("03.4", zero_a_copy, "the matrix came back unchanged")
    fails_with("03.4", lambda m: m.clone().fill_diagonal_(1), "Only the diagonal m[i, i] becomes 0")

    def shortcut(m):
        if bool((torch.diagonal(m) == 0).all()):
            return m  # "nothing to do": but the caller now holds two names for one tensor
        return zero_diagonal(m)

    fails_with("03.4", shortcut, "shares memory with m")


# ---------------------------------------------------------------- 03.5


def distances(a, b):
    return ((a[:, None, :] - b[None, :, :]) ** 2).sum(dim=-1).sqrt()


def test_pairwise_distances():
    assert evaluate("03.5", distances, "en")[0] == "pass"

    def expansion(a, b):
        squared = (a**2).sum(1)[:, None] + (b**2).sum(1)[None, :] - 2 * a @ b.T
        return squared.clamp(min=0).sqrt()

    assert evaluate("03.5", expansion, "en")[0] == "pass"


def test_pairwise_distances_mistakes():
    fails_with("03.5", lambda a, b: ((a - b) ** 2).sum(dim=-1).sqrt(), "raised a broadcasting error")
    fails_with("03.5", lambda a, b: ((a[:, None] - b[None]) ** 2).sum(dim=-1), "squared distances")
    fails_with("03.5", lambda a, b: distances(b, a), "the result is transposed")
    fails_with("03.5", lambda a, b: ((a[:, None] - b[None]) ** 2).sum(dim=1).sqrt(), "expected shape (3, 4), got (3, 2)")
    fails_with("03.5", lambda a, b: (a[:, None] - b[None]).abs().sum(dim=-1), "wrong values")
    fails_with("03.5", lambda a, b: torch.cdist(a, b), "the exercise is to do it with broadcasting")
    fails_with("03.5", lambda a, b: torch.cdist(a, b), "用广播来做", lang="zh")

    def expansion_without_clamp(a, b):
        squared = (a**2).sum(1)[:, None] + (b**2).sum(1)[None, :] - 2 * a @ b.T
        return squared.sqrt()

    status, message = evaluate("03.5", expansion_without_clamp, "en")
    assert status in ("pass", "fail")  # NaN only when rounding goes below zero
    if status == "fail":
        assert "contains NaN" in message


_alias = torch.cdist  # a notebook's top-level alias: the function's code only says _alias


def _helper(a, b):  # a notebook's helper function: the answer calls it, and it calls torch.cdist
    return torch.cdist(a, b)


def test_pairwise_distances_bans_cdist_however_it_is_written():
    def through_functional(a, b):
        return torch.functional.cdist(a, b)

    def imported_as(a, b):
        from torch import cdist as d

        return d(a, b)

    def by_name(a, b):
        return getattr(torch, "cdist")(a, b)  # noqa: B009 - the spelling under test

    def through_a_helper(a, b):
        return _helper(a, b)

    def through_an_alias(a, b):
        return _alias(a, b)

    for answer, found in [(through_functional, "`torch.functional.cdist`"),
                          (imported_as, "`from torch import cdist`"),
                          (by_name, "`getattr(torch, 'cdist')`"),
                          (through_a_helper, "`torch.cdist`"),
                          (through_an_alias, "`_alias (= torch.cdist)`"),
                          (torch.cdist, "`torch.cdist`")]:
        fails_with("03.5", answer, f"your code uses {found}, which this exercise forbids")
        fails_with("03.5", answer, "这道练习不允许用它", lang="zh")


def test_pairwise_distances_ban_reads_a_submitted_answer():
    written = "import torch\n\ndef pairwise_distances(a, b):\n    return torch.functional.cdist(a, b)\n"
    fails_with("03.5", Remote(distances, written), "your code uses `torch.functional.cdist`")
    clean = "def pairwise_distances(a, b):\n    return ((a[:, None] - b[None]) ** 2).sum(-1).sqrt()\n"
    assert evaluate("03.5", Remote(distances, clean), "en")[0] == "pass"


def test_cdist_is_restored():
    evaluate("03.5", lambda a, b: torch.cdist(a, b), "en")
    assert torch.cdist(torch.zeros(1, 2), torch.ones(1, 2)).item() == pytest.approx(2**0.5)


# ---------------------------------------------------------------- stubs


def test_stubs_are_not_done():
    def stub(*args):
        raise NotImplementedError("Write your code here / 在这里写你的代码")

    for exercise_id in ("03.1", "03.2", "03.3", "03.4", "03.5"):
        status, message = evaluate(exercise_id, stub, "en")
        assert status == "todo", message
    assert evaluate("03.1", stub, "zh")[1].startswith("⏳ 03.1 还没有完成")
