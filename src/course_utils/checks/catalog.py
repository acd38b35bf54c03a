"""Every exercise's facts, in one place: its id, chapter and title in both languages.

The notebooks' exercise headings (``## 03.2 Standardize the columns``), ``check()``'s messages and
the instructor guide's list all come from here; ``tests/test_invariants.py`` fails if any of them
drifts. To add an exercise: add its line here, write its checker in ``chNN_slug.py``, and give the
solution notebook a heading made of the id and the title.
"""

from __future__ import annotations

from dataclasses import dataclass

EDITIONS = ("zh", "en")
#: The three folders every chapter has a notebook in, per edition.
KINDS = ("notebooks", "exercises", "solutions")


@dataclass(frozen=True)
class Facts:
    """One exercise: its id ("03.2") and its title in English and Chinese (Markdown)."""

    id: str
    en: str
    zh: str

    def title(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


#: The chapters in order (spec section 3), each with its exercises in order.
CATALOG: dict[str, list[Facts]] = {
    "00_how_to_use": [
        Facts("00.1", "return a greeting", "返回一句问候"),
        Facts("00.2", "find a solution notebook", "找到答案笔记本"),
        Facts("00.3", "count the chapters", "数一数章节"),
    ],
    "01_what_is_pytorch": [
        Facts("01.1", "a graph that depends on the data", "随数据变化的计算图"),
        Facts("01.2", "which component does the job", "哪个组件负责这件事"),
        Facts("01.3", "true or false", "判断对错"),
        Facts("01.4", "count the nodes of a graph", "数计算图的节点"),
    ],
    "02_installation": [
        Facts("02.1", "read the CUDA version from nvidia-smi", "从 nvidia-smi 读出 CUDA 版本"),
        Facts("02.2", "pick the right wheel for a driver", "根据驱动选择正确的安装包"),
        Facts("02.3", "the verification script as a function", "把验证脚本写成函数"),
        Facts("02.4", "modernise the conda command", "把 conda 命令改成现在的写法"),
    ],
    "03_tensors": [
        Facts("03.1", "images to channels-first", "图片转成通道在前"),
        Facts("03.2", "standardize the columns", "按列标准化"),
        Facts("03.3", "select rows with a boolean mask", "用布尔掩码选行"),
        Facts("03.4", "zero the diagonal without touching the input", "把对角线置零，但不改输入"),
        Facts("03.5", "pairwise distances by broadcasting", "用广播计算两两距离"),
    ],
    "04_gpu": [
        Facts("04.1", "run a model on any device", "在任意设备上运行模型"),
        Facts("04.2", "GFLOP/s of a matrix multiply", "矩阵乘法的 GFLOP/s"),
        Facts("04.3", "time a function correctly", "正确地计时"),
        Facts("04.4", "bytes of a tensor", "张量占多少字节"),
        Facts("04.5", "mixed-precision settings per device", "按设备选择混合精度设置"),
    ],
    "05_autograd": [
        Facts("05.1", "the gradient of a function at a point", "函数在一点的梯度"),
        Facts("05.2", "accumulate gradients over micro-batches", "小批次梯度累加"),
        Facts("05.3", "the backward of a custom autograd.Function", "自定义 autograd.Function 的反向传播"),
        Facts("05.4", "a second derivative with create_graph", "用 create_graph 求二阶导数"),
        Facts("05.5", "freeze all layers but the last", "冻结除最后一层外的所有层"),
        Facts("05.6", "predict without building a graph", "预测时不建计算图"),
    ],
    "06_nn": [
        Facts("06.1", "an MLP class for any layer sizes", "任意层大小的 MLP 类"),
        Facts("06.2", "count the trainable parameters", "数一数可训练的参数"),
        Facts("06.3", "a classification loss from logits", "由 logits 计算分类损失"),
        Facts("06.4", "one SGD step by hand", "亲手走一步 SGD"),
        Facts("06.5", "load a checkpoint whose keys carry a prefix", "加载键名带前缀的检查点"),
    ],
    "07_optim": [
        Facts("07.1", "the fastest learning rate on a quadratic", "二次函数上最快的学习率"),
        Facts("07.2", "one step of SGD with momentum, by hand", "亲手实现一步带动量的 SGD"),
        Facts("07.3", "two parameter groups: no decay on biases", "两个参数组：偏置不做权重衰减"),
        Facts("07.4", "a cosine learning-rate schedule", "余弦学习率日程"),
        Facts("07.5", "gradient-norm clipping, by hand", "亲手实现按范数的梯度裁剪"),
    ],
    "08_data": [
        Facts("08.1", "a Dataset with a transform", "带变换的 Dataset"),
        Facts("08.2", "pad a batch of sequences", "补齐一批变长序列"),
        Facts("08.3", "weights for WeightedRandomSampler", "WeightedRandomSampler 的权重"),
        Facts("08.4", "a reproducible shuffling DataLoader", "可复现的打乱 DataLoader"),
        Facts("08.5", "a reproducible train/validation split", "可复现的训练/验证划分"),
    ],
    "09_training": [
        Facts("09.1", "accuracy from logits", "由 logits 计算准确率"),
        Facts("09.2", "a confusion matrix", "混淆矩阵"),
        Facts("09.3", "evaluate in eval mode without gradients", "在 eval 模式、不求梯度的情况下评估"),
        Facts("09.4", "save a checkpoint with the optimizer", "保存包含优化器的检查点"),
        Facts("09.5", "load a checkpoint to resume training", "加载检查点以继续训练"),
        Facts("09.6", "fix the hyperparameters", "修好超参数"),
    ],
    "10_torchvision": [
        Facts("10.1", "IoU by hand", "亲手实现 IoU"),
        Facts("10.2", "NMS by hand", "亲手实现 NMS"),
        Facts("10.3", "convert cxcywh boxes to xyxy", "把 cxcywh 边框转换成 xyxy"),
        Facts("10.4", "a v2 pipeline that keeps boxes on their shapes", "让边框跟着形状走的 v2 变换管道"),
        Facts("10.5", "freeze a backbone and replace the head", "冻结骨干网络并换一个头"),
    ],
    "11_text": [
        Facts("11.1", "tokenize a sentence", "把句子切成词元"),
        Facts("11.2", "build a vocabulary", "建立词表"),
        Facts("11.3", "turn tokens into ids", "把词元变成编号"),
        Facts("11.4", "collate a sorted batch for an RNN", "为循环网络整理排好序的批次"),
        Facts("11.5", "inputs for nn.EmbeddingBag", "为 nn.EmbeddingBag 准备输入"),
    ],
    "12_torchaudio": [
        Facts("12.1", "make a sine wave", "合成一个正弦波"),
        Facts("12.2", "a log-mel spectrogram", "对数梅尔频谱图"),
        Facts("12.3", "resample without aliasing", "不混叠地重采样"),
        Facts("12.4", "time masking by hand", "亲手做时间遮挡"),
        Facts("12.5", "how many frames does Wav2Vec2 output?", "Wav2Vec2 输出多少帧？"),
    ],
    "13_torchscript_export": [
        Facts("13.1", "make a model with an if portable", "让带 if 的模型可以脱离 Python"),
        Facts("13.2", "export with a dynamic batch dimension", "导出时让批量维可变"),
        Facts("13.3", "save and load an ExportedProgram", "保存并加载 ExportedProgram"),
        Facts("13.4", "export a branch with torch.cond", "用 torch.cond 导出分支"),
        Facts("13.5", "choose the right tool", "选对工具"),
    ],
    "14_distributed": [
        Facts("14.1", "all_reduce_mean on 3 processes", "三个进程上的 all_reduce_mean"),
        Facts("14.2", "the indices DistributedSampler gives a rank",
              "DistributedSampler 分给一个 rank 的下标"),
        Facts("14.3", "global batch and learning rate", "全局批量与学习率"),
        Facts("14.4", "the torchrun command for 2 nodes x 4 GPUs", "2 台机器 × 4 块 GPU 的 torchrun 命令"),
        Facts("14.5", "a ring all-reduce, simulated", "模拟环形 all-reduce"),
    ],
    "15_profiler": [
        Facts("15.1", "find the slowest op by self time", "按自身时间找出最慢的算子"),
        Facts("15.2", "a schedule that records given steps", "只记录指定步的 schedule"),
        Facts("15.3", "label code blocks with record_function", "用 record_function 给代码块贴标签"),
        Facts("15.4", "vectorise a slow loop", "把慢循环向量化"),
        Facts("15.5", "peak memory from profile_memory", "从 profile_memory 得到内存峰值"),
    ],
    "16_onnx": [
        Facts("16.1", "export with a dynamic batch dimension", "导出时保持批维度动态"),
        Facts("16.2", "read inputs and outputs", "读出输入和输出"),
        Facts("16.3", "compare outputs with a tolerance", "带容差比较输出"),
        Facts("16.4", "count nodes of an op type", "数一数某种算子的节点"),
        Facts("16.5", "read the opset", "读出 opset"),
    ],
    "17_cnn": [
        Facts("17.1", "the output size of a convolution", "卷积的输出尺寸"),
        Facts("17.2", "the receptive field of a stack of convolutions", "一叠卷积层的感受野"),
        Facts("17.3", "a residual block with a projection shortcut", "带投影捷径的残差块"),
        Facts("17.4", "predict in eval mode, then restore the mode", "在 eval 模式下预测，再恢复原来的模式"),
        Facts("17.5", "a new head and a smaller learning rate for the body", "换上新头，主体用更小的学习率"),
    ],
    "18_transformer": [
        Facts("18.1", "a causal mask", "因果掩码"),
        Facts("18.2", "attention equal to SDPA", "与 SDPA 一致的注意力"),
        Facts("18.3", "a KV-cache step equal to full recompute", "与完整重算一致的键值缓存步骤"),
        Facts("18.4", "sinusoidal positions", "正弦位置编码"),
        Facts("18.5", "a top-p (nucleus) filter", "top-p（nucleus）过滤"),
    ],
    "19_debugging": [
        # chapter 19's exercises
        Facts("19.1", "the expected loss at initialisation", "初始化时损失的预期值"),
        Facts("19.2", "find the bug: a classifier that does not learn", "找 bug：学不会的分类器"),
        Facts("19.3", "find the bug: a regression stuck at the mean", "找 bug：只学会平均值的回归"),
        Facts("19.4", "gradient norm per layer", "每一层的梯度范数"),
        Facts("19.5", "reproducibility settings in one function", "把可复现的设置写成一个函数"),
    ],
}

#: The chapter slugs, in order.
CHAPTERS: tuple[str, ...] = tuple(CATALOG)
#: Exercise id -> its facts.
EXERCISES: dict[str, Facts] = {facts.id: facts for entries in CATALOG.values() for facts in entries}
#: Exercise id -> the chapter it belongs to.
CHAPTER_OF: dict[str, str] = {facts.id: slug for slug, entries in CATALOG.items() for facts in entries}


def heading(exercise_id: str, lang: str) -> str:
    """The exercise's heading in a notebook, for example ``## 03.2 Standardize the columns``."""
    title = EXERCISES[exercise_id].title(lang)
    return f"## {exercise_id} {title[:1].upper()}{title[1:]}"
