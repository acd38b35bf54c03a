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
# # 02 · 练习：安装 PyTorch
#
# 四道题，把第 02 章学到的安装知识写成代码：从 `nvidia-smi` 读出 CUDA 版本、为驱动选安装包、把验证脚本写成函数、把旧的 conda 命令改成现在的写法。
#
# 把函数里的 `raise NotImplementedError(...)` 换成你的代码，然后运行下面的 `check(...)` 单元格：`✅` 检查通过，`❌` 还不对（附提示），`⏳` 还没有完成。这些练习不需要 GPU，也不会安装任何东西。

# %%
from course_utils import check, setup_notebook

setup_notebook()

# %% [markdown]
# ## 02.1 从 `nvidia-smi` 读出 CUDA 版本
#
# 完成 `driver_cuda_version(smi_text)`：`smi_text` 是 `nvidia-smi` 打印的整屏文字，返回表头里 `CUDA Version:` 后面的版本号，**作为字符串**（例如 `"13.0"`）。如果文字里没有这一项（比如机器上没有 NVIDIA 驱动，命令报错），返回 `None`。
#
# 提示：小心别返回 `Driver Version` 的值；用字符串而不是浮点数，因为 `float("12.10")` 会变成 `12.1`。正则表达式 `re.search` 很好用。

# %%
import re


def driver_cuda_version(smi_text):
    """Return the "CUDA Version" from nvidia-smi's header as a string, or None."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("02.1", driver_cuda_version)

# %% [markdown]
# ## 02.2 根据驱动选择安装包
#
# torch 2.11 的安装包有 `cpu`、`cu126`、`cu128`、`cu130` 四种（对应 `https://download.pytorch.org/whl/<名字>`）。完成 `wheel_index(driver_cuda)`：
#
# * `driver_cuda` 是驱动支持的最高 CUDA 版本（字符串，如 `"12.8"`）；没有 NVIDIA 驱动时为 `None`，这时返回 `"cpu"`；
# * 否则返回驱动能运行的最新安装包。回忆第 3 节的规则：为 CUDA 12.x 编译的包能在主版本相同的**任何**驱动上运行（次版本兼容），为 CUDA 13.x 编译的包则需要支持 13.x 的驱动。所以 `"12.4"` → `"cu128"`，`"13.2"` → `"cu130"`；
# * 驱动比 CUDA 12 还旧时，返回 `None`（该更新驱动了）。
#
# 这道题只看驱动。第 3 节讲过，GPU 的架构也可能排除某些安装包（GTX 10xx 系列只能用 `cu126`）；`doctor()` 两样都会检查。
#
# 提示：主版本号就是点号前面那部分，`int("12.8".split(".")[0])` → `12`。

# %%
def wheel_index(driver_cuda):
    """Return "cpu", "cu126", "cu128", "cu130", or None when the driver is too old."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("02.2", wheel_index)

# %% [markdown]
# ## 02.3 把验证脚本写成函数
#
# 课文里的验证脚本只会打印。把它改成函数 `verify()`，**返回**一个字典，键和值如下：
#
# | 键 | 值 |
# | --- | --- |
# | `"torch"` | `torch.__version__` |
# | `"cuda_available"` | CUDA 能否使用（`True` / `False`） |
# | `"cuda_build"` | torch 编译时的 CUDA 版本，`torch.version.cuda` |
# | `"gpu_count"` | GPU 的数量 |
# | `"random_shape"` | 用 `torch.rand(5, 3)` 造一个张量，存它的形状（元组 `(5, 3)`） |
#
# 返回数据而不是打印，别的代码（比如测试或 `doctor()`）就能直接用这些结果。

# %%
import torch


def verify():
    """Return a dict describing this PyTorch install (see the table above)."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("02.3", verify)

# %% [markdown]
# ## 02.4 把旧的 conda 命令改成现在的写法
#
# 旧教材里的命令是：
#
# ```bash
# conda install pytorch torchvision torchaudio pytorch-cuda=11.8 -c pytorch -c nvidia
# ```
#
# 完成 `conda_command()`，返回一条**今天能用**的命令（一个字符串），从 conda-forge 安装 PyTorch、torchvision 和 torchaudio。记住：`-c pytorch` 频道在 2.5 之后不再更新，`pytorch-cuda=`、`cudatoolkit=`、`cpuonly` 都已过时。

# %%
def conda_command():
    """Return today's conda command that installs pytorch, torchvision and torchaudio."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("02.4", conda_command)
