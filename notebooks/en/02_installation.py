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
# # 02 · Installing PyTorch
#
# This chapter answers three questions: **what to install** (operating system, pip or conda, CPU or GPU), **how to install it** (commands that work today), and **whether it worked** (a verification script and `doctor()`).
#
# Many installation guides online, including the Chinese textbook this course grew from, were written years ago, and several of their steps are now outdated or simply wrong. This chapter points each one out:
#
# | What older guides say | What is true today (torch 2.11) |
# | --- | --- |
# | Python 3.6+ / 3.8 / 3.9 | torch 2.11 needs **Python 3.10 or newer** and has wheels for 3.10–3.13. The course's CPU tests run on Python 3.11 and its GPU tests on 3.12; the other versions are not tested here |
# | `conda install pytorch ... -c pytorch` | the `-c pytorch` channel **got no releases after 2.5**: use **conda-forge**, or pip inside a conda environment |
# | `pytorch-cuda=11.8`, `cudatoolkit=11.0`, `cpuonly` | pins for that old channel, **now obsolete** |
# | install the CUDA Toolkit, then check `nvcc --version` | pip wheels **bundle** the CUDA runtime libraries: you need only the **NVIDIA driver**, no CUDA Toolkit and no `nvcc` |
# | find versions with `curl … torch_stable.html \| grep …` | that command is wrong: use the **install selector** on the PyTorch site and PyTorch's wheel index URLs |
#
# Nothing in this notebook installs anything (install commands appear as text only). The code that runs inspects **the environment you are in now**.

# %%
from course_utils import setup_notebook

setup_notebook()

# %% [markdown]
# ## 1. Three choices: operating system, pip or conda, CPU or GPU
#
# The [Get Started page on the PyTorch site](https://pytorch.org/get-started/locally/) has an **install selector**: pick your OS, package manager and compute platform, and it prints the matching command. First, what the choices mean:
#
# **Operating system.** Linux, Windows and macOS are all supported, but the accelerators differ:
#
# | OS | GPU acceleration | Notes |
# | --- | --- | --- |
# | Linux | NVIDIA (CUDA), AMD (ROCm) | PyPI's Linux torch is the CUDA build; it also runs on the CPU of a machine without a GPU |
# | Windows | NVIDIA (CUDA) | PyPI's Windows torch is **CPU-only**; for the GPU, install from PyTorch's own wheel index |
# | macOS | Apple silicon GPU (MPS) | since 2.3, wheels exist only for Apple silicon (arm64); no CUDA |
#
# **pip or conda.** Both work. What matters is installing **into a virtual environment of its own** (next section).
# * **pip** is Python's own package manager. PyTorch's pip packages (wheels) carry the CUDA libraries they need, so pip is a perfectly good choice for the GPU too.
# * **conda** also manages the Python interpreter itself and non-Python dependencies (such as FFmpeg, which the audio chapter needs). To install PyTorch with conda today, use the **conda-forge** channel, or create the environment with conda and install PyTorch into it with pip.
#
# **CPU or GPU.** Every computer can run all of this course on its CPU. With an NVIDIA card, a GPU makes training much faster, and then the only thing you install yourself is the **NVIDIA driver**.
#
# Whatever you pick, Python must be recent enough. This cell reads the Python requirement from the metadata of the installed torch:

# %%
import importlib.metadata
import sys

print("torch requires Python", importlib.metadata.metadata("torch")["Requires-Python"])
print("This Python is 3.10 or newer:", sys.version_info >= (3, 10))

# %% [markdown]
# The "Python 3.6+", `python=3.8` and `python=3.9` of older guides are all too old for torch 2.11: on those versions pip finds no torch 2.11 wheel at all.

# %% [markdown]
# ## 2. Virtual environments: why and how
#
# A virtual environment is a **separate Python environment** with its own interpreter entry point and its own set of packages. Why use one?
#
# * **No conflicts**: project A needs torch 2.11 while project B is stuck on torch 2.5; each gets its own.
# * **The system Python stays untouched**: on Linux and macOS the system's Python belongs to the operating system, and installing into it can break system tools (many recent Linux distributions refuse a plain `pip install` into it).
# * **Easy to start over**: if an environment gets messy, delete its folder and build it again.
#
# **With Python's built-in `venv`** (this is what the course's `make lab` does; the environment lives in `.venv/`):
#
# ```bash
# python3 -m venv .venv              # create it (on Windows: python or py)
# source .venv/bin/activate          # activate: Linux / macOS
# .venv\Scripts\activate             # activate: Windows Command Prompt (cmd)
# .venv\Scripts\Activate.ps1         # activate: Windows PowerShell
# python -m pip install --upgrade pip
# deactivate                         # leave the environment
# ```
#
# **With conda** (we suggest [Miniforge](https://conda-forge.org/download/), whose default channel is conda-forge):
#
# ```bash
# conda create -n pytorch-course python=3.11    # create it, choosing the Python version
# conda activate pytorch-course                 # activate
# conda deactivate                              # leave
# ```
#
# A tip: write `python -m pip install ...` rather than `pip install ...`. That way you are sure to use the pip of **this** Python, not another one that happens to come first on your PATH.
#
# The cell below shows where this notebook's Python comes from. `sys.prefix` is the environment in use and `sys.base_prefix` the "base" Python it was created from; when they differ, you are in a venv. (A conda environment is not a venv, so there this line says False, which is fine.)

# %%
# NBVAL_IGNORE_OUTPUT
# The paths depend on where the course lives and how the environment was made, so this output is not compared.
import os

print("Python executable:", sys.executable)
print("Inside a venv:    ", sys.prefix != sys.base_prefix)
print("Conda environment:", os.environ.get("CONDA_DEFAULT_ENV"))

# %% [markdown]
# ## 3. Reading `nvidia-smi`
#
# With an NVIDIA card and its driver installed, run `nvidia-smi` in a terminal (cmd or PowerShell on Windows) and you get a screen like the one below.
#
# The course's automated tests run on machines without a GPU, so what this cell prints is **stored sample text** (`course_utils.samples.NVIDIA_SMI_SAMPLE`, from a server with one H100 and a driver of the 580 series), not live output from your machine.

# %%
from course_utils.samples import NVIDIA_SMI_SAMPLE, NVIDIA_SMI_SEED

print(NVIDIA_SMI_SAMPLE)

# %% [markdown]
# Field by field:
#
# | Field | Sample value | Meaning |
# | --- | --- | --- |
# | `NVIDIA-SMI` | 580.159.04 | the version of the nvidia-smi tool itself; it ships with the driver, so it matches the driver version |
# | `Driver Version` | 580.159.04 | the installed NVIDIA **driver** |
# | `CUDA Version` | 13.0 | the **newest** CUDA version this driver supports (see below: **not** an installed CUDA Toolkit) |
# | `GPU` | 0 | nvidia-smi's index for the card. On multi-GPU machines CUDA may number the cards differently unless `CUDA_DEVICE_ORDER=PCI_BUS_ID` is set |
# | `Name` | NVIDIA H100 80GB HBM3 | the card's model |
# | `Persistence-M` | On | persistence mode: the driver stays loaded even when no program uses the GPU (Linux), so programs start faster |
# | `Bus-Id` | 00000000:00:07.0 | the card's address on the PCI bus |
# | `Disp.A` | Off | Display Active: whether the card drives a display |
# | `Volatile Uncorr. ECC` | 0 | uncorrectable memory (ECC) errors since the driver was loaded; N/A on cards without ECC (most gaming cards) |
# | `Fan` | N/A | fan speed in percent; data-centre cards are cooled by the server and have no fan of their own, hence N/A |
# | `Temp` | 31C | GPU temperature |
# | `Perf` | P0 | performance state, from P0 (maximum performance) to P12 (lowest power) |
# | `Pwr:Usage/Cap` | 70W / 700W | power draw / power limit |
# | `Memory-Usage` | 0MiB / 81559MiB | GPU memory used / total |
# | `GPU-Util` | 0% | the share of the last sample period during which a kernel was running on the GPU. It does not say how much of the GPU's compute is in use |
# | `Compute M.` | Default | compute mode: Default lets several processes share the card |
# | `MIG M.` | Disabled | Multi-Instance GPU mode: cards such as the A100/H100 can be split into several isolated smaller GPUs |
# | `Processes` | No running processes found | the processes using the GPU and their memory |
#
# ### The most misread field: "CUDA Version"
#
# `CUDA Version: 13.0` in the top right means: **this driver can run programs built for CUDA up to 13.0**. It is the driver's upper limit. It does not mean a CUDA 13.0 Toolkit is installed, nor that you should install one: you can use the GPU build of PyTorch without any CUDA Toolkit at all.
#
# `course_utils.doctor.parse_nvidia_smi` reads the driver and CUDA versions from the header of that screen. Try it on the sample and on the older screen from the seed text (driver 515, CUDA 11.7):

# %%
from course_utils.doctor import parse_nvidia_smi

for label, screen in [("lesson sample", NVIDIA_SMI_SAMPLE), ("seed text", NVIDIA_SMI_SEED)]:
    driver, driver_cuda = parse_nvidia_smi(screen)
    print(f"{label:13}  driver {driver:10}  supports CUDA up to {driver_cuda}")

# %% [markdown]
# On the other side is **the CUDA version torch was built for**: `torch.version.cuda`. On Linux, PyPI's torch 2.11.0 is built for CUDA 13.0, and it is what this notebook runs on:

# %%
import torch

print("torch version:     ", torch.__version__)
print("torch.version.cuda:", torch.version.cuda)

# %% [markdown]
# Two conditions decide whether a CUDA build of torch runs on your machine: **the driver** must be new enough for the build's CUDA, and **the GPU** must be one the build has kernels for.
#
# **The driver: minor-version compatibility.** Since CUDA 11, NVIDIA guarantees that a program built with any CUDA release of one major version runs on every driver of that major version, from a minimum branch on. So the driver's `CUDA Version` does not have to reach the build's minor version:
#
# * a **CUDA 12.x** build (cu126, cu128) runs on any driver from the **R525** branch on (525.60.13 or newer on Linux): `nvidia-smi` shows `CUDA Version: 12.0` or higher;
# * a **CUDA 13.x** build (cu130, PyPI's default) needs the **R580** branch or newer (580.65.06 or newer on Linux): `CUDA Version: 13.0` or higher. On an older driver, for example the 570 series (CUDA 12.8), it reports *"The NVIDIA driver on your system is too old"* and `torch.cuda.is_available()` returns `False`.
#
# One caveat: **PTX**. Besides machine code for each GPU architecture (`sm_XY`), a build can carry PTX (`compute_XY`), an intermediate code that the driver compiles when the program loads, which is how a build can run on GPUs newer than itself. That compilation needs a driver at least as new as the CUDA that produced the PTX, and minor-version compatibility does not cover it. torch 2.11's wheels ship machine code for every architecture in the table below, so this matters only for a GPU that a build reaches through PTX alone.
#
# **The GPU: its architecture.** Each NVIDIA GPU has a **compute capability** X.Y that names its architecture (6.1 is Pascal, 8.6 Ampere, 12.0 Blackwell). A build contains kernels only for the architectures it was compiled for; machine code for X.Y also runs on X.Z with Z ≥ Y (the same major version). On a GPU that the build does not cover, `torch.cuda.is_available()` still says `True`, but the first computation fails with *"no kernel image is available for execution on the device"*, and reinstalling the same build does not help.
#
# torch 2.11 comes in three CUDA builds (plus the CPU-only build, cpu). Its support matrix:
#
# | Build | Built for CUDA | Minimum driver (Linux) | `CUDA Version` in `nvidia-smi` | GPU architectures (compute capability) |
# | --- | --- | --- | --- | --- |
# | cu130 (PyPI's default on Linux) | 13.0 | R580: 580.65.06 | 13.0 or higher | Turing 7.5, Ampere 8.0/8.6 (and Ada 8.9), Hopper 9.0, Blackwell 10.0/12.0 |
# | cu128 | 12.8 | R525: 525.60.13 | 12.0 or higher | the same as cu130 |
# | cu126 | 12.6 | R525: 525.60.13 | 12.0 or higher | Maxwell 5.0, Pascal 6.0, Volta 7.0, Turing 7.5, Ampere 8.0/8.6 (and Ada 8.9), Hopper 9.0; **no Blackwell** |
#
# So a GTX 10xx (Pascal), a Titan V or a V100 (Volta) runs **only the cu126 build**: PyPI's default and cu128 fail there with "no kernel image". A Blackwell card (RTX 50xx, B200) needs cu128 or cu130. Everything from Turing to Hopper runs all three, and then the driver decides.
#
# **Reading your GPU's compute capability.** In a terminal:
#
# ```bash
# nvidia-smi --query-gpu=name,compute_cap --format=csv
# ```
#
# prints one line per GPU, such as `NVIDIA GeForce GTX 1080, 6.1`. In Python, `torch.cuda.get_device_capability()` returns the same as a tuple, `(6, 1)`, and `torch.cuda.get_arch_list()` lists the architectures the installed build carries (`sm_75`, `sm_80`, ...; a `compute_XY` entry is PTX). Both need a working CUDA; the verification script in section 6 prints them.
#
# `wheel_for(driver_cuda, capability)` in the `doctor` module applies both conditions to the table (which lives in `doctor.CUDA_BUILDS`) and picks the newest build that fits (given the driver alone, it answers for a GPU from Turing to Hopper, which every build covers):

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
# The whole matrix as a picture. Left: which driver runs which build; right: which GPU generation each build has kernels for. Green means it runs, and a star marks the build to pick.

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
# Read the left panel row by row: thanks to minor-version compatibility, every driver from R525 on runs cu126 and cu128, and only cu130 needs R580. The 470 driver (CUDA 11.4) is too old for every CUDA build and leaves only the CPU build. In the right panel, Maxwell, Pascal and Volta have kernels only in cu126, and Blackwell only in cu128 and cu130. When both conditions apply, take the newest build that is green in both panels; `doctor()` does exactly that with the driver and the GPUs it finds.

# %% [markdown]
# ## 4. Why you need neither the CUDA Toolkit nor `nvcc`
#
# Older guides have you install the CUDA Toolkit from NVIDIA's site and then check `nvcc --version`. For **using** PyTorch that step is unnecessary:
#
# * PyTorch's pip wheels bring the CUDA **runtime libraries** they need (cuBLAS, cuDNN, NCCL and others) as dependencies.
# * `nvcc` is CUDA's **compiler**. You need it only to compile CUDA code yourself (building PyTorch from source, or writing C++/CUDA extensions).
# * `nvcc --version` reports the Toolkit's version, which has nothing to do with the CUDA runtime PyTorch actually uses. What the driver supports is in `nvidia-smi`; what torch uses is in `torch.version.cuda`.
#
# Let us check in this environment. Below are the dependencies torch declares on Linux. `cuda-toolkit[...]` is NVIDIA's meta-package on PyPI, and the extras in brackets select runtime libraries only (`cudart` is the CUDA runtime, `cublas` the linear-algebra library, ...), not the `nvcc` compiler:

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
# The CUDA runtime and cuDNN are ordinary pip packages inside the virtual environment, and `nvcc` is not installed at all. On your own computer, then, **the NVIDIA driver is all you need**. (conda-forge works the same way: the CUDA runtime libraries come into the environment as conda packages.)

# %% [markdown]
# ## 5. Install commands that work today
#
# Run these in an **activated virtual environment**. The versions are the course's pins (they live in `requirements.txt`); in other projects, drop the `==version` parts to get the latest release. Do not run install commands inside a notebook.
#
# **Linux with an NVIDIA driver of the 580 series or newer (CUDA 13.0) and a GPU from Turing on, or without a GPU:** install from PyPI. This build also runs on the CPU of a machine without a GPU.
#
# ```bash
# python -m pip install torch==2.11.0 torchvision==0.26.0 torchaudio==2.11.0
# ```
#
# **Linux or Windows with a driver from R525 to R575 (cu128), or a Maxwell, Pascal or Volta GPU such as a GTX 10xx, Titan V or V100 (cu126, with any driver from R525 on):** install the matching CUDA build from PyTorch's own wheel index (section 3 has the support matrix).
#
# ```bash
# python -m pip install torch==2.11.0 torchvision==0.26.0 torchaudio==2.11.0 --index-url https://download.pytorch.org/whl/cu128
# python -m pip install torch==2.11.0 torchvision==0.26.0 torchaudio==2.11.0 --index-url https://download.pytorch.org/whl/cu126
# ```
#
# **Windows with an NVIDIA card:** PyPI's Windows wheels are CPU-only, so name an index (cu130 for a 580-or-newer driver, otherwise cu128, and cu126 for Maxwell, Pascal and Volta; see the support matrix in section 3):
#
# ```bash
# python -m pip install torch==2.11.0 torchvision==0.26.0 torchaudio==2.11.0 --index-url https://download.pytorch.org/whl/cu130
# ```
#
# **CPU only (any OS):** the CPU-only wheels are much smaller (no gigabytes of CUDA libraries).
#
# ```bash
# python -m pip install torch==2.11.0 torchvision==0.26.0 torchaudio==2.11.0 --index-url https://download.pytorch.org/whl/cpu
# ```
#
# **macOS (Apple silicon):** the PyPI wheels support the Apple GPU (MPS).
#
# ```bash
# python -m pip install torch==2.11.0 torchvision==0.26.0 torchaudio==2.11.0
# ```
#
# **conda-forge:** conda picks the CUDA build by itself when it detects an NVIDIA driver; `pytorch-gpu` insists on the CUDA build. conda-forge's packages are built separately by its community, so a new release can appear there some time after PyPI.
#
# ```bash
# conda install -c conda-forge pytorch torchvision torchaudio         # CPU or CUDA build, chosen for you
# conda install -c conda-forge pytorch-gpu torchvision torchaudio     # the CUDA build, always
# ```
#
# **A conda environment plus pip:** conda for Python and FFmpeg, pip for the pinned PyTorch. The course's `environment.yml` does exactly that:
#
# ```bash
# conda env create -f environment.yml      # Python 3.11 + FFmpeg from conda-forge, then pip installs requirements.txt
# conda activate pytorch-course
# ```
#
# ### Commands to stop using
#
# ```bash
# conda install pytorch torchvision torchaudio pytorch-cuda=11.8 -c pytorch -c nvidia   # obsolete
# conda install pytorch torchvision torchaudio cudatoolkit=11.0 -c pytorch              # obsolete
# conda install pytorch torchvision torchaudio cpuonly -c pytorch                       # obsolete
# curl https://download.pytorch.org/whl/cu110/torch_stable.html | grep ...              # wrong
# ```
#
# * `-c pytorch` is PyTorch's official channel on Anaconda, and **2.5 was the last release published there**; it can only give you old versions. `pytorch-cuda=`, `cudatoolkit=` and `cpuonly` are the packages that old channel used to choose a CUDA or CPU build; they mean nothing on conda-forge (which has `pytorch-gpu` / `pytorch-cpu`, or detects the driver).
# * The `torch_stable.html` command is wrong: that page is just a long list of links to wheel files, meant for pip's `-f` option; PyTorch stopped updating it around 2.4, so torch 2.11 is not even on it; and the `grep` looks for table rows mentioning `xla` or `rocm`, which have nothing to do with CUDA 11.0, so it tells you nothing useful. To choose a version, use the [install selector](https://pytorch.org/get-started/locally/) (older releases are on the [Previous Versions](https://pytorch.org/get-started/previous-versions/) page); it gives commands with `--index-url` like the ones above. For torch 2.11 the index URLs are:
#   * https://download.pytorch.org/whl/cpu
#   * https://download.pytorch.org/whl/cu126
#   * https://download.pytorch.org/whl/cu128
#   * https://download.pytorch.org/whl/cu130
#
# ### Slow downloads: use a PyPI mirror
#
# The CUDA build of torch and its CUDA libraries weigh several GB. If PyPI is slow where you are, point pip at a PyPI mirror near you (many schools, companies and regions run one). pip reads the environment variables `PIP_INDEX_URL` (replaces PyPI's index) and `PIP_EXTRA_INDEX_URL` (adds an index next to PyPI); the course's `make lab` and `make test` leave them alone:
#
# ```bash
# export PIP_INDEX_URL=https://mirror.example.org/pypi/simple   # the mirror you chose
# python -m pip install torch==2.11.0 torchvision==0.26.0 torchaudio==2.11.0
# make lab                                                        # the course environment uses it too
# ```
#
# * To keep it: `python -m pip config set global.index-url https://mirror.example.org/pypi/simple`; for one PowerShell session: `$env:PIP_INDEX_URL = "https://mirror.example.org/pypi/simple"`.
# * A mirror is a copy of PyPI: same versions, same files.
# * An `--index-url` on the command line (the cu126 / cu128 / cpu indexes above) wins over `PIP_INDEX_URL`: that whole command then downloads from PyTorch's own index, not from your mirror.
# * For a classroom with no network at all, see "Offline installs for a classroom" in the README: `make wheelhouse` downloads every package into one folder on a machine that is online, and `make lab WHEELHOUSE=...` installs from that folder with no network.

# %% [markdown]
# ## 6. Verifying the install: the improved script
#
# The verification script of the older guides is a good idea: print the version, make a random tensor, check CUDA. We improve it in a few ways:
#
# * seed first, so that `torch.rand(5, 3)` prints the same numbers every time (and you can compare with this notebook);
# * call `torch.version.cuda` **"Built for CUDA"**: it is the CUDA version torch was compiled for, neither the driver's version nor a Toolkit's;
# * with a GPU, do not just ask whether it is available: compute something on it and compare with the CPU;
# * with a GPU, print its compute capability and the architectures the build carries (section 3);
# * check the Apple GPU (MPS) as well.
#
# On a machine without a GPU (like the course's test machine) `CUDA available` is `False`, and that is perfectly fine: every notebook of the course runs on the CPU.

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
    # really compute on the GPU, then compare with the CPU result
    y = (x.to("cuda") * 2).cpu()
    print(f"GPU result matches CPU: {torch.allclose(y, x * 2)}")
print(f"Apple MPS available:  {torch.backends.mps.is_available()}")

# %% [markdown]
# ## 7. `doctor()`: check everything at once, and learn how to fix it
#
# A verification script tells you *what* is there; when something is wrong you still have to work out why. `course_utils.doctor()` turns the script into a **check-up report**: the versions of Python and of each package (compared with the pins in `requirements.txt`), whether a tensor can be made, CUDA (the version torch was built for against the driver's), MPS, whether TorchCodec can load FFmpeg, and whether the notebook runs on the right kernel. Every problem comes with **its fix**, and problems are listed last so they are easy to spot.
#
# It also runs in a terminal: `make doctor` or `python -m course_utils doctor` (exit status 1 when it finds an error).
#
# Here is the report for **this machine**. It contains the path of Python, and the GPU situation differs from machine to machine, so this cell's output is not compared; what you see will differ from the stored output.

# %%
# NBVAL_IGNORE_OUTPUT
# The report depends on this machine (Python's path, GPU, driver, FFmpeg), so its output is not compared.
from course_utils import doctor

doctor()

# %% [markdown]
# ## 8. `doctor()` on other people's machines
#
# `doctor()` works in three steps: `gather_facts()` collects the facts about this machine into a `Facts` record; `diagnose(facts)` turns them into findings, each problem with its fix; `format_report` lays them out. Since the facts are just a record, we can **write one by hand** to simulate another machine. The four machines below are made up, so their reports are the same on every computer.
#
# All four have the course's pinned versions installed:

# %%
from course_utils.doctor import Facts, diagnose, read_pins

pins = read_pins()  # the versions in requirements.txt
course_versions = {"torch": "2.11.0", "torchvision": "0.26.0", "torchaudio": "2.11.0", "torchcodec": "0.11.1"}
print({name: pins[name] for name in course_versions})

# %% [markdown]
# **Machine A: a laptop with a driver of the 570 series (CUDA up to 12.8).** Its user ran a plain `pip install`, which gave PyPI's default build (CUDA 13.0). `torch.cuda.is_available()` returns `False`:

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
# The report names the cause (the driver supports up to 12.8, torch was built for 13.0) and offers two fixes: update the driver, or install the cu128 build.
#
# **Machine B: a workstation with an RTX 4090 and a driver of the 580 series (CUDA 13.0).** Everything works:

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
# **Machine C: a cloud server without a GPU and without FFmpeg.** Having no GPU is only a note (ℹ️), not a problem; but TorchCodec cannot load FFmpeg, so reading and writing audio in chapter 12 would fail, and that is an error:

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
# **Machine D: an older desktop with a GTX 1080 (Pascal, compute capability 6.1) and a driver of the 535 series (CUDA 12.2).** Its user installed the default build (CUDA 13.0) and then the cu128 build; both fail. With cu128, `torch.cuda.is_available()` is `True` (the 535 driver runs every CUDA 12 build), but the first tensor on the GPU fails:

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
# The driver is not the problem here, the GPU's architecture is: only the cu126 build has Pascal kernels. The fix pins the build's local version label (`+cu126`), because an installed `torch 2.11.0` of another build already satisfies `torch==2.11.0`, and pip would keep it.

# %% [markdown]
# Now compare the four. Every finding that `diagnose()` returns has a level (ok, info, warn or error); let us count them:

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
# Machines A to C have exactly the same Python packages, and D differs only in which build of the same torch 2.11.0 it has; every other difference lies outside Python: the driver, the GPU, FFmpeg. That is why "pip install succeeded" does not mean "the environment works", and why `doctor()` is worth running on every new machine.

# %% [markdown]
# ## 9. Choosing the right Jupyter kernel
#
# A notebook's code is run by a **kernel**, and behind every kernel is one Python environment. If you built the environment but JupyterLab runs the notebook on another kernel (for example the default "Python 3"), the notebook sees a different set of packages.
#
# * `make lab` creates the course's virtual environment `.venv`, registers a kernel called **"PyTorch course"** in it (its internal name is `pytorch-course`), then starts JupyterLab.
# * When you open a notebook, the top right corner should say *PyTorch course*. If it does not, click there, or use *Kernel → Change Kernel…*, and choose *PyTorch course*.
#
# On the wrong kernel, `doctor()` reports it like this (one more simulated machine: the system's Python, with an old torch 2.5.1):

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
# ## 10. Windows, and working without `make`
#
# `make` is usually there on Linux and macOS, and usually not on Windows. You can do what `make lab` does by hand, step by step. **On Windows we suggest conda**, because `environment.yml` also brings FFmpeg (which audio I/O in chapter 12 needs):
#
# ```bash
# conda env create -f environment.yml
# conda activate pytorch-course
# python -m ipykernel install --user --name pytorch-course --display-name "PyTorch course"
# jupyter lab
# ```
#
# With venv and pip only (Windows cmd; on Linux / macOS replace the second line with `source .venv/bin/activate`):
#
# ```bash
# python -m venv .venv
# .venv\Scripts\activate
# python -m pip install -r requirements.txt -e .
# python -m ipykernel install --user --name pytorch-course --display-name "PyTorch course"
# jupyter lab
# ```
#
# On Windows, `requirements.txt` installs PyPI's CPU-only torch. To use an NVIDIA card, first install torch, torchvision and torchaudio from the cu130 / cu128 / cu126 index as in section 5, **before** `requirements.txt` (same version numbers, so pip treats the pins as satisfied). Then run `python -m course_utils doctor` to check.

# %% [markdown]
# ## Summary
#
# * Make three choices: OS, pip or conda, CPU or GPU; whatever you choose, install into a **virtual environment**, on Python **3.10 or newer**.
# * `CUDA Version` in `nvidia-smi` is the **newest CUDA the driver supports**; `torch.version.cuda` is the CUDA **torch was built for**. Within one CUDA major version the driver may be older (minor-version compatibility): CUDA 12.x builds run on any driver from R525 on, CUDA 13.x builds need R580.
# * The GPU's **compute capability** (`nvidia-smi --query-gpu=name,compute_cap --format=csv`) must be among the build's architectures: Maxwell, Pascal and Volta need cu126, Blackwell needs cu128 or cu130.
# * pip wheels bundle the CUDA runtime: you need only the NVIDIA driver, not the CUDA Toolkit or `nvcc`. On Linux, PyPI's torch 2.11.0 is the CUDA 13.0 build and needs a driver of the 580 series or newer and a GPU from Turing on; otherwise install from `https://download.pytorch.org/whl/cu128`, or cu126 for older GPUs.
# * conda users: use conda-forge (`pytorch`, `pytorch-gpu`) or pip inside a conda environment; `-c pytorch`, `pytorch-cuda=`, `cudatoolkit=` and `cpuonly` are obsolete.
# * After installing, run the verification script, then `doctor()`: it names each problem and tells you how to fix it.
#
# Next, the exercises of this chapter (`exercises/en/02_installation.ipynb`): read the CUDA version from `nvidia-smi`, pick the wheel for a driver, turn the verification script into a function, and modernise an old conda command.

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **Next:** [the exercises of this chapter: 02_installation](../../exercises/en/02_installation.ipynb) · [the next chapter: 03_tensors](03_tensors.ipynb)
