"""The lesson's claim is real: torch.jit.trace silently drops a data-dependent branch; script keeps it."""

import warnings

import torch
from torch import nn


class SignFlip(nn.Module):
    """The model of chapter 13: double positive-sum inputs, negate the others."""

    def forward(self, x):
        if x.sum() > 0:
            return x * 2
        return -x


def test_trace_is_silently_wrong_and_script_is_right():
    model = SignFlip()
    pos = torch.tensor([1.0, 2.0])
    neg = torch.tensor([-1.0, -2.0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        traced = torch.jit.trace(model, pos)
        scripted = torch.jit.script(model)
    # trace only warns, it does not raise
    assert any(issubclass(w.category, torch.jit.TracerWarning) for w in caught)
    assert torch.equal(traced(pos), model(pos))
    assert torch.equal(model(neg), torch.tensor([1.0, 2.0]))
    assert torch.equal(traced(neg), torch.tensor([-2.0, -4.0]))  # the recorded branch: x * 2
    assert not torch.equal(traced(neg), model(neg))
    for x in (pos, neg):
        assert torch.equal(scripted(x), model(x))
