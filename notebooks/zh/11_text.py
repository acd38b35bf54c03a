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
# # 11 · 文本：从句子到张量
#
# 神经网络只认数字。要让它读文本，得先走完一条流水线：
#
# **句子 → 词元（token） → 编号（id） → 补齐/打包成批次 → 嵌入（embedding） → 模型**
#
# 本章用纯 PyTorch 把这条流水线一步步搭起来，最后训练一个主题分类器。数据是课程自己写的一个小语料库：480 句英文短句，分属四个主题（sports、food、technology、weather）。
#
# 先说一个很多旧教程都会用到、如今却不该再用的库：TorchText。

# %%
from course_utils import setup_notebook

setup_notebook()

# %% [markdown]
# ## 1. TorchText 怎么了
#
# TorchText 曾经是 PyTorch 官方的文本库（分词器、词表、数据集、一些模型）。它的现状：
#
# | 事实 | 细节 |
# | --- | --- |
# | 开发已停止 | 官方文档和 README 写明："TorchText development is stopped and the 0.18 release (April 2024) will be the last stable release of the library." |
# | 最后一个版本 | 0.18.0（2024 年 4 月），对应 **torch 2.3.0** |
# | 和 torch 2.11 一起用 | `pip install torchtext==0.18.0` 会装上（它只声明了 `torch>=2.3.0`），但 `import torchtext` 会失败：它的 C++ 扩展是对着 torch 2.3 编译的，在 torch 2.11 里加载时报 `undefined symbol` |
#
# 一些资料说 TorchText“正在并入 Hugging Face”。**这不对**：它没有被合并到任何地方，而是停止开发了。它做过的事，今天分别由这些工具完成：
#
# | TorchText 里的 | 今天用 |
# | --- | --- |
# | `get_tokenizer("basic_english")` | 几行正则表达式（本章第 3 节），或子词分词器（第 10 节） |
# | `build_vocab_from_iterator`、`Vocab` | 一个 `collections.Counter` 加一个列表（第 4 节） |
# | `torchtext.datasets` | 自己的文件，或 Hugging Face 的 `datasets` 库 |
# | 补齐、批次 | `torch.nn.utils.rnn.pad_sequence`、`DataLoader` 的 `collate_fn`（第 08 章） |
# | 模型 | `torch.nn` 里的 `Embedding`、`EmbeddingBag`、`GRU`、`TransformerEncoder` |
#
# 本课程的环境里没有安装 torchtext：

# %%
# NBVAL_CHECK_OUTPUT
import importlib.util

import torch

print("torch", torch.__version__.split("+")[0])
print("torchtext installed:", importlib.util.find_spec("torchtext") is not None)

# %% [markdown]
# ## 2. 语料库
#
# `course_utils.text.load_corpus(split)` 读取 `data/text/topics.tsv`，返回 `(句子, 标签)` 对的列表；标签是 `TOPICS` 里的下标。这个文件是普通的 TSV，可以直接用编辑器打开；`data/README.md` 说明了它是怎么生成的。每个主题 80 句训练（train）、20 句验证（val）、20 句测试（test）。每句话在文件里只出现一次；划分是**按句子**、在每个主题内部分别随机做的（分层抽样），所以同一句话不会既在训练集里又在别的划分里：

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
# 每一行都是为本课程手写的一句话，标签就是它所写的主题。有些句子故意带着别的主题的词，比如 sports 的 "We trained in the rain because the gym was closed."：分类器不能只靠某一个词。
#
# 上面的 0 说明：测试集里的句子，模型在训练时一句也没见过。所以第 9 节的测试准确率是诚实的，它衡量的是模型对**新句子**的表现。

# %% [markdown]
# ## 3. 切词（tokenization）
#
# 最简单的切法是 `str.split()`，按空格切。它的问题一眼就能看出来：标点粘在词上，`"minute."` 和 `"minute"` 成了两个不同的词；大小写也会让 `"The"` 和 `"the"` 变成两个词。
#
# 我们的分词器：先转小写，单词由字母、数字和撇号组成（`"don't"` 是一个词），其他每个符号单独成一个词元。

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
# 看看句子有多长（以词元计）。后面补齐时，一个批次里的句子要补到同样的长度：

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
# ## 4. 词表（vocabulary）
#
# 词表把每个词元对应到一个整数编号。两个**特殊词元**排在最前面：
#
# * `<pad>`（编号 0）：补齐用的占位符，不是真正的词；
# * `<unk>`（编号 1）：所有不在词表里的词都变成它。
#
# 词表**只用训练集**来建：验证集和测试集代表“没见过的新句子”，它们的词不能提前混进来。出现次数少于 `min_freq` 的词也不收：只见过一次的词，模型学不到什么，反而占参数。

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
# `itos`（index to string）是列表，下标就是编号；`stoi`（string to index）是反过来的字典。`Counter.most_common()` 按次数排序，次数相同的按第一次出现的顺序。
#
# 丢掉的词多不多？词频画在对数坐标上几乎是一条直线（Zipf 定律）：少数词极常见，大量的词只出现一两次。

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
# ## 5. 编号（numericalization）
#
# 有了 `stoi`，一句话就变成一串编号。不在词表里的词变成 `<unk>` 的编号 1：

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
# `stunning` 在训练集里出现不到两次，成了 `<unk>`：信息丢了。最后一行说明这种情况有多常见：验证集里将近三分之一的词元是 `<unk>`。语料只有 480 句，大部分词只出现一次（见第 4 节的齐普夫图）。第 9 节会看到这对准确率的影响，以及把词拆成片段如何挽回大部分损失。

# %% [markdown]
# ## 6. 补齐（padding）
#
# 句子长短不一，而张量必须是矩形。第 08 章已经学过：`pad_sequence` 用一个值（这里是 `<pad>` 的编号 0）把每句补到**本批最长**的长度，同时记下每句的真实长度：

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
# ## 7. 打包（packing）：让循环网络跳过补齐
#
# 循环网络（RNN、GRU、LSTM）一步一步读序列。直接把补齐后的批次交给它，短句子读完真实的词之后还会**继续读补齐的 0**，最后的隐藏状态就被补齐“污染”了。
#
# `pack_padded_sequence` 把批次重新排成“按时间步”的紧凑格式，只保留真实的词元。下图中每个格子里的数字是它在打包后 `data` 里的位置：先是所有句子的第 1 个词，再是所有还没结束的句子的第 2 个词……灰色的补齐格子根本不在里面。

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
# `batch_sizes[t]` 是第 t 步还有几句话没结束；`enforce_sorted=False` 让 PyTorch 自己按长度排序，并把顺序记在 `sorted_indices` 里（老代码常用 `enforce_sorted=True`，那时批次必须事先按长度从长到短排好）。
#
# 现在做个对比：同一个 GRU，分别读(a)补齐后的批次，(b)打包后的批次，(c)每句话单独读、不补齐（标准答案）。比较最后的隐藏状态 `h_n`：

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
# 最长的那句（没有补齐）三种读法一样；其他句子，读了补齐的 (a) 都偏了，打包的 (b) 与单独读完全一致。注意 `h_packed` 已经按**原来的**顺序排好（PyTorch 用 `sorted_indices` 排回来了）。
#
# 逐步的输出用 `pad_packed_sequence` 还原成补齐的形状，补齐位置填 0：

# %%
# NBVAL_CHECK_OUTPUT
output, output_lengths = pad_packed_sequence(packed_output, batch_first=True)
print("output shape:", tuple(output.shape), "| lengths:", output_lengths.tolist())
print("output at the pads of sentence 3 is all zero:", bool((output[3, seq_lengths[3]:] == 0).all()))

# %% [markdown]
# ## 8. `nn.Embedding` 与 `nn.EmbeddingBag`
#
# `nn.Embedding(num_embeddings, dim)` 是一张查找表：编号 i 取出第 i 行，一个 `(B, T)` 的编号张量变成 `(B, T, dim)`。`padding_idx=0` 让第 0 行恒为零、且不接收梯度。
#
# 很多分类器只需要“一句话的平均词向量”。`nn.EmbeddingBag` 把“查表 + 求平均（或求和、求最大）”合成一步，不生成中间的 `(B, T, dim)` 张量，也**不需要补齐**：把所有句子的编号首尾相接成一维的 `flat`，再用 `offsets` 标出每句从哪里开始。

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
# 三种算法结果相同。`offsets[k]` 是第 k 句的**起点**：上面的 `[0, 8, 15, 25]`，不是终点，也不是长度，这是最常见的错误（练习 11.5）。
#
# 求平均丢掉了词序："dog bites man" 和 "man bites dog" 得到同一个向量。对主题分类，词序不太重要，所以这种“词袋”模型又快又够用；需要词序时用 GRU/LSTM（第 7 节）或 Transformer。

# %% [markdown]
# ## 9. 训练一个主题分类器
#
# 模型就是 `EmbeddingBag`（平均词向量）加一个线性层，输出四个主题的分数（logits）。`collate_fn` 把一批 `(编号, 标签)` 变成 `(flat, offsets, labels)`。

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
# `course_utils.fit`（第 09 章）能训练任何批次形如 `(*inputs, target)` 的模型：这里一个批次是 `(flat, offsets, labels)`，`fit` 会调用 `model(flat, offsets)`。每轮结束时它调用 `on_epoch_end`，我们用它记下**验证损失最低**的那一轮的权重，训练完再装回去（早停，early stopping）：训练几轮是按验证集选的，测试集完全不参与。

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
# 训练损失一路下降，验证损失却在几轮之后就到了最低点，之后回升：320 句话对一个有一万多个参数的模型来说很少，它开始“背”训练集（过拟合）。虚线标出我们保留的那一轮。验证准确率每轮都有起伏；验证集只有 80 句，一句就是 1.25 个百分点，所以这点起伏说明不了什么。
#
# 轮数（以及所有其他设置）都只按验证集定好之后，在测试集上评估**一次**：

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
# 随机猜是 0.25（四个主题各 20 句测试句子，所以总猜同一个主题也是 0.25）：模型确实学到了东西，但十句里大约只对六句，离“好”还远；各主题之间差别也大（比较上面几行）。下面先看模型错在哪里，再说原因，然后搭一个更好的模型。

# %% [markdown]
# ### 预测新句子，看看错在哪里
#
# 这个模型是线性的，所以可以精确地解释它：logits = `fc(平均词向量)` = 每个词元的“投票” `fc.weight @ 词向量` 的平均，再加上偏置。把每个词元对四个主题的投票列出来，就能看出是哪个词把预测带偏的。
#
# 给四个 logits 加上同一个数不会改变预测，所以每个词元的投票先减去它在四个主题上的平均值，只看“相对”的偏好：正数是支持，负数是反对。

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
# 手写的这五句都判对了，最后一句虽然有 `storm`，也判成了 sports。但这五句是挑出来的，每句都有明显的主题词，即便如此，模型对它们也远没有把握（看 `p`）。真正的成绩要看测试集。下面是测试集里判错的一句：

# %%
text, label = "The weather service issued a flood warning.", TOPICS.index("weather")
print("in the test split:", (text, label) in test_data, "| true:", TOPICS[label], "| predicted:", predict(text)[0])
print("the model reads:", decode(encode(text)))
print("'weather' occurs", counts["weather"], "times in the training split\n")
explain(text)

# %% [markdown]
# 这句说的是天气预警，模型却判成了 technology（最后一行：technology 的 logit 最大，weather 的明显为负）：
#
# * 8 个词元里有 5 个是 `<unk>`，连 `weather` 这个词本身都是：它在训练集里一次也没出现过。模型读到的其实只有 "the <unk> <unk> <unk> a <unk> <unk> ."；
# * `<unk>` 也有自己的嵌入。它学到的是偏向 technology、反对 weather（见表中它那一行），原因见下一格；
# * 剩下的 `the`、`a`、`.` 本来与主题无关，它们的大票数（看 `a` 和 `.` 那两行）是小数据集上学到的**巧合**，不是语言规律。
#
# `<unk>` 为什么偏向 technology？看看训练集里各主题的句子有多少 `<unk>`：

# %%
# NBVAL_CHECK_OUTPUT
for t, topic in enumerate(TOPICS):
    ids = torch.cat([encode(text) for text, label in train_data if label == t])
    print(f"{topic:>10}: {(ids == UNK_IDX).float().mean().item():.1%} of its training tokens are <unk>")

# %% [markdown]
# technology 的训练句子里 `<unk>` 最多，weather 的最少，于是“有很多不认识的词”本身成了一条 technology 线索、一条反 weather 线索。拿不准的句子因此容易被推向 technology，这多半也是 technology 的测试准确率最高、错句多被判成 technology 的原因。测试集里其他判错的句子：

# %%
wrong = (predictions != labels).nonzero().flatten().tolist()
print(f"{len(wrong)} of {len(test_set)} test sentences are wrong; the first eight:")
for i in wrong[:8]:
    text, label = test_data[i]
    print(f"true {TOPICS[label]:>10}, predicted {TOPICS[predictions[i]]:>10} | {text}")
print("wrong answers by predicted topic:", dict(Counter(TOPICS[predictions[i]] for i in wrong).most_common()))

# %% [markdown]
# 多数错句的主题词都成了 `<unk>`（`flavours`、`rugby`、`injured`、`herbs`……），少数是故意写的混合线索（sports 的 "The team's new software tracks how far each player runs." 被判成 technology）。最后一行显示，错判最多的答案是 technology，正是上面 `<unk>` 的偏向。
#
# ### 准确率为什么这么低？
#
# 数一数测试集里有多少词元模型不认识：

# %%
# NBVAL_CHECK_OUTPUT
test_tokens = [token for text, _ in test_data for token in tokenize(text)]
unknown = Counter(token for token in test_tokens if token not in stoi)
print(f"{sum(unknown.values())} of {len(test_tokens)} test tokens ({sum(unknown.values()) / len(test_tokens):.1%}) are <unk>")
never_seen = sum(n for token, n in unknown.items() if token not in counts)  # not even once in train
print(f"{never_seen} of them ({never_seen / len(test_tokens):.1%} of all test tokens) never occur in train at all")
print("some of them:", sorted(unknown)[:15])

# %% [markdown]
# 测试集里三分之一以上的词元是 `<unk>`，其中大部分在训练集里**一次都没出现过**：对这些词，模型什么都不知道。不少还是常见词的变形（`answers`、`appeared`、`asks`、`baked`、`bananas`……）。每个主题 80 句训练句子，覆盖不了一个主题常用的词。
#
# 能提高准确率的办法：
#
# * **更多数据**：最直接。每个主题有几千句时，测试句子里的词大多在训练中见过。
# * **`min_freq=1`**：最多救回在训练集里只出现过一次的那些词（上面前两行数字之差），而且它们的嵌入只从一句话里学来；从没见过的词，它救不了。
# * **词的片段**（下一小节）：`baked` 没见过，但 `bake` 和 `ked>` 见过。把词拆成字符 n-gram，没见过的词也能用上从它的片段学到的东西。
# * **预训练的词向量**（如 GloVe、fastText）：在数十亿词上训练过，事先就知道 `weather`、`flood` 的意思，用 `nn.EmbeddingBag.from_pretrained` 装进来即可。
# * **预训练的子词分词器 + 预训练模型**（下一节）：几乎没有 `<unk>`，模型也已经懂英语。小数据集上的文本分类，今天通常就是这样做的（微调预训练模型）。
#
# 还要记住两点。测试集只有 80 句，一句就是 1.25 个百分点，换一种随机划分，这个数字会上下差好几个百分点。而划分是按句子做的，测试句子训练时从没出现过，所以测试准确率是诚实的数字；如果同一句话同时出现在训练集和测试集里，准确率会虚高，但那只说明模型记住了训练集。

# %% [markdown]
# ### 更好的模型：词的片段、补齐的批次和掩码
#
# 在纯 PyTorch 里就能做到的办法，是像 fastText 库那样把每个词拆成**字符 n-gram**：用 `<` 和 `>` 标出首尾的整个词，再加上它所有长度为 3、4、5 的片段。像 `baked` 这样没见过的词，仍然和 `bake`、`cooked` 共享一些片段。训练集里出现过的片段全部保留（`min_freq = 1`：一个片段会出现在许多词里，所以即使是少见的片段也有用）：

# %%
# NBVAL_CHECK_OUTPUT
def pieces(text):
    """Every word as <word>, plus its character n-grams of length 3 to 5 (fastText-style)."""
    out = []
    for token in tokenize(text):
        word = f"<{token}>"  # < 和 > 标出词的开头和结尾
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
# 再来看模型。一句话的片段比词多得多，而且每句的片段数各不相同，所以这次反过来用上第 6 节和第 8 节讲过的办法：用 `pad_sequence` 把批次**补齐**，同时保留一个**掩码**（真实片段为 `True`，补齐位置为 `False`）。模型简单到不能再简单：每个片段对每个主题各投一票（一个 4 列的 `nn.Embedding`），一句话的 logits 就是它所有真实片段投票的平均值。乘以掩码把补齐位置清零，再除以 `mask.sum()`，只数真实片段。不用掩码的话，短句子就会和一排排补齐位置一起被平均。
#
# 训练中没出现过的片段映射到 `<unk>`，它的票数设为零、也从不训练，所以它不支持任何主题。这个模型对权重是线性的，所以我们一次用整个训练集训练（一个补齐的批次），并用权重衰减让只出现过一次的片段的票数保持较小：

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
        votes = self.votes(ids) * mask.unsqueeze(-1)  # (B, T, 主题数)，补齐位置为零
        return votes.sum(dim=1) / mask.sum(dim=1, keepdim=True)  # 对真实片段求平均


piece_train, piece_val, piece_test = map(padded_batch, (train_data, val_data, test_data))
print("padded training batch:", tuple(piece_train[0].shape), "| real pieces:", piece_train[1].sum().item())

torch.manual_seed(0)
piece_model = PieceClassifier(len(piece_itos), len(TOPICS)).to(device)
with torch.no_grad():
    piece_model.votes.weight[UNK_IDX] = 0  # 未知片段不投任何一票（它们永远得不到梯度）
optimizer = torch.optim.AdamW(piece_model.parameters(), lr=0.05, weight_decay=0.1)


def report(step, history):
    if step % 50 == 0:
        print(f"step {step}: train loss {history['train_loss'][-1]:.2f}, val acc {history['val_acc'][-1]:.3f}")


# a list holding one batch is a loader too: every "epoch" of fit is then one step on the whole split
piece_history = fit(piece_model, [piece_train], loss_fn, optimizer, epochs=200, val_loader=[piece_val], device=device,
                    on_epoch_end=report)

# %% [markdown]
# 验证准确率在前一百步之内就稳定下来。这个模型和它的设置都是按验证集选的；现在用测试集评估一次，并和第 9 节的词级模型以及随机水平放在一起比较：

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
# 在同样的 320 句上，词的片段胜过整词，而模型依然很小，而且是线性的。测试句子大约三句对两句，而随机猜只有四句对一句：对这么小的语料，这就算是能用了。大多数测试句子里都有训练中没见过的词，想再提高，就需要更多数据或预训练模型（第 10 节）。别忘了一句测试句子就是 1.25 个百分点，只有多对好几句，提升才有意义。
#
# 为什么不用第 7 节的 GRU 加 `pack_padded_sequence`？它能读出词序，但要学的权重多得多，320 句话远远不够；而且对**主题**分类来说，词序本来就不太重要。换成更大的语料，或者词序要紧的任务（否定句、“狗咬人”和“人咬狗”），打包后的 GRU 才是合适的工具：练习 11.4 就是在构造它需要的排好序的批次。

# %% [markdown]
# ## 10. 今天的分词器：子词（subword）
#
# 本章的分词器按“单词”切，训练集里没见过的词一律变成 `<unk>`。现代模型用**子词分词器**：常见词保持完整，少见的词拆成几个常见的片段（`"unbelievable"` → `"un" "believ" "able"`），所以几乎不会出现 `<unk>`。主要算法和库：
#
# | 算法 | 用在 | 库 |
# | --- | --- | --- |
# | BPE（字节对编码） | GPT 系列、RoBERTa、Llama | Hugging Face `tokenizers`、`tiktoken`（OpenAI）、`sentencepiece` |
# | WordPiece | BERT | Hugging Face `tokenizers` / `transformers` |
# | Unigram | T5、ALBERT、XLNet | `sentencepiece` |
#
# 使用预训练模型时，**必须用它自己的分词器**（词表和编号要与模型的嵌入表一致），通常这样加载（需要 `pip install transformers` 并联网下载词表，本课程的环境没有装，所以这里只作为文字给出）：
#
# ```python
# from transformers import AutoTokenizer
#
# tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")   # downloads the vocabulary
# batch = tokenizer(["The match was called off.", "Snow is forecast."],
#                   padding=True, return_tensors="pt")            # input_ids, attention_mask: torch tensors
# ```
#
# `attention_mask` 就是本章补齐时的掩码（1 是真实词元，0 是补齐）。`tiktoken` 的用法类似：`tiktoken.get_encoding("cl100k_base").encode(text)`。
#
# 第 9 节的字符 n-gram 算是这些分词器的自制简化版：它们同样把从没见过的变形词（`answers`、`baked`……）拆成认识的片段。学出来的子词词表再配上预训练模型，才是进一步提高本章准确率的办法。
#
# ## 小结
#
# * TorchText 已停止开发（最后版本 0.18，2024 年 4 月，对应 torch 2.3），不能和 torch 2.11 一起用；它**没有**并入 Hugging Face。文本流水线用纯 PyTorch 几十行就能写完。
# * 流水线：`tokenize` → 只用训练集建词表（`<pad>`=0、`<unk>`=1、`min_freq`）→ `encode` 成 `torch.long` 编号。
# * 批次：`pad_sequence` 补齐并记下长度；循环网络用 `pack_padded_sequence` 跳过补齐，`pad_packed_sequence` 还原。
# * `nn.EmbeddingBag(mode="mean")` 等于“Embedding 后对真实词元求平均”，输入是 `flat` 和每句的起点 `offsets`（或补齐的批次加 `padding_idx`）。
# * 词袋分类器又快又简单，但不懂词序。训练轮数按验证集选（早停），测试集只用一次。
# * 在 320 句训练数据上，词级模型对没见过的测试句子大约十句对六句（随机猜是四句对一句）：三分之一以上的测试词元是 `<unk>`。把词拆成字符 n-gram、补齐批次并在掩码下求平均，能做到大约三句对两句，这已是这么小的语料所能达到的水平。划分按句子做，这些数字才诚实；要再提高，靠更多数据、预训练的嵌入或预训练的子词模型。
# * 真实项目用子词分词器（BPE、WordPiece、Unigram），并且总是用预训练模型自带的那一个。
#
# 下一章（第 12 章）处理另一种序列：音频。

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **接下来：** [本章练习：11_text](../../exercises/zh/11_text.ipynb) · [下一章：12_torchaudio](12_torchaudio.ipynb)
