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
# # 05 · 自动求导（autograd）
#
# 训练神经网络，就是反复地“算损失 → 求梯度 → 更新参数”。其中求梯度这一步，PyTorch 的 **autograd** 全自动完成：
# 你只管用普通的 Python 代码做前向计算，PyTorch 一边执行一边把计算过程记成一张**图**，
# 调用 `backward()` 时再沿着这张图用链式法则把梯度算回去。
#
# 本章内容：
#
# 1. `requires_grad`、`backward()`、`.grad`：最小的例子；
# 2. 运行时建起来的图：`grad_fn`、`next_functions`，叶子张量与非叶子张量（`retain_grad`）；
# 3. 亲手搭一张小图，把 autograd 算出的**每一个**梯度和纸上推导的公式逐一核对，并把图画出来；
# 4. 回到种子教材里的 `Linear + MSELoss` 例子，看看 `loss.backward()` 到底做了什么；
# 5. 梯度会**累加**：为什么需要 `zero_grad()`，以及如何有意地利用累加（小批次累加 = 一个大批次）；
# 6. `torch.no_grad()`、`torch.inference_mode()`、`.detach()`，以及用 `requires_grad_(False)` 冻结参数；
# 7. 自定义 `torch.autograd.Function`，并用 `gradcheck` 验证它（也看它如何抓出写错的反向传播）；
# 8. 高阶导数（`create_graph=True`）和非标量输出的向量-雅可比积。

# %%
from course_utils import setup_notebook

setup_notebook()

# %%
import torch
from torch import nn

from course_utils import get_device

device = get_device()  # 有 GPU 用 GPU，否则用 CPU；本章的代码在两者上都能运行

# %% [markdown]
# ## 1. `requires_grad`、`backward()` 和 `.grad`
#
# 给张量设置 `requires_grad=True`，就是告诉 PyTorch：“以后我要对它求导，请记录所有用到它的运算。”
# 对结果（一个标量）调用 `.backward()`，梯度就会被写进这个张量的 `.grad` 属性。
#
# 例子：$y = x^2 + 3x$，在 $x = 2$ 处。纸上求导：$\dfrac{dy}{dx} = 2x + 3 = 7$。

# %%
# NBVAL_CHECK_OUTPUT
x = torch.tensor(2.0, requires_grad=True, device=device)
y = x**2 + 3 * x
print("y =", y.item())
print("before backward, x.grad =", x.grad)
y.backward()
print("after backward,  x.grad =", x.grad.item(), "(paper: 2*2 + 3 = 7)")

# %% [markdown]
# 几条规则：
#
# * 新建的张量默认 `requires_grad=False`；只有浮点（和复数）张量能求导。
# * 只要参与运算的输入里有一个 `requires_grad=True`，结果也就 `requires_grad=True`，并带有一个 `grad_fn`。
# * 模型的参数（`nn.Parameter`）默认 `requires_grad=True`，所以训练时你几乎不用手动设置它。

# %%
# NBVAL_CHECK_OUTPUT
a = torch.tensor([1.0, 2.0])
w = torch.tensor([0.5, -1.0], requires_grad=True)
print("a.requires_grad:", a.requires_grad)
print("(a * 2).requires_grad:", (a * 2).requires_grad)
print("(a * w).requires_grad:", (a * w).requires_grad)
print("nn.Linear weight requires_grad:", nn.Linear(2, 1).weight.requires_grad)
try:
    torch.tensor([1, 2], requires_grad=True)
except RuntimeError as err:
    print("RuntimeError:", err)

# %% [markdown]
# ## 2. 图是在代码运行时建起来的
#
# 每一次运算都会在结果张量上挂一个 `grad_fn`：它是反向传播时要执行的那个“反向节点”，
# 比如乘法对应 `MulBackward0`。每个节点的 `next_functions` 指向它的输入各自的节点，
# 于是从输出出发，顺着 `next_functions` 就能走遍整张图。
#
# * **叶子张量**（leaf）：由你直接创建的张量（以及模型参数），`is_leaf` 为 `True`，`grad_fn` 为 `None`。
#   在图里，它们对应 `AccumulateGrad` 节点：反向传播走到这里，就把梯度**累加**进 `.grad`。
# * **非叶子张量**：由运算产生的中间结果。为了省内存，反向传播**不会**保存它们的 `.grad`；
#   如果你想看，就在 `backward()` 之前对它调用 `.retain_grad()`。

# %%
# NBVAL_CHECK_OUTPUT
x = torch.tensor(3.0, requires_grad=True)
h = x * 2  # 非叶子张量
out = h**2
print("x.is_leaf:", x.is_leaf, "| x.grad_fn:", x.grad_fn)
print("h.is_leaf:", h.is_leaf, "| h.grad_fn:", type(h.grad_fn).__name__)
print("out.grad_fn:", type(out.grad_fn).__name__)
print("out.grad_fn.next_functions:", [type(n).__name__ for n, _ in out.grad_fn.next_functions])
print("h.grad_fn.next_functions:  ", [type(n).__name__ for n, _ in h.grad_fn.next_functions])

# %% [markdown]
# `next_functions` 里的 `NoneType` 对应乘法的另一个输入：常数 `2` 不需要梯度，所以那条边是空的。
#
# 读一个非叶子张量的 `.grad`，得到的是 `None`，而且 PyTorch 会发出一条警告提醒你。
# 下面把警告捕获下来，只打印它的第一句；然后用 `retain_grad()` 再做一次。

# %%
# NBVAL_CHECK_OUTPUT
import warnings

out.backward()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print("h.grad:", h.grad)
print("warning:", str(caught[0].message).split(". ")[0] + ".")

x = torch.tensor(3.0, requires_grad=True)
h = x * 2
h.retain_grad()  # 请 autograd 把 h 的梯度也留下来
out = h**2
out.backward()
print("with retain_grad: h.grad =", h.grad.item(), "(d out/dh = 2h = 12)")
print("x.grad =", x.grad.item(), "(d out/dx = 2h * 2 = 24)")

# %% [markdown]
# ## 3. 亲手搭一张小图，逐个核对梯度
#
# 取三个输入的函数
#
# $$f(x, y, z) = z\,\bigl(x y + \sin x\bigr)^2 .$$
#
# 把它拆成一步一步的中间量（这正是 autograd 记录的图）：
#
# $$u = x y,\quad v = \sin x,\quad s = u + v,\quad q = s^2,\quad f = z\,q .$$
#
# **纸上推导**（链式法则，从输出往回走）：
#
# * $\dfrac{\partial f}{\partial z} = q = s^2$
# * $\dfrac{\partial f}{\partial s} = z \cdot 2s$
# * $\dfrac{\partial f}{\partial y} = \dfrac{\partial f}{\partial s}\,\dfrac{\partial s}{\partial y} = 2zs \cdot x$
# * $\dfrac{\partial f}{\partial x} = \dfrac{\partial f}{\partial s}\Bigl(\dfrac{\partial u}{\partial x} + \dfrac{\partial v}{\partial x}\Bigr) = 2zs\,(y + \cos x)$
#
# 注意 $x$ 走了**两条路**（经过 $u$ 和经过 $v$）到达输出，它的梯度是两条路的贡献之**和**。
# autograd 也是这么做的：两条路的梯度在 $x$ 的 `AccumulateGrad` 节点汇合、相加。
#
# 下面在 $x = 2, y = 0.5, z = 1.5$ 处计算，保留中间量 $s$ 的梯度，然后把 autograd 的结果和公式并排打印。

# %%
x = torch.tensor(2.0, requires_grad=True, device=device)
y = torch.tensor(0.5, requires_grad=True, device=device)
z = torch.tensor(1.5, requires_grad=True, device=device)

u = x * y
v = torch.sin(x)
s = u + v
s.retain_grad()
q = s**2
f = z * q
f.backward()

with torch.no_grad():  # 纸上的公式：只是普通的数值计算，不需要记录图
    paper = {
        "df/dx": 2 * z * s * (y + torch.cos(x)),
        "df/dy": 2 * z * s * x,
        "df/dz": s**2,
        "df/ds": 2 * z * s,
    }
autograd = {"df/dx": x.grad, "df/dy": y.grad, "df/dz": z.grad, "df/ds": s.grad}

print(f"f = {f.item():.4f}")
print(f"{'gradient':<8} {'autograd':>9} {'paper':>9}  match")
for name, value in autograd.items():
    match = torch.allclose(value, paper[name])
    print(f"{name:<8} {value.item():9.4f} {paper[name].item():9.4f}  {match}")

# %% [markdown]
# 四个梯度全部吻合。现在用 `course_utils/graphs.py` 里的 `draw_backward_graph` 把这张图画出来（打开看看，代码不长）。它从 `f.grad_fn` 出发，顺着 `next_functions` 遍历，
# 把每个节点放在“离输出最远的那一层”，这样所有叶子都落在底部。
# 蓝色方框是反向节点（并标出它产生的中间量），绿色方框是叶子张量和它的 `.grad`，橙色是输出张量。
# 箭头就是 `next_functions`，也是梯度流动的方向。

# %%
import matplotlib.pyplot as plt

from course_utils.graphs import draw_backward_graph

fig = draw_backward_graph(f, {"x": x, "y": y, "z": z, "u": u, "v": v, "s": s, "q": q, "f": f},
                          "Backward graph of f = z * (x*y + sin(x))**2  (arrows: next_functions, gradient flow)")
plt.show()

# %% [markdown]
# 从图上可以读出三件事：
#
# * 图的结构和前向代码一一对应：每做一次运算就多一个节点，节点的 `next_functions` 指向产生它输入的那些节点。
# * 叶子 $x$ 的 `AccumulateGrad` 有**两个**箭头进来（来自 `MulBackward0` 和 `SinBackward0`），梯度在这里相加。
# * 反向节点保存了它需要的前向数值（比如 `SinBackward0` 保存了 $x$，以便计算 $\cos x$）。
#   `backward()` 用完后，这些保存的数值就被释放了，所以同一张图默认只能反向传播一次：

# %%
# NBVAL_CHECK_OUTPUT
try:
    f.backward()
except RuntimeError as err:
    print("RuntimeError:", str(err).split(". ")[0] + ".")

# %% [markdown]
# 需要对同一张图反向传播两次时（很少见），第一次调用 `backward(retain_graph=True)`。
# 更常见的做法是：每一步重新做一次前向计算，自然就得到一张新图——这正是训练循环做的事。

# %% [markdown]
# ## 4. 回到种子教材的例子：`Linear + MSELoss`
#
# 种子教材的 “Hello World” 里有这样几行：前向、算损失、`loss.backward()`、`optimizer.step()`、`optimizer.zero_grad()`。
# 这里把它写成可重复的版本（先固定随机种子；`setup_notebook()` 已经做了），并看看 `backward()` 算出了什么。
# （教材里 `super(Model, self).__init__()` 是旧写法，现在写 `super().__init__()`，第 06 章细讲 `nn.Module`。）

# %%
model = nn.Linear(2, 1).to(device)
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

inputs = torch.randn(4, 2, device=device)
targets = torch.randn(4, 1, device=device)

loss = criterion(model(inputs), targets)
print(f"loss = {loss.item():.4f}")


from course_utils.graphs import print_graph

print_graph(loss.grad_fn, shapes=True)

# %% [markdown]
# `nn.Linear` 计算 $\hat y = X W^\top + b$（一个 `AddmmBackward0` 节点；`TBackward0` 是转置 $W^\top$），
# 两个叶子就是权重 $W$（形状 `(1, 2)`）和偏置 $b$（形状 `(1,)`）。
# 对 $N$ 个样本取平均的均方误差 $L = \frac1N\sum_i(\hat y_i - y_i)^2$，纸上求导得到
#
# $$\frac{\partial L}{\partial W} = \frac{2}{N}(\hat y - y)^\top X, \qquad \frac{\partial L}{\partial b} = \frac{2}{N}\sum_i(\hat y_i - y_i).$$

# %%
loss.backward()
with torch.no_grad():
    residual = model(inputs) - targets
    paper_w = 2 / len(inputs) * residual.T @ inputs
    paper_b = 2 / len(inputs) * residual.sum(dim=0)
print("weight.grad (autograd):", model.weight.grad.cpu())
print("weight.grad (paper):   ", paper_w.cpu())
print("bias.grad   (autograd):", model.bias.grad.cpu(), " (paper):", paper_b.cpu())
print("match:", torch.allclose(model.weight.grad, paper_w), torch.allclose(model.bias.grad, paper_b))

# %% [markdown]
# 接着 `optimizer.step()` 用这些梯度更新参数，`optimizer.zero_grad()` 清空梯度。
# 从 PyTorch 2.0 起，`zero_grad()` 默认把 `.grad` 设为 `None`（`set_to_none=True`），而不是填零，这样更省内存：

# %%
# NBVAL_CHECK_OUTPUT
optimizer.step()
optimizer.zero_grad()
print("after zero_grad(): weight.grad =", model.weight.grad)

# %% [markdown]
# 为什么一定要清空？这就是下一节的内容。
#
# ## 5. 梯度会累加
#
# `backward()` 不是把梯度**写入** `.grad`，而是**加到** `.grad` 上。对同一个函数算两次前向、反向两次，梯度就翻倍：

# %%
# NBVAL_CHECK_OUTPUT
x = torch.tensor(2.0, requires_grad=True)
for i in range(3):
    y = x**2 + 3 * x  # 每次都重新前向计算：新的一张图
    y.backward()
    print(f"after backward #{i + 1}: x.grad = {x.grad.item()}")
x.grad = None  # 手动清空（optimizer.zero_grad() 对每个参数做的就是这件事）
(x**2 + 3 * x).backward()
print("after clearing and one more backward: x.grad =", x.grad.item())

# %% [markdown]
# ### 忘了 `zero_grad()` 会怎样？
#
# 下面用同一份数据训练一条直线 $y \approx 2x + 1$，一次每步都清空梯度，一次忘了清空。
# 忘记清空时，第 $t$ 步用的“梯度”其实是前面所有步梯度之和：越过最低点之后，旧的梯度还在把参数往前推，于是损失来回震荡，始终降不下来。

# %%
X = torch.linspace(-1, 1, 32, device=device).unsqueeze(1)
Y = 2 * X + 1 + 0.1 * torch.randn(X.shape, device=device)


def train_line(zero_grad, steps=60, lr=0.1):
    """Fit a line with SGD; return the loss of every step."""
    torch.manual_seed(0)
    line = nn.Linear(1, 1).to(device)
    opt = torch.optim.SGD(line.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        if zero_grad:
            opt.zero_grad()
        loss = nn.functional.mse_loss(line(X), Y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


with_zero = train_line(zero_grad=True)
without_zero = train_line(zero_grad=False)
print(f"final loss with zero_grad:    {with_zero[-1]:.4f}")
print(f"final loss without zero_grad: {without_zero[-1]:.4f}")

plt.figure(figsize=(7, 4))
plt.plot(with_zero, label="opt.zero_grad() every step")
plt.plot(without_zero, label="zero_grad forgotten (gradients pile up)")
plt.yscale("log")
plt.ylim(1e-3, 5)
plt.xlabel("step")
plt.ylabel("MSE loss (log scale)")
plt.title("Same data, same lr: forgetting zero_grad breaks training")
plt.legend(loc="lower left")
plt.show()

# %% [markdown]
# ### 有意地累加：小批次累加 = 一个大批次
#
# 累加也有正当用途。显存放不下 32 个样本的批次？那就分成 4 个 8 样本的小批次（micro-batch），
# 每个算一次 `backward()`，让梯度累加起来，最后才 `step()`。
# 要和大批次**完全一样**，每个小批次的损失要除以小批次的个数：因为大批次的损失是对 32 个样本取平均，
# 而每个小批次只对 8 个取平均。

# %%
net = nn.Linear(3, 1).to(device)
data = torch.randn(32, 3, device=device)
target = torch.randn(32, 1, device=device)

net.zero_grad()
nn.functional.mse_loss(net(data), target).backward()
big_batch = [p.grad.clone() for p in net.parameters()]

n_micro = 4
net.zero_grad()  # 只在开始时清空一次
for xb, yb in zip(data.chunk(n_micro), target.chunk(n_micro)):
    (nn.functional.mse_loss(net(xb), yb) / n_micro).backward()  # 梯度在 .grad 里累加
accumulated = [p.grad.clone() for p in net.parameters()]

for name, g_big, g_acc in zip(["weight", "bias"], big_batch, accumulated):
    print(f"{name}: big batch {g_big.flatten().cpu()}  accumulated {g_acc.flatten().cpu()}  "
          f"match {torch.allclose(g_big, g_acc, atol=1e-6)}")

# %% [markdown]
# 两个常见错误：忘了除以 `n_micro`（梯度变成 4 倍），或者在循环**里面**调用 `zero_grad()`（只剩最后一个小批次的梯度）。
# 练习 05.2 会考你这一点。
#
# ## 6. 不需要梯度的时候：`no_grad`、`inference_mode`、`detach`
#
# 记录计算图要花时间和内存（要保存中间结果）。评估模型、手动更新参数、画图或记日志时，我们并不需要图。
#
# ### `torch.no_grad()`
#
# 在 `with torch.no_grad():` 里面做的运算不记录图，结果的 `requires_grad` 为 `False`。
# 它也是手写参数更新的标准写法：直接对需要梯度的叶子张量做原地修改是不允许的。

# %%
# NBVAL_CHECK_OUTPUT
w = torch.tensor([1.0, -2.0], requires_grad=True)
loss = (w**2).sum()
loss.backward()

with torch.no_grad():
    pred = w * 3
print("inside no_grad: pred.requires_grad =", pred.requires_grad)
print("grad mode back on after the block:", torch.is_grad_enabled())

try:
    w -= 0.1 * w.grad  # 不在 no_grad 里：报错
except RuntimeError as err:
    print("RuntimeError:", err)

with torch.no_grad():
    w -= 0.1 * w.grad  # 这就是 optimizer.step() 内部做的事
print("after a manual SGD step: w =", w, "| still a leaf:", w.is_leaf)

# %% [markdown]
# `torch.no_grad()` 也可以当装饰器用：`@torch.no_grad()` 放在函数定义上面，整个函数都不记录图。
# 注意：`no_grad` **不会**把模型切换到评估模式；像 Dropout、BatchNorm 这样的层，还要靠 `model.eval()`（第 06 章）。
#
# ### `torch.inference_mode()`
#
# `inference_mode` 是更彻底的 `no_grad`：除了不记录图，它还跳过版本计数等簿记工作，所以推理更快一点。
# 代价是：在里面创建的张量是“推理张量”。出了 `inference_mode`，推理张量照样可以读，也可以出现在需要求导的计算里：`w + features` 没有问题，因为加法在反向传播时用不到输入。它**不能**做的是两件事：被**保存下来供反向传播使用**（乘法的因子就要保存：一个因子的梯度要用到另一个因子），以及被**原地修改**。在 `inference_mode` 外面 `clone()` 一份，得到的就又是普通张量了。

# %%
# NBVAL_CHECK_OUTPUT
with torch.inference_mode():
    features = torch.ones(3) * 2
print("features.is_inference():", features.is_inference())


def first_sentence(err):
    return str(err).split(".")[0] + "."


w = torch.ones(3, requires_grad=True)
(w + features).sum().backward()  # 加法不需要为反向传播保存输入：可以
print("w + features works: w.grad =", w.grad)

w.grad = None
try:
    (w * features).sum().backward()  # 乘法要为反向传播保存 features
except RuntimeError as err:
    print("w * features -> RuntimeError:", first_sentence(err))

(w * features.clone()).sum().backward()  # 在 inference_mode 外面 clone 一份，就是普通张量了
print("with a clone: w.grad =", w.grad)

try:
    features.add_(1)  # 在 inference_mode 外面原地修改
except RuntimeError as err:
    print("features.add_(1) -> RuntimeError:", first_sentence(err))

# %% [markdown]
# 经验法则：纯推理（部署、批量预测）用 `inference_mode`；如果算出来的结果之后可能还要参与训练，用 `no_grad`。
#
# ### `.detach()`
#
# `t.detach()` 返回一个和 `t` **共享内存**的新张量，但它从图上断开了：不需要梯度，也没有 `grad_fn`。
# 用途：把张量转成 NumPy（画图、记日志）；在计算里“截断”梯度（把某个量当成常数）。

# %%
# NBVAL_CHECK_OUTPUT
x = torch.tensor([1.0, 2.0], requires_grad=True)
try:
    x.numpy()
except RuntimeError as err:
    print("RuntimeError:", err)
d = x.detach()
print("d.requires_grad:", d.requires_grad, "| shares memory with x:", d.data_ptr() == x.data_ptr())
print("as NumPy:", d.numpy())

# 截断梯度：x * x 的导数是 2x；把其中一个 x 当成常数，导数就只剩 x
(x * x).sum().backward()
print("d/dx sum(x * x)          =", x.grad)
x.grad = None
(x * x.detach()).sum().backward()
print("d/dx sum(x * x.detach()) =", x.grad)

# %% [markdown]
# ### 冻结参数：`requires_grad_(False)`
#
# 迁移学习里常常只训练最后一层，其余层“冻结”。做法是把这些**参数**的 `requires_grad` 设为 `False`，
# 反向传播就不会为它们计算梯度。`nn.Module` 的 `requires_grad_(False)` 方法会对它的所有参数这样做。
#
# 一个陷阱：`layer.requires_grad = False`（赋值，不是调用方法）只是给模块对象加了一个普通的 Python 属性，参数一个也没冻住：

# %%
# NBVAL_CHECK_OUTPUT
def count_trainable(module):
    """Number of parameter values that will receive a gradient."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


mlp = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1)).to(device)
print("trainable at the start:            ", count_trainable(mlp))

mlp[0].requires_grad = False  # 错误：只是一个普通属性
print("after mlp[0].requires_grad = False:", count_trainable(mlp))

mlp[0].requires_grad_(False)  # 正确：方法，会设置每个参数
print("after mlp[0].requires_grad_(False):", count_trainable(mlp))

mlp(torch.randn(5, 4, device=device)).sum().backward()
print("frozen layer's weight.grad:", mlp[0].weight.grad)
print("last layer's weight.grad shape:", tuple(mlp[2].weight.grad.shape))

# 只把需要训练的参数交给优化器
optimizer = torch.optim.SGD([p for p in mlp.parameters() if p.requires_grad], lr=0.1)
print("parameter tensors in the optimizer:", len(optimizer.param_groups[0]["params"]))

# %% [markdown]
# | 工具 | 作用 | 什么时候用 |
# | --- | --- | --- |
# | `with torch.no_grad():` | 块内不记录图 | 评估、手写参数更新；结果之后还可能参与训练 |
# | `with torch.inference_mode():` | 不记录图，并跳过更多簿记，更快 | 纯推理；结果不再参与求导 |
# | `t.detach()` | 得到一个从图上断开、共享内存的张量 | 转 NumPy、记日志、把某个量当常数 |
# | `p.requires_grad_(False)` | 这个参数不再需要梯度 | 冻结模型的一部分 |
#
# ## 7. 自定义 `torch.autograd.Function`
#
# 有时你想自己规定某个运算的反向传播：公式在数值上更稳定、更快，或者故意用一个“假的”梯度。
# 这时写一个 `torch.autograd.Function` 的子类，实现两个静态方法：
#
# * `forward(ctx, ...)`：正常计算，用 `ctx.save_for_backward(...)` 保存反向需要的张量；
# * `backward(ctx, grad_output)`：拿到“输出的梯度” `grad_output`，返回**每个输入**各自的梯度（链式法则：局部导数 × `grad_output`）。
#
# 例子：softplus $\;\operatorname{softplus}(x) = \log(1 + e^x)$。直接照公式写，$x = 100$ 时 $e^{100}$ 在 float32 里溢出成 `inf`，
# 梯度变成 `nan`。换一种写法 $\max(x, 0) + \log(1 + e^{-|x|})$ 就不会溢出；它的导数是 $\sigma(x) = 1 / (1 + e^{-x})$。
# （PyTorch 自带 `nn.functional.softplus`，这里自己写是为了学习。）

# %%
class StableSoftplus(torch.autograd.Function):
    """softplus(x) = log(1 + exp(x)), computed without overflow, with a hand-written backward."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0) + torch.log1p(torch.exp(-x.abs()))

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * torch.sigmoid(x)  # 局部导数 sigmoid(x) 乘以输出的梯度


points = torch.tensor([-100.0, 0.0, 100.0], device=device)
for name, fn in [("naive", lambda t: torch.log(1 + torch.exp(t))), ("stable", StableSoftplus.apply)]:
    x = points.clone().requires_grad_()
    out = fn(x)
    out.sum().backward()
    print(f"{name:>6}: value {out.detach().cpu()}  grad {x.grad.cpu()}")

# %% [markdown]
# 朴素写法在 $x = 100$ 处值是 `inf`、梯度是 `nan`（反向时算了 $\infty \cdot 0$）；自定义版本给出正确的 100 和 1。
#
# ### 用 `gradcheck` 验证反向传播
#
# 手写的 `backward` 很容易写错。`torch.autograd.gradcheck` 用有限差分 $\frac{f(x+\varepsilon) - f(x-\varepsilon)}{2\varepsilon}$
# 数值地估计雅可比矩阵，再和你的 `backward` 给出的比较。有限差分需要高精度，所以输入要用 **float64**（`dtype=torch.double`）。

# %%
# NBVAL_CHECK_OUTPUT
from torch.autograd.gradcheck import GradcheckError

# gradcheck 在 CPU 上用 float64 做（苹果的 MPS 不支持 float64）
x64 = torch.randn(6, dtype=torch.double, requires_grad=True)
print("gradcheck(StableSoftplus):", torch.autograd.gradcheck(StableSoftplus.apply, (x64,)))


class WrongSoftplus(StableSoftplus):
    """The same forward with a wrong backward: exp(x) is the derivative of exp, not of softplus."""

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * torch.exp(x)


try:
    torch.autograd.gradcheck(WrongSoftplus.apply, (x64,))
except GradcheckError as err:
    print("GradcheckError:", str(err).splitlines()[0])

# %% [markdown]
# `gradcheck` 指出了是**哪个输出对哪个输入**的雅可比矩阵不对（完整的报错还会打印数值和解析两个矩阵）。
# 有多个输入时，`backward` 要按 `forward` 参数的顺序返回同样多个梯度；不需要梯度的参数（比如一个 Python 数）对应返回 `None`。
#
# 自定义 Function 也可以**故意**不返回真实的导数。例如量化训练里常用的“直通估计”（straight-through estimator）：
# 前向做截断（clamp），反向假装它是恒等函数，让梯度原样通过。`gradcheck` 当然会拒绝它——因为它本来就不是真实的导数。

# %%
# NBVAL_CHECK_OUTPUT
class ClampStraightThrough(torch.autograd.Function):
    """clamp(x, lo, hi) forward; the gradient passes straight through, as if it were the identity."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        return x.clamp(lo, hi)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, None, None  # lo、hi 是 Python 数，不需要梯度


x = torch.tensor([-2.0, 0.5, 2.0], requires_grad=True)
torch.clamp(x, -1, 1).sum().backward()
print("torch.clamp grad:     ", x.grad)
x.grad = None
ClampStraightThrough.apply(x, -1.0, 1.0).sum().backward()
print("straight-through grad:", x.grad)

# %% [markdown]
# ## 8. 高阶导数：`create_graph=True`
#
# `torch.autograd.grad(outputs, inputs)` 和 `backward()` 一样做反向传播，但它把梯度**返回**给你，而不是累加进 `.grad`。
# 加上 `create_graph=True`，反向传播本身也会被记录成图，于是得到的梯度还可以再求导。
#
# 例子：$f(x) = x^3$，纸上求导 $f'(x) = 3x^2$，$f''(x) = 6x$。

# %%
# NBVAL_CHECK_OUTPUT
x = torch.tensor(3.0, requires_grad=True, device=device)
y = x**3
(dy,) = torch.autograd.grad(y, x, create_graph=True)  # dy 自己也带着图
(d2y,) = torch.autograd.grad(dy, x)
print(f"f'(3)  autograd {dy.item():.4f}  paper 3*3**2 = {3 * 3**2}")
print(f"f''(3) autograd {d2y.item():.4f}  paper 6*3 = {6 * 3}")

x = torch.tensor(3.0, requires_grad=True)
(dy,) = torch.autograd.grad(x**3, x)  # 忘了 create_graph=True
print("without create_graph, dy.requires_grad =", dy.requires_grad)
try:
    torch.autograd.grad(dy, x)
except RuntimeError as err:
    print("RuntimeError:", err)

# %% [markdown]
# 对一整个向量逐点求导时，有一个常用技巧：函数是逐元素的，所以 $\sum_i f(x_i)$ 对 $x_i$ 的导数就是 $f'(x_i)$。
# 下面对 $\sin$ 求一阶和二阶导数，并和纸上的 $\cos x$、$-\sin x$ 比较。

# %%
xs = torch.linspace(-2 * torch.pi, 2 * torch.pi, 200, device=device, requires_grad=True)
ys = torch.sin(xs)
(d1,) = torch.autograd.grad(ys.sum(), xs, create_graph=True)
(d2,) = torch.autograd.grad(d1.sum(), xs)
print("first derivative matches cos(x):  ", torch.allclose(d1, torch.cos(xs), atol=1e-6))
print("second derivative matches -sin(x):", torch.allclose(d2, -torch.sin(xs), atol=1e-6))

grid = xs.detach().cpu()
plt.figure(figsize=(9, 4))
plt.plot(grid, ys.detach().cpu(), label="sin(x)")
plt.plot(grid, d1.detach().cpu(), label="autograd: first derivative")
plt.plot(grid, d2.detach().cpu(), label="autograd: second derivative")
plt.plot(grid[::10], torch.cos(grid[::10]), "o", color="tab:orange", label="paper: cos(x)")
plt.plot(grid[::10], -torch.sin(grid[::10]), "s", color="tab:green", label="paper: -sin(x)")
plt.xlabel("x")
plt.title("Derivatives of sin computed by autograd (create_graph=True)")
plt.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
plt.tight_layout()
plt.show()

# %% [markdown]
# 高阶导数在物理信息神经网络（PINN）、梯度惩罚（例如 WGAN-GP）和元学习中都会用到。
#
# ## 9. 非标量输出：`backward(gradient=...)` 与向量-雅可比积
#
# `backward()` 默认要求输出是一个标量。输出是向量 $\mathbf y = g(\mathbf x)$ 时，要先告诉它一个向量 $\mathbf v$，
# 它算的是**向量-雅可比积** $\mathbf v^\top J$（$J_{ij} = \partial y_i / \partial x_j$），而不用把整个 $J$ 构造出来。
# 训练时的 `loss.backward()` 其实就是 $\mathbf v = 1$ 的特例。

# %%
# NBVAL_CHECK_OUTPUT
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x**2
try:
    y.backward()
except RuntimeError as err:
    print("RuntimeError:", err)

vec = torch.tensor([1.0, 0.1, 0.01])
y.backward(gradient=vec)
jacobian = torch.autograd.functional.jacobian(lambda t: t**2, x.detach())
print("Jacobian of x**2:\n", jacobian)
print("x.grad  =", x.grad)
print("v^T J   =", vec @ jacobian)
print("match:", torch.allclose(x.grad, vec @ jacobian))

# %% [markdown]
# ## 小结
#
# * `requires_grad=True` 的张量参与的运算会被记录成一张图；`backward()` 沿图反向、按链式法则把梯度**累加**进叶子的 `.grad`。
# * `grad_fn` 和 `next_functions` 让你看到这张图；非叶子张量的梯度默认不保留，需要时用 `retain_grad()`。
# * 一个输入走多条路到达输出时，各条路的梯度相加——和纸上的多元链式法则一致。
# * 梯度会累加：每个训练步开始时 `zero_grad()`；想用小批次模拟大批次，就有意累加，并把损失除以小批次数。
# * `no_grad` 用于评估和手写更新，`inference_mode` 用于纯推理，`detach()` 用于断开某个张量，`requires_grad_(False)` 用于冻结参数。
# * 自定义 `autograd.Function` 写 `forward`/`backward`，一定要用 float64 输入跑一遍 `gradcheck`。
# * `create_graph=True` 让梯度本身可以再求导；向量输出用 `backward(gradient=v)` 得到 $\mathbf v^\top J$。
#
# 下一章（06）用 `nn.Module` 搭建模型；现在打开 `exercises/zh/05_autograd.ipynb` 做练习吧。

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **接下来：** [本章练习：05_autograd](../../exercises/zh/05_autograd.ipynb) · [下一章：06_nn](06_nn.ipynb)
