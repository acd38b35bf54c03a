"""Checks for 12_torchaudio: a sine wave, a log-mel spectrogram, resampling, time masking, Wav2Vec2 frames."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from .engine import checker
from .vocabulary import (
    Mistake,
    call_unchanged,
    diagnose,
    expect_callable,
    expect_returned,
    expect_tensor,
    fail,
    fmt,
    generator,
    is_tensor,
    same,
)

#: A symptom of a wrong answer: ``(holds(*inputs), en hint, zh hint)``; hints may use ``{fields}``.
Symptom = tuple[Callable[..., bool], str, str]


def _first_symptom(symptoms: list[Symptom], call: str, *inputs: Any, **fields: Any) -> None:
    """Fail with the hint of the first symptom that holds for ``inputs``."""
    for holds, en, zh in symptoms:
        if holds(*inputs):
            fail(call, en.format(**fields), zh.format(**fields))


# --------------------------------------------------------------------------- 12.1 a sine wave


def _times(n: int, rate: int = 1, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """The sample times n / rate of one channel (``rate=1``: sample numbers used as times)."""
    return (torch.arange(n, dtype=dtype) / rate).unsqueeze(0)


SAMPLES_AS_TIME = ("uses sample numbers as time: the time axis must be in seconds, t = n / sample_rate. "
                   "With t = n, sin(2*pi*f*n) is sampled at whole periods (silence, or rounding noise).",
                   "把采样编号当成了时间：时间轴要以秒为单位，t = n / sample_rate。"
                   "如果 t = n，sin(2*pi*f*n) 每次都采在整数个周期上（得到静音或舍入噪声）。")
#: Wrong waves, from (frequency, number of samples, sample rate, the answer's peak).
SINE_MISTAKES = [
    Mistake(lambda f, n, rate, peak: torch.zeros(1, n), *SAMPLES_AS_TIME),
    Mistake(lambda f, n, rate, peak: torch.sin(2 * math.pi * f * _times(n, dtype=torch.float32)), *SAMPLES_AS_TIME),
    Mistake(lambda f, n, rate, peak: torch.sin(2 * math.pi * f * _times(n)), *SAMPLES_AS_TIME),
    Mistake(lambda f, n, rate, peak: torch.sin(f * _times(n, rate)),
            f"the wave oscillates {2 * math.pi:.2f} times too slowly: the angle is 2*pi*f*t, not f*t.",
            f"波形振荡慢了 {2 * math.pi:.2f} 倍：角度是 2*pi*f*t，不是 f*t。"),
    Mistake(lambda f, n, rate, peak: torch.cos(2 * math.pi * f * _times(n, rate)),
            "this is a cosine: start at 0 with torch.sin(2*pi*f*t).", "这是余弦：请用从 0 开始的 torch.sin(2*pi*f*t)。"),
    Mistake(lambda f, n, rate, peak: peak * torch.sin(2 * math.pi * f * _times(n, rate)),
            "the wave has the right shape but peak amplitude {peak:.3f}; it should be 1.",
            "波形对了，但峰值是 {peak:.3f}，应为 1。"),
]


#: Wrong forms of the wave (shape, then dtype), from (wave, number of samples), checked in order.
SINE_FORM: list[Symptom] = [
    (lambda wave, n: wave.ndim == 1,
     "shape {shape}: the channel dimension is missing. torchaudio expects (channels, samples), here (1, {n}). "
     "Hint: .unsqueeze(0).",
     "形状是 {shape}：少了通道维。torchaudio 要的是 (channels, samples)，这里应为 (1, {n})。提示：.unsqueeze(0)。"),
    (lambda wave, n: wave.ndim != 2 or wave.shape[0] != 1,
     "should have shape (1, {n}) (one channel), got {shape}.", "形状应为 (1, {n})（一个通道），实际是 {shape}。"),
    (lambda wave, n: wave.shape[1] == n + 1,
     "{more} samples, one too many: {duration} s at {rate} Hz is {n} samples. torch.linspace(0, duration, n + 1) "
     "includes the end point; use torch.arange(n) / sample_rate.",
     "有 {more} 个采样，多了一个：{duration} 秒、{rate} Hz 是 {n} 个采样。"
     "torch.linspace(0, duration, n + 1) 包含了终点；请用 torch.arange(n) / sample_rate。"),
    (lambda wave, n: wave.shape[1] != n,
     "{samples} samples; {duration} s at {rate} Hz is duration * sample_rate = {n}.",
     "有 {samples} 个采样；{duration} 秒、{rate} Hz 应为 duration * sample_rate = {n} 个。"),
    (lambda wave, n: wave.dtype != torch.float32,
     "dtype {dtype}; audio tensors are float32 (torchaudio.load returns float32, torchaudio.save expects it). "
     "Hint: .float() or dtype=torch.float32.",
     "dtype 是 {dtype}；音频张量用 float32（torchaudio.load 返回 float32，torchaudio.save 也要 float32）。"
     "提示：.float() 或 dtype=torch.float32。"),
]


@checker("12.1")
def check_make_sine(make_sine) -> None:
    expect_callable(make_sine)
    for freq, duration, rate in [(440.0, 0.5, 16_000), (1000.0, 0.25, 8_000), (50.0, 0.1, 44_100)]:
        call = f"make_sine({freq}, {duration}, {rate})"
        wave = expect_tensor(make_sine(freq, duration, rate), call)
        n = int(round(duration * rate))
        want = torch.sin(2 * math.pi * freq * _times(n, rate)).float()
        _first_symptom(SINE_FORM, call, wave, n, shape=tuple(wave.shape), n=n, more=n + 1, duration=duration,
                       rate=rate, samples=wave.shape[-1] if wave.ndim else 0, dtype=wave.dtype)
        peak = wave.abs().max().item()
        diagnose(wave, want, SINE_MISTAKES, call, freq, n, rate, peak, atol=1e-3, rtol=1e-5, peak=peak,
                 otherwise=("the wave differs from sin(2*pi*f*t) with t = torch.arange(n) / sample_rate.",
                            "波形与 sin(2*pi*f*t)（t = torch.arange(n) / sample_rate）不一致。"))


# --------------------------------------------------------------------------- 12.2 a log-mel spectrogram


TO_DB = 'AmplitudeToDB(stype="power", top_db=80)'
NATURAL_LOG = (f"uses the natural log. Decibels are 10 * log10(power): use {TO_DB}.",
               f"用的是自然对数。分贝是 10 * log10(能量)：请用 {TO_DB}。")
#: Wrong log-mel spectrograms, from (waveform, sample rate, its mel power).
LOG_MEL_MISTAKES = [
    Mistake(lambda wave, rate, power: _to_db(_mel_power(wave, 16_000)) if rate != 16_000 else None,
            "computed as if the audio were 16 kHz: pass sample_rate=sample_rate to MelSpectrogram (its default is "
            "16000), or the mel bands land on the wrong frequencies.",
            "是按 16 kHz 算的：请把 sample_rate=sample_rate 传给 MelSpectrogram（它的默认值是 16000），"
            "否则梅尔频带会落在错误的频率上。"),
    Mistake(lambda wave, rate, power: power,
            f"returns the mel power itself: convert it to decibels with torchaudio.transforms.{TO_DB}.",
            f"返回的是梅尔能量本身：请用 torchaudio.transforms.{TO_DB} 换成分贝。"),
    Mistake(lambda wave, rate, power: torch.log(power + 1e-10), *NATURAL_LOG),
    Mistake(lambda wave, rate, power: torch.log(power), *NATURAL_LOG),
    Mistake(lambda wave, rate, power: _to_db(power, 20.0),
            'twice too large: MelSpectrogram gives power (|X|^2), so use stype="power" (10 * log10), '
            'not stype="magnitude" (20 * log10).',
            '大了一倍：MelSpectrogram 给出的是能量（|X|^2），请用 stype="power"（10 * log10），'
            '不是 stype="magnitude"（20 * log10）。'),
    Mistake(lambda wave, rate, power: _to_db(_mel_power(wave, rate, power=1.0)),
            "half the expected decibels: it was computed from magnitudes (power=1.0). Keep MelSpectrogram's "
            'default power=2.0 with stype="power".',
            '分贝值只有应有的一半：它是从幅度算的（power=1.0）。MelSpectrogram 保持默认的 power=2.0，配合 stype="power"。'),
    Mistake(lambda wave, rate, power: _to_db(power, top_db=None),
            "values more than 80 dB below the maximum: pass top_db=80 to AmplitudeToDB, which clips the quiet parts.",
            "有比最大值低 80 dB 以上的值：请给 AmplitudeToDB 传 top_db=80，把太安静的部分截掉。"),
]


def _mel_power(waveform: torch.Tensor, sample_rate: int, power: float = 2.0) -> torch.Tensor:
    import torchaudio.transforms as T

    mel = T.MelSpectrogram(sample_rate=sample_rate, n_fft=400, hop_length=160, n_mels=40, power=power)
    return mel(waveform)


def _to_db(x: torch.Tensor, multiplier: float = 10.0, top_db: float | None = 80.0) -> torch.Tensor:
    import torchaudio.functional as F

    return F.amplitude_to_DB(x, multiplier, 1e-10, 0.0, top_db)


@checker("12.2")
def check_log_mel(log_mel) -> None:
    expect_callable(log_mel)
    g = generator(12)
    for rate in (16_000, 8_000):
        t = torch.arange(rate // 2) / rate
        wave = (0.5 * torch.sin(2 * math.pi * 440 * t) + 0.05 * torch.randn(t.shape, generator=g)).unsqueeze(0)
        wave[:, rate // 4 :] = 0.0  # a silent second half: its decibels fall far below the top_db floor
        call = f"log_mel(waveform, {rate})"
        got = expect_tensor(log_mel(wave.clone(), rate), call)
        power = _mel_power(wave, rate)
        want = _to_db(power)
        shape, want_shape = tuple(got.shape), tuple(want.shape)
        if shape != want_shape and got.ndim == want.ndim and shape[-2] == 128:
            fail(call, f"shape {shape}: 128 mel bands is MelSpectrogram's default. Pass n_mels=40.",
                 f"形状是 {shape}：128 个梅尔频带是 MelSpectrogram 的默认值。请传 n_mels=40。")
        if shape != want_shape:
            fail(call, f"shape {shape}, expected {want_shape} = (channels, n_mels=40, frames = samples // 160 + 1). "
                 "Check n_fft=400 and hop_length=160 (10 ms at 16 kHz).",
                 f"形状是 {shape}，应为 {want_shape} = (channels, n_mels=40, 帧数 = samples // 160 + 1)。"
                 "检查 n_fft=400 和 hop_length=160（16 kHz 下的 10 ms）。")
        expect_tensor(got, call, dtype=want.dtype)
        diagnose(got, want, LOG_MEL_MISTAKES, call, wave, rate, power, atol=1e-3, rtol=1e-5, otherwise=(
            f"differs from MelSpectrogram(sample_rate, n_fft=400, hop_length=160, n_mels=40) followed by {TO_DB}.",
            f"与 MelSpectrogram(sample_rate, n_fft=400, hop_length=160, n_mels=40) 再接 {TO_DB} 的结果不一致。"))


# --------------------------------------------------------------------------- 12.3 resampling


def _level_db(wave: torch.Tensor, rate: int, freq: float) -> float:
    """Level (dB re amplitude 1) of the strongest spectral component within 50 Hz of ``freq``."""
    magnitude = torch.fft.rfft(wave.double()).abs() / (wave.shape[-1] / 2)
    bins = torch.arange(magnitude.shape[-1]) * rate / wave.shape[-1]
    near = (bins - freq).abs() < 50
    return 20 * math.log10(max(magnitude[..., near].max().item(), 1e-12))


@checker("12.3")
def check_resample(resample_to) -> None:
    expect_callable(resample_to)
    import torchaudio.functional as F

    g = generator(3)
    for orig, new, channels in [(16_000, 8_000, 1), (44_100, 16_000, 2), (8_000, 16_000, 1)]:
        t = torch.arange(orig // 4) / orig
        wave = torch.stack([0.3 * torch.sin(2 * math.pi * (300 + 200 * c) * t) for c in range(channels)])
        wave = wave + 0.01 * torch.randn(wave.shape, generator=g)
        call = f"resample_to(waveform of shape {tuple(wave.shape)}, {orig}, {new})"
        got = expect_tensor(call_unchanged(lambda w, o=orig, r=new: resample_to(w, o, r), wave, call=call), call)
        n = wave.shape[-1]
        want_len, swapped_len = math.ceil(n * new / orig), math.ceil(n * orig / new)
        rule = f"ceil({n} * {new} / {orig})"
        if got.ndim != 2 or got.shape[0] != channels:
            fail(call, f"should keep the channel dimension: shape ({channels}, {want_len}), got {tuple(got.shape)}.",
                 f"应保留通道维：形状应为 ({channels}, {want_len})，实际是 {tuple(got.shape)}。")
        if got.shape[-1] == swapped_len != want_len:
            fail(call, f"{got.shape[-1]} samples, expected {rule} = {want_len}: orig_freq and new_freq are swapped.",
                 f"有 {got.shape[-1]} 个采样，应为 {rule} = {want_len}：orig_freq 和 new_freq 写反了。")
        if got.shape[-1] != want_len:
            fail(call, f"{got.shape[-1]} samples, expected {rule} = {want_len}.",
                 f"有 {got.shape[-1]} 个采样，应为 {rule} = {want_len}。")
        expect_tensor(got, call, dtype=wave.dtype)
        if not same(got, F.resample(wave, orig, new), atol=5e-3, rtol=1e-5):
            break  # wrong values: find out whether it aliases below
    else:
        return
    # a 5 kHz tone at 16 kHz must disappear at 8 kHz, not come back at 3 kHz
    t = torch.arange(16_000) / 16_000
    tone = 0.5 * torch.sin(2 * math.pi * 5000 * t).unsqueeze(0)
    down = expect_tensor(resample_to(tone, 16_000, 8_000), "resample_to(tone, 16000, 8000)")
    level = _level_db(down[0], 8_000, 3000) if down.shape == (1, 8000) else -math.inf
    if level > -30:
        fail("", f"aliasing: a 5 kHz tone resampled from 16 kHz to 8 kHz comes back as a loud 3 kHz tone "
             f"({fmt(level, 0)} dB). Keeping every k-th sample (or interpolating) does not low-pass filter first. "
             "Use torchaudio.functional.resample(waveform, orig_freq, new_freq).",
             f"混叠：16 kHz 的 5 kHz 纯音降到 8 kHz 后，变成了一个很响的 3 kHz 纯音（{fmt(level, 0)} dB）。"
             "每 k 个取一个（或插值）都没有先做低通滤波。请用 torchaudio.functional.resample(waveform, orig_freq, new_freq)。")
    fail("", "the resampled values differ from torchaudio.functional.resample(waveform, orig_freq, new_freq).",
         "重采样的结果与 torchaudio.functional.resample(waveform, orig_freq, new_freq) 不一致。")


# --------------------------------------------------------------------------- 12.4 time masking by hand


def _mask(spec: torch.Tensor, start: int, width: int, value: float) -> torch.Tensor:
    out = spec.clone()
    out[..., start : start + width] = value
    return out


#: Wrong masks, from (the original spec, start, width, value).
MASK_MISTAKES = [
    Mistake(lambda spec, start, width, value: _mask(spec.mT, start, width, value).mT
            if start + width < spec.shape[-2] else None,
            "masked frequency bands (dimension -2). Spectrograms are (..., freq, time): time is the last dimension, "
            "spec[..., start:start + width].",
            "遮住的是频带（倒数第 2 维）。频谱图是 (..., freq, time)：时间是最后一维，spec[..., start:start + width]。"),
    Mistake(lambda spec, start, width, value: _mask(spec, start, width + 1, value),
            "one frame too many: frames start to start + width - 1 are masked, the slice end start + width is "
            "exclusive.", "多遮了一帧：被遮的是 start 到 start + width - 1，切片的终点 start + width 不包含在内。"),
    Mistake(lambda spec, start, width, value: _mask(spec, start, max(width - 1, 0), value),
            "one frame too few: mask width frames, spec[..., start:start + width].",
            "少遮了一帧：要遮 width 帧，spec[..., start:start + width]。"),
    Mistake(lambda spec, start, width, value: _mask(spec, start + 1, width, value),
            "the mask starts one frame late: the first masked frame is start itself (counting from 0).",
            "遮挡晚了一帧：第一个被遮的帧就是 start（从 0 数起）。"),
    Mistake(lambda spec, start, width, value: _mask(spec, start, width, 0.0) if value != 0.0 else None,
            "filled the mask with 0 instead of value={value}.", "用 0 填了遮挡区域，应该用 value={value}。"),
]


@checker("12.4")
def check_time_mask(time_mask) -> None:
    expect_callable(time_mask)
    g = generator(4)
    cases = [((1, 40, 101), 10, 20, 0.0), ((2, 3, 64, 50), 0, 5, -1.5), ((1, 40, 101), 90, 11, 2.0)]
    for shape, start, width, value in cases:
        spec = torch.randn(shape, generator=g)
        original = spec.clone()
        call = f"time_mask(spec of shape {shape}, start={start}, width={width}, value={value})"
        got = expect_tensor(time_mask(spec, start, width, value), call)
        if got is spec or not torch.equal(spec, original):
            fail(call, "changed its input: an augmentation must leave the original untouched. "
                 "Start from spec.clone().", "改动了输入：数据增强不能改动原始数据。请从 spec.clone() 开始。")
        expect_tensor(got, call, shape=shape)
        diagnose(got, _mask(original, start, width, value), MASK_MISTAKES, call, original, start, width, value,
                 atol=0.0, rtol=0.0, value=value,
                 otherwise=("differs from a copy of spec with spec[..., start:start + width] = value.",
                            "与“把 spec 复制一份再令 spec[..., start:start + width] = value”的结果不一致。"))


# --------------------------------------------------------------------------- 12.5 Wav2Vec2 frames

#: (kernel, stride) of the seven convolutions in Wav2Vec2's feature extractor.
WAV2VEC2_CONVS = [(10, 5)] + [(3, 2)] * 4 + [(2, 2)] * 2


def conv_stack_frames(num_samples: int) -> int:
    """Frames out of the conv stack, layer by layer: each gives (L - kernel) // stride + 1."""
    length = num_samples
    for kernel, stride in WAV2VEC2_CONVS:
        length = (length - kernel) // stride + 1
    return length


GOT = "got {got}, expected {want}: ", "得到 {got}，应为 {want}："
#: Wrong frame counts for ``n`` samples, as floats so that int and float answers both match.
FRAME_MISTAKES = [
    Mistake(lambda n: float(conv_stack_frames(n)),
            "returned the float {got}: a number of frames is an int. Use // (floor division).",
            "返回了浮点数 {got}：帧数是整数。请用 //（向下取整的除法）。"),
    Mistake(lambda n: (n - 400) / 320 + 1,
            "returned {got:.3f}: a partial window gives no frame, so round down with //: {want}.",
            "返回了 {got:.3f}：不完整的窗口不产生帧，要用 // 向下取整：{want}。"),
    Mistake(lambda n: float(n // 320),
            GOT[0] + "n // 320 counts steps of the stride, but every frame needs a full window of 400 samples "
            "(the receptive field). Count how many times 320 fits after the first 400.",
            GOT[1] + "n // 320 数的是步长，但每一帧都要一个完整的 400 个采样的窗口（感受野）。先留出第一个 400，再数 320 能放几次。"),
    Mistake(lambda n: float((n - 400) // 320),
            GOT[0] + "off by one. The first window (samples 0 to 399) already gives one frame: (n - 400) // 320 + 1.",
            GOT[1] + "差了一个。第一个窗口（采样 0 到 399）本身就是一帧：(n - 400) // 320 + 1。"),
    Mistake(lambda n: float(n // 320 + 1),
            GOT[0] + "n // hop + 1 is the Spectrogram formula, which pads the signal (center=True). Wav2Vec2's "
            "convolutions do not pad: every frame needs a full window of 400 samples.",
            GOT[1] + "n // hop + 1 是 Spectrogram 的公式，它会在两端补零（center=True）。"
            "Wav2Vec2 的卷积不补零：每一帧都要一个完整的 400 个采样的窗口。"),
]


@checker("12.5")
def check_wav2vec2_frames(wav2vec2_frames) -> None:
    expect_callable(wav2vec2_frames)
    for n in [719, 400, 720, 1039, 1040, 8_000, 16_000, 16_319, 16_320, 48_000, 123_457]:
        call = f"wav2vec2_frames({n})"
        got = expect_returned(wav2vec2_frames(n), call)
        got, want = got.item() if is_tensor(got) else got, conv_stack_frames(n)
        if not isinstance(got, float) and got == want:
            continue
        diagnose(got, want, FRAME_MISTAKES, call, n, atol=0.0, rtol=1e-9, got=got, want=want, otherwise=(
            "got {got}, expected {want}. The conv stack is a window of 400 samples moved by 320.",
            "得到 {got}，应为 {want}。整个卷积栈相当于一个宽 400、每次移动 320 的窗口。"))
