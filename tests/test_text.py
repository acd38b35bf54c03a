"""The text corpus: its loader, its balance, and the script that writes it."""

import importlib.util
import subprocess
import sys
from collections import Counter

import pytest

from course_utils.text import CORPUS_PATH, SPLITS, TOPICS, load_corpus, read_rows

SCRIPT = CORPUS_PATH.parent / "make_corpus.py"


def test_loader_returns_text_and_label_pairs():
    train = load_corpus("train")
    assert len(train) == 320
    text, label = train[0]
    assert isinstance(text, str) and text
    assert isinstance(label, int) and 0 <= label < len(TOPICS)
    assert len(load_corpus()) == 480
    assert load_corpus("train") == train  # the same order on every call


def test_loader_rejects_an_unknown_split():
    with pytest.raises(ValueError, match="split must be one of"):
        load_corpus("training")


def test_loader_says_how_to_regenerate_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="make_corpus.py"):
        load_corpus("train", path=tmp_path / "missing.tsv")


def test_labels_are_balanced_in_every_split():
    sizes = {"train": 80, "val": 20, "test": 20}
    for split in SPLITS:
        counts = Counter(label for _, label in load_corpus(split))
        assert counts == {label: sizes[split] for label in range(len(TOPICS))}, split


def test_splits_do_not_share_sentences():
    texts = {split: {t.lower() for t, _ in load_corpus(split)} for split in SPLITS}
    assert not texts["train"] & texts["val"]
    assert not texts["train"] & texts["test"]
    assert not texts["val"] & texts["test"]


def test_every_hand_written_sentence_is_one_row_with_its_own_topic():
    spec = importlib.util.spec_from_file_location("make_corpus", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    written = {
        (text, topic)
        for topic, block in zip(script.TOPICS, (script.SPORTS, script.FOOD, script.TECHNOLOGY, script.WEATHER))
        for text in script.sentences(block)
    }
    in_file = [(row["text"], row["label"]) for row in read_rows()]
    assert len(in_file) == len(set(in_file)) == len(written) == 480
    assert set(in_file) == written


def test_file_is_plain_tab_separated_utf8():
    raw = CORPUS_PATH.read_bytes()
    assert raw.decode("utf-8").isascii()
    assert b"\r" not in raw and raw.endswith(b"\n")
    rows = read_rows()
    assert list(rows[0]) == ["split", "label", "text"]
    assert {row["label"] for row in rows} == set(TOPICS)


def test_script_reproduces_the_committed_file_byte_for_byte(tmp_path):
    # run a copy of the script elsewhere, so the committed file is never touched
    copy = tmp_path / "make_corpus.py"
    copy.write_text(SCRIPT.read_text(encoding="utf-8"), encoding="utf-8")
    subprocess.run([sys.executable, str(copy)], check=True, capture_output=True)
    assert (tmp_path / "topics.tsv").read_bytes() == CORPUS_PATH.read_bytes()


def test_script_check_mode_passes_on_the_committed_file():
    result = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
