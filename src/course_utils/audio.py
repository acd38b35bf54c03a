"""A small synthesized audio dataset for chapter 12, made at run time (no downloads).

Five classes of one-second clips at 16 kHz, each drawn with random frequency,
timing, loudness and background noise from a seeded ``torch.Generator``::

    from course_utils.audio import make_audio_dataset, save_clips, AudioFolderDataset
    waves, labels, class_names = make_audio_dataset(n_per_class=40, seed=0)  # (200, 1, 16000)
    save_clips("course_output/12_torchaudio/audio", waves, labels, class_names)  # WAV + index.csv
    ds = AudioFolderDataset("course_output/12_torchaudio/audio")
    waveform, label = ds[0]                  # (1, 16000) float32, int

Why the samples sit on the 16-bit grid: ``torchaudio.save`` (torchaudio 2.11) hands the
tensor to TorchCodec's ``AudioEncoder``, and FFmpeg writes a ``.wav`` file as 16-bit PCM
(``pcm_s16le``). Its ``bits_per_sample`` and ``encoding`` arguments are ignored (with a
warning), so there is no way to write 32-bit float WAV through it. 16-bit PCM stores
``round(x * 32768)``, so an arbitrary float comes back off by up to 1/65536. Every clip is
therefore rounded to a multiple of 1/32768 *before* it is returned (``quantize_16bit``):
then writing and reading back gives exactly the same tensor.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Callable
from pathlib import Path

import torch
from torch.utils.data import Dataset

SAMPLE_RATE = 16_000  # samples per second
DURATION = 1.0  # seconds per clip
NUM_SAMPLES = int(SAMPLE_RATE * DURATION)

#: The classes, in label order.
CLASS_NAMES: tuple[str, ...] = ("tone", "chirp_up", "chirp_down", "noise_burst", "clicks")

INDEX_NAME = "index.csv"  # the table of files and labels that save_clips writes last


def quantize_16bit(wave: torch.Tensor) -> torch.Tensor:
    """Round to the 16-bit PCM grid (multiples of 1/32768 in [-1, 32767/32768]), as float32 (chapter 12).

    A WAV file written by ``torchaudio.save`` stores exactly these values, so a
    quantized wave survives ``save`` then ``load`` unchanged.
    """
    # float32 holds every multiple of 1/32768 in [-1, 1] exactly, so float32 arithmetic is exact here
    return torch.clamp(torch.round(wave.float() * 32768), -32768, 32767) / 32768


def _uniform(generator: torch.Generator, low: float, high: float) -> float:
    """One number drawn uniformly from [low, high)."""
    return low + (high - low) * torch.rand((), generator=generator, dtype=torch.float64).item()


def synthesize_clip(kind: str, generator: torch.Generator, sample_rate: int = SAMPLE_RATE,
                    duration: float = DURATION) -> torch.Tensor:
    """One clip of class ``kind`` (one of ``CLASS_NAMES``) as a ``(1, samples)`` float32 tensor (chapter 12).

    Random choices (all from ``generator``): when the sound starts and stops (it lasts
    0.4 to 0.9 s), its frequencies, its peak amplitude (0.3 to 0.8) and a little white
    background noise. The result is quantized to the 16-bit grid (see the module docstring).

    * ``tone``: a sine wave of 300 to 3000 Hz;
    * ``chirp_up`` / ``chirp_down``: a sine whose frequency glides (linearly in time)
      between about 400 Hz and 3000-5000 Hz, upwards or downwards;
    * ``noise_burst``: white noise;
    * ``clicks``: a train of short decaying clicks, 5 to 12 per second.
    """
    if kind not in CLASS_NAMES:
        raise ValueError(f"unknown kind {kind!r}; choose one of {CLASS_NAMES}")
    n = int(round(sample_rate * duration))
    t = torch.arange(n, dtype=torch.float64) / sample_rate  # time of each sample, in seconds
    length = _uniform(generator, 0.4, 0.9) * duration
    start = _uniform(generator, 0.0, duration - length)
    # 1 while the sound plays, 0 outside, with 10 ms linear fades in and out (no clicks)
    envelope = ((t - start) / 0.01).clamp(0, 1) * ((start + length - t) / 0.01).clamp(0, 1)
    amplitude = _uniform(generator, 0.3, 0.8)
    phase = _uniform(generator, 0.0, 2 * math.pi)

    if kind == "tone":
        freq = _uniform(generator, 300.0, 3000.0)
        signal = torch.sin(2 * math.pi * freq * t + phase)
    elif kind in ("chirp_up", "chirp_down"):
        low, high = _uniform(generator, 300.0, 600.0), _uniform(generator, 3000.0, 5000.0)
        f0, f1 = (low, high) if kind == "chirp_up" else (high, low)
        tau = (t - start).clamp(0, length)  # time since the chirp began
        # instantaneous frequency f0 + (f1 - f0) * tau / length; the phase is its integral
        signal = torch.sin(2 * math.pi * (f0 * tau + (f1 - f0) * tau**2 / (2 * length)) + phase)
    elif kind == "noise_burst":
        signal = torch.randn(n, generator=generator, dtype=torch.float64) / 4
    else:  # clicks
        rate = _uniform(generator, 5.0, 12.0)
        decay = _uniform(generator, 0.002, 0.006)  # seconds
        since_click = torch.remainder(t - start, 1.0 / rate)  # time since the last click
        ring = torch.sin(2 * math.pi * _uniform(generator, 1000.0, 3000.0) * since_click)
        signal = torch.exp(-since_click / decay) * ring

    background = _uniform(generator, 0.005, 0.03) * torch.randn(n, generator=generator, dtype=torch.float64)
    wave = amplitude * envelope * signal + background
    return quantize_16bit(wave.clamp(-1, 1)).unsqueeze(0)


def make_audio_dataset(n_per_class: int = 40, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, tuple[str, ...]]:
    """``n_per_class`` clips of every class, in memory (chapter 12).

    Returns ``(waves, labels, class_names)``: waves ``(N, 1, 16000)`` float32, labels
    ``(N,)`` int64 with ``N = 5 * n_per_class``. The classes are interleaved
    (0, 1, 2, 3, 4, 0, 1, ...), so any prefix of the dataset is nearly balanced.
    The same ``seed`` gives the same clips on every machine.
    """
    generator = torch.Generator().manual_seed(seed)
    waves = [synthesize_clip(kind, generator) for _ in range(n_per_class) for kind in CLASS_NAMES]
    labels = torch.arange(len(CLASS_NAMES)).repeat(n_per_class)  # 0, 1, 2, 3, 4, 0, 1, ...
    return torch.stack(waves), labels, CLASS_NAMES


def _replace_atomically(final: Path, write: Callable[[Path], None]) -> None:
    """Write to a temporary name in the same folder, then rename it into place.

    A reader (or another notebook writing the same folder) never sees a half-written
    file. The temporary name keeps the extension, because ``torchaudio.save`` picks
    the format from it.
    """
    temporary = final.with_name(f".tmp-{os.getpid()}-{final.name}")
    try:
        write(temporary)
        os.replace(temporary, final)
    finally:
        temporary.unlink(missing_ok=True)


def save_clips(folder: str | os.PathLike, waves: torch.Tensor, labels: torch.Tensor,
               class_names: tuple[str, ...] = CLASS_NAMES, sample_rate: int = SAMPLE_RATE) -> Path:
    """Write ``waves`` ``(N, channels, samples)`` as WAV files plus ``index.csv`` into ``folder`` (chapter 12).

    Each clip goes through ``torchaudio.save`` (TorchCodec and FFmpeg underneath) as
    16-bit PCM WAV, named ``<class>_<number>.wav``. ``index.csv`` (columns ``file``,
    ``label``, ``class_name``) is written last, so a complete index means complete files.
    Returns the folder as a ``Path``.
    """
    import torchaudio

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, (wave, label) in enumerate(zip(waves, labels.tolist())):
        name = f"{class_names[label]}_{i:04d}.wav"
        _replace_atomically(folder / name, lambda path, wave=wave: torchaudio.save(str(path), wave, sample_rate))
        rows.append((name, label, class_names[label]))

    def write_index(path: Path) -> None:
        with open(path, "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([("file", "label", "class_name"), *rows])

    _replace_atomically(folder / INDEX_NAME, write_index)
    return folder


def read_index(folder: str | os.PathLike) -> list[tuple[str, int, str]]:
    """The rows of ``index.csv`` as ``(file, label, class_name)`` tuples (chapter 12)."""
    with open(Path(folder) / INDEX_NAME, newline="", encoding="utf-8") as f:
        return [(row["file"], int(row["label"]), row["class_name"]) for row in csv.DictReader(f)]


class AudioFolderDataset(Dataset):
    """The WAV files listed in ``folder/index.csv``, loaded with ``torchaudio.load`` (chapter 12).

    ``ds[i]`` is ``(waveform, label)``: waveform ``(channels, samples)`` float32 in [-1, 1],
    or ``transform(waveform)`` when a transform is given (for example a ``MelSpectrogram``).
    """

    def __init__(self, folder: str | os.PathLike, transform: Callable[[torch.Tensor], torch.Tensor] | None = None) -> None:
        self.folder = Path(folder)
        self.rows = read_index(self.folder)
        self.transform = transform
        names_by_label = dict(sorted({label: name for _, label, name in self.rows}.items()))
        self.class_names: tuple[str, ...] = tuple(names_by_label.values())

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        import torchaudio

        file, label, _ = self.rows[index]
        waveform, sample_rate = torchaudio.load(str(self.folder / file))
        if sample_rate != SAMPLE_RATE:
            raise ValueError(f"{file}: expected {SAMPLE_RATE} Hz, the file has {sample_rate} Hz")
        if self.transform is not None:
            waveform = self.transform(waveform)
        return waveform, label
