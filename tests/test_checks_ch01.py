"""The checkers of chapter 01 (what is PyTorch): right answers pass, typical mistakes get their hint."""

from __future__ import annotations

import pytest
import torch

from course_utils.checks import evaluate
from course_utils.checks.ch01_what_is_pytorch import COMPONENT_ANSWERS, MYTHS


def todo(*args):
    raise NotImplementedError("Write your code here / 在这里写你的代码")


# --------------------------------------------------------------------------- 01.1


def dynamic_forward(x):
    y = x
    while y.norm() <= 10:
        y = y * 2
    return y


def test_01_1_correct():
    assert evaluate("01.1", dynamic_forward)[0] == "pass"


def test_01_1_if_instead_of_while():
    def once(x):
        return x * 2 if x.norm() <= 10 else x

    status, message = evaluate("01.1", once)
    assert status == "fail"
    assert "The number of doublings must depend on the data" in message


def test_01_1_strict_comparison_misses_the_boundary():
    def strict(x):
        y = x
        while y.norm() < 10:  # [6, 8] has norm exactly 10 and must still be doubled
            y = y * 2
        return y

    status, message = evaluate("01.1", strict)
    assert status == "fail"
    assert "for x=[6.0, 8.0]" in message


def test_01_1_detached_result():
    def detached(x):
        return dynamic_forward(x).detach()

    status, message = evaluate("01.1", detached)
    assert status == "fail"
    assert "cut off from the graph" in message


def test_01_1_not_a_tensor():
    status, message = evaluate("01.1", lambda x: dynamic_forward(x).tolist())
    assert status == "fail"
    assert "return a tensor" in message


def test_01_1_called_instead_of_passed():
    status, message = evaluate("01.1", dynamic_forward(torch.ones(2)))
    assert status == "fail"
    assert "pass the function itself" in message


def test_01_1_todo():
    assert evaluate("01.1", todo)[0] == "todo"


# --------------------------------------------------------------------------- 01.2


def right_components():
    answer = {task: sorted(accepted)[-1] for task, accepted in COMPONENT_ANSWERS.items()}
    answer["capture a model as a graph to run without Python"] = "torch.export"
    return answer


def test_01_2_correct():
    assert evaluate("01.2", right_components)[0] == "pass"


def test_01_2_accepts_any_listed_module_and_loose_spelling():
    answer = right_components()
    answer["capture a model as a graph to run without Python"] = " torch.jit "
    answer["load a WAV file and compute a mel spectrogram"] = "TorchAudio"
    assert evaluate("01.2", lambda: answer)[0] == "pass"


def test_01_2_torchtext_gets_the_discontinued_hint():
    answer = right_components()
    answer["embed the token ids of a text classifier"] = "torchtext"
    status, message = evaluate("01.2", lambda: answer)
    assert status == "fail"
    assert "torchtext is discontinued" in message


def test_01_2_torchscript_is_not_an_import_name():
    answer = right_components()
    answer["capture a model as a graph to run without Python"] = "TorchScript"
    status, message = evaluate("01.2", lambda: answer)
    assert status == "fail"
    assert "successor for capturing a graph is torch.export" in message


def test_01_2_wrong_component():
    answer = right_components()
    answer["find which operation makes training slow"] = "torch.distributed"
    status, message = evaluate("01.2", lambda: answer)
    assert status == "fail"
    assert "Look at the components table again" in message


def test_01_2_left_blank_or_key_removed():
    answer = right_components()
    answer["a ResNet model and image transforms"] = None
    status, message = evaluate("01.2", lambda: answer)
    assert status == "fail" and "is not done by 'none'" in message
    del answer["a ResNet model and image transforms"]
    status, message = evaluate("01.2", lambda: answer)
    assert status == "fail" and "keep every task as a key" in message


def test_01_2_not_a_dict():
    status, message = evaluate("01.2", lambda: list(COMPONENT_ANSWERS))
    assert status == "fail"
    assert "must return a dict" in message


def test_01_2_todo():
    assert evaluate("01.2", todo)[0] == "todo"


# --------------------------------------------------------------------------- 01.3


def right_myths():
    return {statement: truth for statement, (truth, _, _) in MYTHS.items()}


def test_01_3_correct():
    assert evaluate("01.3", right_myths)[0] == "pass"


@pytest.mark.parametrize(
    ("statement", "hint"),
    [
        ("TensorFlow 2 builds a static graph before running anything, by default", "runs eagerly by default"),
        ("PyTorch can train on Google TPUs", "PyTorch/XLA"),
        ("PyTorch runs only on NVIDIA GPUs and CPUs", "AMD GPUs (ROCm)"),
        ("TorchText is being merged into Hugging Face", "discontinued, not merged"),
        ("PyTorch is governed by the PyTorch Foundation, part of the Linux Foundation", "PyTorch Foundation"),
    ],
)
def test_01_3_believing_the_old_seed(statement, hint):
    answer = right_myths()
    answer[statement] = not answer[statement]
    status, message = evaluate("01.3", lambda: answer)
    assert status == "fail"
    assert hint in message


def test_01_3_strings_are_not_booleans():
    answer = {statement: str(truth) for statement, truth in right_myths().items()}
    status, message = evaluate("01.3", lambda: answer)
    assert status == "fail"
    assert "answer True or False" in message


def test_01_3_todo():
    assert evaluate("01.3", todo)[0] == "todo"


# --------------------------------------------------------------------------- 01.4


def count_grad_fns(y):
    seen = set()
    stack = [y.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        stack.extend(next_node for next_node, _ in node.next_functions)
    return len(seen)


def test_01_4_correct():
    assert evaluate("01.4", count_grad_fns)[0] == "pass"


def test_01_4_reference_counts_shared_nodes_once():
    """The reference keeps node objects alive: id()-based sets undercount when ids get reused."""
    from course_utils.checks.ch01_what_is_pytorch import _count_nodes

    a = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(3.0, requires_grad=True)
    assert _count_nodes((a * a + b).grad_fn, distinct=True) == 4
    assert _count_nodes(((a + b) * (a + b)).exp().grad_fn, distinct=True) == 6
    assert _count_nodes(((a + b) * (a + b)).exp().grad_fn, distinct=False) == 8


def test_01_4_shared_node_counted_twice():
    def no_set(y):
        count, stack = 0, [y.grad_fn]
        while stack:
            node = stack.pop()
            if node is None:
                continue
            count += 1
            stack.extend(next_node for next_node, _ in node.next_functions)
        return count

    status, message = evaluate("01.4", no_set)
    assert status == "fail"
    assert "counted a shared node twice" in message


def test_01_4_leaves_not_counted():
    def without_leaves(y):
        seen, stack = set(), [y.grad_fn]
        while stack:
            node = stack.pop()
            if node is None or node in seen or type(node).__name__ == "AccumulateGrad":
                continue
            seen.add(node)
            stack.extend(next_node for next_node, _ in node.next_functions)
        return len(seen)

    status, message = evaluate("01.4", without_leaves)
    assert status == "fail"
    assert "count AccumulateGrad leaves too" in message


def test_01_4_todo():
    assert evaluate("01.4", todo)[0] == "todo"


# --------------------------------------------------------------------------- language


def test_zh_messages():
    status, message = evaluate("01.3", lambda: {**right_myths(), "PyTorch can train on Google TPUs": False}, "zh")
    assert status == "fail"
    assert message.startswith("❌ 01.3 还不对")
    assert "PyTorch/XLA 让 PyTorch 跑在 TPU 上" in message
    assert evaluate("01.1", dynamic_forward, "zh")[1] == "✅ 01.1 检查通过：随数据变化的计算图"
    assert "还没有完成" in evaluate("01.4", todo, "zh")[1]
