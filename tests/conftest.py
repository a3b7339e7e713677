"""Suite-wide test setup: no network, no real model configuration, a private cache, the fake server.

* Every outbound connection that is not loopback or a Unix socket fails (`NetworkBlocked`), for the
  whole session, so no test can reach a real model by accident.
* OPENAI_API_KEY, OPENAI_BASE_URL, REPORTER_MODEL and friends are removed from the environment of
  every test, and REPORTER_CACHE_DIR points at a fresh temporary folder.
* `fake_openai` is a started `FakeOpenAI` server (see tests/fake_openai.py).
* `--update-golden` rewrites golden files instead of comparing against them.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fake_openai import FakeOpenAI

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


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite the golden files under tests/golden/ from the current output")


def pytest_configure(config: pytest.Config) -> None:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.create_connection = _guarded_create_connection  # type: ignore[assignment]
    socket.getaddrinfo = _guarded_getaddrinfo  # type: ignore[assignment]


def pytest_unconfigure(config: pytest.Config) -> None:
    socket.socket.connect = _real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]
    socket.create_connection = _real_create_connection  # type: ignore[assignment]
    socket.getaddrinfo = _real_getaddrinfo  # type: ignore[assignment]


@pytest.fixture(autouse=True)
def _isolated_model_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """No real key, endpoint or model from the developer's shell; a private, empty cache folder."""
    for name in MODEL_ENV:
        monkeypatch.delenv(name, raising=False)
    cache = tmp_path_factory.mktemp("reporter-cache")
    monkeypatch.setenv("REPORTER_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def cache_dir(_isolated_model_env: Path) -> Path:
    """The temporary cache folder this test's REPORTER_CACHE_DIR points at."""
    return _isolated_model_env


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A started fake OpenAI server with nothing scripted; set `.responder`, `.cassette` or `.script()`."""
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when the run was started with --update-golden."""
    return bool(request.config.getoption("--update-golden"))
