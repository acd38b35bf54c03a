"""The synthesized audio dataset: deterministic, balanced, and exact through WAV files."""

import csv

import pytest
import torch
import torchaudio

from course_utils.audio import (
    CLASS_NAMES,
    INDEX_NAME,
    NUM_SAMPLES,
    SAMPLE_RATE,
    AudioFolderDataset,
    make_audio_dataset,
    quantize_16bit,
    read_index,
    save_clips,
    synthesize_clip,
)


@pytest.fixture(scope="module")
def small():
    return make_audio_dataset(n_per_class=4, seed=3)


def test_shapes_and_dtypes(small):
    waves, labels, class_names = small
    assert waves.shape == (20, 1, NUM_SAMPLES) and waves.dtype == torch.float32
    assert labels.shape == (20,) and labels.dtype == torch.int64
    assert class_names == CLASS_NAMES
    assert waves.abs().max() <= 1.0


def test_class_balance_and_interleaving(small):
    _, labels, _ = small
    assert torch.bincount(labels, minlength=len(CLASS_NAMES)).tolist() == [4] * len(CLASS_NAMES)
    assert labels[: len(CLASS_NAMES)].tolist() == list(range(len(CLASS_NAMES)))


def test_same_seed_same_data_other_seed_other_data(small):
    waves, labels, _ = small
    again, labels_again, _ = make_audio_dataset(n_per_class=4, seed=3)
    assert torch.equal(waves, again) and torch.equal(labels, labels_again)
    other, _, _ = make_audio_dataset(n_per_class=4, seed=4)
    assert not torch.equal(waves, other)


def test_clips_vary_within_a_class(small):
    waves, labels, _ = small
    for label in range(len(CLASS_NAMES)):
        clips = waves[labels == label]
        assert not torch.equal(clips[0], clips[1])


def test_clips_are_on_the_16bit_grid(small):
    waves, _, _ = small
    steps = waves * 32768
    assert torch.equal(steps, steps.round())
    assert torch.equal(quantize_16bit(waves), waves)


def test_quantize_16bit_rounds_and_clips():
    x = torch.tensor([0.0, 1.0, -1.0, 2.0, 0.3, 1 / 65536 + 1e-9])
    q = quantize_16bit(x)
    assert q.dtype == torch.float32
    assert q[:4].tolist() == [0.0, 32767 / 32768, -1.0, 32767 / 32768]
    assert abs(q[4].item() - 0.3) <= 0.5 / 32768
    assert q[5].item() == 1 / 32768


def test_unknown_kind_is_rejected():
    with pytest.raises(ValueError, match="unknown kind"):
        synthesize_clip("whistle", torch.Generator().manual_seed(0))


def test_sound_is_loud_enough_and_classes_differ(small):
    waves, labels, _ = small
    peak = waves.abs().amax(dim=(1, 2))
    assert (peak > 0.2).all()
    tone = synthesize_clip("tone", torch.Generator().manual_seed(0))[0]
    noise = synthesize_clip("noise_burst", torch.Generator().manual_seed(0))[0]
    # a tone concentrates its energy in one frequency; noise spreads it out
    peakiness = [(s := torch.fft.rfft(x).abs()).max() / s.mean() for x in (tone, noise)]
    assert peakiness[0] > 10 * peakiness[1]


def test_written_files_load_back_identically(tmp_path):
    waves, labels, class_names = make_audio_dataset(n_per_class=2, seed=1)
    folder = save_clips(tmp_path / "audio", waves, labels, class_names)
    rows = read_index(folder)
    assert len(rows) == len(labels)
    for (file, label, name), wave, want_label in zip(rows, waves, labels.tolist()):
        loaded, rate = torchaudio.load(str(folder / file))
        assert rate == SAMPLE_RATE
        assert loaded.shape == wave.shape and loaded.dtype == torch.float32
        assert torch.equal(loaded, wave), file
        assert label == want_label and name == class_names[label]
    # no temporary files left behind
    assert sorted(p.name for p in folder.iterdir()) == sorted([INDEX_NAME] + [r[0] for r in rows])


def test_files_are_16bit_pcm(tmp_path):
    waves, labels, _ = make_audio_dataset(n_per_class=1, seed=0)
    folder = save_clips(tmp_path, waves[:1], labels[:1])
    from torchcodec.decoders import AudioDecoder

    meta = AudioDecoder(str(folder / read_index(folder)[0][0])).metadata
    assert meta.codec == "pcm_s16le" and meta.sample_rate == SAMPLE_RATE and meta.num_channels == 1


def test_unquantized_audio_does_not_survive_exactly(tmp_path):
    """Why the dataset quantizes: torchaudio.save writes 16-bit PCM."""
    wave = torch.full((1, 100), 0.3)
    torchaudio.save(str(tmp_path / "x.wav"), wave, SAMPLE_RATE)
    loaded, _ = torchaudio.load(str(tmp_path / "x.wav"))
    assert not torch.equal(loaded, wave)
    assert torch.equal(loaded, quantize_16bit(wave))


def test_index_csv_columns(tmp_path):
    folder = save_clips(tmp_path, *make_audio_dataset(n_per_class=1, seed=0))
    with open(folder / INDEX_NAME, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        assert next(reader) == ["file", "label", "class_name"]
        assert [row[2] for row in reader] == list(CLASS_NAMES)


def test_dataset_loads_the_files(tmp_path):
    waves, labels, _ = make_audio_dataset(n_per_class=1, seed=5)
    folder = save_clips(tmp_path, waves, labels)
    ds = AudioFolderDataset(folder)
    assert len(ds) == len(CLASS_NAMES) and ds.class_names == CLASS_NAMES
    for i in range(len(ds)):
        wave, label = ds[i]
        assert torch.equal(wave, waves[i]) and label == labels[i].item()
    ds = AudioFolderDataset(folder, transform=lambda w: w.mean(dim=-1))
    assert ds[0][0].shape == (1,)


def test_rewriting_a_folder_gives_the_same_files(tmp_path):
    first = save_clips(tmp_path, *make_audio_dataset(n_per_class=1, seed=2))
    before = {p.name: p.read_bytes() for p in first.iterdir()}
    save_clips(tmp_path, *make_audio_dataset(n_per_class=1, seed=2))
    assert {p.name: p.read_bytes() for p in first.iterdir()} == before
