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
# # 05 · Automatic differentiation (autograd)
#
# Training a neural network means repeating "compute the loss → compute the gradients → update the parameters".
# PyTorch's **autograd** does the gradient step for you. You write the forward computation in plain Python;
# while it runs, PyTorch records what happened as a **graph**, and `backward()` walks that graph
# backwards, applying the chain rule.
#
# In this chapter:
#
# 1. `requires_grad`, `backward()` and `.grad`: the smallest example;
# 2. the graph built as the code runs: `grad_fn`, `next_functions`, leaf and non-leaf tensors (`retain_grad`);
# 3. a small graph built by hand, with **every** gradient autograd computes checked against the formula derived on paper, and a drawing of the graph;
# 4. back to the seed textbook's `Linear + MSELoss` example: what does `loss.backward()` actually compute?
# 5. gradients **accumulate**: why `zero_grad()` exists, and how to accumulate on purpose (micro-batches = one big batch);
# 6. `torch.no_grad()`, `torch.inference_mode()`, `.detach()`, and freezing parameters with `requires_grad_(False)`;
# 7. a custom `torch.autograd.Function`, verified with `gradcheck` (and `gradcheck` catching a wrong backward);
# 8. higher-order derivatives (`create_graph=True`) and vector-Jacobian products for non-scalar outputs.

# %%
from course_utils import setup_notebook

setup_notebook()

# %%
import torch
from torch import nn

from course_utils import get_device

device = get_device()  # the GPU if there is one, else the CPU; this chapter's code runs on both

# %% [markdown]
# ## 1. `requires_grad`, `backward()` and `.grad`
#
# Setting `requires_grad=True` on a tensor tells PyTorch: "I will want derivatives with respect to this, so record every operation that uses it."
# Call `.backward()` on a (scalar) result, and the gradient lands in the tensor's `.grad` attribute.
#
# Example: $y = x^2 + 3x$ at $x = 2$. On paper: $\dfrac{dy}{dx} = 2x + 3 = 7$.

# %%
# NBVAL_CHECK_OUTPUT
x = torch.tensor(2.0, requires_grad=True, device=device)
y = x**2 + 3 * x
print("y =", y.item())
print("before backward, x.grad =", x.grad)
y.backward()
print("after backward,  x.grad =", x.grad.item(), "(paper: 2*2 + 3 = 7)")

# %% [markdown]
# A few rules:
#
# * New tensors have `requires_grad=False` by default; only floating-point (and complex) tensors can require gradients.
# * If any input of an operation requires grad, so does its result, and the result carries a `grad_fn`.
# * Model parameters (`nn.Parameter`) require grad by default, so in training you hardly ever set it by hand.

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
# ## 2. The graph is built as the code runs
#
# Every operation attaches a `grad_fn` to its result: the "backward node" that will run during backpropagation,
# for example `MulBackward0` for a multiplication. A node's `next_functions` point to the nodes of its inputs,
# so starting from the output and following `next_functions` visits the whole graph.
#
# * **Leaf tensors**: tensors you created directly (and model parameters). `is_leaf` is `True` and `grad_fn` is `None`.
#   In the graph they appear as `AccumulateGrad` nodes: when backpropagation reaches one, it **adds** the gradient into `.grad`.
# * **Non-leaf tensors**: intermediate results of operations. To save memory, backpropagation does **not** keep their `.grad`;
#   if you want to see it, call `.retain_grad()` on the tensor before `backward()`.

# %%
# NBVAL_CHECK_OUTPUT
x = torch.tensor(3.0, requires_grad=True)
h = x * 2  # a non-leaf tensor
out = h**2
print("x.is_leaf:", x.is_leaf, "| x.grad_fn:", x.grad_fn)
print("h.is_leaf:", h.is_leaf, "| h.grad_fn:", type(h.grad_fn).__name__)
print("out.grad_fn:", type(out.grad_fn).__name__)
print("out.grad_fn.next_functions:", [type(n).__name__ for n, _ in out.grad_fn.next_functions])
print("h.grad_fn.next_functions:  ", [type(n).__name__ for n, _ in h.grad_fn.next_functions])

# %% [markdown]
# The `NoneType` in `next_functions` stands for the other input of the multiplication: the constant `2` needs no gradient, so that edge is empty.
#
# Reading the `.grad` of a non-leaf tensor gives `None`, and PyTorch warns you about it.
# Below we capture the warning and print only its first sentence, then do it again with `retain_grad()`.

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
h.retain_grad()  # ask autograd to keep h's gradient too
out = h**2
out.backward()
print("with retain_grad: h.grad =", h.grad.item(), "(d out/dh = 2h = 12)")
print("x.grad =", x.grad.item(), "(d out/dx = 2h * 2 = 24)")

# %% [markdown]
# ## 3. Build a small graph by hand and check every gradient
#
# Take a function of three inputs:
#
# $$f(x, y, z) = z\,\bigl(x y + \sin x\bigr)^2 .$$
#
# Split it into intermediate steps (exactly the graph autograd records):
#
# $$u = x y,\quad v = \sin x,\quad s = u + v,\quad q = s^2,\quad f = z\,q .$$
#
# **On paper** (chain rule, walking back from the output):
#
# * $\dfrac{\partial f}{\partial z} = q = s^2$
# * $\dfrac{\partial f}{\partial s} = z \cdot 2s$
# * $\dfrac{\partial f}{\partial y} = \dfrac{\partial f}{\partial s}\,\dfrac{\partial s}{\partial y} = 2zs \cdot x$
# * $\dfrac{\partial f}{\partial x} = \dfrac{\partial f}{\partial s}\Bigl(\dfrac{\partial u}{\partial x} + \dfrac{\partial v}{\partial x}\Bigr) = 2zs\,(y + \cos x)$
#
# Note that $x$ reaches the output along **two paths** (through $u$ and through $v$), and its gradient is the **sum** of both contributions.
# Autograd does the same: the two paths meet at the `AccumulateGrad` node of $x$, where their gradients are added.
#
# Below we evaluate at $x = 2, y = 0.5, z = 1.5$, keep the gradient of the intermediate $s$, and print autograd's results next to the formulas.

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

with torch.no_grad():  # the paper formulas: plain arithmetic, no graph needed
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
# All four gradients match. Now let us draw the graph with `draw_backward_graph` from `course_utils/graphs.py` (open it: it is short). It starts at `f.grad_fn`, follows `next_functions`,
# and puts each node on the level of its longest distance from the output, so that all leaves end up at the bottom.
# Blue boxes are backward nodes (labelled with the intermediate they produce), green boxes are leaf tensors with their `.grad`, and the orange box is the output tensor.
# The arrows are `next_functions`, which is also the direction in which gradients flow.

# %%
import matplotlib.pyplot as plt

from course_utils.graphs import draw_backward_graph

fig = draw_backward_graph(f, {"x": x, "y": y, "z": z, "u": u, "v": v, "s": s, "q": q, "f": f},
                          "Backward graph of f = z * (x*y + sin(x))**2  (arrows: next_functions, gradient flow)")
plt.show()

# %% [markdown]
# Three things to read off the picture:
#
# * The graph has the shape of the forward code: one node per operation, each node's `next_functions` pointing to its inputs.
# * The `AccumulateGrad` of leaf $x$ has **two** incoming arrows (from `MulBackward0` and `SinBackward0`): the gradients are added there.
# * Backward nodes keep the forward values they need (for example `SinBackward0` saves $x$ to compute $\cos x$).
#   Once `backward()` has used them, these saved values are freed, so by default a graph can be backpropagated only once:

# %%
# NBVAL_CHECK_OUTPUT
try:
    f.backward()
except RuntimeError as err:
    print("RuntimeError:", str(err).split(". ")[0] + ".")

# %% [markdown]
# If you really need to backpropagate through the same graph twice (rare), pass `backward(retain_graph=True)` the first time.
# The usual pattern is to run the forward pass again at every step, which builds a fresh graph: exactly what a training loop does.

# %% [markdown]
# ## 4. Back to the seed textbook: `Linear + MSELoss`
#
# The seed textbook's "Hello World" has these lines: forward, loss, `loss.backward()`, `optimizer.step()`, `optimizer.zero_grad()`.
# Here is a reproducible version (the random seed is fixed first; `setup_notebook()` did that), and a look at what `backward()` computed.
# (The textbook's `super(Model, self).__init__()` is the old spelling; today we write `super().__init__()`. Chapter 06 covers `nn.Module`.)

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
# `nn.Linear` computes $\hat y = X W^\top + b$ (one `AddmmBackward0` node; `TBackward0` is the transpose $W^\top$),
# and the two leaves are the weight $W$ (shape `(1, 2)`) and the bias $b$ (shape `(1,)`).
# For the mean squared error over $N$ samples, $L = \frac1N\sum_i(\hat y_i - y_i)^2$, the derivation on paper gives
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
# Then `optimizer.step()` updates the parameters with these gradients and `optimizer.zero_grad()` clears them.
# Since PyTorch 2.0, `zero_grad()` sets `.grad` to `None` by default (`set_to_none=True`) instead of filling it with zeros, which saves memory:

# %%
# NBVAL_CHECK_OUTPUT
optimizer.step()
optimizer.zero_grad()
print("after zero_grad(): weight.grad =", model.weight.grad)

# %% [markdown]
# Why must the gradients be cleared? That is the next section.
#
# ## 5. Gradients accumulate
#
# `backward()` does not **write** the gradient into `.grad`; it **adds** it. Run the same forward and backward twice, and the gradient doubles:

# %%
# NBVAL_CHECK_OUTPUT
x = torch.tensor(2.0, requires_grad=True)
for i in range(3):
    y = x**2 + 3 * x  # a new forward pass each time: a new graph
    y.backward()
    print(f"after backward #{i + 1}: x.grad = {x.grad.item()}")
x.grad = None  # clear by hand (what optimizer.zero_grad() does for every parameter)
(x**2 + 3 * x).backward()
print("after clearing and one more backward: x.grad =", x.grad.item())

# %% [markdown]
# ### What happens if you forget `zero_grad()`?
#
# Below we fit the line $y \approx 2x + 1$ on the same data twice: once clearing the gradients at every step, once forgetting to.
# Without clearing, the "gradient" used at step $t$ is the sum of all gradients so far: after the minimum has been passed, the old gradients keep pushing the parameters further, so the loss swings back and forth and never settles.

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
# ### Accumulating on purpose: micro-batches = one big batch
#
# Accumulation has a legitimate use too. A batch of 32 samples does not fit in (GPU) memory? Split it into 4 micro-batches of 8,
# call `backward()` on each so that the gradients add up, and only then call `step()`.
# To match the big batch **exactly**, divide each micro-batch's loss by the number of micro-batches: the big batch's loss averages over 32 samples,
# each micro-batch's over only 8.

# %%
net = nn.Linear(3, 1).to(device)
data = torch.randn(32, 3, device=device)
target = torch.randn(32, 1, device=device)

net.zero_grad()
nn.functional.mse_loss(net(data), target).backward()
big_batch = [p.grad.clone() for p in net.parameters()]

n_micro = 4
net.zero_grad()  # clear once, at the start
for xb, yb in zip(data.chunk(n_micro), target.chunk(n_micro)):
    (nn.functional.mse_loss(net(xb), yb) / n_micro).backward()  # the gradients add up in .grad
accumulated = [p.grad.clone() for p in net.parameters()]

for name, g_big, g_acc in zip(["weight", "bias"], big_batch, accumulated):
    print(f"{name}: big batch {g_big.flatten().cpu()}  accumulated {g_acc.flatten().cpu()}  "
          f"match {torch.allclose(g_big, g_acc, atol=1e-6)}")

# %% [markdown]
# Two common mistakes: forgetting to divide by `n_micro` (the gradient becomes 4 times too large), or calling `zero_grad()` **inside** the loop (only the last micro-batch's gradient survives).
# Exercise 05.2 tests exactly this.
#
# ## 6. When you need no gradients: `no_grad`, `inference_mode`, `detach`
#
# Recording the graph costs time and memory (intermediate results are saved). Evaluating a model, updating parameters by hand, plotting or logging do not need a graph.
#
# ### `torch.no_grad()`
#
# Operations inside `with torch.no_grad():` are not recorded, and their results have `requires_grad=False`.
# It is also the standard way to update parameters by hand: modifying a leaf that requires grad in place is not allowed otherwise.

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
    w -= 0.1 * w.grad  # outside no_grad: an error
except RuntimeError as err:
    print("RuntimeError:", err)

with torch.no_grad():
    w -= 0.1 * w.grad  # this is what optimizer.step() does inside
print("after a manual SGD step: w =", w, "| still a leaf:", w.is_leaf)

# %% [markdown]
# `torch.no_grad()` also works as a decorator: put `@torch.no_grad()` above a function definition and nothing inside the function is recorded.
# Note: `no_grad` does **not** switch a model to evaluation mode; layers such as Dropout and BatchNorm need `model.eval()` for that (chapter 06).
#
# ### `torch.inference_mode()`
#
# `inference_mode` is a stricter `no_grad`: besides not recording the graph, it skips bookkeeping such as version counters, so inference runs a little faster.
# The price: tensors created inside it are "inference tensors". Outside inference mode you can still read them, even in a computation that needs gradients: `w + features` works, because an addition saves nothing for the backward pass. What an inference tensor can **never** be is **saved for backward** (a factor of a multiplication is: the gradient of one factor needs the other) or **modified in place**. A `clone()` made outside `inference_mode` is a normal tensor again.

# %%
# NBVAL_CHECK_OUTPUT
with torch.inference_mode():
    features = torch.ones(3) * 2
print("features.is_inference():", features.is_inference())


def first_sentence(err):
    return str(err).split(".")[0] + "."


w = torch.ones(3, requires_grad=True)
(w + features).sum().backward()  # addition saves nothing for backward: allowed
print("w + features works: w.grad =", w.grad)

w.grad = None
try:
    (w * features).sum().backward()  # the multiplication must save features for backward
except RuntimeError as err:
    print("w * features -> RuntimeError:", first_sentence(err))

(w * features.clone()).sum().backward()  # a clone made outside inference_mode is a normal tensor
print("with a clone: w.grad =", w.grad)

try:
    features.add_(1)  # an in-place update outside inference_mode
except RuntimeError as err:
    print("features.add_(1) -> RuntimeError:", first_sentence(err))

# %% [markdown]
# Rule of thumb: use `inference_mode` for pure inference (deployment, batch predictions); use `no_grad` when the results may later be used in training.
#
# ### `.detach()`
#
# `t.detach()` returns a new tensor that **shares memory** with `t` but is cut off from the graph: it does not require grad and has no `grad_fn`.
# Uses: converting to NumPy (plotting, logging), and "stopping" the gradient inside a computation (treating a quantity as a constant).

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

# stopping the gradient: d/dx of x * x is 2x; treat one x as a constant and only x is left
(x * x).sum().backward()
print("d/dx sum(x * x)          =", x.grad)
x.grad = None
(x * x.detach()).sum().backward()
print("d/dx sum(x * x.detach()) =", x.grad)

# %% [markdown]
# ### Freezing parameters: `requires_grad_(False)`
#
# In transfer learning you often train only the last layer and "freeze" the rest. To do that, set `requires_grad` to `False` on those **parameters**,
# and backpropagation computes no gradients for them. The `nn.Module` method `requires_grad_(False)` does this for all of a module's parameters.
#
# A trap: `layer.requires_grad = False` (an assignment, not the method call) merely adds an ordinary Python attribute to the module object and freezes nothing:

# %%
# NBVAL_CHECK_OUTPUT
def count_trainable(module):
    """Number of parameter values that will receive a gradient."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


mlp = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1)).to(device)
print("trainable at the start:            ", count_trainable(mlp))

mlp[0].requires_grad = False  # wrong: just an ordinary attribute
print("after mlp[0].requires_grad = False:", count_trainable(mlp))

mlp[0].requires_grad_(False)  # right: the method sets every parameter
print("after mlp[0].requires_grad_(False):", count_trainable(mlp))

mlp(torch.randn(5, 4, device=device)).sum().backward()
print("frozen layer's weight.grad:", mlp[0].weight.grad)
print("last layer's weight.grad shape:", tuple(mlp[2].weight.grad.shape))

# hand only the trainable parameters to the optimizer
optimizer = torch.optim.SGD([p for p in mlp.parameters() if p.requires_grad], lr=0.1)
print("parameter tensors in the optimizer:", len(optimizer.param_groups[0]["params"]))

# %% [markdown]
# | Tool | What it does | When to use it |
# | --- | --- | --- |
# | `with torch.no_grad():` | records no graph inside the block | evaluation, manual parameter updates; results may later be used in training |
# | `with torch.inference_mode():` | records no graph and skips more bookkeeping, faster | pure inference; results never enter autograd |
# | `t.detach()` | a tensor cut off from the graph, sharing memory | converting to NumPy, logging, treating a value as a constant |
# | `p.requires_grad_(False)` | this parameter no longer needs gradients | freezing part of a model |
#
# ## 7. A custom `torch.autograd.Function`
#
# Sometimes you want to define the backward pass of an operation yourself: a formula that is more stable or faster, or a deliberately "fake" gradient.
# Subclass `torch.autograd.Function` and implement two static methods:
#
# * `forward(ctx, ...)`: the normal computation; keep the tensors that backward needs with `ctx.save_for_backward(...)`;
# * `backward(ctx, grad_output)`: receives the gradient of the output, `grad_output`, and returns one gradient **per input** (chain rule: local derivative × `grad_output`).
#
# Example: softplus, $\;\operatorname{softplus}(x) = \log(1 + e^x)$. Written literally, $e^{100}$ overflows to `inf` in float32 at $x = 100$,
# and the gradient becomes `nan`. The rewritten form $\max(x, 0) + \log(1 + e^{-|x|})$ cannot overflow; its derivative is $\sigma(x) = 1 / (1 + e^{-x})$.
# (PyTorch has `nn.functional.softplus` built in; we write our own to learn how.)

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
        return grad_output * torch.sigmoid(x)  # the local derivative sigmoid(x) times the output's gradient


points = torch.tensor([-100.0, 0.0, 100.0], device=device)
for name, fn in [("naive", lambda t: torch.log(1 + torch.exp(t))), ("stable", StableSoftplus.apply)]:
    x = points.clone().requires_grad_()
    out = fn(x)
    out.sum().backward()
    print(f"{name:>6}: value {out.detach().cpu()}  grad {x.grad.cpu()}")

# %% [markdown]
# The naive version gives `inf` with gradient `nan` at $x = 100$ (backward computed $\infty \cdot 0$); the custom version gives the correct 100 and 1.
#
# ### Verifying a backward with `gradcheck`
#
# Hand-written backward functions are easy to get wrong. `torch.autograd.gradcheck` estimates the Jacobian numerically with finite differences, $\frac{f(x+\varepsilon) - f(x-\varepsilon)}{2\varepsilon}$,
# and compares it with what your `backward` returns. Finite differences need high precision, so the inputs must be **float64** (`dtype=torch.double`).

# %%
# NBVAL_CHECK_OUTPUT
from torch.autograd.gradcheck import GradcheckError

# gradcheck runs in float64 on the CPU (Apple's MPS has no float64)
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
# `gradcheck` says **which output and which input** have a wrong Jacobian (the full message also prints the numerical and the analytical matrices).
# With several inputs, `backward` returns as many gradients, in the order of `forward`'s arguments; arguments that need no gradient (a Python number, say) get `None`.
#
# A custom Function may also return something other than the true derivative **on purpose**. An example from quantization-aware training is the straight-through estimator:
# the forward clamps, and the backward pretends it was the identity, letting the gradient pass unchanged. `gradcheck` would reject it, of course: it is not the true derivative, by design.

# %%
# NBVAL_CHECK_OUTPUT
class ClampStraightThrough(torch.autograd.Function):
    """clamp(x, lo, hi) forward; the gradient passes straight through, as if it were the identity."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        return x.clamp(lo, hi)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, None, None  # lo and hi are Python numbers: no gradient


x = torch.tensor([-2.0, 0.5, 2.0], requires_grad=True)
torch.clamp(x, -1, 1).sum().backward()
print("torch.clamp grad:     ", x.grad)
x.grad = None
ClampStraightThrough.apply(x, -1.0, 1.0).sum().backward()
print("straight-through grad:", x.grad)

# %% [markdown]
# ## 8. Higher-order derivatives: `create_graph=True`
#
# `torch.autograd.grad(outputs, inputs)` backpropagates like `backward()`, but **returns** the gradients instead of adding them to `.grad`.
# With `create_graph=True`, the backward computation itself is recorded as a graph, so the gradient can be differentiated again.
#
# Example: $f(x) = x^3$; on paper $f'(x) = 3x^2$ and $f''(x) = 6x$.

# %%
# NBVAL_CHECK_OUTPUT
x = torch.tensor(3.0, requires_grad=True, device=device)
y = x**3
(dy,) = torch.autograd.grad(y, x, create_graph=True)  # dy carries a graph of its own
(d2y,) = torch.autograd.grad(dy, x)
print(f"f'(3)  autograd {dy.item():.4f}  paper 3*3**2 = {3 * 3**2}")
print(f"f''(3) autograd {d2y.item():.4f}  paper 6*3 = {6 * 3}")

x = torch.tensor(3.0, requires_grad=True)
(dy,) = torch.autograd.grad(x**3, x)  # create_graph=True forgotten
print("without create_graph, dy.requires_grad =", dy.requires_grad)
try:
    torch.autograd.grad(dy, x)
except RuntimeError as err:
    print("RuntimeError:", err)

# %% [markdown]
# To differentiate point by point over a whole vector there is a common trick: the function is element-wise, so the derivative of $\sum_i f(x_i)$ with respect to $x_i$ is just $f'(x_i)$.
# Below we take the first and second derivatives of $\sin$ and compare them with $\cos x$ and $-\sin x$ from paper.

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
# Higher-order derivatives show up in physics-informed neural networks (PINNs), gradient penalties (WGAN-GP, for example) and meta-learning.
#
# ## 9. Non-scalar outputs: `backward(gradient=...)` and vector-Jacobian products
#
# By default `backward()` needs a scalar output. For a vector output $\mathbf y = g(\mathbf x)$ you pass a vector $\mathbf v$,
# and it computes the **vector-Jacobian product** $\mathbf v^\top J$ (with $J_{ij} = \partial y_i / \partial x_j$) without ever building the full $J$.
# The `loss.backward()` of training is the special case $\mathbf v = 1$.

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
# ## Summary
#
# * Operations on tensors with `requires_grad=True` are recorded as a graph; `backward()` walks it backwards and, by the chain rule, **adds** the gradients into the leaves' `.grad`.
# * `grad_fn` and `next_functions` let you inspect the graph; non-leaf gradients are not kept unless you call `retain_grad()`.
# * When an input reaches the output along several paths, the gradients of the paths add up, just like the multivariable chain rule on paper.
# * Gradients accumulate: call `zero_grad()` at the start of every training step; to emulate a big batch with micro-batches, accumulate on purpose and divide the loss by the number of micro-batches.
# * `no_grad` for evaluation and manual updates, `inference_mode` for pure inference, `detach()` to cut one tensor off, `requires_grad_(False)` to freeze parameters.
# * A custom `autograd.Function` has a `forward` and a `backward`; always run `gradcheck` on it with float64 inputs.
# * `create_graph=True` makes gradients differentiable again; for vector outputs, `backward(gradient=v)` gives $\mathbf v^\top J$.
#
# The next chapter (06) builds models with `nn.Module`. Now open `exercises/en/05_autograd.ipynb` and do the exercises.

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **Next:** [the exercises of this chapter: 05_autograd](../../exercises/en/05_autograd.ipynb) · [the next chapter: 06_nn](06_nn.ipynb)
