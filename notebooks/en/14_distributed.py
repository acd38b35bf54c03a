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
# # 14 · Distributed training: process groups, collectives and DDP
#
# When one GPU (or one process) is not enough, **several processes** train together: each holds a copy of the model, works on part of the data, and they exchange gradients with **collective** operations. `torch.distributed` provides the communication, `DistributedDataParallel` (DDP) wraps it into a training loop that barely changes, and `torchrun` starts the processes.
#
# In this chapter we **really** start 2 processes on the CPU (backend gloo):
#
# 1. process groups, ranks and world size, and the environment variables `torchrun` sets;
# 2. four collectives, `all_reduce`, `broadcast`, `all_gather` and `reduce_scatter`, with each rank's tensor printed before and after, in rank order, then drawn;
# 3. backends (gloo, nccl, xccl, mpi) and which collectives they support, with the gloo column **measured by running them**;
# 4. how `DistributedSampler` splits the data;
# 5. DDP training on the digits, checked against **single-process training with the same global batch**;
# 6. checkpoints written by rank 0 only, what changes on several machines, and a last check that nothing is left running.
#
# On a machine with GPUs the same scripts switch to nccl by themselves.

# %%
from course_utils import setup_notebook

setup_notebook()

# %% [markdown]
# ## 1. Process groups, ranks and world size
#
# Each process in distributed training is a **worker**; together they form a **process group**:
#
# | name | meaning | in this chapter |
# | --- | --- | --- |
# | world size | how many processes the group has | 2 |
# | rank | a process's number in the whole group, 0 to world size − 1 | 0, 1 |
# | local rank | its number **on this machine**, used to pick a GPU (`cuda:{local_rank}`) | 0, 1 |
# | node | one machine (or container); with several machines each runs a few workers | 1 |
#
# With two machines of 4 GPUs each, the world size is 8, ranks go from 0 to 7, and the local ranks on each machine are 0 to 3.
#
# `torchrun` starts one Python process per worker and tells it all this through **environment variables**: `RANK`, `LOCAL_RANK`, `WORLD_SIZE`, plus the address `MASTER_ADDR` and port `MASTER_PORT` where all processes meet (the *rendezvous*). The script calls `dist.init_process_group(backend)`, which reads these variables and waits until every process has arrived. At the end it calls `dist.barrier()` and then `dist.destroy_process_group()`: the barrier makes every rank wait until all have finished communicating, so no rank closes its connections while another is still sending to it. Without it, a rank that finished first can tear down under a slower one, which may then die at exit with `terminate called without an active exception`, even though its work was done. A DDP model holds on to the group as well, so the training script first deletes the model and runs `gc.collect()`: then gloo's background threads stop while Python is still fully running, not during the interpreter's own shutdown, where stopping them can abort the process in the same way. (Measured while writing this chapter: 3 aborts in 40 runs of the DDP script without these two lines, none in 40 with them.)
#
# ### Why scripts?
#
# A notebook's kernel is **one** process. Starting a function defined in a cell with `torch.multiprocessing.spawn` fails: a process started with the spawn method has to **import** the function again, and it exists only in the kernel's memory, in no file. So this chapter's worker code lives in script files, `notebooks/scripts/14_distributed/` in the course folder: the notebook shows each script, then runs it with `torchrun`, as real projects do. Open them in JupyterLab's editor too, and try changes there.
#
# The helpers live in `course_utils/distributed.py` (short, worth reading): `run_torchrun()` runs `torchrun` in a subprocess and returns what it printed; on failure it shows each rank's error, and on a timeout it kills every process of the job. `print_in_rank_order()` lets rank 0 print every rank's message in order, so lines never interleave.

# %%
import shutil
from pathlib import Path

from IPython.display import Code

from course_utils.distributed import run_torchrun, shell_command

SCRIPTS = Path("..") / "scripts" / "14_distributed"  # the worker scripts, shared by both editions
OUT = Path("course_output/14_distributed")  # what the workers write
shutil.rmtree(OUT, ignore_errors=True)  # a fresh folder for every run
OUT.mkdir(parents=True)

# %% [markdown]
# ## 2. Collectives, run for real
#
# A collective requires **every** process of the group to call the same function. In the script below rank 0 holds `[1, 2]` and rank 1 holds `[3, 4]`; it calls four collectives and records the tensors before and after. It also tries every collective on its backend and writes which ones work to a JSON file (used in section 3).

# %%
# the worker script is a file of the course: notebooks/scripts/14_distributed/collectives.py
Code(filename=SCRIPTS / "collectives.py", language="python")

# %% [markdown]
# Run it. `run_torchrun` runs exactly the command you would type in a terminal (`--standalone`: one machine, pick a free port automatically; `--nproc_per_node=2`: start 2 workers here):

# %%
script = SCRIPTS / "collectives.py"
print("$", shell_command(script, 2, [OUT / "collectives.json"]))
print(run_torchrun(script, nproc=2, args=[OUT / "collectives.json"]))

# %% [markdown]
# Reading the output:
#
# * the two workers have different `RANK`s and the same `WORLD_SIZE`; `MASTER_ADDR` is `localhost`, and `MASTER_PORT` is the port torchrun picked (different every run, so it is not printed);
# * **all_reduce**: every rank gets the sum over all ranks, `[1+3, 2+4]`. It works **in place**: the result is written into the tensor you pass, the return value is not the result;
# * **broadcast**: rank 0's tensor overwrites everyone's;
# * **all_gather**: every rank gets every rank's tensor, in rank order;
# * **reduce_scatter**: sum first, then cut the result into world-size chunks; rank r keeps chunk r. `reduce_scatter` followed by `all_gather` is exactly one `all_reduce` (the ring all-reduce of exercise 14.5 works this way).
#
# A picture makes it clearer: each row is a rank, the left side is before the call and the right side after. The numbers come from the JSON file that the run just wrote.

# %%
import json

import matplotlib.pyplot as plt

result = json.loads((OUT / "collectives.json").read_text())
record = result["record"]
RANK_COLORS, MIXED = ["#8ecae6", "#ffb703"], "#b5e48c"


def origin(name, rank, position, n_before):
    """Which rank a value after the call comes from (None: a sum over all ranks)."""
    if name.startswith("broadcast"):
        return 0
    if name.startswith("all_gather"):
        return position // n_before
    return None


def cells(ax, x0, y, values, colors):
    for j, (value, color) in enumerate(zip(values, colors)):
        ax.add_patch(plt.Rectangle((x0 + j, y), 0.95, 0.8, fc=color, ec="black"))
        ax.text(x0 + j + 0.47, y + 0.4, f"{value:g}", ha="center", va="center", fontsize=9)


fig, axes = plt.subplots(1, len(record), figsize=(15, 2.1))
for ax, (name, per_rank) in zip(axes, record.items()):
    for r, (before, after) in enumerate(per_rank):
        y = 1.2 * (len(per_rank) - 1 - r)
        ax.text(-0.2, y + 0.4, f"rank {r}", ha="right", va="center", fontsize=9)
        cells(ax, 0, y, before, [RANK_COLORS[r]] * len(before))
        after_colors = [MIXED if origin(name, r, j, len(before)) is None else RANK_COLORS[origin(name, r, j, len(before))]
                        for j in range(len(after))]
        cells(ax, 5.2, y, after, after_colors)
    ax.annotate("", xy=(5.0, 1.0), xytext=(4.1, 1.0), arrowprops=dict(arrowstyle="->", lw=1.5))
    ax.set_title(name, fontsize=11)
    ax.set_xlim(-1.7, 9.3)
    ax.set_ylim(-0.2, 2.1)
    ax.set_aspect("equal")
    ax.axis("off")
fig.suptitle("Collectives on 2 ranks: before (left) -> after (right); green = summed over ranks")
fig.subplots_adjust(top=0.85, bottom=0.0, wspace=0.08)
plt.show()

# %% [markdown]
# ## 3. Backends: who supports what
#
# A backend is the communication library that actually moves the data. `torch.distributed.Backend` lists the backends torch 2.11 knows, and the default backend for each device:

# %%
import torch
import torch.distributed as dist

print("Backend.backend_list        :", dist.Backend.backend_list)
print("default backend per device  :", dist.Backend.default_device_backend_map)
print("built into this torch wheel :", {
    "gloo": dist.is_gloo_available(),
    "nccl": dist.is_nccl_available(),
    "mpi": dist.is_mpi_available(),
    "xccl": dist.is_xccl_available(),
    "ucc": dist.is_ucc_available(),
})

# %% [markdown]
# | backend | for | notes |
# | --- | --- | --- |
# | `gloo` | CPU; a fallback on GPUs | ships with PyTorch (Linux, macOS, Windows); this chapter uses it |
# | `nccl` | NVIDIA GPUs (RCCL in ROCm builds) | the first choice for GPU training, the fastest; GPU tensors only; included in Linux's CUDA wheels (hence `True` above, even on this machine without a GPU); **each rank needs a GPU of its own**: two ranks on one GPU fail with "Duplicate GPU detected" |
# | `xccl` | Intel GPUs (XPU) | needs the XPU build of PyTorch |
# | `mpi` | clusters with MPI | **not** in the PyPI wheels (`is_mpi_available()` is `False`): build PyTorch from source on a machine with MPI |
# | `ucc` | experimental | also needs your own build |
#
# Rule of thumb: nccl for GPU training (xccl on Intel GPUs), gloo for CPU training. `course_utils.distributed.pick_backend(world_size)` chooses exactly so: nccl when there is a GPU for every rank, gloo otherwise.
#
# In the table below the gloo column was **measured** by the run above; the other two columns are copied from the backend table in PyTorch's documentation (docs/source/distributed.md) and were **not run here**:

# %%
DOCS = {  # from the backend table in PyTorch's distributed docs: (gloo CPU, nccl GPU)
    "send/recv": ("yes", "yes"), "broadcast": ("yes", "yes"), "all_reduce": ("yes", "yes"),
    "all_reduce (AVG)": ("-", "yes"), "reduce": ("yes", "yes"), "all_gather": ("yes", "yes"),
    "gather": ("yes", "yes"), "scatter": ("yes", "yes"), "reduce_scatter": ("yes", "yes"),
    "all_to_all": ("yes", "yes"), "all_to_all_single": ("-", "yes"), "barrier": ("yes", "yes"),
}
ran = result["backend"]
print(f"{'collective':<18} | {ran + ' (run here)':<58} | gloo CPU (docs) | nccl GPU (docs)")
print("-" * 118)
for name, verdict in result["support"].items():
    gloo_docs, nccl_docs = DOCS[name]
    print(f"{name:<18} | {verdict:<58} | {gloo_docs:<15} | {nccl_docs}")

# %% [markdown]
# Measurement and documentation disagree once: the docs say gloo supports `all_to_all`, but the list form `dist.all_to_all` raises "does not support alltoall" on gloo; the tensor form `all_to_all_single` works. That is why we **run** them instead of trusting the table. (`-` means the docs' table has no such row.)

# %% [markdown]
# ## 4. `DistributedSampler`: which samples each rank gets
#
# Data parallelism needs every rank to work on **different** samples. `DistributedSampler` deals the indices out **in a stride**: rank r gets positions r, r+R, r+2R, ... (R is the number of replicas). It needs only `num_replicas` and `rank`, no process group, so we can show it right here in the notebook: 10 samples for 3 ranks.

# %%
from torch.utils.data import DistributedSampler

data = list(range(10))
for drop_last in (False, True):
    print(f"drop_last={drop_last}")
    for r in range(3):
        sampler = DistributedSampler(data, num_replicas=3, rank=r, shuffle=False, drop_last=drop_last)
        print(f"  rank {r}: {list(sampler)}")

# %% [markdown]
# * 10 is not divisible by 3. By default (`drop_last=False`) the sampler **pads**: it repeats samples from the start (here 0 and 1) so that every rank gets the same number (4). Every rank must take the same number of steps; otherwise, in the extra step one rank waits for a gradient sync that the other, already finished, never joins, and the job hangs;
# * `drop_last=True` drops the tail instead (sample 9): 3 per rank.
#
# The default is `shuffle=True`: shuffle with `seed + epoch` first, then deal in a stride. All ranks use the same seed and so the same permutation, and their samples never overlap. **Call `sampler.set_epoch(epoch)` at the start of every epoch**, or every epoch sees the same order:

# %%
for epoch in range(2):
    parts = []
    for r in range(2):
        sampler = DistributedSampler(data, num_replicas=2, rank=r, shuffle=True, seed=0)
        sampler.set_epoch(epoch)
        parts.append(list(sampler))
    print(f"epoch {epoch}: rank 0 {parts[0]}, rank 1 {parts[1]}, overlap: {set(parts[0]) & set(parts[1])}")

# %%
n, replicas = 10, 3
samplers = [DistributedSampler(list(range(n)), num_replicas=replicas, rank=r, shuffle=False)
            for r in range(replicas)]
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 2.4), width_ratios=[n, 5])
for index in range(n):  # the dataset, each sample coloured by the rank that gets it
    left.add_patch(plt.Rectangle((index, 0), 0.95, 0.8, fc=plt.cm.tab10(index % replicas), alpha=0.8))
    left.text(index + 0.47, 0.4, str(index), ha="center", va="center")
left.set_title("dataset: sample i goes to rank i % 3")
for r, sampler in enumerate(samplers):  # what each rank iterates over
    for pos, index in enumerate(sampler):
        padded = r + pos * replicas >= n
        right.add_patch(plt.Rectangle((pos, replicas - 1 - r), 0.95, 0.8, fc=plt.cm.tab10(r),
                                      alpha=0.3 if padded else 0.8, hatch="//" if padded else None))
        right.text(pos + 0.47, replicas - 1 - r + 0.4, str(index), ha="center", va="center")
    right.text(-0.2, replicas - 1 - r + 0.4, f"rank {r}", ha="right", va="center")
right.set_title("each rank's indices (hatched = padding)")
for ax, x0, width, height in ((left, -0.1, n, 1), (right, -1.3, 5, replicas)):
    ax.set_xlim(x0, width)
    ax.set_ylim(-0.1, height)
    ax.set_aspect("equal")
    ax.axis("off")
plt.show()

# %% [markdown]
# ## 5. DDP: training on the digits
#
# What DDP does:
#
# 1. when it is created, it **broadcasts** rank 0's parameters to every rank, so all start from the same weights;
# 2. each rank runs forward and backward on its own half of the data;
# 3. during `backward()`, DDP **all-reduces the gradients and divides by the world size** (an average), so every rank ends up with the same gradients;
# 4. every rank runs its own `optimizer.step()`: same weights + same gradients = same new weights, with no need to sync the parameters.
#
# The script below trains a small MLP: 32 samples per rank per step, a global batch of 64. Every epoch it prints each rank's first sample indices, the loss, and a weight checksum (the sum of all parameters), and uses `all_gather` to check that the ranks' weights are **bit-for-bit identical**. At the end only rank 0 saves a checkpoint.
#
# The same file also holds `train_single_process()`: **one process**, each step's global batch = the two ranks' batches of that step put together. We use it to check DDP's result in a moment.

# %% [markdown]
# The script does not load the digits itself: the notebook saves the training set as one tensor file and every worker reads it with `torch.load` (much faster than importing scikit-learn in every process). The test set stays in the notebook for the final evaluation.

# %%
from course_utils import digits_datasets

train, _, test = digits_datasets()
torch.save(train.tensors, OUT / "digits_train.pt")
print(f"saved {len(train)} training images for the workers; {len(test)} test images stay here")

# %%
# the worker script is a file of the course: notebooks/scripts/14_distributed/ddp_train.py
Code(filename=SCRIPTS / "ddp_train.py", language="python")

# %%
script = SCRIPTS / "ddp_train.py"
ddp_args = [OUT / "digits_train.pt", OUT / "ddp_model.pt", OUT / "ddp_run.json"]
print("$", shell_command(script, 2, ddp_args))
print(run_torchrun(script, nproc=2, args=ddp_args))

# %% [markdown]
# * the two ranks get different sample indices (half each), in a new order every epoch (`set_epoch`);
# * both ranks print the same loss (it is the global mean, after an `all_reduce`) and the same weight checksum, and `all_gather` confirms the weights are **bit-for-bit identical**: DDP's synchronisation works.
#
# ### DDP = one process with the same global batch
#
# Why? Rank r's loss is the **mean** over its 32 samples, so its gradient is $g_r = \frac{1}{32}\sum_{i \in B_r} \nabla \ell_i$. DDP averages the two ranks' gradients:
#
# $$\frac{g_0 + g_1}{2} = \frac{1}{64}\sum_{i \in B_0 \cup B_1} \nabla \ell_i,$$
#
# exactly the gradient of one process on the global batch of 64. So with the same global batch at every step and the same initial weights, both trainings should end with the same weights, up to the order of floating-point additions. (This needs equal batch sizes on all ranks: here 629 = 19 × 32 + 21, and the last step has 21 samples on both ranks.)
#
# Import the script as a module, run its single-process reference, and compare it parameter by parameter with the checkpoint rank 0 saved:

# %%
import sys

sys.path.insert(0, str(SCRIPTS))
import ddp_train

reference = ddp_train.train_single_process(OUT / "digits_train.pt")
ddp_state = torch.load(OUT / "ddp_model.pt", map_location="cpu", weights_only=True)
max_diff = max((ddp_state[k] - v).abs().max().item() for k, v in reference.state_dict().items())
TOLERANCE = 1e-6

# %%
# NBVAL_IGNORE_OUTPUT
# the last bits of float32 sums depend on the CPU, so the exact difference is not compared
print(f"max |w_ddp - w_single| = {max_diff:.2e}")

# %%
print(f"DDP matches single-process training within atol={TOLERANCE:g}: {max_diff < TOLERANCE}")

# %% [markdown]
# On this machine the difference is around 1e-7 (float32 rounding), far below the tolerance of 1e-6.
#
# ### The learning rate when the global batch grows
#
# The check above kept the **global** batch fixed, so the learning rate stayed the same. In practice you add GPUs to process more samples per step: every rank keeps its 32 samples, and the global batch is `per_rank_batch × world_size`. Going from 2 to 8 ranks makes it 4 times larger. The averaged gradient then has the same expected value but less noise, and an epoch has 4 times fewer steps, so with the old learning rate the model moves much less per epoch.
#
# The **linear scaling rule** (introduced in 2017 for training ImageNet with large-batch SGD): *when the global batch grows k times, multiply the learning rate by k*, that is `lr = base_lr × global_batch / base_batch`, where `base_lr` was tuned for a global batch of `base_batch`. The reason: k SGD steps with learning rate η on k batches of B samples move the weights about as far as one step with k·η on their union of kB samples, **as long as the gradient barely changes over those k steps**.
#
# That assumption fails at the start of training, when the weights (and the gradient) change fast: a k times larger learning rate from the first step often makes the loss diverge. So the rule comes with a **warm-up**: start at the old learning rate and raise it linearly to k·`base_lr` over the first few epochs. In PyTorch that is a `LinearLR` scheduler (chain it with your usual schedule through `SequentialLR`):

# %%
# NBVAL_CHECK_OUTPUT
# the linear scaling rule with a warm-up, on a stand-in parameter (nothing is trained here)
base_lr, base_batch = 0.1, 64  # the script's LR, tuned for a global batch of 2 x 32
world_size, per_rank_batch = 8, 32  # say, 8 ranks that keep 32 samples each
k = world_size * per_rank_batch / base_batch
warmup_epochs = 5
demo_params = [torch.zeros(1, requires_grad=True)]
demo_optimizer = torch.optim.SGD(demo_params, lr=base_lr * k, momentum=0.9)
warmup = torch.optim.lr_scheduler.LinearLR(demo_optimizer, start_factor=1 / k, total_iters=warmup_epochs)
print(f"global batch {world_size * per_rank_batch} = {k:g} x {base_batch}: lr {base_lr:g} -> {base_lr * k:g}")
for epoch in range(warmup_epochs + 2):
    print(f"epoch {epoch}: lr {demo_optimizer.param_groups[0]['lr']:.2f}")
    demo_optimizer.step()  # a real loop would compute a loss and call backward() first
    warmup.step()

# %% [markdown]
# Its limits:
#
# * it is a rule of thumb for SGD (with momentum), not a law. Beyond a certain global batch (it depends on the model and the data) it stops working: the accuracy drops however you set the learning rate;
# * for adaptive optimizers such as Adam and AdamW it fits less well; a square-root rule (multiply by √k) is often used instead, and either way you check the result on the validation split and re-tune if needed;
# * if you keep the global batch fixed and split it over more ranks (each rank gets fewer samples), nothing changes and the learning rate stays as it is: that is the case of the comparison above.
#
# ## 6. Checkpoints: rank 0 writes, `map_location` reads
#
# The last lines of the script are the standard way to checkpoint with DDP:
#
# * **only rank 0 writes the file** (all ranks hold the same weights, so once is enough; several processes writing the same file corrupt it);
# * `dist.barrier()`: the other ranks wait until rank 0 has finished writing before they read;
# * when reading, `map_location` puts the tensors on **this rank's device**. Tensors saved from a GPU load back onto the original `cuda:0` by default, and every rank would crowd onto one GPU;
# * save `model.module.state_dict()`, not the DDP wrapper's `state_dict()`.
#
# One look explains the last point. DDP needs a process group, so we create one **with a single process** in the notebook (`HashStore` is an in-memory key-value store, no network), wrap a model and look at its `state_dict` keys:

# %%
dist.init_process_group("gloo", store=dist.HashStore(), rank=0, world_size=1)
wrapped = torch.nn.parallel.DistributedDataParallel(ddp_train.make_model())
print("DDP wrapper keys :", list(wrapped.state_dict())[:2])
print("model.module keys:", list(wrapped.module.state_dict())[:2])
dist.destroy_process_group()
print("process group still initialized:", dist.is_initialized())

# %% [markdown]
# The wrapper's keys carry a `module.` prefix, and a plain model refuses them with "Missing key(s)". Saving `model.module`'s weights gives exactly the checkpoint you would get without DDP: it loads anywhere, for example in this notebook. Evaluate it on the test set:

# %%
model = ddp_train.make_model()
model.load_state_dict(ddp_state)
model.eval()
with torch.no_grad():
    x, y = test.tensors
    accuracy = (model(x).argmax(1) == y).float().mean().item()
print(f"DDP-trained model, test accuracy after {ddp_train.EPOCHS} epochs: {accuracy:.2f}")

# %% [markdown]
# ## 7. What changes on several machines (explained, not run)
#
# The script does **not change at all**: it only reads environment variables. The launch command changes. For two machines with 4 GPUs each, run on **every** machine:
#
# ```bash
# torchrun --nnodes=2 --nproc-per-node=4 \
#     --rdzv-backend=c10d --rdzv-endpoint=node0.example.com:29400 --rdzv-id=digits-42 \
#     ddp_train.py ckpt.pt run.json
# ```
#
# * `--nnodes=2`: how many machines; `--nproc-per-node=4`: workers per machine (one per GPU);
# * `--rdzv-backend=c10d --rdzv-endpoint=host:port`: where to meet. With the c10d rendezvous you do **not** need `--node-rank`: the rendezvous numbers the machines as they arrive (`--node-rank` is for the older static rendezvous, with `--master-addr`/`--master-port`);
# * `--rdzv-id`: a unique job name, the same on every machine, so two jobs never mix;
# * **elastic**: `--nnodes=1:4` starts training with anything from 1 to 4 machines; when a machine joins or leaves, torchrun meets again and restarts the workers;
# * `--max-restarts=3`: when a worker fails, the whole worker group is restarted up to 3 times. A restart runs the script from the top, so it must be able to **resume from a checkpoint** (chapter 9);
# * with several machines `MASTER_ADDR` is no longer `localhost`: the machines must reach each other, and NCCL/gloo must use the right network card (`NCCL_SOCKET_IFNAME`, `GLOO_SOCKET_IFNAME`).
#
# The `--standalone` in this chapter's single-machine command is short for "start a c10d rendezvous on this machine, on a random free port".

# %% [markdown]
# ## 8. Cleaning up: nothing left behind
#
# `run_torchrun` returns only when all processes have ended, and on a failure or timeout it kills the whole process tree. A last check: the notebook's kernel has no child process still alive, and the DDP run's rendezvous port (rank 0 wrote it into `ddp_run.json`) can be bound again.

# %%
from course_utils.distributed import child_pids, port_is_free

port = json.loads((OUT / "ddp_run.json").read_text())["master_port"]
print("child processes still alive:", len(child_pids()))
print("rendezvous port free again :", port_is_free(port))

# %% [markdown]
# ## Summary
#
# * A process group has world-size processes, each with its rank (and a local rank on its machine); `torchrun` passes them in environment variables, which `init_process_group` reads;
# * every rank must call a collective: `all_reduce` (the sum, for everyone), `broadcast` (one to all), `all_gather` (everyone gets everything), `reduce_scatter` (sum, then cut into chunks);
# * gloo for CPUs, nccl for NVIDIA GPUs (one GPU per rank), xccl for Intel GPUs; MPI needs your own build of PyTorch;
# * `DistributedSampler` deals indices in a stride and pads to equal lengths; call `set_epoch` every epoch;
# * DDP averages gradients, so it equals single-process training with the same global batch;
# * when the global batch grows k times, the linear scaling rule multiplies the learning rate by k, with a warm-up; it is a rule of thumb for SGD, with limits;
# * checkpoints: rank 0 writes, everyone reads after a `barrier` with `map_location`, and you save `model.module.state_dict()`.

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **Next:** [the exercises of this chapter: 14_distributed](../../exercises/en/14_distributed.ipynb) · [the next chapter: 15_profiler](15_profiler.ipynb)
