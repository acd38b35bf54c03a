"""Chapter 04's checks catch the typical wrong answers with specific hints."""

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


# --------------------------------------------------------------------------- 04.3 time_with_events


def time_with_events(fn, make_event, sync, warmup=2, repeats=5):
    for _ in range(warmup):
        fn()
    pairs = []
    for _ in range(repeats):
        start, end = make_event(), make_event()
        start.record()
        fn()
        end.record()
        pairs.append((start, end))
    sync()
    return [start.elapsed_time(end) for start, end in pairs]


def sync_every_call(fn, make_event, sync, warmup=2, repeats=5):
    """Allowed, though not needed: a sync() (or end.synchronize()) after every call."""
    for _ in range(warmup):
        fn()
    times = []
    for i in range(repeats):
        start, end = make_event(), make_event()
        start.record()
        fn()
        end.record()
        sync() if i % 2 else end.synchronize()
        times.append(start.elapsed_time(end))
    return times


def test_time_with_events_passes():
    assert evaluate("04.3", time_with_events, "en")[0] == "pass"
    assert evaluate("04.3", sync_every_call, "en")[0] == "pass"


def variant(*, warm=True, sync_at_end=True, pair_per_call=True, order="start-end", unit="ms", result="list"):
    """time_with_events with one typical mistake switched on."""

    def answer(fn, make_event, sync, warmup=2, repeats=5):
        for _ in range(warmup if warm else 0):
            fn()
        pairs = []
        first = (make_event(), make_event())
        for _ in range(repeats):
            start, end = (make_event(), make_event()) if pair_per_call else first
            start.record()
            fn()
            end.record()
            pairs.append((start, end))
        if sync_at_end:
            sync()
        times = [a.elapsed_time(b) if order == "start-end" else b.elapsed_time(a) for a, b in pairs]
        times = [t / {"ms": 1, "s": 1000}[unit] for t in times]
        return {"list": times, "sum": sum(times), "mean": [sum(times) / len(times)] * len(times)}[result]

    return answer


def one_pair_for_all(fn, make_event, sync, warmup=2, repeats=5):
    for _ in range(warmup):
        fn()
    start, end = make_event(), make_event()
    start.record()
    for _ in range(repeats):
        fn()
    end.record()
    sync()
    return [start.elapsed_time(end) / repeats] * repeats


def read_in_the_loop(fn, make_event, sync, warmup=2, repeats=5):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start, end = make_event(), make_event()
        start.record()
        fn()
        end.record()
        times.append(start.elapsed_time(end))  # before any sync
    return times


def test_time_with_events_typical_mistakes():
    cases = [
        (variant(sync_at_end=False), "you read elapsed_time() before the device reached the end event"),
        (read_in_the_loop, "call sync() once after the last call"),
        (variant(warm=False), "call fn() warmup times first"),
        (variant(unit="s"), "not divided by 1000"),
        (variant(order="end-start"), "not end.elapsed_time(start)"),
        (one_pair_for_all, "Record a new pair of events around EACH call"),
        (variant(pair_per_call=False), "reusing one pair for every call keeps only the last timing"),
        (variant(result="sum"), "return a list with one time per timed call"),
        (lambda fn, make_event, sync, warmup=2, repeats=5: [1.0] * repeats, "no event was recorded"),
        (lambda fn, make_event, sync, warmup=2, repeats=5: None, "returned None"),
    ]
    for answer, hint in cases:
        status, message = evaluate("04.3", answer, "en")
        assert status == "fail" and hint in message, (hint, message)
    status, message = evaluate("04.3", variant(sync_at_end=False), "zh")
    assert status == "fail" and "先记录所有事件，在最后一次调用之后调用一次 sync()" in message
    status, message = evaluate("04.3", variant(unit="s"), "zh")
    assert status == "fail" and "不要除以 1000" in message


def test_time_with_events_wrong_counts_and_order():
    def includes_warmup(fn, make_event, sync, warmup=2, repeats=5):
        return time_with_events(fn, make_event, sync, warmup=0, repeats=warmup + repeats)

    status, message = evaluate("04.3", includes_warmup, "en")
    assert status == "fail" and "must all come before the first event is recorded" in message

    def fixed_repeats(fn, make_event, sync, warmup=2, repeats=5):
        return time_with_events(fn, make_event, sync, warmup=warmup, repeats=5)

    status, message = evaluate("04.3", fixed_repeats, "en")
    assert status == "fail" and "fn was called 8 times, expected 7" in message

    def drops_the_last(fn, make_event, sync, warmup=2, repeats=5):
        return time_with_events(fn, make_event, sync, warmup=warmup, repeats=repeats)[:-1]

    status, message = evaluate("04.3", drops_the_last, "en")
    assert status == "fail" and "one per timed call" in message

    def event_with_arguments(fn, make_event, sync, warmup=2, repeats=5):
        return time_with_events(fn, lambda: make_event(enable_timing=True), sync, warmup, repeats)

    status, message = evaluate("04.3", event_with_arguments, "en")
    assert status == "fail" and "call make_event() without arguments" in message

    def records_before_the_call_ends(fn, make_event, sync, warmup=2, repeats=5):
        for _ in range(warmup):
            fn()
        pairs = []
        for _ in range(repeats):
            start, end = make_event(), make_event()
            start.record()
            end.record()  # too early: fn's work is not between the events
            fn()
            pairs.append((start, end))
        sync()
        return [s.elapsed_time(e) for s, e in pairs]

    status, message = evaluate("04.3", records_before_the_call_ends, "en")
    assert status == "fail" and "For each call: start.record(), fn(), end.record()" in message


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
