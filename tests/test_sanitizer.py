"""Every pattern in tests/nbval_sanitize.cfg is read by nbval and changes its example."""

from __future__ import annotations

import re
from pathlib import Path

from nbval.plugin import get_sanitize_patterns

CFG = Path(__file__).resolve().parent / "nbval_sanitize.cfg"


def examples_and_patterns(text: str) -> list[tuple[str, str, str]]:
    """(example, regex, replace) for each section, read leniently so nothing is missed."""
    found = []
    for section in re.split(r"^\[.*\]$", text, flags=re.MULTILINE)[1:]:
        example = re.search(r"^# example: (.*)$", section, re.MULTILINE)
        regex = re.search(r"^regex: ?(.*)$", section, re.MULTILINE)
        replace = re.search(r"^replace: ?(.*)$", section, re.MULTILINE)
        found.append((example and example.group(1), regex and regex.group(1), replace and replace.group(1)))
    return found


def problems(text: str) -> list[str]:
    read_by_nbval = get_sanitize_patterns(text)
    sections = examples_and_patterns(text)
    found = []
    if len(read_by_nbval) != len(sections):
        found.append(f"nbval reads {len(read_by_nbval)} patterns but the file has {len(sections)} sections")
    if len({regex for regex, _ in read_by_nbval}) != len(read_by_nbval):
        found.append("two sections share a regex (nbval keeps only one)")
    for example, regex, replace in sections:
        if not (example and regex and replace is not None):
            found.append(f"section with regex {regex!r} lacks an example, a regex or a replace line")
            continue
        if (regex, replace) not in read_by_nbval:
            found.append(f"nbval does not read {regex!r}")
        sanitized = re.sub(regex, replace, example)
        if sanitized == example or replace not in sanitized:
            found.append(f"{regex!r} does not change its example {example!r}")
    return found


def test_every_pattern_takes_effect():
    assert problems(CFG.read_text(encoding="utf-8")) == []
    assert len(get_sanitize_patterns(CFG.read_text(encoding="utf-8"))) >= 4


def test_a_malformed_pattern_is_caught():
    text = CFG.read_text(encoding="utf-8")
    blank_line_between = text.replace("regex: 0x[0-9a-fA-F]{6,16}\n", "regex: 0x[0-9a-fA-F]{6,16}\n\n", 1)
    assert any("nbval reads" in p for p in problems(blank_line_between))
    useless = text.replace("regex: 0x[0-9a-fA-F]{6,16}", "regex: 0X[0-9]{40}", 1)
    assert any("does not change its example" in p for p in problems(useless))


def test_sanitized_outputs_still_compare_real_values():
    patterns = get_sanitize_patterns(CFG.read_text(encoding="utf-8"))

    def sanitize(s: str) -> str:
        for regex, replace in patterns:
            s = re.sub(regex, replace, s)
        return s

    assert sanitize("loss = 0.2899") == "loss = 0.2899"
    assert sanitize("tensor([5, 7, 9])") == "tensor([5, 7, 9])"
    assert sanitize("took 0.52 s") == sanitize("took 1.93 s")
