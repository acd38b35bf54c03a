"""Check that a release's version numbers agree before it is tagged or published (``make release``).

    python tools/release_check.py --tag v1.0.0     # or TAG=v1.0.0 make release
    python tools/release_check.py                  # the tag of HEAD (git describe --tags --exact-match)

The course has one version number, ``[project] version`` in pyproject.toml. A release is right
when these all say the same:

* the git tag: ``v`` followed by the version (``v1.0.0``);
* the newest release in CHANGELOG.md: its first ``## [X.Y.Z] - YYYY-MM-DD`` heading
  (an ``## [Unreleased]`` section above it is allowed, and skipped);
* ``version`` in CITATION.cff, whose ``date-released`` must be the changelog entry's date.

It prints what it compared and exits 0, or prints every disagreement and exits 1.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: ``## [1.0.0] - 2026-12-02`` (the date may be missing for a version still being written).
RELEASE_HEADING = re.compile(r"^## \[(?P<version>[^\]]+)\](?:\s+-\s+(?P<date>\d{4}-\d{2}-\d{2}))?", re.MULTILINE)
SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$")


@dataclass
class Versions:
    """The version (and date) each file states; None where a file does not say."""

    pyproject: str | None
    changelog: str | None
    changelog_date: str | None
    citation: str | None
    citation_date: str | None
    tag: str | None


def pyproject_version(path: Path) -> str | None:
    """``[project] version`` of a pyproject.toml."""
    text = path.read_text(encoding="utf-8")
    table = re.search(r"^\[project\]\s*$(.*?)(?=^\[|\Z)", text, re.MULTILINE | re.DOTALL)
    match = re.search(r"""^version\s*=\s*["']([^"']+)["']""", table.group(1), re.MULTILINE) if table else None
    return match.group(1) if match else None


def changelog_release(path: Path) -> tuple[str | None, str | None]:
    """(version, date) of the newest release in a changelog, skipping ``[Unreleased]``."""
    for match in RELEASE_HEADING.finditer(path.read_text(encoding="utf-8")):
        if match.group("version").strip().lower() != "unreleased":
            return match.group("version").strip(), match.group("date")
    return None, None


def citation_field(path: Path, key: str) -> str | None:
    """A top-level scalar of CITATION.cff, as written (quotes removed)."""
    match = re.search(rf"^{re.escape(key)}:\s*(.+?)\s*$", path.read_text(encoding="utf-8"), re.MULTILINE)
    return match.group(1).strip("\"'") if match else None


def git_tag(root: Path) -> str | None:
    """The tag on HEAD (``git describe --tags --exact-match``), None when there is none."""
    try:
        result = subprocess.run(["git", "describe", "--tags", "--exact-match"], cwd=root,
                                capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    return result.stdout.strip() or None


def gather(root: Path, tag: str | None) -> Versions:
    """Read every version in the checkout at ``root``; ``tag`` None means ask git."""
    changelog, changelog_date = changelog_release(root / "CHANGELOG.md")
    return Versions(
        pyproject=pyproject_version(root / "pyproject.toml"),
        changelog=changelog,
        changelog_date=changelog_date,
        citation=citation_field(root / "CITATION.cff", "version"),
        citation_date=citation_field(root / "CITATION.cff", "date-released"),
        tag=tag if tag is not None else git_tag(root),
    )


def problems(v: Versions) -> list[str]:
    """Every disagreement between the versions, each as a sentence that says how to fix it."""
    found: list[str] = []
    if v.pyproject is None:
        return ["pyproject.toml has no [project] version: that is the course's one version number."]
    if not SEMVER.match(v.pyproject):
        found.append(f"pyproject.toml's version {v.pyproject!r} is not MAJOR.MINOR.PATCH.")
    if v.tag is None:
        found.append(f"No tag: pass TAG=v{v.pyproject} (make release TAG=v{v.pyproject}), "
                     f"or tag this commit (git tag v{v.pyproject}).")
    elif v.tag != f"v{v.pyproject}":
        found.append(f"The tag {v.tag!r} does not match pyproject.toml's version {v.pyproject}: "
                     f"the tag must be 'v{v.pyproject}'.")
    if v.changelog is None:
        found.append("CHANGELOG.md has no release heading like '## [1.0.0] - 2026-12-02'.")
    elif v.changelog != v.pyproject:
        found.append(f"CHANGELOG.md's newest release is {v.changelog}, but pyproject.toml says {v.pyproject}: "
                     f"add a '## [{v.pyproject}] - YYYY-MM-DD' section, or fix the version.")
    elif v.changelog_date is None:
        found.append(f"CHANGELOG.md's '## [{v.changelog}]' heading has no date ('- YYYY-MM-DD').")
    if v.citation != v.pyproject:
        found.append(f"CITATION.cff's version is {v.citation}, but pyproject.toml says {v.pyproject}.")
    if v.changelog_date and v.citation_date != v.changelog_date:
        found.append(f"CITATION.cff's date-released is {v.citation_date}, "
                     f"but CHANGELOG.md dates {v.changelog} {v.changelog_date}.")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tag", help="the release tag (default: the tag on HEAD, if any)")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to check")
    args = parser.parse_args(argv)
    versions = gather(args.root, args.tag or None)
    print(f"pyproject.toml {versions.pyproject} · CHANGELOG.md {versions.changelog} ({versions.changelog_date}) · "
          f"CITATION.cff {versions.citation} ({versions.citation_date}) · tag {versions.tag}")
    found = problems(versions)
    for problem in found:
        print(f"release check FAILED: {problem}", file=sys.stderr)
    if not found:
        print(f"release check passed: v{versions.pyproject}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
