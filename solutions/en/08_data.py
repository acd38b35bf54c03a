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
# # 08 · Exercises: data
#
# Five exercises on the key points of chapter 08: writing a `Dataset`, a `collate_fn` for variable-length sequences, sampling weights for imbalanced data, reproducible shuffling, and a reproducible split.
#
# Replace the `raise NotImplementedError(...)` in each function with your code, then run the `check(...)` cell below it.
#
# * `✅` checks passed, `❌` not yet (with a hint), `⏳` not done yet.
# * `check()` calls your code on small data of its own, so working on the lesson's example alone is not enough.
# * Stuck? The full solutions are in `solutions/en/08_data.ipynb`.

# %%
from course_utils import check, setup_notebook

setup_notebook()

import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, Dataset, random_split

# %% [markdown]
# ## 08.1 A `Dataset` with a transform
#
# Complete the two methods of `DigitsDataset` (`__init__` is written for you):
#
# * `__len__`: the number of samples;
# * `__getitem__(index)`: return `(image, label)`. `image` is `self.images[index]`, passed through `self.transform` first when that is not `None`; `label` is a Python `int` (once batched, it becomes the `int64` that `CrossEntropyLoss` needs).
#
# Don't modify `self.images` in place. `check()` builds your dataset from its own images and a transform, and tries it in a `DataLoader`.

# %%
class DigitsDataset(Dataset):
    """(image, label) pairs; `transform`, when given, is applied to each image as it is read."""

    def __init__(self, images, labels, transform=None):
        self.images = images
        self.labels = labels
        self.transform = transform

    def __len__(self):
        ### BEGIN SOLUTION
        return len(self.labels)
        ### END SOLUTION

    def __getitem__(self, index):
        ### BEGIN SOLUTION
        image = self.images[index]
        if self.transform is not None:
            image = self.transform(image)
        return image, int(self.labels[index])
        ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("08.1", DigitsDataset)

# %% [markdown]
# ## 08.2 Pad a batch of sequences
#
# Complete `pad_collate(batch)`, to be used as a `collate_fn`. `batch` is a list of `(sequence, label)` pairs: `sequence` is a 1-D float tensor (their lengths differ), `label` an `int`. Return a tuple `(padded, lengths, labels)`:
#
# * `padded`: shape $(B, T)$, where $T$ is the length of the longest sequence **in this batch**; shorter sequences are padded with zeros at the end;
# * `lengths`: an `int64` tensor of shape $(B,)$, the length of each sequence **before** padding;
# * `labels`: an `int64` tensor of shape $(B,)$.
#
# Hint: `pad_sequence` is already imported; mind its `batch_first` argument.

# %%
def pad_collate(batch):
    """Pad a list of (sequence, label) pairs; return (padded (B, T), lengths (B,), labels (B,))."""
    ### BEGIN SOLUTION
    sequences = [sequence for sequence, _ in batch]
    lengths = torch.tensor([len(sequence) for sequence in sequences])
    padded = pad_sequence(sequences, batch_first=True, padding_value=0.0)
    labels = torch.tensor([label for _, label in batch])
    return padded, lengths, labels
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("08.2", pad_collate)

# %% [markdown]
# ## 08.3 Weights for `WeightedRandomSampler`
#
# Complete `sample_weights(labels)`: `labels` is an `int64` tensor of shape $(N,)$ (class indices; some classes may have no samples at all). Return weights of shape $(N,)$ such that, given to a `WeightedRandomSampler`, **every class is equally likely to be drawn**: the weight of sample $i$ is $1 / (\text{number of samples in its class})$.
#
# Hint: `torch.bincount` counts the samples of each class.

# %%
def sample_weights(labels):
    """One weight per sample, 1 / (number of samples of its class)."""
    ### BEGIN SOLUTION
    counts = torch.bincount(labels)
    class_weights = 1.0 / counts.double()  # an empty class gets inf, but the indexing below never picks it
    return class_weights[labels]
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("08.3", sample_weights)

# %% [markdown]
# ## 08.4 Reproducible shuffling
#
# Complete `make_loader(dataset, batch_size, seed)`, which returns a `DataLoader` that
#
# * shuffles every epoch (epoch 2 comes in another order than epoch 1);
# * gives exactly the same sequence of epochs for two loaders made with the same `seed`, even when other parts of the program use random numbers between creating and using them;
# * gives different orders for different seeds.
#
# Hint: recall section 3 of the lesson, on why `torch.manual_seed` is not enough.

# %%
def make_loader(dataset, batch_size, seed):
    """A DataLoader that shuffles every epoch, in an order fixed by `seed`."""
    ### BEGIN SOLUTION
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=generator)
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("08.4", make_loader)

# %% [markdown]
# ## 08.5 A reproducible train/validation split
#
# Complete `split_train_val(dataset, val_fraction, seed)`, which returns `(train, val)`:
#
# * a random split, with about `val_fraction` of the items in validation (for example 50 items and `0.2` → 40 for training, 10 for validation);
# * the same `seed` always gives the same split, and different seeds give different splits;
# * the global random state stays as it was (don't call `torch.manual_seed`: it silently affects every other random thing in the program).

# %%
def split_train_val(dataset, val_fraction, seed):
    """Split `dataset` at random into (train, val), reproducibly."""
    ### BEGIN SOLUTION
    generator = torch.Generator().manual_seed(seed)
    return random_split(dataset, [1 - val_fraction, val_fraction], generator=generator)
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("08.5", split_train_val)

# %% [markdown]
# Five ✅? The next chapter (09) puts these parts to work in a complete training project.
