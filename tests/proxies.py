"""A TCP proxy that drops connections on request: a connection that breaks mid-body, for real."""

from __future__ import annotations

import contextlib
import socket
import threading
from urllib.parse import urlsplit

__all__ = ["CuttingProxy"]


class CuttingProxy:
    """Forwards TCP connections to ``target``; ``cut()`` drops every open one.

    ``cut_stream_after(n)`` arms a one-shot rule: the next ``text/event-stream``
    response is cut right after its n-th event (``\\n\\n``), mid-body.
    New connections keep working after a cut.
    """

    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        self._target = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._lock = threading.Lock()
        self._open: list[tuple[socket.socket, socket.socket]] = []
        self._cut_after: int | None = None
        self.connections = 0
        self.cuts = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                downstream, _ = self._listener.accept()
            except OSError:
                return  # closed
            upstream = socket.create_connection(self._target)
            pair = (downstream, upstream)
            with self._lock:
                self._open.append(pair)
                self.connections += 1
            threading.Thread(target=self._pipe, args=(downstream, upstream, None), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, downstream, pair), daemon=True).start()

    def _pipe(
        self,
        source: socket.socket,
        sink: socket.socket,
        response_of: tuple[socket.socket, socket.socket] | None,
    ) -> None:
        received = b""  # the responses on this connection so far (keep-alive: maybe several)
        try:
            while data := source.recv(65536):
                if response_of is not None:
                    received += data
                    cut_at = self._cut_point(received)
                    if cut_at is not None:
                        # Forward up to the end of the chosen event, then drop the connection mid-body.
                        sink.sendall(data[: cut_at - (len(received) - len(data))])
                        self._drop(response_of)
                        return
                sink.sendall(data)
        except OSError:
            pass
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def _cut_point(self, received: bytes) -> int | None:
        limit = self._cut_after
        if limit is None:
            return None
        marker = received.rfind(b"text/event-stream")
        start = received.find(b"\r\n\r\n", marker) if marker >= 0 else -1
        if start < 0 or received.count(b"\n\n", start + 4) < limit:
            return None
        with self._lock:
            if self._cut_after != limit:
                return None
            self._cut_after = None
        return start + 4 + _nth_end(received[start + 4 :], limit)

    def _drop(self, pair: tuple[socket.socket, socket.socket]) -> None:
        with self._lock:
            if pair in self._open:
                self._open.remove(pair)
            self.cuts += 1
        for sock in pair:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def cut(self) -> None:
        """Drop every open connection, as a network failure would."""
        with self._lock:
            pairs, self._open = self._open, []
        for pair in pairs:
            self._drop(pair)

    def cut_stream_after(self, events: int) -> None:
        self._cut_after = events

    def close(self) -> None:
        self._listener.close()
        self.cut()


def _nth_end(body: bytes, n: int) -> int:
    position = -2
    for _ in range(n):
        position = body.index(b"\n\n", position + 2)
    return position + 2
