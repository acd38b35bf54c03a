"""Chapter 18's checks pass the solutions and catch the typical wrong answers with specific hints."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from course_utils.checks import evaluate


def stub(*args, **kwargs):
    raise NotImplementedError("Write your code here / 在这里写你的代码")


def fails_with(exercise_id, answer, *needles, lang="en"):
    status, message = evaluate(exercise_id, answer, lang)
    assert status == "fail", message
    for needle in needles:
        assert needle in message, message
    return message


# --------------------------------------------------------------------------- 18.1 causal mask


def causal_mask(n_queries, n_keys):
    return torch.ones(n_queries, n_keys, dtype=torch.bool).tril(diagonal=n_keys - n_queries)


def test_causal_mask():
    assert evaluate("18.1", causal_mask)[0] == "pass"
    fails_with("18.1", lambda lq, lk: ~causal_mask(lq, lk), "True and False are swapped", "nn.MultiheadAttention")
    fails_with("18.1", lambda lq, lk: torch.ones(lq, lk, dtype=torch.bool).tril(), "top-left corner",
               "tril(diagonal=n_keys - n_queries)")
    fails_with("18.1", lambda lq, lk: torch.ones(lq, lk, dtype=torch.bool).triu(lk - lq), "upper triangle")
    fails_with("18.1", lambda lq, lk: torch.ones(lq, lk, dtype=torch.bool).tril(lk - lq - 1), "cannot see itself")
    fails_with("18.1", lambda lq, lk: causal_mask(lq, lk).float(), "a float mask is ADDED")
    fails_with("18.1", lambda lq, lk: torch.zeros(lq, lk).masked_fill(~causal_mask(lq, lk), float("-inf")),
               "additive float mask")
    fails_with("18.1", lambda lq, lk: causal_mask(lk, lq), "one ROW per query")
    fails_with("18.1", lambda lq, lk: torch.ones(lq, lk, dtype=torch.bool).tril(), "左上角", lang="zh")
    fails_with("18.1", lambda lq, lk: None, "forget `return`")
    assert evaluate("18.1", stub)[0] == "todo"


# --------------------------------------------------------------------------- 18.2 attention equal to SDPA


def sdpa(q, k, v, attn_mask=None, is_causal=False):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if is_causal:
        scores = scores.masked_fill(~torch.ones(q.shape[-2], k.shape[-2], dtype=torch.bool).tril(), float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            scores = scores.masked_fill(~attn_mask, float("-inf"))
        else:
            scores = scores + attn_mask
    return scores.softmax(dim=-1) @ v


def variant(scale=None, dim=-1, mask_rule="right", causal_rule="right"):
    """An SDPA by hand with one thing done wrong."""

    def answer(q, k, v, attn_mask=None, is_causal=False):
        d = q.shape[-1]
        scores = q @ k.transpose(-2, -1) * (1 / math.sqrt(d) if scale is None else scale(d))
        L, S = q.shape[-2], k.shape[-2]
        if is_causal and causal_rule != "ignore":
            allowed = torch.ones(L, S, dtype=torch.bool)
            allowed = allowed.triu() if causal_rule == "upper" else allowed.tril()
            scores = scores.masked_fill(~allowed, float("-inf"))
        after = None
        if attn_mask is not None and mask_rule != "ignore":
            if attn_mask.dtype == torch.bool:
                if mask_rule == "inverted":
                    scores = scores.masked_fill(attn_mask, float("-inf"))
                elif mask_rule == "zero":
                    scores = scores.masked_fill(~attn_mask, 0.0)
                elif mask_rule == "after":
                    after = attn_mask.float()
                else:
                    scores = scores.masked_fill(~attn_mask, float("-inf"))
            elif mask_rule == "float_as_bool":
                scores = scores.masked_fill(~attn_mask.bool(), float("-inf"))
            else:
                scores = scores + attn_mask
        weights = scores.softmax(dim=dim)
        if after is not None:
            weights = weights * after
        return weights @ v

    return answer


def test_sdpa():
    assert evaluate("18.2", sdpa)[0] == "pass"
    assert evaluate("18.2", variant())[0] == "pass"
    fails_with("18.2", variant(scale=lambda d: 1.0), "not scaled")
    fails_with("18.2", variant(scale=lambda d: 1 / d), "divided by d")
    fails_with("18.2", variant(dim=-2), "wrong dimension")
    fails_with("18.2", variant(mask_rule="ignore"), "attn_mask had no effect")
    fails_with("18.2", variant(mask_rule="inverted"), "wrong way round")
    fails_with("18.2", variant(mask_rule="after"), "after the softmax")
    fails_with("18.2", variant(mask_rule="zero"), "exp(0) = 1")
    fails_with("18.2", variant(mask_rule="float_as_bool"), "ADDED to the scores")
    fails_with("18.2", variant(causal_rule="ignore"), "is_causal=True is ignored")
    fails_with("18.2", variant(causal_rule="upper"), "upper triangle")
    fails_with("18.2", variant(causal_rule="upper"), "上三角", lang="zh")
    fails_with("18.2", lambda q, k, v, attn_mask=None, is_causal=False: F.scaled_dot_product_attention(
        q, k, v, attn_mask=attn_mask, is_causal=is_causal), "Write the computation by hand")
    fails_with("18.2", lambda q, k, v, attn_mask=None, is_causal=False: q[..., :2, :], "expected shape")
    fails_with("18.2", lambda q, k, v, attn_mask=None, is_causal=False: q, "largest difference")

    def in_place(q, k, v, attn_mask=None, is_causal=False):
        q /= math.sqrt(q.shape[-1])
        return sdpa(q * math.sqrt(q.shape[-1]), k, v, attn_mask, is_causal)

    fails_with("18.2", in_place, "in place")
    assert evaluate("18.2", stub)[0] == "todo"


def test_sdpa_outside_the_check_is_the_real_one():
    evaluate("18.2", lambda q, k, v, attn_mask=None, is_causal=False: F.scaled_dot_product_attention(q, k, v))
    q = torch.randn(1, 3, 4)
    assert torch.allclose(F.scaled_dot_product_attention(q, q, q), sdpa(q, q, q), atol=1e-6)


# --------------------------------------------------------------------------- 18.3 KV-cache step


def attend_step(x_new, cache, w_q, w_k, w_v):
    q, k, v = x_new @ w_q, x_new @ w_k, x_new @ w_v
    if cache is not None:
        k = torch.cat([cache[0], k], dim=1)
        v = torch.cat([cache[1], v], dim=1)
    weights = (q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])).softmax(dim=-1)
    return weights @ v, (k, v)


def test_attend_step():
    assert evaluate("18.3", attend_step)[0] == "pass"

    def new_keys_first(x_new, cache, w_q, w_k, w_v):  # the order of the keys does not change attention
        q, k, v = x_new @ w_q, x_new @ w_k, x_new @ w_v
        if cache is not None:
            k, v = torch.cat([cache[0], k], dim=1), torch.cat([cache[1], v], dim=1)
        return F.scaled_dot_product_attention(q, k, v), (k, v)

    assert evaluate("18.3", new_keys_first)[0] == "pass"

    def no_append(x_new, cache, w_q, w_k, w_v):
        q, k, v = x_new @ w_q, x_new @ w_k, x_new @ w_v
        out = (q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])).softmax(dim=-1) @ v
        return out, (k, v)

    fails_with("18.3", no_append, "it holds only the new token")

    def attends_to_itself(x_new, cache, w_q, w_k, w_v):
        out, _ = no_append(x_new, None, w_q, w_k, w_v)
        _, new_cache = attend_step(x_new, cache, w_q, w_k, w_v)
        return out, new_cache

    fails_with("18.3", attends_to_itself, "its query saw only its own key")

    def unscaled(x_new, cache, w_q, w_k, w_v):
        _, (k, v) = attend_step(x_new, cache, w_q, w_k, w_v)
        return (x_new @ w_q @ k.transpose(-2, -1)).softmax(dim=-1) @ v, (k, v)

    fails_with("18.3", unscaled, "not scaled")

    def batch_dim(x_new, cache, w_q, w_k, w_v):
        k, v = x_new @ w_k, x_new @ w_v
        if cache is not None:
            k, v = torch.cat([cache[0], k], dim=0), torch.cat([cache[1], v], dim=0)
        return attend_step(x_new, None, w_q, w_k, w_v)[0], (k, v)

    fails_with("18.3", batch_dim, "batch dimension", "dim=1")

    def caches_inputs(x_new, cache, w_q, w_k, w_v):
        out, (k, v) = attend_step(x_new, None if cache is None else (cache[0] @ w_k, cache[1] @ w_v), w_q, w_k, w_v)
        xs = x_new if cache is None else torch.cat([cache[0], x_new], dim=1)
        return out, (xs, xs)

    fails_with("18.3", caches_inputs, "holds the input vectors x")

    def swapped(x_new, cache, w_q, w_k, w_v):
        out, (k, v) = attend_step(x_new, None if cache is None else (cache[1], cache[0]), w_q, w_k, w_v)
        return out, (v, k)

    fails_with("18.3", swapped, "(V, K)")
    fails_with("18.3", lambda x_new, cache, w_q, w_k, w_v: attend_step(x_new, cache, w_q, w_k, w_v)[0],
               "return two things")
    assert evaluate("18.3", stub)[0] == "todo"


# --------------------------------------------------------------------------- 18.4 sinusoidal positions


def sinusoidal_positions(n_positions, d_model):
    t = torch.arange(n_positions, dtype=torch.float32)[:, None]
    angles = t / 10000 ** (torch.arange(0, d_model, 2, dtype=torch.float32) / d_model)
    return torch.stack([torch.sin(angles), torch.cos(angles)], dim=-1).reshape(n_positions, d_model)


def halves(n_positions, d_model):
    t = torch.arange(n_positions, dtype=torch.float32)[:, None]
    angles = t / 10000 ** (torch.arange(0, d_model, 2, dtype=torch.float32) / d_model)
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)


def test_sinusoidal_positions():
    assert evaluate("18.4", sinusoidal_positions)[0] == "pass"
    assert evaluate("18.4", lambda n, d: sinusoidal_positions(n, d).double())[0] == "pass"
    fails_with("18.4", halves, "interleaved layout")
    fails_with("18.4", lambda n, d: sinusoidal_positions(n, d).T, "transpose")

    def swapped(n, d):
        table = sinusoidal_positions(n, d)
        return table.view(n, d // 2, 2).flip(-1).reshape(n, d)

    fails_with("18.4", swapped, "sin and cos are swapped")

    def exponent(power):
        def table(n, d):
            t = torch.arange(n, dtype=torch.float32)[:, None]
            angles = t / 10000 ** (power * torch.arange(d // 2, dtype=torch.float32) / d)
            return torch.stack([torch.sin(angles), torch.cos(angles)], dim=-1).reshape(n, d)
        return table

    fails_with("18.4", exponent(1.0), "fall too slowly")
    fails_with("18.4", exponent(4.0), "fall too fast")
    fails_with("18.4", lambda n, d: sinusoidal_positions(n + 1, d)[1:], "positions start at 0")
    fails_with("18.4", lambda n, d: torch.zeros(n, d), "wrong values")
    assert evaluate("18.4", stub)[0] == "todo"


# --------------------------------------------------------------------------- 18.5 top-p filter


def top_p_filter(logits, p):
    probs = logits.softmax(dim=-1)
    sorted_probs, order = probs.sort(dim=-1, descending=True)
    before = sorted_probs.cumsum(dim=-1) - sorted_probs
    keep = torch.zeros_like(before, dtype=torch.bool).scatter(-1, order, before < p)
    return logits.masked_fill(~keep, float("-inf"))


def test_top_p_filter():
    assert evaluate("18.5", top_p_filter)[0] == "pass"

    def hugging_face_style(logits, p):  # remove where the running sum exceeds p, shifted right by one
        sorted_logits, order = logits.sort(dim=-1, descending=True)
        running = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
        remove = running > p
        remove[..., 1:] = remove[..., :-1].clone()
        remove[..., 0] = False
        return logits.masked_fill(remove.scatter(-1, order, remove), float("-inf"))

    assert evaluate("18.5", hugging_face_style)[0] == "pass"
    fails_with("18.5", lambda x, p: top_p_filter(x, p).nan_to_num(neginf=0.0), "exp(0) = 1")
    fails_with("18.5", lambda x, p: top_p_filter(x, p).softmax(dim=-1), "returned probabilities")

    def strict(logits, p):
        sorted_probs, order = logits.softmax(dim=-1).sort(dim=-1, descending=True)
        keep = torch.zeros_like(sorted_probs, dtype=torch.bool).scatter(-1, order, sorted_probs.cumsum(-1) <= p)
        return logits.masked_fill(~keep, float("-inf"))

    fails_with("18.5", strict, "carries the running sum past p")

    def ascending(logits, p):
        sorted_probs, order = logits.softmax(dim=-1).sort(dim=-1)
        before = sorted_probs.cumsum(dim=-1) - sorted_probs
        keep = torch.zeros_like(before, dtype=torch.bool).scatter(-1, order, before < p)
        return logits.masked_fill(~keep, float("-inf"))

    fails_with("18.5", ascending, "LEAST likely")

    def stays_sorted(logits, p):
        return top_p_filter(logits.sort(dim=-1, descending=True).values, p)

    fails_with("18.5", stays_sorted, "sorted order", "scatter")

    def in_place(logits, p):
        filtered = top_p_filter(logits, p)
        logits.copy_(filtered)
        return filtered

    fails_with("18.5", in_place, "in place")
    assert evaluate("18.5", stub)[0] == "todo"


@pytest.mark.parametrize("exercise_id", ["18.1", "18.2", "18.3", "18.4", "18.5"])
def test_checks_leave_the_random_state_alone(exercise_id):
    answers = {"18.1": causal_mask, "18.2": sdpa, "18.3": attend_step, "18.4": sinusoidal_positions,
               "18.5": top_p_filter}
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    assert evaluate(exercise_id, answers[exercise_id])[0] == "pass"
    assert torch.equal(torch.rand(3), expected)


def test_top_p_cases_are_far_from_ties():
    from course_utils.checks.ch18_transformer import _top_p_cases

    for logits, p in _top_p_cases():
        sorted_probs = logits.softmax(dim=-1).sort(dim=-1, descending=True).values
        before = sorted_probs.cumsum(dim=-1) - sorted_probs
        assert (before - p).abs().min() > 1e-3
