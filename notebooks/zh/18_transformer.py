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
# # 18 · 注意力机制与一个小 Transformer
#
# Transformer 是今天几乎所有大语言模型的骨架，而它的核心只有一个运算：**注意力**（attention）。
# 这一章先用几行张量运算亲手写出注意力，弄明白每一步为什么这样做；再看 PyTorch 自带的实现；最后从零搭一个
# 字符级的小 GPT，在课程自己的文本语料上训练，让它写句子，并用**键值缓存**（KV cache）加速生成。
#
# 1. 查询、键、值：注意力的三个角色；
# 2. 为什么要除以 √d：不除的话 softmax 会“饱和”；
# 3. 掩码：补齐（padding）掩码和因果（causal）掩码；
# 4. 多头注意力；
# 5. `F.scaled_dot_product_attention`：和手写版本一致，以及它背后的几种后端；
# 6. `nn.MultiheadAttention` 和 `nn.TransformerEncoderLayer`；
# 7. 位置信息：可学习的、正弦的，以及旋转位置编码（RoPE）；
# 8. 一个字符级的小 GPT：训练、损失曲线、按温度和 top-k 采样；
# 9. 键值缓存：结果和重新计算完全一样，但快得多。

# %%
from course_utils import setup_notebook

setup_notebook()

# %%
import math
import time

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.profiler import ProfilerActivity, profile

from course_utils import get_device
from course_utils.profiling import op_counts, quiet_profiler
from course_utils.text import load_corpus
from course_utils.timing import benchmark

device = get_device()  # 有 GPU 用 GPU，否则用 CPU
# 这一章的模型都很小，多线程省不了多少时间，反而会在繁忙的机器上互相等待（见第 09 章）
torch.set_num_threads(1)
quiet_profiler()  # 关掉分析器的两条无害的提示（第 15 章）
print("device:", device.type)

# %% [markdown]
# ## 1. 查询、键、值
#
# 一句话里有 4 个词元（token），每个词元是一个 8 维向量。注意力让每个词元**看一看**其他词元，再把看到的信息按相关程度混合起来。
# 每个词元向量经过三个线性变换，扮演三个角色：
#
# * **查询** q（query）：“我在找什么？”
# * **键** k（key）：“我这里有什么？”
# * **值** v（value）：“如果你选中了我，我交给你的内容。”
#
# 词元 i 对词元 j 的**分数**是 q_i 和 k_j 的点积，除以 √d；对每一行做 softmax 得到**注意力权重**（每行加起来等于 1）；
# 输出是值向量按权重的加权平均：
#
# $$\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\!\left(\frac{QK^\top}{\sqrt{d}}\right) V$$

# %%
# NBVAL_CHECK_OUTPUT
torch.manual_seed(0)
d = 8
x = torch.randn(4, d)                                          # 4 tokens, one vector each
W_q, W_k, W_v = (torch.randn(d, d) / math.sqrt(d) for _ in range(3))
q, k, v = x @ W_q, x @ W_k, x @ W_v                            # (4, 8) each
scores = q @ k.T / math.sqrt(d)                                # (4, 4): query i against key j
weights = scores.softmax(dim=-1)                               # each row sums to 1
out = weights @ v                                              # (4, 8): weighted means of the values
print("attention weights:\n", weights)
print("row sums:", weights.sum(dim=-1))
print("output shape:", tuple(out.shape))

# %% [markdown]
# 权重矩阵的第 i 行说明第 i 个词元的输出由哪些值向量组成、各占多少。把它写成一个函数，后面反复用。
# 它对任意多的前导维度（批次、头）都适用，因为 `@` 和 `softmax(dim=-1)` 只作用在最后两个维度上。
# 可选的 `mask` 是布尔张量，`True` 表示“可以看”，被挡住的分数设成 `-inf`，softmax 之后权重就是 0：

# %%
def attention(q, k, v, mask=None):
    """Scaled dot-product attention. q: (..., L, d); k, v: (..., S, d); mask: bool, True = may attend."""
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # (..., L, S)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = scores.softmax(dim=-1)
    return weights @ v, weights


# %% [markdown]
# ## 2. 为什么要除以 √d
#
# 如果 q 和 k 的每个分量都是均值 0、方差 1 的随机数，那么点积 q·k 是 d 个乘积之和，方差是 d，标准差是 √d。
# 维度越大，分数的差距越大；softmax 对大的差距极其敏感：最大的那个分数几乎拿走全部权重，其余的接近 0。这叫 softmax **饱和**。
# 饱和有两个坏处：每个查询实际上只看一个键（“平均”变成了“挑一个”）；而且 softmax 的梯度 p_i(δ_ij − p_j) 几乎处处为 0，训练学不动。
#
# 除以 √d 把分数的标准差拉回 1 左右，无论 d 多大。下面用 256 个随机查询、每个查询 32 个键来测量：

# %%
# NBVAL_CHECK_OUTPUT
g = torch.Generator().manual_seed(0)
for d in (4, 16, 64, 256, 1024):
    q = torch.randn(256, 1, d, generator=g)                    # 256 queries
    k = torch.randn(256, 32, d, generator=g)                   # 32 keys for each query
    s = (q @ k.transpose(-2, -1)).squeeze(1)                   # (256, 32) raw dot products
    unscaled = s.softmax(dim=-1).max(dim=-1).values.mean()
    scaled = (s / math.sqrt(d)).softmax(dim=-1).max(dim=-1).values.mean()
    print(f"d = {d:4d}: std of q.k {s.std():5.1f} | mean largest weight: "
          f"unscaled {unscaled:.2f}, scaled {scaled:.2f}")

# %% [markdown]
# 上面打印的结果里，不缩放时 d 一大，最大的权重就接近 1；缩放后它始终不大，32 个键都能分到一些权重。
# 画出 d = 1024 时第一个查询在 32 个键上的权重，差别一目了然：

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 3), sharey=True)
for ax, scale, title in ((axes[0], 1.0, "unscaled: softmax(q.k)"), (axes[1], math.sqrt(1024), "scaled: softmax(q.k / sqrt(d))")):
    ax.bar(range(32), (s[0] / scale).softmax(dim=-1).numpy())
    ax.set_title(f"{title}, d = 1024")
    ax.set_xlabel("key")
axes[0].set_ylabel("attention weight")
plt.show()

# %% [markdown]
# 梯度也一样：对饱和的 softmax 求导，传回分数的梯度小得可怜。

# %%
# NBVAL_CHECK_OUTPUT
target = torch.randn(32, generator=g)
grad_norms = {}
for name, scale in (("unscaled", 1.0), ("scaled", math.sqrt(1024))):
    scores_1 = (s[:64] / scale).requires_grad_()
    (scores_1.softmax(dim=-1) * target).sum().backward()       # any loss that depends on the weights
    grad_norms[name] = scores_1.grad.norm(dim=-1).median().item()
print("median gradient norm reaching the scores, d = 1024:")
print(f"  scaled: {grad_norms['scaled']:.2f}")
print("  unscaled is more than 10x smaller:", grad_norms["unscaled"] < grad_norms["scaled"] / 10)

# %% [markdown]
# ## 3. 掩码
#
# 掩码决定“谁不许看谁”。常见的有两种。
#
# ### 补齐掩码
#
# 一个批次里的句子长短不一，短的要用补齐符号（padding）填到一样长（第 08、11 章）。补上的位置不是真正的词元，
# 谁都不应该注意它们。掩码的形状是 `(B, 1, S)`：每个句子一行，广播到所有查询上。

# %%
# NBVAL_CHECK_OUTPUT
torch.manual_seed(0)
lengths = torch.tensor([5, 3])                                 # two sentences, padded to 5 tokens
x = torch.randn(2, 5, 8)
key_is_real = torch.arange(5) < lengths[:, None]               # (B, S): True for real tokens
print("key_is_real:\n", key_is_real)
_, w = attention(x, x, x, mask=key_is_real[:, None, :])        # (B, 1, S) broadcasts over the queries
print("weights of sentence 1 (3 real tokens):\n", w[1])

# %% [markdown]
# 第二个句子的最后两列全是 0：没有查询去看补齐的位置。（补齐位置自己的那两行输出没有意义，计算损失时也要把它们排除。）
#
# ### 因果掩码
#
# 语言模型按顺序一个一个地预测下一个词元，所以位置 i 只能看位置 0…i，不能偷看未来。这就是**因果掩码**：一个下三角矩阵。

# %%
# NBVAL_CHECK_OUTPUT
T = 6
causal = torch.ones(T, T, dtype=torch.bool).tril()             # row i: True for the keys 0..i
print(causal.int())

# %%
torch.manual_seed(0)
x = torch.randn(T, 8)
_, w = attention(x, x, x, mask=causal)
fig, ax = plt.subplots(figsize=(4, 3.5))
ax.imshow(w.numpy(), cmap="Blues")
ax.set_xlabel("key position")
ax.set_ylabel("query position")
ax.set_title("Causal attention weights")
ax.grid(False)
plt.show()

# %% [markdown]
# 右上角全是 0：没有谁看得到未来。第 0 行只能看自己，权重是 1。
#
# 一个细节：如果某一行**所有**的键都被挡住，这一行的分数全是 `-inf`，softmax 得到 0/0 = `nan`。
# 我们的手写函数就会这样；下面要介绍的 `F.scaled_dot_product_attention` 在这种情况下给出 0。

# %%
# NBVAL_CHECK_OUTPUT
blocked = torch.tensor([[True, False, False], [False, False, False], [True, True, True]])  # row 1 sees nothing
qkv = torch.randn(3, 4)
print("hand-written, row 1:", attention(qkv, qkv, qkv, mask=blocked)[0][1])
print("F.scaled_dot_product_attention, row 1:", F.scaled_dot_product_attention(qkv, qkv, qkv, attn_mask=blocked)[1])

# %% [markdown]
# ## 4. 多头注意力
#
# 一组 q、k、v 只能表达一种“相关”。**多头**注意力把 d_model 维切成 h 份，每一份（一个“头”）有自己的查询、键、值，各自做注意力，
# 最后把 h 个头的输出拼回 d_model 维，再经过一个线性层混合。计算量和单头差不多，但不同的头可以关注不同的东西
# （比如一个头看前一个字符，另一个头看这个词的开头）。
#
# 实现上只是形状的变换：`(B, T, d_model)` → `(B, T, h, d_head)` → 交换维度得到 `(B, h, T, d_head)`，于是每个头成了一个批次维度，
# `attention` 一次就算完所有的头。三个投影合成一个 `nn.Linear(d_model, 3 * d_model)`，一次矩阵乘法得到 q、k、v。

# %%
class MultiHeadSelfAttention(nn.Module):
    def __init__(self, d_model, n_heads):
        super().__init__()
        assert d_model % n_heads == 0
        self.n_heads = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)             # q, k and v projections in one matrix
        self.proj = nn.Linear(d_model, d_model)                # mixes the heads' outputs

    def split_heads(self, x):                                  # (B, T, D) -> (B, h, T, D/h)
        B, T, D = x.shape
        return x.view(B, T, self.n_heads, D // self.n_heads).transpose(1, 2)

    def forward(self, x, mask=None):
        B, T, D = x.shape
        q, k, v = (self.split_heads(z) for z in self.qkv(x).split(D, dim=-1))
        out, _ = attention(q, k, v, mask)                      # (B, h, T, D/h)
        return self.proj(out.transpose(1, 2).reshape(B, T, D))  # heads side by side again


# %%
# NBVAL_CHECK_OUTPUT
torch.manual_seed(0)
mhsa = MultiHeadSelfAttention(d_model=32, n_heads=4)
x = torch.randn(2, 6, 32)                                      # (B, T, d_model)
print("one head's queries:", tuple(mhsa.split_heads(mhsa.qkv(x)[..., :32]).shape))
print("output:", tuple(mhsa(x, causal).shape))
print("parameters:", sum(p.numel() for p in mhsa.parameters()))

# %% [markdown]
# ## 5. `F.scaled_dot_product_attention`
#
# PyTorch 把上面的公式做成了一个函数，`F.scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None)`
# （下面简称 SDPA）。它接受和我们一样的 `(..., L, d)` 形状，布尔掩码的约定也一样（`True` = 可以看），`is_causal=True` 则直接用因果掩码，
# 不用自己建。先证明它和手写版本算的是同一个东西：

# %%
# NBVAL_CHECK_OUTPUT
torch.manual_seed(0)
q, k, v = torch.randn(3, 2, 4, 16, 8).unbind(0)                # (B, h, T, d_head) each
ours, _ = attention(q, k, v, mask=torch.ones(16, 16, dtype=torch.bool).tril())
sdpa = F.scaled_dot_product_attention(q, k, v, is_causal=True)
print(f"largest difference: below 1e-6? {(ours - sdpa).abs().max().item() < 1e-6}")
print("torch.allclose(atol=1e-6, rtol=1e-5):", torch.allclose(ours, sdpa, atol=1e-6, rtol=1e-5))

# %% [markdown]
# 为什么不是 `torch.equal`？两边做的是同样的数学，但加法的顺序不同（SDPA 把矩阵分块计算），而浮点数的加法不满足结合律，
# 结果在 float32 的最后一两位上不同，差距在 1e-7 左右。所以比较时要给一个**容差**：这里是绝对误差 1e-6、相对误差 1e-5。
#
# ### SDPA 背后的后端
#
# SDPA 只是一个入口，真正干活的是几种**后端**（`torch.nn.attention.SDPBackend`），它根据设备、数据类型、形状和参数挑一个能用的、最快的：
#
# | 后端 | 在哪里 | 特点 |
# | --- | --- | --- |
# | `MATH` | 任何设备 | 就是我们的公式，用普通的 PyTorch 运算实现；什么情况都支持，但要把整个 L×S 的分数矩阵存下来 |
# | `FLASH_ATTENTION` | CUDA（fp16/bf16），**CPU 也有一个版本** | FlashAttention：分块计算，边算边做 softmax，从不存下整个分数矩阵；又快又省内存 |
# | `EFFICIENT_ATTENTION` | CUDA | “memory-efficient attention”（xFormers 的算法），也不存分数矩阵，支持的情况比 FlashAttention 多（例如任意的加性掩码） |
# | `CUDNN_ATTENTION` | CUDA（较新的 NVIDIA GPU） | NVIDIA cuDNN 库里的融合注意力 |
#
# 在这台 CPU 上到底用的是哪一个？用第 15 章的分析器看看实际运行的算子：

# %%
def attention_kernels(fn):
    """The attention operators that run inside fn(), below the SDPA entry point."""
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        fn()
    return [name for name in op_counts(prof) if "attention" in name and name != "aten::scaled_dot_product_attention"]


print("default:          ", attention_kernels(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True)))
with sdpa_kernel(SDPBackend.MATH):                             # allow only the MATH backend inside this block
    print("only MATH allowed:", attention_kernels(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True)))

# %% [markdown]
# 在 CPU 上，默认运行的是 FlashAttention 的 CPU 版本（`_scaled_dot_product_flash_attention_for_cpu`）；
# 用 `sdpa_kernel(...)` 把后端限定为 `MATH` 之后，运行的就是 `_scaled_dot_product_attention_math`。
# `sdpa_kernel` 是一个上下文管理器，只在 `with` 块里生效，可以传一个后端，也可以传一个列表。
# 如果限定的后端在这里都不能用，SDPA 不会悄悄换一个，而是报错：

# %%
# NBVAL_CHECK_OUTPUT
try:
    with sdpa_kernel([SDPBackend.EFFICIENT_ATTENTION, SDPBackend.CUDNN_ATTENTION]):
        F.scaled_dot_product_attention(q, k, v, is_causal=True)
except RuntimeError as error:
    print("RuntimeError:", str(error).split(".")[0])

# %% [markdown]
# 在 GPU 上，下面的单元格依次只允许一个后端，看看哪些能用（半精度，GPU 上的融合后端大多只接受 fp16/bf16）。在 CPU 上它只打印一行说明。

# %%
# NBVAL_IGNORE_OUTPUT
# 哪些后端能用取决于 GPU 型号和驱动；CPU 上只打印一行
if torch.cuda.is_available():
    qh, kh, vh = (t.to("cuda", torch.float16) for t in (q, k, v))
    for backend in (SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.CUDNN_ATTENTION, SDPBackend.MATH):
        try:
            with sdpa_kernel(backend):
                F.scaled_dot_product_attention(qh, kh, vh, is_causal=True)
            print(f"{backend.name:<20} runs on {torch.cuda.get_device_name()}")
        except RuntimeError:
            print(f"{backend.name:<20} not available here")
else:
    print("no CUDA GPU here: on a GPU this cell tries FLASH_ATTENTION, EFFICIENT_ATTENTION, CUDNN_ATTENTION and MATH one by one")

# %% [markdown]
# ## 6. `nn.MultiheadAttention` 和 `nn.TransformerEncoderLayer`
#
# `nn.MultiheadAttention` 就是第 4 节的多头注意力，做成了一个模块。它的参数布局和我们的一模一样：
# `in_proj_weight` 是把 q、k、v 三个投影叠在一起的 `(3·d_model, d_model)` 矩阵，`out_proj` 是输出的线性层。
# 所以可以把我们的权重直接复制过去，验证两者相同。
#
# **注意**：`nn.MultiheadAttention` 的布尔掩码约定和 SDPA **相反**：`True` 表示“**不许**看”。所以要传 `~causal`。
# 另外别忘了 `batch_first=True`，否则它期望的形状是 `(T, B, d_model)`。

# %%
# NBVAL_CHECK_OUTPUT
mha = nn.MultiheadAttention(embed_dim=32, num_heads=4, batch_first=True)
with torch.no_grad():
    mha.in_proj_weight.copy_(mhsa.qkv.weight)
    mha.in_proj_bias.copy_(mhsa.qkv.bias)
    mha.out_proj.weight.copy_(mhsa.proj.weight)
    mha.out_proj.bias.copy_(mhsa.proj.bias)
    ours = mhsa(x, causal)
    theirs, _ = mha(x, x, x, attn_mask=~causal, need_weights=False)  # True = NOT allowed to attend
    wrong, _ = mha(x, x, x, attn_mask=causal, need_weights=False)    # SDPA's convention: the wrong way round here
print("same as ours with attn_mask=~causal:", torch.allclose(ours, theirs, atol=1e-6))
print("same as ours with attn_mask=causal: ", torch.allclose(ours, wrong, atol=1e-6))

# %% [markdown]
# 一个完整的 Transformer **块**（block）是在注意力之外再加一个两层的前馈网络（MLP），两者都包在**残差连接**里，前面各有一个 `LayerNorm`。
# 这种先归一化再进子层的写法叫 **pre-norm**（GPT-2 以来的大多数模型都这样写；2017 年的原始论文是 post-norm，训练深层网络时更不稳定）：
#
# ```
# x = x + Attention(LayerNorm(x))
# x = x + MLP(LayerNorm(x))
# ```
#
# 下面这个 `Block` 就是后面小 GPT 用的积木。它的注意力子层直接调用 SDPA，并且支持第 9 节要用的键值缓存 `cache`
# （现在可以先跳过 `cache` 那几行）。

# %%
class CausalSelfAttention(MultiHeadSelfAttention):
    """Multi-head causal self-attention through SDPA, with an optional key/value cache (section 9)."""

    def forward(self, x, cache=None):
        B, T, D = x.shape
        q, k, v = (self.split_heads(z) for z in self.qkv(x).split(D, dim=-1))
        past = 0
        if cache is not None:                                  # a dict that keeps this layer's keys and values
            if "k" in cache:
                past = cache["k"].shape[2]
                k = torch.cat([cache["k"], k], dim=2)          # the old keys, then the new ones
                v = torch.cat([cache["v"], v], dim=2)
            cache["k"], cache["v"] = k, v
        if past == 0:
            out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:                                                  # new query i sits at position past + i
            mask = torch.ones(T, past + T, dtype=torch.bool, device=x.device).tril(diagonal=past)
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return self.proj(out.transpose(1, 2).reshape(B, T, D))


class Block(nn.Module):
    """A pre-norm Transformer block: causal self-attention and an MLP, each inside a residual connection."""

    def __init__(self, d_model, n_heads, dropout=0.0):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = CausalSelfAttention(d_model, n_heads)
        self.ln2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model))
        self.drop = nn.Dropout(dropout)

    def forward(self, x, cache=None):
        x = x + self.drop(self.attn(self.ln1(x), cache))
        return x + self.drop(self.mlp(self.ln2(x)))


# %% [markdown]
# PyTorch 也有现成的块：`nn.TransformerEncoderLayer`。设成 `norm_first=True`（pre-norm）、`activation="gelu"`、前馈层宽 4·d_model，
# 它和我们的 `Block` 结构完全相同，参数一一对应。复制权重，传入因果掩码，输出一样：

# %%
# NBVAL_CHECK_OUTPUT
torch.manual_seed(0)
block = Block(d_model=32, n_heads=4).eval()
layer = nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=128, dropout=0.0, activation="gelu",
                                   batch_first=True, norm_first=True).eval()
renamed = {"self_attn.in_proj_weight": "attn.qkv.weight", "self_attn.in_proj_bias": "attn.qkv.bias",
           "self_attn.out_proj.weight": "attn.proj.weight", "self_attn.out_proj.bias": "attn.proj.bias",
           "linear1.weight": "mlp.0.weight", "linear1.bias": "mlp.0.bias",
           "linear2.weight": "mlp.2.weight", "linear2.bias": "mlp.2.bias",
           "norm1.weight": "ln1.weight", "norm1.bias": "ln1.bias", "norm2.weight": "ln2.weight", "norm2.bias": "ln2.bias"}
ours_state = block.state_dict()
layer.load_state_dict({theirs: ours_state[mine] for theirs, mine in renamed.items()})
print("parameters: Block", sum(p.numel() for p in block.parameters()),
      "| TransformerEncoderLayer", sum(p.numel() for p in layer.parameters()))
with torch.no_grad():
    mask = nn.Transformer.generate_square_subsequent_mask(6)   # float mask: 0 on and below the diagonal, -inf above
    same = torch.allclose(block(x), layer(x, src_mask=mask, is_causal=True), atol=1e-5)
print("same output:", same)

# %% [markdown]
# （`generate_square_subsequent_mask` 生成的是**加性**的浮点掩码：允许的位置是 0，不允许的是 `-inf`，直接加到分数上，和布尔掩码效果一样。）
#
# 既然有现成的，为什么还要自己写？因为自己写的块可以随意改：加键值缓存、换位置编码、换归一化层……研究代码和大模型代码几乎都自己写块，
# 而把注意力的计算交给 SDPA。
#
# ## 7. 位置信息
#
# 注意力本身**不知道顺序**。把输入的词元打乱，输出也只是跟着打乱，每个词元得到的结果完全不变（没有掩码时）：

# %%
# NBVAL_CHECK_OUTPUT
perm = torch.tensor([3, 0, 5, 1, 4, 2])
with torch.no_grad():
    shuffled_then_attended = mhsa(x[:, perm])
    attended_then_shuffled = mhsa(x)[:, perm]
print("permuting the tokens only permutes the outputs:",
      torch.allclose(shuffled_then_attended, attended_then_shuffled, atol=1e-6))

# %% [markdown]
# 对注意力来说，“狗咬人”和“人咬狗”是一回事。所以要把**位置信息**加进每个词元的向量里。常见的做法有三种。
#
# **可学习的位置嵌入**（GPT-2 的做法）：一张 `nn.Embedding(block_size, d_model)` 表，第 t 行是位置 t 的向量，和词元嵌入相加，随模型一起训练。
# 简单有效，缺点是最长只能到 `block_size`：没训练过的位置没有向量。后面的小 GPT 就用它。
#
# **正弦位置编码**（2017 年 Transformer 原始论文）：不用学，直接用不同频率的正弦和余弦造出来：
#
# $$PE_{t,\,2i} = \sin\!\big(t / 10000^{2i/d}\big), \qquad PE_{t,\,2i+1} = \cos\!\big(t / 10000^{2i/d}\big)$$
#
# 前面的维度变化得快（频率高），后面的维度变化得慢，就像一个用正弦波写的二进制计数器。
# 原论文把 sin 和 cos **交错**放在偶数位和奇数位；很多实现（包括下面这段代码）把所有 sin 放在前一半、所有 cos 放在后一半，
# 这只是把维度换了个顺序，对模型没有区别。

# %%
def sinusoidal_table(n_positions, d_model):
    """Sinusoidal position encodings, sines in the first half of the dimensions and cosines in the second."""
    t = torch.arange(n_positions, dtype=torch.float32)[:, None]                     # (T, 1)
    freqs = 10000 ** (-torch.arange(0, d_model, 2, dtype=torch.float32) / d_model)  # (d/2,)
    return torch.cat([torch.sin(t * freqs), torch.cos(t * freqs)], dim=1)           # (T, d)


pe = sinusoidal_table(64, 32)
fig, ax = plt.subplots(figsize=(7, 3.5))
image = ax.imshow(pe.T.numpy(), cmap="RdBu", aspect="auto")
ax.set_xlabel("position t")
ax.set_ylabel("dimension (sin | cos)")
ax.set_title("Sinusoidal position encodings")
ax.grid(False)
fig.colorbar(image)
plt.show()

# %% [markdown]
# 它的好处是任意长度都能算，而且位置 t+k 的编码是位置 t 的编码的一个**旋转**（只取决于 k），模型容易从中读出相对距离。
#
# **旋转位置编码**（RoPE，Rotary Position Embedding，LLaMA、Qwen 等今天的大多数大模型都用它）把这个想法更进一步：
# 不把位置加到输入上，而是在每一层算注意力之前，把 q 和 k 的每两个分量看作一个平面向量，**按位置 t 旋转 t·θ_i 角度**。
# 两个旋转过的向量的点积只取决于角度之差，所以分数 q_m·k_n 只取决于**相对位置** m − n。验证一下（只用一对分量、一个频率）：

# %%
# NBVAL_CHECK_OUTPUT
def rotate(vec, position, theta=0.1):
    """Rotate a 2-D vector by the angle position * theta (RoPE for one pair of dimensions)."""
    c, s_ = math.cos(position * theta), math.sin(position * theta)
    return torch.tensor([[c, -s_], [s_, c]]) @ vec


q2, k2 = torch.tensor([1.0, 2.0]), torch.tensor([0.5, -1.0])
for m, n in ((3, 1), (10, 8), (50, 48), (5, 1)):
    print(f"query at {m:2d}, key at {n:2d} (offset {m - n}): score {rotate(q2, m) @ rotate(k2, n):.4f}")

# %% [markdown]
# 偏移都是 2 的三行分数相同，偏移 4 的不同。真实的 RoPE 对每一对维度用不同的频率 θ_i（和正弦编码一样的几何级数），在每一层的每个头里都做。
#
# ## 8. 一个字符级的小 GPT
#
# 现在把积木拼起来：一个**只有解码器**（decoder-only）的 Transformer，和 GPT 同样的结构，只是小得多。它逐个字符地读文本，
# 在每个位置预测**下一个字符**。数据是课程自己写的语料（`data/text/topics.tsv`，第 11 章用过）：几百个关于体育、食物、科技和天气的英文短句。
# 训练集的句子连成一长串文本，每句一行；验证集的句子单独拿出来，训练时从不看。

# %%
# NBVAL_CHECK_OUTPUT
train_text = "\n".join(text for text, _ in load_corpus("train")) + "\n"
val_text = "\n".join(text for text, _ in load_corpus("val")) + "\n"
chars = sorted(set("".join(text for text, _ in load_corpus())) | {"\n"})  # every character of the corpus
stoi = {c: i for i, c in enumerate(chars)}


def encode(text):
    return torch.tensor([stoi[c] for c in text])


def decode(ids):
    return "".join(chars[i] for i in ids)


train_ids, val_ids = encode(train_text), encode(val_text)
print(f"{len(chars)} characters in the vocabulary: {''.join(chars)!r}")
print(f"train: {len(train_ids)} characters | validation: {len(val_ids)} characters")
print(repr(train_text[:120]))

# %% [markdown]
# ### 基线：只看字符频率
#
# 模型要比什么好？最简单的模型不看上下文，只按每个字符在训练集里出现的频率猜（**一元**模型，unigram）。
# 它在验证集上的交叉熵就是基线；一个完全不学的模型（所有字符等概率）是 ln(词表大小)。

# %%
# NBVAL_CHECK_OUTPUT
counts = torch.bincount(train_ids, minlength=len(chars)).float() + 1    # +1: no character gets probability 0
unigram_logp = (counts / counts.sum()).log()
unigram_loss = -unigram_logp[val_ids].mean().item()
print(f"uniform guess:      {math.log(len(chars)):.3f} nats per character")
print(f"unigram baseline:   {unigram_loss:.3f} nats per character")

# %% [markdown]
# ### 模型
#
# 词元嵌入加上可学习的位置嵌入，经过几个 `Block`，最后一个 `LayerNorm` 和一个线性层给出每个位置上下一个字符的 logits。
# `forward` 的 `caches` 参数留给第 9 节。

# %%
class MiniGPT(nn.Module):
    def __init__(self, vocab_size, block_size=64, d_model=64, n_heads=4, n_layers=2, dropout=0.1):
        super().__init__()
        self.block_size = block_size
        self.tok_emb = nn.Embedding(vocab_size, d_model)
        self.pos_emb = nn.Embedding(block_size, d_model)        # learned positions 0 .. block_size - 1
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(Block(d_model, n_heads, dropout) for _ in range(n_layers))
        self.ln_f = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size)

    def forward(self, idx, caches=None):
        """idx: (B, T) character ids -> logits (B, T, vocab). caches: one dict per block, or None."""
        past = caches[0]["k"].shape[2] if caches and "k" in caches[0] else 0
        positions = torch.arange(past, past + idx.shape[1], device=idx.device)
        x = self.drop(self.tok_emb(idx) + self.pos_emb(positions))
        for i, block in enumerate(self.blocks):
            x = block(x, None if caches is None else caches[i])
        return self.head(self.ln_f(x))


# %% [markdown]
# 训练数据是从训练文本里随机截取的长度为 `block_size` 的片段：输入是片段 `ids[i : i+T]`，目标是向后错一位的 `ids[i+1 : i+T+1]`。
# 因为有因果掩码，一个片段同时给出 T 个训练样本（用前 1 个、前 2 个……前 T 个字符预测下一个），这正是 Transformer 训练高效的原因。
# 随机位置由一个自己的 `torch.Generator` 抽取，所以每次运行取到的片段都一样。

# %%
BLOCK_SIZE, BATCH_SIZE = 64, 16
batch_generator = torch.Generator().manual_seed(0)


def get_batch(ids, generator):
    starts = torch.randint(len(ids) - BLOCK_SIZE - 1, (BATCH_SIZE,), generator=generator)
    x = torch.stack([ids[i:i + BLOCK_SIZE] for i in starts])
    y = torch.stack([ids[i + 1:i + BLOCK_SIZE + 1] for i in starts])
    return x.to(device), y.to(device)


@torch.no_grad()
def validation_loss(model):
    """Mean cross-entropy over the whole validation text, cut into windows of BLOCK_SIZE characters."""
    model.eval()
    n = (len(val_ids) - 1) // BLOCK_SIZE
    x = val_ids[:n * BLOCK_SIZE].view(n, BLOCK_SIZE).to(device)
    y = val_ids[1:n * BLOCK_SIZE + 1].view(n, BLOCK_SIZE).to(device)
    loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten()).item()
    model.train()
    return loss


torch.manual_seed(0)
model = MiniGPT(len(chars), block_size=BLOCK_SIZE).to(device)
print("parameters:", sum(p.numel() for p in model.parameters()))
print(f"loss at initialisation: {validation_loss(model):.1f} (ln of the vocabulary size: {math.log(len(chars)):.1f})")

# %% [markdown]
# 初始的损失应该接近 ln(词表大小)：随机初始化的模型对每个字符给出差不多相同的概率。这是第 19 章调试方法的第一步，值得每次都看一眼。
#
# 优化器用 AdamW，学习率按 one-cycle 日程：前 10% 的步数从小升到最大值，然后余弦下降到接近 0（第 07 章）。
# 开头的“预热”防止刚初始化时的大梯度把模型带偏；结尾的小学习率让结果稳定。对这么小的模型，3e-2 这样大的学习率是可以的（大模型通常用 1e-4 量级）。
# 训练 400 步，在 CPU 上不到半分钟。

# %%
STEPS = 400
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-2, weight_decay=0.1)
scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=3e-2, total_steps=STEPS, pct_start=0.1)
train_losses, val_points = [], []
start = time.perf_counter()
for step in range(1, STEPS + 1):
    x, y = get_batch(train_ids, batch_generator)
    loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    scheduler.step()
    train_losses.append(loss.item())
    if step % 25 == 0:
        val_points.append((step, validation_loss(model)))
train_seconds = time.perf_counter() - start
final_val_loss = val_points[-1][1]

# %%
# NBVAL_IGNORE_OUTPUT
# 耗时取决于机器，以及它同时还在做什么
print(f"training took {train_seconds:.1f} s")

# %%
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(range(1, STEPS + 1), train_losses, alpha=0.5, label="train (one batch)")
ax.plot(*zip(*val_points), "o-", label="validation")
ax.axhline(unigram_loss, color="gray", linestyle="--", label="unigram baseline")
ax.set_xlabel("step")
ax.set_ylabel("cross-entropy (nats per character)")
ax.set_title("MiniGPT on the course corpus")
ax.legend()
plt.show()

# %%
print(f"validation loss {final_val_loss:.1f} vs unigram baseline {unigram_loss:.1f} nats per character")
print("at least 1 nat below the baseline:", final_val_loss < unigram_loss - 1.0)

# %% [markdown]
# 验证损失远低于一元基线：模型学到了上下文，而不只是字母频率。（打印时只保留一位小数：训练几百步之后，
# 不同 CPU 上浮点数最后几位的差别会放大到损失的第三位小数。）每个字符的交叉熵是 ln 概率，
# 所以损失低 1 意味着模型给正确字符的概率平均高了 e ≈ 2.7 倍。
#
# ### 生成：温度和 top-k
#
# 生成就是反复做三件事：把已有的文本送进模型；取**最后一个位置**的 logits，变成概率，抽一个字符；把它接到文本后面。
# 两个旋钮控制抽样：
#
# * **温度**（temperature）：先把 logits 除以温度再做 softmax。温度 < 1 让分布更尖（更保守、更重复），> 1 让它更平（更大胆、更多错字）；
#   温度趋于 0 就是每次都选概率最大的字符（贪心）。
# * **top-k**：只保留概率最大的 k 个字符，其余的 logits 设为 `-inf`（概率为 0），再按比例抽样。它把长尾里那些不太可能、一旦抽中就会出错的字符去掉。
#   （另一种常见的做法是 top-p，也叫 nucleus 采样：保留概率从大到小累加到 p 为止的那些字符。练习里会写它。）
#
# 抽样用 `torch.multinomial` 和一个固定种子的 `torch.Generator`，同样的模型每次生成同样的文本。
# 超过 `block_size` 之后，只把最后 `block_size` 个字符送进模型（可学习的位置只有这么多）。

# %%
@torch.no_grad()
def generate(model, prompt, n_new, temperature=1.0, top_k=None, seed=0):
    """Sample n_new characters after prompt; recomputes the whole window for every new character."""
    model.eval()
    generator = torch.Generator(device=device).manual_seed(seed)
    idx = encode(prompt)[None].to(device)
    for _ in range(n_new):
        logits = model(idx[:, -model.block_size:])[:, -1] / temperature   # the last position's logits
        if top_k is not None:
            kth_largest = logits.topk(top_k, dim=-1).values[:, -1:]
            logits = logits.masked_fill(logits < kth_largest, float("-inf"))
        next_id = torch.multinomial(logits.softmax(dim=-1), 1, generator=generator)
        idx = torch.cat([idx, next_id], dim=1)
    return decode(idx[0].tolist())


# %%
# NBVAL_IGNORE_OUTPUT
# 抽样结果取决于训练后权重的最后几位，而这些位在不同 CPU 的向量化内核之间可能不同，所以文本不一定逐字相同
for temperature, top_k in ((0.5, None), (1.0, None), (1.5, None), (1.0, 5)):
    label = f"temperature {temperature}" + (f", top-{top_k}" if top_k else "")
    print(f"--- {label}\n{generate(model, 'The ', 140, temperature, top_k)}")

# %% [markdown]
# 读一读上面的样本。低温度时多是 the、and、with 这样的常见词，也更容易重复；温度 1.5 时拼写明显乱了，句子中间还会冒出大写字母；
# top-5 在温度 1 下去掉了长尾，比单纯用温度 1 干净一些。没有一个样本是真正通顺的英文：这个模型只有十万个参数，
# 只读过一万多个字符，训练不到半分钟。但它已经学会了常见的单词、单词之间的空格、句首的大写和句末的句号加换行。
#
# 有些事实不依赖于权重的最后几位，可以精确检验：同一个种子生成同样的文本；k = 1 的 top-k 就是贪心解码，和温度无关：

# %%
# NBVAL_CHECK_OUTPUT
print("same seed, same text:", generate(model, "The ", 40, seed=1) == generate(model, "The ", 40, seed=1))
print("top-1 is greedy, whatever the temperature:",
      generate(model, "The ", 40, 0.7, top_k=1, seed=1) == generate(model, "The ", 40, 1.3, top_k=1, seed=2))

# %% [markdown]
# ## 9. 键值缓存
#
# 上面的 `generate` 每生成一个字符，都把整个窗口重新送进模型。可是因果掩码保证了：位置 t 的键和值只取决于前 t 个字符，
# **新字符不会改变任何旧的键和值**。所以可以把每一层算过的 k、v 存起来（这就是**键值缓存**），之后每一步只把**一个新字符**送进模型：
# 它的查询和缓存里的所有键做注意力，它自己的 k、v 接到缓存后面。
#
# 第 6 节的 `CausalSelfAttention` 已经支持这一点：传入一个字典作为 `cache`，它会把旧的 k、v 和新的拼起来再存回去。
# 新的查询位于位置 `past + i`，所以掩码是 `tril(diagonal=past)`：右下角对齐的下三角（只有一个新字符时，它能看全部的键）。
#
# 先验证缓存版本和重新计算**给出同样的 logits**：用一个提示开头，贪心地生成，每一步都把两种做法的 logits 比一比。

# %%
@torch.no_grad()
def greedy_with_cache(model, prompt, n_new):
    """Greedy decoding that feeds one new character per step; returns the ids and each step's logits."""
    model.eval()
    caches = [{} for _ in model.blocks]
    idx = encode(prompt)[None].to(device)
    logits = model(idx, caches)[:, -1]                         # the prompt fills the caches
    steps = []
    for _ in range(n_new):
        steps.append(logits)
        next_id = logits.argmax(dim=-1, keepdim=True)
        idx = torch.cat([idx, next_id], dim=1)
        logits = model(next_id, caches)[:, -1]                 # only the new character goes in
    return idx, steps


@torch.no_grad()
def greedy_recompute(model, prompt, n_new):
    """The same greedy decoding, recomputing the whole sequence at every step."""
    model.eval()
    idx = encode(prompt)[None].to(device)
    steps = []
    for _ in range(n_new):
        logits = model(idx)[:, -1]
        steps.append(logits)
        idx = torch.cat([idx, logits.argmax(dim=-1, keepdim=True)], dim=1)
    return idx, steps


# %%
# NBVAL_CHECK_OUTPUT
prompt, n_new = "The weather ", BLOCK_SIZE - 12                 # stay within the 64 learned positions
ids_cache, logits_cache = greedy_with_cache(model, prompt, n_new)
ids_full, logits_full = greedy_recompute(model, prompt, n_new)
largest = max((a - b).abs().max().item() for a, b in zip(logits_cache, logits_full))
print("same characters:", torch.equal(ids_cache, ids_full))
print("logits agree within 1e-4 at every step:", largest < 1e-4)

# %% [markdown]
# 两种做法的 logits 只在浮点误差范围内不同（加法顺序不同），生成的字符完全一样。
#
# 再比一比速度。我们的模型只有 64 个位置，差别还不明显；所以另建一个结构相同、宽一些（d_model = 128）、有 256 个位置的模型
# （不用训练：计时和权重无关），在几个不同的长度上测量**一步**生成要多久：重新计算全部词元，对比只算一个新词元、其余的键和值来自缓存。
# 每个时间取 7 次运行的中位数（第 04 章的 `benchmark`），不受偶尔一次慢的影响。

# %%
@torch.no_grad()
def step_times(model, lengths):
    """Median seconds of one generation step at each length: recompute all tokens vs one token with a filled cache."""
    model.eval()
    full, cached = [], []
    for n in lengths:
        idx = torch.randint(len(chars), (1, n), device=device)
        filled = [{} for _ in model.blocks]
        model(idx[:, :-1], filled)                             # a cache holding the first n - 1 tokens
        full.append(benchmark(lambda idx=idx: model(idx), device=device, warmup=1, repeats=7).median)
        # a shallow copy of each layer's dict: every timed step starts from the same n - 1 cached tokens
        cached.append(benchmark(lambda idx=idx, filled=filled: model(idx[:, -1:], [dict(c) for c in filled]),
                                device=device, warmup=1, repeats=7).median)
    return full, cached


torch.manual_seed(0)
long_model = MiniGPT(len(chars), block_size=256, d_model=128).to(device)
lengths = [16, 64, 128, 192, 256]
full, cached = step_times(long_model, lengths)

fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(lengths, [t * 1e3 for t in full], "o-", label="recompute all tokens")
ax.plot(lengths, [t * 1e3 for t in cached], "o-", label="one new token + key/value cache")
ax.set_xlabel("length of the text so far (tokens)")
ax.set_ylabel("milliseconds per generated token")
ax.set_title("One generation step (median of 7 runs)")
ax.legend()
plt.show()

# %%
# NBVAL_IGNORE_OUTPUT
# 计时取决于机器和它的负载
for n, t_full, t_cached in zip(lengths, full, cached):
    print(f"{n:3d} tokens so far: recompute {t_full * 1e3:5.1f} ms, with the cache {t_cached * 1e3:4.1f} ms "
          f"({t_full / t_cached:.1f}x)")

# %% [markdown]
# 第 t 步，重新计算要处理 t 个字符，缓存只要处理 1 个，所以生成 n 个字符的总工作量从 n² 量级降到 n 量级。
# 图里重新计算的曲线随长度上升，缓存的曲线几乎是平的。这个模型很小，每一步有不少时间花在 Python 和算子调用的固定开销上，
# 所以文本很短时两者差不多；对上下文有几千个词元、几十层的大模型，缓存是生成时必不可少的。代价是内存：每一层、每一个头都要存下所有位置的 k 和 v，
# 这常常是大模型推理时最占显存的部分。
#
# ## 小结
#
# * 注意力 = softmax(QKᵀ/√d)·V：每个查询对所有键打分，按权重平均值向量。除以 √d 防止 softmax 饱和、梯度消失。
# * 掩码用 `-inf` 挡住不许看的位置：补齐掩码挡住填充的位置，因果掩码挡住未来。
# * 多头只是形状变换：`(B, T, D)` → `(B, h, T, D/h)`，每个头一个批次维度。
# * `F.scaled_dot_product_attention` 和手写公式一致（误差在 1e-6 以内），并自动挑选后端（CPU 上是 FlashAttention 的 CPU 版本）；
#   `sdpa_kernel` 可以限定后端。`nn.MultiheadAttention` 的布尔掩码约定和 SDPA 相反。
# * 注意力不知道顺序：可学习的位置嵌入、正弦位置编码或 RoPE 把位置告诉它。
# * 一个十万参数的字符级 GPT，训练不到半分钟，验证损失就远低于一元基线；温度和 top-k 控制抽样。
# * 键值缓存让生成每步只处理一个新词元，结果和重新计算一样。
#
# 练习在 `exercises/zh/18_transformer.ipynb`：因果掩码、和 SDPA 一致的注意力、键值缓存的一步、正弦位置编码和 top-p 过滤。

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **接下来：** [本章练习：18_transformer](../../exercises/zh/18_transformer.ipynb) · [下一章：19_debugging](19_debugging.ipynb)
