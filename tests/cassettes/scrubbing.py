"""What a cassette may not hold, and the filters that make sure it does not.

The same rules serve twice: as vcrpy's ``before_record_request`` /
``before_record_response`` hooks, which scrub every interaction before it is
written, and as :func:`find_credentials`, which ``test_cassette_hygiene`` runs
over every file under ``cassettes/`` so a credential that slipped past the
filters fails the suite instead of being committed.

Rules:

* Headers named in :data:`CREDENTIAL_HEADERS` (``Authorization``, ``Cookie``,
  ``Set-Cookie``, ``X-Api-Key`` ...) are replaced by :data:`REDACTED`, in
  requests and responses.
* Query parameters named in :data:`CREDENTIAL_QUERY_PARAMETERS` are replaced by
  :data:`REDACTED`.
* In JSON bodies (requests, responses, and each ``data:`` line of an event
  stream) every field whose name looks like a credential
  (:func:`is_credential_name`: ``bearer_token``, ``api_key``, ``password``,
  ``client_secret``, ``refreshToken`` ...) is replaced by :data:`REDACTED`, at
  any depth. Counters such as ``max_tokens`` or ids such as
  ``bearer_token_id`` are not credentials and are kept.
* ``Bearer <anything>`` anywhere in a body becomes ``Bearer REDACTED``.
* The secrets the recording run knows of (the API key it used) are replaced
  wherever they appear: URL, any header, any body.
* The server's address is replaced by :data:`REPLAY_BASE_URL`, so cassettes
  do not reveal where they were recorded and replay needs no server.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

REDACTED = "REDACTED"
REPLAY_BASE_URL = "http://chatserver.cassette"

CREDENTIAL_HEADERS = (
    "authorization",
    "proxy-authorization",
    "x-api-key",
    "api-key",
    "x-auth-token",
    "cookie",
    "set-cookie",
)
CREDENTIAL_QUERY_PARAMETERS = ("api_key", "apikey", "key", "token", "access_token")

_CREDENTIAL_NAMES = frozenset(
    {
        "access_key",
        "access_token",
        "api_key",
        "apikey",
        "auth_token",
        "authorization",
        "bearer_token",
        "client_secret",
        "cookie",
        "credential",
        "credentials",
        "id_token",
        "key",
        "passwd",
        "password",
        "private_key",
        "proxy_authorization",
        "refresh_token",
        "secret",
        "secret_key",
        "session_token",
        "set_cookie",
        "token",
        "x_api_key",
    }
)
_CREDENTIAL_SUFFIXES = (
    "_token",
    "_secret",
    "_password",
    "_api_key",
    "_apikey",
    "_private_key",
    "_secret_key",
)

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# A bearer credential: the word, then a token-like value (prose such as "bearer of" is left alone).
_BEARER = re.compile(r"(?i)\b(bearer)\s+(?!REDACTED\b)[A-Za-z0-9._~+/=-]{8,}")


def is_credential_name(name: str) -> bool:
    """Whether a header, parameter or JSON field called ``name`` holds a credential.

    ``bearerToken``, ``bearer-token`` and ``BEARER_TOKEN`` are all ``bearer_token``.
    """
    normalized = _CAMEL_BOUNDARY.sub("_", name).lower().replace("-", "_")
    return normalized in _CREDENTIAL_NAMES or normalized.endswith(_CREDENTIAL_SUFFIXES)


def scrub_json(value: Any) -> Any:
    """``value`` with every credential-named field, at any depth, set to :data:`REDACTED`."""
    if isinstance(value, dict):
        return {
            key: REDACTED if is_credential_name(str(key)) and item is not None else scrub_json(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [scrub_json(item) for item in value]
    if isinstance(value, str):
        return _BEARER.sub(r"\1 " + REDACTED, value)
    return value


def _scrub_json_text(text: str) -> str:
    try:
        parsed = json.loads(text)
    except ValueError:
        return _BEARER.sub(r"\1 " + REDACTED, text)
    scrubbed = scrub_json(parsed)
    return text if scrubbed == parsed else json.dumps(scrubbed)


def _scrub_event_stream(text: str) -> str:
    lines = []
    for line in text.split("\n"):
        if line.startswith("data:"):
            payload = line[len("data:") :].lstrip()
            line = "data: " + _scrub_json_text(payload)
        lines.append(line)
    return "\n".join(lines)


def scrub_body(body: bytes | str | None, content_type: str, secrets: Iterable[str] = ()) -> bytes | None:
    """A request or response body with its credentials replaced; ``None`` stays ``None``."""
    if body is None:
        return None
    raw = body.encode() if isinstance(body, str) else body
    for secret in secrets:
        raw = raw.replace(secret.encode(), REDACTED.encode())
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        return raw
    media_type = content_type.split(";")[0].strip().lower()
    if media_type == "application/json" or media_type.endswith("+json"):
        scrubbed = _scrub_json_text(text)
    elif media_type == "text/event-stream":
        scrubbed = _scrub_event_stream(text)
    else:
        scrubbed = _BEARER.sub(r"\1 " + REDACTED, text)
    return raw if scrubbed == text else scrubbed.encode()


def _replace_secrets(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


def _scrub_query(uri: str) -> str:
    parts = urlsplit(uri)
    if not parts.query:
        return uri
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if not any(name.lower() in CREDENTIAL_QUERY_PARAMETERS for name, _ in pairs):
        return uri
    # Rebuilt only when needed: vcr matches queries as parsed pairs, so re-encoding is harmless.
    query = urlencode(
        [(name, REDACTED if name.lower() in CREDENTIAL_QUERY_PARAMETERS else value) for name, value in pairs]
    )
    return parts._replace(query=query).geturl()


def server_root(base_url: str) -> str:
    """``base_url`` as the SDK uses it: the server root, without a trailing ``/v1``."""
    root = base_url.rstrip("/")
    return root[: -len("/v1")] if root.endswith("/v1") else root


def request_scrubber(server_base_url: str, secrets: Iterable[str]) -> Callable[[Any], Any]:
    """vcrpy's ``before_record_request``: also applied to live requests before matching."""
    root = server_root(server_base_url)
    known = tuple(s for s in secrets if s)
    replay_host = urlsplit(REPLAY_BASE_URL).netloc

    def scrub(request: Any) -> Any:
        uri = request.uri
        if uri.startswith(root):
            uri = REPLAY_BASE_URL + uri[len(root) :]
        request.uri = _scrub_query(_replace_secrets(uri, known))
        headers = {}
        for name, value in request.headers.items():
            if is_credential_name(name) or name.lower() in CREDENTIAL_HEADERS:
                value = REDACTED
            elif name.lower() == "host":
                value = replay_host
            headers[name] = _replace_secrets(value, known)
        request.headers = headers
        request.body = scrub_body(request.body, _content_type(request.headers), known)
        return request

    return scrub


def response_scrubber(secrets: Iterable[str]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """vcrpy's ``before_record_response`` (it gets a deep copy of the recorded response)."""
    known = tuple(s for s in secrets if s)

    def scrub(response: dict[str, Any]) -> dict[str, Any]:
        headers: dict[str, list[str]] = response.get("headers") or {}
        for name, values in headers.items():
            if is_credential_name(name) or name.lower() in CREDENTIAL_HEADERS:
                headers[name] = [REDACTED for _ in values]
            else:
                headers[name] = [_replace_secrets(value, known) for value in values]
        body = response.get("body") or {}
        original = body.get("string")
        scrubbed = scrub_body(original, _content_type(headers), known)
        if scrubbed is not None and scrubbed != (
            original.encode() if isinstance(original, str) else original
        ):
            body["string"] = scrubbed
            for name in headers:
                if name.lower() == "content-length":
                    headers[name] = [str(len(scrubbed))]
        return response

    return scrub


def _content_type(headers: Mapping[str, Any]) -> str:
    for name, value in headers.items():
        if name.lower() == "content-type":
            return str(value[0] if isinstance(value, list) else value)
    return ""


# --- checking a cassette ----------------------------------------------------------------


def _json_credentials(value: Any, where: str) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if is_credential_name(str(key)) and item not in (None, REDACTED):
                yield f"{where}: field {key!r} holds {item!r}"
            else:
                yield from _json_credentials(item, where)
    elif isinstance(value, list):
        for item in value:
            yield from _json_credentials(item, where)


def _body_credentials(text: str, where: str) -> Iterator[str]:
    candidates = [text]
    if "data:" in text:
        candidates += [line[len("data:") :].strip() for line in text.split("\n") if line.startswith("data:")]
    for candidate in candidates:
        try:
            parsed = json.loads(candidate)
        except ValueError:
            continue
        yield from _json_credentials(parsed, where)


def find_credentials(cassette: Mapping[str, Any]) -> list[str]:
    """Every credential a parsed cassette still holds, as readable findings."""
    findings: list[str] = []
    for number, interaction in enumerate(cassette.get("interactions") or []):
        for side in ("request", "response"):
            part = interaction.get(side) or {}
            where = f"interaction {number} {side}"
            for name, values in (part.get("headers") or {}).items():
                values = values if isinstance(values, list) else [values]
                if is_credential_name(name) or name.lower() in CREDENTIAL_HEADERS:
                    findings += [f"{where}: header {name}: {v!r}" for v in values if v != REDACTED]
            uri = part.get("uri") or ""
            for name, value in parse_qsl(urlsplit(uri).query, keep_blank_values=True):
                if (
                    is_credential_name(name) or name.lower() in CREDENTIAL_QUERY_PARAMETERS
                ) and value != REDACTED:
                    findings.append(f"{where}: query parameter {name}={value!r}")
            body = part.get("body")
            if isinstance(body, dict):
                body = body.get("string")
            if isinstance(body, bytes):
                body = body.decode("utf-8", "replace")
            if body:
                findings += list(_body_credentials(body, where))
    return findings


def find_forbidden_text(text: str, forbidden: Iterable[str]) -> list[str]:
    """Known secrets and unredacted ``Bearer`` values in a cassette file's raw text."""
    findings = [f"contains the secret {secret[:4]}…" for secret in forbidden if secret and secret in text]
    findings += [f"contains {match.group(0)[:12]!r}…" for match in _BEARER.finditer(text)]
    return findings
