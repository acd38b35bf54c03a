"""course_utils.checkpoint: a resumed run is bit-identical to an uninterrupted one.

The tests also show that the proof can fail: leaving out the DataLoader's generator,
or the global RNG that dropout draws from, gives other weights.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, Subset

from course_utils import digits_datasets, fit
from course_utils.checkpoint import load_checkpoint, rng_state, save_checkpoint, set_rng_state

TOTAL, SAVED_AT = 4, 2


def make_run(seed: int) -> tuple[nn.Module, torch.optim.Optimizer, DataLoader, torch.Generator, DataLoader]:
    """A small CNN with dropout, Adam, and a shuffling loader with its own generator."""
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.3), nn.Linear(8 * 4 * 4, 10),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    train, val, _ = digits_datasets(seed=0)
    generator = torch.Generator().manual_seed(seed)
    loader = DataLoader(Subset(train, range(320)), batch_size=32, shuffle=True, generator=generator)
    return model, optimizer, loader, generator, DataLoader(Subset(val, range(64)), batch_size=64)


def same_weights(a: nn.Module, b: nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> tuple[nn.Module, Path]:
    """Train TOTAL epochs in one go, saving a checkpoint after SAVED_AT."""
    path = tmp_path_factory.mktemp("checkpoints") / "run.pt"
    model, optimizer, loader, generator, val_loader = make_run(seed=0)

    def save(epoch: int, history: dict) -> None:
        if epoch == SAVED_AT:
            save_checkpoint(path, model, optimizer, epoch, generator=generator, history=history)

    fit(model, loader, nn.CrossEntropyLoss(), optimizer, epochs=TOTAL, val_loader=val_loader, on_epoch_end=save)
    return model, path


def resume(path: Path, restore_generator: bool = True, restore_rng: bool = True) -> nn.Module:
    """Build everything afresh (other seed), load the checkpoint, train the remaining epochs."""
    model, optimizer, loader, generator, val_loader = make_run(seed=123)
    state = load_checkpoint(path, model, optimizer, generator=generator if restore_generator else None,
                            restore_rng=restore_rng)
    assert state["epoch"] == SAVED_AT
    fit(model, loader, nn.CrossEntropyLoss(), optimizer, epochs=TOTAL, start_epoch=state["epoch"],
        val_loader=val_loader)
    return model


def test_resumed_run_is_bit_identical(uninterrupted):
    model, path = uninterrupted
    assert same_weights(resume(path), model)


def test_resume_without_the_generator_state_differs(uninterrupted):
    model, path = uninterrupted
    assert not same_weights(resume(path, restore_generator=False), model)


def test_resume_without_the_global_rng_differs(uninterrupted):
    # dropout draws from torch's global generator: not restoring it changes the masks
    model, path = uninterrupted
    assert not same_weights(resume(path, restore_rng=False), model)


def test_checkpoint_contents_load_safely(uninterrupted):
    _, path = uninterrupted
    checkpoint = torch.load(path, weights_only=True)  # only tensors, numbers, strings, lists, dicts
    assert set(checkpoint) == {"model", "optimizer", "scheduler", "epoch", "rng", "extra"}
    assert checkpoint["epoch"] == SAVED_AT and checkpoint["scheduler"] is None
    assert {"torch", "python", "numpy", "generator"} <= set(checkpoint["rng"])
    assert len(checkpoint["extra"]["history"]["train_loss"]) == SAVED_AT
    assert not list(path.parent.glob("*.partial"))  # written, then renamed


def test_rng_state_round_trip():
    generator = torch.Generator().manual_seed(5)
    state = rng_state(generator)
    expected = (torch.rand(3), random.random(), np.random.rand(), np.random.randn(), torch.rand(2, generator=generator))
    set_rng_state(state, generator)
    again = (torch.rand(3), random.random(), np.random.rand(), np.random.randn(), torch.rand(2, generator=generator))
    assert torch.equal(expected[0], again[0]) and expected[1:4] == again[1:4]
    assert torch.equal(expected[4], again[4])


def test_optimizer_and_scheduler_are_restored(tmp_path):
    def setup(lr: float):
        model = nn.Linear(3, 2)
        optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
        return model, optimizer, torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)

    model, optimizer, scheduler = setup(1.0)
    model(torch.ones(1, 3)).sum().backward()
    optimizer.step()
    scheduler.step()
    save_checkpoint(tmp_path / "c.pt", model, optimizer, 1, scheduler=scheduler)
    other, other_optimizer, other_scheduler = setup(0.1)
    load_checkpoint(tmp_path / "c.pt", other, other_optimizer, scheduler=other_scheduler)
    assert other_optimizer.param_groups[0]["lr"] == pytest.approx(0.5)
    assert other_scheduler.last_epoch == 1
    assert torch.equal(other_optimizer.state_dict()["state"][0]["momentum_buffer"],
                       optimizer.state_dict()["state"][0]["momentum_buffer"])


def test_missing_parts_raise_clearly(tmp_path):
    model = nn.Linear(2, 2)
    save_checkpoint(tmp_path / "c.pt", model, None, 3)
    with pytest.raises(KeyError, match="no optimizer state"):
        load_checkpoint(tmp_path / "c.pt", model, torch.optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(KeyError, match="generator=g"):
        load_checkpoint(tmp_path / "c.pt", model, generator=torch.Generator())
    assert load_checkpoint(tmp_path / "c.pt", model)["epoch"] == 3
