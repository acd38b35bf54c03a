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
# # 12 · 练习：torchaudio
#
# 把每个函数里的 `raise NotImplementedError(...)` 换成你的代码，然后运行下面的 `check(...)` 单元格。`✅` 检查通过，`❌` 还不对（附提示），`⏳` 还没有完成。卡住了？完整答案在 `solutions/zh/12_torchaudio.ipynb`。

# %%
from course_utils import check, setup_notebook

setup_notebook()

import math

import torch
import torchaudio
import torchaudio.functional as F
import torchaudio.transforms as T

# %% [markdown]
# ## 12.1 合成一个正弦波
#
# 完成 `make_sine(freq, duration, sample_rate)`：返回频率为 `freq` Hz、时长 `duration` 秒、采样率 `sample_rate` Hz、振幅为 1 的正弦波 `sin(2π·f·t)`。要求：
#
# * 形状是 torchaudio 的约定 `(channels, samples)`，这里是一个通道；
# * 采样数是 `round(duration × sample_rate)`，第 `n` 个采样的时刻是 `t = n / sample_rate` 秒（`n` 从 0 开始）；
# * dtype 是 `float32`。

# %%
def make_sine(freq, duration, sample_rate):
    """A (1, samples) float32 sine wave of amplitude 1."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("12.1", make_sine)

# %% [markdown]
# ## 12.2 对数梅尔频谱图
#
# 完成 `log_mel(waveform, sample_rate)`：对形状为 `(channels, samples)` 的波形计算梅尔频谱图，参数为 `n_fft=400`、`hop_length=160`、`n_mels=40`（其余用默认值，能量 `power=2`），再换算成分贝（`10·log10`），并截掉比最大值低 80 dB 以上的部分（`top_db=80`）。注意要用传入的采样率。

# %%
def log_mel(waveform, sample_rate):
    """Log-mel spectrogram in dB, shape (channels, 40, samples // 160 + 1)."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("12.2", log_mel)

# %% [markdown]
# ## 12.3 不混叠地重采样
#
# 完成 `resample_to(waveform, orig_freq, new_freq)`：把形状为 `(channels, samples)` 的波形从 `orig_freq` Hz 换成 `new_freq` Hz 并返回（不要改动传入的张量）。结果的长度应为 `ceil(samples × new_freq / orig_freq)`。检查器会用单声道和立体声、降采样和升采样来试，还会检查 5 kHz 的纯音降到 8 kHz 之后是否混叠成 3 kHz。

# %%
def resample_to(waveform, orig_freq, new_freq):
    """The waveform resampled from orig_freq to new_freq, without aliasing."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("12.3", resample_to)

# %% [markdown]
# ## 12.4 亲手做时间遮挡
#
# `T.TimeMasking` 随机选遮挡的位置和宽度。这里把随机性去掉，亲手实现它的核心：完成 `time_mask(spec, start, width, value)`，返回 `spec` 的一个**副本**，其中时间帧 `start`、`start + 1`、……、`start + width - 1` 在所有频带上都被填成 `value`。
#
# 频谱图的形状是 `(..., freq, time)`：前面可能有任意多维（通道、批量），时间总是最后一维。不要改动传入的 `spec`。

# %%
def time_mask(spec, start, width, value):
    """A copy of spec with time frames start .. start + width - 1 set to value."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("12.4", time_mask)

# %% [markdown]
# 用它遮住一段真实的对数梅尔频谱图，看看效果（这个单元格不是练习；12.2 和 12.4 完成之后才会画图）：

# %%
import matplotlib.pyplot as plt

from course_utils.audio import CLASS_NAMES, make_audio_dataset

waves, labels, _ = make_audio_dataset(n_per_class=1, seed=0)
try:
    spec = log_mel(waves[1], 16_000)  # a chirp_up clip
    masked = time_mask(spec, start=40, width=15, value=spec.mean().item())
except NotImplementedError:
    print("Finish log_mel (12.2) and time_mask (12.4) first, then run this cell again.")
else:
    fig, axes = plt.subplots(1, 2, figsize=(10, 3), sharey=True)
    for ax, image, title in zip(axes, [spec, masked], [CLASS_NAMES[1], "time_mask(start=40, width=15)"]):
        ax.imshow(image[0], origin="lower", aspect="auto", cmap="magma")
        ax.set_title(title)
        ax.set_xlabel("frame")
        ax.grid(False)
    axes[0].set_ylabel("mel band")
    plt.tight_layout()
    plt.show()

# %% [markdown]
# ## 12.5 Wav2Vec2 输出多少帧？
#
# 完成 `wav2vec2_frames(num_samples)`：返回 Wav2Vec2 的卷积特征提取器对 `num_samples`（≥ 400）个采样输出的帧数，一个 `int`。课上讲过：整个卷积栈相当于一个宽 400 个采样（感受野）、每次移动 320 个采样（总步长）的窗口，没有补零。
#
# 检查器把你的答案和逐层计算 `(L − kernel) // stride + 1` 的结果比较，长度从 400 到十几万。

# %%
def wav2vec2_frames(num_samples):
    """Number of frames out of Wav2Vec2's conv feature extractor for num_samples >= 400."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("12.5", wav2vec2_frames)

# %% [markdown]
# 五个 ✅？本章的课程笔记本第 8 节还有一个可以继续改进的分类器：试试在训练时加上 SpecAugment 或噪声，看验证损失会不会更好。
