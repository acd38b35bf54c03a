"""Chapter 05's checks catch the typical wrong answers with specific hints."""

import pytest
import torch
from torch import nn

from course_utils.checks import evaluate

IDS = ("05.1", "05.2", "05.3", "05.4", "05.5", "05.6")


# ---------------------------------------------------------------- 05.1 grad_at


def grad_at(f, x):
    x = x.detach().requires_grad_()
    f(x).backward()
    return x.grad


def test_grad_at_passes():
    assert evaluate("05.1", grad_at, "en")[0] == "pass"

    def with_autograd_grad(f, x):
        x = x.detach().requires_grad_()
        return torch.autograd.grad(f(x), x)[0]

    assert evaluate("05.1", with_autograd_grad, "en")[0] == "pass"


def test_grad_at_accumulation():
    def on_the_callers_tensor(f, x):
        x.requires_grad_()
        f(x).backward()
        return x.grad

    status, message = evaluate("05.1", on_the_callers_tensor, "en")
    assert status == "fail" and "gradients ACCUMULATE in x.grad" in message
    status, message = evaluate("05.1", on_the_callers_tensor, "zh")
    assert status == "fail" and "梯度会在 x.grad 里累加" in message


def test_grad_at_changes_the_callers_tensor():
    def cleared_but_modified(f, x):
        x.requires_grad_()
        f(x).backward()
        grad = x.grad.clone()
        x.grad = None
        return grad

    status, message = evaluate("05.1", cleared_but_modified, "en")
    assert status == "fail" and "changed the caller's tensor" in message


def test_grad_at_without_requires_grad():
    def backward_only(f, x):
        f(x).backward()
        return x.grad

    def autograd_only(f, x):
        return torch.autograd.grad(f(x), x)[0]

    for answer in (backward_only, autograd_only):
        status, message = evaluate("05.1", answer, "en")
        assert status == "fail" and "x did not require grad" in message and "requires_grad_()" in message
        status, message = evaluate("05.1", answer, "zh")
        assert status == "fail" and "x 并不需要梯度" in message


def test_grad_at_differentiating_the_wrong_tensor():
    def callers_x(f, x):
        leaf = x.detach().requires_grad_()
        return torch.autograd.grad(f(leaf), x)[0]

    def unused_x(f, x):
        leaf = x.detach().requires_grad_()
        return torch.autograd.grad(f(leaf), x.requires_grad_())[0]

    for answer in (callers_x, unused_x):
        status, message = evaluate("05.1", answer, "en")
        assert status == "fail" and "a tensor that y was not computed from" in message, message
        status, message = evaluate("05.1", answer, "zh")
        assert status == "fail" and "求导的对象不是计算 y 时用的那个张量" in message, message


@pytest.mark.filterwarnings("ignore:The .grad attribute of a Tensor that is not a leaf")  # the wrong answer reads h.grad
def test_grad_at_attached_and_wrong():
    def attached(f, x):
        x = x.detach().requires_grad_()
        return torch.autograd.grad(f(x), x, create_graph=True)[0]

    status, message = evaluate("05.1", attached, "en")
    assert status == "fail" and "still requires grad" in message

    def non_leaf(f, x):
        x = x.detach().requires_grad_()
        h = x * 1
        f(h).backward()
        return h.grad

    status, message = evaluate("05.1", non_leaf, "en")
    assert status == "fail" and "returned None" in message

    status, message = evaluate("05.1", lambda f, x: f(x), "en")
    assert status == "fail" and "expected the gradient 3*x**2" in message


# ---------------------------------------------------------------- 05.2 micro-batches


def accumulate(model, x, y, n_micro):
    model.zero_grad()
    for xb, yb in zip(x.chunk(n_micro), y.chunk(n_micro)):
        (nn.functional.mse_loss(model(xb), yb) / n_micro).backward()


def test_micro_batches_pass():
    assert evaluate("05.2", accumulate, "en")[0] == "pass"


def test_micro_batches_typical_mistakes():
    def not_divided(model, x, y, n_micro):
        model.zero_grad()
        for xb, yb in zip(x.chunk(n_micro), y.chunk(n_micro)):
            nn.functional.mse_loss(model(xb), yb).backward()

    status, message = evaluate("05.2", not_divided, "en")
    assert status == "fail" and "times too large" in message and "divided by n_micro" in message

    def stale(model, x, y, n_micro):
        for xb, yb in zip(x.chunk(n_micro), y.chunk(n_micro)):
            (nn.functional.mse_loss(model(xb), yb) / n_micro).backward()

    status, message = evaluate("05.2", stale, "en")
    assert status == "fail" and "call model.zero_grad() once BEFORE the loop" in message
    status, message = evaluate("05.2", stale, "zh")
    assert status == "fail" and "请在遍历小批次的循环之前调用一次 model.zero_grad()" in message

    def zero_inside(model, x, y, n_micro):
        for xb, yb in zip(x.chunk(n_micro), y.chunk(n_micro)):
            model.zero_grad()
            (nn.functional.mse_loss(model(xb), yb) / n_micro).backward()

    status, message = evaluate("05.2", zero_inside, "en")
    assert status == "fail" and "only the last micro-batch's gradient is left" in message

    def stepped(model, x, y, n_micro):
        accumulate(model, x, y, n_micro)
        torch.optim.SGD(model.parameters(), lr=0.1).step()

    status, message = evaluate("05.2", stepped, "en")
    assert status == "fail" and "do not update the parameters" in message

    def whole_batch(model, x, y, n_micro):
        model.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()

    status, message = evaluate("05.2", whole_batch, "en")
    assert status == "fail" and "the model saw batches of sizes [12]" in message


# ---------------------------------------------------------------- 05.3 custom Function


def make_logaddexp(backward):
    class LogAddExp(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            m = torch.maximum(x, y)
            out = m + torch.log(torch.exp(x - m) + torch.exp(y - m))
            ctx.save_for_backward(x, y, out)
            return out

        @staticmethod
        def backward(ctx, grad_output):
            return backward(grad_output, *ctx.saved_tensors)

    return LogAddExp


def test_logaddexp_passes():
    good = make_logaddexp(lambda g, x, y, out: (g * torch.exp(x - out), g * torch.exp(y - out)))
    assert evaluate("05.3", good, "en")[0] == "pass"


def test_logaddexp_typical_mistakes():
    cases = {
        "multiply each by grad_output": lambda g, x, y, out: (torch.exp(x - out), torch.exp(y - out)),
        "swapped": lambda g, x, y, out: (g * torch.exp(y - out), g * torch.exp(x - out)),
        "that is the derivative of exp": lambda g, x, y, out: (g * torch.exp(x), g * torch.exp(y - out)),
        "the gradient for y (the second input) is wrong": lambda g, x, y, out: (g * torch.exp(x - out), g * y),
        "one gradient per input of forward": lambda g, x, y, out: g * torch.exp(x - out),
        "not numerically stable": lambda g, x, y, out: (
            g * torch.exp(x) / (torch.exp(x) + torch.exp(y)),
            g * torch.exp(y) / (torch.exp(x) + torch.exp(y)),
        ),
    }
    for hint, backward in cases.items():
        status, message = evaluate("05.3", make_logaddexp(backward), "en")
        assert status == "fail" and hint in message, (hint, message)
    good = make_logaddexp(lambda g, x, y, out: (g * torch.exp(x - out), g * torch.exp(y - out)))
    status, message = evaluate("05.3", good.apply, "en")
    assert status == "fail" and "pass the class itself" in message
    status, message = evaluate("05.3", make_logaddexp(lambda g, x, y, out: (g * torch.exp(x - out), g * y)), "zh")
    assert status == "fail" and "y（第二个输入）的梯度不对" in message


# ---------------------------------------------------------------- 05.4 second derivative


def second_derivative(f, x):
    x = x.detach().requires_grad_()
    (first,) = torch.autograd.grad(f(x).sum(), x, create_graph=True)
    return torch.autograd.grad(first.sum(), x)[0]


def test_second_derivative():
    assert evaluate("05.4", second_derivative, "en")[0] == "pass"

    def no_create_graph(f, x):
        x = x.detach().requires_grad_()
        (first,) = torch.autograd.grad(f(x).sum(), x)
        return torch.autograd.grad(first.sum(), x)[0]

    status, message = evaluate("05.4", no_create_graph, "en")
    assert status == "fail" and "pass create_graph=True to the FIRST torch.autograd.grad call" in message
    status, message = evaluate("05.4", no_create_graph, "zh")
    assert status == "fail" and "create_graph=True" in message and "一阶导数没有记录图" in message

    def first_only(f, x):
        x = x.detach().requires_grad_()
        return torch.autograd.grad(f(x).sum(), x)[0]

    status, message = evaluate("05.4", first_only, "en")
    assert status == "fail" and "you returned the FIRST derivative" in message

    def not_summed(f, x):
        x = x.detach().requires_grad_()
        (first,) = torch.autograd.grad(f(x), x, create_graph=True)
        return torch.autograd.grad(first, x)[0]

    status, message = evaluate("05.4", not_summed, "en")
    assert status == "fail" and "differentiate f(x).sum()" in message

    def attached(f, x):
        x = x.detach().requires_grad_()
        (first,) = torch.autograd.grad(f(x).sum(), x, create_graph=True)
        return torch.autograd.grad(first.sum(), x, create_graph=True)[0]

    status, message = evaluate("05.4", attached, "en")
    assert status == "fail" and "still requires grad" in message


# ---------------------------------------------------------------- 05.5 freezing


def test_freeze():
    def good(model):
        for layer in model[:-1]:
            layer.requires_grad_(False)
        return [p for p in model.parameters() if p.requires_grad]

    assert evaluate("05.5", good, "en")[0] == "pass"

    def attribute(model):
        for layer in model[:-1]:
            layer.requires_grad = False
        return [p for p in model.parameters() if p.requires_grad]

    status, message = evaluate("05.5", attribute, "en")
    assert status == "fail" and "only sets a plain Python attribute" in message
    status, message = evaluate("05.5", attribute, "zh")
    assert status == "fail" and "只是给模块加了一个普通的 Python 属性" in message

    def everything(model):
        model.requires_grad_(False)
        return []

    status, message = evaluate("05.5", everything, "en")
    assert status == "fail" and "the last layer is frozen too" in message

    def all_params(model):
        for layer in model[:-1]:
            layer.requires_grad_(False)
        return list(model.parameters())

    status, message = evaluate("05.5", all_params, "en")
    assert status == "fail" and "return only those with requires_grad=True" in message

    def first_only(model):
        model[0].requires_grad_(False)
        return [p for p in model.parameters() if p.requires_grad]

    status, message = evaluate("05.5", first_only, "en")
    assert status == "fail" and "still require grad: 2.weight, 2.bias" in message


# ---------------------------------------------------------------- 05.6 predict


def test_predict():
    def good(model, x):
        model.eval()
        with torch.no_grad():
            return model(x)

    assert evaluate("05.6", good, "en")[0] == "pass"

    def inference(model, x):
        model.eval()
        with torch.inference_mode():
            return model(x)

    assert evaluate("05.6", inference, "en")[0] == "pass"

    status, message = evaluate("05.6", lambda model, x: model.eval()(x), "en")
    assert status == "fail" and "still require grad" in message

    status, message = evaluate("05.6", lambda model, x: model.eval()(x).detach(), "en")
    assert status == "fail" and "you detached afterwards" in message

    def dropout_on(model, x):
        with torch.no_grad():
            return model(x)

    status, message = evaluate("05.6", dropout_on, "en")
    assert status == "fail" and "Dropout is still active" in message
    status, message = evaluate("05.6", dropout_on, "zh")
    assert status == "fail" and "Dropout 仍然开着" in message

    def global_switch(model, x):
        model.eval()
        torch.set_grad_enabled(False)
        return model(x)

    status, message = evaluate("05.6", global_switch, "en")
    assert status == "fail" and "torch.set_grad_enabled(False) is global" in message
    assert torch.is_grad_enabled()  # the checker switched it back on


def test_checks_keep_the_random_state():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    for exercise_id in ("05.2", "05.5", "05.6"):
        evaluate(exercise_id, lambda *args: None, "en")
    assert torch.equal(torch.rand(3), expected)


def test_stubs_are_not_done():
    def stub(*args):
        raise NotImplementedError

    assert all(evaluate(i, stub, "en")[0] == "todo" for i in IDS if i != "05.3")
    assert evaluate("05.3", make_logaddexp(stub), "en")[0] == "todo"
