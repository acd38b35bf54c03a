"""The process inside a student's sandbox: it runs their cells and answers the grader's requests.

Started by tools/sandbox.py as ``python -I -m course_utils.tools.sandbox_worker REQUEST_FD REPLY_FD``.
Everything here is as untrusted as the student's code that runs beside it: the grader believes
nothing it says except plain data (tools/wire.py), and decides every verdict itself.

A request is a tuple whose first item names the operation::

    ("exec", source)            run a cell
    ("name", name)              a global the cells defined
    ("call", ref, args, kwargs) call an object; the reply also returns the arguments' new state
    ("attr", ref, name)         and ("setattr", ref, name, value), ("item", ref, key), ("len", ref),
                                ("iter", ref), ("next", ref), ("contains", ref, item), ("str", ref)
    ("probe", function, args)   run a checker's own function here (imported by name)

The reply is ``("ok", value)`` or ``("raised", exception type name, message)``.
"""

from __future__ import annotations

import importlib
import linecache
import sys
from collections import OrderedDict
from typing import Any

import torch

from course_utils.tools.wire import PLAIN, REF, dumps, loads_trusted, receive, send

REQUEST_LIMIT = 1 << 30
MESSAGE_LIMIT = 2000
#: Objects the grader holds a reference to, by id.
OBJECTS: dict[int, Any] = {}
NAMESPACE: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__}


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
    """What a call may have changed in an argument: a tensor's values, a module's parameters."""
    if type(value) in (torch.Tensor, torch.nn.Parameter):
        return ("tensor", value.detach(), value.requires_grad, value.grad)
    if isinstance(value, torch.nn.Module):
        parameters = {name: (p.detach(), p.requires_grad, p.grad)
                      for name, p in value.named_parameters(remove_duplicate=False)}
        buffers = {name: b for name, b in value.named_buffers() if b is not None}
        training = {name: m.training for name, m in value.named_modules()}
        return ("module", parameters, buffers, training)
    if isinstance(value, (list, tuple)) and len(value) <= 1000:
        return ("sequence", [state_of(item) for item in value])
    return None


def run_cell(source: str, number: int) -> None:
    """Execute one cell in the notebook's namespace, as a kernel would (tracebacks show its lines)."""
    filename = f"<cell {number}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), NAMESPACE)  # noqa: S102 - this process exists to run it


def handle(request: tuple, cells: list[int]) -> Any:
    """Carry out one request and return the value to send back."""
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
    if operation == "call":
        call_args, call_kwargs = args[1], args[2]
        result = target(*call_args, **call_kwargs)
        return (encode(result), [state_of(a) for a in call_args], {k: state_of(v) for k, v in call_kwargs.items()})
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


def serve(request_fd: int, reply_fd: int) -> None:
    """Answer requests until the grader closes the pipe."""
    cells = [0]
    while True:
        try:
            message = receive(request_fd, REQUEST_LIMIT)
        except Exception:  # noqa: BLE001 - the pipe closed: grading is over
            return
        try:
            reply = ("ok", handle(loads_trusted(message), cells))
        except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt from student code too
            reply = ("raised", type(exc).__name__, str(exc)[:MESSAGE_LIMIT])
        try:
            payload = dumps(reply)
        except BaseException as exc:  # noqa: BLE001 - a value torch.save cannot write
            payload = dumps(("raised", "TypeError", f"the result cannot be sent to the grader ({exc})"[:MESSAGE_LIMIT]))
        send(reply_fd, payload)


if __name__ == "__main__":
    # Run the imported module, not this __main__ copy: references sent back arrive as
    # course_utils.tools.sandbox_worker.lookup, which must see the same OBJECTS.
    from course_utils.tools import sandbox_worker

    sys.setrecursionlimit(3000)
    sandbox_worker.serve(int(sys.argv[1]), int(sys.argv[2]))
