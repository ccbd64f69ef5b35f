"""The upstream ChatServer's OpenAPI file: where it is, and the one loader every spec check uses.

Both the SDK's contract test (``tests/test_contract.py``, requests the SDK sends
to a fake server) and the emulator's checks (``tests/emulator/spec.py``,
responses a real emulator gives) validate through :class:`Contract`.

Where the file is: CI clones this repository beside ``shared/``, so it is found
at ``<clone>/../shared/spec/chatserver-openapi.json``; a clone elsewhere uses
the copy in ``tests/upstream`` (kept identical by ``test_upstream_copy``). The
``CHATSERVER_SPEC`` environment variable points somewhere else. A spec check
that cannot find it must fail, not skip: a missing spec would otherwise turn
the check off without anyone noticing.

How it is read, and why:

* The file says ``openapi: 3.0.3``, but its schemas are JSON Schema 2020-12 as
  FastAPI and Huma emit them (``{"type": "null"}`` in ``anyOf``, ``const``),
  which a 3.0 validator rejects or misreads. It is validated as 3.1.
* Under 3.1, openapi-schema-validator does not accept Python ``bytes`` as
  ``type: string``, so the ``file`` part of ``POST /upload`` (``format:
  binary``, sent as ``application/octet-stream``) is handed to it as Latin-1
  text: same octets, same length.
* An event stream is validated as the JSON array of its events (that is how the
  spec describes ``/events``), so each ``text/event-stream`` response also gets
  an ``application/json`` twin with the same schema.
* Huma's error bodies (``application/problem+json``) are read as JSON.
"""

from __future__ import annotations

import copy
import functools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

import httpx2
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import PathError
from openapi_core.templating.paths.finders import APICallPathFinder
from openapi_core.validation.schemas import (
    oas30_read_schema_validators_factory,
    oas31_schema_validators_factory,
)
from openapi_core.validation.schemas.exceptions import InvalidSchemaValue
from werkzeug.datastructures import Headers, ImmutableMultiDict

__all__ = [
    "SPEC_ENV_VAR",
    "Contract",
    "SpecUnavailableError",
    "WireRequest",
    "load_contract",
    "load_spec_document",
    "spec_path",
    "template_matches",
]

SPEC_ENV_VAR = "CHATSERVER_SPEC"
SPEC_FILE_NAME = "chatserver-openapi.json"
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})

Operation = tuple[str, str]
"""``(METHOD, path template)``, e.g. ``("GET", "/atoms/chat/sessions/{session_id}")``."""


class SpecUnavailableError(Exception):
    """The OpenAPI file is missing or unreadable; the message says where it was looked for."""


# --- where the file is ----------------------------------------------------------------------------------

SHARED_SPEC_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "spec"
# A copy of shared/spec, so that a clone anywhere can run the suite; while the
# shared copy is beside the clone it is the one used, and test_upstream_copy
# fails if the two differ.
VENDORED_SPEC_DIR = Path(__file__).resolve().parent / "upstream"


def default_spec_path() -> Path:
    shared = SHARED_SPEC_DIR / SPEC_FILE_NAME
    return shared if shared.is_file() else VENDORED_SPEC_DIR / SPEC_FILE_NAME


def spec_path() -> Path:
    """``$CHATSERVER_SPEC`` if set (a file, or a directory holding the file), else the shared
    copy beside the clone, else the copy in ``tests/upstream``."""
    override = os.environ.get(SPEC_ENV_VAR)
    if not override:
        return default_spec_path()
    path = Path(override).expanduser()
    return path / SPEC_FILE_NAME if path.is_dir() else path


def load_spec_document(path: Path | None = None) -> dict[str, Any]:
    """The OpenAPI document (at :func:`spec_path` unless given) as parsed JSON, unchanged.

    Raises :class:`SpecUnavailableError` with a message that says where it looked.
    """
    if path is None:
        path = spec_path()
    origin = f"${SPEC_ENV_VAR}" if os.environ.get(SPEC_ENV_VAR) else "the default location"
    if not path.is_file():
        raise SpecUnavailableError(
            f"ChatServer OpenAPI spec not found at {path} (from {origin}). The contract test needs it: "
            f"check out the shared spec beside the repository (<clone>/../shared/spec/{SPEC_FILE_NAME}) "
            f"or set {SPEC_ENV_VAR} to the file's path."
        )
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise SpecUnavailableError(
            f"ChatServer OpenAPI spec at {path} cannot be read as JSON: {err}"
        ) from err
    if not isinstance(document, dict) or "paths" not in document or "openapi" not in document:
        raise SpecUnavailableError(f"{path} is not an OpenAPI document (no 'openapi' and 'paths' keys)")
    return document


# --- reading it ------------------------------------------------------------------------------------------


def _uses_31_schemas(node: Any) -> bool:
    if isinstance(node, dict):
        if node.get("type") == "null" or "const" in node:
            return True
        return any(_uses_31_schemas(value) for value in node.values())
    if isinstance(node, list):
        return any(_uses_31_schemas(value) for value in node)
    return False


def _prepared(document: dict[str, Any]) -> dict[str, Any]:
    """The document as the validator must read it (see the module docstring)."""
    document = copy.deepcopy(document)
    if str(document["openapi"]).startswith("3.0") and _uses_31_schemas(document):
        document["openapi"] = "3.1.0"
    for path_item in document["paths"].values():
        for method, operation in path_item.items():
            if method not in HTTP_METHODS:
                continue
            for response in operation.get("responses", {}).values():
                content = response.get("content", {})
                if "text/event-stream" in content and "application/json" not in content:
                    content["application/json"] = copy.deepcopy(content["text/event-stream"])
    return document


def _binary_as_text(value: bytes, **parameters: str) -> str:
    # Lossless, and a ``str`` is what the 3.1 validator can check as ``format: binary``.
    return value.decode("latin-1")


def describe(error: BaseException) -> str:
    """An openapi-core error with the JSON Schema errors behind it, each with its location."""
    headline = f"{type(error).__name__}: {error}".splitlines()[0]
    lines = [headline if len(headline) <= 200 else headline[:200] + "..."]
    cause: BaseException | None = error if isinstance(error, InvalidSchemaValue) else error.__cause__
    for schema_error in getattr(cause, "schema_errors", None) or ():
        where = "/".join(str(part) for part in schema_error.absolute_path) or "(whole value)"
        lines.append(f"    at {where}: {schema_error.message}")
    return "\n".join(lines)


def template_matches(template: str, raw_path: str) -> bool:
    """Whether a raw (percent-encoded) path is an instance of a path template.

    A ``{parameter}`` stands for exactly one non-empty segment; literal segments must be equal.
    """
    return _path_params(template, raw_path) is not None


def _path_params(template: str, raw_path: str) -> dict[str, str] | None:
    parts, segments = template.split("/"), raw_path.split("/")
    if len(parts) != len(segments):
        return None
    params: dict[str, str] = {}
    for part, segment in zip(parts, segments, strict=True):
        if part.startswith("{") and part.endswith("}"):
            if not segment:
                return None
            params[part[1:-1]] = unquote(segment)
        elif part != segment:
            return None
    return params


@dataclass
class WireRequest:
    """An ``httpx2.Request`` as openapi-core's ``Request`` protocol sees it."""

    host_url: str
    path: str
    method: str
    parameters: RequestParameters
    content_type: str
    body: bytes | None

    @classmethod
    def from_httpx(cls, request: httpx2.Request) -> WireRequest:
        url = request.url
        query = parse_qsl(url.query.decode("ascii"), keep_blank_values=True)
        return cls(
            host_url=f"{url.scheme}://{url.netloc.decode('ascii')}",
            path=url.raw_path.split(b"?", 1)[0].decode("ascii"),
            method=request.method.lower(),
            parameters=RequestParameters(
                query=ImmutableMultiDict(query),
                header=Headers(list(request.headers.multi_items())),
                cookie=ImmutableMultiDict(),
            ),
            content_type=request.headers.get("content-type", "").lower(),
            body=request.content or None,
        )


@dataclass
class WireResponse:
    """A response as openapi-core's ``Response`` protocol sees it."""

    status_code: int
    content_type: str
    headers: Headers
    data: bytes | None


class Contract:
    """The OpenAPI document, openapi-core loaded with it, and the operations it declares."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.declared_version = str(document["openapi"])
        self.document = _prepared(document)
        self.is_31 = str(self.document["openapi"]).startswith("3.1")
        self.api = OpenAPI.from_dict(
            self.document,
            config=Config(
                extra_media_type_deserializers={
                    "application/octet-stream": _binary_as_text,
                    "application/problem+json": json.loads,
                }
            ),
        )
        self._schema_validators = (
            oas31_schema_validators_factory if self.is_31 else oas30_read_schema_validators_factory
        )
        self._finder = APICallPathFinder(self.api.spec)
        self.operations: frozenset[Operation] = frozenset(
            (method.upper(), template)
            for template, item in self.document["paths"].items()
            for method in item
            if method in HTTP_METHODS
        )

    def match(self, method: str, raw_path: str) -> tuple[Operation | None, dict[str, str]]:
        """The operation a raw path is for, with its path parameters percent-decoded.

        With several matches the one with fewer parameters wins.
        """
        found: list[tuple[int, str, dict[str, str]]] = []
        for operation_method, template in self.operations:
            if operation_method != method.upper():
                continue
            params = _path_params(template, raw_path)
            if params is not None:
                found.append((len(params), template, params))
        if not found:
            return None, {}
        _, template, params = min(found)
        return (method.upper(), template), params

    def declared_statuses(self, method: str, raw_path: str) -> set[str] | None:
        """The response statuses the spec declares for this request, or None for no operation."""
        operation, _ = self.match(method, raw_path)
        if operation is None:
            return None
        return set(self.document["paths"][operation[1]][method.lower()].get("responses", {}))

    def finder_match(self, wire: WireRequest) -> tuple[str, dict[str, str]] | None:
        """Which template openapi-core itself routes the request to, and its raw parameters."""
        try:
            found = self._finder.find(wire.method, wire.host_url + wire.path)
        except PathError:
            return None
        return found.path_result.pattern, dict(found.path_result.variables or {})

    def request_errors(self, wire: WireRequest) -> tuple[list[str], Mapping[str, Any]]:
        """Every way the request breaks the spec, and its query parameters as the spec types them."""
        result = self.api.unmarshal_request(wire)
        return [describe(error) for error in result.errors], dict(result.parameters.query)

    def response_errors(self, wire: WireRequest, status: int, content_type: str, data: bytes) -> list[str]:
        """Every way the response breaks the spec.

        A status the operation does not declare (404 for an unknown session, 500 ...) must
        carry FastAPI's ``{"detail": "<text>"}``, as upstream's raised errors do.
        """
        declared = self.declared_statuses(wire.method, wire.path)
        if declared is not None and str(status) not in declared and "default" not in declared:
            try:
                detail = json.loads(data)["detail"] if content_type == "application/json" else None
            except (ValueError, TypeError, KeyError):
                detail = None
            if isinstance(detail, str) and detail:
                return []
            return [f"undeclared status {status} without a {{'detail': str}} JSON body: {data[:200]!r}"]
        response = WireResponse(
            status_code=status,
            content_type=content_type,
            headers=Headers({"Content-Type": content_type} if content_type else {}),
            data=data or None,
        )
        return [describe(error) for error in self.api.iter_response_errors(wire, response)]

    def schema_errors(self, pointer: tuple[str, ...], value: Any) -> list[str]:
        """Errors of ``value`` against the schema at ``pointer`` inside the document."""
        schema = self.api.spec
        for key in pointer:
            schema = schema / key
        try:
            self._schema_validators.create(self.api.spec, schema).validate(value)
        except InvalidSchemaValue as err:
            return [describe(err)]
        return []

    def stream_errors(self, operation: Operation, status: int, events: list[dict[str, Any]]) -> list[str]:
        """Errors of an event stream, given as ``{"event", "data", "id"}`` dicts.

        A stream the spec describes is checked as the JSON array of its events. Chat
        completion streams are not in the spec (NOTES.md describes them): the usage
        they end with is checked as the spec's ``UsageInfo``.
        """
        method, template = operation
        responses = ("paths", template, method.lower(), "responses", str(status))
        declared = self.document["paths"][template][method.lower()]["responses"][str(status)]
        content = declared.get("content", {})
        if "text/event-stream" in content:
            shaped = [{key: value for key, value in event.items() if value is not None} for event in events]
            return self.schema_errors((*responses, "content", "text/event-stream", "schema"), shaped)
        errors: list[str] = []
        for event in events:
            data = event.get("data")
            if isinstance(data, dict) and "usage" in data:
                errors += self.schema_errors(("components", "schemas", "UsageInfo"), data["usage"])
        return errors


@functools.lru_cache(maxsize=4)
def _contract_at(path: Path) -> Contract:
    return Contract(load_spec_document(path))


def load_contract(path: Path | None = None) -> Contract:
    """The contract at ``path`` (default :func:`spec_path`), loaded once per file.

    Raises :class:`SpecUnavailableError`, saying where it looked, when the file is missing.
    """
    return _contract_at((path or spec_path()).resolve())
