"""Run one grading notebook and write what the grader needs to know (a child process of ``grade``).

It is started as a plain script, ``python grade_worker.py NOTEBOOK RESULT TIMEOUT KERNEL``, so that it
imports only nbclient and nbformat, not torch: each graded notebook then costs one kernel, not two.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError


def run(notebook_path: Path, result_path: Path, timeout: int, kernel_name: str) -> None:
    """Execute every cell (errors allowed), then record errors, death, time-out and the last cell's stdout."""
    notebook = nbformat.read(notebook_path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name=kernel_name, allow_errors=True,
                            record_timing=False, shutdown_kernel="immediate",
                            resources={"metadata": {"path": str(notebook_path.parent)}})
    died = timed_out = False
    try:
        client.execute()
    except DeadKernelError:
        died = True
    except CellTimeoutError:
        timed_out = True
    errors = [f"{o.get('ename')} in cell {i}" for i, cell in enumerate(notebook.cells[:-1])
              for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    last = "".join(o.get("text", "") for o in notebook.cells[-1].get("outputs", []) if o.get("output_type") == "stream")
    result_path.write_text(json.dumps({"died": died, "timed_out": timed_out, "errors": errors, "stdout": last[-200_000:]}))


if __name__ == "__main__":
    run(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
