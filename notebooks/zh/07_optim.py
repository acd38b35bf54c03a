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
# # 07 · 优化器：SGD、动量、Adam/AdamW、学习率调度和梯度裁剪
#
# 第 05 章的 autograd 算出了梯度，第 06 章把参数装进了 `nn.Module`。**优化器**（`torch.optim`）做剩下的一步：
# 根据梯度决定参数往哪里走、走多远。本章的每条更新规则都先写成公式，再用 PyTorch 跑一遍，并且画出来：
#
# 1. 一次训练步骤里优化器做了什么（从种子教材的 Linear + MSELoss + SGD 例子说起），`zero_grad()` 为什么把梯度设成 `None`；
# 2. SGD 和学习率：为什么学习率超过 $2/L$ 就发散；
# 3. 动量和 Nesterov 动量；
# 4. Adam 和 AdamW，以及“权重衰减”在两者里的不同含义；
# 5. 在**同一个**狭长弯曲的山谷里比较 SGD、动量、Adam 和 AdamW 的轨迹和损失曲线；
# 6. `param_groups`（每组参数用不同的超参数）和 `state_dict()`（保存、恢复优化器）；
# 7. 学习率调度器：StepLR、CosineAnnealingLR、OneCycleLR、预热 + 余弦，以及调度真正起作用的一个例子；
# 8. 梯度裁剪：`clip_grad_norm_` 和 `clip_grad_value_`，以及不裁剪就会炸掉的一个例子。

# %%
from course_utils import setup_notebook

setup_notebook()

# %%
import matplotlib.pyplot as plt
import torch
from torch import nn

from course_utils import get_device

device = get_device()  # 有 GPU 用 GPU，否则用 CPU；本章的代码在两者上都能运行

# %% [markdown]
# ## 1. 优化器做什么
#
# 种子教材的“反向传播”例子是一个完整的训练步骤：前向计算、求损失、`backward()` 求梯度、`optimizer.step()` 更新参数、`optimizer.zero_grad()` 清空梯度。
# 下面是它的现代写法：固定随机种子（`setup_notebook()` 已经做了），直接用 `nn.Linear`，不必为一层网络再包一个类。
# 数据先在 CPU 上生成再搬到 `device`，这样 CPU 和 GPU 上得到的是同一批数。

# %%
model = nn.Linear(2, 1).to(device)
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

x = torch.randn(2, 2).to(device)
y = torch.randn(2, 1).to(device)

optimizer.zero_grad()  # 清空上一步留下的梯度（第一步时本来就没有）
loss = criterion(model(x), y)  # 前向传播 + 损失
loss.backward()  # 反向传播：梯度写进每个参数的 .grad
print(f"loss = {loss.item():.4f}")

# %% [markdown]
# `optimizer.step()` 对每个参数做的，就是最朴素的梯度下降 $\theta \leftarrow \theta - \eta\, \nabla_\theta L$（$\eta$ 是学习率 `lr`）。我们先记下旧参数，再核对：

# %%
# NBVAL_CHECK_OUTPUT
before = [p.detach().clone() for p in model.parameters()]
optimizer.step()
for (name, p), old in zip(model.named_parameters(), before):
    expected = old - 0.01 * p.grad
    print(f"{name}: new == old - lr * grad ? {torch.allclose(p, expected)}")

# %% [markdown]
# 然后清空梯度。从 PyTorch 2.0 起，`zero_grad()` 的默认参数是 `set_to_none=True`：它不是把梯度填成 0，而是把 `.grad` 设成 `None`。
# 这省下一次写内存，而且优化器会**跳过** `.grad` 为 `None` 的参数。两者的区别不只是内存：如果梯度是一串 0，带动量或权重衰减的优化器仍然会移动这个参数。

# %%
# NBVAL_CHECK_OUTPUT
optimizer.zero_grad()
print("after zero_grad():                    weight.grad =", model.weight.grad)
model(x).sum().backward()
optimizer.zero_grad(set_to_none=False)
print("after zero_grad(set_to_none=False):   weight.grad =", model.weight.grad.cpu())

# %% [markdown]
# ## 2. SGD 和学习率：为什么不能太大
#
# 看一个二次函数 $f(\mathbf{x}) = \tfrac12 \mathbf{x}^\top A \mathbf{x}$，梯度是 $A\mathbf{x}$。
# 在 $A$ 的特征向量方向上，各个分量互不干扰：设特征值为 $\lambda_i$（这个方向的**曲率**），梯度下降一步把这个分量乘以 $(1 - \eta\lambda_i)$。
#
# * 要收敛，每个方向都需要 $|1 - \eta\lambda_i| < 1$，也就是 $0 < \eta < 2/\lambda_i$。
#   所以**最陡**的方向（最大特征值 $L = \lambda_{\max}$）决定了学习率的上限：$\eta < 2/L$。
# * **最平**的方向（$\lambda_{\min}$）决定速度：每步只缩小到 $|1 - \eta\lambda_{\min}|$ 倍。
#   让最慢的方向尽量快的学习率是 $\eta^* = 2/(\lambda_{\min} + \lambda_{\max})$。
#
# 下面的 $A$ 不是对角阵，它的两个特征值是 1 和 10：一个细长的椭圆碗。

# %%
# NBVAL_CHECK_OUTPUT
A = torch.tensor([[5.5, 4.5], [4.5, 5.5]])
eigenvalues = torch.linalg.eigvalsh(A)  # 对称矩阵的特征值，从小到大
lam_min, lam_max = eigenvalues.tolist()
print(f"eigenvalues: {lam_min:.4f}, {lam_max:.4f}")
print(f"stability limit 2/L        = {2 / lam_max:.4f}")
print(f"fastest lr 2/(min + max)   = {2 / (lam_min + lam_max):.4f}")

# %% [markdown]
# 用 `torch.optim.SGD` 在这个碗里跑 60 步，试四个学习率：

# %%
def quadratic(p):
    return 0.5 * p @ A @ p


def run_gd(lr, steps=60):
    p = torch.tensor([1.0, -0.5], requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = quadratic(p)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


fig, ax = plt.subplots(figsize=(7, 4))
for lr in (0.05, 0.18, 0.199, 0.21):
    losses = run_gd(lr)
    print(f"lr = {lr:<6} loss after 60 steps: {losses[-1]:.4g}")
    ax.semilogy(losses, label=f"lr = {lr}")
ax.set_xlabel("step")
ax.set_ylabel("loss (log scale)")
ax.set_title("Gradient descent on a quadratic with eigenvalues 1 and 10")
ax.legend()
plt.show()

# %% [markdown]
# * `lr = 0.05`：稳定，但平坦方向每步只缩小到 0.95 倍，很慢；
# * `lr = 0.18`（约等于 $2/11$）：最快；
# * `lr = 0.199`：刚好低于 $2/L = 0.2$，陡峭方向每步乘以 $-0.99$，来回振荡，几乎不收敛；
# * `lr = 0.21`：超过 $2/L$，陡峭方向每步乘以 $-1.1$，损失指数增长，**发散**。
#
# 条件数 $\kappa = \lambda_{\max}/\lambda_{\min}$ 越大，这个矛盾越尖锐：学习率被陡峭方向卡住，平坦方向就只能慢慢爬。
# 下面的动量和 Adam 都是在缓解这个矛盾。

# %% [markdown]
# ## 3. 动量（momentum）和 Nesterov 动量
#
# 动量让参数带着“速度”走：把过去的梯度累积在一个缓冲区 $b$ 里。PyTorch 的 `SGD(momentum=μ)` 的写法是
#
# $$b_t = \mu\, b_{t-1} + g_t,\qquad \theta_t = \theta_{t-1} - \eta\, b_t ,$$
#
# 第一步时缓冲区直接取 $b_1 = g_1$。如果梯度一直指向同一个方向，$b$ 会增长到 $g/(1-\mu)$，`μ = 0.9` 时就是 10 倍的步长；
# 如果梯度来回变号（在山谷两壁之间振荡），它们在 $b$ 里互相抵消。
#
# * 有些教材写成 $v_t = \mu v_{t-1} + \eta g_t,\ \theta_t = \theta_{t-1} - v_t$。学习率不变时两种写法走出的轨迹完全一样，
#   但 PyTorch 的缓冲区里**不含**学习率，所以调度器改变学习率时立刻生效。
# * `nesterov=True` 时更新变成 $\theta_t = \theta_{t-1} - \eta\,(g_t + \mu\, b_t)$：相当于先沿着动量方向“往前看一步”，通常振荡更小。
# * 还有一个 `dampening` 参数（默认 0），会把 $g_t$ 换成 $(1-\text{dampening})\,g_t$，很少用到。
#
# 缓冲区保存在 `optimizer.state[参数]["momentum_buffer"]` 里。用一个常数梯度试两步：

# %%
# NBVAL_CHECK_OUTPUT
p = torch.tensor([1.0, 2.0], requires_grad=True)
opt = torch.optim.SGD([p], lr=0.1, momentum=0.9)
for step in (1, 2):
    p.grad = torch.tensor([1.0, -1.0])  # 手动放一个梯度进去
    opt.step()
    buf = opt.state[p]["momentum_buffer"]
    print(f"step {step}: buffer = {[round(v, 4) for v in buf.tolist()]}, p = {[round(v, 4) for v in p.tolist()]}")

# %% [markdown]
# 第一步缓冲区等于梯度 `[1, -1]`，第二步变成 $0.9 \times 1 + 1 = 1.9$，参数这一步走了 $0.1 \times 1.9 = 0.19$。练习 07.2 会请你亲手实现这一步。
#
# 动量还改变了稳定性的界限。在曲率为 $L$ 的方向上，带动量 $\mu$ 的 SGD 在 $\eta < 2(1+\mu)/L$ 时收敛（$\mu = 0.9$ 时是 $3.8/L$，比普通 SGD 的 $2/L$ 宽），
# 而 Nesterov 的界限是 $\eta < 2(1+\mu)/\bigl((1+2\mu)L\bigr)$（$\mu = 0.9$ 时约 $1.36/L$，反而更窄）。下一节的比赛会用到这一点。

# %% [markdown]
# ## 4. Adam 和 AdamW
#
# Adam 为**每个参数分量**各记两个指数移动平均：梯度的平均 $m$（一阶矩，相当于动量）和梯度平方的平均 $v$（二阶矩），再用 $\sqrt{v}$ 给步长归一化：
#
# $$m_t = \beta_1 m_{t-1} + (1-\beta_1)\,g_t,\qquad v_t = \beta_2 v_{t-1} + (1-\beta_2)\,g_t^2,$$
#
# $$\hat m_t = \frac{m_t}{1-\beta_1^t},\qquad \hat v_t = \frac{v_t}{1-\beta_2^t},\qquad \theta_t = \theta_{t-1} - \eta\,\frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}.$$
#
# 默认 $\beta_1 = 0.9,\ \beta_2 = 0.999,\ \epsilon = 10^{-8}$。$m$ 和 $v$ 从 0 开始，头几步会偏小，除以 $1-\beta^t$ 就是在修正这个偏差。
# 因为除以了 $\sqrt{\hat v}$，每个分量的步长大约是 $\eta$ 量级，**与梯度的尺度无关**。先亲手实现三步，和 `torch.optim.Adam` 对比：

# %%
# NBVAL_CHECK_OUTPUT
def adam_by_hand(theta, grads, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8):
    m = torch.zeros_like(theta)
    v = torch.zeros_like(theta)
    for t, g in enumerate(grads, start=1):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        theta = theta - lr * m_hat / (v_hat.sqrt() + eps)
    return theta


grads = [torch.tensor([1000.0, 0.001]), torch.tensor([800.0, 0.002]), torch.tensor([900.0, -0.001])]
p = torch.tensor([1.0, 1.0], requires_grad=True)
opt = torch.optim.Adam([p], lr=0.1)
for step, g in enumerate(grads, start=1):
    p.grad = g.clone()
    opt.step()
    if step == 1:
        print("after step 1, torch Adam:", [round(v, 4) for v in p.tolist()])
print("after 3 steps, torch Adam:", [round(v, 4) for v in p.tolist()])
print("after 3 steps, by hand:   ", [round(v, 4) for v in adam_by_hand(torch.tensor([1.0, 1.0]), grads).tolist()])

# %% [markdown]
# 两个分量的梯度差了一百万倍，但第一步都恰好走了 $\eta = 0.1$：Adam 的第一步就是 $\eta \cdot \text{sign}(g)$。
# 这就是它对“各个方向尺度不同”不敏感的原因；代价是它需要为每个参数额外存两个张量（`exp_avg` 和 `exp_avg_sq`）。
#
# ### 权重衰减：L2 加在梯度里，还是直接衰减参数？
#
# **权重衰减**（weight decay）把参数往 0 拉，是一种正则化。`torch.optim` 里有两种做法：
#
# * **L2 加在梯度里**（`SGD`、`Adam` 的 `weight_decay=λ`）：$g_t \leftarrow g_t + \lambda\,\theta_{t-1}$，等于在损失上加 $\tfrac{\lambda}{2}\|\theta\|^2$。
#   对普通 SGD，这一步正好是 $\theta \leftarrow (1-\eta\lambda)\,\theta - \eta g$，两种说法等价。
#   但在 Adam 里，这个附加项要和梯度一起被 $\sqrt{\hat v}$ 归一化：梯度大的参数几乎不被衰减，梯度小的参数反而被狠狠地拉向 0。
# * **解耦的权重衰减**（`AdamW`，默认 `weight_decay=0.01`）：先 $\theta \leftarrow (1-\eta\lambda)\,\theta$，再做**不含** $\lambda$ 的 Adam 更新。
#   每个参数都按同样的比例缩小，与梯度大小无关。在 torch 2.11 里，`AdamW` 就是 `Adam(decoupled_weight_decay=True)`。
#
# 一个极端但清楚的例子：损失的梯度为 0，只剩下权重衰减。参数是 `[10, 0.01]`，`lr = 0.1`，`weight_decay = 0.1`，各走一步：

# %%
# NBVAL_CHECK_OUTPUT
for name, make in [
    ("Adam  (L2 in the gradient)", lambda ps: torch.optim.Adam(ps, lr=0.1, weight_decay=0.1)),
    ("AdamW (decoupled)         ", lambda ps: torch.optim.AdamW(ps, lr=0.1, weight_decay=0.1)),
]:
    p = torch.tensor([10.0, 0.01], requires_grad=True)
    opt = make([p])
    p.grad = torch.zeros(2)  # 损失的梯度为 0
    opt.step()
    print(f"{name}: {[round(v, 4) for v in p.tolist()]}")
print("AdamW is Adam with decoupled_weight_decay=True:", issubclass(torch.optim.AdamW, torch.optim.Adam))

# %% [markdown]
# Adam 把附加的梯度 $\lambda\theta$ 归一化成了大约 $\pm 1$，于是两个分量都走了 $\eta = 0.1$：大的参数只缩小了 1%，小的参数直接冲过 0 变成了 $-0.09$。
# AdamW 则把两者都乘以 $1 - \eta\lambda = 0.99$。这就是大模型训练普遍使用 AdamW 的原因：衰减的强度可以预期，而且和学习率、梯度尺度分开调节。

# %% [markdown]
# ## 5. 在同一个山谷里比赛
#
# 现在让优化器在一个更难的曲面上比一比。这个函数是一个 Rosenbrock 型函数，
#
# $$f(x, y) = (1 - x)^2 + 20\,(y - x^2)^2 ,$$
#
# 最小值在 $(1, 1)$，$f = 0$。它有一条**又窄又弯**的山谷（沿着 $y = x^2$）：横穿山谷很陡，顺着山谷很平。
# 所有优化器都从同一点 $(-1.5, 2.5)$ 出发，优化同一个只有两个元素的参数张量，各走 300 步。
# 先看出发点的曲率（Hessian 矩阵的特征值），它决定了 SGD 的学习率上限：

# %%
# NBVAL_CHECK_OUTPUT
def valley(p):
    x, y = p[0], p[1]
    return (1 - x) ** 2 + 20 * (y - x**2) ** 2


start = torch.tensor([-1.5, 2.5])
curvatures = torch.linalg.eigvalsh(torch.autograd.functional.hessian(valley, start))
print("curvatures at the start:", [round(c, 2) for c in curvatures.tolist()])
print(f"SGD is stable only for lr < 2 / {curvatures.max().item():.1f} = {2 / curvatures.max().item():.4f}")

# %% [markdown]
# 一个方向的曲率约为 384，另一个方向甚至略为负（这里的函数不是凸的）。各个优化器的学习率：
#
# * SGD 和动量：`lr = 0.005`，刚好在 SGD 的上限 $2/384 \approx 0.0052$ 以下；
# * Nesterov：它的上限是 $1.36/384 \approx 0.0035$（见第 3 节），用 `lr = 0.005` 会发散，所以用 `lr = 0.003`；
# * Adam 和 AdamW：`lr = 0.05`。Adam 的步长约等于 $\eta$，与曲率无关，所以不受这个上限约束。AdamW 的 `weight_decay = 0.2` 故意设得大一些，好让效果看得出来。

# %%
optimizers = {
    "SGD": lambda ps: torch.optim.SGD(ps, lr=0.005),
    "Momentum 0.9": lambda ps: torch.optim.SGD(ps, lr=0.005, momentum=0.9),
    "Nesterov 0.9": lambda ps: torch.optim.SGD(ps, lr=0.003, momentum=0.9, nesterov=True),
    "Adam": lambda ps: torch.optim.Adam(ps, lr=0.05),
    "AdamW wd=0.2": lambda ps: torch.optim.AdamW(ps, lr=0.05, weight_decay=0.2),
}


def optimize(make_optimizer, loss_fn, start, steps):
    """Run an optimizer from `start`; return the path (steps + 1 points) and the losses."""
    p = start.clone().requires_grad_()
    opt = make_optimizer([p])
    path, losses = [p.detach().clone()], []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(p)
        loss.backward()
        opt.step()
        path.append(p.detach().clone())
        losses.append(loss.item())
    return torch.stack(path), losses


runs = {name: optimize(make, valley, start, steps=300) for name, make in optimizers.items()}
print(f"{'optimizer':<14} {'final x':>8} {'final y':>8} {'final loss':>11}")
for name, (path, _) in runs.items():
    final = path[-1]
    print(f"{name:<14} {final[0].item():8.4f} {final[1].item():8.4f} {valley(final).item():11.4f}")

# %%
from matplotlib.colors import LogNorm

xs, ys = torch.meshgrid(torch.linspace(-2, 2, 300), torch.linspace(-1, 3, 300), indexing="xy")
zs = valley(torch.stack([xs, ys]))
levels = torch.logspace(-2, 3, 21).tolist()  # 等高线按对数间隔画，谷底才看得清

fig, axes = plt.subplots(2, 3, figsize=(13, 8))
for ax, (name, (path, _)) in zip(axes.flat, runs.items()):
    ax.contour(xs, ys, zs, levels=levels, norm=LogNorm(), cmap="viridis", linewidths=0.7)
    ax.grid(False)
    ax.plot(path[:, 0], path[:, 1], ".-", color="tab:red", ms=2.5, lw=0.8)
    ax.plot(*start.tolist(), "ko", ms=6, label="start")
    ax.plot(1, 1, "*", color="gold", mec="k", ms=14, label="minimum (1, 1)")
    ax.plot(*path[-1].tolist(), "s", color="tab:red", mec="k", ms=6, label="after 300 steps")
    ax.set_title(name)
    ax.set_xlim(-2, 2)
    ax.set_ylim(-1, 3)
axes[0, 0].legend(loc="lower left", fontsize=8)
ax = axes[1, 2]
for name, (_, losses) in runs.items():
    ax.semilogy(losses, label=name)
ax.set_xlabel("step")
ax.set_ylabel("loss (log scale)")
ax.set_title("Loss per step")
ax.legend(fontsize=8)
fig.suptitle("Five optimizers, same start, same valley: f(x, y) = (1 - x)^2 + 20 (y - x^2)^2")
fig.tight_layout()
plt.show()

# %% [markdown]
# 读这张图：
#
# * **SGD**：一开始在陡峭的谷壁之间来回跳（学习率贴着上限），掉进谷底以后，沿着平坦的谷底一点点爬，300 步后停在 $(-0.20, 0.06)$，离终点还很远。
# * **动量**：沿谷底方向的梯度一直同号，在缓冲区里越积越大，很快冲到最小值附近，再带着一点振荡收敛；损失曲线上的锯齿就是这种振荡。
#   **Nesterov** 用了更小的学习率，曲线更平滑、几乎没有振荡，也到达了最小值附近。
# * **Adam**：每一步的长度都在 $\eta$ 量级，曲率大的方向不会让它发散，曲率小的方向也不会让它停滞，它以大致均匀的速度沿着山谷前进。
# * **AdamW**：轨迹的前半段和 Adam 相近，但权重衰减一直把参数往原点拉，所以它停在山谷里离原点更近的 $(0.73, 0.52)$，损失不再下降：
#   它最小化的其实不是 $f$ 本身。在真实模型里这正是我们想要的正则化效果，但要记住，衰减越强，偏离原始损失的最小值就越远。
#
# 没有哪个优化器在所有问题上都最好：这里的学习率都是人为选的，换一个学习率，名次就可能变。
# 实践中常见的起点是：卷积网络用 SGD + 动量（配合学习率调度），Transformer 和大多数新模型用 AdamW。

# %% [markdown]
# ## 6. `param_groups`：不同的参数，不同的超参数
#
# 传给优化器的可以不是一串参数，而是一串**字典**，每个字典是一个参数组，可以覆盖学习率、权重衰减等任何超参数；没写的就用构造函数里的默认值。
# 两个最常见的用法：
#
# * 偏置和归一化层的参数（都是一维的）**不做**权重衰减，只衰减矩阵形状的权重；
# * 微调时，预训练的“骨干”用小学习率，新加的“头”用大学习率。

# %%
# NBVAL_CHECK_OUTPUT
torch.manual_seed(0)
net = nn.Sequential(nn.Linear(4, 16), nn.LayerNorm(16), nn.ReLU(), nn.Linear(16, 3)).to(device)

decay = [p for p in net.parameters() if p.ndim >= 2]  # 两个 Linear 的 weight
no_decay = [p for p in net.parameters() if p.ndim < 2]  # 偏置和 LayerNorm 的参数
opt = torch.optim.AdamW(
    [{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}],
    lr=1e-3,
)
for i, group in enumerate(opt.param_groups):
    shapes = [tuple(p.shape) for p in group["params"]]
    print(f"group {i}: lr={group['lr']}, weight_decay={group['weight_decay']}, shapes={shapes}")

# %% [markdown]
# 每个组都是一个普通的字典，可以随时修改。调度器改变学习率，做的正是这件事：

# %%
# NBVAL_CHECK_OUTPUT
backbone, head = net[:2], net[3]
opt = torch.optim.SGD(
    [{"params": backbone.parameters(), "lr": 1e-4}, {"params": head.parameters()}],
    lr=1e-2,
    momentum=0.9,
)
print("lr per group:", [g["lr"] for g in opt.param_groups])
for group in opt.param_groups:
    group["lr"] *= 0.5  # 例如验证损失不再下降时，手动减半
print("after halving:", [g["lr"] for g in opt.param_groups])

# %% [markdown]
# 同一个参数只能出现在一个组里，放进两个组会报错：

# %%
# NBVAL_CHECK_OUTPUT
try:
    torch.optim.SGD([{"params": net.parameters()}, {"params": net[0].parameters()}], lr=0.1)
except ValueError as err:
    print("ValueError:", err)

# %% [markdown]
# ## 7. `optimizer.state_dict()`：保存和恢复
#
# 带状态的优化器（动量缓冲区、Adam 的 $m$ 和 $v$、步数）在训练中断后必须和模型一起保存，否则恢复训练时动量从 0 开始，轨迹就变了。
# `optimizer.state_dict()` 有两部分：`state`（按参数的**序号**存的各个缓冲区）和 `param_groups`（各组的超参数，参数也用序号表示）。

# %%
# NBVAL_CHECK_OUTPUT
def make_run():
    torch.manual_seed(0)
    model = nn.Linear(3, 1).to(device)
    return model, torch.optim.Adam(model.parameters(), lr=0.01)


data_x = torch.randn(16, 3).to(device)
data_y = torch.randn(16, 1).to(device)


def train_steps(model, opt, steps):
    for _ in range(steps):
        opt.zero_grad()
        nn.functional.mse_loss(model(data_x), data_y).backward()
        opt.step()


model, opt = make_run()
train_steps(model, opt, 5)
sd = opt.state_dict()
print("keys:", list(sd))
print("state of param 0:", {k: tuple(v.shape) for k, v in sd["state"][0].items()})
print("param_groups[0]:", {k: v for k, v in sd["param_groups"][0].items() if k in ("lr", "betas", "params")})

# %% [markdown]
# 用 `torch.save` 把模型和优化器的 `state_dict` 一起存下来，在“新的进程”里（这里用新建的对象模拟）加载，接着训练。
# 结果和不中断地一直训练下去完全一致：

# %%
# NBVAL_CHECK_OUTPUT
import io

buffer = io.BytesIO()  # 真实项目里是一个文件，比如 "checkpoint.pt"
torch.save({"model": model.state_dict(), "optimizer": opt.state_dict()}, buffer)

model_a, opt_a = make_run()  # 不中断：一口气训练 10 步
train_steps(model_a, opt_a, 10)

buffer.seek(0)
checkpoint = torch.load(buffer)
model_b, opt_b = make_run()  # 恢复：加载第 5 步的检查点，再训练 5 步
model_b.load_state_dict(checkpoint["model"])
opt_b.load_state_dict(checkpoint["optimizer"])
train_steps(model_b, opt_b, 5)
print("resumed run == uninterrupted run:", torch.equal(model_a.weight, model_b.weight))

# %% [markdown]
# ## 8. 学习率调度器
#
# 训练开始时大的学习率走得快，接近终点时小的学习率才能停稳。`torch.optim.lr_scheduler` 里的调度器按照一个固定的日程修改
# `optimizer.param_groups[i]["lr"]`。常用的几个：
#
# | 调度器 | 学习率怎么变 |
# | --- | --- |
# | `StepLR(step_size, gamma)` | 每 `step_size` 步乘以 `gamma` |
# | `CosineAnnealingLR(T_max, eta_min)` | 在 `T_max` 步内沿半个余弦从初始值降到 `eta_min`：$\eta_t = \eta_{\min} + \tfrac12(\eta_0 - \eta_{\min})\bigl(1 + \cos\tfrac{\pi t}{T_{\max}}\bigr)$ |
# | `OneCycleLR(max_lr, total_steps)` | 先升到 `max_lr`（默认前 30% 的步数），再降到很小；同时反向调整动量 |
# | `LinearLR` + `SequentialLR` | 线性**预热**（warmup）若干步，再接另一个调度器，比如余弦 |
#
# 每个训练步骤里，调用顺序是 **先 `optimizer.step()`，再 `scheduler.step()`**。反过来的话 PyTorch 会发出警告，并且跳过日程的第一个值。
# 调度器按“步”还是按“轮”（epoch）调用都可以，只要 `T_max`、`total_steps` 用的是同一个单位（课程的 `fit()` 每轮调用一次）。
#
# 下面把四个日程画出来，每个都是 100 步，初始学习率 0.1：

# %%
from torch.optim import lr_scheduler


def lr_curve(make_scheduler, steps=100, lr=0.1):
    """The learning rate used at each of `steps` optimizer steps."""
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr, momentum=0.9)
    sched = make_scheduler(opt)
    lrs = []
    for _ in range(steps):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()  # 先更新参数（这里没有梯度，什么也不做）
        sched.step()  # 再推进日程
    return lrs


schedules = {
    "StepLR(step_size=30, gamma=0.5)": lambda o: lr_scheduler.StepLR(o, step_size=30, gamma=0.5),
    "CosineAnnealingLR(T_max=100)": lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=100),
    "OneCycleLR(max_lr=0.1, total_steps=100)": lambda o: lr_scheduler.OneCycleLR(
        o, max_lr=0.1, total_steps=100
    ),
    "LinearLR warmup 10 + cosine 90": lambda o: lr_scheduler.SequentialLR(
        o,
        [
            lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=10),
            lr_scheduler.CosineAnnealingLR(o, T_max=90),
        ],
        milestones=[10],
    ),
}
curves = {name: lr_curve(make) for name, make in schedules.items()}

fig, ax = plt.subplots(figsize=(8, 4))
for name, lrs in curves.items():
    ax.plot(lrs, label=name)
ax.set_xlabel("optimizer step")
ax.set_ylabel("learning rate")
ax.set_title("Learning-rate schedules (initial lr 0.1)")
ax.legend(fontsize=8)
plt.show()

for name, lrs in curves.items():
    print(f"{name:<40} first {lrs[0]:.4f}  max {max(lrs):.4f}  last {lrs[-1]:.6f}")

# %% [markdown]
# ### 调度真正起作用的时候：带噪声的梯度
#
# 在确定性的问题上（比如上面的山谷），固定学习率也能收敛。调度的价值在**随机**梯度下降里才真正显现：
# 每步只看一个小批量，梯度带噪声，固定的学习率让参数在最优点附近不停地抖动，损失降到一个“噪声底”就不再下降；把学习率降下来，抖动随之变小。
#
# 下面是一个线性回归，512 个样本，每步随机抽 8 个。三次训练除了学习率日程以外完全相同（同样的初始化、同样的小批量顺序）。
# 我们画出全体数据上的损失比最小二乘解**多出来的部分**（超额损失）。

# %%
gen = torch.Generator().manual_seed(0)
reg_x = torch.randn(512, 8, generator=gen)
reg_y = reg_x @ torch.randn(8, 1, generator=gen) + 0.5 * torch.randn(512, 1, generator=gen)
reg_x, reg_y = reg_x.to(device), reg_y.to(device)

with_bias = torch.cat([reg_x, torch.ones(512, 1, device=device)], dim=1)
best_loss = nn.functional.mse_loss(with_bias @ torch.linalg.pinv(with_bias) @ reg_y, reg_y).item()


def train_regression(make_scheduler, steps=300, lr=0.1):
    torch.manual_seed(1)
    model = nn.Linear(8, 1).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    sched = make_scheduler(opt) if make_scheduler else None
    batches = torch.Generator().manual_seed(2)  # 三次训练抽到同样的小批量
    excess = []
    for _ in range(steps):
        idx = torch.randint(0, 512, (8,), generator=batches).to(device)
        opt.zero_grad()
        nn.functional.mse_loss(model(reg_x[idx]), reg_y[idx]).backward()
        opt.step()
        if sched:
            sched.step()
        with torch.no_grad():
            excess.append(nn.functional.mse_loss(model(reg_x), reg_y).item() - best_loss)
    return excess


results = {
    "constant lr 0.1": train_regression(None),
    "StepLR (x0.1 every 100 steps)": train_regression(
        lambda o: lr_scheduler.StepLR(o, step_size=100, gamma=0.1)
    ),
    "CosineAnnealingLR (T_max=300)": train_regression(
        lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=300)
    ),
}

fig, ax = plt.subplots(figsize=(8, 4))
for name, excess in results.items():
    ax.semilogy(excess, label=name, lw=1)
ax.set_xlabel("step (one mini-batch of 8)")
ax.set_ylabel("full-data loss minus best possible (log)")
ax.set_title("Minibatch SGD on linear regression: decaying the lr lowers the noise floor")
ax.legend()
plt.show()

for name, excess in results.items():
    print(f"{name:<31} mean excess loss over the last 50 steps: {sum(excess[-50:]) / 50:.4f}")

# %% [markdown]
# 固定学习率的曲线一直在 $10^{-2}$ 到 $10^{-1}$ 之间上下跳动；两种衰减的日程在学习率变小以后，超额损失又降了一个多数量级。
# StepLR 在第 100、200 步“台阶式”下降，余弦日程则平滑地下降。

# %% [markdown]
# ## 9. 梯度裁剪
#
# 有时某一步的梯度会突然变得非常大（循环网络里的“梯度爆炸”、损失曲面上的“悬崖”、一个异常的批次）。一步走得太远，之前的训练就白费了，甚至直接变成 `inf`/`nan`。
# 梯度裁剪在 `backward()` 之后、`optimizer.step()` 之前限制梯度的大小：
#
# * `torch.nn.utils.clip_grad_norm_(params, max_norm)`：把**所有**参数的梯度拼成一个大向量，求它的范数（总范数）；
#   如果超过 `max_norm`，所有梯度一起乘以 `max_norm / 总范数`。方向不变，只缩短长度。它**返回裁剪之前的总范数**，很适合记录下来监控训练。
# * `torch.nn.utils.clip_grad_value_(params, clip_value)`：把每个分量截断到 `[-clip_value, clip_value]`，会改变方向。

# %%
# NBVAL_CHECK_OUTPUT
w1 = torch.zeros(2, requires_grad=True)
w2 = torch.zeros(1, requires_grad=True)

w1.grad, w2.grad = torch.tensor([3.0, 0.5]), torch.tensor([-4.0])
total = torch.nn.utils.clip_grad_norm_([w1, w2], max_norm=1.0)
print(f"clip_grad_norm_ returned the norm before clipping: {total.item():.4f}")
print("after clip_grad_norm_: ", [round(v, 4) for v in torch.cat([w1.grad, w2.grad]).tolist()])

w1.grad, w2.grad = torch.tensor([3.0, 0.5]), torch.tensor([-4.0])
torch.nn.utils.clip_grad_value_([w1, w2], clip_value=1.0)
print("after clip_grad_value_:", [round(v, 4) for v in torch.cat([w1.grad, w2.grad]).tolist()])

# %% [markdown]
# 总范数是 $\sqrt{3^2 + 0.5^2 + 4^2} = \sqrt{41.25}$。按范数裁剪，就是把梯度除以这个范数：$[3, 0.5, -4] / \sqrt{41.25}$ 与原梯度方向相同，长度为 1（准确地说略小于 1：`clip_grad_norm_` 的缩放系数是 `max_norm / (总范数 + 1e-6)`）；
# 按值裁剪后变成 `[1, 0.5, -1]`，方向变了。
#
# ### 裁剪真正起作用的时候：梯度爆炸
#
# 一个最小的“循环网络”：隐状态 $h_0 = 1$，重复 20 次 $h_t = w\,h_{t-1} + b$，损失 $\tfrac12 (h_{20} - 3)^2$。
# 当 $w > 1$ 时，$h_{20}$ 里有 $w^{20}$，对 $w$ 的梯度里有 $20\,w^{19}$：梯度随 $w$ **指数**增长，损失曲面在山谷右边是一面陡峭的悬崖。
# 学习率选 0.0005，对山谷底部来说它足够小（下面会核对）。从悬崖上的 $(w, b) = (1.1, 0.3)$ 出发，一次不裁剪，一次用 `clip_grad_norm_(max_norm=10)`：

# %%
def unrolled_loss(p, steps=20):
    w, b = p[0], p[1]
    h = torch.ones((), dtype=p.dtype)
    for _ in range(steps):
        h = w * h + b
    return 0.5 * (h - 3.0) ** 2


def train_rnn(max_norm, steps=100, lr=0.0005):
    p = torch.tensor([1.1, 0.3], requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr)
    path, losses, norms = [p.detach().clone()], [], []
    for _ in range(steps):
        opt.zero_grad()
        loss = unrolled_loss(p)
        loss.backward()
        if max_norm is None:
            norms.append(torch.linalg.vector_norm(p.grad).item())
        else:
            norms.append(torch.nn.utils.clip_grad_norm_([p], max_norm).item())  # 返回裁剪前的范数
        opt.step()
        path.append(p.detach().clone())
        losses.append(loss.item())
    return torch.stack(path), losses, norms


plain = train_rnn(max_norm=None)
clipped = train_rnn(max_norm=10.0)
for name, (path, losses, norms) in [("no clipping", plain), ("clip_grad_norm_(max_norm=10)", clipped)]:
    print(f"{name}:")
    for step in range(3):
        w, b = path[step + 1].tolist()
        print(f"  step {step}: grad norm {norms[step]:9.4g} -> (w, b) = ({w:.4g}, {b:.4g})")
    w, b = path[-1].tolist()
    print(f"  after {len(losses)} steps: (w, b) = ({w:.4f}, {b:.4f}), loss {unrolled_loss(path[-1]).item():.4f}")

first_unclipped = next(i for i, n in enumerate(clipped[2]) if n <= 10.0)
print(f"clipping was active for the first {first_unclipped} steps")
bottom = clipped[0][-1]
curvature = torch.linalg.eigvalsh(torch.autograd.functional.hessian(unrolled_loss, bottom)).max().item()
print(f"largest curvature at the point found: {curvature:.0f} -> stable for lr < {2 / curvature:.4f}")

# %% [markdown]
# 没有裁剪时，第一步的梯度范数约为 6700，乘以学习率 0.0005 就是 3.4 的一大步：参数被甩到 $w \approx -2.2$，那里 $w^{20}$ 约为 $10^7$，
# 下一步的梯度接近 $10^{15}$，参数飞到 $10^{11}$，接着溢出成 `inf`、`nan`，训练彻底失败。
# 裁剪以后，每一步最多走 $\eta \times 10 = 0.005$，参数顺着悬崖走下来；三十多步后梯度范数降到 10 以下，裁剪不再起作用，剩下的就是普通的梯度下降，损失降到 0。
# 学习率本身没有问题：在找到的点上，它远低于稳定性上限 $2/L$。出问题的只是悬崖上那几步。
# 把两次训练画在损失曲面上：

# %%
ws, bs = torch.meshgrid(torch.linspace(0.5, 1.2, 300), torch.linspace(-0.3, 1.2, 300), indexing="xy")
surface = unrolled_loss(torch.stack([ws, bs]))

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4.8))
cs = ax1.contourf(ws, bs, torch.log10(surface + 1e-3), levels=30, cmap="viridis")
fig.colorbar(cs, ax=ax1, label="log10(loss)")
ax1.grid(False)
ax1.plot(clipped[0][:, 0], clipped[0][:, 1], ".-", color="white", ms=3, lw=1, label="clip_grad_norm_(max_norm=10)")
w_next, b_next = plain[0][1].tolist()
ax1.annotate(
    f"no clipping: step 1 jumps to ({w_next:.2f}, {b_next:.2f}),\nthen to 1e11 and inf/nan",
    xy=(1.1, 0.3),
    xytext=(0.52, -0.22),
    color="white",
    arrowprops={"arrowstyle": "<-", "color": "tab:red", "lw": 1.5},
)
ax1.plot(1.1, 0.3, "o", color="tab:red", ms=7, label="start (1.1, 0.3)")
ax1.set_xlabel("w")
ax1.set_ylabel("b")
ax1.set_title("A cliff: h = w*h + b unrolled 20 times")
ax1.legend(loc="upper right", fontsize=8)

ax2.semilogy(clipped[1], label="clip_grad_norm_(max_norm=10)")
finite = [v for v in plain[1] if v < float("inf")]  # inf 和 nan 画不出来
ax2.semilogy(finite, "o-", color="tab:red", label="no clipping (inf, then nan, after step 2)")
ax2.set_xlabel("step")
ax2.set_ylabel("loss (log scale)")
ax2.set_ylim(bottom=1e-9)
ax2.set_title("Loss per step")
ax2.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# 裁剪不是万能的：它只限制步长，不修正方向；阈值太小会让训练变慢（每一步都被裁剪，就成了固定步长的下降）。
# 实践中常把 `max_norm` 设在 1 左右（Transformer 训练的常见取值），同时把 `clip_grad_norm_` 返回的范数记下来：它突然变大，往往就是训练出问题的第一个信号。
#
# ## 小结
#
# * 训练步骤：`zero_grad()`（默认把 `.grad` 设为 `None`）→ 前向 → `backward()` →（可选）裁剪 → `optimizer.step()` →（可选）`scheduler.step()`。
# * SGD：$\theta \leftarrow \theta - \eta g$，要求 $\eta < 2/L$；最平的方向决定速度。
# * 动量：$b \leftarrow \mu b + g$，$\theta \leftarrow \theta - \eta b$；Nesterov 再往前看一步。
# * Adam：按分量用 $\sqrt{\hat v}$ 归一化步长；`Adam(weight_decay)` 是加在梯度里的 L2，`AdamW` 是解耦的权重衰减 $\theta \leftarrow (1-\eta\lambda)\theta$。
# * `param_groups` 让每组参数有自己的超参数；`optimizer.state_dict()` 要和模型一起保存。
# * 调度器：先 `optimizer.step()` 再 `scheduler.step()`；在带噪声的梯度下，降低学习率能压低噪声底。
# * `clip_grad_norm_` 按总范数等比例缩放并返回裁剪前的范数；`clip_grad_value_` 逐个分量截断。
#
# 接下来打开 `exercises/zh/07_optim.ipynb`：求最快的学习率、亲手实现动量和梯度裁剪、计算余弦日程、给参数分组。

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **接下来：** [本章练习：07_optim](../../exercises/zh/07_optim.ipynb) · [下一章：08_data](08_data.ipynb)
