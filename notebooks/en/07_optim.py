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
# # 07 · Optimizers: SGD, momentum, Adam/AdamW, learning-rate schedules and gradient clipping
#
# Chapter 05's autograd computed gradients, and chapter 06 put the parameters inside an `nn.Module`. The **optimizer** (`torch.optim`) does the remaining step:
# it decides, from the gradients, which way the parameters move and how far. Every update rule in this chapter is written down as a formula first, then run in PyTorch and drawn:
#
# 1. what the optimizer does in one training step (starting from the seed text's Linear + MSELoss + SGD example), and why `zero_grad()` sets gradients to `None`;
# 2. SGD and the learning rate: why a learning rate above $2/L$ diverges;
# 3. momentum and Nesterov momentum;
# 4. Adam and AdamW, and what "weight decay" means in each;
# 5. SGD, momentum, Adam and AdamW racing through the **same** narrow, curved valley: trajectories and loss curves;
# 6. `param_groups` (different hyperparameters for different parameters) and `state_dict()` (saving and restoring an optimizer);
# 7. learning-rate schedulers: StepLR, CosineAnnealingLR, OneCycleLR, warm-up + cosine, and an example where a schedule really helps;
# 8. gradient clipping: `clip_grad_norm_` and `clip_grad_value_`, and an example that blows up without it.

# %%
from course_utils import setup_notebook

setup_notebook()

# %%
import matplotlib.pyplot as plt
import torch
from torch import nn

from course_utils import get_device

device = get_device()  # the GPU if there is one, else the CPU; this chapter's code runs on both

# %% [markdown]
# ## 1. What an optimizer does
#
# The seed text's backpropagation example is one complete training step: forward pass, loss, `backward()` for the gradients, `optimizer.step()` to update the parameters, `optimizer.zero_grad()` to clear the gradients.
# Here it is in modern form: the random seed is fixed (`setup_notebook()` did it), and a single `nn.Linear` needs no class wrapped around it.
# The data are made on the CPU and then moved to `device`, so the CPU and the GPU see the same numbers.

# %%
model = nn.Linear(2, 1).to(device)
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

x = torch.randn(2, 2).to(device)
y = torch.randn(2, 1).to(device)

optimizer.zero_grad()  # clear the gradients left by the previous step (there are none yet)
loss = criterion(model(x), y)  # forward pass + loss
loss.backward()  # backward pass: the gradients land in each parameter's .grad
print(f"loss = {loss.item():.4f}")

# %% [markdown]
# For each parameter, `optimizer.step()` does plain gradient descent, $\theta \leftarrow \theta - \eta\, \nabla_\theta L$ ($\eta$ is the learning rate `lr`). Keep the old parameters and check:

# %%
# NBVAL_CHECK_OUTPUT
before = [p.detach().clone() for p in model.parameters()]
optimizer.step()
for (name, p), old in zip(model.named_parameters(), before):
    expected = old - 0.01 * p.grad
    print(f"{name}: new == old - lr * grad ? {torch.allclose(p, expected)}")

# %% [markdown]
# Then clear the gradients. Since PyTorch 2.0, `zero_grad()` defaults to `set_to_none=True`: instead of filling the gradients with zeros it sets `.grad` to `None`.
# That saves a memory write, and optimizers **skip** parameters whose `.grad` is `None`. The difference is more than memory: with a gradient of zeros, an optimizer with momentum or weight decay still moves the parameter.

# %%
# NBVAL_CHECK_OUTPUT
optimizer.zero_grad()
print("after zero_grad():                    weight.grad =", model.weight.grad)
model(x).sum().backward()
optimizer.zero_grad(set_to_none=False)
print("after zero_grad(set_to_none=False):   weight.grad =", model.weight.grad.cpu())

# %% [markdown]
# ## 2. SGD and the learning rate: why it cannot be too large
#
# Take a quadratic $f(\mathbf{x}) = \tfrac12 \mathbf{x}^\top A \mathbf{x}$, whose gradient is $A\mathbf{x}$.
# Along the eigenvectors of $A$ the components do not interact: if $\lambda_i$ is an eigenvalue (the **curvature** in that direction), one step of gradient descent multiplies that component by $(1 - \eta\lambda_i)$.
#
# * To converge, every direction needs $|1 - \eta\lambda_i| < 1$, that is $0 < \eta < 2/\lambda_i$.
#   So the **steepest** direction (the largest eigenvalue $L = \lambda_{\max}$) caps the learning rate: $\eta < 2/L$.
# * The **flattest** direction ($\lambda_{\min}$) sets the speed: it only shrinks by a factor $|1 - \eta\lambda_{\min}|$ per step.
#   The learning rate that makes the slowest direction as fast as possible is $\eta^* = 2/(\lambda_{\min} + \lambda_{\max})$.
#
# The $A$ below is not diagonal; its two eigenvalues are 1 and 10: a long, thin elliptical bowl.

# %%
# NBVAL_CHECK_OUTPUT
A = torch.tensor([[5.5, 4.5], [4.5, 5.5]])
eigenvalues = torch.linalg.eigvalsh(A)  # eigenvalues of a symmetric matrix, in ascending order
lam_min, lam_max = eigenvalues.tolist()
print(f"eigenvalues: {lam_min:.4f}, {lam_max:.4f}")
print(f"stability limit 2/L        = {2 / lam_max:.4f}")
print(f"fastest lr 2/(min + max)   = {2 / (lam_min + lam_max):.4f}")

# %% [markdown]
# Run `torch.optim.SGD` in this bowl for 60 steps with four learning rates:

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
# * `lr = 0.05`: stable, but the flat direction only shrinks by 0.95 per step: slow;
# * `lr = 0.18` (about $2/11$): the fastest;
# * `lr = 0.199`: just below $2/L = 0.2$; the steep direction is multiplied by $-0.99$ each step, so it oscillates and hardly converges;
# * `lr = 0.21`: above $2/L$; the steep direction is multiplied by $-1.1$ each step, the loss grows exponentially: it **diverges**.
#
# The larger the condition number $\kappa = \lambda_{\max}/\lambda_{\min}$, the sharper this conflict: the steep direction caps the learning rate, so the flat direction can only crawl.
# Momentum and Adam, below, both ease this conflict.

# %% [markdown]
# ## 3. Momentum and Nesterov momentum
#
# Momentum lets the parameters move with a "velocity": past gradients accumulate in a buffer $b$. PyTorch's `SGD(momentum=μ)` writes it as
#
# $$b_t = \mu\, b_{t-1} + g_t,\qquad \theta_t = \theta_{t-1} - \eta\, b_t ,$$
#
# with $b_1 = g_1$ on the first step. If the gradient keeps pointing the same way, $b$ grows to $g/(1-\mu)$, ten times the step for `μ = 0.9`;
# if the gradient keeps changing sign (bouncing between the walls of a valley), the gradients cancel out in $b$.
#
# * Some texts write $v_t = \mu v_{t-1} + \eta g_t,\ \theta_t = \theta_{t-1} - v_t$. With a constant learning rate both forms follow exactly the same path,
#   but PyTorch's buffer does **not** contain the learning rate, so a scheduler's change of learning rate takes effect at once.
# * With `nesterov=True` the update becomes $\theta_t = \theta_{t-1} - \eta\,(g_t + \mu\, b_t)$: it "looks one step ahead" along the momentum, and usually oscillates less.
# * There is also a `dampening` argument (default 0), which replaces $g_t$ by $(1-\text{dampening})\,g_t$; it is rarely used.
#
# The buffer lives in `optimizer.state[param]["momentum_buffer"]`. Two steps with a constant gradient:

# %%
# NBVAL_CHECK_OUTPUT
p = torch.tensor([1.0, 2.0], requires_grad=True)
opt = torch.optim.SGD([p], lr=0.1, momentum=0.9)
for step in (1, 2):
    p.grad = torch.tensor([1.0, -1.0])  # put a gradient in by hand
    opt.step()
    buf = opt.state[p]["momentum_buffer"]
    print(f"step {step}: buffer = {[round(v, 4) for v in buf.tolist()]}, p = {[round(v, 4) for v in p.tolist()]}")

# %% [markdown]
# After the first step the buffer equals the gradient `[1, -1]`; after the second it is $0.9 \times 1 + 1 = 1.9$, and the parameter moved $0.1 \times 1.9 = 0.19$. Exercise 07.2 asks you to implement this step yourself.
#
# Momentum also changes the stability limit. Along a direction with curvature $L$, SGD with momentum $\mu$ converges for $\eta < 2(1+\mu)/L$ ($3.8/L$ for $\mu = 0.9$, wider than plain SGD's $2/L$),
# while Nesterov's limit is $\eta < 2(1+\mu)/\bigl((1+2\mu)L\bigr)$ (about $1.36/L$ for $\mu = 0.9$: narrower). The race in the next section runs into this.

# %% [markdown]
# ## 4. Adam and AdamW
#
# Adam keeps two exponential moving averages for **every component** of every parameter: the mean of the gradient $m$ (the first moment, a kind of momentum) and the mean of the squared gradient $v$ (the second moment), and divides the step by $\sqrt{v}$:
#
# $$m_t = \beta_1 m_{t-1} + (1-\beta_1)\,g_t,\qquad v_t = \beta_2 v_{t-1} + (1-\beta_2)\,g_t^2,$$
#
# $$\hat m_t = \frac{m_t}{1-\beta_1^t},\qquad \hat v_t = \frac{v_t}{1-\beta_2^t},\qquad \theta_t = \theta_{t-1} - \eta\,\frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}.$$
#
# The defaults are $\beta_1 = 0.9,\ \beta_2 = 0.999,\ \epsilon = 10^{-8}$. $m$ and $v$ start at 0 and are too small for the first few steps; dividing by $1-\beta^t$ corrects that bias.
# Because of the division by $\sqrt{\hat v}$, each component moves by roughly $\eta$ per step, **whatever the scale of its gradient**. Three steps by hand, compared with `torch.optim.Adam`:

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
# The two gradients differ by a factor of a million, yet both components moved by exactly $\eta = 0.1$ on the first step: Adam's first step is $\eta \cdot \text{sign}(g)$.
# That is why it copes with directions of very different scales; the price is two extra tensors per parameter (`exp_avg` and `exp_avg_sq`).
#
# ### Weight decay: L2 in the gradient, or decaying the parameters directly?
#
# **Weight decay** pulls the parameters towards 0; it is a form of regularisation. `torch.optim` does it in two ways:
#
# * **L2 in the gradient** (`weight_decay=λ` of `SGD` and `Adam`): $g_t \leftarrow g_t + \lambda\,\theta_{t-1}$, the same as adding $\tfrac{\lambda}{2}\|\theta\|^2$ to the loss.
#   For plain SGD this step is exactly $\theta \leftarrow (1-\eta\lambda)\,\theta - \eta g$, so the two descriptions agree.
#   In Adam, though, the extra term goes through the normalisation by $\sqrt{\hat v}$ together with the gradient: parameters with large gradients are hardly decayed, and parameters with tiny gradients are pulled hard towards 0.
# * **Decoupled weight decay** (`AdamW`, default `weight_decay=0.01`): first $\theta \leftarrow (1-\eta\lambda)\,\theta$, then an Adam update **without** $\lambda$.
#   Every parameter shrinks by the same factor, whatever its gradient. In torch 2.11, `AdamW` is `Adam(decoupled_weight_decay=True)`.
#
# An extreme but clear example: the loss gradient is 0, so only the weight decay acts. The parameters are `[10, 0.01]`, `lr = 0.1`, `weight_decay = 0.1`, one step each:

# %%
# NBVAL_CHECK_OUTPUT
for name, make in [
    ("Adam  (L2 in the gradient)", lambda ps: torch.optim.Adam(ps, lr=0.1, weight_decay=0.1)),
    ("AdamW (decoupled)         ", lambda ps: torch.optim.AdamW(ps, lr=0.1, weight_decay=0.1)),
]:
    p = torch.tensor([10.0, 0.01], requires_grad=True)
    opt = make([p])
    p.grad = torch.zeros(2)  # the loss gradient is 0
    opt.step()
    print(f"{name}: {[round(v, 4) for v in p.tolist()]}")
print("AdamW is Adam with decoupled_weight_decay=True:", issubclass(torch.optim.AdamW, torch.optim.Adam))

# %% [markdown]
# Adam normalised the extra gradient $\lambda\theta$ to about $\pm 1$, so both components moved by $\eta = 0.1$: the large parameter shrank by only 1%, and the small one shot through 0 to $-0.09$.
# AdamW multiplied both by $1 - \eta\lambda = 0.99$. This is why large models are usually trained with AdamW: the strength of the decay is predictable, and it is tuned separately from the learning rate and the gradient scale.

# %% [markdown]
# ## 5. A race through one valley
#
# Now let the optimizers compete on a harder surface. This is a Rosenbrock-type function,
#
# $$f(x, y) = (1 - x)^2 + 20\,(y - x^2)^2 ,$$
#
# with its minimum $f = 0$ at $(1, 1)$. It has a **narrow, curved** valley (along $y = x^2$): steep across the valley, nearly flat along it.
# Every optimizer starts from the same point $(-1.5, 2.5)$, optimises the same two-element parameter tensor, and takes 300 steps.
# First the curvature at the start (the eigenvalues of the Hessian matrix), which caps SGD's learning rate:

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
# One direction has a curvature of about 384; the other is even slightly negative (the function is not convex there). The learning rates:
#
# * SGD and momentum: `lr = 0.005`, just below SGD's limit $2/384 \approx 0.0052$;
# * Nesterov: its limit is $1.36/384 \approx 0.0035$ (see section 3); `lr = 0.005` diverges, so it gets `lr = 0.003`;
# * Adam and AdamW: `lr = 0.05`. Adam's step is about $\eta$ whatever the curvature, so this limit does not apply to it. AdamW's `weight_decay = 0.2` is deliberately large, so that its effect shows.

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
levels = torch.logspace(-2, 3, 21).tolist()  # log-spaced contour levels, so that the valley floor shows

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
# Reading the figure:
#
# * **SGD** first bounces between the steep walls (its learning rate is right at the limit); once on the valley floor it crawls along it, and after 300 steps it sits at $(-0.20, 0.06)$, still far from the goal.
# * **Momentum**: along the valley the gradient keeps its sign, so it builds up in the buffer; the parameters rush to the minimum and converge with some oscillation, the zigzag in the loss curve.
#   **Nesterov**, with its smaller learning rate, has a smoother curve with almost no oscillation, and also ends near the minimum.
# * **Adam** moves by about $\eta$ per step: the steep direction does not make it diverge and the flat one does not stall it; it travels down the valley at a roughly steady pace.
# * **AdamW** follows a path close to Adam's for the first half, but the weight decay keeps pulling the parameters towards the origin, so it stops further down the valley, at $(0.73, 0.52)$, and its loss stops falling:
#   what it minimises is not $f$ itself. In a real model that is exactly the regularisation we want, but remember: the stronger the decay, the further from the minimum of the original loss.
#
# No optimizer is best on every problem: these learning rates were picked by hand, and other learning rates could change the ranking.
# Common starting points in practice: SGD with momentum (plus a learning-rate schedule) for convolutional networks, AdamW for transformers and most recent models.

# %% [markdown]
# ## 6. `param_groups`: different parameters, different hyperparameters
#
# An optimizer accepts a list of **dicts** instead of a list of parameters. Each dict is a parameter group and may override any hyperparameter, the learning rate, the weight decay and so on; what it leaves out comes from the constructor's arguments.
# The two most common uses:
#
# * **no** weight decay on biases and on normalisation layers' parameters (all 1-D), decay only on the weight matrices;
# * when fine-tuning, a small learning rate for the pretrained "backbone" and a larger one for the new "head".

# %%
# NBVAL_CHECK_OUTPUT
torch.manual_seed(0)
net = nn.Sequential(nn.Linear(4, 16), nn.LayerNorm(16), nn.ReLU(), nn.Linear(16, 3)).to(device)

decay = [p for p in net.parameters() if p.ndim >= 2]  # the weights of the two Linear layers
no_decay = [p for p in net.parameters() if p.ndim < 2]  # the biases and LayerNorm's parameters
opt = torch.optim.AdamW(
    [{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}],
    lr=1e-3,
)
for i, group in enumerate(opt.param_groups):
    shapes = [tuple(p.shape) for p in group["params"]]
    print(f"group {i}: lr={group['lr']}, weight_decay={group['weight_decay']}, shapes={shapes}")

# %% [markdown]
# Each group is a plain dict, and you may change it at any time. That is exactly what a scheduler does to the learning rate:

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
    group["lr"] *= 0.5  # e.g. halve it by hand when the validation loss stops improving
print("after halving:", [g["lr"] for g in opt.param_groups])

# %% [markdown]
# A parameter may appear in only one group; putting it in two is an error:

# %%
# NBVAL_CHECK_OUTPUT
try:
    torch.optim.SGD([{"params": net.parameters()}, {"params": net[0].parameters()}], lr=0.1)
except ValueError as err:
    print("ValueError:", err)

# %% [markdown]
# ## 7. `optimizer.state_dict()`: saving and restoring
#
# An optimizer with state (momentum buffers, Adam's $m$ and $v$, the step count) must be saved together with the model when training stops; otherwise the momentum restarts from 0 when training resumes, and the path changes.
# `optimizer.state_dict()` has two parts: `state` (the buffers, keyed by the parameter's **index**) and `param_groups` (each group's hyperparameters, with the parameters also given as indices).

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
# Save the model's and the optimizer's `state_dict` together with `torch.save`, load them in a "new process" (simulated here with new objects), and continue training.
# The result is identical to training without a break:

# %%
# NBVAL_CHECK_OUTPUT
import io

buffer = io.BytesIO()  # in a real project, a file such as "checkpoint.pt"
torch.save({"model": model.state_dict(), "optimizer": opt.state_dict()}, buffer)

model_a, opt_a = make_run()  # without a break: 10 steps in one go
train_steps(model_a, opt_a, 10)

buffer.seek(0)
checkpoint = torch.load(buffer)
model_b, opt_b = make_run()  # resumed: load the checkpoint from step 5, then 5 more steps
model_b.load_state_dict(checkpoint["model"])
opt_b.load_state_dict(checkpoint["optimizer"])
train_steps(model_b, opt_b, 5)
print("resumed run == uninterrupted run:", torch.equal(model_a.weight, model_b.weight))

# %% [markdown]
# ## 8. Learning-rate schedulers
#
# Early in training a large learning rate makes fast progress; near the end, a small one lets the parameters settle. The schedulers in `torch.optim.lr_scheduler` change
# `optimizer.param_groups[i]["lr"]` on a fixed schedule. The common ones:
#
# | scheduler | how the learning rate changes |
# | --- | --- |
# | `StepLR(step_size, gamma)` | multiplied by `gamma` every `step_size` steps |
# | `CosineAnnealingLR(T_max, eta_min)` | follows half a cosine from the initial value down to `eta_min` in `T_max` steps: $\eta_t = \eta_{\min} + \tfrac12(\eta_0 - \eta_{\min})\bigl(1 + \cos\tfrac{\pi t}{T_{\max}}\bigr)$ |
# | `OneCycleLR(max_lr, total_steps)` | rises to `max_lr` (over the first 30% of the steps by default), then falls to almost nothing; the momentum moves the opposite way |
# | `LinearLR` + `SequentialLR` | a linear **warm-up** for a few steps, followed by another scheduler, for example a cosine |
#
# In every training step the order is **`optimizer.step()` first, then `scheduler.step()`**. The other way round, PyTorch warns and skips the first value of the schedule.
# A scheduler may be stepped once per batch or once per epoch, as long as `T_max` or `total_steps` count in the same unit (the course's `fit()` steps it once per epoch).
#
# The four schedules, 100 steps each, initial learning rate 0.1:

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
        opt.step()  # update the parameters first (no gradient here, so nothing happens)
        sched.step()  # then advance the schedule
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
# ### When a schedule really matters: noisy gradients
#
# On a deterministic problem (like the valley above) a constant learning rate converges too. Schedules pay off with **stochastic** gradient descent:
# each step sees one mini-batch, the gradient is noisy, and a constant learning rate keeps the parameters jittering around the optimum, so the loss stalls at a "noise floor". Lower the learning rate and the jitter shrinks with it.
#
# Below is a linear regression with 512 samples, 8 drawn at random per step. The three runs are identical except for the schedule (same initialisation, same order of mini-batches).
# We plot how much the full-data loss **exceeds** that of the least-squares solution (the excess loss).

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
    batches = torch.Generator().manual_seed(2)  # all three runs draw the same mini-batches
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
# With the constant learning rate the curve keeps jumping between $10^{-2}$ and $10^{-1}$; both decaying schedules push the excess loss down by more than another order of magnitude once the learning rate gets small.
# StepLR drops in "stairs" at steps 100 and 200; the cosine schedule comes down smoothly.

# %% [markdown]
# ## 9. Gradient clipping
#
# Sometimes the gradient of one step is suddenly huge (exploding gradients in recurrent networks, a "cliff" in the loss surface, a bad batch). One step goes too far and undoes the training so far, or even turns everything into `inf`/`nan`.
# Gradient clipping limits the size of the gradient after `backward()` and before `optimizer.step()`:
#
# * `torch.nn.utils.clip_grad_norm_(params, max_norm)` joins the gradients of **all** parameters into one long vector and takes its norm (the total norm);
#   if it exceeds `max_norm`, every gradient is multiplied by `max_norm / total_norm`. The direction stays, only the length shrinks. It **returns the total norm before clipping**, which is well worth logging.
# * `torch.nn.utils.clip_grad_value_(params, clip_value)` clamps every component to `[-clip_value, clip_value]`, which changes the direction.

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
# The total norm is $\sqrt{3^2 + 0.5^2 + 4^2} = \sqrt{41.25}$. Clipped by norm, the gradient is divided by that norm: $[3, 0.5, -4] / \sqrt{41.25}$ points the same way with length 1 (a hair less, strictly: `clip_grad_norm_` scales by `max_norm / (total_norm + 1e-6)`);
# clipped by value it becomes `[1, 0.5, -1]`, a different direction.
#
# ### When clipping really matters: exploding gradients
#
# The smallest "recurrent network": a hidden state $h_0 = 1$, updated 20 times by $h_t = w\,h_{t-1} + b$, with the loss $\tfrac12 (h_{20} - 3)^2$.
# For $w > 1$, $h_{20}$ contains $w^{20}$ and its gradient with respect to $w$ contains $20\,w^{19}$: the gradient grows **exponentially** with $w$, and right of the valley the loss surface is a steep cliff.
# The learning rate is 0.0005, small enough for the valley floor (checked below). Start on the cliff at $(w, b) = (1.1, 0.3)$, once without clipping and once with `clip_grad_norm_(max_norm=10)`:

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
            norms.append(torch.nn.utils.clip_grad_norm_([p], max_norm).item())  # returns the norm before clipping
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
# Without clipping, the first gradient norm is about 6700; times the learning rate 0.0005 that is a step of 3.4, which throws the parameters to $w \approx -2.2$, where $w^{20}$ is about $10^7$.
# The next gradient is close to $10^{15}$, the parameters fly off to $10^{11}$, then overflow to `inf` and `nan`: the run is lost.
# With clipping, each step moves at most $\eta \times 10 = 0.005$, and the parameters walk down the cliff; after some thirty steps the gradient norm falls below 10, clipping stops acting, and what remains is ordinary gradient descent, with the loss going to 0.
# The learning rate itself was fine: at the point found it is far below the stability limit $2/L$. Only the few steps on the cliff were the problem.
# Both runs on the loss surface:

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
finite = [v for v in plain[1] if v < float("inf")]  # inf and nan cannot be plotted
ax2.semilogy(finite, "o-", color="tab:red", label="no clipping (inf, then nan, after step 2)")
ax2.set_xlabel("step")
ax2.set_ylabel("loss (log scale)")
ax2.set_ylim(bottom=1e-9)
ax2.set_title("Loss per step")
ax2.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# Clipping is no cure-all: it only limits the step length and does not fix the direction; a threshold that is too small slows training down (when every step is clipped, it becomes descent with a fixed step length).
# In practice `max_norm` is often set around 1 (a common value for training transformers), and the norm that `clip_grad_norm_` returns is logged: a sudden jump in it is often the first sign that training is going wrong.
#
# ## Summary
#
# * A training step: `zero_grad()` (sets `.grad` to `None` by default) → forward → `backward()` → (optionally) clip → `optimizer.step()` → (optionally) `scheduler.step()`.
# * SGD: $\theta \leftarrow \theta - \eta g$, which needs $\eta < 2/L$; the flattest direction sets the speed.
# * Momentum: $b \leftarrow \mu b + g$, $\theta \leftarrow \theta - \eta b$; Nesterov looks one step ahead.
# * Adam normalises each component's step by $\sqrt{\hat v}$; `Adam(weight_decay)` is L2 in the gradient, `AdamW` is decoupled weight decay, $\theta \leftarrow (1-\eta\lambda)\theta$.
# * `param_groups` give each group of parameters its own hyperparameters; save `optimizer.state_dict()` together with the model.
# * Schedulers: `optimizer.step()` first, then `scheduler.step()`; with noisy gradients, lowering the learning rate lowers the noise floor.
# * `clip_grad_norm_` scales all gradients by one factor and returns the norm before clipping; `clip_grad_value_` clamps each component.
#
# Next, open `exercises/en/07_optim.ipynb`: find the fastest learning rate, implement momentum and gradient clipping by hand, compute a cosine schedule, and split parameters into groups.

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **Next:** [the exercises of this chapter: 07_optim](../../exercises/en/07_optim.ipynb) · [the next chapter: 08_data](08_data.ipynb)
