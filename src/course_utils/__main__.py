"""``python -m course_utils COMMAND`` is the ``course`` command (``course_utils/tools/cli.py``)."""

import sys

from .tools.cli import main

if __name__ == "__main__":
    sys.exit(main())
