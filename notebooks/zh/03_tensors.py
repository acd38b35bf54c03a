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
# # 03 · 张量（Tensor）
#
# 张量是 PyTorch 里最基本的数据结构：模型的输入、参数、梯度、输出，全都是张量。它很像 NumPy 的 `ndarray`，但多了两样本领：可以放到 GPU 等加速器上计算，也可以记录计算过程以便自动求导（第 05 章）。
#
# 这一章边写代码边学：
#
# 1. 创建张量：从 Hello World 的 `x + y` 开始；
# 2. 张量运算：逐元素运算、矩阵乘法 `@`、沿某个维度归约；
# 3. 每个张量都有的三个属性：`dtype`、`shape`、`device`，以及让人意外的类型提升规则；
# 4. 索引和切片；
# 5. 视图（view）和副本（copy）：哪些操作共享内存；
# 6. 广播（broadcasting）的精确规则，以及它失败（和悄悄出错）的样子；
# 7. 和 NumPy 互相转换时共享内存；
# 8. 原地（in-place）操作，以及它和自动求导的冲突。

# %%
from course_utils import setup_notebook

setup_notebook()

# %% [markdown]
# ## 1. Hello World：两个张量相加
#
# 用 `torch.tensor` 把 Python 列表变成张量，然后像普通数字一样相加。加法是**逐元素**的：对应位置的数相加。

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
# 注意 `dtype` 是 `torch.int64`：列表里全是整数，PyTorch 就推断出 64 位整数。写成 `1.0` 就会得到浮点数。嵌套列表给出多维张量，`shape` 按“最外层到最内层”列出每一维的长度。

# %%
# NBVAL_CHECK_OUTPUT
print(torch.tensor([1.0, 2.0]).dtype)
print(torch.tensor([True, False]).dtype)
m = torch.tensor([[1, 2, 3], [4, 5, 6]])
print(m)
print("shape:", m.shape, "ndim:", m.ndim, "numel:", m.numel())

# %% [markdown]
# ## 2. 创建张量
#
# 除了从列表创建，更常用的是**工厂函数**，只要给出形状（或范围）：
#
# | 函数 | 得到什么 |
# | --- | --- |
# | `torch.zeros(2, 3)` / `torch.ones(2, 3)` | 全 0 / 全 1 |
# | `torch.full((2, 3), 7.0)` | 全部填成同一个值 |
# | `torch.eye(3)` | 单位矩阵 |
# | `torch.arange(start, end, step)` | 等差数列，**不含** `end`（和 Python 的 `range` 一样） |
# | `torch.linspace(start, end, steps)` | `steps` 个等距的点，**包含** `end` |
# | `torch.rand(2, 3)` | $[0, 1)$ 上的均匀分布 |
# | `torch.randn(2, 3)` | 标准正态分布（均值 0，标准差 1） |

# %%
# NBVAL_CHECK_OUTPUT
print(torch.zeros(2, 3))
print(torch.full((2, 3), 7.0))
print(torch.eye(3))
print(torch.arange(0, 10, 3))
print(torch.linspace(0, 1, 5))

# %% [markdown]
# 随机张量每次运行都不同——除非先固定种子。`setup_notebook()` 已经调用了 `torch.manual_seed(0)`，所以下面的数字在每台 CPU 上都一样。要单独复现一段随机代码，就在它前面再调用一次 `torch.manual_seed(...)`。

# %%
torch.manual_seed(0)
print(torch.rand(2, 3))
torch.manual_seed(0)
print(torch.rand(2, 3))  # 同样的种子，同样的数
print(torch.randn(2, 3))

# %% [markdown]
# `rand` 和 `randn` 的区别一张图就清楚了：前者均匀地落在 0 到 1 之间，后者是以 0 为中心的钟形曲线，有正有负。

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
# `*_like` 函数照着另一个张量的形状、`dtype` 和设备创建新张量，省得一个个抄写：

# %%
# NBVAL_CHECK_OUTPUT
template = torch.tensor([[1.5, 2.5, 3.5], [4.5, 5.5, 6.5]])
print(torch.zeros_like(template))
print(torch.ones_like(template, dtype=torch.int64))  # 形状照抄，dtype 换掉
print(torch.rand_like(template).shape)

# %% [markdown]
# 从 NumPy 数组也能创建张量，第 8 节会仔细讲它们之间的内存共享。这里先记住一点：NumPy 的默认浮点类型是 **float64**，PyTorch 的是 **float32**。

# %%
# NBVAL_CHECK_OUTPUT
import numpy as np

array = np.array([[1.0, 2.0], [3.0, 4.0]])
print(torch.from_numpy(array).dtype)
print(torch.tensor([[1.0, 2.0], [3.0, 4.0]]).dtype)
print(torch.get_default_dtype())

# %% [markdown]
# ## 3. 张量运算
#
# ### 逐元素运算
#
# `+ - * / **` 以及 `torch.exp`、`torch.sqrt`、`torch.abs` 等函数都是逐元素的：两个形状相同的张量，对应位置一一计算。

# %%
# NBVAL_CHECK_OUTPUT
a = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
b = torch.tensor([[10.0, 20.0, 30.0], [40.0, 50.0, 60.0]])
print(a + b)
print(a * b)  # 逐元素相乘，不是矩阵乘法
print(a**2)
print(torch.sqrt(a))

# %% [markdown]
# ### 矩阵乘法 `@`
#
# `*` 是逐元素乘法；矩阵乘法用 `@`（即 `torch.matmul`）。形状 $(n, k)$ 乘 $(k, m)$ 得到 $(n, m)$，中间的 $k$ 必须相等。对三维张量，`@` 把第一维当作**批**（batch），逐批做矩阵乘法。

# %%
# NBVAL_CHECK_OUTPUT
w = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])  # 形状 (3, 2)
print("a @ w:", a.shape, "@", w.shape, "->", (a @ w).shape)
print(a @ w)
batch = torch.ones(5, 2, 3)
print("batched:", batch.shape, "@", w.shape, "->", (batch @ w).shape)

# %% [markdown]
# ### 归约：沿某一维求和、求平均、求最大
#
# `sum`、`mean`、`max`、`argmax` 不给 `dim` 时归约整个张量；给了 `dim`，就**消掉那一维**：对形状 $(2, 3)$ 的 `a`，`dim=0` 把两行合并，每列得到一个数，结果形状 $(3,)$；`dim=1` 每行得到一个数，形状 $(2,)$。
#
# `keepdim=True` 保留被消掉的那一维，长度变成 1。这在第 7 节的广播里非常有用。

# %%
# NBVAL_CHECK_OUTPUT
print("a.sum() =", a.sum())
print("a.sum(dim=0) =", a.sum(dim=0), "shape", a.sum(dim=0).shape)
print("a.sum(dim=1) =", a.sum(dim=1), "shape", a.sum(dim=1).shape)
print("a.mean(dim=1, keepdim=True) shape", a.mean(dim=1, keepdim=True).shape)
values, indices = a.max(dim=1)
print("max of each row:", values, "at column", indices)

# %% [markdown]
# 一个常见的坑：`mean` 只对浮点数有定义。对整数张量求平均会报错，先用 `.float()` 转换：

# %%
# NBVAL_CHECK_OUTPUT
counts = torch.tensor([1, 2, 4])
try:
    counts.mean()
except RuntimeError as err:
    print("RuntimeError:", err)
print(counts.float().mean())

# %% [markdown]
# ## 4. dtype、shape、device
#
# 每个张量都带着三样信息：元素类型 `dtype`、形状 `shape`、所在设备 `device`。
#
# ### 默认类型与类型提升
#
# 整数默认 `int64`，浮点数默认 `float32`。两个不同类型的操作数运算时，PyTorch 按**类型提升**规则决定结果类型。有几条值得记住，因为它们和直觉（或和 C 语言）不同：

# %%
# NBVAL_CHECK_OUTPUT
i = torch.tensor([1, 2, 3])
j = torch.tensor([2, 2, 2])
print("int / int  ->", i / j, i.dtype, "/", j.dtype, "->", (i / j).dtype)  # 真除法：结果是浮点数！
print("int // int ->", i // j)  # 向下取整的除法，结果仍是整数
print("int64 tensor + 2.5 ->", (i + 2.5).dtype)  # 浮点标量让结果变成 float32
small = torch.tensor([1, 2], dtype=torch.int32)
print("int32 tensor + 5 ->", (small + 5).dtype)  # Python 整数不会把张量拉宽
pixels = torch.tensor([200, 250], dtype=torch.uint8)
print("uint8 200 + 100 ->", pixels + 100)  # 按 256 取模回绕！

# %% [markdown]
# 规则的要点：
#
# * `/` 永远是真除法，整数相除得到浮点数（默认 `float32`）；想要整数结果用 `//`。
# * **类别**（布尔 < 整数 < 浮点 < 复数）更高的操作数决定结果的类别。
# * 在同一类别里，Python 数字和 0 维张量**不会**把有维度的张量“拉宽”：`int32` 张量加 Python 的 `5` 还是 `int32`；`float32` 张量加一个 `float64` 的 0 维张量还是 `float32`。
# * 整数会溢出回绕：`uint8` 的 200 + 100 得到 44（300 − 256）。读进来的图片常常是 `uint8`，计算前先转成浮点数。
#
# `torch.result_type` 可以直接问 PyTorch 结果会是什么类型：

# %%
# NBVAL_CHECK_OUTPUT
f32 = torch.ones(2)
print(torch.result_type(f32, torch.tensor(1.0, dtype=torch.float64)))  # 0 维的 float64：结果仍是 float32
print(torch.result_type(f32, torch.ones(2, dtype=torch.float64)))  # 1 维的 float64：结果是 float64
print(torch.result_type(small, 5), torch.result_type(small, 5.0))

# %% [markdown]
# 用 `.to(dtype)`（或简写 `.float()`、`.long()`、`.half()`）转换类型。浮点数转整数是**向零截断**，不是四舍五入。如果张量已经是目标类型，`.to()` 直接返回它自己，不复制。

# %%
# NBVAL_CHECK_OUTPUT
v = torch.tensor([-1.7, -0.5, 0.5, 1.7])
print(v.to(torch.int64))  # 向零截断
print(v.round().long())  # 想取最接近的整数，就先 round；正好是 .5 时取偶数（“四舍六入五成双”，不是四舍五入）
print(i.to(torch.float32), i.to(torch.int64) is i)

# %% [markdown]
# ### 设备
#
# 张量默认在 CPU 上创建。`get_device()` 选出这台机器上最好的设备（CUDA，然后苹果的 MPS，最后 CPU）。`.to(device)` 把张量搬过去（已经在那儿就不复制），也可以用 `device=` 直接在目标设备上创建。参与同一次运算的张量必须在同一个设备上，否则会报错 `Expected all tensors to be on the same device`。
#
# 种子里的老写法 `x.cuda()` 只能在有 NVIDIA GPU 的机器上运行；`.to(device)` 在哪台机器上都能运行。第 04 章会细讲 GPU。下面这个单元格在 CPU 和 GPU 上输出完全一样：打印前用 `.cpu()` 把结果搬回来。

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
# 真正的设备名取决于机器，所以这个单元格的输出不参与比对：

# %%
# NBVAL_IGNORE_OUTPUT
# 设备名取决于机器：cpu、cuda:0 或 mps:0
print(z_dev.device)

# %% [markdown]
# ## 5. 索引和切片
#
# 和 NumPy、Python 列表一样：下标从 0 开始，负数从末尾数，`start:stop:step` 切片不含 `stop`。多维张量的每一维用逗号隔开。

# %%
# NBVAL_CHECK_OUTPUT
g = torch.arange(12).reshape(3, 4)
print(g)
print("g[0]       =", g[0])  # 第一行
print("g[1, 2]    =", g[1, 2])  # 一个元素（0 维张量）
print("g[:, 1]    =", g[:, 1])  # 第二列
print("g[-1]      =", g[-1])  # 最后一行
print("g[:, ::2]  =", g[:, ::2].tolist())  # 隔一列取一列
print("g[1:, -2:] =", g[1:, -2:].tolist())  # 右下角 2x2 的块

# %% [markdown]
# 和 NumPy 不同，PyTorch 的切片**不支持负步长**，`g[::-1]` 会报错。要倒序用 `torch.flip`：

# %%
# NBVAL_CHECK_OUTPUT
try:
    g[::-1]
except ValueError as err:
    print("ValueError:", err)
print(torch.flip(g, dims=[0]))

# %% [markdown]
# ### 布尔掩码
#
# 比较运算得到一个同形状的布尔张量（**掩码**）。用它来索引，就取出所有为 `True` 的元素，结果是一维的（按行优先顺序）。对掩码赋值则只改动那些位置。用 `&`、`|`、`~` 组合条件（不是 `and`、`or`、`not`），每个条件加括号。

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
# ### 整数数组索引（fancy indexing）、`torch.where` 和 `gather`
#
# * 用整数列表（或张量）当下标，一次取出多行；在两维上各给一个列表，则按**配对**取元素：`g[[0, 2], [1, 3]]` 取的是 `g[0, 1]` 和 `g[2, 3]`。
# * `torch.where(cond, a, b)` 逐元素地选：条件为真取 `a`，否则取 `b`。
# * `gather(dim, index)` 沿 `dim` 按 `index` 取值。典型用途：每行取出“正确类别”的分数。

# %%
# NBVAL_CHECK_OUTPUT
print("g[[0, 2]] =", g[[0, 2]].tolist())
print("g[[0, 2], [1, 3]] =", g[[0, 2], [1, 3]])
print(torch.where(g > 5, g, 0))

scores = torch.tensor([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.2, 0.6]])
labels = torch.tensor([1, 0, 2])
print("gather:  ", scores.gather(1, labels.unsqueeze(1)).squeeze(1))
print("indexing:", scores[torch.arange(3), labels])  # 同样的值

# %% [markdown]
# ## 6. 视图和副本：谁和谁共享内存
#
# 张量的数据放在一块一维的**存储**（storage）里。张量本身只是看待这块存储的一种方式：从哪里开始（offset）、形状，以及**步长**（stride）：沿每一维走一步，在存储里要跳过几个元素。
#
# 很多操作不复制数据，只是换一种看法，返回一个**视图**：`view`、基本切片、`transpose`/`.T`、`permute`、`unsqueeze`、`expand`……修改视图就是修改原张量。另一些操作则会复制：`clone()`、布尔掩码和整数数组索引、需要重新排列内存时的 `reshape` 和 `contiguous()`。
#
# 判断两个张量是否共享同一块存储，比较存储的地址即可：

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
# 修改视图，原张量跟着变；修改副本则互不影响：

# %%
# NBVAL_CHECK_OUTPUT
view = base.view(4, 3)
copy = base.clone()
view[0, 0] = 100
copy[0, 1] = -1
print(base)

# %% [markdown]
# ### 步长与内存布局
#
# `base` 的形状是 $(3, 4)$，步长是 $(4, 1)$：往下一行跳 4 个元素，往右一列跳 1 个。转置 `base.T` 不搬动数据，只是把步长换成 $(1, 4)$。下图中颜色表示元素在存储里的位置：转置后颜色不再按行依次排列，这就是**不连续**（non-contiguous）。

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
# `view` 只能在不需要搬动数据时工作。对不连续的 `base.T` 调用 `view(12)` 会报错；`reshape` 则在能给视图时给视图，给不了就悄悄复制（见上表中的 `base.T.reshape(12)`）。`contiguous()` 会按当前形状重新排一份连续的副本（已经连续时直接返回它自己）。
#
# 所以：**不要依赖 `reshape` 是否复制**。需要独立的数据时明确地 `clone()`；需要和原张量联动时，用一定返回视图的操作。

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
# ### `reshape` 不等于 `permute`
#
# 一张彩色图片在很多库里按 $(H, W, C)$（高、宽、通道）存放，而 PyTorch 的卷积层要的是 $(C, H, W)$。`permute(2, 0, 1)` **移动坐标轴**：新的第 0 维是原来的第 2 维。`reshape(C, H, W)` 形状也对，但它只是把同一串数字按新形状重新切分，根本不移动坐标轴，于是通道全乱了。看图：

# %%
H, W = 24, 36
rows = torch.linspace(0, 1, H).unsqueeze(1).expand(H, W)
cols = torch.linspace(0, 1, W).unsqueeze(0).expand(H, W)
disk = ((((rows - 0.5) * H) ** 2 + ((cols - 0.5) * W) ** 2) < 64).float()
image_hwc = torch.stack([cols, rows, disk], dim=2)  # (H, W, C)：红、绿、蓝

right = image_hwc.permute(2, 0, 1)  # (C, H, W)：移动坐标轴
wrong = image_hwc.reshape(3, H, W)  # 形状是 (C, H, W)，但数字被切错了地方
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
# 上面一行才是真正的红、绿、蓝三个通道；下面一行形状一模一样，内容却是乱的条纹。形状对了不代表数据对了——练习 03.1 就考这一点。

# %% [markdown]
# ## 7. 广播
#
# 形状不同的两个张量也能逐元素运算，只要它们能**广播**到同一个形状。规则（和 NumPy 相同）：
#
# 1. 把两个形状**靠右对齐**；维数少的一方在左边补长度为 1 的维。
# 2. 从右往左逐维比较：两个长度要么**相等**，要么**其中一个是 1**，否则报错。
# 3. 结果的每一维取两者中较大的长度；长度为 1 的一方沿这一维“复制”。
#
# 这种“复制”并不真的占用内存：`expand` 把那一维的步长设成 0，每一行都指向同一份数据。
#
# **例子**：列向量 $(3, 1)$ 加行向量 $(4,)$。对齐后是 $(3, 1)$ 和 $(1, 4)$，逐维比较：$3$ 对 $1$、$1$ 对 $4$，都合法，结果是 $(3, 4)$。

# %%
# NBVAL_CHECK_OUTPUT
col = torch.tensor([[0], [10], [20]])  # 形状 (3, 1)
row = torch.tensor([1, 2, 3, 4])  # 形状 (4,)
total = col + row
print(col.shape, "+", row.shape, "->", total.shape)
print(total)
print("row.expand(3, 4).stride() =", row.expand(3, 4).stride())  # 步长为 0：没有复制

# %% [markdown]
# 图中浅色的格子是被广播“复制”出来的（并不占用内存）：

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
# ### 一个失败的例子，以及 `keepdim`
#
# 想让矩阵的每一行减去**这一行**的平均值。`a` 的形状是 $(2, 3)$，`a.mean(dim=1)` 的形状是 $(2,)$。靠右对齐后比较最后一维：$3$ 对 $2$，既不相等也不是 1，于是报错：

# %%
# NBVAL_CHECK_OUTPUT
row_means = a.mean(dim=1)
print(a.shape, "-", row_means.shape)
try:
    a - row_means
except RuntimeError as err:
    print("RuntimeError:", err)

# %% [markdown]
# 错误信息里的 "tensor a" 和 "tensor b" 指运算的左右两边，"dimension 1" 是对齐后的维度编号。修正方法是保留被归约的那一维：`keepdim=True` 给出 $(2, 1)$，它和 $(2, 3)$ 可以广播。（也可以写 `row_means[:, None]` 或 `row_means.unsqueeze(1)`。）

# %%
# NBVAL_CHECK_OUTPUT
centered = a - a.mean(dim=1, keepdim=True)
print(a.shape, "-", a.mean(dim=1, keepdim=True).shape, "->", centered.shape)
print(centered)
print("row means now:", centered.mean(dim=1))

# %% [markdown]
# ### 更危险的是不报错的广播
#
# 报错至少会提醒你。更糟的是形状“碰巧”能广播：模型输出常是 $(N, 1)$，标签却是 $(N,)$。两者相减得到的不是 $N$ 个误差，而是 $(N, N)$ 的矩阵，损失算错了，却没有任何错误：

# %%
# NBVAL_CHECK_OUTPUT
prediction = torch.tensor([[1.0], [2.0], [3.0]])  # (3, 1)：只有一个输出的模型返回这种形状
target = torch.tensor([1.0, 2.0, 3.0])  # (3,)
print("shape of the difference:", (prediction - target).shape)
print(f"wrong MSE: {((prediction - target) ** 2).mean():.4f}")
print(f"right MSE: {((prediction.squeeze(1) - target) ** 2).mean():.4f}")

# %% [markdown]
# 预测完全正确，正确的均方误差是 0，错误的写法却得到 4/3：它是 3×3 矩阵里全部 9 个差值平方的平均，其中 6 个是拿某个预测去和别的样本的标签相减。养成习惯：运算前后打印或断言形状。（`nn.MSELoss` 遇到这种情况会发出警告，第 06 章会见到。）

# %% [markdown]
# ## 8. 与 NumPy 互相转换
#
# * `torch.from_numpy(array)` 和 `tensor.numpy()` **共享内存**：不复制，改一边另一边也变。
# * `torch.tensor(array)` 总是**复制**一份。
#
# 这只对 CPU 上的张量成立；GPU 上的张量要先 `.cpu()`（这一步就是复制）。

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
# 还有两点要注意：
#
# * `from_numpy` 保留 NumPy 的 `float64`，而模型参数通常是 `float32`。`.float()` 转成 `float32`，同时也就复制了一份。
# * 需要梯度的张量不能直接 `.numpy()`；先 `detach()`。在任意设备上都能用的写法是 `t.detach().cpu().numpy()`。

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
# ## 9. 原地操作
#
# 名字以下划线结尾的方法（`add_`、`mul_`、`zero_`、`clamp_`……）**原地**修改张量，不创建新张量。`x += 1` 也是原地的；而 `x = x + 1` 创建一个新张量，再让名字 `x` 指向它。很多函数还接受 `out=` 参数，把结果写进一个已有的张量。

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
# 原地操作省内存，但有两个陷阱。
#
# **陷阱一：别名。** `q = p` 不复制，只是给同一个张量起了第二个名字；视图也一样。于是对 `q` 的原地修改会改到 `p`。函数里原地修改参数，调用者的数据也就被改了（练习 03.4）。

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
print("data after the call:", data)  # 调用者的张量也被改了

# %% [markdown]
# **陷阱二：自动求导。** 反向传播时，有些运算需要前向时的值：$\frac{d}{dw} e^w = e^w$，所以 `exp` 会把它的输出保存起来。如果之后原地改了这个输出，保存的值就不对了。PyTorch 给每个张量记了一个版本号，发现被改过，`backward()` 就报错，而不是悄悄算出错误的梯度：

# %%
# NBVAL_CHECK_OUTPUT
w = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
e = w.exp()  # exp 为反向传播保存了它的输出
e.add_(1)  # ……而我们原地改写了它
try:
    e.sum().backward()
except RuntimeError as err:
    print("RuntimeError:", str(err).split(":")[0])

# %% [markdown]
# （完整信息还会说明是哪个张量、哪个运算，并建议用 `torch.autograd.set_detect_anomaly(True)` 找出罪魁祸首。）改成不原地的 `e = e + 1` 就没问题了：

# %%
# NBVAL_CHECK_OUTPUT
w = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
e = w.exp()
e = e + 1  # 新张量：保存的输出没被动过
e.sum().backward()
print("gradient:", w.grad)
print("exp(w):  ", w.exp().detach())

# %% [markdown]
# 对一个需要梯度的**叶子**张量（比如模型参数）做原地操作也会报错。叶子是计算图的起点，梯度最后要累积到它身上；一边记录计算图一边原地改写它，图里的值就和真正的值对不上了。优化器更新参数时，是在 `torch.no_grad()` 里做的，第 05 章和第 07 章会细讲：

# %%
# NBVAL_CHECK_OUTPUT
w = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
try:
    w.add_(1)
except RuntimeError as err:
    print("RuntimeError:", err)
with torch.no_grad():
    w.add_(1)  # 允许：autograd 不记录这一步
print(w)

# %% [markdown]
# ## 小结
#
# * 创建：`torch.tensor(list)`、`zeros/ones/full/eye/arange/linspace/rand/randn`、`*_like`、`torch.from_numpy`。
# * 运算：`*` 是逐元素乘法，`@` 是矩阵乘法；归约用 `dim` 指定消掉哪一维，`keepdim=True` 保留它。
# * 类型：整数默认 `int64`，浮点默认 `float32`；`int / int` 得到浮点数；`uint8` 会回绕；用 `.to(dtype)` 转换。
# * 设备：`device = get_device()`，然后 `.to(device)`；参与运算的张量要在同一设备上。
# * 视图和副本：`view`、切片、`.T`、`permute` 共享内存；掩码和整数数组索引、`clone()` 复制；`reshape` 可能复制也可能不复制。`reshape` 不移动坐标轴，`permute` 才移动。
# * 广播：靠右对齐，每一维要么相等要么有一个是 1。小心 $(N, 1)$ 和 $(N,)$ 悄悄广播成 $(N, N)$。
# * `from_numpy`/`.numpy()` 共享内存，`torch.tensor(array)` 复制。
# * 原地操作（`_` 结尾、`+=`、`out=`）会影响所有别名和视图，还可能破坏自动求导需要的值。
#
# 现在打开 `exercises/zh/03_tensors.ipynb` 做练习。

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **接下来：** [本章练习：03_tensors](../../exercises/zh/03_tensors.ipynb) · [下一章：04_gpu](04_gpu.ipynb)
