"""Instructor and author tools: the ``course`` command and what it runs.

* ``cli.py``: ``course assign | grade | exercises | doctor | build | ...`` (also ``python -m course_utils``);
* ``authoring.py``: execute notebooks as the tests do, keep .ipynb/.py pairs in sync, generate exercises;
* ``grading.py``: build assignments and grade a class; ``judge.py``: one submission, judged from
  outside its sandbox; ``sandbox.py``, ``sandbox_worker.py`` and ``wire.py``: the sandbox and what crosses it.

Students never need this package; lessons never import it.
"""
