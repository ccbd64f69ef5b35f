"""Write ``_endpoints.py``: every ChatServer method of both clients and both raw views.

Each endpoint is described once, by its builder in ``_operations.ENDPOINTS``.
This generator turns the builders' signatures, annotations and docstrings into
plain methods -- an explicit ``def`` per endpoint and class, with its full
typed signature, docstring and return type, plus openai's per-call options --
so ``help()``, IDEs, jedi, go-to-definition and type checkers see the real
thing. openai-python is generated the same way.

Run ``python -m chatserver_sdk._codegen`` after changing an operation; a test
fails while the checked-in file differs from what this writes.
"""

from __future__ import annotations

import inspect
import json
import re
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ._operations import ENDPOINTS, Endpoint

__all__ = ["TARGET", "generate", "main"]

TARGET = Path(__file__).with_name("_endpoints.py")

# Where each name used in a builder's annotations comes from.
_IMPORTS: dict[str, str] = {
    "Any": "typing",
    "Iterable": "collections.abc",
    "Mapping": "collections.abc",
    "Sequence": "collections.abc",
    "MessageLike": "._messages",
    "FileContent": "._operations",
    "MCPScope": ".types.mcp",
    "MCPMetadata": ".types.mcp",
    "MCPServer": ".types.mcp",
    "MCPListResponse": ".types.mcp",
    "ChatCompletionResponse": ".types.chat",
    "ModelsResponse": ".types.models",
    "ChatSessionListResponse": ".types.sessions",
    "ChatSessionDetailResponse": ".types.sessions",
    "PlatformStats": ".types.platform",
    "AdminListResponse": ".types.platform",
    "AdminResponse": ".types.platform",
    "AuditLogResponse": ".types.platform",
    "SystemHealth": ".types.platform",
    "AgentStatus": ".types.agent",
    "AgentMessagesResponse": ".types.agent",
    "SendMessageResponse": ".types.agent",
    "UploadResponse": ".types.agent",
    "AgentEvent": ".types.agent",
}
_BUILTINS = frozenset({"None", "str", "int", "float", "bool", "bytes", "object"})
_ALWAYS: dict[str, set[str]] = {
    "typing": {"Literal", "overload"},
    "httpx2": set(),
    "openai": {"NOT_GIVEN", "NotGiven"},
    ".": {"_operations as ops"},
    "._core": {"AsyncCore", "AsyncRawCore", "SyncCore", "SyncRawCore"},
    "._operations": {"Body", "Headers", "Query"},
    "._response": {"RawResponse"},
    "._streaming": {"AsyncStream", "CompletionDecoder", "EventDecoder", "Stream"},
}

_OPTIONS = (
    "extra_headers: Headers | None = None",
    "extra_query: Query | None = None",
    "extra_body: Body | None = None",
    "timeout: float | httpx2.Timeout | NotGiven | None = NOT_GIVEN",
)
_OPTIONS_DOC = (
    "``extra_headers``, ``extra_query``, ``extra_body`` and ``timeout`` are openai's per-call\n"
    "options: they apply to this request only."
)
_CUSTOMIZE = (
    ".customized(\n"
    "    extra_headers=extra_headers,\n"
    "    extra_query=extra_query,\n"
    "    extra_body=extra_body,\n"
    "    timeout=timeout,\n"
    ")"
)


@dataclass(frozen=True)
class _Variant:
    name: str
    base: str
    is_async: bool
    raw: bool
    summary: str

    @property
    def target(self) -> str:
        return "self._chatserver" if self.raw else "self"

    def stream_type(self, item: str) -> str:
        return f"{'AsyncStream' if self.is_async else 'Stream'}[{item}]"

    def returns(self, result: str) -> str:
        return f"RawResponse[{result}]" if self.raw else result


_VARIANTS = (
    _Variant("SyncEndpoints", "SyncCore", False, False, "The ChatServer endpoints of ``ChatServerClient``."),
    _Variant(
        "AsyncEndpoints", "AsyncCore", True, False, "The ChatServer endpoints of ``AsyncChatServerClient``."
    ),
    _Variant(
        "SyncRawEndpoints",
        "SyncRawCore",
        False,
        True,
        "``client.with_raw_response``: each call returns a ``RawResponse`` (status, headers, ``parse()``).",
    ),
    _Variant(
        "AsyncRawEndpoints",
        "AsyncRawCore",
        True,
        True,
        "``client.with_raw_response`` of the async client: each call returns a ``RawResponse``.",
    ),
)


def _result_type(endpoint: Endpoint) -> str:
    annotation = inspect.signature(endpoint.build).return_annotation
    match = re.fullmatch(r"Operation\[(.+)\]", str(annotation))
    if match is None:
        raise ValueError(f"{endpoint.name}: the builder must return Operation[...], not {annotation!r}")
    return match.group(1)


def _parameters(endpoint: Endpoint, *, stream_literal: str | None) -> list[str]:
    """The method's parameter lines; ``stream_literal`` retypes ``stream`` for an overload."""
    lines = ["self"]
    keyword_only = False
    for parameter in inspect.signature(endpoint.build).parameters.values():
        annotation = str(parameter.annotation)
        default = "" if parameter.default is inspect.Parameter.empty else f" = {_literal(parameter.default)}"
        if parameter.name == "stream" and stream_literal is not None:
            annotation = f"Literal[{stream_literal}]"
            if stream_literal == "True":
                default = ""  # the caller must say so; everything after it becomes keyword-only
                if not keyword_only:
                    lines.append("*")
                    keyword_only = True
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and not keyword_only:
            lines.append("*")
            keyword_only = True
        lines.append(f"{parameter.name}: {annotation}{default}")
    if not keyword_only:
        lines.append("*")
    lines.extend(_OPTIONS)
    return lines


def _literal(value: object) -> str:
    # Double quotes, as the formatter writes them; a builder's defaults are plain literals.
    return json.dumps(value) if isinstance(value, str) else repr(value)


def _call(endpoint: Endpoint) -> str:
    arguments = []
    for parameter in inspect.signature(endpoint.build).parameters.values():
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY:
            arguments.append(f"{parameter.name}={parameter.name}")
        else:
            arguments.append(parameter.name)
    if not arguments:
        return f"ops.{endpoint.name}()"
    return f"ops.{endpoint.name}(\n" + "".join(f"    {argument},\n" for argument in arguments) + ")"


def _signature(variant: _Variant, endpoint: Endpoint, params: list[str], returns: str) -> str:
    keyword = "async def" if variant.is_async else "def"
    body = "".join(f"        {line},\n" for line in params)
    return f"    {keyword} {endpoint.name}(\n{body}    ) -> {returns}:"


def _docstring(endpoint: Endpoint) -> str:
    doc = inspect.cleandoc(endpoint.build.__doc__ or "")
    text = f"{doc}\n\n{_OPTIONS_DOC}"
    return textwrap.indent(f'"""{text}\n"""', " " * 8)


def _body(variant: _Variant, endpoint: Endpoint) -> str:
    wait = "await " if variant.is_async else ""
    suffix = "_raw" if variant.raw else ""
    target = variant.target
    lines = f"op = {_call(endpoint)}{_CUSTOMIZE}".splitlines()
    if endpoint.stream == "always":
        lines.append(f"return {wait}{target}._open_stream{suffix}(op, {endpoint.decoder})")
    elif endpoint.stream == "when-asked":
        lines.append("if op.stream:")
        lines.append(f"    return {wait}{target}._open_stream{suffix}(op, {endpoint.decoder})")
        lines.append(f"return {wait}{target}._execute{suffix}(op)")
    else:
        lines.append(f"return {wait}{target}._execute{suffix}(op)")
    return "".join(f"        {line}\n" for line in lines)


def _method(variant: _Variant, endpoint: Endpoint) -> Iterator[str]:
    result = _result_type(endpoint)
    if endpoint.stream == "always":
        result = variant.stream_type(endpoint.item)
    if endpoint.stream == "when-asked":
        streamed = variant.stream_type(endpoint.item)
        for literal, returns in (("False", result), ("True", streamed)):
            params = _parameters(endpoint, stream_literal=literal)
            overload = _signature(variant, endpoint, params, variant.returns(returns))
            yield f"    @overload\n{overload} ...\n"
        union = f"{variant.returns(result)} | {variant.returns(streamed)}"
        params = _parameters(endpoint, stream_literal=None)
        yield "    @overload\n" + _signature(variant, endpoint, params, union) + " ...\n"
        yield (
            _signature(variant, endpoint, params, union)
            + "\n"
            + _docstring(endpoint)
            + "\n"
            + _body(variant, endpoint)
        )
        return
    params = _parameters(endpoint, stream_literal=None)
    yield (
        _signature(variant, endpoint, params, variant.returns(result))
        + "\n"
        + _docstring(endpoint)
        + "\n"
        + _body(variant, endpoint)
    )


def _imports() -> str:
    wanted: dict[str, set[str]] = {module: set(names) for module, names in _ALWAYS.items()}
    for endpoint in ENDPOINTS:
        signature = inspect.signature(endpoint.build)
        annotations = [str(p.annotation) for p in signature.parameters.values()]
        annotations += [_result_type(endpoint), endpoint.item]
        for annotation in annotations:
            for name in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", annotation):
                if name in _BUILTINS or name in ("Literal",):
                    continue
                if name not in _IMPORTS:
                    raise ValueError(f"{endpoint.name}: add {name!r} to _codegen._IMPORTS")
                wanted.setdefault(_IMPORTS[name], set()).add(name)
    stdlib = sorted(m for m in wanted if m in ("typing", "collections.abc"))
    third = sorted(m for m in wanted if m in ("httpx2", "openai"))
    local = sorted((m for m in wanted if m.startswith(".")), key=lambda m: (m != ".", m))
    blocks = []
    for group in (stdlib, third, local):
        lines = []
        for module in group:
            names = wanted[module]
            if module == "httpx2":
                lines.append("import httpx2")
                continue
            if module == "openai" and not names:
                continue
            ordered = sorted(names, key=lambda n: (not n.isupper(), n.lower()))  # isort's order
            line = f"from {module} import {', '.join(ordered)}"
            if len(line) > 110:
                line = f"from {module} import (\n" + "".join(f"    {n},\n" for n in ordered) + ")"
            lines.append(line)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def generate() -> str:
    """The source of ``_endpoints.py``."""
    parts = [
        "# Generated by chatserver_sdk/_codegen.py from _operations.ENDPOINTS. Do not edit:\n"
        "# change the operation, then run `python -m chatserver_sdk._codegen`.\n"
        '"""The ChatServer endpoints as methods of the clients and of their raw views.\n\n'
        "Each method builds its request with the builder of the same name in\n"
        "``_operations.py`` and executes it through the client's core.\n"
        '"""\n\n'
        "from __future__ import annotations\n\n",
        _imports(),
        '\n\n__all__ = ["AsyncEndpoints", "AsyncRawEndpoints", "SyncEndpoints", "SyncRawEndpoints"]\n',
    ]
    for variant in _VARIANTS:
        methods = [method for endpoint in ENDPOINTS for method in _method(variant, endpoint)]
        parts.append(f'\n\nclass {variant.name}({variant.base}):\n    """{variant.summary}"""\n\n')
        parts.append("\n".join(methods))
    return "".join(parts)


def main() -> int:
    TARGET.write_text(generate())
    print(f"wrote {TARGET}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
