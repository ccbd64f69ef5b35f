"""Requests whose framing is ambiguous get 400 and a closed connection: no hidden request behind them runs.

Each request is written on a raw socket, followed on the same connection by a second one that
would create a platform admin; a proxy in front that framed the first request differently would
pass that second request along unseen (request smuggling). RFC 9112 section 6.3: a request with
both Content-Length and Transfer-Encoding "ought to be handled as an error", and the server
"MUST close the connection after responding".
"""

from __future__ import annotations

import json
import re
import socket

import httpx2
import pytest

pytestmark = pytest.mark.slow

ADMIN = b'{"workos_id":"w","email":"smuggled@example.com"}'
HIDDEN = (
    b"POST /api/v1/platform/admins HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
    b"Content-Length: " + str(len(ADMIN)).encode() + b"\r\n\r\n" + ADMIN
)
START = b"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"


def exchange(base_url: str, raw: bytes) -> tuple[list[bytes], bool]:
    """Write ``raw`` on a new connection; the responses read (split at their status lines), and whether
    the server closed the connection (within a liveness bound)."""
    host, port = base_url.rsplit("/", 1)[1].rsplit(":", 1)
    with socket.create_connection((host, int(port))) as connection:
        connection.settimeout(5)
        connection.sendall(raw)
        received, closed = b"", False
        try:
            while chunk := connection.recv(65536):
                received += chunk
            closed = True
        except TimeoutError:
            pass
    return [part for part in re.split(rb"(?=HTTP/1\.1 \d{3} )", received) if part], closed


def admins(base_url: str) -> list[str]:
    return [a["email"] for a in httpx2.get(f"{base_url}/api/v1/platform/admins").json()["admins"]]


AMBIGUOUS = {
    "content-length-and-chunked": START
    + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    + HIDDEN,
    "chunked-and-a-length-covering-the-next-request": START
    + b"Transfer-Encoding: chunked\r\nContent-Length: "
    + str(5 + len(HIDDEN)).encode()
    + b"\r\n\r\n0\r\n\r\n"
    + HIDDEN,
    "chunked-in-http-1.0": START.replace(b"HTTP/1.1", b"HTTP/1.0")
    + b"Connection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    + HIDDEN,
    "two-different-lengths": START + b"Content-Length: 0\r\nContent-Length: 5\r\n\r\n" + HIDDEN,
    "a-list-of-lengths": START + b"Content-Length: 0, 5\r\n\r\n" + HIDDEN,
    "two-transfer-encodings": START
    + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    + HIDDEN,
    "a-coding-other-than-chunked": START + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" + HIDDEN,
    "a-folded-transfer-encoding": START
    + b"Transfer-Encoding:\r\n chunked\r\nContent-Length: 0\r\n\r\n"
    + HIDDEN,
    "a-space-before-the-colon": START + b"Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n" + HIDDEN,
    "two-hosts": b"GET /v1/models HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n\r\n" + HIDDEN,
}


@pytest.mark.parametrize("raw", AMBIGUOUS.values(), ids=AMBIGUOUS.keys())
def test_ambiguous_framing_is_400_and_the_connection_closes(chatserver_emulator: str, raw: bytes) -> None:
    responses, closed = exchange(chatserver_emulator, raw)
    assert len(responses) == 1 and closed, responses
    head, _, body = responses[0].partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ") and b"connection: close" in head.lower()
    detail = json.loads(body)["detail"]
    assert detail and "connection is closed" in detail and len(detail) < 300
    assert admins(chatserver_emulator) == []


def test_both_lengths_are_named_in_the_answer(chatserver_emulator: str) -> None:
    [response], _ = exchange(chatserver_emulator, AMBIGUOUS["content-length-and-chunked"])
    detail = json.loads(response.partition(b"\r\n\r\n")[2])["detail"]
    assert detail.startswith("the request has both Content-Length and Transfer-Encoding")


def test_pipelined_requests_with_clear_framing_are_all_answered(chatserver_emulator: str) -> None:
    chunked = (
        START + b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
    )
    responses, _ = exchange(
        chatserver_emulator, b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n" + chunked + HIDDEN
    )
    assert [r.split(b" ", 2)[1] for r in responses] == [b"200", b"422", b"201"]
    assert admins(chatserver_emulator) == ["smuggled@example.com"]
