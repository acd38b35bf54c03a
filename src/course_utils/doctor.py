"""``doctor()``: check that this machine can run the course, and say how to fix what is not.

It grew out of the classic "verify your install" script (print the torch version, make a tensor,
check CUDA). It works in three steps, so that each can be tested on its own:

1. ``gather_facts()`` looks at this machine and returns a ``Facts`` record;
2. ``diagnose(facts)`` turns facts into ``Finding``\\s, each problem with its fix;
3. ``format_report(facts, findings)`` renders the text you see.

The report's first lines name the course version (``course_utils.__version__``).
Tests build ``Facts`` by hand to simulate other machines (no GPU, an old
driver, a GPU too old for the installed build, FFmpeg missing, the wrong Jupyter kernel).

Run it in a notebook with ``doctor()`` or in a terminal with ``python -m course_utils doctor``.
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
from typing import NamedTuple

from .version import __version__

#: The packages whose versions the course pins and the doctor checks.
CHECKED_PACKAGES = ("torch", "torchvision", "torchaudio", "torchcodec")

#: Where the pins live, when course_utils is installed from a checkout (``pip install -e .``).
REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements.txt"

PYTORCH_WHEELS = "https://download.pytorch.org/whl"


class CudaBuild(NamedTuple):
    """One CUDA build of torch 2.11, as PyTorch publishes it at ``PYTORCH_WHEELS/<index>`` (chapter 02)."""

    index: str  # the wheel index: cu126, cu128 or cu130
    cuda: str  # torch.version.cuda of this build
    driver_cuda: str  # the lowest "CUDA Version" nvidia-smi may show for this build to run
    linux_driver: str  # the same minimum as a Linux driver version
    archs: str  # torch.cuda.get_arch_list() of this build: sm_XY = native kernels for compute capability X.Y


#: torch 2.11's CUDA builds, newest first; cu130 is what a plain `pip install torch` gets on Linux.
#: Sources: PyTorch's RELEASE.md support matrix for 2.11 (the cu130 row is what the PyPI build
#: reports), and NVIDIA's CUDA Compatibility guide: through minor-version compatibility a CUDA 12.x
#: build runs on any driver from the R525 branch on (525.60.13 on Linux), a CUDA 13.x build on any
#: driver from R580 on (580.65.06, the driver of CUDA 13.0 GA, on Linux).
CUDA_BUILDS = (
    CudaBuild("cu130", "13.0", "13.0", "580.65.06", "sm_75 sm_80 sm_86 sm_90 sm_100 sm_120"),
    CudaBuild("cu128", "12.8", "12.0", "525.60.13", "sm_75 sm_80 sm_86 sm_90 sm_100 sm_120"),
    CudaBuild("cu126", "12.6", "12.0", "525.60.13", "sm_50 sm_60 sm_70 sm_75 sm_80 sm_86 sm_90"),
)

#: GPU generations by compute capability (major, or major.minor where a major holds two).
ARCH_NAMES = {"3": "Kepler", "5": "Maxwell", "6": "Pascal", "7.0": "Volta", "7.2": "Volta", "7.5": "Turing",
              "8.0": "Ampere", "8.6": "Ampere", "8.7": "Ampere", "8.9": "Ada Lovelace", "9": "Hopper",
              "10": "Blackwell", "11": "Blackwell", "12": "Blackwell"}

OK, INFO, WARN, ERROR = "ok", "info", "warn", "error"
ICONS = {OK: "✅", INFO: "ℹ️ ", WARN: "⚠️ ", ERROR: "❌"}


@dataclass
class Facts:
    """Everything the doctor looks at, gathered from a machine (or written by a test; chapter 02)."""

    python_version: str
    executable: str
    os_name: str  # "linux", "darwin" or "win32"
    versions: dict[str, str | None]  # installed version, None when missing
    pins: dict[str, str]  # from requirements.txt; empty when the file is not found
    torch_cuda: str | None = None  # torch.version.cuda: the CUDA torch was built for
    cuda_available: bool = False
    gpu_names: list[str] = field(default_factory=list)
    gpu_capabilities: list[str] = field(default_factory=list)  # compute capability per GPU, such as "8.6"
    torch_archs: list[str] = field(default_factory=list)  # torch.cuda.get_arch_list(): empty when CUDA is unusable
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
    """One line of the report: a level, what was found, and how to fix it (chapter 02)."""

    level: str  # ok, info, warn or error
    message: str
    fix: str | None = None


# --------------------------------------------------------------------------- gathering


def read_pins(path: Path = REQUIREMENTS) -> dict[str, str]:
    """Return ``{package: version}`` for the ``name==version`` lines of a requirements file (chapter 02)."""
    if not path.is_file():
        return {}
    lines = path.read_text(encoding="utf-8").splitlines()
    pins = (re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;#]+)", line) for line in lines)
    return {pin.group(1).lower(): pin.group(2) for pin in pins if pin}


def parse_nvidia_smi(text: str) -> tuple[str | None, str | None]:
    """Return (driver version, CUDA version) from the header of ``nvidia-smi``'s screen (chapter 02).

    >>> parse_nvidia_smi("| NVIDIA-SMI 580.95.05   Driver Version: 580.95.05   CUDA Version: 13.0 |")
    ('580.95.05', '13.0')
    """
    driver = re.search(r"Driver Version:\s*([\d.]+)", text)
    cuda = re.search(r"CUDA Version:\s*([\d.]+)", text)
    return (driver.group(1) if driver else None, cuda.group(1) if cuda else None)


def parse_gpu_query(text: str) -> list[tuple[str, str]]:
    """Return (name, compute capability) per GPU from ``nvidia-smi --query-gpu=name,compute_cap --format=csv`` (chapter 02).

    >>> parse_gpu_query("name, compute_cap\\nNVIDIA GeForce GTX 1080, 6.1")
    [('NVIDIA GeForce GTX 1080', '6.1')]
    """
    rows = (re.match(r"^\s*(.+?),\s*(\d+\.\d+)\s*$", line) for line in text.splitlines())
    return [(row.group(1), row.group(2)) for row in rows if row]


def _installed_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _run_nvidia_smi(*args: str) -> str:
    exe = shutil.which("nvidia-smi")
    try:
        return subprocess.run([exe, *args], capture_output=True, text=True, timeout=20).stdout if exe else ""
    except (OSError, subprocess.SubprocessError):
        return ""


def _torchcodec_error() -> str | None:
    """Load TorchCodec's compiled core (which needs FFmpeg's shared libraries)."""
    try:
        importlib.import_module("torchcodec.decoders")
    except Exception as exc:  # noqa: BLE001 - any failure here is what we report
        return f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0]}"
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
    """Look at this machine: Python, packages, CUDA, the driver, MPS, FFmpeg and the kernel (chapter 02)."""
    versions = {name: _installed_version(name) for name in CHECKED_PACKAGES}
    facts = Facts(python_version=platform.python_version(), executable=sys.executable, os_name=sys.platform,
                  versions=versions, pins=read_pins(), in_jupyter="ipykernel" in sys.modules,
                  ffmpeg_path=shutil.which("ffmpeg"), course_version=__version__)
    facts.driver_version, facts.driver_cuda = parse_nvidia_smi(_run_nvidia_smi())
    if versions["torch"] is not None:
        import torch

        facts.torch_cuda = torch.version.cuda
        facts.cuda_available = torch.cuda.is_available()
        if facts.cuda_available:
            devices = range(torch.cuda.device_count())
            facts.gpu_names = [torch.cuda.get_device_name(i) for i in devices]
            facts.gpu_capabilities = ["{}.{}".format(*torch.cuda.get_device_capability(i)) for i in devices]
            facts.torch_archs = torch.cuda.get_arch_list()
        facts.mps_available = torch.backends.mps.is_available()
        facts.tensor_error = _tensor_error(facts.cuda_available)
    if facts.driver_version and not facts.gpu_capabilities:  # CUDA unusable: ask the driver instead
        gpus = parse_gpu_query(_run_nvidia_smi("--query-gpu=name,compute_cap", "--format=csv,noheader"))
        facts.gpu_names = [name for name, _ in gpus]
        facts.gpu_capabilities = [capability for _, capability in gpus]
    facts.torchcodec_error = _torchcodec_error() if versions["torchcodec"] else None
    return facts


# --------------------------------------------------------------------------- diagnosing


def _major_minor(version: str) -> tuple[int, int]:
    parts = (version.split(".") + ["0"])[:2]
    return int(parts[0]), int(parts[1])


def arch_name(capability: str) -> str:
    """The GPU generation of a compute capability: ``"6.1"`` is Pascal, ``"8.9"`` Ada Lovelace (chapter 02)."""
    return ARCH_NAMES.get(capability) or ARCH_NAMES.get(capability.split(".")[0]) or "unknown"


def kernels_for(archs: list[str] | str, capability: str) -> str | None:
    """How a build with these architectures runs on a GPU of this compute capability (chapter 02).

    ``"sm"``: native kernels (an ``sm_XY`` entry of the same major version, ``Y`` <= the GPU's minor);
    ``"ptx"``: only through PTX (a ``compute_XY`` entry <= the GPU), which the driver compiles at load
    time and which needs a driver at least as new as the build's CUDA; None: no kernel at all, and every
    CUDA operation fails with "no kernel image is available for execution on the device".
    """
    major, minor = _major_minor(capability)
    ptx = False
    for entry in archs.split() if isinstance(archs, str) else archs:
        kind, _, number = entry.partition("_")
        number = number.rstrip("af")  # sm_90a, sm_100f: the same generation's kernels
        arch = (int(number[:-1]), int(number[-1]))
        if kind == "sm" and arch[0] == major and arch[1] <= minor:
            return "sm"
        ptx = ptx or (kind == "compute" and arch <= (major, minor))
    return "ptx" if ptx else None


def driver_runs(driver_cuda: str, build_cuda: str) -> bool:
    """Whether a driver (its nvidia-smi "CUDA Version") runs a build for ``build_cuda`` (chapter 02).

    CUDA minor-version compatibility: any driver of the same CUDA major version runs it (a 12.x build on
    R525 or newer, a 13.x build on R580 or newer), except PTX that the driver must compile itself.
    """
    return _major_minor(driver_cuda)[0] >= _major_minor(build_cuda)[0]


def _build(cuda: str | None) -> CudaBuild | None:
    return next((b for b in CUDA_BUILDS if cuda and _major_minor(b.cuda) == _major_minor(cuda)), None)


def wheel_for(driver_cuda: str, *capabilities: str) -> str | None:
    """The newest torch 2.11 wheel index (cu130/cu128/cu126) that runs on this driver and has native
    kernels for every GPU given by compute capability; None when none does (chapter 02)."""
    for build in CUDA_BUILDS:
        if driver_runs(driver_cuda, build.cuda) and all(kernels_for(build.archs, c) == "sm" for c in capabilities):
            return build.index
    return None


def _pin_install_line(pins: dict[str, str], index: str | None = None) -> str:
    """The pip command for the pinned torch, torchvision and torchaudio, from a PyTorch wheel index.

    With an index, each pin carries the build's local label (``torch==2.11.0+cu126``): an installed
    ``torch 2.11.0`` of another build already satisfies ``torch==2.11.0``, and pip would keep it.
    """
    names = [n for n in ("torch", "torchvision", "torchaudio") if n in pins]
    label = f"+{index}" if index else ""
    line = "pip install " + " ".join(f"{n}=={pins[n]}{label}" for n in names)
    return line + (f" --index-url {PYTORCH_WHEELS}/{index}" if index else "")


def diagnose(facts: Facts) -> list[Finding]:
    """Turn facts into findings. Every ``warn`` and ``error`` carries a fix (chapter 02)."""
    checks = (_check_python, _check_packages, _check_tensor, _check_cuda, _check_mps, _check_ffmpeg)
    return [finding for check in checks for finding in check(facts)]


def _check_python(facts: Facts) -> list[Finding]:
    version = _major_minor(facts.python_version)
    if version < (3, 10):
        return [Finding(ERROR, f"Python {facts.python_version} is too old: torch 2.11 needs Python 3.10 or newer.",
                        "Install Python 3.10-3.13 (or `conda create -n pytorch-course python=3.11`), "
                        "then rebuild the environment: `make clean && make lab`.")]
    if version > (3, 13):
        return [Finding(WARN, f"Python {facts.python_version} is newer than the course tests (3.10-3.13).",
                        "If an install fails, use Python 3.11 or 3.12 for the course environment.")]
    return [Finding(OK, f"Python {facts.python_version} ({facts.executable})")]


def _check_packages(facts: Facts) -> list[Finding]:
    findings, mismatched = [], []
    for name in CHECKED_PACKAGES:
        installed, pinned = facts.versions.get(name), facts.pins.get(name)
        if installed is None:
            mismatched.append(f"{name} missing")
        elif pinned and installed.split("+", 1)[0] != pinned:  # 2.11.0+cu130 matches the pin 2.11.0
            mismatched.append(f"{name} {installed} (course pins {pinned})")
        else:
            findings.append(Finding(OK, f"{name} {installed}"))
    if mismatched and facts.in_jupyter:
        findings.append(Finding(ERROR, "This notebook is running on the wrong Jupyter kernel: its Python "
                                f"({facts.executable}) has {', '.join(mismatched)}.",
                                "In JupyterLab choose Kernel > Change Kernel... > 'PyTorch course'. "
                                "That kernel is created by `make lab` (or `python -m ipykernel install --user --name "
                                "pytorch-course --display-name 'PyTorch course'` inside the course environment)."))
    elif mismatched:
        findings.append(Finding(ERROR, f"The course packages do not match the pins: {', '.join(mismatched)}.",
                                "Inside the course environment run `pip install -r requirements.txt -e .` "
                                "(or simply `make lab`, which builds .venv)."))
    return findings


def _check_tensor(facts: Facts) -> list[Finding]:
    if facts.versions.get("torch") is None or (facts.tensor_error and _gpus_without_kernels(facts)):
        return []  # a GPU without kernels: _check_cuda explains it (reinstalling the same build would not help)
    if facts.tensor_error:
        return [Finding(ERROR, f"torch is installed but making a tensor failed: {facts.tensor_error}",
                        "Reinstall the pinned packages: `pip install --force-reinstall -r requirements.txt`.")]
    return [Finding(OK, "torch.rand(5, 3) works" + (" and the GPU can add tensors" if facts.cuda_available else ""))]


def _torch_archs(facts: Facts) -> list[str]:
    """The installed build's architectures: as torch reports them, else from the table of builds."""
    build = _build(facts.torch_cuda)
    return facts.torch_archs or (build.archs.split() if build else [])


def _gpus(facts: Facts) -> list[tuple[str, str]]:
    """(name, compute capability) for each GPU whose capability is known."""
    names = facts.gpu_names + ["GPU"] * (len(facts.gpu_capabilities) - len(facts.gpu_names))
    return list(zip(names, facts.gpu_capabilities))


def _gpus_without_kernels(facts: Facts) -> list[tuple[str, str]]:
    archs = _torch_archs(facts)
    if facts.torch_cuda is None or not archs:
        return []
    return [(name, cap) for name, cap in _gpus(facts) if kernels_for(archs, cap) is None]


def _install_fix(facts: Facts) -> str:
    """What to install for this driver and these GPUs, or which driver to get first."""
    capabilities = facts.gpu_capabilities
    index = wheel_for(facts.driver_cuda, *capabilities) if facts.driver_cuda else None
    if index:
        return f"install the {index} build, made for this driver and GPU: `{_pin_install_line(facts.pins, index)}`"
    fitting = [b for b in CUDA_BUILDS if all(kernels_for(b.archs, c) == "sm" for c in capabilities)]
    if not fitting:
        return "no torch 2.11 build has kernels for this GPU: use the CPU (every notebook runs there)"
    build = min(fitting, key=lambda b: [int(part) for part in b.linux_driver.split(".")])  # the oldest driver
    return (f"update the NVIDIA driver to R{build.linux_driver.split('.')[0]} or newer ({build.linux_driver} on "
            f"Linux), then install the {build.index} build: `{_pin_install_line(facts.pins, build.index)}`")


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:] + "."


def _cuda_works(facts: Facts, built_for: str) -> list[Finding]:
    """CUDA is usable. With a driver older than torch's CUDA (minor-version compatibility), say why
    that is fine, or warn when a GPU depends on PTX, which that compatibility does not cover."""
    capabilities = f" (compute capability {', '.join(facts.gpu_capabilities)})" if facts.gpu_capabilities else ""
    findings = [Finding(OK, f"CUDA works: {built_for}, driver {facts.driver_version} supports CUDA {facts.driver_cuda}; "
                            f"{len(facts.gpu_names)} GPU(s): {', '.join(facts.gpu_names) or 'unknown'}{capabilities}")]
    if not facts.driver_cuda or _major_minor(facts.driver_cuda) >= _major_minor(facts.torch_cuda):
        return findings
    ptx_only = [name for name, cap in _gpus(facts) if kernels_for(_torch_archs(facts), cap) == "ptx"]
    if ptx_only:
        findings.append(Finding(WARN, f"{', '.join(ptx_only)} runs this torch only through PTX, which the driver "
                                f"compiles at load time; that needs a driver for CUDA {facts.torch_cuda} or newer, and "
                                f"this one supports CUDA {facts.driver_cuda} (minor-version compatibility does not "
                                "cover PTX).",
                                "Update the NVIDIA driver to one whose `nvidia-smi` shows 'CUDA Version: "
                                f"{facts.torch_cuda}' or higher, or install a build with native kernels for this GPU "
                                "(chapter 02 has the support matrix)."))
    else:
        findings.append(Finding(INFO, f"The driver supports CUDA {facts.driver_cuda}, older than torch's "
                                f"{facts.torch_cuda}: this works through CUDA minor-version compatibility, because the "
                                "build has native kernels for this GPU (only code that the driver must compile from PTX "
                                "would need a newer driver)."))
    return findings


def _check_cuda(facts: Facts) -> list[Finding]:
    if facts.versions.get("torch") is None:
        return []
    build = _build(facts.torch_cuda)
    built_for = f"torch built for CUDA {facts.torch_cuda}" + (f" ({build.index})" if build else "")
    missing = _gpus_without_kernels(facts)
    if missing:
        gpus = ", ".join(f"{name} (compute capability {cap}, {arch_name(cap)}, sm_{cap.replace('.', '')})"
                         for name, cap in missing)
        return [Finding(ERROR, f"This {built_for} has no kernels for {gpus}: its architectures are "
                        f"{' '.join(_torch_archs(facts))}, so every CUDA operation fails with "
                        "'no kernel image is available for execution on the device'. "
                        "Reinstalling the same build does not help.", _sentence(_install_fix(facts)))]
    if facts.cuda_available:
        return _cuda_works(facts, built_for)
    if facts.torch_cuda is None and facts.driver_version is None:
        return [Finding(INFO, "CPU-only build of torch and no NVIDIA GPU: everything in the course runs on the CPU.")]
    if facts.torch_cuda is None:
        return [Finding(WARN, f"An NVIDIA driver ({facts.driver_version}) is present, but this torch is a CPU-only "
                        "build.", f"To use the GPU, {_install_fix(facts)}.")]
    if facts.driver_version is None:
        return [Finding(INFO, f"torch is built for CUDA {facts.torch_cuda}, but no NVIDIA driver was found, so it runs "
                        "on the CPU. That is fine: every notebook runs on the CPU.",
                        "Only if this machine has an NVIDIA GPU: install the NVIDIA driver "
                        f"(one that supports CUDA {facts.torch_cuda}), then check `nvidia-smi`.")]
    if facts.driver_cuda and not driver_runs(facts.driver_cuda, facts.torch_cuda):
        fix = _install_fix(facts)
        needs = (f"from the R{build.linux_driver.split('.')[0]} branch on ({build.linux_driver} or newer on "
                 f"Linux; `nvidia-smi` shows 'CUDA Version: {build.driver_cuda}' or higher)" if build
                 else f"one whose `nvidia-smi` shows 'CUDA Version: {facts.torch_cuda}' or higher")
        return [Finding(ERROR, f"The NVIDIA driver is too old: driver {facts.driver_version} supports CUDA up to "
                        f"{facts.driver_cuda}, but this {built_for} needs a driver {needs}.",
                        _sentence(fix if fix.startswith("update") else f"update the NVIDIA driver, or {fix}"))]
    return [Finding(ERROR, f"A driver ({facts.driver_version}, CUDA {facts.driver_cuda}) and a CUDA build of torch "
                    f"(CUDA {facts.torch_cuda}) are present, but torch.cuda.is_available() is False.",
                    "Check that CUDA_VISIBLE_DEVICES is not empty, that `nvidia-smi` lists the GPU, "
                    "and reboot if the driver was just installed or updated.")]


def _check_mps(facts: Facts) -> list[Finding]:
    if facts.os_name != "darwin":
        return []
    if facts.mps_available:
        return [Finding(OK, "Apple GPU (MPS) is available: get_device() will pick it.")]
    return [Finding(INFO, "No Apple GPU (MPS): needs Apple silicon and macOS 12.3 or newer; "
                    "the CPU works for the course.")]


def _check_ffmpeg(facts: Facts) -> list[Finding]:
    if facts.versions.get("torchcodec") is None:
        return []  # reported with the other missing packages
    if facts.torchcodec_error:
        return [Finding(ERROR, f"TorchCodec cannot load FFmpeg ({facts.torchcodec_error}); "
                        "torchaudio.load/save will fail.",
                        "Install FFmpeg's shared libraries: Debian/Ubuntu `sudo apt install ffmpeg`; "
                        "conda `conda install -c conda-forge ffmpeg`; macOS `brew install ffmpeg`; "
                        "Windows: use the conda environment (environment.yml installs FFmpeg).")]
    where = facts.ffmpeg_path or "libraries found"
    return [Finding(OK, f"TorchCodec {facts.versions['torchcodec']} loads FFmpeg ({where})")]


# --------------------------------------------------------------------------- reporting


def format_report(facts: Facts, findings: list[Finding]) -> str:
    """Render findings as the text report, problems last so they are easy to spot (chapter 02)."""
    order = {OK: 0, INFO: 1, WARN: 2, ERROR: 3}
    lines = ["PyTorch course doctor", "=" * 21]
    if facts.course_version:
        lines.append(f"Course version {facts.course_version}")
    for finding in sorted(findings, key=lambda f: order[f.level]):
        lines.append(f"{ICONS[finding.level]} {finding.message}")
        if finding.fix and finding.level != OK:
            lines.append(f"    fix: {finding.fix}")
    problems = sum(f.level in (WARN, ERROR) for f in findings)
    lines += ["", f"{problems} problem(s) to fix." if problems else "All good: this machine is ready for the course."]
    return "\n".join(lines)


def doctor(facts: Facts | None = None) -> None:
    """Print the report for this machine (or for ``facts``, to see another machine's; chapter 02)."""
    facts = facts or gather_facts()
    print(format_report(facts, diagnose(facts)))


def main() -> int:
    """Command-line entry: print the report; exit 1 when there is an error (chapter 02)."""
    facts = gather_facts()
    findings = diagnose(facts)
    print(format_report(facts, findings))
    return 1 if any(f.level == ERROR for f in findings) else 0
