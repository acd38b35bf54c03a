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
# # 12 · torchaudio: waveforms, spectrograms and audio models
#
# To a computer, sound is a list of numbers: a microphone measures the air pressure many times per second, and each measurement is a **sample**. This chapter handles such data with PyTorch:
#
# 1. where torchaudio stands today (it is in maintenance mode, and reading and writing files moved to TorchCodec);
# 2. waveforms: a tensor of shape `(channels, samples)`, plus a sample rate;
# 3. writing and reading WAV files with `torchaudio.save`/`load` (TorchCodec and FFmpeg underneath);
# 4. spectrograms, mel spectrograms and MFCCs;
# 5. resampling, and what happens when you decimate without low-pass filtering first (aliasing);
# 6. augmentation: SpecAugment's time and frequency masks, and noise at a chosen signal-to-noise ratio;
# 7. the Wav2Vec2 architecture: why one second of audio becomes 49 frames of 768 features;
# 8. a small classifier trained on audio the course synthesizes itself.
#
# Nothing is downloaded in this chapter: every sound is made by code (`course_utils.audio`).

# %%
from course_utils import setup_notebook

setup_notebook()

# %% [markdown]
# ## 1. Where torchaudio stands today
#
# Since version 2.8 torchaudio has been in **maintenance mode**: 2.8 deprecated a set of APIs and 2.9 removed them, and decoding and encoding of audio (and video) moved into a new library, **TorchCodec**. In torchaudio 2.11:
#
# | still there (the course uses only these) | removed (since 2.9) |
# | --- | --- |
# | `torchaudio.load` / `save`: kept for convenience, now implemented with TorchCodec | `torchaudio.io` (`StreamReader`/`StreamWriter`), `torchaudio.info` |
# | `torchaudio.transforms`, `torchaudio.functional`: spectrograms, resampling, augmentation... | `torchaudio.sox_effects`, `torchaudio.backend` and backend switching (`list_audio_backends` and friends) |
# | `torchaudio.models`, `torchaudio.pipelines`: Wav2Vec2 and other models, pretrained weights | `torchaudio.kaldi_io`, `torchaudio.prototype` |
# | `torchaudio.datasets`, `torchaudio.compliance.kaldi` | |
#
# TorchCodec is not a dependency of torchaudio and has to be installed on its own (the course's `requirements.txt` installs `torchcodec`). Let's check in code:

# %%
import importlib

import torch
import torchaudio
import torchcodec

# every tensor in this chapter is small: one thread is fast enough, steady on a busy machine,
# and the results do not depend on the number of cores
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
# Many tutorials on the web still call `torchaudio.info(...)`, `torchaudio.set_audio_backend(...)` or `StreamReader`; with today's versions that code fails right away.
#
# ## 2. Waveforms: a `(channels, samples)` tensor
#
# A piece of sound is described by two things:
#
# * the **waveform**: a tensor of shape `(channels, samples)`. Mono has 1 channel, stereo 2. Every torchaudio function follows this convention, and a batch adds a dimension in front: `(batch, channels, samples)`;
# * the **sample rate**: samples per second, in Hz. Speech often uses 16,000 Hz, CDs 44,100 Hz.
#
# Duration = samples ÷ sample rate. Let's make a 440 Hz sine wave (the musical note A) ourselves: sample `n` is taken at time `t = n / sample_rate` seconds, and its value is `sin(2π·f·t)`.

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
# Every dot on the right is one sample. 440 Hz means 440 periods per second, so 4.4 periods in 10 milliseconds.
#
# ### The course's synthesized dataset
#
# `course_utils.audio` synthesizes five classes of one-second sounds at 16 kHz: a pure `tone`, a rising `chirp_up`, a falling `chirp_down`, white noise (`noise_burst`) and a train of `clicks`. When each sound starts and stops, its frequencies, loudness and background noise are drawn from a seeded `torch.Generator`, so the same seed gives the same data on any machine. Open `src/course_utils/audio.py` and read it: each class takes only a few lines.

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
# Listen to the five clips (in order: tone, chirp_up, chirp_down, noise_burst, clicks):

# %%
Audio(examples.flatten().numpy(), rate=SAMPLE_RATE)

# %% [markdown]
# ## 3. Reading and writing audio files: `torchaudio.save` / `load`, with TorchCodec and FFmpeg underneath
#
# `save_clips` writes every clip as a WAV file with `torchaudio.save`, then writes an `index.csv` with the file names and labels. The files go into `course_output/12_torchaudio/audio/` next to this notebook (not in git; they are made again on every run). Each file is first written under a temporary name and renamed when complete, so no other program ever reads a half-written file.

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
# `torchaudio.load(path)` returns `(waveform, sample_rate)`. The waveform is always `float32` with values in `[-1, 1]`, shaped `(channels, samples)`:

# %%
# NBVAL_CHECK_OUTPUT
path = DATA_DIR / rows[0][0]
loaded, loaded_rate = torchaudio.load(path)
print("loaded:", tuple(loaded.shape), loaded.dtype, loaded_rate, "Hz")
print("identical to the tensor we saved:", torch.equal(loaded, waves[0]))

# %% [markdown]
# What we read back is **exactly** what we wrote, and that is not a given. What format does the WAV file hold? Read its header (the first 36 bytes of a WAV file have a fixed layout):

# %%
# NBVAL_CHECK_OUTPUT
import struct

header = path.read_bytes()[:36]
riff, _, wave_id, fmt_id, _, audio_format, channels, rate, _, _, bits = struct.unpack("<4sI4s4sIHHIIHH", header)
print(riff, wave_id, fmt_id)
print(f"audio format {audio_format} (1 = integer PCM), channels {channels}, rate {rate} Hz, {bits} bits per sample")

# %% [markdown]
# `torchaudio.save` hands the tensor to TorchCodec's `AudioEncoder`, and FFmpeg writes a `.wav` file as **16-bit integer PCM**: every sample is stored as `round(x × 32768)`, an integer from -32768 to 32767. So an arbitrary float that goes in comes back with a rounding error of up to 1/65536. In 2.11 the `bits_per_sample` and `encoding` arguments of `save` are ignored (with a warning), so they cannot make it write 32-bit float WAV:

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
# That is why the course's dataset **rounds every sample to the 16-bit grid** when it is generated (`course_utils.audio.quantize_16bit`: multiply by 32768, round, divide back). Values on the grid are stored as 16-bit integers without error, so they read back bit for bit; `tests/test_audio.py` checks exactly that.
#
# ### TorchCodec's own decoder
#
# `torchaudio.load` is only a convenience wrapper. torchaudio's documentation recommends TorchCodec directly for new code: `AudioDecoder` reads the metadata from the file header and decodes all samples, or only those in a time range, on demand:

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
# Writing is `torchcodec.encoders.AudioEncoder(samples, sample_rate=...).to_file("x.wav")` (it also writes `.flac` or `.mp3`; the extension picks the format).
#
# ### Installing FFmpeg
#
# TorchCodec needs FFmpeg's shared libraries (FFmpeg 4 to 8 are supported). Without them, `torchaudio.load`/`save` and `AudioDecoder` all fail, with an error that starts like this:
#
# ```
# RuntimeError: Could not load libtorchcodec. Likely causes:
#   1. FFmpeg is not properly installed in your environment. We support
#      versions 4, 5, 6, 7, and 8 ...
# ```
#
# followed by a long list of attempts, one per FFmpeg version; only the error for the version you have installed matters. How to install it:
#
# | system | command |
# | --- | --- |
# | Debian / Ubuntu | `sudo apt install ffmpeg` |
# | conda (any system) | `conda install -c conda-forge ffmpeg` (the course's `environment.yml` includes it) |
# | macOS | `brew install ffmpeg` |
# | Windows | the course's conda environment is the easiest; if you download FFmpeg yourself, take a "full-shared" build, which ships the DLLs |
#
# `make doctor` (or `course_utils.doctor()` in a notebook) checks whether TorchCodec can load FFmpeg and prints the fixes above when it cannot. Its verdict on this machine:

# %%
# NBVAL_IGNORE_OUTPUT
# the FFmpeg location depends on the machine
from course_utils.doctor import diagnose, gather_facts

for finding in diagnose(gather_facts()):
    if "TorchCodec" in finding.message:
        print(finding.level, finding.message)

# %% [markdown]
# ## 4. Spectrograms, mel spectrograms, MFCCs
#
# A waveform tells us the pressure at every instant but hides **which frequencies** are present. A **spectrogram** cuts the signal into many overlapping short windows and takes the Fourier transform of each (the STFT): time on the x axis, frequency on the y axis, and colour for the energy of that frequency at that time. The transforms in `torchaudio.transforms` are all `nn.Module`s, so they can sit inside a model and move to the GPU:
#
# * `Spectrogram(n_fft=512, win_length=400, hop_length=160)`: windows of 400 samples (25 ms), moved by 160 samples (10 ms); `n_fft=512` gives `512 // 2 + 1 = 257` frequency bins covering 0 to 8000 Hz (half the sample rate, the **Nyquist frequency**); `power=2` gives energy (the squared magnitude);
# * `MelSpectrogram(n_mels=64)`: merges the 257 bins into 64 **mel** bands. The mel scale imitates the ear: fine at low frequencies, coarse at high ones;
# * `AmplitudeToDB()`: turns energy into decibels, `10·log10(energy)`; otherwise a plot shows only the loudest part;
# * `MFCC(n_mfcc=20)`: a discrete cosine transform of the log-mel spectrogram, giving 20 coefficients, the classic features of traditional speech recognition.
#
# With the default `center=True` the signal is padded by half a window at each end, so there are `samples // hop_length + 1` frames.

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
# Now plot them. The `extent` of `imshow` turns pixel coordinates into seconds and hertz, and `origin="lower"` puts low frequencies at the bottom:

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
# In the spectrogram the chirp is a straight slanted line: its frequency rises linearly with time. In the mel spectrogram the line bends, because the mel scale compresses high frequencies. MFCCs are hard to read by eye, but they sum up the shape of each frame's spectrum in 20 numbers.
#
# Each of the five classes has its own log-mel signature: a tone is a horizontal line, a chirp a slanted one, noise covers every frequency, clicks are a row of vertical lines. These are the pictures the classifier in section 8 looks at.

# %%
fig, axes = plt.subplots(1, 5, figsize=(15, 2.8), sharey=True)
for ax, wave, name in zip(axes, examples, class_names):
    show_spec(ax, to_db(mel_spectrogram(wave))[0], name, "mel band")
for ax in axes[1:]:
    ax.set_ylabel("")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 5. Resampling and aliasing
#
# 16 kHz audio can only represent frequencies below 8 kHz (the Nyquist frequency is half the sample rate). At 8 kHz only frequencies below 4 kHz remain. Anything above the new Nyquist frequency must be **filtered out first**; otherwise it "folds" down to lower frequencies and becomes sound that was never there. This is **aliasing**.
#
# * `torchaudio.functional.resample(x, orig_freq, new_freq)` (or the module `T.Resample`): low-pass filters first (windowed sinc interpolation), then changes the rate;
# * the naive way, `x[..., ::2]`: keeps every second sample. The length is right, but nothing is filtered.
#
# Compare them on a chirp that sweeps from 0 Hz all the way up to 8 kHz:

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
# Middle: after 0.5 s (above 4 kHz) the chirp is almost gone, leaving only a short faint "tail" near 4 kHz: a real low-pass filter is not ideal and has a transition band around its cutoff. Right: the same chirp "bounces" at 4 kHz and comes back as a falling line just as bright as the original. That is aliasing. To measure it, take a 5 kHz tone: after naive decimation it shows up at 8000 − 5000 = 3000 Hz:

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
# Naive decimation made up a 3 kHz tone as loud as the original (-6 dB, amplitude 0.5). After `F.resample` the strongest component is also at 3 kHz, but only at about -51 dB, 45 dB weaker than the original (about 1/180 of its amplitude): that is what leaks through the filter. To push it lower, raise `lowpass_filter_width` (6 by default), at the cost of more computation.
#
# When you resample between the same two rates again and again, use the module `T.Resample(16_000, 8_000)`: it computes the filter kernel once and reuses it on every call. The output length is `ceil(samples × new / orig)`:

# %%
# NBVAL_CHECK_OUTPUT
resample_44k = T.Resample(orig_freq=16_000, new_freq=44_100)
up = resample_44k(sine)
print("16 kHz -> 44.1 kHz:", sine.shape[-1], "->", up.shape[-1], "samples;",
      "ceil(16000 * 44100 / 16000) =", math.ceil(16000 * 44100 / 16000))

# %% [markdown]
# ## 6. Augmentation: SpecAugment and noise
#
# A common augmentation for audio models is **SpecAugment**: hide a random band of frequencies (`FrequencyMasking`) and a random stretch of time (`TimeMasking`) in the spectrogram, so the model cannot rely on any single frequency or moment. The parameter is an upper bound on the mask width; the actual width is drawn from `[0, bound)` (with the global random generator, so seed it first).
#
# Masked values are 0 by default. In decibels 0 dB is just a point on the scale, not "no sound" (the range of this picture is printed below), so here we fill with the mean of the whole picture. "both" masks frequencies, then time; every call draws a new position and width:

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
# Another augmentation works on the waveform: add noise at a given **signal-to-noise ratio** (SNR, in dB). `F.add_noise(waveform, noise, snr)` scales the noise so that `10·log10(signal power / noise power)` equals `snr`, then adds it. The smaller the SNR the louder the noise; at 0 dB both are equally loud:

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
# Even at 0 dB (noise as loud as the signal) the chirp stays clearly visible: the noise spreads its energy over all frequencies, while the chirp concentrates its energy in one frequency at every instant.
#
# ## 7. Wav2Vec2: the architecture first, without downloading weights
#
# Wav2Vec2 is a self-supervised speech model that reads raw waveforms: a **convolutional feature extractor** turns the waveform into a sequence of frames, and a Transformer encodes them. `torchaudio.models.wav2vec2_base()` builds the architecture only, with random weights, so nothing is downloaded:

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
# Why 49 frames of 768 features? Look at the seven 1-D convolutions of the feature extractor:

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
# The whole conv stack acts like one window 400 samples wide (25 ms), moved by 320 samples (20 ms). It does not pad, so N samples give
#
# $$\text{frames} = \left\lfloor \frac{N - 400}{320} \right\rfloor + 1 \quad (N \ge 400)$$
#
# frames: `(16000 − 400) // 320 + 1 = 48 + 1 = 49`. (Each layer gives `(L − k) // s + 1`; nested floor divisions of integers combine layer by layer into exactly this formula.) The convolutions output 512 channels, and a linear projection maps them to the Transformer's 768 dimensions, hence 768 features per frame. Check a few lengths:

# %%
# NBVAL_CHECK_OUTPUT
with torch.inference_mode():
    for n in [400, 719, 720, 1_040, 16_000]:
        frames, _ = wav2vec2.feature_extractor(torch.zeros(1, n), None)
        print(f"N = {n:6d}: conv frames {frames.shape[1]:3d}, formula {(n - 400) // 320 + 1:3d}")

# %% [markdown]
# The Transformer has 12 layers, and `extract_features` returns the output of each. Downstream tasks (speech recognition, speaker identification...) often take some middle layer as their features:

# %%
# NBVAL_CHECK_OUTPUT
with torch.inference_mode():
    per_layer, _ = wav2vec2.extract_features(clip)
print(len(per_layer), "layers, each", tuple(per_layer[0].shape))

# %% [markdown]
# Features from random weights mean nothing. The real pretrained weights are in `torchaudio.pipelines`: `WAV2VEC2_BASE` (self-supervised pretraining on 960 hours of LibriSpeech), `WAV2VEC2_ASR_BASE_960H` (further fine-tuned for English speech recognition) and others, all still there in 2.11. `bundle.get_model()` downloads a few hundred MB of weights from `download.pytorch.org` (cached in `~/.cache/torch/hub/`), so it sits behind the switch:

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
# ## 8. A small classifier
#
# Finally, put it all together: read the WAV files back from disk, compute log-mel features, and train a small CNN to tell the five classes apart.
#
# `AudioFolderDataset` reads the files listed in `index.csv` with `torchaudio.load`, and its `transform=` computes features as each file is read. The dataset is small, so we compute all features once and put them in a `TensorDataset`; training then never reads files or computes spectrograms again:

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
# The model: two convolutions, each followed by max pooling, then `AdaptiveAvgPool2d((4, 4))` squeezes a feature map of any size to 4×4. Keeping a little information about *which* band and *which* stretch of time is what lets it tell a rising chirp from a falling one.

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
# The training loss keeps falling, while the validation loss stops improving after about ten epochs and even creeps up: 120 training clips are few, and the model starts to memorize them (overfitting). SpecAugment and added noise from section 6 are the remedy; try them on your own after the exercises.
#
# Evaluate on the test set and draw the **confusion matrix**: row i, column j counts the clips of true class i predicted as j; correct predictions lie on the diagonal.

# %%
model.eval()
with torch.no_grad():
    predictions = model(x_all[test_idx].to(device)).argmax(dim=1).cpu()
truth = y_all[test_idx]
print(f"test accuracy: {(predictions == truth).float().mean().item():.4f} on {len(truth)} clips")

matrix = torch.bincount(truth * 5 + predictions, minlength=25).reshape(5, 5)  # row: true class, column: predicted
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
# ## Summary
#
# * torchaudio has been in maintenance mode since 2.8; 2.9 removed `torchaudio.io`, `info`, `sox_effects`, backend switching and more. This course uses only what remains: `load`/`save`, `transforms`, `functional`, `models`, `pipelines`;
# * file I/O belongs to **TorchCodec** (which needs FFmpeg's shared libraries); `torchaudio.load`/`save` wrap it, and `.wav` is written as 16-bit PCM;
# * a waveform is a `float32` tensor of shape `(channels, samples)`; duration = samples ÷ sample rate;
# * `Spectrogram`/`MelSpectrogram`/`MFCC` are `nn.Module`s with `samples // hop + 1` frames; look at energy in decibels;
# * downsampling needs a low-pass filter first: use `F.resample`/`T.Resample`, because `x[::k]` aliases;
# * Wav2Vec2's conv stack has a receptive field of 400 and a stride of 320, so `frames = (N − 400) // 320 + 1`, each of 768 features; pretrained weights live in `torchaudio.pipelines`.
#
# The exercises are in `exercises/en/12_torchaudio.ipynb`.

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **Next:** [the exercises of this chapter: 12_torchaudio](../../exercises/en/12_torchaudio.ipynb) · [the next chapter: 13_torchscript_export](13_torchscript_export.ipynb)
