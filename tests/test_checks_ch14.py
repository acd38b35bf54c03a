"""Chapter 14's checks catch the typical wrong answers with specific hints.

14.1 starts a real 3-process gloo group per answer (a few seconds each), so
only the reference and the most typical mistakes go through it; the other
mistakes are caught before any process starts.
"""

import torch
import torch.distributed as dist

from course_utils.checks import evaluate


def _stub(*args, **kwargs):
    raise NotImplementedError


# ----------------------------------------------------------------- 14.1 (real processes)


def mean_in_place(tensor):
    dist.all_reduce(tensor)
    tensor /= dist.get_world_size()
    return tensor


def sum_only(tensor):
    dist.all_reduce(tensor)
    return tensor


def mean_of_copy(tensor):
    copy = tensor.clone()
    dist.all_reduce(copy)
    return copy / dist.get_world_size()


def test_all_reduce_mean_reference_passes():
    assert evaluate("14.1", mean_in_place, "en") == ("pass", "✅ 14.1 checks passed: all_reduce_mean on 3 processes")


def test_all_reduce_mean_forgot_to_divide():
    status, message = evaluate("14.1", sum_only, "en")
    assert status == "fail" and "forgot to divide by the world size" in message
    status, message = evaluate("14.1", sum_only, "zh")
    assert status == "fail" and "忘了除以 world size" in message


def test_all_reduce_mean_not_in_place():
    status, message = evaluate("14.1", mean_of_copy, "en")
    assert status == "fail" and "IN PLACE" in message


def halved(tensor):
    dist.all_reduce(tensor)
    tensor /= 2  # right for 2 ranks only
    return tensor


def test_all_reduce_mean_hard_coded_world_size():
    status, message = evaluate("14.1", halved, "en")
    assert status == "fail" and "hard-coded. Divide by dist.get_world_size()" in message


def test_all_reduce_mean_fast_failures():
    def uses_avg(tensor):
        dist.all_reduce(tensor, op=dist.ReduceOp.AVG)
        return tensor

    status, message = evaluate("14.1", uses_avg, "en")
    assert status == "fail" and "ReduceOp.SUM" in message
    status, message = evaluate("14.1", "all_reduce_mean", "zh")
    assert status == "fail" and "请传入函数本身" in message


# ----------------------------------------------------------------- 14.2


def reference_indices(n, num_replicas, rank, drop_last=False):
    indices = list(range(n))
    if drop_last:
        indices = indices[: n // num_replicas * num_replicas]
    else:
        total = -(-n // num_replicas) * num_replicas
        while len(indices) < total:
            indices += indices[: total - len(indices)]
    return indices[rank::num_replicas]


def test_sampler_indices():
    assert evaluate("14.2", reference_indices, "en")[0] == "pass"

    def no_padding(n, num_replicas, rank, drop_last=False):
        return list(range(n))[rank::num_replicas]

    status, message = evaluate("14.2", no_padding, "en")
    assert status == "fail" and "forgot the padding" in message

    def contiguous(n, num_replicas, rank, drop_last=False):
        per = -(-n // num_replicas)
        return list(range(rank * per, min(n, rank * per + per)))

    status, message = evaluate("14.2", contiguous, "zh")
    assert status == "fail" and "不是连续的一段" in message

    def ignores_drop_last(n, num_replicas, rank, drop_last=False):
        return reference_indices(n, num_replicas, rank, drop_last=False)

    status, message = evaluate("14.2", ignores_drop_last, "en")
    assert status == "fail" and "drop_last=True the tail is dropped" in message


# ----------------------------------------------------------------- 14.3


def test_scale_for_ddp():
    def good(base_lr, base_batch, per_rank_batch, world_size):
        global_batch = per_rank_batch * world_size
        return global_batch, base_lr * global_batch / base_batch

    assert evaluate("14.3", good, "en")[0] == "pass"
    status, message = evaluate("14.3", lambda lr, bb, pb, w: (pb, lr * pb / bb), "en")
    assert status == "fail" and "that is the per-rank batch" in message
    status, message = evaluate("14.3", lambda lr, bb, pb, w: (pb * w, lr * w), "en")
    assert status == "fail" and "You scaled by world_size" in message
    status, message = evaluate("14.3", lambda lr, bb, pb, w: [pb * w, lr], "zh")
    assert status == "fail" and "应返回元组" in message


# ----------------------------------------------------------------- 14.4


def test_torchrun_args():
    def good(endpoint, job_id):
        return ["torchrun", "--nnodes=2", "--nproc-per-node=4", "--rdzv-backend=c10d",
                f"--rdzv-endpoint={endpoint}", f"--rdzv-id={job_id}", "train.py"]

    assert evaluate("14.4", good, "en")[0] == "pass"
    assert evaluate("14.4", lambda e, j: " ".join(good(e, j)), "en")[0] == "pass"  # a string works too
    status, message = evaluate("14.4", lambda e, j: [a for a in good(e, j) if "rdzv-id" not in a], "en")
    assert status == "fail" and "--rdzv-id should be the job id" in message
    status, message = evaluate("14.4", lambda e, j: [a.replace("=4", "=8") for a in good(e, j)], "en")
    assert status == "fail" and "one worker per GPU" in message
    status, message = evaluate("14.4", lambda e, j: ["--standalone", *good(e, j)[1:]], "zh")
    assert status == "fail" and "--standalone 只用于单机" in message
    status, message = evaluate("14.4", lambda e, j: ["--nnodes=2", "--no-such-option", "train.py"], "en")
    assert status == "fail" and "own parser rejects" in message


# ----------------------------------------------------------------- 14.5


def ring(tensors):
    n = len(tensors)
    buffers = [t.clone() for t in tensors]
    chunks = [list(b.chunk(n)) for b in buffers]
    for s in range(n - 1):
        sent = [chunks[r][(r - s) % n].clone() for r in range(n)]
        for r in range(n):
            chunks[(r + 1) % n][(r - s) % n] += sent[r]
    for s in range(n - 1):
        sent = [chunks[r][(r + 1 - s) % n].clone() for r in range(n)]
        for r in range(n):
            chunks[(r + 1) % n][(r + 1 - s) % n].copy_(sent[r])
    return buffers


def test_ring_all_reduce():
    assert evaluate("14.5", ring, "en")[0] == "pass"

    def reduce_scatter_only(tensors):
        n = len(tensors)
        buffers = [t.clone() for t in tensors]
        chunks = [list(b.chunk(n)) for b in buffers]
        for s in range(n - 1):
            sent = [chunks[r][(r - s) % n].clone() for r in range(n)]
            for r in range(n):
                chunks[(r + 1) % n][(r - s) % n] += sent[r]
        return buffers

    status, message = evaluate("14.5", reduce_scatter_only, "en")
    assert status == "fail" and "reduce-scatter phase" in message

    def in_place(tensors):
        total = torch.stack(tensors).sum(0)
        for t in tensors:
            t.copy_(total)
        return tensors

    status, message = evaluate("14.5", in_place, "zh")
    assert status == "fail" and "修改了输入的张量" in message

    status, message = evaluate("14.5", lambda tensors: [t.clone() for t in tensors], "en")
    assert status == "fail" and "every rank should hold the sum" in message


def test_stubs_are_not_done():
    assert all(evaluate(i, _stub, "en")[0] == "todo" for i in ("14.1", "14.2", "14.3", "14.4", "14.5"))
