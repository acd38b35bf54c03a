"""Chapter 11's checks catch the typical wrong answers with specific hints."""

import re
from collections import Counter

import torch
from torch.nn.utils.rnn import pad_sequence

from course_utils.checks import evaluate


def _stub(*args):
    raise NotImplementedError


def _fails(exercise_id, answer, en_text, zh_text):
    status, message = evaluate(exercise_id, answer, "en")
    assert status == "fail" and en_text in message, message
    status, message = evaluate(exercise_id, answer, "zh")
    assert status == "fail" and zh_text in message, message


# ---------------------------------------------------------------- 11.1


def good_tokenize(text):
    tokens = re.findall(r"[a-z0-9']+|[^\sa-z0-9']", text.lower())
    return ["<num>" if t.isdigit() else t for t in tokens]


def test_tokenize():
    assert evaluate("11.1", good_tokenize, "en")[0] == "pass"
    def no_lower(text):
        return ["<num>" if t.isdigit() else t for t in re.findall(r"[A-Za-z0-9']+|[^\sA-Za-z0-9']", text)]
    _fails("11.1", no_lower, "lower-case the text first", "先把文本转成小写")
    _fails("11.1", lambda text: text.lower().split(), "Punctuation is stuck to words", "标点粘在了词上")
    def no_num(text):
        return re.findall(r"[a-z0-9']+|[^\sa-z0-9']", text.lower())
    _fails("11.1", no_num, "should become the token '<num>'", "数字应变成词元 '<num>'")
    def split_apostrophe(text):
        return ["<num>" if t.isdigit() else t for t in re.findall(r"\w+|[^\w\s]", text.lower())]
    _fails("11.1", split_apostrophe, "Apostrophes belong to the word", "撇号属于单词")
    def words_only(text):
        return ["<num>" if t.isdigit() else t for t in re.findall(r"[a-z0-9']+", text.lower())]
    _fails("11.1", words_only, "Punctuation was dropped", "标点被丢掉了")
    _fails("11.1", lambda text: " ".join(good_tokenize(text)), "should return a list of strings", "应返回字符串列表")
    status, message = evaluate("11.1", lambda text: None, "en")
    assert status == "fail" and "forget `return`" in message


# ---------------------------------------------------------------- 11.2


def good_build_vocab(token_lists, min_freq):
    counts = Counter(t for tokens in token_lists for t in tokens)
    kept = [t for t, c in counts.items() if c >= min_freq]
    return ["<pad>", "<unk>"] + sorted(kept, key=lambda t: (-counts[t], t))


def test_build_vocab():
    assert evaluate("11.2", good_build_vocab, "en")[0] == "pass"

    def specials_last(token_lists, min_freq):
        return good_build_vocab(token_lists, min_freq)[2:] + ["<pad>", "<unk>"]

    _fails("11.2", specials_last, "'<pad>' at index 0 and '<unk>' at index 1", "'<pad>' 在下标 0")

    def strict_greater(token_lists, min_freq):
        counts = Counter(t for tokens in token_lists for t in tokens)
        kept = [t for t, c in counts.items() if c > min_freq]
        return ["<pad>", "<unk>"] + sorted(kept, key=lambda t: (-counts[t], t))

    _fails("11.2", strict_greater, ">= min_freq, not > min_freq", "计数 >= min_freq 就要保留")

    def first_seen_ties(token_lists, min_freq):
        counts = Counter(t for tokens in token_lists for t in tokens)
        return ["<pad>", "<unk>"] + [t for t, c in counts.most_common() if c >= min_freq]

    _fails("11.2", first_seen_ties, "same count in alphabetical order", "次数相同的按字母顺序")

    def per_sentence(token_lists, min_freq):
        counts = Counter(t for tokens in token_lists for t in set(tokens))
        kept = [t for t, c in counts.items() if c >= min_freq]
        return ["<pad>", "<unk>"] + sorted(kept, key=lambda t: (-counts[t], t))

    _fails("11.2", per_sentence, "counted in how many sentences", "你数的是词元出现在几个句子里")

    def as_dict(token_lists, min_freq):
        return {t: i for i, t in enumerate(good_build_vocab(token_lists, min_freq))}

    _fails("11.2", as_dict, "returned a dict", "返回了字典")


# ---------------------------------------------------------------- 11.3


def test_numericalize():
    def good(tokens, stoi):
        return torch.tensor([stoi.get(t, stoi["<unk>"]) for t in tokens], dtype=torch.long)

    assert evaluate("11.3", good, "en")[0] == "pass"
    _fails("11.3", lambda tokens, stoi: torch.tensor([stoi[t] for t in tokens]), "raised KeyError", "抛出了 KeyError")
    _fails("11.3", lambda tokens, stoi: torch.tensor([stoi.get(t, 0) for t in tokens]), "which is '<pad>'", "那是 '<pad>'")
    _fails("11.3", lambda tokens, stoi: [stoi.get(t, 1) for t in tokens], "should return a tensor", "应返回张量")
    def as_float(tokens, stoi):
        return torch.tensor([stoi.get(t, 1) for t in tokens], dtype=torch.float32)
    _fails("11.3", as_float, "dtype torch.long", "torch.long（int64）")
    def dropped(tokens, stoi):
        return torch.tensor([stoi[t] for t in tokens if t in stoi], dtype=torch.long)
    _fails("11.3", dropped, "Unknown words were dropped", "未知词被丢掉了")


# ---------------------------------------------------------------- 11.4


def good_collate(batch):
    batch = sorted(batch, key=lambda pair: len(pair[0]), reverse=True)
    padded = pad_sequence([ids for ids, _ in batch], batch_first=True, padding_value=0)
    lengths = torch.tensor([len(ids) for ids, _ in batch])
    return padded, lengths, torch.tensor([y for _, y in batch])


def test_collate_sorted():
    assert evaluate("11.4", good_collate, "en")[0] == "pass"

    def unsorted(batch):
        padded = pad_sequence([ids for ids, _ in batch], batch_first=True)
        return padded, torch.tensor([len(ids) for ids, _ in batch]), torch.tensor([y for _, y in batch])

    _fails("11.4", unsorted, "enforce_sorted=True needs the longest sequence first", "要求最长的序列在前")

    def labels_not_moved(batch):
        padded, lengths, _ = good_collate(batch)
        return padded, lengths, torch.tensor([y for _, y in batch])

    _fails("11.4", labels_not_moved, "each label must move with its sentence", "标签要跟着它的句子一起移动")

    def time_first(batch):
        padded, lengths, labels = good_collate(batch)
        return padded.T, lengths, labels

    _fails("11.4", time_first, "that is (T, B)", "即 (T, B)")

    def pad_with_unk(batch):
        batch = sorted(batch, key=lambda pair: len(pair[0]), reverse=True)
        padded = pad_sequence([ids for ids, _ in batch], batch_first=True, padding_value=1)
        return padded, torch.tensor([len(ids) for ids, _ in batch]), torch.tensor([y for _, y in batch])

    _fails("11.4", pad_with_unk, "Pad with the id of '<pad>'", "用 '<pad>' 的编号 0 补齐")

    def only_lengths_sorted(batch):
        padded = pad_sequence([ids for ids, _ in batch], batch_first=True)
        lengths = torch.tensor(sorted((len(ids) for ids, _ in batch), reverse=True))
        return padded, lengths, torch.tensor([y for _, y in batch])

    _fails("11.4", only_lengths_sorted, "Sort the sequences themselves", "要给序列本身排序")


# ---------------------------------------------------------------- 11.5


def test_bag_inputs():
    def good(sequences):
        lengths = torch.tensor([len(s) for s in sequences])
        return torch.cat(sequences), torch.cat([torch.zeros(1, dtype=torch.long), lengths.cumsum(0)[:-1]])

    assert evaluate("11.5", good, "en")[0] == "pass"

    def ends(sequences):
        return torch.cat(sequences), torch.tensor([len(s) for s in sequences]).cumsum(0)

    _fails("11.5", ends, "where each sequence ENDS", "每条序列**结束**的位置")

    def one_too_many(sequences):
        lengths = torch.tensor([len(s) for s in sequences])
        return torch.cat(sequences), torch.cat([torch.zeros(1, dtype=torch.long), lengths.cumsum(0)])

    _fails("11.5", one_too_many, "include_last_offset=True", "include_last_offset=True")

    def lengths_only(sequences):
        return torch.cat(sequences), torch.tensor([len(s) for s in sequences])

    # with [3, 1, 4] the lengths are not the offsets; with [6] they happen to differ too
    _fails("11.5", lengths_only, "these are the lengths", "这是长度")

    def as_list(sequences):
        flat, offsets = good(sequences)
        return flat, offsets.tolist()

    _fails("11.5", as_list, "should be an int64 tensor", "应是 int64 张量")
    _fails("11.5", lambda sequences: (sequences, None), "torch.cat(sequences)", "torch.cat(sequences)")


def test_stubs_are_not_done():
    assert all(evaluate(i, _stub, "en")[0] == "todo" for i in ("11.1", "11.2", "11.3", "11.4", "11.5"))
