"""The chapter map (spec section 3): every slug, and which chapters have landed."""

from __future__ import annotations

EDITIONS = ("zh", "en")

#: Every chapter of the course, in order, with whether it is written yet.
CHAPTERS: dict[str, bool] = {
    "00_how_to_use": True,
    "01_what_is_pytorch": True,
    "02_installation": True,
    "03_tensors": True,
    "04_gpu": True,
    "05_autograd": True,
    "06_nn": True,
    "07_optim": True,
    "08_data": True,
    "09_training": True,
    "10_torchvision": True,
    "11_text": True,
    "12_torchaudio": True,
    "13_torchscript_export": True,
    "14_distributed": True,
    "15_profiler": True,
    "16_onnx": True,
}

#: The three folders every written chapter has a notebook in, per edition.
KINDS = ("notebooks", "exercises", "solutions")


def ready_chapters() -> list[str]:
    """The chapters that are written, in order."""
    return [slug for slug, ready in CHAPTERS.items() if ready]
