"""The checkers of chapter 02 (installation): right answers pass, typical mistakes get their hint."""

from __future__ import annotations

import re

import pytest
import torch

from course_utils.checks import evaluate
from course_utils.samples import NVIDIA_SMI_SAMPLE, NVIDIA_SMI_SEED


def stub(*args):
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# --------------------------------------------------------------------------- 02.1


def driver_cuda_version(smi_text):
    match = re.search(r"CUDA Version:\s*([\d.]+)", smi_text)
    return match.group(1) if match else None


def test_02_1_passes():
    assert driver_cuda_version(NVIDIA_SMI_SAMPLE) == "13.0"
    assert driver_cuda_version(NVIDIA_SMI_SEED) == "11.7"
    status, message = evaluate("02.1", driver_cuda_version, "en")
    assert status == "pass", message
    assert message.startswith("✅ 02.1 checks passed")


def test_02_1_driver_version_instead_of_cuda():
    def driver_version(smi_text):
        match = re.search(r"Driver Version:\s*([\d.]+)", smi_text)
        return match.group(1) if match else None

    status, message = evaluate("02.1", driver_version, "en")
    assert status == "fail"
    assert "you returned the driver version (580.159.04)" in message
    assert "'CUDA Version:'" in message


def test_02_1_float_is_rejected():
    def as_float(smi_text):
        version = driver_cuda_version(smi_text)
        return float(version) if version else None

    status, message = evaluate("02.1", as_float, "en")
    assert status == "fail"
    assert "as a string" in message and "12.10 would become 12.1" in message


def test_02_1_no_driver_must_give_none():
    def always_a_string(smi_text):
        return driver_cuda_version(smi_text) or ""

    status, message = evaluate("02.1", always_a_string, "en")
    assert status == "fail"
    assert "a machine without NVIDIA driver" in message and "expected None" in message


def test_02_1_value_instead_of_function():
    status, message = evaluate("02.1", "13.0", "en")
    assert status == "fail"
    assert "pass the function itself" in message


def test_02_1_zh_hint():
    status, message = evaluate("02.1", lambda text: "580.159.04" if "580" in text else driver_cuda_version(text), "zh")
    assert status == "fail"
    assert message.startswith("❌ 02.1 还不对")
    assert "你返回的是驱动版本（580.159.04）" in message


# --------------------------------------------------------------------------- 02.2


def wheel_index(driver_cuda):
    if driver_cuda is None:
        return "cpu"
    major = int(driver_cuda.split(".")[0])
    return "cu130" if major >= 13 else "cu128" if major == 12 else None


def test_02_2_passes():
    status, message = evaluate("02.2", wheel_index, "en")
    assert status == "pass", message


def test_02_2_build_that_does_not_exist():
    def exact_match(driver_cuda):
        if driver_cuda is None:
            return "cpu"
        return "cu" + driver_cuda.replace(".", "")  # "12.9" -> "cu129", which torch 2.11 does not publish

    status, message = evaluate("02.2", exact_match, "en")
    assert status == "fail"
    assert "which torch 2.11 does not publish" in message
    assert "cu126, cu128 and cu130" in message


def test_02_2_old_driver_gets_a_cuda_build():
    def never_none(driver_cuda):
        return wheel_index(driver_cuda) or "cu126"

    status, message = evaluate("02.2", never_none, "en")
    assert status == "fail"
    assert "too old for every CUDA build of torch 2.11" in message
    assert "return None" in message


def test_02_2_newer_driver_runs_older_builds():
    def only_known_versions(driver_cuda):
        return {None: "cpu", "13.0": "cu130", "12.8": "cu128", "12.6": "cu126"}.get(driver_cuda)

    status, message = evaluate("02.2", only_known_versions, "en")
    assert status == "fail"
    assert "minor-version compatibility" in message
    assert "'cu130'" in message


def test_02_2_the_old_matching_rule_is_caught():
    def match_the_minor_version(driver_cuda):  # the rule the course taught before: 12.6 -> cu126, 12.4 -> None
        if driver_cuda is None:
            return "cpu"
        version = tuple(int(part) for part in driver_cuda.split(".")[:2])
        for name, needs in [("cu130", (13, 0)), ("cu128", (12, 8)), ("cu126", (12, 6))]:
            if version >= needs:
                return name
        return None

    status, message = evaluate("02.2", match_the_minor_version, "en")
    assert status == "fail"
    assert "for a driver with CUDA 12.6 you returned 'cu126'" in message
    assert "(here 'cu128')" in message
    status, message = evaluate("02.2", match_the_minor_version, "zh")
    assert "次版本兼容" in message


def test_02_2_no_driver_means_cpu():
    def no_cpu(driver_cuda):
        return None if driver_cuda is None else wheel_index(driver_cuda)

    status, message = evaluate("02.2", no_cpu, "en")
    assert status == "fail"
    assert "no NVIDIA driver means the CPU-only build, 'cpu'" in message


# --------------------------------------------------------------------------- 02.3


def verify():
    x = torch.rand(5, 3)
    return {
        "torch": torch.__version__,
        "cuda_available": torch.cuda.is_available(),
        "cuda_build": torch.version.cuda,
        "gpu_count": torch.cuda.device_count(),
        "random_shape": tuple(x.shape),
    }


def test_02_3_passes():
    status, message = evaluate("02.3", verify, "en")
    assert status == "pass", message


def test_02_3_shape_as_torch_size_passes():
    status, message = evaluate("02.3", lambda: {**verify(), "random_shape": torch.rand(5, 3).shape}, "en")
    assert status == "pass", message


def test_02_3_function_not_called():
    status, message = evaluate("02.3", lambda: {**verify(), "cuda_available": torch.cuda.is_available}, "en")
    assert status == "fail"
    assert "call it: torch.cuda.is_available()" in message


def test_02_3_missing_key():
    def prints_only():
        report = verify()
        del report["cuda_build"]
        return report

    status, message = evaluate("02.3", prints_only, "en")
    assert status == "fail"
    assert "no key 'cuda_build'" in message


def test_02_3_tensor_instead_of_shape():
    status, message = evaluate("02.3", lambda: {**verify(), "random_shape": torch.rand(5, 3)}, "en")
    assert status == "fail"
    assert "holds the tensor itself" in message and "tuple(x.shape)" in message


def test_02_3_printing_instead_of_returning():
    def prints():
        print(torch.__version__)

    status, message = evaluate("02.3", prints, "en")
    assert status == "fail"
    assert "must return a dict" in message


# --------------------------------------------------------------------------- 02.4


@pytest.mark.parametrize(
    "command",
    [
        "conda install -c conda-forge pytorch torchvision torchaudio",
        "conda install -c conda-forge pytorch-gpu torchvision torchaudio",
        "mamba install --channel conda-forge pytorch==2.11.0 torchvision torchaudio",
        "conda install conda-forge::pytorch conda-forge::torchvision conda-forge::torchaudio",
    ],
)
def test_02_4_passes(command):
    status, message = evaluate("02.4", lambda: command, "en")
    assert status == "pass", message


def test_02_4_seed_command_uses_the_old_channel():
    seed = "conda install pytorch torchvision torchaudio pytorch-cuda=11.8 -c pytorch -c nvidia"
    status, message = evaluate("02.4", lambda: seed, "en")
    assert status == "fail"
    assert "stopped receiving releases after 2.5" in message


def test_02_4_old_channel_hidden_behind_conda_forge():
    command = "conda install -c conda-forge -c pytorch pytorch torchvision torchaudio"
    status, message = evaluate("02.4", lambda: command, "en")
    assert status == "fail"
    assert "stopped receiving releases after 2.5" in message


def test_02_4_obsolete_pin():
    command = "conda install -c conda-forge pytorch torchvision torchaudio pytorch-cuda=12.4"
    status, message = evaluate("02.4", lambda: command, "en")
    assert status == "fail"
    assert "`pytorch-cuda` belongs to the old pytorch channel" in message


def test_02_4_default_channel():
    status, message = evaluate("02.4", lambda: "conda install pytorch torchvision torchaudio", "en")
    assert status == "fail"
    assert "-c conda-forge" in message


def test_02_4_pip_package_name():
    status, message = evaluate("02.4", lambda: "conda install -c conda-forge torch torchvision torchaudio", "en")
    assert status == "fail"
    assert "the torch package is called `pytorch`" in message


def test_02_4_missing_torchaudio():
    status, message = evaluate("02.4", lambda: "conda install -c conda-forge pytorch torchvision", "en")
    assert status == "fail"
    assert "install torchaudio too" in message


def test_02_4_zh_hint():
    seed = "conda install pytorch torchvision cudatoolkit=11.0 -c pytorch"
    status, message = evaluate("02.4", lambda: seed, "zh")
    assert status == "fail"
    assert "`-c pytorch` 频道在 2.5 之后就不再发布新版本了" in message


# --------------------------------------------------------------------------- stubs


@pytest.mark.parametrize("exercise_id", ["02.1", "02.2", "02.3", "02.4"])
def test_stub_is_not_done_yet(exercise_id):
    status, message = evaluate(exercise_id, stub, "en")
    assert status == "todo"
    assert f"⏳ {exercise_id} not done yet" in message


def test_02_4_as_functions():
    """The same answers written with def, as a notebook holds them (also judged from outside the sandbox)."""

    def conda_command():
        return "conda install -c conda-forge pytorch torchvision torchaudio"

    def old_channel():
        return "conda install pytorch torchvision torchaudio pytorch-cuda=11.8 -c pytorch -c nvidia"

    def forgot_return():
        print("conda install -c conda-forge pytorch torchvision torchaudio")

    assert evaluate("02.4", conda_command, "en")[0] == "pass"
    status, message = evaluate("02.4", old_channel, "en")
    assert status == "fail" and "stopped receiving releases after 2.5" in message
    assert evaluate("02.4", forgot_return, "en")[0] == "fail"
