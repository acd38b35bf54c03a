# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: -all
#     notebook_metadata_filter: kernelspec,jupytext,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: PyTorch course
#     language: python
#     name: pytorch-course
# ---

# %% [markdown]
# # 14 · Exercises: distributed training
#
# Replace the `raise NotImplementedError(...)` in each function with your code, then run the `check(...)` cell below it. `✅` means the checks passed, `❌` not yet (with a hint), `⏳` not done yet. Stuck? The full answers are in `solutions/en/14_distributed.ipynb`.

# %%
from course_utils import check, setup_notebook

setup_notebook()

import torch.distributed as dist

# %% [markdown]
# ## 14.1 Write `all_reduce_mean` yourself
#
# Complete `all_reduce_mean(tensor)`: called on every rank, it turns `tensor` on **every** rank into the **mean** of that tensor over all ranks (in place), and returns `tensor`. Use only `dist.all_reduce` (with its default `ReduceOp.SUM`) and a division, not `ReduceOp.AVG`: the checker compares your result with it.
#
# The checker starts **3 real processes** (gloo backend, meeting through a file) and calls your function in each one (rank r holds `[1, 2, 3] + 10 r`). Three, not two, so that a hard-coded `/ 2` does not pass. This takes a few seconds. Inside the function, use only `torch`, `dist` and modules you imported in the notebook.

# %%
def all_reduce_mean(tensor):
    """Average `tensor` over all ranks, in place, and return it."""
    ### BEGIN SOLUTION
    dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    tensor /= dist.get_world_size()
    return tensor
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("14.1", all_reduce_mean)

# %% [markdown]
# ## 14.2 The indices `DistributedSampler` gives a rank
#
# Complete `sampler_indices(n, num_replicas, rank, drop_last=False)`: return the list of indices that `DistributedSampler(range(n), num_replicas=num_replicas, rank=rank, shuffle=False, drop_last=drop_last)` yields, but compute it yourself, **without** `DistributedSampler`. Recall the rule from the lesson: pad (or cut) to a multiple of `num_replicas`, then deal in a stride.

# %%
def sampler_indices(n, num_replicas, rank, drop_last=False):
    """The indices DistributedSampler(shuffle=False) gives to `rank`."""
    ### BEGIN SOLUTION
    indices = list(range(n))
    if drop_last:
        indices = indices[: n // num_replicas * num_replicas]
    else:
        total = -(-n // num_replicas) * num_replicas  # ceil(n / R) * R
        while len(indices) < total:
            indices += indices[: total - len(indices)]
    return indices[rank::num_replicas]
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("14.2", sampler_indices)

# %% [markdown]
# ## 14.3 Global batch and learning rate
#
# A learning rate `base_lr` was tuned for a batch of `base_batch`. Now you train with DDP: `world_size` ranks, each with `per_rank_batch` samples per step. Complete `scale_for_ddp(base_lr, base_batch, per_rank_batch, world_size)` and return the tuple `(global_batch, lr)`:
#
# * `global_batch`: how many samples one step processes (all ranks together);
# * `lr`: the learning rate adjusted with the **linear scaling rule**: when the batch grows k times, multiply the learning rate by k (large batches usually also need a warm-up; ignore that here).

# %%
def scale_for_ddp(base_lr, base_batch, per_rank_batch, world_size):
    """Return (global_batch, lr) with the linear scaling rule."""
    ### BEGIN SOLUTION
    global_batch = per_rank_batch * world_size
    return global_batch, base_lr * global_batch / base_batch
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("14.3", scale_for_ddp)

# %% [markdown]
# ## 14.4 The `torchrun` command for 2 machines with 4 GPUs each
#
# Complete `torchrun_args(endpoint, job_id)`: return the arguments of the torchrun command to run on **every** machine (a list of strings, which may start with `"torchrun"`), with the c10d rendezvous at `endpoint` (`"host:port"`), the job name `job_id`, and the training script `train.py` (no arguments). The checker reads your arguments with torchrun's **own** parser (`torch.distributed.run.get_args_parser()`).

# %%
def torchrun_args(endpoint, job_id):
    """The torchrun arguments for 2 nodes x 4 GPUs, c10d rendezvous at `endpoint`."""
    ### BEGIN SOLUTION
    return ["torchrun", "--nnodes=2", "--nproc-per-node=4", "--rdzv-backend=c10d",
            f"--rdzv-endpoint={endpoint}", f"--rdzv-id={job_id}", "train.py"]
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("14.4", torchrun_args)

# %% [markdown]
# ## 14.5 Simulate a ring all-reduce
#
# For large tensors NCCL and gloo often all-reduce with a **ring**: the n ranks form a ring, and each tensor is cut into n chunks.
#
# 1. **reduce-scatter phase** (n − 1 steps): in step s, rank r sends its chunk `(r - s) % n` to rank `(r + 1) % n`, which **adds** it to its own copy of that chunk. Afterwards, chunk `(r + 1) % n` of rank r holds the sum over all ranks;
# 2. **all-gather phase** (n − 1 steps): in step s, rank r sends its (finished) chunk `(r + 1 - s) % n` to rank `(r + 1) % n`, which **replaces** its copy of that chunk.
#
# Each rank sends only 1/n of the data per step, so the total traffic barely depends on the number of ranks. Complete `ring_all_reduce(tensors)`: `tensors[r]` is rank r's tensor (its length is divisible by n); return a list whose element r is rank r's final tensor (they should all equal the sum of all tensors). Do not modify the input tensors. Hint: the chunks from `t.clone().chunk(n)` are views of one buffer, so an in-place add (`+=`) writes through.

# %%
def ring_all_reduce(tensors):
    """Simulate a ring all-reduce; return each rank's final tensor."""
    ### BEGIN SOLUTION
    n = len(tensors)
    buffers = [t.clone() for t in tensors]
    chunks = [list(b.chunk(n)) for b in buffers]  # views into buffers
    for s in range(n - 1):  # reduce-scatter
        sent = [chunks[r][(r - s) % n].clone() for r in range(n)]  # everyone sends at the same time
        for r in range(n):
            chunks[(r + 1) % n][(r - s) % n] += sent[r]
    for s in range(n - 1):  # all-gather
        sent = [chunks[r][(r + 1 - s) % n].clone() for r in range(n)]
        for r in range(n):
            chunks[(r + 1) % n][(r + 1 - s) % n].copy_(sent[r])
    return buffers
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("14.5", ring_all_reduce)

# %% [markdown]
# Five ✅? You can now write, run and verify distributed training.
