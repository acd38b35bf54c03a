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
# # 00 · 如何使用本课程
#
# 这门课程完全由 Jupyter 笔记本组成：每一章都是一本可以运行的“教科书”。读一段文字，运行下面的代码，看输出，再动手做练习，练习会立刻告诉你做得对不对。
#
# 本章只做三件事：
# 1. 学会运行单元格和笔记本；
# 2. 认识课程的目录结构和两个版本（中文 / English）；
# 3. 了解练习和 `check()` 是怎么工作的，以及答案在哪里。

# %% [markdown]
# ## 1. 运行单元格
#
# 笔记本由**单元格**组成：文字单元格（Markdown，就是你正在读的这种）和代码单元格。选中一个代码单元格后：
#
# | 操作 | 快捷键 |
# | --- | --- |
# | 运行当前单元格并跳到下一个 | `Shift + Enter` |
# | 运行当前单元格，停在原地 | `Ctrl + Enter` |
# | 从头到尾运行整本笔记本 | 菜单 *Run → Run All Cells* |
# | 重启内核（清空所有变量） | 菜单 *Kernel → Restart Kernel…* |
#
# 代码单元格左边的 `[3]` 表示它是第几个被运行的。**顺序很重要**：后面的单元格会用到前面定义的变量，所以第一次打开笔记本时，请从上往下依次运行。
#
# 每本笔记本的第一个代码单元格都一样：它固定所有随机数种子，并让数字只打印 4 位小数。这样你看到的输出和课本里保存的输出完全一致。

# %%
from course_utils import setup_notebook

setup_notebook()

# %% [markdown]
# 运行下面这个单元格。最后一行表达式的值会自动显示出来，`print()` 打印的内容也会显示。

# %%
import torch

x = torch.tensor([1, 2, 3])
y = torch.tensor([4, 5, 6])
print("x + y =", x + y)
x * y

# %% [markdown]
# ## 2. 内核：笔记本背后的 Python
#
# 运行代码的是**内核**（kernel）。本课程的内核叫 **PyTorch course**，由 `make lab` 自动创建，里面装好了课程固定版本的 PyTorch。如果打开笔记本时右上角显示的不是 "PyTorch course"，请点击它并选择 *PyTorch course*。
#
# 下面的单元格显示当前内核使用的 Python 解释器。它的路径因电脑而异（所以这里的输出不参与自动比对）。

# %%
# NBVAL_IGNORE_OUTPUT
# the path depends on where the course is installed
import sys

print(sys.executable)

# %% [markdown]
# 如果哪里不对劲（版本不对、没有 GPU、音频读不了），运行 `doctor()`，它会检查你的环境并告诉你**怎么修**。第 02 章会详细介绍它。

# %% [markdown]
# ## 3. 课程的目录结构
#
# ```
# notebooks/zh/   中文课文          notebooks/en/   English lessons
# exercises/zh/   练习（学生版）     exercises/en/   exercises (student copies)
# solutions/zh/   练习的完整答案     solutions/en/   full solutions
# src/course_utils/   课程的辅助包：笔记本从这里导入工具函数，值得一读
# data/           课程自己生成的小数据集
# ```
#
# 每一章都有一个编号和名字（比如 `03_tensors`），在所有文件夹、两个版本里都一样。两个版本的**代码完全相同**，只有文字和注释被翻译；打印的字符串和图里的标签统一用英文。
#
# 下面列出全部章节（README 里写明了哪些章节已经完成）：

# %%
from course_utils.chapters import CHAPTERS

for slug in CHAPTERS:
    print(slug)

# %% [markdown]
# ## 4. 练习和 `check()`
#
# 每章都有一本练习笔记本（`exercises/`）。每道练习要求你完成一个函数，函数里原本是：
#
# ```python
# raise NotImplementedError("Write your code here / 在这里写你的代码")
# ```
#
# 把这一行换成你的代码，然后运行下面的 `check(...)` 单元格。`check()` 只打印一行结果：
#
# * `✅` 检查通过；
# * `❌` 还不对，并告诉你哪里不对、给出提示；
# * `⏳` 还没有完成（函数仍在抛出 `NotImplementedError`）。
#
# 即使练习还没做，"Run All" 也能一路运行到底。下面用第 00 章的第一道练习演示三种情况。练习要求：`greet(name)` 返回 `"Hello, <name>!"`。

# %%
from course_utils import check


def greet(name):
    raise NotImplementedError("Write your code here / 在这里写你的代码")


check("00.1", greet)

# %% [markdown]
# 一个常见的错误：用 `print` 打印，而不是用 `return` 返回。`check()` 会认出这种错误并给出提示：

# %%
def greet(name):
    print(f"Hello, {name}!")


check("00.1", greet)

# %% [markdown]
# 改成 `return` 之后：

# %%
def greet(name):
    return f"Hello, {name}!"


check("00.1", greet)

# %% [markdown]
# `check()` 会根据笔记本所在的文件夹（`zh` 或 `en`）选择提示的语言。它还会记录每道题的结果，老师批改作业时可以读取这些记录。
#
# **答案在哪里？** 完整答案在 `solutions/` 里，与练习同名。先自己做，卡住了再看。老师也可以把练习笔记本导入 nbgrader：答案区域用的正是 nbgrader 的标记 `### BEGIN SOLUTION` / `### END SOLUTION`。

# %% [markdown]
# ## 5. 离线运行
#
# 所有笔记本默认**离线**运行：需要下载的数据集或预训练权重，代码仍然写在笔记本里，但只有设置了环境变量 `COURSE_DOWNLOAD=1` 才会真正下载。默认使用课程自带或现场生成的数据，并用一行文字说明：

# %%
from course_utils import downloads_enabled, offline_note

print("downloads enabled:", downloads_enabled())
print(offline_note("MNIST"))

# %% [markdown]
# 想联网下载时，在启动 JupyterLab 之前设置这个变量，例如 `COURSE_DOWNLOAD=1 make lab`（Windows PowerShell：`$env:COURSE_DOWNLOAD=1`）。
#
# ## 小结
#
# * `Shift + Enter` 运行单元格，第一次打开时从上往下运行；
# * 内核选 **PyTorch course**，有问题先运行 `doctor()`；
# * 练习在 `exercises/`，答案在 `solutions/`，`check()` 立刻给出反馈；
# * 默认离线，`COURSE_DOWNLOAD=1` 才下载。
#
# 现在打开 `exercises/zh/00_how_to_use.ipynb` 做三道热身题，然后进入第 01 章。
