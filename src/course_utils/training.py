"""A small, readable training loop that chapters share (taught in chapter 09).

A batch is a tuple ``(*inputs, target)``: ``(images, labels)`` for most chapters, or
``(token_ids, mask, labels)`` in chapter 11, where the model is called as ``model(token_ids, mask)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import torch
from torch import nn
from tqdm.auto import tqdm

from .settings import env_flag

Batch = Sequence[torch.Tensor]
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _split(batch: Batch, device: torch.device) -> tuple[list[torch.Tensor], torch.Tensor]:
    """``(*inputs, target)`` moved to ``device``."""
    *inputs, target = (t.to(device) for t in batch)
    return inputs, target


def _train_epoch(model: nn.Module, loader: Iterable[Batch], loss_fn: LossFn,
                 optimizer: torch.optim.Optimizer, device: torch.device) -> float:
    """One pass over ``loader`` in train mode; returns the mean loss per example."""
    model.train()
    total, count = 0.0, 0
    for batch in loader:
        inputs, target = _split(batch, device)
        optimizer.zero_grad()
        loss = loss_fn(model(*inputs), target)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(target)
        count += len(target)
    return total / max(count, 1)


@torch.no_grad()
def evaluate(model: nn.Module, loader: Iterable[Batch], loss_fn: LossFn,
             device: torch.device) -> tuple[float, float | None]:
    """Mean loss and, for classification, accuracy (None for other tasks). Chapter 09."""
    model.eval()
    total, correct, count = 0.0, 0, 0
    classification = True
    for batch in loader:
        inputs, target = _split(batch, device)
        outputs = model(*inputs)
        total += loss_fn(outputs, target).item() * len(target)
        count += len(target)
        # class scores (N, C) against integer labels (N,): count the right answers
        classification = classification and outputs.ndim == 2 and target.ndim == 1 \
            and not target.is_floating_point()
        if classification:
            correct += (outputs.argmax(dim=1) == target).sum().item()
    return total / max(count, 1), (correct / max(count, 1) if classification else None)


def fit(
    model: nn.Module,
    train_loader: Iterable[Batch],
    loss_fn: LossFn,
    optimizer: torch.optim.Optimizer,
    epochs: int,
    val_loader: Iterable[Batch] | None = None,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    device: torch.device | None = None,
    start_epoch: int = 0,
    on_epoch_end: Callable[[int, dict[str, list[float]]], bool | None] | None = None,
) -> dict[str, list[float]]:
    """Train up to epoch ``epochs`` with a progress bar; return the history. Chapter 09.

    The history has ``train_loss`` and, with a ``val_loader``, ``val_loss`` and
    (for classification) ``val_acc``: one value per epoch run, ready for ``plot_history``.

    ``epochs`` is the number of the last epoch. To resume after epoch 5 of 10, pass
    ``start_epoch=5, epochs=10``: epochs 6 to 10 run (see ``course_utils.checkpoint``).
    ``on_epoch_end(epoch, history)`` is called after every epoch (``epoch`` counts from 1);
    use it to save checkpoints, and return ``True`` from it to stop early.
    """
    device = device or next(model.parameters()).device
    history: dict[str, list[float]] = {"train_loss": []}
    # tqdm's notebook bar ignores TQDM_DISABLE (it passes disable=False itself), so honour it here
    bar = tqdm(total=epochs, initial=start_epoch, desc="epochs", unit="epoch", disable=env_flag("TQDM_DISABLE"))
    try:
        for epoch in range(start_epoch + 1, epochs + 1):
            history["train_loss"].append(_train_epoch(model, train_loader, loss_fn, optimizer, device))
            if scheduler is not None:
                scheduler.step()
            postfix = {"train_loss": f"{history['train_loss'][-1]:.4f}"}
            if val_loader is not None:
                val_loss, val_acc = evaluate(model, val_loader, loss_fn, device)
                history.setdefault("val_loss", []).append(val_loss)
                postfix["val_loss"] = f"{val_loss:.4f}"
                if val_acc is not None:
                    history.setdefault("val_acc", []).append(val_acc)
                    postfix["val_acc"] = f"{val_acc:.3f}"
            bar.set_postfix(postfix, refresh=False)
            bar.update(1)
            if on_epoch_end is not None and on_epoch_end(epoch, history):
                # stopped early on purpose: show a full bar, not a failed (red) one
                bar.total = epoch
                widget = getattr(bar, "container", None)  # the notebook bar keeps its own maximum
                if widget is not None:
                    widget.children[1].max = epoch
                break
    finally:
        bar.close()
    return history


def train_digits_mlp(config: dict[str, Any]) -> dict[str, list[float]]:
    """Train a 64-64-10 MLP on the digits with ``config`` (lr, epochs, batch_size); return its history (chapter 09, exercise 09.6).

    Exercise 09.6 tunes these three numbers. The same run every time: fixed seeds, one CPU
    thread, SGD with momentum 0.9, and the caller's random state is left untouched.
    """
    from torch.utils.data import DataLoader

    from .data import digits_datasets

    train, val, _ = digits_datasets(seed=0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # same result on every machine, and fast for such a small model
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            model = nn.Sequential(nn.Flatten(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
            optimizer = torch.optim.SGD(model.parameters(), lr=config["lr"], momentum=0.9)
            loader = DataLoader(train, batch_size=config["batch_size"], shuffle=True,
                                generator=torch.Generator().manual_seed(0))
            val_loader = DataLoader(val, batch_size=512)
            loss_fn, device = nn.CrossEntropyLoss(), torch.device("cpu")
            history: dict[str, list[float]] = {"train_loss": [], "val_acc": []}
            for _ in range(config["epochs"]):
                history["train_loss"].append(_train_epoch(model, loader, loss_fn, optimizer, device))
                history["val_acc"].append(evaluate(model, val_loader, loss_fn, device)[1])
                if not math.isfinite(history["train_loss"][-1]):
                    break
    finally:
        torch.set_num_threads(threads)
    return history
