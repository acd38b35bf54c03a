"""DDP on the digits: each rank trains on its half of every global batch."""
import gc
import json
import os
import sys

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

from course_utils.distributed import pick_backend, print_in_rank_order

EPOCHS, PER_RANK_BATCH, LR, SEED = 3, 32, 0.1, 0


def make_model():
    torch.manual_seed(SEED)  # the same initial weights everywhere (DDP broadcasts rank 0's anyway)
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


def make_optimizer(model):
    return torch.optim.SGD(model.parameters(), lr=LR, momentum=0.9)


def load_train(data_file):
    images, labels = torch.load(data_file, weights_only=True)
    return TensorDataset(images, labels)


def train_single_process(data_file, world_size=2, epochs=EPOCHS):
    """The reference: ONE process; each step's batch is the union of the ranks' batches."""
    train = load_train(data_file)
    model, loss_fn = make_model(), nn.CrossEntropyLoss()
    optimizer = make_optimizer(model)
    for epoch in range(epochs):
        per_rank = []
        for r in range(world_size):
            sampler = DistributedSampler(train, num_replicas=world_size, rank=r, shuffle=True, seed=SEED)
            sampler.set_epoch(epoch)
            per_rank.append(list(sampler))
        for start in range(0, len(per_rank[0]), PER_RANK_BATCH):
            idx = [i for part in per_rank for i in part[start:start + PER_RANK_BATCH]]
            x, y = train[idx]
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()  # the mean over the whole global batch
            optimizer.step()
    return model


def main(data_file, checkpoint, info_file):
    world_size = int(os.environ["WORLD_SIZE"])
    local_rank = int(os.environ["LOCAL_RANK"])
    backend = pick_backend(world_size)
    if backend == "nccl":
        torch.cuda.set_device(local_rank)
        device = torch.device("cuda", local_rank)
    else:
        device = torch.device("cpu")
    dist.init_process_group(backend)
    rank = dist.get_rank()
    if rank == 0:  # for the notebook's last cell; ports are never printed
        with open(info_file, "w") as fh:
            json.dump({"master_port": int(os.environ["MASTER_PORT"])}, fh)

    train = load_train(data_file)
    sampler = DistributedSampler(train, shuffle=True, seed=SEED)  # rank and world size from the group
    loader = DataLoader(train, batch_size=PER_RANK_BATCH, sampler=sampler)
    model = DDP(make_model().to(device), device_ids=[local_rank] if backend == "nccl" else None)
    optimizer, loss_fn = make_optimizer(model), nn.CrossEntropyLoss()

    if rank == 0:
        print(f"backend={backend}: {len(train)} training images, {len(sampler)} per rank, "
              f"global batch {PER_RANK_BATCH * world_size}")
    for epoch in range(EPOCHS):
        sampler.set_epoch(epoch)  # a new shuffle each epoch, the same permutation on every rank
        print_in_rank_order(f"epoch {epoch}: first indices {list(sampler)[:5]}")
        total = torch.zeros(2, device=device)  # (sum of losses, number of samples)
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)  # the mean over THIS rank's half of the batch
            loss.backward()  # DDP all-reduces and averages the gradients here
            optimizer.step()
            total += torch.stack([loss.detach() * len(y), torch.tensor(float(len(y)), device=device)])
        dist.all_reduce(total)  # the epoch's loss over all ranks
        flat = torch.cat([p.detach().flatten() for p in model.parameters()])
        everyone = [torch.zeros_like(flat) for _ in range(world_size)]
        dist.all_gather(everyone, flat)
        same = all(torch.equal(everyone[0], other) for other in everyone)
        print_in_rank_order(f"epoch {epoch}: loss {total[0] / total[1]:.4f}, "
                            f"weight checksum {flat.sum():.4f}, identical on all ranks: {same}")

    if rank == 0:  # one writer; model.module is the plain model inside DDP
        torch.save(model.module.state_dict(), checkpoint)
    dist.barrier()  # nobody reads the file before rank 0 has written it
    state = torch.load(checkpoint, map_location=device, weights_only=True)
    restored = make_model().to(device)
    restored.load_state_dict(state)
    matches = all(torch.equal(a, b) for a, b in zip(restored.parameters(), model.module.parameters()))
    print_in_rank_order(f"checkpoint loaded, equal to the trained model: {matches}")

    # Tear down in order. DDP keeps the process group (and gloo's threads) alive: free it while Python
    # is still fully running, wait for every rank, then close the group on every rank.
    del model, optimizer, restored
    gc.collect()
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main(data_file=sys.argv[1], checkpoint=sys.argv[2], info_file=sys.argv[3])
