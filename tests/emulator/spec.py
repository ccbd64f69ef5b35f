"""Checking emulator responses against the upstream OpenAPI contracts.

The spec is found and read by :mod:`tests.spec`, the loader the SDK's contract
test uses too; this module adds the response checker the emulator fixtures hook
into their HTTP clients. The agent-control routes are checked against coder/agentapi
0.12.1's own spec (``agentapi-openapi.json``, beside the ChatServer's), which the
emulator follows; the ChatServer's file carries an older copy of them.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl

import httpx2
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from ..spec import SPEC_FILE_NAME, load_contract, load_spec_document, spec_path, template_matches

__all__ = ["SPEC_NAME", "SSE_PATHS", "SpecChecker", "find_spec", "load_openapi", "matches"]

SPEC_NAME = SPEC_FILE_NAME
AGENTAPI_SPEC_NAME = "agentapi-openapi.json"
SSE_PATHS = frozenset({"/events"})
AGENT_CONTROL_PATHS = frozenset({"/status", "/messages", "/message", "/events", "/upload"})


def find_spec() -> Path:
    """The contract, located as the SDK's contract test finds it; missing is a failure, never a skip."""
    path = spec_path()
    if not path.is_file():
        load_spec_document()  # raises SpecUnavailableError saying where it looked
    return path.resolve()


def load_openapi(path: Path) -> OpenAPI:
    """openapi-core loaded with the spec at ``path``, read as :mod:`tests.spec` reads it."""
    return load_contract(path).api


def find_agentapi_spec(chatserver_spec: Path) -> Path:
    """agentapi 0.12.1's spec, kept beside the ChatServer's (in shared/spec and in tests/upstream)."""
    path = chatserver_spec.with_name(AGENTAPI_SPEC_NAME)
    if not path.is_file():
        load_spec_document(path)  # raises SpecUnavailableError saying where it looked
    return path


class SpecChecker:
    """Validate responses; bodies of statuses the spec does not declare must be FastAPI's {"detail": str}."""

    def __init__(self, openapi: OpenAPI, agentapi: OpenAPI | None = None) -> None:
        self.chatserver = openapi
        self.agentapi = agentapi or openapi
        self.openapi = openapi
        self.checked: list[tuple[str, str, int]] = []

    def _spec_for(self, raw_path: str) -> OpenAPI:
        return self.agentapi if raw_path in AGENT_CONTROL_PATHS else self.chatserver

    def _declared_statuses(self, request: httpx2.Request) -> set[str] | None:
        paths = self._spec_for(request.url.raw_path.split(b"?")[0].decode()).spec / "paths"
        for template, item in paths.items():
            if matches(str(template), request.url.raw_path.split(b"?")[0].decode()):
                operation = item.get(request.method.lower())
                if operation is not None:
                    return set((operation / "responses").keys())
        return None

    def check(self, response: httpx2.Response, body: bytes | None = None) -> None:
        request = response.request
        raw_path = request.url.raw_path.split(b"?")[0].decode()
        declared = self._declared_statuses(request)
        if declared is None:
            return  # not a spec route (e.g. a 404 for an unknown path)
        data = response.content if body is None else body
        content_type = response.headers.get("content-type", "").split(";")[0].strip() or None
        if str(response.status_code) not in declared and "default" not in declared:
            assert content_type == "application/json", response.text
            detail = json.loads(data)["detail"]
            assert isinstance(detail, str) and detail, detail
            self.checked.append((request.method, raw_path, response.status_code))
            return
        query = dict(parse_qsl(request.url.query.decode()))
        mock_request = MockRequest(
            f"{request.url.scheme}://{request.url.netloc.decode()}",
            request.method.lower(),
            raw_path,
            args=query,
        )
        if content_type == "text/event-stream" and body is not None:
            content_type = "application/json"  # the stream's events as a JSON array: see tests.spec
        mock_response = MockResponse(
            data,
            status_code=response.status_code,
            content_type=content_type,  # type: ignore[arg-type]
        )
        self._spec_for(raw_path).validate_response(mock_request, mock_response)
        self.checked.append((request.method, raw_path, response.status_code))

    def hook(self, response: httpx2.Response) -> None:
        """httpx2 response hook: streams are checked by the tests that read them."""
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            return
        response.read()
        self.check(response)


def matches(template: str, path: str) -> bool:
    """Whether a request path is an instance of a spec path template (leading/trailing slashes aside)."""
    return template_matches("/" + template.strip("/"), "/" + path.strip("/"))
