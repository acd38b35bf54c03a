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
# # 05 · Exercises: autograd
#
# Six exercises on chapter 05: gradients, gradient accumulation, a custom `autograd.Function`, second derivatives, freezing parameters, and predicting without a graph.
# Replace the `raise NotImplementedError(...)` in each function with your code, then run the `check(...)` cell below it.
#
# * `✅` checks passed, `❌` not yet (with a hint), `⏳` not done yet.
# * The checker calls your function on **its own** inputs, so do not hard-code the answers.
# * Stuck? The full solutions are in `solutions/en/05_autograd.ipynb`.

# %%
from course_utils import check, setup_notebook

setup_notebook()

# %%
import torch
from torch import nn

# %% [markdown]
# ## 05.1 The gradient of a function at a point
#
# Complete `grad_at(f, x)`: `f` maps a tensor to a **scalar** tensor, and `x` is a floating-point tensor that does not require grad.
# Return $\nabla f(x)$ (same shape as `x`). Requirements:
#
# * the tensor you return does **not** require grad (it is attached to no graph);
# * leave the caller's `x` alone (its `requires_grad` and `.grad` stay as they were);
# * calling it twice with the same `x` gives the same result both times.

# %%
def grad_at(f, x):
    """Return the gradient of the scalar function f at x, as a tensor that does not require grad."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("05.1", grad_at)

# %% [markdown]
# ## 05.2 Accumulate gradients over micro-batches
#
# Complete `accumulate_micro_batches(model, x, y, n_micro)`: split `(x, y)`, in order, into `n_micro` micro-batches of equal size
# (`x.chunk(n_micro)`), compute the mean squared error (`nn.functional.mse_loss`) of each and backpropagate it,
# so that in the end the `.grad` of every parameter of `model` is **exactly** the gradient of `mse_loss(model(x), y)` over the whole batch.
#
# * Before the call, `.grad` may still hold stale gradients from an earlier step;
# * only accumulate gradients, do not update the parameters; the function returns nothing.

# %%
def accumulate_micro_batches(model, x, y, n_micro):
    """Leave in model's .grad the full-batch MSE gradient, computed over n_micro micro-batches."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("05.2", accumulate_micro_batches)

# %% [markdown]
# ## 05.3 The backward of a custom `autograd.Function`
#
# `LogAddExp` computes $\operatorname{out} = \log(e^x + e^y)$. Its `forward` is written: it subtracts the larger number first so it cannot overflow,
# and it saves `x`, `y` and `out` in `ctx`. Write `backward`: return `(gradient for x, gradient for y)`.
#
# Hint: $\dfrac{\partial\,\mathrm{out}}{\partial x} = \dfrac{e^x}{e^x + e^y}$. Rewrite it with the `out` already computed, and it cannot overflow.
# Do not forget the chain rule. The checker verifies your gradients with `gradcheck` and tests stability on large numbers such as $x = 1000$.

# %%
class LogAddExp(torch.autograd.Function):
    """out = log(exp(x) + exp(y)), computed without overflow, with a hand-written backward."""

    @staticmethod
    def forward(ctx, x, y):
        m = torch.maximum(x, y)
        out = m + torch.log(torch.exp(x - m) + torch.exp(y - m))
        ctx.save_for_backward(x, y, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        """Return (gradient for x, gradient for y)."""
        x, y, out = ctx.saved_tensors
        raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("05.3", LogAddExp)

# %% [markdown]
# ## 05.4 A second derivative with `create_graph`
#
# Complete `second_derivative(f, x)`: `f` is an **element-wise** function (such as `torch.sin`); return $f''(x)$ (same shape as `x`).
# Use `torch.autograd.grad` twice. As in 05.1, the result must not require grad, and the caller's `x` must stay unchanged.

# %%
def second_derivative(f, x):
    """Return f''(x) element-wise for an element-wise function f, as a tensor that does not require grad."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("05.4", second_derivative)

# %% [markdown]
# ## 05.5 Freeze all layers but the last
#
# Complete `freeze_all_but_last(model)`: `model` is an `nn.Sequential`. Freeze every parameter before its last layer,
# so that only the last layer `model[-1]` keeps training, and return the **list** of parameters that still train, ready to hand to an optimizer.

# %%
def freeze_all_but_last(model):
    """Freeze every parameter except those of model[-1]; return the list of parameters that still train."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("05.5", freeze_all_but_last)

# %% [markdown]
# ## 05.6 Predict without building a graph
#
# Complete `predict(model, x)`: return `model`'s predictions for `x`, such that
#
# * no graph is built (the result does not require grad, and nothing is recorded during the forward pass);
# * the model runs in evaluation mode (it may contain `Dropout`, which must be off when predicting);
# * after the call, the rest of the notebook can still compute gradients as usual.

# %%
def predict(model, x):
    """Return model's predictions for x in evaluation mode, without building an autograd graph."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("05.6", predict)

# %% [markdown]
# Six ✅? You know the everyday use of autograd. The next chapter (06) builds models with `nn.Module`.
