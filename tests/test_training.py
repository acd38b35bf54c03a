"""fit(), evaluate(), the data loaders, the download switch and the plotting helpers."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course_utils import (
    digits_datasets,
    downloads_enabled,
    evaluate,
    fit,
    load_digits_tensors,
    offline_note,
    plot_history,
    seed_everything,
    show_images,
)
from course_utils.data import split_indices


def blobs(n: int = 200) -> TensorDataset:
    """Two well-separated classes in 2-D."""
    generator = torch.Generator().manual_seed(0)
    labels = torch.arange(n) % 2
    points = torch.randn(n, 2, generator=generator) * 0.5 + (labels.float().unsqueeze(1) * 4 - 2)
    return TensorDataset(points, labels)


def test_fit_learns_and_returns_history():
    seed_everything(0)
    model = nn.Linear(2, 2)
    loader = DataLoader(blobs(), batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(0))
    history = fit(model, loader, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.5),
                  epochs=5, val_loader=DataLoader(blobs(), batch_size=64))
    assert set(history) == {"train_loss", "val_loss", "val_acc"}
    assert all(len(values) == 5 for values in history.values())
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert history["val_acc"][-1] > 0.95


def test_fit_is_repeatable():
    def run() -> list[float]:
        seed_everything(1)
        model = nn.Linear(2, 2)
        loader = DataLoader(blobs(), batch_size=16, shuffle=True, generator=torch.Generator().manual_seed(1))
        return fit(model, loader, nn.CrossEntropyLoss(), torch.optim.Adam(model.parameters()), epochs=2)["train_loss"]

    assert run() == run()


def test_evaluate_regression_has_no_accuracy():
    data = TensorDataset(torch.randn(10, 3), torch.randn(10, 1))
    loss, accuracy = evaluate(nn.Linear(3, 1), DataLoader(data, batch_size=4), nn.MSELoss(), torch.device("cpu"))
    assert accuracy is None and loss > 0


def test_scheduler_steps_once_per_epoch():
    model = nn.Linear(2, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    fit(model, DataLoader(blobs(20), batch_size=10), nn.CrossEntropyLoss(), optimizer, epochs=3, scheduler=scheduler)
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.125)


def test_digits_are_shipped_and_split():
    images, labels = load_digits_tensors()
    assert images.shape == (1797, 1, 8, 8) and images.dtype == torch.float32
    assert 0.0 <= images.min() and images.max() <= 1.0 and set(labels.tolist()) == set(range(10))
    train, val, test = digits_datasets()
    assert (len(train), len(val), len(test)) == (1258, 270, 269)


def test_split_indices_cover_everything_once():
    parts = split_indices(10, (0.5, 0.3, 0.2), seed=3)
    assert sorted(torch.cat([torch.as_tensor(p) for p in parts]).tolist()) == list(range(10))
    assert [len(p) for p in parts] == [5, 3, 2]
    assert all((a == b).all() for a, b in zip(parts, split_indices(10, (0.5, 0.3, 0.2), seed=3)))


def test_download_switch(monkeypatch):
    monkeypatch.delenv("COURSE_DOWNLOAD", raising=False)
    assert not downloads_enabled() and offline_note("MNIST").startswith("Offline mode")
    for value in ("1", "true", "YES"):
        monkeypatch.setenv("COURSE_DOWNLOAD", value)
        assert downloads_enabled() and "downloading MNIST" in offline_note("MNIST")
    monkeypatch.setenv("COURSE_DOWNLOAD", "0")
    assert not downloads_enabled()


def test_plot_history_and_show_images():
    fig = plot_history({"train_loss": [1.0, 0.5], "val_loss": [1.1, 0.6], "val_acc": [0.5, 0.9]})
    assert len(fig.axes) == 2 and fig.axes[1].get_ylabel() == "metric"
    fig = plot_history({"train_loss": [1.0, 0.5]})
    assert len(fig.axes) == 1
    fig = show_images(torch.rand(5, 1, 8, 8), titles=list("abcde"), ncols=4)
    assert len(fig.axes) == 8 and fig.axes[0].get_title() == "a"
    fig = show_images([torch.rand(3, 8, 8)])
    assert fig.axes[0].images[0].get_array().shape == (8, 8, 3)


def test_fit_resumes_at_start_epoch_and_calls_on_epoch_end():
    model = nn.Linear(2, 2)
    seen = []
    history = fit(model, DataLoader(blobs(20), batch_size=10), nn.CrossEntropyLoss(),
                  torch.optim.SGD(model.parameters(), lr=0.1), epochs=5, start_epoch=3,
                  on_epoch_end=lambda epoch, h: seen.append((epoch, len(h["train_loss"]))))
    assert seen == [(4, 1), (5, 2)] and len(history["train_loss"]) == 2


def test_fit_stops_when_on_epoch_end_returns_true():
    model = nn.Linear(2, 2)
    history = fit(model, DataLoader(blobs(20), batch_size=10), nn.CrossEntropyLoss(),
                  torch.optim.SGD(model.parameters(), lr=0.1), epochs=10,
                  val_loader=DataLoader(blobs(20), batch_size=10), on_epoch_end=lambda epoch, h: epoch == 3)
    assert all(len(values) == 3 for values in history.values())


def test_fit_honours_tqdm_disable(monkeypatch):
    import course_utils.training as training

    seen = {}

    def fake_tqdm(*args, **kwargs):
        seen.update(kwargs)
        return training.tqdm_cls(*args, **kwargs)

    monkeypatch.setattr(training, "tqdm_cls", training.tqdm, raising=False)
    monkeypatch.setattr(training, "tqdm", fake_tqdm)
    model = nn.Linear(2, 2)
    for value, expected in (("1", True), ("", False)):
        monkeypatch.setenv("TQDM_DISABLE", value)
        fit(model, DataLoader(blobs(20), batch_size=10), nn.CrossEntropyLoss(),
            torch.optim.SGD(model.parameters(), lr=0.1), epochs=1)
        assert seen["disable"] is expected


def test_early_stop_leaves_a_full_notebook_bar(monkeypatch):
    import tqdm.notebook

    import course_utils.training as training

    bars = []

    def notebook_bar(*args, **kwargs):
        bars.append(tqdm.notebook.tqdm(*args, **kwargs))
        return bars[-1]

    monkeypatch.setattr(training, "tqdm", notebook_bar)
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    model = nn.Linear(2, 2)
    fit(model, DataLoader(blobs(20), batch_size=10), nn.CrossEntropyLoss(),
        torch.optim.SGD(model.parameters(), lr=0.1), epochs=10, on_epoch_end=lambda epoch, h: epoch == 3)
    widget = bars[0].container.children[1]
    assert (widget.value, widget.max, widget.bar_style) == (3, 3, "success")
