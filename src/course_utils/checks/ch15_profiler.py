"""Checks for 15_profiler.

Times differ on every run, so the checks compare an answer with the truth read from the *same*
profile, and count operator calls, which do not change.
"""

from __future__ import annotations

import json
import tempfile
import warnings
from collections.abc import Collection
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.profiler import ProfilerAction, ProfilerActivity, profile, record_function

from ..profiling import count_calls, labels, quiet_profiler
from .engine import checker
from .vocabulary import (
    Mistake,
    diagnose,
    expect_callable,
    expect_returned,
    expect_tensor,
    fail,
    generator,
)

CPU = [ProfilerActivity.CPU]


def _one_of(answer: Any, names: Collection[Any]) -> Any:
    """For a Mistake that is a whole family of answers: the answer itself when it is one of ``names``."""
    return answer if answer in names else None


# --------------------------------------------------------------------------- 15.1


def _matmul_profile() -> Any:
    """A label around a big matrix product and a few tiny ops: aten::mm does the work."""
    g = generator(151)
    a, b, small = torch.randn(192, 192, generator=g), torch.randn(192, 192, generator=g), torch.randn(8, generator=g)
    with profile(activities=CPU) as prof, record_function("train_step"):
        shifted = small * 2 + 1
        product = torch.matmul(a, b)
    del shifted, product
    return prof


def _bmm_profile() -> Any:
    """A second profile with another dominant op, so that hard-coding 'aten::mm' fails."""
    g = generator(152)
    x, y, small = torch.randn(8, 96, 96, generator=g), torch.randn(8, 96, 96, generator=g), torch.randn(8, generator=g)
    with profile(activities=CPU) as prof, record_function("attention"):
        scores = torch.bmm(x, y)
        magnitude = small.abs()
    del scores, magnitude
    return prof


#: Wrong op names, from (answer, key_averages rows, profile).
SLOWEST_MISTAKES = [
    Mistake(lambda answer, rows, prof: _one_of(answer, {max(rows, key=lambda e: e.cpu_time_total).key, *labels(prof)}),
            "you returned {answer!r}, which has the largest *total* time: a label (or a wrapper op) includes the time "
            "of everything it calls. Sort by self time instead: "
            "max(prof.key_averages(), key=lambda e: e.self_cpu_time_total).key.",
            "你返回了 {answer!r}，它的**总**时间最大：标签（或包装算子）的总时间包含它调用的一切。"
            "请按自身时间找：max(prof.key_averages(), key=lambda e: e.self_cpu_time_total).key。"),
    Mistake(lambda answer, rows, prof: _one_of(answer, {e.key for e in rows if e.cpu_time_total > 2 * e.self_cpu_time_total}),
            "{answer!r} spends most of its time in the ops it calls (its total time is large, its self time small). "
            "The op with the largest self CPU time here is {truth!r}: compare self_cpu_time_total.",
            "{answer!r} 的大部分时间花在它调用的子算子里（总时间大，自身时间小）。这里自身 CPU 时间最大的是 "
            "{truth!r}：请比较 self_cpu_time_total。"),
    Mistake(lambda answer, rows, prof: None if answer in {e.key for e in rows} else answer,
            "{answer!r} is not a row of this profile's key_averages(). Read the name from the profile you are given "
            "(each row's .key), do not type it in.",
            "{answer!r} 不是这个分析结果 key_averages() 里的一行。请从传入的分析结果里读名字（每行的 .key），不要手写。"),
]


@checker("15.1")
def check_slowest_op(slowest_op) -> None:
    expect_callable(slowest_op)
    quiet_profiler()
    for make in (_matmul_profile, _bmm_profile):
        prof = make()
        rows = prof.key_averages()
        truth = max(rows, key=lambda e: e.self_cpu_time_total).key
        answer = expect_returned(slowest_op(prof), "slowest_op(prof)")
        if hasattr(answer, "key") and not isinstance(answer, str):
            fail("", f"return the op's name (a str, e.g. {truth!r}), not the whole row: use its .key.",
                 f"请返回算子的名字（字符串，例如 {truth!r}），不是整行：取它的 .key。")
        if not isinstance(answer, str):
            fail("", f"return the op's name as a str, got a {type(answer).__name__}.",
                 f"应返回算子名字的字符串，实际得到 {type(answer).__name__}。")
        diagnose(answer, truth, SLOWEST_MISTAKES, "", answer, rows, prof, answer=answer, truth=truth,
                 otherwise=("the op with the largest self CPU time is {truth!r}, you returned {answer!r}. "
                            "Take the maximum of e.self_cpu_time_total over prof.key_averages().",
                            "自身 CPU 时间最大的算子是 {truth!r}，你返回了 {answer!r}。"
                            "请对 prof.key_averages() 的 e.self_cpu_time_total 取最大值。"))


# --------------------------------------------------------------------------- 15.2

WANTED_STEPS = [3, 4, 8, 9]
RECORDING = (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)

#: Wrong lists of recorded steps (the schedule over 20 steps).
SCHEDULE_MISTAKES = [
    Mistake(lambda recorded: recorded if recorded[:4] == WANTED_STEPS else None,
            "steps {wanted} are recorded, but so are later ones ({shown}). repeat=0 repeats the cycle until the end "
            "of training: set repeat=2.",
            "第 {wanted} 步记录了，但后面的也记录了（{shown}）。repeat=0 会一直重复到训练结束：请设 repeat=2。"),
    Mistake(lambda recorded: WANTED_STEPS[:2],
            "only steps 3 and 4 are recorded: the cycle must run twice (repeat=2).",
            "只记录了第 3、4 步：周期要运行两次（repeat=2）。"),
    Mistake(lambda recorded: [],
            "your schedule records no step at all: it needs active=2.", "你的 schedule 一步也没有记录：需要 active=2。"),
    Mistake(lambda recorded: recorded if recorded[0] != WANTED_STEPS[0] else None,
            "the first recorded step is {first}, wanted 3: {off} step(s) too {early}. Steps are numbered from 0 and "
            "the first recorded step is wait + warmup, so wait + warmup = 3.",
            "第一个被记录的是第 {first} 步，要求第 3 步：{early_zh}了 {off} 步。"
            "步号从 0 开始，第一个被记录的步号是 wait + warmup，所以 wait + warmup = 3。"),
]


@checker("15.2")
def check_schedule(make_schedule) -> None:
    expect_callable(make_schedule)
    quiet_profiler()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sched = expect_returned(make_schedule(), "make_schedule()")
    if isinstance(sched, profile):
        fail("", "return the schedule (what torch.profiler.schedule(...) returns), not a profiler.",
             "请返回 schedule（torch.profiler.schedule(...) 的返回值），不是分析器。")
    if not callable(sched):
        fail("", f"return the schedule made by torch.profiler.schedule(...), got a {type(sched).__name__}.",
             f"应返回 torch.profiler.schedule(...) 生成的 schedule，实际得到 {type(sched).__name__}。")
    actions = [sched(step) for step in range(20)]
    recorded = [step for step, action in enumerate(actions) if action in RECORDING]
    first = recorded[0] if recorded else 0
    diagnose(recorded, WANTED_STEPS, SCHEDULE_MISTAKES, "", recorded, wanted=WANTED_STEPS,
             shown=recorded[:8] + (["..."] if len(recorded) > 8 else []), first=first, off=abs(first - 3),
             early="early" if first < 3 else "late", early_zh="早" if first < 3 else "晚",
             otherwise=("your schedule records steps {shown}, wanted exactly {wanted}. Each cycle is wait + warmup + "
                        "active steps: here 2 + 1 + 2 = 5, so the second cycle records 8 and 9.",
                        "你的 schedule 记录了第 {shown} 步，要求恰好是 {wanted}。每个周期有 wait + warmup + active 步："
                        "这里 2 + 1 + 2 = 5，所以第二个周期记录第 8、9 步。"))
    if any("won't be using warmup" in str(w.message) for w in caught) or ProfilerAction.WARMUP not in actions:
        fail("", "the right steps are recorded, but without a warmup step: the first step after the profiler starts "
             "carries its start-up cost. Use wait=2, warmup=1.",
             "记录的步对了，但没有预热步：分析器启动后的第一步带着启动开销。请用 wait=2, warmup=1。")
    seen: list[int] = []

    def handler(p) -> None:
        seen.extend(int(e.trace_name.split("#")[1]) for e in p.events() if e.trace_name.startswith("ProfilerStep#"))

    with profile(activities=CPU, schedule=sched, on_trace_ready=handler) as prof:
        for _ in range(12):
            torch.ones(4).sum()
            prof.step()
    if sorted(seen) != WANTED_STEPS:
        fail("", f"in a real profile over 12 steps, on_trace_ready saw steps {sorted(seen)}, wanted {WANTED_STEPS}.",
             f"在 12 步的真实分析中，on_trace_ready 看到的是第 {sorted(seen)} 步，要求 {WANTED_STEPS}。")


# --------------------------------------------------------------------------- 15.3


def _descendants(event) -> set[str]:
    names, stack = set(), list(event.cpu_children)
    while stack:
        child = stack.pop()
        names.add(child.name)
        stack.extend(child.cpu_children)
    return names


@checker("15.3")
def check_labels(profile_with_labels) -> None:
    expect_callable(profile_with_labels)
    quiet_profiler()
    torch.manual_seed(153)
    model = nn.Linear(6, 3)
    x = torch.randn(5, 6, generator=generator(153)) * 4 + 2
    prof = expect_returned(profile_with_labels(model, x), "profile_with_labels(model, x)")
    if isinstance(prof, torch.Tensor):
        fail("", "return the profiler (the prof of `with profile(...) as prof:`), not the model's output.",
             "请返回分析器（`with profile(...) as prof:` 里的 prof），不是模型的输出。")
    if not hasattr(prof, "key_averages"):
        fail("", f"return the torch.profiler.profile object, got a {type(prof).__name__}.",
             f"应返回 torch.profiler.profile 对象，实际得到 {type(prof).__name__}。")
    if count_calls(prof) == 0:
        fail("", "the profiler recorded no ops at all: the code must run inside `with profile(...) as prof:`.",
             "分析器一个算子也没记录到：代码要在 `with profile(...) as prof:` 里面运行。")
    found = labels(prof)
    for name in ("normalize", "model"):
        if name not in found:
            fail("", f"the label {name!r} is not in the table (labels found: {sorted(found)}). A record_function "
                 f"block is only recorded while the profiler runs: put `with record_function({name!r}):` inside "
                 "`with profile(...)`, and spell the label exactly.",
                 f"表格里没有标签 {name!r}（找到的标签：{sorted(found)}）。record_function 只在分析器运行时被记录："
                 f"把 `with record_function({name!r}):` 放进 `with profile(...)` 里面，标签名要一字不差。")
    inside = {e.name: _descendants(e) for e in prof.events() if e.name in ("normalize", "model")}
    normalized, model_in_normalize = inside["normalize"] & {"aten::mean", "aten::std"}, "aten::linear" in inside["normalize"]
    if not normalized and model_in_normalize:
        fail("", "the model ran inside the 'normalize' block: normalise first, then run the model in its own block.",
             "模型是在 'normalize' 块里运行的：先归一化，再在单独的块里运行模型。")
    if not normalized:
        fail("", "the 'normalize' label is there, but no ops ran inside it: the computation (x - x.mean()) / x.std() "
             "must be indented under `with record_function('normalize'):`.",
             "有 'normalize' 标签，但它里面没有运行任何算子：计算 (x - x.mean()) / x.std() 要缩进在 "
             "`with record_function('normalize'):` 下面。")
    if "aten::linear" not in inside["model"]:
        fail("", "the 'model' label is there, but model(x) did not run inside it: call the model under "
             "`with record_function('model'):`.",
             "有 'model' 标签，但 model(x) 不在它里面运行：请在 `with record_function('model'):` 下调用模型。")
    if model_in_normalize:
        fail("", "the model also ran inside the 'normalize' block: keep the two blocks apart.",
             "模型也在 'normalize' 块里运行了：两个块要分开。")


# --------------------------------------------------------------------------- 15.4

MAX_CALLS = 60


def _sq_dists(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)


SQ_DIST_MISTAKES = [
    Mistake(lambda a, b: _sq_dists(a, b).sqrt(),
            "these are the distances, not the squared distances (torch.cdist returns the distance): square them.",
            "这是距离，不是距离的平方（torch.cdist 返回的是距离）：请再平方。"),
]


@checker("15.4")
def check_vectorised(fast_sq_dists) -> None:
    expect_callable(fast_sq_dists)
    quiet_profiler()
    g = generator(154)
    a, b = torch.randn(37, 5, generator=g), torch.randn(23, 5, generator=g)
    want = _sq_dists(a, b)
    got = expect_tensor(fast_sq_dists(a, b), "fast_sq_dists(a, b)")
    if got.shape == (23, 37):
        fail("", "the result is transposed: out[i, j] compares a[i] with b[j], so its shape is (len(a), len(b)).",
             "结果转置了：out[i, j] 比较的是 a[i] 和 b[j]，形状应为 (len(a), len(b))。")
    if got.shape != want.shape:
        fail("", f"for a of shape {tuple(a.shape)} and b of shape {tuple(b.shape)} the result should have shape "
             f"{tuple(want.shape)}, got {tuple(got.shape)}. Hint: a[:, None, :] - b[None, :, :] has shape "
             "(len(a), len(b), features).",
             f"a 的形状为 {tuple(a.shape)}、b 的形状为 {tuple(b.shape)} 时，结果形状应为 {tuple(want.shape)}，"
             f"实际为 {tuple(got.shape)}。提示：a[:, None, :] - b[None, :, :] 的形状是 (len(a), len(b), 特征数)。")
    diagnose(got, want, SQ_DIST_MISTAKES, "", a, b, atol=1e-4, rtol=1e-4,
             diff=(got.detach().double() - want.double()).abs().max().item(),
             otherwise=("the values differ from the loop's (largest difference {diff:.4f}). "
                        "out[i, j] must be ((a[i] - b[j]) ** 2).sum().",
                        "数值与循环版本不同（最大差 {diff:.4f}）。out[i, j] 应为 ((a[i] - b[j]) ** 2).sum()。"))
    with profile(activities=CPU) as prof:
        fast_sq_dists(a, b)
    calls = count_calls(prof)
    if calls > MAX_CALLS:
        fail("", f"the result is right, but computing {len(a)}x{len(b)} pairs took {calls} aten op calls "
             f"(the loop takes thousands; a vectorised version needs fewer than {MAX_CALLS}). There is still a "
             "Python loop: subtract all pairs at once with broadcasting, a[:, None, :] - b[None, :, :].",
             f"结果对了，但计算 {len(a)}x{len(b)} 对用了 {calls} 次 aten 算子调用（循环要几千次，向量化的版本不到 "
             f"{MAX_CALLS} 次）。代码里还有 Python 循环：用广播一次算出所有差值，a[:, None, :] - b[None, :, :]。")


# --------------------------------------------------------------------------- 15.5


def _pattern_a() -> None:
    a = torch.empty(250_000)  # 1,000,000 bytes (float32)
    b = torch.empty(500_000)  # 2,000,000 bytes: 3,000,000 held
    del a
    c = torch.empty(125_000)  # 500,000 bytes: 2,500,000 held
    del b, c


def _pattern_b() -> None:
    a = torch.empty(100_000)  # 400,000 bytes
    b = torch.empty(300_000)  # 1,200,000 bytes: 1,600,000 held
    del a
    c = torch.empty(200_000)  # 800,000 bytes: 2,000,000 held
    d = torch.empty(50_000)  # 200,000 bytes: 2,200,000 held
    del b, c, d


#: peak, sum of all allocations, largest single allocation, for each pattern
PATTERNS = ((_pattern_a, 3_000_000, 3_500_000, 2_000_000), (_pattern_b, 2_200_000, 2_600_000, 1_200_000))

#: Wrong byte counts, from (peak, sum of all allocations, largest allocation).
PEAK_MISTAKES = [
    Mistake(lambda peak, total, largest: float(total),
            "you added up every allocation, but freed memory comes back. Keep a running total (Bytes is positive for "
            "an allocation, negative for a free) and return its maximum.",
            "你把所有分配加在了一起，但释放的内存会还回来。请维护一个累加值（Bytes 分配为正、释放为负），返回它的最大值。"),
    Mistake(lambda peak, total, largest: float(largest),
            "that is the largest single allocation. The peak counts every tensor alive at the same moment: "
            "the maximum of the running total of Bytes.",
            "这是单次最大的分配。峰值要算同一时刻所有还活着的张量：取 Bytes 累加值的最大值。"),
    Mistake(lambda peak, total, largest: 0.0,
            "0 is what the function still holds at the end (everything was freed). The peak is the largest "
            "value the running total of Bytes reaches on the way.",
            "0 是函数结束时还占用的内存（全部释放了）。峰值是 Bytes 累加值在过程中达到的最大值。"),
    *(Mistake(lambda peak, total, largest, unit=unit: peak / unit,
              "return bytes, not KiB or MiB: the peak here is {peak} bytes.",
              "请返回字节数，不是 KiB 或 MiB：这里的峰值是 {peak} 字节。") for unit in (1024, 2**20, 1e3, 1e6)),
]


def _memory_events(trace_path: Path) -> int | None:
    """How many [memory] events the trace at ``trace_path`` holds; None when there is no trace."""
    if not trace_path.exists():
        return None
    with open(trace_path, encoding="utf-8") as f:
        return sum(e.get("name") == "[memory]" for e in json.load(f)["traceEvents"])


@checker("15.5")
def check_peak_bytes(peak_bytes) -> None:
    expect_callable(peak_bytes)
    quiet_profiler()
    for pattern, peak, total, largest in PATTERNS:
        with tempfile.TemporaryDirectory() as folder:
            trace_path = Path(folder) / "trace.json"
            answer = peak_bytes(pattern, str(trace_path))
            memory_events = _memory_events(trace_path)
        if memory_events is None:
            fail("", "no trace file at trace_path: export it with prof.export_chrome_trace(trace_path) after the "
                 "`with profile(...)` block, then read it back with json.",
                 "trace_path 处没有轨迹文件：在 `with profile(...)` 块之后用 prof.export_chrome_trace(trace_path) "
                 "导出，再用 json 读回来。")
        if memory_events == 0:
            fail("", "the trace has no [memory] events: profile with profile_memory=True.",
                 "轨迹里没有 [memory] 事件：分析时要传 profile_memory=True。")
        expect_returned(answer, "peak_bytes(fn, trace_path)")
        if isinstance(answer, bool) or not isinstance(answer, (int, float)):
            fail("", f"return a number of bytes (an int), got a {type(answer).__name__}.",
                 f"应返回字节数（整数），实际得到 {type(answer).__name__}。")
        diagnose(answer, float(peak), PEAK_MISTAKES, "", peak, total, largest, atol=0, rtol=0, peak=peak, answer=answer,
                 otherwise=("for this allocation pattern the peak is {peak:,} bytes, you returned {answer:,}. Sum the "
                            "Bytes of the [memory] events in time order and keep the largest running total.",
                            "对这个分配模式，峰值是 {peak:,} 字节，你返回了 {answer:,}。按时间顺序累加 [memory] 事件的 "
                            "Bytes，取累加过程中的最大值。"))
