"""doctor() on this machine and on simulated ones: every problem comes with its fix."""

from __future__ import annotations

import subprocess
import sys

import pytest

import course_utils
from course_utils.doctor import (
    ERROR,
    INFO,
    OK,
    WARN,
    Facts,
    diagnose,
    doctor,
    format_report,
    gather_facts,
    kernels_for,
    parse_gpu_query,
    parse_nvidia_smi,
    read_pins,
    wheel_for,
)
from course_utils.samples import NVIDIA_SMI_SAMPLE, NVIDIA_SMI_SEED

PINS = {"torch": "2.11.0", "torchvision": "0.26.0", "torchaudio": "2.11.0", "torchcodec": "0.11.1"}


def machine(**changes) -> Facts:
    """A healthy Linux laptop without a GPU, with some facts changed."""
    facts = Facts(
        python_version="3.11.7",
        executable="/home/student/course/.venv/bin/python",
        os_name="linux",
        versions=dict(PINS),
        pins=dict(PINS),
        torch_cuda="13.0",
        ffmpeg_path="/usr/bin/ffmpeg",
    )
    for name, value in changes.items():
        setattr(facts, name, value)
    return facts


def levels(facts: Facts) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for finding in diagnose(facts):
        found.setdefault(finding.level, []).append(finding.message + " | fix: " + (finding.fix or ""))
    return found


def test_every_problem_has_a_fix():
    cases = [
        machine(),
        machine(torch_cuda=None),
        machine(driver_version="535.183.01", driver_cuda="12.2"),
        machine(torchcodec_error="RuntimeError: Could not load libtorchcodec"),
        machine(in_jupyter=True, versions={**PINS, "torch": "2.5.1"}),
        machine(python_version="3.9.18"),
    ]
    for facts in cases:
        for finding in diagnose(facts):
            if finding.level in (WARN, ERROR):
                assert finding.fix, finding.message


def test_no_cuda_cpu_build_is_fine():
    found = levels(machine(torch_cuda=None))
    assert WARN not in found and ERROR not in found
    assert any("CPU-only build" in m for m in found[INFO])


def test_cuda_build_without_driver_explains_it_runs_on_cpu():
    found = levels(machine())
    assert ERROR not in found and WARN not in found
    (info,) = [m for m in found[INFO] if "no NVIDIA driver" in m]
    assert "built for CUDA 13.0" in info and "install the NVIDIA driver" in info


def test_driver_too_old_for_cuda_13_offers_a_cu12_build():
    found = levels(machine(driver_version="570.86.10", driver_cuda="12.8"))
    (error,) = found[ERROR]
    assert "driver is too old" in error and "supports CUDA up to 12.8" in error
    assert "580.65.06" in error  # the Linux minimum for CUDA 13.x
    assert "--index-url https://download.pytorch.org/whl/cu128" in error
    # The build's local label, so that pip replaces the installed torch 2.11.0 of another build.
    assert "torch==2.11.0+cu128 torchvision==0.26.0+cu128 torchaudio==2.11.0+cu128" in error


def test_driver_too_old_for_every_build_says_update():
    (error,) = levels(machine(driver_version="470.256.02", driver_cuda="11.4"))[ERROR]
    assert "Update the NVIDIA driver to R525 or newer (525.60.13 on Linux)" in error and "whl/cu128" in error


@pytest.mark.parametrize("driver", [("525.60.13", "12.0"), ("535.183.01", "12.2"), ("570.86.10", "12.8")])
@pytest.mark.parametrize("build", ["12.6", "12.8"])
def test_cuda_12_builds_run_on_any_driver_from_r525(driver, build):
    """Minor-version compatibility: a cu126/cu128 build on an R525+ driver is fine, not a warning."""
    driver_version, driver_cuda = driver
    found = levels(machine(torch_cuda=build, cuda_available=True, gpu_names=["NVIDIA GeForce RTX 3090"],
                           gpu_capabilities=["8.6"], driver_version=driver_version, driver_cuda=driver_cuda))
    assert WARN not in found and ERROR not in found
    assert any("CUDA works" in m for m in found[OK])
    if [int(x) for x in driver_cuda.split(".")] < [int(x) for x in build.split(".")]:
        assert any("minor-version compatibility" in m and "PTX" in m for m in found[INFO])


def test_working_gpu():
    found = levels(machine(cuda_available=True, gpu_names=["NVIDIA H100 80GB HBM3"],
                           driver_version="580.159.04", driver_cuda="13.0"))
    assert ERROR not in found
    assert any("CUDA works" in m and "NVIDIA H100" in m for m in found[OK])


def test_cpu_build_on_a_gpu_machine_suggests_the_cuda_wheel():
    (warn,) = levels(machine(torch_cuda=None, driver_version="580.95.05", driver_cuda="13.0"))[WARN]
    assert "CPU-only build" in warn and "whl/cu130" in warn and "torch==2.11.0+cu130" in warn


def test_ffmpeg_missing():
    found = levels(machine(torchcodec_error="RuntimeError: Could not load libtorchcodec", ffmpeg_path=None))
    (error,) = found[ERROR]
    assert "TorchCodec cannot load FFmpeg" in error and "apt install ffmpeg" in error and "conda-forge ffmpeg" in error


def test_torchcodec_missing():
    (error,) = levels(machine(versions={**PINS, "torchcodec": None}))[ERROR]
    assert "torchcodec missing" in error and "pip install -r requirements.txt" in error


def test_wrong_kernel():
    found = levels(machine(in_jupyter=True, versions={**PINS, "torch": "2.5.1+cu121"},
                           executable="/usr/bin/python3"))
    (error,) = found[ERROR]
    assert "wrong Jupyter kernel" in error and "/usr/bin/python3" in error
    assert "torch 2.5.1+cu121 (course pins 2.11.0)" in error and "Change Kernel" in error


def test_wrong_packages_outside_jupyter_say_reinstall():
    (error,) = levels(machine(versions={**PINS, "torchvision": None}))[ERROR]
    assert "torchvision missing" in error and "pip install -r requirements.txt" in error


def test_old_python():
    (error,) = levels(machine(python_version="3.9.18"))[ERROR]
    assert "needs Python 3.10 or newer" in error


def test_mps_only_reported_on_macs():
    assert not any("MPS" in m for ms in levels(machine()).values() for m in ms)
    assert any("MPS" in m for m in levels(machine(os_name="darwin", mps_available=True))[OK])


@pytest.mark.parametrize(
    ("driver", "index"), [("13.0", "cu130"), ("12.9", "cu128"), ("12.6", "cu128"), ("12.2", "cu128"), ("12.0", "cu128"), ("11.8", None)]
)
def test_wheel_for_a_driver_alone(driver, index):
    assert wheel_for(driver) == index


# The machines of issue 16: (GPU, compute capability, driver, nvidia-smi's CUDA Version) -> wheel index.
SIMULATED = [
    ("NVIDIA GeForce GTX 1080", "6.1", "535.183.01", "12.2", "cu126"),  # Pascal: only cu126 has sm_60
    ("Tesla V100-SXM2-32GB", "7.0", "580.95.05", "13.0", "cu126"),  # Volta: cu128/cu130 dropped sm_70
    ("NVIDIA GeForce RTX 5090", "12.0", "570.133.20", "12.8", "cu128"),  # Blackwell: cu126 has no sm_120
    ("NVIDIA H100 80GB HBM3", "9.0", "580.95.05", "13.0", "cu130"),  # Hopper on R580: PyPI's default
]


@pytest.mark.parametrize(("gpu", "capability", "driver", "driver_cuda", "index"), SIMULATED)
def test_wheel_for_driver_and_gpu(gpu, capability, driver, driver_cuda, index):
    assert wheel_for(driver_cuda, capability) == index


@pytest.mark.parametrize(("gpu", "capability", "driver", "driver_cuda", "index"), SIMULATED)
def test_cpu_build_on_simulated_machines_gets_the_right_wheel(gpu, capability, driver, driver_cuda, index):
    (warn,) = levels(machine(torch_cuda=None, driver_version=driver, driver_cuda=driver_cuda,
                             gpu_names=[gpu], gpu_capabilities=[capability]))[WARN]
    assert f"--index-url https://download.pytorch.org/whl/{index}" in warn
    assert f"torch==2.11.0+{index} torchvision==0.26.0+{index} torchaudio==2.11.0+{index}" in warn


def test_cu130_on_pascal_is_an_error_with_the_cu126_fix():
    pascal = machine(
        cuda_available=True, gpu_names=["NVIDIA GeForce GTX 1080"], gpu_capabilities=["6.1"],
        torch_archs="sm_75 sm_80 sm_86 sm_90 sm_100 sm_120".split(), driver_version="580.95.05", driver_cuda="13.0",
        tensor_error="AcceleratorError: CUDA error: no kernel image is available for execution on the device",
    )
    found = levels(pascal)
    (error,) = found[ERROR]  # one finding: the generic "reinstall" advice would not help
    assert "no kernels for NVIDIA GeForce GTX 1080 (compute capability 6.1, Pascal, sm_61)" in error
    assert "no kernel image is available" in error and "--force-reinstall" not in error
    assert "pip install torch==2.11.0+cu126 torchvision==0.26.0+cu126 torchaudio==2.11.0+cu126 " in error
    assert error.endswith("--index-url https://download.pytorch.org/whl/cu126`.")
    assert not any("CUDA works" in m for m in found.get(OK, []))


def test_arch_list_read_from_the_table_when_cuda_is_unusable():
    """CUDA unusable (driver too old), GPU read from nvidia-smi: the fix already picks cu126 for Pascal."""
    (error,) = levels(machine(driver_version="470.256.02", driver_cuda="11.4",
                              gpu_names=["NVIDIA GeForce GTX 1080"], gpu_capabilities=["6.1"]))[ERROR]
    assert "no kernels for NVIDIA GeForce GTX 1080" in error
    assert "Update the NVIDIA driver to R525 or newer (525.60.13 on Linux)" in error and "whl/cu126" in error


def test_gpu_too_old_for_every_build():
    (error,) = levels(machine(torch_cuda=None, driver_version="470.256.02", driver_cuda="11.4",
                              gpu_names=["Tesla K80"], gpu_capabilities=["3.7"]))[WARN]
    assert "no torch 2.11 build has kernels for this GPU" in error


def test_ptx_only_gpu_on_an_older_driver_warns():
    found = levels(machine(cuda_available=True, gpu_names=["Future GPU"], gpu_capabilities=["12.1"],
                           torch_archs=["sm_90", "compute_120"], torch_cuda="12.8",
                           driver_version="535.183.01", driver_cuda="12.2"))
    (warn,) = found[WARN]
    assert "only through PTX" in warn and "minor-version compatibility does not cover PTX" in warn


@pytest.mark.parametrize(
    ("archs", "capability", "kind"),
    [
        ("sm_75 sm_80 sm_86 sm_90 sm_100 sm_120", "8.9", "sm"),  # Ada runs Ampere's sm_86 kernels
        ("sm_75 sm_80 sm_86 sm_90 sm_100 sm_120", "6.1", None),  # Pascal: nothing
        ("sm_50 sm_60 sm_70 sm_75 sm_80 sm_86 sm_90", "6.1", "sm"),  # sm_60 covers 6.1
        ("sm_50 sm_60 sm_70 sm_75 sm_80 sm_86 sm_90", "12.0", None),  # no Blackwell in cu126
        ("sm_90 compute_90", "12.0", "ptx"),  # PTX compiles forward to newer GPUs
        ("sm_90 compute_90", "8.6", None),  # but never backward
        ("sm_90a", "9.0", "sm"),
    ],
)
def test_kernels_for(archs, capability, kind):
    assert kernels_for(archs, capability) == kind


def test_parse_gpu_query():
    text = "name, compute_cap\nNVIDIA GeForce GTX 1080, 6.1\nNVIDIA GeForce RTX 5090, 12.0\n"
    assert parse_gpu_query(text) == [("NVIDIA GeForce GTX 1080", "6.1"), ("NVIDIA GeForce RTX 5090", "12.0")]
    assert parse_gpu_query('Field "compute_cap" is not a valid field to query.') == []


def test_the_table_matches_the_installed_build():
    """The cu130 row is what PyPI's torch reports (read without a GPU from the compiled arch flags)."""
    import torch

    from course_utils.doctor import CUDA_BUILDS

    row = {b.cuda: b for b in CUDA_BUILDS}.get(torch.version.cuda)
    if row is None or not hasattr(torch._C, "_cuda_getArchFlags"):
        pytest.skip(f"not one of the table's builds: torch.version.cuda={torch.version.cuda}")
    assert torch._C._cuda_getArchFlags().split() == row.archs.split()


def test_parse_nvidia_smi():
    assert parse_nvidia_smi(NVIDIA_SMI_SAMPLE) == ("580.159.04", "13.0")
    assert parse_nvidia_smi(NVIDIA_SMI_SEED) == ("515.65.01", "11.7")
    assert parse_nvidia_smi("") == (None, None)


def test_pins_come_from_requirements():
    pins = read_pins()
    assert pins["torch"] == "2.11.0" and pins["torchcodec"].startswith("0.11")


def test_report_puts_problems_last_and_counts_them():
    text = format_report(machine(), diagnose(machine(torchcodec_error="RuntimeError: x")))
    lines = text.splitlines()
    assert lines[0] == "PyTorch course doctor"
    assert lines[-1] == "1 problem(s) to fix."
    assert text.index("❌") > text.index("✅")


def test_report_names_the_course_version():
    lines = format_report(machine(course_version="1.2.3"), diagnose(machine())).splitlines()
    assert lines[:3] == ["PyTorch course doctor", "=" * 21, "Course version 1.2.3"]
    # Hand-written facts (chapter 02 simulates machines) carry no version: their report is unchanged.
    lines = format_report(machine(), diagnose(machine())).splitlines()
    assert lines[2].startswith("✅ Python 3.11.7") and not any("Course version" in line for line in lines)


def test_doctor_prints_a_simulated_machine(capsys):
    doctor(machine())
    assert capsys.readouterr().out.rstrip().endswith("All good: this machine is ready for the course.")


def test_gather_facts_on_this_machine():
    facts = gather_facts()
    assert facts.versions["torch"] and facts.pins["torch"] == "2.11.0"
    assert facts.tensor_error is None
    assert isinstance(facts.cuda_available, bool)
    assert facts.course_version == course_utils.__version__ != "unknown"


def test_command_line():
    result = subprocess.run([sys.executable, "-m", "course_utils", "doctor"], capture_output=True, text=True)
    assert result.stdout.startswith("PyTorch course doctor")
    assert result.stdout.splitlines()[2] == f"Course version {course_utils.__version__}"
    assert result.returncode == (1 if "❌" in result.stdout else 0)
