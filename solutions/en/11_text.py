# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: -all
#     notebook_metadata_filter: kernelspec,jupytext,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: PyTorch course
#     language: python
#     name: pytorch-course
# ---

# %% [markdown]
# # 11 · Exercises: the text pipeline
#
# Five exercises that walk the lesson's pipeline again: tokenize, build a vocabulary, turn tokens into ids, collate a batch for a recurrent network, and prepare the input of `nn.EmbeddingBag`. Each one is **a little different** from the lesson's version, so read the task carefully.
#
# Replace the `raise NotImplementedError(...)` in each function with your code, then run the `check(...)` in the same cell. `✅` means the checks passed, `❌` not yet (with a hint), `⏳` not done yet. Stuck? The full answers are in `solutions/en/11_text.ipynb`.

# %%
from course_utils import check, setup_notebook

setup_notebook()

import re
from collections import Counter

import torch
from torch.nn.utils.rnn import pad_sequence

# %% [markdown]
# ## 11.1 Tokenize
#
# Complete `tokenize(text)` so that it returns a list of tokens:
#
# * lower-case the text first;
# * a word is made of letters, digits and apostrophes, so `"don't"` and `"it's"` are **one** token each;
# * every other non-space character (punctuation, symbols) is a token **of its own**;
# * a token made only of digits is replaced by `"<num>"`.
#
# For example, `tokenize("The striker scored 2 goals!")` returns `['the', 'striker', 'scored', '<num>', 'goals', '!']`.

# %%
# NBVAL_CHECK_OUTPUT
def tokenize(text):
    """Lower-case, split into words (with apostrophes) and single symbols, and replace numbers by <num>."""
    ### BEGIN SOLUTION
    tokens = re.findall(r"[a-z0-9']+|[^\sa-z0-9']", text.lower())
    return ["<num>" if token.isdigit() else token for token in tokens]
    ### END SOLUTION


check("11.1", tokenize)

# %% [markdown]
# ## 11.2 Build a vocabulary
#
# Complete `build_vocab(token_lists, min_freq)`. `token_lists` holds the token lists of several sentences. Return the vocabulary `itos` (a list whose positions are the ids):
#
# * index 0 is `"<pad>"` and index 1 is `"<unk>"`;
# * then every token seen **at least** `min_freq` times (count every occurrence), most frequent first;
# * tokens with the same count in **alphabetical order** (the lesson kept the order of first appearance; here it is different).

# %%
# NBVAL_CHECK_OUTPUT
def build_vocab(token_lists, min_freq):
    """Return itos: '<pad>', '<unk>', then tokens with count >= min_freq, by count (descending), ties alphabetical."""
    ### BEGIN SOLUTION
    counts = Counter(token for tokens in token_lists for token in tokens)
    kept = [token for token, count in counts.items() if count >= min_freq]
    return ["<pad>", "<unk>"] + sorted(kept, key=lambda token: (-counts[token], token))
    ### END SOLUTION


check("11.2", build_vocab)

# %% [markdown]
# ## 11.3 Turn tokens into ids
#
# Complete `numericalize(tokens, stoi)`. `stoi` is a dict from token to id (it contains `"<pad>"` and `"<unk>"`). Return a `torch.long` tensor with one id per token; tokens missing from the vocabulary get the id of `"<unk>"`.

# %%
# NBVAL_CHECK_OUTPUT
def numericalize(tokens, stoi):
    """Return a torch.long tensor of ids; tokens missing from stoi get the id of '<unk>'."""
    ### BEGIN SOLUTION
    unk = stoi["<unk>"]
    return torch.tensor([stoi.get(token, unk) for token in tokens], dtype=torch.long)
    ### END SOLUTION


check("11.3", numericalize)

# %% [markdown]
# ## 11.4 Collate a batch for a recurrent network (sorted)
#
# The lesson (sections 6 and 7) pads the batch in its original order and packs it with `enforce_sorted=False`. Older code, and ONNX export, often require `enforce_sorted=True`, and then the batch must be sorted **longest first**.
#
# Complete `collate_sorted(batch)`. `batch` is a list of `(ids, label)` pairs, where `ids` is a 1-D `torch.long` tensor and `label` an int. Return `(padded, lengths, labels)`:
#
# * first sort by sequence length, **longest first** (equal lengths keep their original order);
# * `padded`: shape `(B, T)`, padded with the id of `<pad>`, **0**;
# * `lengths`: an `int64` tensor with the true length of each sequence;
# * `labels`: an `int64` tensor, in **the same order** as the sequences.
#
# The checker passes your result to `pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=True)`.

# %%
# NBVAL_CHECK_OUTPUT
def collate_sorted(batch):
    """Sort (ids, label) pairs by length, longest first; return (padded (B, T) with 0s, lengths, labels)."""
    ### BEGIN SOLUTION
    batch = sorted(batch, key=lambda pair: len(pair[0]), reverse=True)
    sequences = [ids for ids, _ in batch]
    padded = pad_sequence(sequences, batch_first=True, padding_value=0)
    lengths = torch.tensor([len(ids) for ids in sequences], dtype=torch.long)
    labels = torch.tensor([label for _, label in batch], dtype=torch.long)
    return padded, lengths, labels
    ### END SOLUTION


check("11.4", collate_sorted)

# %% [markdown]
# ## 11.5 Inputs for `nn.EmbeddingBag`
#
# Complete `bag_inputs(sequences)`. `sequences` is a list of 1-D `torch.long` tensors (the ids of each sentence). Return `(flat, offsets)`:
#
# * `flat`: all ids one after another in a 1-D tensor;
# * `offsets`: an `int64` tensor where `offsets[k]` is the position in `flat` where sentence k **starts** (so the first one is always 0).
#
# The checker verifies that `nn.EmbeddingBag(..., mode="mean")(flat, offsets)` gives exactly the mean embedding of each sentence.

# %%
# NBVAL_CHECK_OUTPUT
def bag_inputs(sequences):
    """Return (flat, offsets) for nn.EmbeddingBag: all ids in one tensor, and where each sequence starts."""
    ### BEGIN SOLUTION
    flat = torch.cat(sequences)
    lengths = torch.tensor([len(s) for s in sequences], dtype=torch.long)
    offsets = torch.cat([torch.zeros(1, dtype=torch.long), lengths.cumsum(0)[:-1]])
    return flat, offsets
    ### END SOLUTION


check("11.5", bag_inputs)

# %% [markdown]
# Five ✅? The next chapter (12) handles another kind of sequence: audio.
