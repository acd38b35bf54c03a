"""Checks for 18_transformer.

Every checker calls the student's function on small inputs drawn from a private generator (the
notebook's random state is left alone), compares with a reference computed here, and names the
typical mistake when the result matches one.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Any
from unittest import mock

import torch
import torch.nn.functional as F

from .engine import CheckFailed, checker
from .vocabulary import (
    Mistake,
    call_unchanged,
    diagnose,
    expect_callable,
    expect_tensor,
    fail,
    generator,
    is_tensor,
    same,
    shape_of,
)

EXACT = {"atol": 0.0, "rtol": 0.0}

# ---------------------------------------------------------------- 18.1


def _ones(n_queries: int, n_keys: int) -> torch.Tensor:
    return torch.ones(n_queries, n_keys, dtype=torch.bool)


def reference_causal_mask(n_queries: int, n_keys: int) -> torch.Tensor:
    """The queries are the last ``n_queries`` of ``n_keys`` positions: query i sits at n_keys - n_queries + i."""
    return _ones(n_queries, n_keys).tril(diagonal=n_keys - n_queries)


CAUSAL_MISTAKES = [
    Mistake(lambda lq, lk: ~reference_causal_mask(lq, lk),
            "True and False are swapped. Here (as in F.scaled_dot_product_attention) True means \"may attend\". "
            "nn.MultiheadAttention uses the opposite convention (True = blocked): do not mix them up.",
            "True 和 False 弄反了。这里（和 F.scaled_dot_product_attention 一样）True 表示“可以看”。"
            "nn.MultiheadAttention 的约定正好相反（True = 挡住）：别把两者搞混。"),
    Mistake(lambda lq, lk: _ones(lq, lk).tril() if lq != lk else None,
            "the triangle starts at the top-left corner, as if the queries were the FIRST positions. They are the "
            "LAST n_queries positions (new tokens after a cache of old ones): query i sits at position "
            "n_keys - n_queries + i, so shift the diagonal: tril(diagonal=n_keys - n_queries).",
            "三角形是从左上角开始的，好像查询是最前面的几个位置。其实查询是最后 n_queries 个位置（缓存的旧词元后面的新词元）："
            "查询 i 位于位置 n_keys - n_queries + i，所以要移动对角线：tril(diagonal=n_keys - n_queries)。"),
    Mistake(lambda lq, lk: _ones(lq, lk).triu(diagonal=lk - lq),
            "this is the upper triangle: every query sees the FUTURE and not the past. Keep the lower triangle, tril.",
            "这是上三角：每个查询看到的是未来而不是过去。应保留下三角，用 tril。"),
    Mistake(lambda lq, lk: _ones(lq, lk).tril(diagonal=lk - lq - 1),
            "the diagonal is blocked, so a position cannot see itself (and the first query sees nothing at all, "
            "which gives NaN). A position may attend to itself and to everything before it.",
            "对角线被挡住了，于是一个位置看不到它自己（第一个查询什么都看不到，会得到 NaN）。一个位置可以看它自己和它之前的所有位置。"),
]


@checker("18.1")
def check_causal_mask(causal_mask) -> None:
    expect_callable(causal_mask)
    for n_queries, n_keys in ((4, 4), (3, 7), (1, 5), (6, 6), (2, 3)):
        call = f"causal_mask({n_queries}, {n_keys})"
        result = expect_tensor(causal_mask(n_queries, n_keys), call)
        expected = reference_causal_mask(n_queries, n_keys)
        if result.dtype != torch.bool:
            if result.shape == expected.shape and result.is_floating_point():
                additive = torch.zeros(expected.shape).masked_fill(~expected, float("-inf"))
                if torch.equal(result.float(), additive):
                    fail(call, "this is an additive float mask (0 and -inf). It works with SDPA, but the exercise asks "
                         "for a boolean mask: True where the query may attend.",
                         "这是加性的浮点掩码（0 和 -inf）。它能用于 SDPA，但这道题要的是布尔掩码：可以看的位置为 True。")
            if result.shape == expected.shape and torch.equal(result.float(), expected.float()):
                fail(call, f"right pattern, but dtype {result.dtype}. Return a bool tensor: a float mask is ADDED to "
                     "the scores, so 0 and 1 would block nothing. Use dtype=torch.bool (or .bool()).",
                     f"图案对了，但 dtype 是 {result.dtype}。请返回布尔张量：浮点掩码是加到分数上的，0 和 1 什么也挡不住。"
                     "用 dtype=torch.bool（或 .bool()）。")
            fail(call, f"expected a bool tensor, got dtype {result.dtype}.",
                 f"应返回布尔张量，实际 dtype 是 {result.dtype}。")
        if result.shape == (n_keys, n_queries) and n_keys != n_queries:
            fail(call, f"expected shape ({n_queries}, {n_keys}): one ROW per query, one COLUMN per key; "
                 f"you returned {shape_of(result)}.",
                 f"形状应为 ({n_queries}, {n_keys})：每个查询一行，每个键一列；你返回的是 {shape_of(result)}。")
        diagnose(result, expected, CAUSAL_MISTAKES, call, n_queries, n_keys, **EXACT,
                 otherwise=(f"wrong pattern: expected {expected.int().tolist()}, got {result.int().tolist()}. "
                            "Query i sits at position n_keys - n_queries + i and may see keys 0 .. that position.",
                            f"图案不对：应为 {expected.int().tolist()}，实际为 {result.int().tolist()}。"
                            "查询 i 位于位置 n_keys - n_queries + i，可以看键 0 到这个位置。"))


# ---------------------------------------------------------------- 18.2


def _attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, add: torch.Tensor | None = None,
            scale: float | None = None, dim: int = -1, after: torch.Tensor | None = None) -> torch.Tensor:
    """Attention with an additive mask ``add``; ``after`` multiplies the weights after the softmax (a mistake)."""
    scores = q @ k.transpose(-2, -1) * (1 / math.sqrt(q.shape[-1]) if scale is None else scale)
    if add is not None:
        scores = scores + add
    weights = scores.softmax(dim=dim)
    if after is not None:
        weights = weights * after
    return weights @ v


def _additive(mask: torch.Tensor | None, is_causal: bool, n_queries: int, n_keys: int) -> torch.Tensor | None:
    """The mask as something to add to the scores (SDPA's rules; is_causal is top-left aligned)."""
    add = None
    if mask is not None:
        add = torch.zeros(mask.shape).masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else mask
    if is_causal:
        causal = torch.zeros(n_queries, n_keys).masked_fill(~_ones(n_queries, n_keys).tril(), float("-inf"))
        add = causal if add is None else add + causal
    return add


def _blocking(allowed: torch.Tensor) -> torch.Tensor:
    """A bool "may attend" pattern as an additive mask."""
    return torch.zeros(allowed.shape).masked_fill(~allowed, float("-inf"))


def _bool(mask: torch.Tensor | None, is_causal: bool) -> bool:
    return mask is not None and mask.dtype == torch.bool and not is_causal


def _zero_filled(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    scores = (q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])).masked_fill(~mask, 0.0)
    return scores.softmax(dim=-1) @ v


def _size(q: torch.Tensor, k: torch.Tensor) -> tuple[int, int]:
    return q.shape[-2], k.shape[-2]


SDPA_MISTAKES = [
    Mistake(lambda q, k, v, m, c: _attend(q, k, v, _additive(m, c, *_size(q, k)), scale=1.0),
            "the scores are not scaled. Divide q @ k.transpose(-2, -1) by sqrt(d), d = q.shape[-1].",
            "分数没有缩放。要把 q @ k.transpose(-2, -1) 除以 sqrt(d)，d = q.shape[-1]。"),
    Mistake(lambda q, k, v, m, c: _attend(q, k, v, _additive(m, c, *_size(q, k)), scale=1 / q.shape[-1]),
            "you divided by d; divide by its square root, math.sqrt(d).",
            "你除以的是 d；应除以它的平方根 math.sqrt(d)。"),
    Mistake(lambda q, k, v, m, c: _attend(q, k, v, _additive(m, c, *_size(q, k)), dim=-2),
            "the softmax runs over the wrong dimension. Each QUERY's weights over the keys must sum to 1: "
            "softmax(dim=-1) on scores of shape (..., L, S).",
            "softmax 的维度不对。每个查询在所有键上的权重加起来要等于 1：对形状为 (..., L, S) 的分数做 softmax(dim=-1)。"),
    Mistake(lambda q, k, v, m, c: _attend(q, k, v, _additive(None, c, *_size(q, k))) if m is not None else None,
            "attn_mask had no effect: the result is the same as without a mask. A bool mask blocks the scores where "
            "it is False (set them to -inf); a float mask is ADDED to the scores.",
            "attn_mask 没有起作用：结果和没有掩码时一样。布尔掩码要挡住它为 False 的分数（设成 -inf）；浮点掩码要加到分数上。"),
    Mistake(lambda q, k, v, m, c: _attend(q, k, v, _blocking(~m)) if _bool(m, c) else None,
            "the boolean mask is used the wrong way round. In SDPA True means \"may attend\": block where the mask "
            "is False, scores.masked_fill(~attn_mask, float('-inf')).",
            "布尔掩码用反了。在 SDPA 里 True 表示“可以看”：要挡住掩码为 False 的位置，scores.masked_fill(~attn_mask, float('-inf'))。"),
    Mistake(lambda q, k, v, m, c: _attend(q, k, v, None, after=m.float()) if _bool(m, c) else None,
            "you multiplied the weights by the mask after the softmax, so the remaining weights no longer sum to 1. "
            "Block the scores BEFORE the softmax: masked_fill(~attn_mask, float('-inf')).",
            "你在 softmax 之后把权重乘以掩码，剩下的权重加起来不再是 1。要在 softmax 之前挡住分数：masked_fill(~attn_mask, float('-inf'))。"),
    Mistake(lambda q, k, v, m, c: _zero_filled(q, k, v, m) if _bool(m, c) else None,
            "blocked scores were set to 0, but exp(0) = 1 still gives them weight. Set them to float('-inf').",
            "被挡住的分数设成了 0，可是 exp(0) = 1，它们仍然有权重。要设成 float('-inf')。"),
    Mistake(lambda q, k, v, m, c: _attend(q, k, v, _additive(m, False, *_size(q, k))) if c else None,
            "is_causal=True is ignored: position i must not see the keys after i. Block them with a lower-triangular "
            "mask, torch.ones(L, S, dtype=torch.bool).tril().",
            "is_causal=True 被忽略了：位置 i 不能看 i 之后的键。用下三角掩码挡住它们：torch.ones(L, S, dtype=torch.bool).tril()。"),
    Mistake(lambda q, k, v, m, c: _attend(q, k, v, _blocking(_ones(*_size(q, k)).triu())) if c else None,
            "the causal mask lets each position see the future instead of the past (it keeps the upper triangle). "
            "Keep the lower triangle: tril().",
            "因果掩码让每个位置看到的是未来而不是过去（保留了上三角）。应保留下三角：tril()。"),
]


def _sdpa_cases() -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor | None, bool]]:
    g = generator(182)
    q, k, v = torch.randn(2, 2, 5, 8, generator=g), torch.randn(2, 2, 7, 8, generator=g), torch.randn(2, 2, 7, 8, generator=g)
    bool_mask = torch.rand(5, 7, generator=g) < 0.6
    bool_mask[:, 0] = True  # every query sees at least one key
    float_mask = torch.randn(5, 7, generator=g)
    qc, kc, vc = (torch.randn(3, 6, 16, generator=g) for _ in range(3))
    return [(q * 3, k, v, None, False), (q, k, v, bool_mask, False), (q, k, v, float_mask, False),
            (qc, kc, vc, None, True)]


def _describe(q: torch.Tensor, k: torch.Tensor, mask: torch.Tensor | None, is_causal: bool) -> str:
    kind = "None" if mask is None else ("a bool mask" if mask.dtype == torch.bool else "a float mask")
    return f"sdpa(q {shape_of(q)}, k and v {shape_of(k)}, attn_mask={kind}, is_causal={is_causal})"


@contextmanager
def _no_builtin_sdpa(call: str):
    """Inside the block, calling F.scaled_dot_product_attention fails with a hint: the exercise is by hand."""
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise CheckFailed(f"{call}: you called F.scaled_dot_product_attention. Write the computation by hand "
                          "(matmul, scale, mask, softmax, matmul); SDPA is what the checker compares against.",
                          f"{call}：你调用了 F.scaled_dot_product_attention。请亲手写出计算过程（矩阵乘法、缩放、掩码、"
                          "softmax、矩阵乘法）；SDPA 是检查程序用来对照的。")

    with mock.patch.object(F, "scaled_dot_product_attention", refuse), \
            mock.patch.object(torch._C._nn, "scaled_dot_product_attention", refuse):
        yield


def _call_sdpa(sdpa: Any, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None,
               is_causal: bool, call: str) -> Any:
    """Call the answer as SDPA is called (the mask and is_causal by keyword); no input may change."""
    kwargs: dict[str, Any] = {"is_causal": True} if is_causal else {}
    if mask is not None:
        kwargs["attn_mask"] = mask
    extra = () if mask is None else (mask,)
    return call_unchanged(lambda q_, k_, v_, *_: sdpa(q_, k_, v_, **kwargs), q, k, v, *extra, call=call)


@checker("18.2")
def check_sdpa(sdpa) -> None:
    expect_callable(sdpa)
    for q, k, v, mask, is_causal in _sdpa_cases():
        call = _describe(q, k, mask, is_causal)
        with _no_builtin_sdpa(call):
            result = _call_sdpa(sdpa, q, k, v, mask, is_causal, call)
        expected = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=is_causal)
        result = expect_tensor(result, call, shape=expected.shape)
        if torch.isnan(result).any():
            fail(call, "the result contains NaN. Did a row of scores end up all -inf (every key blocked)? "
                 "Block with masked_fill(~attn_mask, float('-inf')) only where the mask is False.",
                 "结果里有 NaN。是不是某一行的分数全是 -inf（所有键都被挡住了）？只在掩码为 False 的地方 masked_fill(~attn_mask, float('-inf'))。")
        largest = (result.detach().double() - expected.double()).abs().max().item()
        diagnose(result, expected, SDPA_MISTAKES, call, q, k, v, mask, is_causal, atol=1e-5, rtol=1e-4,
                 largest=largest,
                 otherwise=("the values differ from F.scaled_dot_product_attention's (largest difference {largest:.4f}). "
                            "Compute softmax(q @ k.transpose(-2, -1) / sqrt(d) + mask) @ v, the softmax over the last "
                            "dimension.",
                            "数值和 F.scaled_dot_product_attention 的不一样（最大差距 {largest:.4f}）。"
                            "应计算 softmax(q @ k.transpose(-2, -1) / sqrt(d) + 掩码) @ v，softmax 沿最后一个维度。"))


# ---------------------------------------------------------------- 18.3


def _full_causal(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                 scale: float | None = None) -> torch.Tensor:
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    T = x.shape[1]
    add = torch.zeros(T, T).masked_fill(~_ones(T, T).tril(), float("-inf"))
    return _attend(q, k, v, add, scale=scale)


def _cache_inputs() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    g = generator(183)
    d = 8
    x = torch.randn(2, 6, d, generator=g)
    return x, *(torch.randn(d, d, generator=g) / math.sqrt(d) for _ in range(3))


def _expect_cache(cache: Any, call: str, batch: int, length: int, dim: int) -> tuple[torch.Tensor, torch.Tensor]:
    if not isinstance(cache, (tuple, list)) or len(cache) != 2 or not all(is_tensor(t) for t in cache):
        fail(call, f"the second thing returned must be the new cache, a pair (K, V) of tensors; got {type(cache).__name__}.",
             f"返回的第二项必须是新的缓存，一对张量 (K, V)；实际得到 {type(cache).__name__}。")
    k, v = cache
    want = (batch, length, dim)
    for name, t in (("K", k), ("V", v)):
        if tuple(t.shape) == want:
            continue
        if tuple(t.shape) == (batch, 1, dim) and length > 1:
            fail(call, f"the returned cache's {name} has shape {shape_of(t)}: it holds only the new token. Append the "
                 f"new key and value to the OLD ones, torch.cat([old, new], dim=1), so it grows to {want}.",
                 f"返回的缓存里 {name} 的形状是 {shape_of(t)}：只有新词元的。要把新的键和值接在旧的后面，"
                 f"torch.cat([old, new], dim=1)，让它长到 {want}。")
        if t.shape[0] == batch * length or (t.dim() == 3 and t.shape[0] != batch):
            fail(call, f"the returned cache's {name} has shape {shape_of(t)}: you concatenated along the batch "
                 "dimension. Tokens lie along dim=1: torch.cat([old, new], dim=1).",
                 f"返回的缓存里 {name} 的形状是 {shape_of(t)}：你沿批次维度拼接了。词元排在 dim=1 上：torch.cat([old, new], dim=1)。")
        fail(call, f"the returned cache's {name} should have shape {want} (batch, tokens so far, d), got {shape_of(t)}.",
             f"返回的缓存里 {name} 的形状应为 {want}（批次, 目前的词元数, d），实际为 {shape_of(t)}。")
    return k, v


@checker("18.3")
def check_attend_step(attend_step) -> None:
    expect_callable(attend_step)
    x, w_q, w_k, w_v = _cache_inputs()
    B, T, D = x.shape
    expected_all = _full_causal(x, w_q, w_k, w_v)
    unscaled_all = _full_causal(x, w_q, w_k, w_v, scale=1.0)
    keys, values = x @ w_k, x @ w_v
    cache = None
    for t in range(T):
        call = f"attend_step(token {t}, cache with {t} token(s))" if t else "attend_step(token 0, cache=None)"
        x_t = x[:, t:t + 1]
        if cache is None:
            returned = call_unchanged(lambda a, wq, wk, wv: attend_step(a, None, wq, wk, wv), x_t, w_q, w_k, w_v, call=call)
        else:
            returned = call_unchanged(lambda a, ck, cv, wq, wk, wv: attend_step(a, (ck, cv), wq, wk, wv),
                                      x_t, cache[0], cache[1], w_q, w_k, w_v, call=call)
        if not isinstance(returned, (tuple, list)) or len(returned) != 2:
            fail(call, "return two things: the output for the new token and the new cache, `return out, (k, v)`.",
                 "要返回两样东西：新词元的输出和新的缓存，`return out, (k, v)`。")
        out, new_cache = returned
        out = expect_tensor(out, call, shape=(B, 1, D))
        k_all, v_all = _expect_cache(new_cache, call, B, t + 1, D)
        if same(k_all, x[:, :t + 1]) and not same(k_all, keys[:, :t + 1]):
            fail(call, "the cache holds the input vectors x. Store the keys and values, x @ w_k and x @ w_v: "
                 "they are what the next queries are compared with and average.",
                 "缓存里存的是输入向量 x。要存的是键和值，x @ w_k 和 x @ w_v：之后的查询要和它们比较、对它们求平均。")
        if same(k_all, values[:, :t + 1], 1e-5, 1e-4) and same(v_all, keys[:, :t + 1], 1e-5, 1e-4):
            fail(call, "the cache returns (V, K): keep the order (K, V).", "缓存返回的是 (V, K)：顺序要是 (K, V)。")
        if t > 0 and same(out, x_t @ w_v, 1e-5, 1e-4) and not same(out, expected_all[:, t:t + 1], 1e-5, 1e-4):
            fail(call, "the output is just the new token's own value: its query saw only its own key. "
                 "Concatenate the cached keys and values with the new ones BEFORE the attention.",
                 "输出就是新词元自己的值：它的查询只看到了它自己的键。要在做注意力之前，把缓存的键和值与新的拼在一起。")
        if same(out, unscaled_all[:, t:t + 1], 1e-5, 1e-4) and t > 0:
            fail(call, "the scores are not scaled: divide q @ K.transpose(-2, -1) by math.sqrt(d).",
                 "分数没有缩放：要把 q @ K.transpose(-2, -1) 除以 math.sqrt(d)。")
        if not same(k_all, keys[:, :t + 1], 1e-5, 1e-4) or not same(v_all, values[:, :t + 1], 1e-5, 1e-4):
            fail(call, "the returned cache does not hold the keys and values of tokens 0.."
                 f"{t} in order (old ones first, then x_new @ w_k and x_new @ w_v).",
                 f"返回的缓存里不是词元 0..{t} 按顺序的键和值（旧的在前，然后是 x_new @ w_k 和 x_new @ w_v）。")
        if not same(out, expected_all[:, t:t + 1], 1e-5, 1e-4):
            fail(call, "the output differs from full causal attention recomputed over tokens 0.."
                 f"{t}: expected {expected_all[0, t, :3].tolist()} ... in the first row, got {out[0, 0, :3].tolist()} ...",
                 f"输出和对词元 0..{t} 重新计算的完整因果注意力不一样：第一行应为 {expected_all[0, t, :3].tolist()} ...，"
                 f"实际为 {out[0, 0, :3].tolist()} ...")
        cache = (k_all.detach().clone(), v_all.detach().clone())


# ---------------------------------------------------------------- 18.4


def _table(n_positions: int, d_model: int, layout: str = "interleaved", shift: int = 0, exponent: float = 2.0,
           swap: bool = False) -> torch.Tensor:
    t = torch.arange(n_positions, dtype=torch.float64)[:, None] + shift
    i = torch.arange(d_model // 2, dtype=torch.float64)
    angles = t / 10000 ** (exponent * i / d_model)
    first, second = (torch.cos(angles), torch.sin(angles)) if swap else (torch.sin(angles), torch.cos(angles))
    if layout == "halves":
        return torch.cat([first, second], dim=1)
    return torch.stack([first, second], dim=2).reshape(n_positions, d_model)


def reference_positions(n_positions: int, d_model: int) -> torch.Tensor:
    return _table(n_positions, d_model).float()


POSITION_MISTAKES = [
    Mistake(lambda n, d: _table(n, d, layout="halves"),
            "all the sines come first and all the cosines after (the lesson's layout). This exercise asks for the "
            "original paper's interleaved layout: sin in the even dimensions 0, 2, 4, ..., cos in the odd ones. "
            "torch.stack([sin, cos], dim=-1).reshape(n_positions, d_model) interleaves them.",
            "你把所有的 sin 放在前一半、所有的 cos 放在后一半（课文里的布局）。这道题要的是原论文的交错布局："
            "sin 在偶数维 0, 2, 4, ...，cos 在奇数维。torch.stack([sin, cos], dim=-1).reshape(n_positions, d_model) 可以把它们交错排好。"),
    Mistake(lambda n, d: _table(n, d, swap=True),
            "sin and cos are swapped: the even dimensions 2i hold sin, the odd ones 2i+1 hold cos.",
            "sin 和 cos 弄反了：偶数维 2i 是 sin，奇数维 2i+1 是 cos。"),
    Mistake(lambda n, d: _table(n, d, exponent=1.0),
            "the frequencies fall too slowly: the exponent is 2i/d_model, where i counts the PAIRS of dimensions "
            "(i = 0 .. d_model/2 - 1). torch.arange(0, d_model, 2) / d_model gives 2i/d_model directly.",
            "频率下降得太慢了：指数是 2i/d_model，其中 i 数的是维度的对数（i = 0 .. d_model/2 - 1）。"
            "torch.arange(0, d_model, 2) / d_model 直接给出 2i/d_model。"),
    Mistake(lambda n, d: _table(n, d, exponent=4.0),
            "the frequencies fall too fast: you used 2 * (2i) / d_model. If you took torch.arange(0, d_model, 2), "
            "it already holds 2i: divide it by d_model without doubling again.",
            "频率下降得太快了：你用的是 2 * (2i) / d_model。如果用了 torch.arange(0, d_model, 2)，它已经是 2i 了：直接除以 d_model，不要再乘 2。"),
    Mistake(lambda n, d: _table(n, d, shift=1),
            "positions start at 0: the first row is position 0 (sin 0 = 0, cos 0 = 1).",
            "位置从 0 开始：第一行是位置 0（sin 0 = 0，cos 0 = 1）。"),
]


@checker("18.4")
def check_sinusoidal_positions(sinusoidal_positions) -> None:
    expect_callable(sinusoidal_positions)
    for n_positions, d_model in ((4, 6), (50, 16), (10, 32)):
        call = f"sinusoidal_positions({n_positions}, {d_model})"
        result = expect_tensor(sinusoidal_positions(n_positions, d_model), call)
        if tuple(result.shape) == (d_model, n_positions) and d_model != n_positions:
            fail(call, f"expected shape ({n_positions}, {d_model}): one ROW per position. You returned the transpose.",
                 f"形状应为 ({n_positions}, {d_model})：每个位置一行。你返回的是它的转置。")
        expect_tensor(result, call, shape=(n_positions, d_model))
        if not result.is_floating_point():
            fail(call, f"expected floating-point values, got dtype {result.dtype}.",
                 f"应为浮点数，实际 dtype 是 {result.dtype}。")
        diagnose(result, reference_positions(n_positions, d_model), POSITION_MISTAKES, call, n_positions, d_model,
                 atol=1e-4, rtol=1e-4,
                 otherwise=("wrong values. Row t, column 2i holds sin(t / 10000 ** (2i / d_model)), column 2i + 1 the "
                            "cos of the same angle.",
                            "数值不对。第 t 行、第 2i 列是 sin(t / 10000 ** (2i / d_model))，第 2i + 1 列是同一个角度的 cos。"))


# ---------------------------------------------------------------- 18.5


def _nucleus(logits: torch.Tensor, p: float, strict: bool = False, descending: bool = True) -> torch.Tensor:
    """Which tokens top-p keeps (True = kept). ``strict`` keeps only tokens whose running sum stays <= p."""
    probs = logits.softmax(dim=-1)
    sorted_probs, order = probs.sort(dim=-1, descending=descending)
    running = sorted_probs.cumsum(dim=-1)
    keep_sorted = running <= p if strict else running - sorted_probs < p
    return torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)


def reference_top_p(logits: torch.Tensor, p: float) -> torch.Tensor:
    return logits.masked_fill(~_nucleus(logits, p), float("-inf"))


def _sorted_filtered(logits: torch.Tensor, p: float) -> torch.Tensor:
    values, _ = logits.sort(dim=-1, descending=True)
    return values.masked_fill(~_nucleus(values, p), float("-inf"))


TOP_P_MISTAKES = [
    Mistake(lambda x, p: logits_where(x, _nucleus(x, p), 0.0),
            "the removed tokens got the logit 0, but exp(0) = 1: they can still be sampled. Set them to float('-inf').",
            "去掉的词元的 logit 被设成了 0，可是 exp(0) = 1：它们仍然可能被抽到。要设成 float('-inf')。"),
    Mistake(lambda x, p: reference_top_p(x, p).softmax(dim=-1),
            "you returned probabilities. Return the filtered LOGITS (the kept ones unchanged, the others -inf); "
            "the sampler applies the softmax.",
            "你返回的是概率。要返回过滤后的 logits（保留的不变，其余为 -inf）；softmax 由抽样那一步来做。"),
    Mistake(lambda x, p: x.masked_fill(~_nucleus(x, p, strict=True), float("-inf")),
            "you dropped the token that carries the running sum past p. The nucleus is the SMALLEST set of most "
            "likely tokens whose probabilities add up to at least p, so it includes that token (and the most likely "
            "token is always kept). Keep a token when the mass of the tokens BEFORE it is still below p.",
            "你去掉了让累计概率越过 p 的那个词元。nucleus 是概率加起来至少为 p 的最小的一组最可能的词元，所以它包括那个词元"
            "（最可能的词元永远保留）。判断条件是：排在它前面的词元的概率之和还小于 p，就保留它。"),
    Mistake(lambda x, p: x.masked_fill(~_nucleus(x, p, descending=False), float("-inf")),
            "you kept the LEAST likely tokens: sort the probabilities in descending order (descending=True).",
            "你保留的是最不可能的词元：要把概率从大到小排序（descending=True）。"),
    Mistake(_sorted_filtered,
            "the result is in sorted order. Put each value back at its token's position: scatter the mask back "
            "with the indices from sort (mask.scatter(-1, indices, sorted_mask)), then filter the original logits.",
            "结果是排好序的顺序。要把每个值放回它的词元原来的位置：用 sort 给出的下标把掩码 scatter 回去"
            "（mask.scatter(-1, indices, sorted_mask)），再过滤原来的 logits。"),
]


def logits_where(logits: torch.Tensor, keep: torch.Tensor, fill: float) -> torch.Tensor:
    return logits.masked_fill(~keep, fill)


def _top_p_cases() -> list[tuple[torch.Tensor, float]]:
    g = generator(185)
    return [(torch.tensor([[2.0, 0.5, 1.0, -1.0, 0.0]]), 0.6),
            (torch.randn(4, 12, generator=g) * 2, 0.8),
            (torch.randn(3, 20, generator=g), 0.5),
            (torch.randn(2, 8, generator=g) * 4, 0.95)]


@checker("18.5")
def check_top_p_filter(top_p_filter) -> None:
    expect_callable(top_p_filter)
    for logits, p in _top_p_cases():
        call = f"top_p_filter(logits {shape_of(logits)}, p={p})"
        result = expect_tensor(call_unchanged(lambda x, p=p: top_p_filter(x, p), logits, call=call), call,
                               shape=logits.shape)
        diagnose(result, reference_top_p(logits, p), TOP_P_MISTAKES, call, logits, p, atol=1e-6, rtol=1e-6,
                 otherwise=("wrong values. Sort the probabilities in descending order, keep a token while the mass "
                            "of the tokens before it is below p, and set every other logit to float('-inf').",
                            "数值不对。把概率从大到小排序，排在一个词元前面的概率之和小于 p 时保留它，其余的 logits 都设成 float('-inf')。"))
