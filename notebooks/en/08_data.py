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
# # 08 · Data: `Dataset` and `DataLoader`
#
# The backward-pass example in the seed text used a single line, `x = torch.randn(2, 2)`, as its "data". Real training deals with thousands of samples: they must be **split into batches**, **reshuffled** every epoch, sometimes **transformed as they are read** (normalisation, data augmentation); samples of different lengths must be **padded**, imbalanced classes **resampled**, and slow reading **done in parallel processes**.
#
# PyTorch splits this job into small parts, each with one responsibility, all in `torch.utils.data`:
#
# | Part | Its job |
# | --- | --- |
# | `Dataset` | what sample `i` is (`__len__` and `__getitem__`) |
# | `Sampler` | in which order to take the indices (sequential, shuffled, weighted, a subset) |
# | `BatchSampler` | groups the indices into batches |
# | `collate_fn` | turns a list of samples into batch tensors |
# | `DataLoader` | wires the parts together, optionally in worker processes (`num_workers`) |
#
# In this chapter:
#
# 1. write a map-style `Dataset`, with transforms and data augmentation in `__getitem__`;
# 2. batches from a `DataLoader`: `batch_size`, `drop_last`, the shapes of a batch;
# 3. shuffling with a **seeded** `torch.Generator`, so the order can be reproduced;
# 4. splitting data: `random_split`, `Subset`, `SubsetRandomSampler`;
# 5. variable-length sequences: a `collate_fn` that pads (`pad_sequence`), lengths and masks, and bucketing by length with a `BatchSampler`;
# 6. class imbalance: `WeightedRandomSampler`;
# 7. streams: `IterableDataset`;
# 8. `num_workers`: the pitfalls of worker processes in a notebook, and how workers are seeded;
# 9. the download code for a real dataset (behind the switch), and the data feeding a training loop.

# %%
from course_utils import setup_notebook

setup_notebook()

# %%
import matplotlib.pyplot as plt
import torch
from torch.utils.data import DataLoader, Dataset

from course_utils import get_device, load_digits_tensors, show_images

device = get_device()  # the GPU if there is one, else the CPU; this chapter's code runs on both

# %% [markdown]
# First, the whole pipeline at a glance. For each batch the `DataLoader` does these steps: the sampler yields a batch of indices, the `Dataset` returns the sample at each index, and `collate_fn` assembles them into batch tensors.

# %%
fig, ax = plt.subplots(figsize=(10, 2.2))
steps = [
    ("Sampler", "indices\n[17, 3, 42, 8]"),
    ("Dataset[i]", "4 samples\n(image, label)"),
    ("collate_fn", "one batch\n(4,1,8,8), (4,)"),
    ("training loop", "model(images)"),
]
for k, (name, note) in enumerate(steps):
    x0 = k * 2.6
    ax.add_patch(plt.Rectangle((x0, 0.35), 1.9, 0.6, facecolor="tab:blue", alpha=0.15, edgecolor="tab:blue"))
    ax.text(x0 + 0.95, 0.65, name, ha="center", va="center", fontsize=11, weight="bold")
    ax.text(x0 + 0.95, 0.05, note, ha="center", va="center", fontsize=9)
    if k < len(steps) - 1:
        ax.annotate("", xy=(x0 + 2.55, 0.65), xytext=(x0 + 1.95, 0.65), arrowprops={"arrowstyle": "->"})
ax.add_patch(plt.Rectangle((-0.08, -0.25), 7.25, 1.3, fill=False, linestyle="--", edgecolor="tab:blue"))
ax.text(3.55, 1.12, "DataLoader (optionally in num_workers worker processes)", ha="center", fontsize=10, color="tab:blue")
ax.set_xlim(-0.1, 10.3)
ax.set_ylim(-0.3, 1.35)
ax.axis("off")
ax.set_title("How a DataLoader builds one batch")
plt.show()

# %% [markdown]
# ## 1. Writing a `Dataset`
#
# This chapter uses scikit-learn's bundled handwritten digits (1,797 grey 8×8 images, no download). `load_digits_tensors()` turns them into tensors: images as `float32` in $[0, 1]$ with shape $(N, 1, 8, 8)$, labels as `int64`.

# %%
# NBVAL_CHECK_OUTPUT
images, labels = load_digits_tensors()
print("images:", tuple(images.shape), images.dtype)
print("labels:", tuple(labels.shape), labels.dtype, "classes", labels.unique().tolist())

# %% [markdown]
# A **map-style** `Dataset` needs just two methods:
#
# * `__len__(self)`: how many samples there are;
# * `__getitem__(self, index)`: sample number `index`, for `index` from `0` to `len - 1`.
#
# By convention it returns a tuple `(input, label)`. Return the label as a Python `int` (or an `int64` tensor): once batched it becomes `torch.int64`, the class indices that `CrossEntropyLoss` expects.
#
# The third argument, `transform`, is applied **as each sample is read**, every time. Data augmentation (a slightly different sample on every read) can only work this way, not by transforming the whole dataset once in advance.

# %%
# NBVAL_CHECK_OUTPUT
class DigitsDataset(Dataset):
    """The digits as (image, label) pairs, with an optional transform applied on the fly."""

    def __init__(self, images, labels, transform=None):
        self.images = images
        self.labels = labels
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        image = self.images[index]
        if self.transform is not None:
            image = self.transform(image)
        return image, int(self.labels[index])


digits = DigitsDataset(images, labels)
image, label = digits[0]
print("len(digits) =", len(digits))
print("digits[0]: image", tuple(image.shape), image.dtype, "| label", label, type(label).__name__)

# %% [markdown]
# A transform can be any callable that takes an image and returns an image. Here are two:
#
# * `Normalize`: subtract the mean and divide by the standard deviation. Both are computed once and stored, and every image then uses the same numbers (a real project computes them on the training set only, so that nothing of the validation set leaks into training; for simplicity, this uses all the images);
# * `RandomShift`: data augmentation. Pad a border of zeros around the image, then crop an 8×8 window at a random offset: the digit moves by up to 1 pixel. It draws its random numbers with `torch.randint`, so the global seed controls it (and, in section 8, the seeds of the worker processes).
#
# `Compose` chains transforms, one after the other.

# %%
import torch.nn.functional as F


class Normalize:
    """(image - mean) / std with fixed numbers."""

    def __init__(self, mean, std):
        self.mean, self.std = mean, std

    def __call__(self, image):
        return (image - self.mean) / self.std


class RandomShift:
    """Pad by `pixels` zeros on each side, then crop back to the original size at a random offset."""

    def __init__(self, pixels=1):
        self.pixels = pixels

    def __call__(self, image):
        p = self.pixels
        padded = F.pad(image, (p, p, p, p))
        dy, dx = torch.randint(0, 2 * p + 1, (2,)).tolist()
        return padded[..., dy : dy + image.shape[-2], dx : dx + image.shape[-1]]


class Compose:
    """Apply several transforms one after the other."""

    def __init__(self, *transforms):
        self.transforms = transforms

    def __call__(self, image):
        for transform in self.transforms:
            image = transform(image)
        return image


mean, std = images.mean().item(), images.std().item()
print(f"pixel mean {mean:.4f}, std {std:.4f}")
train_transform = Compose(RandomShift(1), Normalize(mean, std))
augmented = DigitsDataset(images, labels, transform=train_transform)
normalized = Normalize(mean, std)(images)
print(f"all images after Normalize: mean {round(normalized.mean().item(), 4) + 0.0:.4f}, std {normalized.std():.4f}")
reads = [augmented[0][0] for _ in range(8)]
print("8 reads of augmented[0]:", len({tuple(x.flatten().tolist()) for x in reads}), "different images")

# %% [markdown]
# Reading the same index 8 times gave several different images: that is what augmentation is for, the model sees a slightly different version in every epoch (there are only 9 possible shifts, so some repeat). The original and 7 augmented versions:

# %%
shifted = DigitsDataset(images, labels, transform=RandomShift(1))
versions = [digits[0][0]] + [shifted[0][0] for _ in range(7)]
show_images(versions, titles=["original"] + [f"shift #{k}" for k in range(1, 8)])
plt.show()

# %% [markdown]
# Writing the transforms ourselves shows how they work. In practice you use `torchvision.transforms.v2` (chapter 10): `v2.Compose`, `v2.RandomAffine`, `v2.Normalize` and so on are callables too, and go into `transform=` just the same.

# %% [markdown]
# ## 2. `DataLoader`: batches
#
# A `DataLoader` groups samples into batches of `batch_size`. The default `collate_fn` (`default_collate`) assembles a list of `(image, label)` tuples **field by field**: images are stacked along a new dimension 0, and integer labels become an `int64` tensor.

# %%
# NBVAL_CHECK_OUTPUT
from torch.utils.data import default_collate

three = [digits[i] for i in range(3)]
batch_images, batch_labels = default_collate(three)
print("3 samples ->", tuple(batch_images.shape), batch_images.dtype, "|", batch_labels, batch_labels.dtype)

# %% [markdown]
# 1,797 samples with `batch_size=64`: the first 28 batches hold 64 each, and the last one only $1797 - 28 \times 64 = 5$. `drop_last=True` drops that incomplete batch (some layers, such as `BatchNorm1d` in training mode, raise an error on a batch of a single sample; a small batch also makes that step's gradient noisier).

# %%
# NBVAL_CHECK_OUTPUT
loader = DataLoader(digits, batch_size=64)
sizes = [len(y) for _, y in loader]
print("len(loader) =", len(loader), "| first batch sizes", sizes[:3], "| last", sizes[-1])

loader_drop = DataLoader(digits, batch_size=64, drop_last=True)
print("drop_last=True: len(loader) =", len(loader_drop), "| last", [len(y) for _, y in loader_drop][-1])

batch_images, batch_labels = next(iter(loader))
print("one batch:", tuple(batch_images.shape), batch_images.dtype, "|", tuple(batch_labels.shape), batch_labels.dtype)

# %% [markdown]
# Plotting a batch is the quickest check of a data pipeline: do the images match their labels?

# %%
show_images(batch_images[:16], titles=[f"label {y}" for y in batch_labels[:16].tolist()])
plt.show()

# %% [markdown]
# That batch was taken in order: the labels cycle through 0, 1, 2, …, 9. Training needs shuffling: data is often stored in some pattern (some datasets are even sorted by class), so batches taken in order do not represent the whole dataset, and they bias the gradients.

# %% [markdown]
# ## 3. Shuffling, reproducibly
#
# `shuffle=True` gives every epoch a new order. The order comes from a random number generator: give the `DataLoader` **its own** seeded `torch.Generator`, and the order can be reproduced. To see the indices, use a tiny dataset whose samples are their own indices:

# %%
# NBVAL_CHECK_OUTPUT
from torch.utils.data import TensorDataset

ten = TensorDataset(torch.arange(10))


def epoch_order(loader):
    """The sample order of one epoch, as a flat list."""
    return [i for (batch,) in loader for i in batch.tolist()]


def seeded_loader(seed):
    return DataLoader(ten, batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(seed))


loader_a = seeded_loader(42)
print("seed 42, epoch 1:", epoch_order(loader_a))
print("seed 42, epoch 2:", epoch_order(loader_a))
loader_b = seeded_loader(42)
print("seed 42 again, epoch 1:", epoch_order(loader_b))
print("seed 42 again, epoch 2:", epoch_order(loader_b))
print("seed 7,  epoch 1:", epoch_order(seeded_loader(7)))

# %% [markdown]
# * epochs 1 and 2 of one loader differ (a new shuffle every epoch);
# * a new loader with the same seed reproduces the **whole sequence of epochs**;
# * another seed gives another order.
#
# Why not just call `torch.manual_seed(42)`? Because a loader without a `generator` draws its shuffling seed from the global generator **when each epoch starts**. Any code that uses global random numbers in between (initialising a model, dropout, data augmentation…) changes the order:

# %%
# NBVAL_CHECK_OUTPUT
torch.manual_seed(42)
global_loader = DataLoader(ten, batch_size=4, shuffle=True)
print("manual_seed(42):              ", epoch_order(global_loader))

torch.manual_seed(42)
global_loader = DataLoader(ten, batch_size=4, shuffle=True)
_ = torch.randn(3)  # for example: initialising a model
print("manual_seed(42), then randn(3):", epoch_order(global_loader))

# %% [markdown]
# Same seed, but one extra `torch.randn` in between and the order changed. A private `Generator` is not affected by other code.

# %% [markdown]
# ## 4. Splitting data: `random_split`, `Subset` and `SubsetRandomSampler`
#
# `random_split` splits a dataset at random into parts, returned as `Subset`s (which only store indices; the data is not copied). The lengths can be integers, or fractions that add up to 1. Give it a seeded `generator` too: otherwise every run splits differently, and the "validation set" fills up with samples the model trained on in an earlier run.

# %%
# NBVAL_CHECK_OUTPUT
from torch.utils.data import Subset, SubsetRandomSampler, random_split

train_part, val_part = random_split(digits, [0.8, 0.2], generator=torch.Generator().manual_seed(0))
print(type(train_part).__name__, len(train_part), "|", type(val_part).__name__, len(val_part))
print("first validation indices:", val_part.indices[:8])
print("overlap:", len(set(train_part.indices) & set(val_part.indices)))

# %% [markdown]
# A common pitfall: the parts of a `random_split` share **the same** underlying dataset, and so the same `transform`. For augmentation on the training set only, build two dataset objects and wrap each in a `Subset` with the same indices:

# %%
# NBVAL_CHECK_OUTPUT
train_set = Subset(DigitsDataset(images, labels, transform=train_transform), train_part.indices)
val_set = Subset(DigitsDataset(images, labels, transform=Normalize(mean, std)), val_part.indices)
print(len(train_set), len(val_set), "| reading val_set[0] twice gives the same image:", torch.equal(val_set[0][0], val_set[0][0]))

# %% [markdown]
# Instead of splitting the dataset, you can also let the **sampler** draw from some indices only: `SubsetRandomSampler(indices, generator=...)` shuffles those indices every epoch. With a `sampler`, you can't also pass `shuffle=True` (both decide the order, and the `DataLoader` refuses).

# %%
# NBVAL_CHECK_OUTPUT
sampler = SubsetRandomSampler([0, 1, 2, 3, 4, 5], generator=torch.Generator().manual_seed(0))
print(epoch_order(DataLoader(ten, batch_size=3, sampler=sampler)))
print(epoch_order(DataLoader(ten, batch_size=3, sampler=sampler)))
try:
    DataLoader(ten, sampler=sampler, shuffle=True)
except ValueError as err:
    print("ValueError:", err)

# %% [markdown]
# ## 5. Samples of different lengths: `collate_fn`
#
# Samples of text, audio or time series often differ in length. Let's make such a dataset: random walks of 3 to 15 steps, labelled "does the walk end above 0?". The data is generated once, in the constructor, with its own generator, so it is the same every time.

# %%
# NBVAL_CHECK_OUTPUT
class RandomWalks(Dataset):
    """`n` random walks of 3 to 15 steps; the label is 1 when the walk ends above 0."""

    def __init__(self, n, seed=0):
        g = torch.Generator().manual_seed(seed)
        lengths = torch.randint(3, 16, (n,), generator=g).tolist()
        self.walks = [torch.randn(length, generator=g).cumsum(0) for length in lengths]
        self.labels = [int(walk[-1] > 0) for walk in self.walks]

    def __len__(self):
        return len(self.walks)

    def __getitem__(self, index):
        return self.walks[index], self.labels[index]


walks = RandomWalks(200)
print("lengths of the first 8 walks:", [len(walks[i][0]) for i in range(8)])
print("labels of the first 8 walks: ", [walks[i][1] for i in range(8)])

# %% [markdown]
# The default `collate_fn` builds a batch with `torch.stack`, and `stack` needs equal shapes:

# %%
# NBVAL_CHECK_OUTPUT
try:
    next(iter(DataLoader(walks, batch_size=4)))
except RuntimeError as err:
    print("RuntimeError:", err)

# %% [markdown]
# So we write our own `collate_fn`. It receives a **list** of `batch_size` results of `__getitem__`, and whatever it returns is what the training loop gets. Here:
#
# * `pad_sequence(..., batch_first=True)` pads every sequence with zeros to the length of the **longest one in this batch**, giving $(B, T)$;
# * `lengths`: the true length of each sequence (measured before padding!);
# * `mask`: a $(B, T)$ boolean tensor, `True` on real data and `False` on padding. It follows from the lengths: `arange(T) < length`.
#
# It returns a dict, so the fields have names.

# %%
# NBVAL_CHECK_OUTPUT
from torch.nn.utils.rnn import pad_sequence


def pad_collate(batch):
    """Pad a list of (sequence, label) pairs to the longest sequence in the batch."""
    sequences = [sequence for sequence, _ in batch]
    lengths = torch.tensor([len(sequence) for sequence in sequences])
    padded = pad_sequence(sequences, batch_first=True, padding_value=0.0)
    mask = torch.arange(padded.shape[1]) < lengths[:, None]  # (1, T) and (B, 1) broadcast to (B, T)
    labels = torch.tensor([label for _, label in batch])
    return {"x": padded, "lengths": lengths, "mask": mask, "y": labels}


walk_loader = DataLoader(walks, batch_size=6, collate_fn=pad_collate)
batch = next(iter(walk_loader))
for key, value in batch.items():
    print(f"{key:8s}", tuple(value.shape), value.dtype)
print("lengths:", batch["lengths"].tolist())
print(batch["mask"].int())

# %% [markdown]
# On the left the padded values (grey hatching marks the padded zeros), on the right the mask:

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
values = batch["x"].numpy()
axes[0].imshow(values, cmap="coolwarm", vmin=-abs(values).max(), vmax=abs(values).max(), aspect="auto")
for row, length in enumerate(batch["lengths"].tolist()):
    for col in range(length, values.shape[1]):
        axes[0].add_patch(plt.Rectangle((col - 0.5, row - 0.5), 1, 1, fill=False, hatch="//", edgecolor="gray"))
axes[0].set_title("padded values (hatched = padding)")
axes[1].imshow(batch["mask"].numpy(), cmap="Greens", aspect="auto")
axes[1].set_title("mask: True = real step")
for ax in axes:
    ax.set_xlabel("time step")
    ax.set_ylabel("sequence in batch")
    ax.grid(False)
fig.tight_layout()
plt.show()

# %% [markdown]
# The padded zeros are not data. Any reduction along the time axis has to leave them out with the mask, or the results of short sequences are pulled towards 0. For example, the mean of each sequence:

# %%
naive_mean = batch["x"].mean(dim=1)
masked_mean = (batch["x"] * batch["mask"]).sum(dim=1) / batch["lengths"]
true_mean = torch.stack([walks[i][0].mean() for i in range(6)])
for i in range(3):
    print(f"length {batch['lengths'][i].item():2d}: true {true_mean[i]:.4f} | masked {masked_mean[i]:.4f} | naive {naive_mean[i]:.4f}")

# %% [markdown]
# Recurrent networks can also skip the padding with `pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)`; chapter 11 uses it.
#
# ### `BatchSampler`: bucketing by length, for less padding
#
# Inside the `DataLoader`, a `BatchSampler` groups the indices from the sampler:

# %%
# NBVAL_CHECK_OUTPUT
from torch.utils.data import BatchSampler, SequentialSampler

print(list(BatchSampler(SequentialSampler(range(10)), batch_size=4, drop_last=False)))

# %% [markdown]
# You can also hand the `DataLoader` the batches of indices yourself, with `batch_sampler=...`. Random batches put a 3-step walk next to a 15-step one, wasting a lot on padding. Grouping samples of similar lengths (**bucketing**) and shuffling the order of the batches saves most of it:

# %%
# NBVAL_CHECK_OUTPUT
class BucketBatchSampler:
    """Batches of similar lengths, in a new random order every epoch."""

    def __init__(self, lengths, batch_size, generator):
        order = sorted(range(len(lengths)), key=lambda i: lengths[i])
        self.batches = [order[k : k + batch_size] for k in range(0, len(order), batch_size)]
        self.generator = generator

    def __len__(self):
        return len(self.batches)

    def __iter__(self):
        for k in torch.randperm(len(self.batches), generator=self.generator).tolist():
            yield self.batches[k]


def padding_share(loader):
    """Fraction of the padded tensor that is padding, over one epoch."""
    real = total = 0
    for batch in loader:
        real += batch["mask"].sum().item()
        total += batch["mask"].numel()
    return 1 - real / total


walk_lengths = [len(walk) for walk in walks.walks]
random_batches = DataLoader(walks, batch_size=16, shuffle=True, collate_fn=pad_collate, generator=torch.Generator().manual_seed(0))
buckets = BucketBatchSampler(walk_lengths, batch_size=16, generator=torch.Generator().manual_seed(0))
bucketed = DataLoader(walks, batch_sampler=buckets, collate_fn=pad_collate)
print(f"padding, random batches:   {padding_share(random_batches):.1%}")
print(f"padding, bucketed batches: {padding_share(bucketed):.1%}")

# %% [markdown]
# ## 6. Class imbalance: `WeightedRandomSampler`
#
# The digits are roughly balanced. For the demonstration, pick an **imbalanced** subset: class $k$ keeps only $\operatorname{round}(170 \times 0.7^k)$ images, so there are 170 zeros and only 7 nines.

# %%
# NBVAL_CHECK_OUTPUT
g = torch.Generator().manual_seed(0)
keep = []
for k in range(10):
    of_class = torch.nonzero(labels == k).flatten()
    of_class = of_class[torch.randperm(len(of_class), generator=g)]
    keep.append(of_class[: round(170 * 0.7**k)])
keep = torch.cat(keep)
imbalanced = Subset(digits, keep.tolist())
imbalanced_labels = labels[keep]
counts = torch.bincount(imbalanced_labels, minlength=10)
print("images per class:", counts.tolist(), "| total", len(imbalanced))

# %% [markdown]
# Ordinary shuffling changes the order, not the proportions: in every epoch the model still sees 170 zeros and 7 nines. `WeightedRandomSampler(weights, num_samples, replacement=True)` draws samples **with replacement**, in proportion to their weights. `weights` holds one weight **per sample** (not one per class): giving sample $i$ the weight $1 / \text{count}[\text{label}_i]$ makes the weights of every class add up to the same total, so every class is equally likely to be drawn.

# %%
# NBVAL_CHECK_OUTPUT
from torch.utils.data import WeightedRandomSampler

class_weights = 1.0 / counts.double()  # one number per class: the rarer the class, the larger
sample_weights = class_weights[imbalanced_labels]  # indexed by the labels: one number per sample
print("weights:", tuple(sample_weights.shape), "| per-class totals:", [f"{w:.4f}" for w in torch.bincount(imbalanced_labels, sample_weights).tolist()])

weighted_sampler = WeightedRandomSampler(
    sample_weights, num_samples=len(imbalanced), replacement=True, generator=torch.Generator().manual_seed(0)
)
shuffled_loader = DataLoader(imbalanced, batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(0))
weighted_loader = DataLoader(imbalanced, batch_size=64, sampler=weighted_sampler)


def labels_seen(loader):
    """How many samples of each class one epoch of `loader` yields."""
    seen = torch.zeros(10, dtype=torch.int64)
    for _, y in loader:
        seen += torch.bincount(y, minlength=10)
    return seen


seen_shuffled = labels_seen(shuffled_loader)
seen_weighted = labels_seen(weighted_loader)
print("one epoch, shuffle=True:    ", seen_shuffled.tolist())
print("one epoch, weighted sampler:", seen_weighted.tolist())

# %%
fig, ax = plt.subplots(figsize=(8, 3.5))
classes = torch.arange(10)
ax.bar(classes - 0.2, seen_shuffled, width=0.4, label="shuffle=True")
ax.bar(classes + 0.2, seen_weighted, width=0.4, label="WeightedRandomSampler")
ax.axhline(len(imbalanced) / 10, color="black", linestyle="--", linewidth=1, label="balanced share")
ax.set_xticks(classes.tolist())
ax.set_xlabel("digit class")
ax.set_ylabel("samples in one epoch")
ax.set_title("Class counts per epoch on an imbalanced subset")
ax.legend()
plt.show()

# %% [markdown]
# The price: drawing with replacement repeats the images of rare classes. There are only 7 different nines, yet one epoch draws them dozens of times, and the model may memorise those few images. The alternative is to leave the sampling alone and weight the loss by class instead (`nn.CrossEntropyLoss(weight=...)`); both are worth trying.

# %%
# NBVAL_CHECK_OUTPUT
drawn = list(WeightedRandomSampler(sample_weights, len(imbalanced), generator=torch.Generator().manual_seed(0)))
drawn_nines = [i for i in drawn if imbalanced_labels[i] == 9]
print(f"class 9: {counts[9].item()} distinct images, drawn {len(drawn_nines)} times ({len(set(drawn_nines))} distinct)")

# %% [markdown]
# The most common mistake is to pass the **per-class** weights (10 numbers) to the sampler. It does not complain: it takes them as the weights of 10 samples, and draws only the indices 0 to 9:

# %%
# NBVAL_CHECK_OUTPUT
wrong = WeightedRandomSampler(class_weights, num_samples=len(imbalanced), generator=torch.Generator().manual_seed(0))
print("len(weights) =", len(class_weights), "-> indices drawn:", sorted(set(wrong)))

# %% [markdown]
# ## 7. Streams: `IterableDataset`
#
# Some data cannot be accessed by index: a network stream, a huge log file read line by line, a simulation that produces data as it runs. An `IterableDataset` implements only `__iter__`, which yields one sample after another; the `DataLoader` batches **consecutive** samples.
#
# Without indices, no sampler applies, so `shuffle=True` is not allowed (to shuffle, do it inside `__iter__`, for example with a buffer).

# %%
# NBVAL_CHECK_OUTPUT
from torch.utils.data import IterableDataset


class SensorStream(IterableDataset):
    """A stream of noisy readings; each item is (time step, reading)."""

    def __init__(self, steps, seed=0):
        self.steps, self.seed = steps, seed

    def __iter__(self):
        g = torch.Generator().manual_seed(self.seed)
        for t in range(self.steps):
            yield t, torch.sin(torch.tensor(t / 3.0)) + 0.1 * torch.randn((), generator=g)


for t, reading in DataLoader(SensorStream(10), batch_size=4):
    print(t.tolist(), reading)
try:
    DataLoader(SensorStream(10), shuffle=True)
except ValueError as err:
    print("ValueError:", err)

# %% [markdown]
# ## 8. `num_workers`: loading in parallel processes
#
# With the default `num_workers=0`, samples are loaded in the main process while the GPU waits. `num_workers=2` starts 2 worker processes that each call `__getitem__` and `collate_fn` to prepare batches, and the main process receives the batches **in the original order** (batch $k$ goes to worker $k \bmod 2$). When data is read from disk, decoded, or heavily augmented, this keeps the GPU busy; for small tensors already in memory, as in this chapter, the extra processes only add overhead.
#
# ### The notebook pitfall: workers must be able to *import* your class
#
# How does a worker get your `Dataset`? That depends on how Python starts child processes (the *start method*):
#
# | Platform (Python 3.10–3.13) | Default | How the worker gets the dataset |
# | --- | --- | --- |
# | Linux | `fork` | a copy of the main process's memory, classes defined in the notebook included |
# | macOS | `spawn` | a brand-new Python process; the dataset is sent over with `pickle` |
# | Windows | `spawn` | the same |
#
# (Since Python 3.14 the default on Linux is `forkserver`, which also sends the dataset with `pickle`.) The `DataLoader` of PyTorch 2.11 uses Python's default, unless you choose one with `multiprocessing_context="spawn"`, for example.
#
# The default on this machine (it depends on the platform):

# %%
# NBVAL_IGNORE_OUTPUT
# The default start method depends on the operating system and the Python version, so this output is not compared.
import multiprocessing

print(multiprocessing.get_start_method())

# %% [markdown]
# `pickle` does not store a class's code, only its **name**. A class defined in a notebook is called `__main__.DigitsDataset`; in a fresh process, `__main__` is not your notebook, so the class cannot be found. This is exactly what a worker started with `spawn` does: unpickle the dataset in a new Python process.

# %%
import pickle
import subprocess
import sys

small = DigitsDataset(images[:4], labels[:4])
print("pickle stores the class as:", f"{type(small).__module__}.{type(small).__qualname__}")
payload = pickle.dumps(small)
fresh = subprocess.run(
    [sys.executable, "-c", "import pickle, sys; pickle.loads(sys.stdin.buffer.read())"],
    input=payload,
    capture_output=True,
)
print("exit code:", fresh.returncode)
print(fresh.stderr.decode().strip().splitlines()[-1])

# %% [markdown]
# On macOS and Windows, a `DataLoader` with `num_workers > 0` loses its workers to this error (`DataLoader worker ... exited unexpectedly`), while on Linux, with `fork`, everything works. "It works on my machine" can simply mean "my machine runs another operating system".
#
# **The fix: put the `Dataset` (and the `collate_fn`, the transforms, the `worker_init_fn`) in a `.py` module and `import` it in the notebook.** `pickle` then records the name `module.ClassName`, and a new process finds it by importing the module. The same holds for functions defined in the notebook; lambdas cannot be pickled at all.
#
# Here the module goes into a temporary folder (in your own project, put it next to the notebook, e.g. `mydata.py`):

# %%
import tempfile
from pathlib import Path

MODULE_SOURCE = '''
"""Datasets for DataLoader workers: they live in a module, so every start method can import them."""
import numpy as np
import torch
from torch.utils.data import Dataset, IterableDataset, get_worker_info


class NoisyDigits(Dataset):
    """Digits with random noise added on the fly; also says which worker loaded each item."""

    def __init__(self, images, labels, noise=0.1):
        self.images, self.labels, self.noise = images, labels, noise

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        info = get_worker_info()
        image = self.images[index] + self.noise * torch.randn(self.images[index].shape)
        return image, int(self.labels[index]), -1 if info is None else info.id


class NumpyNoise(Dataset):
    """Random numbers from a NumPy generator stored on the dataset (a common pattern)."""

    def __init__(self, n):
        self.n = n
        self.rng = np.random.default_rng(0)

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        return float(self.rng.normal())


def reseed_dataset_rng(worker_id):
    """worker_init_fn: give each worker's copy of the dataset its own generator."""
    info = get_worker_info()
    info.dataset.rng = np.random.default_rng(info.seed)


class Numbers(IterableDataset):
    """The numbers 0..n-1 as a stream. sharded=True splits them between the workers."""

    def __init__(self, n, sharded):
        self.n, self.sharded = n, sharded

    def __iter__(self):
        info = get_worker_info()
        if info is None or not self.sharded:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))
'''

module_dir = tempfile.TemporaryDirectory()
Path(module_dir.name, "lesson08_data.py").write_text(MODULE_SOURCE)
sys.path.insert(0, module_dir.name)

from lesson08_data import NoisyDigits, Numbers, NumpyNoise, reseed_dataset_rng

print("pickle stores the class as:", f"{NoisyDigits.__module__}.{NoisyDigits.__qualname__}")

# %% [markdown]
# The same experiment again, and this time the new process finds the class (like a worker started with `spawn`, it uses the main process's `sys.path`):

# %%
# NBVAL_CHECK_OUTPUT
payload = pickle.dumps(NoisyDigits(images[:4], labels[:4]))
code = "import pickle, sys; sys.path.insert(0, sys.argv[1]); ds = pickle.loads(sys.stdin.buffer.read()); print(type(ds).__name__, len(ds))"
fresh = subprocess.run([sys.executable, "-c", code, module_dir.name], input=payload, capture_output=True)
print("exit code:", fresh.returncode, "|", fresh.stdout.decode().strip())

# %% [markdown]
# Now load with 2 worker processes. Each batch records which worker loaded it: batches alternate between workers 0 and 1, and the main process collects them in order. (This uses the platform's default start method. It runs on macOS/Windows too, only a few seconds slower, since each `spawn`ed worker imports torch again.)

# %%
# NBVAL_CHECK_OUTPUT
noisy = NoisyDigits(images[:64], labels[:64])


def first_batches(seed, batches=4):
    loader = DataLoader(noisy, batch_size=8, shuffle=True, num_workers=2, generator=torch.Generator().manual_seed(seed))
    rows = []
    for k, (x, y, worker) in enumerate(loader):
        if k == batches:
            break
        rows.append(f"batch {k}: worker {worker.unique().tolist()} labels {y.tolist()} noise[0,0,0,0] {x[0, 0, 0, 0].item():+.4f}")
    return rows


run_1 = first_batches(seed=0)
print("\n".join(run_1))
print("same seed -> same batches and the same noise:", run_1 == first_batches(seed=0))
print("other seed -> different:", run_1 != first_batches(seed=1))

# %% [markdown]
# The noise is reproducible as well, because PyTorch seeds every worker as it starts: worker $w$ seeds `torch` and Python's `random` with `base_seed + w`, and NumPy's global generator with a seed derived from them; `base_seed` is drawn from the loader's `generator`. So **give the loader a seeded `generator`**, and even augmentation in worker processes can be reproduced. (Note: with `num_workers=0`, augmentation runs in the main process and uses its global generator, so it draws different random numbers than the workers do.)
#
# PyTorch only takes care of those **global** generators, though. If the dataset object carries its own generator (NumPy's `default_rng`, for example), every worker gets a **copy** of it, in the very same state, and the workers produce identical "random" numbers:

# %%
# NBVAL_CHECK_OUTPUT
numbers = NumpyNoise(8)
for k, batch in enumerate(DataLoader(numbers, batch_size=4, num_workers=2)):
    print(f"batch {k} (worker {k % 2}):", [f"{v:+.4f}" for v in batch.tolist()])

# %% [markdown]
# The two batches are identical: half of the augmentation is wasted. `worker_init_fn` runs once in every worker as it starts, and fixes this: `get_worker_info()` gives the worker's `id`, its `seed` (`base_seed + id`) and this worker's copy of the `dataset`, which gets a new generator seeded with `seed`:

# %%
# NBVAL_CHECK_OUTPUT
fixed = DataLoader(numbers, batch_size=4, num_workers=2, worker_init_fn=reseed_dataset_rng, generator=torch.Generator().manual_seed(0))
for k, batch in enumerate(fixed):
    print(f"batch {k} (worker {k % 2}):", [f"{v:+.4f}" for v in batch.tolist()])

# %% [markdown]
# An `IterableDataset` has the same problem: every worker gets a full copy of the dataset and iterates it from the start, so **every sample appears `num_workers` times**. Shard it in `__iter__` with `get_worker_info()`, so that each worker yields only its own share (`Numbers(sharded=True)` in the module above):

# %%
# NBVAL_CHECK_OUTPUT
for sharded in (False, True):
    loader = DataLoader(Numbers(10, sharded=sharded), batch_size=5, num_workers=2)
    print(f"sharded={sharded!s:5}:", [batch.tolist() for batch in loader])

# %% [markdown]
# `num_workers` in short:
#
# * put dataset classes, `collate_fn`, transforms and `worker_init_fn` in a `.py` module and import them: then they work on Linux, macOS and Windows;
# * give the loader a seeded `generator`; a generator the dataset carries itself gets reseeded in `worker_init_fn` from `get_worker_info().seed`;
# * shard an `IterableDataset` with `get_worker_info()`;
# * when training on a GPU, add `pin_memory=True` (chapter 04); when restarting the workers every epoch is too slow, add `persistent_workers=True`;
# * on Windows/macOS, a **script** (not a notebook) that starts worker processes must keep its training code under `if __name__ == "__main__":`.

# %%
sys.path.remove(module_dir.name)
module_dir.cleanup()

# %% [markdown]
# ## 9. Real datasets, and the training loop
#
# The datasets in `torchvision.datasets` (MNIST, CIFAR-10, …) are ready-made map-style `Dataset`s, and their `transform=` argument works just like ours. The download code sits behind the switch: offline by default, it only downloads when `COURSE_DOWNLOAD=1` is set (a few tens of MB, stored in `course_output/` in this folder). Offline, the digits used throughout this chapter stand in for it at a smaller scale.

# %%
from course_utils import downloads_enabled, offline_note

print(offline_note("MNIST"))
if downloads_enabled():
    import torchvision
    from torchvision.transforms import v2

    mnist_transform = v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True), v2.Normalize([0.1307], [0.3081])])
    mnist = torchvision.datasets.MNIST(root="course_output", train=True, download=True, transform=mnist_transform)
    mnist_images, mnist_labels = next(iter(DataLoader(mnist, batch_size=16, shuffle=True)))
    print("MNIST:", len(mnist), "images; one batch", tuple(mnist_images.shape))

# %% [markdown]
# Finally, the parts go into a training loop: seeded shuffling, and batches moved to `device` (on a GPU, with pinned memory and `non_blocking=True`, so that copies overlap with computation). The model is a single linear layer; chapter 09 is a complete project.
#
# And let's test whether the augmentation from section 1 actually helps: the same model with the same seed, trained once without augmentation and once with `RandomShift`, both evaluated on the same unaugmented validation set.

# %%
from torch import nn


def train_linear(train_data, epochs=3):
    """Train a linear classifier on `train_data`; return the validation accuracy after each epoch."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 10)).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    pin = device.type == "cuda"
    train_loader = DataLoader(train_data, batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(0), pin_memory=pin)
    val_loader = DataLoader(val_set, batch_size=256, pin_memory=pin)
    accuracies = []
    for _ in range(epochs):
        model.train()
        for x, y in train_loader:
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        correct = 0
        with torch.no_grad():
            for x, y in val_loader:
                correct += (model(x.to(device)).argmax(dim=1) == y.to(device)).sum().item()
        accuracies.append(correct / len(val_set))
    return accuracies


plain_train_set = Subset(DigitsDataset(images, labels, transform=Normalize(mean, std)), train_part.indices)
for name, data in [("no augmentation", plain_train_set), ("RandomShift(1)", train_set)]:
    print(f"{name:16s} val accuracy per epoch:", [f"{a:.4f}" for a in train_linear(data)])

# %% [markdown]
# Here augmentation actually **hurts**: on an 8×8 image, a 1-pixel shift moves the digit by an eighth of its width, and a linear layer has no notion of "the same stroke, one pixel over"; it has to learn the shifted image as a different one. Augmentation must suit the data and the model; check on the validation set whether it helps, instead of assuming it does.

# %% [markdown]
# ## Summary
#
# * A map-style `Dataset`: `__len__` + `__getitem__`, returning `(input, int label)`; transforms and augmentation run in `__getitem__`, **on every read**;
# * `DataLoader(batch_size, drop_last)` assembles batches with a `collate_fn`; plot a batch to check it;
# * shuffle with `shuffle=True, generator=torch.Generator().manual_seed(seed)`: the same seed replays the whole sequence of epochs, whatever other random code runs;
# * split with `random_split(..., generator=...)`; for different transforms in training and validation, use two dataset objects and `Subset`;
# * variable-length samples: a custom `collate_fn` that pads to the longest sequence **of the batch** with `pad_sequence` and returns `lengths` and a `mask`; a `batch_sampler` that buckets by length saves padding;
# * imbalance: `WeightedRandomSampler` needs **one weight per sample**, `class_weights[labels]`;
# * `IterableDataset` for streams, sharded when there are several workers;
# * `num_workers > 0`: classes in a `.py` module (for `spawn` on macOS/Windows); reseed a generator the dataset carries in `worker_init_fn`;
# * augmentation must suit the data and the model: check it on the validation set.
#
# Next: open `exercises/en/08_data.ipynb` for the exercises.

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **Next:** [the exercises of this chapter: 08_data](../../exercises/en/08_data.ipynb) · [the next chapter: 09_training](09_training.ipynb)
