"""Checks for 02_installation."""

from __future__ import annotations

import re

import torch

from ..samples import NVIDIA_SMI_SAMPLE, NVIDIA_SMI_SEED
from .core import CheckFailed, exercise
from .helpers import expect_callable, expect_equal

CHAPTER = "02_installation"


def _package_name(word: str) -> str:
    """``conda-forge::pytorch==2.11.0`` or ``"pytorch=*=cuda*"`` -> ``pytorch``."""
    word = word.strip("'\"").split("::")[-1]
    return re.split(r"[=<>!~\[]", word, maxsplit=1)[0].lower()


@exercise("02.1", CHAPTER, "read the CUDA version from nvidia-smi", "从 nvidia-smi 读出 CUDA 版本")
def check_driver_cuda_version(driver_cuda_version) -> None:
    expect_callable(driver_cuda_version)
    cases = {
        "the screen in this lesson": (NVIDIA_SMI_SAMPLE, "13.0"),
        "the older screen in the seed text": (NVIDIA_SMI_SEED, "11.7"),
        "a machine without NVIDIA driver": ("nvidia-smi: command not found", None),
    }
    for name, (text, expected) in cases.items():
        got = driver_cuda_version(text)
        if isinstance(got, float):
            raise CheckFailed(
                "return the version as a string such as '13.0': as a float, 12.10 would become 12.1.",
                "请以字符串形式返回版本号，比如 '13.0'：如果用浮点数，12.10 会变成 12.1。",
            )
        if expected and isinstance(got, str) and got.startswith(("580", "515")):
            raise CheckFailed(
                f"for {name} you returned the driver version ({got}); the CUDA version is the number after 'CUDA Version:'.",
                f"{name}：你返回的是驱动版本（{got}）；CUDA 版本是 'CUDA Version:' 后面的数字。",
            )
        expect_equal(got, expected, f"for {name}", f"{name}")


WHEEL_CASES = {None: "cpu", "13.0": "cu130", "13.2": "cu130", "12.9": "cu128", "12.8": "cu128", "12.6": "cu128",
               "12.4": "cu128", "12.0": "cu128", "11.8": None}


@exercise("02.2", CHAPTER, "pick the right wheel for a driver", "根据驱动选择正确的安装包")
def check_wheel_index(wheel_index) -> None:
    expect_callable(wheel_index)
    for driver_cuda, expected in WHEEL_CASES.items():
        got = wheel_index(driver_cuda)
        if isinstance(got, str) and got.startswith("cu") and got not in ("cu126", "cu128", "cu130"):
            raise CheckFailed(
                f"for a driver with CUDA {driver_cuda} you chose {got!r}, which torch 2.11 does not publish. "
                "Its CUDA builds are cu126, cu128 and cu130: pick the newest one the driver supports.",
                f"驱动 CUDA {driver_cuda} 时你选了 {got!r}，而 torch 2.11 没有这个版本。它的 CUDA 版本只有 cu126、cu128 和 cu130：选驱动支持的最新那个。",
            )
        if driver_cuda is not None and expected is None and got is not None:
            raise CheckFailed(
                f"a driver that supports only CUDA {driver_cuda} is too old for every CUDA build of torch 2.11: return None (update the driver).",
                f"只支持 CUDA {driver_cuda} 的驱动对 torch 2.11 的所有 CUDA 版本都太旧了：应返回 None（需要更新驱动）。",
            )
        if driver_cuda is not None and expected is not None and (got is None or (got < expected and got != "cpu")):
            major = driver_cuda.split(".")[0]
            raise CheckFailed(
                f"for a driver with CUDA {driver_cuda} you returned {got!r}. A driver runs every build of its CUDA "
                f"major version (minor-version compatibility: a 12.x driver runs the 12.8 build), "
                f"so return the newest build for CUDA {major}.x (here {expected!r}).",
                f"驱动支持 CUDA {driver_cuda} 时你返回了 {got!r}。驱动能运行同一主版本的所有安装包"
                f"（次版本兼容：12.x 的驱动就能运行为 12.8 编译的包），所以应返回 CUDA {major}.x 中最新的那个（这里是 {expected!r}）。",
            )
        if driver_cuda is None and got != "cpu":
            raise CheckFailed(
                f"wheel_index(None) returned {got!r}: no NVIDIA driver means the CPU-only build, 'cpu'.",
                f"wheel_index(None) 返回了 {got!r}：没有 NVIDIA 驱动就装纯 CPU 版，应返回 'cpu'。",
            )
        expect_equal(got, expected, f"wheel_index({driver_cuda!r})", f"wheel_index({driver_cuda!r})")


@exercise("02.3", CHAPTER, "the verification script as a function", "把验证脚本写成函数")
def check_verify(verify) -> None:
    expect_callable(verify)
    report = verify()
    if not isinstance(report, dict):
        raise CheckFailed("verify() must return a dict.", "verify() 应返回一个字典。")
    expected = {
        "torch": torch.__version__,
        "cuda_available": torch.cuda.is_available(),
        "cuda_build": torch.version.cuda,
        "gpu_count": torch.cuda.device_count(),
        "random_shape": (5, 3),
    }
    for key, value in expected.items():
        if key not in report:
            raise CheckFailed(f"the dict has no key {key!r}.", f"字典里缺少键 {key!r}。")
        got = report[key]
        if key == "random_shape":
            if isinstance(got, torch.Tensor):
                raise CheckFailed(
                    "report['random_shape'] holds the tensor itself; store its shape: tuple(x.shape).",
                    "report['random_shape'] 存的是张量本身；应存它的形状：tuple(x.shape)。",
                )
            try:
                got = tuple(got)
            except TypeError:
                raise CheckFailed(
                    f"report['random_shape'] should be the shape (5, 3), got {got!r}.",
                    f"report['random_shape'] 应为形状 (5, 3)，实际得到 {got!r}。",
                ) from None
        if key == "cuda_available" and callable(got):
            raise CheckFailed(
                "cuda_available holds the function; call it: torch.cuda.is_available().",
                "cuda_available 存的是函数本身；要调用它：torch.cuda.is_available()。",
            )
        expect_equal(got, value, f"report[{key!r}]", f"report[{key!r}]")


@exercise("02.4", CHAPTER, "modernise the conda command", "把 conda 命令改成现在的写法")
def check_conda_command(conda_command) -> None:
    expect_callable(conda_command)
    command = conda_command()
    if not isinstance(command, str):
        raise CheckFailed("return the command as one string.", "请把命令作为一个字符串返回。")
    words = command.split()
    channels = [words[i + 1] for i, w in enumerate(words[:-1]) if w in ("-c", "--channel")]
    channels += [w.split("::")[0].strip("'\"") for w in words if "::" in w]
    if "pytorch" in channels:
        raise CheckFailed(
            "the `-c pytorch` channel stopped receiving releases after 2.5; use conda-forge.",
            "`-c pytorch` 频道在 2.5 之后就不再发布新版本了；请改用 conda-forge。",
        )
    for obsolete in ("pytorch-cuda", "cudatoolkit", "cpuonly"):
        if obsolete in command:
            raise CheckFailed(
                f"`{obsolete}` belongs to the old pytorch channel; conda-forge picks the CUDA build by itself "
                "(or ask for it with the pytorch-gpu package).",
                f"`{obsolete}` 属于旧的 pytorch 频道；conda-forge 会自己选择 CUDA 版本（也可以装 pytorch-gpu 包）。",
            )
    if "conda-forge" not in command:
        raise CheckFailed("install from the conda-forge channel: `-c conda-forge`.", "请从 conda-forge 频道安装：`-c conda-forge`。")
    if not words or words[0] not in ("conda", "mamba") or "install" not in words:
        raise CheckFailed("start with `conda install`.", "命令应以 `conda install` 开头。")
    packages = {_package_name(w) for w in words[words.index("install") + 1 :] if not w.startswith("-")}
    packages -= set(channels)
    for package in ("torchvision", "torchaudio"):
        if package not in packages:
            raise CheckFailed(f"install {package} too.", f"也要安装 {package}。")
    if not packages & {"pytorch", "pytorch-gpu", "pytorch-cpu"}:
        raise CheckFailed(
            "on conda-forge the torch package is called `pytorch` (or `pytorch-gpu`).",
            "在 conda-forge 上 torch 这个包叫 `pytorch`（或 `pytorch-gpu`）。",
        )
