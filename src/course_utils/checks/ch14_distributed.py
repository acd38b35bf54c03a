"""Checks for 14_distributed.

14.1 runs the student's ``all_reduce_mean`` in a real 3-process gloo group. A function defined in a
notebook cannot be imported by another process, so the checker ships its *compiled code*
(``marshal.dumps(fn.__code__)``, plus the modules it names) to a worker script started once per rank
with the notebook's own interpreter; each rank writes what happened to a JSON file. The ranks meet
through a file (a ``FileStore``, no port), on Linux, macOS and Windows alike.
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
from .engine import checker
from .vocabulary import Mistake, diagnose, expect_callable, expect_returned, fail, generator, same

# --------------------------------------------------------------------------- 14.1

WORKER = '''\
"""Worker for check 14.1: rebuild the student's function and call it on this rank."""
import datetime, importlib, json, marshal, pickle, sys, types
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

#: Ranks the check runs on: 3, not 2, so that a hard-coded ``/ 2`` does not pass.
WORLD_SIZE = 3


def _payload(fn: types.FunctionType) -> dict:
    """What the worker needs to rebuild ``fn``: its code, defaults and the modules it names."""
    if fn.__closure__:
        fail("", "define all_reduce_mean at the top level of a cell: it uses variables of an enclosing "
             "function, which cannot be sent to the worker processes.",
             "请在单元格的顶层定义 all_reduce_mean：它用到了外层函数的变量，无法发送给 worker 进程。")
    modules = {name: value.__name__ for name, value in fn.__globals__.items()
               if name in fn.__code__.co_names and isinstance(value, types.ModuleType)}
    return {"code": marshal.dumps(fn.__code__), "name": fn.__name__, "defaults": fn.__defaults__, "modules": modules}


def run_in_processes(fn: types.FunctionType, timeout: float = 60) -> list[dict]:
    """Run ``fn(tensor)`` on WORLD_SIZE gloo ranks (rank r holds [1, 2, 3] + 10 r); one report per rank.

    ``timeout`` bounds the wait for each rank. However the check ends (done, timed out, interrupted),
    no worker is left running.
    """
    with tempfile.TemporaryDirectory() as folder:
        here = Path(folder)
        (here / "worker.py").write_text(WORKER, encoding="utf-8")
        (here / "payload.pkl").write_bytes(pickle.dumps(_payload(fn)))
        workers: list[subprocess.Popen] = []
        outputs: list[str] = []
        try:
            for rank in range(WORLD_SIZE):
                argv = [sys.executable, here / "worker.py", here / "payload.pkl", here / "store",
                        here / f"rank{rank}.json", str(rank), str(WORLD_SIZE)]
                workers.append(subprocess.Popen([str(a) for a in argv], stdout=subprocess.PIPE,
                                                stderr=subprocess.STDOUT, text=True, env=worker_env()))
            for worker in workers:
                outputs.append(worker.communicate(timeout=timeout)[0])
        except subprocess.TimeoutExpired:
            fail("", f"the {WORLD_SIZE} processes did not finish within {timeout} s and were stopped. A rank that "
                 "skips a collective, or calls a different one, makes the other rank wait forever.",
                 f"{WORLD_SIZE} 个进程在 {timeout} 秒内没有结束，已被终止。某个 rank 跳过了集合通信或调用了不同的"
                 "集合通信，另一个 rank 就会一直等下去。")
        finally:  # on a timeout, an error or the notebook's stop button: leave no process behind
            for worker in workers:
                if worker.poll() is None:
                    kill_tree(worker)
        missing = [rank for rank in range(WORLD_SIZE) if not (here / f"rank{rank}.json").exists()]
        if missing:
            last = [line for line in outputs[missing[0]].splitlines() if line.strip()][-1:]
            fail("", f"rank {missing[0]} failed: {last}. Every rank must call the same collectives in the same "
                 "order; a rank that skips one leaves the other waiting until gloo's timeout.",
                 f"rank {missing[0]} 失败了：{last}。每个 rank 必须按同样的顺序调用同样的集合通信；"
                 "某个 rank 跳过一个，另一个就会一直等到 gloo 超时。")
        return [json.loads((here / f"rank{rank}.json").read_text()) for rank in range(WORLD_SIZE)]


def _grid(rows: list) -> torch.Tensor | None:
    """The ranks' lists as one float64 tensor, a row per rank; None when they do not form one."""
    try:
        return torch.tensor(rows, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        return None


#: Wrong answers for the tensors the ranks hold after the call, from (before, returned, mean).
ALL_REDUCE_MISTAKES = [
    Mistake(lambda before, returned, mean: before if returned is not None and same(returned, mean, 1e-8) else None,
            "you return the mean, but the tensor passed in is unchanged: the task is to average it IN PLACE (like "
            "dist.all_reduce does), then return it. Call dist.all_reduce(tensor) and divide with tensor /= world_size.",
            "你返回了平均值，但传入的张量没有变：题目要求**原地**求平均（和 dist.all_reduce 一样），再返回它。"
            "对 tensor 调用 dist.all_reduce(tensor)，再用 tensor /= world_size 原地相除。"),
    Mistake(lambda before, returned, mean: before,
            "the tensor passed in is unchanged on every rank. dist.all_reduce works in place on the tensor you give "
            "it: call dist.all_reduce(tensor), not on a copy.",
            "传入的张量在每个 rank 上都没有变化。dist.all_reduce 原地修改传给它的张量：请对 tensor 本身调用，不要对副本调用。"),
    Mistake(lambda before, returned, mean: mean * WORLD_SIZE,
            "every rank holds {total}, the SUM over ranks: you forgot to divide by the world size "
            "(dist.get_world_size()).",
            "每个 rank 得到的是 {total}，即各 rank 的**和**：忘了除以 world size（dist.get_world_size()）。"),
    Mistake(lambda before, returned, mean: before / WORLD_SIZE,
            "each rank only divided its own tensor: call dist.all_reduce(tensor) first, so that it holds the sum "
            "over all ranks, then divide.",
            "每个 rank 只除了自己的张量：要先调用 dist.all_reduce(tensor)，让它变成所有 rank 的和，再相除。"),
    Mistake(lambda before, returned, mean: mean * WORLD_SIZE / 2,
            "with {world} ranks every rank holds the sum divided by 2: the number of ranks is hard-coded. "
            "Divide by dist.get_world_size().",
            "{world} 个 rank 时每个 rank 得到的是和除以 2：rank 数被写死了。请除以 dist.get_world_size()。"),
]


@checker("14.1")
def check_all_reduce_mean(all_reduce_mean) -> None:
    expect_callable(all_reduce_mean)
    if not isinstance(all_reduce_mean, types.FunctionType):
        fail("", "pass a function defined with def.", "请传入用 def 定义的函数。")
    if "AVG" in all_reduce_mean.__code__.co_names:
        fail("", "implement the mean yourself with ReduceOp.SUM (the default) and a division; "
             "ReduceOp.AVG is the built-in the checker compares with.",
             "请自己用 ReduceOp.SUM（默认）加一次除法实现平均；ReduceOp.AVG 是检查器用来对照的内置实现。")
    try:  # a quick local call catches the unfinished stub without starting processes
        all_reduce_mean(torch.ones(3))
    except NotImplementedError:
        raise
    except Exception:  # noqa: BLE001 - no process group here: the real test runs in the workers
        pass
    reports = run_in_processes(all_reduce_mean)
    for rank, report in enumerate(reports):
        if "error" in report:
            fail("", f"on rank {rank} your function raised {report['error']}",
                 f"在 rank {rank} 上你的函数抛出了 {report['error']}")
    before, after, returned, mean = (_grid([r[key] for r in reports])
                                     for key in ("before", "after", "returned", "builtin_avg"))
    means = reports[0]["builtin_avg"]
    diagnose(after, mean, ALL_REDUCE_MISTAKES, "", before, returned, mean, atol=1e-8, rtol=1e-5,
             otherwise=("after the call the ranks hold {afters}; every rank should hold the mean {mean} "
                        "(what ReduceOp.AVG gives).",
                        "调用之后各 rank 的张量是 {afters}；每个 rank 都应是平均值 {mean}（与 ReduceOp.AVG 的结果相同）。"),
             world=WORLD_SIZE, total=[WORLD_SIZE * v for v in means], afters=[r["after"] for r in reports], mean=means)
    if any(r["returned_type"] == "NoneType" for r in reports):
        fail("", "the tensor is averaged, but the function returned None: add `return tensor`.",
             "张量已经求了平均，但函数返回了 None：加上 `return tensor`。")
    if not all(r["same_object"] for r in reports):
        fail("", "return the tensor you were given (averaged in place), not a new tensor.",
             "请返回传入的那个张量（已原地求平均），而不是一个新张量。")


# --------------------------------------------------------------------------- 14.2


SAMPLER_HINT = ("should be {want}, got {got}. Hint: ", "应为 {want}，实际得到 {got}。提示：")


def _hint(wrong, en: str, zh: str) -> Mistake:
    """A sampler mistake: its hint follows the expected and the returned indices."""
    return Mistake(wrong, SAMPLER_HINT[0] + en, SAMPLER_HINT[1] + zh)


def _block(n: int, replicas: int, rank: int, drop_last: bool) -> list[int]:
    """The contiguous block a rank would get if the indices were cut into R slices."""
    per = n // replicas if drop_last else -(-n // replicas)
    return list(range(rank * per, min(rank * per + per, n)))


def _indices(n: int, replicas: int, rank: int, drop_last: bool) -> list[int]:
    return list(DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last))


SAMPLER_MISTAKES = [
    _hint(_block, "a rank does not get a contiguous block: it gets every num_replicas-th index, starting at its "
          "rank (rank, rank + R, rank + 2R, ...).",
          "rank 拿到的不是连续的一段，而是从自己的 rank 开始、每隔 num_replicas 取一个（rank, rank + R, rank + 2R, ...）。"),
    _hint(lambda n, replicas, rank, drop_last: None if drop_last else list(range(n))[rank::replicas],
          "you forgot the padding: without drop_last every rank gets ceil(n / R) indices; the missing ones are "
          "taken again from the start (0, 1, ...).",
          "忘了补齐：不 drop_last 时每个 rank 都拿 ceil(n / R) 个下标，不够的从头（0, 1, ...）重复取。"),
    _hint(lambda n, replicas, rank, drop_last: _indices(n, replicas, rank, False) if drop_last else None,
          "with drop_last=True the tail is dropped: every rank gets floor(n / R) indices.",
          "drop_last=True 时丢掉尾部：每个 rank 只拿 floor(n / R) 个下标。"),
]
SAMPLER_OTHERWISE = (SAMPLER_HINT[0] + "pad the list range(n) to a multiple of R (repeat from the start) or cut it "
                     "(drop_last), then take list[rank::R].",
                     SAMPLER_HINT[1] + "先把 range(n) 补齐到 R 的倍数（从头重复）或截断（drop_last），再取 list[rank::R]。")


@checker("14.2")
def check_sampler_indices(sampler_indices) -> None:
    expect_callable(sampler_indices)
    for case in ((10, 3, 1, False), (10, 3, 2, False), (12, 4, 3, False), (10, 3, 0, True), (11, 4, 3, True),
                 (5, 2, 1, False), (3, 4, 3, False)):
        n, replicas, rank, drop_last = case
        call = f"sampler_indices({n}, {replicas}, {rank}, drop_last={drop_last})"
        got = expect_returned(sampler_indices(n, replicas, rank, drop_last=drop_last), call)
        try:
            got = [int(i) for i in got]
        except (TypeError, ValueError):
            fail(call, f"should return a list of ints, got {got!r}.", f"应返回整数列表，实际得到 {got!r}。")
        want = _indices(*case)
        diagnose(got, want, SAMPLER_MISTAKES, call, *case, otherwise=SAMPLER_OTHERWISE, want=want, got=got)


# --------------------------------------------------------------------------- 14.3

BATCH_MISTAKES = [
    Mistake(lambda base_lr, base_batch, per_rank, world: float(per_rank),
            "global batch should be {want}, got {got}; that is the per-rank batch: every step processes "
            "per_rank_batch samples on EACH of the world_size ranks.",
            "全局批量应为 {want}，实际得到 {got}；这是每个 rank 的批量：每一步在**每个** rank 上各处理 per_rank_batch 个样本。"),
]
LR_MISTAKES = [
    Mistake(lambda base_lr, base_batch, per_rank, world: base_lr * world,
            "lr should be {want:g}, got {got:g}. You scaled by world_size, but the linear scaling rule scales by "
            "global_batch / base_batch (the batch the base lr was tuned for).",
            "lr 应为 {want:g}，实际得到 {got:g}。你按 world_size 缩放了，但线性缩放规则按 "
            "global_batch / base_batch（调出 base lr 时用的批量）缩放。"),
]


@checker("14.3")
def check_scale(scale_for_ddp) -> None:
    expect_callable(scale_for_ddp)
    for case in ((0.1, 256, 32, 8), (0.05, 64, 64, 2), (0.4, 1024, 16, 16)):
        base_lr, base_batch, per_rank, world = case
        call = f"scale_for_ddp({base_lr}, {base_batch}, {per_rank}, {world})"
        got = expect_returned(scale_for_ddp(*case), call)
        if not (isinstance(got, tuple) and len(got) == 2):
            fail(call, f"should return a tuple (global_batch, lr), got {got!r}.",
                 f"应返回元组 (global_batch, lr)，实际得到 {got!r}。")
        global_batch, lr = got
        want_batch = per_rank * world
        want_lr = base_lr * want_batch / base_batch
        diagnose(global_batch, float(want_batch), BATCH_MISTAKES, call, *case, atol=0, rtol=0,
                 otherwise=("global batch should be {want}, got {got}; the global batch is per_rank_batch * world_size.",
                            "全局批量应为 {want}，实际得到 {got}；全局批量是 per_rank_batch * world_size。"),
                 want=want_batch, got=global_batch)
        diagnose(lr, want_lr, LR_MISTAKES, call, *case, atol=1e-9 * max(1.0, want_lr), rtol=0,
                 otherwise=("lr should be {want:g}, got {got:g}. Linear scaling rule: "
                            "lr = base_lr * global_batch / base_batch.",
                            "lr 应为 {want:g}，实际得到 {got:g}。线性缩放规则：lr = base_lr * global_batch / base_batch。"),
                 want=want_lr, got=lr)


# --------------------------------------------------------------------------- 14.4


@checker("14.4")
def check_torchrun_args(torchrun_args) -> None:
    expect_callable(torchrun_args)
    from torch.distributed.run import get_args_parser

    endpoint, job = "node0.example.com:29400", "digits-42"
    got = expect_returned(torchrun_args(endpoint, job), f"torchrun_args({endpoint!r}, {job!r})")
    got = [str(a) for a in (got.split() if isinstance(got, str) else got)]
    if got and got[0] == "torchrun":
        got = got[1:]
    try:
        args = get_args_parser().parse_args(got)
    except SystemExit:
        fail("", f"torchrun's own parser rejects {got}: check the spelling of each option.",
             f"torchrun 自己的参数解析器拒绝了 {got}：检查每个选项的拼写。")
    requirements = [  # (holds, what is wrong otherwise)
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
        (not args.standalone, "--standalone is for one machine only: remove it", "--standalone 只用于单机：去掉它"),
    ]
    for holds, en, zh in requirements:
        if not holds:
            fail("", f"{en}.", f"{zh}。")


# --------------------------------------------------------------------------- 14.5


@checker("14.5")
def check_ring(ring_all_reduce) -> None:
    expect_callable(ring_all_reduce)
    rng = generator(14)
    for world in (2, 3, 4):
        tensors = [torch.randint(-9, 10, (world * 2,), generator=rng).float() for _ in range(world)]
        originals = [t.clone() for t in tensors]
        call = f"ring_all_reduce(<{world} tensors>)"
        result = expect_returned(ring_all_reduce(tensors), call)
        if not (isinstance(result, (list, tuple)) and len(result) == world):
            fail(call, f"should return a list of {world} tensors, one per rank.",
                 f"应返回 {world} 个张量的列表，每个 rank 一个。")
        if any(not torch.equal(a, b) for a, b in zip(tensors, originals)):
            fail("", "your function changed the input tensors: work on copies (t.clone()).",
                 "你的函数修改了输入的张量：请在副本（t.clone()）上操作。")
        total = torch.stack(originals).sum(0)
        if all(torch.equal(r, total) for r in result):
            continue
        chunks = total.chunk(world)
        if all(sum(torch.equal(rc, tc) for rc, tc in zip(r.chunk(world), chunks)) == 1 for r in result):
            fail("", f"with {world} ranks each rank ends with exactly one fully summed chunk: that is the "
                 "reduce-scatter phase. Now run the all-gather phase: world_size - 1 more steps that pass "
                 "the finished chunks around the ring.",
                 f"{world} 个 rank 时，每个 rank 最后只有一块是完整的和：这只是 reduce-scatter 阶段。"
                 "还要做 all-gather 阶段：再沿环传递 world_size - 1 步，把完成的块传给所有人。")
        fail("", f"with {world} ranks, rank 0 ends with {result[0].tolist()} but every rank should hold the sum "
             f"{total.tolist()}. In step s, rank r sends chunk (r - s) % n to rank (r + 1) % n, which adds it.",
             f"{world} 个 rank 时，rank 0 最后是 {result[0].tolist()}，而每个 rank 都应得到和 {total.tolist()}。"
             "第 s 步，rank r 把第 (r - s) % n 块发给 rank (r + 1) % n，对方把它加到自己的那一块上。")
