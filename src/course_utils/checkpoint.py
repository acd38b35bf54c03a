"""Save a training run and resume it exactly where it stopped.

A checkpoint that only holds the model's weights lets you *use* the model. To
*continue training* as if nothing had happened, it must also hold:

* the optimizer's state (Adam's running averages, the step counts, momentum buffers);
* the learning-rate scheduler's state, if there is one;
* the number of epochs already done;
* every random number generator that training reads: torch's global CPU generator
  (dropout on the CPU, and a ``DataLoader`` without a generator of its own), the
  CUDA/MPS generators (dropout on a GPU), Python's ``random`` and NumPy's, and the
  ``torch.Generator`` that a ``DataLoader(shuffle=True, generator=g)`` shuffles with.

With all of it restored, the resumed run computes bit for bit what the uninterrupted run would
have computed (on the same machine, with deterministic kernels). Everything is stored as tensors,
numbers, strings, lists and dicts, so ``torch.load(..., weights_only=True)`` (the safe default)
can read it back::

    save_checkpoint(path, model, optimizer, epoch, generator=g)
    ...
    state = load_checkpoint(path, model, optimizer, generator=g)
    fit(model, loader, loss_fn, optimizer, epochs=10, start_epoch=state["epoch"])
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

PathLike = str | os.PathLike


def rng_state(generator: torch.Generator | None = None) -> dict[str, Any]:
    """Capture every random number generator that training can read (chapter 09).

    ``generator`` is the ``torch.Generator`` of a ``DataLoader`` (``None`` if it has none).
    """
    numpy_state = np.random.get_state(legacy=False)
    state: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "python": random.getstate(),
        # NumPy's key is an array; a tensor keeps the checkpoint readable with weights_only=True.
        "numpy": {"bit_generator": numpy_state["bit_generator"],
                  "key": torch.from_numpy(numpy_state["state"]["key"].astype(np.int64)),
                  "pos": int(numpy_state["state"]["pos"]),
                  "has_gauss": int(numpy_state["has_gauss"]), "gauss": float(numpy_state["gauss"])},
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    if torch.backends.mps.is_available():
        state["mps"] = torch.mps.get_rng_state()
    if generator is not None:
        state["generator"] = generator.get_state()
    return state


def set_rng_state(state: dict[str, Any], generator: torch.Generator | None = None) -> None:
    """Put back the generators captured by ``rng_state()`` (chapter 09)."""
    torch.set_rng_state(state["torch"].cpu())
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    numpy_state = state["numpy"]
    np.random.set_state({"bit_generator": numpy_state["bit_generator"],
                         "state": {"key": numpy_state["key"].numpy().astype(np.uint32), "pos": numpy_state["pos"]},
                         "has_gauss": numpy_state["has_gauss"], "gauss": numpy_state["gauss"]})
    if "cuda" in state and torch.cuda.is_available():
        cuda_states = [s.cpu() for s in state["cuda"]]
        if len(cuda_states) != torch.cuda.device_count():
            raise RuntimeError(f"the checkpoint has RNG states for {len(cuda_states)} GPU(s) but this machine has "
                               f"{torch.cuda.device_count()}: resume on the same number of GPUs, or pass restore_rng=False.")
        torch.cuda.set_rng_state_all(cuda_states)
    if "mps" in state and torch.backends.mps.is_available():
        torch.mps.set_rng_state(state["mps"].cpu())
    if generator is not None:
        if "generator" not in state:
            raise KeyError("this checkpoint holds no DataLoader generator state: "
                           "save it with save_checkpoint(..., generator=g).")
        generator.set_state(state["generator"].cpu())


def save_checkpoint(path: PathLike, model: nn.Module, optimizer: torch.optim.Optimizer | None, epoch: int, *,
                    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
                    generator: torch.Generator | None = None, **extra: Any) -> Path:
    """Save everything needed to resume training after ``epoch`` epochs (chapter 09).

    ``generator`` is the shuffling generator of the training ``DataLoader``.
    ``extra`` keeps anything else (the history, the best validation loss...); it
    must be made of tensors, numbers, strings, lists and dicts to load with
    ``weights_only=True``. The file is written next to ``path`` and then renamed,
    so a crash while saving never leaves a half-written checkpoint behind.
    """
    path = Path(path)
    checkpoint: dict[str, Any] = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "epoch": int(epoch),
        "rng": rng_state(generator),
        "extra": extra,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    torch.save(checkpoint, partial)
    os.replace(partial, path)
    return path


def load_checkpoint(path: PathLike, model: nn.Module, optimizer: torch.optim.Optimizer | None = None, *,
                    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
                    generator: torch.Generator | None = None, restore_rng: bool = True) -> dict[str, Any]:
    """Load a checkpoint into ``model`` (and ``optimizer``, ``scheduler``, ``generator``; chapter 09).

    With ``restore_rng=True`` every random number generator is put back as it was
    when the checkpoint was saved. Returns the checkpoint as a dict: ``state["epoch"]``
    is the number of epochs done, ``state["extra"]`` what was passed as ``**extra``.
    Tensors are loaded onto the CPU first and then copied to wherever the model's
    parameters live, so a checkpoint saved on a GPU loads on a CPU-only machine.
    """
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(checkpoint["model"])
    if optimizer is not None:
        if checkpoint["optimizer"] is None:
            raise KeyError("this checkpoint holds no optimizer state: pass optimizer=None to load only the model.")
        optimizer.load_state_dict(checkpoint["optimizer"])
    if scheduler is not None:
        if checkpoint["scheduler"] is None:
            raise KeyError("this checkpoint holds no scheduler state: save it with save_checkpoint(..., scheduler=s).")
        scheduler.load_state_dict(checkpoint["scheduler"])
    if restore_rng:
        set_rng_state(checkpoint["rng"], generator)
    return checkpoint
