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
# # 06 · Neural network modules: `torch.nn`
#
# In chapter 05 we set `requires_grad` on tensors by hand and called `backward()` to get gradients. Nobody builds a real model by
# juggling weight tensors one at a time: `torch.nn` packs "some parameters plus the computation that uses them" into a **module**
# (`nn.Module`). Modules nest inside each other, and one call lists, saves, moves to the GPU or switches the mode of the whole tree.
#
# In this chapter:
#
# 1. The seed textbook's hello world: `Linear(2, 1)` + `MSELoss` + `SGD`, **one** step, explained line by line, with the update checked by hand;
# 2. what an `nn.Module` holds: parameters, buffers, submodules, and the classic "forgot to register it" mistake;
# 3. `nn.Sequential`;
# 4. common layers: the shapes of `Linear` and `Conv2d`, `Dropout`, the running statistics of `BatchNorm`;
# 5. activation functions: the curves of ReLU, GELU, Sigmoid and Tanh;
# 6. a small MLP: all the pieces together, training a 2-D classifier;
# 7. parameters: `named_parameters`, counting parameters, freezing them (`requires_grad`);
# 8. `train()` and `eval()` modes;
# 9. `state_dict`: saving, loading, `strict`, and what to do when the key names do not match;
# 10. hooks: watching the activations and gradients of every layer;
# 11. losses: `MSELoss`, `L1Loss`, `CrossEntropyLoss` (and the classic mistake of applying softmax first), `BCEWithLogitsLoss`;
# 12. parameter initialisation (briefly).

# %%
from course_utils import setup_notebook

setup_notebook()

# %%
import torch
from torch import nn

from course_utils import get_device

device = get_device()  # the GPU if there is one, else the CPU; this chapter's code runs on both


def fmt(t):
    """Format a tensor's values with 4 decimals on one line (works for CPU and GPU tensors)."""
    return "[" + ", ".join(f"{v:.4f}" for v in t.detach().flatten().tolist()) + "]"


# %% [markdown]
# ## 1. The seed textbook's hello world, one step
#
# The seed textbook shows a complete training step with a one-layer model. Here is the modern version of it, with two changes:
#
# * `super().__init__()` replaces `super(Model, self).__init__()`. Here both do exactly the same thing, but the second is the
#   Python 2 form and repeats the class name: rename the class, or copy the code into another class, and that line must change
#   too. Forget it and you get an error, or even skip one parent class's `__init__`. In Python 3, `super()` without arguments
#   finds the current class and instance by itself.
# * The random numbers are seeded (`setup_notebook()` did it), so every run on every machine shows the same numbers.
#   The inputs are drawn on the CPU and then moved to `device`: the CPU and the GPU have different random generators, and this
#   way both get the same numbers.

# %%
# NBVAL_CHECK_OUTPUT
class Model(nn.Module):
    def __init__(self):
        super().__init__()  # let nn.Module set up its registries before any submodule is assigned
        self.linear = nn.Linear(2, 1)  # a fully connected layer: 2 input features -> 1 output

    def forward(self, x):
        return self.linear(x)


model = Model().to(device)
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

x = torch.randn(2, 2).to(device)  # 2 samples with 2 features each
y = torch.randn(2, 1).to(device)  # one target value per sample

print(model)
for name, p in model.named_parameters():
    print(f"{name:<14} shape={tuple(p.shape)}  values={fmt(p)}")

# %% [markdown]
# Line by line:
#
# * **`class Model(nn.Module)`**: a model is a subclass of `nn.Module`. You write two methods: `__init__` creates the layers, `forward` does the computation.
# * **`super().__init__()`**: `nn.Module.__init__` sets up some "registries" (one for parameters, one for buffers, one for submodules).
#   From then on, an assignment such as `self.linear = ...` is intercepted by `nn.Module` and recorded in the right registry. So it must
#   be called **before** the first assignment (the next section shows what happens when you forget).
# * **`nn.Linear(2, 1)`**: it holds two parameters (`nn.Parameter`, a tensor with `requires_grad=True` by default):
#   the weight $W$ of shape `(out_features, in_features) = (1, 2)` and the bias $b$ of shape `(1,)`, and computes $\hat y = x W^\top + b$.
#   Their initial values are random (the last section covers initialisation).
# * **`model.parameters()`**: iterates over the parameters registered in the model and all its submodules. This is the list the optimizer
#   gets, and it updates only the tensors on it.
# * **`nn.MSELoss()`**: the mean squared error $L = \frac1N\sum_i(\hat y_i - y_i)^2$. By default it takes the **mean** over all elements and returns a scalar tensor.
# * **`torch.optim.SGD(..., lr=0.01)`**: stochastic gradient descent with learning rate 0.01. Chapter 07 is all about optimizers.
#
# Now one training step. First we copy the parameters, to compare them with the updated values afterwards.

# %%
before = {name: p.detach().clone() for name, p in model.named_parameters()}

optimizer.zero_grad()  # 1. clear the gradients: set every parameter's .grad to None
output = model(x)  # 2. forward: model(x) calls forward(x) (and runs hooks, see section 10)
loss = criterion(output, y)  # 3. loss: a 0-dim tensor that remembers how it was computed (grad_fn)
loss.backward()  # 4. backward: write d loss / d parameter into every parameter's .grad
optimizer.step()  # 5. update: p <- p - lr * p.grad for every parameter

print("output =", fmt(output), " shape", tuple(output.shape))
print(f"loss = {loss.item():.4f}   ({type(loss.grad_fn).__name__}, ndim={loss.ndim})")
for name, p in model.named_parameters():
    print(f"{name:<7} grad={fmt(p.grad)}  before={fmt(before[name])}  after={fmt(p)}")

# %% [markdown]
# * **`optimizer.zero_grad()`**: gradients **accumulate** in `.grad` (chapter 05), so they must be cleared before every backward pass.
#   Since PyTorch 2.0 it sets `.grad` to `None` by default (`set_to_none=True`) instead of filling it with zeros, which saves memory and time.
# * **`model(x)`**: call the module itself rather than `model.forward(x)`. `Module.__call__` runs the registered hooks and calls `forward`.
#   The output has shape `(2, 1)`: 2 samples, one prediction each.
# * **`criterion(output, y)`**: returns a scalar tensor; its `grad_fn` ties it to the whole computation graph. `loss.item()` turns it into a plain Python float.
# * **`loss.backward()`**: walks the graph backwards and **fills in** the `.grad` of every parameter (same shape as the parameter). It does not change the parameters.
# * **`optimizer.step()`**: updates the parameters with the SGD rule. It only reads `.grad` and computes no derivatives.
#
# Checking by hand: the loss is $\frac1N\sum(\hat y - y)^2$, and the new parameters are $w_{\text{new}} = w - \text{lr}\cdot\text{grad}$.

# %%
# NBVAL_CHECK_OUTPUT
lr = optimizer.param_groups[0]["lr"]
loss_by_hand = ((output - y) ** 2).mean()
print("loss matches ((output - y)**2).mean():", torch.allclose(loss, loss_by_hand))
for name, p in model.named_parameters():
    by_hand = before[name] - lr * p.grad
    print(f"{name:<7} w - lr*grad matches step(): {torch.allclose(by_hand, p)}")

# %% [markdown]
# ### Where does `zero_grad()` go?
#
# The seed textbook calls `zero_grad()` **after** `step()`; above we called it at the **start** of the step. Both are right, because
# there is just one rule: **the gradients must be cleared before the next `backward()`**. In a loop nothing happens between "the end of
# this step" and "the start of the next one", so the effect is the same. The idiomatic order puts it first
# (`zero_grad → forward → loss → backward → step`), so that each step stands on its own and does not rely on the previous one having cleaned up.
#
# Two placements really are wrong: **between** `backward()` and `step()` (the fresh gradients are wiped, `step()` skips parameters whose
# `.grad` is `None`, and nothing moves), and **not at all** (the gradients pile up). Here are four orders, 3 steps each, from the same start:

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
# ## 2. What an `nn.Module` holds
#
# When you assign to `self.something` in `__init__`, `nn.Module` looks at the type of the value:
#
# | value assigned | registered as | trained? | in `state_dict`? | moved by `.to(device)`? |
# | --- | --- | --- | --- | --- |
# | `nn.Parameter` | parameter | yes | yes | yes |
# | `self.register_buffer(name, tensor)` | buffer (e.g. BatchNorm's running mean) | no | yes | yes |
# | another `nn.Module` | submodule (its parameters and buffers count too) | — | yes | yes |
# | plain tensor, list, dict, … | nothing: PyTorch does not see it | no | no | no |

# %%
# NBVAL_CHECK_OUTPUT
class Demo(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(3))  # a parameter: trained
        self.register_buffer("calls", torch.zeros(()))  # a buffer: part of the model's state, but not trained
        self.layer = nn.Linear(3, 2)  # a submodule: its parameters belong to Demo too
        self.plain = torch.ones(3)  # a plain tensor: not registered

    def forward(self, x):
        self.calls += 1
        return self.layer(x * self.scale)


demo = Demo()
print("parameters:", [name for name, _ in demo.named_parameters()])
print("buffers:   ", [name for name, _ in demo.named_buffers()])
print("children:  ", [name for name, _ in demo.named_children()])
print("state_dict:", list(demo.state_dict()))

# %% [markdown]
# `plain` shows up nowhere: `model.to("cuda")` will not move it and `state_dict` will not save it.
#
# Forget `super().__init__()` and the first assignment of a submodule fails, because the registries do not exist yet:

# %%
# NBVAL_CHECK_OUTPUT
class Forgetful(nn.Module):
    def __init__(self):
        self.linear = nn.Linear(2, 1)  # super().__init__() was not called first


try:
    Forgetful()
except AttributeError as err:
    print("AttributeError:", err)

# %% [markdown]
# ### The classic mistake: layers in a plain Python list
#
# When the number of layers varies, a list seems natural. But `nn.Module` only registers modules **assigned directly**; it does not look
# inside a list. The model below computes its forward pass just fine, yet has no parameters at all: the optimizer gets an empty list and
# `.to(device)` leaves these layers behind. Use `nn.ModuleList` instead (or `nn.Sequential`, or the dict-like `nn.ModuleDict`).

# %%
# NBVAL_CHECK_OUTPUT
class ListMLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.layers = [nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])]  # wrong: a plain list

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
# When the data simply flow from the first layer to the last, there is no need for a class: `nn.Sequential` calls its submodules in order.
# They are named by position, `0`, `1`, `2`, …, and can be indexed like a list; for meaningful names, pass an `OrderedDict`.

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
# When should you write an `nn.Module` subclass? When `forward` is not a straight line: branches, skip (residual) connections, several
# inputs or outputs, or decisions that depend on the data. The two mix well: a subclass holding a few `nn.Sequential` blocks in its
# `__init__` is a very common pattern.
#
# ## 4. Common layers
#
# ### `nn.Linear` works on the last dimension
#
# `nn.Linear(in_features, out_features)` acts only on the **last dimension** of its input, whatever comes before it: shape `(N, *, in)`
# becomes `(N, *, out)`. It has `in * out` weights plus `out` biases.

# %%
# NBVAL_CHECK_OUTPUT
linear = nn.Linear(4, 2)
for shape in [(4,), (5, 4), (5, 3, 4)]:
    print(f"input {str(shape):<10} -> output {tuple(linear(torch.randn(shape)).shape)}")
print("weight", tuple(linear.weight.shape), "bias", tuple(linear.bias.shape),
      "parameters:", sum(p.numel() for p in linear.parameters()))

# %% [markdown]
# ### `nn.Conv2d`: how big is the output?
#
# A 2-D convolution takes input of shape `(N, C_in, H, W)` (batch, channels, height, width) and returns `(N, C_out, H_out, W_out)`, where
#
# $$H_{out} = \left\lfloor \frac{H + 2\,\text{padding} - \text{dilation}\,(\text{kernel\_size} - 1) - 1}{\text{stride}} + 1 \right\rfloor$$
#
# (the same for the width). It has `C_out * C_in * k * k` kernel weights plus `C_out` biases, **independent** of the image size.
# Here are a few settings on a batch of 32×32 RGB images, checked against the formula:

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
# `padding = k // 2` (for an odd kernel size) keeps the size, `stride=2` halves it. To feed a convolution's output into a linear layer,
# flatten `(N, C, H, W)` to `(N, C*H*W)` with `nn.Flatten()` first.
#
# ### `nn.Dropout`: random zeros in training, nothing in evaluation
#
# In training mode, `Dropout(p)` sets each element to zero with probability `p` and multiplies the survivors by $\frac{1}{1-p}$, so the
# **expected** output equals the input; in evaluation mode (`eval()`) it returns its input unchanged. A new module starts in training mode.

# %%
dropout = nn.Dropout(p=0.5)
ones = torch.ones(10, device=device)
print("training:", dropout.training, fmt(dropout(ones)))
big = dropout(torch.ones(100_000, device=device))
print(f"fraction zeroed: {(big == 0).float().mean().item():.3f}, mean of output: {big.mean().item():.3f}")
dropout.eval()
print("training:", dropout.training, fmt(dropout(ones)))

# %% [markdown]
# ### `nn.BatchNorm`: batch statistics and running statistics
#
# `BatchNorm1d(C)` standardises each channel to mean 0 and variance 1 (then multiplies by a learnable `weight` and adds a learnable `bias`).
#
# * **Training mode**: it standardises with the statistics of the **current batch**, and updates two buffers:
#   `running_mean ← (1 - momentum) · running_mean + momentum · batch mean` (`momentum` is 0.1 by default; the same for the variance, which uses the unbiased variance).
# * **Evaluation mode**: it ignores the batch and uses `running_mean` and `running_var` instead. So a single sample can be predicted, and
#   the result does not depend on the other samples in the batch.
#
# Let us feed it 60 batches drawn from a normal distribution with mean 3 and standard deviation 2:

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
# Each step moves only 10% of the way to the true value, so it takes some 30 to 40 batches to get close to 3 and 4. In evaluation mode these
# two numbers do the standardising. In training mode, with a single value per channel (for example a batch of one sample) there is no
# variance to estimate, and BatchNorm refuses outright:

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
# ## 5. Activation functions
#
# Without a nonlinearity, any stack of `Linear` layers is still one linear map. Activation functions come as modules (`nn.ReLU()`, which
# fit into `nn.Sequential`) and as functions (`torch.relu`, `torch.nn.functional.gelu`); both compute the same thing. Below are the four
# most common ones and their derivatives (computed with autograd).

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
# What the figure tells us:
#
# * **ReLU** $\max(0, z)$: the cheapest; its derivative is 1 for every positive input, so gradients do not shrink; for negative inputs it is 0 (a neuron that always gets negative input stops learning). The default choice for hidden layers.
# * **GELU** $z\,\Phi(z)$: a smooth ReLU with a small dip below zero. The most common choice in Transformers.
# * **Sigmoid** $\frac{1}{1+e^{-z}}$: outputs in $(0, 1)$, good for probabilities; its derivative is at most 0.25 and almost 0 at both ends (it **saturates**), so gradients vanish through many layers.
# * **Tanh**: outputs in $(-1, 1)$, centred at 0, derivative at most 1, and it saturates at both ends too.
#
# The **last layer of a classifier usually has no activation**: its raw scores are called **logits** and go straight to the loss function (section 11).

# %% [markdown]
# ## 6. A small MLP
#
# Time to put the pieces together: a multilayer perceptron (MLP) with two hidden layers, classifying the "two moons" data that
# scikit-learn generates on the spot (nothing to download). The training loop is the step of section 1, repeated 300 times; every step
# uses all 400 points (chapter 08 covers mini-batches).

# %%
from sklearn.datasets import make_moons

points, labels = make_moons(n_samples=400, noise=0.2, random_state=0)
X = torch.tensor(points, dtype=torch.float32).to(device)
Y = torch.tensor(labels).to(device)  # int64 class indices 0 / 1

torch.manual_seed(0)
clf = nn.Sequential(
    nn.Linear(2, 32), nn.ReLU(),
    nn.Linear(32, 32), nn.ReLU(),
    nn.Linear(32, 2),  # logits for the two classes, no activation
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
# ## 7. Parameters: list, count, freeze
#
# `named_parameters()` yields each parameter's name (the path of submodules, joined with dots) and the tensor itself. "The number of parameters"
# means the number of **elements** (the sum of `p.numel()`), not the number of parameter tensors.

# %%
# NBVAL_CHECK_OUTPUT
for name, p in clf.named_parameters():
    print(f"{name:<10} {str(tuple(p.shape)):<9} numel={p.numel():<5} requires_grad={p.requires_grad}")
print("parameter tensors:", len(list(clf.parameters())))
print("parameters (elements):", sum(p.numel() for p in clf.parameters()))

# %% [markdown]
# To **freeze** some parameters (say, to keep a pretrained feature extractor in transfer learning), call `requires_grad_(False)` on them.
# Backpropagation then computes no gradient for them, their `.grad` stays `None`, and the optimizer leaves them alone. To count the
# "trainable parameters", count only those with `requires_grad` set.

# %%
# NBVAL_CHECK_OUTPUT
frozen = copy.deepcopy(clf)  # work on a copy so that clf stays as it is
frozen[0].requires_grad_(False)  # freeze the first layer (all parameters of one module)
trainable = sum(p.numel() for p in frozen.parameters() if p.requires_grad)
total = sum(p.numel() for p in frozen.parameters())
print(f"trainable {trainable} of {total}")

frozen.zero_grad()
loss_fn(frozen(X), Y).backward()
for name, p in frozen.named_parameters():
    print(f"{name:<10} grad is None: {p.grad is None}")

# %% [markdown]
# When freezing, it is also common to give the optimizer only the trainable parameters: `torch.optim.SGD((p for p in model.parameters() if p.requires_grad), lr=...)`.

# %% [markdown]
# ## 8. `train()` and `eval()`
#
# Every module has a `training` flag. `model.train()` and `model.eval()` set it **recursively** on all submodules, and only a few layers
# look at it, most commonly the `Dropout` and `BatchNorm` kinds. For a model made only of `Linear` and `ReLU`, both modes give the same result.
#
# Note that `eval()` does **not** turn off autograd. To save the time and memory of building a graph at prediction time, add `torch.no_grad()`
# (or `torch.inference_mode()`, chapter 05).

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
# Writing `model.train()` at the start of the training loop and `model.eval()` before evaluating is a good habit: forget `eval()` and
# Dropout keeps dropping at random, while BatchNorm uses the statistics of the test batch and **overwrites** its running statistics.
#
# ## 9. `state_dict`: saving and loading
#
# `state_dict()` is an ordered dictionary: the keys are the names of the parameters and buffers, the values are tensors. It is the
# model's whole "state", and saving a model means saving this (not the whole Python object). Note that BatchNorm's buffers are in it too.

# %%
# NBVAL_CHECK_OUTPUT
state = net.state_dict()
for key, value in state.items():
    print(f"{key:<22} {str(tuple(value.shape)):<7} requires_grad={value.requires_grad}")

# %% [markdown]
# The tensors in a `state_dict` are detached from the graph (`requires_grad=False`) but still **share storage** with the model: train
# the model further and they change with it. For a snapshot, use `copy.deepcopy(model.state_dict())`.
#
# Save with `torch.save` and read back with `torch.load`. Since PyTorch 2.6, `torch.load` defaults to `weights_only=True`: it reads only
# tensors and basic containers and runs no arbitrary Python code from the file, which makes loading other people's checkpoints safer.
# To read a model saved on a GPU onto the CPU, add `map_location="cpu"`. Below, the file goes into a temporary folder that is deleted afterwards.

# %%
# NBVAL_CHECK_OUTPUT
import tempfile
from pathlib import Path


def make_net():
    return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 1))


with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "net.pt"
    torch.save(net.state_dict(), path)
    loaded_state = torch.load(path, map_location=device)  # weights_only=True is the default

fresh = make_net().to(device)  # a new model: new random parameters
fresh.eval()
print("before loading, same outputs:", torch.allclose(fresh(batch), net(batch)))
result = fresh.load_state_dict(loaded_state)
print("load_state_dict returned:", result)
print("after loading, same outputs: ", torch.equal(fresh(batch), net(batch)))

# %% [markdown]
# Do not forget `fresh.eval()`: `load_state_dict` copies tensors and does not change the mode.
#
# ### `strict`, missing keys and unexpected keys
#
# By default (`strict=True`) the keys of the checkpoint and of the model must match **one to one**; otherwise loading fails and lists the
# "missing keys" (in the model, not in the checkpoint) and the "unexpected keys" (in the checkpoint, not in the model). With `strict=False`
# there is no error: the two lists come back as the return value, which is how you load only some of the layers (for example with a new
# classification head). A key whose shape does not match fails even with `strict=False`.

# %%
# NBVAL_CHECK_OUTPUT
bigger = nn.Sequential(make_net(), nn.Sigmoid())  # wrapped once more: every key gains the prefix "0."
try:
    bigger.load_state_dict(state)
except RuntimeError as err:
    print(str(err)[:150], "...")
result = bigger.load_state_dict(state, strict=False)
print("missing:   ", result.missing_keys[:3], "...", len(result.missing_keys), "in all")
print("unexpected:", result.unexpected_keys[:3], "...", len(result.unexpected_keys), "in all")

# %% [markdown]
# `strict=False` "succeeded" above, yet **not a single parameter was loaded**: none of the keys matched. So whenever you use
# `strict=False`, look at the two lists it returns.
#
# Keys that do not match are common: a model wrapped in `DistributedDataParallel` saves its keys with a `module.` prefix, a `torch.compile`d
# model with `_orig_mod.`, and refactoring may rename layers. The fix is to **rename** the keys before loading:

# %%
# NBVAL_CHECK_OUTPUT
renamed = {"0." + key: value for key, value in state.items()}  # old name -> name in the new model
print("result:", bigger.load_state_dict(renamed))
print("same outputs:", torch.equal(bigger[0].eval()(batch), net(batch)))

# %% [markdown]
# To drop a prefix, use `key.removeprefix("module.")`, not `key.replace("module.", "")`: the latter also deletes `module.` from the middle of
# names such as `submodule.weight`. PyTorch also has a ready-made function for it,
# `torch.nn.modules.utils.consume_prefix_in_state_dict_if_present(state, "module.")`.
#
# ## 10. Hooks: looking inside every layer
#
# Hooks are callbacks attached to a module. They observe (or even change) its inputs and outputs without touching the model's code:
#
# * `register_forward_hook(hook)`: after every `forward`, calls `hook(module, inputs, output)`;
# * `register_full_backward_hook(hook)`: when backpropagation passes through the module, calls `hook(module, grad_input, grad_output)`;
#   `grad_output` is the gradient of the loss with respect to the module's **output**, `grad_input` with respect to its **input**;
# * both return a **handle**, and `handle.remove()` takes the hook off again. Forget it, and the hook stays and runs on every call.
#
# First a forward hook that records the shape, mean and standard deviation of the output of every layer of an MLP:

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
# Next a backward hook that records the gradients arriving at each `Linear` layer; then we remove all the hooks and check that they no longer run:

# %%
# NBVAL_CHECK_OUTPUT
grad_records = {}


def record_grad(module, grad_input, grad_output):
    grad_records[module] = (tuple(grad_input[0].shape), tuple(grad_output[0].shape), grad_output[0].norm().item())


linears = [layer for layer in deep if isinstance(layer, nn.Linear)]
handles += [layer.register_full_backward_hook(record_grad) for layer in linears]

labels_3 = torch.randint(0, 3, (64,)).to(device)
# let the input require grad too, so the first layer's grad_input exists (else it is None and PyTorch warns)
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
# Forward hooks are handy for extracting intermediate features and for checking whether activations explode or are all 0; backward hooks
# show whether gradients vanish. The last section uses forward hooks to compare several initialisations.
#
# ## 11. Losses
#
# ### Regression: `MSELoss` and `L1Loss`
#
# `MSELoss` is the mean of the squared errors, `L1Loss` the mean of the absolute errors. The `reduction` argument says how to combine them:
# `"mean"` (the default), `"sum"`, or `"none"` (one value per element). Squaring magnifies large errors, so a single outlier can make
# the MSE very large, while L1 is affected much less:

# %%
# NBVAL_CHECK_OUTPUT
pred = torch.tensor([2.0, 3.0, 4.0, 5.0])
target = torch.tensor([2.5, 3.0, 3.0, 15.0])  # the last one is an outlier
for loss_cls in (nn.MSELoss, nn.L1Loss):
    per_element = loss_cls(reduction="none")(pred, target)
    print(f"{loss_cls.__name__:<8} none={fmt(per_element)}  mean={loss_cls()(pred, target).item():.4f}"
          f"  sum={loss_cls(reduction='sum')(pred, target).item():.4f}")

# %% [markdown]
# ### Classification: `CrossEntropyLoss` wants logits and class indices
#
# `nn.CrossEntropyLoss()(logits, target)`:
#
# * `logits`: the **raw scores**, shape `(N, C)`; do not apply softmax first;
# * `target`: the **class indices**, shape `(N,)`, dtype `int64` (`torch.long`), values `0 … C-1`.
#   (It also accepts probability distributions of shape `(N, C)` as "soft labels".)
#
# Internally it applies `log_softmax` and takes minus the log-probability of the right class, $-\log \frac{e^{z_y}}{\sum_j e^{z_j}}$,
# computed in a numerically stable way.

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
# Applying softmax first is the most classic mistake: the code still runs and the loss still goes down, only training becomes slower and worse.
# The reason is that `CrossEntropyLoss` applies softmax once more, and softmax of numbers that all lie between 0 and 1 makes them nearly equal.
# Let us move the logit of the right class from -4 to 8 and look at both loss curves and their gradients:

# %%
margins = torch.linspace(-4, 8, 121)
right, wrong, right_grad, wrong_grad = [], [], [], []
for m in margins:
    z = torch.tensor([[m.item(), 0.0, 0.0]], requires_grad=True)  # the right class is 0
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
# The correct loss goes to 0 as the model becomes confident; the mistaken one (with 3 classes) can never go below
# $-\log\frac{e}{e+2} \approx 0.5514$: after a softmax the largest value is 1, so after the second softmax the right class gets a
# probability of at most $\frac{e}{e+2}$. The gradients are worse still: when the model is wrong (the left half), the correct gradient is
# close to -1 and pushes the model to fix its answer, while the mistaken gradient is at most about 0.23 in size, and the more confidently
# wrong the model is, the closer it gets to 0.
#
# To get probabilities at prediction time, call `torch.softmax(logits, dim=1)` yourself; for the class alone, `logits.argmax(dim=1)` is
# enough (softmax does not change the order).
#
# ### Binary classification: `BCEWithLogitsLoss`, not `Sigmoid` + `BCELoss`
#
# For binary (or multi-label) classification the model outputs one logit per sample, and the target is a **float** 0.0 or 1.0.
# `BCEWithLogitsLoss` computes the sigmoid and the binary cross-entropy in one numerically stable step. `torch.sigmoid` followed by `BCELoss`
# is the same in theory, but for a large logit the sigmoid in float32 becomes exactly 1.0, and `log(1 - 1) = -inf`: `BCELoss` clamps the
# log at -100, the loss becomes 100 and the gradient 0. The model is badly wrong and learns nothing from it.

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
# The rule: **losses take logits**. `CrossEntropyLoss` and `BCEWithLogitsLoss` include the softmax / sigmoid, so the model's last layer must not add one.
#
# ## 12. Initialisation (briefly)
#
# Every layer initialises its parameters with its own rule when it is created. `nn.Linear` draws both weight and bias from the uniform
# distribution $U\!\left(-\frac{1}{\sqrt{\text{in}}}, \frac{1}{\sqrt{\text{in}}}\right)$:

# %%
# NBVAL_CHECK_OUTPUT
layer = nn.Linear(400, 100)
bound = 1 / 400**0.5
print(f"bound 1/sqrt(400) = {bound:.4f}; all |weight| <= bound: {bool(layer.weight.abs().max() <= bound)},"
      f" all |bias| <= bound: {bool(layer.bias.abs().max() <= bound)}")

# %% [markdown]
# To use another initialisation, take a function from `torch.nn.init` (the trailing underscore in their names means **in place**) and
# apply it to every submodule with `model.apply(fn)`. The scale matters: it decides whether a signal passing through many layers keeps its
# size, explodes or vanishes. Below, forward hooks measure the standard deviation of each layer's output in a 10-layer Tanh network of
# width 256, for four initialisations:

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
# * `std=0.01` is too small: every layer shrinks the signal, and by layer 10 almost nothing is left (the gradients vanish too).
# * `std=1` is too large: every Tanh saturates near ±1; the standard deviation stays close to 1, but the derivatives are almost 0.
# * PyTorch's default is on the small side for Tanh: the signal coming from the input shrinks to about 0.58 times its size at every layer,
#   and what is left in the last layers comes mostly from the biases and does not depend on the input;
# * `xavier_normal_` with Tanh's gain of 5/3 keeps the signal at a steady scale. ReLU networks usually use `kaiming_normal_`.
#
# In practice the default initialisation plus BatchNorm / LayerNorm and a good optimizer (chapter 07) is usually enough; but when a deep
# network refuses to train, start by looking at each layer's activations with hooks.
#
# ## Summary
#
# * A model subclasses `nn.Module`: `super().__init__()` first, layers in `__init__`, the computation in `forward`; call it as `model(x)`.
# * One training step: `zero_grad()` → forward → loss → `backward()` → `step()`; the gradients must be cleared before the next `backward()`.
# * Only `nn.Parameter`s, submodules and `register_buffer`s assigned directly are registered; keep lists of layers in `nn.ModuleList`.
# * `nn.Sequential` suits straight-line models; `Linear` acts on the last dimension; convolution output sizes follow a formula; `Dropout` and `BatchNorm` behave differently under `train()` and `eval()`, and `eval()` does not turn off autograd.
# * The parameter count is a count of elements; freeze with `requires_grad_(False)`.
# * `state_dict` holds parameters and buffers; `torch.save` / `torch.load` (with `weights_only=True` by default); with `strict=False` read the missing and unexpected keys; rename keys that do not match.
# * Remove hooks through their handles. Losses take logits: `CrossEntropyLoss` wants logits and `int64` class indices, no softmax first; use `BCEWithLogitsLoss` for binary classification.
#
# Next: open `exercises/en/06_nn.ipynb` for the exercises. Chapter 07 covers optimizers and learning-rate schedules.

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **Next:** [the exercises of this chapter: 06_nn](../../exercises/en/06_nn.ipynb) · [the next chapter: 07_optim](07_optim.ipynb)
