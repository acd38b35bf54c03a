"""How values cross between the grader and a student's sandbox (tools/sandbox.py).

Messages are length-prefixed byte strings on a pipe. The two directions are not alike:

* grader -> sandbox: a request, pickled with ``cloudpickle`` (so a checker may pass its own small
  functions). The sandbox may unpickle it: it comes from the trusted side. A function the checker
  marked ``observed`` is not copied: it stays in the grader and runs there when the sandbox calls it.
* sandbox -> grader: a reply, read with ``torch.load(weights_only=True)``, which rebuilds only
  plain data: None, numbers, strings, bytes, lists, tuples, dicts, sets, dtypes, devices, sizes
  and real tensors. Anything else a student's function returns stays in the sandbox, and the
  reply carries a ``Ref`` tuple that names it. A tensor subclass never crosses as a tensor.
"""

from __future__ import annotations

import io
import os
import pickle
import struct
import types
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import cloudpickle
import torch

HEADER = struct.Struct("<Q")
#: The first item of a tuple that stands for an object kept in the sandbox: (REF, id, type name, callable).
REF = "\x00sandboxed-object"
#: The first item of a tuple that says "the call returned its argument" (ARG, index, parameter names).
ARG = "\x00the-argument"
PLAIN = (type(None), bool, int, float, complex, str, bytes, torch.dtype, torch.device, torch.Size)


class WireError(Exception):
    """A message that is too big, cut short, or not plain data."""


def send(fd: int, payload: bytes) -> None:
    """Write one message."""
    data = HEADER.pack(len(payload)) + payload
    while data:
        data = data[os.write(fd, data):]


def receive(fd: int, limit: int) -> bytes:
    """Read one message of at most ``limit`` bytes (the pipe's reader blocks until it is whole)."""
    size = HEADER.unpack(_read_exactly(fd, HEADER.size))[0]
    if size > limit:
        raise WireError(f"a reply of {size:,} bytes is over the limit of {limit:,}")
    return _read_exactly(fd, size)


def _read_exactly(fd: int, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise WireError("the sandbox closed the pipe")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def dumps(value: Any) -> bytes:
    """Serialize a reply with ``torch.save`` (the sandbox's side)."""
    buffer = io.BytesIO()
    torch.save(value, buffer)
    return buffer.getvalue()


class _RequestPickler(cloudpickle.Pickler):
    """cloudpickle, except that ``observed`` functions go as references (kept in ``callbacks``)."""

    def __init__(self, file: io.BytesIO, callbacks: dict[int, Callable]) -> None:
        super().__init__(file, protocol=pickle.DEFAULT_PROTOCOL)
        self.callbacks = callbacks

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, types.FunctionType) and getattr(obj, "__course_observed__", False):
            self.callbacks[id(obj)] = obj
            return (_trusted_function, (id(obj),))
        if isinstance(obj, torch.Tensor) and obj.is_leaf and obj.grad is not None:  # pickle drops .grad
            return (_with_grad, (obj.detach(), obj.grad, obj.requires_grad, isinstance(obj, torch.nn.Parameter)))
        return super().reducer_override(obj)


def dumps_request(value: Any, callbacks: dict[int, Callable]) -> bytes:
    """Serialize a request (the grader's side), noting the observed functions it holds."""
    buffer = io.BytesIO()
    _RequestPickler(buffer, callbacks).dump(value)
    return buffer.getvalue()


def _with_grad(data: torch.Tensor, grad: torch.Tensor, requires_grad: bool, parameter: bool) -> torch.Tensor:
    """A tensor rebuilt with the gradient it had on the grader's side."""
    tensor = torch.nn.Parameter(data, requires_grad) if parameter else data.requires_grad_(requires_grad)
    tensor.grad = grad
    return tensor


def _trusted_function(ref: int) -> Any:
    """In the sandbox: the stand-in for an observed function of the checker's."""
    from .sandbox_worker import TrustedFunction

    return TrustedFunction(ref)


def loads_trusted(data: bytes) -> Any:
    """Read a request from the grader (inside the sandbox only)."""
    return pickle.loads(data)  # noqa: S301 - written by the grader, the trusted side


def loads_plain(data: bytes) -> Any:
    """Read a reply from a sandbox: plain data only, every tensor a dense ``torch.Tensor``."""
    try:
        with torch.sparse.check_sparse_tensor_invariants():
            value = torch.load(io.BytesIO(data), weights_only=True)
    except Exception as exc:  # noqa: BLE001 - whatever the bytes are, they are not plain data
        raise WireError(f"the reply is not plain data ({type(exc).__name__})") from None
    _check_plain(value)
    return value


def _check_plain(value: Any, depth: int = 0) -> None:
    if depth > 50:
        raise WireError("the reply is nested too deeply")
    if type(value) in (torch.Tensor, torch.nn.Parameter):
        if value.layout != torch.strided:
            raise WireError("only dense tensors cross from the sandbox")
    elif type(value) in (list, tuple, set, frozenset):
        for item in value:
            _check_plain(item, depth + 1)
    elif type(value) in (dict, OrderedDict):
        for key, item in value.items():
            _check_plain(key, depth + 1)
            _check_plain(item, depth + 1)
    elif type(value) not in PLAIN:
        raise WireError(f"a {type(value).__name__} is not plain data")
