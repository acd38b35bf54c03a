"""Checks for 04_gpu.

Every check runs on any machine: device placement is tested with the ``cpu`` and ``meta``
devices (``meta`` tensors have a shape and a dtype but no data), and timing with CUDA events
against a simulated GPU queue whose events behave like ``torch.cuda.Event``.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .engine import checker
from .vocabulary import Mistake, as_number, diagnose, expect_callable, expect_returned, fail, same

# --------------------------------------------------------------------------- 04.1


def _model_and_batch() -> tuple[nn.Linear, torch.Tensor]:
    """A small Linear model with fixed weights (no random numbers: the global seed stays untouched)."""
    model = nn.Linear(3, 2)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]))
        model.bias.copy_(torch.tensor([0.05, -0.05]))
    return model, torch.arange(12.0).reshape(4, 3)


def _explain_device_error(err: Exception, model: nn.Module, device: torch.device, call: str) -> None:
    """Turn the typical device errors into hints; re-raise anything else."""
    text = str(err)
    if isinstance(err, NotImplementedError):  # a RuntimeError too: the exercise is not done yet
        raise err
    if "NVIDIA" in text or "CUDA" in text or "cuda" in text:
        fail(call, f"your function tried to use CUDA although it was asked for {device}: "
             "don't hard-code .cuda(); write model.to(device) and batch.to(device).",
             f"要求的设备是 {device}，你的函数却用了 CUDA：不要写死 .cuda()，请用 model.to(device) 和 batch.to(device)。")
    if "device" not in text:
        raise err
    if any(p.device != device for p in model.parameters()):
        fail(call, f"with device={device} the model stayed on {next(model.parameters()).device}: "
             "move the model too, with model.to(device).",
             f"device={device} 时模型还留在 {next(model.parameters()).device} 上：模型也要搬，用 model.to(device)。")
    fail(call, f"with device={device} the model was moved but the batch was not. Tensor.to() returns a NEW "
         "tensor and leaves the original where it was: write batch = batch.to(device).",
         f"device={device} 时模型搬过去了，数据却没有。Tensor.to() 返回一个新张量，原来的张量不动："
         "要写 batch = batch.to(device)。")


@checker("04.1")
def check_run_on(run_on) -> None:
    expect_callable(run_on)
    for device in ("meta", torch.device("meta"), "cpu", torch.device("cpu")):
        target, call = torch.device(device), f"run_on(model, batch, {device!r})"
        model, batch = _model_and_batch()
        with torch.no_grad():
            expected = model(batch)
        try:
            out = expect_returned(run_on(model, batch, device), call)
        except (RuntimeError, AssertionError) as err:  # AssertionError: "Torch not compiled with CUDA enabled"
            _explain_device_error(err, model, target, call)
        if not isinstance(out, torch.Tensor):
            fail(call, f"returned a {type(out).__name__}: return only the output tensor, model(batch).",
                 f"返回了 {type(out).__name__}：只返回输出张量 model(batch)。")
        if out.device.type != target.type:
            cuda = out.device.type == "cuda"
            fail(call, f"asked for {device!r}, the output is on {out.device}: " + (
                "don't hard-code .cuda(); use .to(device)." if cuda else
                "move the model and the batch to the device passed in, not to a fixed one."),
                f"要求的设备是 {device!r}，输出却在 {out.device} 上：" + (
                "不要写死 .cuda()，请用 .to(device)。" if cuda else "请把模型和数据搬到传入的 device 上，而不是某个固定设备。"))
        if tuple(out.shape) != (4, 2):
            fail(call, f"the output has shape {tuple(out.shape)}, expected (4, 2): return model(batch) for the whole batch.",
                 f"输出的形状是 {tuple(out.shape)}，应为 (4, 2)：请对整个批次返回 model(batch)。")
        if target.type == "cpu" and not same(out.detach().float(), expected, atol=1e-5, rtol=1e-5):
            fail(call, "on the CPU the output differs from model(batch): return the model's output unchanged.",
                 "在 CPU 上输出和 model(batch) 不一样：请原样返回模型的输出。")


# --------------------------------------------------------------------------- 04.2

GFLOPS_MISTAKES = [
    Mistake(lambda n, s: n**3 / s / 1e9,
            "you counted n³ operations: each of the n³ multiply-adds is TWO floating-point operations, so 2·n³.",
            "你算的是 n³ 次运算：n³ 次乘加中，每次都是一次乘法加一次加法，共 2·n³ 次浮点运算。"),
    Mistake(lambda n, s: 2 * n**2 / s / 1e9,
            "an n×n matmul does n multiply-adds for each of its n² outputs: 2·n³ operations, not 2·n².",
            "n×n 矩阵乘法的 n² 个输出，每个都要做 n 次乘加：一共 2·n³ 次运算，不是 2·n²。"),
    Mistake(lambda n, s: n**2 / s / 1e9,
            "an n×n matmul does n multiply-adds for each of its n² outputs: 2·n³ operations, not n².",
            "n×n 矩阵乘法的 n² 个输出，每个都要做 n 次乘加：一共 2·n³ 次运算，不是 n²。"),
    Mistake(lambda n, s: 2 * n**3 / s, "that is FLOP/s: divide by 1e9 to get GFLOP/s.", "这是 FLOP/s：再除以 1e9 才是 GFLOP/s。"),
    Mistake(lambda n, s: 2 * n**3 / s / 2**30,
            "giga means 10⁹ here: divide by 1e9, not by 2**30.", "这里的 giga 是 10⁹：请除以 1e9，而不是 2**30。"),
    Mistake(lambda n, s: 2 * n**3 / s / 1e12,
            "that is TFLOP/s: divide by 1e9, not 1e12, for GFLOP/s.", "这是 TFLOP/s：要得到 GFLOP/s，应除以 1e9 而不是 1e12。"),
    Mistake(lambda n, s: 2 * n**3 * s / 1e9,
            "a rate is operations PER second: divide by the seconds instead of multiplying.",
            "速率是每秒的运算次数：应该除以秒数，而不是乘以秒数。"),
]


@checker("04.2")
def check_gflops(gflops) -> None:
    expect_callable(gflops)
    for n, seconds in ((512, 0.25), (1000, 0.5), (4096, 0.002), (7, 1e-6)):
        call, right = f"gflops({n}, {seconds})", 2 * n**3 / seconds / 1e9
        got = as_number(gflops(n, seconds), call)
        diagnose(got, right, GFLOPS_MISTAKES, call, n, seconds, atol=1e-12, rtol=1e-6,
                 otherwise=("expected {right:.6g}, got {got:.6g}. GFLOP/s = 2·n³ / seconds / 1e9.",
                            "应为 {right:.6g}，实际得到 {got:.6g}。GFLOP/s = 2·n³ / 秒数 / 1e9。"), right=right, got=got)


# --------------------------------------------------------------------------- 04.3


class FakeGPU:
    """A simulated GPU queue with timing events, in milliseconds.

    ``fn()`` takes ``LAUNCH`` ms of host time and queues its work; call k (from 0) does
    ``WORK + STEP * k`` ms of work, plus ``COLD`` ms on the very first call (kernel selection,
    caches). ``make_event()`` makes an event like ``torch.cuda.Event(enable_timing=True)``:
    ``record()`` queues a timestamp, which is known only once the device has reached it;
    ``sync()`` makes the host wait for the whole queue.
    """

    LAUNCH, WORK, STEP, COLD = 0.01, 2.0, 0.5, 40.0

    def __init__(self) -> None:
        self.host = 100.0  # ms on the host clock; the device is idle at first
        self.device_free = 0.0
        self.calls: list[float] = []  # the work of each call of fn, in order
        self.log: list[str] = []

    def fn(self) -> None:
        work = self.WORK + self.STEP * len(self.calls) + (self.COLD if not self.calls else 0.0)
        self.calls.append(work)
        self.log.append("fn")
        self.device_free = max(self.device_free, self.host) + work  # the device starts as soon as it is free
        self.host += self.LAUNCH

    def sync(self) -> None:
        self.log.append("sync")
        self.host = max(self.host, self.device_free)

    def make_event(self, *args: object, **kwargs: object) -> FakeEvent:
        if args or kwargs:
            fail("", "call make_event() without arguments: it already makes a timing event "
                 "(in real use it is lambda: torch.cuda.Event(enable_timing=True)).",
                 "调用 make_event() 时不要传参数：它做出来的已经是能计时的事件"
                 "（实际使用时它是 lambda: torch.cuda.Event(enable_timing=True)）。")
        return FakeEvent(self)


class FakeEvent:
    """A ``torch.cuda.Event`` on a ``FakeGPU``: record(), query(), synchronize(), elapsed_time()."""

    def __init__(self, gpu: FakeGPU) -> None:
        self.gpu, self.time = gpu, None

    def record(self, *args: object) -> None:
        self.gpu.log.append("record")
        self.time = max(self.gpu.device_free, self.gpu.host)  # when the device reaches this point of the queue

    def query(self) -> bool:
        return self.time is not None and self.gpu.host >= self.time

    def synchronize(self) -> None:
        if self.time is not None:
            self.gpu.host = max(self.gpu.host, self.time)

    def elapsed_time(self, end: FakeEvent) -> float:
        if self.time is None or end.time is None:
            fail("", "call elapsed_time() only on two events that were both recorded with .record().",
                 "只能对两个都用 .record() 记录过的事件调用 elapsed_time()。")
        if not (self.query() and end.query()):
            fail("", "you read elapsed_time() before the device reached the end event: record() only QUEUES a "
                 "timestamp, which is filled in when the GPU gets there (a real GPU raises an error here). "
                 "Record all the events first, call sync() once after the last call, then read the times.",
                 "你在设备执行到结束事件之前就读了 elapsed_time()：record() 只是把一个时间戳排进队列，"
                 "要等 GPU 执行到那里才会填上（真正的 GPU 在这里会报错）。先记录所有事件，"
                 "在最后一次调用之后调用一次 sync()，再读时间。")
        return end.time - self.time


EVENT_MISTAKES = [
    Mistake(lambda e: e / 1000, "elapsed_time() already gives milliseconds: return them as they are, not divided by 1000.",
            "elapsed_time() 给出的已经是毫秒：直接返回，不要除以 1000。"),
    Mistake(lambda e: e * 1000, "elapsed_time() already gives milliseconds, not seconds: don't multiply by 1000.",
            "elapsed_time() 给出的已经是毫秒，不是秒：不要乘以 1000。"),
    Mistake(lambda e: -e, "your times are negative: start.elapsed_time(end) is the time from start to end, "
            "not end.elapsed_time(start).",
            "你的时间是负数：start.elapsed_time(end) 才是从 start 到 end 的时间，不是 end.elapsed_time(start)。"),
    Mistake(lambda e: e.mean().expand_as(e) if len(e) > 1 else None,
            "every time is the average: one pair of events around all the calls measures only their total. "
            "Record a new pair of events around EACH call.",
            "每个时间都是平均值：用一对事件把所有调用包起来，只能量到总时间。要在每次调用前后各记录一对新事件。"),
    Mistake(lambda e: torch.full_like(e, e[-1].item()) if len(e) > 1 else None,
            "every time is the last call's: recording an event again moves it, so reusing one pair for every call "
            "keeps only the last timing. Make a new pair with make_event() for each call and keep them in a list.",
            "每个时间都是最后一次调用的：再次 record() 会移动事件，所以每次调用都复用同一对事件，只会留下最后一次计时。"
            "每次调用都用 make_event() 新建一对事件，并把它们存进列表。"),
]


@checker("04.3")
def check_time_with_events(time_with_events) -> None:
    expect_callable(time_with_events)
    for warmup, repeats in ((3, 4), (1, 2), (0, 3)):
        gpu, call = FakeGPU(), f"time_with_events(fn, make_event, sync, warmup={warmup}, repeats={repeats})"
        times = expect_returned(time_with_events(gpu.fn, gpu.make_event, gpu.sync, warmup=warmup, repeats=repeats), call)
        if not isinstance(times, (list, tuple)):
            fail(call, f"returned a {type(times).__name__}: return a list with one time per timed call "
                 "(not their sum or mean), each from its own pair of events.",
                 f"返回了 {type(times).__name__}：请返回一个列表，每次计时调用一个时间（不是总和或平均值），每个时间来自它自己的一对事件。")
        if "record" not in gpu.log:
            fail(call, "no event was recorded: create events with make_event(), and call .record() on one before "
                 "and one after each fn().", "没有记录任何事件：用 make_event() 创建事件，在每次 fn() 之前和之后各对一个事件调用 .record()。")
        n_fn = len(gpu.calls)
        if warmup and n_fn == repeats:
            fail(call, f"fn was called only {n_fn} times: call fn() warmup times first, without timing them. "
                 "The first call is slow (kernel selection, caches, memory allocation).",
                 f"fn 只被调用了 {n_fn} 次：请先不计时地调用 fn() warmup 次。第一次调用很慢（选择 kernel、缓存、分配内存）。")
        if n_fn != warmup + repeats:
            fail(call, f"fn was called {n_fn} times, expected {warmup + repeats}.",
                 f"fn 被调用了 {n_fn} 次，应为 {warmup + repeats} 次。")
        if gpu.log[: gpu.log.index("record")].count("fn") < warmup:
            fail(call, "the warm-up calls must all come before the first event is recorded.",
                 "所有预热调用都必须在记录第一个事件之前完成。")
        if len(times) != repeats:
            fail(call, f"return {repeats} times, one per timed call, each from its own pair of events (warm-up calls "
                 f"left out); you returned {len(times)}.",
                 f"应返回 {repeats} 个时间，每次计时调用一个，每个来自它自己的一对事件（不含预热调用）；你返回了 {len(times)} 个。")
        expected = torch.tensor(gpu.calls[warmup:], dtype=torch.float64)
        got = torch.tensor([as_number(t, call) for t in times], dtype=torch.float64)
        diagnose(got, expected, EVENT_MISTAKES, call, expected, atol=1e-6, rtol=1e-9,
                 otherwise=("on the simulated GPU the timed calls take {want_ms} ms, you measured {got_ms}. "
                            "For each call: start.record(), fn(), end.record(); after the last call one sync(), "
                            "then start.elapsed_time(end) for every pair.",
                            "在模拟的 GPU 上，计时的几次调用分别需要 {want_ms} 毫秒，你测得的是 {got_ms}。每次调用："
                            "start.record()，fn()，end.record()；最后一次调用之后调用一次 sync()，"
                            "再对每一对事件读 start.elapsed_time(end)。"),
                 want_ms=[round(t, 4) for t in expected.tolist()], got_ms=[round(t, 4) for t in got.tolist()])


# --------------------------------------------------------------------------- 04.4

BYTES_CASES = [((1000, 1000), torch.float32), ((1024, 4096), torch.float16), ((3, 224, 224), torch.uint8),
               ((2, 8), torch.int64), ((), torch.bfloat16), ((7,), torch.bool), ((0, 5), torch.float32),
               ((16, 16), torch.complex64)]

# Each wrong answer is computed from (shape, number of elements, bytes per element); None: not told apart.
BYTES_MISTAKES = [
    Mistake(lambda shape, numel, size: numel if numel > 1 and size != 1 else None,
            "{got} is the number of ELEMENTS: multiply by the bytes per element, element_size() ({size} for {dtype}).",
            "{got} 是元素个数：还要乘以每个元素的字节数 element_size()（{dtype} 是 {size}）。"),
    Mistake(lambda shape, numel, size: numel * 4 if size != 4 else None,
            "not every dtype takes 4 bytes; {dtype} takes {size}. Ask PyTorch: torch.empty((), dtype=dtype).element_size().",
            "不是每种类型都占 4 字节，{dtype} 占 {size} 字节。问 PyTorch：torch.empty((), dtype=dtype).element_size()。"),
    Mistake(lambda shape, numel, size: numel * size * 8,
            "{got} counts bits: there are 8 bits in a byte, return bytes.", "{got} 算的是比特数：1 字节 = 8 比特，请返回字节数。"),
    Mistake(lambda shape, numel, size: size if numel != 1 else None,
            "{got} is the size of ONE element: multiply by the number of elements.", "{got} 只是一个元素的大小：还要乘以元素个数。"),
    Mistake(lambda shape, numel, size: sum(shape) * size if len(shape) > 1 else None,
            "the number of elements is the PRODUCT of the shape ({numel}), not its sum.",
            "元素个数是形状中各维的乘积（{numel}），不是它们的和。"),
]


@checker("04.4")
def check_tensor_bytes(tensor_bytes) -> None:
    expect_callable(tensor_bytes)
    for shape, dtype in BYTES_CASES:
        numel, size, call = math.prod(shape), torch.empty((), dtype=dtype).element_size(), f"tensor_bytes({shape}, {dtype})"
        got = expect_returned(tensor_bytes(shape, dtype), call)
        got = got.item() if isinstance(got, torch.Tensor) else got
        diagnose(got, numel * size, BYTES_MISTAKES, call, shape, numel, size,
                 otherwise=("expected {bytes} bytes ({numel} elements × {size} bytes), got {got!r}.",
                            "应为 {bytes} 字节（{numel} 个元素 × {size} 字节），实际得到 {got!r}。"),
                 got=got, size=size, dtype=dtype, numel=numel, bytes=numel * size)


# --------------------------------------------------------------------------- 04.5

AMP_CASES = ["cuda", "cpu", torch.device("cuda"), torch.device("cpu"), "cuda:1", torch.device("cuda", 0), "mps"]

# (does the answer (device type, dtype, scaler) show this mistake?, en, zh), in the order they are checked
AMP_MISTAKES = [
    (lambda kind, dtype, scaler: dtype == torch.float32,
     "float32 is no mixed precision; pick a 16-bit type.", "float32 不是混合精度；请选一种 16 位类型。"),
    (lambda kind, dtype, scaler: kind == "cpu" and dtype == torch.float16,
     "on the CPU autocast works in bfloat16 (its default there, torch.get_autocast_dtype('cpu')).",
     "CPU 上的 autocast 用 bfloat16（这是它在 CPU 上的默认类型，torch.get_autocast_dtype('cpu')）。"),
    (lambda kind, dtype, scaler: kind == "mps" and dtype == torch.bfloat16,
     "on Apple's MPS use float16 with a GradScaler, as on CUDA (float16 is autocast's default there: "
     "torch.get_autocast_dtype('mps')).",
     "苹果的 MPS 上和 CUDA 一样用 float16 加 GradScaler（float16 是 MPS 上 autocast 的默认类型：torch.get_autocast_dtype('mps')）。"),
    (lambda kind, dtype, scaler: kind == "cuda" and dtype == torch.bfloat16,
     "use float16 on CUDA: it is fast on every GPU with tensor cores (Volta and newer), while fast bfloat16 needs "
     "Ampere or newer (torch.cuda.is_bf16_supported(including_emulation=False)).",
     "CUDA 上请用 float16：它在所有带 Tensor Core 的 GPU（Volta 及更新）上都很快，而快速的 bfloat16 "
     "需要 Ampere 或更新的 GPU（torch.cuda.is_bf16_supported(including_emulation=False)）。"),
    (lambda kind, dtype, scaler: dtype == torch.bfloat16 and scaler,
     "bfloat16 has the range of float32, so small gradients do not underflow: no GradScaler needed.",
     "bfloat16 的范围和 float32 一样，小梯度不会下溢：不需要 GradScaler。"),
    (lambda kind, dtype, scaler: dtype == torch.float16 and not scaler,
     "small gradients underflow to 0 in float16 (below about 6e-8): use a GradScaler.",
     "float16 里很小的梯度（小于约 6e-8）会下溢成 0：需要 GradScaler。"),
]


def _amp_expected(kind: str) -> tuple[torch.dtype, bool]:
    return (torch.bfloat16, False) if kind == "cpu" else (torch.float16, True)


@checker("04.5")
def check_amp_settings(amp_settings) -> None:
    expect_callable(amp_settings)
    for device in AMP_CASES:
        got, call, kind = amp_settings(device), f"amp_settings({device!r})", torch.device(device).type
        expected = _amp_expected(kind)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            fail(call, f"returned {got!r}: return a pair (dtype, use_grad_scaler), e.g. (torch.float16, True).",
                 f"返回了 {got!r}：请返回一对值 (dtype, use_grad_scaler)，例如 (torch.float16, True)。")
        dtype, scaler = got
        if isinstance(dtype, str):
            fail(call, f"return the dtype object (torch.float16), not the string {dtype!r}.",
                 f"请返回 dtype 对象（torch.float16），而不是字符串 {dtype!r}。")
        if device != kind and tuple(got) != expected and tuple(amp_settings(kind)) == expected:
            fail(call, f"{device!r} is a {kind} device too, but you treated it differently from {kind!r}. "
                 "A torch.device never equals a string, and 'cuda:1' != 'cuda': compare the device TYPE, "
                 "torch.device(device).type, which works for strings and torch.device objects.",
                 f"{device!r} 也是 {kind} 设备，你却把它和 {kind!r} 区别对待了。torch.device 永远不等于字符串，"
                 "'cuda:1' 也不等于 'cuda'：请比较设备的类型 torch.device(device).type，字符串和 torch.device 都适用。")
        for shows, en, zh in AMP_MISTAKES:
            if shows(kind, dtype, scaler):
                fail(call, en, zh)
        if (dtype, bool(scaler)) != expected:
            fail(call, f"expected {expected!r}, got {got!r}.", f"应为 {expected!r}，实际得到 {got!r}。")
