# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: -all
#     notebook_metadata_filter: kernelspec,jupytext,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: PyTorch course
#     language: python
#     name: pytorch-course
# ---

# %% [markdown]
# # 00 · Exercises: warm-up
#
# Three warm-up exercises to learn how exercises work: replace the `raise NotImplementedError(...)` in each function with your code, then run the `check(...)` cell below it.
#
# * `✅` the checks passed, `❌` not yet (with a hint), `⏳` not done yet.
# * Stuck? The full solutions are in `solutions/en/00_how_to_use.ipynb`.

# %%
from course_utils import check, setup_notebook

setup_notebook()

# %% [markdown]
# ## 00.1 Return a greeting
#
# Complete `greet(name)` so that it **returns** (not prints) the string `"Hello, <name>!"`; for example `greet("Ada")` returns `"Hello, Ada!"`.

# %%
def greet(name):
    """Return "Hello, <name>!"."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("00.1", greet)


# %% [markdown]
# ## 00.2 Find a solution notebook
#
# Complete `solution_path(chapter, edition)`: given a chapter (such as `"03_tensors"`) and an edition (`"zh"` or `"en"`), return the path of that chapter's solution notebook relative to the course root, for example `"solutions/zh/03_tensors.ipynb"`.

# %%
def solution_path(chapter, edition):
    """Return the path of a chapter's solution notebook, relative to the course root."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("00.2", solution_path)

# %% [markdown]
# ## 00.3 Count the chapters
#
# A folder holds `.ipynb` notebooks, their `.py` twins, and maybe other files. Complete `count_lessons(names)`: given a list of file names, return how many notebooks it contains (each notebook counted once).

# %%
def count_lessons(names):
    """Count the notebooks (.ipynb files) in a list of file names."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("00.3", count_lessons)

# %% [markdown]
# Three ✅? Then you are ready for chapter 01.
