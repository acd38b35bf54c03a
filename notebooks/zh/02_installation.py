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
# # 02 · 安装 PyTorch
#
# 这一章回答三个问题：**装什么**（操作系统、pip 还是 conda、CPU 还是 GPU），**怎么装**（今天真正能用的命令），以及**装好了没有**（验证脚本和 `doctor()`）。
#
# 网上很多安装教程（包括本课程最初参考的中文教材）写于几年前，其中不少步骤已经过时甚至是错的。本章会逐条指出来：
#
# | 旧教程的说法 | 现在（torch 2.11）的事实 |
# | --- | --- |
# | 需要 Python 3.6+ / 3.8 / 3.9 | torch 2.11 需要 **Python 3.10 或更新**，提供 3.10–3.13 的安装包。本课程的 CPU 测试在 Python 3.11 上运行，GPU 测试在 3.12 上运行；其他版本本课程没有测试 |
# | `conda install pytorch ... -c pytorch` | `-c pytorch` 频道在 **2.5 之后就不再发布新版本**：改用 **conda-forge**，或在 conda 环境里用 pip |
# | `pytorch-cuda=11.8`、`cudatoolkit=11.0`、`cpuonly` | 这些都是旧 pytorch 频道的写法，**已经作废** |
# | 先安装 CUDA Toolkit，再用 `nvcc --version` 查版本 | pip 安装包**自带** CUDA 运行库：只需要 **NVIDIA 驱动**，不需要 CUDA Toolkit，也不需要 `nvcc` |
# | 用 `curl … torch_stable.html \| grep …` 查可用版本 | 这条命令是错的：请用 PyTorch 官网的**安装选择器**和官方的 wheel 索引地址 |
#
# 本章不会真的执行任何安装命令（安装命令都写在文字里）。能运行的代码都在检查**你当前的环境**。

# %%
from course_utils import setup_notebook

setup_notebook()

# %% [markdown]
# ## 1. 三个选择：操作系统、pip 还是 conda、CPU 还是 GPU
#
# 打开 [PyTorch 官网的安装页面](https://pytorch.org/get-started/locally/)，你会看到一个**安装选择器**：依次选好操作系统、包管理器、计算平台，它就给出对应的命令。先弄清楚这三个选择的含义：
#
# **操作系统。** Linux、Windows、macOS 都支持，但能用的加速硬件不同：
#
# | 系统 | GPU 加速 | 说明 |
# | --- | --- | --- |
# | Linux | NVIDIA（CUDA）、AMD（ROCm） | PyPI 上的 Linux 版 torch 默认就是 CUDA 版，在没有 GPU 的机器上也能正常用 CPU 运行 |
# | Windows | NVIDIA（CUDA） | PyPI 上的 Windows 版是**纯 CPU 版**；要用 GPU，需从 PyTorch 自己的 wheel 索引安装 |
# | macOS | Apple 芯片的 GPU（MPS） | 从 2.3 起只提供 Apple 芯片（arm64）的安装包，没有 CUDA |
#
# **pip 还是 conda。** 两者都可以，关键是**装进一个独立的虚拟环境**（下一节）。
# * **pip** 是 Python 官方的包管理器。PyTorch 的 pip 安装包（wheel）已经把所需的 CUDA 运行库一起带上了，所以即使要用 GPU，用 pip 也完全没问题。
# * **conda** 还能管理 Python 解释器本身和非 Python 的依赖（比如本课程音频章节需要的 FFmpeg）。今天用 conda 装 PyTorch 请走 **conda-forge** 频道，或者用 conda 建环境、在里面用 pip 装 PyTorch。
#
# **CPU 还是 GPU。** 每台电脑都能用 CPU 运行本课程的全部内容。如果你有 NVIDIA 显卡，GPU 能让训练快很多；这时唯一需要你自己装的是 **NVIDIA 驱动**。
#
# 无论怎么选，Python 版本都要够新。下面的单元格从已安装的 torch 的元数据里读出它要求的 Python 版本：

# %%
import importlib.metadata
import sys

print("torch requires Python", importlib.metadata.metadata("torch")["Requires-Python"])
print("This Python is 3.10 or newer:", sys.version_info >= (3, 10))

# %% [markdown]
# 旧教程写的 "Python 3.6+"、`python=3.8`、`python=3.9` 对 torch 2.11 来说都太旧了：在这些 Python 上，pip 根本找不到 torch 2.11 的安装包。

# %% [markdown]
# ## 2. 虚拟环境：为什么要用，怎么用
#
# 虚拟环境是一个**独立的 Python 环境**，有自己的解释器入口和自己的一套包。为什么强烈建议用它？
#
# * **避免冲突**：项目 A 需要 torch 2.11，项目 B 还停留在 torch 2.5，各装各的，互不影响。
# * **不碰系统 Python**：Linux 和 macOS 的系统自带 Python 给操作系统自己用，往里面装包可能破坏系统工具（很多新版 Linux 发行版干脆禁止直接 `pip install` 到系统 Python）。
# * **可以重来**：环境弄乱了，删掉文件夹重建即可。
#
# **用 Python 自带的 `venv`**（本课程的 `make lab` 就是这么做的，环境在 `.venv/` 文件夹里）：
#
# ```bash
# python3 -m venv .venv              # 创建（Windows 上用 python 或 py）
# source .venv/bin/activate          # 激活：Linux / macOS
# .venv\Scripts\activate             # 激活：Windows 命令提示符 (cmd)
# .venv\Scripts\Activate.ps1         # 激活：Windows PowerShell
# python -m pip install --upgrade pip
# deactivate                         # 退出环境
# ```
#
# **用 conda**（推荐安装 [Miniforge](https://conda-forge.org/download/)，它默认使用 conda-forge 频道）：
#
# ```bash
# conda create -n pytorch-course python=3.11    # 创建环境，顺便指定 Python 版本
# conda activate pytorch-course                 # 激活
# conda deactivate                              # 退出
# ```
#
# 小技巧：装包时写 `python -m pip install ...` 而不是 `pip install ...`，可以保证用的是**当前这个 Python** 的 pip，而不是 PATH 里碰巧排在前面的另一个。
#
# 下面的单元格看看这个笔记本的 Python 从哪里来。`sys.prefix` 是当前环境的位置，`sys.base_prefix` 是创建它的那个“基础” Python；两者不同就说明正在 venv 里运行（conda 环境本身不是 venv，所以在 conda 环境里这一项是 False，这也是正常的）。

# %%
# NBVAL_IGNORE_OUTPUT
# 路径取决于课程装在哪里、环境是怎么建的，所以这个单元格的输出不参与比对。
import os

print("Python executable:", sys.executable)
print("Inside a venv:    ", sys.prefix != sys.base_prefix)
print("Conda environment:", os.environ.get("CONDA_DEFAULT_ENV"))

# %% [markdown]
# ## 3. 读懂 `nvidia-smi`
#
# 如果你有 NVIDIA 显卡并装好了驱动，在终端（Windows 上是 cmd 或 PowerShell）里运行 `nvidia-smi`，会看到类似下面的一屏。
#
# 本课程的自动测试在没有 GPU 的机器上运行，所以这里打印的是一段**保存下来的示例文本**（`course_utils.samples.NVIDIA_SMI_SAMPLE`，来自一台装有一块 H100、驱动为 580 系列的服务器），不是你这台机器的实时输出。

# %%
from course_utils.samples import NVIDIA_SMI_SAMPLE, NVIDIA_SMI_SEED

print(NVIDIA_SMI_SAMPLE)

# %% [markdown]
# 逐项解释：
#
# | 位置 | 示例值 | 含义 |
# | --- | --- | --- |
# | `NVIDIA-SMI` | 580.159.04 | nvidia-smi 这个工具的版本，它随驱动一起安装，所以和驱动版本相同 |
# | `Driver Version` | 580.159.04 | 已安装的 NVIDIA **驱动**版本 |
# | `CUDA Version` | 13.0 | 这个驱动**最高支持**的 CUDA 版本（见下文，**不是**已安装的 CUDA Toolkit） |
# | `GPU` | 0 | nvidia-smi 给显卡的编号。多卡机器上，CUDA 默认的编号顺序可能与此不同，除非设置 `CUDA_DEVICE_ORDER=PCI_BUS_ID` |
# | `Name` | NVIDIA H100 80GB HBM3 | 显卡型号 |
# | `Persistence-M` | On | 持久模式：没有程序使用 GPU 时驱动也保持加载（Linux），启动程序更快 |
# | `Bus-Id` | 00000000:00:07.0 | 显卡在 PCI 总线上的地址 |
# | `Disp.A` | Off | Display Active：这块卡是否在驱动显示器 |
# | `Volatile Uncorr. ECC` | 0 | 驱动加载以来出现的不可纠正显存 ECC 错误数；不支持 ECC 的卡（多数游戏卡）显示 N/A |
# | `Fan` | N/A | 风扇转速百分比；数据中心的卡靠机箱散热，没有自己的风扇，所以是 N/A |
# | `Temp` | 31C | GPU 温度 |
# | `Perf` | P0 | 性能状态，从 P0（最高性能）到 P12（最省电） |
# | `Pwr:Usage/Cap` | 70W / 700W | 当前功耗 / 功耗上限 |
# | `Memory-Usage` | 0MiB / 81559MiB | 已用显存 / 总显存 |
# | `GPU-Util` | 0% | 最近一个采样周期内，有内核（kernel）在 GPU 上运行的时间比例。注意它不表示“GPU 的算力用了多少” |
# | `Compute M.` | Default | 计算模式：Default 允许多个进程同时使用这块卡 |
# | `MIG M.` | Disabled | MIG（多实例 GPU）模式：A100/H100 等卡可以切分成几个独立的小 GPU |
# | `Processes` | No running processes found | 正在使用 GPU 的进程及其显存占用 |
#
# ### 最容易误解的一项："CUDA Version"
#
# 右上角的 `CUDA Version: 13.0` 表示：**这个驱动最高能运行为 CUDA 13.0 编译的程序**。它是驱动的能力上限，不代表电脑上装了 CUDA 13.0 Toolkit，也不要求你去装。你完全可以没有任何 CUDA Toolkit，照样用 GPU 版的 PyTorch。
#
# `course_utils.doctor.parse_nvidia_smi` 从这一屏的表头读出驱动版本和 CUDA 版本。对示例屏幕和旧教材里的那一屏（驱动 515，CUDA 11.7）分别试一下：

# %%
from course_utils.doctor import parse_nvidia_smi

for label, screen in [("lesson sample", NVIDIA_SMI_SAMPLE), ("seed text", NVIDIA_SMI_SEED)]:
    driver, driver_cuda = parse_nvidia_smi(screen)
    print(f"{label:13}  driver {driver:10}  supports CUDA up to {driver_cuda}")

# %% [markdown]
# 另一边，是 **torch 编译时所用的 CUDA 版本**：`torch.version.cuda`。在 Linux 上，PyPI 上的 torch 2.11.0 是为 CUDA 13.0 编译的，这个笔记本所用的正是它：

# %%
import torch

print("torch version:     ", torch.__version__)
print("torch.version.cuda:", torch.version.cuda)

# %% [markdown]
# 一个 CUDA 版的 torch 能不能在你的机器上跑，取决于两个条件：**驱动**要足够新，能支持这个版本的 CUDA；**GPU** 要在这个版本编译了内核的架构之列。
#
# **驱动：小版本兼容。** 从 CUDA 11 起，NVIDIA 保证：用同一个大版本里任何一个 CUDA 小版本编译的程序，都能在这个大版本的驱动上运行，只要驱动不低于某个分支。所以驱动的 `CUDA Version` 不必追上 torch 的小版本号：
#
# * **CUDA 12.x** 版本（cu126、cu128）在 **R525** 分支及以后的任何驱动上都能运行（Linux 上是 525.60.13 或更新），`nvidia-smi` 显示 `CUDA Version: 12.0` 或更高即可；
# * **CUDA 13.x** 版本（cu130，也就是 PyPI 的默认版本）需要 **R580** 分支或更新的驱动（Linux 上是 580.65.06 或更新），即 `CUDA Version: 13.0` 或更高。如果驱动更旧，比如 570 系列（CUDA 12.8），它会报 *“The NVIDIA driver on your system is too old”*，`torch.cuda.is_available()` 返回 `False`。
#
# 有一个例外要注意：**PTX**。安装包里除了针对各个 GPU 架构的机器码（`sm_XY`），还可以带 PTX（`compute_XY`）。PTX 是一种中间代码，程序加载时由驱动现场编译，一个版本正是靠它才能在比自己更新的 GPU 上运行。这一步编译要求驱动不低于生成 PTX 的那个 CUDA 版本，小版本兼容管不到它。torch 2.11 的安装包为下表列出的每种架构都带了机器码，所以只有当某块 GPU 只能靠 PTX 运行某个版本时，才需要考虑这一点。
#
# **GPU：看架构。** 每块 NVIDIA GPU 都有一个**计算能力**（compute capability）X.Y，它代表 GPU 的架构：6.1 是 Pascal，8.6 是 Ampere，12.0 是 Blackwell。一个版本只包含编译时指定的那些架构的内核；为 X.Y 编译的机器码也能在同一大版本、小版本号更高的 X.Z（Z ≥ Y）上运行。遇到不在列表里的 GPU，`torch.cuda.is_available()` 照样返回 `True`，但第一次计算就会报 *“no kernel image is available for execution on the device”*，重装同一个版本也没用。
#
# torch 2.11 提供三个 CUDA 版本（另有纯 CPU 版 cpu），支持情况如下：
#
# | 版本 | 编译用的 CUDA | 最低驱动（Linux） | `nvidia-smi` 里的 `CUDA Version` | 支持的 GPU 架构（计算能力） |
# | --- | --- | --- | --- | --- |
# | cu130（Linux 上 PyPI 的默认版本） | 13.0 | R580：580.65.06 | 13.0 或更高 | Turing 7.5、Ampere 8.0/8.6（以及 Ada 8.9）、Hopper 9.0、Blackwell 10.0/12.0 |
# | cu128 | 12.8 | R525：525.60.13 | 12.0 或更高 | 与 cu130 相同 |
# | cu126 | 12.6 | R525：525.60.13 | 12.0 或更高 | Maxwell 5.0、Pascal 6.0、Volta 7.0、Turing 7.5、Ampere 8.0/8.6（以及 Ada 8.9）、Hopper 9.0；**不支持 Blackwell** |
#
# 也就是说，GTX 10 系列（Pascal）、Titan V 或 V100（Volta）**只能用 cu126**：PyPI 的默认版本和 cu128 在这些卡上都会报 “no kernel image”。Blackwell 显卡（RTX 50 系列、B200）要用 cu128 或 cu130。从 Turing 到 Hopper 的显卡三个版本都能用，这时就看驱动了。
#
# **怎样查看 GPU 的计算能力。** 在终端里运行：
#
# ```bash
# nvidia-smi --query-gpu=name,compute_cap --format=csv
# ```
#
# 每块 GPU 输出一行，比如 `NVIDIA GeForce GTX 1080, 6.1`。在 Python 里，`torch.cuda.get_device_capability()` 以元组形式返回同样的信息，比如 `(6, 1)`；`torch.cuda.get_arch_list()` 则列出当前安装的版本带了哪些架构（`sm_75`、`sm_80` ……；`compute_XY` 表示 PTX）。这两个函数都要在 CUDA 可用时才有结果，第 6 节的验证脚本会把它们打印出来。
#
# `doctor` 模块里的 `wheel_for(driver_cuda, capability)` 拿这张表（就是 `doctor.CUDA_BUILDS`）同时检查两个条件，挑出满足条件的最新版本（只给驱动时，它按从 Turing 到 Hopper 的 GPU 来回答，这些 GPU 每个版本都支持）：

# %%
from course_utils.doctor import wheel_for

machines = [
    ("13.0", "9.0", "H100 (Hopper), driver 580"),
    ("12.8", "12.0", "RTX 5090 (Blackwell), driver 570"),
    ("12.2", "8.6", "RTX 3090 (Ampere), driver 535"),
    ("12.2", "6.1", "GTX 1080 (Pascal), driver 535"),
    ("13.0", "7.0", "V100 (Volta), driver 580"),
    ("11.4", "8.6", "RTX 3090, driver 470"),
]
for driver_cuda, capability, gpu in machines:
    print(f"{gpu:34} CUDA {driver_cuda:4}  capability {capability:4} -> {wheel_for(driver_cuda, capability)}")

# %% [markdown]
# 把整张支持表画出来。左图：哪种驱动能运行哪个版本；右图：每个版本为哪一代 GPU 带了内核。绿色表示能用，星号标出应该选的那个。

# %%
import matplotlib.pyplot as plt
import numpy as np

from course_utils.doctor import CUDA_BUILDS, arch_name, driver_runs, kernels_for

builds = ["cpu"] + [build.index for build in reversed(CUDA_BUILDS)]
by_index = {build.index: build for build in CUDA_BUILDS}
drivers = [("470", "11.4"), ("525", "12.0"), ("535", "12.2"), ("550", "12.4"), ("570", "12.8"), ("580", "13.0")]
gpus = ["5.2", "6.1", "7.0", "7.5", "8.6", "8.9", "9.0", "12.0"]

driver_grid = np.array([[name == "cpu" or driver_runs(cuda, by_index[name].cuda) for name in builds] for _, cuda in drivers])
gpu_grid = np.array([[name == "cpu" or kernels_for(by_index[name].archs, cap) == "sm" for name in builds] for cap in gpus])

fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.2))
panels = [
    (left, driver_grid, [f"driver {series} (CUDA {cuda})" for series, cuda in drivers], [wheel_for(cuda) for _, cuda in drivers]),
    (right, gpu_grid, [f"{arch_name(cap)} {cap}" for cap in gpus], [wheel_for("13.0", cap) for cap in gpus]),
]
for ax, grid, labels, picks in panels:
    ax.imshow(grid, cmap="RdYlGn", vmin=-0.3, vmax=1.2, aspect="auto")
    for row, pick in enumerate(picks):
        for col, name in enumerate(builds):
            text = "runs" if grid[row, col] else "no"
            ax.text(col, row, text + (" *" if name == (pick or "cpu") else ""), ha="center", va="center")
    ax.set_xticks(range(len(builds)), builds)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("torch 2.11 wheel")
    ax.grid(False)
left.set_title("NVIDIA driver (any GPU from Turing to Hopper)")
right.set_title("GPU compute capability (a driver from R580 on)")
plt.tight_layout()
plt.show()

# %% [markdown]
# 左图逐行看：有了小版本兼容，R525 及以后的驱动都能运行 cu126 和 cu128，只有 cu130 需要 R580。驱动 470（CUDA 11.4）对所有 CUDA 版本都太旧，只剩 CPU 版可用。右图里，Maxwell、Pascal 和 Volta 只有 cu126 带了内核，Blackwell 只有 cu128 和 cu130 带了。两个条件都要满足时，就选在两张图里都是绿色的最新版本；`doctor()` 正是用它找到的驱动和 GPU 这样挑选的。

# %% [markdown]
# ## 4. 为什么不需要 CUDA Toolkit 和 `nvcc`
#
# 旧教程让你先从 NVIDIA 官网装 CUDA Toolkit，再用 `nvcc --version` 查版本。对于**使用** PyTorch 来说，这一步是多余的：
#
# * PyTorch 的 pip 安装包自带它需要的 CUDA **运行库**（cuBLAS、cuDNN、NCCL 等），作为依赖包一起装好。
# * `nvcc` 是 CUDA 的**编译器**，只有你要自己编译 CUDA 代码（比如从源码编译 PyTorch 或写 C++/CUDA 扩展）时才需要。
# * `nvcc --version` 显示的是 Toolkit 的版本，和 PyTorch 实际使用的 CUDA 运行库没有关系；驱动支持到哪个版本要看 `nvidia-smi`，torch 用的是哪个版本要看 `torch.version.cuda`。
#
# 在这个环境里验证一下。下面列出 torch 在 Linux 上声明的依赖：`cuda-toolkit[...]` 是 NVIDIA 在 PyPI 上的元包（meta-package），方括号里的 extras 只选了运行库（`cudart` 是 CUDA 运行时，`cublas` 是线性代数库……），没有编译器 `nvcc`：

# %%
linux_requirements = [
    requirement.split(";")[0].strip()
    for requirement in importlib.metadata.requires("torch")
    if 'platform_system == "Linux"' in requirement
]
print("\n".join(linux_requirements))

# %%
for package in ["nvidia-cuda-runtime", "nvidia-cublas", "nvidia-cudnn-cu13", "nvidia-cuda-nvcc"]:
    try:
        version = importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        version = "not installed"
    print(f"{package:20} {version}")

# %% [markdown]
# CUDA 运行库和 cuDNN 都作为普通的 pip 包装在虚拟环境里，而 `nvcc` 根本没有装。所以在你自己的电脑上，**只需要 NVIDIA 驱动**。（conda-forge 也是一样：CUDA 运行库作为 conda 包自动装进环境。）

# %% [markdown]
# ## 5. 今天真正能用的安装命令
#
# 下面的命令都在**已激活的虚拟环境**里运行。版本号就是本课程固定的版本（它们写在 `requirements.txt` 里）；在别的项目里，去掉 `==版本号` 就会装最新版。请不要在笔记本里运行安装命令。
#
# **Linux，NVIDIA 驱动为 580 或更新（CUDA 13.0）且 GPU 不早于 Turing，或者没有 GPU：** 直接从 PyPI 安装。这个版本在没有 GPU 的机器上也能用 CPU 运行。
#
# ```bash
# python -m pip install torch==2.11.0 torchvision==0.26.0 torchaudio==2.11.0
# ```
#
# **Linux 或 Windows，驱动在 R525 到 R575 之间（用 cu128），或者显卡是 Maxwell、Pascal、Volta 架构，比如 GTX 10 系列、Titan V、V100（用 cu126，R525 及以后的驱动都行）：** 从 PyTorch 自己的 wheel 索引安装对应的 CUDA 版本（支持表见第 3 节）。
#
# ```bash
# python -m pip install torch==2.11.0 torchvision==0.26.0 torchaudio==2.11.0 --index-url https://download.pytorch.org/whl/cu128
# python -m pip install torch==2.11.0 torchvision==0.26.0 torchaudio==2.11.0 --index-url https://download.pytorch.org/whl/cu126
# ```
#
# **Windows，有 NVIDIA 显卡：** PyPI 上的 Windows 版只有 CPU，所以要指定索引（驱动 580 或更新用 cu130，否则用 cu128；Maxwell、Pascal、Volta 显卡用 cu126，见第 3 节的支持表）：
#
# ```bash
# python -m pip install torch==2.11.0 torchvision==0.26.0 torchaudio==2.11.0 --index-url https://download.pytorch.org/whl/cu130
# ```
#
# **只用 CPU（任何系统）：** 纯 CPU 版的安装包小得多（不带几 GB 的 CUDA 运行库）。
#
# ```bash
# python -m pip install torch==2.11.0 torchvision==0.26.0 torchaudio==2.11.0 --index-url https://download.pytorch.org/whl/cpu
# ```
#
# **macOS（Apple 芯片）：** PyPI 上的版本就支持 Apple GPU（MPS）。
#
# ```bash
# python -m pip install torch==2.11.0 torchvision==0.26.0 torchaudio==2.11.0
# ```
#
# **conda-forge：** conda 检测到 NVIDIA 驱动时会自动选 CUDA 版本；用 `pytorch-gpu` 可以强制要 CUDA 版本。注意 conda-forge 的包由社区另行编译，新版本有时会比 PyPI 晚一些出现。
#
# ```bash
# conda install -c conda-forge pytorch torchvision torchaudio         # 自动选择 CPU 或 CUDA 版本
# conda install -c conda-forge pytorch-gpu torchvision torchaudio     # 一定要 CUDA 版本
# ```
#
# **conda 环境 + pip：** 用 conda 管 Python 和 FFmpeg，用 pip 装固定版本的 PyTorch。本课程的 `environment.yml` 就是这么做的：
#
# ```bash
# conda env create -f environment.yml      # Python 3.11 + FFmpeg (conda-forge)，再用 pip 装 requirements.txt
# conda activate pytorch-course
# ```
#
# ### 不要再用的命令
#
# ```bash
# conda install pytorch torchvision torchaudio pytorch-cuda=11.8 -c pytorch -c nvidia   # 过时
# conda install pytorch torchvision torchaudio cudatoolkit=11.0 -c pytorch              # 过时
# conda install pytorch torchvision torchaudio cpuonly -c pytorch                       # 过时
# curl https://download.pytorch.org/whl/cu110/torch_stable.html | grep ...              # 错误
# ```
#
# * `-c pytorch` 是 PyTorch 官方在 Anaconda 上的频道，**2.5 是它发布的最后一个版本**；用它只能装到旧版本。`pytorch-cuda=`、`cudatoolkit=`、`cpuonly` 都是这个旧频道用来选 CUDA / CPU 版本的包，在 conda-forge 上没有意义（conda-forge 用 `pytorch-gpu` / `pytorch-cpu`，或者自动检测）。
# * `torch_stable.html` 这条命令是错的：那个页面只是一长串安装包文件的链接，原本给 pip 的 `-f` 选项用，而且 PyTorch 在 2.4 前后就停止更新它了，上面根本找不到 torch 2.11；命令里的 `grep` 找的又是包含 `xla` 或 `rocm` 的表格行，和 CUDA 11.0 毫无关系，什么有用的信息也得不到。要选版本，请用[官网的安装选择器](https://pytorch.org/get-started/locally/)（旧版本见 [Previous Versions](https://pytorch.org/get-started/previous-versions/) 页面），它给出的就是上面这种带 `--index-url` 的命令。torch 2.11 的索引地址是：
#   * https://download.pytorch.org/whl/cpu
#   * https://download.pytorch.org/whl/cu126
#   * https://download.pytorch.org/whl/cu128
#   * https://download.pytorch.org/whl/cu130
#
# ### 下载太慢：换用 PyPI 镜像
#
# CUDA 版的 torch 连同它的 CUDA 运行库有好几 GB。如果从 PyPI 下载很慢，可以让 pip 改用离你近的 PyPI 镜像（很多学校、公司和地区都提供）。pip 会读取环境变量 `PIP_INDEX_URL`（代替 PyPI 的索引地址）和 `PIP_EXTRA_INDEX_URL`（在 PyPI 之外再加一个索引）；课程的 `make lab` 和 `make test` 不会覆盖它们：
#
# ```bash
# export PIP_INDEX_URL=https://mirror.example.org/pypi/simple   # 换成你选用的镜像地址
# python -m pip install torch==2.11.0 torchvision==0.26.0 torchaudio==2.11.0
# make lab                                                        # 课程环境也走这个镜像
# ```
#
# * 想一直使用，就写进 pip 的配置：`python -m pip config set global.index-url https://mirror.example.org/pypi/simple`；在 Windows PowerShell 里临时设置：`$env:PIP_INDEX_URL = "https://mirror.example.org/pypi/simple"`。
# * 镜像只是 PyPI 的副本：版本号一样，装上的文件也一样。
# * 命令行里的 `--index-url`（比如上面的 cu126 / cu128 / cpu 索引）优先于 `PIP_INDEX_URL`：这时整条命令都从 PyTorch 自己的索引下载，不经过你的镜像。
# * 整个教室都没有网络时，见 README 的“教室里离线安装”：先在一台能上网的电脑上用 `make wheelhouse` 把所有安装包下载到一个文件夹，再用 `make lab WHEELHOUSE=...` 从这个文件夹安装，不需要网络。

# %% [markdown]
# ## 6. 验证安装：改进后的验证脚本
#
# 旧教程的验证脚本是个好主意：打印版本、造一个随机张量、检查 CUDA。我们做几处改进：
#
# * 先设定随机种子，让 `torch.rand(5, 3)` 每次输出都一样（可以和课本对照）；
# * 把 `torch.version.cuda` 叫作 **"Built for CUDA"**：它是 torch 编译时的 CUDA 版本，既不是驱动版本，也不是 Toolkit 版本；
# * 有 GPU 时不只问“可用吗”，还真的在 GPU 上算一次，并和 CPU 的结果对比；
# * 有 GPU 时，打印它的计算能力和当前版本带了哪些架构（见第 3 节）；
# * 顺便检查 Apple GPU（MPS）。
#
# 在没有 GPU 的机器上（比如本课程的测试机），`CUDA available` 是 `False`，这完全正常：本课程的每个笔记本都能在 CPU 上运行。

# %%
print(f"Python 3.10 or newer: {sys.version_info >= (3, 10)}")
print(f"PyTorch version:      {torch.__version__}")
print(f"Built for CUDA:       {torch.version.cuda}")  # CPU-only builds print None

torch.manual_seed(0)
x = torch.rand(5, 3)
print(x)

cuda_ok = torch.cuda.is_available()
print(f"CUDA available:       {cuda_ok}")
if cuda_ok:
    print(f"GPU count:            {torch.cuda.device_count()}")
    print(f"GPU name:             {torch.cuda.get_device_name(0)}")
    print(f"Compute capability:   {torch.cuda.get_device_capability(0)}")
    print(f"Build's GPU archs:    {torch.cuda.get_arch_list()}")
    # 真的在 GPU 上算一次，再和 CPU 的结果比较
    y = (x.to("cuda") * 2).cpu()
    print(f"GPU result matches CPU: {torch.allclose(y, x * 2)}")
print(f"Apple MPS available:  {torch.backends.mps.is_available()}")

# %% [markdown]
# ## 7. `doctor()`：一次检查全部，并告诉你怎么修
#
# 验证脚本只告诉你“是什么”，遇到问题时你还得自己判断原因。`course_utils.doctor()` 把验证脚本做成了一份**体检报告**：Python 和各个包的版本（与 `requirements.txt` 的固定版本比较）、能否创建张量、CUDA（torch 编译时的版本与驱动支持的版本对比）、MPS、TorchCodec 能否加载 FFmpeg、笔记本是否运行在正确的内核上。每个问题都附带**修复方法**，问题排在最后，便于查看。
#
# 在终端里也能运行：`make doctor` 或 `python -m course_utils doctor`（发现错误时退出码为 1）。
#
# 下面是**这台机器**的报告。报告里有 Python 的路径，GPU 的情况也因机器而异，所以这个单元格的输出不参与比对；你看到的结果会和课本里保存的不同。

# %%
# NBVAL_IGNORE_OUTPUT
# 报告取决于这台机器（Python 路径、有没有 GPU、驱动、FFmpeg），所以输出不参与比对。
from course_utils import doctor

doctor()

# %% [markdown]
# ## 8. 在“别人的机器”上看 `doctor()`
#
# `doctor()` 分三步工作：`gather_facts()` 收集这台机器的事实，得到一个 `Facts` 记录；`diagnose(facts)` 把事实变成发现（每个问题附带修复方法）；`format_report` 把它们排成报告。因为事实只是一个数据记录，我们可以**手写**一份，模拟别的机器。下面四台机器都是虚构的，所以它们的报告在任何电脑上都一样。
#
# 四台机器装的都是本课程固定的版本：

# %%
from course_utils.doctor import Facts, diagnose, read_pins

pins = read_pins()  # the versions in requirements.txt
course_versions = {"torch": "2.11.0", "torchvision": "0.26.0", "torchaudio": "2.11.0", "torchcodec": "0.11.1"}
print({name: pins[name] for name in course_versions})

# %% [markdown]
# **机器 A：一台笔记本电脑，驱动是 570 系列（最高支持 CUDA 12.8）。** 用户直接 `pip install` 了 PyPI 上的默认版本（CUDA 13.0）。`torch.cuda.is_available()` 返回 `False`：

# %%
laptop = Facts(
    python_version="3.12.3",
    executable="/home/student/pytorch-course/.venv/bin/python",
    os_name="linux",
    versions=dict(course_versions),
    pins=pins,
    torch_cuda="13.0",
    cuda_available=False,
    driver_version="570.133.20",
    driver_cuda="12.8",
    ffmpeg_path="/usr/bin/ffmpeg",
    in_jupyter=True,
)
doctor(facts=laptop)

# %% [markdown]
# 报告准确地指出了原因（驱动支持到 12.8，torch 是为 13.0 编译的），并给出两种修法：更新驱动，或者装 cu128 版本。
#
# **机器 B：一台工作站，RTX 4090 显卡，580 系列驱动（CUDA 13.0）。** 一切正常：

# %%
workstation = Facts(
    python_version="3.12.3",
    executable="/home/student/pytorch-course/.venv/bin/python",
    os_name="linux",
    versions=dict(course_versions),
    pins=pins,
    torch_cuda="13.0",
    cuda_available=True,
    gpu_names=["NVIDIA GeForce RTX 4090"],
    driver_version="580.95.05",
    driver_cuda="13.0",
    ffmpeg_path="/usr/bin/ffmpeg",
    in_jupyter=True,
)
doctor(facts=workstation)

# %% [markdown]
# **机器 C：一台没有 GPU 的云服务器，也没有装 FFmpeg。** 没有 GPU 只是一条提示（ℹ️），不算问题；但 TorchCodec 加载不了 FFmpeg，第 12 章读写音频时就会失败，所以这是一个错误：

# %%
cloud_vm = Facts(
    python_version="3.11.9",
    executable="/srv/pytorch-course/.venv/bin/python",
    os_name="linux",
    versions=dict(course_versions),
    pins=pins,
    torch_cuda="13.0",
    cuda_available=False,
    driver_version=None,
    ffmpeg_path=None,
    torchcodec_error="RuntimeError: Could not load libtorchcodec. Likely causes:",
    in_jupyter=True,
)
doctor(facts=cloud_vm)

# %% [markdown]
# **机器 D：一台旧台式机，显卡是 GTX 1080（Pascal，计算能力 6.1），驱动是 535 系列（CUDA 12.2）。** 用户先装了默认版本（CUDA 13.0），又换成 cu128，都不行。装 cu128 时，`torch.cuda.is_available()` 返回 `True`（535 驱动能运行所有 CUDA 12 版本），但第一次在 GPU 上创建张量就失败了：

# %%
pascal_desktop = Facts(
    python_version="3.11.9",
    executable="/home/student/pytorch-course/.venv/bin/python",
    os_name="linux",
    versions={**course_versions, "torch": "2.11.0+cu128"},
    pins=pins,
    torch_cuda="12.8",
    cuda_available=True,
    gpu_names=["NVIDIA GeForce GTX 1080"],
    gpu_capabilities=["6.1"],
    torch_archs=["sm_75", "sm_80", "sm_86", "sm_90", "sm_100", "sm_120"],
    driver_version="535.183.01",
    driver_cuda="12.2",
    tensor_error="AcceleratorError: CUDA error: no kernel image is available for execution on the device",
    ffmpeg_path="/usr/bin/ffmpeg",
    in_jupyter=True,
)
doctor(facts=pascal_desktop)

# %% [markdown]
# 问题不在驱动，而在 GPU 的架构：只有 cu126 带了 Pascal 的内核。修复命令里的版本号带上了本地版本标签（`+cu126`），因为已经装好的另一个版本的 `torch 2.11.0` 本来就满足 `torch==2.11.0`，pip 会保留它，什么也不换。

# %% [markdown]
# 把四台机器放在一起比较。`diagnose()` 返回的每条发现都有一个级别（ok、info、warn、error），数一数：

# %%
machines = {
    "A: laptop, driver 570": laptop,
    "B: workstation, RTX 4090": workstation,
    "C: cloud VM, no FFmpeg": cloud_vm,
    "D: GTX 1080, cu128 build": pascal_desktop,
}
print(f"{'machine':26} {'ok':>3} {'info':>5} {'warn':>5} {'error':>6}  GPU usable")
for name, facts in machines.items():
    levels = [finding.level for finding in diagnose(facts)]
    counts = [levels.count(level) for level in ("ok", "info", "warn", "error")]
    usable = facts.cuda_available and facts.tensor_error is None
    print(f"{name:26} {counts[0]:3} {counts[1]:5} {counts[2]:5} {counts[3]:6}  {usable}")

# %% [markdown]
# 机器 A 到 C 的 Python 包完全相同，D 也只是同一个 torch 2.11.0 换了个版本，其余差别全在 Python 以外：驱动、GPU、FFmpeg。这正是“pip install 成功了”不等于“环境能用”的原因，也是每次换机器都值得跑一次 `doctor()` 的原因。

# %% [markdown]
# ## 9. 选对 Jupyter 内核
#
# 笔记本的代码由**内核**运行，内核背后是某一个 Python 环境。装好了环境，却在 JupyterLab 里用了别的内核（比如默认的 "Python 3"），笔记本看到的就是另一套包。
#
# * `make lab` 会创建课程的虚拟环境 `.venv`，并在里面注册一个名为 **"PyTorch course"** 的内核（内部名字是 `pytorch-course`），然后启动 JupyterLab。
# * 打开笔记本时，右上角应显示 *PyTorch course*。如果不是，点击它，或者用菜单 *Kernel → Change Kernel…*，选择 *PyTorch course*。
#
# 用错内核时，`doctor()` 会这样报告（又一台模拟机器：系统自带的 Python，装着旧的 torch 2.5.1）：

# %%
wrong_kernel = Facts(
    python_version="3.12.3",
    executable="/usr/bin/python3",
    os_name="linux",
    versions={"torch": "2.5.1", "torchvision": "0.20.1", "torchaudio": "2.5.1", "torchcodec": None},
    pins=pins,
    torch_cuda="12.4",
    ffmpeg_path="/usr/bin/ffmpeg",
    in_jupyter=True,
)
doctor(facts=wrong_kernel)

# %% [markdown]
# ## 10. Windows 和没有 `make` 的情况
#
# `make` 在 Linux 和 macOS 上通常都有，Windows 上一般没有。不用 `make` 也可以一步步手动完成 `make lab` 做的事。**在 Windows 上推荐用 conda**，因为 `environment.yml` 会顺便装好 FFmpeg（第 12 章的音频读写需要它）：
#
# ```bash
# conda env create -f environment.yml
# conda activate pytorch-course
# python -m ipykernel install --user --name pytorch-course --display-name "PyTorch course"
# jupyter lab
# ```
#
# 只用 venv 和 pip（Windows 的 cmd；Linux / macOS 上把第二行换成 `source .venv/bin/activate`）：
#
# ```bash
# python -m venv .venv
# .venv\Scripts\activate
# python -m pip install -r requirements.txt -e .
# python -m ipykernel install --user --name pytorch-course --display-name "PyTorch course"
# jupyter lab
# ```
#
# Windows 上 `requirements.txt` 装的是 PyPI 上的纯 CPU 版 torch。想用 NVIDIA 显卡，就在装 `requirements.txt` **之前**，先按第 5 节从 cu130 / cu128 / cu126 索引装好 torch、torchvision、torchaudio（版本号相同，pip 会认为已经满足要求）。装完后运行 `python -m course_utils doctor` 检查一遍。

# %% [markdown]
# ## 小结
#
# * 先做三个选择：操作系统、pip 或 conda、CPU 或 GPU；无论如何都装进**虚拟环境**，Python 要 **3.10 或更新**。
# * `nvidia-smi` 的 `CUDA Version` 是**驱动最高支持**的 CUDA 版本；`torch.version.cuda` 是 torch **编译时**的 CUDA 版本。在同一个 CUDA 大版本之内，驱动可以旧一些（小版本兼容）：CUDA 12.x 版本在 R525 及以后的驱动上都能运行，CUDA 13.x 版本需要 R580。
# * GPU 的**计算能力**（`nvidia-smi --query-gpu=name,compute_cap --format=csv`）必须在该版本支持的架构之列：Maxwell、Pascal、Volta 要用 cu126，Blackwell 要用 cu128 或 cu130。
# * pip 安装包自带 CUDA 运行库：只需要 NVIDIA 驱动，不需要 CUDA Toolkit 和 `nvcc`。Linux 上 PyPI 的 torch 2.11.0 是 CUDA 13.0 版，需要 580 或更新的驱动和不早于 Turing 的 GPU；否则从 `https://download.pytorch.org/whl/cu128` 安装，较老的 GPU 用 cu126。
# * conda 用户请用 conda-forge（`pytorch`、`pytorch-gpu`），或在 conda 环境里用 pip；`-c pytorch`、`pytorch-cuda=`、`cudatoolkit=`、`cpuonly` 都已过时。
# * 装好以后运行验证脚本，再运行 `doctor()`：它会指出问题并告诉你怎么修。
#
# 接下来做本章的练习（`exercises/zh/02_installation.ipynb`）：从 `nvidia-smi` 读出 CUDA 版本、为驱动选安装包、把验证脚本写成函数、把旧的 conda 命令改成现在的写法。

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **接下来：** [本章练习：02_installation](../../exercises/zh/02_installation.ipynb) · [下一章：03_tensors](03_tensors.ipynb)
