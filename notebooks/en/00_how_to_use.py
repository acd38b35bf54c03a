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
# # 00 · How to use this course
#
# This course is made entirely of Jupyter notebooks: each chapter is a textbook you can run. Read a little, run the code below it, look at the output, then do the exercises, which tell you at once whether you got them right.
#
# This chapter does three things:
# 1. shows how to run cells and notebooks;
# 2. introduces the layout of the course and its two editions (中文 / English);
# 3. explains how exercises and `check()` work, and where the solutions are.

# %% [markdown]
# ## 1. Running cells
#
# A notebook is made of **cells**: text cells (Markdown, like this one) and code cells. With a code cell selected:
#
# | action | shortcut |
# | --- | --- |
# | run the cell and move to the next one | `Shift + Enter` |
# | run the cell and stay on it | `Ctrl + Enter` |
# | run the whole notebook from top to bottom | menu *Run → Run All Cells* |
# | restart the kernel (forget all variables) | menu *Kernel → Restart Kernel…* |
#
# To see JupyterLab's menus in Chinese, start it with `make lab LAB_LANG=zh` (without make: choose Chinese under *Settings → Language*). The menus in the table above then read *运行 → 运行所有单元格* and *内核 → 重启内核…*.
#
# The `[3]` to the left of a code cell says it was the third cell run. **Order matters**: later cells use variables defined earlier, so the first time you open a notebook, run it from the top down.
#
# The first code cell of every notebook is the same: it seeds every random number generator and prints numbers with 4 decimals. That way your outputs match the ones stored in the book exactly.

# %%
from course_utils import setup_notebook

setup_notebook()

# %% [markdown]
# Run the next cell. The value of the last expression is displayed automatically, and so is whatever `print()` writes.

# %%
import torch

x = torch.tensor([1, 2, 3])
y = torch.tensor([4, 5, 6])
print("x + y =", x + y)
x * y

# %% [markdown]
# ## 2. The kernel: the Python behind the notebook
#
# Code runs in a **kernel**. The course's kernel is called **PyTorch course**; `make lab` creates it, with the course's pinned PyTorch installed. If the top right corner of a notebook shows anything other than "PyTorch course", click it and choose *PyTorch course*.
#
# The next cell shows which Python interpreter the kernel runs. The path differs from machine to machine (so this output is not compared by the tests).

# %%
# NBVAL_IGNORE_OUTPUT
# the path depends on where the course is installed
import sys

print(sys.executable)

# %% [markdown]
# If something looks wrong (wrong versions, no GPU, audio will not load), run `doctor()`: it checks your setup and tells you **how to fix** what it finds. Chapter 02 covers it in detail.

# %% [markdown]
# ## 3. How the course is laid out
#
# ```
# notebooks/zh/   中文课文          notebooks/en/   English lessons
# exercises/zh/   练习（学生版）     exercises/en/   exercises (student copies)
# solutions/zh/   练习的完整答案     solutions/en/   full solutions
# src/course_utils/   the course's helper package: notebooks import their tools from it; worth reading
# data/           small datasets the course makes itself
# ```
#
# Every chapter has a number and a name (such as `03_tensors`), the same in every folder and in both editions. The two editions have **identical code**: only prose and comments are translated, and printed strings and plot labels are in English in both.
#
# Here is the full chapter list (the README says which chapters are written so far):

# %%
from course_utils.checks.catalog import CHAPTERS

for slug in CHAPTERS:
    print(slug)

# %% [markdown]
# ## 4. Exercises and `check()`
#
# Each chapter has an exercise notebook (in `exercises/`). Each exercise asks you to complete a function whose body starts out as
#
# ```python
# raise NotImplementedError("Write your code here / 在这里写你的代码")
# ```
#
# Replace that line with your code, then run the `check(...)` cell below it. `check()` prints a single line:
#
# * `✅` the checks passed;
# * `❌` not yet, with what is wrong and a hint;
# * `⏳` not done yet (the function still raises `NotImplementedError`).
#
# "Run All" goes through to the end even when no exercise is done. Here are the three cases, using the first exercise of chapter 00: `greet(name)` must return `"Hello, <name>!"`.

# %%
from course_utils import check


def greet(name):
    raise NotImplementedError("Write your code here / 在这里写你的代码")


check("00.1", greet)

# %% [markdown]
# A common mistake: printing the text instead of returning it. `check()` recognises it and gives a hint:

# %%
def greet(name):
    print(f"Hello, {name}!")


check("00.1", greet)

# %% [markdown]
# With `return`:

# %%
def greet(name):
    return f"Hello, {name}!"


check("00.1", greet)

# %% [markdown]
# `check()` answers in the language of the folder the notebook is in (`zh` or `en`).
#
# **Stuck?** Under every exercise there is a line such as `hint("00.1")`. Run it once for a first hint (which direction to think in); again, for the function to use and the lesson section that teaches it; a third time, for the shape of the code with blanks to fill.

# %%
from course_utils import hint

hint("00.1")

# %% [markdown]
# **Where am I?** `check()` keeps the latest result of every exercise in a small file in the course folder (`.course-progress.json`, ignored by git). `progress_table()` lists it: ✅ passed, ❌ tried but not passed yet, · not started, and a last line that suggests what to do next. In a terminal, `make progress` (or `course progress`) prints the same table. The output below was recorded by the tests, before anything was done; when you run it, you see your own progress:

# %%
from course_utils.companion.progress import progress_table

print(progress_table())

# %% [markdown]
# **Where are the solutions?** In `solutions/`, under the same name as the exercise notebook. Try first, look when you are stuck. Instructors can also take the exercise notebooks into nbgrader: the solution regions use nbgrader's own markers, `### BEGIN SOLUTION` / `### END SOLUTION`.

# %% [markdown]
# ## 5. Working offline
#
# Every notebook runs **offline** by default. Code that downloads a dataset or pretrained weights is still in the notebooks, but it only runs when the environment variable `COURSE_DOWNLOAD=1` is set. Otherwise the notebooks use data the course ships or generates, and say so in one line:

# %%
from course_utils import downloads_enabled, offline_note

print("downloads enabled:", downloads_enabled())
print(offline_note("MNIST"))

# %% [markdown]
# To download, set the variable before starting JupyterLab, for example `COURSE_DOWNLOAD=1 make lab` (Windows PowerShell: `$env:COURSE_DOWNLOAD=1`).
#
# ## Summary
#
# * `Shift + Enter` runs a cell; the first time, run a notebook from the top down; `make lab LAB_LANG=zh` opens JupyterLab in Chinese;
# * choose the **PyTorch course** kernel, and run `doctor()` when something is off;
# * exercises are in `exercises/`, solutions in `solutions/`; `check()` answers at once, `hint()` gives hints step by step, `make progress` shows where you are;
# * offline by default; `COURSE_DOWNLOAD=1` enables downloads.
#
# Now open `exercises/en/00_how_to_use.ipynb` for three warm-up exercises, then go on to chapter 01.

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **Next:** [the exercises of this chapter: 00_how_to_use](../../exercises/en/00_how_to_use.ipynb) · [the next chapter: 01_what_is_pytorch](01_what_is_pytorch.ipynb)
