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
# # 08 · 数据：`Dataset` 与 `DataLoader`
#
# 种子教材的反向传播例子只用了一行 `x = torch.randn(2, 2)` 当作“数据”。真实的训练要面对成千上万个样本：它们要被**分成批次**、每个 epoch **重新打乱**、可能要**在读取时做变换**（标准化、数据增强），长短不一的样本要**补齐**，类别不平衡时要**重新采样**，读得慢时还要**多进程并行读取**。
#
# PyTorch 把这件事拆成几个各司其职的小零件，全都在 `torch.utils.data` 里：
#
# | 零件 | 负责什么 |
# | --- | --- |
# | `Dataset` | 第 `i` 个样本是什么（`__len__` 和 `__getitem__`） |
# | `Sampler` | 按什么顺序取下标（顺序、打乱、加权、子集） |
# | `BatchSampler` | 把下标分成一批一批 |
# | `collate_fn` | 把一批样本拼成张量 |
# | `DataLoader` | 把以上零件串起来，可选地用多个工作进程（`num_workers`） |
#
# 本章内容：
#
# 1. 自己写一个 map 式 `Dataset`，在 `__getitem__` 里做变换和数据增强；
# 2. `DataLoader` 的批次：`batch_size`、`drop_last`、一个批次的形状；
# 3. 用**带种子的** `torch.Generator` 打乱，让顺序可以复现；
# 4. 划分数据：`random_split`、`Subset`、`SubsetRandomSampler`；
# 5. 变长序列：`collate_fn` 补齐（`pad_sequence`）、长度和掩码，`BatchSampler` 按长度分桶；
# 6. 类别不平衡：`WeightedRandomSampler`；
# 7. 流式数据：`IterableDataset`；
# 8. `num_workers`：在笔记本里使用多进程的坑，以及工作进程的随机种子；
# 9. 真实数据集的下载代码（放在开关后面），以及把数据接进训练循环。

# %%
from course_utils import setup_notebook

setup_notebook()

# %%
import matplotlib.pyplot as plt
import torch
from torch.utils.data import DataLoader, Dataset

from course_utils import get_device, load_digits_tensors, show_images

device = get_device()  # 有 GPU 用 GPU，否则用 CPU；本章的代码在两者上都能运行

# %% [markdown]
# 先看一眼整条流水线。`DataLoader` 每取一个批次，就做下面这几步：采样器给出一批下标，`Dataset` 按下标逐个取出样本，`collate_fn` 把它们拼成一个批次张量。

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
# ## 1. 自己写一个 `Dataset`
#
# 本章用 scikit-learn 自带的手写数字数据集（1,797 张 8×8 的灰度图，无需下载）。`load_digits_tensors()` 把它变成张量：图片是 $[0, 1]$ 之间的 `float32`，形状 $(N, 1, 8, 8)$；标签是 `int64`。

# %%
# NBVAL_CHECK_OUTPUT
images, labels = load_digits_tensors()
print("images:", tuple(images.shape), images.dtype)
print("labels:", tuple(labels.shape), labels.dtype, "classes", labels.unique().tolist())

# %% [markdown]
# **map 式**（map-style）`Dataset` 只需要两个方法：
#
# * `__len__(self)`：一共有多少个样本；
# * `__getitem__(self, index)`：返回第 `index` 个样本，`index` 从 `0` 到 `len - 1`。
#
# 惯例是返回一个 `(输入, 标签)` 元组。标签用 Python 的 `int`（或 `int64` 张量）：拼成批次后它就是 `torch.int64`，正是 `CrossEntropyLoss` 需要的类别下标。
#
# 第三个参数 `transform` 是**读取时**的变换：每次取样本都调用一次。数据增强（每次取到的都略有不同）只能这样做，而不是预先把整个数据集变换一遍。

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
# 变换可以是任何“接收一张图、返回一张图”的可调用对象。下面写两个：
#
# * `Normalize`：减去均值、除以标准差。均值和标准差只算一次、存下来，以后每张图都用同样的数（真实项目里只用训练集来算，免得验证集的信息漏进训练；这里为了简单，用了全部图片）；
# * `RandomShift`：数据增强。先在四周各补一圈 0，再随机裁出 8×8，相当于把数字随机平移最多 1 个像素。它用 `torch.randint` 取随机数，所以受全局种子（和第 8 节里工作进程的种子）控制。
#
# `Compose` 把几个变换按顺序串起来。

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
# 同一个下标读了 8 次，得到好几张不同的图：这正是数据增强想要的，模型每个 epoch 看到的都是略有不同的版本（平移只有 9 种可能，偶尔会重复）。原图和它的 7 个增强版本：

# %%
shifted = DigitsDataset(images, labels, transform=RandomShift(1))
versions = [digits[0][0]] + [shifted[0][0] for _ in range(7)]
show_images(versions, titles=["original"] + [f"shift #{k}" for k in range(1, 8)])
plt.show()

# %% [markdown]
# 自己写变换是为了看清原理。实际工作中用 `torchvision.transforms.v2`（第 10 章）：`v2.Compose`、`v2.RandomAffine`、`v2.Normalize` 等，它们同样是可调用对象，放进 `transform=` 即可。

# %% [markdown]
# ## 2. `DataLoader`：分批
#
# `DataLoader` 按 `batch_size` 把样本拼成批次。默认的 `collate_fn`（`default_collate`）把一批 `(image, label)` 元组**逐项**拼起来：图片沿新的第 0 维堆叠，整数标签变成 `int64` 张量。

# %%
# NBVAL_CHECK_OUTPUT
from torch.utils.data import default_collate

three = [digits[i] for i in range(3)]
batch_images, batch_labels = default_collate(three)
print("3 samples ->", tuple(batch_images.shape), batch_images.dtype, "|", batch_labels, batch_labels.dtype)

# %% [markdown]
# 1,797 个样本、`batch_size=64`：前 28 个批次各 64 个，最后一个批次只剩 $1797 - 28 \times 64 = 5$ 个。`drop_last=True` 丢掉这个不满的批次（有些层，例如训练模式下的 `BatchNorm1d`，遇到只有 1 个样本的批次会报错；不满的批次也会让那一步的梯度噪声更大）。

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
# 把一个批次画出来，是检查数据管道最快的办法：图和标签对得上吗？

# %%
show_images(batch_images[:16], titles=[f"label {y}" for y in batch_labels[:16].tolist()])
plt.show()

# %% [markdown]
# 上面的批次是按顺序取的：标签是 0, 1, 2, …, 9 循环。训练时要打乱：数据常常按某种规律排列（有的数据集干脆按类别排好序），按顺序取出的批次不能代表整个数据集，梯度就会被带偏。

# %% [markdown]
# ## 3. 打乱，并且可以复现
#
# `shuffle=True` 让每个 epoch 的顺序都不同。顺序来自一个随机数生成器：给 `DataLoader` 一个**自己的**、带种子的 `torch.Generator`，顺序就可以复现。为了看清下标，用一个“样本就是它自己下标”的小数据集：

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
# * 同一个 loader 的第 1、2 个 epoch 顺序不同（每个 epoch 重新打乱）；
# * 用同一个种子新建的 loader，把**整个 epoch 序列**原样重现；
# * 换一个种子，顺序就不同。
#
# 为什么不直接 `torch.manual_seed(42)`？因为不带 `generator` 的 loader 在**每个 epoch 开始时**才从全局随机数生成器取种子。这之间任何用到全局随机数的代码（初始化模型、dropout、数据增强……）都会改变顺序：

# %%
# NBVAL_CHECK_OUTPUT
torch.manual_seed(42)
global_loader = DataLoader(ten, batch_size=4, shuffle=True)
print("manual_seed(42):              ", epoch_order(global_loader))

torch.manual_seed(42)
global_loader = DataLoader(ten, batch_size=4, shuffle=True)
_ = torch.randn(3)  # 例如：初始化一个模型
print("manual_seed(42), then randn(3):", epoch_order(global_loader))

# %% [markdown]
# 同一个种子，只因中间多了一次 `torch.randn`，顺序就变了。自己的 `Generator` 不受别的代码影响。

# %% [markdown]
# ## 4. 划分数据：`random_split`、`Subset` 和 `SubsetRandomSampler`
#
# `random_split` 把数据集随机分成几份，返回 `Subset`（它只记下标，不复制数据）。长度可以给整数，也可以给加起来等于 1 的比例。同样要给它一个带种子的 `generator`，否则每次运行分法都不同，“验证集”就会混进训练过的样本。

# %%
# NBVAL_CHECK_OUTPUT
from torch.utils.data import Subset, SubsetRandomSampler, random_split

train_part, val_part = random_split(digits, [0.8, 0.2], generator=torch.Generator().manual_seed(0))
print(type(train_part).__name__, len(train_part), "|", type(val_part).__name__, len(val_part))
print("first validation indices:", val_part.indices[:8])
print("overlap:", len(set(train_part.indices) & set(val_part.indices)))

# %% [markdown]
# 一个常见的坑：`random_split` 的各份共用**同一个**底层数据集，所以也共用同一个 `transform`。想让训练集做数据增强、验证集不做，就建两个数据集对象，再用 `Subset` 套上同一组下标：

# %%
# NBVAL_CHECK_OUTPUT
train_set = Subset(DigitsDataset(images, labels, transform=train_transform), train_part.indices)
val_set = Subset(DigitsDataset(images, labels, transform=Normalize(mean, std)), val_part.indices)
print(len(train_set), len(val_set), "| reading val_set[0] twice gives the same image:", torch.equal(val_set[0][0], val_set[0][0]))

# %% [markdown]
# 也可以不切分数据集，而是让**采样器**只从一部分下标里取：`SubsetRandomSampler(indices, generator=...)` 每个 epoch 把这些下标打乱。给了 `sampler` 就不能再写 `shuffle=True`（两者都决定顺序，`DataLoader` 会报错）。

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
# ## 5. 长短不一的样本：`collate_fn`
#
# 文本、音频、时间序列的样本往往长短不一。造一个这样的数据集：随机游走，每条 3 到 15 步，标签是“终点是否在 0 以上”。数据在构造时用自己的生成器一次性生成，所以每次都一样。

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
# 默认的 `collate_fn` 用 `torch.stack` 拼批次，而 `stack` 要求形状相同：

# %%
# NBVAL_CHECK_OUTPUT
try:
    next(iter(DataLoader(walks, batch_size=4)))
except RuntimeError as err:
    print("RuntimeError:", err)

# %% [markdown]
# 自己写 `collate_fn`：它收到一个**列表**，里面是 `batch_size` 个 `__getitem__` 的返回值，返回什么，训练循环就拿到什么。这里：
#
# * `pad_sequence(..., batch_first=True)` 用 0 把每条序列补到**这个批次里最长的**那条的长度，得到 $(B, T)$；
# * `lengths`：每条序列的真实长度（补齐之前量的！）；
# * `mask`：$(B, T)$ 的布尔张量，真实数据处为 `True`，补出来的位置为 `False`。由长度直接算出：`arange(T) < length`。
#
# 返回一个字典，字段名一目了然。

# %%
# NBVAL_CHECK_OUTPUT
from torch.nn.utils.rnn import pad_sequence


def pad_collate(batch):
    """Pad a list of (sequence, label) pairs to the longest sequence in the batch."""
    sequences = [sequence for sequence, _ in batch]
    lengths = torch.tensor([len(sequence) for sequence in sequences])
    padded = pad_sequence(sequences, batch_first=True, padding_value=0.0)
    mask = torch.arange(padded.shape[1]) < lengths[:, None]  # (1, T) 和 (B, 1) 广播成 (B, T)
    labels = torch.tensor([label for _, label in batch])
    return {"x": padded, "lengths": lengths, "mask": mask, "y": labels}


walk_loader = DataLoader(walks, batch_size=6, collate_fn=pad_collate)
batch = next(iter(walk_loader))
for key, value in batch.items():
    print(f"{key:8s}", tuple(value.shape), value.dtype)
print("lengths:", batch["lengths"].tolist())
print(batch["mask"].int())

# %% [markdown]
# 图中左边是补齐后的数值（灰色斜线是补出来的 0），右边是掩码：

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
# 补出来的 0 不是数据。凡是沿时间维的归约都要用掩码把它们排除在外，否则短序列的结果会被拉向 0。比如求每条序列的平均值：

# %%
naive_mean = batch["x"].mean(dim=1)
masked_mean = (batch["x"] * batch["mask"]).sum(dim=1) / batch["lengths"]
true_mean = torch.stack([walks[i][0].mean() for i in range(6)])
for i in range(3):
    print(f"length {batch['lengths'][i].item():2d}: true {true_mean[i]:.4f} | masked {masked_mean[i]:.4f} | naive {naive_mean[i]:.4f}")

# %% [markdown]
# 循环网络还可以用 `pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)` 直接跳过补齐的位置，第 11 章会用到。
#
# ### `BatchSampler`：按长度分桶，少补一点
#
# `DataLoader` 内部用 `BatchSampler` 把采样器给出的下标分组：

# %%
# NBVAL_CHECK_OUTPUT
from torch.utils.data import BatchSampler, SequentialSampler

print(list(BatchSampler(SequentialSampler(range(10)), batch_size=4, drop_last=False)))

# %% [markdown]
# 也可以把“一批批下标”直接交给 `DataLoader(batch_sampler=...)`。随机分批时，一条 3 步的序列可能和一条 15 步的分在一起，补齐浪费很多。把长度相近的样本分到同一批（**分桶**），再打乱批次的顺序，就能少补很多 0：

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
# ## 6. 类别不平衡：`WeightedRandomSampler`
#
# 手写数字各类数量差不多。为了演示，从中挑出一个**不平衡**的子集：类别 $k$ 只保留 $\operatorname{round}(170 \times 0.7^k)$ 张，数字 0 有 170 张，数字 9 只有 7 张。

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
# 普通的打乱只改变顺序，不改变比例：每个 epoch 模型还是看到 170 个 0 和 7 个 9。`WeightedRandomSampler(weights, num_samples, replacement=True)` 按权重**有放回地**抽样。`weights` 是**每个样本**一个权重（不是每个类一个）：样本 $i$ 的权重取 $1 / \text{count}[\text{label}_i]$，每个类的权重之和就相等，各类被抽到的机会也就相等。

# %%
# NBVAL_CHECK_OUTPUT
from torch.utils.data import WeightedRandomSampler

class_weights = 1.0 / counts.double()  # 每个类一个数：类越少，权重越大
sample_weights = class_weights[imbalanced_labels]  # 用标签去索引：每个样本一个数
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
# 代价：有放回抽样让稀有类的图片反复出现。数字 9 只有 7 张不同的图，一个 epoch 里却被抽到几十次，模型可能把这几张图背下来。另一种办法是不改采样，而是给损失函数加类别权重（`nn.CrossEntropyLoss(weight=...)`），两种办法都值得试。

# %%
# NBVAL_CHECK_OUTPUT
drawn = list(WeightedRandomSampler(sample_weights, len(imbalanced), generator=torch.Generator().manual_seed(0)))
drawn_nines = [i for i in drawn if imbalanced_labels[i] == 9]
print(f"class 9: {counts[9].item()} distinct images, drawn {len(drawn_nines)} times ({len(set(drawn_nines))} distinct)")

# %% [markdown]
# 最常见的错误是把**每类**权重（10 个数）直接交给采样器。它不会报错，而是把这 10 个数当成 10 个样本的权重，于是只会抽下标 0 到 9：

# %%
# NBVAL_CHECK_OUTPUT
wrong = WeightedRandomSampler(class_weights, num_samples=len(imbalanced), generator=torch.Generator().manual_seed(0))
print("len(weights) =", len(class_weights), "-> indices drawn:", sorted(set(wrong)))

# %% [markdown]
# ## 7. 流式数据：`IterableDataset`
#
# 有些数据没法按下标随机访问：网络流、逐行读取的大日志文件、边生成边用的模拟数据。`IterableDataset` 只实现 `__iter__`，一个接一个地产生样本；`DataLoader` 把**相邻的**样本拼成批次。
#
# 因为没有下标，采样器都用不上：不能 `shuffle=True`（要打乱，得在 `__iter__` 里自己做，例如维护一个缓冲区）。

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
# ## 8. `num_workers`：多进程读取
#
# 默认 `num_workers=0`：样本在主进程里读取，读的时候 GPU 等着。`num_workers=2` 启动 2 个工作进程，各自调用 `__getitem__` 和 `collate_fn` 准备批次，主进程按**原来的顺序**收取（第 $k$ 个批次交给第 $k \bmod 2$ 个进程）。数据在磁盘上、要解码或做复杂增强时，这能让 GPU 一直有活干；像本章这样数据已经在内存里的小张量，多进程反而更慢。
#
# ### 笔记本里的坑：工作进程要能 *import* 你的类
#
# 工作进程怎么拿到你的 `Dataset`？取决于 Python 启动子进程的方式（*start method*）：
#
# | 平台（Python 3.10–3.13） | 默认 | 工作进程怎么拿到数据集 |
# | --- | --- | --- |
# | Linux | `fork` | 复制主进程的内存，笔记本里定义的类也在 |
# | macOS | `spawn` | 全新的 Python 进程，数据集经 `pickle` 传过去 |
# | Windows | `spawn` | 同上 |
#
# （Python 3.14 起，Linux 的默认也改成了 `forkserver`，它同样通过 `pickle` 传递。）PyTorch 2.11 的 `DataLoader` 沿用 Python 的默认值，也可以用 `multiprocessing_context="spawn"` 指定。
#
# 这台机器的默认值（因平台而异）：

# %%
# NBVAL_IGNORE_OUTPUT
# 默认的启动方式取决于操作系统和 Python 版本，所以这个单元格的输出不参与比对。
import multiprocessing

print(multiprocessing.get_start_method())

# %% [markdown]
# `pickle` 不保存类的代码，只保存它的**名字**。笔记本里定义的类，名字是 `__main__.DigitsDataset`；全新的进程里，`__main__` 并不是你的笔记本，于是找不到这个类。`spawn` 启动的工作进程做的正是下面这件事：在一个新的 Python 进程里把数据集 `unpickle` 出来。

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
# 在 macOS 和 Windows 上，`num_workers > 0` 的 `DataLoader` 会因为这个错误让工作进程退出（`DataLoader worker ... exited unexpectedly`）；在 Linux 上用 `fork` 却一切正常。所以“在我电脑上好好的”可能只是因为操作系统不同。
#
# **解决办法：把 `Dataset`（以及 `collate_fn`、变换、`worker_init_fn`）放进一个 `.py` 模块，在笔记本里 `import` 它。** 这样 `pickle` 记下的名字是 `模块名.类名`，新进程 import 这个模块就能找到。`lambda` 和笔记本里定义的函数同理，也要搬进模块。
#
# 下面把模块写进一个临时文件夹（你自己的项目里就放在笔记本旁边，比如 `mydata.py`）：

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
# 同样的实验，这次新进程能找到类（它和 `spawn` 启动的工作进程一样，沿用主进程的 `sys.path`）：

# %%
# NBVAL_CHECK_OUTPUT
payload = pickle.dumps(NoisyDigits(images[:4], labels[:4]))
code = "import pickle, sys; sys.path.insert(0, sys.argv[1]); ds = pickle.loads(sys.stdin.buffer.read()); print(type(ds).__name__, len(ds))"
fresh = subprocess.run([sys.executable, "-c", code, module_dir.name], input=payload, capture_output=True)
print("exit code:", fresh.returncode, "|", fresh.stdout.decode().strip())

# %% [markdown]
# 现在用 2 个工作进程读取。每个批次都记下是哪个进程读的：批次轮流交给进程 0 和 1，主进程按顺序收取。（这里用平台的默认启动方式；在 macOS/Windows 上也能运行，只是 `spawn` 启动每个进程都要重新 import torch，要多等几秒。）

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
# 噪声也能复现，这是因为 PyTorch 在每个工作进程启动时都设好了种子：进程 $w$ 用 `base_seed + w` 给 `torch` 和 Python 的 `random` 设种子，也用由它们派生的种子给 NumPy 的全局生成器设种子；`base_seed` 从 loader 的 `generator` 里抽取。所以**给 loader 一个带种子的 `generator`**，多进程的数据增强也能复现。（注意：`num_workers=0` 时数据增强在主进程里运行，用的是主进程的全局生成器，所以和多进程时抽到的随机数不同。）
#
# 不过，PyTorch 只管这些**全局**生成器。如果数据集对象自己带着一个生成器（例如 NumPy 的 `default_rng`），每个工作进程拿到的都是它的一份**拷贝**，状态完全相同，于是两个进程产生一模一样的“随机”数：

# %%
# NBVAL_CHECK_OUTPUT
numbers = NumpyNoise(8)
for k, batch in enumerate(DataLoader(numbers, batch_size=4, num_workers=2)):
    print(f"batch {k} (worker {k % 2}):", [f"{v:+.4f}" for v in batch.tolist()])

# %% [markdown]
# 两个批次完全一样，数据增强等于白做了一半。`worker_init_fn` 在每个工作进程启动时运行一次，用来修正这种情况：`get_worker_info()` 给出本进程的 `id`、`seed`（即 `base_seed + id`）和本进程里的那份 `dataset`，用 `seed` 给它换一个新生成器：

# %%
# NBVAL_CHECK_OUTPUT
fixed = DataLoader(numbers, batch_size=4, num_workers=2, worker_init_fn=reseed_dataset_rng, generator=torch.Generator().manual_seed(0))
for k, batch in enumerate(fixed):
    print(f"batch {k} (worker {k % 2}):", [f"{v:+.4f}" for v in batch.tolist()])

# %% [markdown]
# `IterableDataset` 也有同样的问题：每个工作进程都拿到一份完整的数据集拷贝，各自从头迭代，于是**每个样本出现 `num_workers` 次**。要在 `__iter__` 里用 `get_worker_info()` 分片，让每个进程只产生自己那一份（上面模块里的 `Numbers(sharded=True)`）：

# %%
# NBVAL_CHECK_OUTPUT
for sharded in (False, True):
    loader = DataLoader(Numbers(10, sharded=sharded), batch_size=5, num_workers=2)
    print(f"sharded={sharded!s:5}:", [batch.tolist() for batch in loader])

# %% [markdown]
# 关于 `num_workers` 的小结：
#
# * 数据集类、`collate_fn`、变换、`worker_init_fn` 放进 `.py` 模块再 import，这样在 Linux、macOS、Windows 上都能用；
# * 给 loader 一个带种子的 `generator`；数据集自己带的生成器在 `worker_init_fn` 里用 `get_worker_info().seed` 重新设种子；
# * `IterableDataset` 要按 `get_worker_info()` 分片；
# * 要在 GPU 上训练时，加上 `pin_memory=True`（第 04 章），每个 epoch 都重启工作进程太慢时加上 `persistent_workers=True`；
# * 在 Windows/macOS 上用**脚本**（不是笔记本）启动多进程时，训练代码要放在 `if __name__ == "__main__":` 下面。

# %%
sys.path.remove(module_dir.name)
module_dir.cleanup()

# %% [markdown]
# ## 9. 真实的数据集，以及训练循环
#
# `torchvision.datasets` 里的数据集（MNIST、CIFAR-10……）就是现成的 map 式 `Dataset`，`transform=` 参数的作用和本章的一样。下载代码写在开关后面：默认离线，只有设置了 `COURSE_DOWNLOAD=1` 才会真的下载（几十 MB，存到这个文件夹下的 `course_output/`）。离线时，本章一直用的手写数字就是它的小号替身。

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
# 最后把各个零件装进训练循环：带种子的打乱，批次搬到 `device` 上（在 GPU 上用锁页内存，`non_blocking=True` 让拷贝和计算重叠）。模型只是一个线性层，第 09 章会做一个完整的项目。
#
# 顺便检验一下第 1 节的数据增强到底有没有用：同样的模型、同样的种子，训练集一次不增强、一次用 `RandomShift`，都在同一个不增强的验证集上评估。

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
# 数据增强在这里反而**有害**：8×8 的图平移 1 个像素，相当于把数字挪动了八分之一个宽度，而线性层完全不懂“同一笔画挪了一格”，只能把它当成另一张图来记。增强要适合数据和模型，是否有效要在验证集上看，而不是想当然。

# %% [markdown]
# ## 小结
#
# * map 式 `Dataset`：`__len__` + `__getitem__`，返回 `(输入, int 标签)`；变换和数据增强在 `__getitem__` 里**每次读取时**做；
# * `DataLoader(batch_size, drop_last)` 用 `collate_fn` 把样本拼成批次；先画一个批次看看；
# * 打乱用 `shuffle=True, generator=torch.Generator().manual_seed(seed)`：同一个种子重现整个 epoch 序列，且不受其他随机代码影响；
# * `random_split(..., generator=...)` 划分数据；训练和验证要不同的变换时，用两个数据集对象加 `Subset`；
# * 变长样本：自定义 `collate_fn`，`pad_sequence` 补到**本批**最长，返回 `lengths` 和 `mask`；`batch_sampler` 分桶减少补齐；
# * 不平衡：`WeightedRandomSampler` 要的是**每个样本**的权重 `class_weights[labels]`；
# * `IterableDataset` 处理流式数据，多进程时要分片；
# * `num_workers > 0`：类放进 `.py` 模块（macOS/Windows 的 `spawn`），数据集自带的生成器用 `worker_init_fn` 重设种子；
# * 数据增强要适合数据和模型，在验证集上检验它。
#
# 下一步：打开 `exercises/zh/08_data.ipynb` 做练习。

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **接下来：** [本章练习：08_data](../../exercises/zh/08_data.ipynb) · [下一章：09_training](09_training.ipynb)
