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
# # 06 · Exercises: neural network modules
#
# Five exercises, one for each key point of chapter 06: write an `nn.Module`, count parameters, pick the right loss, do one training step
# by hand, and load a `state_dict` whose keys do not match.
#
# * Replace the `raise NotImplementedError(...)` in each function with your code, then run the `check(...)` cell below it.
# * `✅` checks passed, `❌` not yet (with a hint), `⏳` not done yet.
# * The checker calls your function on its own models and data, so the function must work for any reasonable input, not just one example.
# * Stuck? Go back to the matching section of the lesson `notebooks/en/06_nn.ipynb`; the full solutions are in `solutions/en/06_nn.ipynb`.

# %%
from course_utils import check, setup_notebook

setup_notebook()

# %%
import torch
import torch.nn.functional as F
from torch import nn

# %% [markdown]
# ## 06.1 An MLP for any layer sizes
#
# Complete the class `MLP`. `MLP(sizes)` takes a list of layer sizes such as `[4, 16, 8, 3]` and builds one `nn.Linear` per pair of
# consecutive sizes (here `Linear(4, 16)`, `Linear(16, 8)` and `Linear(8, 3)`, all with a bias). `forward` calls them in order, with a ReLU
# **between** every two layers and **none** after the last one (it outputs logits).
#
# It must work for a list of any length (`[2, 5]` has a single layer), and every layer must be registered with `nn.Module`, so that
# `model.parameters()`, `.to(device)` and `state_dict()` can see it.

# %%
class MLP(nn.Module):
    """Linear layers between consecutive sizes, with ReLU between them (none after the last)."""

    def __init__(self, sizes):
        ### BEGIN SOLUTION
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = torch.relu(x)
        return x
        ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("06.1", MLP)

# %% [markdown]
# ## 06.2 Count the trainable parameters
#
# Complete `count_trainable(model)`: return the number of **elements** in the **trainable** parameters (`requires_grad=True`) of the
# model, as a Python `int`. Frozen parameters do not count, and neither do buffers (such as BatchNorm's `running_mean`).

# %%
def count_trainable(model):
    """Number of elements in the parameters of `model` that require grad."""
    ### BEGIN SOLUTION
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("06.2", count_trainable)

# %% [markdown]
# ## 06.3 A classification loss from logits
#
# Complete `classification_loss(logits, labels)`: `logits` are the model's raw scores, shape `(N, C)`; `labels` are `int64` class indices,
# shape `(N,)`. Return the **mean** cross-entropy loss over the batch, as a tensor (you must be able to call `backward()` on it).

# %%
def classification_loss(logits, labels):
    """Mean cross-entropy of raw scores `logits` (N, C) against class indices `labels` (N,)."""
    ### BEGIN SOLUTION
    return F.cross_entropy(logits, labels)
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("06.3", classification_loss)

# %% [markdown]
# ## 06.4 One SGD step by hand
#
# Do one step of gradient descent without `torch.optim`. `sgd_step(model, inputs, targets, lr)` must:
#
# 1. clear the gradients first (the model may arrive with `.grad` left over from an earlier step);
# 2. compute the mean squared error `F.mse_loss(model(inputs), targets)` and call `backward()`;
# 3. update every parameter, $w \leftarrow w - \text{lr}\cdot\text{grad}$, **in place** (inside `torch.no_grad()`);
# 4. return the loss from **before** the update, as a Python `float`.

# %%
def sgd_step(model, inputs, targets, lr):
    """One gradient-descent step on the MSE loss, by hand; return the loss before the step."""
    ### BEGIN SOLUTION
    model.zero_grad()
    loss = F.mse_loss(model(inputs), targets)
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
    return loss.item()
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("06.4", sgd_step)

# %% [markdown]
# ## 06.5 Load a checkpoint whose keys carry a prefix
#
# A model was trained wrapped in `DistributedDataParallel`, so every key of the saved `state_dict` has an extra `module.` prefix,
# for example `module.encoder.weight`. Complete `load_without_prefix(model, checkpoint)`: remove the `module.` at the start of every key,
# load the result into `model` with the default `strict=True`, and return `model`.
#
# Hint: the model may have layers with `module.` in the middle of their names too (such as `submodule.weight`).

# %%
def load_without_prefix(model, checkpoint):
    """Load `checkpoint`, whose keys start with 'module.', into `model` (strictly); return `model`."""
    ### BEGIN SOLUTION
    renamed = {key.removeprefix("module."): value for key, value in checkpoint.items()}
    model.load_state_dict(renamed)
    return model
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("06.5", load_without_prefix)

# %% [markdown]
# Five ✅? Then on to chapter 07: optimizers and learning-rate schedules.
