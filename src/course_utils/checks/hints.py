"""The hint ladder of every exercise: data only, read by ``course_utils.companion.hint``.

``HINTS`` maps an exercise id to its rungs, in order, each an ``(en, zh)`` pair of Markdown:

1. a nudge: what to think about;
2. the tool: which function or idea, with a link to the lesson section that teaches it;
3. a near-solution: the shape of the code, with blanks (``____``) to fill in.

``{lesson}`` in a rung stands for the chapter's lesson notebook in the rung's language, as a link
from the exercise notebook (``../../notebooks/<lang>/NN_slug.ipynb``); the ``#anchor`` after it is
the heading text with spaces replaced by ``-``, as JupyterLab names headings.
``tests/test_hints.py`` checks that every link lands on a real heading and that no rung gives away
a line of the solution.
"""

from __future__ import annotations

import textwrap


def _shape(en: str, zh: str, code: str) -> tuple[str, str]:
    """A near-solution rung: a sentence in each language, then the same code with blanks."""
    block = "\n\n```python\n" + textwrap.dedent(code).strip("\n") + "\n```"
    return en + block, zh + block


HINTS: dict[str, list[tuple[str, str]]] = {
    # ---- 00 how to use --------------------------------------------------------------------------
    "00.1": [
        (
            "The function must **return** the text, not print it. How do you build one string from a fixed part and `name`?",
            "函数要把这句话**返回**（return），而不是打印出来。怎样把固定的文字和 `name` 拼成一个字符串？",
        ),
        (
            "An f-string puts a variable inside a string: `f\"...{name}...\"`. How exercises and `check()` work: "
            "[section 4, “Exercises and check()”]({lesson}#4.-Exercises-and-check()).",
            "f-string 可以把变量嵌进字符串：`f\"...{name}...\"`。练习和 `check()` 怎么配合，见"
            "[第 4 节“练习和 check()”]({lesson}#4.-练习和-check())。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            def greet(name):
                return f"____, {____}!"
            """,
        ),
    ],
    "00.2": [
        (
            "Look at the example `\"solutions/zh/03_tensors.ipynb\"`: which parts are always the same, and which come from the arguments?",
            "看看例子 `\"solutions/zh/03_tensors.ipynb\"`：哪些部分是固定不变的，哪些来自参数？",
        ),
        (
            "The folders are described in [section 3, “How the course is laid out”]({lesson}#3.-How-the-course-is-laid-out); "
            "an f-string joins the pieces.",
            "各个文件夹的用途见[第 3 节“课程的目录结构”]({lesson}#3.-课程的目录结构)；用 f-string 把几段拼起来就行。",
        ),
        _shape(
            "Fill in the blanks (folder, edition, chapter, extension):",
            "把空白处填上（文件夹、版本、章节、扩展名）：",
            """
            return f"____/{____}/{____}.____"
            """,
        ),
    ],
    "00.3": [
        (
            "A notebook shows up as `name.ipynb` and perhaps its twin `name.py`. Which names should you count, and which ignore?",
            "一个笔记本会以 `name.ipynb` 出现，可能还带着它的“孪生”文件 `name.py`。哪些文件名该数，哪些该忽略？",
        ),
        (
            "`str.endswith(\".ipynb\")` tells whether a name is a notebook, and `sum()` over `True`/`False` counts the `True`s. "
            "Notebooks and their `.py` twins: [section 3]({lesson}#3.-How-the-course-is-laid-out).",
            "`str.endswith(\".ipynb\")` 能判断一个文件名是不是笔记本；对一串 `True`/`False` 求 `sum()`，得到的就是 `True` 的个数。"
            "笔记本和它们的 `.py` 孪生文件见[第 3 节]({lesson}#3.-课程的目录结构)。",
        ),
        _shape(
            "Fill in the condition:",
            "把条件填上：",
            """
            return sum(____ for name in names)
            """,
        ),
    ],
    # ---- 01 what is PyTorch ---------------------------------------------------------------------
    "01.1": [
        (
            "How many doublings? You cannot know in advance: the data decides. Which Python statement repeats something "
            "*while* a condition holds? Keep every step a tensor operation, so the result stays in the graph.",
            "要翻倍几次？事先不知道，由数据决定。哪种 Python 语句能在条件成立时一直重复？"
            "每一步都要用张量运算，结果才会留在计算图里。",
        ),
        (
            "A `while` loop that tests `.norm()` and multiplies by 2 (not in place, and no `.item()` on what you return). "
            "A graph that changes with the data: [section 2]({lesson}#2.-Run-first,-record-as-you-go:-the-dynamic-computation-graph).",
            "用 `while` 循环检查 `.norm()`，每次乘以 2（不要原地修改，返回值也不要用 `.item()`）。随数据变化的计算图见"
            "[第 2 节]({lesson}#2.-先执行、边执行边建图：动态计算图)。",
        ),
        _shape(
            "The shape of the loop:",
            "循环的样子：",
            """
            y = x
            while ____:
                y = ____
            return y
            """,
        ),
    ],
    "01.2": [
        (
            "For each task ask: is it core `torch`, a domain library (images, audio), or a submodule such as `torch.profiler`? "
            "And is that component still alive?",
            "对每个任务都问一问：它属于核心的 `torch`，属于某个领域库（图像、音频），还是 `torch.profiler` 这样的子模块？"
            "这个组件现在还在维护吗？",
        ),
        (
            "Read the components table again, especially its “status” column: a deprecated or discontinued component is never "
            "the answer. See [section 4, “What PyTorch is made of”]({lesson}#4.-What-PyTorch-is-made-of).",
            "再读一遍组件表，尤其是“状态”那一列：已弃用或已停止开发的组件都不是答案。见"
            "[第 4 节“PyTorch 的组成”]({lesson}#4.-PyTorch-的组成)。",
        ),
        _shape(
            "Each value is one of `\"torch\"`, `\"torchvision\"`, `\"torchaudio\"`, `\"torch.distributed\"`, `\"torch.profiler\"`, "
            "`\"torch.onnx\"`, `\"torch.export\"`; only `\"torch\"` is used twice:",
            "每个值都是 `\"torch\"`、`\"torchvision\"`、`\"torchaudio\"`、`\"torch.distributed\"`、`\"torch.profiler\"`、"
            "`\"torch.onnx\"`、`\"torch.export\"` 之一；只有 `\"torch\"` 用了两次：",
            """
            answer["load a WAV file and compute a mel spectrogram"] = "torch____"
            answer["capture a model as a graph to run without Python"] = "torch.____"
            ...
            """,
        ),
    ],
    "01.3": [
        (
            "Read each statement word by word: “by default”, “only”, “merged”. A single word can make a claim false.",
            "逐字读每一句：“默认”“只”“合并”。一个词就能让一句话变成错的。",
        ),
        (
            "Eager mode, TPUs and other hardware are in [section 5, “PyTorch and TensorFlow”]({lesson}#5.-PyTorch-and-TensorFlow) "
            "and [section 1]({lesson}#1.-What-PyTorch-is); governance in [section 3]({lesson}#3.-History-and-governance); "
            "what became of torchtext in the “status” column of [section 4]({lesson}#4.-What-PyTorch-is-made-of).",
            "即时执行（eager）模式、TPU 和其他硬件见[第 5 节“PyTorch 与 TensorFlow”]({lesson}#5.-PyTorch-与-TensorFlow)"
            "和[第 1 节]({lesson}#1.-PyTorch-是什么)；治理见[第 3 节]({lesson}#3.-来历与治理)；"
            "torchtext 后来怎样了，看[第 4 节]({lesson}#4.-PyTorch-的组成)表格的“状态”一列。",
        ),
        _shape(
            "Three statements are true and three are false. Fill in each value:",
            "六句话里三句对、三句错。逐个填上：",
            """
            answer["PyTorch can train on Google TPUs"] = ____  # think of PyTorch/XLA
            answer["PyTorch runs only on NVIDIA GPUs and CPUs"] = ____  # ROCm? Apple's "mps"?
            ...
            """,
        ),
    ],
    "01.4": [
        (
            "This is a graph walk: start at one node, visit its neighbours, and remember what you have seen so that no node "
            "is counted twice.",
            "这是在遍历一张图：从一个节点出发，访问它的邻居，并记住已经访问过的节点，免得同一个节点数两次。",
        ),
        (
            "Start from `y.grad_fn`; `node.next_functions` gives `(next_node, index)` pairs; keep the visited **node objects** "
            "(not `id(node)`) in a `set`, and use a list as a stack of nodes still to visit. "
            "See [section 2]({lesson}#2.-Run-first,-record-as-you-go:-the-dynamic-computation-graph).",
            "从 `y.grad_fn` 出发；`node.next_functions` 给出 `(下一个节点, 序号)` 对；把访问过的**节点对象本身**"
            "（不是 `id(node)`）放进一个 `set`，再用一个列表当栈，存还没访问的节点。见"
            "[第 2 节]({lesson}#2.-先执行、边执行边建图：动态计算图)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            seen = set()
            stack = [____]
            while stack:
                node = stack.____()
                if node is None or ____:
                    continue
                seen.____(node)
                stack.extend(____ for next_node, _ in node.next_functions)
            return ____
            """,
        ),
    ],
    # ---- 02 installation ------------------------------------------------------------------------
    "02.1": [
        (
            "Find the text `CUDA Version:` and take what follows it. Keep it a string, and decide what to return when it is missing.",
            "找到 `CUDA Version:` 这几个字，取出它后面的内容。结果保持为字符串；找不到时该返回什么，也要想好。",
        ),
        (
            "`re.search(pattern, text)` returns a match or `None`; a group `( )` in the pattern captures the version and "
            "`match.group(1)` reads it. The header of `nvidia-smi`: [section 3]({lesson}#3.-Reading-nvidia-smi).",
            "`re.search(pattern, text)` 返回一个匹配对象或 `None`；在模式里用括号 `( )` 分组，就能把版本号捕获下来，再用 "
            "`match.group(1)` 读出。`nvidia-smi` 的表头见[第 3 节]({lesson}#3.-读懂-nvidia-smi)。",
        ),
        _shape(
            "Fill in the pattern of a version number and the rest:",
            "填上版本号的模式和其余空白：",
            r"""
            match = re.search(r"CUDA Version:\s*(____)", smi_text)
            if match is None:
                return ____
            return match.____(1)
            """,
        ),
    ],
    "02.2": [
        (
            "Only the major version matters (the part before the dot). Handle `None` first, then decide: 13 or newer, "
            "exactly 12, or older.",
            "只有主版本号（点号前面的部分）才重要。先处理 `None`，再分三种情况：13 及以上、正好 12、更老。",
        ),
        (
            "Minor-version compatibility is explained in [section 3]({lesson}#3.-Reading-nvidia-smi), the four builds in "
            "[section 5]({lesson}#5.-Install-commands-that-work-today). Choose the newest build within the driver's major version.",
            "小版本兼容的规则见[第 3 节]({lesson}#3.-读懂-nvidia-smi)，四种构建见[第 5 节]({lesson}#5.-今天真正能用的安装命令)。"
            "在驱动的主版本之内，选最新的那个构建。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            if driver_cuda ____:
                return "cpu"
            major = int(driver_cuda.split(".")[____])
            if major >= ____:
                return "cu____"
            if major == ____:
                return "cu____"
            return ____
            """,
        ),
    ],
    "02.3": [
        (
            "Instead of printing each fact, collect them. Which Python data structure pairs names with values?",
            "不要逐条打印，而是把结果收集起来。哪种 Python 数据结构能把名字和值配成对？",
        ),
        (
            "`torch.cuda.is_available()`, `torch.version.cuda`, `torch.cuda.device_count()`, and `tuple(t.shape)` for the shape. "
            "The script you are turning into a function: [section 6]({lesson}#6.-Verifying-the-install:-the-improved-script).",
            "要用到 `torch.cuda.is_available()`、`torch.version.cuda`、`torch.cuda.device_count()`，形状用 `tuple(t.shape)`。"
            "要改写的验证脚本见[第 6 节]({lesson}#6.-验证安装：改进后的验证脚本)。",
        ),
        _shape(
            "Fill in the values:",
            "把各个值填上：",
            """
            x = torch.____(5, 3)
            return {
                "torch": ____,
                "cuda_available": ____,
                "cuda_build": ____,
                "gpu_count": ____,
                "random_shape": ____,
            }
            """,
        ),
    ],
    "02.4": [
        (
            "Which channel still publishes PyTorch builds today? And which parts of the old command no longer exist?",
            "今天还有哪个频道在发布 PyTorch？旧命令里哪些部分已经不存在了？",
        ),
        (
            "See [section 5, “Install commands that work today”]({lesson}#5.-Install-commands-that-work-today) and "
            "[“Commands to stop using”]({lesson}#Commands-to-stop-using): name the channel with `-c`, and drop the CUDA packages.",
            "见[第 5 节“今天真正能用的安装命令”]({lesson}#5.-今天真正能用的安装命令)和[“不要再用的命令”]({lesson}#不要再用的命令)："
            "用 `-c` 指定频道，去掉那些 CUDA 包。",
        ),
        _shape(
            "Fill in the channel and the two other packages:",
            "填上频道名和另外两个包：",
            """
            return "conda install -c ____ pytorch ____ ____"
            """,
        ),
    ],
    # ---- 03 tensors -----------------------------------------------------------------------------
    "03.1": [
        (
            "You are not changing any value, only the order of the axes. Where does each axis of $(N, H, W, C)$ go?",
            "数值一个都不变，变的只是轴的顺序。$(N, H, W, C)$ 的每一根轴分别要去哪里？",
        ),
        (
            "`Tensor.permute(...)` reorders axes; `reshape` does not (it only regroups the numbers). "
            "See [“reshape is not permute”]({lesson}#reshape-is-not-permute).",
            "`Tensor.permute(...)` 重排轴；`reshape` 做不到（它只是把数重新分组）。见"
            "[“reshape 不等于 permute”]({lesson}#reshape-不等于-permute)。",
        ),
        _shape(
            "Which old axis goes to each new position?",
            "新位置上分别放原来的第几根轴？",
            """
            return images.permute(0, ____, ____, ____)
            """,
        ),
    ],
    "03.2": [
        (
            "One mean and one standard deviation **per column**: which dimension do you reduce over, and how do you keep "
            "the shape so that broadcasting lines up with `x`?",
            "**每一列**一个均值、一个标准差：该沿哪一维归约？怎样保留形状，才能和 `x` 对齐广播？",
        ),
        (
            "`x.mean(dim=..., keepdim=True)` and `x.std(dim=..., keepdim=True)`. See "
            "[“A failure, and keepdim”]({lesson}#A-failure,-and-keepdim) and [section 7, “Broadcasting”]({lesson}#7.-Broadcasting).",
            "用 `x.mean(dim=..., keepdim=True)` 和 `x.std(dim=..., keepdim=True)`。见"
            "[“一个失败的例子，以及 keepdim”]({lesson}#一个失败的例子，以及-keepdim)和[第 7 节“广播”]({lesson}#7.-广播)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            mean = x.mean(dim=____, keepdim=____)
            std = x.std(dim=____, keepdim=____)
            return (____ - mean) / ____
            """,
        ),
    ],
    "03.3": [
        (
            "Two steps: first decide for every row whether it qualifies (one True/False per row), then use that to pick the rows.",
            "分两步：先给每一行判定是否符合条件（每行一个 True/False），再用它把行挑出来。",
        ),
        (
            "`x < 0` gives a boolean tensor, `.any(dim=...)` reduces each row to one value, and `x[mask]` selects rows. "
            "See [“Boolean masks”]({lesson}#Boolean-masks).",
            "`x < 0` 得到一个布尔张量，`.any(dim=...)` 把每一行归约成一个值，`x[mask]` 选出对应的行。见"
            "[“布尔掩码”]({lesson}#布尔掩码)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            mask = (x ____ 0).any(dim=____)
            return x[____]
            """,
        ),
    ],
    "03.4": [
        (
            "You may not change `m`, and the result may not share memory with it. What must happen before you write any zero?",
            "不能修改 `m`，结果也不能和它共享内存。在写入 0 之前，必须先做什么？",
        ),
        (
            "`clone()` makes an independent copy; `fill_diagonal_(0)` writes zeros on the diagonal of that copy, in place. See "
            "[section 6, “Views and copies”]({lesson}#6.-Views-and-copies:-who-shares-memory-with-whom) and "
            "[section 9, “In-place operations”]({lesson}#9.-In-place-operations).",
            "`clone()` 得到一份独立的副本；`fill_diagonal_(0)` 在这份副本上原地把对角线写成 0。见"
            "[第 6 节“视图和副本”]({lesson}#6.-视图和副本：谁和谁共享内存)和[第 9 节“原地操作”]({lesson}#9.-原地操作)。",
        ),
        _shape(
            "Copy first, then change the copy:",
            "先复制，再改副本：",
            """
            result = m.____()
            result.____(0)
            return ____
            """,
        ),
    ],
    "03.5": [
        (
            "Without loops you need one tensor that holds every difference `a[i] - b[j]`. What shape is it, and how can "
            "broadcasting produce it?",
            "不用循环，就需要一个张量同时装下所有的差 `a[i] - b[j]`。它是什么形状？怎样靠广播得到它？",
        ),
        (
            "Insert axes with `None`: $(N, 1, D)$ minus $(1, M, D)$ broadcasts to $(N, M, D)$; then square, sum over the last "
            "dimension and take the square root. See [section 7, “Broadcasting”]({lesson}#7.-Broadcasting).",
            "用 `None` 插入新轴：$(N, 1, D)$ 减 $(1, M, D)$ 会广播成 $(N, M, D)$；然后平方、沿最后一维求和、开平方。见"
            "[第 7 节“广播”]({lesson}#7.-广播)。",
        ),
        _shape(
            "Fill in the indexing and the reduction:",
            "填上索引和归约：",
            """
            diff = a[____] - b[____]  # (N, M, D)
            return (diff**2).sum(dim=____).____()
            """,
        ),
    ],
    # ---- 04 GPU ---------------------------------------------------------------------------------
    "04.1": [
        (
            "Both the model and the batch must end up on `device`. Does `.to()` change a tensor itself, or return a new one?",
            "模型和数据都要放到 `device` 上。`.to()` 是改动张量本身，还是返回一个新张量？",
        ),
        (
            "`.to(device)` accepts a string or a `torch.device`; keep what it returns. See "
            "[section 2]({lesson}#2.-.cuda()-or-.to(device)?) and "
            "[section 3, “Model and data on the same device”]({lesson}#3.-Model-and-data-on-the-same-device).",
            "`.to(device)` 既接受字符串也接受 `torch.device`；记得接住它的返回值。见"
            "[第 2 节]({lesson}#2.-.cuda()-还是-.to(device)？)和[第 3 节“把模型和数据放到同一个设备上”]({lesson}#3.-把模型和数据放到同一个设备上)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            model = model.____(device)
            batch = ____
            return model(____)
            """,
        ),
    ],
    "04.2": [
        (
            "Count the floating-point operations first: how many multiply-adds does an n×n by n×n product need? "
            "Then divide by the time and convert to units of 10⁹.",
            "先数浮点运算次数：n×n 乘 n×n 的矩阵乘法要做多少次乘加？再除以时间，换算成 10⁹ 为单位。",
        ),
        (
            "There are n² results, each a dot product of length n, and a multiply-add counts as 2 operations. See "
            "[section 4.4]({lesson}#4.4-How-fast-is-a-matrix-multiply:-GFLOP/s).",
            "结果有 n² 个元素，每个都是长度为 n 的点积，一次乘加算 2 次运算。见"
            "[4.4 节]({lesson}#4.4-矩阵乘法有多快：GFLOP/s)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            return ____ * n**____ / seconds / ____
            """,
        ),
    ],
    "04.3": [
        (
            "Warm-up calls first, untimed. Then two fresh events around each timed call. Do not read any time before the "
            "device has reached the events.",
            "先做几次不计时的预热调用。然后每次计时调用前后各放一个新事件。在设备执行到这些事件之前，不要读时间。",
        ),
        (
            "`make_event()`, `event.record()`, one `sync()` after the loop, then `start.elapsed_time(end)`. Why the GPU needs "
            "this: [section 4.1]({lesson}#4.1-GPUs-are-asynchronous) and [section 4.2]({lesson}#4.2-Warm-up).",
            "用 `make_event()`、`event.record()`，循环结束后调用一次 `sync()`，再用 `start.elapsed_time(end)`。"
            "为什么 GPU 要这样计时，见[4.1 节]({lesson}#4.1-GPU-是异步的)和[4.2 节]({lesson}#4.2-预热)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            for _ in range(____):
                fn()
            pairs = []
            for _ in range(____):
                start, end = ____, ____
                start.____()
                ____
                end.____()
                pairs.append(____)
            ____
            return [____ for start, end in pairs]
            """,
        ),
    ],
    "04.4": [
        (
            "Bytes = number of elements × bytes per element. You need no real memory to find either.",
            "字节数 = 元素个数 × 每个元素的字节数。两者都不需要真的分配内存就能得到。",
        ),
        (
            "A tensor on the `meta` device has a shape and a dtype but no data; `element_size()` and `nelement()` (or `numel()`). "
            "See [section 5.1]({lesson}#5.1-How-many-bytes-does-a-tensor-take?).",
            "`meta` 设备上的张量有形状和 dtype，却没有数据；再用 `element_size()` 和 `nelement()`（或 `numel()`）。见"
            "[5.1 节]({lesson}#5.1-一个张量占多少字节)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            t = torch.empty(shape, dtype=____, device=____)
            return t.____() * t.____()
            """,
        ),
    ],
    "04.5": [
        (
            "Only the device **type** matters: `\"cuda:1\"` is a CUDA device. Turn the argument into one form first, then choose.",
            "只有设备**类型**才重要：`\"cuda:1\"` 也是 CUDA 设备。先把参数统一成一种形式，再做选择。",
        ),
        (
            "`torch.device(device).type` is `\"cuda\"`, `\"mps\"` or `\"cpu\"` whatever you are given. Which dtype suits which "
            "device, and when a `GradScaler` is needed: [section 7.1]({lesson}#7.1-Three-floating-point-types) and "
            "[section 7.3]({lesson}#7.3-A-device-agnostic-mixed-precision-training-loop).",
            "不管传进来的是什么，`torch.device(device).type` 都是 `\"cuda\"`、`\"mps\"` 或 `\"cpu\"`。"
            "哪种设备用哪种 dtype、什么时候需要 `GradScaler`，见[7.1 节]({lesson}#7.1-三种浮点类型)和"
            "[7.3 节]({lesson}#7.3-一个与设备无关的混合精度训练循环)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            if torch.device(device).____ == "____":
                return torch.____, ____
            return torch.____, ____
            """,
        ),
    ],
    # ---- 05 autograd ----------------------------------------------------------------------------
    "05.1": [
        (
            "You need a leaf tensor that requires grad, but you must not touch the caller's `x`. How do you get a separate "
            "tensor with the same values?",
            "需要一个 requires grad 的叶子张量，但又不能动调用者的 `x`。怎样得到一个数值相同、却互不相干的张量？",
        ),
        (
            "`detach()` gives a tensor outside any graph, `requires_grad_()` makes it a fresh leaf, and `backward()` fills its "
            "`.grad`. See [section 1]({lesson}#1.-requires_grad,-backward()-and-.grad) and [“.detach()”]({lesson}#.detach()).",
            "`detach()` 得到一个不在任何图里的张量，`requires_grad_()` 把它变成新的叶子，`backward()` 会填好它的 `.grad`。见"
            "[第 1 节]({lesson}#1.-requires_grad、backward()-和-.grad)和[“.detach()”]({lesson}#.detach())。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            x = x.____().____()
            f(x).____()
            return x.____
            """,
        ),
    ],
    "05.2": [
        (
            "Two traps: stale gradients from before the call, and the fact that the mean over the whole batch is not the "
            "**sum** of the micro-batch means.",
            "两个坑：调用之前残留的旧梯度；还有，整个批次的平均值并不等于各个小批次平均值的**和**。",
        ),
        (
            "Clear the gradients once at the start (`zero_grad()`), walk through `x.chunk(n_micro)` and `y.chunk(n_micro)` "
            "together with `zip`, and scale each micro-batch loss before `backward()`. See "
            "[“Accumulating on purpose”]({lesson}#Accumulating-on-purpose:-micro-batches-=-one-big-batch).",
            "开始时清一次梯度（`zero_grad()`），用 `zip` 同时遍历 `x.chunk(n_micro)` 和 `y.chunk(n_micro)`，"
            "每个小批次的损失在 `backward()` 之前先缩放。见[“有意地累加”]({lesson}#有意地累加：小批次累加-=-一个大批次)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            model.____()
            for xb, yb in zip(____, ____):
                loss = nn.functional.mse_loss(model(xb), yb) / ____
                loss.____()
            """,
        ),
    ],
    "05.3": [
        (
            "Write the derivative with the `out` you already have, so that no huge exponential appears. Then remember the "
            "gradient that flows in from above.",
            "用已经算好的 `out` 来表示导数，这样就不会出现巨大的指数。然后别忘了从上游传进来的梯度。",
        ),
        (
            "Since $e^{out} = e^x + e^y$, the fraction $e^x / (e^x + e^y)$ equals $e^{x - out}$; multiply by `grad_output` "
            "(the chain rule) and return one gradient per input of `forward`. See "
            "[section 7]({lesson}#7.-A-custom-torch.autograd.Function) and "
            "[“Verifying a backward with gradcheck”]({lesson}#Verifying-a-backward-with-gradcheck).",
            "因为 $e^{out} = e^x + e^y$，所以 $e^x / (e^x + e^y)$ 就等于 $e^{x - out}$；再乘上 `grad_output`（链式法则），"
            "`forward` 有几个输入就返回几个梯度。见[第 7 节]({lesson}#7.-自定义-torch.autograd.Function)和"
            "[“用 gradcheck 验证反向传播”]({lesson}#用-gradcheck-验证反向传播)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            return grad_output * torch.exp(____), grad_output * ____
            """,
        ),
    ],
    "05.4": [
        (
            "First derivative, computed so that it can be differentiated again; then differentiate once more. "
            "`grad` needs a scalar: for an element-wise `f`, which scalar has the element-wise derivative as its gradient?",
            "先求一阶导数，而且要让它还能再求导；然后再求一次。`grad` 需要标量：对逐元素的 `f`，"
            "哪个标量的梯度恰好就是逐元素的导数？",
        ),
        (
            "`torch.autograd.grad(outputs, inputs, create_graph=True)` returns a tuple of gradients that are still in a graph; "
            "summing an element-wise output gives the scalar. See "
            "[section 8, “Higher-order derivatives”]({lesson}#8.-Higher-order-derivatives:-create_graph=True).",
            "`torch.autograd.grad(outputs, inputs, create_graph=True)` 返回一个元组，里面的梯度仍在图中；"
            "对逐元素的输出求和，就得到所需的标量。见[第 8 节“高阶导数”]({lesson}#8.-高阶导数：create_graph=True)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            x = x.____().requires_grad_()
            (first,) = torch.autograd.grad(____, x, create_graph=____)
            (second,) = torch.autograd.grad(____, x)
            return ____
            """,
        ),
    ],
    "05.5": [
        (
            "Every layer except the last one stops training. Then collect the parameters that still train.",
            "除最后一层外，其余各层都停止训练。然后把还在训练的参数收集起来。",
        ),
        (
            "`model[:-1]` is every layer but the last; `requires_grad_(False)` freezes a whole layer; filter "
            "`model.parameters()` by `p.requires_grad`. See "
            "[“Freezing parameters”]({lesson}#Freezing-parameters:-requires_grad_(False)).",
            "`model[:-1]` 是除最后一层外的所有层；`requires_grad_(False)` 冻结整层；再按 `p.requires_grad` 筛选 "
            "`model.parameters()`。见[“冻结参数”]({lesson}#冻结参数：requires_grad_(False))。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            for layer in model[____]:
                layer.____(False)
            return [p for p in model.parameters() if ____]
            """,
        ),
    ],
    "05.6": [
        (
            "Two different switches: one for layers such as Dropout, one for autograd's recording. The second should be on "
            "only during this call.",
            "这里有两个不同的开关：一个管 Dropout 这类层，一个管 autograd 的记录。第二个开关只应在这次调用期间打开。",
        ),
        (
            "`model.eval()`, and a `torch.no_grad()` block (or `torch.inference_mode()`). See "
            "[section 6]({lesson}#6.-When-you-need-no-gradients:-no_grad,-inference_mode,-detach) and "
            "[“torch.no_grad()”]({lesson}#torch.no_grad()).",
            "`model.eval()`，再加一个 `torch.no_grad()` 块（或 `torch.inference_mode()`）。见"
            "[第 6 节]({lesson}#6.-不需要梯度的时候：no_grad、inference_mode、detach)和[“torch.no_grad()”]({lesson}#torch.no_grad())。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            model.____()
            with torch.____():
                return ____
            """,
        ),
    ],
    # ---- 06 nn ----------------------------------------------------------------------------------
    "06.1": [
        (
            "The number of layers depends on `sizes`, so a loop builds them; and PyTorch only sees layers kept in a "
            "container it knows about.",
            "层数取决于 `sizes`，所以要用循环来建；而且只有放在 PyTorch 认得的容器里，层才会被登记。",
        ),
        (
            "`nn.ModuleList`, not a plain list; consecutive pairs of sizes come from `zip(sizes[:-1], sizes[1:])`. See "
            "[“The classic mistake”]({lesson}#The-classic-mistake:-layers-in-a-plain-Python-list) and "
            "[section 6, “A small MLP”]({lesson}#6.-A-small-MLP).",
            "用 `nn.ModuleList`，不要用普通 list；相邻的两个大小可以用 `zip(sizes[:-1], sizes[1:])` 配对。见"
            "[“经典错误”]({lesson}#经典错误：把层放进普通的-Python-list)和[第 6 节“一个小 MLP”]({lesson}#6.-一个小-MLP)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            def __init__(self, sizes):
                super().____()
                self.layers = nn.____(nn.Linear(a, b) for a, b in zip(____, ____))

            def forward(self, x):
                for i, layer in enumerate(____):
                    x = ____
                    if i < ____:
                        x = torch.____(x)
                return x
            """,
        ),
    ],
    "06.2": [
        (
            "You want the number of **numbers**, not the number of tensors, and only of those that train.",
            "要数的是**数值**的个数，不是张量的个数，而且只数会训练的那些。",
        ),
        (
            "`p.numel()` counts the elements of a tensor, `p.requires_grad` tells whether it trains; buffers are not in "
            "`model.parameters()`. See [section 7]({lesson}#7.-Parameters:-list,-count,-freeze).",
            "`p.numel()` 数出一个张量的元素个数，`p.requires_grad` 说明它是否参与训练；缓冲区（buffer）不在 "
            "`model.parameters()` 里。见[第 7 节]({lesson}#7.-参数：列出、数清、冻结)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            return sum(____ for p in model.parameters() if ____)
            """,
        ),
    ],
    "06.3": [
        (
            "Which loss takes raw scores (no softmax applied yet) and integer class indices?",
            "哪个损失函数直接接受原始分数（还没做 softmax）和整数类别编号？",
        ),
        (
            "Cross-entropy: `nn.CrossEntropyLoss`, or its function form in `torch.nn.functional`. It applies log-softmax "
            "itself, so do not apply softmax first. See "
            "[“Classification”]({lesson}#Classification:-CrossEntropyLoss-wants-logits-and-class-indices).",
            "交叉熵：`nn.CrossEntropyLoss`，或者 `torch.nn.functional` 里的函数版本。它自己会做 log-softmax，"
            "所以不要先做 softmax。见[“分类”]({lesson}#分类：CrossEntropyLoss-要的是-logits-和类别编号)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            return F.____(____, labels)
            """,
        ),
    ],
    "06.4": [
        (
            "Follow the four numbered steps in order. For the update, autograd must not record it, and the parameters must "
            "change in place.",
            "按编号的四步依次来。更新参数这一步不能被 autograd 记录，而且参数要原地修改。",
        ),
        (
            "`zero_grad()`, `backward()`, an in-place `-=` inside `torch.no_grad()`, and `.item()` for the float. See "
            "[section 1]({lesson}#1.-The-seed-textbook's-hello-world,-one-step) and "
            "[“Where does zero_grad() go?”]({lesson}#Where-does-zero_grad()-go?).",
            "`zero_grad()`、`backward()`、在 `torch.no_grad()` 里原地 `-=`，最后用 `.item()` 取出浮点数。见"
            "[第 1 节]({lesson}#1.-种子教材的-Hello-World，走一步)和[“zero_grad() 放在哪里？”]({lesson}#zero_grad()-放在哪里？)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            model.____()
            loss = F.mse_loss(____, targets)
            loss.____()
            with torch.____():
                for p in ____:
                    p ____ lr * p.grad
            return loss.____()
            """,
        ),
    ],
    "06.5": [
        (
            "Build a new dict with the same values and corrected keys. Remove `module.` only at the **start** of a key.",
            "建一个新字典：值不变，键改对。只去掉键**开头**的 `module.`。",
        ),
        (
            "`str.removeprefix(\"module.\")` (not `replace`, which would also hit `submodule.`), a dict comprehension, then "
            "`load_state_dict`. See [“strict, missing keys and unexpected keys”]({lesson}#strict,-missing-keys-and-unexpected-keys).",
            "用 `str.removeprefix(\"module.\")`（不要用 `replace`，它连 `submodule.` 也会改掉），写一个字典推导式，再调用 "
            "`load_state_dict`。见[“strict、缺失的键和多余的键”]({lesson}#strict、缺失的键和多余的键)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            renamed = {key.____("module."): value for key, value in ____}
            model.____(renamed)
            return model
            """,
        ),
    ],
    # ---- 07 optim -------------------------------------------------------------------------------
    "07.1": [
        (
            "The worst factor $|1 - \\eta\\lambda|$ comes from one of the two ends of the spectrum: too small an $\\eta$ leaves the "
            "smallest eigenvalue slow, too large an $\\eta$ makes the largest overshoot. Balance the two.",
            "最差的因子 $|1 - \\eta\\lambda|$ 来自特征值的两端：$\\eta$ 太小，最小特征值方向走得慢；$\\eta$ 太大，"
            "最大特征值方向会冲过头。让两端平衡。",
        ),
        (
            "`torch.linalg.eigvalsh(A)` gives the eigenvalues; solve $1 - \\eta\\lambda_{\\min} = -(1 - \\eta\\lambda_{\\max})$ "
            "for $\\eta$. See [section 2]({lesson}#2.-SGD-and-the-learning-rate:-why-it-cannot-be-too-large).",
            "`torch.linalg.eigvalsh(A)` 给出特征值；解方程 $1 - \\eta\\lambda_{\\min} = -(1 - \\eta\\lambda_{\\max})$ 求 $\\eta$。"
            "见[第 2 节]({lesson}#2.-SGD-和学习率：为什么不能太大)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            eigenvalues = torch.linalg.____(A)
            return ____ / (eigenvalues.____() + eigenvalues.____()).item()
            """,
        ),
    ],
    "07.2": [
        (
            "On the first step there is no buffer yet; later the buffer blends the old buffer with the new gradient. "
            "The parameter then moves along the buffer, not along the raw gradient.",
            "第一步还没有缓冲区；之后，缓冲区由旧缓冲区和新梯度混合而成。参数沿着缓冲区移动，而不是沿着原始梯度。",
        ),
        (
            "PyTorch's rule (no dampening): $b \\leftarrow \\mu b + g$, with $b = g$ on the first step, then "
            "$\\theta \\leftarrow \\theta - \\text{lr}\\cdot b$. Return new tensors (clone the gradient for the first buffer). "
            "See [section 3]({lesson}#3.-Momentum-and-Nesterov-momentum).",
            "PyTorch 的规则（不带 dampening）：$b \\leftarrow \\mu b + g$，第一步时 $b = g$；然后 "
            "$\\theta \\leftarrow \\theta - \\text{lr}\\cdot b$。要返回新张量（第一步的缓冲区用梯度的副本）。见"
            "[第 3 节]({lesson}#3.-动量（momentum）和-Nesterov-动量)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            if buf ____:
                buf = ____
            else:
                buf = ____ * buf + ____
            return param - ____, buf
            """,
        ),
    ],
    "07.3": [
        (
            "Sort the parameters into two lists by their number of dimensions, then give each list its own settings.",
            "按维数把参数分成两组，再给每一组各自的设置。",
        ),
        (
            "`p.ndim`; an optimizer accepts a list of dicts (parameter groups) such as `{\"params\": ..., \"weight_decay\": ...}`. "
            "See [section 6, “param_groups”]({lesson}#6.-param_groups:-different-parameters,-different-hyperparameters).",
            "用 `p.ndim`；优化器可以接受一个字典列表（参数组），例如 `{\"params\": ..., \"weight_decay\": ...}`。见"
            "[第 6 节“param_groups”]({lesson}#6.-param_groups：不同的参数，不同的超参数)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            decay = [p for p in model.parameters() if ____]
            no_decay = [p for p in model.parameters() if ____]
            return torch.optim.____(
                [{"params": ____, "weight_decay": ____}, {"params": ____, "weight_decay": ____}],
                lr=____,
            )
            """,
        ),
    ],
    "07.4": [
        (
            "At step 0 the learning rate is `base_lr`, at step `T_max` it is `eta_min`, and in between it follows half a cosine wave.",
            "第 0 步的学习率是 `base_lr`，第 `T_max` 步是 `eta_min`，中间沿着半个余弦波变化。",
        ),
        (
            "$\\eta = \\eta_{\\min} + (\\eta_{\\text{base}} - \\eta_{\\min})\\,(1 + \\cos(\\pi\\,\\text{step}/T_{\\max}))/2$, "
            "with `math.cos` and `math.pi`. See [section 8, “Learning-rate schedulers”]({lesson}#8.-Learning-rate-schedulers).",
            "$\\eta = \\eta_{\\min} + (\\eta_{\\text{base}} - \\eta_{\\min})\\,(1 + \\cos(\\pi\\,\\text{step}/T_{\\max}))/2$，"
            "用 `math.cos` 和 `math.pi`。见[第 8 节“学习率调度器”]({lesson}#8.-学习率调度器)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            return eta_min + (____) * (1 + math.cos(____)) / 2
            """,
        ),
    ],
    "07.5": [
        (
            "One norm for all the gradients together, as if they were one long vector. Then one scale factor for all of them, "
            "which may only shrink.",
            "把所有梯度当成一根长向量，只算一个总范数。然后所有梯度共用一个缩放系数，而且只缩小、不放大。",
        ),
        (
            "The total norm is the norm of the per-tensor norms (`torch.linalg.vector_norm`); the factor "
            "`max_norm / (total_norm + 1e-6)` is capped at 1 (`torch.clamp(..., max=...)`). See "
            "[section 9, “Gradient clipping”]({lesson}#9.-Gradient-clipping).",
            "总范数就是各个张量范数组成的向量的范数（`torch.linalg.vector_norm`）；系数 `max_norm / (total_norm + 1e-6)` "
            "最大取 1（`torch.clamp(..., max=...)`）。见[第 9 节“梯度裁剪”]({lesson}#9.-梯度裁剪)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            total_norm = torch.linalg.vector_norm(torch.stack([____ for g in grads]))
            scale = torch.clamp(____, max=____)
            return [____ for g in grads], total_norm
            """,
        ),
    ],
    # ---- 08 data --------------------------------------------------------------------------------
    "08.1": [
        (
            "`__len__` answers “how many samples?”, `__getitem__` returns one sample. Apply the transform only when there is "
            "one, and make the label a plain Python number.",
            "`__len__` 回答“有多少个样本”，`__getitem__` 返回一个样本。只有在确实有变换时才调用它，标签要转成普通的 Python 数。",
        ),
        (
            "`int(...)` turns a 0-d tensor into a Python `int`; never assign back into `self.images`. See "
            "[section 1, “Writing a Dataset”]({lesson}#1.-Writing-a-Dataset).",
            "`int(...)` 能把 0 维张量变成 Python 的 `int`；不要往 `self.images` 里写回任何东西。见"
            "[第 1 节“自己写一个 Dataset”]({lesson}#1.-自己写一个-Dataset)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            def __len__(self):
                return len(____)

            def __getitem__(self, index):
                image = self.images[____]
                if self.transform ____:
                    image = ____
                return image, ____(self.labels[index])
            """,
        ),
    ],
    "08.2": [
        (
            "Split the pairs into sequences and labels, note every length **before** padding, then pad.",
            "先把成对的数据拆成序列和标签，记下**补齐之前**每条序列的长度，再补齐。",
        ),
        (
            "`pad_sequence(..., batch_first=True)` pads at the end; `torch.tensor([...])` builds `int64` tensors from Python ints. "
            "See [section 5, “Samples of different lengths”]({lesson}#5.-Samples-of-different-lengths:-collate_fn).",
            "`pad_sequence(..., batch_first=True)` 在末尾补齐；`torch.tensor([...])` 由 Python 整数得到 `int64` 张量。见"
            "[第 5 节“长短不一的样本”]({lesson}#5.-长短不一的样本：collate_fn)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            sequences = [____ for sequence, _ in batch]
            lengths = torch.tensor([____ for sequence in sequences])
            padded = pad_sequence(____, batch_first=____)
            labels = torch.tensor([____ for _, label in batch])
            return ____, ____, ____
            """,
        ),
    ],
    "08.3": [
        (
            "First count how many samples each class has; then give every sample the inverse of its own class's count.",
            "先数出每个类别有多少样本；再给每个样本赋上它所属类别样本数的倒数。",
        ),
        (
            "`torch.bincount(labels)` counts per class; indexing a per-class tensor with `labels` gives one value per sample. "
            "See [section 6, “Class imbalance”]({lesson}#6.-Class-imbalance:-WeightedRandomSampler).",
            "`torch.bincount(labels)` 按类别计数；用 `labels` 去索引一个“每类一个值”的张量，就得到“每个样本一个值”。见"
            "[第 6 节“类别不平衡”]({lesson}#6.-类别不平衡：WeightedRandomSampler)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            counts = torch.____(labels)
            class_weights = 1.0 / counts.____()
            return class_weights[____]
            """,
        ),
    ],
    "08.4": [
        (
            "`torch.manual_seed` is global: anything else that draws random numbers changes what your loader sees. "
            "Give the loader its own source of randomness.",
            "`torch.manual_seed` 是全局的：程序里别处一抽随机数，你的 DataLoader 看到的顺序就变了。给它一个独立的随机源。",
        ),
        (
            "A `torch.Generator` seeded with `manual_seed(seed)`, passed as `DataLoader(..., shuffle=True, generator=...)`. "
            "See [section 3, “Shuffling, reproducibly”]({lesson}#3.-Shuffling,-reproducibly).",
            "用 `manual_seed(seed)` 设好种子的 `torch.Generator`，传给 `DataLoader(..., shuffle=True, generator=...)`。见"
            "[第 3 节“打乱，并且可以复现”]({lesson}#3.-打乱，并且可以复现)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            generator = torch.____().manual_seed(____)
            return DataLoader(dataset, batch_size=____, shuffle=____, generator=____)
            """,
        ),
    ],
    "08.5": [
        (
            "Same idea as 08.4: a private source of randomness, so that the seed fixes the split and the global state stays untouched.",
            "和 08.4 的思路一样：用一个独立的随机源，这样种子决定划分，全局随机状态也不受影响。",
        ),
        (
            "`random_split(dataset, [fraction_a, fraction_b], generator=...)` accepts fractions that add up to 1. See "
            "[section 4, “Splitting data”]({lesson}#4.-Splitting-data:-random_split,-Subset-and-SubsetRandomSampler).",
            "`random_split(dataset, [比例_a, 比例_b], generator=...)` 可以直接接受加起来等于 1 的比例。见"
            "[第 4 节“划分数据”]({lesson}#4.-划分数据：random_split、Subset-和-SubsetRandomSampler)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            generator = ____
            return random_split(dataset, [____, ____], generator=____)
            """,
        ),
    ],
    # ---- 09 training ----------------------------------------------------------------------------
    "09.1": [
        (
            "The prediction of each row is the index of its largest score. Compare with `targets`, then turn the "
            "True/False values into a fraction.",
            "每一行的预测就是分数最大的那个位置。把它和 `targets` 比较，再把 True/False 变成一个比例。",
        ),
        (
            "`argmax(dim=1)`, `==`, then `.float().mean()` and `.item()` for a Python number. The lesson computes the "
            "predictions in [section 6]({lesson}#6.-The-final-evaluation:-the-test-set,-used-once).",
            "用 `argmax(dim=1)`、`==`，再用 `.float().mean()` 和 `.item()` 得到 Python 数。课程在"
            "[第 6 节]({lesson}#6.-最终评估：测试集，只用一次)里算过预测结果。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            return (logits.____(dim=____) == targets).____().mean().item()
            """,
        ),
    ],
    "09.2": [
        (
            "Each example adds one to exactly one cell: row = true class, column = prediction. Start from zeros of the full "
            "size, since some classes may never occur.",
            "每个样本恰好给一个格子加 1：行是真实类别，列是预测类别。从一个完整大小的全零矩阵开始，因为有的类别可能根本没出现。",
        ),
        (
            "`torch.zeros(num_classes, num_classes, dtype=torch.int64)` and a loop over the pairs (`.tolist()` gives Python ints); "
            "or, without a loop, number each pair as `t * num_classes + p` and use `torch.bincount(..., minlength=...)`. "
            "See [“The confusion matrix”]({lesson}#The-confusion-matrix).",
            "用 `torch.zeros(num_classes, num_classes, dtype=torch.int64)`，再遍历每一对（`.tolist()` 得到 Python 整数）；"
            "也可以不用循环：把每一对编号成 `t * num_classes + p`，再用 `torch.bincount(..., minlength=...)`。见"
            "[“混淆矩阵”]({lesson}#混淆矩阵)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            cm = torch.zeros(____, ____, dtype=torch.int64)
            for t, p in zip(____, ____):
                cm[____, ____] += 1
            return cm
            """,
        ),
    ],
    "09.3": [
        (
            "Three things before counting: evaluation mode, no graph, data on the device. Then add up the correct predictions "
            "and the examples over all batches, and divide once at the end.",
            "计数之前先做好三件事：评估模式、不建图、数据放到设备上。然后在所有批次上累加预测正确的个数和样本数，最后只除一次。",
        ),
        (
            "`model.eval()`, a `torch.no_grad()` block, `.to(device)`, and `(pred == targets).sum().item()`. See "
            "[section 3]({lesson}#3.-model.train(),-model.eval()-and-torch.no_grad()).",
            "用 `model.eval()`、`torch.no_grad()` 块、`.to(device)`，以及 `(pred == targets).sum().item()`。见"
            "[第 3 节]({lesson}#3.-model.train()、model.eval()-和-torch.no_grad())。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            model.____()
            correct, count = ____, ____
            with torch.____():
                for inputs, targets in ____:
                    inputs, targets = ____, ____
                    correct += (model(inputs).argmax(dim=1) == targets).____().item()
                    count += ____
            return ____ / ____
            """,
        ),
    ],
    "09.4": [
        (
            "Resuming needs more than the weights: the optimizer has state too (momentum buffers, step counts). "
            "Put everything into one dict and save it.",
            "要继续训练，光有权重不够：优化器也有状态（动量缓冲区、步数）。把所有东西放进一个字典里保存。",
        ),
        (
            "`model.state_dict()`, `optimizer.state_dict()` and `torch.save(obj, path)`. See "
            "[“To resume training: save everything”]({lesson}#To-resume-training:-save-everything).",
            "用 `model.state_dict()`、`optimizer.state_dict()` 和 `torch.save(obj, path)`。见"
            "[“为了继续训练：保存一切”]({lesson}#为了继续训练：保存一切)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            torch.save({"model": ____, "optimizer": ____, "epoch": ____}, ____)
            """,
        ),
    ],
    "09.5": [
        (
            "Load the dict, put each part back into the objects **you were given** (do not make new ones), and return the epoch.",
            "读入字典，把各部分放回**传进来的**那两个对象里（不要新建），再返回 epoch。",
        ),
        (
            "`torch.load(path, weights_only=True)`, then `load_state_dict(...)` on the model and on the optimizer. See "
            "[“To resume training: save everything”]({lesson}#To-resume-training:-save-everything) and "
            "[“Counter-example: restore one thing less”]({lesson}#Counter-example:-restore-one-thing-less).",
            "用 `torch.load(path, weights_only=True)`，再分别对模型和优化器调用 `load_state_dict(...)`。见"
            "[“为了继续训练：保存一切”]({lesson}#为了继续训练：保存一切)和[“反例：少恢复一样东西”]({lesson}#反例：少恢复一样东西)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            checkpoint = torch.load(____, weights_only=True)
            model.load_state_dict(____)
            optimizer.____(checkpoint["optimizer"])
            return checkpoint[____]
            """,
        ),
    ],
    "09.6": [
        (
            "Change one value at a time and read the check's hint: a loss that hardly moves means steps that are too small or "
            "too few; `nan` means a learning rate far too large.",
            "一次只改一个值，读一读检查给出的提示：损失几乎不动，说明步子太小或步数太少；出现 `nan`，说明学习率大得离谱。",
        ),
        (
            "`train_digits_mlp(config)` from `course_utils.training` shows the loss and accuracy of every epoch; how to read "
            "them: [section 5, “Learning curves”]({lesson}#5.-Learning-curves). The learning rate itself is chapter 07's topic.",
            "`course_utils.training` 里的 `train_digits_mlp(config)` 会给出每个 epoch 的损失和准确率；怎么看这些数，见"
            "[第 5 节“学习曲线”]({lesson}#5.-学习曲线)。学习率本身是第 07 章的内容。",
        ),
        _shape(
            "Values in these ranges work: a learning rate between 0.01 and 0.1, 10 to 20 epochs, a batch of 32 to 128.",
            "这些范围内的值都行：学习率在 0.01 到 0.1 之间，10 到 20 个 epoch，批大小 32 到 128。",
            """
            config = {"lr": ____, "epochs": ____, "batch_size": ____}
            """,
        ),
    ],
    # ---- 10 torchvision -------------------------------------------------------------------------
    "10.1": [
        (
            "IoU = intersection / union, and union = area1 + area2 − intersection. What is the intersection when two boxes "
            "do not overlap?",
            "IoU = 交集 / 并集，并集 = 面积1 + 面积2 − 交集。两个框不重叠时，交集是多少？",
        ),
        (
            "`torch.max` / `torch.min` on corners broadcast as `boxes1[:, None, :2]` against `boxes2[None, :, :2]`, and "
            "`.clamp(min=0)` for boxes that do not overlap. See [section 5.1]({lesson}#5.1-Area,-IoU-and-box-formats).",
            "对按 `boxes1[:, None, :2]` 和 `boxes2[None, :, :2]` 广播的角点用 `torch.max` / `torch.min`，"
            "不重叠的情况用 `.clamp(min=0)` 处理。见[5.1 节]({lesson}#5.1-面积、IoU-和格式转换)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            area1 = (boxes1[:, 2] - boxes1[:, 0]) * (____)
            area2 = ____
            top_left = torch.max(boxes1[:, None, :2], ____)
            bottom_right = torch.min(____, ____)
            wh = (bottom_right - top_left).____(min=0)
            inter = ____ * ____
            return inter / (____ - inter)
            """,
        ),
    ],
    "10.2": [
        (
            "A loop: take the best remaining box, keep it, throw away the remaining boxes that overlap it too much, repeat.",
            "一个循环：取出剩下的框里分数最高的，留下它，扔掉和它重叠太多的其他框，如此反复。",
        ),
        (
            "`scores.argsort(descending=True)` gives the order; `ops.box_iou` on the best box (as a batch of one) against "
            "the rest; keep those with IoU `<=` the threshold. See "
            "[section 5.2]({lesson}#5.2-Non-maximum-suppression-(NMS)).",
            "`scores.argsort(descending=True)` 给出顺序；用 `ops.box_iou` 计算最佳框（当作只有一个框的批次）和其余框的 IoU；"
            "保留 IoU `<=` 阈值的那些。见[5.2 节]({lesson}#5.2-非极大值抑制（NMS）)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            order = scores.argsort(____)
            keep = []
            while ____:
                best = ____
                keep.append(____)
                rest = ____
                ious = ops.box_iou(____, ____)[0]
                order = rest[____]
            return torch.tensor(____, dtype=____)
            """,
        ),
    ],
    "10.3": [
        (
            "The centre is in the middle of the box: the left edge lies half a width to its left.",
            "中心点在框的正中间：左边缘在它左边半个宽度处。",
        ),
        (
            "`boxes.unbind(dim=1)` splits the four columns and `torch.stack([...], dim=1)` joins four new ones. "
            "See [section 5.1]({lesson}#5.1-Area,-IoU-and-box-formats).",
            "`boxes.unbind(dim=1)` 把四列拆开，`torch.stack([...], dim=1)` 再把四个新列拼起来。见"
            "[5.1 节]({lesson}#5.1-面积、IoU-和格式转换)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            cx, cy, w, h = boxes.____(dim=1)
            return torch.stack([cx - ____, cy - ____, cx + ____, cy + ____], dim=1)
            """,
        ),
    ],
    "10.4": [
        (
            "Four requirements, four transforms, in a `v2.Compose`. The last one cleans up the boxes that the crop made empty.",
            "四条要求，对应四个变换，放进一个 `v2.Compose`。最后一个负责清理被裁剪弄坏的框。",
        ),
        (
            "`v2.RandomHorizontalFlip`, `v2.RandomResizedCrop` (its `scale` is a fraction of the area), `v2.ToDtype` with "
            "`scale=True`, and `v2.SanitizeBoundingBoxes`. See "
            "[section 2.2, “Boxes and masks follow the image”]({lesson}#2.2-Boxes-and-masks-follow-the-image).",
            "`v2.RandomHorizontalFlip`、`v2.RandomResizedCrop`（它的 `scale` 是面积的比例）、带 `scale=True` 的 `v2.ToDtype`，"
            "以及 `v2.SanitizeBoundingBoxes`。见[2.2 节“边框和掩码跟着图片一起变”]({lesson}#2.2-边框和掩码跟着图片一起变)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            return v2.____([
                v2.RandomHorizontalFlip(p=____),
                v2.RandomResizedCrop(____, scale=(____, ____)),
                v2.ToDtype(____, scale=____),
                v2.____(),
            ])
            """,
        ),
    ],
    "10.5": [
        (
            "First freeze everything, then put in the new head: a freshly created layer trains by default.",
            "先把所有参数冻结，再装上新的头：新建的层默认是要训练的。",
        ),
        (
            "`requires_grad_(False)` on every parameter; `model.fc.in_features` is the old head's input size; `nn.Linear(in, out)`. "
            "See [“A new head”]({lesson}#A-new-head) and "
            "[section 4, “Transfer learning”]({lesson}#4.-Transfer-learning-from-the-course's-own-checkpoint).",
            "对每个参数调用 `requires_grad_(False)`；`model.fc.in_features` 是旧头的输入大小；再用 `nn.Linear(in, out)`。见"
            "[“换一个头”]({lesson}#换一个头)和[第 4 节“迁移学习”]({lesson}#4.-迁移学习：从课程自己的检查点出发)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            for parameter in ____:
                parameter.____(False)
            model.fc = nn.Linear(____, ____)
            return model
            """,
        ),
    ],
    # ---- 11 text --------------------------------------------------------------------------------
    "11.1": [
        (
            "One regular expression with two alternatives does most of the work: a run of word characters (letters, digits, "
            "apostrophes) **or** a single other non-space character. Then replace the numbers.",
            "一个带两个分支的正则表达式就能完成大部分工作：一串“词字符”（字母、数字、撇号），**或者**单个其他非空白字符。"
            "然后再替换数字。",
        ),
        (
            "`re.findall(pattern, text.lower())` with `a|b` in the pattern; `str.isdigit()` spots the numbers. See "
            "[section 3, “Tokenization”]({lesson}#3.-Tokenization).",
            "用 `re.findall(pattern, text.lower())`，模式里写 `a|b`；`str.isdigit()` 能认出数字。见"
            "[第 3 节“切词”]({lesson}#3.-切词（tokenization）)。",
        ),
        _shape(
            "Fill in the character classes and the condition:",
            "填上字符类和条件：",
            r"""
            tokens = re.findall(r"[____]+|[^\s____]", text.lower())
            return ["<num>" if ____ else token for token in tokens]
            """,
        ),
    ],
    "11.2": [
        (
            "Count every token over all sentences, keep the frequent ones, then sort by two criteria: count (descending), "
            "then the token itself.",
            "统计所有句子里每个词元出现的次数，保留够频繁的，再按两个标准排序：先按次数从多到少，再按词元本身。",
        ),
        (
            "`collections.Counter`; a sort key that returns a tuple sorts by its first element, then by the second; negate the "
            "count to get descending order. See [section 4, “The vocabulary”]({lesson}#4.-The-vocabulary).",
            "用 `collections.Counter`；排序的 key 返回一个元组时，先按第一个元素排，再按第二个；把次数取负，就是从多到少。见"
            "[第 4 节“词表”]({lesson}#4.-词表（vocabulary）)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            counts = Counter(token for tokens in ____ for token in tokens)
            kept = [token for token, count in counts.items() if ____]
            return ["<pad>", "<unk>"] + sorted(kept, key=lambda token: (____, ____))
            """,
        ),
    ],
    "11.3": [
        (
            "Look up each token; when it is missing, fall back to the id of `\"<unk>\"`. Then make a tensor of the right dtype.",
            "逐个查词元的编号；查不到时，退回到 `\"<unk>\"` 的编号。最后做成 dtype 正确的张量。",
        ),
        (
            "`dict.get(key, default)` and `torch.tensor(list, dtype=torch.long)`. See "
            "[section 5, “Numericalization”]({lesson}#5.-Numericalization).",
            "用 `dict.get(key, default)` 和 `torch.tensor(list, dtype=torch.long)`。见"
            "[第 5 节“编号”]({lesson}#5.-编号（numericalization）)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            unk = stoi[____]
            return torch.tensor([stoi.get(____, ____) for token in tokens], dtype=____)
            """,
        ),
    ],
    "11.4": [
        (
            "Sort first (longest first; Python's sort is stable, so ties keep their order), then build everything from the "
            "sorted list, so that the labels stay with their sequences.",
            "先排序（最长的在前；Python 的排序是稳定的，长度相同的保持原来的顺序），再从排好序的列表构造所有结果，"
            "这样标签才能跟着各自的序列。",
        ),
        (
            "`sorted(batch, key=..., reverse=True)` and `pad_sequence(..., batch_first=True, padding_value=0)`. See "
            "[section 6, “Padding”]({lesson}#6.-Padding) and "
            "[section 7, “Packing”]({lesson}#7.-Packing:-letting-a-recurrent-network-skip-the-padding).",
            "用 `sorted(batch, key=..., reverse=True)` 和 `pad_sequence(..., batch_first=True, padding_value=0)`。见"
            "[第 6 节“补齐”]({lesson}#6.-补齐（padding）)和[第 7 节“打包”]({lesson}#7.-打包（packing）：让循环网络跳过补齐)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            batch = sorted(batch, key=lambda pair: ____, reverse=____)
            sequences = [____ for ids, _ in batch]
            padded = pad_sequence(sequences, batch_first=True, padding_value=____)
            lengths = torch.tensor([____ for ids in sequences], dtype=torch.long)
            labels = torch.tensor([____ for _, label in batch], dtype=torch.long)
            return ____, ____, ____
            """,
        ),
    ],
    "11.5": [
        (
            "`flat` is just all the ids joined together. Each offset is where a sentence starts: the total length of the "
            "sentences before it.",
            "`flat` 就是把所有编号首尾相接。每个偏移量是一句话的起点，也就是它前面所有句子的长度之和。",
        ),
        (
            "`torch.cat(sequences)`; a cumulative sum of the lengths (`cumsum(0)`), shifted so that it starts at 0. See "
            "[section 8]({lesson}#8.-nn.Embedding-and-nn.EmbeddingBag).",
            "用 `torch.cat(sequences)`；再对长度做累加和（`cumsum(0)`），并错开一位，让它从 0 开始。见"
            "[第 8 节]({lesson}#8.-nn.Embedding-与-nn.EmbeddingBag)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            flat = torch.____(sequences)
            lengths = torch.tensor([____ for s in sequences], dtype=torch.long)
            offsets = torch.cat([torch.zeros(1, dtype=torch.long), lengths.____(0)[____]])
            return ____, ____
            """,
        ),
    ],
    # ---- 12 torchaudio --------------------------------------------------------------------------
    "12.1": [
        (
            "First build the time of every sample ($n / \\text{sample\\_rate}$ for $n = 0, 1, \\dots$), then apply the sine. "
            "Mind the shape (one channel) and the dtype.",
            "先算出每个采样点的时刻（$n / \\text{sample\\_rate}$，$n = 0, 1, \\dots$），再取正弦。注意形状（一个通道）和 dtype。",
        ),
        (
            "`torch.arange(n)`, `torch.sin`, `math.pi`, `.unsqueeze(0)` and `.float()`. See "
            "[section 2, “Waveforms”]({lesson}#2.-Waveforms:-a-(channels,-samples)-tensor).",
            "用 `torch.arange(n)`、`torch.sin`、`math.pi`、`.unsqueeze(0)` 和 `.float()`。见"
            "[第 2 节“波形”]({lesson}#2.-波形：(通道数,-采样数)-的张量)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            n = int(round(____))
            t = torch.arange(n, dtype=torch.float64) / ____
            return torch.sin(____).float().unsqueeze(____)
            """,
        ),
    ],
    "12.2": [
        (
            "Two transforms in a row: waveform → mel spectrogram (power) → decibels. Pass exactly the parameters asked for, "
            "and the sample rate you were given.",
            "两个变换接连使用：波形 → 梅尔频谱图（功率）→ 分贝。参数只传题目要求的那些，采样率用传进来的。",
        ),
        (
            "`torchaudio.transforms.MelSpectrogram(sample_rate=..., n_fft=..., hop_length=..., n_mels=...)` and "
            "`AmplitudeToDB` with `stype=\"power\"` and `top_db`. See "
            "[section 4]({lesson}#4.-Spectrograms,-mel-spectrograms,-MFCCs).",
            "用 `torchaudio.transforms.MelSpectrogram(sample_rate=..., n_fft=..., hop_length=..., n_mels=...)`，以及带 "
            "`stype=\"power\"` 和 `top_db` 的 `AmplitudeToDB`。见[第 4 节]({lesson}#4.-频谱图、梅尔频谱图、MFCC)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            mel = T.MelSpectrogram(sample_rate=____, n_fft=____, hop_length=____, n_mels=____)
            to_db = T.AmplitudeToDB(stype=____, top_db=____)
            return ____(mel(waveform))
            """,
        ),
    ],
    "12.3": [
        (
            "Do not just keep every k-th sample: that aliases. A proper resampler filters out the high frequencies first, "
            "and torchaudio has one.",
            "不要简单地每隔几个采样点取一个：那样会混叠。正确的重采样会先滤掉高频，torchaudio 里就有现成的。",
        ),
        (
            "`torchaudio.functional.resample` (or the transform `T.Resample`). See "
            "[section 5, “Resampling and aliasing”]({lesson}#5.-Resampling-and-aliasing).",
            "用 `torchaudio.functional.resample`（或变换 `T.Resample`）。见[第 5 节“重采样与混叠”]({lesson}#5.-重采样与混叠)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            return F.____(waveform, orig_freq=____, new_freq=____)
            """,
        ),
    ],
    "12.4": [
        (
            "Copy first, then overwrite a range of the **last** axis, whatever the number of leading dimensions.",
            "先复制，再覆盖**最后一维**上的一段，前面有几维都无所谓。",
        ),
        (
            "`clone()`; the Ellipsis `...` stands for all leading dimensions, so `t[..., a:b] = value` writes a time range. "
            "See [section 6, “Augmentation”]({lesson}#6.-Augmentation:-SpecAugment-and-noise).",
            "用 `clone()`；省略号 `...` 代表前面所有的维度，所以 `t[..., a:b] = value` 写入一段时间范围。见"
            "[第 6 节“数据增强”]({lesson}#6.-数据增强：SpecAugment-和加噪声)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            masked = spec.____()
            masked[..., ____ : ____] = ____
            return ____
            """,
        ),
    ],
    "12.5": [
        (
            "One window 400 samples wide, moved 320 samples at a time, with no padding: how many positions fit?",
            "一个 400 个采样点宽的窗口，每次移动 320 个采样点，不补零：一共能放下多少个位置？",
        ),
        (
            "A sliding window gives $(L - \\text{kernel}) /\\!/ \\text{stride} + 1$ positions. See "
            "[section 7, “Wav2Vec2”]({lesson}#7.-Wav2Vec2:-the-architecture-first,-without-downloading-weights).",
            "滑动窗口的位置个数是 $(L - \\text{kernel}) /\\!/ \\text{stride} + 1$。见"
            "[第 7 节“Wav2Vec2”]({lesson}#7.-Wav2Vec2：不下载权重，先看结构)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            return (num_samples - ____) // ____ + ____
            """,
        ),
    ],
    # ---- 13 TorchScript and export --------------------------------------------------------------
    "13.1": [
        (
            "One tool runs the model once and records the operations it saw; the other compiles the Python source. "
            "Which one keeps an `if` that depends on the data?",
            "一种工具把模型跑一遍，只录下看到的操作；另一种编译 Python 源代码。哪一种能保留依赖数据的 `if`？",
        ),
        (
            "Scripting, not tracing. See [section 3]({lesson}#3.-torch.jit.script:-compile-the-source,-keep-the-branch) and, "
            "for what goes wrong with tracing, [section 2]({lesson}#2.-torch.jit.trace:-it-records-only-the-path-it-took).",
            "用 script，而不是 trace。见[第 3 节]({lesson}#3.-torch.jit.script：编译源代码，分支得以保留)；"
            "trace 出什么问题，见[第 2 节]({lesson}#2.-torch.jit.trace：只录下走过的那条路)。",
        ),
        _shape(
            "Fill in the blank:",
            "把空白处填上：",
            """
            return torch.jit.____(model)
            """,
        ),
    ],
    "13.2": [
        (
            "By default `export` fixes every dimension to the example's size. Say which dimension may vary, and for which "
            "argument name.",
            "默认情况下，`export` 会把每一维都固定成示例输入的大小。要说明哪一维可以变，以及它属于哪个参数名。",
        ),
        (
            "`torch.export.Dim(\"batch\")` and `dynamic_shapes={argument name: {dimension: Dim}}`. See "
            "[section 6]({lesson}#6.-torch.export:-capture-the-model-as-one-complete-graph).",
            "用 `torch.export.Dim(\"batch\")` 和 `dynamic_shapes={参数名: {维度: Dim}}`。见"
            "[第 6 节]({lesson}#6.-torch.export：把模型捕获成一张完整的图)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            batch = torch.export.Dim(____)
            return torch.export.export(model, (____,), dynamic_shapes={____: {____: batch}})
            """,
        ),
    ],
    "13.3": [
        (
            "Build a file path inside `folder` with the `.pt2` extension, save to it, then load from that same path.",
            "在 `folder` 里拼出一个扩展名为 `.pt2` 的路径，保存进去，再从同一个路径读回来。",
        ),
        (
            "`os.path.join`, then `torch.export.save` and `torch.export.load`. See "
            "[“Saving and loading an ExportedProgram”]({lesson}#Saving-and-loading-an-ExportedProgram).",
            "用 `os.path.join`，再用 `torch.export.save` 和 `torch.export.load`。见"
            "[“保存和加载 ExportedProgram”]({lesson}#保存和加载-ExportedProgram)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            path = os.path.join(folder, "____.pt2")
            torch.export.____(ep, path)
            return torch.export.____(path)
            """,
        ),
    ],
    "13.4": [
        (
            "A Python `if` on a tensor's value makes `export` refuse. You need an operator that takes the condition and both "
            "branches, so that both end up in the graph.",
            "对张量的值写 Python `if`，`export` 会拒绝。需要一个把条件和两个分支一起接收的算子，这样两个分支都能进图。",
        ),
        (
            "`torch.cond(pred, true_fn, false_fn, operands)`: both branches are functions of the operands. See "
            "[“Data-dependent control flow”]({lesson}#Data-dependent-control-flow:-export-refuses,-torch.cond-solves-it).",
            "`torch.cond(pred, true_fn, false_fn, operands)`：两个分支都是以操作数为参数的函数。见"
            "[“依赖数据的控制流”]({lesson}#依赖数据的控制流：export-拒绝，torch.cond-解决)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            class Gate(____):
                def forward(self, ____):
                    return torch.cond(____, lambda x: ____, lambda x: ____, (x,))

            return ____()
            """,
        ),
    ],
    "13.5": [
        (
            "For each scenario ask: does it stay inside Python? Must it run without Python? Is it about old TorchScript files?",
            "对每个场景都问一问：是留在 Python 里吗？必须脱离 Python 运行吗？还是和旧的 TorchScript 文件有关？",
        ),
        (
            "`torch.compile` speeds up Python; `torch.export` captures one whole graph (with `torch.cond` for branches); "
            "`torch.jit.script` is deprecated but still what legacy TorchScript services load. See "
            "[section 5]({lesson}#5.-Deprecation:-the-successors-of-TorchScript) and "
            "[section 7]({lesson}#7.-torch.compile:-faster,-inside-Python).",
            "`torch.compile` 在 Python 里加速；`torch.export` 把模型捕获成一整张图（分支用 `torch.cond`）；"
            "`torch.jit.script` 已弃用，但旧的 TorchScript 服务仍然靠它。见"
            "[第 5 节]({lesson}#5.-弃用：TorchScript-的继任者)和[第 7 节]({lesson}#7.-torch.compile：在-Python-里加速)。",
        ),
        _shape(
            "Fill in the four tools (one of them appears twice):",
            "填上四个工具（有一个出现两次）：",
            """
            return {
                "speed up my training loop in Python": "____",
                "run the model on a phone or server without Python": "____",
                "export a model whose forward has an if on tensor values": "____",
                "keep a legacy C++ (LibTorch) service running that loads TorchScript .pt files": "____",
            }
            """,
        ),
    ],
    # ---- 14 distributed -------------------------------------------------------------------------
    "14.1": [
        (
            "A sum over the ranks divided by the number of ranks is a mean. Which call sums across ranks, and which one tells "
            "you how many ranks there are?",
            "所有 rank 上的和除以 rank 的个数，就是平均值。哪个调用负责跨 rank 求和？哪个调用告诉你一共有几个 rank？",
        ),
        (
            "`dist.all_reduce` works in place and sums by default; `dist.get_world_size()`. See "
            "[section 2, “Collectives, run for real”]({lesson}#2.-Collectives,-run-for-real).",
            "`dist.all_reduce` 是原地操作，默认求和；再加上 `dist.get_world_size()`。见"
            "[第 2 节“集合通信”]({lesson}#2.-集合通信：真的跑起来)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            dist.all_reduce(tensor, op=____)
            tensor /= ____
            return ____
            """,
        ),
    ],
    "14.2": [
        (
            "Two steps: make the list of indices a multiple of `num_replicas` long (pad by repeating from the start, or cut "
            "when `drop_last`), then give each rank every `num_replicas`-th index, starting at its rank.",
            "分两步：先把下标列表的长度变成 `num_replicas` 的倍数（不够就从头重复补上；`drop_last` 时截掉多余的），"
            "再让每个 rank 从自己的编号开始，每隔 `num_replicas` 个取一个。",
        ),
        (
            "Ceiling division is `-(-n // R)`; slicing with a step, `list[start::step]`, deals the indices. See "
            "[section 4]({lesson}#4.-DistributedSampler:-which-samples-each-rank-gets).",
            "向上取整的除法可以写成 `-(-n // R)`；带步长的切片 `list[start::step]` 负责“发牌”。见"
            "[第 4 节]({lesson}#4.-DistributedSampler：每个-rank-拿哪些样本)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            indices = list(____)
            if ____:
                indices = indices[: ____]
            else:
                total = ____  # ceil(n / R) * R
                while len(indices) < ____:
                    indices += indices[: ____]
            return indices[____::____]
            """,
        ),
    ],
    "14.3": [
        (
            "The global batch counts the samples of every rank. The learning rate grows by the same factor as the batch.",
            "全局批量把所有 rank 的样本都算在内。学习率按批量增大的倍数同比例放大。",
        ),
        (
            "The linear scaling rule: multiply `base_lr` by `global_batch / base_batch`. See "
            "[“The learning rate when the global batch grows”]({lesson}#The-learning-rate-when-the-global-batch-grows).",
            "线性缩放规则：把 `base_lr` 乘以 `global_batch / base_batch`。见"
            "[“全局批量变大时，学习率怎么调”]({lesson}#全局批量变大时，学习率怎么调)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            global_batch = ____ * ____
            return global_batch, base_lr * ____ / ____
            """,
        ),
    ],
    "14.4": [
        (
            "Every machine runs the same command. It needs the number of machines, the processes per machine, and where and "
            "under which name the processes meet.",
            "每台机器都运行同一条命令。命令里要写明机器数、每台机器的进程数，以及进程在哪里、以什么名字会合。",
        ),
        (
            "torchrun's options `--nnodes`, `--nproc-per-node`, `--rdzv-backend`, `--rdzv-endpoint` and `--rdzv-id`, then the "
            "script. See [section 7]({lesson}#7.-What-changes-on-several-machines-(explained,-not-run)).",
            "torchrun 的选项 `--nnodes`、`--nproc-per-node`、`--rdzv-backend`、`--rdzv-endpoint` 和 `--rdzv-id`，最后是脚本。见"
            "[第 7 节]({lesson}#7.-多机训练要改什么（只讲，不运行）)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            return ["torchrun", "--nnodes=____", "--nproc-per-node=____", "--rdzv-backend=____",
                    f"--rdzv-endpoint={____}", f"--rdzv-id={____}", "____"]
            """,
        ),
    ],
    "14.5": [
        (
            "Simulate each step in two stages: first every rank copies what it sends, then every rank receives. Otherwise a "
            "rank could send a chunk that was already changed in the same step.",
            "每一步分两个阶段模拟：先让每个 rank 把要发送的块复制出来，再让每个 rank 接收。否则某个 rank 发出的，"
            "可能是同一步里已经被改过的块。",
        ),
        (
            "`t.clone().chunk(n)` gives views into one buffer, so `+=` and `.copy_()` on a chunk update the buffer; "
            "the chunk numbers are `(r - s) % n` and `(r + 1 - s) % n`. See "
            "[section 2, “Collectives, run for real”]({lesson}#2.-Collectives,-run-for-real).",
            "`t.clone().chunk(n)` 得到的是同一块缓冲区的视图，所以对某一块做 `+=` 或 `.copy_()` 会写回缓冲区；"
            "块的编号是 `(r - s) % n` 和 `(r + 1 - s) % n`。见[第 2 节“集合通信”]({lesson}#2.-集合通信：真的跑起来)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            n = ____
            buffers = [____ for t in tensors]
            chunks = [list(____) for b in buffers]
            for s in range(____):  # reduce-scatter
                sent = [chunks[r][____].clone() for r in range(n)]
                for r in range(____):
                    chunks[(r + 1) % n][____] += sent[r]
            for s in range(____):  # all-gather
                sent = [chunks[r][____].clone() for r in range(n)]
                for r in range(____):
                    chunks[(r + 1) % n][____].copy_(____)
            return ____
            """,
        ),
    ],
    # ---- 15 profiler ----------------------------------------------------------------------------
    "15.1": [
        (
            "Which rows does `key_averages()` give you, and which field is the **self** time? A label around everything has "
            "the largest total time, but not the largest self time.",
            "`key_averages()` 给出哪些行？哪个字段是**自身**时间？包住全部代码的标签总时间最大，但自身时间并不最大。",
        ),
        (
            "Each row of `prof.key_averages()` has `.key` and `.self_cpu_time_total`; `max(rows, key=...)` picks the largest. "
            "See [section 2]({lesson}#2.-A-first-profile:-the-key_averages()-table).",
            "`prof.key_averages()` 的每一行都有 `.key` 和 `.self_cpu_time_total`；`max(rows, key=...)` 挑出最大的一行。见"
            "[第 2 节]({lesson}#2.-第一次分析：key_averages()-表格)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            return max(prof.key_averages(), key=lambda e: ____).____
            """,
        ),
    ],
    "15.2": [
        (
            "A schedule repeats a cycle of wait → warmup → active. Write down steps 0 to 9 and the phase each one should be in.",
            "schedule 会反复执行“等待 → 预热 → 记录”这个周期。把第 0 到 9 步写下来，标出每一步应处在哪个阶段。",
        ),
        (
            "`schedule(wait=..., warmup=..., active=..., repeat=...)`; calling the schedule on a step number shows its action. "
            "See [section 4]({lesson}#4.-Recording-a-few-steps:-schedule).",
            "用 `schedule(wait=..., warmup=..., active=..., repeat=...)`；拿步数去调用 schedule，就能看到那一步的动作。见"
            "[第 4 节]({lesson}#4.-只记录几步：schedule)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            return schedule(wait=____, warmup=1, active=____, repeat=____)
            """,
        ),
    ],
    "15.3": [
        (
            "One `profile` block around everything, and inside it one labelled block per piece of code.",
            "用一个 `profile` 块包住全部代码，在它里面给每段代码各包一个带标签的块。",
        ),
        (
            "`profile(activities=[ProfilerActivity.CPU])` as a context manager, `as prof`; `record_function(\"label\")` as "
            "another one. See [section 1]({lesson}#1.-Setup:-device,-model-and-a-training-step) and "
            "[section 7]({lesson}#7.-Finding-and-fixing-a-bottleneck).",
            "把 `profile(activities=[ProfilerActivity.CPU])` 当作上下文管理器，写 `as prof`；`record_function(\"标签\")` "
            "也是上下文管理器。见[第 1 节]({lesson}#1.-准备：设备、模型和一个训练步)和[第 7 节]({lesson}#7.-找到并修好一个瓶颈)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            with profile(activities=[____]) as prof:
                with record_function(____):
                    x = ____
                with record_function(____):
                    ____
            return prof
            """,
        ),
    ],
    "15.4": [
        (
            "The same trick as the pairwise distances of chapter 03: one tensor that holds every difference `a[i] - b[j]`.",
            "和第 03 章的两两距离是同一个技巧：用一个张量同时装下所有的差 `a[i] - b[j]`。",
        ),
        (
            "Broadcasting with `None` axes to shape $(N, M, D)$, then square and sum over the last dimension. See "
            "[section 7, “Finding and fixing a bottleneck”]({lesson}#7.-Finding-and-fixing-a-bottleneck).",
            "用 `None` 插入新轴，广播成 $(N, M, D)$，再平方并沿最后一维求和。见[第 7 节“找到并修好一个瓶颈”]({lesson}#7.-找到并修好一个瓶颈)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            return ((a[____] - b[____]) ** 2).sum(____)
            """,
        ),
    ],
    "15.5": [
        (
            "Follow the four steps literally. The peak is the maximum of a running total, so keep two numbers while you walk "
            "through the sorted events.",
            "严格按照四个步骤来。峰值是累计值的最大值，所以遍历排好序的事件时，要同时记住两个数。",
        ),
        (
            "`profile(..., profile_memory=True)`, `prof.export_chrome_trace(path)`, `json.load(f)[\"traceEvents\"]`, and "
            "`sorted(..., key=...)` on `e[\"ts\"]`. See [section 3, “Memory”]({lesson}#3.-Memory) and "
            "[section 5, “Trace files”]({lesson}#5.-Trace-files:-Chrome-/-Perfetto).",
            "用 `profile(..., profile_memory=True)`、`prof.export_chrome_trace(path)`、`json.load(f)[\"traceEvents\"]`，"
            "再按 `e[\"ts\"]` 用 `sorted(..., key=...)` 排序。见[第 3 节“内存”]({lesson}#3.-内存)和"
            "[第 5 节“轨迹文件”]({lesson}#5.-轨迹文件：Chrome-/-Perfetto)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            with profile(activities=[ProfilerActivity.CPU], profile_memory=____) as prof:
                ____
            prof.export_chrome_trace(____)
            with open(____, encoding="utf-8") as f:
                events = json.load(f)[____]
            held = peak = ____
            for e in sorted((e for e in events if ____), key=lambda e: ____):
                held += ____
                peak = max(____, ____)
            return peak
            """,
        ),
    ],
    # ---- 16 ONNX --------------------------------------------------------------------------------
    "16.1": [
        (
            "The example has a batch of 2; unless you say otherwise, the exporter fixes the batch at 2. Declare the batch "
            "dimension dynamic, and remember to return the path.",
            "示例输入的批大小是 2；如果不另外说明，导出器就把批大小固定成 2。把批维度声明为动态的，别忘了返回路径。",
        ),
        (
            "`torch.onnx.export` with `dynamo=True` and `dynamic_shapes`, using a `torch.export.Dim` for dimension 0 of `x`. See "
            "[section 3]({lesson}#3.-Exporting:-the-dynamo-exporter-and-a-dynamic-batch-size) and "
            "[section 6]({lesson}#6.-A-common-mistake:-forgetting-the-dynamic-dimension).",
            "用 `torch.onnx.export`，传入 `dynamo=True` 和 `dynamic_shapes`，给 `x` 的第 0 维一个 `torch.export.Dim`。见"
            "[第 3 节]({lesson}#3.-导出：dynamo-导出器-+-动态批大小)和[第 6 节]({lesson}#6.-常见错误：忘了动态维度)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            torch.onnx.____(
                model,
                (____,),
                path,
                dynamo=____,
                dynamic_shapes={____: {0: torch.export.Dim(____)}},
            )
            return ____
            """,
        ),
    ],
    "16.2": [
        (
            "The inputs and outputs are listed in `model.graph`; each dimension is either a fixed number or a named symbol.",
            "输入和输出都列在 `model.graph` 里；每一维要么是固定的数，要么是有名字的符号。",
        ),
        (
            "`model.graph.input` / `.output`; a value's dimensions are `value.type.tensor_type.shape.dim`; each has "
            "`dim_value` or `dim_param`, and `HasField(\"dim_param\")` tells which. See "
            "[section 4]({lesson}#4.-Checking-and-reading-the-ONNX-file).",
            "用 `model.graph.input` / `.output`；一个值的各维是 `value.type.tensor_type.shape.dim`；每一维有 `dim_value` "
            "或 `dim_param`，用 `HasField(\"dim_param\")` 判断是哪一种。见[第 4 节]({lesson}#4.-检查和阅读-ONNX-文件)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            def shape_of(____):
                dims = ____
                return [d.dim_param if ____ else d.dim_value for d in dims]

            return {
                "inputs": {v.name: ____ for v in model.graph.input},
                "outputs": {____ for v in model.graph.output},
            }
            """,
        ),
    ],
    "16.3": [
        (
            "Two conditions: the same shape, then every element close enough. Turn both into the same kind of array first.",
            "两个条件：先要形状相同，再要每个元素都足够接近。先把两者转成同一种数组。",
        ),
        (
            "`np.asarray(...)`, `.shape`, and `np.allclose(actual, desired, rtol=..., atol=...)`, whose tolerance uses the "
            "**second** argument's size. See [section 5]({lesson}#5.-Running-in-onnxruntime).",
            "用 `np.asarray(...)`、`.shape` 和 `np.allclose(actual, desired, rtol=..., atol=...)`，它的容差按**第二个**参数的大小计算。"
            "见[第 5 节]({lesson}#5.-在-onnxruntime-里运行)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            a = np.asarray(____)
            b = np.asarray(____)
            return a.shape == b.shape and bool(np.allclose(____, ____, rtol=rtol, atol=atol))
            """,
        ),
    ],
    "16.4": [
        (
            "Walk through the nodes of the graph and count those whose type matches exactly.",
            "遍历图中的节点，数出类型完全相同的那些。",
        ),
        (
            "`model.graph.node` and `node.op_type`; `sum()` over `True`/`False` counts. See "
            "[section 4]({lesson}#4.-Checking-and-reading-the-ONNX-file).",
            "用 `model.graph.node` 和 `node.op_type`；对 `True`/`False` 求 `sum()` 就是计数。见"
            "[第 4 节]({lesson}#4.-检查和阅读-ONNX-文件)。",
        ),
        _shape(
            "Fill in the blank:",
            "把空白处填上：",
            """
            return sum(____ for node in model.graph.node)
            """,
        ),
    ],
    "16.5": [
        (
            "A model can import several operator sets, one per domain. Find the standard one.",
            "一个模型可以导入好几个算子集，每个域一个。找出标准的那一个。",
        ),
        (
            "`model.opset_import`, each entry with `.domain` and `.version`; the standard domain is `\"\"` or `\"ai.onnx\"`. "
            "See [section 4]({lesson}#4.-Checking-and-reading-the-ONNX-file).",
            "用 `model.opset_import`，每一项都有 `.domain` 和 `.version`；标准域是 `\"\"` 或 `\"ai.onnx\"`。见"
            "[第 4 节]({lesson}#4.-检查和阅读-ONNX-文件)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            for imp in model.____:
                if imp.domain in (____, ____):
                    return ____
            return None
            """,
        ),
    ],
    # ---- 17 CNN ---------------------------------------------------------------------------------
    "17.1": [
        (
            "Slide the kernel along a row of `size` pixels. How wide is a kernel once it is dilated, and how many start "
            "positions fit after padding both ends, moving `stride` pixels at a time?",
            "让卷积核沿着一行 `size` 个像素滑动。加了空洞之后，卷积核实际有多宽？两端补上填充、每次挪 `stride` 个像素，"
            "一共能放下多少个起始位置？",
        ),
        (
            "The lesson's output-size formula is exactly this function; it rounds **down**, and Python's integer division "
            "`//` does that for you. See [section 1.2]({lesson}#1.2-Stride,-padding,-dilation,-and-the-output-size-formula).",
            "课程里的输出尺寸公式就是这个函数；它是**向下**取整的，Python 的整除 `//` 正好做到这一点。见"
            "[第 1.2 节]({lesson}#1.2-步长、填充、空洞，和输出尺寸公式)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            return (____ + 2 * ____ - ____ * (____ - 1) - 1) // ____ + 1
            """,
        ),
    ],
    "17.2": [
        (
            "Go up from the input one layer at a time, and keep two numbers: the width seen so far, and how many input "
            "pixels apart two neighbouring outputs of the current layer are.",
            "从输入开始一层一层往上走，同时记住两个数：到目前为止的感受野宽度，以及当前这一层相邻两个输出在输入上隔了几个像素。",
        ),
        (
            "The lesson's rule: start with `r = j = 1`; each layer adds `(k−1)·d·j` to `r`, then multiplies `j` by its "
            "stride. Check the order on the example `[(3, 2, 1), (3, 1, 1)]`, which gives 7. See "
            "[section 1.4, “The receptive field”]({lesson}#1.4-The-receptive-field).",
            "课程里的规则：从 `r = j = 1` 开始；每一层先给 `r` 加上 `(k−1)·d·j`，再把 `j` 乘以这一层的步长。"
            "拿例子 `[(3, 2, 1), (3, 1, 1)]` 验证一下顺序，结果应该是 7。见[第 1.4 节“感受野”]({lesson}#1.4-感受野)。",
        ),
        _shape(
            "Fill in the blanks (`k`, `s`, `d`: kernel size, stride, dilation):",
            "把空白处填上（`k`、`s`、`d` 分别是卷积核大小、步长、空洞）：",
            """
            field, jump = ____, ____
            for k, s, d in layers:
                field += ____
                jump *= ____
            return field
            """,
        ),
    ],
    "17.3": [
        (
            "Two parts: the branch `F` (conv, BN, ReLU, conv, BN) and the shortcut. Choose the shortcut in `__init__`: when "
            "can `x` be added to `F(x)` as it is, and what must it go through when it cannot?",
            "分两部分：分支 `F`（卷积、BN、ReLU、卷积、BN）和捷径。捷径在 `__init__` 里就选好：什么时候 `x` 能原样加到 "
            "`F(x)` 上？加不上的时候，它得先经过什么？",
        ),
        (
            "`nn.Conv2d(..., bias=False)` and `nn.BatchNorm2d`; `nn.Identity()` for a shortcut that changes nothing, and an "
            "`nn.Sequential` of a 1×1 conv and a BN for the projection. In `forward`, add the two branches **before** the last "
            "ReLU. See [section 3, “The residual block”]({lesson}#3.-The-residual-block).",
            "用 `nn.Conv2d(..., bias=False)` 和 `nn.BatchNorm2d`；什么都不改的捷径用 `nn.Identity()`，投影捷径用 "
            "`nn.Sequential` 把一个 1×1 卷积和一个 BN 串起来。`forward` 里要在最后一个 ReLU **之前**把两路相加。见"
            "[第 3 节“残差块”]({lesson}#3.-残差块)。",
        ),
        _shape(
            "Fill in the blanks, first in `__init__`, then in `forward`:",
            "把空白处填上，前半段在 `__init__` 里，后半段在 `forward` 里：",
            """
            self.conv1 = nn.Conv2d(____, ____, 3, stride=____, padding=1, bias=False)
            self.bn1 = ____
            self.conv2 = ____
            self.bn2 = ____
            if ____:
                self.shortcut = ____
            else:
                self.shortcut = nn.Sequential(nn.Conv2d(____, ____, 1, stride=____, bias=False), ____)

            out = F.relu(____)
            out = ____
            return F.relu(____ + ____)
            """,
        ),
    ],
    "17.4": [
        (
            "Three things: switch to eval mode, compute without a graph, and afterwards put the model back as it was. "
            "Remember the mode **before** you change it, and restore it even if the model raises an error.",
            "要做三件事：切到 eval 模式，不建计算图地算出结果，最后把模型恢复原样。改模式**之前**先把原来的模式记下来；"
            "就算模型中途报错，也要把它恢复。",
        ),
        (
            "`model.training` is the current mode; `model.eval()` and `model.train(mode)` set it; `torch.no_grad()` records "
            "no graph; `try`/`finally` restores in every case; `.argmax(dim=1)` picks the class. Why it matters: "
            "[section 2.2]({lesson}#2.2-BatchNorm:-different-in-training-and-in-evaluation) and "
            "[“The classic bug”]({lesson}#The-classic-bug:-forgetting-model.eval()).",
            "`model.training` 是当前的模式；`model.eval()` 和 `model.train(mode)` 用来设置模式；`torch.no_grad()` 不记录"
            "计算图；`try`/`finally` 保证无论如何都会恢复；`.argmax(dim=1)` 挑出类别。为什么要这样做，见"
            "[第 2.2 节]({lesson}#2.2-BatchNorm：训练时和评估时不一样)和[“经典 bug”]({lesson}#经典-bug：忘了-model.eval())。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            was = ____
            model.____()
            try:
                with torch.____():
                    return model(images).____(dim=1)
            finally:
                model.train(____)
            """,
        ),
    ],
    "17.5": [
        (
            "Two steps: a new last layer with the old number of inputs, then an optimizer that gives the head and the body "
            "different learning rates. Replace the head first, so the optimizer gets the **new** head's parameters. Which "
            "parameters belong to the body?",
            "分两步：先换上新的最后一层，输入维数和原来一样；再建一个优化器，给头和主体不同的学习率。要先换头，"
            "优化器拿到的才是**新**头的参数。哪些参数属于主体？",
        ),
        (
            "`model.fc.in_features`; `model.named_parameters()` yields names such as `\"fc.weight\"`, so the body is every "
            "parameter whose name does not start with `\"fc.\"`; `AdamW` accepts a list of parameter groups, dicts with "
            "`\"params\"` and `\"lr\"`. See [section 7]({lesson}#7.-Transfer-learning-with-weights-the-course-trains-itself).",
            "用 `model.fc.in_features`；`model.named_parameters()` 给出 `\"fc.weight\"` 这样的名字，所以名字不以 `\"fc.\"` "
            "开头的参数都属于主体；`AdamW` 可以接收一个参数组列表，每组是带 `\"params\"` 和 `\"lr\"` 的字典。见"
            "[第 7 节]({lesson}#7.-迁移学习：用课程自己训练的权重)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            model.fc = nn.Linear(____, ____)
            body = [p for name, p in model.named_parameters() if ____]
            return torch.optim.AdamW([{"params": ____, "lr": ____},
                                      {"params": ____, "lr": ____}])
            """,
        ),
    ],
    # ---- 18 Transformer -------------------------------------------------------------------------
    "18.1": [
        (
            "Query i sits at position `n_keys - n_queries + i`. Write out `causal_mask(2, 4)` by hand: it is a lower "
            "triangle, only shifted. By how many columns?",
            "查询 i 位于位置 `n_keys - n_queries + i`。亲手写出 `causal_mask(2, 4)`：它还是一个下三角，只是挪了位置。"
            "挪了几列？",
        ),
        (
            "Start from all `True` with `torch.ones(..., dtype=torch.bool)` and keep a lower triangle with "
            "`.tril(diagonal=...)`; a positive `diagonal` moves the edge to the right. Square masks: "
            "[“Causal masks”]({lesson}#Causal-masks); the shifted mask used with a cache: "
            "[section 9]({lesson}#9.-The-key/value-cache).",
            "先用 `torch.ones(..., dtype=torch.bool)` 得到全是 `True` 的张量，再用 `.tril(diagonal=...)` 保留下三角；"
            "`diagonal` 为正数时，三角的边界往右挪。方形的掩码见[“因果掩码”]({lesson}#因果掩码)；配合缓存用的、挪过位置的掩码见"
            "[第 9 节]({lesson}#9.-键值缓存)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            return torch.ones(____, ____, dtype=torch.bool).tril(diagonal=____)
            """,
        ),
    ],
    "18.2": [
        (
            "Follow SDPA's order: scores, then the masks, then the softmax, then the weighted sum of `v`. A blocked position "
            "must get weight 0 after the softmax: which score gives that?",
            "按 SDPA 的顺序来：先算分数，再上掩码，然后做 softmax，最后对 `v` 加权求和。被挡住的位置在 softmax 之后权重"
            "必须是 0，那它的分数该设成多少？",
        ),
        (
            "`k.transpose(-2, -1)` and `math.sqrt(d)`; `masked_fill(~mask, float(\"-inf\"))` for a boolean mask, a plain `+` for "
            "a float one (`attn_mask.dtype` tells which); `torch.ones(L, S, dtype=torch.bool).tril()` for `is_causal`. See "
            "[section 1]({lesson}#1.-Queries,-keys-and-values), [section 3]({lesson}#3.-Masks) and "
            "[section 5]({lesson}#5.-F.scaled_dot_product_attention).",
            "用 `k.transpose(-2, -1)` 和 `math.sqrt(d)`；布尔掩码用 `masked_fill(~mask, float(\"-inf\"))`，浮点掩码直接用 `+` "
            "加上去（看 `attn_mask.dtype` 就知道是哪一种）；`is_causal` 用 `torch.ones(L, S, dtype=torch.bool).tril()`。见"
            "[第 1 节]({lesson}#1.-查询、键、值)、[第 3 节]({lesson}#3.-掩码)和"
            "[第 5 节]({lesson}#5.-F.scaled_dot_product_attention)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            scores = q @ ____ / math.sqrt(____)
            if ____:
                allowed = torch.ones(____, ____, dtype=torch.bool).tril()
                scores = scores.masked_fill(____, float("-inf"))
            if ____:
                if ____:
                    scores = ____
                else:
                    scores = ____
            return ____
            """,
        ),
    ],
    "18.3": [
        (
            "Project only the new token: the old keys and values are already in the cache. The new token comes last, so it "
            "may look at every key and needs no mask.",
            "只对新词元做投影，旧的键和值已经在缓存里了。新词元排在最后，所有的键它都能看，所以用不着掩码。",
        ),
        (
            "`x_new @ w_q` (likewise `w_k`, `w_v`), `torch.cat([old, new], dim=1)` along the token axis, then the attention "
            "formula of [section 1]({lesson}#1.-Queries,-keys-and-values). How the cache works: "
            "[section 9, “The key/value cache”]({lesson}#9.-The-key/value-cache).",
            "用 `x_new @ w_q`（`w_k`、`w_v` 同理），沿词元那一维 `torch.cat([旧, 新], dim=1)`，再套用"
            "[第 1 节]({lesson}#1.-查询、键、值)的注意力公式。缓存的原理见[第 9 节“键值缓存”]({lesson}#9.-键值缓存)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            q, k, v = ____, ____, ____
            if ____:
                k = torch.cat([____, k], dim=____)
                v = torch.cat([____, v], dim=____)
            weights = (q @ ____ / math.sqrt(____)).softmax(dim=____)
            return ____, (____, ____)
            """,
        ),
    ],
    "18.4": [
        (
            "First one angle per position and per pair of dimensions, a `(T, d/2)` table. Then the sines and cosines must be "
            "**interleaved**, not put side by side as in the lesson.",
            "先为每个位置、每一对维度算出一个角度，得到一张 `(T, d/2)` 的表。然后 sin 和 cos 要**交错**排列，"
            "而不是像课程里那样前后拼在一起。",
        ),
        (
            "`torch.arange(0, d_model, 2)` gives the `2i`; broadcasting a `(T, 1)` column against it gives every angle. "
            "`torch.stack([..., ...], dim=-1)` pairs each sine with its cosine, and `.reshape` flattens the pairs in order. "
            "See [section 7, “Positional information”]({lesson}#7.-Positional-information).",
            "`torch.arange(0, d_model, 2)` 给出各个 `2i`；拿一个 `(T, 1)` 的列和它广播，就得到所有角度。"
            "`torch.stack([..., ...], dim=-1)` 把每个 sin 和对应的 cos 配成一对，再用 `.reshape` 按顺序摊平。见"
            "[第 7 节“位置信息”]({lesson}#7.-位置信息)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            t = torch.arange(____, dtype=torch.float32)[:, None]
            angles = t / 10000 ** (torch.arange(0, ____, 2, dtype=torch.float32) / ____)
            return torch.stack([____, ____], dim=____).reshape(____, ____)
            """,
        ),
    ],
    "18.5": [
        (
            "Decide on the sorted probabilities, then put the decision back at the original positions. A token is kept when "
            "the tokens ranked **before** it add up to less than p.",
            "在排好序的概率上做决定，再把结果放回原来的位置。排在一个词元**前面**的那些词元，概率加起来还不到 p，"
            "这个词元就保留。",
        ),
        (
            "`probs.sort(dim=-1, descending=True)` returns the values and their indices; `cumsum(dim=-1)` minus the value "
            "itself is the mass before each token; `torch.zeros_like(..., dtype=torch.bool).scatter(-1, indices, ...)` puts "
            "the decisions back in place; `masked_fill` returns a new tensor. Top-k, its simpler cousin: "
            "[“Generation: temperature and top-k”]({lesson}#Generation:-temperature-and-top-k).",
            "`probs.sort(dim=-1, descending=True)` 同时返回排好的值和它们的下标；`cumsum(dim=-1)` 减去自身，就是排在每个"
            "词元前面的概率之和；`torch.zeros_like(..., dtype=torch.bool).scatter(-1, 下标, ...)` 把判断结果放回原位；"
            "`masked_fill` 返回新张量，不改原来的。更简单的 top-k 见[“生成：温度和 top-k”]({lesson}#生成：温度和-top-k)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            sorted_probs, order = ____.sort(dim=-1, descending=True)
            mass_before = ____ - sorted_probs
            keep = torch.zeros_like(logits, dtype=torch.bool).scatter(-1, ____, ____)
            return logits.masked_fill(____, float("-inf"))
            """,
        ),
    ],
    # ---- 19 debugging ---------------------------------------------------------------------------
    "19.1": [
        (
            "No preference means every class gets the same probability. What is it, and how does cross-entropy turn the "
            "probability of the right class into a loss?",
            "没有偏好，就是每个类别的概率都一样。这个概率是多少？交叉熵又是怎样由正确类别的概率算出损失的？",
        ),
        (
            "Cross-entropy is minus the **natural** logarithm of the right class's probability; in Python that is `math.log`. "
            "See [section 1.1]({lesson}#1.1-What-should-the-loss-be-at-initialisation?).",
            "交叉熵是正确类别概率的**自然**对数再取负；Python 里的自然对数是 `math.log`。见"
            "[第 1.1 节]({lesson}#1.1-初始化时的损失应该是多少？)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            return -math.log(____ / ____)
            """,
        ),
    ],
    "19.2": [
        (
            "Compare the loop with a correct training step, line by line. What must happen to the gradients before each "
            "`backward()`? And what kind of scores does `CrossEntropyLoss` expect?",
            "拿它和一个正确的训练步逐行对比。每次 `backward()` 之前，梯度要先怎么处理？`CrossEntropyLoss` 要的又是哪种分数？",
        ),
        (
            "`backward()` **adds** to `.grad`, so every step starts with `zero_grad()`: "
            "[section 2.1]({lesson}#2.1-Forgetting-zero_grad()). `CrossEntropyLoss` applies `log_softmax` itself and wants "
            "logits: [section 2.2]({lesson}#2.2-A-softmax-before-CrossEntropyLoss).",
            "`backward()` 会把梯度**累加**到 `.grad` 上，所以每一步都要先 `zero_grad()`：见"
            "[第 2.1 节]({lesson}#2.1-忘了-zero_grad())。`CrossEntropyLoss` 自己会做 `log_softmax`，要的是 logits：见"
            "[第 2.2 节]({lesson}#2.2-先做了-softmax，再交给-CrossEntropyLoss)。",
        ),
        _shape(
            "Inside the loop, before `backward()`, these two lines change; fill in the blanks:",
            "循环里、`backward()` 之前，要改的是这两行；把空白处填上：",
            """
            optimizer.____()
            loss = loss_fn(____, y)
            """,
        ),
    ],
    "19.3": [
        (
            "A loss stuck at the variance of `y` means the model finds no link between `x` and `y`. What could break the "
            "pairing of each row of `x` with its target? And print the shapes of `pred` and `y`.",
            "损失停在 `y` 的方差附近，说明模型在 `x` 和 `y` 之间找不到任何联系。什么会拆散 `x` 的每一行和它的目标？"
            "另外，把 `pred` 和 `y` 的形状打印出来看看。",
        ),
        (
            "Shuffling `x` without `y` breaks the pairs, and full-batch training needs no shuffling at all: "
            "[section 2.4]({lesson}#2.4-Labels-shuffled-apart-from-their-inputs). `(N, 1) - (N,)` broadcasts to `(N, N)`: "
            "[section 2.6]({lesson}#2.6-A-silent-broadcast-in-the-loss:-(N,-1)-against-(N,)); `squeeze(1)` the predictions, "
            "and an `assert` on the shapes keeps it from coming back.",
            "只打乱 `x` 而不动 `y`，就把配对拆散了；何况整批训练根本不需要打乱：见"
            "[第 2.4 节]({lesson}#2.4-标签和输入被分开打乱了)。`(N, 1) - (N,)` 会广播成 `(N, N)`：见"
            "[第 2.6 节]({lesson}#2.6-损失里不声不响的广播：(N,-1)-对-(N,))；对预测值做 `squeeze(1)`，"
            "再加一句检查形状的 `assert`，这个 bug 就不会再回来。",
        ),
        _shape(
            "Delete the line that shuffles `x`, then fill in the blanks inside the loop:",
            "删掉打乱 `x` 的那一行，再把循环里的空白处填上：",
            """
            pred = model(x).____
            assert pred.shape == ____, (pred.shape, y.shape)
            """,
        ),
    ],
    "19.4": [
        (
            "For each module, look only at the parameters it owns itself, not its children's. Skip the gradients that are "
            "`None`, and leave out a module with none left.",
            "对每个模块，只看它自己拥有的参数，不算子模块的。为 `None` 的梯度跳过；一个梯度都不剩的模块不要放进字典。",
        ),
        (
            "`model.named_modules()` yields `(name, module)` pairs, and `module.parameters(recurse=False)` only the module's "
            "own parameters. One norm over several tensors is the square root of the sum of all their squared entries "
            "(`g.pow(2).sum()` for each); `math.sqrt` of Python numbers, or `.item()`, gives a `float`. See "
            "[section 3.2]({lesson}#3.2-Gradient-norms-per-layer).",
            "`model.named_modules()` 给出一对对 `(name, module)`，`module.parameters(recurse=False)` 只给出模块自己的参数。"
            "几个张量合起来的范数，就是它们所有元素平方和的平方根（每个张量用 `g.pow(2).sum()`）；对 Python 数用 "
            "`math.sqrt`，或者用 `.item()`，得到的就是 `float`。见[第 3.2 节]({lesson}#3.2-每一层的梯度范数)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            norms = {}
            for name, module in ____:
                grads = [p.grad for p in module.parameters(____) if ____]
                if grads:
                    norms[name] = math.sqrt(sum(____ for g in grads))
            return norms
            """,
        ),
    ],
    "19.5": [
        (
            "Five settings and one return value, all listed in the task. Which call makes an operator without a deterministic "
            "version **raise** rather than warn?",
            "五项设置外加一个返回值，题目里都列出来了。哪个调用能让没有确定性实现的算子**报错**，而不只是警告？",
        ),
        (
            "`random.seed`, `np.random.seed`, `torch.manual_seed`; `torch.use_deterministic_algorithms(...)` raises by default "
            "(`warn_only=True` would only warn); `torch.backends.cudnn.benchmark`; `os.environ[...]`; and "
            "`torch.Generator().manual_seed(...)`. See [section 4, “Reproducibility”]({lesson}#4.-Reproducibility) and "
            "[“torch.use_deterministic_algorithms”]({lesson}#torch.use_deterministic_algorithms).",
            "用 `random.seed`、`np.random.seed`、`torch.manual_seed`；`torch.use_deterministic_algorithms(...)` 默认就会报错"
            "（`warn_only=True` 才只是警告）；还有 `torch.backends.cudnn.benchmark`、`os.environ[...]` 和 "
            "`torch.Generator().manual_seed(...)`。见[第 4 节“可复现”]({lesson}#4.-可复现)和"
            "[“torch.use_deterministic_algorithms”]({lesson}#torch.use_deterministic_algorithms)。",
        ),
        _shape(
            "Fill in the blanks:",
            "把空白处填上：",
            """
            random.seed(____)
            np.random.seed(____)
            torch.manual_seed(____)
            os.environ[____] = ____
            torch.use_deterministic_algorithms(____)
            torch.backends.cudnn.benchmark = ____
            return torch.Generator().manual_seed(____)
            """,
        ),
    ],
}
