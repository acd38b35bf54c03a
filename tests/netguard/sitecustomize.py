"""Network guard for the course's test run.

Python imports ``sitecustomize`` at start-up from anywhere on ``sys.path``. The
test run puts this folder on ``PYTHONPATH`` and sets ``COURSE_BLOCK_NETWORK=1``,
so pytest, every Jupyter kernel nbval starts, and every process a notebook
launches (``torchrun`` workers too) refuse to talk to anything but loopback.
A notebook that tries to download something then fails with a clear message.
"""

from __future__ import annotations

import ipaddress
import os
import socket

LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


class NetworkBlockedError(ConnectionRefusedError):
    """Raised instead of opening a connection outside this machine."""


def _is_local(host: object) -> bool:
    if host is None or host == "":
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    host = str(host).split("%", 1)[0].strip("[]")
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host.lower() in LOCAL_NAMES or host == socket.gethostname()


def _refuse(host: object) -> NetworkBlockedError:
    return NetworkBlockedError(
        f"Network access is blocked in the course's test run (tried to reach {host!r}). "
        "Notebooks must run offline: put downloads behind COURSE_DOWNLOAD=1 "
        "(course_utils.downloads_enabled()) and use data the course ships or generates."
    )


def install() -> None:
    """Patch ``socket`` so that only loopback and Unix-socket connections go through."""
    if getattr(socket, "_course_guard_installed", False):
        return
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex
    original_getaddrinfo = socket.getaddrinfo
    inet = {socket.AF_INET, socket.AF_INET6}

    def connect(self, address):  # type: ignore[no-untyped-def]
        if self.family in inet and not _is_local(address[0]):
            raise _refuse(address[0])
        return original_connect(self, address)

    def connect_ex(self, address):  # type: ignore[no-untyped-def]
        if self.family in inet and not _is_local(address[0]):
            raise _refuse(address[0])
        return original_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not _is_local(host):
            raise _refuse(host)
        return original_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo
    socket._course_guard_installed = True  # type: ignore[attr-defined]


if os.environ.get("COURSE_BLOCK_NETWORK") == "1":
    install()
