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
# # 12 · torchaudio：波形、频谱与音频模型
#
# 声音在计算机里就是一串数字：麦克风每秒测量很多次气压，每次得到一个**采样**（sample）。本章用 PyTorch 处理这样的数据：
#
# 1. torchaudio 今天的状况（它已进入维护模式，读写文件的功能搬到了 TorchCodec）；
# 2. 波形：一个形状为 `(通道数, 采样数)` 的张量，加上采样率；
# 3. 用 `torchaudio.save`/`load`（底层是 TorchCodec 和 FFmpeg）写、读 WAV 文件；
# 4. 频谱图、梅尔频谱图和 MFCC；
# 5. 重采样，以及不先低通滤波就直接抽取会发生什么（混叠）；
# 6. 数据增强：SpecAugment 的时间、频率遮挡，按指定信噪比加噪声；
# 7. Wav2Vec2 的结构：为什么 1 秒的音频变成 49 帧、每帧 768 个特征；
# 8. 在课程自己合成的音频上训练一个小分类器。
#
# 本章不下载任何数据：所有声音都由代码合成（`course_utils.audio`）。

# %%
from course_utils import setup_notebook

setup_notebook()

# %% [markdown]
# ## 1. torchaudio 今天的状况
#
# 从 2.8 版起，torchaudio 进入**维护模式**：2.8 把一批 API 标为弃用，2.9 把它们删除了；音频（和视频）的解码、编码集中到了一个新库 **TorchCodec**。torchaudio 2.11 里：
#
# | 还在（本课程只用这些） | 已删除（2.9 起） |
# | --- | --- |
# | `torchaudio.load` / `save`：保留下来图方便，底层改由 TorchCodec 实现 | `torchaudio.io`（`StreamReader`/`StreamWriter`）、`torchaudio.info` |
# | `torchaudio.transforms`、`torchaudio.functional`：频谱、重采样、增强…… | `torchaudio.sox_effects`、`torchaudio.backend` 及后端切换（`list_audio_backends` 等） |
# | `torchaudio.models`、`torchaudio.pipelines`：Wav2Vec2 等模型和预训练权重 | `torchaudio.kaldi_io`、`torchaudio.prototype` |
# | `torchaudio.datasets`、`torchaudio.compliance.kaldi` | |
#
# TorchCodec 不是 torchaudio 的依赖，要单独安装（课程的 `requirements.txt` 已经装好了 `torchcodec`）。用代码核对一下：

# %%
import importlib

import torch
import torchaudio
import torchcodec

# 本章的张量都很小：一个线程就够快，机器忙的时候也稳定，结果也与核数无关
torch.set_num_threads(1)


def version(module):
    return module.__version__.split("+")[0]  # drop the build tag such as +cpu or +cu130


print(f"torch {version(torch)}, torchaudio {version(torchaudio)}, torchcodec {version(torchcodec)}")
for name in ["torchaudio.transforms", "torchaudio.functional", "torchaudio.models", "torchaudio.pipelines",
             "torchaudio.io", "torchaudio.sox_effects", "torchaudio.backend", "torchaudio.kaldi_io"]:
    try:
        importlib.import_module(name)
        print(f"{name:24s} present")
    except ModuleNotFoundError:
        print(f"{name:24s} removed")
for name in ["load", "save", "info", "list_audio_backends"]:
    print(f"torchaudio.{name:14s} {'present' if hasattr(torchaudio, name) else 'removed'}")

# %% [markdown]
# 网上很多教程还在用 `torchaudio.info(...)`、`torchaudio.set_audio_backend(...)` 或 `StreamReader`，在今天的版本里这些代码会直接报错。
#
# ## 2. 波形：`(通道数, 采样数)` 的张量
#
# 一段声音由两样东西描述：
#
# * **波形**：一个张量，形状为 `(channels, samples)`。单声道有 1 个通道，立体声 2 个。torchaudio 的所有函数都按这个约定，批量数据再在前面加一维：`(batch, channels, samples)`；
# * **采样率**（sample rate）：每秒多少个采样，单位 Hz。语音常用 16 000 Hz，CD 是 44 100 Hz。
#
# 时长 = 采样数 ÷ 采样率。自己合成一个 440 Hz 的正弦波（音乐里的 A 音）：第 `n` 个采样的时刻是 `t = n / sample_rate` 秒，取值 `sin(2π·f·t)`。

# %%
import math

import matplotlib.pyplot as plt

sample_rate = 16_000
duration = 1.0
t = torch.arange(int(sample_rate * duration)) / sample_rate  # time of every sample, in seconds
sine = 0.5 * torch.sin(2 * math.pi * 440 * t).unsqueeze(0)  # (1, samples): one channel
print("shape:", tuple(sine.shape), sine.dtype)
print("samples:", sine.shape[-1], "| sample rate:", sample_rate, "Hz | duration:", sine.shape[-1] / sample_rate, "s")

fig, axes = plt.subplots(1, 2, figsize=(10, 3))
axes[0].plot(t, sine[0], lw=0.5)
axes[0].set_title("440 Hz sine, 1 s")
zoom = t < 0.01
axes[1].plot(t[zoom] * 1000, sine[0, zoom], marker=".", markersize=3)
axes[1].set_title("first 10 ms: 4.4 periods, 160 samples")
axes[0].set_xlabel("time (s)")
axes[1].set_xlabel("time (ms)")
for ax in axes:
    ax.set_ylabel("amplitude")
plt.tight_layout()
plt.show()

# %% [markdown]
# 右图的每个点是一个采样。440 Hz 意味着每秒 440 个周期，10 毫秒里就是 4.4 个周期。
#
# ### 课程的合成数据集
#
# `course_utils.audio` 合成五类 1 秒长的声音（16 kHz）：纯音 `tone`、频率上升的扫频 `chirp_up`、频率下降的扫频 `chirp_down`、白噪声 `noise_burst` 和一串咔哒声 `clicks`。每段的开始和结束时间、频率、音量、背景噪声都由一个带种子的 `torch.Generator` 随机决定，所以同一个种子在任何机器上都得到同样的数据。打开 `src/course_utils/audio.py` 读一读，每一类只有几行代码。

# %%
from IPython.display import Audio

from course_utils.audio import SAMPLE_RATE, make_audio_dataset

waves, labels, class_names = make_audio_dataset(n_per_class=40, seed=0)
print("waves:", tuple(waves.shape), waves.dtype, "| labels:", tuple(labels.shape), labels.dtype)
print("classes:", class_names)
print("clips per class:", torch.bincount(labels).tolist())

examples = waves[:5]  # the classes are interleaved: the first five clips are one of each
fig, axes = plt.subplots(1, 5, figsize=(15, 2.6), sharey=True)
time_axis = torch.arange(examples.shape[-1]) / SAMPLE_RATE
for ax, wave, name in zip(axes, examples, class_names):
    ax.plot(time_axis, wave[0], lw=0.3)
    ax.set_title(name)
    ax.set_xlabel("time (s)")
axes[0].set_ylabel("amplitude")
plt.tight_layout()
plt.show()

# %% [markdown]
# 听一听这五段（按顺序：tone、chirp_up、chirp_down、noise_burst、clicks）：

# %%
Audio(examples.flatten().numpy(), rate=SAMPLE_RATE)

# %% [markdown]
# ## 3. 读写音频文件：`torchaudio.save` / `load`，底层是 TorchCodec 和 FFmpeg
#
# `save_clips` 用 `torchaudio.save` 把每段声音写成一个 WAV 文件，再写一个 `index.csv` 记录文件名和标签。文件写进这个笔记本旁边的 `course_output/12_torchaudio/audio/`（不进 git，每次运行重新生成）。每个文件先写到一个临时文件名，写完再改名，所以别的程序不会读到写了一半的文件。

# %%
from pathlib import Path

from course_utils.audio import read_index, save_clips

DATA_DIR = Path("course_output") / "12_torchaudio" / "audio"
save_clips(DATA_DIR, waves, labels, class_names)
rows = read_index(DATA_DIR)
print(len(rows), "files in", DATA_DIR.as_posix())
for row in rows[:3]:
    print(row)

# %% [markdown]
# `torchaudio.load(path)` 返回 `(waveform, sample_rate)`。波形总是 `float32`，取值在 `[-1, 1]`，形状 `(channels, samples)`：

# %%
# NBVAL_CHECK_OUTPUT
path = DATA_DIR / rows[0][0]
loaded, loaded_rate = torchaudio.load(path)
print("loaded:", tuple(loaded.shape), loaded.dtype, loaded_rate, "Hz")
print("identical to the tensor we saved:", torch.equal(loaded, waves[0]))

# %% [markdown]
# 读回来的和写进去的**完全相同**，这并不是理所当然的。WAV 文件里存的是什么格式？读一读文件头（WAV 的前 36 个字节是固定结构）：

# %%
# NBVAL_CHECK_OUTPUT
import struct

header = path.read_bytes()[:36]
riff, _, wave_id, fmt_id, _, audio_format, channels, rate, _, _, bits = struct.unpack("<4sI4s4sIHHIIHH", header)
print(riff, wave_id, fmt_id)
print(f"audio format {audio_format} (1 = integer PCM), channels {channels}, rate {rate} Hz, {bits} bits per sample")

# %% [markdown]
# `torchaudio.save` 把张量交给 TorchCodec 的 `AudioEncoder`，FFmpeg 把 `.wav` 写成 **16 位整数 PCM**：每个采样存成 `round(x × 32768)`，一个 -32768 到 32767 之间的整数。所以任意一个浮点数写进去再读出来，会有最多 1/65536 的舍入误差。`save` 的 `bits_per_sample`、`encoding` 参数在 2.11 里被忽略（只发一个警告），没法借它写 32 位浮点 WAV：

# %%
# NBVAL_CHECK_OUTPUT
import warnings

scratch = Path("course_output") / "12_torchaudio" / "scratch"
scratch.mkdir(parents=True, exist_ok=True)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    torchaudio.save(scratch / "sine.wav", sine, sample_rate, bits_per_sample=32)
for w in caught:
    print(f"{w.category.__name__}: {w.message}")
back, _ = torchaudio.load(scratch / "sine.wav")
print("identical:", torch.equal(back, sine))
print(f"largest error: {(back - sine).abs().max().item() * 65536:.3f} / 65536")

# %% [markdown]
# 课程的数据集因此在生成时就把每个采样**舍入到 16 位的格点上**（`course_utils.audio.quantize_16bit`：乘以 32768、取整、再除回去）。格点上的值写成 16 位整数没有误差，读回来就逐位相同；`tests/test_audio.py` 检查的正是这一点。
#
# ### TorchCodec 自己的解码器
#
# `torchaudio.load` 只是个方便的包装。torchaudio 的文档建议新代码直接用 TorchCodec：`AudioDecoder` 读文件头里的元数据，按需解码全部或一段时间内的采样：

# %%
# NBVAL_CHECK_OUTPUT
from torchcodec.decoders import AudioDecoder

decoder = AudioDecoder(path)
meta = decoder.metadata
print("codec:", meta.codec, "| sample format:", meta.sample_format, "| channels:", meta.num_channels,
      "| sample rate:", meta.sample_rate, f"| duration: {meta.duration_seconds:.2f} s")
everything = decoder.get_all_samples()
print("all samples:", tuple(everything.data.shape), everything.sample_rate, "Hz, starts at", everything.pts_seconds, "s")
part = decoder.get_samples_played_in_range(0.25, 0.5)
print("0.25 s to 0.5 s:", tuple(part.data.shape), "starts at", part.pts_seconds, "s")
print("same samples as torchaudio.load:", torch.equal(everything.data, loaded))

# %% [markdown]
# 写文件对应的是 `torchcodec.encoders.AudioEncoder(samples, sample_rate=...).to_file("x.wav")`（也能写 `.flac`、`.mp3`，格式由扩展名决定）。
#
# ### 安装 FFmpeg
#
# TorchCodec 要用 FFmpeg 的共享库（支持 FFmpeg 4 到 8）。没有它时，`torchaudio.load`/`save` 和 `AudioDecoder` 都会失败，错误以这样一段开头：
#
# ```
# RuntimeError: Could not load libtorchcodec. Likely causes:
#   1. FFmpeg is not properly installed in your environment. We support
#      versions 4, 5, 6, 7, and 8 ...
# ```
#
# 后面还跟着一长串“为每个 FFmpeg 版本尝试加载”的记录，只有你装的那个版本的错误才有意义。安装方法：
#
# | 系统 | 命令 |
# | --- | --- |
# | Debian / Ubuntu | `sudo apt install ffmpeg` |
# | conda（任何系统） | `conda install -c conda-forge ffmpeg`（课程的 `environment.yml` 已包含） |
# | macOS | `brew install ffmpeg` |
# | Windows | 用课程的 conda 环境最省事；自己下载的话要选带 DLL 的 "full-shared" 版本 |
#
# `make doctor`（或在笔记本里运行 `course_utils.doctor()`）会检查 TorchCodec 能否加载 FFmpeg，不能时给出上面的修复方法。这台机器上的结论：

# %%
# NBVAL_IGNORE_OUTPUT
# the FFmpeg location depends on the machine
from course_utils.doctor import diagnose, gather_facts

for finding in diagnose(gather_facts()):
    if "TorchCodec" in finding.message:
        print(finding.level, finding.message)

# %% [markdown]
# ## 4. 频谱图、梅尔频谱图、MFCC
#
# 波形告诉我们每一刻的气压，却很难看出**有哪些频率**。**频谱图**（spectrogram）把信号切成很多重叠的短窗口，对每个窗口做傅里叶变换（STFT）：横轴是时间，纵轴是频率，颜色是该频率在该时刻的能量。`torchaudio.transforms` 里的变换都是 `nn.Module`，可以放进模型、搬到 GPU：
#
# * `Spectrogram(n_fft=512, win_length=400, hop_length=160)`：窗口 400 个采样（25 ms），每次前进 160 个采样（10 ms）；`n_fft=512` 得到 `512 // 2 + 1 = 257` 个频率点，覆盖 0 到 8000 Hz（采样率的一半，叫**奈奎斯特频率**）；`power=2` 给出能量（幅度的平方）；
# * `MelSpectrogram(n_mels=64)`：把 257 个频率点合并成 64 个**梅尔**频带。梅尔刻度模仿人耳，低频分得细、高频分得粗；
# * `AmplitudeToDB()`：把能量换成分贝 `10·log10(能量)`，否则图上只看得到最响的部分；
# * `MFCC(n_mfcc=20)`：对对数梅尔频谱再做一次离散余弦变换，得到 20 个系数，是传统语音识别的经典特征。
#
# 默认 `center=True`：信号两端各补半个窗口，所以帧数是 `samples // hop_length + 1`。

# %%
# NBVAL_CHECK_OUTPUT
import torchaudio.transforms as T

spectrogram = T.Spectrogram(n_fft=512, win_length=400, hop_length=160, power=2.0)
mel_spectrogram = T.MelSpectrogram(sample_rate=SAMPLE_RATE, n_fft=512, win_length=400, hop_length=160, n_mels=64)
mfcc = T.MFCC(sample_rate=SAMPLE_RATE, n_mfcc=20,
              melkwargs={"n_fft": 512, "win_length": 400, "hop_length": 160, "n_mels": 64})
to_db = T.AmplitudeToDB(stype="power", top_db=80)

chirp = waves[1]  # a chirp_up clip, (1, 16000)
spec_db = to_db(spectrogram(chirp))
mel_db = to_db(mel_spectrogram(chirp))
coeffs = mfcc(chirp)
print("waveform      :", tuple(chirp.shape))
print("spectrogram   :", tuple(spec_db.shape), "(channel, frequency bins, frames)")
print("mel (dB)      :", tuple(mel_db.shape), "(channel, mel bands, frames)")
print("MFCC          :", tuple(coeffs.shape), "(channel, coefficients, frames)")
print("frames = 16000 // 160 + 1 =", 16000 // 160 + 1)

# %% [markdown]
# 画出来。`imshow` 的 `extent` 把像素坐标换成秒和赫兹，`origin="lower"` 让低频在下面：

# %%
def show_spec(ax, image, title, ylabel, top=None, hop=160, rate=SAMPLE_RATE, **imshow_args):
    """Draw a (rows, frames) tensor with time in seconds on x; rows span 0..top on y."""
    frames = image.shape[-1]
    top = image.shape[-2] if top is None else top
    im = ax.imshow(image, origin="lower", aspect="auto", cmap="magma",
                   extent=(0, frames * hop / rate, 0, top), **imshow_args)
    ax.grid(False)
    ax.set_title(title)
    ax.set_xlabel("time (s)")
    ax.set_ylabel(ylabel)
    return im


fig, axes = plt.subplots(2, 2, figsize=(11, 6.5))
axes[0, 0].plot(time_axis, chirp[0], lw=0.3)
axes[0, 0].set_title("waveform (chirp_up)")
axes[0, 0].set_xlabel("time (s)")
axes[0, 0].set_ylabel("amplitude")
im = show_spec(axes[0, 1], spec_db[0], "spectrogram (dB)", "frequency (Hz)", top=SAMPLE_RATE / 2)
fig.colorbar(im, ax=axes[0, 1], label="dB")
im = show_spec(axes[1, 0], mel_db[0], "mel spectrogram (dB)", "mel band")
fig.colorbar(im, ax=axes[1, 0], label="dB")
im = show_spec(axes[1, 1], coeffs[0], "MFCC", "coefficient")
fig.colorbar(im, ax=axes[1, 1], label="value")
plt.tight_layout()
plt.show()

# %% [markdown]
# 频谱图里，扫频是一条斜线：频率随时间线性上升。梅尔频谱图里这条线向上弯，因为梅尔刻度在高频被压缩了。MFCC 人眼不好读，但它用 20 个数概括了每一帧的频谱形状。
#
# 五类声音的对数梅尔频谱图各有特征：纯音是一条水平线，扫频是斜线，噪声铺满所有频率，咔哒声是一排竖线。第 8 节的分类器看的就是这样的图。

# %%
fig, axes = plt.subplots(1, 5, figsize=(15, 2.8), sharey=True)
for ax, wave, name in zip(axes, examples, class_names):
    show_spec(ax, to_db(mel_spectrogram(wave))[0], name, "mel band")
for ax in axes[1:]:
    ax.set_ylabel("")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 5. 重采样与混叠
#
# 16 kHz 的音频只能表示 8 kHz 以下的频率（奈奎斯特频率是采样率的一半）。降到 8 kHz，就只剩 4 kHz 以下。高于新奈奎斯特频率的内容必须**先滤掉**，否则它们会“折叠”到低频，变成原本不存在的声音，这叫**混叠**（aliasing）。
#
# * `torchaudio.functional.resample(x, orig_freq, new_freq)`（或模块 `T.Resample`）：先低通滤波（加窗 sinc 插值），再换采样率；
# * 天真的做法 `x[..., ::2]`：每两个采样留一个，长度也对，但没有滤波。
#
# 用一个从 0 Hz 一直扫到 8 kHz 的扫频来比较：

# %%
# NBVAL_CHECK_OUTPUT
import torchaudio.functional as F

t = torch.arange(SAMPLE_RATE) / SAMPLE_RATE
sweep = 0.5 * torch.sin(2 * math.pi * 4000 * t**2).unsqueeze(0)  # frequency 8000·t Hz: 0 to 8 kHz in 1 s
resampled = F.resample(sweep, orig_freq=16_000, new_freq=8_000)
naive = sweep[..., ::2]
print("original :", tuple(sweep.shape), "at 16000 Hz")
print("resample :", tuple(resampled.shape), "at 8000 Hz")
print("naive    :", tuple(naive.shape), "at 8000 Hz")

# %%
spec_16k = T.Spectrogram(n_fft=512, win_length=400, hop_length=160)
spec_8k = T.Spectrogram(n_fft=256, win_length=200, hop_length=80)  # the same 25 ms / 10 ms at 8 kHz
fig, axes = plt.subplots(1, 3, figsize=(14, 3.5), sharey=True)
show_spec(axes[0], to_db(spec_16k(sweep))[0], "original, 16 kHz", "frequency (Hz)", top=8000)
show_spec(axes[1], to_db(spec_8k(resampled))[0], "F.resample to 8 kHz", "frequency (Hz)", top=4000, hop=80, rate=8000)
show_spec(axes[2], to_db(spec_8k(naive))[0], "naive x[::2] (aliasing)", "frequency (Hz)", top=4000, hop=80, rate=8000)
for ax in axes:
    ax.axhline(4000, color="cyan", ls="--", lw=1)
    ax.set_ylim(0, 8000)
plt.tight_layout()
plt.show()

# %% [markdown]
# 中间：过了 0.5 秒（频率超过 4 kHz），扫频几乎被滤掉，只在 4 kHz 附近留下一小段很淡的“尾巴”：实际的低通滤波器不是理想的，在截止频率附近有一段过渡带。右边：同一段扫频在 4 kHz 处“反弹”，变成一条和原来一样亮的下降线，这就是混叠。定量地看，一个 5 kHz 的纯音，天真抽取后会出现在 8000 − 5000 = 3000 Hz：

# %%
# NBVAL_CHECK_OUTPUT
def peak(wave, rate):
    """Frequency (Hz) and level (dB relative to amplitude 1) of the strongest component."""
    magnitude = torch.fft.rfft(wave[0]).abs() / (wave.shape[-1] / 2)
    i = int(magnitude.argmax())
    return i * rate / wave.shape[-1], 20 * math.log10(max(magnitude[i].item(), 1e-10))


tone_5k = 0.5 * torch.sin(2 * math.pi * 5000 * t).unsqueeze(0)
for name, wave, rate in [("original 16 kHz", tone_5k, 16_000),
                         ("F.resample 8 kHz", F.resample(tone_5k, 16_000, 8_000), 8_000),
                         ("naive x[::2] 8 kHz", tone_5k[..., ::2], 8_000)]:
    freq, level = peak(wave, rate)
    print(f"{name:20s} strongest component at {freq:6.0f} Hz, {level:6.1f} dB")

# %% [markdown]
# 天真抽取造出了一个和原来一样响（-6 dB，即振幅 0.5）的 3 kHz 假音。`F.resample` 之后剩下的最强成分也在 3 kHz，但只有约 -51 dB，比原来弱了 45 dB（振幅只剩约 1/180），这就是滤波器漏过来的那一点点。想压得更低，可以加大 `lowpass_filter_width`（默认 6），代价是计算更慢。
#
# 要反复用同一对采样率时，用模块 `T.Resample(16_000, 8_000)`：它只计算一次滤波器核，之后每次调用都复用。输出长度是 `ceil(samples × new / orig)`：

# %%
# NBVAL_CHECK_OUTPUT
resample_44k = T.Resample(orig_freq=16_000, new_freq=44_100)
up = resample_44k(sine)
print("16 kHz -> 44.1 kHz:", sine.shape[-1], "->", up.shape[-1], "samples;",
      "ceil(16000 * 44100 / 16000) =", math.ceil(16000 * 44100 / 16000))

# %% [markdown]
# ## 6. 数据增强：SpecAugment 和加噪声
#
# 音频模型的常用增强是 **SpecAugment**：在频谱图上随机遮住一段频带（`FrequencyMasking`）和一段时间（`TimeMasking`），逼模型不依赖某一个频率或某一时刻。参数是遮挡宽度的上限，实际宽度在 `[0, 上限)` 里随机选（用的是全局随机数，所以先设种子）。
#
# 遮住的地方默认填 0。对分贝值来说 0 dB 只是刻度上的某个值，并不是“没有声音”（下面打印了这张图的范围），所以这里填整张图的平均值。"both" 先遮频率再遮时间，每次调用都重新随机选位置和宽度：

# %%
torch.manual_seed(12)
freq_mask = T.FrequencyMasking(freq_mask_param=20)
time_mask = T.TimeMasking(time_mask_param=30)
mel_example = to_db(mel_spectrogram(examples[0]))  # the tone clip
fill = mel_example.mean()
print(f"values from {mel_example.min().item():.1f} to {mel_example.max().item():.1f} dB; fill with the mean {fill.item():.1f} dB")
masked_f = freq_mask(mel_example, mask_value=fill)
masked_t = time_mask(mel_example, mask_value=fill)
masked_both = time_mask(freq_mask(mel_example, mask_value=fill), mask_value=fill)

fig, axes = plt.subplots(1, 4, figsize=(15, 3), sharey=True)
for ax, image, title in zip(axes, [mel_example, masked_f, masked_t, masked_both],
                            ["original (tone)", "FrequencyMasking", "TimeMasking", "both"]):
    show_spec(ax, image[0], title, "mel band")
plt.tight_layout()
plt.show()

# %% [markdown]
# 另一种增强直接作用在波形上：按指定的**信噪比**（SNR，单位 dB）加噪声。`F.add_noise(waveform, noise, snr)` 先缩放噪声，使 `10·log10(信号功率 / 噪声功率)` 正好等于 `snr`，再相加。SNR 越小噪声越响，0 dB 时两者一样响：

# %%
# NBVAL_CHECK_OUTPUT
gen = torch.Generator().manual_seed(0)
noise = torch.randn(1, SAMPLE_RATE, generator=gen)
clean = examples[1]  # chirp_up
fig, axes = plt.subplots(1, 3, figsize=(14, 2.8), sharey=True)
for ax, snr in zip(axes, [20.0, 10.0, 0.0]):
    noisy = F.add_noise(clean, noise, snr=torch.tensor([snr]))
    added = noisy - clean
    measured = 10 * torch.log10(clean.pow(2).sum() / added.pow(2).sum())
    print(f"asked for SNR {snr:4.1f} dB -> measured {measured.item():.2f} dB")
    # the same colour scale in all three panels, so the noise floor visibly rises
    show_spec(ax, to_db(mel_spectrogram(noisy))[0], f"chirp_up + noise, SNR {snr:.0f} dB", "mel band",
              vmin=-40, vmax=40)
plt.tight_layout()
plt.show()

# %% [markdown]
# 即使在 0 dB（噪声和信号一样响），扫频仍然清晰可见：噪声的能量平摊在所有频率上，而扫频的能量每一刻都集中在一个频率上。
#
# ## 7. Wav2Vec2：不下载权重，先看结构
#
# Wav2Vec2 是一个直接吃波形的自监督语音模型：先用**卷积特征提取器**把波形变成一串帧，再用 Transformer 编码。`torchaudio.models.wav2vec2_base()` 只搭出结构，权重是随机的，不需要下载：

# %%
# NBVAL_CHECK_OUTPUT
torch.manual_seed(0)
wav2vec2 = torchaudio.models.wav2vec2_base().eval()
n_params = sum(p.numel() for p in wav2vec2.parameters())
print(f"{type(wav2vec2).__name__}: {n_params:,} parameters ({n_params / 1e6:.1f} M)")

clip = waves[:1, 0]  # (batch=1, samples=16000): Wav2Vec2 takes (batch, samples), no channel dimension
with torch.inference_mode():
    features, lengths = wav2vec2(clip)
print("input   :", tuple(clip.shape), "= 1 s at 16 kHz")
print("output  :", tuple(features.shape), "(batch, frames, features)")

# %% [markdown]
# 为什么是 49 帧、768 个特征？看特征提取器的 7 个一维卷积层：

# %%
# NBVAL_CHECK_OUTPUT
layers = [block.conv for block in wav2vec2.feature_extractor.conv_layers]
receptive, stride = 1, 1
for i, conv in enumerate(layers):
    k, s = conv.kernel_size[0], conv.stride[0]
    receptive += (k - 1) * stride  # each layer widens the window by (k - 1) input steps of the layer below
    stride *= s
    print(f"conv {i}: kernel {k:2d}, stride {s} -> receptive field {receptive:3d} samples, total stride {stride:3d}")
print(f"one frame sees {receptive} samples = {receptive / 16:.0f} ms and frames are {stride} samples = {stride / 16:.0f} ms apart")

# %% [markdown]
# 整个卷积栈相当于一个宽 400 个采样（25 ms）、步长 320 个采样（20 ms）的窗口。没有补零，所以 N 个采样得到
#
# $$\text{frames} = \left\lfloor \frac{N - 400}{320} \right\rfloor + 1 \quad (N \ge 400)$$
#
# 个帧：`(16000 − 400) // 320 + 1 = 48 + 1 = 49`。（每一层都是 `(L − k) // s + 1`，整数的向下取整可以逐层合并，最后正好得到这个式子。）卷积输出 512 个通道，一个线性投影再把它变成 Transformer 的 768 维，所以每帧 768 个特征。验证几个长度：

# %%
# NBVAL_CHECK_OUTPUT
with torch.inference_mode():
    for n in [400, 719, 720, 1_040, 16_000]:
        frames, _ = wav2vec2.feature_extractor(torch.zeros(1, n), None)
        print(f"N = {n:6d}: conv frames {frames.shape[1]:3d}, formula {(n - 400) // 320 + 1:3d}")

# %% [markdown]
# Transformer 有 12 层，`extract_features` 返回每一层的输出，下游任务（语音识别、说话人识别……）常常取中间某层作为特征：

# %%
# NBVAL_CHECK_OUTPUT
with torch.inference_mode():
    per_layer, _ = wav2vec2.extract_features(clip)
print(len(per_layer), "layers, each", tuple(per_layer[0].shape))

# %% [markdown]
# 随机权重给出的特征没有意义。真正的预训练权重在 `torchaudio.pipelines` 里：`WAV2VEC2_BASE`（自监督预训练，在 LibriSpeech 960 小时上）、`WAV2VEC2_ASR_BASE_960H`（再微调成英文语音识别）等，在 2.11 里都还在。`bundle.get_model()` 从 `download.pytorch.org` 下载几百 MB 的权重（存在 `~/.cache/torch/hub/`），所以放在开关后面：

# %%
from course_utils import downloads_enabled, offline_note

print(offline_note("the pretrained WAV2VEC2_BASE weights (torchaudio.pipelines)"))
if downloads_enabled():
    bundle = torchaudio.pipelines.WAV2VEC2_BASE
    print("the bundle expects", bundle.sample_rate, "Hz audio")
    pretrained = bundle.get_model().eval()
    with torch.inference_mode():
        pretrained_features, _ = pretrained(clip)
    print("pretrained features:", tuple(pretrained_features.shape))

# %% [markdown]
# ## 8. 一个小分类器
#
# 最后把前面的东西串起来：从磁盘读回 WAV 文件，算对数梅尔特征，训练一个小 CNN 区分五类声音。
#
# `AudioFolderDataset` 按 `index.csv` 用 `torchaudio.load` 读文件，`transform=` 在读取时计算特征。数据很少，我们一次性把所有特征算好，放进 `TensorDataset`，训练时就不用反复读文件、算频谱：

# %%
# NBVAL_CHECK_OUTPUT
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course_utils.audio import AudioFolderDataset
from course_utils.data import split_indices

features_fn = nn.Sequential(
    T.MelSpectrogram(sample_rate=SAMPLE_RATE, n_fft=400, hop_length=160, n_mels=40),
    T.AmplitudeToDB(stype="power", top_db=80),
)
audio_ds = AudioFolderDataset(DATA_DIR, transform=features_fn)
pairs = [audio_ds[i] for i in range(len(audio_ds))]  # (features, label) for every file
x_all = torch.stack([x for x, _ in pairs])
y_all = torch.tensor([y for _, y in pairs])
print("features:", tuple(x_all.shape), "(clips, channel, mel bands, frames)")

train_idx, val_idx, test_idx = (torch.from_numpy(i) for i in split_indices(len(y_all), (0.6, 0.2, 0.2), seed=0))
mean, std = x_all[train_idx].mean(), x_all[train_idx].std()  # statistics of the training set only
x_all = (x_all - mean) / std
print("train / val / test:", len(train_idx), len(val_idx), len(test_idx))
print("test clips per class:", torch.bincount(y_all[test_idx], minlength=5).tolist())

# %% [markdown]
# 模型：两层卷积各接一个最大池化，再用 `AdaptiveAvgPool2d((4, 4))` 把任意大小的特征图压成 4×4。保留一点“哪个频带、哪段时间”的位置信息，扫频是向上还是向下才分得出来。

# %%
from course_utils import fit, get_device, plot_history

device = get_device()


class AudioCNN(nn.Module):
    def __init__(self, num_classes=5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.AdaptiveAvgPool2d((4, 4)),
        )
        self.classifier = nn.Linear(16 * 4 * 4, num_classes)

    def forward(self, x):  # x: (batch, 1, mel bands, frames)
        return self.classifier(self.features(x).flatten(1))


torch.manual_seed(0)
model = AudioCNN().to(device)
print(f"{sum(p.numel() for p in model.parameters()):,} parameters")
generator = torch.Generator().manual_seed(0)
train_loader = DataLoader(TensorDataset(x_all[train_idx], y_all[train_idx]), batch_size=20, shuffle=True,
                          generator=generator)
val_loader = DataLoader(TensorDataset(x_all[val_idx], y_all[val_idx]), batch_size=100)
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
history = fit(model, train_loader, nn.CrossEntropyLoss(), optimizer, epochs=20, val_loader=val_loader)
print(f"final train loss {history['train_loss'][-1]:.4f}, val accuracy {history['val_acc'][-1]:.4f}")

# %%
plot_history(history, title="AudioCNN on the synthesized sounds")
plt.show()

# %% [markdown]
# 训练损失一路下降，验证损失在十来轮之后就不再下降、甚至略有上升：120 段训练音频太少，模型开始记住训练集（过拟合）。第 6 节的 SpecAugment 和加噪声正是对付这种情况的办法，练习之外可以自己试试。
#
# 在测试集上评估，并画出**混淆矩阵**：第 i 行第 j 列是“真实类别 i 被预测成 j”的次数，对角线上是预测对的。

# %%
model.eval()
with torch.no_grad():
    predictions = model(x_all[test_idx].to(device)).argmax(dim=1).cpu()
truth = y_all[test_idx]
print(f"test accuracy: {(predictions == truth).float().mean().item():.4f} on {len(truth)} clips")

matrix = torch.bincount(truth * 5 + predictions, minlength=25).reshape(5, 5)  # 行：真实类别，列：预测类别
fig, ax = plt.subplots(figsize=(5.5, 4.5))
ax.imshow(matrix.numpy(), cmap="Blues")
for i in range(5):
    for j in range(5):
        ax.text(j, i, matrix[i, j].item(), ha="center", va="center", color="white" if matrix[i, j] > matrix.max() / 2 else "black")
ax.set_xticks(range(5), class_names, rotation=30)
ax.set_yticks(range(5), class_names)
ax.set_xlabel("predicted")
ax.set_ylabel("true")
ax.set_title("confusion matrix (test set)")
ax.grid(False)
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 小结
#
# * torchaudio 2.8 起进入维护模式，2.9 删除了 `torchaudio.io`、`info`、`sox_effects`、后端切换等；本课程只用还在的 `load`/`save`、`transforms`、`functional`、`models`、`pipelines`；
# * 读写文件交给 **TorchCodec**（需要 FFmpeg 共享库）；`torchaudio.load`/`save` 是它的包装，`.wav` 写成 16 位 PCM；
# * 波形是 `(channels, samples)` 的 `float32` 张量，时长 = 采样数 ÷ 采样率；
# * `Spectrogram`/`MelSpectrogram`/`MFCC` 都是 `nn.Module`，帧数 `samples // hop + 1`；能量换成分贝再看；
# * 降采样要先低通滤波：用 `F.resample`/`T.Resample`，直接 `x[::k]` 会混叠；
# * Wav2Vec2 的卷积栈：感受野 400、步长 320，`frames = (N − 400) // 320 + 1`，每帧 768 维；预训练权重在 `torchaudio.pipelines`。
#
# 练习在 `exercises/zh/12_torchaudio.ipynb`。

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **接下来：** [本章练习：12_torchaudio](../../exercises/zh/12_torchaudio.ipynb) · [下一章：13_torchscript_export](13_torchscript_export.ipynb)
