"""Suite-wide test setup: no network, no real model configuration, a private cache, the fake server.

* Every outbound connection that is not loopback or a Unix socket fails (`NetworkBlocked`), for the
  whole session, so no test can reach a real model by accident.
* OPENAI_API_KEY, OPENAI_BASE_URL, REPORTER_MODEL and friends are removed from the environment of
  every test, and REPORTER_CACHE_DIR points at a fresh temporary folder.
* `fake_openai` is a started `FakeOpenAI` server (see tests/fake_openai.py).
* `--update-golden` rewrites golden files instead of comparing against them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI
from isolation import MODEL_ENV, block_network, unblock_network


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite the golden files under tests/golden/ from the current output")


def pytest_configure(config: pytest.Config) -> None:
    block_network()


def pytest_unconfigure(config: pytest.Config) -> None:
    unblock_network()


@pytest.fixture(autouse=True)
def _isolated_model_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """No real key, endpoint or model from the developer's shell; a private, empty cache folder."""
    for name in MODEL_ENV:
        monkeypatch.delenv(name, raising=False)
    cache = tmp_path_factory.mktemp("reporter-cache")
    monkeypatch.setenv("REPORTER_CACHE_DIR", str(cache))
    monkeypatch.setenv("REPORTER_LOGS", str(cache / "logs.db"))  # the call log, never the user's own
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
