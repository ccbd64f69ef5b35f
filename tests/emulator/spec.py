"""Checking emulator responses against the upstream OpenAPI contract."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx2
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from ..spec import load_spec_document, spec_path

SPEC_NAME = "chatserver-openapi.json"
SSE_PATHS = frozenset({"/events"})


def find_spec() -> Path:
    """The contract, located as the SDK's contract test finds it; missing is a failure, never a skip."""
    path = spec_path()
    if not path.is_file():
        load_spec_document()  # raises SpecUnavailableError saying where it looked
    return path.resolve()


def load_openapi(path: Path) -> OpenAPI:
    document: dict[str, Any] = json.loads(path.read_text())
    # The file says 3.0.3 but its schemas are JSON Schema 2020-12 (FastAPI and Huma both emit 3.1
    # schemas, e.g. {"type": "null"} and "const"), which only a 3.1 validator understands.
    document["openapi"] = "3.1.0"
    # An SSE body is validated as the JSON array of its events, so give those responses a JSON twin.
    for path_item in document["paths"].values():
        for operation in path_item.values():
            for response in operation.get("responses", {}).values():
                content = response.get("content", {})
                if "text/event-stream" in content and "application/json" not in content:
                    content["application/json"] = copy.deepcopy(content["text/event-stream"])
    # Huma's error bodies are JSON under their own media type.
    config = Config(extra_media_type_deserializers={"application/problem+json": json.loads})
    return OpenAPI.from_dict(document, config=config)


class SpecChecker:
    """Validate responses; bodies of statuses the spec does not declare must be FastAPI's {"detail": str}."""

    def __init__(self, openapi: OpenAPI) -> None:
        self.openapi = openapi
        self.checked: list[tuple[str, str, int]] = []

    def _declared_statuses(self, request: httpx2.Request) -> set[str] | None:
        paths = self.openapi.spec / "paths"
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
            content_type = "application/json"
        mock_response = MockResponse(
            data,
            status_code=response.status_code,
            content_type=content_type,  # type: ignore[arg-type]
        )
        self.openapi.validate_response(mock_request, mock_response)
        self.checked.append((request.method, raw_path, response.status_code))

    def hook(self, response: httpx2.Response) -> None:
        """httpx2 response hook: streams are checked by the tests that read them."""
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            return
        response.read()
        self.check(response)


def matches(template: str, path: str) -> bool:
    t_parts = template.strip("/").split("/")
    p_parts = path.strip("/").split("/")
    if len(t_parts) != len(p_parts):
        return False
    return all(
        t == p or (t.startswith("{") and t.endswith("}") and p) for t, p in zip(t_parts, p_parts, strict=True)
    )
