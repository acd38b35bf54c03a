"""Test-run settings shared by the unit tests and nbval.

* Every kernel and subprocess inherits ``TEST_ENV``: stable warning locations,
  no progress bars, offline, and the network guard (tests/netguard).
* Notebooks under exercises/ are compared laxly (only ``# NBVAL_CHECK_OUTPUT``
  cells), while notebooks/ and solutions/ are strict, all in one pytest run.
* Each notebook's kernel starts under its edition's CPU kernel setting
  (``COURSE_KERNELS``, see ``course_utils.tools.authoring.KERNEL_PLANS``): by default
  en under "pinned" and zh under "other", so every code cell runs under both.
* Each notebook's runtime goes to reports/notebook_times.md (and .json).
"""

from __future__ import annotations

import json
import os
import sys
from collections import defaultdict
from pathlib import Path

from course_utils.tools.authoring import NETGUARD_DIR, apply_test_env, kernel_setting

ROOT = Path(__file__).resolve().parent
REPORT_DIR = ROOT / "reports"
LAX_FOLDERS = {"exercises"}
#: A lesson over this many seconds fails the run (the target is 60 s; slack for noisy runners).
MAX_NOTEBOOK_SECONDS = float(os.environ.get("COURSE_MAX_NOTEBOOK_SECONDS", "90"))

apply_test_env()
sys.path.insert(0, str(NETGUARD_DIR))
import sitecustomize  # noqa: E402  (the guard, installed in this process too)

sitecustomize.install()

_times: dict[str, float] = defaultdict(float)


def pytest_collectstart(collector) -> None:
    """Make nbval lax for exercises/, and start each kernel under its edition's CPU kernel setting."""
    if type(collector).__name__ == "IPyNbFile":
        relative = Path(str(collector.path)).resolve().relative_to(ROOT)
        if relative.parts[0] in LAX_FOLDERS:
            collector.compare_outputs = False  # students' stubs print 'not done yet', not stored outputs
        collector.setup = _with_environment(collector.setup, kernel_setting(relative.parts[1]))


def _with_environment(setup, variables: dict[str, str]):
    """Wrap nbval's ``setup`` (which starts the kernel) so that the kernel inherits ``variables``."""

    def setup_with_environment() -> None:
        saved = {name: os.environ.get(name) for name in variables}
        os.environ.update(variables)
        try:
            setup()
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    return setup_with_environment


def pytest_runtest_logreport(report) -> None:
    path = report.nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        _times[path] += report.duration


def pytest_sessionfinish(session, exitstatus) -> None:
    if not _times or hasattr(session.config, "workerinput"):  # with xdist, only the controller reports
        return
    REPORT_DIR.mkdir(exist_ok=True)
    rows = sorted(_times.items())
    (REPORT_DIR / "notebook_times.json").write_text(json.dumps(dict(rows), indent=1) + "\n")
    lines = ["# Notebook runtimes (seconds, this test run)", "", "| notebook | seconds |", "| --- | ---: |"]
    lines += [f"| {path} | {seconds:.1f} |" for path, seconds in rows]
    lines += ["", f"Total: {sum(_times.values()):.1f} s over {len(rows)} notebooks."]
    (REPORT_DIR / "notebook_times.md").write_text("\n".join(lines) + "\n")
    slow = [f"{p} ({s:.0f} s)" for p, s in rows if s > MAX_NOTEBOOK_SECONDS]
    if slow:
        print(f"\nNotebooks over {MAX_NOTEBOOK_SECONDS:.0f} s: " + ", ".join(slow))
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter) -> None:
    if _times and not hasattr(terminalreporter.config, "workerinput"):
        slowest = sorted(_times.items(), key=lambda kv: -kv[1])[:5]
        terminalreporter.write_line("notebook runtimes (slowest first): " + ", ".join(f"{p} {s:.1f}s" for p, s in slowest))
        terminalreporter.write_line(f"full report: {REPORT_DIR / 'notebook_times.md'}")
