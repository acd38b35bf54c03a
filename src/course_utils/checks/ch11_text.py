"""Checks for 11_text: tokenize, vocabulary, numericalize, a sorted collate, EmbeddingBag offsets."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from .engine import checker
from .vocabulary import (
    Mistake,
    diagnose,
    expect_callable,
    expect_returned,
    fail,
    generator,
    is_tensor,
    same,
)

PAD, UNK = "<pad>", "<unk>"

#: A symptom of a wrong list answer: ``(holds(got, want, *inputs), en hint, zh hint)``.
Symptom = tuple[Callable[..., bool], str, str]


def _explain(got: list, want: list, symptoms: Sequence[Symptom], call: str, *inputs: Any) -> None:
    """Pass if ``got == want``; otherwise show both, with the hint of the first symptom that holds."""
    if got == want:
        return
    for holds, en, zh in symptoms:
        if holds(got, want, *inputs):
            fail(call, f"expected {want}, got {got}. {en}", f"应为 {want}，实际得到 {got}。{zh}")
    fail(call, f"expected {want}, got {got}.", f"应为 {want}，实际得到 {got}。")


def _as_list(got: Any, call: str, what_en: str, what_zh: str) -> list:
    """A list or tuple (not a string) as a list; anything else fails."""
    if isinstance(expect_returned(got, call), str) or not isinstance(got, (list, tuple)):
        fail(call, f"should return a list of {what_en}, got a {type(got).__name__}.",
             f"应返回{what_zh}列表，实际得到 {type(got).__name__}。")
    return list(got)


# ---------------------------------------------------------------- 11.1 tokenize

def reference_tokenize(text: str) -> list[str]:
    """Lower-case; words keep their apostrophes; other symbols are tokens; digit runs become <num>."""
    return ["<num>" if t.isdigit() else t for t in re.findall(r"[a-z0-9']+|[^\sa-z0-9']", text.lower())]


TOKENIZE_CASES = (
    "The striker scored 2 goals!",
    "Don't PANIC: it's only   rain.",
    "My phone (an old one) died at 15%...",
    "Wi-Fi works, 24/7?",
)


def _words(tokens: list[str]) -> list[str]:
    return [t for t in tokens if t.isalnum() or t == "<num>"]


TOKENIZE_SYMPTOMS: list[Symptom] = [
    (lambda got, want: any(t != t.lower() for t in got),
     "Some tokens still have capitals: lower-case the text first, so that 'The' and 'the' become the same token.",
     "有的词元还带大写字母：先把文本转成小写，'The' 和 'the' 才是同一个词元。"),
    (lambda got, want: any(len(t) > 1 and re.search(r"[^\w'<>]", t) for t in got),
     "Punctuation is stuck to words (like 'goals!'): text.split() only splits on spaces. Make every punctuation "
     "mark a token of its own, for example with re.findall.",
     "标点粘在了词上（比如 'goals!'）：text.split() 只按空格切。让每个标点自成一个词元，比如用 re.findall。"),
    (lambda got, want: any(t.isdigit() for t in got),
     "Numbers should become the token '<num>': replace every token made only of digits (str.isdigit()).",
     "数字应变成词元 '<num>'：把只由数字组成的词元（str.isdigit()）替换掉。"),
    (lambda got, want: "'" in got or any(t in ("don", "it") for t in got),
     "Apostrophes belong to the word: \"don't\" and \"it's\" are one token each. Let the word pattern include "
     "the apostrophe, e.g. [a-z0-9']+.",
     "撇号属于单词：\"don't\" 和 \"it's\" 各是一个词元。让单词的模式包含撇号，比如 [a-z0-9']+。"),
    (lambda got, want: _words(got) == _words(want),
     "Punctuation was dropped: keep each mark ('!', ':', '(', ...) as its own token; '?' and '!' carry meaning.",
     "标点被丢掉了：每个标点（'!'、':'、'(' ……）都要保留为一个词元；'?' 和 '!' 是有意义的。"),
    (lambda got, want: "" in got or " " in got,
     "There are empty or blank tokens: several spaces in a row must not produce tokens.",
     "出现了空的词元：连续的多个空格不应产生词元。"),
]


@checker("11.1")
def check_tokenize(tokenize: Callable) -> None:
    expect_callable(tokenize)
    for text in TOKENIZE_CASES:
        call = f"tokenize({text!r})"
        got = _as_list(tokenize(text), call, "strings", "字符串")
        _explain(got, reference_tokenize(text), TOKENIZE_SYMPTOMS, call)


# ---------------------------------------------------------------- 11.2 build_vocab

def reference_build_vocab(token_lists: list[list[str]], min_freq: int) -> list[str]:
    """<pad>, <unk>, then tokens seen at least min_freq times: most frequent first, ties alphabetical."""
    counts = Counter(token for tokens in token_lists for token in tokens)
    kept = sorted((t for t, c in counts.items() if c >= min_freq), key=lambda t: (-counts[t], t))
    return [PAD, UNK] + kept


VOCAB_CORPUS = [
    ["the", "match", "was", "great", "!"],
    ["the", "rain", "stopped", "the", "match"],
    ["rain", "again", "!"],
    ["the", "coffee", "was", "great"],
    ["a", "storm", "and", "rain", "and", "wind"],
]
COUNTS = Counter(t for tokens in VOCAB_CORPUS for t in tokens)
SENTENCES_WITH = Counter(t for tokens in VOCAB_CORPUS for t in set(tokens))


def _kept(got: list[str]) -> set[str]:
    return set(got) - {PAD, UNK}


VOCAB_SYMPTOMS: list[Symptom] = [
    (lambda got, want, min_freq: got[:2] != [PAD, UNK],
     "The specials come first: '<pad>' at index 0 and '<unk>' at index 1, so padding is id 0 and every unknown "
     "word is id 1, whatever the corpus.",
     "特殊词元排在最前：'<pad>' 在下标 0，'<unk>' 在下标 1，这样无论语料是什么，补齐都是 0，未知词都是 1。"),
    (lambda got, want, min_freq: len(set(got)) != len(got),
     "A token appears twice; each token must have exactly one index.",
     "有词元出现了两次；每个词元只能有一个下标。"),
    (lambda got, want, min_freq: _kept(got) == {t for t, c in COUNTS.items() if c > min_freq},
     "Tokens seen exactly min_freq times are missing: keep a token when its count is >= min_freq, not > min_freq.",
     "恰好出现 min_freq 次的词元不见了：计数 >= min_freq 就要保留，而不是 > min_freq。"),
    (lambda got, want, min_freq: _kept(got) == {t for t, c in SENTENCES_WITH.items() if c >= min_freq} != _kept(want),
     "You counted in how many sentences a token occurs; count every occurrence (a Counter over all tokens of all "
     "sentences).",
     "你数的是词元出现在几个句子里；应数它出现的总次数（对所有句子的所有词元用 Counter）。"),
    (lambda got, want, min_freq: set(got) == set(want),
     "The right tokens, in the wrong order: most frequent first, and tokens with the same count in alphabetical "
     "order (sort with key=lambda t: (-counts[t], t)).",
     "词元对了，顺序不对：出现次数多的在前，次数相同的按字母顺序（排序时用 key=lambda t: (-counts[t], t)）。"),
]


@checker("11.2")
def check_build_vocab(build_vocab: Callable) -> None:
    expect_callable(build_vocab)
    for min_freq in (2, 1, 3):
        call = f"build_vocab(token_lists, min_freq={min_freq})"
        got = expect_returned(build_vocab([list(t) for t in VOCAB_CORPUS], min_freq), call)
        if isinstance(got, dict):
            fail(call, "returned a dict; return the list of tokens (index -> token, 'itos'). "
                 "The dict token -> index is {t: i for i, t in enumerate(itos)}.",
                 "返回了字典；请返回词元列表（下标 -> 词元，即 'itos'）。"
                 "词元 -> 下标的字典可以用 {t: i for i, t in enumerate(itos)} 得到。")
        got = _as_list(got, call, "tokens", "词元")
        _explain(got, reference_build_vocab(VOCAB_CORPUS, min_freq), VOCAB_SYMPTOMS, call, min_freq)


# ---------------------------------------------------------------- 11.3 numericalize

NUM_ITOS = [PAD, UNK, "the", "rain", "match", "!", "was"]
NUM_STOI = {t: i for i, t in enumerate(NUM_ITOS)}



def _unknown(tokens: list[str]) -> list[int]:
    """Positions of the tokens that are not in the vocabulary."""
    return [i for i, t in enumerate(tokens) if t not in NUM_STOI]


NUMERICALIZE_SYMPTOMS: list[Symptom] = [
    (lambda got, want, tokens: bool(_unknown(tokens)) and len(got) == len(want)
     and all(got[i] == NUM_STOI[PAD] for i in _unknown(tokens)),
     "Unknown words got id 0, which is '<pad>': the model would treat them as padding. "
     "Use the id of '<unk>' (stoi['<unk>']).",
     "未知词得到了编号 0，那是 '<pad>'：模型会把它们当成补齐。请用 '<unk>' 的编号（stoi['<unk>']）。"),
    (lambda got, want, tokens: len(got) < len(want),
     "Unknown words were dropped; keep one id per token and use '<unk>' for the unknown ones, so the length stays "
     "the same.",
     "未知词被丢掉了；每个词元都要有一个编号，未知的用 '<unk>'，长度保持不变。"),
]


@checker("11.3")
def check_numericalize(numericalize: Callable) -> None:
    expect_callable(numericalize)
    for tokens in (["the", "match", "was", "cancelled", "!"], ["snow", "again"], ["rain"]):
        call = f"numericalize({tokens}, stoi)"
        try:
            got = expect_returned(numericalize(list(tokens), dict(NUM_STOI)), call)
        except KeyError as error:
            fail(call, f"raised KeyError {error}: a word that is not in the vocabulary must become the id of '<unk>'. "
                 "Use stoi.get(token, stoi['<unk>']).",
                 f"抛出了 KeyError {error}：词表里没有的词要变成 '<unk>' 的编号。用 stoi.get(token, stoi['<unk>'])。")
        if not is_tensor(got):
            fail(call, f"should return a tensor, got a {type(got).__name__}. "
                 "Wrap the ids: torch.tensor(ids, dtype=torch.long).",
                 f"应返回张量，实际得到 {type(got).__name__}。把编号包起来：torch.tensor(ids, dtype=torch.long)。")
        if got.dtype != torch.int64:
            fail(call, f"returned a {got.dtype} tensor; nn.Embedding needs integer ids of dtype torch.long (int64).",
                 f"返回的是 {got.dtype} 张量；nn.Embedding 要的是 torch.long（int64）类型的整数编号。")
        want = [NUM_STOI.get(t, NUM_STOI[UNK]) for t in tokens]
        _explain(got.tolist(), want, NUMERICALIZE_SYMPTOMS, call, tokens)


# ---------------------------------------------------------------- 11.4 collate for an RNN

def _id_batch(lengths: list[int], seed: int) -> list[tuple[torch.Tensor, int]]:
    g = generator(seed)
    # ids in [2, 50): never 0 (<pad>) or 1 (<unk>), so padding is easy to spot
    return [(torch.randint(2, 50, (n,), generator=g), k % 4) for k, n in enumerate(lengths)]


def _check_sorted_collate(collate: Callable, lengths: list[int], seed: int) -> None:
    batch = _id_batch(lengths, seed)
    call = f"collate_sorted(a batch with lengths {lengths})"
    result = expect_returned(collate([(ids.clone(), y) for ids, y in batch]), call)
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        fail(call, "should return a tuple (padded, lengths, labels).", "应返回元组 (padded, lengths, labels)。")
    if not all(is_tensor(t) for t in result):
        kinds = [type(t).__name__ for t in result]
        fail(call, f"padded, lengths and labels should all be tensors, got {kinds}.",
             f"padded、lengths 和 labels 都应是张量，实际得到 {kinds}。")
    padded, got_lengths, labels = result
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    size, longest, shape = len(lengths), max(lengths), tuple(padded.shape)
    if shape == (longest, size) and longest != size:
        fail(call, f"padded has shape {shape}, that is (T, B). Pass batch_first=True to pad_sequence.",
             f"padded 的形状是 {shape}，即 (T, B)。给 pad_sequence 加上 batch_first=True。")
    if shape != (size, longest):
        fail(call, f"padded should have shape ({size}, {longest}), got {shape}.",
             f"padded 的形状应为 ({size}, {longest})，实际是 {shape}。")
    if padded.dtype != torch.int64:
        fail(call, f"padded is {padded.dtype}; token ids must stay torch.long for nn.Embedding.",
             f"padded 是 {padded.dtype}；词元编号要保持 torch.long，nn.Embedding 才能用。")
    got, want = got_lengths.tolist(), [lengths[i] for i in order]
    if sorted(got) == sorted(lengths) and got != want:
        fail(call, f"lengths are {got}, not in decreasing order. pack_padded_sequence with enforce_sorted=True needs "
             "the longest sequence first: sort the batch by length (descending) before padding.",
             f"lengths 是 {got}，不是从大到小。enforce_sorted=True 时 pack_padded_sequence "
             "要求最长的序列在前：补齐之前先按长度从大到小给批次排序。")
    if got != want:
        fail(call, f"lengths should be {want} (sorted, longest first), got {got}.",
             f"lengths 应为 {want}（排好序，最长的在前），实际是 {got}。")
    if got_lengths.dtype != torch.int64:
        fail(call, f"lengths is {got_lengths.dtype}; make it an int64 tensor (pack_padded_sequence wants int64 "
             "lengths on the CPU).",
             f"lengths 是 {got_lengths.dtype}；应是 int64 张量（pack_padded_sequence 要 CPU 上的 int64 长度）。")
    for row, (ids, _) in enumerate(batch[i] for i in order):
        n = len(ids)
        if not torch.equal(padded[row, :n], ids):
            fail(call, f"row {row} of padded should be the sequence of length {n}. Sort the sequences themselves, "
                 "not only the lengths.",
                 f"padded 的第 {row} 行应是长度为 {n} 的那条序列。要给序列本身排序，不能只排长度。")
        if n < longest and not torch.all(padded[row, n:] == 0):
            fail(call, f"the padding in row {row} is {padded[row, n:].tolist()}, not 0. Pad with the id of '<pad>', "
                 "which is 0: pad_sequence(..., padding_value=0).",
                 f"第 {row} 行的补齐是 {padded[row, n:].tolist()}，不是 0。用 '<pad>' 的编号 0 补齐："
                 "pad_sequence(..., padding_value=0)。")
    got, want = labels.tolist(), [batch[i][1] for i in order]
    if got == [y for _, y in batch] and got != want:
        fail(call, f"labels are {got}, still in the original order, but the sequences were sorted: "
             f"each label must move with its sentence (expected {want}).",
             f"labels 是 {got}，还是原来的顺序，可序列已经重新排过了：标签要跟着它的句子一起移动（应为 {want}）。")
    if got != want or labels.dtype != torch.int64:
        fail(call, f"labels should be the int64 tensor {want}, got {got} ({labels.dtype}).",
             f"labels 应为 int64 张量 {want}，实际是 {got}（{labels.dtype}）。")
    pack_padded_sequence(padded, got_lengths, batch_first=True, enforce_sorted=True)


@checker("11.4")
def check_collate_sorted(collate_sorted: Callable) -> None:
    expect_callable(collate_sorted)
    for lengths, seed in (([3, 6, 2, 5], 114), ([4, 4, 7], 115), ([5], 116)):
        _check_sorted_collate(collate_sorted, lengths, seed)


# ---------------------------------------------------------------- 11.5 EmbeddingBag offsets

def _ends(lengths: list[int]) -> list[int]:
    return [sum(lengths[: k + 1]) for k in range(len(lengths))]


OFFSETS = "offsets should be {want}, got {got}: ", "offsets 应为 {want}，实际是 {got}："
#: Wrong offsets, from the sequences' lengths.
OFFSET_MISTAKES = [
    Mistake(_ends, OFFSETS[0] + "these are where each sequence ENDS (a cumulative sum of the lengths). Offsets are "
            "where each one STARTS: shift by one and begin with 0.",
            OFFSETS[1] + "这是每条序列**结束**的位置（长度的累加和）。offsets 是每条序列**开始**的位置：错开一位，从 0 开始。"),
    Mistake(lambda lengths: [0] + _ends(lengths),
            OFFSETS[0] + "there is one offset too many: the last one (the total length) is only wanted with "
            "include_last_offset=True. One offset per sequence, the start of each.",
            OFFSETS[1] + "多了一个 offset：最后那个（总长度）只有在 include_last_offset=True 时才需要。"
            "每条序列一个 offset，即它的起点。"),
    Mistake(lambda lengths: lengths, OFFSETS[0] + "these are the lengths. Offsets are the start positions: 0, then running sums of "
            "the lengths.", OFFSETS[1] + "这是长度。offsets 是起点：0，然后是长度的累加和。"),
]


@checker("11.5")
def check_bag_inputs(bag_inputs: Callable) -> None:
    expect_callable(bag_inputs)
    g = generator(115)
    bag = nn.EmbeddingBag(50, 3, mode="mean")
    with torch.no_grad():
        bag.weight.copy_(torch.randn(50, 3, generator=g))
    for lengths in ([3, 1, 4], [2, 5], [6]):
        seqs = [torch.randint(0, 50, (n,), generator=g) for n in lengths]
        call = f"bag_inputs(sequences with lengths {lengths})"
        result = expect_returned(bag_inputs([s.clone() for s in seqs]), call)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            fail(call, "should return a tuple (flat, offsets).", "应返回元组 (flat, offsets)。")
        flat, offsets = result
        if not is_tensor(flat) or not torch.equal(flat, torch.cat(seqs)):
            fail(call, f"flat should be all ids one after another, torch.cat(sequences) (shape ({sum(lengths)},)).",
                 f"flat 应是把所有编号首尾相接，即 torch.cat(sequences)（形状 ({sum(lengths)},)）。")
        if not is_tensor(offsets):
            fail(call, f"offsets should be an int64 tensor, got a {type(offsets).__name__}.",
                 f"offsets 应是 int64 张量，实际得到 {type(offsets).__name__}。")
        want, got = [0] + _ends(lengths)[:-1], offsets.tolist()
        diagnose(got, want, OFFSET_MISTAKES, call, lengths, want=want, got=got,
                 otherwise=(OFFSETS[0] + "offsets[k] is where sequence k starts in flat.",
                            OFFSETS[1] + "offsets[k] 是第 k 条序列在 flat 里开始的位置。"))
        if offsets.dtype != torch.int64:
            fail(call, f"offsets is {offsets.dtype}; nn.EmbeddingBag wants int64 offsets (same dtype as the ids).",
                 f"offsets 是 {offsets.dtype}；nn.EmbeddingBag 要 int64 的 offsets（与编号同类型）。")
        with torch.no_grad():
            if not same(bag(flat, offsets), torch.stack([bag.weight[s].mean(dim=0) for s in seqs]), atol=1e-6):
                fail(call, "EmbeddingBag(flat, offsets) does not give the mean embedding of each sequence.",
                     "EmbeddingBag(flat, offsets) 没有给出每条序列的平均嵌入。")
