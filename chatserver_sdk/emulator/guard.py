"""Request hardening ahead of routing: Host and Origin checks, body size limits, strict JSON.

Host and Origin follow coder/agentapi's defaults (``--allowed-hosts`` localhost,
127.0.0.1 and [::1], ports ignored; ``--allowed-origins`` http://localhost:3284,
:3000 and :3001), so a page on another site cannot drive a local emulator, and a
DNS-rebinding name cannot reach it. ``*`` allows everything. Unlike agentapi,
which only withholds CORS headers, a request whose ``Origin`` is not allowed is
refused outright: a browser sends simple cross-site POSTs (a form upload) without
asking first. Requests without ``Origin`` (every non-browser client) and
same-origin requests pass.

Bodies are counted as they arrive and refused with 413 past the limit. JSON
bodies are parsed once here, strictly: ``NaN``/``Infinity`` (which Python's json
accepts and upstream then fails on), unpaired UTF-16 surrogates and nesting too
deep for the parser get a 400 naming the problem instead of a 500 later.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import jsonpieces
from .auth import AGENT_CONTROL_PATHS, problem_body

DEFAULT_ALLOWED_HOSTS: tuple[str, ...] = ("localhost", "127.0.0.1", "[::1]")
DEFAULT_ALLOWED_ORIGINS: tuple[str, ...] = (
    "http://localhost:3284",
    "http://localhost:3000",
    "http://localhost:3001",
)
DEFAULT_MAX_BODY_BYTES = 32 << 20
DEFAULT_MAX_UPLOAD_BYTES = 10 << 20
# Room for the multipart framing around an upload of the largest accepted size.
UPLOAD_OVERHEAD_BYTES = 1 << 20
UPLOAD_PATH = "/upload"
# Bodies larger than this are parsed in a worker thread.
OFF_LOOP_BYTES = 1 << 16
# Where a JSON body parsed here is left for the route (``request.state``), so it is parsed once.
PARSED_JSON_STATE = "chatserver_emulator_parsed_json"
_UNPARSED = object()


def _reject_config(kind: str, value: str, why: str) -> ValueError:
    return ValueError(f"allowed_{kind}: {value!r} {why}")


def parse_allowed_hosts(hosts: Iterable[str]) -> frozenset[str] | None:
    """Hostnames without ports, lowercased; None means every host. Mirrors agentapi's checks."""
    items = list(hosts)
    if not items:
        raise ValueError("allowed_hosts must not be empty (use ['*'] to allow every host)")
    if "*" in items:
        return None
    parsed: set[str] = set()
    for item in items:
        if not isinstance(item, str) or not item or any(c.isspace() or c == "," for c in item):
            raise _reject_config("hosts", item, "must be one hostname without spaces or commas")
        if "://" in item:
            raise _reject_config("hosts", item, "must not include http:// or https://")
        host = urlsplit("http://" + item)
        try:
            port = host.port
        except ValueError:
            port = -1
        if port is not None or host.hostname is None:
            raise _reject_config("hosts", item, "must be a hostname without a port")
        parsed.add(host.hostname.lower())
    return frozenset(parsed)


def parse_allowed_origins(origins: Iterable[str]) -> frozenset[str] | None:
    """``scheme://host[:port]`` strings, lowercased; None means every origin."""
    items = list(origins)
    if not items:
        raise ValueError("allowed_origins must not be empty (use ['*'] to allow every origin)")
    if "*" in items:
        return None
    parsed: set[str] = set()
    for item in items:
        parts = urlsplit(item) if isinstance(item, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            raise _reject_config("origins", item, "must look like http://host[:port]")
        parsed.add(f"{parts.scheme}://{parts.netloc}".lower())
    return frozenset(parsed)


@dataclass(frozen=True)
class GuardPolicy:
    allowed_hosts: frozenset[str] | None
    allowed_origins: frozenset[str] | None
    max_body_bytes: int
    max_upload_bytes: int

    @classmethod
    def build(
        cls,
        *,
        allowed_hosts: Sequence[str],
        allowed_origins: Sequence[str],
        max_body_bytes: int,
        max_upload_bytes: int,
    ) -> GuardPolicy:
        for name, value in (("max_body_bytes", max_body_bytes), ("max_upload_bytes", max_upload_bytes)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive number of bytes, got {value!r}")
        return cls(
            parse_allowed_hosts(allowed_hosts),
            parse_allowed_origins(allowed_origins),
            max_body_bytes,
            max_upload_bytes,
        )


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def _refuse(scope: Scope, send: Send, status: int, detail: str, *, plain: bool = False) -> None:
    if plain:
        body, content_type = detail.encode(), b"text/plain; charset=utf-8"
    elif scope.get("path") in AGENT_CONTROL_PATHS:
        titles = {400: "Bad Request", 403: "Forbidden", 413: "Request Entity Too Large"}
        body, content_type = (
            problem_body(status, titles.get(status, "Error"), detail),
            b"application/problem+json",
        )
    else:
        body, content_type = (
            json.dumps({"detail": detail}, separators=(",", ":")).encode(),
            b"application/json",
        )
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    if status == 413:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class HostOriginMiddleware:
    """Refuses foreign Host headers (400, agentapi's text) and cross-site Origins (403)."""

    def __init__(self, app: ASGIApp, policy: GuardPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = _header(scope, b"host") or ""
        allowed = self.policy.allowed_hosts
        if allowed is not None:
            hostname = urlsplit("http://" + host).hostname if host else None
            if hostname is None or hostname.lower() not in allowed:
                shown = ", ".join(sorted(allowed))
                await _refuse(scope, send, 400, f"Invalid host header. Allowed hosts: {shown}", plain=True)
                return
        origin = _header(scope, b"origin")
        origins = self.policy.allowed_origins
        if origin is not None and origins is not None:
            same_origin = origin.lower() == f"{scope.get('scheme', 'http')}://{host}".lower()
            if not same_origin and origin.lower() not in origins:
                await _refuse(
                    scope,
                    send,
                    403,
                    f"Origin {origin!r} is not allowed: requests from web pages are accepted only from"
                    f" {', '.join(sorted(origins))} (configure allowed_origins to add one)",
                )
                return
        await self.app(scope, receive, send)


class _BodyTooLargeError(Exception):
    pass


class _JSONConstantError(ValueError):
    pass


def _reject_constant(name: str) -> object:
    raise _JSONConstantError(name)


# A lone surrogate can only come from a \uD800-\uDFFF escape or from surrogate code points encoded as
# UTF-8 (bytes ED A0..BF xx, which json decodes with "surrogatepass"). A UTF-8 body without either
# needs no look at its strings; other encodings (UTF-16, UTF-32) are always looked at.
_MAY_HOLD_SURROGATES = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")
# Bytes looked at by one search: a search over a whole 10 MB body would keep the GIL for ~50 ms.
_SEARCH_SLICE = 1 << 16


def _may_hold_surrogates(body: bytes) -> bool:
    # Slices overlap by a match's length less one, so that no match is cut in two. A slice without a
    # backslash-u or an ED byte (found by bytes.find, five times faster than the pattern) holds none.
    overlap = 3
    return any(
        (body.find(b"\\u", start, end) >= 0 or body.find(b"\xed", start, end) >= 0)
        and _MAY_HOLD_SURROGATES.search(body, start, end) is not None
        for start in range(0, len(body), _SEARCH_SLICE)
        for end in (start + _SEARCH_SLICE + overlap,)
    )


def _parse_strictly(body: bytes) -> tuple[str | None, object]:
    """(why a JSON body must be refused, or None; the parsed document, or _UNPARSED).

    Malformed JSON is not refused here: the route answers it itself, as upstream does.
    Large bodies are parsed in pieces, so that this never holds the GIL for long.
    """
    try:
        if len(body) > OFF_LOOP_BYTES:
            document = jsonpieces.loads(body, parse_constant=_reject_constant)
        else:
            document = json.loads(body, parse_constant=_reject_constant)
    except _JSONConstantError as exc:
        return (
            f"the JSON body contains {exc}, which is not a JSON number: send finite numbers only",
            _UNPARSED,
        )
    except RecursionError:
        return _TOO_DEEP, _UNPARSED
    except ValueError:
        return None, _UNPARSED
    if _too_deep(body, document):
        return _TOO_DEEP, _UNPARSED
    if json.detect_encoding(body) in ("utf-8", "utf-8-sig") and not _may_hold_surrogates(body):
        return None, document
    return _surrogate_problem(document), document


MAX_JSON_DEPTH = 256
"""Deepest nesting a body may have. How deep json.loads can go depends on the Python version
(3.13's parser takes far deeper documents than 3.11's); what reads the document afterwards
(validation, error bodies) recurses in Python and must not be the one to fail."""
_TOO_DEEP = f"the JSON body is nested more than {MAX_JSON_DEPTH} levels deep"


def _too_deep(body: bytes, document: object) -> bool:
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return False  # too few brackets to nest that deep: the common case, decided without a walk
    stack: list[tuple[object, int]] = [(document, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _surrogate_problem(document: object) -> str | None:
    stack: list[object] = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return (
                    f"the JSON body contains an unpaired UTF-16 surrogate in {item[:40]!r}: escape"
                    " characters outside the BMP as a \\uD8xx\\uDCxx pair, or send UTF-8"
                )
    return None


class BodyGuardMiddleware:
    """Counts request bodies as they arrive (413 past the limit) and checks JSON bodies strictly.

    ``/upload`` is streamed to its route, which writes to disk and checks the file size
    itself; here it only gets a cap on the whole body.
    """

    def __init__(self, app: ASGIApp, policy: GuardPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        is_upload = scope["path"] == UPLOAD_PATH
        limit = (
            self.policy.max_upload_bytes + UPLOAD_OVERHEAD_BYTES if is_upload else self.policy.max_body_bytes
        )
        too_large = f"request body exceeds the {limit}-byte limit"
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(scope, send, 413, too_large)
            return
        if is_upload:
            await self.app(scope, self._counting(receive, limit), send)
            return
        try:
            body = await self._read(receive, limit)
        except _BodyTooLargeError:
            await _refuse(scope, send, 413, too_large)
            return
        content_type = (_header(scope, b"content-type") or "").lower()
        if body and ("json" in content_type or scope["path"] == "/message"):
            # Large bodies are checked off the event loop (and in pieces), so that parsing them never
            # stalls other clients; the route takes the document from here instead of parsing it again.
            problem, document = (
                await run_in_threadpool(_parse_strictly, body)
                if len(body) > OFF_LOOP_BYTES
                else _parse_strictly(body)
            )
            if problem is not None:
                await _refuse(scope, send, 400, problem)
                return
            if document is not _UNPARSED:
                scope.setdefault("state", {})[PARSED_JSON_STATE] = document
        await self.app(scope, _replay(body, receive), send)

    @staticmethod
    async def _read(receive: Receive, limit: int) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _BodyTooLargeError
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    @staticmethod
    def _counting(receive: Receive, limit: int) -> Receive:
        size = 0

        async def counted() -> Message:
            nonlocal size
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > limit:
                    raise BodyTooLargeError(limit)
            return message

        return counted


class BodyTooLargeError(Exception):
    """Raised into a streaming route when its body passes the cap while it reads."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body exceeds the {limit}-byte limit")


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: wait for the disconnect, as the server would

    return replay
