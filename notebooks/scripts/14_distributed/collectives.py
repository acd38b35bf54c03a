"""Collectives, run for real: each rank's tensor before and after, printed in rank order."""
import json
import os
import sys

import torch
import torch.distributed as dist

from course_utils.distributed import pick_backend, print_in_rank_order

backend = pick_backend(int(os.environ["WORLD_SIZE"]))  # nccl with enough GPUs, else gloo
if backend == "nccl":
    torch.cuda.set_device(int(os.environ["LOCAL_RANK"]))
device = torch.device("cuda") if backend == "nccl" else torch.device("cpu")
dist.init_process_group(backend)  # reads RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT
rank, world = dist.get_rank(), dist.get_world_size()

if rank == 0:
    print(f"backend={dist.get_backend()}  world_size={world}")
env = {name: os.environ[name] for name in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "MASTER_ADDR")}
print_in_rank_order(f"{env}, MASTER_PORT set: {'MASTER_PORT' in os.environ}")

record = {}


def show(name, before, after):
    """Print every rank's before/after in rank order and keep them for the figure."""
    both = [None] * world
    dist.all_gather_object(both, (before, after))
    record[name] = both
    if rank == 0:
        print(f"\n{name}")
    print_in_rank_order(f"before {before}  ->  after {after}")


x = torch.tensor([1.0, 2.0], device=device) + 2 * rank  # rank 0: [1, 2], rank 1: [3, 4]

y = x.clone()
dist.all_reduce(y, op=dist.ReduceOp.SUM)  # in place: every rank gets the sum
show("all_reduce (SUM)", x.tolist(), y.tolist())

y = x.clone()
dist.broadcast(y, src=0)  # rank 0's tensor overwrites everyone's
show("broadcast (src=0)", x.tolist(), y.tolist())

parts = [torch.zeros_like(x) for _ in range(world)]
dist.all_gather(parts, x)  # everyone gets everyone's tensor, in rank order
show("all_gather", x.tolist(), torch.cat(parts).tolist())

z = torch.arange(4.0, device=device) + 10 * rank  # rank 0: [0, 1, 2, 3], rank 1: [10, 11, 12, 13]
out = torch.zeros(4 // world, device=device)
dist.reduce_scatter_tensor(out, z)  # sum over ranks, then rank r keeps chunk r
show("reduce_scatter (SUM)", z.tolist(), out.tolist())


# Which collectives does this backend support? Run each one; an unsupported one raises.
def t(*values):
    return torch.tensor(values, dtype=torch.float32, device=device)


def all_reduce_avg():
    y = t(1, 2) + 2 * rank
    dist.all_reduce(y, op=dist.ReduceOp.AVG)
    assert y.tolist() == [2.0, 3.0], y.tolist()


tests = {
    "send/recv": lambda: dist.send(t(1), dst=1) if rank == 0 else dist.recv(t(0), src=0),
    "broadcast": lambda: dist.broadcast(t(1, 2), src=0),
    "all_reduce": lambda: dist.all_reduce(t(1, 2)),
    "all_reduce (AVG)": all_reduce_avg,
    "reduce": lambda: dist.reduce(t(1, 2), dst=0),
    "all_gather": lambda: dist.all_gather([t(0, 0) for _ in range(world)], t(1, 2)),
    "gather": lambda: dist.gather(t(1, 2), [t(0, 0) for _ in range(world)] if rank == 0 else None, dst=0),
    "scatter": lambda: dist.scatter(t(0, 0), [t(1, 2) for _ in range(world)] if rank == 0 else None, src=0),
    "reduce_scatter": lambda: dist.reduce_scatter(t(0), [t(1) for _ in range(world)]),
    "all_to_all": lambda: dist.all_to_all([t(0) for _ in range(world)], [t(1) for _ in range(world)]),
    "all_to_all_single": lambda: dist.all_to_all_single(t(*[0] * world), t(*[1] * world)),
    "barrier": lambda: dist.barrier(),
}
support = {}
for name, fn in tests.items():
    try:
        fn()
        support[name] = "yes"
    except Exception as error:  # keep the first line of the backend's refusal
        support[name] = f"no: {type(error).__name__}: {str(error).splitlines()[0][:60]}"

if rank == 0:
    with open(sys.argv[1], "w") as fh:
        json.dump({"backend": backend, "record": record, "support": support}, fh, indent=1)
dist.barrier()  # close only when every rank has finished communicating
dist.destroy_process_group()
