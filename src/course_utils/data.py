"""Datasets the course ships or generates, so every notebook runs offline."""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import TensorDataset


def load_digits_tensors() -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's bundled 8x8 digits (1,797 images, no download; chapter 08).

    Returns images as float32 in [0, 1] with shape (N, 1, 8, 8), and int64 labels.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = torch.tensor(digits.images, dtype=torch.float32).unsqueeze(1) / 16.0
    return images, torch.tensor(digits.target, dtype=torch.int64)


def split_indices(n: int, fractions: tuple[float, ...], seed: int = 0) -> list[np.ndarray]:
    """Shuffle ``range(n)`` with ``seed`` and cut it into parts of the given fractions (chapter 12).

    The last part takes what is left, so the parts always cover all ``n`` items.
    """
    order = np.random.default_rng(seed).permutation(n)
    cuts = np.cumsum([int(round(f * n)) for f in fractions[:-1]])
    return list(np.split(order, cuts))


def digits_datasets(seed: int = 0) -> tuple[TensorDataset, TensorDataset, TensorDataset]:
    """The digits split 70/15/15 into train, validation and test ``TensorDataset``\\s (chapter 09)."""
    images, labels = load_digits_tensors()
    parts = split_indices(len(labels), (0.70, 0.15, 0.15), seed)
    return tuple(TensorDataset(images[idx], labels[idx]) for idx in parts)  # type: ignore[return-value]
