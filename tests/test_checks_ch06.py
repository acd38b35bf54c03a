"""Chapter 06's checks catch the typical wrong answers with specific hints."""

import torch
import torch.nn.functional as F
from torch import nn

from course_utils.checks import evaluate

# --------------------------------------------------------------------------- 06.1


def _mlp_class(container="modulelist", relu="between", call_super=True, hardcoded=False):
    """Build MLP classes, right and wrong, for the checker of 06.1."""

    class MLP(nn.Module):
        def __init__(self, sizes):
            if call_super:
                super().__init__()
            pairs = list(zip(sizes[:-1], sizes[1:]))
            if hardcoded:
                pairs = [(sizes[0], 16), (16, 8), (8, sizes[-1])]
            layers = [nn.Linear(a, b) for a, b in pairs]
            self.layers = nn.ModuleList(layers) if container == "modulelist" else layers
            if not call_super:
                super().__init__()

        def forward(self, x):
            for i, layer in enumerate(self.layers):
                x = layer(x)
                last = i == len(self.layers) - 1
                if relu == "all" or (relu == "between" and not last):
                    x = torch.relu(x)
            return x

    return MLP


def test_mlp():
    assert evaluate("06.1", _mlp_class(), "en")[0] == "pass"

    status, message = evaluate("06.1", _mlp_class(container="list"), "en")
    assert status == "fail" and "plain Python list" in message and "nn.ModuleList" in message

    status, message = evaluate("06.1", _mlp_class(call_super=False), "en")
    assert status == "fail" and "super().__init__() as the FIRST line" in message

    status, message = evaluate("06.1", _mlp_class(relu="all"), "en")
    assert status == "fail" and "ReLU after the LAST layer" in message

    status, message = evaluate("06.1", _mlp_class(relu="none"), "en")
    assert status == "fail" and "no ReLU between its Linear layers" in message

    status, message = evaluate("06.1", _mlp_class(hardcoded=True), "en")
    assert status == "fail" and "works for any list of sizes" in message

    status, message = evaluate("06.1", _mlp_class(container="list"), "zh")
    assert status == "fail" and "nn.ModuleList" in message and "普通的 Python list" in message

    status, message = evaluate("06.1", lambda sizes: nn.Linear(sizes[0], sizes[-1]), "en")
    assert status == "fail" and "class MLP(nn.Module)" in message


def test_mlp_without_super_and_only_a_list():
    class NoInit(nn.Module):
        def __init__(self, sizes):
            self.layers = [nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])]

        def forward(self, x):
            return x

    status, message = evaluate("06.1", NoInit, "en")
    assert status == "fail" and "did not run nn.Module.__init__" in message


# --------------------------------------------------------------------------- 06.2


def test_count_trainable():
    right = lambda m: sum(p.numel() for p in m.parameters() if p.requires_grad)  # noqa: E731
    assert evaluate("06.2", right, "en")[0] == "pass"

    status, message = evaluate("06.2", lambda m: sum(p.numel() for p in m.parameters()), "en")
    assert status == "fail" and "counts the frozen parameters too" in message

    status, message = evaluate("06.2", lambda m: len([p for p in m.parameters() if p.requires_grad]), "en")
    assert status == "fail" and "number of parameter TENSORS" in message

    status, message = evaluate("06.2", lambda m: len(list(m.parameters())), "en")
    assert status == "fail" and "add up p.numel()" in message

    status, message = evaluate("06.2", lambda m: sum(p.numel() for p in m.parameters() if not p.requires_grad), "en")
    assert status == "fail" and "FROZEN parameters" in message

    status, message = evaluate("06.2", lambda m: torch.tensor(right(m)), "en")
    assert status == "fail" and "return a Python int" in message

    def via_state_dict(model):
        if all(p.requires_grad for p in model.parameters()):
            return sum(t.numel() for t in model.state_dict().values())
        return right(model)

    status, message = evaluate("06.2", via_state_dict, "en")
    assert status == "fail" and "state_dict() also holds buffers" in message

    status, message = evaluate("06.2", lambda m: sum(p.numel() for p in m.parameters()), "zh")
    assert status == "fail" and "把冻结的参数也数进去了" in message


# --------------------------------------------------------------------------- 06.3


def test_classification_loss():
    assert evaluate("06.3", F.cross_entropy, "en")[0] == "pass"
    assert evaluate("06.3", lambda z, y: nn.CrossEntropyLoss()(z, y), "en")[0] == "pass"
    assert evaluate("06.3", lambda z, y: F.nll_loss(F.log_softmax(z, dim=1), y), "en")[0] == "pass"

    status, message = evaluate("06.3", lambda z, y: F.cross_entropy(torch.softmax(z, dim=1), y), "en")
    assert status == "fail" and "applied softmax before CrossEntropyLoss" in message

    status, message = evaluate("06.3", lambda z, y: F.nll_loss(z, y), "en")
    assert status == "fail" and "raw logits to nll_loss" in message

    status, message = evaluate("06.3", lambda z, y: F.cross_entropy(z, y, reduction="sum"), "en")
    assert status == "fail" and "SUM of the per-example losses" in message

    status, message = evaluate("06.3", lambda z, y: F.cross_entropy(z, y).item(), "en")
    assert status == "fail" and "return the loss as a tensor" in message

    status, message = evaluate("06.3", lambda z, y: F.cross_entropy(z, y).detach(), "en")
    assert status == "fail" and "cut off from the logits" in message

    status, message = evaluate("06.3", lambda z, y: F.cross_entropy(z, y, reduction="none"), "en")
    assert status == "fail" and "reduction='mean'" in message

    status, message = evaluate("06.3", lambda z, y: F.cross_entropy(torch.softmax(z, dim=1), y), "zh")
    assert status == "fail" and "先 softmax 会把它们压扁" in message


# --------------------------------------------------------------------------- 06.4


def _sgd(sign=-1, use_lr=True, no_grad=True, inplace=True, zero_first=True, loss_after=False):
    """Build sgd_step functions, right and wrong, for the checker of 06.4."""

    def sgd_step(model, inputs, targets, lr):
        if zero_first:
            model.zero_grad()
        loss = F.mse_loss(model(inputs), targets)
        loss.backward()
        step = lr if use_lr else 1.0
        if no_grad:
            with torch.no_grad():
                for p in model.parameters():
                    if inplace:
                        p += sign * step * p.grad
                    else:
                        p = p + sign * step * p.grad  # noqa: PLW2901 - the mistake under test
        else:
            for p in model.parameters():
                p -= step * p.grad
        if loss_after:
            return F.mse_loss(model(inputs), targets).item()
        return loss.item()

    return sgd_step


def test_sgd_step():
    assert evaluate("06.4", _sgd(), "en")[0] == "pass"

    status, message = evaluate("06.4", _sgd(sign=+1), "en")
    assert status == "fail" and "sign error" in message

    status, message = evaluate("06.4", _sgd(use_lr=False), "en")
    assert status == "fail" and "multiply it by the learning rate" in message

    status, message = evaluate("06.4", _sgd(no_grad=False), "en")
    assert status == "fail" and "inside `with torch.no_grad():`" in message

    status, message = evaluate("06.4", _sgd(inplace=False), "en")
    assert status == "fail" and "only rebinds the local name p" in message

    status, message = evaluate("06.4", _sgd(zero_first=False), "en")
    assert status == "fail" and "Clear the gradients first" in message

    status, message = evaluate("06.4", _sgd(loss_after=True), "en")
    assert status == "fail" and "loss AFTER the update" in message

    status, message = evaluate("06.4", _sgd(sign=+1), "zh")
    assert status == "fail" and "符号错了" in message


def test_sgd_step_with_torch_optim_is_fine():
    def with_optim(model, inputs, targets, lr):
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        opt.zero_grad()
        loss = F.mse_loss(model(inputs), targets)
        loss.backward()
        opt.step()
        return loss.item()

    assert evaluate("06.4", with_optim, "en")[0] == "pass"


# --------------------------------------------------------------------------- 06.5


def test_load_without_prefix():
    def right(model, checkpoint):
        model.load_state_dict({k.removeprefix("module."): v for k, v in checkpoint.items()})
        return model

    assert evaluate("06.5", right, "en")[0] == "pass"

    def official(model, checkpoint):
        from torch.nn.modules.utils import consume_prefix_in_state_dict_if_present

        consume_prefix_in_state_dict_if_present(checkpoint, "module.")
        model.load_state_dict(checkpoint)
        return model

    assert evaluate("06.5", official, "en")[0] == "pass"

    def with_replace(model, checkpoint):
        model.load_state_dict({k.replace("module.", ""): v for k, v in checkpoint.items()})
        return model

    status, message = evaluate("06.5", with_replace, "en")
    assert status == "fail" and "removeprefix" in message and "subweight" in message

    def not_strict(model, checkpoint):
        model.load_state_dict(checkpoint, strict=False)
        return model

    status, message = evaluate("06.5", not_strict, "en")
    assert status == "fail" and "nothing was loaded" in message and "strict=False" in message

    def as_is(model, checkpoint):
        model.load_state_dict(checkpoint)
        return model

    status, message = evaluate("06.5", as_is, "en")
    assert status == "fail" and "still start with 'module.'" in message

    def returns_keys(model, checkpoint):
        return model.load_state_dict({k.removeprefix("module."): v for k, v in checkpoint.items()})

    status, message = evaluate("06.5", returns_keys, "en")
    assert status == "fail" and "what load_state_dict returns" in message

    def parameters_only(model, checkpoint):
        with torch.no_grad():
            for name, p in model.named_parameters():
                p.copy_(checkpoint["module." + name])
        return model

    status, message = evaluate("06.5", parameters_only, "en")
    assert status == "fail" and "buffers" in message and "running_mean" in message

    status, message = evaluate("06.5", not_strict, "zh")
    assert status == "fail" and "什么都没有加载" in message


# --------------------------------------------------------------------------- stubs


def test_stubs_are_not_done():
    def stub(*args):
        raise NotImplementedError

    class StubMLP(nn.Module):
        def __init__(self, sizes):
            raise NotImplementedError

    assert evaluate("06.1", StubMLP, "en")[0] == "todo"
    assert all(evaluate(i, stub, "en")[0] == "todo" for i in ("06.2", "06.3", "06.4", "06.5"))
