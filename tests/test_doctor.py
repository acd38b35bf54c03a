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
    parse_nvidia_smi,
    read_pins,
    wheel_for_driver,
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
    assert "--index-url https://download.pytorch.org/whl/cu128" in error
    assert "torch==2.11.0 torchvision==0.26.0 torchaudio==2.11.0" in error


def test_driver_too_old_for_every_build_says_update():
    (error,) = levels(machine(driver_version="525.60.13", driver_cuda="12.0"))[ERROR]
    assert "Update the NVIDIA driver" in error and "--index-url" not in error


def test_working_gpu():
    found = levels(machine(cuda_available=True, gpu_names=["NVIDIA H100 80GB HBM3"],
                           driver_version="580.159.04", driver_cuda="13.0"))
    assert ERROR not in found
    assert any("CUDA works" in m and "NVIDIA H100" in m for m in found[OK])


def test_cpu_build_on_a_gpu_machine_suggests_the_cuda_wheel():
    (warn,) = levels(machine(torch_cuda=None, driver_version="580.95.05", driver_cuda="13.0"))[WARN]
    assert "CPU-only build" in warn and "whl/cu130" in warn


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


@pytest.mark.parametrize(("driver", "index"), [("13.0", "cu130"), ("12.9", "cu128"), ("12.6", "cu126"), ("12.4", None)])
def test_wheel_for_driver(driver, index):
    assert wheel_for_driver(driver) == index


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
