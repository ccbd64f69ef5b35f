"""A scripted HTTP server on 127.0.0.1: it answers what a test tells it to, and records what it was sent.

For what a real server will not do on cue: answer a bare 500, report itself
unhealthy, or hold a reply open until the test says so. It also shows that a
command refused locally sent nothing at all (``server.requests`` stays empty).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: bytes | Iterable[bytes] = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, value: Any, status: int = 200) -> Reply:
        return cls(status, json.dumps(value).encode())

    @classmethod
    def text(cls, text: str, status: int) -> Reply:
        return cls(status, text.encode(), "text/plain; charset=utf-8")


@dataclass
class Request:
    method: str
    path: str
    body: bytes


Script = Callable[[Request], Reply]


def _not_scripted(request: Request) -> Reply:
    return Reply.json({"detail": f"not scripted: {request.method} {request.path}"}, 404)


class ScriptedServer:
    def __init__(self, script: Script = _not_scripted) -> None:
        self.script = script
        self.requests: list[Request] = []
        self.release = threading.Event()  # what a held-open reply waits for
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                request = Request(self.command, self.path, self.rfile.read(length) if length else b"")
                server.requests.append(request)
                reply = server.script(request)
                self.send_response(reply.status)
                self.send_header("content-type", reply.content_type)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if isinstance(reply.body, bytes):
                    self.send_header("content-length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                    return
                self.send_header("transfer-encoding", "chunked")
                self.end_headers()
                try:
                    for part in reply.body:
                        self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
                        self.wfile.flush()
                    self.wfile.write(b"0\r\n\r\n")
                except OSError:
                    pass  # the client went away mid-reply, as a test may make it

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}"

    def held_open(self, *first: bytes) -> Iterator[bytes]:
        """A streamed body: ``first``, then nothing until ``release`` is set."""
        yield from first
        self.release.wait(60)

    def serve(self) -> threading.Thread:
        thread = threading.Thread(
            target=self._http.serve_forever, args=(0.05,), name="scripted-server", daemon=True
        )
        thread.start()
        return thread

    def close(self) -> None:
        self.release.set()
        self._http.shutdown()
        self._http.server_close()


@contextmanager
def scripted(script: Script = _not_scripted) -> Iterator[ScriptedServer]:
    server = ScriptedServer(script)
    thread = server.serve()
    try:
        yield server
    finally:
        server.close()
        thread.join(10)
