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
# # 16 · ONNX：把模型带出 PyTorch
#
# 训练好的模型往往要在别处运行：服务器上的推理引擎、手机、浏览器、没有装 PyTorch 的 C++ 程序。**ONNX**（Open Neural Network Exchange）是一种开放的模型文件格式：一个 `.onnx` 文件里装着计算图（一串标准算子，如 `Conv`、`Gemm`、`Relu`）和权重，许多运行时都能读它。
#
# 本章的路线：
# 1. 原书的一行代码 `torch.onnx.export(model, dummy_input, "model.onnx")`，以及它在 torch 2.11 里背后发生了什么；
# 2. 用 **dynamo 导出器**导出一个小 CNN，并让批大小（batch）保持**动态**；
# 3. 用 `onnx.checker` 检查文件，读出 opset、输入输出和算子列表；
# 4. 在 **onnxruntime** 里运行，和 PyTorch 的输出做**数值比较**；
# 5. 导出之后模型还能去哪儿。

# %%
from course_utils import setup_notebook

setup_notebook()

# %% [markdown]
# ## 1. 原书的一行代码，今天意味着什么
#
# 原书写的是：
#
# ```python
# torch.onnx.export(model, dummy_input, "model.onnx")
# ```
#
# 这行代码在 torch 2.11 里仍然有效，但含义变了。`torch.onnx.export` 有一个参数 `dynamo`，它的**默认值现在是 `True`**：导出时先用 `torch.export`（第 13 章）把模型捕获成一张图，再由 **onnxscript** 里的算子库把图翻译成 ONNX。所以除了 `torch`，还需要装 `onnx` 和 `onnxscript` 两个包，否则这行代码会抛出 `ModuleNotFoundError`。旧的、基于 TorchScript 的导出器只有在显式传入 `dynamo=False` 时才会用到，它已被弃用，新代码不要再用。
#
# 直接从已安装的 torch 里看一看：

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
# 课程的 `requirements.txt` 已经固定了这三个包的版本。自己的项目里可以用 `pip install onnx onnxscript onnxruntime` 安装。
#
# ## 2. 准备一个小模型
#
# 我们在 scikit-learn 自带的 8×8 手写数字上（随 scikit-learn 一起安装，无需下载）快速训练一个小 CNN。训练几秒钟就够了：本章关心的是导出，不是精度。

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

# 导出和比较都在 CPU 上做：ONNX 文件与设备无关
model = model.cpu().eval()
with torch.no_grad():
    test_acc = (model(x_test).argmax(1) == y_test).float().mean().item()
print(f"final train loss {loss.item():.3f}, test accuracy {test_acc:.3f}")

# %% [markdown]
# 注意两点，它们对导出都很重要：
# * `model.eval()`：导出的是推理时的行为（Dropout 关闭、BatchNorm 用运行统计量）。
# * `forward` 的参数名叫 `images`。下面描述动态维度时，就用这个名字来指明是哪个输入。
#
# ## 3. 导出：dynamo 导出器 + 动态批大小
#
# 导出器需要一个**示例输入**来跑一遍模型、记录计算图。示例输入的形状默认会被“烧”进图里：用批大小 2 导出，得到的模型就只接受批大小 2。要让某个维度保持可变，就用 `dynamic_shapes` 告诉导出器：
#
# ```python
# dynamic_shapes={"images": {0: torch.export.Dim("batch")}}   # 键是 forward 的参数名，{维度下标: Dim}
# ```
#
# （也可以不写参数名，按位置写成元组：`dynamic_shapes=({0: batch},)`。老的 `dynamic_axes=` 参数仍被接受，但 dynamo 导出器会发出警告，建议改用 `dynamic_shapes`。）
#
# 其他几个参数：
# * `input_names` / `output_names`：给 ONNX 图里的输入输出起名字，运行时按名字喂数据；
# * `external_data=False`：把权重写进同一个 `.onnx` 文件。默认 `True` 会把权重另存为旁边的 `model.onnx.data`，大模型（超过 2 GB 的 protobuf 上限）必须这样做，小模型一个文件更方便；
# * `verbose=False`：不打印 `[torch.onnx] ...` 的进度信息。
#
# 文件写进一个临时目录，课程结束时自动删除。

# %%
import tempfile
import warnings
from pathlib import Path

workdir = tempfile.TemporaryDirectory()
onnx_path = Path(workdir.name) / "small_cnn.onnx"

example = x_test[:2]  # batch size 2 at export time
batch = torch.export.Dim("batch")
with warnings.catch_warnings():
    # torch 2.11 内部在导出时触发一条 pytree 的 FutureWarning（LeafSpec），与我们的代码无关
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
# `torch.onnx.export` 在 dynamo 模式下还会返回一个 `ONNXProgram` 对象（内存中的 ONNX 模型），也可以稍后用 `onnx_program.save(path)` 保存。
#
# 导出分三步：`torch.export` 捕获图 → 把 PyTorch 算子分解成更基础的算子 → 翻译成 ONNX 并优化。第一步失败时（比如模型里有依赖数据的 Python 分支），报错信息会说明是 "step 1/3"，这时要按第 13 章的方法修改模型。
#
# ## 4. 检查和阅读 ONNX 文件
#
# `onnx.checker.check_model` 检查文件是否符合 ONNX 规范（算子是否存在、类型是否一致等）。它不返回值，出错时抛异常。

# %%
# NBVAL_CHECK_OUTPUT
onnx_model = onnx.load(onnx_path)
onnx.checker.check_model(onnx_model, full_check=True)
print("onnx.checker: OK")
print("ir_version:", onnx_model.ir_version)
print("opset imports:", {imp.domain or "ai.onnx": imp.version for imp in onnx_model.opset_import})

# %% [markdown]
# **opset**（算子集版本）决定了可以用哪些算子、它们的语义是什么。`ai.onnx`（空域名 `""`）是标准算子集；torch 2.11 的 dynamo 导出器默认用 opset 20，可以用 `opset_version=` 指定别的版本（比如目标运行时只支持到 17）。`ir_version` 是文件格式本身的版本，与 opset 不是一回事。
#
# 接着读出输入和输出。每个维度要么是一个固定的整数（`dim_value`），要么是一个**符号名**（`dim_param`）：这就是我们的动态批维度。

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
# 批维度显示为 `'batch'`，正是我们给 `Dim` 起的名字；其余维度是固定的。权重以 **initializer**（图里的常量张量）的形式保存：

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
# 前六个 initializer 就是模型的参数，名字沿用了 PyTorch 的 `state_dict`；`val_6` 是导出器生成的常量，即 `Reshape` 要用的目标形状 `[-1, 128]`。
#
# 一层 PyTorch 代码对应几个 ONNX 节点：`Conv`、`Relu`、`MaxPool`，`flatten` 变成了 `Reshape`，`nn.Linear` 变成 `Gemm`（通用矩阵乘加）。按顺序画出来就是这条计算链：

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
# ## 5. 在 onnxruntime 里运行
#
# onnxruntime 是微软维护的 ONNX 推理引擎，不依赖 PyTorch。`InferenceSession` 加载模型，`providers` 选择硬件后端：这里是 CPU；在 NVIDIA GPU 上装 `onnxruntime-gpu` 后可以用 `"CUDAExecutionProvider"`。输入输出都是 **NumPy 数组**，按名字传入。

# %%
# NBVAL_CHECK_OUTPUT
import numpy as np

session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
for i in session.get_inputs():
    print("input: ", i.name, i.shape, i.type)
for o in session.get_outputs():
    print("output:", o.name, o.shape, o.type)

# %% [markdown]
# 现在用**导出时从未见过的批大小** 1 和 13 来运行，并和 PyTorch 的输出比较。
#
# 比较时**不要**要求完全相等：onnxruntime 和 PyTorch 用的是不同的内核，浮点运算的顺序不同，最后几位二进制会有差别（float32 的相对精度约为 1e-7）。正确的做法是带容差比较，`np.testing.assert_allclose(actual, desired, rtol, atol)` 检查 `|actual - desired| <= atol + rtol * |desired|`，不满足时抛出带详细统计的异常。

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
# 在整个测试集上再比一次，看看差别到底有多大，以及预测的类别是否一致。

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
# 左图：所有点都落在 y = x 上。右图：差值全都挤在 0 附近（恰好为 0，或只差 float32 的最后几位，约 1e-7），远在容差带之内。有多少个恰好相等取决于 CPU 型号和线程数，所以这里不打印这个数，也不要写 `(a == b).all()` 这样的比较。
#
# ## 6. 常见错误：忘了动态维度
#
# 如果导出时不传 `dynamic_shapes`，示例输入的批大小 2 就被固定在图里。onnxruntime 在运行前会检查形状，批大小 13 直接被拒绝：

# %%
# NBVAL_CHECK_OUTPUT
fixed_path = Path(workdir.name) / "small_cnn_fixed.onnx"
with warnings.catch_warnings():
    # 同上：torch 内部的 pytree FutureWarning
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
# 看到 `Got: 13 Expected: 2` 这样的错误，就回去检查 `dynamic_shapes`。
#
# ## 7. 导出之后：ONNX 模型能去哪儿
#
# | 目标 | 运行时 / 工具 | 说明 |
# | --- | --- | --- |
# | 服务器 CPU / GPU | onnxruntime（`CPUExecutionProvider`、`CUDAExecutionProvider`、`TensorrtExecutionProvider`） | 同一份 `.onnx`，换个 provider 就换了硬件；有 Python、C/C++、C#、Java 等接口 |
# | NVIDIA GPU 极致性能 | TensorRT（`trtexec` 或其 ONNX 解析器） | 把 ONNX 编译成针对具体 GPU 优化的引擎 |
# | Intel CPU / GPU / NPU | OpenVINO | 直接读取 ONNX |
# | 手机 | onnxruntime Mobile（Android、iOS） | 也可以通过 NNAPI / Core ML execution provider 调用手机加速器 |
# | Apple 设备 | Core ML | 需要转换（coremltools 如今主要从 PyTorch 直接转换，而不是从 ONNX） |
# | 浏览器 | onnxruntime-web（WebAssembly、WebGPU） | 它取代了已停止维护的 ONNX.js |
# | 可视化 | Netron | 打开 `.onnx` 文件查看图结构 |
#
# 种子教材说 ONNX 模型可以导入 TensorFlow 和 Caffe，这已经过时了：Caffe2 在 2018 年并入 PyTorch，早已不单独存在；ONNX 转 TensorFlow 的转换器（`onnx-tensorflow`）也已归档，不再维护。今天该考虑的，就是上表里这些去处。
#
# 注意：ONNX 只是格式，不同运行时支持的算子和 opset 不尽相同，部署前要在目标运行时里做一次本章这样的数值比较。
#
# ## 小结
#
# * torch 2.11 中 `torch.onnx.export` 默认走 dynamo 导出器（`dynamo=True`），需要 `onnx` 和 `onnxscript`。
# * 用 `dynamic_shapes={"参数名": {维度: torch.export.Dim("名字")}}` 保持批维度动态；导出后的输入形状里会出现这个符号名。
# * `onnx.checker.check_model` 检查文件；`opset_import`、`graph.input/output`、`graph.node` 告诉你模型里有什么。
# * 在 onnxruntime 中运行，并用容差（如 `rtol=1e-4, atol=1e-5`）而不是完全相等和 PyTorch 比较。
#
# 练习在 `exercises/zh/16_onnx.ipynb`。

# %%
workdir.cleanup()

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **接下来：** [本章练习：16_onnx](../../exercises/zh/16_onnx.ipynb) · [下一章：17_cnn](17_cnn.ipynb)
