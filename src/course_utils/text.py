"""The course's text corpus: 480 short English sentences about four topics.

The sentences were written for the course and live in ``data/text/topics.tsv``
(regenerate it with ``python data/text/make_corpus.py``). Each row has a split,
a topic and the sentence::

    from course_utils.text import TOPICS, load_corpus
    train = load_corpus("train")     # [(text, label), ...], 320 pairs
    text, label = train[0]
    TOPICS[label]                    # "sports", "food", "technology" or "weather"

Each topic has 80 sentences in ``train``, 20 in ``val`` and 20 in ``test``. Every
sentence is in the file once, so no sentence is in two splits.
"""

from __future__ import annotations

import csv
from pathlib import Path

#: The topic names; a label is an index into this tuple.
TOPICS: tuple[str, ...] = ("sports", "food", "technology", "weather")
SPLITS: tuple[str, ...] = ("train", "val", "test")

#: The TSV file, in the repository's data/ folder (the package is installed with ``pip install -e .``).
CORPUS_PATH = Path(__file__).resolve().parents[2] / "data" / "text" / "topics.tsv"


def read_rows(path: Path = CORPUS_PATH) -> list[dict[str, str]]:
    """Every row of the TSV as a dict with the keys ``split``, ``label`` and ``text`` (chapter 11)."""
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing. It is part of the course repository; run "
                                "`python data/text/make_corpus.py` from the repository root to write it again.")
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file, delimiter="\t", quoting=csv.QUOTE_NONE))


def load_corpus(split: str | None = None, path: Path = CORPUS_PATH) -> list[tuple[str, int]]:
    """``(text, label)`` pairs of one split (``"train"``, ``"val"``, ``"test"``), or of all with ``None`` (chapter 11).

    ``label`` is the index of the topic in ``TOPICS``. The order is the file's
    (already shuffled), so it is the same on every machine.
    """
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS} or None, got {split!r}")
    return [(row["text"], TOPICS.index(row["label"])) for row in read_rows(path) if split in (None, row["split"])]
