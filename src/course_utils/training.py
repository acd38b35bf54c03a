"""A small, readable training loop that chapters share."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch import nn
from tqdm.auto import tqdm

from .settings import env_flag

Batch = tuple[torch.Tensor, torch.Tensor]


def _is_classification(outputs: torch.Tensor, targets: torch.Tensor) -> bool:
    return outputs.ndim == 2 and targets.ndim == 1 and not targets.is_floating_point()


def train_one_epoch(
    model: nn.Module,
    loader: Iterable[Batch],
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    device: torch.device,
) -> float:
    """One pass over ``loader``; returns the mean loss per example."""
    model.train()
    total, count = 0.0, 0
    for inputs, targets in loader:
        inputs, targets = inputs.to(device), targets.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(targets)
        count += len(targets)
    return total / max(count, 1)


@torch.no_grad()
def evaluate(
    model: nn.Module,
    loader: Iterable[Batch],
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    device: torch.device,
) -> tuple[float, float | None]:
    """Mean loss and, for classification, accuracy (None for other tasks)."""
    model.eval()
    total, correct, count = 0.0, 0, 0
    classification = True
    for inputs, targets in loader:
        inputs, targets = inputs.to(device), targets.to(device)
        outputs = model(inputs)
        total += loss_fn(outputs, targets).item() * len(targets)
        count += len(targets)
        classification = classification and _is_classification(outputs, targets)
        if classification:
            correct += (outputs.argmax(dim=1) == targets).sum().item()
    return total / max(count, 1), (correct / max(count, 1) if classification else None)


def fit(
    model: nn.Module,
    train_loader: Iterable[Batch],
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    epochs: int,
    val_loader: Iterable[Batch] | None = None,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    device: torch.device | None = None,
    start_epoch: int = 0,
    on_epoch_end: Callable[[int, dict[str, list[float]]], bool | None] | None = None,
) -> dict[str, list[float]]:
    """Train up to epoch ``epochs`` with a progress bar; return the history of losses and accuracy.

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
            history["train_loss"].append(train_one_epoch(model, train_loader, loss_fn, optimizer, device))
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
