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
# # 02 · Exercises: installing PyTorch
#
# Four exercises that turn what chapter 02 taught about installation into code: read the CUDA version from `nvidia-smi`, pick the wheel for a driver, turn the verification script into a function, and modernise an old conda command.
#
# Replace `raise NotImplementedError(...)` in each function with your code, then run the `check(...)` cell below it: `✅` checks passed, `❌` not yet (with a hint), `⏳` not done yet. None of these exercises needs a GPU or installs anything.

# %%
from course_utils import check, setup_notebook

setup_notebook()

# %% [markdown]
# ## 02.1 Read the CUDA version from `nvidia-smi`
#
# Write `driver_cuda_version(smi_text)`. `smi_text` is the whole screen that `nvidia-smi` prints; return the version after `CUDA Version:` in its header, **as a string** (for example `"13.0"`). When the text has no such field (say the machine has no NVIDIA driver and the command failed), return `None`.
#
# Hints: do not return the `Driver Version` by mistake; use a string rather than a float, because `float("12.10")` becomes `12.1`. A regular expression with `re.search` does the job.

# %%
import re


def driver_cuda_version(smi_text):
    """Return the "CUDA Version" from nvidia-smi's header as a string, or None."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("02.1", driver_cuda_version)

# %% [markdown]
# ## 02.2 Pick the wheel for a driver
#
# torch 2.11 comes as four builds: `cpu`, `cu126`, `cu128` and `cu130` (at `https://download.pytorch.org/whl/<name>`). Write `wheel_index(driver_cuda)`:
#
# * `driver_cuda` is the newest CUDA version the driver supports (a string such as `"12.8"`), or `None` when there is no NVIDIA driver: then return `"cpu"`;
# * otherwise return the newest build the driver runs. Remember the rule from section 3: a build for CUDA 12.x runs on **any** driver of the same major version (minor-version compatibility), and a build for CUDA 13.x needs a driver for 13.x. So `"12.4"` → `"cu128"` and `"13.2"` → `"cu130"`;
# * when the driver is older than CUDA 12, return `None` (time to update the driver).
#
# This exercise looks at the driver only. Section 3 shows that the GPU's architecture can rule out a build too (a GTX 10xx needs `cu126`); `doctor()` checks both.
#
# Hint: the major version is the part before the dot, `int("12.8".split(".")[0])` → `12`.

# %%
def wheel_index(driver_cuda):
    """Return "cpu", "cu126", "cu128", "cu130", or None when the driver is too old."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("02.2", wheel_index)

# %% [markdown]
# ## 02.3 The verification script as a function
#
# The lesson's verification script only prints. Turn it into a function `verify()` that **returns** a dict with these keys and values:
#
# | Key | Value |
# | --- | --- |
# | `"torch"` | `torch.__version__` |
# | `"cuda_available"` | whether CUDA can be used (`True` / `False`) |
# | `"cuda_build"` | the CUDA version torch was built for, `torch.version.cuda` |
# | `"gpu_count"` | the number of GPUs |
# | `"random_shape"` | make a tensor with `torch.rand(5, 3)` and store its shape (the tuple `(5, 3)`) |
#
# Returning data instead of printing it lets other code (a test, or `doctor()`) use the results directly.

# %%
import torch


def verify():
    """Return a dict describing this PyTorch install (see the table above)."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("02.3", verify)

# %% [markdown]
# ## 02.4 Modernise the conda command
#
# The seed textbook's command is:
#
# ```bash
# conda install pytorch torchvision torchaudio pytorch-cuda=11.8 -c pytorch -c nvidia
# ```
#
# Write `conda_command()` so that it returns a command that **works today** (as one string) and installs PyTorch, torchvision and torchaudio from conda-forge. Remember: the `-c pytorch` channel got no releases after 2.5, and `pytorch-cuda=`, `cudatoolkit=` and `cpuonly` are obsolete.

# %%
def conda_command():
    """Return today's conda command that installs pytorch, torchvision and torchaudio."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("02.4", conda_command)
