"""Instructor and author tools: the ``course`` command and what it runs.

* ``cli.py``: ``course assign | grade | exercises | doctor | build | ...`` (also ``python -m course_utils``);
* ``authoring.py``: execute notebooks as the tests do, keep .ipynb/.py pairs in sync, generate exercises;
* ``grading.py`` and ``grade_worker.py``: build assignments and grade submitted notebooks.

Students never need this package; lessons never import it.
"""
