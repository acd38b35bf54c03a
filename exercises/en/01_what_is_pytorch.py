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
# # 01 What is PyTorch: exercises
#
# Four short exercises on the lesson `notebooks/en/01_what_is_pytorch.ipynb`: a dynamic computation graph,
# the components table, judging claims that circulate online, and walking a graph along `next_functions`.
#
# Each exercise is a function: replace `raise NotImplementedError(...)` with your code, then run the
# `check(...)` cell below it. ✅ means the checks passed, ❌ tells you what is wrong, ⏳ means not done yet.

# %%
from course_utils import setup_notebook

setup_notebook()

# %%
from course_utils import check

# %% [markdown]
# ## Exercise 01.1 A graph that depends on the data
#
# Write `dynamic_forward(x)`: as long as the norm of `x` (`x.norm()`) is **at most** 10, multiply it by 2;
# then return the result.
#
# For example, `[1.0, 1.0]` has norm about 1.41 and is doubled 3 times, giving `[8.0, 8.0]`; `[30.0, 40.0]`
# has norm 50 and comes back unchanged. The data decides how many doublings happen, so each input gets a
# graph of a different length.
#
# The check backpropagates through your result, so it must stay in the graph (do not compute the returned
# value with `.detach()`, `.item()` or `torch.no_grad()`), and the gradient must be `2 ** doublings`.

# %%
def dynamic_forward(x):
    """Double ``x`` while its norm is at most 10; return the result, still attached to the graph."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("01.1", dynamic_forward)

# %% [markdown]
# ## Exercise 01.2 Which component does the job
#
# `components()` returns a dict: each key is a task, each value the **import name** (a string) of the module
# that does it, such as `"torchvision"` or `"torch.profiler"`. The keys are written for you; leave them as they
# are and fill in the values. Hint: look at the lesson's components table again, especially its "status" column.

# %%
def components():
    """Return {task: import name of the PyTorch component that does it}."""
    answer = {
        "load a WAV file and compute a mel spectrogram": None,
        "a ResNet model and image transforms": None,
        "train one model on 8 GPUs at once": None,
        "find which operation makes training slow": None,
        "hand a model to a runtime outside PyTorch in a standard format": None,
        "capture a model as a graph to run without Python": None,
        "tensors, autograd and nn layers": None,
        "embed the token ids of a text classifier": None,
    }
    raise NotImplementedError("Write your code here / 在这里写你的代码")
    return answer


# %%
# NBVAL_CHECK_OUTPUT
check("01.2", components)

# %% [markdown]
# ## Exercise 01.3 True or false
#
# Each statement below has circulated online. `myths()` returns a dict: answer `True` or `False` for each
# statement. The keys are written for you; fill in the values only.

# %%
def myths():
    """Return {statement: True or False}."""
    answer = {
        "TensorFlow 2 builds a static graph before running anything, by default": None,
        "PyTorch can train on Google TPUs": None,
        "PyTorch can use the GPU of an Apple-silicon Mac": None,
        "PyTorch runs only on NVIDIA GPUs and CPUs": None,
        "TorchText is being merged into Hugging Face": None,
        "PyTorch is governed by the PyTorch Foundation, part of the Linux Foundation": None,
    }
    raise NotImplementedError("Write your code here / 在这里写你的代码")
    return answer


# %%
# NBVAL_CHECK_OUTPUT
check("01.3", myths)

# %% [markdown]
# ## Exercise 01.4 Count the nodes of a graph
#
# Write `count_grad_fns(y)`: start at `y.grad_fn`, follow each node's `node.next_functions` (a tuple of
# `(next node, index)` pairs) through the whole backward graph, and return the number of **distinct nodes**.
#
# - Skip `None` (inputs that need no gradient).
# - Count the `AccumulateGrad` nodes of leaf tensors too.
# - A node can be shared by several paths (for example `a`'s `AccumulateGrad` in `a * a + b`): count it once.
#   Keep the **node objects themselves** in a set of visited nodes. Do not store `id(node)`: a node's Python
#   wrapper is created on demand and freed when nothing refers to it, and its id can then be reused by
#   the new wrapper of another node.
#
# For example, `(a * b).sum()` has 4 nodes: `SumBackward0`, `MulBackward0` and two `AccumulateGrad`.

# %%
def count_grad_fns(y):
    """Return how many distinct nodes the backward graph of ``y`` has, AccumulateGrad leaves included."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("01.4", count_grad_fns)

# %% [markdown]
# All ✅? Next chapter: installing PyTorch, and checking your setup with `course_utils.doctor()`.
