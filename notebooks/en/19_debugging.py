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
# # 19 · Debugging: why training fails, and how to make it reproducible
#
# When training goes wrong, PyTorch rarely raises an error: the code runs to the end, but the loss will not go down,
# the accuracy sits at 10%, or a step suddenly turns into `nan`. This chapter is not a list of tips. It gives a
# **method**, and then uses it to find and fix six classic broken training runs, one by one:
#
# 1. **The method**: check the loss at initialisation, then make the model overfit a single batch, and only then scale up to the whole dataset;
# 2. **Six broken runs**: each one really breaks in a cell; we find the cause and fix it;
# 3. **Tools**: hooks to look at activations and gradients, gradient norms per layer, `torch.autograd.set_detect_anomaly` to hunt down a `nan`, and a learning-rate range test;
# 4. **Reproducibility**: `torch.use_deterministic_algorithms`, seeds for DataLoader workers, and what can still differ on another machine;
# 5. **Memory**: activation checkpointing (`torch.utils.checkpoint`) and gradient accumulation, with the savings measured.
#
# The data are again scikit-learn's bundled 8×8 handwritten digits (no download). Every model is tiny, so the whole chapter runs in under a minute on a CPU.

# %%
from course_utils import setup_notebook

setup_notebook()

# %%
import math
import sys
import tempfile
import time
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.checkpoint import checkpoint_sequential
from torch.utils.data import DataLoader

from course_utils import digits_datasets, show_images

# Every model in this chapter is tiny: run them all on the CPU with one thread, which is fast and independent of the number of cores.
torch.set_num_threads(1)

train_set, val_set, _ = digits_datasets(seed=0)
x_train, y_train = train_set.tensors[0].flatten(1), train_set.tensors[1]  # (1258, 64) pixels, (1258,) labels
x_val, y_val = val_set.tensors[0].flatten(1), val_set.tensors[1]
print("train:", tuple(x_train.shape), "| validation:", tuple(x_val.shape))

# %% [markdown]
# The small functions below are used throughout the chapter. `batch_indices` draws the batches of every step in advance:
# every experiment sees exactly the same batches, so the only difference between two runs is the one we make on purpose.
# `train` is a **correct** training loop; every broken version below is compared with it.

# %%
def make_mlp(seed=0):
    """64 pixels -> 64 hidden units -> 10 logits."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))


def batch_indices(steps, batch_size=64, seed=0):
    """The indices of the training examples of every step: the same batches for every run."""
    generator = torch.Generator().manual_seed(seed)
    batches = []
    while len(batches) < steps:
        order = torch.randperm(len(x_train), generator=generator)
        batches += list(order[: len(order) // batch_size * batch_size].view(-1, batch_size))
    return batches[:steps]


def train(model, steps=300, lr=0.1, x=x_train, y=y_train):
    """A correct training loop with plain SGD; returns the loss of every step."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    losses = []
    for idx in batch_indices(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


@torch.no_grad()
def accuracy(model, x=x_val, y=y_val):
    """Validation accuracy, in eval mode and without a graph."""
    model.eval()
    return (model(x).argmax(dim=1) == y).float().mean().item()


def tail(losses, n=20):
    """The mean loss of the last n steps: one step's loss is too noisy to compare."""
    return sum(losses[-n:]) / len(losses[-n:])


# %% [markdown]
# ## 1. The method: initial loss → overfit one batch → scale up
#
# ### 1.1 What should the loss be at initialisation?
#
# Before training, the weights are random and the model has no preference among the ten digits: each class gets a
# probability of about 1/10. The cross-entropy is the negative log of the probability of the right class, so the initial
# loss should be close to $-\ln(1/10) = \ln 10$. In general, **the initial loss with C classes is about ln C**.
# You can check this before training even starts, in one line:

# %%
# NBVAL_CHECK_OUTPUT
model = make_mlp()
with torch.no_grad():
    init_loss = F.cross_entropy(model(x_train), y_train).item()
print(f"expected ln(10) = {math.log(10):.3f}, measured at initialisation: {init_loss:.3f}")

# %% [markdown]
# They agree. If they were far apart, something would be wrong before the first step. A common case: the weights of the
# last layer are too large, so the model is "very confident" about random answers from the start, the loss is far above
# ln 10, and the first few hundred steps are spent wearing that confidence down.

# %%
# NBVAL_CHECK_OUTPUT
overconfident = make_mlp()
with torch.no_grad():
    overconfident[2].weight.mul_(30)  # the last layer's weights times 30
    loss = F.cross_entropy(overconfident(x_train), y_train).item()
    probs = overconfident(x_train).softmax(dim=1)
print(f"last layer x30: loss at initialisation {loss:.2f} (expected {math.log(10):.2f})")
print(f"mean probability of the most likely class: {probs.max(dim=1).values.mean():.2f} (expected about 0.1)")

# %% [markdown]
# A loss far **above** ln C: check the last layer's initialisation and the scale of the inputs (pixels not scaled to [0, 1], for example).
# A loss far **below** ln C: the model "knows" the answers before learning anything; most likely the labels leaked into the inputs.
#
# ### 1.2 Overfit a single batch
#
# Step two: take just 32 images and train on them over and over. A workable model with correct training code should
# **memorise** these 32 images and drive the loss close to 0. If it cannot, the problem is in the code (how model, loss
# and optimizer are wired together), not in the amount of data or the hyperparameters.
# This takes a few seconds and rules out more than half of the possible causes.

# %%
model = make_mlp()
x_one, y_one = x_train[:32], y_train[:32]
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
one_batch_losses = []
for _ in range(150):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x_one), y_one)
    loss.backward()
    optimizer.step()
    one_batch_losses.append(loss.item())

# %%
# NBVAL_CHECK_OUTPUT
print("loss on the batch after 150 steps below 0.01:", one_batch_losses[-1] < 0.01)
print("accuracy on the batch:", accuracy(model, x_one, y_one))

# %% [markdown]
# ### 1.3 Then scale up to the whole training set
#
# Only when the code is right do we switch to all the training data and start watching the validation set. First with
# the plain `train` above (SGD, learning rate 0.1, 300 steps):

# %%
full_model = make_mlp()
full_losses = train(full_model)

# %%
# NBVAL_CHECK_OUTPUT
print(f"mean loss of the last 20 steps: {tail(full_losses):.1f}, validation accuracy: {accuracy(full_model):.2f}")

# %%
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(one_batch_losses, label="one batch of 32 (Adam)")
ax.plot(full_losses, label="whole training set (SGD)", alpha=0.8)
ax.axhline(math.log(10), color="gray", linestyle="--", label="ln 10")
ax.set_xlabel("step")
ax.set_ylabel("loss")
ax.set_yscale("log")
ax.set_title("Step 2 and step 3 of the method")
ax.legend()
plt.show()

# %% [markdown]
# Both curves start at ln 10. The loss on one batch falls almost to 0 (memorised); the loss on the whole training set falls
# more slowly and jitters from batch to batch. Only now is it time to tune hyperparameters, grow the model or train longer.
#
# In one sentence: **check the starting point, then prove it can learn, and only then ask it to learn well.**
#
# ## 2. Six broken runs
#
# Each section below first writes a training run that is **really broken** in a cell, looks at its symptoms, finds the
# cause and then fixes it. Each one is compared with `train` above (or an equally correct version). All the curves are
# plotted together at the end.

# %%
curves = {}  # bug -> (broken losses, fixed losses)

# %% [markdown]
# ### 2.1 Forgetting `zero_grad()`
#
# `backward()` **adds** the gradients to `.grad` instead of overwriting them (chapter 05). Forget to zero them, and every
# step uses the sum of all the gradients since the first step: the sum keeps growing, and its direction is more and more
# set by gradients that are long out of date.

# %%
model = make_mlp()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
broken = []
for idx in batch_indices(300):
    # BUG: optimizer.zero_grad() is missing
    loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
    loss.backward()
    optimizer.step()
    broken.append(loss.item())
first_weight_grad = model[0].weight.grad.norm().item()

# the fixed run is section 1.3's: the same model, batches and learning rate, with zero_grad()
curves["missing zero_grad()"] = (broken, full_losses)
one_step_grad = full_model[0].weight.grad.norm().item()  # .grad holds the gradient of its last step

# %%
# NBVAL_CHECK_OUTPUT
print(f"mean loss of the last 20 steps: fixed {tail(curves['missing zero_grad()'][1]):.1f}; broken above 0.5:",
      tail(broken) > 0.5)
print("gradient of the first layer after 300 steps is over 10x larger without zero_grad():",
      first_weight_grad > 10 * one_step_grad)

# %% [markdown]
# Symptom: the loss falls at first, then swings wildly and stays high. Fix: call `optimizer.zero_grad()` (or
# `model.zero_grad()`) before each `backward()`. If you accumulate gradients **on purpose** (section 5), zero them after each `step()`.
#
# ### 2.2 A softmax before `CrossEntropyLoss`
#
# `nn.CrossEntropyLoss` wants **logits** (unnormalised scores): it applies `log_softmax` itself. If the model already
# ends with a softmax, it is applied twice: the inputs become probabilities between 0 and 1, a second softmax makes the
# classes almost equal, and the gradients are small. And the loss has a **floor** it cannot go below: even for perfect
# probabilities (1, 0, …, 0) the loss is $-\ln\frac{e^1}{e^1 + 9e^0} = \ln(e + 9) - 1$.

# %%
model = make_mlp()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
broken = []
for idx in batch_indices(300):
    optimizer.zero_grad()
    probs = model(x_train[idx]).softmax(dim=1)  # BUG: CrossEntropyLoss applies log_softmax itself
    loss = F.cross_entropy(probs, y_train[idx])
    loss.backward()
    optimizer.step()
    broken.append(loss.item())
curves["softmax before CrossEntropyLoss"] = (broken, full_losses)

# %%
# NBVAL_CHECK_OUTPUT
floor = math.log(math.e + 9) - 1
print(f"the lowest loss reachable with probabilities as inputs: ln(e + 9) - 1 = {floor:.3f}")
print("broken run never went below it:", min(broken) > floor)
print(f"mean loss of the last 20 steps: broken {tail(broken):.1f}, fixed {tail(curves['softmax before CrossEntropyLoss'][1]):.1f}")

# %% [markdown]
# Fix: the model outputs logits and the loss takes them directly; apply a softmax only when **predicting** (to show probabilities to a person).
# The same goes for the others: `nn.NLLLoss` wants the output of `log_softmax`, and `nn.BCEWithLogitsLoss` wants logits, not the output of a sigmoid.
#
# ### 2.3 The wrong learning rate
#
# The same correct code, with only the learning rate changed. Too large, and the first step overshoots, the loss shoots
# up, and the ReLUs may all "die" (output 0 forever) and never come back. Too small, and the loss hardly moves, which
# looks like "the model cannot learn".

# %%
too_large = train(make_mlp(), lr=10.0)
too_small = train(make_mlp(), lr=1e-4)
curves["learning rate 10 / 1e-4"] = (too_large, full_losses)  # full_losses: lr = 0.1

# %%
# NBVAL_CHECK_OUTPUT
print(f"lr = 10:   highest loss {max(too_large):.0f}, mean of the last 20 steps {tail(too_large):.1f}")
print(f"lr = 1e-4: loss {too_small[0]:.2f} -> {tail(too_small):.2f} (ln 10 = {math.log(10):.2f})")
print(f"lr = 0.1:  mean of the last 20 steps {tail(curves['learning rate 10 / 1e-4'][1]):.1f}")

# %% [markdown]
# The symptoms are easy to tell apart: a loss that explodes or turns into `nan` means the learning rate is too large; a loss
# that stays near ln C while overfitting one batch works fine means: try a larger learning rate first.
# The **learning-rate range test** of section 3.4 finds a good range systematically.
#
# ### 2.4 Labels shuffled apart from their inputs
#
# You want to "shuffle the dataset by hand", but shuffle only the images and forget to shuffle the labels with the
# **same** permutation. The code raises nothing and every shape is right; each image just gets someone else's label:

# %%
perm = torch.randperm(len(x_train), generator=torch.Generator().manual_seed(1))
x_shuffled = x_train[perm]  # BUG: y_train is not permuted with the same perm
shuffled_model = make_mlp()
broken = train(shuffled_model, x=x_shuffled, y=y_train)
curves["labels shuffled apart from inputs"] = (broken, train(make_mlp(), x=x_shuffled, y=y_train[perm]))

# %%
# NBVAL_CHECK_OUTPUT
print(f"broken: mean loss of the last 20 steps {tail(broken):.1f} (ln 10 = {math.log(10):.1f})")
print(f"broken: validation accuracy {accuracy(shuffled_model):.1f} (chance: 0.1)")

# %% [markdown]
# The loss stays at ln 10, and the validation accuracy stays at the level of guessing. Worse, **overfitting one batch does
# not catch this**: with 32 images and 32 random labels, the model can still learn them by heart. That step tests the code, not the data:

# %%
# NBVAL_CHECK_OUTPUT
model = make_mlp()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
for _ in range(150):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x_shuffled[:32]), y_train[:32])
    loss.backward()
    optimizer.step()
print("one batch with wrong labels memorised (loss < 0.01):", loss.item() < 0.01)

# %% [markdown]
# So you also have to **look at** the data that goes into the model: take a few images from a real training batch and put the labels in the titles.

# %%
show_images(x_shuffled[:8].view(-1, 1, 8, 8), titles=[f"label {y}" for y in y_train[:8].tolist()], ncols=8)
plt.show()

# %% [markdown]
# The labels do not match the images, which you see at a glance. Fix: shuffle both with the same permutation
# (`x_train[perm], y_train[perm]`), or better, do not shuffle by hand at all: put images and labels into one `TensorDataset`
# and let `DataLoader(shuffle=True)` do it (chapter 08).
#
# ### 2.5 BatchNorm and Dropout still in train mode at evaluation
#
# In train mode, `Dropout` drops half of the features at random, and `BatchNorm` normalises with the mean and variance of
# the **current batch** and updates its running statistics. Forget `model.eval()` at evaluation, and a prediction depends
# on which other images are in the same batch, so the accuracy changes with the batch size; worse, the "evaluation" changes the model.

# %%
def make_bn_mlp(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(64, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 10))


bn_model = make_bn_mlp()
train(bn_model)


@torch.no_grad()
def accuracy_forgot_eval(model, batch_size, x=x_val, y=y_val):
    # BUG: model.eval() is missing, so the model stays in the mode that train() left it in
    preds = torch.cat([model(x[i:i + batch_size]).argmax(dim=1) for i in range(0, len(x), batch_size)])
    return (preds == y).float().mean().item()


running_mean_before = bn_model[1].running_mean.clone()
bn_model.train()
broken_acc = {bs: accuracy_forgot_eval(bn_model, bs) for bs in (270, 16, 4)}
changed = not torch.equal(bn_model[1].running_mean, running_mean_before)
fixed_acc = accuracy(bn_model)  # accuracy() calls model.eval()

# %%
# NBVAL_CHECK_OUTPUT
for bs, acc in broken_acc.items():
    print(f"train mode, batches of {bs:3d}: accuracy {acc:.2f}")
print(f"eval mode (any batch size): accuracy {fixed_acc:.2f}")
print("the 'evaluation' in train mode changed BatchNorm's running statistics:", changed)

# %% [markdown]
# The smaller the batch, the less reliable BatchNorm's statistics and the worse the accuracy; predicting one image at a time fails outright:

# %%
# NBVAL_CHECK_OUTPUT
bn_model.train()
try:
    bn_model(x_val[:1])
except ValueError as error:
    print("ValueError:", error)

# %% [markdown]
# Fix: `model.eval()` before evaluating and `model.train()` before training (chapter 09). `torch.no_grad()` only stops the
# graph from being recorded; it does not change how these two layers behave.
#
# ### 2.6 A silent broadcast in the loss: `(N, 1)` against `(N,)`
#
# The last layer of a regression model is `nn.Linear(5, 1)`, so its output has shape `(N, 1)`; the targets often have
# shape `(N,)`. Subtracting them raises **no error**: by the broadcasting rules (chapter 03) the result is an `(N, N)`
# matrix that compares each prediction with **every** target. The best the model can do to minimise that loss is to
# predict the mean of the targets for every input.

# %%
g = torch.Generator().manual_seed(0)
x_reg = torch.randn(256, 5, generator=g)
w_true = torch.randn(5, generator=g)
y_reg = x_reg @ w_true + 0.1 * torch.randn(256, generator=g)  # shape (256,)


def train_regression(squeeze, steps=200):
    torch.manual_seed(0)
    model = nn.Linear(5, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        pred = model(x_reg)  # (256, 1)
        if squeeze:
            pred = pred.squeeze(1)  # (256,): the fix
        loss = ((pred - y_reg) ** 2).mean()  # without the fix: (256, 1) - (256,) -> (256, 256)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses, model


broken, broken_model = train_regression(squeeze=False)
fixed, _ = train_regression(squeeze=True)
curves["(N, 1) against (N,) in the loss"] = (broken, fixed)

# %%
# NBVAL_CHECK_OUTPUT
print("shape of pred - target:", tuple((broken_model(x_reg) - y_reg).shape))
print(f"final loss: broken {broken[-1]:.2f}, fixed {fixed[-1]:.3f} (noise variance 0.010)")
print(f"variance of the targets: {y_reg.var():.2f}; broken model's predictions vary by {broken_model(x_reg).std():.3f}")

# %% [markdown]
# The broken model's loss stays near the variance of the targets: its predictions are almost a constant. `nn.MSELoss` at least warns about this (a hand-written loss says nothing):

# %%
# NBVAL_CHECK_OUTPUT
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    F.mse_loss(broken_model(x_reg), y_reg)
print(caught[0].category.__name__ + ":", str(caught[0].message))

# %% [markdown]
# Fix: give the predictions and the targets the same shape (`pred.squeeze(1)` or `y.unsqueeze(1)`), and add an assertion
# before the loss that turns the silent mistake into an immediate error: `assert pred.shape == target.shape, (pred.shape, target.shape)`.
#
# The six broken runs next to their fixed versions:

# %%
fig, axes = plt.subplots(2, 3, figsize=(12, 6.5))
curve_axes = [axes[0, 0], axes[0, 1], axes[0, 2], axes[1, 0], axes[1, 2]]  # axes[1, 1] is for BatchNorm/Dropout
for ax, (bug, (bad, good)) in zip(curve_axes, curves.items()):
    ax.plot(bad, color="tab:red", label="broken")
    ax.plot(good, color="tab:green", label="fixed")
    ax.set_title(bug, fontsize=10)
    ax.set_yscale("log")
    ax.set_xlabel("step")
axes[0, 2].plot(too_small, color="tab:orange", label="lr 1e-4")
axes[0, 0].set_ylabel("loss")
axes[1, 0].set_ylabel("loss")
axes[0, 2].legend()
axes[0, 0].legend()
# BatchNorm/Dropout: accuracy instead of a loss curve
ax = axes[1, 1]
ax.bar([f"train\n{bs}" for bs in broken_acc], list(broken_acc.values()), color="tab:red")
ax.bar(["eval\nany"], [fixed_acc], color="tab:green")
ax.set_ylim(0, 1)
ax.set_xlabel("mode and batch size at evaluation")
ax.set_ylabel("validation accuracy")
ax.set_title("BatchNorm/Dropout in train mode at evaluation", fontsize=10)
fig.tight_layout()
plt.show()

# %% [markdown]
# A summary as a lookup table:
#
# | Symptom | Suspect first |
# | --- | --- |
# | Initial loss far from ln C | initialisation of the last layer, unscaled inputs, labels leaking into the inputs |
# | Loss falls, then jumps around and gets worse | a missing `zero_grad()`; a learning rate that is too large |
# | Loss falls very slowly and stays above some floor | the wrong input to the loss (a softmax/sigmoid applied first) |
# | Loss explodes or becomes `nan` | a learning rate that is too large; `log`/`sqrt`/division hitting 0 (section 3.3) |
# | Loss stays at ln C, yet one batch can be memorised | data and labels do not match: look at the data |
# | Training is fine, but accuracy changes with the evaluation batch size | a missing `model.eval()` |
# | A regression loss stays near the variance of the targets | predictions and targets have different shapes and broadcast |
#
# ## 3. Tools
#
# ### 3.1 Hooks: the activations and gradients of every layer
#
# A **forward hook**, `module.register_forward_hook(fn)`, calls `fn(module, inputs, output)` each time the module finishes its forward pass;
# a **backward hook**, `module.register_full_backward_hook(fn)`, calls `fn(module, grad_input, grad_output)` when the gradients flow through the module.
# Without touching the model's code, they record statistics of every layer. Both return a handle: call `handle.remove()`
# when you are done, or the hook stays attached.
#
# The experiment: a 10-layer MLP with two initialisations, the default of PyTorch's `nn.Linear`, and Kaiming (He)
# initialisation designed for ReLU, `nn.init.kaiming_normal_(weight, nonlinearity="relu")`.

# %%
def make_deep(init, depth=10, seed=0):
    torch.manual_seed(seed)
    layers = []
    for _ in range(depth):
        linear = nn.Linear(64, 64)
        if init == "kaiming":
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
            nn.init.zeros_(linear.bias)
        layers += [linear, nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(64, 10))


def layer_statistics(model, x, y):
    """Forward hooks record how much each ReLU's output varies with the input; backward hooks record
    the norm of the gradient at each Linear's output."""
    act_std, grad_norm, handles = [], [], []
    for module in model:
        if isinstance(module, nn.ReLU):
            # std over the examples (dim=0) of each unit, averaged over the units
            handles.append(module.register_forward_hook(
                lambda mod, inputs, output: act_std.append(output.std(dim=0).mean().item())))
        if isinstance(module, nn.Linear):
            handles.append(module.register_full_backward_hook(
                lambda mod, grad_input, grad_output: grad_norm.append(grad_output[0].norm().item())))
    # a full backward hook on the first layer wants an input that requires grad (otherwise it warns)
    F.cross_entropy(model(x.detach().requires_grad_()), y).backward()
    for handle in handles:
        handle.remove()
    return act_std, grad_norm[::-1]  # backward visits the layers last to first


x_batch, y_batch = x_train[:256], y_train[:256]
stats = {init: layer_statistics(make_deep(init), x_batch, y_batch) for init in ("default", "kaiming")}

# %%
# NBVAL_CHECK_OUTPUT
for init, (act_std, _) in stats.items():
    print(f"{init:>7}: std over the examples of the ReLU outputs, layers 1, 4, 7, 10:",
          " ".join(f"{s:.0e}" for s in act_std[::3]))

# %% [markdown]
# What we measure is how much each unit's output **varies with the input** (its standard deviation across the examples).
# With the default initialisation it shrinks to less than half at every layer and is almost 0 by layer 10: the network's
# output hardly depends on its input any more, only a constant set by the biases is left. Kaiming initialisation keeps it roughly constant.
# The reason: the default initialisation gives the weights a variance of $1/(3\,\text{fan\_in})$, and ReLU cuts off half,
# so the signal's variance is multiplied by about 1/6 per layer; Kaiming uses $2/\text{fan\_in}$, which exactly compensates.
# The right panel below shows the gradient flowing back through each layer: with the default initialisation it shrinks layer by layer as well.

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
for init, (act_std, grad_norm) in stats.items():
    ax1.plot(range(1, len(act_std) + 1), act_std, marker="o", label=init)
    ax2.plot(range(1, len(grad_norm) + 1), grad_norm, marker="o", label=init)
ax1.set(yscale="log", xlabel="layer", ylabel="std of ReLU output over examples", title="Forward hooks: activations")
ax2.set(yscale="log", xlabel="Linear layer (11 = output layer)", ylabel="norm of gradient w.r.t. layer output",
        title="Backward hooks: gradients")
ax1.legend()
plt.show()

# %% [markdown]
# ### 3.2 Gradient norms per layer
#
# After `backward()`, every parameter's gradient is in `p.grad`; no hook needed. Combine the gradients of all the
# parameters of a layer into one L2 norm, and you see which layer's gradient vanishes (close to 0) or explodes (very
# large). What `clip_grad_norm_` returns, and what chapter 07 clipped, is the **total** norm of all the parameters together.

# %%
# NBVAL_CHECK_OUTPUT
def grad_norm_per_layer(model):
    norms = {}
    for name, module in model.named_modules():
        grads = [p.grad for p in module.parameters(recurse=False) if p.grad is not None]
        if grads:
            norms[name] = torch.sqrt(sum(g.pow(2).sum() for g in grads)).item()
    return norms


for init in ("default", "kaiming"):
    model = make_deep(init)
    F.cross_entropy(model(x_batch), y_batch).backward()
    norms = grad_norm_per_layer(model)
    total = torch.nn.utils.get_total_norm([p.grad for p in model.parameters()]).item()
    print(f"{init:>7}: layer '0' {norms['0']:.1e}, layer '20' {norms['20']:.1e}, all layers together {total:.1e}")

# %% [markdown]
# With the default initialisation, the gradient of the first layer (named `'0'`) is several orders of magnitude smaller
# than that of the last (`'20'`): the first layers hardly learn at all. Log these numbers every few steps during training
# (or plot them in TensorBoard, chapter 15), and vanishing or exploding gradients are obvious in the curves.
#
# ### 3.3 `torch.autograd.set_detect_anomaly`: where does the `nan` come from?
#
# A finite loss with a `nan` gradient is the hardest case to track down. A real example: `torch.where` takes `sqrt(x)`
# only where `x > 0`, and the forward pass is perfectly fine; but in the backward pass the gradient of `sqrt` at a negative
# number is `nan`, and multiplying it by the 0 that `where` passes back still gives `nan` (`nan × 0 = nan`).

# %%
# NBVAL_CHECK_OUTPUT
x = torch.tensor([-1.0, 4.0], requires_grad=True)
loss = torch.where(x > 0, torch.sqrt(x), torch.zeros_like(x)).sum()
loss.backward()
print("loss:", loss.item(), "| gradient:", x.grad)

# %% [markdown]
# In a real model the `nan` spreads to every parameter and hides its source. **Anomaly detection mode** makes autograd
# check the output of every backward function and raise at the first `nan`, naming the function, and (as a warning) it
# adds the line of code that created that function in the **forward** pass:

# %%
# NBVAL_CHECK_OUTPUT
x.grad = None
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    try:
        with torch.autograd.set_detect_anomaly(True):
            loss = torch.where(x > 0, torch.sqrt(x), torch.zeros_like(x)).sum()
            loss.backward()
    except RuntimeError as error:
        print("RuntimeError:", error)
trace = str(caught[0].message).splitlines()
print(trace[0])
print("forward line:", trace[-2].strip())

# %% [markdown]
# Found it: `SqrtBackward0`, from `torch.sqrt(x)`. The fix is to keep the branch that is not used from producing a `nan`
# as well: clamp its input into the safe range first, `torch.sqrt(x.clamp(min=1e-12))`.
#
# Anomaly detection records a stack trace for every operation and slows training down noticeably, so switch it on only
# while hunting. A cheap way to find the **first** bad step: check `torch.isfinite(loss)` and whether the total gradient norm is finite at every step.

# %%
# NBVAL_CHECK_OUTPUT
x.grad = None
loss = torch.where(x > 0, torch.sqrt(x.clamp(min=1e-12)), torch.zeros_like(x)).sum()
loss.backward()
print("fixed gradient:", x.grad)

# %% [markdown]
# ### 3.4 The learning-rate range test
#
# In section 2.3, a learning rate of 10 exploded and 1e-4 did not move. Where is the right value? The **learning-rate
# range test** takes a hundred steps: start with a tiny learning rate, multiply it by a fixed factor at each step up to a
# very large one, and record the (smoothed) loss. Where the loss starts to fall is the lower end of useful learning rates;
# soon after its minimum the loss explodes. A common choice is **about a tenth of the learning rate at the lowest loss**.

# %%
def lr_range_test(model, lr_min=1e-4, lr_max=10.0, steps=100, smoothing=0.8):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr_min)
    factor = (lr_max / lr_min) ** (1 / (steps - 1))
    lrs, losses, smooth = [], [], None
    for step, idx in enumerate(batch_indices(steps)):
        lr = lr_min * factor**step
        for group in optimizer.param_groups:
            group["lr"] = lr
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
        loss.backward()
        optimizer.step()
        smooth = loss.item() if smooth is None else smoothing * smooth + (1 - smoothing) * loss.item()
        lrs.append(lr)
        losses.append(smooth)
        if not math.isfinite(smooth) or smooth > 2 * min(losses):
            break  # the loss blew up: larger learning rates are useless
    return lrs, losses


lrs, lr_losses = lr_range_test(make_mlp())
best_lr = lrs[min(range(len(lr_losses)), key=lr_losses.__getitem__)]

# %%
fig, ax = plt.subplots(figsize=(7, 3.8))
ax.plot(lrs, lr_losses)
ax.axvline(best_lr, color="tab:red", linestyle="--", label="lowest loss")
ax.axvline(best_lr / 10, color="tab:green", linestyle="--", label="a tenth of it")
ax.set(xscale="log", xlabel="learning rate", ylabel="smoothed loss", title="Learning-rate range test (SGD)")
ax.legend()
plt.show()

# %%
# NBVAL_CHECK_OUTPUT
print(f"lowest loss at a learning rate of about {10 ** round(math.log10(best_lr)):g}; "
      f"suggested: {10 ** round(math.log10(best_lr / 10)):g}")

# %% [markdown]
# The suggestion is the 0.1 that section 1.3 has used all along. The range test depends on the optimizer, the batch
# size and the model: change any of them and run it again.
#
# ## 4. Reproducibility
#
# Debugging only makes sense if runs are reproducible bit for bit: when you change one line and the result changes, you
# need to know that your change did it, not randomness. On the same machine, with the same seeds and the same code,
# training on the CPU should be **identical bit for bit**:

# %%
# NBVAL_CHECK_OUTPUT
run_1, run_2 = make_mlp(seed=3), make_mlp(seed=3)
train(run_1, steps=50)
train(run_2, steps=50)
print("two runs with the same seed, bit for bit:", all(torch.equal(a, b) for a, b in zip(run_1.parameters(), run_2.parameters())))

# %% [markdown]
# ### `torch.use_deterministic_algorithms`
#
# On a GPU, some operators use atomic additions for speed; the order of the additions differs from run to run, and so do
# the last bits of the result. `torch.use_deterministic_algorithms(True)` makes PyTorch use only deterministic
# implementations; an operator without one **raises an error** instead of quietly giving a result you cannot reproduce
# (`warn_only=True` makes it a warning). On a GPU you also set the environment variable `CUBLAS_WORKSPACE_CONFIG=:4096:8`
# (before CUDA is initialised), and switch off `torch.backends.cudnn.benchmark` (it picks convolution algorithms by timing them on the spot).
#
# It has a visible effect on the CPU too: "uninitialised" memory from `torch.empty` is filled with `nan` (integers with
# their largest value), so a bug that reads uninitialised memory behaves the same every time (controlled by
# `torch.utils.deterministic.fill_uninitialized_memory`, on by default).

# %%
# NBVAL_CHECK_OUTPUT
torch.use_deterministic_algorithms(True)
print("deterministic:", torch.are_deterministic_algorithms_enabled(), "| torch.empty(3):", torch.empty(3))
torch.use_deterministic_algorithms(False)  # the rest of the chapter does not need it

# %%
# NBVAL_IGNORE_OUTPUT
# "No deterministic implementation -> error" can only be shown on a GPU; on the CPU this prints one line.
if torch.cuda.is_available():
    torch.use_deterministic_algorithms(True)
    try:
        torch.histc(torch.rand(100, device="cuda"), bins=10)
        print("torch.histc ran without an error on this version")
    except RuntimeError as error:
        print("RuntimeError:", str(error).splitlines()[0])
    finally:
        torch.use_deterministic_algorithms(False)
else:
    print("no GPU: on CUDA, an op without a deterministic implementation (e.g. torch.histc) raises a RuntimeError here")

# %% [markdown]
# ### Seeds for DataLoader workers
#
# With `num_workers > 0`, each worker is a separate process (chapter 08). PyTorch seeds it when it starts: worker $w$
# seeds `torch` and Python's `random` with `base_seed + w`, and NumPy's global generator with a seed derived from them;
# `base_seed` is drawn from the DataLoader's `generator` (or from the global generator if there is none). So two things make it reproducible:
#
# * `generator=torch.Generator().manual_seed(seed)`: it sets `base_seed`, and the shuffling order as well;
# * `worker_init_fn`: it seeds the random sources PyTorch **does not** manage, such as a generator that the dataset object carries, or other libraries.
#
# The workers must be able to `import` the dataset class and the `worker_init_fn` (macOS and Windows start them with `spawn`), so we put them in a module:

# %%
WORKER_MODULE = '''
"""A dataset with its own NumPy generator (like many augmentation pipelines), and its worker_init_fn."""
import numpy as np
from torch.utils.data import Dataset, get_worker_info


class Jitter(Dataset):
    def __init__(self, n):
        self.n = n
        self.rng = np.random.default_rng(0)  # every worker gets a COPY of this generator

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        return float(self.rng.normal())


def seed_worker(worker_id):
    """worker_init_fn: reseed what PyTorch does not seed, from this worker's seed (base_seed + worker_id)."""
    info = get_worker_info()
    info.dataset.rng = np.random.default_rng(info.seed)
'''
module_dir = tempfile.TemporaryDirectory()
Path(module_dir.name, "lesson19_workers.py").write_text(WORKER_MODULE)
sys.path.insert(0, module_dir.name)
from lesson19_workers import Jitter, seed_worker


def load_all(seed, worker_init_fn):
    loader = DataLoader(Jitter(8), batch_size=4, num_workers=2, worker_init_fn=worker_init_fn,
                        generator=torch.Generator().manual_seed(seed))
    return [batch.tolist() for batch in loader]


# %%
# NBVAL_CHECK_OUTPUT
no_init = load_all(seed=0, worker_init_fn=None)
print("without worker_init_fn, both workers' batches are equal:", no_init[0] == no_init[1])
seeded = load_all(seed=0, worker_init_fn=seed_worker)
print("with seed_worker, the workers differ:", seeded[0] != seeded[1])
print("same generator seed -> same numbers:", seeded == load_all(seed=0, worker_init_fn=seed_worker))
print("other generator seed -> other numbers:", seeded != load_all(seed=1, worker_init_fn=seed_worker))

# %% [markdown]
# ### What can still differ on another machine?
#
# All of the above only guarantees identical bits on **the same machine with the same software**. Floating-point
# addition is not associative: add in another order and the last bits can change:

# %%
# NBVAL_CHECK_OUTPUT
print("(0.1 + 0.2) + 0.3 =", (0.1 + 0.2) + 0.3, "| 0.1 + (0.2 + 0.3) =", 0.1 + (0.2 + 0.3))

# %% [markdown]
# And the order of the additions depends on many things. Even with everything above in place, these still change the last bits of a result:
#
# * **the CPU's instruction set**: AVX2 and AVX-512 have different vector widths, so they add a different number of values at once (`ATEN_CPU_CAPABILITY=default/avx2/avx512`, set before start-up, switches between them; the course's tests do exactly that);
# * **the number of threads**: a sum split into parallel pieces adds in another order when the number of pieces changes (this chapter uses `torch.set_num_threads(1)`);
# * **the GPU model** and the versions of CUDA, cuDNN and cuBLAS: they choose different algorithms;
# * **the versions of PyTorch and other libraries**: implementations change.
#
# The difference starts in the last bit, but training amplifies it step by step, and after a few thousand steps the
# weights can differ visibly. So across machines compare rounded metrics (accuracy, the first digits of a loss), not the
# weights bit for bit; that is how every output stored in this course is handled.
#
# ## 5. Memory: activation checkpointing and gradient accumulation
#
# Most of the memory of training is often not the parameters but the **intermediate results saved** in the forward pass
# for the backward pass (the activations): each layer's input, each ReLU's output... They stay until the backward pass has
# used them. `torch.autograd.graph.saved_tensors_hooks` sees every tensor autograd saves, and we use it to count the bytes.
# What we measure is **the activations saved for the backward pass** (parameters excluded, each block of memory counted
# once), not the memory of the whole process; but it is exactly the part that grows with the batch size and the number
# of layers, and the part the two techniques below cut down.

# %%
torch.manual_seed(0)
deep = nn.Sequential(*[m for _ in range(8) for m in (nn.Linear(256, 256), nn.ReLU())])
param_storages = {p.untyped_storage().data_ptr() for p in deep.parameters()}


def saved_activation_mb(forward):
    """Run forward() and return (its output, MB of distinct non-parameter tensors autograd saved for backward)."""
    saved = {}

    def pack(tensor):
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in param_storages:
            saved[storage.data_ptr()] = storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        output = forward()
    return output, sum(saved.values()) / 2**20


x_big = torch.randn(256, 256)
out_plain, mb_plain = saved_activation_mb(lambda: deep(x_big))
out_ckpt, mb_ckpt = saved_activation_mb(lambda: checkpoint_sequential(deep, 4, x_big, use_reentrant=False))

# %% [markdown]
# ### Activation checkpointing
#
# `torch.utils.checkpoint` trades time for memory: a segment of the network **saves nothing** in the forward pass except
# its input; when the backward pass reaches that segment, its forward pass is computed again. `checkpoint_sequential(model, segments, x)`
# cuts an `nn.Sequential` into segments and treats each this way (the last segment runs normally, because the backward
# pass needs its results right away). `use_reentrant=False` is the recommended implementation; write it explicitly.

# %%
# NBVAL_CHECK_OUTPUT
print("input: 256 x 256 floats = 0.25 MB; 8 blocks of Linear(256, 256) + ReLU")
print(f"saved for backward, plain:                   {mb_plain:.2f} MB")
print(f"saved for backward, checkpoint_sequential 4: {mb_ckpt:.2f} MB")

# %% [markdown]
# The plain forward pass saved the input of every `Linear` and the output of the last ReLU; the checkpointed one saved only
# the inputs of the segments and the activations of the last segment. During the backward pass one segment at a time is
# recomputed, and its activations exist only **temporarily**, so the peak is "what was saved + one segment's activations".
# The more layers, the larger the saving: cut $n$ layers into $\sqrt{n}$ segments, and the saved activations go from
# proportional to $n$ down to proportional to $\sqrt{n}$.
#
# The price is one more forward pass; the gradients are **exactly the same** (the same operations run again):

# %%
# NBVAL_CHECK_OUTPUT
out_plain.sum().backward()
grads_plain = [p.grad.clone() for p in deep.parameters()]
deep.zero_grad()
out_ckpt.sum().backward()
print("same gradients with and without checkpointing:",
      all(torch.equal(a, p.grad) for a, p in zip(grads_plain, deep.parameters())))


# %%
# NBVAL_IGNORE_OUTPUT
# the times depend on the machine and on what else it is doing
def step_seconds(forward, repeats=3):
    start = time.perf_counter()
    for _ in range(repeats):
        deep.zero_grad()
        forward().sum().backward()
    return (time.perf_counter() - start) / repeats


plain_s = step_seconds(lambda: deep(x_big))
ckpt_s = step_seconds(lambda: checkpoint_sequential(deep, 4, x_big, use_reentrant=False))
print(f"forward + backward: plain {plain_s * 1e3:.0f} ms, checkpointed {ckpt_s * 1e3:.0f} ms")

# %% [markdown]
# On a GPU you can read the peak memory directly (`torch.cuda.max_memory_allocated`); it includes parameters, gradients and every temporary tensor:

# %%
# NBVAL_IGNORE_OUTPUT
# peak GPU memory exists only on a GPU; its value depends on the GPU and the CUDA version
if torch.cuda.is_available():
    deep_gpu, x_gpu = deep.cuda(), x_big.cuda()
    for name, forward in (("plain", lambda: deep_gpu(x_gpu)),
                          ("checkpointed", lambda: checkpoint_sequential(deep_gpu, 4, x_gpu, use_reentrant=False))):
        deep_gpu.zero_grad(set_to_none=True)
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        forward().sum().backward()
        torch.cuda.synchronize()
        print(f"{name}: peak GPU memory {torch.cuda.max_memory_allocated() / 2**20:.1f} MB")
    deep.cpu()
else:
    print("no GPU: the peak-memory comparison with torch.cuda.max_memory_allocated runs only on CUDA")

# %% [markdown]
# ### Gradient accumulation
#
# The other way is to split one large batch into several **micro-batches**: each gets a forward and a backward pass, the
# gradients add up in `.grad` (the "bug" of section 2.1, on purpose this time), and only after the last one do we `step()`
# once and zero the gradients. Only one micro-batch's activations are in memory at a time.
# Divide each micro-batch's loss **by the number of micro-batches**, so that the accumulated gradient is that of the mean loss over the whole batch.

# %%
# NBVAL_CHECK_OUTPUT
torch.manual_seed(0)
head = nn.Linear(256, 10)
targets = torch.randint(0, 10, (256,))
model = nn.Sequential(deep, head)

model.zero_grad()
full, mb_full = saved_activation_mb(lambda: F.cross_entropy(model(x_big), targets))
full.backward()
grads_full = [p.grad.clone() for p in model.parameters()]

model.zero_grad()
ACCUMULATE = 4
mb_micro = 0.0
for x_part, y_part in zip(x_big.chunk(ACCUMULATE), targets.chunk(ACCUMULATE)):
    loss, mb = saved_activation_mb(lambda xs=x_part, ys=y_part: F.cross_entropy(model(xs), ys) / ACCUMULATE)
    loss.backward()  # gradients add up in .grad
    mb_micro = max(mb_micro, mb)
# only here: optimizer.step(), then optimizer.zero_grad()
largest = max((a - p.grad).abs().max().item() for a, p in zip(grads_full, model.parameters()))
print(f"saved for backward: one batch of 256 {mb_full:.2f} MB, micro-batch of 64 {mb_micro:.2f} MB")
print("accumulated gradients equal the full batch's, up to float rounding (< 1e-6):", largest < 1e-6)

# %% [markdown]
# The gradients differ only at the level of float rounding (the additions happen in another order, see section 4).
# Careful: BatchNorm computes its mean and variance per **micro-batch**, so for a model with BatchNorm the accumulated
# gradients are not those of the large batch.
#
# The two techniques combine: gradient accumulation sets how many examples go in at once, checkpointing sets how many activations each example keeps.

# %%
module_dir.cleanup()
sys.path.remove(module_dir.name)

# %% [markdown]
# ## Summary
#
# * **The method**: initial loss ≈ ln C → overfit one batch → scale up to the whole dataset. The first two steps rule out most code bugs in seconds.
# * **Six classic bugs**: a missing `zero_grad()`; a softmax before `CrossEntropyLoss`; a learning rate too large or too small; labels shuffled apart from their inputs (overfitting one batch does not catch it: look at the data);
#   a missing `model.eval()` at evaluation; `(N, 1)` and `(N,)` broadcasting in the loss.
# * **Tools**: forward/backward hooks for each layer's activations and gradients; `p.grad` for gradient norms per layer; `set_detect_anomaly` to find the first backward function that produces a `nan`; the learning-rate range test to find the learning rate.
# * **Reproducibility**: seeds + `use_deterministic_algorithms` (on a GPU also `CUBLAS_WORKSPACE_CONFIG` and `cudnn.benchmark` off) + the DataLoader's `generator` and `worker_init_fn`;
#   across machines, only rounded results can be expected to agree.
# * **Memory**: activation checkpointing trades a recomputation for memory, with the same gradients; gradient accumulation builds a large batch out of micro-batches.
#
# The exercises are in `exercises/en/19_debugging.ipynb`: work out the initial loss, fix two broken training functions, write gradient norms per layer, and put the reproducibility settings into one function.

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **Next:** [the exercises of this chapter: 19_debugging](../../exercises/en/19_debugging.ipynb)
