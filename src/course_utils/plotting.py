"""Plotting helpers that several chapters share. Labels stay in English (no CJK font needed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import torch


def plot_history(history: Mapping[str, Sequence[float]], title: str = "Training history") -> plt.Figure:
    """Plot the curves returned by ``fit()``: losses on the left, other metrics on the right (chapter 09)."""
    losses = {k: v for k, v in history.items() if "loss" in k}
    others = {k: v for k, v in history.items() if "loss" not in k}
    fig, axes = plt.subplots(1, 2 if others else 1, figsize=(10 if others else 6, 4), squeeze=False)
    for ax, curves, label in zip(axes[0], (losses, others), ("loss", "metric")):
        for name, values in curves.items():
            ax.plot(range(1, len(values) + 1), values, marker="o", label=name)
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_images(images: torch.Tensor | Sequence[torch.Tensor], titles: Sequence[str] | None = None,
                ncols: int = 8, cmap: str = "gray") -> plt.Figure:
    """Show a grid of images given as (C, H, W) or (H, W) tensors, with optional titles (chapter 08)."""
    images = list(images)
    nrows = (len(images) + ncols - 1) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.5 * ncols, 1.6 * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= len(images):
            continue
        image = images[i].detach().cpu()
        if image.ndim == 3:
            image = image.squeeze(0) if image.shape[0] == 1 else image.permute(1, 2, 0)
        ax.imshow(image.numpy(), cmap=cmap if image.ndim == 2 else None)
        if titles is not None:
            ax.set_title(titles[i], fontsize=9)
    fig.tight_layout()
    return fig
