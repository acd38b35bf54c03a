"""Environment switches the course reads (all off unless set)."""

from __future__ import annotations

import os

DOWNLOAD_VAR = "COURSE_DOWNLOAD"
REQUIRE_GPU_VAR = "COURSE_REQUIRE_GPU"
LANG_VAR = "COURSE_LANG"
RESULTS_VAR = "COURSE_RESULTS"


def env_flag(name: str) -> bool:
    """True when the environment variable ``name`` is set to 1, true, yes or on."""
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}
