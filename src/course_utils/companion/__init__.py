"""Help for a stuck student: where you are in the course (``course progress``) and what to do next.

Each module here is small and stands alone; this package imports nothing on purpose, so that
importing one helper never loads the others.
"""
