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
# # 18 · Attention and a small Transformer
#
# The Transformer is the backbone of nearly every large language model today, and at its heart is a single operation: **attention**.
# This chapter first writes attention by hand in a few tensor operations, so that each step makes sense; then looks at PyTorch's own
# implementations; and finally builds a character-level mini-GPT from scratch, trains it on the course's own text corpus, lets it write
# sentences, and speeds up its generation with a **key/value cache**.
#
# 1. Queries, keys and values: the three roles in attention;
# 2. why we divide by √d: without it the softmax "saturates";
# 3. masks: padding masks and causal masks;
# 4. multi-head attention;
# 5. `F.scaled_dot_product_attention`: equal to the hand-written version, and the backends behind it;
# 6. `nn.MultiheadAttention` and `nn.TransformerEncoderLayer`;
# 7. positional information: learned, sinusoidal, and rotary embeddings (RoPE);
# 8. a character-level mini-GPT: training, the loss curve, sampling with temperature and top-k;
# 9. the key/value cache: exactly the same result as recomputing, but much faster.

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

device = get_device()  # the GPU if there is one, else the CPU
# This chapter's models are tiny: more threads save little time, and on a busy machine they wait for each other (chapter 09)
torch.set_num_threads(1)
quiet_profiler()  # silence two harmless messages of the profiler (chapter 15)
print("device:", device.type)

# %% [markdown]
# ## 1. Queries, keys and values
#
# A sentence has 4 tokens, each an 8-dimensional vector. Attention lets every token **look at** the other tokens and mix what it sees,
# weighted by how relevant each one is. Three linear maps give every token vector three roles:
#
# * the **query** q: "what am I looking for?"
# * the **key** k: "what do I have?"
# * the **value** v: "what I hand over if you pick me."
#
# The **score** of token i for token j is the dot product of q_i and k_j, divided by √d; a softmax over each row turns the scores into
# **attention weights** (each row sums to 1); the output is the weighted average of the value vectors:
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
# Row i of the weight matrix says which value vectors make up token i's output, and how much of each. Here it is as a function that we
# will use again and again. It works with any number of leading dimensions (batch, heads), because `@` and `softmax(dim=-1)` act only on
# the last two. The optional `mask` is a boolean tensor where `True` means "may attend"; blocked scores are set to `-inf`, so their
# weight after the softmax is 0:

# %%
def attention(q, k, v, mask=None):
    """Scaled dot-product attention. q: (..., L, d); k, v: (..., S, d); mask: bool, True = may attend."""
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # (..., L, S)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = scores.softmax(dim=-1)
    return weights @ v, weights


# %% [markdown]
# ## 2. Why divide by √d
#
# If every component of q and k is a random number with mean 0 and variance 1, the dot product q·k is a sum of d products: its variance is d,
# its standard deviation √d. The larger the dimension, the further apart the scores, and the softmax is extremely sensitive to large gaps:
# the largest score takes almost all of the weight and the rest get nearly 0. The softmax **saturates**.
# Saturation hurts twice: each query effectively looks at a single key (the "average" becomes a "pick one"), and the softmax's gradient,
# p_i(δ_ij − p_j), is nearly 0 everywhere, so training stalls.
#
# Dividing by √d brings the scores' standard deviation back to about 1, whatever d is. Let us measure it with 256 random queries and 32 keys
# for each:

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
# In the output above, without scaling the largest weight approaches 1 as d grows; with scaling it stays small, and all 32 keys get some
# weight. Plotting the weights of the first query over its 32 keys at d = 1024 makes the difference plain:

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 3), sharey=True)
for ax, scale, title in ((axes[0], 1.0, "unscaled: softmax(q.k)"), (axes[1], math.sqrt(1024), "scaled: softmax(q.k / sqrt(d))")):
    ax.bar(range(32), (s[0] / scale).softmax(dim=-1).numpy())
    ax.set_title(f"{title}, d = 1024")
    ax.set_xlabel("key")
axes[0].set_ylabel("attention weight")
plt.show()

# %% [markdown]
# The gradient tells the same story: differentiate through a saturated softmax and hardly any gradient reaches the scores.

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
# ## 3. Masks
#
# A mask decides who may not look at whom. There are two common kinds.
#
# ### Padding masks
#
# The sentences in a batch have different lengths; the shorter ones are filled up with a padding token (chapters 08 and 11). Padded positions
# are not real tokens, and nobody should attend to them. The mask has shape `(B, 1, S)`: one row per sentence, broadcast over all queries.

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
# The last two columns of the second sentence are all 0: no query looks at the padding. (The two rows of output at the padded positions
# themselves mean nothing; leave them out of the loss too.)
#
# ### Causal masks
#
# A language model predicts the next token one at a time, so position i may only look at positions 0…i, never at the future. That is the
# **causal mask**: a lower-triangular matrix.

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
# The upper right is all 0: nobody sees the future. Row 0 can only look at itself, with weight 1.
#
# One detail: if **every** key of a row is blocked, that row's scores are all `-inf`, and the softmax gives 0/0 = `nan`. Our hand-written
# function does exactly that; `F.scaled_dot_product_attention`, which comes next, gives 0 in that case.

# %%
# NBVAL_CHECK_OUTPUT
blocked = torch.tensor([[True, False, False], [False, False, False], [True, True, True]])  # row 1 sees nothing
qkv = torch.randn(3, 4)
print("hand-written, row 1:", attention(qkv, qkv, qkv, mask=blocked)[0][1])
print("F.scaled_dot_product_attention, row 1:", F.scaled_dot_product_attention(qkv, qkv, qkv, attn_mask=blocked)[1])

# %% [markdown]
# ## 4. Multi-head attention
#
# One set of q, k and v can express only one kind of "relevance". **Multi-head** attention cuts d_model into h slices; each slice (a "head")
# has its own queries, keys and values and does its own attention; the h outputs are put side by side again into d_model dimensions and mixed
# by a linear layer. It costs about as much as one head, but different heads can attend to different things (one head to the previous
# character, say, another to the start of the word).
#
# In code it is only a change of shape: `(B, T, d_model)` → `(B, T, h, d_head)` → swap two dimensions to get `(B, h, T, d_head)`. Each head
# becomes a batch dimension, and `attention` handles all the heads at once. The three projections are one `nn.Linear(d_model, 3 * d_model)`:
# a single matrix multiplication gives q, k and v.

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
# PyTorch has the formula above as a function, `F.scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None)`
# (SDPA from here on). It takes the same `(..., L, d)` shapes as ours and the same boolean mask convention (`True` = may attend), and
# `is_causal=True` applies a causal mask without us building one. First, proof that it computes the same thing as the hand-written version:

# %%
# NBVAL_CHECK_OUTPUT
torch.manual_seed(0)
q, k, v = torch.randn(3, 2, 4, 16, 8).unbind(0)                # (B, h, T, d_head) each
ours, _ = attention(q, k, v, mask=torch.ones(16, 16, dtype=torch.bool).tril())
sdpa = F.scaled_dot_product_attention(q, k, v, is_causal=True)
print(f"largest difference: below 1e-6? {(ours - sdpa).abs().max().item() < 1e-6}")
print("torch.allclose(atol=1e-6, rtol=1e-5):", torch.allclose(ours, sdpa, atol=1e-6, rtol=1e-5))

# %% [markdown]
# Why not `torch.equal`? Both sides do the same mathematics, but they add in a different order (SDPA works on blocks of the matrix), and
# floating-point addition is not associative: the results differ in the last bit or two of float32, by about 1e-7. So the comparison needs a
# **tolerance**: here an absolute error of 1e-6 and a relative error of 1e-5.
#
# ### The backends behind SDPA
#
# SDPA is only the entry point. The work is done by one of several **backends** (`torch.nn.attention.SDPBackend`), and SDPA picks the
# fastest one that supports the device, dtype, shapes and arguments:
#
# | backend | where | what it is |
# | --- | --- | --- |
# | `MATH` | any device | our formula, written with ordinary PyTorch operations; supports everything, but stores the whole L×S score matrix |
# | `FLASH_ATTENTION` | CUDA (fp16/bf16), **and a CPU version** | FlashAttention: works block by block with a running softmax and never stores the full score matrix; fast and light on memory |
# | `EFFICIENT_ATTENTION` | CUDA | "memory-efficient attention" (the xFormers algorithm): no score matrix either, and it supports more cases than FlashAttention (any additive mask, for example) |
# | `CUDNN_ATTENTION` | CUDA (recent NVIDIA GPUs) | the fused attention of NVIDIA's cuDNN library |
#
# Which one runs on this CPU? The profiler from chapter 15 shows the operators that actually ran:

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
# On the CPU, the default is the CPU version of FlashAttention (`_scaled_dot_product_flash_attention_for_cpu`); once `sdpa_kernel(...)`
# restricts the backends to `MATH`, `_scaled_dot_product_attention_math` runs instead. `sdpa_kernel` is a context manager that applies only
# inside its `with` block; it takes one backend or a list. If none of the allowed backends can run here, SDPA does not quietly switch to
# another one, it raises an error:

# %%
# NBVAL_CHECK_OUTPUT
try:
    with sdpa_kernel([SDPBackend.EFFICIENT_ATTENTION, SDPBackend.CUDNN_ATTENTION]):
        F.scaled_dot_product_attention(q, k, v, is_causal=True)
except RuntimeError as error:
    print("RuntimeError:", str(error).split(".")[0])

# %% [markdown]
# On a GPU, the next cell allows one backend at a time and reports which ones run (in half precision: most fused GPU backends accept only
# fp16/bf16). On the CPU it prints one line.

# %%
# NBVAL_IGNORE_OUTPUT
# which backends run depends on the GPU model and driver; on the CPU it prints one line
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
# ## 6. `nn.MultiheadAttention` and `nn.TransformerEncoderLayer`
#
# `nn.MultiheadAttention` is section 4's multi-head attention as a module. Its parameters are laid out exactly like ours: `in_proj_weight` is
# the `(3·d_model, d_model)` matrix of the q, k and v projections stacked together, and `out_proj` is the output linear layer. So we can copy
# our weights over and check that both give the same output.
#
# **Beware**: `nn.MultiheadAttention`'s boolean mask means the **opposite** of SDPA's: `True` means "may **not** attend". So we pass
# `~causal`. And don't forget `batch_first=True`, or it expects the shape `(T, B, d_model)`.

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
# A complete Transformer **block** adds a two-layer feed-forward network (an MLP) after the attention; each of the two sits inside a
# **residual connection** with a `LayerNorm` in front. Normalising before each sublayer is called **pre-norm** (most models since GPT-2 are
# written this way; the original 2017 paper was post-norm, which is less stable when training deep networks):
#
# ```
# x = x + Attention(LayerNorm(x))
# x = x + MLP(LayerNorm(x))
# ```
#
# The `Block` below is the building brick of the mini-GPT. Its attention calls SDPA and supports the key/value `cache` of section 9
# (skip the `cache` lines for now).

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
# PyTorch has a ready-made block too: `nn.TransformerEncoderLayer`. With `norm_first=True` (pre-norm), `activation="gelu"` and a feed-forward
# width of 4·d_model it has exactly the structure of our `Block`, parameter for parameter. Copy the weights, pass a causal mask, and the
# outputs agree:

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
# (`generate_square_subsequent_mask` builds an **additive** float mask: 0 where attending is allowed and `-inf` where it is not. It is added
# to the scores, with the same effect as a boolean mask.)
#
# Why write our own when PyTorch has one? Because our own block can be changed at will: add a key/value cache, another position encoding,
# another normalisation... Research code and large-model code almost always write their own blocks, and leave the attention itself to SDPA.
#
# ## 7. Positional information
#
# Attention on its own **knows no order**. Shuffle the input tokens and the outputs are shuffled the same way; each token gets exactly the
# same result as before (without a mask):

# %%
# NBVAL_CHECK_OUTPUT
perm = torch.tensor([3, 0, 5, 1, 4, 2])
with torch.no_grad():
    shuffled_then_attended = mhsa(x[:, perm])
    attended_then_shuffled = mhsa(x)[:, perm]
print("permuting the tokens only permutes the outputs:",
      torch.allclose(shuffled_then_attended, attended_then_shuffled, atol=1e-6))

# %% [markdown]
# To attention, "dog bites man" and "man bites dog" are the same thing. So we must add **positional information** to each token's vector.
# There are three common ways.
#
# **Learned position embeddings** (as in GPT-2): a table `nn.Embedding(block_size, d_model)` whose row t is the vector of position t, added to
# the token embeddings and trained with the model. Simple and effective; the catch is that it stops at `block_size`: positions never trained
# have no vector. The mini-GPT below uses it.
#
# **Sinusoidal position encodings** (the original 2017 Transformer paper): nothing to learn, they are built from sines and cosines of
# different frequencies:
#
# $$PE_{t,\,2i} = \sin\!\big(t / 10000^{2i/d}\big), \qquad PE_{t,\,2i+1} = \cos\!\big(t / 10000^{2i/d}\big)$$
#
# The first dimensions change quickly (high frequency), the last ones slowly, like a binary counter written with sine waves. The paper
# **interleaves** sin and cos in the even and odd dimensions; many implementations (the code below among them) put all the sines in the
# first half and all the cosines in the second. That only reorders the dimensions, which makes no difference to the model.

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
# It works for any length, and the encoding of position t+k is a **rotation** of the encoding of position t (one that depends only on k),
# so relative distances are easy for the model to read off.
#
# **Rotary position embeddings** (RoPE, used by most large models today: LLaMA, Qwen and many more) take that idea further. Instead of
# adding the position to the input, every layer, just before attention, treats each pair of components of q and k as a 2-D vector and
# **rotates it by the angle t·θ_i** for position t. The dot product of two rotated vectors depends only on the difference of their angles,
# so the score q_m·k_n depends only on the **relative position** m − n. A check, with one pair of components and one frequency:

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
# The three rows with offset 2 have the same score; the one with offset 4 does not. Real RoPE uses a different frequency θ_i for each pair of
# dimensions (the same geometric series as the sinusoidal encodings), in every head of every layer.
#
# ## 8. A character-level mini-GPT
#
# Now we put the bricks together: a **decoder-only** Transformer, the same architecture as GPT, only much smaller. It reads text one
# character at a time and predicts the **next character** at every position. The data is the course's own corpus (`data/text/topics.tsv`,
# used in chapter 11): a few hundred short English sentences about sports, food, technology and the weather. The training sentences are
# joined into one long text, one sentence per line; the validation sentences are kept apart and never seen in training.

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
# ### The baseline: character frequencies
#
# What must the model beat? The simplest model ignores the context and guesses each character by how often it occurs in the training text
# (a **unigram** model). Its cross-entropy on the validation text is the baseline; a model that learned nothing at all (every character
# equally likely) scores ln(vocabulary size).

# %%
# NBVAL_CHECK_OUTPUT
counts = torch.bincount(train_ids, minlength=len(chars)).float() + 1    # +1: no character gets probability 0
unigram_logp = (counts / counts.sum()).log()
unigram_loss = -unigram_logp[val_ids].mean().item()
print(f"uniform guess:      {math.log(len(chars)):.3f} nats per character")
print(f"unigram baseline:   {unigram_loss:.3f} nats per character")

# %% [markdown]
# ### The model
#
# Token embeddings plus learned position embeddings go through a few `Block`s; a final `LayerNorm` and a linear layer give, at every position,
# the logits of the next character. The `caches` argument of `forward` is for section 9.

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
# The training data are random slices of `block_size` characters from the training text: the input is `ids[i : i+T]` and the target, shifted by
# one, is `ids[i+1 : i+T+1]`. Thanks to the causal mask, one slice gives T training examples at once (predict the next character from the
# first 1, the first 2, ... the first T characters): this is why Transformers train so efficiently. The random positions come from a
# `torch.Generator` of their own, so every run draws the same slices.

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
# The loss at initialisation should be close to ln(vocabulary size): a randomly initialised model gives every character about the same
# probability. This is the first step of chapter 19's debugging method, and worth a glance every time.
#
# The optimizer is AdamW, with a one-cycle learning-rate schedule: it rises from small to the maximum over the first 10% of the steps, then
# follows a cosine down to nearly 0 (chapter 07). The warm-up at the start keeps the large gradients of a fresh model from throwing it off
# course; the small learning rate at the end makes the result stable. A learning rate as large as 3e-2 is fine for a model this small
# (large models typically use around 1e-4). 400 steps take less than half a minute on the CPU.

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
# the time depends on the machine and on what else it is doing
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
# The validation loss is far below the unigram baseline: the model has learned context, not just letter frequencies. (It is printed with one
# decimal only: after a few hundred training steps, differences in the last bits of floats between CPUs grow to the third decimal of the
# loss.) The cross-entropy per character is a log-probability in nats, so a loss lower by 1 means the model gives the right character, on
# average, e ≈ 2.7 times more probability.
#
# ### Generation: temperature and top-k
#
# Generating means doing three things over and over: feed the text so far to the model; take the logits at the **last position**, turn them
# into probabilities and draw a character; append it to the text. Two knobs control the drawing:
#
# * **temperature**: divide the logits by the temperature before the softmax. A temperature < 1 makes the distribution sharper (safer, more
#   repetitive), > 1 flatter (bolder, more misspellings); as the temperature goes to 0 it always picks the most likely character (greedy).
# * **top-k**: keep only the k most likely characters, set the other logits to `-inf` (probability 0), and draw in proportion. It cuts off the
#   long tail of unlikely characters that derail the text when one is drawn. (Another common choice is top-p, or nucleus sampling: keep the
#   most likely characters until their probabilities add up to p. You will write it in the exercises.)
#
# Drawing uses `torch.multinomial` with a `torch.Generator` of fixed seed, so the same model generates the same text every time.
# Beyond `block_size` characters, only the last `block_size` go into the model (there are no more learned positions).

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
# the samples depend on the last bits of the trained weights, which can differ between CPUs' vector kernels, so the text need not match character for character
for temperature, top_k in ((0.5, None), (1.0, None), (1.5, None), (1.0, 5)):
    label = f"temperature {temperature}" + (f", top-{top_k}" if top_k else "")
    print(f"--- {label}\n{generate(model, 'The ', 140, temperature, top_k)}")

# %% [markdown]
# Read the samples above. At a low temperature they are mostly common words like the, and, with, and repeat themselves more; at temperature
# 1.5 the spelling falls apart and capital letters pop up mid-sentence; top-5 at temperature 1 cuts off the long tail and is a little cleaner
# than temperature 1 alone. None of them is really fluent English: the model has a hundred thousand parameters, has read some fifteen thousand
# characters and trained for less than half a minute. Yet it has learned common words, spaces between words, a capital at the start of a
# sentence and a full stop and line break at its end.
#
# Some facts do not depend on the last bits of the weights and can be checked exactly: the same seed gives the same text, and top-k with
# k = 1 is greedy decoding, whatever the temperature:

# %%
# NBVAL_CHECK_OUTPUT
print("same seed, same text:", generate(model, "The ", 40, seed=1) == generate(model, "The ", 40, seed=1))
print("top-1 is greedy, whatever the temperature:",
      generate(model, "The ", 40, 0.7, top_k=1, seed=1) == generate(model, "The ", 40, 1.3, top_k=1, seed=2))

# %% [markdown]
# ## 9. The key/value cache
#
# The `generate` above feeds the whole window through the model again for every new character. But the causal mask guarantees that the key
# and value at position t depend only on the first t characters: **a new character changes none of the old keys and values**. So we can keep
# every layer's k and v once computed (that is the **key/value cache**) and from then on feed **only the one new character** to the model
# at each step: its query attends to all the keys in the cache, and its own k and v are appended to the cache.
#
# Section 6's `CausalSelfAttention` already does this: pass a dict as `cache` and it concatenates the old k and v with the new ones and
# stores them back. The new queries sit at positions `past + i`, so the mask is `tril(diagonal=past)`: a lower triangle aligned to the
# bottom-right corner (a single new character sees all the keys).
#
# First, check that the cached version **gives the same logits** as recomputing: start from a prompt, decode greedily, and compare the
# logits of the two ways at every step.

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
# The logits of the two ways differ only by floating-point rounding (the additions happen in another order), and the generated characters
# are identical.
#
# Now compare the speed. Our model has only 64 positions, too few for a clear difference, so we build another one with the same architecture,
# a little wider (d_model = 128) and with 256 positions (untrained: the timing does not depend on the weights), and measure how long **one**
# generation step takes at several lengths: recomputing all the tokens, against computing only the new token with the other keys and values
# from the cache. Each time is the median of 7 runs (chapter 04's `benchmark`), so an occasional slow run does not count.

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
# timings depend on the machine and its load
for n, t_full, t_cached in zip(lengths, full, cached):
    print(f"{n:3d} tokens so far: recompute {t_full * 1e3:5.1f} ms, with the cache {t_cached * 1e3:4.1f} ms "
          f"({t_full / t_cached:.1f}x)")

# %% [markdown]
# In the figure, the time per step grows with the length when recomputing and stays almost flat with the cache. Recomputing has to process t
# characters at step t while the cache processes 1, so generating n characters costs on the order of n² instead of n. This model is small, so
# much of each step goes to the fixed overhead of Python and of launching operators, and for short texts the two are about equal; for large
# models with contexts of thousands of tokens and dozens of layers, the cache is indispensable. Its price is memory: every layer and every
# head keeps the k and v of every position, often the largest use of GPU memory when a large model generates text.
#
# ## Summary
#
# * Attention = softmax(QKᵀ/√d)·V: every query scores all the keys and averages the values with those weights. Dividing by √d keeps the
#   softmax from saturating and the gradients from vanishing.
# * Masks block positions with `-inf`: a padding mask blocks the padding, a causal mask blocks the future.
# * Multiple heads are only a change of shape: `(B, T, D)` → `(B, h, T, D/h)`, one batch dimension per head.
# * `F.scaled_dot_product_attention` agrees with the hand-written formula (within 1e-6) and picks a backend itself (on the CPU, the CPU
#   version of FlashAttention); `sdpa_kernel` restricts the choice. `nn.MultiheadAttention`'s boolean mask means the opposite of SDPA's.
# * Attention knows no order: learned position embeddings, sinusoidal encodings or RoPE tell it the positions.
# * A character-level GPT of a hundred thousand parameters, trained for less than half a minute, gets a validation loss far below the
#   unigram baseline; temperature and top-k control the sampling.
# * A key/value cache lets generation process one new token per step, with the same result as recomputing everything.
#
# The exercises are in `exercises/en/18_transformer.ipynb`: a causal mask, attention equal to SDPA, a key/value-cache step, sinusoidal
# positions and a top-p filter.

# %% [markdown]
# <!-- navigation: generated by `course exercises` -->
# **Next:** [the exercises of this chapter: 18_transformer](../../exercises/en/18_transformer.ipynb) · [the next chapter: 19_debugging](19_debugging.ipynb)
