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
# # 00 · 练习：热身
#
# 三道热身题，熟悉练习的做法：把函数里的 `raise NotImplementedError(...)` 换成你的代码，然后运行下面的 `check(...)` 单元格。
#
# * `✅` 检查通过，`❌` 还不对（附提示），`⏳` 还没有完成。
# * 卡住了？完整答案在 `solutions/zh/00_how_to_use.ipynb`。

# %%
from course_utils import check, setup_notebook

setup_notebook()

# %% [markdown]
# ## 00.1 返回一句问候
#
# 完成 `greet(name)`，让它**返回**（不是打印）字符串 `"Hello, <name>!"`，例如 `greet("Ada")` 返回 `"Hello, Ada!"`。

# %%
def greet(name):
    """Return "Hello, <name>!"."""
    ### BEGIN SOLUTION
    return f"Hello, {name}!"
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("00.1", greet)
### BEGIN HIDDEN TESTS
assert greet("Zoë") == "Hello, Zoë!"
### END HIDDEN TESTS

# %% [markdown]
# ## 00.2 找到答案笔记本
#
# 完成 `solution_path(chapter, edition)`：给出章节名（如 `"03_tensors"`）和版本（`"zh"` 或 `"en"`），返回这一章答案笔记本相对于课程根目录的路径，例如 `"solutions/zh/03_tensors.ipynb"`。

# %%
def solution_path(chapter, edition):
    """Return the path of a chapter's solution notebook, relative to the course root."""
    ### BEGIN SOLUTION
    return f"solutions/{edition}/{chapter}.ipynb"
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("00.2", solution_path)

# %% [markdown]
# ## 00.3 数一数章节
#
# 一个文件夹里既有 `.ipynb` 笔记本，也有它们的 `.py` 孪生文件，还可能有别的文件。完成 `count_lessons(names)`：给出文件名列表，返回其中笔记本的个数（每个笔记本只数一次）。

# %%
def count_lessons(names):
    """Count the notebooks (.ipynb files) in a list of file names."""
    ### BEGIN SOLUTION
    return sum(name.endswith(".ipynb") for name in names)
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check("00.3", count_lessons)
### BEGIN HIDDEN TESTS
assert count_lessons(["a.ipynb", "a.py", "b.ipynb", "notes.txt"]) == 2
### END HIDDEN TESTS

# %% [markdown]
# 三个 ✅？那就可以进入第 01 章了。
