"""Chapter 04's checks catch the typical wrong answers with specific hints."""

import time

import torch

from course_utils.checks import evaluate


def stub(*args, **kwargs):
    raise NotImplementedError("Write your code here / 在这里写你的代码")


def test_stubs_are_not_done():
    for exercise_id in ("04.1", "04.2", "04.3", "04.4", "04.5"):
        assert evaluate(exercise_id, stub, "en")[0] == "todo", exercise_id


# --------------------------------------------------------------------------- 04.1 run_on


def run_on(model, batch, device):
    model = model.to(device)
    batch = batch.to(device)
    return model(batch)


def test_run_on_passes():
    assert evaluate("04.1", run_on, "en")[0] == "pass"

    def in_place(model, batch, device):
        model.to(device)  # a module moves in place: this is fine
        return model(batch.to(device))

    assert evaluate("04.1", in_place, "en")[0] == "pass"


def test_run_on_hard_coded_cuda():
    def hard_coded(model, batch, device):
        return model.cuda()(batch.cuda())

    status, message = evaluate("04.1", hard_coded, "en")
    assert status == "fail" and "don't hard-code .cuda()" in message
    status, message = evaluate("04.1", hard_coded, "zh")
    assert status == "fail" and "不要写死 .cuda()" in message


def test_run_on_forgot_to_assign_the_batch():
    def unassigned(model, batch, device):
        model.to(device)
        batch.to(device)  # result thrown away
        return model(batch)

    status, message = evaluate("04.1", unassigned, "en")
    assert status == "fail" and "batch = batch.to(device)" in message
    status, message = evaluate("04.1", unassigned, "zh")
    assert status == "fail" and "返回一个新张量" in message


def test_run_on_forgot_the_model():
    status, message = evaluate("04.1", lambda model, batch, device: model(batch.to(device)), "en")
    assert status == "fail" and "move the model too" in message


def test_run_on_fixed_device_and_wrong_return():
    status, message = evaluate("04.1", lambda m, b, d: m.to("cpu")(b.to("cpu")), "en")
    assert status == "fail" and "the output is on cpu" in message
    status, message = evaluate("04.1", lambda m, b, d: m.to(d), "en")
    assert status == "fail" and "return only the output tensor" in message
    status, message = evaluate("04.1", lambda m, b, d: None, "en")
    assert status == "fail" and "returned None" in message
    status, message = evaluate("04.1", lambda m, b, d: m.to(d)(b.to(d))[0], "en")
    assert status == "fail" and "expected (4, 2)" in message


# --------------------------------------------------------------------------- 04.2 gflops


def test_gflops():
    assert evaluate("04.2", lambda n, s: 2 * n**3 / s / 1e9, "en")[0] == "pass"
    cases = [
        (lambda n, s: n**3 / s / 1e9, "TWO floating-point operations"),
        (lambda n, s: 2 * n**2 / s / 1e9, "not 2·n²"),
        (lambda n, s: n**2 / s / 1e9, "not n²"),
        (lambda n, s: 2 * n**3 / s, "divide by 1e9"),
        (lambda n, s: 2 * n**3 / s / 2**30, "not by 2**30"),
        (lambda n, s: 2 * n**3 / s / 1e12, "that is TFLOP/s"),
        (lambda n, s: 2 * n**3 * s / 1e9, "divide by the seconds"),
        (lambda n, s: 2 * n**3 / s / 1e9 + (1 if n == 7 else 0), "gflops(7, 1e-06): expected"),
    ]
    for answer, hint in cases:
        status, message = evaluate("04.2", answer, "en")
        assert status == "fail" and hint in message, (hint, message)
    status, message = evaluate("04.2", lambda n, s: n**3 / s / 1e9, "zh")
    assert status == "fail" and "共 2·n³ 次浮点运算" in message


# --------------------------------------------------------------------------- 04.3 time_it


def time_it(fn, sync, clock, warmup=2, repeats=5):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        sync()
        start = clock()
        fn()
        sync()
        times.append(clock() - start)
    return times


def test_time_it_passes():
    assert evaluate("04.3", time_it, "en")[0] == "pass"


def variant(*, warm=True, sync_before=True, sync_after=True, use_clock=True, result="list"):
    """time_it with one typical mistake switched on."""

    def answer(fn, sync, clock, warmup=2, repeats=5):
        read = clock if use_clock else time.perf_counter
        for _ in range(warmup if warm else 0):
            fn()
        times = []
        for _ in range(repeats):
            if sync_before:
                sync()
            start = read()
            fn()
            if sync_after:
                sync()
            times.append(read() - start)
        return {"list": times, "sum": sum(times), "ms": [t * 1000 for t in times]}[result]

    return answer


def test_time_it_typical_mistakes():
    cases = [
        (variant(sync_before=False, sync_after=False), "you never called sync()"),
        (variant(sync_after=False), "you stopped the clock before sync()"),
        (variant(sync_before=False), "call sync() before starting the clock"),
        (variant(warm=False), "call fn() warmup times first"),
        (variant(use_clock=False), "never called clock()"),
        (variant(result="sum"), "returned one number"),
        (variant(result="ms"), "not milliseconds"),
    ]
    for answer, hint in cases:
        status, message = evaluate("04.3", answer, "en")
        assert status == "fail" and hint in message, (hint, message)
    status, message = evaluate("04.3", variant(sync_after=False), "zh")
    assert status == "fail" and "你在 sync() 之前就停表了" in message


def test_time_it_wrong_counts_and_order():
    def includes_warmup(fn, sync, clock, warmup=2, repeats=5):
        times = []
        for _ in range(warmup + repeats):
            sync()
            start = clock()
            fn()
            sync()
            times.append(clock() - start)
        return times

    status, message = evaluate("04.3", includes_warmup, "en")
    assert status == "fail" and "must all come before the first clock()" in message

    def clock_after_launch(fn, sync, clock, warmup=2, repeats=5):
        for _ in range(warmup):
            fn()
        times = []
        for _ in range(repeats):
            sync()
            fn()
            start = clock()
            sync()
            times.append(clock() - start)
        return times

    status, message = evaluate("04.3", clock_after_launch, "en")
    assert status == "fail" and "read the clock before calling fn()" in message

    def fixed_repeats(fn, sync, clock, warmup=2, repeats=5):
        return time_it(fn, sync, clock, warmup=warmup, repeats=5)

    status, message = evaluate("04.3", fixed_repeats, "en")
    assert status == "fail" and "fn was called 8 times, expected 7" in message


# --------------------------------------------------------------------------- 04.4 tensor_bytes


def test_tensor_bytes():
    def right(shape, dtype):
        t = torch.empty(shape, dtype=dtype, device="meta")
        return t.element_size() * t.nelement()

    assert evaluate("04.4", right, "en")[0] == "pass"
    assert evaluate("04.4", lambda shape, dtype: torch.empty(shape, dtype=dtype).nbytes, "en")[0] == "pass"
    numel = lambda shape: torch.empty(shape, device="meta").nelement()  # noqa: E731
    size = lambda dtype: torch.empty((), dtype=dtype).element_size()  # noqa: E731
    cases = [
        (lambda shape, dtype: numel(shape), "is the number of ELEMENTS"),
        (lambda shape, dtype: numel(shape) * (4 if dtype.is_floating_point else size(dtype)), "not every dtype takes 4 bytes"),
        (lambda shape, dtype: 8 * numel(shape) * size(dtype), "counts bits"),
        (lambda shape, dtype: size(dtype), "is the size of ONE element"),
        (lambda shape, dtype: sum(shape) * size(dtype), "PRODUCT of the shape"),
        (lambda shape, dtype: None, "returned None"),
    ]
    for answer, hint in cases:
        status, message = evaluate("04.4", answer, "en")
        assert status == "fail" and hint in message, (hint, message)
    status, message = evaluate("04.4", lambda shape, dtype: numel(shape), "zh")
    assert status == "fail" and "是元素个数" in message


# --------------------------------------------------------------------------- 04.5 amp_settings


def test_amp_settings():
    def right(device):
        if torch.device(device).type == "cpu":
            return torch.bfloat16, False
        return torch.float16, True

    assert evaluate("04.5", right, "en")[0] == "pass"
    cases = [
        (lambda d: (torch.float16, True), "on the CPU autocast works in bfloat16"),
        (lambda d: (torch.bfloat16, False), "use float16 on CUDA"),
        (lambda d: (torch.bfloat16, True) if torch.device(d).type == "cpu" else (torch.float16, True), "no GradScaler needed"),
        (lambda d: (torch.bfloat16, False) if torch.device(d).type == "cpu" else (torch.float16, False), "use a GradScaler"),
        (lambda d: ("bfloat16", False) if torch.device(d).type == "cpu" else ("float16", True), "not the string"),
        (lambda d: torch.bfloat16 if torch.device(d).type == "cpu" else torch.float16, "return a pair"),
        (lambda d: (torch.float32, False), "float32 is no mixed precision"),
        (lambda d: (torch.float16, True) if d == "cuda" else (torch.bfloat16, False), "compare the device TYPE"),
        (lambda d: (torch.float16, True) if str(d) in ("cuda", "mps") else (torch.bfloat16, False), "'cuda:1' != 'cuda'"),
        (lambda d: (torch.float16, True) if torch.device(d).type == "cuda" else (torch.bfloat16, False), "Apple's MPS"),
    ]
    for answer, hint in cases:
        status, message = evaluate("04.5", answer, "en")
        assert status == "fail" and hint in message, (hint, message)
    status, message = evaluate("04.5", lambda d: (torch.bfloat16, False), "zh")
    assert status == "fail" and "CUDA 上请用 float16" in message
