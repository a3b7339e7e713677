"""Keep tests off the network and away from a real model: the guards conftest.py installs."""

from __future__ import annotations

import ipaddress
import socket

# Environment variables that could point a test at a real model, a real key or the user's cache.
MODEL_ENV = (
    "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_ORGANIZATION", "OPENAI_PROJECT_ID",
    "OPENAI_API_BASE", "REPORTER_MODEL", "REPORTER_CACHE_DIR", "ANTHROPIC_API_KEY", "GOOGLE_API_KEY",
    "MISTRAL_API_KEY", "GROQ_API_KEY", "LANGCHAIN_API_KEY", "LANGSMITH_API_KEY", "LANGCHAIN_TRACING_V2",
    "LANGSMITH_TRACING", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
)


class NetworkBlocked(OSError):
    """Raised when a test tries to connect anywhere but loopback."""


def _is_local(address: object) -> bool:
    """Loopback hosts and Unix-socket paths are allowed; everything else is the network."""
    if isinstance(address, str | bytes):  # AF_UNIX path
        return True
    if isinstance(address, tuple) and address:
        host = address[0]
        if isinstance(host, bytes):
            host = host.decode()
        if host in ("localhost", ""):
            return True
        try:
            return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
        except ValueError:
            return False  # a host name other than localhost would need DNS: the network
    return False


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_create_connection = socket.create_connection
_real_getaddrinfo = socket.getaddrinfo


def _guarded_connect(self: socket.socket, address: object) -> None:
    if self.family != getattr(socket, "AF_UNIX", None) and not _is_local(address):
        raise NetworkBlocked(f"network access blocked in tests: connect to {address!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    if self.family != getattr(socket, "AF_UNIX", None) and not _is_local(address):
        raise NetworkBlocked(f"network access blocked in tests: connect to {address!r}")
    return _real_connect_ex(self, address)


def _guarded_create_connection(address: tuple[str, int], *args: object, **kwargs: object) -> socket.socket:
    if not _is_local(address):
        raise NetworkBlocked(f"network access blocked in tests: connect to {address!r}")
    return _real_create_connection(address, *args, **kwargs)


def _guarded_getaddrinfo(host: object, *args: object, **kwargs: object) -> list:
    # Resolving a remote name is already a network request (DNS); only local names resolve.
    if host is not None and not _is_local((host, 0)):
        raise NetworkBlocked(f"network access blocked in tests: resolve {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


def _guarded_gethostbyname(host: str) -> str:
    if not _is_local((host, 0)):
        raise NetworkBlocked(f"network access blocked in tests: resolve {host!r}")
    return _real_gethostbyname(host)


def _guarded_gethostbyname_ex(host: str) -> tuple[str, list[str], list[str]]:
    if not _is_local((host, 0)):
        raise NetworkBlocked(f"network access blocked in tests: resolve {host!r}")
    return _real_gethostbyname_ex(host)


def _guarded_sendto(self: socket.socket, data: bytes, *args: object) -> int:
    address = args[-1]  # sendto(data, address) or sendto(data, flags, address): UDP, e.g. DNS
    if self.family != getattr(socket, "AF_UNIX", None) and not _is_local(address):
        raise NetworkBlocked(f"network access blocked in tests: send to {address!r}")
    return _real_sendto(self, data, *args)


_real_gethostbyname = socket.gethostbyname
_real_gethostbyname_ex = socket.gethostbyname_ex
_real_sendto = socket.socket.sendto

# (owner, attribute, guard, original)
_PATCHES = (
    (socket.socket, "connect", _guarded_connect, _real_connect),
    (socket.socket, "connect_ex", _guarded_connect_ex, _real_connect_ex),
    (socket.socket, "sendto", _guarded_sendto, _real_sendto),
    (socket, "create_connection", _guarded_create_connection, _real_create_connection),
    (socket, "getaddrinfo", _guarded_getaddrinfo, _real_getaddrinfo),
    (socket, "gethostbyname", _guarded_gethostbyname, _real_gethostbyname),
    (socket, "gethostbyname_ex", _guarded_gethostbyname_ex, _real_gethostbyname_ex),
)


def block_network() -> None:
    """Patch socket so only loopback and Unix-socket connections succeed, and no remote name resolves."""
    for owner, name, guard, _ in _PATCHES:
        setattr(owner, name, guard)


def unblock_network() -> None:
    """Undo block_network."""
    for owner, name, _, original in _PATCHES:
        setattr(owner, name, original)
