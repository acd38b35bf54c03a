"""Chapter 12's checks catch the typical wrong answers with specific hints."""

import math

import torch
import torchaudio.functional as F
import torchaudio.transforms as T

from course_utils.checks import evaluate


def _stub(*args):
    raise NotImplementedError


def _sine(freq, duration, rate):
    t = torch.arange(int(round(duration * rate)), dtype=torch.float64) / rate
    return torch.sin(2 * math.pi * freq * t).float().unsqueeze(0)


def test_make_sine():
    assert evaluate("12.1", _sine, "en")[0] == "pass"
    status, message = evaluate("12.1", lambda f, d, r: _sine(f, d, r)[0], "en")
    assert status == "fail" and "channel dimension is missing" in message
    status, message = evaluate("12.1", lambda f, d, r: _sine(f, d, r)[0], "zh")
    assert status == "fail" and "少了通道维" in message

    def samples_as_time(f, d, r):
        n = int(round(d * r))
        return torch.sin(2 * math.pi * f * torch.arange(n)).unsqueeze(0)

    status, message = evaluate("12.1", samples_as_time, "en")
    assert status == "fail" and "t = n / sample_rate" in message

    def no_two_pi(f, d, r):
        t = torch.arange(int(round(d * r)), dtype=torch.float64) / r
        return torch.sin(f * t).float().unsqueeze(0)

    status, message = evaluate("12.1", no_two_pi, "en")
    assert status == "fail" and "2*pi*f*t" in message

    def linspace(f, d, r):
        t = torch.linspace(0, d, int(round(d * r)) + 1)
        return torch.sin(2 * math.pi * f * t).unsqueeze(0)

    status, message = evaluate("12.1", linspace, "en")
    assert status == "fail" and "one too many" in message
    status, message = evaluate("12.1", lambda f, d, r: _sine(f, d, r).double(), "en")
    assert status == "fail" and "float32" in message
    status, message = evaluate("12.1", lambda f, d, r: 0.5 * _sine(f, d, r), "zh")
    assert status == "fail" and "峰值" in message


def _log_mel(waveform, rate):
    mel = T.MelSpectrogram(sample_rate=rate, n_fft=400, hop_length=160, n_mels=40)
    return T.AmplitudeToDB(stype="power", top_db=80)(mel(waveform))


def test_log_mel():
    assert evaluate("12.2", _log_mel, "en")[0] == "pass"

    def mel(waveform, rate, **kwargs):
        options = dict(sample_rate=rate, n_fft=400, hop_length=160, n_mels=40)
        options.update(kwargs)
        return T.MelSpectrogram(**options)(waveform)

    status, message = evaluate("12.2", lambda w, r: torch.log(mel(w, r)), "en")
    assert status == "fail" and "natural log" in message
    status, message = evaluate("12.2", lambda w, r: torch.log(mel(w, r)), "zh")
    assert status == "fail" and "自然对数" in message
    status, message = evaluate("12.2", lambda w, r: mel(w, r), "en")
    assert status == "fail" and "mel power itself" in message
    status, message = evaluate(
        "12.2", lambda w, r: T.AmplitudeToDB(stype="magnitude", top_db=80)(mel(w, r)), "en"
    )
    assert status == "fail" and 'not stype="magnitude"' in message
    status, message = evaluate(
        "12.2", lambda w, r: T.AmplitudeToDB(stype="power", top_db=80)(mel(w, r, power=1.0)), "en"
    )
    assert status == "fail" and "power=1.0" in message
    status, message = evaluate("12.2", lambda w, r: T.AmplitudeToDB(stype="power")(mel(w, r)), "en")
    assert status == "fail" and "top_db=80" in message
    status, message = evaluate("12.2", lambda w, r: _log_mel(w, 16_000), "en")
    assert status == "fail" and "as if the audio were 16 kHz" in message
    status, message = evaluate(
        "12.2", lambda w, r: T.AmplitudeToDB(top_db=80)(mel(w, r, n_mels=128)), "zh"
    )
    assert status == "fail" and "n_mels=40" in message
    status, message = evaluate(
        "12.2", lambda w, r: T.AmplitudeToDB(top_db=80)(mel(w, r, hop_length=200)), "en"
    )
    assert status == "fail" and "hop_length=160" in message


def test_resample():
    assert evaluate("12.3", lambda w, o, n: F.resample(w, o, n), "en")[0] == "pass"
    status, message = evaluate("12.3", lambda w, o, n: w[..., :: max(o // n, 1)], "en")
    assert status == "fail" and "aliasing" in message
    status, message = evaluate("12.3", lambda w, o, n: w[..., :: max(o // n, 1)], "zh")
    assert status == "fail" and "混叠" in message

    def interpolate(w, o, n):
        length = math.ceil(w.shape[-1] * n / o)
        return torch.nn.functional.interpolate(w.unsqueeze(0), size=length, mode="linear").squeeze(0)

    status, message = evaluate("12.3", interpolate, "en")
    assert status == "fail" and "aliasing" in message
    status, message = evaluate("12.3", lambda w, o, n: F.resample(w, n, o), "en")
    assert status == "fail" and "swapped" in message
    status, message = evaluate("12.3", lambda w, o, n: F.resample(w, o, n)[0], "en")
    assert status == "fail" and "keep the channel dimension" in message


def _mask(spec, start, width, value):
    out = spec.clone()
    out[..., start : start + width] = value
    return out


def test_time_mask():
    assert evaluate("12.4", _mask, "en")[0] == "pass"

    def in_place(spec, start, width, value):
        spec[..., start : start + width] = value
        return spec

    status, message = evaluate("12.4", in_place, "en")
    assert status == "fail" and "spec.clone()" in message

    def freq_axis(spec, start, width, value):
        out = spec.clone()
        out[..., start : start + width, :] = value
        return out

    status, message = evaluate("12.4", freq_axis, "en")
    assert status == "fail" and "(..., freq, time)" in message
    status, message = evaluate("12.4", lambda s, a, w, v: _mask(s, a, w + 1, v), "en")
    assert status == "fail" and "one frame too many" in message
    status, message = evaluate("12.4", lambda s, a, w, v: _mask(s, a + 1, w, v), "zh")
    assert status == "fail" and "晚了一帧" in message
    status, message = evaluate("12.4", lambda s, a, w, v: _mask(s, a, w, 0.0), "en")
    assert status == "fail" and "instead of value" in message


def test_wav2vec2_frames():
    assert evaluate("12.5", lambda n: (n - 400) // 320 + 1, "en")[0] == "pass"
    status, message = evaluate("12.5", lambda n: n // 320, "en")
    assert status == "fail" and "receptive field" in message
    status, message = evaluate("12.5", lambda n: (n - 400) // 320, "en")
    assert status == "fail" and "off by one" in message
    status, message = evaluate("12.5", lambda n: (n - 400) // 320, "zh")
    assert status == "fail" and "差了一个" in message
    status, message = evaluate("12.5", lambda n: (n - 400) / 320 + 1, "en")
    assert status == "fail" and "round down" in message
    status, message = evaluate("12.5", lambda n: n // 320 + 1, "en")
    assert status == "fail" and "center=True" in message
    status, message = evaluate("12.5", lambda n: float((n - 400) // 320 + 1), "en")
    assert status == "fail" and "is an int" in message


def test_formula_matches_the_model():
    """The checker's conv-stack arithmetic agrees with torchaudio's real feature extractor."""
    import torchaudio

    from course_utils.checks.ch12_torchaudio import WAV2VEC2_CONVS, conv_stack_frames

    model = torchaudio.models.wav2vec2_base()
    convs = [(b.conv.kernel_size[0], b.conv.stride[0]) for b in model.feature_extractor.conv_layers]
    assert convs == WAV2VEC2_CONVS
    with torch.inference_mode():
        for n in (400, 719, 720, 4_321):
            frames, _ = model.feature_extractor(torch.zeros(1, n), None)
            assert frames.shape[1] == conv_stack_frames(n) == (n - 400) // 320 + 1


def test_stubs_are_not_done():
    assert all(evaluate(i, _stub, "en")[0] == "todo" for i in ("12.1", "12.2", "12.3", "12.4", "12.5"))
