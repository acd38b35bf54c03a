"""The process inside a student's sandbox: it runs their cells and answers the grader's requests.

Started by tools/sandbox.py as ``python -I -c "...; main()" REQUEST_FD REPLY_FD``.
Everything here is as untrusted as the student's code that runs beside it: the grader believes
nothing it says except plain data (tools/wire.py), and decides every verdict itself.

A request is a tuple whose first item names the operation::

    ("exec", source)            run a cell
    ("name", name)              a global the cells defined
    ("call", ref, args, kwargs, (grad mode, random state))
                                call an object; the reply also returns the arguments' new state,
                                and torch's grad mode and random state after the call
    ("attr", ref, name)         and ("setattr", ref, name, value), ("item", ref, key), ("len", ref),
                                ("iter", ref), ("next", ref), ("contains", ref, item), ("str", ref)
    ("probe", function, args)   run a checker's own function here (imported by name)

The reply is ``("ok", value)`` or ``("raised", exception type name, message, its module, after)``
(``after``: for a call, the arguments' and torch's state, as a successful call sends them).

A checker's ``observed(...)`` function (checks/vocabulary.py) arrives as a ``TrustedFunction``:
calling it sends ``("callback", ref, args, kwargs)`` to the grader, which runs it there and answers
``("return", value)`` or ``("raise", message)``; requests that come in meanwhile are served.
"""

from __future__ import annotations

import importlib
import linecache
import sys
from collections import OrderedDict
from typing import Any

import torch

from course_utils.tools.wire import ARG, PLAIN, REF, dumps, loads_trusted, receive, send

REQUEST_LIMIT = 1 << 30
MESSAGE_LIMIT = 2000
#: Objects the grader holds a reference to, by id.
OBJECTS: dict[int, Any] = {}
NAMESPACE: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__}


#: The grader's side of the pipes, once serve() runs (TrustedFunction needs them).
PIPES: dict[str, int] = {}


class TrustedFunction:
    """A function of the checker's that runs in the grader (it records what the student's code did)."""

    def __init__(self, ref: int) -> None:
        self.ref = ref

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        send(PIPES["reply"], dumps(("callback", self.ref, encode(args), encode(kwargs))))
        while True:
            message = loads_trusted(receive(PIPES["request"], REQUEST_LIMIT))
            if message[0] == "return":
                return message[1]
            if message[0] == "raise":
                raise RuntimeError(f"the checker's function raised {message[1]}")
            send(PIPES["reply"], answer(message))


def lookup(ref: int) -> Any:
    """The object behind a reference (pickled references from the grader arrive as this call)."""
    return OBJECTS[ref]


def encode(value: Any, depth: int = 0) -> Any:
    """Plain data as it is; anything else stays here and is sent as a reference."""
    kind = type(value)
    if kind in PLAIN or kind in (torch.Tensor, torch.nn.Parameter) and value.layout == torch.strided:
        return value
    for base in (str, int, float):  # torch.__version__ is a str subclass: send the plain value
        if isinstance(value, base) and not isinstance(value, bool):
            return base(value)
    if depth < 20 and kind in (list, tuple, set, frozenset):
        return kind(encode(item, depth + 1) for item in value)
    if depth < 20 and kind in (dict, OrderedDict) and all(type(k) in PLAIN for k in value):
        return {key: encode(item, depth + 1) for key, item in value.items()}
    OBJECTS[id(value)] = value
    return (REF, id(value), kind.__name__, callable(value))


def state_of(value: Any) -> Any:
    """What a call may have changed in an argument: a tensor's values; a module's parameters,
    buffers, modes and plain attributes (a checker's probe module records what it saw in a list)."""
    if type(value) in (torch.Tensor, torch.nn.Parameter):
        return ("tensor", value.detach(), value.requires_grad, value.grad)
    if isinstance(value, torch.nn.Module):
        parameters = {name: (p.detach(), p.requires_grad, p.grad)
                      for name, p in value.named_parameters(remove_duplicate=False)}
        buffers = {name: b for name, b in value.named_buffers() if b is not None}
        training = {name: m.training for name, m in value.named_modules()}
        attributes = {name: {key: encode(item) for key, item in vars(m).items()
                             if not key.startswith("_") and key != "training" and _is_plain(item)}
                      for name, m in value.named_modules()}
        return ("module", parameters, buffers, training, attributes)
    if isinstance(value, (list, tuple)) and len(value) <= 1000:
        return ("sequence", [state_of(item) for item in value])
    return None


def _is_plain(value: Any, depth: int = 0) -> bool:
    """Numbers, strings, devices and dtypes, and short lists, tuples and dicts of them."""
    if type(value) in PLAIN:
        return True
    if depth < 3 and type(value) in (list, tuple) and len(value) <= 10_000:
        return all(_is_plain(item, depth + 1) for item in value)
    if depth < 3 and type(value) is dict and len(value) <= 10_000:
        return all(type(k) in PLAIN and _is_plain(v, depth + 1) for k, v in value.items())
    return False


def run_cell(source: str, number: int) -> None:
    """Execute one cell in the notebook's namespace, as a kernel would (tracebacks show its lines)."""
    filename = f"<cell {number}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), NAMESPACE)  # noqa: S102 - this process exists to run it


def same_as_argument(result: Any, call_args: tuple) -> Any:
    """A result that is one of the call's arguments, or a list of an argument module's parameters,
    named as such (ARG), so the grader can hand back its own objects: "return the model you were given"."""
    for index, argument in enumerate(call_args):
        if result is argument and not isinstance(argument, PLAIN):
            return (ARG, index, "")
    for index, argument in enumerate(call_args):
        if isinstance(argument, torch.nn.Module) and isinstance(result, (list, tuple)) and result:
            names = {id(p): name for name, p in argument.named_parameters()}
            if all(id(item) in names for item in result):
                return (ARG, index, [names[id(item)] for item in result])
    return None


def handle(request: tuple, cells: list[int]) -> Any:
    """Carry out one request and return the value to send back."""
    if request[0] in ("return", "raise"):
        raise ValueError("a callback's answer arrived when no callback was waiting")
    operation, *args = request
    if operation == "exec":
        cells[0] += 1
        run_cell(args[0], cells[0])
        return None
    if operation == "name":
        if args[0] not in NAMESPACE:
            raise NameError(f"name {args[0]!r} is not defined")
        return encode(NAMESPACE[args[0]])
    if operation == "probe":
        module, name = args[0].rsplit(".", 1)
        return encode(getattr(importlib.import_module(module), name)(*args[1], **args[2]))
    target = OBJECTS[args[0]]
    if operation == "call":  # with the grader's global torch state, which the reply brings back
        call_args, call_kwargs, (grad_mode, rng_state) = args[1], args[2], args[3]
        torch.set_grad_enabled(grad_mode)
        torch.set_rng_state(rng_state)
        try:
            result = target(*call_args, **call_kwargs)
        finally:  # raised or not, the arguments' state goes back (a checker's probe may stop a loop by raising)
            AFTER_CALL[:] = [[state_of(a) for a in call_args], {k: state_of(v) for k, v in call_kwargs.items()},
                             (torch.is_grad_enabled(), torch.get_rng_state())]
        return (same_as_argument(result, call_args) or encode(result), *AFTER_CALL)
    if operation == "attr":
        return encode(getattr(target, args[1]))
    if operation == "setattr":
        setattr(target, args[1], args[2])
        return None
    if operation == "item":
        return encode(target[args[1]])
    if operation == "len":
        return len(target)
    if operation == "iter":
        return encode(iter(target))
    if operation == "next":
        return encode(next(target))
    if operation == "contains":
        return args[1] in target
    if operation == "str":
        return str(target)[:MESSAGE_LIMIT]
    raise ValueError(f"unknown request {operation!r}")


CELLS = [0]
#: After a call: the arguments' states and torch's state, sent back even when the call raised.
AFTER_CALL: list[Any] = []


def answer(request: Any) -> bytes:
    """The reply to one request, ready to send."""
    AFTER_CALL.clear()
    try:
        reply = ("ok", handle(request, CELLS))
    except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt from student code too
        after = AFTER_CALL[:] if request[0] == "call" else None
        reply = ("raised", type(exc).__name__, str(exc)[:MESSAGE_LIMIT], type(exc).__module__, after)
    try:
        return dumps(reply)
    except BaseException as exc:  # noqa: BLE001 - a value torch.save cannot write
        return dumps(("raised", "TypeError", f"the result cannot be sent to the grader ({exc})"[:MESSAGE_LIMIT], "", None))


def serve(request_fd: int, reply_fd: int) -> None:
    """Answer requests until the grader closes the pipe."""
    PIPES.update(request=request_fd, reply=reply_fd)
    send(reply_fd, dumps(("ok", None)))  # ready: the student's time starts now
    while True:
        try:
            message = receive(request_fd, REQUEST_LIMIT)
        except Exception:  # noqa: BLE001 - the pipe closed: grading is over
            return
        try:
            request = loads_trusted(message)
        except BaseException as exc:  # noqa: BLE001 - a request this sandbox cannot read
            send(reply_fd, dumps(("raised", "TypeError", f"unreadable request ({exc})"[:MESSAGE_LIMIT], "", None)))
            continue
        send(reply_fd, answer(request))


def main() -> None:
    """Serve the pipes named on the command line (this module must not run as ``__main__``:
    references sent back arrive as ``course_utils.tools.sandbox_worker.lookup``)."""
    sys.setrecursionlimit(3000)
    serve(int(sys.argv[1]), int(sys.argv[2]))
