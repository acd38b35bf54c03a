"""Checks for 04_gpu.

Every check runs on any machine: device placement is tested with the ``cpu``
and ``meta`` devices (``meta`` tensors have a shape and a dtype but no data),
and timing is tested against a simulated asynchronous GPU with a fake clock.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .core import CheckFailed, exercise
from .helpers import expect_callable

CHAPTER = "04_gpu"


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12)


# --------------------------------------------------------------------------- 04.1


def _model_and_batch() -> tuple[nn.Linear, torch.Tensor]:
    """A small Linear model with fixed weights (no random numbers: the global seed stays untouched)."""
    model = nn.Linear(3, 2)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]))
        model.bias.copy_(torch.tensor([0.05, -0.05]))
    return model, torch.arange(12.0).reshape(4, 3)


def _explain_device_error(err: Exception, model: nn.Module, device: torch.device) -> None:
    """Turn the typical device errors into hints; re-raise anything else."""
    text = str(err)
    if "NVIDIA" in text or "CUDA" in text or "cuda" in text:
        raise CheckFailed(
            f"your function tried to use CUDA although it was asked for {device}: "
            "don't hard-code .cuda(); write model.to(device) and batch.to(device).",
            f"要求的设备是 {device}，你的函数却用了 CUDA：不要写死 .cuda()，"
            "请用 model.to(device) 和 batch.to(device)。",
        ) from None
    if "device" in text:
        if any(p.device != device for p in model.parameters()):
            raise CheckFailed(
                f"with device={device} the model stayed on {next(model.parameters()).device}: "
                "move the model too, with model.to(device).",
                f"device={device} 时模型还留在 {next(model.parameters()).device} 上：模型也要搬，用 model.to(device)。",
            ) from None
        raise CheckFailed(
            f"with device={device} the model was moved but the batch was not. Tensor.to() returns a NEW "
            "tensor and leaves the original where it was: write batch = batch.to(device).",
            f"device={device} 时模型搬过去了，数据却没有。Tensor.to() 返回一个新张量，原来的张量不动："
            "要写 batch = batch.to(device)。",
        ) from None
    raise err


@exercise("04.1", CHAPTER, "run a model on any device", "在任意设备上运行模型")
def check_run_on(run_on) -> None:
    expect_callable(run_on)
    for device in ("meta", torch.device("meta"), "cpu", torch.device("cpu")):
        target = torch.device(device)
        model, batch = _model_and_batch()
        with torch.no_grad():
            expected = model(batch)
        try:
            out = run_on(model, batch, device)
        except NotImplementedError:
            raise
        except (RuntimeError, AssertionError) as err:  # AssertionError: "Torch not compiled with CUDA enabled"
            _explain_device_error(err, model, target)
        if out is None:
            raise CheckFailed(
                "run_on(...) returned None: return the model's output, model(batch).",
                "run_on(...) 返回了 None：请返回模型的输出 model(batch)。",
            )
        if isinstance(out, nn.Module) or not isinstance(out, torch.Tensor):
            raise CheckFailed(
                f"run_on(...) returned a {type(out).__name__}: return only the output tensor, model(batch).",
                f"run_on(...) 返回了 {type(out).__name__}：只返回输出张量 model(batch)。",
            )
        if out.device.type == "cuda" and target.type != "cuda":
            raise CheckFailed(
                f"asked for {device!r}, the output is on {out.device}: don't hard-code .cuda(); use .to(device).",
                f"要求的设备是 {device!r}，输出却在 {out.device} 上：不要写死 .cuda()，请用 .to(device)。",
            )
        if out.device.type != target.type:
            raise CheckFailed(
                f"asked for {device!r}, the output is on {out.device}: move the model and the batch to the "
                "device passed in, not to a fixed one.",
                f"要求的设备是 {device!r}，输出却在 {out.device} 上：请把模型和数据搬到传入的 device 上，而不是某个固定设备。",
            )
        if tuple(out.shape) != (4, 2):
            raise CheckFailed(
                f"the output has shape {tuple(out.shape)}, expected (4, 2): return model(batch) for the whole batch.",
                f"输出的形状是 {tuple(out.shape)}，应为 (4, 2)：请对整个批次返回 model(batch)。",
            )
        if target.type == "cpu" and not torch.allclose(out.detach().float(), expected, atol=1e-5):
            raise CheckFailed(
                "on the CPU the output differs from model(batch): return the model's output unchanged.",
                "在 CPU 上输出和 model(batch) 不一样：请原样返回模型的输出。",
            )


# --------------------------------------------------------------------------- 04.2


@exercise("04.2", CHAPTER, "GFLOP/s of a matrix multiply", "矩阵乘法的 GFLOP/s")
def check_gflops(gflops) -> None:
    expect_callable(gflops)
    n, seconds = 512, 0.25
    got = gflops(n, seconds)
    if got is None:
        raise CheckFailed("gflops(...) returned None: return the number.", "gflops(...) 返回了 None：请返回计算结果。")
    try:
        got = float(got)
    except (TypeError, ValueError):
        raise CheckFailed(
            f"gflops(...) returned a {type(got).__name__}: return a number.",
            f"gflops(...) 返回了 {type(got).__name__}：请返回一个数。",
        ) from None
    right = 2 * n**3 / seconds / 1e9
    typical = [
        (n**3 / seconds / 1e9,
         "you counted n³ operations: each of the n³ multiply-adds is TWO floating-point operations, so 2·n³.",
         "你算的是 n³ 次运算：n³ 次乘加中，每次都是一次乘法加一次加法，共 2·n³ 次浮点运算。"),
        (2 * n**2 / seconds / 1e9,
         "an n×n matmul does n multiply-adds for each of its n² outputs: 2·n³ operations, not 2·n².",
         "n×n 矩阵乘法的 n² 个输出，每个都要做 n 次乘加：一共 2·n³ 次运算，不是 2·n²。"),
        (n**2 / seconds / 1e9,
         "an n×n matmul does n multiply-adds for each of its n² outputs: 2·n³ operations, not n².",
         "n×n 矩阵乘法的 n² 个输出，每个都要做 n 次乘加：一共 2·n³ 次运算，不是 n²。"),
        (2 * n**3 / seconds,
         "that is FLOP/s: divide by 1e9 to get GFLOP/s.",
         "这是 FLOP/s：再除以 1e9 才是 GFLOP/s。"),
        (2 * n**3 / seconds / 2**30,
         "giga means 10⁹ here: divide by 1e9, not by 2**30.",
         "这里的 giga 是 10⁹：请除以 1e9，而不是 2**30。"),
        (2 * n**3 / seconds / 1e12,
         "that is TFLOP/s: divide by 1e9, not 1e12, for GFLOP/s.",
         "这是 TFLOP/s：要得到 GFLOP/s，应除以 1e9 而不是 1e12。"),
        (2 * n**3 * seconds / 1e9,
         "a rate is operations PER second: divide by the seconds instead of multiplying.",
         "速率是每秒的运算次数：应该除以秒数，而不是乘以秒数。"),
    ]
    if not _close(got, right):
        for value, en, zh in typical:
            if _close(got, value):
                raise CheckFailed(en, zh)
    for n, seconds in ((512, 0.25), (1000, 0.5), (4096, 0.002), (7, 1e-6)):
        right = 2 * n**3 / seconds / 1e9
        got = float(gflops(n, seconds))
        if not _close(got, right):
            raise CheckFailed(
                f"gflops({n}, {seconds}): expected {right:.6g}, got {got:.6g}. GFLOP/s = 2·n³ / seconds / 1e9.",
                f"gflops({n}, {seconds})：应为 {right:.6g}，实际得到 {got:.6g}。GFLOP/s = 2·n³ / 秒数 / 1e9。",
            )


# --------------------------------------------------------------------------- 04.3


class FakeGPU:
    """A simulated asynchronous device with a fake clock.

    ``fn()`` takes ``LAUNCH`` seconds of host time and queues ``WORK`` seconds of
    device work; ``sync()`` waits for the queue, advancing the clock. A correct
    timing therefore measures ``LAUNCH + WORK`` per call.
    """

    LAUNCH, WORK = 0.001, 1.0

    def __init__(self) -> None:
        self.now = 0.0
        self.pending = 0.0
        self.log: list[str] = []

    def fn(self) -> None:
        self.log.append("fn")
        self.now += self.LAUNCH
        self.pending += self.WORK

    def sync(self) -> None:
        self.log.append("sync")
        self.now += self.pending
        self.pending = 0.0

    def clock(self) -> float:
        self.log.append("clock")
        return self.now


@exercise("04.3", CHAPTER, "time a function correctly", "正确地计时")
def check_time_it(time_it) -> None:
    expect_callable(time_it)
    per_call = FakeGPU.LAUNCH + FakeGPU.WORK
    for warmup, repeats in ((3, 4), (1, 2), (0, 3)):
        gpu = FakeGPU()
        times = time_it(gpu.fn, gpu.sync, gpu.clock, warmup=warmup, repeats=repeats)
        if times is None:
            raise CheckFailed(
                "time_it(...) returned None: return the list of measured times.",
                "time_it(...) 返回了 None：请返回测得的时间列表。",
            )
        if isinstance(times, (int, float)):
            raise CheckFailed(
                "time_it(...) returned one number: return a list with one time per repeat (not their sum or mean).",
                "time_it(...) 只返回了一个数：请返回一个列表，每次重复一个时间（不是总和或平均值）。",
            )
        times = [float(t) for t in times]
        if "clock" not in gpu.log:
            raise CheckFailed(
                "your function never called clock(): read the time with the clock argument "
                "(it is time.perf_counter in real use), so that the check can simulate a GPU.",
                "你的函数没有调用 clock()：请用参数 clock 读时间（实际使用时它就是 time.perf_counter），"
                "这样检查才能模拟一块 GPU。",
            )
        n_fn = gpu.log.count("fn")
        if warmup and n_fn == repeats:
            raise CheckFailed(
                f"with warmup={warmup}, repeats={repeats} fn was called only {n_fn} times: "
                "call fn() warmup times first, without timing them.",
                f"warmup={warmup}、repeats={repeats} 时 fn 只被调用了 {n_fn} 次："
                "请先不计时地调用 fn() warmup 次。",
            )
        if n_fn != warmup + repeats:
            raise CheckFailed(
                f"with warmup={warmup}, repeats={repeats} fn was called {n_fn} times, expected {warmup + repeats}.",
                f"warmup={warmup}、repeats={repeats} 时 fn 被调用了 {n_fn} 次，应为 {warmup + repeats} 次。",
            )
        if gpu.log[: gpu.log.index("clock")].count("fn") < warmup:
            raise CheckFailed(
                "the warm-up calls must all come before the first clock() reading.",
                "所有预热调用都必须在第一次读 clock() 之前完成。",
            )
        if len(times) == warmup + repeats and warmup:
            raise CheckFailed(
                f"you returned {len(times)} times: leave out the warm-up calls and return only the {repeats} timed ones.",
                f"你返回了 {len(times)} 个时间：不要包含预热调用，只返回计时的 {repeats} 次。",
            )
        if len(times) != repeats:
            raise CheckFailed(
                f"with repeats={repeats} return {repeats} times, one per timed call; you returned {len(times)}.",
                f"repeats={repeats} 时应返回 {repeats} 个时间，每次计时调用一个；你返回了 {len(times)} 个。",
            )
        if "sync" not in gpu.log:
            raise CheckFailed(
                f"you never called sync(): on a GPU fn() only queues the work, so you measured the launch "
                f"({FakeGPU.LAUNCH} s) instead of the work ({per_call} s). Call sync() before stopping the clock.",
                f"你从未调用 sync()：在 GPU 上 fn() 只是把工作排进队列，所以你量到的是启动时间（{FakeGPU.LAUNCH} 秒），"
                f"而不是实际工作（{per_call} 秒）。请在停表前调用 sync()。",
            )
        if all(_close(t, FakeGPU.LAUNCH) for t in times):
            raise CheckFailed(
                "every time is the launch only: you stopped the clock before sync(). Call sync() after fn() and "
                "only then read the clock.",
                "每个时间都只是启动时间：你在 sync() 之前就停表了。请在 fn() 之后先调用 sync()，再读时间。",
            )
        if all(_close(t, FakeGPU.WORK) for t in times):
            raise CheckFailed(
                "the launch of fn() is missing from your times: read the clock before calling fn().",
                "你的时间里少了 fn() 的启动时间：请在调用 fn() 之前读时间。",
            )
        if any(_close(t, per_call * 1000) for t in times):
            raise CheckFailed(
                "return seconds (what clock() returns), not milliseconds.",
                "请返回秒（clock() 返回的单位），不要换算成毫秒。",
            )
        if warmup and _close(times[0], per_call + warmup * FakeGPU.WORK):
            raise CheckFailed(
                "your first time also contains the warm-up work that was still queued: call sync() before "
                "starting the clock.",
                "你的第一个时间还包含了仍在队列里的预热工作：请在开始计时之前先调用 sync()。",
            )
        if not all(_close(t, per_call) for t in times):
            raise CheckFailed(
                f"each call takes {per_call} s on the simulated GPU, but you measured {times}. For every repeat: "
                "sync(), start = clock(), fn(), sync(), clock() - start.",
                f"在模拟的 GPU 上每次调用需要 {per_call} 秒，你测得的是 {times}。每次重复都应该："
                "sync()，start = clock()，fn()，sync()，clock() - start。",
            )


# --------------------------------------------------------------------------- 04.4

BYTES_CASES = [
    ((1000, 1000), torch.float32),
    ((1024, 4096), torch.float16),
    ((3, 224, 224), torch.uint8),
    ((2, 8), torch.int64),
    ((), torch.bfloat16),
    ((7,), torch.bool),
    ((0, 5), torch.float32),
    ((16, 16), torch.complex64),
]


@exercise("04.4", CHAPTER, "bytes of a tensor", "张量占多少字节")
def check_tensor_bytes(tensor_bytes) -> None:
    expect_callable(tensor_bytes)
    for shape, dtype in BYTES_CASES:
        numel = math.prod(shape)
        size = torch.empty((), dtype=dtype).element_size()
        got = tensor_bytes(shape, dtype)
        if got is None:
            raise CheckFailed("tensor_bytes(...) returned None: return the number of bytes.",
                              "tensor_bytes(...) 返回了 None：请返回字节数。")
        if isinstance(got, torch.Tensor):
            got = got.item()
        what = f"tensor_bytes({shape}, {dtype})"
        if got == numel * size:
            continue
        if numel > 1 and got == numel and size != 1:
            raise CheckFailed(
                f"{what} = {got} is the number of ELEMENTS: multiply by the bytes per element, element_size() "
                f"({size} for {dtype}).",
                f"{what} = {got} 是元素个数：还要乘以每个元素的字节数 element_size()（{dtype} 是 {size}）。",
            )
        if got == numel * 4 and size != 4:
            raise CheckFailed(
                f"{what}: not every dtype takes 4 bytes; {dtype} takes {size}. "
                "Ask PyTorch: torch.empty((), dtype=dtype).element_size().",
                f"{what}：不是每种类型都占 4 字节，{dtype} 占 {size} 字节。"
                "问 PyTorch：torch.empty((), dtype=dtype).element_size()。",
            )
        if got == numel * size * 8:
            raise CheckFailed(
                f"{what} = {got} counts bits: there are 8 bits in a byte, return bytes.",
                f"{what} = {got} 算的是比特数：1 字节 = 8 比特，请返回字节数。",
            )
        if got == size and numel != 1:
            raise CheckFailed(
                f"{what} = {got} is the size of ONE element: multiply by the number of elements.",
                f"{what} = {got} 只是一个元素的大小：还要乘以元素个数。",
            )
        if len(shape) > 1 and got == sum(shape) * size:
            raise CheckFailed(
                f"{what}: the number of elements is the PRODUCT of the shape ({numel}), not its sum.",
                f"{what}：元素个数是形状中各维的乘积（{numel}），不是它们的和。",
            )
        raise CheckFailed(
            f"{what}: expected {numel * size} bytes ({numel} elements × {size} bytes), got {got!r}.",
            f"{what}：应为 {numel * size} 字节（{numel} 个元素 × {size} 字节），实际得到 {got!r}。",
        )


# --------------------------------------------------------------------------- 04.5

AMP_CASES = [
    ("cuda", (torch.float16, True)),
    ("cpu", (torch.bfloat16, False)),
    (torch.device("cuda"), (torch.float16, True)),
    (torch.device("cpu"), (torch.bfloat16, False)),
    ("cuda:1", (torch.float16, True)),
    (torch.device("cuda", 0), (torch.float16, True)),
    ("mps", (torch.float16, True)),
]


@exercise("04.5", CHAPTER, "mixed-precision settings per device", "按设备选择混合精度设置")
def check_amp_settings(amp_settings) -> None:
    expect_callable(amp_settings)
    for device, (dtype, scaler) in AMP_CASES:
        got = amp_settings(device)
        what = f"amp_settings({device!r})"
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise CheckFailed(
                f"{what} returned {got!r}: return a pair (dtype, use_grad_scaler), e.g. (torch.float16, True).",
                f"{what} 返回了 {got!r}：请返回一对值 (dtype, use_grad_scaler)，例如 (torch.float16, True)。",
            )
        got_dtype, got_scaler = got
        if isinstance(got_dtype, str):
            raise CheckFailed(
                f"{what}: return the dtype object (torch.float16), not the string {got_dtype!r}.",
                f"{what}：请返回 dtype 对象（torch.float16），而不是字符串 {got_dtype!r}。",
            )
        kind = torch.device(device).type
        if device != kind and tuple(got) != (dtype, scaler) and tuple(amp_settings(kind)) == (dtype, scaler):
            raise CheckFailed(
                f"{what}: {device!r} is a {kind} device too, but you treated it differently from {kind!r}. "
                "A torch.device never equals a string, and 'cuda:1' != 'cuda': compare the device TYPE, "
                "torch.device(device).type, which works for strings and torch.device objects.",
                f"{what}：{device!r} 也是 {kind} 设备，你却把它和 {kind!r} 区别对待了。torch.device 永远不等于字符串，"
                "'cuda:1' 也不等于 'cuda'：请比较设备的类型 torch.device(device).type，字符串和 torch.device 都适用。",
            )
        if got_dtype == torch.float32:
            raise CheckFailed(
                f"{what}: float32 is no mixed precision; pick a 16-bit type.",
                f"{what}：float32 不是混合精度；请选一种 16 位类型。",
            )
        if kind == "cpu" and got_dtype == torch.float16:
            raise CheckFailed(
                f"{what}: on the CPU autocast works in bfloat16 (its default there, torch.get_autocast_dtype('cpu')).",
                f"{what}：CPU 上的 autocast 用 bfloat16（这是它在 CPU 上的默认类型，torch.get_autocast_dtype('cpu')）。",
            )
        if kind == "mps" and got_dtype == torch.bfloat16:
            raise CheckFailed(
                f"{what}: on Apple's MPS use float16 with a GradScaler, as on CUDA "
                "(float16 is autocast's default there: torch.get_autocast_dtype('mps')).",
                f"{what}：苹果的 MPS 上和 CUDA 一样用 float16 加 GradScaler"
                "（float16 是 MPS 上 autocast 的默认类型：torch.get_autocast_dtype('mps')）。",
            )
        if kind == "cuda" and got_dtype == torch.bfloat16:
            raise CheckFailed(
                f"{what}: use float16 on CUDA: it is fast on every GPU with tensor cores (Volta and newer), while "
                "fast bfloat16 needs Ampere or newer (torch.cuda.is_bf16_supported(including_emulation=False)).",
                f"{what}：CUDA 上请用 float16：它在所有带 Tensor Core 的 GPU（Volta 及更新）上都很快，而快速的 bfloat16 "
                "需要 Ampere 或更新的 GPU（torch.cuda.is_bf16_supported(including_emulation=False)）。",
            )
        if got_dtype == torch.bfloat16 and got_scaler:
            raise CheckFailed(
                f"{what}: bfloat16 has the range of float32, so small gradients do not underflow: no GradScaler needed.",
                f"{what}：bfloat16 的范围和 float32 一样，小梯度不会下溢：不需要 GradScaler。",
            )
        if got_dtype == torch.float16 and not got_scaler:
            raise CheckFailed(
                f"{what}: small gradients underflow to 0 in float16 (below about 6e-8): use a GradScaler.",
                f"{what}：float16 里很小的梯度（小于约 6e-8）会下溢成 0：需要 GradScaler。",
            )
        if (got_dtype, bool(got_scaler)) != (dtype, scaler):
            raise CheckFailed(
                f"{what}: expected {(dtype, scaler)!r}, got {got!r}.",
                f"{what}：应为 {(dtype, scaler)!r}，实际得到 {got!r}。",
            )
