"""Build a wheelhouse: every wheel the course needs, so a classroom installs with no network.

    python tools/wheelhouse.py --dest wheelhouse --python 3.11 --python 3.12

(``make wheelhouse`` runs this; ``WHEELHOUSE_PYTHONS="3.10 3.11 3.12 3.13"`` adds versions.)

For each Python version it runs ``pip download -r requirements.txt`` for Linux x86-64 with
``--only-binary=:all:``, ``--platform`` and ``--python-version``, together with the build
backend that ``pip install -e .`` needs (pyproject.toml's ``[build-system] requires``, plus
``wheel``), all into one folder. Last it writes ``WHEELHOUSE.md`` there: what is inside and
how to install from it offline. ``make venv``/``lab``/``test`` use a folder only once that
file exists, so a download that stopped halfway is never mistaken for a complete one.

Two limits of ``pip download`` shape this script:

* pip evaluates the environment markers of dependencies (``tomli; python_version < "3.11"``)
  for the Python that *runs* pip, not for ``--python-version``. So each version is downloaded
  by a matching interpreter (``python3.12`` on PATH) when there is one; otherwise by this
  Python, with a warning that packages needed only on the other version may be missing.
* Markers such as ``platform_system == "Linux"`` (torch's CUDA libraries) are also evaluated
  on this machine, so the script refuses to run anywhere but Linux x86-64.

pip's own settings apply to the download: ``PIP_INDEX_URL``/``PIP_EXTRA_INDEX_URL`` (a mirror)
and its config files are honoured; nothing here overrides them.
"""

from __future__ import annotations

import argparse
import platform
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "requirements.txt"
PYPROJECT = ROOT / "pyproject.toml"
MARKER = "WHEELHOUSE.md"

#: The versions a plain ``make wheelhouse`` downloads: CI's Python and the GPU image's.
DEFAULT_PYTHONS = ("3.11", "3.12")
SUPPORTED_PYTHONS = ("3.10", "3.11", "3.12", "3.13")

#: glibc 2.28 and newer: torch 2.11's own wheels are manylinux_2_28, so the pack runs wherever
#: torch runs. pip takes a wheel only when its tag is listed (a manylinux_2_28 tag does not imply
#: the older ones), so list every glibc from 2.28 down, and the legacy aliases.
PLATFORMS = tuple(f"manylinux_2_{minor}_x86_64" for minor in range(28, 4, -1)) + (
    "manylinux2014_x86_64",
    "manylinux2010_x86_64",
    "manylinux1_x86_64",
)


def build_requirements(pyproject: Path = PYPROJECT) -> list[str]:
    """pyproject.toml's ``[build-system] requires``, plus ``wheel``: what ``pip install -e .`` builds with."""
    text = pyproject.read_text(encoding="utf-8")
    table = re.search(r"^\[build-system\]\s*$(.*?)(?=^\[|\Z)", text, re.MULTILINE | re.DOTALL)
    requires = re.search(r"^requires\s*=\s*\[(.*?)\]", table.group(1), re.MULTILINE | re.DOTALL) if table else None
    if requires is None:
        raise SystemExit(f"{pyproject}: no [build-system] requires")
    names = re.findall(r"""["']([^"']+)["']""", requires.group(1))
    if not any(re.match(r"wheel\b", name) for name in names):
        names.append("wheel")
    return names


def interpreter_version(executable: str) -> str | None:
    """``"3.12"`` for a working Python interpreter, None when it does not run."""
    try:
        result = subprocess.run(
            [executable, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True, timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def find_interpreter(version: str) -> str | None:
    """A Python ``version`` interpreter: this one, or ``pythonX.Y`` on PATH; None if there is none."""
    if f"{sys.version_info[0]}.{sys.version_info[1]}" == version:
        return sys.executable
    found = shutil.which(f"python{version}")
    if found and interpreter_version(found) == version:
        return found
    return None


#: Pinned packages that PyPI has only as a source archive (pure Python): built into a wheel here.
SOURCE_ONLY = ("jieba",)


def split_source_only(requirements: Path, dest: Path) -> tuple[Path, list[str]]:
    """Write the requirements without the SOURCE_ONLY pins next to ``dest``; return it and those pins."""
    lines = requirements.read_text(encoding="utf-8").splitlines()
    source = [line.split(";")[0].strip() for line in lines if line.split("==")[0].strip().lower() in SOURCE_ONLY]
    binary = [line for line in lines if line.split("==")[0].strip().lower() not in SOURCE_ONLY]
    path = dest.parent / f".{dest.name}-binary-requirements.txt"
    path.write_text("\n".join(binary) + "\n", encoding="utf-8")
    return path, source


def download_command(python: str, version: str, dest: Path, requirements: Path = REQUIREMENTS,
                     build: Sequence[str] = ()) -> list[str]:
    """The ``pip download`` command for one Python version (binary wheels for Linux x86-64 only)."""
    command = [python, "-m", "pip", "download", "--dest", str(dest), "--only-binary=:all:",
               "--implementation", "cp", "--python-version", version]
    for tag in PLATFORMS:
        command += ["--platform", tag]
    return command + ["-r", str(requirements), *build]


def pythons_in(folder: Path) -> list[str]:
    """The Python versions the folder has torch wheels for (``torch-2.11.0-cp312-...`` is 3.12)."""
    found = {f"3.{m.group(1)}" for p in folder.glob("torch-*.whl") if (m := re.search(r"-cp3(\d+)-", p.name))}
    return sorted(found, key=lambda v: int(v.split(".")[1]))


def folder_size(folder: Path) -> int:
    """Bytes in the files directly inside ``folder``."""
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file())


def instructions(versions: Sequence[str], wheels: int, size: int) -> str:
    """The text of WHEELHOUSE.md: what the folder holds and how to install from it offline."""
    pythons = ", ".join(versions)
    return f"""# Wheelhouse for the PyTorch course

Every wheel the course installs (`requirements.txt`) plus the build backend of `pip install -e .`,
for **Linux x86-64** (glibc 2.28 or newer) and **Python {pythons}**:
{wheels} files, {size / 1e9:.1f} GB. Built by `make wheelhouse`.

## Install with no network

Copy this folder to the classroom machines (a USB disk, a shared drive), next to a checkout of
the course, then in the course folder:

```bash
make lab WHEELHOUSE=/path/to/this/folder     # or make venv / make test; a folder named
                                             # wheelhouse/ in the course folder is used by itself
```

Without make, the same commands by hand:

```bash
python3 -m venv .venv                        # a Python listed above
.venv/bin/python -m pip install --no-index --find-links /path/to/this/folder -r requirements.txt -e .
.venv/bin/python -m ipykernel install --sys-prefix --name pytorch-course --display-name "PyTorch course"
```

`--no-index` makes pip look only in this folder (it ignores any index or mirror configured in pip's
settings), so an install that works here works in a room without a network. The course's pinned
versions live in `requirements.txt`; rebuild the wheelhouse (`make wheelhouse`) after changing it.

Not in here: Python itself, and FFmpeg (chapter 12's audio I/O needs its shared libraries):
install them from the operating system's packages (`sudo apt install ffmpeg`) before going offline.
"""


def build(dest: Path, versions: Sequence[str]) -> int:
    """Download everything for ``versions`` into ``dest`` and write the instructions; 0 on success."""
    if sys.platform != "linux" or platform.machine() not in ("x86_64", "AMD64"):
        print("make wheelhouse must run on Linux x86-64: pip evaluates the markers of torch's "
              f"dependencies (its CUDA libraries) on the machine that downloads, not on {sys.platform} "
              f"{platform.machine()}.", file=sys.stderr)
        return 2
    unknown = [v for v in versions if v not in SUPPORTED_PYTHONS]
    if unknown:
        print(f"Unsupported Python version(s) {unknown}: the course supports {', '.join(SUPPORTED_PYTHONS)}.",
              file=sys.stderr)
        return 2
    dest.mkdir(parents=True, exist_ok=True)
    (dest / MARKER).unlink(missing_ok=True)  # incomplete until the end
    build_reqs = build_requirements()
    binary_reqs, source_pins = split_source_only(REQUIREMENTS, dest)
    start = time.monotonic()
    for version in versions:
        python = find_interpreter(version)
        if python is None:
            python = sys.executable
            print(f"warning: no python{version} on PATH; downloading for {version} with Python "
                  f"{platform.python_version()}, whose environment markers pip will use: a package "
                  f"needed only on {version} may be missing.", file=sys.stderr)
        print(f"== Python {version}: pip download with {python}", flush=True)
        command = download_command(python, version, dest, requirements=binary_reqs, build=build_reqs)
        if subprocess.run(command).returncode != 0:
            print(f"pip download failed for Python {version}", file=sys.stderr)
            return 1
    for pin in source_pins:  # pure Python: one wheel serves every version
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(dest), pin]
        if subprocess.run(command).returncode != 0:
            print(f"building a wheel for {pin} failed", file=sys.stderr)
            return 1
    seconds = time.monotonic() - start
    wheels = sum(1 for p in dest.iterdir() if p.suffix == ".whl")
    size = folder_size(dest)
    # An earlier run may have added other versions to the same folder: list what it holds.
    (dest / MARKER).write_text(instructions(pythons_in(dest) or versions, wheels, size), encoding="utf-8")
    print(f"wheelhouse {dest}: {wheels} wheels, {size / 1e9:.2f} GB, downloaded in {seconds:.0f} s; "
          f"see {dest / MARKER}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dest", type=Path, default=ROOT / "wheelhouse", help="the folder to fill")
    parser.add_argument("--python", action="append", dest="versions", metavar="X.Y",
                        help=f"a Python version to download for (repeat; default {' '.join(DEFAULT_PYTHONS)})")
    args = parser.parse_args(argv)
    return build(args.dest.resolve(), args.versions or list(DEFAULT_PYTHONS))


if __name__ == "__main__":
    sys.exit(main())
