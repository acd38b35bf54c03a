"""Common PyTorch errors, explained right under their traceback in the notebook's language.

``setup_notebook()`` calls ``install_explainer()``. From then on, when a cell raises, IPython
first shows the usual traceback, unchanged; then, if ``explain()`` recognises the message, a
short note follows: what went wrong, with the shapes, devices or dtypes from the message, and
the usual fix. Errors it does not know get the traceback only.

``explain(error, "en")`` works on its own too, e.g. on an exception caught in a ``try``.
The notes match torch's own messages (torch 2.11); ``tests/test_errors_explained.py`` raises
each real error, so a torch release that rewords one makes a test fail.
"""

from __future__ import annotations

import functools
import re
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

#: Attribute set on an IPython shell once our handler is installed on it.
_MARK = "_course_utils_explainer"

HEADER = {"en": "💡 What this error means: ", "zh": "💡 这个错误是什么意思："}
FIX = {"en": "Usual fix: ", "zh": "常见的改法："}


@dataclass(frozen=True)
class Known:
    """A known error: its message (a regex with named groups) and what to tell the student."""

    pattern: str
    en: str  # what went wrong, then the fix, separated by "||"; {names} are the regex's groups
    zh: str
    fields: Callable[[dict[str, str]], dict[str, str]] | None = None  # extra {names}

    def render(self, match: re.Match[str], lang: str) -> str:
        values = {k: v for k, v in match.groupdict().items() if v is not None}
        if self.fields:
            values.update(self.fields(values))
        what, fix = (self.zh if lang == "zh" else self.en).format(**values).split("||")
        return f"{HEADER[lang]}{what}\n{FIX[lang]}{fix}"


# C++ type names in "expected m1 and m2 to have the same dtype, but got: float != long int".
_C_TYPES = {"float": "Float", "double": "Double", "long int": "Long", "int": "Int",
            "c10::Half": "Half", "c10::BFloat16": "BFloat16"}


def _c_types(values: dict[str, str]) -> dict[str, str]:
    return {k: _C_TYPES.get(values[k], values[k]) for k in ("a", "b")}


_DEVICE_FIX_EN = ("move the model once with `model.to(device)`, and every batch inside the loop: "
                  "`x, y = x.to(device), y.to(device)`. Tensors you create yourself need "
                  "`device=device`, e.g. `torch.zeros(3, device=device)`.")
_DEVICE_FIX_ZH = ("模型只需移动一次：`model.to(device)`；每个批次要在循环里移动："
                  "`x, y = x.to(device), y.to(device)`。自己新建的张量要加上 `device=device`，"
                  "例如 `torch.zeros(3, device=device)`。")
_DEVICE_WHY_EN = "All tensors of one operation (inputs, the model's weights, targets) must be on the same device."
_DEVICE_WHY_ZH = "同一个运算用到的所有张量（输入、模型权重、标签）都必须在同一个设备上。"

_LOADER_FIX_EN = ("in a notebook use `num_workers=0`, or move the Dataset class (and any `collate_fn` "
                  "or transform function) into a `.py` file next to the notebook and import it from there.")
_LOADER_FIX_ZH = ("在 notebook 里用 `num_workers=0`；或者把 Dataset 类（以及 `collate_fn`、变换函数）"
                  "移到 notebook 旁边的 `.py` 文件里，再从那里 import。")
_LOADER_WHY_EN = ("Workers started with \"spawn\" or \"forkserver\" (the default on Windows and macOS, and "
                  "on Linux from Python 3.14) cannot import code defined in a notebook.")
_LOADER_WHY_ZH = ("用“spawn”或“forkserver”方式启动的工作进程（Windows 和 macOS 的默认方式，"
                  "Linux 上从 Python 3.14 起也是）无法导入 notebook 里定义的代码。")

_OOM_FIX_EN = ("use a smaller `batch_size`; evaluate under `with torch.no_grad():`; keep `loss.item()` "
               "rather than `loss` (a loss tensor keeps its whole graph alive); `del` big tensors you no "
               "longer need and call `torch.cuda.empty_cache()`; if earlier cells still hold memory, "
               "restart the kernel.")
_OOM_FIX_ZH = ("把 `batch_size` 调小；评估时放在 `with torch.no_grad():` 里；记录损失时存 `loss.item()`"
               "而不是 `loss`（损失张量会让整张计算图一直占着内存）；用 `del` 删掉不再需要的大张量，"
               "再调用 `torch.cuda.empty_cache()`；如果前面的单元格还占着显存，就重启内核。")

#: Checked in order; the first match wins, so specific messages come before general ones.
KNOWN: list[Known] = [
    # 1. shapes in a matrix product
    Known(
        r"mat1 and mat2 shapes cannot be multiplied \((?P<a>\d+)x(?P<b>\d+) and (?P<c>\d+)x(?P<d>\d+)\)",
        "a matrix product got shapes {a}×{b} and {c}×{d}; the inner sizes must match, but {b} ≠ {c}. "
        "In `x @ W` the last dimension of `x` must equal the first dimension of `W`. In "
        "`nn.Linear(in_features, out_features)` the second shape is the layer's {c}×{d} "
        "(in_features={c}, out_features={d}): the layer expects {c} features in the input's last "
        "dimension but got {b} ({a} rows)."
        "||build the layer for the input, `nn.Linear({b}, {d})`, or change the input so that its last "
        "dimension is {c} (e.g. `x.flatten(1)` after a convolution; check the previous layer's "
        "out_features). Print `x.shape` just before the failing line.",
        "矩阵乘法收到的形状是 {a}×{b} 和 {c}×{d}，中间的两个尺寸必须相等，这里却是 {b} ≠ {c}。"
        "`x @ W` 要求 `x` 的最后一维等于 `W` 的第一维。对 `nn.Linear(in_features, out_features)` "
        "来说，第二个形状就是这一层的 {c}×{d}（in_features={c}，out_features={d}）："
        "它要求输入的最后一维有 {c} 个特征，实际收到的却是 {b} 个（共 {a} 行）。"
        "||按输入来建这一层：`nn.Linear({b}, {d})`；或者改输入，让它的最后一维变成 {c}"
        "（比如卷积之后先 `x.flatten(1)`，或检查上一层的 out_features）。在出错那一行之前打印 "
        "`x.shape` 看一看。",
    ),
    Known(
        r"Expected size for first two dimensions of batch2 tensor to be: "
        r"\[(?P<n>\d+), (?P<k>\d+)\] but got: \[(?P<n2>\d+), (?P<k2>\d+)\]",
        "a batched matrix product (`torch.bmm`, or `@` on 3-D tensors): the second tensor should start "
        "with [{n}, {k}] (the same batch size {n}, and {k} rows to match the first tensor's last "
        "dimension), but it starts with [{n2}, {k2}]."
        "||print both shapes: `(b, n, k) @ (b, k, m)` needs the same b and the same k. Often one "
        "tensor needs `.transpose(1, 2)`.",
        "批量矩阵乘法（`torch.bmm`，或对三维张量用 `@`）：第二个张量的前两维应该是 [{n}, {k}]"
        "（批大小同为 {n}，行数 {k} 等于第一个张量的最后一维），实际却是 [{n2}, {k2}]。"
        "||把两个形状都打印出来：`(b, n, k) @ (b, k, m)` 要求 b 相同、k 也相同。"
        "常见的情况是其中一个张量需要 `.transpose(1, 2)`。",
    ),
    Known(
        r"size mismatch, got input \((?P<n>\d+)\), mat \((?P<a>\d+)x(?P<b>\d+)\), vec \((?P<c>\d+)\)",
        "a matrix of shape {a}×{b} times a vector of length {c}: the vector's length must equal the "
        "matrix's number of columns ({b})."
        "||give the vector {b} elements, or transpose the matrix (`A.T @ v`) if you meant the other side.",
        "形状为 {a}×{b} 的矩阵乘以长度为 {c} 的向量：向量的长度必须等于矩阵的列数（{b}）。"
        "||让向量有 {b} 个元素；如果本来想乘另一侧，就先转置矩阵（`A.T @ v`）。",
    ),
    # 2. devices
    Known(
        r"Expected all tensors to be on the same device, but got (?P<arg>\w+) is on (?P<b>[\w:]+), "
        r"different from other tensors on (?P<a>[\w:]+)",
        f"the argument `{{arg}}` is on {{b}}, the other tensors are on {{a}}. {_DEVICE_WHY_EN}||{_DEVICE_FIX_EN}",
        f"参数 `{{arg}}` 在 {{b}} 上，其他张量却在 {{a}} 上。{_DEVICE_WHY_ZH}||{_DEVICE_FIX_ZH}",
    ),
    Known(
        r"Expected all tensors to be on the same device, but found at least two devices, "
        r"(?P<a>[\w:]+) and (?P<b>[\w:]+)!",
        f"one operation got tensors on two devices, {{a}} and {{b}}. {_DEVICE_WHY_EN}||{_DEVICE_FIX_EN}",
        f"一个运算同时收到了 {{a}} 和 {{b}} 两个设备上的张量。{_DEVICE_WHY_ZH}||{_DEVICE_FIX_ZH}",
    ),
    Known(  # the form of the check written in Python (MPS and meta tensors)
        r"Tensor on device (?P<b>[\w:]+) is not on the expected device (?P<a>[\w:]+)!",
        f"a tensor on {{b}} met tensors on {{a}}. {_DEVICE_WHY_EN}||{_DEVICE_FIX_EN}",
        f"一个在 {{b}} 上的张量碰上了在 {{a}} 上的张量。{_DEVICE_WHY_ZH}||{_DEVICE_FIX_ZH}",
    ),
    Known(
        r"Expected all tensors to be on the same device",
        f"one operation got tensors on different devices. {_DEVICE_WHY_EN}||{_DEVICE_FIX_EN}",
        f"一个运算收到了不同设备上的张量。{_DEVICE_WHY_ZH}||{_DEVICE_FIX_ZH}",
    ),
    # 3. dtypes
    Known(
        r"expected scalar type (?P<want>\w+) but found (?P<got>\w+)",
        "an operation expected {want} values but got {got} (Long = `torch.int64`, whole numbers; "
        "Float = `torch.float32`). `nn.CrossEntropyLoss` and `nn.NLLLoss` need their targets as "
        "class indices of type Long."
        "||convert the tensor with the wrong type: `y.long()` for class-index targets, `x.float()` "
        "for inputs and regression targets. `print(x.dtype, y.dtype)` shows which one it is.",
        "某个运算需要 {want} 类型的数据，收到的却是 {got}（Long 就是 `torch.int64`，整数；"
        "Float 就是 `torch.float32`）。`nn.CrossEntropyLoss` 和 `nn.NLLLoss` 的标签必须是 Long "
        "类型的类别编号。"
        "||把类型不对的张量转换一下：类别标签用 `y.long()`，输入和回归目标用 `x.float()`。"
        "用 `print(x.dtype, y.dtype)` 看看是哪一个。",
    ),
    Known(
        r"mat1 and mat2 must have the same dtype, but got (?P<a>\w+) and (?P<b>\w+)",
        "the two sides of a matrix product have different dtypes, {a} and {b}. In `nn.Linear` the "
        "first is your input and the second the layer's weights."
        "||convert the data, not the model: `x = x.float()`. A tensor built from Python integers is "
        "Long; one built from a NumPy array is often Double (float64).",
        "矩阵乘法两边的数据类型不同：{a} 和 {b}。在 `nn.Linear` 里，前者是你的输入，后者是这一层的权重。"
        "||转换数据，而不是模型：`x = x.float()`。用 Python 整数建的张量是 Long，"
        "从 NumPy 数组来的张量常常是 Double（float64）。",
    ),
    Known(
        r"expected m1 and m2 to have the same dtype, but got: (?P<a>[\w: ]+?) != (?P<b>[\w: ]+)$",
        "the two sides of `@` have different dtypes, {a} and {b}."
        "||make both the same, usually by converting the integer one: `a.float() @ b` or `a @ b.float()`.",
        "`@` 两边的数据类型不同：{a} 和 {b}。"
        "||让两边类型一致，通常是把整数那一边转成浮点：`a.float() @ b` 或 `a @ b.float()`。",
        _c_types,
    ),
    Known(
        r"Found dtype (?P<got>\w+) but expected (?P<want>\w+)",
        "a loss received {got} values where it needs {want}. This shows up in `backward()`, e.g. "
        "`nn.MSELoss` or `nn.BCELoss` with an integer target."
        "||convert the target: `loss_fn(pred, y.float())`.",
        "损失函数需要 {want}，收到的却是 {got}。这个错误出现在 `backward()` 里，"
        "典型情况是 `nn.MSELoss` 或 `nn.BCELoss` 的目标是整数。"
        "||把目标转成浮点：`loss_fn(pred, y.float())`。",
    ),
    Known(
        r"result type (?P<got>\w+) can't be cast to the desired output type (?P<want>\w+)",
        "the result is {got} but has to be stored as {want}: typically an integer target in "
        "`nn.BCEWithLogitsLoss`, or an in-place operation such as `x += 0.5` on an integer tensor."
        "||make the tensor float first: `y.float()` for targets, `x = x.float()` before in-place updates.",
        "运算结果是 {got}，却要存成 {want}：典型情况是 `nn.BCEWithLogitsLoss` 的目标是整数，"
        "或者对整数张量做 `x += 0.5` 这样的原地运算。"
        "||先转成浮点：目标用 `y.float()`，原地更新之前先 `x = x.float()`。",
    ),
    Known(
        r"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
        r"(?P<want>[\w, ]+); but got (?P<got>[\w.]+) instead",
        "`nn.Embedding` looks rows up by integer index ({want}), but got a {got}."
        "||convert the token ids: `embedding(ids.long())`.",
        "`nn.Embedding` 按整数编号（{want}）查表，收到的却是 {got}。"
        "||把词元编号转成整数：`embedding(ids.long())`。",
    ),
    # 4. backward twice
    Known(
        r"Trying to backward through the graph a second time",
        "`backward()` ran a second time through the same graph. The first `backward()` frees the "
        "intermediate values the graph saved, so it cannot be used again."
        "||compute the forward pass (model output and loss) again inside the loop, at every step. "
        "For a running total add `loss.item()`, not `loss`. Use `retain_graph=True` only if you "
        "really need two backward passes through one graph.",
        "对同一张计算图第二次调用了 `backward()`。第一次 `backward()` 之后，图里保存的中间结果就被释放了，"
        "这张图不能再用。"
        "||在循环里每一步都重新做一次前向计算（模型输出和损失）。累计损失时加 `loss.item()`，而不是 "
        "`loss`。只有确实要对同一张图反向传播两次时，才用 `retain_graph=True`。",
    ),
    # 5. in-place operations
    Known(
        r"a leaf Variable that requires grad is being used in an in-place operation",
        "an in-place operation (`+=`, `-=`, `.add_()`, `.zero_()`, …) changed a leaf tensor that "
        "requires grad: a parameter, or a tensor made with `requires_grad=True`. Autograd cannot "
        "record changes to the tensors it differentiates with respect to."
        "||update parameters inside `with torch.no_grad():` (e.g. `w -= lr * w.grad`), or let an "
        "optimizer do it; reset gradients with `optimizer.zero_grad()` or `w.grad.zero_()`.",
        "原地运算（`+=`、`-=`、`.add_()`、`.zero_()` 等）修改了一个需要梯度的叶子张量，也就是参数，"
        "或用 `requires_grad=True` 创建的张量。自动求导没法记录对求导对象本身的修改。"
        "||在 `with torch.no_grad():` 里更新参数（例如 `w -= lr * w.grad`），或者交给优化器；"
        "清零梯度用 `optimizer.zero_grad()` 或 `w.grad.zero_()`。",
    ),
    Known(
        r"one of the variables needed for gradient computation has been modified by an inplace "
        r"operation: \[(?P<type>[\w.]+) \[(?P<shape>[\d, ]*)\]\], which is output \d+ of "
        r"(?P<fn>\w+), is at version (?P<now>\d+); expected version (?P<then>\d+)",
        "a tensor of shape [{shape}] ({type}, the output of the operation whose backward is `{fn}`) "
        "was saved for `backward()` and then changed in place (version {then} → {now})."
        "||find the in-place change after that tensor was used (`x += …`, `x[...] = …`, `.relu_()`, "
        "`nn.ReLU(inplace=True)`) and write it out of place: `x = x + …`, `x = x.relu()`. "
        "`torch.autograd.set_detect_anomaly(True)` points to the line.",
        "一个形状为 [{shape}] 的张量（{type}，反向节点为 `{fn}` 的那个运算的输出）在保存给 `backward()` "
        "之后又被原地修改了"
        "（版本 {then} → {now}）。"
        "||找到这个张量被用过之后的原地修改（`x += …`、`x[...] = …`、`.relu_()`、"
        "`nn.ReLU(inplace=True)`），改成非原地的写法：`x = x + …`、`x = x.relu()`。"
        "`torch.autograd.set_detect_anomaly(True)` 能指出是哪一行。",
    ),
    # 6. CrossEntropyLoss targets
    Known(
        r"0D or 1D target tensor expected, multi-target not supported",
        "the target of `nn.CrossEntropyLoss` (or `nn.NLLLoss`) has two or more dimensions. Class "
        "targets must be 1-D, one class index per sample: shape [N] for logits of shape [N, C]."
        "||one-hot targets: `y.argmax(dim=1)`; targets of shape [N, 1]: `y.squeeze(1)`. Keep them Long.",
        "`nn.CrossEntropyLoss`（或 `nn.NLLLoss`）的目标有两维或更多。类别目标必须是一维的，"
        "每个样本一个类别编号：logits 的形状是 [N, C]，目标的形状就是 [N]。"
        "||独热（one-hot）目标用 `y.argmax(dim=1)`；形状为 [N, 1] 的目标用 `y.squeeze(1)`。类型保持 Long。",
    ),
    Known(
        r"Expected floating point type for target with class probabilities, got (?P<got>\w+)",
        "the target has the same shape as the logits, so `nn.CrossEntropyLoss` reads it as class "
        "probabilities, which must be float, but it is {got}. A one-hot target is the usual cause."
        "||pass class indices instead: `y.argmax(dim=1)` (shape [N], Long); if you really mean "
        "probabilities, `y.float()`.",
        "目标和 logits 的形状相同，所以 `nn.CrossEntropyLoss` 把它当成类别概率，概率必须是浮点数，"
        "它却是 {got}。通常是用了独热（one-hot）目标。"
        "||改传类别编号：`y.argmax(dim=1)`（形状 [N]，Long）；如果确实想传概率，就用 `y.float()`。",
    ),
    Known(
        r"Target (?P<t>-?\d+) is out of bounds",
        "a target class index is {t}, but with C output classes the valid indices are 0 … C−1."
        "||compare `y.min()`, `y.max()` with the last layer: it needs at least `y.max() + 1` outputs. "
        "Labels that count from 1 need `y - 1`.",
        "有一个目标类别编号是 {t}，而 C 个输出类别的合法编号只有 0 … C−1。"
        "||对比 `y.min()`、`y.max()` 和最后一层：它至少要有 `y.max() + 1` 个输出。"
        "从 1 开始数的标签要先 `y - 1`。",
    ),
    Known(
        r"Expected input batch_size \((?P<a>\d+)\) to match target batch_size \((?P<b>\d+)\)",
        "the loss got {a} predictions but {b} targets."
        "||the output must be [N, C] and the target [N]. Usually a `view`/`reshape` merged the wrong "
        "dimensions (keep the batch dimension: `x.flatten(1)`), or predictions and labels come from "
        "different batches.",
        "损失函数收到了 {a} 个预测，却有 {b} 个目标。"
        "||输出应为 [N, C]，目标应为 [N]。通常是 `view`/`reshape` 合并错了维度"
        "（保留批维度：`x.flatten(1)`），或者预测和标签来自不同的批次。",
    ),
    # 7. out of memory
    Known(
        r"CUDA out of memory\. Tried to allocate (?P<size>[\d.]+ \w+)\. GPU (?P<gpu>\d+) has a total "
        r"capacity of (?P<total>[\d.]+ \w+) of which (?P<free>[\d.]+ \w+) is free",
        f"the GPU ran out of memory: PyTorch tried to allocate {{size}} on GPU {{gpu}}, which has "
        f"{{total}} in all and only {{free}} free.||{_OOM_FIX_EN}",
        f"GPU 显存不够了：PyTorch 想在 GPU {{gpu}} 上再分配 {{size}}，这块 GPU 总共 {{total}}，"
        f"只剩 {{free}} 空闲。||{_OOM_FIX_ZH}",
    ),
    Known(
        r"(?P<where>CUDA|MPS backend|XPU) out of memory",
        f"the GPU ({{where}}) ran out of memory.||{_OOM_FIX_EN}",
        f"GPU（{{where}}）的显存不够了。||{_OOM_FIX_ZH}",
    ),
    # 8. DataLoader workers in a notebook
    Known(
        r"Can't get attribute '(?P<name>[\w.]+)' on <module '__main__'",
        f"a worker process could not find `{{name}}`: it is defined in the notebook (module "
        f"`__main__`). {_LOADER_WHY_EN}||{_LOADER_FIX_EN}",
        f"工作进程找不到 `{{name}}`：它定义在 notebook 里（模块 `__main__`）。{_LOADER_WHY_ZH}"
        f"||{_LOADER_FIX_ZH}",
    ),
    Known(
        r"DataLoader worker \(pid(?:\(s\))? (?P<pids>[\d, ]+)\) exited unexpectedly",
        f"a DataLoader worker process (pid {{pids}}) died. In a notebook the usual cause is "
        f"`num_workers > 0` with a Dataset defined in the notebook itself. {_LOADER_WHY_EN} The "
        f"worker's own error, e.g. `Can't get attribute 'MyDataset' on <module '__main__'>`, is "
        f"printed in the terminal that runs Jupyter.||{_LOADER_FIX_EN}",
        f"一个 DataLoader 工作进程（pid {{pids}}）意外退出了。在 notebook 里，最常见的原因是 "
        f"`num_workers > 0`，而 Dataset 又定义在 notebook 里。{_LOADER_WHY_ZH}工作进程自己的报错"
        f"（例如 `Can't get attribute 'MyDataset' on <module '__main__'>`）打印在运行 Jupyter 的终端里。"
        f"||{_LOADER_FIX_ZH}",
    ),
    # 9. view on a non-contiguous tensor, or to an impossible shape
    Known(
        r"view size is not compatible with input tensor's size and stride",
        "`.view()` only relabels memory that is laid out in one piece, and this tensor is not "
        "contiguous (after `.t()`, `.transpose()`, `.permute()` or some slicing), so the requested "
        "shape cannot be a view of it."
        "||use `.reshape(...)`, which copies only when it must, or `.contiguous().view(...)`.",
        "`.view()` 只是给一块连续的内存换个形状来看，而这个张量不连续（经过了 `.t()`、`.transpose()`、"
        "`.permute()` 或某些切片），所以没法直接“看成”想要的形状。"
        "||改用 `.reshape(...)`（必要时才复制），或者 `.contiguous().view(...)`。",
    ),
    Known(
        r"shape '\[(?P<shape>[-\d, ]*)\]' is invalid for input of size (?P<size>\d+)",
        "the shape [{shape}] cannot hold this tensor's {size} elements: the sizes must multiply to "
        "exactly {size} (one `-1` is worked out for you)."
        "||print `x.shape` and choose sizes whose product is {size}; to keep the batch dimension "
        "write `x.view(x.shape[0], -1)`.",
        "形状 [{shape}] 装不下这个张量的 {size} 个元素：各维大小的乘积必须正好是 {size}"
        "（写一个 `-1` 可以让 PyTorch 自动推算）。"
        "||打印 `x.shape`，选乘积为 {size} 的尺寸；要保留批维度就写 `x.view(x.shape[0], -1)`。",
    ),
    # 10. .numpy()
    Known(
        r"Can't call numpy\(\) on Tensor that requires grad",
        "`.numpy()` cannot be used on a tensor that requires grad: NumPy knows nothing about autograd."
        "||`t.detach().numpy()` (on a GPU: `t.detach().cpu().numpy()`), or compute `t` under "
        "`with torch.no_grad():`.",
        "需要梯度的张量不能直接调用 `.numpy()`：NumPy 不懂自动求导。"
        "||用 `t.detach().numpy()`（在 GPU 上：`t.detach().cpu().numpy()`），"
        "或者在 `with torch.no_grad():` 里计算 `t`。",
    ),
    Known(
        r"can't convert (?P<device>[\w:]+) device type tensor to numpy",
        "the tensor lives on {device}; NumPy only works with tensors in CPU memory."
        "||copy it first: `t.cpu().numpy()` (if it requires grad: `t.detach().cpu().numpy()`); for a "
        "single number, `t.item()`.",
        "这个张量在 {device} 上，而 NumPy 只能处理 CPU 内存里的张量。"
        "||先复制到 CPU：`t.cpu().numpy()`（如果需要梯度：`t.detach().cpu().numpy()`）；"
        "只要一个数就用 `t.item()`。",
    ),
]

_COMPILED = [(re.compile(known.pattern), known) for known in KNOWN]


def explain(exc: BaseException, lang: str | None = None) -> str | None:
    """A short note on ``exc`` in ``lang`` ("zh"/"en"; default: the notebook's), or None if unknown.

    An error raised ``from`` a known one (``raise ... from err``) is explained by its cause.
    """
    if lang not in ("zh", "en"):
        from ..checks.engine import language

        lang = language()
    seen: BaseException | None = exc
    for _ in range(3):
        if seen is None:
            break
        try:
            message = str(seen)
        except Exception:  # a broken __str__ is not ours to fix
            message = ""
        for regex, known in _COMPILED:
            match = regex.search(message)
            if match:
                return known.render(match, lang)
        seen = seen.__cause__
    return None


# --------------------------------------------------------------------------- IPython

# What IPython shows with showsyntaxerror() when it cannot even parse a cell.
_PARSE_ERRORS = (OverflowError, SyntaxError, ValueError, TypeError, MemoryError)


def _handler(shell: Any, etype: type[BaseException], value: BaseException, tb: TracebackType | None,
             tb_offset: int | None = None, lang: str | None = None) -> None:
    """IPython's custom exception handler: the usual traceback, then a note for known errors."""
    # IPython also calls this handler for a cell it could not parse; that tb starts outside run_code.
    parsing = tb is not None and tb.tb_frame.f_code.co_name != "run_code"
    try:  # exactly what IPython shows without us
        if parsing and issubclass(etype, IndentationError):
            shell.showindentationerror()
        elif parsing and issubclass(etype, _PARSE_ERRORS):
            shell.showsyntaxerror()
        else:
            shell.showtraceback((etype, value, tb), tb_offset=tb_offset, running_compiled_code=True)
    except Exception:
        traceback.print_exception(etype, value, tb)
    if parsing:
        return
    try:
        note = explain(value, lang)
        if note:
            print(note)
    except Exception:  # a bug here must never hide the student's error
        pass


def _current_shell() -> Any:
    """The running IPython shell, or None (plain Python, or IPython never imported)."""
    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None else None


def install_explainer(ipython: Any = None, lang: str | None = None) -> bool:
    """Explain known PyTorch errors under their traceback (``lang``: "zh"/"en"; default: the notebook's).

    Returns True when installed. Does nothing outside IPython, or when someone else's handler is
    installed; calling it again is harmless.
    """
    try:
        shell = ipython if ipython is not None else _current_shell()
        if shell is None:
            return False
        if shell.custom_exceptions and not getattr(shell, _MARK, False):
            return False  # another custom handler: leave it alone
        shell.set_custom_exc((Exception,), functools.partial(_handler, lang=lang))
        setattr(shell, _MARK, True)
        return True
    except Exception:
        return False
