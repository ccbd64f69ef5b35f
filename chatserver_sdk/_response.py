"""The raw HTTP response of a call, for ``client.with_raw_response``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import httpx2

__all__ = ["RawResponse"]

_T = TypeVar("_T")


class RawResponse(Generic[_T]):
    """Headers and status of a response, with ``parse()`` for the usual result."""

    def __init__(self, response: httpx2.Response, parse: Callable[[], _T]) -> None:
        self.http_response = response
        self._parse = parse

    @property
    def headers(self) -> httpx2.Headers:
        return self.http_response.headers

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def request(self) -> httpx2.Request:
        return self.http_response.request

    def parse(self) -> _T:
        return self._parse()

    def __repr__(self) -> str:
        return f"<RawResponse [{self.status_code}] {self.request.method} {self.request.url.path}>"
