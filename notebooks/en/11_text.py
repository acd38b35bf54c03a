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
# # 11 · Text: from sentences to tensors
#
# A neural network only understands numbers. Before it can read text, the text has to go through a pipeline:
#
# **sentence → tokens → ids → padded or packed batches → embeddings → model**
#
# This chapter builds that pipeline step by step in plain PyTorch and ends by training a topic classifier. The data is a small corpus written for the course: 480 short English sentences about four topics (sports, food, technology, weather).
#
# First, a word about a library that many older tutorials use and that you should no longer reach for: TorchText.

# %%
from course_utils import setup_notebook

setup_notebook()

# %% [markdown]
# ## 1. What happened to TorchText
#
# TorchText used to be PyTorch's official text library (tokenizers, vocabularies, datasets, a few models). Where it stands:
#
# | fact | details |
# | --- | --- |
# | development has stopped | the documentation and README say: "TorchText development is stopped and the 0.18 release (April 2024) will be the last stable release of the library." |
# | last release | 0.18.0 (April 2024), built for **torch 2.3.0** |
# | with torch 2.11 | `pip install torchtext==0.18.0` goes through (the package only declares `torch>=2.3.0`), but `import torchtext` fails: its C++ extension was compiled against torch 2.3 and fails to load in torch 2.11 with an `undefined symbol` error |
#
# Some sources say TorchText is "being merged into Hugging Face". **That is not true**: it was not merged anywhere, it was discontinued. What it did is done today by:
#
# | in TorchText | today |
# | --- | --- |
# | `get_tokenizer("basic_english")` | a few lines of regular expressions (section 3), or a subword tokenizer (section 10) |
# | `build_vocab_from_iterator`, `Vocab` | a `collections.Counter` and a list (section 4) |
# | `torchtext.datasets` | your own files, or the Hugging Face `datasets` library |
# | padding, batching | `torch.nn.utils.rnn.pad_sequence` and a `DataLoader` `collate_fn` (chapter 08) |
# | models | `Embedding`, `EmbeddingBag`, `GRU`, `TransformerEncoder` in `torch.nn` |
#
# The course's environment does not install torchtext:

# %%
# NBVAL_CHECK_OUTPUT
import importlib.util

import torch

print("torch", torch.__version__.split("+")[0])
print("torchtext installed:", importlib.util.find_spec("torchtext") is not None)

# %% [markdown]
# ## 2. The corpus
#
# `course_utils.text.load_corpus(split)` reads `data/text/topics.tsv` and returns a list of `(sentence, label)` pairs; the label is an index into `TOPICS`. The file is a plain TSV that any editor opens; `data/README.md` says how it was made. Each topic has 80 training (train), 20 validation (val) and 20 test sentences. Every sentence appears once in the file, and the split is made **by sentence**, at random within each topic (a stratified split), so no sentence is both in train and in another split:

# %%
# NBVAL_CHECK_OUTPUT
from collections import Counter

from course_utils.text import TOPICS, load_corpus

train_data, val_data, test_data = (load_corpus(split) for split in ("train", "val", "test"))
for name, data in (("train", train_data), ("val", val_data), ("test", test_data)):
    counts = Counter(TOPICS[label] for _, label in data)
    print(f"{name:>5}: {len(data)} sentences, {dict(sorted(counts.items()))}")

shared = {t for t, _ in train_data} & {t for t, _ in val_data + test_data}
print("sentences in train and also in val or test:", len(shared))

print()
for text, label in train_data[:8]:
    print(f"{TOPICS[label]:>10} | {text}")

# %% [markdown]
# Every row is one sentence written by hand for the course, labelled with the topic it was written for. Some sentences carry words of another topic on purpose, such as the sports sentence "We trained in the rain because the gym was closed.", so a classifier cannot rely on a single word.
#
# The 0 above says that the model never sees a test sentence during training. So the test accuracy in section 9 is honest: it measures how the model does on **new sentences**.

# %% [markdown]
# ## 3. Tokenization
#
# The simplest way to split text is `str.split()`, on spaces. Its problems show at once: punctuation sticks to words, so `"minute."` and `"minute"` are different words, and capitals make `"The"` and `"the"` two words as well.
#
# Our tokenizer lower-cases the text; a word is a run of letters, digits and apostrophes (`"don't"` is one word), and every other symbol is a token of its own.

# %%
import re


def tokenize(text):
    """Lower-case, then words (letters, digits, apostrophes) and single symbols."""
    return re.findall(r"[a-z0-9']+|[^\sa-z0-9']", text.lower())


example = "Our goalkeeper saved a penalty in the last minute."
print("split()   :", example.split())
print("tokenize():", tokenize(example))
print("tokenize():", tokenize("I don't trust apps that ask for my location!"))

# %% [markdown]
# How long are the sentences, in tokens? When we pad later, all sentences of a batch are padded to the same length:

# %%
import matplotlib.pyplot as plt

train_tokens = [tokenize(text) for text, _ in train_data]
lengths = [len(tokens) for tokens in train_tokens]
print(f"tokens per sentence: min {min(lengths)}, median {sorted(lengths)[len(lengths) // 2]}, max {max(lengths)}")

plt.figure(figsize=(6, 3))
plt.hist(lengths, bins=range(min(lengths), max(lengths) + 2), color="tab:blue", edgecolor="white")
plt.xlabel("tokens per sentence")
plt.ylabel("sentences")
plt.title("Sentence lengths in the training split")
plt.show()

# %% [markdown]
# ## 4. The vocabulary
#
# A vocabulary maps every token to an integer id. Two **special tokens** come first:
#
# * `<pad>` (id 0): a placeholder for padding, not a real word;
# * `<unk>` (id 1): every word that is not in the vocabulary becomes this one.
#
# The vocabulary is built from the **training split only**: the validation and test splits stand for new, unseen sentences, so their words must not leak in. Words seen fewer than `min_freq` times are left out too: a model learns little from a word it saw once, and each word costs parameters.

# %%
# NBVAL_CHECK_OUTPUT
SPECIALS = ["<pad>", "<unk>"]
PAD_IDX, UNK_IDX = 0, 1
MIN_FREQ = 2

counts = Counter(token for tokens in train_tokens for token in tokens)
itos = SPECIALS + [token for token, count in counts.most_common() if count >= MIN_FREQ]
stoi = {token: index for index, token in enumerate(itos)}

print(f"distinct tokens in train: {len(counts)}, kept (count >= {MIN_FREQ}): {len(itos) - 2}, vocabulary size: {len(itos)}")
print("first 20 entries:", itos[:20])

# %% [markdown]
# `itos` (index to string) is a list whose positions are the ids; `stoi` (string to index) is the dict going the other way. `Counter.most_common()` sorts by count, and keeps tokens with equal counts in the order they were first seen.
#
# Do we lose much? On log-log axes the frequencies lie almost on a straight line (Zipf's law): a few words are very common, and most words occur only once or twice.

# %%
freqs = sorted(counts.values(), reverse=True)
kept_share = sum(c for c in freqs if c >= MIN_FREQ) / sum(freqs)
print(f"tokens dropped: {sum(c < MIN_FREQ for c in freqs)} of {len(freqs)} distinct, "
      f"but they are only {1 - kept_share:.1%} of all token occurrences")

plt.figure(figsize=(6, 3.5))
ranks = range(1, len(freqs) + 1)
plt.loglog(ranks, freqs, ".", markersize=4)
plt.axhline(MIN_FREQ - 0.5, color="tab:red", lw=1, label=f"min_freq = {MIN_FREQ}: below the line -> <unk>")
plt.xlabel("rank of the token (1 = most frequent)")
plt.ylabel("count in train")
plt.title("Token frequencies follow Zipf's law")
plt.legend()
plt.show()

# %% [markdown]
# ## 5. Numericalization
#
# With `stoi`, a sentence becomes a sequence of ids. Words missing from the vocabulary get the id of `<unk>`, 1:

# %%
# NBVAL_CHECK_OUTPUT
def encode(text):
    """Token ids of a sentence, as a 1-D torch.long tensor (unknown words -> <unk>)."""
    return torch.tensor([stoi.get(token, UNK_IDX) for token in tokenize(text)], dtype=torch.long)


def decode(ids):
    return " ".join(itos[i] for i in ids.tolist())


ids = encode("The striker scored a stunning goal in the rain.")
print("ids    :", ids.tolist())
print("decoded:", decode(ids))

val_ids = [encode(text) for text, _ in val_data]
unk_share = sum((ids == UNK_IDX).sum().item() for ids in val_ids) / sum(len(ids) for ids in val_ids)
print(f"share of <unk> in the validation split: {unk_share:.1%}")

# %% [markdown]
# `stunning` occurs fewer than twice in the training split, so it became `<unk>`: that information is lost. The last line shows how common this is: almost a third of the validation tokens are `<unk>`. The corpus has only 480 sentences, and most words occur only once (the Zipf plot of section 4). Section 9 shows what that does to the accuracy, and how pieces of words recover much of the loss.

# %% [markdown]
# ## 6. Padding
#
# Sentences differ in length, but a tensor is a rectangle. You met this in chapter 08: `pad_sequence` pads every sentence with one value (here the id of `<pad>`, 0) up to the length of the **longest in the batch**, and we keep the true lengths:

# %%
# NBVAL_CHECK_OUTPUT
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

texts = [
    "The match ended in a goalless draw.",
    "Snow is forecast for the weekend.",
    "The app asks me to update it every week.",
    "I burned the pancakes.",
]
sequences = [encode(text) for text in texts]
padded = pad_sequence(sequences, batch_first=True, padding_value=PAD_IDX)
seq_lengths = torch.tensor([len(s) for s in sequences])
print("lengths:", seq_lengths.tolist())
print(padded)

# %% [markdown]
# ## 7. Packing: letting a recurrent network skip the padding
#
# A recurrent network (RNN, GRU, LSTM) reads a sequence one step at a time. Give it the padded batch as it is, and a short sentence **keeps reading the padding zeros** after its real words: its final hidden state is polluted by the padding.
#
# `pack_padded_sequence` rearranges the batch into a compact, time-step-major format that holds only the real tokens. In the figure, the number in each cell is its position in the packed `data`: first the first token of every sentence, then the second token of every sentence that has not ended yet, and so on. The grey padding cells are not in it at all.

# %%
# NBVAL_CHECK_OUTPUT
packed = pack_padded_sequence(padded, seq_lengths, batch_first=True, enforce_sorted=False)
print("packed.data shape :", tuple(packed.data.shape), "= total real tokens", seq_lengths.sum().item())
print("batch_sizes       :", packed.batch_sizes.tolist())
print("sorted_indices    :", packed.sorted_indices.tolist())

# %%
import numpy as np

position = np.full(padded.shape, np.nan)  # where each real token sits in packed.data
k = 0
for t, size in enumerate(packed.batch_sizes.tolist()):
    for row in packed.sorted_indices[:size].tolist():
        position[row, t] = k
        k += 1

fig, ax = plt.subplots(figsize=(7, 2.6))
ax.imshow(np.where(np.isnan(position), 0.0, 1.0), cmap="Blues", vmin=-0.6, vmax=2.6, aspect="auto")
for (row, t), value in np.ndenumerate(position):
    ax.text(t, row, "pad" if np.isnan(value) else int(value), ha="center", va="center",
            fontsize=8, color="gray" if np.isnan(value) else "black")
ax.set_xticks(range(padded.shape[1]))
ax.set_yticks(range(len(texts)), [f"sentence {i} (len {n})" for i, n in enumerate(seq_lengths.tolist())])
ax.set_xlabel("time step")
ax.set_title("pack_padded_sequence: index of each token in packed.data (pads are left out)")
ax.grid(False)
plt.show()

# %% [markdown]
# `batch_sizes[t]` is how many sentences are still running at step t. `enforce_sorted=False` lets PyTorch sort the batch by length itself and remember the order in `sorted_indices` (older code often uses `enforce_sorted=True`, which requires the batch to be sorted longest first beforehand).
#
# Now a comparison: the same GRU reads (a) the padded batch, (b) the packed batch, and (c) each sentence alone, without padding (the right answer). We compare the final hidden states `h_n`:

# %%
# NBVAL_CHECK_OUTPUT
from torch import nn

torch.manual_seed(0)
embedding = nn.Embedding(len(itos), 8, padding_idx=PAD_IDX)
gru = nn.GRU(input_size=8, hidden_size=6, batch_first=True)

with torch.no_grad():
    _, h_padded = gru(embedding(padded))                  # (a) reads the pads too
    packed_input = pack_padded_sequence(embedding(padded), seq_lengths, batch_first=True, enforce_sorted=False)
    packed_output, h_packed = gru(packed_input)           # (b) packed: stops at each sentence's end
    h_alone = torch.stack([gru(embedding(s).unsqueeze(0))[1][0, 0] for s in sequences])  # (c)

print("sentence | length | max |h_padded - h_alone| | max |h_packed - h_alone|")
for i, n in enumerate(seq_lengths.tolist()):
    wrong = (h_padded[0, i] - h_alone[i]).abs().max().item()
    right = (h_packed[0, i] - h_alone[i]).abs().max().item()
    print(f"{i:>8} | {n:>6} | {wrong:>24.4f} | {right:>24.4f}")

# %% [markdown]
# The longest sentence (which has no padding) comes out the same all three ways. For the others, reading the padding (a) moves the result away, while packing (b) matches reading each sentence alone exactly. Note that `h_packed` is already back in the **original** order (PyTorch used `sorted_indices` to restore it).
#
# `pad_packed_sequence` turns the per-step outputs back into the padded shape, with zeros at the padding:

# %%
# NBVAL_CHECK_OUTPUT
output, output_lengths = pad_packed_sequence(packed_output, batch_first=True)
print("output shape:", tuple(output.shape), "| lengths:", output_lengths.tolist())
print("output at the pads of sentence 3 is all zero:", bool((output[3, seq_lengths[3]:] == 0).all()))

# %% [markdown]
# ## 8. `nn.Embedding` and `nn.EmbeddingBag`
#
# `nn.Embedding(num_embeddings, dim)` is a lookup table: id i selects row i, so a `(B, T)` tensor of ids becomes `(B, T, dim)`. `padding_idx=0` keeps row 0 at zero and gives it no gradient.
#
# Many classifiers need only "the mean word vector of a sentence". `nn.EmbeddingBag` does the lookup and the mean (or sum, or max) in one step, without building the intermediate `(B, T, dim)` tensor, and it **needs no padding**: put the ids of all sentences one after another in a 1-D `flat` tensor, and mark where each sentence starts with `offsets`.

# %%
# NBVAL_CHECK_OUTPUT
flat = torch.cat(sequences)
offsets = torch.tensor([0] + seq_lengths.cumsum(0)[:-1].tolist())
print("flat   :", tuple(flat.shape), "| offsets:", offsets.tolist(), "| lengths:", seq_lengths.tolist())

bag = nn.EmbeddingBag(len(itos), 8, mode="mean")
with torch.no_grad():
    bag.weight.copy_(embedding.weight)  # the same table for both
    # 1) Embedding, then the mean over the real tokens of each sentence
    mean_by_hand = torch.stack([embedding(s).mean(dim=0) for s in sequences])
    # 2) EmbeddingBag with flat ids and offsets
    mean_by_bag = bag(flat, offsets)
    # 3) EmbeddingBag on the padded batch: padding_idx leaves the pads out of the mean
    bag_2d = nn.EmbeddingBag.from_pretrained(embedding.weight, mode="mean", padding_idx=PAD_IDX)
    mean_by_bag_2d = bag_2d(padded)

print("output shape:", tuple(mean_by_bag.shape))
print("EmbeddingBag(flat, offsets) == mean of Embedding:", torch.allclose(mean_by_bag, mean_by_hand, atol=1e-6))
print("EmbeddingBag(padded), padding_idx == mean of Embedding:", torch.allclose(mean_by_bag_2d, mean_by_hand, atol=1e-6))

# %% [markdown]
# All three give the same result. `offsets[k]` is where sentence k **starts**: `[0, 8, 15, 25]` above. Not where it ends, and not its length: that is the most common mistake (exercise 11.5).
#
# Averaging throws the word order away: "dog bites man" and "man bites dog" get the same vector. For topic classification the order matters little, so such a "bag of words" model is fast and good enough; when order matters, use a GRU/LSTM (section 7) or a Transformer.

# %% [markdown]
# ## 9. Training a topic classifier
#
# The model is an `EmbeddingBag` (mean word vector) followed by one linear layer that gives a score (logit) per topic. The `collate_fn` turns a batch of `(ids, label)` pairs into `(flat, offsets, labels)`.

# %%
# NBVAL_CHECK_OUTPUT
from torch.utils.data import DataLoader

from course_utils import get_device, plot_history

torch.set_num_threads(1)  # tiny model: one thread is faster and gives the same numbers on every machine
device = get_device()


def encode_split(data):
    return [(encode(text), label) for text, label in data]


def collate_bag(batch):
    """(ids, label) pairs -> (flat ids, offsets, labels) for nn.EmbeddingBag."""
    sequences = [ids for ids, _ in batch]
    lengths = torch.tensor([len(ids) for ids in sequences])
    offsets = torch.cat([torch.zeros(1, dtype=torch.long), lengths.cumsum(0)[:-1]])
    labels = torch.tensor([label for _, label in batch])
    return torch.cat(sequences), offsets, labels


class BagClassifier(nn.Module):
    def __init__(self, vocab_size, dim, num_classes):
        super().__init__()
        self.bag = nn.EmbeddingBag(vocab_size, dim, mode="mean")
        self.fc = nn.Linear(dim, num_classes)

    def forward(self, flat, offsets):
        return self.fc(self.bag(flat, offsets))


train_set, val_set, test_set = map(encode_split, (train_data, val_data, test_data))
train_loader = DataLoader(train_set, batch_size=16, shuffle=True, collate_fn=collate_bag,
                          generator=torch.Generator().manual_seed(0))
val_loader = DataLoader(val_set, batch_size=256, collate_fn=collate_bag)
test_loader = DataLoader(test_set, batch_size=256, collate_fn=collate_bag)

torch.manual_seed(0)
model = BagClassifier(len(itos), dim=32, num_classes=len(TOPICS)).to(device)
print(model)
print("parameters:", sum(p.numel() for p in model.parameters()))

# %% [markdown]
# `course_utils.fit` (chapter 09) trains any model whose batches are `(*inputs, target)`: here a batch is `(flat, offsets, labels)`, and `fit` calls `model(flat, offsets)`. After every epoch it calls `on_epoch_end`; ours keeps the weights of the epoch with the **lowest validation loss**, and we load them back at the end (early stopping): the number of epochs is chosen on the validation split, and the test split plays no part in it.

# %%
import copy

from course_utils import evaluate, fit

loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
best = {"val_loss": float("inf")}


def keep_best(epoch, history):
    """After every epoch: remember the weights with the lowest validation loss; print every 5th epoch."""
    val_loss, val_acc = history["val_loss"][-1], history["val_acc"][-1]
    if val_loss < best["val_loss"]:
        best.update(epoch=epoch, val_loss=val_loss, val_acc=val_acc, state=copy.deepcopy(model.state_dict()))
    if epoch % 5 == 0:
        print(f"epoch {epoch:2d}: train loss {history['train_loss'][-1]:.4f}, val loss {val_loss:.4f}, "
              f"val acc {val_acc:.3f}")


history = fit(model, train_loader, loss_fn, optimizer, epochs=20, val_loader=val_loader, device=device,
              on_epoch_end=keep_best)
model.load_state_dict(best["state"])
print(f"lowest validation loss at epoch {best['epoch']}: val loss {best['val_loss']:.4f}, "
      f"val acc {best['val_acc']:.3f}; those weights are restored")

# %%
fig = plot_history(history, title="EmbeddingBag classifier on the topic corpus")
for ax in fig.axes:
    ax.axvline(best["epoch"], color="gray", linestyle="--", linewidth=1)  # the epoch we keep
plt.show()

# %% [markdown]
# The training loss keeps falling, but the validation loss reaches its lowest point after a few epochs and rises after that: 320 sentences are few for a model with more than ten thousand parameters, and it starts to memorize the training split (overfitting). The dashed line marks the epoch we keep. The validation accuracy wiggles from epoch to epoch; with 80 validation sentences one sentence is worth 1.25 points, so these wiggles mean little.
#
# With the number of epochs (and every other setting) decided on the validation split only, we evaluate on the test split **once**:

# %%
test_loss, test_acc = evaluate(model, test_loader, loss_fn, device)
print(f"test accuracy: {test_acc:.3f} ({round(test_acc * len(test_set))} of {len(test_set)} sentences)")

model.eval()
with torch.no_grad():
    flat, offsets, labels = collate_bag(test_set)
    predictions = model(flat.to(device), offsets.to(device)).argmax(dim=1).cpu()
for t, topic in enumerate(TOPICS):
    mask = labels == t
    print(f"{topic:>10}: {(predictions[mask] == t).float().mean().item():.2f}")

# %% [markdown]
# Chance is 0.25 (four topics of 20 test sentences each, so always guessing one topic also gets 0.25): the model has learned something, but with roughly six sentences in ten right it is far from good, and the topics differ a lot (compare the lines above). First we look at where the model goes wrong, then at why, and then we build a better model.

# %% [markdown]
# ### Predicting new sentences, and seeing what goes wrong
#
# The model is linear, so we can explain it exactly: logits = `fc(mean word vector)` = the mean of every token's "vote" `fc.weight @ embedding`, plus the bias. List each token's votes for the four topics and you see which word pushed the prediction where.
#
# Adding the same number to all four logits does not change the prediction, so we subtract from each token's votes their mean over the four topics and keep only the *relative* preference: positive is for, negative is against.

# %%
@torch.no_grad()
def predict(text):
    ids = encode(text).to(device)
    probs = model(ids, torch.tensor([0], device=device)).softmax(dim=1)[0].cpu()
    return TOPICS[probs.argmax().item()], probs


@torch.no_grad()
def explain(text):
    """Each token's vote for every topic: fc.weight @ its embedding (the logits are their mean + bias)."""
    ids = encode(text).to(device)
    votes = (model.bag.weight[ids] @ model.fc.weight.T).cpu()
    votes = votes - votes.mean(dim=1, keepdim=True)  # only the differences between topics matter
    bias = model.fc.bias.cpu() - model.fc.bias.mean().cpu()
    print(f"{'token':>12} " + " ".join(f"{topic:>10}" for topic in TOPICS))
    for token_id, vote in zip(ids.tolist(), votes):
        print(f"{itos[token_id]:>12} " + " ".join(f"{v:>10.2f}" for v in vote.tolist()))
    logits = votes.mean(dim=0) + bias
    print(f"{'mean + bias':>12} " + " ".join(f"{v:>10.2f}" for v in logits.tolist()))


new_sentences = [
    ("The goalkeeper made a great save.", "sports"),
    ("Add some garlic and a pinch of salt to the soup.", "food"),
    ("My laptop crashed during the update.", "technology"),
    ("It will be windy and cold tomorrow.", "weather"),
    ("The storm delayed the final by an hour.", "sports"),
]
for text, expected in new_sentences:
    topic, probs = predict(text)
    mark = "ok   " if topic == expected else "WRONG"
    print(f"{mark} {topic:>10} (p={probs.max():.2f}, expected {expected:>10}) | {text}")

# %% [markdown]
# All five hand-written sentences are right, and the last one is called sports despite its `storm`. But these five were picked: each has an obvious topic word, and even so the model is far from sure about them (look at `p`). The real score is the test split's. Here is a test sentence it gets wrong:

# %%
text, label = "The weather service issued a flood warning.", TOPICS.index("weather")
print("in the test split:", (text, label) in test_data, "| true:", TOPICS[label], "| predicted:", predict(text)[0])
print("the model reads:", decode(encode(text)))
print("'weather' occurs", counts["weather"], "times in the training split\n")
explain(text)

# %% [markdown]
# The sentence is a weather warning, yet the model says technology (last row: technology has the largest logit, weather a clearly negative one):
#
# * 5 of its 8 tokens are `<unk>`, even the word `weather` itself: it never occurs in the training split. All the model reads is "the <unk> <unk> <unk> a <unk> <unk> .";
# * `<unk>` has an embedding of its own, and it has learned to vote for technology and against weather (its row in the table); the next cell shows why;
# * the remaining tokens `the`, `a` and `.` say nothing about the topic; their large votes (look at the rows of `a` and `.`) are **coincidences** learned from a small dataset, not rules of language.
#
# Why does `<unk>` lean to technology? Count the `<unk>` tokens in each topic's training sentences:

# %%
# NBVAL_CHECK_OUTPUT
for t, topic in enumerate(TOPICS):
    ids = torch.cat([encode(text) for text, label in train_data if label == t])
    print(f"{topic:>10}: {(ids == UNK_IDX).float().mean().item():.1%} of its training tokens are <unk>")

# %% [markdown]
# The technology sentences have the most `<unk>` tokens and the weather sentences the fewest, so "many unknown words" has itself become a clue for technology and against weather. Uncertain sentences get pushed towards technology, which is likely part of why technology has the best test accuracy and why so many mistakes are called technology. The other wrong test sentences:

# %%
wrong = (predictions != labels).nonzero().flatten().tolist()
print(f"{len(wrong)} of {len(test_set)} test sentences are wrong; the first eight:")
for i in wrong[:8]:
    text, label = test_data[i]
    print(f"true {TOPICS[label]:>10}, predicted {TOPICS[predictions[i]]:>10} | {text}")
print("wrong answers by predicted topic:", dict(Counter(TOPICS[predictions[i]] for i in wrong).most_common()))

# %% [markdown]
# In most of them the topic words became `<unk>` (`flavours`, `rugby`, `injured`, `herbs`, ...); a few are mixed cues written on purpose (the sports sentence "The team's new software tracks how far each player runs." is called technology). The last line shows that technology is the most common wrong answer: the lean of `<unk>` seen above.
#
# ### Why is the accuracy so low?
#
# Count the test tokens the model does not know:

# %%
# NBVAL_CHECK_OUTPUT
test_tokens = [token for text, _ in test_data for token in tokenize(text)]
unknown = Counter(token for token in test_tokens if token not in stoi)
print(f"{sum(unknown.values())} of {len(test_tokens)} test tokens ({sum(unknown.values()) / len(test_tokens):.1%}) are <unk>")
never_seen = sum(n for token, n in unknown.items() if token not in counts)  # not even once in train
print(f"{never_seen} of them ({never_seen / len(test_tokens):.1%} of all test tokens) never occur in train at all")
print("some of them:", sorted(unknown)[:15])

# %% [markdown]
# More than a third of the test tokens are `<unk>`, and most of those **never occur in the training split at all**: about those words the model knows nothing. Many are forms of common words (`answers`, `appeared`, `asks`, `baked`, `bananas`, ...). 80 training sentences per topic cannot cover the words a topic commonly uses.
#
# What would raise the accuracy:
#
# * **More data**: the most direct fix. With thousands of sentences per topic, most words of a test sentence have been seen in training.
# * **`min_freq=1`**: it can rescue at most the words seen exactly once in training (the difference between the first two lines above), with embeddings learned from a single sentence each; it cannot help with the words never seen.
# * **Pieces of words** (the next subsection): `baked` was never seen, but `bake` and `ked>` were. Splitting words into character n-grams lets an unseen word share what was learned about its pieces.
# * **Pretrained word vectors** (such as GloVe or fastText): trained on billions of words, they know what `weather` and `flood` mean before seeing our data; `nn.EmbeddingBag.from_pretrained` loads them.
# * **A pretrained subword tokenizer plus a pretrained model** (next section): almost no `<unk>`, and a model that already knows English. This is how text classification on a small dataset is usually done today (fine-tuning a pretrained model).
#
# Two more things to keep in mind. The test split has only 80 sentences, so one sentence is worth 1.25 points, and another random split would move the figure by several points either way. And the split is by sentence, so no test sentence was seen in training: the test accuracy is an honest figure. If the same sentence were in both train and test, the accuracy would be inflated, but it would only show that the model remembers its training split.

# %% [markdown]
# ### A better model: pieces of words, a padded batch and a mask
#
# The fix that fits in plain PyTorch is to split every word into **character n-grams**, as the fastText library does: the word between the markers `<` and `>`, plus all its pieces of 3, 4 and 5 characters. An unseen word such as `baked` still shares pieces with `bake` or `cooked`. We keep every piece seen in training (`min_freq = 1`: a piece occurs in many words, so even rare pieces are useful):

# %%
# NBVAL_CHECK_OUTPUT
def pieces(text):
    """Every word as <word>, plus its character n-grams of length 3 to 5 (fastText-style)."""
    out = []
    for token in tokenize(text):
        word = f"<{token}>"  # < and > mark where the word starts and ends
        out.append(word)
        out += [word[i:i + n] for n in (3, 4, 5) if n < len(word) for i in range(len(word) - n + 1)]
    return out


print(pieces("Baked bread."))
piece_counts = Counter(piece for text, _ in train_data for piece in pieces(text))
piece_itos = SPECIALS + [piece for piece, _ in piece_counts.most_common()]
piece_stoi = {piece: index for index, piece in enumerate(piece_itos)}
print("piece vocabulary size:", len(piece_itos))

test_words = [token for text, _ in test_data for token in tokenize(text)]
unseen = [token for token in test_words if token not in counts]
rescued = sum(any(piece in piece_stoi for piece in pieces(token)[1:]) for token in unseen)
print(f"test words never seen in train: {len(unseen)}; of these, {rescued} have at least one known piece")

# %% [markdown]
# Now the model. A sentence has many more pieces than words, and their numbers differ, so this time we use what sections 6 and 8 taught the other way: **pad** the batch with `pad_sequence` and keep a **mask** (`True` for a real piece, `False` for padding). The model is as simple as it gets: every piece has one vote per topic (an `nn.Embedding` with 4 columns), and a sentence's logits are the mean of the votes of its real pieces. Multiplying by the mask zeroes the padding, and dividing by `mask.sum()` counts only the real pieces. Without the mask, short sentences would be averaged with rows of padding.
#
# Pieces not seen in training map to `<unk>`, whose votes are set to zero and never trained, so they vote for no topic. The model is linear in its weights, so we train it on the whole training split at once (one padded batch), with weight decay to keep the votes of pieces seen once small:

# %%
def padded_batch(data):
    """(ids, mask, labels) of a whole split: piece ids padded with <pad>, mask True at real pieces."""
    sequences = [torch.tensor([piece_stoi.get(p, UNK_IDX) for p in pieces(text)]) for text, _ in data]
    ids = pad_sequence(sequences, batch_first=True, padding_value=PAD_IDX)
    labels = torch.tensor([label for _, label in data])
    return ids.to(device), (ids != PAD_IDX).to(device), labels.to(device)


class PieceClassifier(nn.Module):
    def __init__(self, vocab_size, num_classes):
        super().__init__()
        self.votes = nn.Embedding(vocab_size, num_classes, padding_idx=PAD_IDX)

    def forward(self, ids, mask):
        votes = self.votes(ids) * mask.unsqueeze(-1)  # (B, T, topics), zero at the padding
        return votes.sum(dim=1) / mask.sum(dim=1, keepdim=True)  # mean over the real pieces


piece_train, piece_val, piece_test = map(padded_batch, (train_data, val_data, test_data))
print("padded training batch:", tuple(piece_train[0].shape), "| real pieces:", piece_train[1].sum().item())

torch.manual_seed(0)
piece_model = PieceClassifier(len(piece_itos), len(TOPICS)).to(device)
with torch.no_grad():
    piece_model.votes.weight[UNK_IDX] = 0  # unknown pieces vote for nothing (they never get a gradient)
optimizer = torch.optim.AdamW(piece_model.parameters(), lr=0.05, weight_decay=0.1)


def report(step, history):
    if step % 50 == 0:
        print(f"step {step}: train loss {history['train_loss'][-1]:.2f}, val acc {history['val_acc'][-1]:.3f}")


# a list holding one batch is a loader too: every "epoch" of fit is then one step on the whole split
piece_history = fit(piece_model, [piece_train], loss_fn, optimizer, epochs=200, val_loader=[piece_val], device=device,
                    on_epoch_end=report)

# %% [markdown]
# The validation accuracy settles within the first hundred steps. We chose this model and its settings on the validation split; now the test split, once, beside the word-level model of section 9 and the chance level:

# %%
# NBVAL_CHECK_OUTPUT
majority = max(Counter(label for _, label in test_data).values()) / len(test_data)
word_acc = evaluate(model, test_loader, loss_fn, device)[1]
piece_acc = evaluate(piece_model, [piece_test], loss_fn, device)[1]
print(f"chance (always the most common topic): {majority:.3f}")
print(f"words, EmbeddingBag (section 9):       {word_acc:.3f} ({round(word_acc * len(test_data))} of {len(test_data)})")
print(f"pieces, padded batch + mask:           {piece_acc:.3f} ({round(piece_acc * len(test_data))} of {len(test_data)})")
print(f"gain: {round((piece_acc - word_acc) * len(test_data))} more test sentences right")

# %% [markdown]
# Pieces of words beat whole words on the same 320 sentences, and the model stays tiny and linear. About two test sentences in three right, against one in four by chance, is what we call working on a corpus this small: with most test sentences holding words never seen in training, more would need more data or a pretrained model (section 10). Remember that one test sentence is worth 1.25 points, so only a gain of several sentences means much.
#
# Why not a GRU through `pack_padded_sequence` (section 7)? It reads the word order, but it has many more weights to learn, and 320 sentences are too few for that; for *topic* classification the order matters little anyway. On a larger corpus, or for a task where order matters (negation, "dog bites man"), the packed GRU is the tool: exercise 11.4 builds the sorted batches it needs.

# %% [markdown]
# ## 10. Tokenizers today: subwords
#
# This chapter's tokenizer splits text into whole words, and every word not seen in training becomes `<unk>`. Modern models use **subword tokenizers**: common words stay whole, rare words are split into common pieces (`"unbelievable"` → `"un" "believ" "able"`), so `<unk>` almost never occurs. The main algorithms and libraries:
#
# | algorithm | used by | libraries |
# | --- | --- | --- |
# | BPE (byte-pair encoding) | the GPT family, RoBERTa, Llama | Hugging Face `tokenizers`, `tiktoken` (OpenAI), `sentencepiece` |
# | WordPiece | BERT | Hugging Face `tokenizers` / `transformers` |
# | Unigram | T5, ALBERT, XLNet | `sentencepiece` |
#
# With a pretrained model you **must use its own tokenizer** (the vocabulary and ids have to match the model's embedding table). It is usually loaded like this (it needs `pip install transformers` and a download of the vocabulary; the course's environment does not install it, so the code is only shown here as text):
#
# ```python
# from transformers import AutoTokenizer
#
# tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")   # downloads the vocabulary
# batch = tokenizer(["The match was called off.", "Snow is forecast."],
#                   padding=True, return_tensors="pt")            # input_ids, attention_mask: torch tensors
# ```
#
# `attention_mask` is the padding mask of this chapter (1 for a real token, 0 for padding). `tiktoken` is used in a similar way: `tiktoken.get_encoding("cl100k_base").encode(text)`.
#
# Our character n-grams of section 9 are a home-made cousin of these tokenizers: they also split the never-seen word forms (`answers`, `baked`, ...) into known pieces. A learned subword vocabulary together with a pretrained model is how to raise this chapter's accuracy further.
#
# ## Summary
#
# * TorchText is discontinued (last release 0.18, April 2024, built for torch 2.3) and does not work with torch 2.11; it was **not** merged into Hugging Face. A text pipeline in plain PyTorch takes a few dozen lines.
# * The pipeline: `tokenize` → a vocabulary built from the training split only (`<pad>`=0, `<unk>`=1, `min_freq`) → `encode` into `torch.long` ids.
# * Batches: `pad_sequence` pads and we keep the lengths; a recurrent network skips the padding with `pack_padded_sequence`, and `pad_packed_sequence` restores the shape.
# * `nn.EmbeddingBag(mode="mean")` equals "Embedding, then the mean over the real tokens"; its input is `flat` plus the start of each sentence, `offsets` (or a padded batch with `padding_idx`).
# * A bag-of-words classifier is fast and simple but blind to word order. The number of epochs is chosen on the validation split (early stopping), and the test split is used once.
# * Trained on 320 sentences, the word-level model gets about six test sentences in ten right (chance is one in four): over a third of the test tokens are `<unk>`. Splitting words into character n-grams, padding the batch and averaging under a mask gets about two in three: what a corpus this small allows. The split is by sentence, which keeps these figures honest; more data, pretrained embeddings or a pretrained subword model would raise them.
# * Real projects use subword tokenizers (BPE, WordPiece, Unigram), and always the one that comes with the pretrained model.
#
# The next chapter (12) handles another kind of sequence: audio.

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **Next:** [the exercises of this chapter: 11_text](../../exercises/en/11_text.ipynb) · [the next chapter: 12_torchaudio](12_torchaudio.ipynb)
