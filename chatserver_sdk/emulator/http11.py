"""The emulator's HTTP/1.1 connections: uvicorn's h11 protocol, refusing requests whose framing is ambiguous.

Where a request's body ends decides where the next request on the connection begins. h11
(which the emulator runs on) refuses most ambiguous framings itself — differing
``Content-Length`` values, a transfer coding other than ``chunked``, two ``Transfer-Encoding``
or ``Host`` fields, folded header lines — but accepts a request with both ``Content-Length``
and ``Transfer-Encoding`` and frames it by the latter. A proxy in front that trusts the length
would then pass a second, hidden request along, which the emulator would run (RFC 9112
section 6.3 says such a message "ought to be handled as an error" and the connection closed).

So every request's framing is checked here, in the server, before the app sees it, and a
request that fails is answered 400 with a JSON ``detail`` naming the header fields, and the
connection is closed (nothing after it on the connection is read). The errors h11 itself
raises get the same answer, with h11's reason. ``run_emulator`` and ``chatserver emulator`` run
uvicorn with this protocol whether or not httptools is installed, so that the emulator frames
requests the same way everywhere.
"""

from __future__ import annotations

import json
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol


def framing_problem(headers: list[tuple[bytes, bytes]], http_version: bytes) -> str | None:
    """Why a request's header fields make its framing ambiguous, or None."""
    names = [name.lower() for name, _ in headers]
    if b"transfer-encoding" in names and b"content-length" in names:
        return (
            "the request has both Content-Length and Transfer-Encoding, so where its body ends is"
            " ambiguous (RFC 9112 section 6.3): send one of them. The connection is closed."
        )
    if b"transfer-encoding" in names and http_version == b"1.0":
        return (
            "an HTTP/1.0 request cannot use Transfer-Encoding (RFC 9112 section 6.1): send"
            " Content-Length, or use HTTP/1.1. The connection is closed."
        )
    return None


class _CheckedConnection(h11.Connection):
    """h11's server connection, which also refuses ambiguous framing and keeps the reason of a refusal."""

    problem: str | None = None

    def next_event(self) -> Any:
        try:
            event = super().next_event()
        except h11.RemoteProtocolError as exc:
            self.problem = f"the request is not valid HTTP/1.1 ({exc}); the connection is closed"
            raise
        if isinstance(event, h11.Request):
            problem = framing_problem(list(event.headers), event.http_version)
            if problem is not None:
                self.problem = problem
                raise h11.RemoteProtocolError(problem, error_status_hint=400)
        return event


class EmulatorH11Protocol(H11Protocol):
    """uvicorn's h11 protocol on a :class:`_CheckedConnection`, answering refusals with a JSON detail."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = self.config.h11_max_incomplete_event_size
        self.conn: h11.Connection = (
            _CheckedConnection(h11.SERVER) if limit is None else _CheckedConnection(h11.SERVER, limit)
        )

    def send_400_response(self, msg: str) -> None:
        problem = self.conn.problem if isinstance(self.conn, _CheckedConnection) else None
        body = json.dumps({"detail": problem or msg}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        for event in (
            h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
            h11.Data(data=body),
            h11.EndOfMessage(),
        ):
            self.transport.write(self.conn.send(event))
        self.transport.close()
