"""Checks for 11_text: tokenize, vocabulary, numericalize, a sorted collate, EmbeddingBag offsets."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from .core import CheckFailed, exercise
from .helpers import expect_callable, expect_returned, generator

CHAPTER = "11_text"
PAD, UNK = "<pad>", "<unk>"


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


@exercise("11.1", CHAPTER, "tokenize a sentence", "把句子切成词元")
def check_tokenize(tokenize: Callable) -> None:
    expect_callable(tokenize)
    for text in TOKENIZE_CASES:
        call = f"tokenize({text!r})"
        got = expect_returned(tokenize(text), call)
        want = reference_tokenize(text)
        if isinstance(got, str) or not isinstance(got, (list, tuple)):
            raise CheckFailed(
                f"{call} should return a list of strings, got a {type(got).__name__}.",
                f"{call} 应返回字符串列表，实际得到 {type(got).__name__}。",
            )
        got = list(got)
        if got == want:
            continue
        show = f"expected {want}, got {got}"
        show_zh = f"应为 {want}，实际得到 {got}"
        if any(t != t.lower() for t in got):
            raise CheckFailed(
                f"{call}: {show}. Some tokens still have capitals: lower-case the text first, so that "
                "'The' and 'the' become the same token.",
                f"{call}：{show_zh}。有的词元还带大写字母：先把文本转成小写，'The' 和 'the' 才是同一个词元。",
            )
        if any(len(t) > 1 and re.search(r"[^\w'<>]", t) for t in got):
            raise CheckFailed(
                f"{call}: {show}. Punctuation is stuck to words (like 'goals!'): text.split() only splits on "
                "spaces. Make every punctuation mark a token of its own, for example with re.findall.",
                f"{call}：{show_zh}。标点粘在了词上（比如 'goals!'）：text.split() 只按空格切。"
                "让每个标点自成一个词元，比如用 re.findall。",
            )
        if any(t.isdigit() for t in got):
            raise CheckFailed(
                f"{call}: {show}. Numbers should become the token '<num>': replace every token made only of "
                "digits (str.isdigit()).",
                f"{call}：{show_zh}。数字应变成词元 '<num>'：把只由数字组成的词元（str.isdigit()）替换掉。",
            )
        if "'" in got or any(t in ("don", "it") for t in got):
            raise CheckFailed(
                f"{call}: {show}. Apostrophes belong to the word: \"don't\" and \"it's\" are one token each. "
                "Let the word pattern include the apostrophe, e.g. [a-z0-9']+.",
                f"{call}：{show_zh}。撇号属于单词：\"don't\" 和 \"it's\" 各是一个词元。"
                "让单词的模式包含撇号，比如 [a-z0-9']+。",
            )
        if [t for t in got if t.isalnum() or t == "<num>"] == [t for t in want if t.isalnum() or t == "<num>"]:
            raise CheckFailed(
                f"{call}: {show}. Punctuation was dropped: keep each mark ('!', ':', '(', ...) as its own token; "
                "'?' and '!' carry meaning.",
                f"{call}：{show_zh}。标点被丢掉了：每个标点（'!'、':'、'(' ……）都要保留为一个词元；'?' 和 '!' 是有意义的。",
            )
        if "" in got or " " in got:
            raise CheckFailed(
                f"{call}: {show}. There are empty or blank tokens: several spaces in a row must not produce tokens.",
                f"{call}：{show_zh}。出现了空的词元：连续的多个空格不应产生词元。",
            )
        raise CheckFailed(f"{call}: {show}.", f"{call}：{show_zh}。")


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


@exercise("11.2", CHAPTER, "build a vocabulary", "建立词表")
def check_build_vocab(build_vocab: Callable) -> None:
    expect_callable(build_vocab)
    for min_freq in (2, 1, 3):
        call = f"build_vocab(token_lists, min_freq={min_freq})"
        got = expect_returned(build_vocab([list(t) for t in VOCAB_CORPUS], min_freq), call)
        want = reference_build_vocab(VOCAB_CORPUS, min_freq)
        if isinstance(got, dict):
            raise CheckFailed(
                f"{call} returned a dict; return the list of tokens (index -> token, 'itos'). "
                "The dict token -> index is {t: i for i, t in enumerate(itos)}.",
                f"{call} 返回了字典；请返回词元列表（下标 -> 词元，即 'itos'）。"
                "词元 -> 下标的字典可以用 {t: i for i, t in enumerate(itos)} 得到。",
            )
        if not isinstance(got, (list, tuple)):
            raise CheckFailed(
                f"{call} should return a list of tokens, got a {type(got).__name__}.",
                f"{call} 应返回词元列表，实际得到 {type(got).__name__}。",
            )
        got = list(got)
        if got == want:
            continue
        show, show_zh = f"expected {want}, got {got}", f"应为 {want}，实际得到 {got}"
        if got[:2] != [PAD, UNK]:
            raise CheckFailed(
                f"{call}: {show}. The specials come first: '<pad>' at index 0 and '<unk>' at index 1, "
                "so padding is id 0 and every unknown word is id 1, whatever the corpus.",
                f"{call}：{show_zh}。特殊词元排在最前：'<pad>' 在下标 0，'<unk>' 在下标 1，"
                "这样无论语料是什么，补齐都是 0，未知词都是 1。",
            )
        if len(set(got)) != len(got):
            raise CheckFailed(
                f"{call}: {show}. A token appears twice; each token must have exactly one index.",
                f"{call}：{show_zh}。有词元出现了两次；每个词元只能有一个下标。",
            )
        counts = Counter(t for tokens in VOCAB_CORPUS for t in tokens)
        if set(got) - {PAD, UNK} == {t for t, c in counts.items() if c > min_freq}:
            raise CheckFailed(
                f"{call}: {show}. Tokens seen exactly min_freq times are missing: keep a token when its count is "
                ">= min_freq, not > min_freq.",
                f"{call}：{show_zh}。恰好出现 min_freq 次的词元不见了：计数 >= min_freq 就要保留，而不是 > min_freq。",
            )
        docs = Counter(t for tokens in VOCAB_CORPUS for t in set(tokens))
        if set(got) - {PAD, UNK} == {t for t, c in docs.items() if c >= min_freq} != set(want) - {PAD, UNK}:
            raise CheckFailed(
                f"{call}: {show}. You counted in how many sentences a token occurs; count every occurrence "
                "(a Counter over all tokens of all sentences).",
                f"{call}：{show_zh}。你数的是词元出现在几个句子里；应数它出现的总次数（对所有句子的所有词元用 Counter）。",
            )
        if set(got) == set(want):
            raise CheckFailed(
                f"{call}: {show}. The right tokens, in the wrong order: most frequent first, and tokens with the "
                "same count in alphabetical order (sort with key=lambda t: (-counts[t], t)).",
                f"{call}：{show_zh}。词元对了，顺序不对：出现次数多的在前，次数相同的按字母顺序"
                "（排序时用 key=lambda t: (-counts[t], t)）。",
            )
        raise CheckFailed(f"{call}: {show}.", f"{call}：{show_zh}。")


# ---------------------------------------------------------------- 11.3 numericalize

NUM_ITOS = [PAD, UNK, "the", "rain", "match", "!", "was"]
NUM_STOI = {t: i for i, t in enumerate(NUM_ITOS)}


@exercise("11.3", CHAPTER, "turn tokens into ids", "把词元变成编号")
def check_numericalize(numericalize: Callable) -> None:
    expect_callable(numericalize)
    cases = (["the", "match", "was", "cancelled", "!"], ["snow", "again"], ["rain"])
    for tokens in cases:
        call = f"numericalize({tokens}, stoi)"
        want = [NUM_STOI.get(t, NUM_STOI[UNK]) for t in tokens]
        try:
            got = expect_returned(numericalize(list(tokens), dict(NUM_STOI)), call)
        except KeyError as error:
            raise CheckFailed(
                f"{call} raised KeyError {error}: a word that is not in the vocabulary must become the id of "
                "'<unk>'. Use stoi.get(token, stoi['<unk>']).",
                f"{call} 抛出了 KeyError {error}：词表里没有的词要变成 '<unk>' 的编号。用 stoi.get(token, stoi['<unk>'])。",
            ) from None
        if not isinstance(got, torch.Tensor):
            raise CheckFailed(
                f"{call} should return a tensor, got a {type(got).__name__}. "
                "Wrap the ids: torch.tensor(ids, dtype=torch.long).",
                f"{call} 应返回张量，实际得到 {type(got).__name__}。把编号包起来：torch.tensor(ids, dtype=torch.long)。",
            )
        if got.dtype != torch.int64:
            raise CheckFailed(
                f"{call} returned a {got.dtype} tensor; nn.Embedding needs integer ids of dtype torch.long (int64).",
                f"{call} 返回的是 {got.dtype} 张量；nn.Embedding 要的是 torch.long（int64）类型的整数编号。",
            )
        got_ids = got.tolist()
        if got_ids == want:
            continue
        unknown = [i for i, t in enumerate(tokens) if t not in NUM_STOI]
        if unknown and len(got_ids) == len(want) and all(got_ids[i] == NUM_STOI[PAD] for i in unknown):
            raise CheckFailed(
                f"{call}: expected {want}, got {got_ids}. Unknown words got id 0, which is '<pad>': the model would "
                "treat them as padding. Use the id of '<unk>' (stoi['<unk>']).",
                f"{call}：应为 {want}，实际得到 {got_ids}。未知词得到了编号 0，那是 '<pad>'：模型会把它们当成补齐。"
                "请用 '<unk>' 的编号（stoi['<unk>']）。",
            )
        if len(got_ids) < len(want):
            raise CheckFailed(
                f"{call}: expected {want}, got {got_ids}. Unknown words were dropped; keep one id per token and "
                "use '<unk>' for the unknown ones, so the length stays the same.",
                f"{call}：应为 {want}，实际得到 {got_ids}。未知词被丢掉了；每个词元都要有一个编号，未知的用 '<unk>'，长度保持不变。",
            )
        raise CheckFailed(f"{call}: expected {want}, got {got_ids}.", f"{call}：应为 {want}，实际得到 {got_ids}。")


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
        raise CheckFailed(
            f"{call} should return a tuple (padded, lengths, labels).",
            f"{call} 应返回元组 (padded, lengths, labels)。",
        )
    padded, got_lengths, labels = result
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    size, longest = len(lengths), max(lengths)
    if not all(isinstance(t, torch.Tensor) for t in result):
        raise CheckFailed(
            f"{call}: padded, lengths and labels should all be tensors, got "
            f"{[type(t).__name__ for t in result]}.",
            f"{call}：padded、lengths 和 labels 都应是张量，实际得到 {[type(t).__name__ for t in result]}。",
        )
    if tuple(padded.shape) == (longest, size) and longest != size:
        raise CheckFailed(
            f"{call}: padded has shape {tuple(padded.shape)}, that is (T, B). Pass batch_first=True to pad_sequence.",
            f"{call}：padded 的形状是 {tuple(padded.shape)}，即 (T, B)。给 pad_sequence 加上 batch_first=True。",
        )
    if tuple(padded.shape) != (size, longest):
        raise CheckFailed(
            f"{call}: padded should have shape ({size}, {longest}), got {tuple(padded.shape)}.",
            f"{call}：padded 的形状应为 ({size}, {longest})，实际是 {tuple(padded.shape)}。",
        )
    if padded.dtype != torch.int64:
        raise CheckFailed(
            f"{call}: padded is {padded.dtype}; token ids must stay torch.long for nn.Embedding.",
            f"{call}：padded 是 {padded.dtype}；词元编号要保持 torch.long，nn.Embedding 才能用。",
        )
    got_lengths_list = got_lengths.tolist()
    if sorted(got_lengths_list) == sorted(lengths) and got_lengths_list != sorted(lengths, reverse=True):
        raise CheckFailed(
            f"{call}: lengths are {got_lengths_list}, not in decreasing order. pack_padded_sequence with "
            "enforce_sorted=True needs the longest sequence first: sort the batch by length (descending) "
            "before padding.",
            f"{call}：lengths 是 {got_lengths_list}，不是从大到小。enforce_sorted=True 时 pack_padded_sequence "
            "要求最长的序列在前：补齐之前先按长度从大到小给批次排序。",
        )
    if got_lengths_list != [lengths[i] for i in order]:
        raise CheckFailed(
            f"{call}: lengths should be {[lengths[i] for i in order]} (sorted, longest first), got {got_lengths_list}.",
            f"{call}：lengths 应为 {[lengths[i] for i in order]}（排好序，最长的在前），实际是 {got_lengths_list}。",
        )
    if got_lengths.dtype != torch.int64:
        raise CheckFailed(
            f"{call}: lengths is {got_lengths.dtype}; make it an int64 tensor (pack_padded_sequence wants int64 "
            "lengths on the CPU).",
            f"{call}：lengths 是 {got_lengths.dtype}；应是 int64 张量（pack_padded_sequence 要 CPU 上的 int64 长度）。",
        )
    for row, i in enumerate(order):
        ids, _ = batch[i]
        n = len(ids)
        if not torch.equal(padded[row, :n], ids):
            raise CheckFailed(
                f"{call}: row {row} of padded should be the sequence of length {n}. Sort the sequences themselves, "
                "not only the lengths.",
                f"{call}：padded 的第 {row} 行应是长度为 {n} 的那条序列。要给序列本身排序，不能只排长度。",
            )
        if n < longest and not torch.all(padded[row, n:] == 0):
            raise CheckFailed(
                f"{call}: the padding in row {row} is {padded[row, n:].tolist()}, not 0. Pad with the id of '<pad>', "
                "which is 0: pad_sequence(..., padding_value=0).",
                f"{call}：第 {row} 行的补齐是 {padded[row, n:].tolist()}，不是 0。用 '<pad>' 的编号 0 补齐："
                "pad_sequence(..., padding_value=0)。",
            )
    want_labels = [batch[i][1] for i in order]
    got_labels = labels.tolist()
    if got_labels == [y for _, y in batch] and got_labels != want_labels:
        raise CheckFailed(
            f"{call}: labels are {got_labels}, still in the original order, but the sequences were sorted: "
            f"each label must move with its sentence (expected {want_labels}).",
            f"{call}：labels 是 {got_labels}，还是原来的顺序，可序列已经重新排过了：标签要跟着它的句子一起移动"
            f"（应为 {want_labels}）。",
        )
    if got_labels != want_labels or labels.dtype != torch.int64:
        raise CheckFailed(
            f"{call}: labels should be the int64 tensor {want_labels}, got {got_labels} ({labels.dtype}).",
            f"{call}：labels 应为 int64 张量 {want_labels}，实际是 {got_labels}（{labels.dtype}）。",
        )
    pack_padded_sequence(padded, got_lengths, batch_first=True, enforce_sorted=True)


@exercise("11.4", CHAPTER, "collate a sorted batch for an RNN", "为循环网络整理排好序的批次")
def check_collate_sorted(collate_sorted: Callable) -> None:
    expect_callable(collate_sorted)
    _check_sorted_collate(collate_sorted, [3, 6, 2, 5], seed=114)
    _check_sorted_collate(collate_sorted, [4, 4, 7], seed=115)
    _check_sorted_collate(collate_sorted, [5], seed=116)


# ---------------------------------------------------------------- 11.5 EmbeddingBag offsets

@exercise("11.5", CHAPTER, "inputs for nn.EmbeddingBag", "为 nn.EmbeddingBag 准备输入")
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
            raise CheckFailed(
                f"{call} should return a tuple (flat, offsets).",
                f"{call} 应返回元组 (flat, offsets)。",
            )
        flat, offsets = result
        if not isinstance(flat, torch.Tensor) or not torch.equal(flat, torch.cat(seqs)):
            raise CheckFailed(
                f"{call}: flat should be all ids one after another, torch.cat(sequences) (shape ({sum(lengths)},)).",
                f"{call}：flat 应是把所有编号首尾相接，即 torch.cat(sequences)（形状 ({sum(lengths)},)）。",
            )
        if not isinstance(offsets, torch.Tensor):
            raise CheckFailed(
                f"{call}: offsets should be an int64 tensor, got a {type(offsets).__name__}.",
                f"{call}：offsets 应是 int64 张量，实际得到 {type(offsets).__name__}。",
            )
        want = [0]
        for n in lengths[:-1]:
            want.append(want[-1] + n)
        got = offsets.tolist()
        if got != want:
            ends = [sum(lengths[: k + 1]) for k in range(len(lengths))]
            if got == ends:
                hint_en = ("these are where each sequence ENDS (a cumulative sum of the lengths). Offsets are where "
                           "each one STARTS: shift by one and begin with 0.")
                hint_zh = "这是每条序列**结束**的位置（长度的累加和）。offsets 是每条序列**开始**的位置：错开一位，从 0 开始。"
            elif got == [0] + ends:
                hint_en = ("there is one offset too many: the last one (the total length) is only wanted with "
                           "include_last_offset=True. One offset per sequence, the start of each.")
                hint_zh = "多了一个 offset：最后那个（总长度）只有在 include_last_offset=True 时才需要。每条序列一个 offset，即它的起点。"
            elif got == lengths:
                hint_en = "these are the lengths. Offsets are the start positions: 0, then running sums of the lengths."
                hint_zh = "这是长度。offsets 是起点：0，然后是长度的累加和。"
            else:
                hint_en = "offsets[k] is where sequence k starts in flat."
                hint_zh = "offsets[k] 是第 k 条序列在 flat 里开始的位置。"
            raise CheckFailed(
                f"{call}: offsets should be {want}, got {got}: {hint_en}",
                f"{call}：offsets 应为 {want}，实际是 {got}：{hint_zh}",
            )
        if offsets.dtype != torch.int64:
            raise CheckFailed(
                f"{call}: offsets is {offsets.dtype}; nn.EmbeddingBag wants int64 offsets (same dtype as the ids).",
                f"{call}：offsets 是 {offsets.dtype}；nn.EmbeddingBag 要 int64 的 offsets（与编号同类型）。",
            )
        with torch.no_grad():
            means = torch.stack([bag.weight[s].mean(dim=0) for s in seqs])
            if not torch.allclose(bag(flat, offsets), means, atol=1e-6):
                raise CheckFailed(
                    f"{call}: EmbeddingBag(flat, offsets) does not give the mean embedding of each sequence.",
                    f"{call}：EmbeddingBag(flat, offsets) 没有给出每条序列的平均嵌入。",
                )
