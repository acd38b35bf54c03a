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
# # 06 · 神经网络模块 `torch.nn`
#
# 第 05 章里，我们手动让张量 `requires_grad`，再用 `backward()` 求梯度。真正搭模型时，没人会一个一个地管理权重张量：
# `torch.nn` 把“一组参数 + 用它们做的计算”打包成**模块**（`nn.Module`），模块可以层层嵌套，
# 一个调用就能列出、保存、搬到 GPU、切换训练/评估模式。
#
# 本章内容：
#
# 1. 种子教材的 Hello World：`Linear(2, 1)` + `MSELoss` + `SGD` 走**一步**，逐行讲清楚，并亲手验算这一步更新；
# 2. `nn.Module` 里装了什么：参数、buffer、子模块，以及“忘了注册”这个经典错误；
# 3. `nn.Sequential`；
# 4. 常用层：`Linear`、`Conv2d` 的形状、`Dropout`、`BatchNorm` 的滑动统计量；
# 5. 激活函数：ReLU、GELU、Sigmoid、Tanh 的曲线；
# 6. 一个小 MLP：把前面的零件拼起来，训练一个二维分类器；
# 7. 参数：`named_parameters`、数参数、冻结参数（`requires_grad`）；
# 8. `train()` 和 `eval()` 模式；
# 9. `state_dict`：保存、加载、`strict`，以及键名对不上时怎么办；
# 10. 钩子（hook）：观察每一层的激活值和梯度；
# 11. 损失函数：`MSELoss`、`L1Loss`、`CrossEntropyLoss`（以及先做 softmax 这个经典错误）、`BCEWithLogitsLoss`；
# 12. 参数初始化（简要）。

# %%
from course_utils import setup_notebook

setup_notebook()

# %%
import torch
from torch import nn

from course_utils import get_device

device = get_device()  # 有 GPU 用 GPU，否则用 CPU；本章的代码在两者上都能运行


def fmt(t):
    """Format a tensor's values with 4 decimals on one line (works for CPU and GPU tensors)."""
    return "[" + ", ".join(f"{v:.4f}" for v in t.detach().flatten().tolist()) + "]"


# %% [markdown]
# ## 1. 种子教材的 Hello World，走一步
#
# 种子教材用一个只有一层的模型演示了一次完整的训练步骤。下面是它的现代写法，有两处改动：
#
# * `super().__init__()` 取代了 `super(Model, self).__init__()`。两者在这里效果完全相同；
#   后者是 Python 2 时代的写法，要把类名再写一遍：类一改名，或者这段代码被复制到另一个类里，这里就得跟着改，忘了改就会报错，甚至跳过某个父类的 `__init__`。
#   Python 3 里不带参数的 `super()` 会自己找到当前的类和实例。
# * 随机数固定了（`setup_notebook()` 已经设置了种子），所以每次运行、每台机器上看到的数都一样。
#   输入是在 CPU 上生成再搬到 `device` 上的：CPU 和 GPU 的随机数生成器不同，这样两边拿到的是同一组数。

# %%
# NBVAL_CHECK_OUTPUT
class Model(nn.Module):
    def __init__(self):
        super().__init__()  # 先让 nn.Module 建好它的“登记簿”，之后才能挂上子模块
        self.linear = nn.Linear(2, 1)  # 全连接层：2 个输入特征 → 1 个输出

    def forward(self, x):
        return self.linear(x)


model = Model().to(device)
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

x = torch.randn(2, 2).to(device)  # 2 个样本，每个样本 2 个特征
y = torch.randn(2, 1).to(device)  # 每个样本 1 个目标值

print(model)
for name, p in model.named_parameters():
    print(f"{name:<14} shape={tuple(p.shape)}  values={fmt(p)}")

# %% [markdown]
# 逐行来看：
#
# * **`class Model(nn.Module)`**：模型是 `nn.Module` 的子类。你只需要写两个方法：`__init__` 里创建各层，`forward` 里写计算。
# * **`super().__init__()`**：`nn.Module.__init__` 会建好几本“登记簿”（参数、buffer、子模块各一本）。
#   之后 `self.linear = ...` 这样的赋值会被 `nn.Module` 拦截，自动登记到簿子里。所以它必须在第一次赋值**之前**调用（下一节会看到忘了它的后果）。
# * **`nn.Linear(2, 1)`**：它持有两个参数（`nn.Parameter`，一种默认 `requires_grad=True` 的张量）：
#   形状为 `(out_features, in_features) = (1, 2)` 的权重 $W$ 和形状为 `(1,)` 的偏置 $b$，计算 $\hat y = x W^\top + b$。
#   参数的初始值是随机的（本章最后一节讲初始化）。
# * **`model.parameters()`**：遍历模型（及其所有子模块）登记过的参数。优化器拿到的就是这份名单：它只会更新名单上的张量。
# * **`nn.MSELoss()`**：均方误差 $L = \frac1N\sum_i(\hat y_i - y_i)^2$，默认对所有元素取**平均**，返回一个标量张量。
# * **`torch.optim.SGD(..., lr=0.01)`**：随机梯度下降，学习率 0.01。第 07 章专门讲优化器。
#
# 下面是一个训练步骤。我们先把参数复制一份，之后好和更新后的值对比。

# %%
before = {name: p.detach().clone() for name, p in model.named_parameters()}

optimizer.zero_grad()  # 1. 清空梯度：把每个参数的 .grad 设为 None
output = model(x)  # 2. 前向：model(x) 调用 forward(x)（还会运行钩子，见第 10 节）
loss = criterion(output, y)  # 3. 损失：一个 0 维张量，并且记住了它是怎么算出来的（grad_fn）
loss.backward()  # 4. 反向：把 d loss / d 参数 写进每个参数的 .grad
optimizer.step()  # 5. 更新：对每个参数做 p ← p - lr * p.grad

print("output =", fmt(output), " shape", tuple(output.shape))
print(f"loss = {loss.item():.4f}   ({type(loss.grad_fn).__name__}, ndim={loss.ndim})")
for name, p in model.named_parameters():
    print(f"{name:<7} grad={fmt(p.grad)}  before={fmt(before[name])}  after={fmt(p)}")

# %% [markdown]
# * **`optimizer.zero_grad()`**：梯度在 `.grad` 里是**累加**的（第 05 章），所以每次反向传播之前都要清空。
#   PyTorch 2.0 起，它默认把 `.grad` 设为 `None`（`set_to_none=True`），而不是填 0，这样省内存也更快。
# * **`model(x)`**：调用模块本身，而不是直接调用 `model.forward(x)`。`Module.__call__` 会先运行登记的钩子，再调用 `forward`。
#   输出形状 `(2, 1)`：2 个样本，每个 1 个预测值。
# * **`criterion(output, y)`**：返回一个标量张量；它的 `grad_fn` 把它和整张计算图连在一起。`loss.item()` 把它变成普通的 Python 浮点数。
# * **`loss.backward()`**：沿着图把梯度算回去，**填写**每个参数的 `.grad`（形状和参数本身相同）。它不改参数的值。
# * **`optimizer.step()`**：按 SGD 的规则更新参数。它只读 `.grad`，不做任何求导。
#
# 亲手验算：损失就是 $\frac1N\sum(\hat y - y)^2$，新的参数就是 $w_{\text{new}} = w - \text{lr}\cdot\text{grad}$。

# %%
# NBVAL_CHECK_OUTPUT
lr = optimizer.param_groups[0]["lr"]
loss_by_hand = ((output - y) ** 2).mean()
print("loss matches ((output - y)**2).mean():", torch.allclose(loss, loss_by_hand))
for name, p in model.named_parameters():
    by_hand = before[name] - lr * p.grad
    print(f"{name:<7} w - lr*grad matches step(): {torch.allclose(by_hand, p)}")

# %% [markdown]
# ### `zero_grad()` 放在哪里？
#
# 种子教材把 `zero_grad()` 放在 `step()` **之后**，上面我们把它放在一步的**开头**。两种都对：
# 规则只有一条——**下一次 `backward()` 之前，梯度必须清空**。在循环里，“这一步的末尾”和“下一步的开头”之间什么都没有发生，所以效果相同。
# 惯用写法是放在开头（`zero_grad → forward → loss → backward → step`），因为这样每一步都自成一体，不依赖上一步有没有收尾。
#
# 真正会出错的有两种：放在 `backward()` 和 `step()` **之间**（刚算好的梯度被清掉，`step()` 跳过 `.grad` 为 `None` 的参数，参数一动不动），
# 以及**完全忘记**（梯度越积越多）。下面从同一个起点出发，用四种顺序各走 3 步：

# %%
import copy


def three_steps(order):
    """Run 3 SGD steps on a copy of `model` with zero_grad() at a given place; return the weight."""
    m = copy.deepcopy(model)
    opt = torch.optim.SGD(m.parameters(), lr=0.01)
    for _ in range(3):
        if order == "zero_grad first (idiomatic)":
            opt.zero_grad()
        loss = criterion(m(x), y)
        loss.backward()
        if order == "between backward and step":
            opt.zero_grad()
        opt.step()
        if order == "zero_grad after step (seed)":
            opt.zero_grad()
    return m.linear.weight


start = model.linear.weight
reference = three_steps("zero_grad first (idiomatic)")
for order in ["zero_grad first (idiomatic)", "zero_grad after step (seed)",
              "between backward and step", "never"]:
    w = three_steps(order)
    print(f"{order:<28} weight={fmt(w)}  same as idiomatic: {torch.allclose(w, reference)}"
          f"  moved: {not torch.equal(w, start)}")

# %% [markdown]
# ## 2. `nn.Module` 里装了什么
#
# 在 `__init__` 里给 `self.xxx` 赋值时，`nn.Module` 会看一眼值的类型：
#
# | 赋的值 | 登记为 | 被训练？ | 在 `state_dict` 里？ | 随 `.to(device)` 搬走？ |
# | --- | --- | --- | --- | --- |
# | `nn.Parameter` | 参数 | 是 | 是 | 是 |
# | `self.register_buffer(name, tensor)` | buffer（例如 BatchNorm 的滑动均值） | 否 | 是 | 是 |
# | 另一个 `nn.Module` | 子模块（它的参数和 buffer 也都算进来） | — | 是 | 是 |
# | 普通张量、list、dict…… | 不登记，PyTorch 看不见它 | 否 | 否 | 否 |

# %%
# NBVAL_CHECK_OUTPUT
class Demo(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(3))  # 参数：会被训练
        self.register_buffer("calls", torch.zeros(()))  # buffer：模型状态的一部分，但不训练
        self.layer = nn.Linear(3, 2)  # 子模块：它的参数也归 Demo 所有
        self.plain = torch.ones(3)  # 普通张量：不会被登记

    def forward(self, x):
        self.calls += 1
        return self.layer(x * self.scale)


demo = Demo()
print("parameters:", [name for name, _ in demo.named_parameters()])
print("buffers:   ", [name for name, _ in demo.named_buffers()])
print("children:  ", [name for name, _ in demo.named_children()])
print("state_dict:", list(demo.state_dict()))

# %% [markdown]
# `plain` 哪里都没出现：`model.to("cuda")` 不会搬它，`state_dict` 不会保存它。
#
# 忘了调用 `super().__init__()` 时，第一次给子模块赋值就会报错，因为登记簿还不存在：

# %%
# NBVAL_CHECK_OUTPUT
class Forgetful(nn.Module):
    def __init__(self):
        self.linear = nn.Linear(2, 1)  # 没有先调用 super().__init__()


try:
    Forgetful()
except AttributeError as err:
    print("AttributeError:", err)

# %% [markdown]
# ### 经典错误：把层放进普通的 Python list
#
# 层数可变时，很自然会想到用列表存层。但 `nn.Module` 只登记**直接赋值**的模块，看不到列表里面：
# 下面这个模型能正常地前向计算，却一个参数也没有——优化器拿到空名单，`.to(device)` 也搬不走这些层。
# 换成 `nn.ModuleList`（或 `nn.Sequential`、字典形式的 `nn.ModuleDict`）就好了。

# %%
# NBVAL_CHECK_OUTPUT
class ListMLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.layers = [nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])]  # 错误：普通 list

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class ModuleListMLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


for cls in (ListMLP, ModuleListMLP):
    net = cls([4, 8, 3])
    print(f"{cls.__name__:<14} output shape {tuple(net(torch.randn(5, 4)).shape)}, "
          f"{len(list(net.parameters()))} parameter tensors")
try:
    torch.optim.SGD(ListMLP([4, 8, 3]).parameters(), lr=0.1)
except ValueError as err:
    print("ValueError:", err)

# %% [markdown]
# ## 3. `nn.Sequential`
#
# 数据只是“从第一层流到最后一层”时，不必写类：`nn.Sequential` 按顺序调用它的子模块。
# 子模块按位置命名为 `0`、`1`、`2`……，可以像列表一样索引；想要有意义的名字，就传一个 `OrderedDict`。

# %%
# NBVAL_CHECK_OUTPUT
from collections import OrderedDict

mlp = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
print(mlp)
print("mlp[0] =", mlp[0])
print("state_dict keys:", list(mlp.state_dict()))

named = nn.Sequential(OrderedDict(hidden=nn.Linear(4, 8), act=nn.ReLU(), out=nn.Linear(8, 3)))
print("named keys:     ", list(named.state_dict()))
print("named.hidden =", named.hidden)

inputs = torch.randn(5, 4)
print("same as calling the layers in order:", torch.equal(mlp(inputs), mlp[2](mlp[1](mlp[0](inputs)))))

# %% [markdown]
# 什么时候写 `nn.Module` 子类？当 `forward` 不是一条直线时：有分支、跳跃连接（残差）、多个输入或输出，或者要根据数据做判断。
# 两者可以混用：一个子类的 `__init__` 里放几个 `nn.Sequential`，是很常见的写法。
#
# ## 4. 常用层
#
# ### `nn.Linear`：只看最后一维
#
# `nn.Linear(in_features, out_features)` 只作用在输入的**最后一维**上，前面有几维都可以：形状 `(N, *, in)` 变成 `(N, *, out)`。
# 参数个数是 `in * out`（权重）加 `out`（偏置）。

# %%
# NBVAL_CHECK_OUTPUT
linear = nn.Linear(4, 2)
for shape in [(4,), (5, 4), (5, 3, 4)]:
    print(f"input {str(shape):<10} -> output {tuple(linear(torch.randn(shape)).shape)}")
print("weight", tuple(linear.weight.shape), "bias", tuple(linear.bias.shape),
      "parameters:", sum(p.numel() for p in linear.parameters()))

# %% [markdown]
# ### `nn.Conv2d`：输出有多大？
#
# 二维卷积的输入形状是 `(N, C_in, H, W)`（批次、通道、高、宽），输出是 `(N, C_out, H_out, W_out)`，其中
#
# $$H_{out} = \left\lfloor \frac{H + 2\,\text{padding} - \text{dilation}\,(\text{kernel\_size} - 1) - 1}{\text{stride}} + 1 \right\rfloor$$
#
# （宽度同理）。参数个数是 `C_out * C_in * k * k`（卷积核）加 `C_out`（偏置），与图像大小**无关**。
# 下面对一批 32×32 的 RGB 图像试几种设置，并用公式核对：

# %%
# NBVAL_CHECK_OUTPUT
images = torch.randn(8, 3, 32, 32)


def conv_out(size, k, stride=1, padding=0, dilation=1):
    return (size + 2 * padding - dilation * (k - 1) - 1) // stride + 1


settings = [
    dict(kernel_size=3),
    dict(kernel_size=3, padding=1),
    dict(kernel_size=3, padding=1, stride=2),
    dict(kernel_size=5, padding=2),
    dict(kernel_size=3, dilation=2),
]
for kw in settings:
    conv = nn.Conv2d(3, 16, **kw)
    out = conv(images)
    formula = conv_out(32, kw["kernel_size"], kw.get("stride", 1), kw.get("padding", 0), kw.get("dilation", 1))
    n_params = sum(p.numel() for p in conv.parameters())
    print(f"{str(kw):<48} -> {tuple(out.shape)}  formula H_out={formula}  params={n_params}")

# %% [markdown]
# `padding = k // 2`（奇数大小的卷积核）让尺寸不变，`stride=2` 把尺寸减半。卷积层之后接全连接层时，先用 `nn.Flatten()` 把 `(N, C, H, W)` 拉平成 `(N, C*H*W)`。
#
# ### `nn.Dropout`：训练时随机置零，评估时什么都不做
#
# 训练模式下，`Dropout(p)` 把每个元素以概率 `p` 置零，并把留下的元素乘以 $\frac{1}{1-p}$，这样输出的**期望**和输入相同；
# 评估模式（`eval()`）下它原样返回输入。模块刚创建时处在训练模式。

# %%
dropout = nn.Dropout(p=0.5)
ones = torch.ones(10, device=device)
print("training:", dropout.training, fmt(dropout(ones)))
big = dropout(torch.ones(100_000, device=device))
print(f"fraction zeroed: {(big == 0).float().mean().item():.3f}, mean of output: {big.mean().item():.3f}")
dropout.eval()
print("training:", dropout.training, fmt(dropout(ones)))

# %% [markdown]
# ### `nn.BatchNorm`：批次统计量和滑动统计量
#
# `BatchNorm1d(C)` 把每个通道标准化为均值 0、方差 1（再乘以可学习的 `weight`、加上 `bias`）。
#
# * **训练模式**：用**当前批次**的均值和方差做标准化，同时更新两个 buffer：
#   `running_mean ← (1 - momentum) · running_mean + momentum · 批次均值`（`momentum` 默认 0.1，方差同理，用无偏方差）。
# * **评估模式**：不再看批次，改用 `running_mean` 和 `running_var`。这样单个样本也能预测，而且结果不依赖同一批里的其他样本。
#
# 下面喂给它 60 个批次，数据来自均值 3、标准差 2 的正态分布：

# %%
import matplotlib.pyplot as plt

bn = nn.BatchNorm1d(1).to(device)
print("buffers:", {name: fmt(b) for name, b in bn.named_buffers()})
means, variances = [], []
for step in range(60):
    batch = (3 + 2 * torch.randn(32, 1)).to(device)
    out = bn(batch)
    means.append(bn.running_mean.item())
    variances.append(bn.running_var.item())
    if step == 0:
        print(f"after 1 batch: batch mean {batch.mean().item():.4f} -> running_mean {means[0]:.4f}"
              f" (= 0.9 * 0 + 0.1 * batch mean)")
        print(f"training output: mean {out.mean().item():.4f}, std {out.std(unbiased=False).item():.4f}")
print(f"after 60 batches: running_mean {means[-1]:.4f}, running_var {variances[-1]:.4f},"
      f" num_batches_tracked {bn.num_batches_tracked.item()}")

fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(range(1, 61), means, label="running_mean")
ax.plot(range(1, 61), variances, label="running_var")
ax.axhline(3, color="C0", linestyle="--", linewidth=1, label="true mean = 3")
ax.axhline(4, color="C1", linestyle="--", linewidth=1, label="true variance = 4")
ax.set_xlabel("training batches seen")
ax.set_title("BatchNorm running statistics (momentum = 0.1)")
ax.legend()
plt.show()

# %% [markdown]
# 每一步只往真实值挪 10%，所以大约 30～40 个批次后才接近 3 和 4。评估模式下，它用这两个数来标准化；
# 训练模式下，如果每个通道只有 1 个值（比如批次里只有 1 个样本），方差无从估计，BatchNorm 会直接报错：

# %%
# NBVAL_CHECK_OUTPUT
single = torch.tensor([[5.0]], device=device)
try:
    bn(single)
except ValueError as err:
    print("train mode, batch of 1 -> ValueError:", err)
bn.eval()
expected = (5.0 - bn.running_mean) / torch.sqrt(bn.running_var + bn.eps) * bn.weight + bn.bias
print("eval mode uses the running statistics:", torch.allclose(bn(single), expected))

# %% [markdown]
# ## 5. 激活函数
#
# 没有非线性，多少个 `Linear` 叠起来也只是一个线性变换。激活函数既有模块形式（`nn.ReLU()`，可以放进 `nn.Sequential`），
# 也有函数形式（`torch.relu`、`torch.nn.functional.gelu`），两者计算相同。下面画出四个最常见的激活函数和它们的导数（导数用 autograd 求）。

# %%
activations = {"ReLU": nn.ReLU(), "GELU": nn.GELU(), "Sigmoid": nn.Sigmoid(), "Tanh": nn.Tanh()}
z = torch.linspace(-4, 4, 401, requires_grad=True)

fig, (ax_f, ax_d) = plt.subplots(1, 2, figsize=(11, 4))
for name, act in activations.items():
    out = act(z)
    (slope,) = torch.autograd.grad(out.sum(), z)
    ax_f.plot(z.detach(), out.detach(), label=name)
    ax_d.plot(z.detach(), slope, label=name)
ax_f.set_title("activation f(z)")
ax_d.set_title("derivative f'(z)")
for ax in (ax_f, ax_d):
    ax.set_xlabel("z")
    ax.legend()
plt.show()

# %% [markdown]
# 从图上读出的要点：
#
# * **ReLU** $\max(0, z)$：计算最便宜，正半轴导数恒为 1，梯度不会衰减；负半轴导数为 0（一个神经元如果总是得到负输入，就不再学习）。隐藏层的默认选择。
# * **GELU** $z\,\Phi(z)$：平滑版的 ReLU，负半轴有一点小弯。Transformer 里最常见。
# * **Sigmoid** $\frac{1}{1+e^{-z}}$：输出在 $(0, 1)$，适合表示概率；导数最大只有 0.25，两端几乎为 0（**饱和**），很多层叠起来梯度会消失。
# * **Tanh**：输出在 $(-1, 1)$，以 0 为中心，导数最大为 1，两端同样饱和。
#
# 分类模型的**最后一层一般不加激活函数**：它输出的原始分数叫 **logits**，交给损失函数去处理（第 11 节）。

# %% [markdown]
# ## 6. 一个小 MLP
#
# 把零件拼起来：一个两层隐藏层的多层感知机（MLP），在 scikit-learn 现场生成的“两个月牙”数据上做二分类（不需要下载）。
# 训练循环就是第 1 节那一步，重复 300 次；每步都用全部 400 个点（第 08 章讲小批量）。

# %%
from sklearn.datasets import make_moons

points, labels = make_moons(n_samples=400, noise=0.2, random_state=0)
X = torch.tensor(points, dtype=torch.float32).to(device)
Y = torch.tensor(labels).to(device)  # int64 类别编号 0 / 1

torch.manual_seed(0)
clf = nn.Sequential(
    nn.Linear(2, 32), nn.ReLU(),
    nn.Linear(32, 32), nn.ReLU(),
    nn.Linear(32, 2),  # 两个类别的 logits，不加激活函数
).to(device)
loss_fn = nn.CrossEntropyLoss()
opt = torch.optim.SGD(clf.parameters(), lr=0.2)

losses = []
for _ in range(300):
    opt.zero_grad()
    loss = loss_fn(clf(X), Y)
    loss.backward()
    opt.step()
    losses.append(loss.item())

with torch.no_grad():
    accuracy = (clf(X).argmax(dim=1) == Y).float().mean().item()
print(f"loss: first {losses[0]:.4f}, last {losses[-1]:.4f}; training accuracy {accuracy:.4f}")

# %%
grid_x, grid_y = torch.meshgrid(torch.linspace(-2, 3, 200), torch.linspace(-1.5, 2, 200), indexing="xy")
grid = torch.stack([grid_x.flatten(), grid_y.flatten()], dim=1).to(device)
with torch.no_grad():
    prob_1 = torch.softmax(clf(grid), dim=1)[:, 1].reshape(grid_x.shape).cpu()

fig, (ax_loss, ax_map) = plt.subplots(1, 2, figsize=(11, 4))
ax_loss.plot(losses)
ax_loss.set_xlabel("step")
ax_loss.set_ylabel("cross-entropy loss")
ax_loss.set_title("Training loss")
ax_map.contourf(grid_x, grid_y, prob_1, levels=20, cmap="coolwarm", alpha=0.6)
ax_map.contour(grid_x, grid_y, prob_1, levels=[0.5], colors="black")
ax_map.scatter(points[:, 0], points[:, 1], c=labels, cmap="coolwarm", edgecolors="k", s=15)
ax_map.set_title("MLP decision boundary (black: p = 0.5)")
plt.show()

# %% [markdown]
# ## 7. 参数：列出、数清、冻结
#
# `named_parameters()` 给出每个参数的名字（按子模块路径用点连起来）和张量本身。“参数个数”指的是**元素**个数（`p.numel()` 之和），
# 而不是参数张量的个数。

# %%
# NBVAL_CHECK_OUTPUT
for name, p in clf.named_parameters():
    print(f"{name:<10} {str(tuple(p.shape)):<9} numel={p.numel():<5} requires_grad={p.requires_grad}")
print("parameter tensors:", len(list(clf.parameters())))
print("parameters (elements):", sum(p.numel() for p in clf.parameters()))

# %% [markdown]
# **冻结**一部分参数（比如迁移学习时保留预训练的特征层）：对它们调用 `requires_grad_(False)`。
# 反向传播不再为它们计算梯度，`.grad` 一直是 `None`，优化器也就不会改它们。数“可训练参数”时只数 `requires_grad` 为真的那些。

# %%
# NBVAL_CHECK_OUTPUT
frozen = copy.deepcopy(clf)  # 在副本上操作，clf 保持原样
frozen[0].requires_grad_(False)  # 冻结第一层（一个模块的所有参数）
trainable = sum(p.numel() for p in frozen.parameters() if p.requires_grad)
total = sum(p.numel() for p in frozen.parameters())
print(f"trainable {trainable} of {total}")

frozen.zero_grad()
loss_fn(frozen(X), Y).backward()
for name, p in frozen.named_parameters():
    print(f"{name:<10} grad is None: {p.grad is None}")

# %% [markdown]
# 冻结时也常把优化器的名单限定为可训练的参数：`torch.optim.SGD((p for p in model.parameters() if p.requires_grad), lr=...)`。

# %% [markdown]
# ## 8. `train()` 和 `eval()`
#
# 每个模块都有一个 `training` 标志。`model.train()` 和 `model.eval()` 会把它**递归地**设给所有子模块，
# 而只有少数层看这个标志，最常见的就是 `Dropout` 和 `BatchNorm` 这两类。对只有 `Linear` 和 `ReLU` 的模型，两种模式结果相同。
#
# 注意：`eval()` **不会**关掉 autograd。预测时想省下建图的时间和内存，还要加 `torch.no_grad()`（或 `torch.inference_mode()`，第 05 章）。

# %%
# NBVAL_CHECK_OUTPUT
net = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 1)).to(device)
batch = torch.randn(16, 4).to(device)

net.train()
print("train(): all training flags:", {m.training for m in net.modules()})
print("train(): two calls give the same output:", torch.equal(net(batch), net(batch)))

net.eval()
print("eval():  all training flags:", {m.training for m in net.modules()})
print("eval():  two calls give the same output:", torch.equal(net(batch), net(batch)))
print("eval():  output still requires grad:", net(batch).requires_grad)
with torch.no_grad():
    print("eval() + no_grad(): requires grad:", net(batch).requires_grad)

# %% [markdown]
# 训练循环开头写 `model.train()`，评估之前写 `model.eval()`，是个好习惯：忘了 `eval()`，Dropout 会继续随机丢弃，BatchNorm 会用测试批次的统计量并且**改写**滑动统计量。
#
# ## 9. `state_dict`：保存和加载
#
# `state_dict()` 是一个有序字典：键是参数和 buffer 的名字，值是张量。它就是模型的全部“状态”，保存模型时存的就是它（而不是整个 Python 对象）。
# 注意 BatchNorm 的 buffer 也在里面。

# %%
# NBVAL_CHECK_OUTPUT
state = net.state_dict()
for key, value in state.items():
    print(f"{key:<22} {str(tuple(value.shape)):<7} requires_grad={value.requires_grad}")

# %% [markdown]
# `state_dict` 里的张量已经和计算图断开（`requires_grad=False`），但仍然和模型**共享存储**：之后训练模型，它们也跟着变。
# 想留一份快照，就用 `copy.deepcopy(model.state_dict())`。
#
# 保存用 `torch.save`，读取用 `torch.load`。从 PyTorch 2.6 起，`torch.load` 默认 `weights_only=True`：只读张量和基本容器，
# 不执行文件里任意的 Python 代码，所以载入别人的检查点更安全。把 GPU 上存的模型读到 CPU 上，加 `map_location="cpu"`。
# 下面把文件写进一个临时文件夹，用完自动删除。

# %%
# NBVAL_CHECK_OUTPUT
import tempfile
from pathlib import Path


def make_net():
    return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 1))


with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "net.pt"
    torch.save(net.state_dict(), path)
    loaded_state = torch.load(path, map_location=device)  # weights_only=True 是默认值

fresh = make_net().to(device)  # 新模型：参数是新的随机数
fresh.eval()
print("before loading, same outputs:", torch.allclose(fresh(batch), net(batch)))
result = fresh.load_state_dict(loaded_state)
print("load_state_dict returned:", result)
print("after loading, same outputs: ", torch.equal(fresh(batch), net(batch)))

# %% [markdown]
# 别忘了 `fresh.eval()`：`load_state_dict` 只复制张量，不改变模式。
#
# ### `strict`、缺失的键和多余的键
#
# 默认 `strict=True`：检查点和模型的键必须**一一对应**，否则报错并列出“缺失的键”（模型有、检查点没有）和“多余的键”（检查点有、模型没有）。
# `strict=False` 不报错，而是把这两张清单作为返回值交给你：适合只加载一部分层（比如换了分类头）。形状不符的键即使在 `strict=False` 下也会报错。

# %%
# NBVAL_CHECK_OUTPUT
bigger = nn.Sequential(make_net(), nn.Sigmoid())  # 包了一层：键名都多了前缀 "0."
try:
    bigger.load_state_dict(state)
except RuntimeError as err:
    print(str(err)[:150], "...")
result = bigger.load_state_dict(state, strict=False)
print("missing:   ", result.missing_keys[:3], "...", len(result.missing_keys), "in all")
print("unexpected:", result.unexpected_keys[:3], "...", len(result.unexpected_keys), "in all")

# %% [markdown]
# 上面 `strict=False` “成功”了，可**一个参数也没有加载**：所有的键都对不上。所以用 `strict=False` 时，一定要看返回的两张清单。
#
# 键名对不上是常见情况：用 `DistributedDataParallel` 包过的模型保存的键带 `module.` 前缀，`torch.compile` 的模型带 `_orig_mod.` 前缀，
# 重构代码时也可能给层改了名。办法是在加载之前把键**改名**：

# %%
# NBVAL_CHECK_OUTPUT
renamed = {"0." + key: value for key, value in state.items()}  # 旧名字 → 新模型里的名字
print("result:", bigger.load_state_dict(renamed))
print("same outputs:", torch.equal(bigger[0].eval()(batch), net(batch)))

# %% [markdown]
# 去掉前缀时，用 `key.removeprefix("module.")` 而不是 `key.replace("module.", "")`：后者会把 `submodule.weight` 这类名字中间的 `module.` 也删掉。
# PyTorch 也提供了现成的函数 `torch.nn.modules.utils.consume_prefix_in_state_dict_if_present(state, "module.")`。
#
# ## 10. 钩子：看一看每一层里发生了什么
#
# 钩子是挂在模块上的回调函数，不用改模型代码就能观察（甚至修改）它的输入输出：
#
# * `register_forward_hook(hook)`：每次 `forward` 之后调用 `hook(module, inputs, output)`；
# * `register_full_backward_hook(hook)`：反向传播经过这个模块时调用 `hook(module, grad_input, grad_output)`，
#   `grad_output` 是损失对模块**输出**的梯度，`grad_input` 是对模块**输入**的梯度；
# * 两者都返回一个**句柄**（handle），`handle.remove()` 把钩子取下来。忘了取下，钩子会一直留着，每次调用都运行。
#
# 下面用前向钩子记录一个 MLP 每一层输出的形状、均值和标准差：

# %%
torch.manual_seed(0)
deep = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 3)).to(device)
records = []


def record_stats(module, inputs, output):
    records.append((type(module).__name__, tuple(output.shape), output.mean().item(), output.std().item()))


handles = [layer.register_forward_hook(record_stats) for layer in deep]
sample = torch.randn(64, 10).to(device)
logits = deep(sample)
for i, (kind, shape, mean, std) in enumerate(records):
    print(f"layer {i} {kind:<7} output {str(shape):<8} mean {mean:7.4f}  std {std:.4f}")

# %% [markdown]
# 再挂一个反向钩子，记录每个 `Linear` 层输出端的梯度大小；然后把所有钩子取下，确认它们不再运行：

# %%
# NBVAL_CHECK_OUTPUT
grad_records = {}


def record_grad(module, grad_input, grad_output):
    grad_records[module] = (tuple(grad_input[0].shape), tuple(grad_output[0].shape), grad_output[0].norm().item())


linears = [layer for layer in deep if isinstance(layer, nn.Linear)]
handles += [layer.register_full_backward_hook(record_grad) for layer in linears]

labels_3 = torch.randint(0, 3, (64,)).to(device)
# 让输入也需要梯度：第一层的 grad_input 才有值（否则它是 None，PyTorch 还会发出一条警告）
sample_in = sample.clone().requires_grad_()
nn.functional.cross_entropy(deep(sample_in), labels_3).backward()
for i, layer in enumerate(linears):
    in_shape, out_shape, _ = grad_records[layer]
    print(f"Linear {i} ({layer.in_features:>2} -> {layer.out_features:<2}): "
          f"grad_input {in_shape}, grad_output {out_shape}")

for handle in handles:
    handle.remove()
records.clear()
deep(sample)
print("records after removing the hooks:", len(records))

# %%
for i, layer in enumerate(linears):
    print(f"Linear {i}: norm of grad_output = {grad_records[layer][2]:.4f}")

# %% [markdown]
# 前向钩子常用来提取中间特征、检查激活值是否爆炸或全为 0；反向钩子常用来观察梯度是否消失。下一节就用前向钩子来比较几种初始化。
#
# ## 11. 损失函数
#
# ### 回归：`MSELoss` 和 `L1Loss`
#
# `MSELoss` 是误差平方的平均，`L1Loss` 是误差绝对值的平均。参数 `reduction` 决定怎么汇总：`"mean"`（默认）、`"sum"`，或 `"none"`（逐个元素返回）。
# 平方会放大大的误差，所以一个离群点就能让 MSE 变得很大，而 L1 受的影响小得多：

# %%
# NBVAL_CHECK_OUTPUT
pred = torch.tensor([2.0, 3.0, 4.0, 5.0])
target = torch.tensor([2.5, 3.0, 3.0, 15.0])  # 最后一个是离群点
for loss_cls in (nn.MSELoss, nn.L1Loss):
    per_element = loss_cls(reduction="none")(pred, target)
    print(f"{loss_cls.__name__:<8} none={fmt(per_element)}  mean={loss_cls()(pred, target).item():.4f}"
          f"  sum={loss_cls(reduction='sum')(pred, target).item():.4f}")

# %% [markdown]
# ### 分类：`CrossEntropyLoss` 要的是 logits 和类别编号
#
# `nn.CrossEntropyLoss()(logits, target)`：
#
# * `logits`：形状 `(N, C)` 的**原始分数**，不要先做 softmax；
# * `target`：形状 `(N,)` 的**类别编号**，dtype 必须是 `int64`（`torch.long`），取值 `0 … C-1`。
#   （也可以传形状 `(N, C)` 的概率分布作为“软标签”。）
#
# 它内部先做 `log_softmax` 再取正确类别的负对数，即 $-\log \frac{e^{z_y}}{\sum_j e^{z_j}}$，这样写在数值上是稳定的。

# %%
# NBVAL_CHECK_OUTPUT
import torch.nn.functional as F

logits = torch.tensor([[4.0, 1.0, -2.0],
                       [0.5, 2.5, 0.0],
                       [1.0, 1.0, 3.0]])
classes = torch.tensor([0, 1, 2])
ce = nn.CrossEntropyLoss()
print(f"CrossEntropyLoss(logits, classes)          = {ce(logits, classes).item():.4f}")
print(f"nll_loss(log_softmax(logits), classes)     = {F.nll_loss(F.log_softmax(logits, dim=1), classes).item():.4f}")
print(f"-log(softmax prob of the right class).mean = {-torch.softmax(logits, dim=1)[torch.arange(3), classes].log().mean().item():.4f}")
print(f"MISTAKE: CrossEntropyLoss(softmax(logits)) = {ce(torch.softmax(logits, dim=1), classes).item():.4f}")
try:
    ce(logits, classes.float())
except RuntimeError as err:
    print("float class indices -> RuntimeError:", err)

# %% [markdown]
# 先做 softmax 是最经典的错误：代码照样运行，损失照样下降，只是训练变慢、变差。原因是 `CrossEntropyLoss` 还会再做一次 softmax，
# 而概率都在 0 和 1 之间，再 softmax 一次就把它们压得差不多大。把正确类别的 logit 从 -4 调到 8，看两条损失曲线和它们的梯度：

# %%
margins = torch.linspace(-4, 8, 121)
right, wrong, right_grad, wrong_grad = [], [], [], []
for m in margins:
    z = torch.tensor([[m.item(), 0.0, 0.0]], requires_grad=True)  # 正确类别是 0
    loss_right = ce(z, torch.tensor([0]))
    loss_wrong = ce(torch.softmax(z, dim=1), torch.tensor([0]))
    right.append(loss_right.item())
    wrong.append(loss_wrong.item())
    right_grad.append(torch.autograd.grad(loss_right, z)[0][0, 0].item())
    wrong_grad.append(torch.autograd.grad(loss_wrong, z)[0][0, 0].item())

fig, (ax_l, ax_g) = plt.subplots(1, 2, figsize=(11, 4))
ax_l.plot(margins, right, label="CrossEntropyLoss(logits)  (correct)")
ax_l.plot(margins, wrong, label="CrossEntropyLoss(softmax(logits))  (mistake)")
ax_l.axhline(-torch.log_softmax(torch.tensor([1.0, 0.0, 0.0]), 0)[0].item(), color="gray", linestyle=":",
             label="floor of the mistake: never below 0.5514")
ax_l.set_xlabel("logit of the correct class (others are 0)")
ax_l.set_ylabel("loss")
ax_l.legend(fontsize=8)
ax_g.plot(margins, right_grad, label="correct")
ax_g.plot(margins, wrong_grad, label="mistake")
ax_g.set_xlabel("logit of the correct class (others are 0)")
ax_g.set_ylabel("d loss / d logit")
ax_g.legend(fontsize=8)
fig.suptitle("Softmax before CrossEntropyLoss: the loss never reaches 0 and the gradient is weak")
plt.show()
print(f"at logit 8: correct loss {right[-1]:.4f}, mistaken loss {wrong[-1]:.4f}")

# %% [markdown]
# 正确的损失在模型很有把握时趋于 0；错误的那条（3 个类别时）永远降不到 $-\log\frac{e}{e+2} \approx 0.5514$ 以下：softmax 之后的数最大是 1，再做一次 softmax，正确类别的概率最多只有 $\frac{e}{e+2}$。更糟的是梯度：
# 模型答错时（左半边），正确的梯度接近 -1，推着模型去改正；而错误写法的梯度绝对值最多只有约 0.23，模型越是错得自信，梯度越接近 0。
# 预测时要概率就自己调用 `torch.softmax(logits, dim=1)`；只要类别，`logits.argmax(dim=1)` 就够了（softmax 不改变大小顺序）。
#
# ### 二分类：`BCEWithLogitsLoss` 而不是 `Sigmoid` + `BCELoss`
#
# 二分类（或多标签）时，模型每个样本输出一个 logit，目标是 0.0 或 1.0 的**浮点数**。`BCEWithLogitsLoss` 把 sigmoid 和二元交叉熵合在一起算，
# 数值稳定；先 `torch.sigmoid` 再 `BCELoss` 在数学上相同，但 logit 很大时 sigmoid 在 float32 里会变成正好 1.0，
# 于是 `log(1 - 1) = -inf`：`BCELoss` 把对数截断在 -100，损失变成 100，梯度变成 0——模型错得离谱，却学不到任何东西。

# %%
# NBVAL_CHECK_OUTPUT
for logit in (2.0, 30.0):
    target_0 = torch.tensor([0.0])
    z = torch.tensor([logit], requires_grad=True)
    with_logits = nn.BCEWithLogitsLoss()(z, target_0)
    (grad_1,) = torch.autograd.grad(with_logits, z)
    z = torch.tensor([logit], requires_grad=True)
    two_steps = nn.BCELoss()(torch.sigmoid(z), target_0)
    (grad_2,) = torch.autograd.grad(two_steps, z)
    print(f"logit {logit:>4}: BCEWithLogitsLoss {with_logits.item():8.4f} (grad {grad_1.item():.4f})"
          f" | Sigmoid+BCELoss {two_steps.item():8.4f} (grad {grad_2.item():.4f})")

# %% [markdown]
# 规律：**损失函数吃 logits**。`CrossEntropyLoss` 和 `BCEWithLogitsLoss` 都自带 softmax / sigmoid，模型最后一层不要再加。
#
# ## 12. 初始化（简要）
#
# 每个层创建时都会用自己的规则初始化参数。`nn.Linear` 的权重和偏置都取自均匀分布 $U\!\left(-\frac{1}{\sqrt{\text{in}}}, \frac{1}{\sqrt{\text{in}}}\right)$：

# %%
# NBVAL_CHECK_OUTPUT
layer = nn.Linear(400, 100)
bound = 1 / 400**0.5
print(f"bound 1/sqrt(400) = {bound:.4f}; all |weight| <= bound: {bool(layer.weight.abs().max() <= bound)},"
      f" all |bias| <= bound: {bool(layer.bias.abs().max() <= bound)}")

# %% [markdown]
# 想换一种初始化，用 `torch.nn.init` 里的函数（名字以下划线结尾，表示**原地**修改），再用 `model.apply(fn)` 把 `fn` 应用到每一个子模块上。
# 初始化的尺度很重要：它决定了信号穿过很多层之后是保持、爆炸还是消失。
# 下面用前向钩子测量一个 10 层、宽 256 的 Tanh 网络里每一层的输出标准差，比较四种初始化：

# %%
def tanh_net():
    layers = []
    for _ in range(10):
        layers += [nn.Linear(256, 256), nn.Tanh()]
    return nn.Sequential(*layers).to(device)


def init_with(weight_init):
    def init(module):
        if isinstance(module, nn.Linear):
            weight_init(module.weight)
            nn.init.zeros_(module.bias)
    return init


def std_recorder(found):
    """A forward hook that appends the std of the module's output to the list `found`."""
    def hook(module, inputs, output):
        found.append(output.std().item())
    return hook


schemes = {
    "PyTorch default": None,
    "normal(std=0.01)": init_with(lambda w: nn.init.normal_(w, std=0.01)),
    "normal(std=1)": init_with(lambda w: nn.init.normal_(w, std=1.0)),
    "xavier_normal_(gain=5/3)": init_with(lambda w: nn.init.xavier_normal_(w, gain=nn.init.calculate_gain("tanh"))),
}
inputs = torch.randn(512, 256).to(device)
stds = {}
for name, init in schemes.items():
    torch.manual_seed(0)
    model_i = tanh_net()
    if init is not None:
        model_i.apply(init)
    found = []
    hooks = [m.register_forward_hook(std_recorder(found)) for m in model_i if isinstance(m, nn.Tanh)]
    with torch.no_grad():
        model_i(inputs)
    for h in hooks:
        h.remove()
    stds[name] = found
    print(f"{name:<26} std after layer 1: {found[0]:.3f}, after layer 10: {found[-1]:.3f}")

fig, ax = plt.subplots(figsize=(7, 4))
for name, values in stds.items():
    ax.plot(range(1, 11), values, marker="o", label=name)
ax.set_yscale("log")
ax.set_xlabel("layer (Linear + Tanh)")
ax.set_ylabel("std of the activations (log scale)")
ax.set_title("How the initial weights scale the signal through 10 layers")
ax.legend()
plt.show()

# %% [markdown]
# * `std=0.01` 太小：每层把信号缩小，到第 10 层几乎什么都不剩（梯度同样会消失）。
# * `std=1` 太大：Tanh 全部饱和在 ±1 附近，标准差接近 1，但导数几乎为 0。
# * PyTorch 默认值对 Tanh 偏小：来自输入的信号每层大约缩小到 0.58 倍，后面几层剩下的主要是偏置带来的、与输入无关的部分；
# * `xavier_normal_` 配上 Tanh 的增益 5/3，把信号保持在稳定的量级。ReLU 网络则常用 `kaiming_normal_`。
#
# 实际中，默认初始化加上 BatchNorm / LayerNorm 和合适的优化器（第 07 章）通常就够了；但当深层网络训练不动时，先用钩子看一看每层的激活值。
#
# ## 小结
#
# * 模型是 `nn.Module` 的子类：`super().__init__()` 在最前面，`__init__` 里建层，`forward` 里计算；用 `model(x)` 调用。
# * 训练一步：`zero_grad()` → 前向 → 损失 → `backward()` → `step()`；梯度必须在下一次 `backward()` 之前清空。
# * 只有直接赋值的 `nn.Parameter`、子模块和 `register_buffer` 才会被登记；层的列表用 `nn.ModuleList`。
# * `nn.Sequential` 适合一条直线的模型；`Linear` 只作用在最后一维；卷积输出尺寸有公式；`Dropout`、`BatchNorm` 在 `train()` 和 `eval()` 下行为不同，`eval()` 不关 autograd。
# * 参数个数是元素个数；冻结用 `requires_grad_(False)`。
# * `state_dict` 包括参数和 buffer；`torch.save` / `torch.load`（默认 `weights_only=True`）；`strict=False` 时要看缺失和多余的键；键名对不上就改名。
# * 钩子用句柄取下。损失函数吃 logits：`CrossEntropyLoss` 要 logits 和 `int64` 类别编号，不要先 softmax；二分类用 `BCEWithLogitsLoss`。
#
# 下一步：打开 `exercises/zh/06_nn.ipynb` 做练习。第 07 章讲优化器和学习率调度。

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **接下来：** [本章练习：06_nn](../../exercises/zh/06_nn.ipynb) · [下一章：07_optim](07_optim.ipynb)
