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
# # 03 · Tensors
#
# The tensor is PyTorch's basic data structure: a model's inputs, parameters, gradients and outputs are all tensors. A tensor is a lot like a NumPy `ndarray`, with two extra powers: it can live on a GPU or another accelerator, and it can record the computations done with it so that gradients come automatically (chapter 05).
#
# This chapter is hands-on throughout:
#
# 1. creating tensors, starting from the hello world `x + y`;
# 2. tensor arithmetic: elementwise operations, matrix multiplication with `@`, reductions along a dimension;
# 3. the three attributes every tensor has, `dtype`, `shape` and `device`, and some surprising type-promotion rules;
# 4. indexing and slicing;
# 5. views and copies: which operations share memory;
# 6. the exact rules of broadcasting, and what it looks like when it fails (or silently does the wrong thing);
# 7. shared memory when converting to and from NumPy;
# 8. in-place operations, and how they clash with autograd.

# %%
from course_utils import setup_notebook

setup_notebook()

# %% [markdown]
# ## 1. Hello world: adding two tensors
#
# `torch.tensor` turns a Python list into a tensor, and then tensors add up like numbers. Addition is **elementwise**: the numbers at the same position are added.

# %%
# NBVAL_CHECK_OUTPUT
import torch

x = torch.tensor([1, 2, 3])
y = torch.tensor([4, 5, 6])
z = x + y
print("x =", x)
print("y =", y)
print("z = x + y =", z)
print("shape:", z.shape, "dtype:", z.dtype)

# %% [markdown]
# Note the `dtype`, `torch.int64`: the list holds only integers, so PyTorch infers 64-bit integers. Write `1.0` and you get floats. Nested lists give multi-dimensional tensors, and `shape` lists the length of each dimension, from the outermost to the innermost.

# %%
# NBVAL_CHECK_OUTPUT
print(torch.tensor([1.0, 2.0]).dtype)
print(torch.tensor([True, False]).dtype)
m = torch.tensor([[1, 2, 3], [4, 5, 6]])
print(m)
print("shape:", m.shape, "ndim:", m.ndim, "numel:", m.numel())

# %% [markdown]
# ## 2. Creating tensors
#
# More often than from lists, tensors come from **factory functions** that only need a shape (or a range):
#
# | function | gives |
# | --- | --- |
# | `torch.zeros(2, 3)` / `torch.ones(2, 3)` | all zeros / all ones |
# | `torch.full((2, 3), 7.0)` | every element set to one value |
# | `torch.eye(3)` | the identity matrix |
# | `torch.arange(start, end, step)` | an arithmetic sequence that **excludes** `end` (like Python's `range`) |
# | `torch.linspace(start, end, steps)` | `steps` evenly spaced points, **including** `end` |
# | `torch.rand(2, 3)` | uniform on $[0, 1)$ |
# | `torch.randn(2, 3)` | standard normal (mean 0, standard deviation 1) |

# %%
# NBVAL_CHECK_OUTPUT
print(torch.zeros(2, 3))
print(torch.full((2, 3), 7.0))
print(torch.eye(3))
print(torch.arange(0, 10, 3))
print(torch.linspace(0, 1, 5))

# %% [markdown]
# Random tensors differ on every run unless you fix the seed first. `setup_notebook()` already called `torch.manual_seed(0)`, which is why the numbers below are the same on every CPU. To reproduce one random piece of code on its own, call `torch.manual_seed(...)` again right before it.

# %%
torch.manual_seed(0)
print(torch.rand(2, 3))
torch.manual_seed(0)
print(torch.rand(2, 3))  # same seed, same numbers
print(torch.randn(2, 3))

# %% [markdown]
# One picture shows the difference between `rand` and `randn`: the first spreads evenly between 0 and 1, the second is a bell curve centred on 0, with negative values too.

# %%
import matplotlib.pyplot as plt

uniform = torch.rand(20_000)
normal = torch.randn(20_000)
fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
axes[0].hist(uniform.numpy(), bins=50, color="tab:blue")
axes[0].set_title("torch.rand: uniform on [0, 1)")
axes[1].hist(normal.numpy(), bins=50, color="tab:orange")
axes[1].set_title("torch.randn: standard normal")
for ax in axes:
    ax.set_xlabel("value")
    ax.set_ylabel("count")
fig.tight_layout()
plt.show()

# %% [markdown]
# The `*_like` functions create a tensor with another tensor's shape, `dtype` and device, so you need not spell them out again:

# %%
# NBVAL_CHECK_OUTPUT
template = torch.tensor([[1.5, 2.5, 3.5], [4.5, 5.5, 6.5]])
print(torch.zeros_like(template))
print(torch.ones_like(template, dtype=torch.int64))  # keep the shape, change the dtype
print(torch.rand_like(template).shape)

# %% [markdown]
# Tensors can also be made from NumPy arrays; section 8 looks closely at the memory they share. For now, remember one thing: NumPy's default float type is **float64**, PyTorch's is **float32**.

# %%
# NBVAL_CHECK_OUTPUT
import numpy as np

array = np.array([[1.0, 2.0], [3.0, 4.0]])
print(torch.from_numpy(array).dtype)
print(torch.tensor([[1.0, 2.0], [3.0, 4.0]]).dtype)
print(torch.get_default_dtype())

# %% [markdown]
# ## 3. Tensor arithmetic
#
# ### Elementwise operations
#
# `+ - * / **` and functions such as `torch.exp`, `torch.sqrt` and `torch.abs` work elementwise: for two tensors of the same shape, each position is computed on its own.

# %%
# NBVAL_CHECK_OUTPUT
a = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
b = torch.tensor([[10.0, 20.0, 30.0], [40.0, 50.0, 60.0]])
print(a + b)
print(a * b)  # elementwise, NOT the matrix product
print(a**2)
print(torch.sqrt(a))

# %% [markdown]
# ### Matrix multiplication with `@`
#
# `*` multiplies elementwise; matrix multiplication is `@` (that is, `torch.matmul`). A shape $(n, k)$ times $(k, m)$ gives $(n, m)$, and the inner $k$ must agree. For 3-D tensors, `@` treats the first dimension as a **batch** and multiplies the matrices batch by batch.

# %%
# NBVAL_CHECK_OUTPUT
w = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])  # shape (3, 2)
print("a @ w:", a.shape, "@", w.shape, "->", (a @ w).shape)
print(a @ w)
batch = torch.ones(5, 2, 3)
print("batched:", batch.shape, "@", w.shape, "->", (batch @ w).shape)

# %% [markdown]
# ### Reductions: sums, means and maxima along a dimension
#
# Without `dim`, `sum`, `mean`, `max` and `argmax` reduce the whole tensor. With `dim`, they **remove that dimension**: for `a` of shape $(2, 3)$, `dim=0` merges the two rows and leaves one number per column, shape $(3,)$; `dim=1` leaves one number per row, shape $(2,)$.
#
# `keepdim=True` keeps the reduced dimension with length 1. Section 7 shows why that is so useful for broadcasting.

# %%
# NBVAL_CHECK_OUTPUT
print("a.sum() =", a.sum())
print("a.sum(dim=0) =", a.sum(dim=0), "shape", a.sum(dim=0).shape)
print("a.sum(dim=1) =", a.sum(dim=1), "shape", a.sum(dim=1).shape)
print("a.mean(dim=1, keepdim=True) shape", a.mean(dim=1, keepdim=True).shape)
values, indices = a.max(dim=1)
print("max of each row:", values, "at column", indices)

# %% [markdown]
# A common trap: `mean` is only defined for floating-point tensors. The mean of an integer tensor is an error; convert with `.float()` first:

# %%
# NBVAL_CHECK_OUTPUT
counts = torch.tensor([1, 2, 4])
try:
    counts.mean()
except RuntimeError as err:
    print("RuntimeError:", err)
print(counts.float().mean())

# %% [markdown]
# ## 4. dtype, shape and device
#
# Every tensor carries three pieces of information: its element type `dtype`, its `shape`, and the `device` it lives on.
#
# ### Default dtypes and type promotion
#
# Integers default to `int64`, floats to `float32`. When the two operands of an operation have different types, PyTorch's **type promotion** rules decide the type of the result. A few are worth remembering because they differ from intuition (and from C):

# %%
# NBVAL_CHECK_OUTPUT
i = torch.tensor([1, 2, 3])
j = torch.tensor([2, 2, 2])
print("int / int  ->", i / j, i.dtype, "/", j.dtype, "->", (i / j).dtype)  # true division: float!
print("int // int ->", i // j)  # floor division stays integer
print("int64 tensor + 2.5 ->", (i + 2.5).dtype)  # a float scalar makes the result float32
small = torch.tensor([1, 2], dtype=torch.int32)
print("int32 tensor + 5 ->", (small + 5).dtype)  # a Python int does not widen the tensor
pixels = torch.tensor([200, 250], dtype=torch.uint8)
print("uint8 200 + 100 ->", pixels + 100)  # wraps around modulo 256!

# %% [markdown]
# The rules in short:
#
# * `/` is always true division: dividing integers gives a float (`float32` by default). Use `//` for an integer result.
# * The operand of the higher **category** (bool < integer < floating point < complex) decides the category of the result.
# * Within one category, Python numbers and 0-dim tensors do **not** widen a tensor that has dimensions: an `int32` tensor plus the Python `5` stays `int32`; a `float32` tensor plus a 0-dim `float64` tensor stays `float32`.
# * Integers overflow and wrap around: `uint8` 200 + 100 gives 44 (300 − 256). Images often load as `uint8`, so convert them to floats before computing with them.
#
# `torch.result_type` asks PyTorch directly what the result type will be:

# %%
# NBVAL_CHECK_OUTPUT
f32 = torch.ones(2)
print(torch.result_type(f32, torch.tensor(1.0, dtype=torch.float64)))  # 0-dim float64: stays float32
print(torch.result_type(f32, torch.ones(2, dtype=torch.float64)))  # 1-dim float64: float64
print(torch.result_type(small, 5), torch.result_type(small, 5.0))

# %% [markdown]
# Convert with `.to(dtype)` (or the shorthands `.float()`, `.long()`, `.half()`). Converting floats to integers **truncates toward zero**; it does not round. If the tensor already has the target type, `.to()` returns the tensor itself without copying.

# %%
# NBVAL_CHECK_OUTPUT
v = torch.tensor([-1.7, -0.5, 0.5, 1.7])
print(v.to(torch.int64))  # truncates toward zero
print(v.round().long())  # round first if that is what you want (halves go to the even neighbour)
print(i.to(torch.float32), i.to(torch.int64) is i)

# %% [markdown]
# ### Devices
#
# Tensors are created on the CPU by default. `get_device()` picks the best device on this machine (CUDA, then Apple's MPS, then the CPU). `.to(device)` moves a tensor there (without copying when it is already there), and `device=` creates it there directly. The tensors of one operation must be on the same device, otherwise PyTorch raises `Expected all tensors to be on the same device`.
#
# The seed text's old `x.cuda()` only runs on machines with an NVIDIA GPU; `.to(device)` runs everywhere. Chapter 04 covers GPUs in depth. The cell below prints exactly the same on a CPU and on a GPU, because it moves the result back with `.cpu()` before printing.

# %%
# NBVAL_CHECK_OUTPUT
from course_utils import get_device

device = get_device()
x_dev = x.to(device)
y_dev = torch.tensor([4, 5, 6], device=device)
z_dev = x_dev + y_dev
print("z is on the chosen device:", z_dev.device.type == device.type)
print("z =", z_dev.cpu())

# %% [markdown]
# The actual device name depends on the machine, so this cell's output is not compared:

# %%
# NBVAL_IGNORE_OUTPUT
# the device name depends on the machine: cpu, cuda:0 or mps:0
print(z_dev.device)

# %% [markdown]
# ## 5. Indexing and slicing
#
# As with NumPy and Python lists: indices start at 0, negative indices count from the end, and a `start:stop:step` slice excludes `stop`. The dimensions of a multi-dimensional tensor are separated by commas.

# %%
# NBVAL_CHECK_OUTPUT
g = torch.arange(12).reshape(3, 4)
print(g)
print("g[0]       =", g[0])  # first row
print("g[1, 2]    =", g[1, 2])  # one element (a 0-dim tensor)
print("g[:, 1]    =", g[:, 1])  # second column
print("g[-1]      =", g[-1])  # last row
print("g[:, ::2]  =", g[:, ::2].tolist())  # every other column
print("g[1:, -2:] =", g[1:, -2:].tolist())  # bottom-right 2x2 block

# %% [markdown]
# Unlike NumPy, PyTorch slices do **not support negative steps**: `g[::-1]` is an error. Reverse with `torch.flip` instead:

# %%
# NBVAL_CHECK_OUTPUT
try:
    g[::-1]
except ValueError as err:
    print("ValueError:", err)
print(torch.flip(g, dims=[0]))

# %% [markdown]
# ### Boolean masks
#
# A comparison gives a boolean tensor of the same shape, a **mask**. Indexing with it picks every element where the mask is `True`, as a 1-D result in row-major order. Assigning through a mask changes only those positions. Combine conditions with `&`, `|` and `~` (not `and`, `or`, `not`), with parentheses around each condition.

# %%
# NBVAL_CHECK_OUTPUT
mask = g % 3 == 0
print(mask)
print("g[mask] =", g[mask])
print("between 2 and 8:", g[(g > 2) & (g < 8)])
h = g.clone()
h[h > 8] = -1
print(h)

# %% [markdown]
# ### Integer-array ("fancy") indexing, `torch.where` and `gather`
#
# * A list (or tensor) of integers as the index picks several rows at once; with one list per dimension, the elements are picked in **pairs**: `g[[0, 2], [1, 3]]` is `g[0, 1]` and `g[2, 3]`.
# * `torch.where(cond, a, b)` chooses elementwise: `a` where the condition holds, `b` elsewhere.
# * `gather(dim, index)` picks values along `dim` at the positions in `index`. A typical use: the score of the correct class in every row.

# %%
# NBVAL_CHECK_OUTPUT
print("g[[0, 2]] =", g[[0, 2]].tolist())
print("g[[0, 2], [1, 3]] =", g[[0, 2], [1, 3]])
print(torch.where(g > 5, g, 0))

scores = torch.tensor([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.2, 0.6]])
labels = torch.tensor([1, 0, 2])
print("gather:  ", scores.gather(1, labels.unsqueeze(1)).squeeze(1))
print("indexing:", scores[torch.arange(3), labels])  # the same values

# %% [markdown]
# ## 6. Views and copies: who shares memory with whom
#
# A tensor's data sits in a one-dimensional block of memory, its **storage**. The tensor itself is only a way of looking at that storage: where to start (the offset), the shape, and the **strides**: how many elements to skip in storage to take one step along each dimension.
#
# Many operations copy nothing and only change the way of looking, returning a **view**: `view`, basic slicing, `transpose`/`.T`, `permute`, `unsqueeze`, `expand`… Modifying a view modifies the original tensor. Other operations copy: `clone()`, boolean-mask and integer-array indexing, and `reshape` and `contiguous()` when the data has to be rearranged.
#
# To tell whether two tensors share a storage, compare the storages' addresses:

# %%
# NBVAL_CHECK_OUTPUT
def shares_storage(a, b):
    """True when a and b look at the same block of memory."""
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


base = torch.arange(12).reshape(3, 4)
candidates = {
    "base.view(4, 3)": base.view(4, 3),
    "base[1:, ::2]": base[1:, ::2],
    "base.T": base.T,
    "base.reshape(2, 6)": base.reshape(2, 6),
    "base.T.reshape(12)": base.T.reshape(12),
    "base[[0, 1]]": base[[0, 1]],
    "base[base > 5]": base[base > 5],
    "base.clone()": base.clone(),
}
print(f"{'expression':<20}{'shares':<8}{'contiguous':<12}stride")
for name, t in candidates.items():
    print(f"{name:<20}{str(shares_storage(base, t)):<8}{str(t.is_contiguous()):<12}{t.stride()}")

# %% [markdown]
# Modify a view and the original changes with it; modify a copy and nothing else changes:

# %%
# NBVAL_CHECK_OUTPUT
view = base.view(4, 3)
copy = base.clone()
view[0, 0] = 100
copy[0, 1] = -1
print(base)

# %% [markdown]
# ### Strides and memory layout
#
# `base` has shape $(3, 4)$ and strides $(4, 1)$: one row down skips 4 elements, one column right skips 1. The transpose `base.T` moves no data; it only swaps the strides to $(1, 4)$. In the figure, the colour shows where an element sits in storage: after the transpose the colours no longer run row by row. That is what **non-contiguous** means.

# %%
import matplotlib as mpl


def draw_grid(ax, values, colors, title):
    """Draw a 2-D grid of numbers; colors[i][j] is a storage position (for the colour map)."""
    rows, cols = len(values), len(values[0])
    cmap = mpl.colormaps["viridis"]
    for r in range(rows):
        for c in range(cols):
            ax.add_patch(plt.Rectangle((c, rows - 1 - r), 1, 1, facecolor=cmap(colors[r][c] / 11), edgecolor="white"))
            ax.text(c + 0.5, rows - 0.5 - r, str(values[r][c]), ha="center", va="center", color="white", fontsize=11)
    ax.set_xlim(0, cols)
    ax.set_ylim(0, rows)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=10)


layout = torch.arange(12).reshape(3, 4)
fig = plt.figure(figsize=(9, 4.2))
ax_storage = fig.add_axes((0.05, 0.72, 0.9, 0.2))
draw_grid(ax_storage, [list(range(12))], [list(range(12))], "storage: 12 numbers in one row of memory")
ax_x = fig.add_axes((0.08, 0.05, 0.38, 0.55))
draw_grid(ax_x, layout.tolist(), layout.tolist(), f"x: shape (3, 4), stride {layout.stride()}")
ax_t = fig.add_axes((0.58, 0.05, 0.3, 0.55))
draw_grid(ax_t, layout.T.tolist(), layout.T.tolist(), f"x.T: shape (4, 3), stride {layout.T.stride()}")
plt.show()

# %% [markdown]
# `view` only works when no data has to move. On the non-contiguous `base.T`, `view(12)` is an error; `reshape` returns a view when it can and silently copies when it cannot (see `base.T.reshape(12)` in the table above). `contiguous()` makes a contiguous copy in the current shape (or returns the tensor itself when it is contiguous already).
#
# So: **do not rely on whether `reshape` copies**. When you need independent data, `clone()` explicitly; when you want the two tensors linked, use an operation that always returns a view.

# %%
# NBVAL_CHECK_OUTPUT
t = base.T
try:
    t.view(12)
except RuntimeError as err:
    print("RuntimeError:", err)
flat = t.contiguous().view(12)
print("after contiguous():", flat.tolist(), "shares storage:", shares_storage(base, flat))

# %% [markdown]
# ### `reshape` is not `permute`
#
# Many libraries store a colour image as $(H, W, C)$ (height, width, channels), while PyTorch's convolution layers want $(C, H, W)$. `permute(2, 0, 1)` **moves the axes**: the new dimension 0 is the old dimension 2. `reshape(C, H, W)` gives the right shape too, but it only cuts the same row of numbers into a new shape and moves no axis at all, so the channels come out scrambled. See for yourself:

# %%
H, W = 24, 36
rows = torch.linspace(0, 1, H).unsqueeze(1).expand(H, W)
cols = torch.linspace(0, 1, W).unsqueeze(0).expand(H, W)
disk = ((((rows - 0.5) * H) ** 2 + ((cols - 0.5) * W) ** 2) < 64).float()
image_hwc = torch.stack([cols, rows, disk], dim=2)  # (H, W, C): red, green, blue

right = image_hwc.permute(2, 0, 1)  # (C, H, W): moves the axes
wrong = image_hwc.reshape(3, H, W)  # (C, H, W) shape, but the numbers are cut in the wrong places
print("permute:", tuple(right.shape), " reshape:", tuple(wrong.shape), " equal:", torch.equal(right, wrong))

fig, axes = plt.subplots(2, 4, figsize=(10, 4.2))
axes[0, 0].imshow(image_hwc.numpy())
axes[0, 0].set_title("image (H, W, C)")
axes[1, 0].axis("off")
for k, name in enumerate(["red", "green", "blue"]):
    axes[0, k + 1].imshow(right[k].numpy(), cmap="gray", vmin=0, vmax=1)
    axes[0, k + 1].set_title(f"permute: channel {name}")
    axes[1, k + 1].imshow(wrong[k].numpy(), cmap="gray", vmin=0, vmax=1)
    axes[1, k + 1].set_title(f"reshape: channel {name}")
for ax in axes.flat:
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
fig.tight_layout()
plt.show()

# %% [markdown]
# The top row holds the real red, green and blue channels; the bottom row has exactly the same shape, but its content is scrambled stripes. The right shape does not mean the right data, and exercise 03.1 tests exactly that.

# %% [markdown]
# ## 7. Broadcasting
#
# Two tensors of different shapes can still be combined elementwise if they **broadcast** to a common shape. The rules (the same as NumPy's):
#
# 1. Align the two shapes **on the right**; the shape with fewer dimensions is padded on the left with dimensions of length 1.
# 2. Compare the dimensions from right to left: two lengths must be **equal**, or **one of them must be 1**; otherwise it is an error.
# 3. Each dimension of the result takes the larger length; the operand of length 1 is "repeated" along it.
#
# This repetition costs no memory: `expand` sets that dimension's stride to 0, so every row points at the same data.
#
# **Example**: a column $(3, 1)$ plus a row $(4,)$. Aligned, they are $(3, 1)$ and $(1, 4)$. Dimension by dimension: $3$ against $1$, $1$ against $4$, both allowed, so the result is $(3, 4)$.

# %%
# NBVAL_CHECK_OUTPUT
col = torch.tensor([[0], [10], [20]])  # shape (3, 1)
row = torch.tensor([1, 2, 3, 4])  # shape (4,)
total = col + row
print(col.shape, "+", row.shape, "->", total.shape)
print(total)
print("row.expand(3, 4).stride() =", row.expand(3, 4).stride())  # stride 0: no copy

# %% [markdown]
# In the figure, the pale cells are the broadcast "copies" (they take no memory):

# %%
def draw_broadcast(ax, values, real_rows, real_cols, title, cmap):
    """Draw a grid; cells outside real_rows x real_cols are the broadcast (virtual) copies."""
    rows, cols = len(values), len(values[0])
    for r in range(rows):
        for c in range(cols):
            real = r < real_rows and c < real_cols
            ax.add_patch(
                plt.Rectangle(
                    (c, rows - 1 - r), 1, 1, facecolor=cmap(0.75), alpha=1.0 if real else 0.3, edgecolor="black"
                )
            )
            ax.text(c + 0.5, rows - 0.5 - r, str(values[r][c]), ha="center", va="center", fontsize=11)
    ax.set_xlim(-0.1, 4.1)
    ax.set_ylim(-0.1, 3.1)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=10)


fig, axes = plt.subplots(1, 3, figsize=(10, 3))
draw_broadcast(axes[0], col.expand(3, 4).tolist(), 3, 1, "col (3, 1) -> (3, 4)", mpl.colormaps["Blues"])
draw_broadcast(axes[1], row.expand(3, 4).tolist(), 1, 4, "row (4,) -> (1, 4) -> (3, 4)", mpl.colormaps["Oranges"])
draw_broadcast(axes[2], total.tolist(), 3, 4, "col + row: (3, 4)", mpl.colormaps["Greens"])
fig.text(0.355, 0.45, "+", fontsize=22, ha="center")
fig.text(0.655, 0.45, "=", fontsize=22, ha="center")
plt.show()

# %% [markdown]
# ### A failure, and `keepdim`
#
# We want to subtract from each row of a matrix **that row's** mean. `a` has shape $(2, 3)$ and `a.mean(dim=1)` has shape $(2,)$. Aligned on the right, the last dimensions are $3$ and $2$: neither equal nor 1, hence the error:

# %%
# NBVAL_CHECK_OUTPUT
row_means = a.mean(dim=1)
print(a.shape, "-", row_means.shape)
try:
    a - row_means
except RuntimeError as err:
    print("RuntimeError:", err)

# %% [markdown]
# In the message, "tensor a" and "tensor b" are the left and right operands, and "dimension 1" counts the aligned dimensions. The fix keeps the reduced dimension: `keepdim=True` gives $(2, 1)$, which broadcasts against $(2, 3)$. (`row_means[:, None]` or `row_means.unsqueeze(1)` work too.)

# %%
# NBVAL_CHECK_OUTPUT
centered = a - a.mean(dim=1, keepdim=True)
print(a.shape, "-", a.mean(dim=1, keepdim=True).shape, "->", centered.shape)
print(centered)
print("row means now:", centered.mean(dim=1))

# %% [markdown]
# ### Worse: broadcasting that does not fail
#
# An error at least warns you. Worse is when the shapes happen to broadcast: a model's output is often $(N, 1)$ while the labels are $(N,)$. Their difference is not $N$ errors but an $(N, N)$ matrix, and the loss is wrong without any error:

# %%
# NBVAL_CHECK_OUTPUT
prediction = torch.tensor([[1.0], [2.0], [3.0]])  # (3, 1), what a model with one output returns
target = torch.tensor([1.0, 2.0, 3.0])  # (3,)
print("shape of the difference:", (prediction - target).shape)
print(f"wrong MSE: {((prediction - target) ** 2).mean():.4f}")
print(f"right MSE: {((prediction.squeeze(1) - target) ** 2).mean():.4f}")

# %% [markdown]
# The predictions are perfect, so the right mean squared error is 0, yet the wrong version gives 4/3: the mean of all nine squared differences in the 3×3 matrix, six of which compare a prediction with another sample's label. Make a habit of printing or asserting shapes around such operations. (`nn.MSELoss` warns about this case; you will meet it in chapter 06.)

# %% [markdown]
# ## 8. Converting to and from NumPy
#
# * `torch.from_numpy(array)` and `tensor.numpy()` **share memory**: nothing is copied, and a change on one side shows on the other.
# * `torch.tensor(array)` always **copies**.
#
# This holds only for tensors on the CPU; a tensor on a GPU must first come back with `.cpu()`, and that step is a copy.

# %%
# NBVAL_CHECK_OUTPUT
array = np.arange(4.0)
shared = torch.from_numpy(array)
copied = torch.tensor(array)
array[0] = 100.0
print("numpy array:      ", array)
print("torch.from_numpy: ", shared)
print("torch.tensor:     ", copied)

back = shared.numpy()
shared[1] = -5.0
print("tensor.numpy():   ", back)

# %% [markdown]
# Two more things to watch:
#
# * `from_numpy` keeps NumPy's `float64`, while model parameters are usually `float32`. `.float()` converts to `float32`, and that makes a copy.
# * A tensor that requires gradients cannot call `.numpy()` directly; `detach()` it first. The spelling that works on any device is `t.detach().cpu().numpy()`.

# %%
# NBVAL_CHECK_OUTPUT
print(shared.dtype, "->", shared.float().dtype, "shares:", shares_storage(shared, shared.float()))
weights = torch.ones(3, requires_grad=True)
try:
    weights.numpy()
except RuntimeError as err:
    print("RuntimeError:", err)
print(weights.detach().cpu().numpy())

# %% [markdown]
# ## 9. In-place operations
#
# Methods whose names end in an underscore (`add_`, `mul_`, `zero_`, `clamp_`…) modify the tensor **in place** instead of creating a new one. `x += 1` is in place too, whereas `x = x + 1` creates a new tensor and then points the name `x` at it. Many functions also accept `out=`, which writes the result into an existing tensor.

# %%
# NBVAL_CHECK_OUTPUT
p = torch.zeros(3)
before = p.data_ptr()
p.add_(1)
print("add_:       ", p, "same memory:", p.data_ptr() == before)
p += 1
print("+=:         ", p, "same memory:", p.data_ptr() == before)
p = p + 1
print("p = p + 1:  ", p, "same memory:", p.data_ptr() == before)
result = torch.empty(3)
torch.mul(p, 2, out=result)
print("out=:       ", result)

# %% [markdown]
# In-place operations save memory, but they hide two traps.
#
# **Trap one: aliases.** `q = p` copies nothing; it gives the same tensor a second name, and views do the same. So an in-place change through `q` changes `p`. A function that modifies its argument in place changes the caller's data (exercise 03.4).

# %%
# NBVAL_CHECK_OUTPUT
p = torch.zeros(3)
q = p
q += 1
print("p =", p)


def scale_in_place(t):
    t.mul_(10)
    return t


data = torch.ones(2)
scaled = scale_in_place(data)
print("data after the call:", data)  # the caller's tensor changed too

# %% [markdown]
# **Trap two: autograd.** Some operations need their forward values for the backward pass: $\frac{d}{dw} e^w = e^w$, so `exp` saves its output. If that output is later modified in place, the saved value is wrong. PyTorch keeps a version counter on every tensor and, when it sees the change, `backward()` raises an error instead of silently computing a wrong gradient:

# %%
# NBVAL_CHECK_OUTPUT
w = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
e = w.exp()  # exp saves its output for the backward pass
e.add_(1)  # ...and we overwrite it in place
try:
    e.sum().backward()
except RuntimeError as err:
    print("RuntimeError:", str(err).split(":")[0])

# %% [markdown]
# (The full message also names the tensor and the operation, and suggests `torch.autograd.set_detect_anomaly(True)` to find the culprit.) With the out-of-place `e = e + 1` all is well:

# %%
# NBVAL_CHECK_OUTPUT
w = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
e = w.exp()
e = e + 1  # a new tensor: the saved output is untouched
e.sum().backward()
print("gradient:", w.grad)
print("exp(w):  ", w.exp().detach())

# %% [markdown]
# An in-place operation on a **leaf** tensor that requires gradients (a model parameter, say) is an error too. A leaf is where the graph starts and where gradients finally accumulate; rewriting it in place while the graph is being recorded would leave the graph out of step with the real values. Optimizers update parameters inside `torch.no_grad()`; chapters 05 and 07 explain this in detail:

# %%
# NBVAL_CHECK_OUTPUT
w = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
try:
    w.add_(1)
except RuntimeError as err:
    print("RuntimeError:", err)
with torch.no_grad():
    w.add_(1)  # allowed: not recorded by autograd
print(w)

# %% [markdown]
# ## Summary
#
# * Creating: `torch.tensor(list)`, `zeros/ones/full/eye/arange/linspace/rand/randn`, `*_like`, `torch.from_numpy`.
# * Arithmetic: `*` multiplies elementwise, `@` is matrix multiplication; reductions take the `dim` to remove, and `keepdim=True` keeps it.
# * Types: integers default to `int64`, floats to `float32`; `int / int` is a float; `uint8` wraps around; convert with `.to(dtype)`.
# * Devices: `device = get_device()`, then `.to(device)`; the tensors of one operation must share a device.
# * Views and copies: `view`, slicing, `.T` and `permute` share memory; mask and integer-array indexing and `clone()` copy; `reshape` may or may not copy. `reshape` moves no axes; `permute` does.
# * Broadcasting: align on the right, and each dimension must be equal or 1. Watch out for $(N, 1)$ and $(N,)$ silently broadcasting to $(N, N)$.
# * `from_numpy`/`.numpy()` share memory; `torch.tensor(array)` copies.
# * In-place operations (a trailing `_`, `+=`, `out=`) affect every alias and view, and can destroy values autograd needs.
#
# Now open `exercises/en/03_tensors.ipynb` for the exercises.

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **Next:** [the exercises of this chapter: 03_tensors](../../exercises/en/03_tensors.ipynb) · [the next chapter: 04_gpu](04_gpu.ipynb)
