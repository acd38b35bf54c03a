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
# # 16 · ONNX: taking a model out of PyTorch
#
# A trained model often has to run somewhere else: in an inference server, on a phone, in a browser, or in a C++ program with no PyTorch installed. **ONNX** (Open Neural Network Exchange) is an open file format for models: one `.onnx` file holds the computation graph (a list of standard operators such as `Conv`, `Gemm`, `Relu`) and the weights, and many runtimes can read it.
#
# The plan:
# 1. the seed's one-liner `torch.onnx.export(model, dummy_input, "model.onnx")`, and what happens behind it in torch 2.11;
# 2. export a small CNN with the **dynamo exporter**, keeping the batch size **dynamic**;
# 3. check the file with `onnx.checker`, and read its opset, inputs, outputs and operators;
# 4. run it in **onnxruntime** and compare its outputs **numerically** with PyTorch's;
# 5. where the model can go after export.

# %%
from course_utils import setup_notebook

setup_notebook()

# %% [markdown]
# ## 1. The seed's one-liner, today
#
# The original text writes:
#
# ```python
# torch.onnx.export(model, dummy_input, "model.onnx")
# ```
#
# This line still works in torch 2.11, but it means something different. `torch.onnx.export` has a `dynamo` parameter whose **default is now `True`**: the model is first captured as a graph with `torch.export` (chapter 13), and the operator library in **onnxscript** then translates that graph into ONNX. So besides `torch` you need the `onnx` and `onnxscript` packages; without them this line raises `ModuleNotFoundError`. The old TorchScript-based exporter only runs when you pass `dynamo=False` explicitly; it is deprecated, so don't use it in new code.
#
# Let's ask the installed torch directly:

# %%
# NBVAL_CHECK_OUTPUT
import inspect

import onnx
import onnxruntime as ort
import onnxscript
import torch

params = inspect.signature(torch.onnx.export).parameters
print("torch.onnx.export dynamo default:", params["dynamo"].default)
print("dynamic_shapes is a parameter:", "dynamic_shapes" in params)
print("external_data default:", params["external_data"].default)
print("onnx", onnx.__version__, "| onnxscript", onnxscript.__version__, "| onnxruntime", ort.__version__)

# %% [markdown]
# The course's `requirements.txt` pins all three packages. In your own projects, `pip install onnx onnxscript onnxruntime` installs them.
#
# ## 2. A small model
#
# We quickly train a small CNN on scikit-learn's 8×8 handwritten digits (installed with scikit-learn, no download). A few seconds of training are enough: this chapter is about exporting, not accuracy.

# %%
import torch.nn.functional as F
from torch import nn

from course_utils import digits_datasets, get_device

train_set, _, test_set = digits_datasets()
x_train, y_train = train_set.tensors
x_test, y_test = test_set.tensors


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(8 * 4 * 4, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, images):
        x = F.max_pool2d(F.relu(self.conv(images)), 2)
        x = F.relu(self.fc1(x.flatten(1)))
        return self.fc2(x)


device = get_device()
model = SmallCNN().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
xb, yb = x_train.to(device), y_train.to(device)
for _ in range(60):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(xb), yb)
    loss.backward()
    optimizer.step()

# export and comparison happen on the CPU: an ONNX file does not depend on the device
model = model.cpu().eval()
with torch.no_grad():
    test_acc = (model(x_test).argmax(1) == y_test).float().mean().item()
print(f"final train loss {loss.item():.3f}, test accuracy {test_acc:.3f}")

# %% [markdown]
# Two things matter for the export:
# * `model.eval()`: we export inference behaviour (Dropout off, BatchNorm using its running statistics).
# * `forward`'s argument is called `images`. That name is how we say which input has a dynamic dimension below.
#
# ## 3. Exporting: the dynamo exporter and a dynamic batch size
#
# The exporter runs the model once on an **example input** to record the graph. By default the example's shape is baked into the graph: export with a batch of 2 and the model only accepts batches of 2. To keep a dimension free, tell the exporter with `dynamic_shapes`:
#
# ```python
# dynamic_shapes={"images": {0: torch.export.Dim("batch")}}   # keys are forward's argument names, then {dim index: Dim}
# ```
#
# (You can also leave out the names and give a tuple by position: `dynamic_shapes=({0: batch},)`. The old `dynamic_axes=` argument is still accepted, but the dynamo exporter warns and recommends `dynamic_shapes` instead.)
#
# The other arguments:
# * `input_names` / `output_names`: names for the graph's inputs and outputs; at run time you feed data by name;
# * `external_data=False`: keep the weights in the same `.onnx` file. The default `True` saves them next to it as `model.onnx.data`, which large models (over protobuf's 2 GB limit) need; for a small model one file is handier;
# * `verbose=False`: no `[torch.onnx] ...` progress messages.
#
# The files go into a temporary folder that is deleted at the end of the lesson.

# %%
import tempfile
import warnings
from pathlib import Path

workdir = tempfile.TemporaryDirectory()
onnx_path = Path(workdir.name) / "small_cnn.onnx"

example = x_test[:2]  # batch size 2 at export time
batch = torch.export.Dim("batch")
with warnings.catch_warnings():
    # torch 2.11 itself triggers a pytree FutureWarning (LeafSpec) while exporting; it is not about our code
    warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\)", category=FutureWarning)
    onnx_program = torch.onnx.export(
        model,
        (example,),
        onnx_path,
        dynamo=True,
        dynamic_shapes={"images": {0: batch}},
        input_names=["images"],
        output_names=["logits"],
        external_data=False,
        verbose=False,
    )
print(type(onnx_program).__name__)
print("written:", onnx_path.name, "| files in the folder:", sorted(p.name for p in Path(workdir.name).iterdir()))

# %% [markdown]
# In dynamo mode `torch.onnx.export` also returns an `ONNXProgram` (the ONNX model in memory), which `onnx_program.save(path)` can save later.
#
# Export runs in three steps: `torch.export` captures the graph → PyTorch operators are decomposed into simpler ones → the graph is translated into ONNX and optimised. When the first step fails (for example on a Python branch that depends on the data), the error says "step 1/3": change the model as chapter 13 shows.
#
# ## 4. Checking and reading the ONNX file
#
# `onnx.checker.check_model` checks that the file follows the ONNX specification (operators exist, types agree, and so on). It returns nothing and raises on an error.

# %%
# NBVAL_CHECK_OUTPUT
onnx_model = onnx.load(onnx_path)
onnx.checker.check_model(onnx_model, full_check=True)
print("onnx.checker: OK")
print("ir_version:", onnx_model.ir_version)
print("opset imports:", {imp.domain or "ai.onnx": imp.version for imp in onnx_model.opset_import})

# %% [markdown]
# The **opset** (operator set version) decides which operators exist and what they mean. `ai.onnx` (the empty domain `""`) is the standard set; torch 2.11's dynamo exporter uses opset 20 by default, and `opset_version=` picks another one (for example when the target runtime only goes up to 17). `ir_version` is the version of the file format itself, a different thing.
#
# Now the inputs and outputs. Each dimension is either a fixed integer (`dim_value`) or a **symbolic name** (`dim_param`): that is our dynamic batch dimension.

# %%
# NBVAL_CHECK_OUTPUT
def dims(value_info):
    """Shape of an ONNX input/output: ints for fixed dims, names for symbolic ones."""
    shape = value_info.type.tensor_type.shape
    return [d.dim_param if d.HasField("dim_param") else d.dim_value for d in shape.dim]


for kind, values in (("input", onnx_model.graph.input), ("output", onnx_model.graph.output)):
    for v in values:
        dtype = onnx.helper.tensor_dtype_to_np_dtype(v.type.tensor_type.elem_type)
        print(f"{kind:6s} {v.name!r:10s} {str(dtype):8s} {dims(v)}")

# %% [markdown]
# The batch dimension shows up as `'batch'`, the name we gave the `Dim`; the other dimensions are fixed. The weights are stored as **initializers** (constant tensors in the graph):

# %%
# NBVAL_CHECK_OUTPUT
from collections import Counter

for init in onnx_model.graph.initializer:
    values = onnx.numpy_helper.to_array(init)
    print(f"{init.name:12s} {list(init.dims)}", values.tolist() if values.size <= 4 else "")

ops = Counter(node.op_type for node in onnx_model.graph.node)
print("nodes:", len(onnx_model.graph.node))
for op, n in ops.most_common():
    print(f"  {op:10s} x{n}")

# %% [markdown]
# The first six initializers are the model's parameters, named as in PyTorch's `state_dict`; `val_6` is a constant the exporter made: the target shape `[-1, 128]` that `Reshape` uses.
#
# Each PyTorch line became a few ONNX nodes: `Conv`, `Relu`, `MaxPool`; `flatten` became `Reshape`, and each `nn.Linear` a `Gemm` (general matrix multiply-add). Drawn in order, it is this chain:

# %%
import matplotlib.pyplot as plt

nodes = list(onnx_model.graph.node)
fig, ax = plt.subplots(figsize=(9, 1.8))
for i, node in enumerate(nodes):
    ax.text(i, 0, node.op_type, ha="center", va="center", fontsize=10,
            bbox={"boxstyle": "round", "facecolor": "#dbe9f6", "edgecolor": "#3b6ea5"})
    if i + 1 < len(nodes):
        ax.annotate("", xy=(i + 0.62, 0), xytext=(i + 0.38, 0), arrowprops={"arrowstyle": "->"})
ax.text(-0.9, 0, "images\n[batch,1,8,8]", ha="center", va="center", fontsize=8)
ax.text(len(nodes) - 0.1, 0, "logits\n[batch,10]", ha="center", va="center", fontsize=8)
ax.set_xlim(-1.5, len(nodes) + 0.4)
ax.set_ylim(-0.6, 0.6)
ax.axis("off")
ax.set_title("ONNX graph of SmallCNN (node op types in order)")
plt.show()

# %% [markdown]
# ## 5. Running in onnxruntime
#
# onnxruntime is Microsoft's ONNX inference engine; it does not need PyTorch. `InferenceSession` loads the model, and `providers` picks the hardware backend: the CPU here; with `onnxruntime-gpu` installed on an NVIDIA GPU you would use `"CUDAExecutionProvider"`. Inputs and outputs are **NumPy arrays**, passed by name.

# %%
# NBVAL_CHECK_OUTPUT
import numpy as np

session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
for i in session.get_inputs():
    print("input: ", i.name, i.shape, i.type)
for o in session.get_outputs():
    print("output:", o.name, o.shape, o.type)

# %% [markdown]
# Now run it with batch sizes 1 and 13, **never seen at export time**, and compare with PyTorch.
#
# **Don't** ask for exact equality: onnxruntime and PyTorch use different kernels that add numbers in a different order, so the last bits differ (float32 has a relative precision of about 1e-7). Compare with a tolerance instead: `np.testing.assert_allclose(actual, desired, rtol, atol)` checks `|actual - desired| <= atol + rtol * |desired|` and raises with detailed statistics when it fails.

# %%
# NBVAL_CHECK_OUTPUT
for n in (1, 13):
    images = x_test[:n]
    (ort_logits,) = session.run(["logits"], {"images": images.numpy()})
    with torch.no_grad():
        torch_logits = model(images).numpy()
    np.testing.assert_allclose(ort_logits, torch_logits, rtol=1e-4, atol=1e-5)
    max_diff = np.abs(ort_logits - torch_logits).max()
    print(f"batch {n:2d}: output shape {ort_logits.shape}, max abs diff < 1e-5: {max_diff < 1e-5}")

# %% [markdown]
# Once more on the whole test set: how large are the differences, and are the predicted classes the same?

# %%
with torch.no_grad():
    torch_all = model(x_test).numpy()
(ort_all,) = session.run(None, {"images": x_test.numpy()})
diff = np.abs(ort_all - torch_all)
print("test images:", len(x_test))
print("max abs diff < 1e-5:", bool(diff.max() < 1e-5))
print("same predicted class:", int((ort_all.argmax(1) == torch_all.argmax(1)).sum()), "of", len(x_test))
print(f"onnxruntime test accuracy: {(ort_all.argmax(1) == y_test.numpy()).mean():.4f}")

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
ax1.scatter(torch_all.ravel(), ort_all.ravel(), s=4, alpha=0.5)
lim = [torch_all.min() - 1, torch_all.max() + 1]
ax1.plot(lim, lim, "k--", linewidth=1, label="y = x")
ax1.set_xlabel("PyTorch logit")
ax1.set_ylabel("onnxruntime logit")
ax1.set_title("Same model, two runtimes")
ax1.legend()
ax2.hist((ort_all - torch_all).ravel(), bins=np.linspace(-1.2e-5, 1.2e-5, 50), color="#d9822b")
ax2.axvspan(-1e-5, 1e-5, color="green", alpha=0.1, label="within atol = 1e-5")
ax2.set_yscale("log")
ax2.set_xlabel("onnxruntime - PyTorch")
ax2.set_ylabel("number of logits")
ax2.set_title("Differences are float32 rounding")
ax2.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# Left: every point lies on y = x. Right: all differences are packed around 0 (exactly 0, or off in the last float32 bits, about 1e-7), well inside the tolerance band. How many are exactly equal depends on the CPU model and thread count, so we don't print that number, and you should never write a comparison like `(a == b).all()`.
#
# ## 6. A common mistake: forgetting the dynamic dimension
#
# Without `dynamic_shapes`, the example's batch size 2 is fixed in the graph. onnxruntime checks shapes before running, so a batch of 13 is rejected right away:

# %%
# NBVAL_CHECK_OUTPUT
fixed_path = Path(workdir.name) / "small_cnn_fixed.onnx"
with warnings.catch_warnings():
    # as above: torch's internal pytree FutureWarning
    warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\)", category=FutureWarning)
    torch.onnx.export(model, (example,), fixed_path, dynamo=True, input_names=["images"],
                      output_names=["logits"], external_data=False, verbose=False)
fixed = ort.InferenceSession(fixed_path, providers=["CPUExecutionProvider"])
print("input shape:", fixed.get_inputs()[0].shape)
try:
    fixed.run(None, {"images": x_test[:13].numpy()})
except Exception as err:
    print(type(err).__name__ + ":", " ".join(str(err).split(" Please")[0].split()))

# %% [markdown]
# When you see an error like `Got: 13 Expected: 2`, go back and check `dynamic_shapes`.
#
# ## 7. After export: where an ONNX model can run
#
# | target | runtime / tool | notes |
# | --- | --- | --- |
# | server CPU / GPU | onnxruntime (`CPUExecutionProvider`, `CUDAExecutionProvider`, `TensorrtExecutionProvider`) | the same `.onnx` file; change the provider to change the hardware; APIs for Python, C/C++, C#, Java and more |
# | NVIDIA GPUs, fastest | TensorRT (`trtexec` or its ONNX parser) | compiles ONNX into an engine tuned for one GPU |
# | Intel CPU / GPU / NPU | OpenVINO | reads ONNX directly |
# | phones | onnxruntime Mobile (Android, iOS) | can also reach phone accelerators through the NNAPI / Core ML execution providers |
# | Apple devices | Core ML | needs a conversion (coremltools now converts mainly from PyTorch directly, not from ONNX) |
# | browsers | onnxruntime-web (WebAssembly, WebGPU) | it replaced ONNX.js, which is no longer maintained |
# | viewing | Netron | opens a `.onnx` file and shows the graph |
#
# The seed text says ONNX models can be loaded into TensorFlow and Caffe. That is out of date: Caffe2 merged into PyTorch in 2018 and no longer exists on its own, and the ONNX→TensorFlow converter (`onnx-tensorflow`) is archived and no longer maintained. The targets in the table are the ones in use today.
#
# Note: ONNX is only a format. Runtimes differ in the operators and opsets they support, so before deploying, run a numerical comparison like this chapter's in the target runtime.
#
# ## Summary
#
# * In torch 2.11 `torch.onnx.export` uses the dynamo exporter by default (`dynamo=True`), which needs `onnx` and `onnxscript`.
# * `dynamic_shapes={"arg_name": {dim: torch.export.Dim("name")}}` keeps the batch dimension dynamic; the exported input shape then shows that symbolic name.
# * `onnx.checker.check_model` checks the file; `opset_import`, `graph.input/output` and `graph.node` tell you what is inside.
# * Run it in onnxruntime and compare with PyTorch using a tolerance (such as `rtol=1e-4, atol=1e-5`), never exact equality.
#
# The exercises are in `exercises/en/16_onnx.ipynb`.

# %%
workdir.cleanup()

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **Next:** [the exercises of this chapter: 16_onnx](../../exercises/en/16_onnx.ipynb) · [the next chapter: 17_cnn](17_cnn.ipynb)
