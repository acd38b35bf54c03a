"""``doctor()``: check that this machine can run the course, and say how to fix what is not.

It grew out of the classic "verify your install" script (print the torch
version, make a tensor, check CUDA). It works in three steps, so that each can
be tested on its own:

1. ``gather_facts()`` looks at this machine and returns a ``Facts`` record;
2. ``diagnose(facts)`` turns facts into ``Finding``\\s, each problem with its fix;
3. ``format_report(facts, findings)`` renders the text you see.

The report's first lines name the course version (``course_utils.__version__``).
Tests build ``Facts`` by hand to simulate other machines (no GPU, an old
driver, FFmpeg missing, the wrong Jupyter kernel).

Run it in a notebook with ``doctor()`` or in a terminal with
``python -m course_utils doctor``.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import platform
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .version import __version__

#: The packages whose versions the course pins and the doctor checks.
CHECKED_PACKAGES = ("torch", "torchvision", "torchaudio", "torchcodec")

#: Where the pins live, when course_utils is installed from a checkout (``pip install -e .``).
REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements.txt"

PYTORCH_WHEELS = "https://download.pytorch.org/whl"

OK, INFO, WARN, ERROR = "ok", "info", "warn", "error"
ICONS = {OK: "✅", INFO: "ℹ️ ", WARN: "⚠️ ", ERROR: "❌"}


@dataclass
class Facts:
    """Everything the doctor looks at, gathered from a machine (or written by a test)."""

    python_version: str
    executable: str
    os_name: str  # "linux", "darwin" or "win32"
    versions: dict[str, str | None]  # installed version, None when missing
    pins: dict[str, str]  # from requirements.txt; empty when the file is not found
    torch_cuda: str | None = None  # torch.version.cuda: the CUDA torch was built for
    cuda_available: bool = False
    gpu_names: list[str] = field(default_factory=list)
    driver_version: str | None = None  # from nvidia-smi, None when there is no driver
    driver_cuda: str | None = None  # the newest CUDA the driver supports ("CUDA Version")
    mps_available: bool = False
    ffmpeg_path: str | None = None  # the ffmpeg program on PATH (TorchCodec needs its libraries)
    torchcodec_error: str | None = None  # why TorchCodec could not load, None when it loads
    in_jupyter: bool = False
    tensor_error: str | None = None  # why making a tensor failed, None when it worked
    course_version: str | None = None  # course_utils.__version__; None in hand-written facts


@dataclass
class Finding:
    """One line of the report: a level, what was found, and how to fix it."""

    level: str  # ok, info, warn or error
    message: str
    fix: str | None = None


# --------------------------------------------------------------------------- gathering


def read_pins(path: Path = REQUIREMENTS) -> dict[str, str]:
    """Return ``{package: version}`` for the ``name==version`` lines of a requirements file."""
    pins: dict[str, str] = {}
    if not path.is_file():
        return pins
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;#]+)", line)
        if match:
            pins[match.group(1).lower()] = match.group(2)
    return pins


def parse_nvidia_smi(text: str) -> tuple[str | None, str | None]:
    """Return (driver version, CUDA version) from the header of ``nvidia-smi``'s screen.

    >>> parse_nvidia_smi("| NVIDIA-SMI 580.95.05   Driver Version: 580.95.05   CUDA Version: 13.0 |")
    ('580.95.05', '13.0')
    """
    driver = re.search(r"Driver Version:\s*([\d.]+)", text)
    cuda = re.search(r"CUDA Version:\s*([\d.]+)", text)
    return (driver.group(1) if driver else None, cuda.group(1) if cuda else None)


def _installed_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _run_nvidia_smi() -> str:
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return ""
    try:
        return subprocess.run([exe], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def _torchcodec_error() -> str | None:
    """Load TorchCodec's compiled core (which needs FFmpeg's shared libraries)."""
    try:
        importlib.import_module("torchcodec.decoders")
    except Exception as exc:  # noqa: BLE001 - any failure here is what we report
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return f"{type(exc).__name__}: {first_line}"
    return None


def _tensor_error(on_gpu: bool) -> str | None:
    """The seed script's smoke test: make a random 5x3 tensor (and add on the GPU when there is one)."""
    import torch

    try:
        x = torch.rand(5, 3)
        if on_gpu:
            (x.cuda() + 1).sum().item()
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"
    return None


def gather_facts() -> Facts:
    """Look at this machine: Python, packages, CUDA, the driver, MPS, FFmpeg and the kernel."""
    versions = {name: _installed_version(name) for name in CHECKED_PACKAGES}
    facts = Facts(
        python_version=platform.python_version(),
        executable=sys.executable,
        os_name=sys.platform,
        versions=versions,
        pins=read_pins(),
        in_jupyter="ipykernel" in sys.modules,
        ffmpeg_path=shutil.which("ffmpeg"),
        course_version=__version__,
    )
    facts.driver_version, facts.driver_cuda = parse_nvidia_smi(_run_nvidia_smi())
    if versions["torch"] is not None:
        import torch

        facts.torch_cuda = torch.version.cuda
        facts.cuda_available = torch.cuda.is_available()
        if facts.cuda_available:
            facts.gpu_names = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        facts.mps_available = torch.backends.mps.is_available()
        facts.tensor_error = _tensor_error(facts.cuda_available)
    if versions["torchcodec"] is not None:
        facts.torchcodec_error = _torchcodec_error()
    return facts


# --------------------------------------------------------------------------- diagnosing


def _base(version: str) -> str:
    """Drop the local part of a version: ``2.11.0+cu130`` becomes ``2.11.0``."""
    return version.split("+", 1)[0]


def _major_minor(version: str) -> tuple[int, int]:
    parts = (version.split(".") + ["0"])[:2]
    return int(parts[0]), int(parts[1])


def wheel_for_driver(driver_cuda: str) -> str | None:
    """The newest PyTorch wheel index (cu130/cu128/cu126) a driver runs; None if it is too old for all."""
    version = _major_minor(driver_cuda)
    for index, needs in (("cu130", (13, 0)), ("cu128", (12, 8)), ("cu126", (12, 6))):
        if version >= needs:
            return index
    return None


def _pin_install_line(pins: dict[str, str], index: str | None = None) -> str:
    names = [n for n in ("torch", "torchvision", "torchaudio") if n in pins]
    line = "pip install " + " ".join(f"{n}=={pins[n]}" for n in names)
    if index:
        line += f" --index-url {PYTORCH_WHEELS}/{index}"
    return line


def diagnose(facts: Facts) -> list[Finding]:
    """Turn facts into findings. Every ``warn`` and ``error`` carries a fix."""
    findings = _check_python(facts) + _check_packages(facts) + _check_tensor(facts)
    findings += _check_cuda(facts) + _check_mps(facts) + _check_ffmpeg(facts)
    return findings


def _check_python(facts: Facts) -> list[Finding]:
    version = _major_minor(facts.python_version)
    if version < (3, 10):
        return [
            Finding(
                ERROR,
                f"Python {facts.python_version} is too old: torch 2.11 needs Python 3.10 or newer.",
                "Install Python 3.10-3.13 (or `conda create -n pytorch-course python=3.11`), "
                "then rebuild the environment: `make clean && make lab`.",
            )
        ]
    if version > (3, 13):
        return [
            Finding(
                WARN,
                f"Python {facts.python_version} is newer than the course tests (3.10-3.13).",
                "If an install fails, use Python 3.11 or 3.12 for the course environment.",
            )
        ]
    return [Finding(OK, f"Python {facts.python_version} ({facts.executable})")]


def _check_packages(facts: Facts) -> list[Finding]:
    findings: list[Finding] = []
    mismatched: list[str] = []
    for name in CHECKED_PACKAGES:
        installed, pinned = facts.versions.get(name), facts.pins.get(name)
        if installed is None:
            mismatched.append(f"{name} missing")
            continue
        if pinned and _base(installed) != pinned:
            mismatched.append(f"{name} {installed} (course pins {pinned})")
        else:
            findings.append(Finding(OK, f"{name} {installed}"))
    if not mismatched:
        return findings
    if facts.in_jupyter:
        findings.append(
            Finding(
                ERROR,
                "This notebook is running on the wrong Jupyter kernel: its Python "
                f"({facts.executable}) has " + ", ".join(mismatched) + ".",
                "In JupyterLab choose Kernel > Change Kernel... > 'PyTorch course'. "
                "That kernel is created by `make lab` (or `python -m ipykernel install --user "
                "--name pytorch-course --display-name 'PyTorch course'` inside the course environment).",
            )
        )
    else:
        findings.append(
            Finding(
                ERROR,
                "The course packages do not match the pins: " + ", ".join(mismatched) + ".",
                "Inside the course environment run `pip install -r requirements.txt -e .` "
                "(or simply `make lab`, which builds .venv).",
            )
        )
    return findings


def _check_tensor(facts: Facts) -> list[Finding]:
    if facts.versions.get("torch") is None:
        return []
    if facts.tensor_error:
        return [
            Finding(
                ERROR,
                f"torch is installed but making a tensor failed: {facts.tensor_error}",
                "Reinstall the pinned packages: `pip install --force-reinstall -r requirements.txt`.",
            )
        ]
    return [Finding(OK, "torch.rand(5, 3) works" + (" and the GPU can add tensors" if facts.cuda_available else ""))]


def _check_cuda(facts: Facts) -> list[Finding]:
    gpu_fix_index = wheel_for_driver(facts.driver_cuda) if facts.driver_cuda else None
    if facts.versions.get("torch") is None:
        return []
    if facts.cuda_available:
        names = ", ".join(facts.gpu_names) or "unknown"
        return [
            Finding(
                OK,
                f"CUDA works: torch built for CUDA {facts.torch_cuda}, driver {facts.driver_version} "
                f"supports CUDA {facts.driver_cuda}; {len(facts.gpu_names)} GPU(s): {names}",
            )
        ]
    if facts.torch_cuda is None:  # a CPU-only build of torch
        if facts.driver_version is None:
            return [Finding(INFO, "CPU-only build of torch and no NVIDIA GPU: everything in the course runs on the CPU.")]
        fix = _pin_install_line(facts.pins, gpu_fix_index) if gpu_fix_index else "Update the NVIDIA driver, then install a CUDA build of torch."
        return [
            Finding(
                WARN,
                f"An NVIDIA driver ({facts.driver_version}) is present, but this torch is a CPU-only build.",
                f"To use the GPU, install a CUDA build: `{fix}`.",
            )
        ]
    if facts.driver_version is None:
        return [
            Finding(
                INFO,
                f"torch is built for CUDA {facts.torch_cuda}, but no NVIDIA driver was found, so it runs on the CPU. "
                "That is fine: every notebook runs on the CPU.",
                "Only if this machine has an NVIDIA GPU: install the NVIDIA driver "
                f"(one that supports CUDA {facts.torch_cuda}), then check `nvidia-smi`.",
            )
        ]
    if facts.driver_cuda and _major_minor(facts.driver_cuda) < _major_minor(facts.torch_cuda):
        if gpu_fix_index:
            fix = (
                "Update the NVIDIA driver to one whose `nvidia-smi` shows "
                f"'CUDA Version: {facts.torch_cuda}' or newer, or install a torch built for your driver: "
                f"`{_pin_install_line(facts.pins, gpu_fix_index)}`."
            )
        else:
            fix = "Update the NVIDIA driver: torch 2.11's oldest CUDA build (cu126) needs a driver for CUDA 12.6 or newer."
        return [
            Finding(
                ERROR,
                f"The NVIDIA driver is too old: driver {facts.driver_version} supports CUDA up to "
                f"{facts.driver_cuda}, but this torch was built for CUDA {facts.torch_cuda}.",
                fix,
            )
        ]
    return [
        Finding(
            ERROR,
            f"A driver ({facts.driver_version}, CUDA {facts.driver_cuda}) and a CUDA build of torch "
            f"(CUDA {facts.torch_cuda}) are present, but torch.cuda.is_available() is False.",
            "Check that CUDA_VISIBLE_DEVICES is not empty, that `nvidia-smi` lists the GPU, "
            "and reboot if the driver was just installed or updated.",
        )
    ]


def _check_mps(facts: Facts) -> list[Finding]:
    if facts.os_name != "darwin":
        return []
    if facts.mps_available:
        return [Finding(OK, "Apple GPU (MPS) is available: get_device() will pick it.")]
    return [Finding(INFO, "No Apple GPU (MPS): needs Apple silicon and macOS 12.3 or newer; the CPU works for the course.")]


def _check_ffmpeg(facts: Facts) -> list[Finding]:
    ffmpeg_fix = (
        "Install FFmpeg's shared libraries: Debian/Ubuntu `sudo apt install ffmpeg`; "
        "conda `conda install -c conda-forge ffmpeg`; macOS `brew install ffmpeg`; "
        "Windows: use the conda environment (environment.yml installs FFmpeg)."
    )
    if facts.versions.get("torchcodec") is None:
        return []  # reported with the other missing packages
    if facts.torchcodec_error:
        return [
            Finding(
                ERROR,
                f"TorchCodec cannot load FFmpeg ({facts.torchcodec_error}); torchaudio.load/save will fail.",
                ffmpeg_fix,
            )
        ]
    where = facts.ffmpeg_path or "libraries found"
    return [Finding(OK, f"TorchCodec {facts.versions['torchcodec']} loads FFmpeg ({where})")]


# --------------------------------------------------------------------------- reporting


def format_report(facts: Facts, findings: list[Finding]) -> str:
    """Render findings as the text report, problems last so they are easy to spot."""
    order = {OK: 0, INFO: 1, WARN: 2, ERROR: 3}
    lines = ["PyTorch course doctor", "=" * 21]
    if facts.course_version:
        lines.append(f"Course version {facts.course_version}")
    for finding in sorted(findings, key=lambda f: order[f.level]):
        lines.append(f"{ICONS[finding.level]} {finding.message}")
        if finding.fix and finding.level in (INFO, WARN, ERROR):
            lines.append(f"    fix: {finding.fix}")
    problems = sum(f.level in (WARN, ERROR) for f in findings)
    lines.append("")
    lines.append("All good: this machine is ready for the course." if problems == 0 else f"{problems} problem(s) to fix.")
    return "\n".join(lines)


def doctor(facts: Facts | None = None) -> None:
    """Print the report for this machine (or for ``facts``, to see another machine's)."""
    facts = facts or gather_facts()
    print(format_report(facts, diagnose(facts)))


def main() -> int:
    """Command-line entry: print the report; exit 1 when there is an error."""
    facts = gather_facts()
    findings = diagnose(facts)
    print(format_report(facts, findings))
    return 1 if any(f.level == ERROR for f in findings) else 0
