"""Look at autograd's backward graph: print it, or draw it (chapters 01 and 05).

Every tensor made by an operation on tensors that require gradients has a ``grad_fn``: the
backward node of that operation. Each node's ``next_functions`` points to the nodes of its
inputs, down to one ``AccumulateGrad`` node per leaf tensor, where gradients are added to ``.grad``.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import torch


def print_graph(node: Any, depth: int = 0, shapes: bool = False) -> None:
    """Print a backward graph, one node per line, its inputs indented below; ``shapes=True`` adds leaf shapes (chapter 05)."""
    name = type(node).__name__
    if shapes and name == "AccumulateGrad":
        name += f"  (leaf of shape {tuple(node.variable.shape)})"
    print("    " * depth + name)
    for child, _ in node.next_functions:
        if child is not None:  # None: this input needs no gradient (a constant, say)
            print_graph(child, depth + 1, shapes)


def graph_levels(root: Any) -> dict[Any, int]:
    """Every node below ``root``, with its level: the longest distance from the output (chapters 01 and 05)."""
    level, stack = {root: 0}, [root]
    while stack:
        node = stack.pop()
        for child, _ in node.next_functions:
            if child is not None and level.get(child, -1) < level[node] + 1:
                level[child] = level[node] + 1
                stack.append(child)
    return level


def _positions(level: dict[Any, int], leaf_rank: dict[int, int]) -> dict[Any, tuple[float, float]]:
    """Level by level, top down: put each node near the mean x of its parents (fewer crossings)."""
    bottom = max(level.values())
    for node in level:  # all leaves go on the same (bottom) level
        if type(node).__name__ == "AccumulateGrad":
            level[node] = bottom
    pos: dict[Any, tuple[float, float]] = {}
    for depth in range(bottom + 1):
        def key(node: Any) -> tuple[float, int]:
            parents = [pos[p][0] for p in pos for c, _ in p.next_functions if c is node]
            leaf = leaf_rank.get(id(getattr(node, "variable", None)), 0)
            return (sum(parents) / len(parents) if parents else 0.0, leaf)

        nodes = sorted((n for n, d in level.items() if d == depth), key=key)
        for i, node in enumerate(nodes):
            pos[node] = (i - (len(nodes) - 1) / 2, -depth)
    return pos


def _describe(name: str, t: torch.Tensor) -> str:
    """``tensor x = 2.0`` and its gradient for a one-number tensor; its shape otherwise."""
    if t.numel() != 1:
        return f"tensor {name}, shape {tuple(t.shape)}"
    text = f"tensor {name} = {t.item():.1f}"
    return text + (f"\n{name}.grad = {t.grad.item():.4f}" if t.grad is not None else "")


def draw_backward_graph(output: torch.Tensor, tensors: dict[str, torch.Tensor], title: str,
                        ax: plt.Axes | None = None) -> plt.Figure:
    """Draw the backward graph of ``output``: the output at the top, the leaves at the bottom (chapters 01 and 05).

    ``tensors`` maps names to the tensors to label (leaves and intermediates). Blue boxes are
    backward nodes, green boxes leaf tensors, the orange box the output; arrows follow
    ``next_functions``, the direction in which gradients flow. Draws into ``ax`` when given.
    """
    fig, ax = plt.subplots(figsize=(8, 7)) if ax is None else (ax.figure, ax)
    pos = _positions(graph_levels(output.grad_fn), {id(t): i for i, t in enumerate(tensors.values())})

    def label(node: Any) -> str:
        kind = type(node).__name__
        for name, t in tensors.items():
            if kind == "AccumulateGrad" and node.variable is t:
                return f"AccumulateGrad\n(leaf {name})"
            if t.grad_fn is node:
                return f"{kind}\nmakes {name}"
        return kind

    arrow = {"arrowstyle": "->", "color": "gray", "shrinkA": 18, "shrinkB": 18}
    for node, (px, py) in pos.items():
        for child, _ in node.next_functions:
            if child is not None:
                long_edge = pos[child][1] < py - 1  # edges that skip levels curve around the boxes between
                bend = -0.25 if pos[child][0] >= px else 0.25
                style = {**arrow, "connectionstyle": f"arc3,rad={bend if long_edge else 0}"}
                ax.annotate("", xy=pos[child], xytext=(px, py), arrowprops=style)
        ax.text(px, py, label(node), ha="center", va="center", fontsize=9,
                bbox={"boxstyle": "round", "facecolor": "lightsteelblue", "edgecolor": "gray"})
    name = next((f" {n}" for n, t in tensors.items() if t is output), "")
    value = f" = {output.item():.4f}" if output.numel() == 1 else ""
    ax.annotate("", xy=pos[output.grad_fn], xytext=(0, 1), arrowprops=arrow)
    ax.text(0, 1, f"output tensor{name}{value}", ha="center", va="center", fontsize=9,
            bbox={"boxstyle": "square", "facecolor": "navajowhite", "edgecolor": "gray"})
    for node, (px, py) in pos.items():
        if type(node).__name__ == "AccumulateGrad":
            name = next((n for n, t in tensors.items() if node.variable is t), "?")
            ax.annotate("", xy=(px, py - 1), xytext=(px, py), arrowprops=arrow)
            ax.text(px, py - 1, _describe(name, node.variable), ha="center", va="center", fontsize=9,
                    bbox={"boxstyle": "square", "facecolor": "lightgreen", "edgecolor": "gray"})
    xs = [p[0] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    ax.set_ylim(min(p[1] for p in pos.values()) - 1.6, 1.5)
    ax.set_title(title, fontsize=10)
    ax.axis("off")
    return fig
