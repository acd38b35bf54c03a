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
# # 12 · Exercises: torchaudio
#
# Replace the `raise NotImplementedError(...)` in each function with your code, then run the `check(...)` cell below it. `✅` means the checks passed, `❌` not yet (with a hint), `⏳` not done yet. Stuck? The full answers are in `solutions/en/12_torchaudio.ipynb`.

# %%
from course_utils import check, setup_notebook

setup_notebook()

import math

import torch
import torchaudio
import torchaudio.functional as F
import torchaudio.transforms as T

# %% [markdown]
# ## 12.1 Make a sine wave
#
# Complete `make_sine(freq, duration, sample_rate)`: return the sine wave `sin(2π·f·t)` of frequency `freq` Hz, duration `duration` seconds, sample rate `sample_rate` Hz and amplitude 1. Requirements:
#
# * the shape follows torchaudio's convention `(channels, samples)`, here with one channel;
# * there are `round(duration × sample_rate)` samples, and sample `n` is taken at `t = n / sample_rate` seconds (`n` starts at 0);
# * the dtype is `float32`.

# %%
def make_sine(freq, duration, sample_rate):
    """A (1, samples) float32 sine wave of amplitude 1."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("12.1", make_sine)

# %% [markdown]
# ## 12.2 A log-mel spectrogram
#
# Complete `log_mel(waveform, sample_rate)`: compute the mel spectrogram of a `(channels, samples)` waveform with `n_fft=400`, `hop_length=160`, `n_mels=40` (everything else at its default, including energy, `power=2`), convert it to decibels (`10·log10`) and clip everything more than 80 dB below the maximum (`top_db=80`). Use the sample rate you are given.

# %%
def log_mel(waveform, sample_rate):
    """Log-mel spectrogram in dB, shape (channels, 40, samples // 160 + 1)."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("12.2", log_mel)

# %% [markdown]
# ## 12.3 Resample without aliasing
#
# Complete `resample_to(waveform, orig_freq, new_freq)`: return the `(channels, samples)` waveform converted from `orig_freq` Hz to `new_freq` Hz (leave the input tensor unchanged). The result should have `ceil(samples × new_freq / orig_freq)` samples. The checker tries mono and stereo, downsampling and upsampling, and checks that a 5 kHz tone taken down to 8 kHz does not alias to 3 kHz.

# %%
def resample_to(waveform, orig_freq, new_freq):
    """The waveform resampled from orig_freq to new_freq, without aliasing."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("12.3", resample_to)

# %% [markdown]
# ## 12.4 Time masking by hand
#
# `T.TimeMasking` picks the position and width of its mask at random. Take the randomness away and implement its core yourself: complete `time_mask(spec, start, width, value)`, which returns a **copy** of `spec` in which the time frames `start`, `start + 1`, ..., `start + width - 1` are set to `value` in every frequency band.
#
# Spectrograms have the shape `(..., freq, time)`: any number of dimensions may come first (channels, batch), and time is always the last one. Do not change the `spec` you are given.

# %%
def time_mask(spec, start, width, value):
    """A copy of spec with time frames start .. start + width - 1 set to value."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("12.4", time_mask)

# %% [markdown]
# Use it to mask part of a real log-mel spectrogram (this cell is not an exercise; it draws once 12.2 and 12.4 are done):

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
# ## 12.5 How many frames does Wav2Vec2 output?
#
# Complete `wav2vec2_frames(num_samples)`: return, as an `int`, the number of frames that Wav2Vec2's convolutional feature extractor outputs for `num_samples` (≥ 400) samples. Recall from the lesson: the whole conv stack acts like one window 400 samples wide (the receptive field) moved by 320 samples (the total stride), without padding.
#
# The checker compares your answer with the layer-by-layer computation `(L − kernel) // stride + 1`, for lengths from 400 to over a hundred thousand.

# %%
def wav2vec2_frames(num_samples):
    """Number of frames out of Wav2Vec2's conv feature extractor for num_samples >= 400."""
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# %%
# NBVAL_CHECK_OUTPUT
check("12.5", wav2vec2_frames)

# %% [markdown]
# Five ✅? The lesson's section 8 has a classifier you can keep improving: add SpecAugment or noise during training and see whether the validation loss gets better.
