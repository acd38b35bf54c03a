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
# # 01 What is PyTorch
#
# Website: <https://pytorch.org/>
#
# This chapter runs code first and explains afterwards. By the end you will know:
#
# 1. what PyTorch is, and what its "Hello World" looks like;
# 2. what a **dynamic computation graph** means: we will watch one graph change with the data;
# 3. where PyTorch came from, and who governs it today;
# 4. which components PyTorch is made of, and which of them are outdated;
# 5. how PyTorch really compares with TensorFlow (many comparisons you find online are out of date).
#
# Every notebook starts with the same code cell. It seeds every random number generator and prints
# numbers with 4 decimals, so each run gives the same output.

# %%
from course_utils import setup_notebook

setup_notebook()

# %% [markdown]
# ## 1. What PyTorch is
#
# PyTorch is an open-source deep learning framework. It was created at Facebook's (now Meta's)
# AI research lab, FAIR, and is now governed by the **PyTorch Foundation**, part of the Linux Foundation.
# In short, it gives you three things:
#
# - **tensors**: multi-dimensional arrays like NumPy's, which can also live and compute on a GPU or another accelerator;
# - **automatic differentiation (autograd)**: you compute with ordinary Python code and PyTorch works out the gradients;
# - **building blocks for models and training**: layers and losses in `torch.nn`, optimizers in `torch.optim`,
#   data loading in `torch.utils.data`, and a large ecosystem around them.
#
# It is "Python first": code runs line by line, immediately (this is called *eager* mode), so you write models
# with `print`, a debugger and plain `if`/`for`. It is used widely in research and in industry, for vision,
# speech, natural language processing, reinforcement learning and generative AI.
#
# A first taste: PyTorch's "Hello World" adds two tensors.

# %%
import torch

x = torch.tensor([1, 2, 3])
y = torch.tensor([4, 5, 6])
z = x + y
print("x =", x)
print("y =", y)
print("z = x + y =", z)
print("torch version:", torch.__version__)

# %% [markdown]
# The same code runs on a GPU. The course picks a device with `get_device()`: CUDA if there is one,
# else Apple's MPS, else the CPU. Move tensors there with `.to(device)`; code written this way runs on any
# machine (better than the `.cuda()` of older tutorials; chapter 04 has the details). On a machine without
# a GPU the cell below prints `cpu`.

# %%
from course_utils import get_device

device = get_device()
z_on_device = x.to(device) + y.to(device)
print("device:", device.type)
print("z =", z_on_device.cpu())

# %% [markdown]
# ## 2. Run first, record as you go: the dynamic computation graph
#
# Training a neural network needs gradients. PyTorch gets them like this: **while your code runs, it records
# the operations into a graph**; backpropagation then walks that graph backwards and applies the chain rule.
# The graph is built anew on every forward pass, hence the name **dynamic computation graph**
# (or *define-by-run*).
#
# So ordinary Python control flow (`while` loops, `if` branches) decides what this run's graph looks like.
# How many times the function below loops, and which branch it takes, depend on the **values** it is given:

# %%
def f(x):
    y = x
    while y.sum() < 10:  # how many rounds? the values in x decide
        y = y * 2
    if y.mean() > 15:  # which branch? the values decide this too
        y = y.log()
    else:
        y = y**2
    return y.sum()


# %% [markdown]
# The result's `grad_fn` is the graph's output node, and each node's `next_functions` points to the nodes of
# its inputs. Walking down from `out.grad_fn` prints the whole graph. The `AccumulateGrad` node at the
# bottom stands for the leaf tensor `x`: when backpropagation reaches it, the gradient is added to `x.grad`.

# %%
from course_utils.graphs import print_graph

inputs = {"small x": [1.0, 2.0], "large x": [10.0, 30.0]}
for label, values in inputs.items():
    x = torch.tensor(values, requires_grad=True)
    out = f(x)
    print(f"{label} = {values}:")
    print_graph(out.grad_fn)
    out.backward()
    print("x.grad =", x.grad)
    print()

# %% [markdown]
# One function, two entirely different graphs:
#
# - `[1.0, 2.0]` sums to 3, less than 10, so it is doubled twice (two `MulBackward0`); its mean, 6, is not above 15,
#   so the square branch runs (`PowBackward0`). `out = sum((4x)²) = 16·Σx²`, so the gradient is `32x = [32, 64]`.
# - `[10.0, 30.0]` already sums to 40: the loop never runs. Its mean, 20, is above 15, so the log branch runs
#   (`LogBackward0`). `out = Σ log x`, and the gradient is `1/x = [1/10, 1/30]`.
#
# Backpropagation uses the graph recorded on **this** run, which is why both gradients are right.
# Here are the two graphs side by side, drawn by `draw_backward_graph` from `course_utils/graphs.py` (chapter 05 reads such a graph in detail).

# %%
import matplotlib.pyplot as plt

from course_utils.graphs import draw_backward_graph

fig, axes = plt.subplots(1, 2, figsize=(10, 6.5))
titles = {"small x": "x = [1.0, 2.0]: loop runs twice, ** 2 branch",
          "large x": "x = [10.0, 30.0]: no loop, log branch"}
for ax, (label, values) in zip(axes, inputs.items(), strict=True):
    x = torch.tensor(values, requires_grad=True)
    draw_backward_graph(f(x), {"x": x}, titles[label], ax=ax)
fig.suptitle("Same function f, two inputs, two backward graphs (gradients flow downwards)")
plt.tight_layout()
plt.show()

# %% [markdown]
# **Compared with static graphs.** Earlier frameworks such as TensorFlow 1.x were *define-and-run*: you first
# described the whole graph, then fed data through it, and loops and branches inside the graph needed the
# framework's own operators (`tf.while_loop`, `tf.cond`). With a dynamic graph the model is ordinary Python
# code: you can `print` intermediate results, set breakpoints and use any control flow.
#
# You can look at intermediate results at any time, because every line has really run:

# %%
x = torch.tensor([1.0, 2.0], requires_grad=True)
h = x * 2
print("h =", h)  # a real tensor, not a symbol "to be computed later"
print("h.grad_fn:", type(h.grad_fn).__name__)
print("h.sum() < 10 ?", bool(h.sum() < 10))

# %% [markdown]
# Static graphs have their strengths too: when the whole graph is known in advance it can be optimized as a
# whole and deployed without Python. Today's PyTorch gives you both: it runs eagerly by default and
# **captures a graph when you ask for one**. `torch.compile` compiles your code to run faster (chapter 13), and
# `torch.export` exports a model as a graph that needs no Python (chapter 13).
#
# ## 3. History and governance
#
# | Year | Event |
# |---|---|
# | earlier | **Lua Torch** (best known as Torch7): a scientific computing and machine learning library programmed in Lua, with a core written in C. PyTorch inherited its name and many of its ideas |
# | 2016 | Facebook AI Research (FAIR) releases **PyTorch**: Torch's ideas with a Python front end, built around dynamic computation graphs (its wide public launch came in early 2017) |
# | 2017 | Facebook and Microsoft introduce the **ONNX** model exchange format |
# | 2018 | **PyTorch 1.0**: Caffe2, a framework built for production deployment, merges into PyTorch, and TorchScript arrives |
# | 2022 | The **PyTorch Foundation** is founded under the **Linux Foundation**: PyTorch is now governed by a neutral foundation rather than by a single company |
# | 2023 | **PyTorch 2.0** introduces `torch.compile`, which compiles your code for speed while you keep writing eager code |
# | since | `torch.export` becomes the recommended way to capture a graph, and TorchScript is deprecated. This course uses torch 2.11 |
#
# The PyTorch Foundation's members include several cloud providers and chip makers, and technical decisions
# are made by the maintainers under published governance rules. It is now an umbrella foundation that, besides
# PyTorch, also hosts open-source projects such as vLLM and DeepSpeed.
#
# ## 4. What PyTorch is made of
#
# PyTorch is not a single package but a core library plus a set of domain libraries and tools. Mind the
# "status" column: many tutorials online are several years behind.
#
# | Component | What it does | Status (torch 2.11) | In this course |
# |---|---|---|---|
# | `torch` | the core: tensors, `autograd`, `nn`, `optim`, `utils.data` (`Dataset`/`DataLoader`), `cuda` and more | actively developed | chapters 03–09 |
# | `torchvision` | vision: datasets, models (the `weights=` API), image transforms, detection/segmentation tools. Its detection models are Faster/Mask/Keypoint R-CNN, RetinaNet, SSD, SSDlite and FCOS; it has **no YOLO**, whatever the seed text says | actively developed | chapter 10 |
# | `torchaudio` | audio: transforms (spectrograms, MFCC, resampling), models (such as Wav2Vec2) | **maintenance mode**; audio I/O has moved to **TorchCodec** | chapter 12 |
# | text (`torchtext`) | used to provide NLP datasets, tokenizers and vocabularies | **discontinued**: its last release does not support current torch, and it is **not installed** here; text pipelines are written in plain `torch` | chapter 11 |
# | TorchScript (`torch.jit`) | turns a model into a format that runs without Python, for example from C++ (`script`/`trace`) | **deprecated**; its successor is **`torch.export`** (and `torch.compile` for speed) | chapter 13 |
# | `torch.distributed` | distributed training: communication primitives (`all_reduce`, `broadcast`), backends (NCCL, Gloo, MPI), DDP | actively developed | chapter 14 |
# | `torch.profiler` | performance analysis: time and memory per operator; traces viewed in Perfetto (the TensorBoard plugin is deprecated) | actively developed | chapter 15 |
# | `torch.onnx` | exports a model to the standard ONNX format for runtimes such as ONNX Runtime and TensorRT (not "into TensorFlow and Caffe", as the seed says: Caffe2 merged into PyTorch and is gone, and the ONNX→TensorFlow converter is archived) | actively developed; the default exporter is the new one built on `torch.export`, and it needs the `onnxscript` package | chapter 16 |
#
# A table is not proof, so let us import every installed component and print its version. Submodules such as
# `torch.export` ship with `torch` and share its version.

# %%
import importlib
import importlib.util

components = ["torch", "torchvision", "torchaudio", "torchcodec",
              "torch.export", "torch.jit", "torch.distributed", "torch.profiler", "torch.onnx"]
lines = []  # collect, then print once, so slow imports cannot split the output into pieces
for name in components:
    module = importlib.import_module(name)
    version = getattr(module, "__version__", f"ships with torch {torch.__version__}")
    lines.append(f"{name:18} {version}")

# torchtext is discontinued, so it is not installed
status = "installed" if importlib.util.find_spec("torchtext") else "not installed (discontinued)"
lines.append(f"{'torchtext':18} {status}")
print("\n".join(lines))

# %% [markdown]
# The `+cu130` in the version means this torch was built for CUDA 13.0; it runs on machines without a GPU
# too (chapter 02 explains).
#
# TorchScript's deprecation is not a rumour: torch 2.11 warns about it itself. Let us trace a tiny model with
# `torch.jit.trace` and collect the warnings:

# %%
import warnings

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")  # show every warning, including DeprecationWarning, which is hidden by default
    traced = torch.jit.trace(torch.nn.Linear(2, 1), torch.ones(1, 2))
messages = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
for message in dict.fromkeys(messages):  # print each distinct warning once
    print("DeprecationWarning:", message)

# %% [markdown]
# Here is how the parts of the core `torch` library work together: `nn` provides the model and the loss,
# `autograd` computes gradients, and `optim` updates the parameters. A complete training step looks like this
# (chapters 06 and 07 go through it line by line):

# %%
model = torch.nn.Linear(2, 1)  # torch.nn: a linear layer
loss_fn = torch.nn.MSELoss()  # torch.nn: mean squared error
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)  # torch.optim: stochastic gradient descent

inputs_batch = torch.randn(8, 2)
targets = inputs_batch.sum(dim=1, keepdim=True)  # the rule to learn: y = x1 + x2
for step in range(3):
    loss = loss_fn(model(inputs_batch), targets)
    optimizer.zero_grad()
    loss.backward()  # torch.autograd: backpropagate through the dynamic graph
    optimizer.step()
    print(f"step {step}: loss = {loss.item():.4f}")

# %% [markdown]
# ## 5. PyTorch and TensorFlow
#
# The two frameworks are compared all the time, but many of the comparisons that circulate (including the one
# in this course's seed textbook) are out of date, and some were never right. Point by point:
#
# | Common claim | What is true |
# |---|---|
# | Both are "high-level APIs on top of lower-level libraries such as Torch and Theano" | **Wrong.** Each has its own C++ core: PyTorch's tensor library ATen and its autograd engine are its own, and TensorFlow is Google's own runtime. PyTorch only inherited Lua Torch's name and ideas. Theano is a separate, older framework whose major development ended in 2017; neither is built on it |
# | TensorFlow uses static graphs, PyTorch dynamic ones | **Out of date.** That was TensorFlow 1.x. TensorFlow 2 (2019) **runs eagerly by default** and builds graphs with `tf.function` when asked; PyTorch runs eagerly and captures graphs with `torch.compile`/`torch.export` when asked. The two have converged |
# | TensorFlow supports more hardware such as TPUs; PyTorch mainly CPUs and GPUs | **Wrong.** PyTorch supports NVIDIA GPUs (CUDA), AMD GPUs (ROCm), Intel GPUs (XPU) and Apple GPUs (MPS), and runs on Google TPUs through **PyTorch/XLA** |
# | TensorFlow has the bigger community; PyTorch's ecosystem is small | **Wrong.** PyTorch's ecosystem is large: Hugging Face Transformers, PyTorch Lightning, timm, vLLM, DeepSpeed and many more are built on it, and a great deal of research code is published in PyTorch |
# | For large clusters or TPUs, pick TensorFlow | **Out of date.** PyTorch trains at scale with `torch.distributed` (DDP, FSDP), and it runs on TPUs |
# | TensorFlow's API is complex, PyTorch's is simple | A matter of taste. TensorFlow 2 uses Keras as its high-level API, which is easy to start with; and Keras 3 itself can run on JAX, TensorFlow or PyTorch |
# | (missing from the seed) Who governs it | TensorFlow is led by Google; PyTorch is governed by the **PyTorch Foundation**, part of the Linux Foundation |
#
# The next cell lists which accelerator back ends this torch was built for and which are available. On a plain
# CPU machine they are all `False`; on an NVIDIA machine CUDA is `True`, on a Mac MPS is `True`.
# (TPUs need the separate `torch_xla` package.)

# %%
print("built for CUDA:", torch.version.cuda)  # NVIDIA
print("built for ROCm:", torch.version.hip)  # AMD (not None only in a ROCm build of torch)
print("CUDA/ROCm GPU available:", torch.cuda.is_available())  # ROCm builds are used through the torch.cuda API too
print("Intel XPU available:", torch.xpu.is_available())
print("Apple MPS available:", torch.backends.mps.is_available())
print("TPU support (torch_xla) installed:", importlib.util.find_spec("torch_xla") is not None)

# %% [markdown]
# The same computation in TensorFlow 2, for comparison (TensorFlow is not installed for this course, so this
# is not run):
#
# ```python
# import tensorflow as tf
#
# x = tf.constant([1, 2, 3])
# y = tf.constant([4, 5, 6])
# print(x + y)            # the result right away: TF2 runs eagerly by default
#
# @tf.function            # only when you want a graph do you compile the function with tf.function
# def add(a, b):
#     return a + b
# ```
#
# **Which one should you choose?** Today both are used for research and both run in production. Rather than
# asking which is faster or supports more hardware, look at where your team, and the models and libraries you
# need, already live. This course uses PyTorch.
#
# ## Summary
#
# - PyTorch = tensors + autograd + building blocks for models + a large ecosystem, with code that runs eagerly.
# - The computation graph is recorded as the code runs and can differ on every run; `grad_fn` and
#   `next_functions` let you see it.
# - From Lua Torch to PyTorch (2016), Caffe2 merged into PyTorch 1.0 (2018), the PyTorch Foundation (2022),
#   2.0 with `torch.compile` (2023).
# - torchtext is discontinued, TorchScript is deprecated (use `torch.export`), and torchaudio is in maintenance
#   mode (its I/O moved to TorchCodec).
# - TensorFlow 2 runs eagerly by default too; PyTorch runs on TPUs and on Apple, AMD and Intel GPUs, and its
#   ecosystem is anything but small.
#
# The exercises are in `exercises/en/01_what_is_pytorch.ipynb`. Next chapter: installing PyTorch.

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **Next:** [the exercises of this chapter: 01_what_is_pytorch](../../exercises/en/01_what_is_pytorch.ipynb) · [the next chapter: 02_installation](02_installation.ipynb)
