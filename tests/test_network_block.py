"""The suite cannot reach the network: only loopback connections succeed."""

from __future__ import annotations

import socket

import httpx
import openai
import pytest
from isolation import NetworkBlocked


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
    with pytest.raises(NetworkBlocked):
        socket.gethostbyname("example.com")
    with pytest.raises(NetworkBlocked):
        socket.gethostbyname_ex("example.com")
    assert socket.gethostbyname("localhost").startswith("127.")


def test_udp_datagrams_leave_only_for_loopback():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        with pytest.raises(NetworkBlocked):
            udp.sendto(b"\x00", ("8.8.8.8", 53))
        assert udp.sendto(b"ping", ("127.0.0.1", 9)) == 4


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
