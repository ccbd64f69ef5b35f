"""A raw HTTP server on 127.0.0.1 that answers each request with a script: bytes, pauses, a cut.

For faults a transport mock cannot show (a blocked read, a connection shut mid-body, a server that
stays silent): each request is read whole, then ``script(request, connection)`` writes what it
likes to the socket. ``requests`` records what arrived.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Connection", "Received", "ScriptedServer", "sse_head"]


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Connection:
    sock: socket.socket
    closed: threading.Event = field(default_factory=threading.Event)

    def send(self, data: bytes | str) -> None:
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def pause(self, seconds: float) -> None:
        time.sleep(seconds)

    def json(self, status: int, body: object) -> None:
        payload = json.dumps(body).encode()
        self.send(
            f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {len(payload)}\r\n\r\n"
        )
        self.send(payload)

    def chunk(self, data: str) -> None:
        raw = data.encode()
        self.send(f"{len(raw):x}\r\n".encode() + raw + b"\r\n")


def sse_head() -> str:
    return "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"


Script = Callable[[Received, Connection], None]


class ScriptedServer:
    def __init__(self, script: Script) -> None:
        self.script = script
        self.requests: list[Received] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            self._connections.append(sock)
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        buffer = b""
        with contextlib.suppress(OSError):
            while True:
                while b"\r\n\r\n" not in buffer:
                    data = sock.recv(65536)
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                pairs = (line.partition(":") for line in lines[1:])
                headers = {k.strip().lower(): v.strip() for k, _, v in pairs}
                length = int(headers.get("content-length", "0"))
                while len(buffer) < length:
                    buffer += sock.recv(65536)
                body, buffer = buffer[:length], buffer[length:]
                received = Received(method, path, headers, body)
                self.requests.append(received)
                self.script(received, Connection(sock))

    def close(self) -> None:
        self._listener.close()
        for sock in self._connections:
            with contextlib.suppress(OSError):
                sock.close()

    def __enter__(self) -> ScriptedServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
