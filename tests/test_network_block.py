"""The suite cannot reach the network, nor a real model configured in the developer's shell."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import openai
import pytest
from isolation import MODEL_ENV, NetworkBlocked

from reporter.config import Config

ROOT = Path(__file__).resolve().parents[1]


def test_outbound_tcp_connection_is_blocked():
    with pytest.raises(NetworkBlocked, match="blocked"):
        socket.create_connection(("198.51.100.7", 443), timeout=1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(NetworkBlocked):
            sock.connect(("8.8.8.8", 53))
        with pytest.raises(NetworkBlocked):
            sock.connect_ex(("1.1.1.1", 80))
    finally:
        sock.close()


def test_dns_lookup_of_a_remote_name_is_blocked():
    with pytest.raises(NetworkBlocked):
        socket.getaddrinfo("api.openai.com", 443)


def test_http_clients_cannot_reach_a_real_model():
    with pytest.raises(httpx.ConnectError, match="blocked"):
        httpx.get("https://api.openai.com/v1/models", timeout=2)
    client = openai.OpenAI(api_key="sk-canary-offline", max_retries=0, timeout=2)
    with pytest.raises(openai.APIConnectionError):
        client.models.list()


def test_loopback_is_allowed(fake_openai):
    with socket.create_connection(("127.0.0.1", fake_openai.port), timeout=2):
        pass
    assert httpx.get(f"{fake_openai.url}/models", timeout=2).status_code == 200
    assert httpx.get(f"http://localhost:{fake_openai.port}/v1/models", timeout=2).status_code == 200


def test_env_probe_model_configuration_is_cleared(cache_dir):
    """Runs in every suite run; the test below also runs it with a polluted environment."""
    for name in MODEL_ENV:
        if name != "REPORTER_CACHE_DIR":
            assert name not in os.environ, name
    assert os.environ["REPORTER_CACHE_DIR"] == str(cache_dir)
    assert cache_dir.is_dir() and not any(cache_dir.iterdir())
    config = Config.from_env()
    assert config.cache_dir == cache_dir
    assert (config.api_key, config.base_url, config.model) == (None, None, None)


def test_real_key_and_endpoint_in_the_shell_never_reach_a_test(tmp_path):
    env = {**os.environ, "OPENAI_API_KEY": "sk-canary-from-shell", "OPENAI_BASE_URL": "https://example.com/v1",
           "REPORTER_MODEL": "gpt-real", "REPORTER_CACHE_DIR": str(tmp_path / "user-cache")}
    probe = "tests/test_network_block.py::test_env_probe_model_configuration_is_cleared"
    command = [sys.executable, "-m", "pytest", "-o", "addopts=", "-p", "no:cacheprovider", probe]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    assert not (tmp_path / "user-cache").exists()
