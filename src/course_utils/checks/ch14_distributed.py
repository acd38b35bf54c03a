"""Checks for 14_distributed.

14.1 runs the student's ``all_reduce_mean`` in a real 3-process gloo group. A
function defined in a notebook cannot be imported by another process, and
``inspect.getsource`` is unreliable in a kernel, so the checker ships the
function's *compiled code* instead: ``marshal.dumps(fn.__code__)`` (plus the
names of the modules it uses) goes into a file, a small worker script started
once per rank rebuilds the function with ``types.FunctionType`` and calls it on
each rank, and each rank writes what happened to a JSON file. Marshal's format
depends only on the Python version, and the workers run the notebook's own
interpreter (``sys.executable``), so this works on Linux, macOS and Windows.

To keep the check fast, the two workers are started directly (no ``torchrun``
launcher) and meet through a file in a temporary folder (``init_method``
``file://``, a ``FileStore``): no port is needed. Like ``run_torchrun``, the
check kills the workers if they do not finish in time.
"""

from __future__ import annotations

import json
import marshal
import pickle
import subprocess
import sys
import tempfile
import types
from pathlib import Path

import torch
from torch.utils.data import DistributedSampler

from ..distributed import kill_tree, worker_env
from .core import CheckFailed, exercise
from .helpers import expect_callable, expect_returned, generator

CHAPTER = "14_distributed"

# --------------------------------------------------------------------------- 14.1

WORKER = '''\
"""Worker for check 14.1: rebuild the student's function and call it on this rank."""
import datetime
import importlib
import json
import marshal
import pickle
import sys
import types
from pathlib import Path

import torch
import torch.distributed as dist

payload_file, store_file, result_file = sys.argv[1], sys.argv[2], sys.argv[3]
rank, world_size = int(sys.argv[4]), int(sys.argv[5])
with open(payload_file, "rb") as fh:
    payload = pickle.load(fh)
dist.init_process_group("gloo", init_method=Path(store_file).as_uri(), rank=rank, world_size=world_size,
                        timeout=datetime.timedelta(seconds=30))
namespace = {"__builtins__": __builtins__, "torch": torch, "dist": dist}
for alias, module in payload["modules"].items():
    namespace[alias] = importlib.import_module(module)
fn = types.FunctionType(marshal.loads(payload["code"]), namespace, payload["name"], payload["defaults"])

tensor = torch.tensor([1.0, 2.0, 3.0]) + 10.0 * rank
report = {"before": tensor.tolist()}
try:
    out = fn(tensor)
    report["after"] = tensor.tolist()
    report["same_object"] = out is tensor
    report["returned"] = out.tolist() if isinstance(out, torch.Tensor) else None
    report["returned_type"] = type(out).__name__
except Exception as error:
    report["error"] = f"{type(error).__name__}: {error}"
builtin = torch.tensor([1.0, 2.0, 3.0]) + 10.0 * rank
dist.all_reduce(builtin, op=dist.ReduceOp.AVG)
report["builtin_avg"] = builtin.tolist()
with open(result_file, "w") as fh:
    json.dump(report, fh)
dist.barrier()  # every rank has finished communicating before the group closes
dist.destroy_process_group()
'''


def _payload(fn: types.FunctionType) -> dict:
    """What the worker needs to rebuild ``fn``: its code, defaults and the modules it names."""
    if getattr(fn, "__closure__", None):
        raise CheckFailed(
            "define all_reduce_mean at the top level of a cell: it uses variables of an enclosing "
            "function, which cannot be sent to the worker processes.",
            "请在单元格的顶层定义 all_reduce_mean：它用到了外层函数的变量，无法发送给 worker 进程。",
        )
    modules = {name: value.__name__ for name, value in fn.__globals__.items()
               if name in fn.__code__.co_names and isinstance(value, types.ModuleType)}
    return {"code": marshal.dumps(fn.__code__), "name": fn.__name__,
            "defaults": fn.__defaults__, "modules": modules}


#: Ranks the check runs on: 3, not 2, so that a hard-coded ``/ 2`` does not pass.
WORLD_SIZE = 3


def run_in_processes(fn: types.FunctionType, timeout: float = 60) -> list[dict]:
    """Run ``fn(tensor)`` on WORLD_SIZE gloo ranks (rank r holds [1, 2, 3] + 10 r); one report per rank.

    The ranks are plain Python processes that meet through a file (``FileStore``), so no
    port is opened and it works on Linux, macOS and Windows alike.
    """
    with tempfile.TemporaryDirectory() as folder:
        here = Path(folder)
        (here / "worker.py").write_text(WORKER, encoding="utf-8")
        (here / "payload.pkl").write_bytes(pickle.dumps(_payload(fn)))
        workers = [subprocess.Popen([sys.executable, str(here / "worker.py"), str(here / "payload.pkl"),
                                     str(here / "store"), str(here / f"rank{rank}.json"), str(rank), str(WORLD_SIZE)],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                    env=worker_env())
                   for rank in range(WORLD_SIZE)]
        outputs = []
        try:
            for worker in workers:
                outputs.append(worker.communicate(timeout=timeout)[0])
        except subprocess.TimeoutExpired:
            for worker in workers:
                kill_tree(worker)
            raise CheckFailed(
                f"the {WORLD_SIZE} processes did not finish within {timeout} s and were stopped. A rank that skips a "
                "collective, or calls a different one, makes the other rank wait forever.",
                f"{WORLD_SIZE} 个进程在 {timeout} 秒内没有结束，已被终止。某个 rank 跳过了集合通信或调用了不同的集合通信，"
                "另一个 rank 就会一直等下去。",
            ) from None
        missing = [rank for rank in range(WORLD_SIZE) if not (here / f"rank{rank}.json").exists()]
        if missing:
            last = [line for line in outputs[missing[0]].splitlines() if line.strip()][-1:]
            raise CheckFailed(
                f"rank {missing[0]} failed: {last}. Every rank must call the same collectives in the same "
                "order; a rank that skips one leaves the other waiting until gloo's timeout.",
                f"rank {missing[0]} 失败了：{last}。每个 rank 必须按同样的顺序调用同样的集合通信；"
                "某个 rank 跳过一个，另一个就会一直等到 gloo 超时。",
            )
        return [json.loads((here / f"rank{rank}.json").read_text()) for rank in range(WORLD_SIZE)]


def _close(a, b) -> bool:
    return a is not None and b is not None and torch.allclose(torch.tensor(a), torch.tensor(b))


@exercise("14.1", CHAPTER, "all_reduce_mean on 3 processes", "三个进程上的 all_reduce_mean")
def check_all_reduce_mean(all_reduce_mean) -> None:
    expect_callable(all_reduce_mean)
    if not isinstance(all_reduce_mean, types.FunctionType):
        raise CheckFailed("pass a function defined with def.", "请传入用 def 定义的函数。")
    if "AVG" in all_reduce_mean.__code__.co_names:
        raise CheckFailed(
            "implement the mean yourself with ReduceOp.SUM (the default) and a division; "
            "ReduceOp.AVG is the built-in the checker compares with.",
            "请自己用 ReduceOp.SUM（默认）加一次除法实现平均；ReduceOp.AVG 是检查器用来对照的内置实现。",
        )
    try:  # a quick local call catches the unfinished stub without starting processes
        all_reduce_mean(torch.ones(3))
    except NotImplementedError:
        raise
    except Exception:  # noqa: BLE001 - no process group here: the real test runs in the workers
        pass
    reports = run_in_processes(all_reduce_mean)
    for rank, report in enumerate(reports):
        if "error" in report:
            raise CheckFailed(f"on rank {rank} your function raised {report['error']}",
                              f"在 rank {rank} 上你的函数抛出了 {report['error']}")
    mean = reports[0]["builtin_avg"]
    total = [WORLD_SIZE * v for v in mean]
    afters = [r["after"] for r in reports]
    returned = [r["returned"] for r in reports]
    if all(_close(a, r["before"]) for a, r in zip(afters, reports)):
        if all(_close(x, mean) for x in returned):
            raise CheckFailed(
                "you return the mean, but the tensor passed in is unchanged: the task is to average it "
                "IN PLACE (like dist.all_reduce does), then return it. Call dist.all_reduce(tensor) and "
                "divide with tensor /= world_size.",
                "你返回了平均值，但传入的张量没有变：题目要求**原地**求平均（和 dist.all_reduce 一样），"
                "再返回它。对 tensor 调用 dist.all_reduce(tensor)，再用 tensor /= world_size 原地相除。",
            )
        raise CheckFailed(
            "the tensor passed in is unchanged on every rank. dist.all_reduce works in place on the tensor "
            "you give it: call dist.all_reduce(tensor), not on a copy.",
            "传入的张量在每个 rank 上都没有变化。dist.all_reduce 原地修改传给它的张量：请对 tensor 本身调用，"
            "不要对副本调用。",
        )
    if all(_close(a, total) for a in afters):
        raise CheckFailed(
            f"every rank holds {total}, the SUM over ranks: you forgot to divide by the world size "
            "(dist.get_world_size()).",
            f"每个 rank 得到的是 {total}，即各 rank 的**和**：忘了除以 world size（dist.get_world_size()）。",
        )
    if all(_close(a, [v / WORLD_SIZE for v in r["before"]]) for a, r in zip(afters, reports)):
        raise CheckFailed(
            "each rank only divided its own tensor: call dist.all_reduce(tensor) first, so that it holds "
            "the sum over all ranks, then divide.",
            "每个 rank 只除了自己的张量：要先调用 dist.all_reduce(tensor)，让它变成所有 rank 的和，再相除。",
        )
    if all(_close(a, [v / 2 for v in total]) for a in afters):
        raise CheckFailed(
            f"with {WORLD_SIZE} ranks every rank holds the sum divided by 2: the number of ranks is "
            "hard-coded. Divide by dist.get_world_size().",
            f"{WORLD_SIZE} 个 rank 时每个 rank 得到的是和除以 2：rank 数被写死了。请除以 dist.get_world_size()。",
        )
    if not all(_close(a, mean) for a in afters):
        raise CheckFailed(
            f"after the call the ranks hold {afters}; every rank should hold the mean {mean} "
            "(what ReduceOp.AVG gives).",
            f"调用之后各 rank 的张量是 {afters}；每个 rank 都应是平均值 {mean}（与 ReduceOp.AVG 的结果相同）。",
        )
    if any(r["returned_type"] == "NoneType" for r in reports):
        raise CheckFailed("the tensor is averaged, but the function returned None: add `return tensor`.",
                          "张量已经求了平均，但函数返回了 None：加上 `return tensor`。")
    if not all(r["same_object"] for r in reports):
        raise CheckFailed(
            "return the tensor you were given (averaged in place), not a new tensor.",
            "请返回传入的那个张量（已原地求平均），而不是一个新张量。",
        )


# --------------------------------------------------------------------------- 14.2


@exercise("14.2", CHAPTER, "the indices DistributedSampler gives a rank", "DistributedSampler 分给一个 rank 的下标")
def check_sampler_indices(sampler_indices) -> None:
    expect_callable(sampler_indices)
    cases = [(10, 3, 1, False), (10, 3, 2, False), (12, 4, 3, False), (10, 3, 0, True), (11, 4, 3, True),
             (5, 2, 1, False), (3, 4, 3, False)]
    for n, replicas, rank, drop_last in cases:
        call = f"sampler_indices({n}, {replicas}, {rank}, drop_last={drop_last})"
        got = expect_returned(sampler_indices(n, replicas, rank, drop_last=drop_last), call)
        want = list(DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=False,
                                       drop_last=drop_last))
        try:
            got = [int(i) for i in got]
        except (TypeError, ValueError):
            raise CheckFailed(f"{call} should return a list of ints, got {got!r}.",
                              f"{call} 应返回整数列表，实际得到 {got!r}。") from None
        if got == want:
            continue
        per = -(-n // replicas) if not drop_last else n // replicas
        if sorted(got) == list(range(rank * per, min(rank * per + per, n))):
            hint_en, hint_zh = ("a rank does not get a contiguous block: it gets every num_replicas-th "
                                "index, starting at its rank (rank, rank + R, rank + 2R, ...).",
                                "rank 拿到的不是连续的一段，而是从自己的 rank 开始、每隔 num_replicas 取一个"
                                "（rank, rank + R, rank + 2R, ...）。")
        elif not drop_last and got == want[: len(got)] and len(got) < len(want):
            hint_en, hint_zh = ("you forgot the padding: without drop_last every rank gets ceil(n / R) indices; "
                                "the missing ones are taken again from the start (0, 1, ...).",
                                "忘了补齐：不 drop_last 时每个 rank 都拿 ceil(n / R) 个下标，不够的从头（0, 1, ...）"
                                "重复取。")
        elif drop_last and got[: len(want)] == want and len(got) > len(want):
            hint_en, hint_zh = ("with drop_last=True the tail is dropped: every rank gets floor(n / R) indices.",
                                "drop_last=True 时丢掉尾部：每个 rank 只拿 floor(n / R) 个下标。")
        else:
            hint_en, hint_zh = ("pad the list range(n) to a multiple of R (repeat from the start) or cut it "
                                "(drop_last), then take list[rank::R].",
                                "先把 range(n) 补齐到 R 的倍数（从头重复）或截断（drop_last），再取 list[rank::R]。")
        raise CheckFailed(f"{call} should be {want}, got {got}. Hint: {hint_en}",
                          f"{call} 应为 {want}，实际得到 {got}。提示：{hint_zh}")


# --------------------------------------------------------------------------- 14.3


@exercise("14.3", CHAPTER, "global batch and learning rate", "全局批量与学习率")
def check_scale(scale_for_ddp) -> None:
    expect_callable(scale_for_ddp)
    for base_lr, base_batch, per_rank, world in ((0.1, 256, 32, 8), (0.05, 64, 64, 2), (0.4, 1024, 16, 16)):
        call = f"scale_for_ddp({base_lr}, {base_batch}, {per_rank}, {world})"
        got = expect_returned(scale_for_ddp(base_lr, base_batch, per_rank, world), call)
        if not (isinstance(got, tuple) and len(got) == 2):
            raise CheckFailed(f"{call} should return a tuple (global_batch, lr), got {got!r}.",
                              f"{call} 应返回元组 (global_batch, lr)，实际得到 {got!r}。")
        global_batch, lr = got
        want_batch = per_rank * world
        want_lr = base_lr * want_batch / base_batch
        if global_batch != want_batch:
            extra = ("that is the per-rank batch: every step processes per_rank_batch samples on EACH of the "
                     "world_size ranks.", "这是每个 rank 的批量：每一步在**每个** rank 上各处理 per_rank_batch 个样本。")
            if global_batch != per_rank:
                extra = ("the global batch is per_rank_batch * world_size.", "全局批量是 per_rank_batch * world_size。")
            raise CheckFailed(f"{call}: global batch should be {want_batch}, got {global_batch}; {extra[0]}",
                              f"{call}：全局批量应为 {want_batch}，实际得到 {global_batch}；{extra[1]}")
        if abs(lr - base_lr * world) < 1e-12 and abs(want_lr - lr) > 1e-12:
            raise CheckFailed(
                f"{call}: lr should be {want_lr:g}, got {lr:g}. You scaled by world_size, but the linear "
                "scaling rule scales by global_batch / base_batch (the batch the base lr was tuned for).",
                f"{call}：lr 应为 {want_lr:g}，实际得到 {lr:g}。你按 world_size 缩放了，但线性缩放规则按 "
                "global_batch / base_batch（调出 base lr 时用的批量）缩放。",
            )
        if abs(lr - want_lr) > 1e-9 * max(1.0, want_lr):
            raise CheckFailed(
                f"{call}: lr should be {want_lr:g}, got {lr:g}. Linear scaling rule: "
                "lr = base_lr * global_batch / base_batch.",
                f"{call}：lr 应为 {want_lr:g}，实际得到 {lr:g}。线性缩放规则：lr = base_lr * global_batch / base_batch。",
            )


# --------------------------------------------------------------------------- 14.4


@exercise("14.4", CHAPTER, "the torchrun command for 2 nodes x 4 GPUs", "2 台机器 × 4 块 GPU 的 torchrun 命令")
def check_torchrun_args(torchrun_args) -> None:
    expect_callable(torchrun_args)
    from torch.distributed.run import get_args_parser

    endpoint, job = "node0.example.com:29400", "digits-42"
    call = f"torchrun_args({endpoint!r}, {job!r})"
    got = expect_returned(torchrun_args(endpoint, job), call)
    if isinstance(got, str):
        got = got.split()
    got = [str(a) for a in got]
    if got and got[0] == "torchrun":
        got = got[1:]
    try:
        args = get_args_parser().parse_args(got)
    except SystemExit:
        raise CheckFailed(f"torchrun's own parser rejects {got}: check the spelling of each option.",
                          f"torchrun 自己的参数解析器拒绝了 {got}：检查每个选项的拼写。") from None
    problems = [
        (args.training_script == "train.py" and args.training_script_args == [],
         "the script to run is train.py, last, with no arguments", "要运行的脚本是 train.py，放在最后，不带参数"),
        (str(args.nnodes) == "2", f"--nnodes should be 2 (got {args.nnodes})", f"--nnodes 应为 2（实际 {args.nnodes}）"),
        (str(args.nproc_per_node) == "4", f"--nproc-per-node should be 4, one worker per GPU (got {args.nproc_per_node})",
         f"--nproc-per-node 应为 4，每块 GPU 一个 worker（实际 {args.nproc_per_node}）"),
        (args.rdzv_backend == "c10d", f"--rdzv-backend should be c10d (got {args.rdzv_backend})",
         f"--rdzv-backend 应为 c10d（实际 {args.rdzv_backend}）"),
        (args.rdzv_endpoint == endpoint, f"--rdzv-endpoint should be {endpoint} (got {args.rdzv_endpoint!r})",
         f"--rdzv-endpoint 应为 {endpoint}（实际 {args.rdzv_endpoint!r}）"),
        (args.rdzv_id == job, f"--rdzv-id should be the job id {job!r}, the same on every node (got {args.rdzv_id!r})",
         f"--rdzv-id 应为作业名 {job!r}，每台机器相同（实际 {args.rdzv_id!r}）"),
        (not args.standalone, "--standalone is for one machine only: remove it",
         "--standalone 只用于单机：去掉它"),
    ]
    for ok, en, zh in problems:
        if not ok:
            raise CheckFailed(f"{en}.", f"{zh}。")


# --------------------------------------------------------------------------- 14.5


@exercise("14.5", CHAPTER, "a ring all-reduce, simulated", "模拟环形 all-reduce")
def check_ring(ring_all_reduce) -> None:
    expect_callable(ring_all_reduce)
    rng = generator(14)
    for world in (2, 3, 4):
        tensors = [torch.randint(-9, 10, (world * 2,), generator=rng).float() for _ in range(world)]
        originals = [t.clone() for t in tensors]
        call = f"ring_all_reduce(<{world} tensors>)"
        result = expect_returned(ring_all_reduce(tensors), call)
        if not (isinstance(result, (list, tuple)) and len(result) == world):
            raise CheckFailed(f"{call} should return a list of {world} tensors, one per rank.",
                              f"{call} 应返回 {world} 个张量的列表，每个 rank 一个。")
        if any(not torch.equal(a, b) for a, b in zip(tensors, originals)):
            raise CheckFailed("your function changed the input tensors: work on copies (t.clone()).",
                              "你的函数修改了输入的张量：请在副本（t.clone()）上操作。")
        total = torch.stack(originals).sum(0)
        chunks = list(total.chunk(world))
        if all(torch.equal(r, total) for r in result):
            continue
        own = [sum(torch.equal(rc, tc) for rc, tc in zip(r.chunk(world), chunks)) for r in result]
        if all(k == 1 for k in own):
            raise CheckFailed(
                f"with {world} ranks each rank ends with exactly one fully summed chunk: that is the "
                "reduce-scatter phase. Now run the all-gather phase: world_size - 1 more steps that pass "
                "the finished chunks around the ring.",
                f"{world} 个 rank 时，每个 rank 最后只有一块是完整的和：这只是 reduce-scatter 阶段。"
                "还要做 all-gather 阶段：再沿环传递 world_size - 1 步，把完成的块传给所有人。",
            )
        raise CheckFailed(
            f"with {world} ranks, rank 0 ends with {result[0].tolist()} but every rank should hold the "
            f"sum {total.tolist()}. In step s, rank r sends chunk (r - s) % n to rank (r + 1) % n, which adds it.",
            f"{world} 个 rank 时，rank 0 最后是 {result[0].tolist()}，而每个 rank 都应得到和 {total.tolist()}。"
            "第 s 步，rank r 把第 (r - s) % n 块发给 rank (r + 1) % n，对方把它加到自己的那一块上。",
        )
