"""A raw HTTP server on 127.0.0.1 that answers every request with one hostile reply, byte for byte.

Unlike `fake_openai` it controls the wire itself: a server that drips its reply one byte at a time, a
gzip bomb, a 30 MB body. Each reply is a callable writing to the socket, so anything a broken or
hostile server could send can be scripted.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import zlib
from collections.abc import Callable
from typing import Any

Writer = Callable[[socket.socket], None]


def completion(content: Any = '{"lead": "x", "key_points": []}', **overrides: Any) -> dict[str, Any]:
    """A chat-completion envelope as OpenAI sends it, with any field overridden."""
    body: dict[str, Any] = {
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }
    body.update(overrides)
    return body


def http(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> bytes:
    head = {"Content-Type": "application/json", "Content-Length": str(len(body)), **(headers or {})}
    lines = [f"HTTP/1.1 {status} OK", *(f"{k}: {v}" for k, v in head.items()), "", ""]
    return "\r\n".join(lines).encode() + body


def send_json(obj: Any) -> Writer:
    payload = http(json.dumps(obj).encode())
    return lambda sock: sock.sendall(payload)


def send_raw(payload: bytes) -> Writer:
    return lambda sock: sock.sendall(payload)


def drip(payload: bytes, every_s: float = 1.0) -> Writer:
    """Send one byte, wait, send the next: never idle long enough for a per-read timeout."""
    def write(sock: socket.socket) -> None:
        for i in range(len(payload)):
            sock.sendall(payload[i:i + 1])
            time.sleep(every_s)
    return write


def gzip_bomb(expanded_bytes: int) -> Writer:
    """A gzip body that expands to `expanded_bytes` of spaces inside a JSON string (built in small pieces)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    parts = [packer.compress(b'{"choices": [{"message": {"content": "')]
    block = b" " * 1_000_000
    for _ in range(expanded_bytes // len(block)):
        parts.append(packer.compress(block))
    parts += [packer.compress(b'"}}]}'), packer.flush()]
    payload = http(b"".join(parts), headers={"Content-Encoding": "gzip"})
    return lambda sock: sock.sendall(payload)


def big_reply(total_bytes: int) -> Writer:
    """A well-formed completion whose content is `total_bytes` long, streamed without a Content-Length."""
    def write(sock: socket.socket) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
        sock.sendall(head + b'{"choices": [{"message": {"role": "assistant", "content": "')
        chunk = b"a" * 65536
        for _ in range(total_bytes // len(chunk)):
            sock.sendall(chunk)
        sock.sendall(b'"}, "finish_reason": "stop"}]}')
    return write


class HostileServer:
    """Answers every connection with `writer` (after reading the request); counts the requests."""

    def __init__(self, writer: Writer) -> None:
        self.writer = writer
        self.requests = 0
        self.bodies: list[bytes] = []
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._stop = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}/v1"

    def __enter__(self) -> HostileServer:
        threading.Thread(target=self._serve, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop = True
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                head, _, rest = data.partition(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                while len(rest) < length:
                    rest += conn.recv(65536)
                self.requests += 1
                self.bodies.append(rest)
                self.writer(conn)
            except OSError:
                pass
