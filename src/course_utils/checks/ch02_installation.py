"""Checks for 02_installation."""

from __future__ import annotations

import re

import torch

from ..samples import NVIDIA_SMI_SAMPLE, NVIDIA_SMI_SEED
from .engine import checker
from .vocabulary import expect_callable, expect_equal, fail

# --------------------------------------------------------------------------- 02.1

SMI_CASES = [  # (en name, zh name, nvidia-smi output, expected CUDA version)
    ("the screen in this lesson", "本课中的屏幕输出", NVIDIA_SMI_SAMPLE, "13.0"),
    ("the older screen in the seed text", "种子文本里较旧的屏幕输出", NVIDIA_SMI_SEED, "11.7"),
    ("a machine without NVIDIA driver", "没有 NVIDIA 驱动的机器", "nvidia-smi: command not found", None),
]


@checker("02.1")
def check_driver_cuda_version(driver_cuda_version) -> None:
    expect_callable(driver_cuda_version)
    for name, name_zh, text, expected in SMI_CASES:
        got = driver_cuda_version(text)
        if isinstance(got, float):
            fail("", "return the version as a string such as '13.0': as a float, 12.10 would become 12.1.",
                 "请以字符串形式返回版本号，比如 '13.0'：如果用浮点数，12.10 会变成 12.1。")
        if expected and isinstance(got, str) and got.startswith(("580", "515")):
            fail("", f"for {name} you returned the driver version ({got}); the CUDA version is the number after "
                 "'CUDA Version:'.", f"{name_zh}：你返回的是驱动版本（{got}）；CUDA 版本是 'CUDA Version:' 后面的数字。")
        expect_equal(got, expected, f"for {name}", name_zh)


# --------------------------------------------------------------------------- 02.2

WHEEL_CASES = {None: "cpu", "13.0": "cu130", "13.2": "cu130", "12.9": "cu128", "12.8": "cu128", "12.6": "cu128",
               "12.4": "cu128", "12.0": "cu128", "11.8": None}


@checker("02.2")
def check_wheel_index(wheel_index) -> None:
    expect_callable(wheel_index)
    for driver_cuda, expected in WHEEL_CASES.items():
        got, call = wheel_index(driver_cuda), f"wheel_index({driver_cuda!r})"
        if isinstance(got, str) and got.startswith("cu") and got not in ("cu126", "cu128", "cu130"):
            fail("", f"for a driver with CUDA {driver_cuda} you chose {got!r}, which torch 2.11 does not publish. "
                 "Its CUDA builds are cu126, cu128 and cu130: pick the newest one the driver supports.",
                 f"驱动 CUDA {driver_cuda} 时你选了 {got!r}，而 torch 2.11 没有这个版本。"
                 "它的 CUDA 版本只有 cu126、cu128 和 cu130：选驱动支持的最新那个。")
        if driver_cuda is None and got != "cpu":
            fail(call, f"returned {got!r}: no NVIDIA driver means the CPU-only build, 'cpu'.",
                 f"返回了 {got!r}：没有 NVIDIA 驱动就装纯 CPU 版，应返回 'cpu'。")
        if driver_cuda is not None and expected is None and got is not None:
            fail("", f"a driver that supports only CUDA {driver_cuda} is too old for every CUDA build of torch 2.11: "
                 "return None (update the driver).",
                 f"只支持 CUDA {driver_cuda} 的驱动对 torch 2.11 的所有 CUDA 版本都太旧了：应返回 None（需要更新驱动）。")
        if driver_cuda is not None and expected is not None and (got is None or (got < expected and got != "cpu")):
            major = driver_cuda.split(".")[0]
            fail("", f"for a driver with CUDA {driver_cuda} you returned {got!r}. A driver runs every build of its "
                 "CUDA major version (minor-version compatibility: a 12.x driver runs the 12.8 build), "
                 f"so return the newest build for CUDA {major}.x (here {expected!r}).",
                 f"驱动支持 CUDA {driver_cuda} 时你返回了 {got!r}。驱动能运行同一主版本的所有安装包"
                 f"（次版本兼容：12.x 的驱动就能运行为 12.8 编译的包），所以应返回 CUDA {major}.x 中最新的那个"
                 f"（这里是 {expected!r}）。")
        expect_equal(got, expected, call, call)


# --------------------------------------------------------------------------- 02.3


@checker("02.3")
def check_verify(verify) -> None:
    expect_callable(verify)
    if not isinstance(report := verify(), dict):
        fail("verify()", "must return a dict.", "应返回一个字典。")
    expected = {"torch": torch.__version__, "cuda_available": torch.cuda.is_available(),
                "cuda_build": torch.version.cuda, "gpu_count": torch.cuda.device_count(), "random_shape": (5, 3)}
    for key, value in expected.items():
        if key not in report:
            fail("", f"the dict has no key {key!r}.", f"字典里缺少键 {key!r}。")
        got, call = report[key], f"report[{key!r}]"
        if key == "random_shape":
            if isinstance(got, torch.Tensor):
                fail(call, "holds the tensor itself; store its shape: tuple(x.shape).", "存的是张量本身；应存它的形状：tuple(x.shape)。")
            try:
                got = tuple(got)
            except TypeError:
                fail(call, f"should be the shape (5, 3), got {got!r}.", f"应为形状 (5, 3)，实际得到 {got!r}。")
        if key == "cuda_available" and callable(got):
            fail("", "cuda_available holds the function; call it: torch.cuda.is_available().",
                 "cuda_available 存的是函数本身；要调用它：torch.cuda.is_available()。")
        expect_equal(got, value, call, call)


# --------------------------------------------------------------------------- 02.4


def _package_name(word: str) -> str:
    """``conda-forge::pytorch==2.11.0`` or ``"pytorch=*=cuda*"`` -> ``pytorch``."""
    word = word.strip("'\"").split("::")[-1]
    return re.split(r"[=<>!~\[]", word, maxsplit=1)[0].lower()


@checker("02.4")
def check_conda_command(conda_command) -> None:
    expect_callable(conda_command)
    command = conda_command()
    if not isinstance(command, str):
        fail("", "return the command as one string.", "请把命令作为一个字符串返回。")
    words = command.split()
    channels = [words[i + 1] for i, w in enumerate(words[:-1]) if w in ("-c", "--channel")]
    channels += [w.split("::")[0].strip("'\"") for w in words if "::" in w]
    if "pytorch" in channels:
        fail("", "the `-c pytorch` channel stopped receiving releases after 2.5; use conda-forge.",
             "`-c pytorch` 频道在 2.5 之后就不再发布新版本了；请改用 conda-forge。")
    for obsolete in ("pytorch-cuda", "cudatoolkit", "cpuonly"):
        if obsolete in command:
            fail("", f"`{obsolete}` belongs to the old pytorch channel; conda-forge picks the CUDA build by itself "
                 "(or ask for it with the pytorch-gpu package).",
                 f"`{obsolete}` 属于旧的 pytorch 频道；conda-forge 会自己选择 CUDA 版本（也可以装 pytorch-gpu 包）。")
    if "conda-forge" not in command:
        fail("", "install from the conda-forge channel: `-c conda-forge`.", "请从 conda-forge 频道安装：`-c conda-forge`。")
    if not words or words[0] not in ("conda", "mamba") or "install" not in words:
        fail("", "start with `conda install`.", "命令应以 `conda install` 开头。")
    packages = {_package_name(w) for w in words[words.index("install") + 1 :] if not w.startswith("-")} - set(channels)
    for package in ("torchvision", "torchaudio"):
        if package not in packages:
            fail("", f"install {package} too.", f"也要安装 {package}。")
    if not packages & {"pytorch", "pytorch-gpu", "pytorch-cpu"}:
        fail("", "on conda-forge the torch package is called `pytorch` (or `pytorch-gpu`).",
             "在 conda-forge 上 torch 这个包叫 `pytorch`（或 `pytorch-gpu`）。")
