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
# # 13 · TorchScript, torch.export and torch.compile
#
# A trained model often has to leave the Python code that defines it: to be deployed on a server or a phone, or just to run faster. PyTorch has offered three tools for this over time:
#
# | Tool | What it does | Status (torch 2.11) |
# | --- | --- | --- |
# | `torch.jit.trace` / `torch.jit.script` (TorchScript) | turns a model into a program that no longer needs its Python class; can be saved and loaded from C++ | **deprecated**: every call emits a `DeprecationWarning` |
# | `torch.export` | captures the whole model as one graph of ATen operators (an `ExportedProgram`) for deployment | the recommended way to export |
# | `torch.compile` | compiles the model just in time, inside Python, so it runs faster | the recommended way to speed up |
#
# This chapter first uses a tiny example to show why `trace` can be **silently wrong** and how `script` fixes it, then saves the model and runs it in a **fresh process**, and finally turns to the successors, `torch.export` and `torch.compile`.

# %%
from course_utils import setup_notebook

setup_notebook()

# %% [markdown]
# ## 1. A model with a branch
#
# The model below takes a different branch depending on the **values** of its input: if the elements sum to a positive number it doubles them, otherwise it negates them. Such data-dependent control flow is perfectly natural in a dynamic graph.

# %%
import warnings

import torch
from torch import nn


class SignFlip(nn.Module):
    def forward(self, x):
        if x.sum() > 0:
            return x * 2
        return -x


model = SignFlip()
pos = torch.tensor([1.0, 2.0])
neg = torch.tensor([-1.0, -2.0])
print("eager, positive input:", model(pos))
print("eager, negative input:", model(neg))

# %% [markdown]
# ## 2. `torch.jit.trace`: it records only the path it took
#
# `trace` **runs** the model once on an example input and records the tensor operations that were executed. A Python `if` is not a tensor operation and cannot be recorded: whichever branch the example took is the branch the recorded program takes forever.
#
# `trace` emits warnings. To keep the output stable and readable we collect them with `warnings.catch_warnings(record=True)` and print a one-line summary of each (each distinct warning once).

# %%
def summarize(caught):
    """One line per distinct warning: its category and the start of its message."""
    seen = []
    for w in caught:
        line = f"{w.category.__name__}: {str(w.message)[:90]}"
        if line not in seen:
            seen.append(line)
    for line in seen:
        print(line)


with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    traced = torch.jit.trace(model, pos)  # traced with a POSITIVE example
summarize(caught)

# %% [markdown]
# Two kinds of warning:
#
# * `DeprecationWarning`: TorchScript is deprecated; PyTorch recommends `torch.compile` or `torch.export` instead (section 5 has the details);
# * `TracerWarning`: a tensor was converted to a Python boolean (the `if x.sum() > 0` step), so the trace "might not generalize to other inputs".
#
# Warnings are easy to overlook. Now call the recorded module with a **negative** input and compare it with the original model:

# %%
# NBVAL_CHECK_OUTPUT
print("input         :", neg)
print("eager model   :", model(neg))
print("traced model  :", traced(neg))
print("same result?  :", torch.equal(model(neg), traced(neg)))

# %% [markdown]
# The result is wrong and nothing raised an error: the recorded program has no `if` at all, only "multiply by 2". Look at its code:

# %%
print(traced.code)

# %% [markdown]
# ## 3. `torch.jit.script`: compile the source, keep the branch
#
# `script` does not run the model. It **reads the source code** (it finds the source of `forward` through `inspect`) and compiles a subset of Python, the TorchScript language, into a program in which `if` and `for` survive. Because it needs the source, we keep the class definition and the `script` call in the same cell: some notebook runners (this course's automated tests, for one) give every cell the same "file name", and `inspect` then cannot find source code that lives in another cell.

# %%
# script reads the source code of forward(), so the class is defined again right next to the call
class SignFlip(nn.Module):
    def forward(self, x):
        if x.sum() > 0:
            return x * 2
        return -x


model = SignFlip()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    scripted = torch.jit.script(model)
summarize(caught)
print(scripted.code)

# %%
# NBVAL_CHECK_OUTPUT
for x in (pos, neg):
    print(f"input {x} -> eager {model(x)}, traced {traced(x)}, scripted {scripted(x)}")

# %% [markdown]
# A picture makes it clearer: take the input `t * [1, 1]`, let `t` run from -2 to 2, and plot the first element of the output. `trace` produced a straight line that is right only by luck, for `t > 0`.

# %%
import matplotlib.pyplot as plt

ts = torch.linspace(-2, 2, 81)
curves = {"eager": [], "traced": [], "scripted": []}
for t in ts:
    x = t * torch.ones(2)
    curves["eager"].append(model(x)[0].item())
    curves["traced"].append(traced(x)[0].item())
    curves["scripted"].append(scripted(x)[0].item())

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(ts, curves["eager"], lw=6, alpha=0.3, label="eager (the truth)")
ax.plot(ts, curves["scripted"], "k:", lw=2, label="torch.jit.script")
ax.plot(ts, curves["traced"], "r--", lw=2, label="torch.jit.trace (example t=1)")
ax.axvline(0, color="gray", lw=0.5)
ax.set_xlabel("t  (input = t * [1, 1])")
ax.set_ylabel("output[0]")
ax.set_title("trace records one branch; script keeps the if")
ax.legend()
plt.show()

# %% [markdown]
# **Rule of thumb**: as soon as a model has an `if` or a loop that depends on the data, `trace` can be silently wrong. It is safe only for models without such control flow (a plain convolutional network, say).

# %% [markdown]
# ## 4. Save, load, and run without the model's class
#
# A TorchScript module stores its code and its parameters in one file. Loading it does **not** need the model's Python class, and a C++ program (LibTorch) can load it too. We save the file into a temporary directory:

# %%
import os
import subprocess
import sys
import tempfile

workdir = tempfile.mkdtemp()
path = os.path.join(workdir, "signflip.pt")
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # already shown above
    torch.jit.save(scripted, path)
    loaded = torch.jit.load(path)
print(type(loaded).__name__)
print("loaded(neg):", loaded(neg))

# %% [markdown]
# A **fresh Python process** is more convincing: it imports only `torch` and has never seen the class `SignFlip`. We start it with `subprocess` and print its standard output (`-W ignore` silences the deprecation warnings in the new process).

# %%
code = (
    "import sys, torch\n"
    "m = torch.jit.load(sys.argv[1])\n"
    "print(m(torch.tensor([3.0, -1.0])))\n"
    "print(m(torch.tensor([-3.0, 1.0])))\n"
)
result = subprocess.run(
    [sys.executable, "-W", "ignore", "-c", code, path], capture_output=True, text=True, check=True
)
print(result.stdout)

# %% [markdown]
# ### The limits of TorchScript
#
# `script` understands only a **statically typed** subset of Python:
#
# * a parameter without a type annotation is assumed to be a `Tensor`;
# * `*args`/`**kwargs`, most third-party libraries (NumPy and friends) and arbitrary Python objects are not supported;
# * the error messages are often long, and you end up rewriting code to please the compiler.
#
# An example: `factor` has no annotation, so it is inferred to be a `Tensor`, and passing a `float` fails.

# %%
def scale(x, factor):
    return x * factor


def first_line(error):
    return f"{type(error).__name__}: {str(error).strip().splitlines()[0]}"


with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # already shown above
    scripted_scale = torch.jit.script(scale)
    try:
        scripted_scale(torch.ones(2), 2.0)
    except RuntimeError as error:
        print(first_line(error))


    def scale_annotated(x: torch.Tensor, factor: float) -> torch.Tensor:
        return x * factor

    print("annotated:", torch.jit.script(scale_annotated)(torch.ones(2), 2.0))

    def with_kwargs(x, **options):
        return x

    try:
        torch.jit.script(with_kwargs)
    except torch.jit.frontend.NotSupportedError as error:
        print(first_line(error))

# %% [markdown]
# ## 5. Deprecation: the successors of TorchScript
#
# TorchScript is in maintenance mode, and in torch 2.11 `torch.jit.trace`/`script`/`save`/`load` all emit a `DeprecationWarning`. Its two jobs have moved on:
#
# * **deployment** (running without Python) → `torch.export`, which produces an `ExportedProgram` for AOTInductor, ExecuTorch (mobile) or ONNX (chapter 16);
# * **speed** (still inside Python) → `torch.compile`.
#
# Existing TorchScript models still load and run, but new projects should not use it.

# %% [markdown]
# ## 6. `torch.export`: capture the model as one complete graph
#
# `torch.export.export(model, args)` runs the model on example inputs and produces a graph made only of ATen operators. By default every shape is fixed to the example's shape; `torch.export.Dim` declares which dimension may vary (here the batch size).

# %%
class SmallNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return torch.relu(self.fc(x))


net = SmallNet().eval()
batch = torch.export.Dim("batch")
ep = torch.export.export(net, (torch.randn(2, 4),), dynamic_shapes={"x": {0: batch}})
print(type(ep).__name__)
print(ep.graph_module.code)

# %% [markdown]
# Reading the graph:
#
# * **placeholders (inputs)**: `forward` takes not only `x` but also the model's parameters `p_fc_weight` and `p_fc_bias`, which have been "lifted" into inputs of the graph;
# * **ATen operators**: `torch.ops.aten.linear.default` and `torch.ops.aten.relu.default` are PyTorch's low-level operators, which C++ and mobile runtimes understand;
# * **output**: `return (relu,)`, a tuple.
#
# `graph_signature` says what each input and output is:

# %%
print(ep.graph_signature)

# %% [markdown]
# `ep.module()` gives a module you can call. Since the batch dimension is dynamic, a different batch size works too:

# %%
# NBVAL_CHECK_OUTPUT
exported = ep.module()
for n in (1, 7):
    x = torch.randn(n, 4)
    print(f"batch {n}: output shape {tuple(exported(x).shape)}, matches eager: {torch.allclose(exported(x), net(x))}")

# %% [markdown]
# Without `dynamic_shapes` the exported program accepts only the example's shape; other shapes are rejected by a **guard**:

# %%
ep_static = torch.export.export(net, (torch.randn(2, 4),))
try:
    ep_static.module()(torch.randn(7, 4))
except AssertionError as error:
    print(first_line(error))

# %% [markdown]
# ### Saving and loading an `ExportedProgram`
#
# `torch.export.save` writes a `.pt2` file and `torch.export.load` reads it back, again without the `SmallNet` class.

# %%
pt2_path = os.path.join(workdir, "small_net.pt2")
torch.export.save(ep, pt2_path)
with warnings.catch_warnings():
    # the loader builds tensors from a read-only buffer and warns about it; harmless here
    warnings.filterwarnings("ignore", message="The given buffer is not writable")
    ep_loaded = torch.export.load(pt2_path)
x = torch.randn(5, 4)
print("loaded:", type(ep_loaded).__name__, "| matches eager:", torch.allclose(ep_loaded.module()(x), net(x)))

# %% [markdown]
# ### Data-dependent control flow: `export` refuses, `torch.cond` solves it
#
# `export` wants **one complete graph**; unlike `trace`, it never silently picks a branch. Exporting `SignFlip` fails outright (when an export fails, PyTorch prints the partial graph to stderr; we swallow that and print only the type of the error):

# %%
import contextlib
import io
import logging

symbolic_log = logging.getLogger("torch.fx.experimental.symbolic_shapes")
old_level = symbolic_log.level
symbolic_log.setLevel(logging.ERROR)  # it logs a warning about the unbacked symbol first
try:
    with contextlib.redirect_stderr(io.StringIO()):
        torch.export.export(model, (pos,))
except Exception as error:
    print("export failed with", type(error).__name__)
    print("data-dependent:", "data-dependent" in str(error))
finally:
    symbolic_log.setLevel(old_level)

# %% [markdown]
# Write the branch as `torch.cond(condition, true_fn, false_fn, operands)` and both branches go into the graph:

# %%
class CondFlip(nn.Module):
    def forward(self, x):
        return torch.cond(x.sum() > 0, lambda x: x * 2, lambda x: -x, (x,))


ep_cond = torch.export.export(CondFlip(), (pos,))
print(ep_cond.graph_module.code)

# %%
# NBVAL_CHECK_OUTPUT
for x in (pos, neg):
    print(f"input {x} -> eager {model(x)}, exported with torch.cond {ep_cond.module()(x)}")

# %% [markdown]
# ## 7. `torch.compile`: faster, inside Python
#
# `torch.compile(fn)` returns a wrapped function. On the **first call**, TorchDynamo reads the Python bytecode, captures a graph and hands it to a backend to compile; later calls reuse the compiled result. At a data-dependent `if` it **breaks the graph** (a graph break) and falls back to Python there, so the result is always right:

# %%
# NBVAL_CHECK_OUTPUT
compiled_model = torch.compile(model, backend="aot_eager")
for x in (pos, neg):
    print(f"input {x} -> eager {model(x)}, compiled {compiled_model(x)}")

# %% [markdown]
# The default backend, `inductor`, generates C++ (CPU) or Triton (GPU) code and compiles it. On this course's 2-core CPU the first `inductor` compile of a one-line function takes **tens of seconds to over a minute** (it starts the compiler, then generates and compiles C++ code), so here we use `backend="aot_eager"` by default: it goes through graph capture and builds the forward/backward graphs, but generates no new code. It shows the mechanics without the speed-up. To try `inductor` yourself, set `USE_INDUCTOR` below to `True` (it needs a C++ compiler such as gcc).

# %%
from course_utils.timing import benchmark

USE_INDUCTOR = False  # True: real code generation, slow first call on a small CPU


def f(x):
    return torch.sin(x) ** 2 + torch.cos(x) ** 2


torch._dynamo.reset()
compiled_f = torch.compile(f) if USE_INDUCTOR else torch.compile(f, backend="aot_eager")
x = torch.randn(10_000)


first = benchmark(lambda: compiled_f(x), device="cpu", warmup=0, repeats=1).median
later = benchmark(lambda: compiled_f(x), device="cpu", warmup=0, repeats=50).median
eager = benchmark(lambda: f(x), device="cpu", warmup=3, repeats=50).median

# %%
# NBVAL_IGNORE_OUTPUT
# timings depend on the machine and its load
print(f"backend           : {'inductor' if USE_INDUCTOR else 'aot_eager'}")
print(f"first call        : {first * 1e3:10.2f} ms  (captures and compiles)")
print(f"later calls       : {later * 1e3:10.4f} ms  (median)")
print(f"eager             : {eager * 1e3:10.4f} ms  (median)")
print(f"first / later     : {first / later:10.0f}x")
print(f"later / eager     : {later / eager:10.1f}x")

# %%
# NBVAL_CHECK_OUTPUT
print("compiled matches eager:", torch.allclose(compiled_f(x), f(x)))

# %% [markdown]
# Three things to notice in these numbers:
#
# * the first call is far slower than the later ones: that is the **one-time** cost of capturing and compiling (tens of seconds with `inductor`);
# * `aot_eager` generates no new code, so later calls are **not** faster than eager. Each call also checks the guards and goes through a wrapper: a fixed cost that, on a function this small, usually makes a compiled call slower than eager, by a factor that depends on the machine and its load (the `later / eager` line shows it for this run). That is normal;
# * the real speed-up comes from `inductor` fusing operators, and it pays off on heavy code that runs many times (training loops, large-model inference, especially on a GPU). For a small function that runs a few times, the compile time is never won back.

# %%
plt.figure(figsize=(6, 3))
plt.bar(["first compiled call", "later compiled calls", "eager"], [first * 1e3, later * 1e3, eager * 1e3])
plt.yscale("log")
plt.ylabel("milliseconds per call (log scale)")
plt.title("torch.compile: one-time cost on the first call")
plt.show()

# %% [markdown]
# ## Summary
#
# | You want to | Use |
# | --- | --- |
# | make training or inference faster in Python | `torch.compile` |
# | export a model and run it where there is no Python (server, phone, ONNX) | `torch.export` (`torch.cond` for control flow, `Dim` for varying dimensions) |
# | keep an existing TorchScript model running | `torch.jit.load` (deprecated: migrate soon) |
#
# * `trace` records only the branch it took, and with a data-dependent `if` it is **silently wrong**;
# * `script` keeps control flow, but supports only a typed subset of Python;
# * `export` fails loudly rather than silently; `ep.module()` can be called directly, and `.pt2` files can be saved and loaded.
#
# Chapter 16 turns an exported model into ONNX and runs it in onnxruntime.


# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **Next:** [the exercises of this chapter: 13_torchscript_export](../../exercises/en/13_torchscript_export.ipynb) · [the next chapter: 14_distributed](14_distributed.ipynb)
