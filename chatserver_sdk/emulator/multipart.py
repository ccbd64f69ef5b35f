"""A streaming multipart/form-data reader for ``POST /upload``.

The one file field the emulator wants is written to disk as it arrives and its size
checked as bytes come in, so an oversized upload is refused after at most the limit
plus one network chunk, never held in memory. Other fields are skipped. Stdlib only:
Starlette's form parser would need the optional python-multipart package.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.message import Message
from typing import BinaryIO

MAX_HEADER_BYTES = 16 << 10


class MultipartError(ValueError):
    pass


class FileTooLargeError(Exception):
    pass


@dataclass(frozen=True)
class ReceivedFile:
    filename: str
    size: int
    sha256: str


def _header_params(value: str, header: str = "content-disposition") -> Message:
    # email.message handles quoting and RFC 2231 (filename*=) parameters for us.
    message = Message()
    message[header] = value
    return message


def boundary_of(content_type: str) -> str | None:
    message = _header_params(content_type, "content-type")
    if message.get_content_type() != "multipart/form-data":
        return None
    boundary = message.get_param("boundary", header="content-type")
    return boundary if isinstance(boundary, str) and 0 < len(boundary) <= 200 else None


def _part_target(head: bytes, field: str) -> str | None:
    """The filename of a part that carries ``field`` as a file, else None (the part is skipped)."""
    headers: dict[str, str] = {}
    for line in head.decode("utf-8", "replace").split("\r\n"):
        key, colon, value = line.partition(":")
        if colon:
            headers[key.strip().lower()] = value.strip()
    disposition = _header_params(headers.get("content-disposition", ""))
    if disposition.get_param("name", header="content-disposition") != field:
        return None
    filename = disposition.get_filename()
    return filename if isinstance(filename, str) else None


async def receive_file(
    chunks: AsyncIterator[bytes], boundary: str, *, field: str, limit: int, sink: BinaryIO
) -> ReceivedFile | None:
    """Copy the first file part named ``field`` into ``sink``; None if the body has none.

    Raises :class:`FileTooLargeError` once more than ``limit`` bytes of it have arrived,
    and :class:`MultipartError` for a malformed body.
    """
    delimiter = b"\r\n--" + boundary.encode("latin-1")
    # A leading CRLF lets the first delimiter be found like every later one.
    buffer = bytearray(b"\r\n")
    stream = chunks.__aiter__()
    exhausted = False

    async def fill() -> bool:
        nonlocal exhausted
        if exhausted:
            return False
        try:
            buffer.extend(await stream.__anext__())
        except StopAsyncIteration:
            exhausted = True
            return False
        return True

    async def find(needle: bytes, *, max_scan: int | None = None) -> int:
        while (index := buffer.find(needle)) < 0:
            if max_scan is not None and len(buffer) > max_scan:
                raise MultipartError("multipart part headers are too long")
            if not await fill():
                raise MultipartError("malformed multipart body: it ends before its closing boundary")
        return index

    del buffer[: (await find(delimiter)) + len(delimiter)]
    result: ReceivedFile | None = None
    while True:
        while len(buffer) < 2 and await fill():
            pass
        if buffer[:2] == b"--":
            return result
        if buffer[:2] != b"\r\n":
            raise MultipartError("malformed multipart body: a boundary is not followed by a line break")
        end_of_head = await find(b"\r\n\r\n", max_scan=MAX_HEADER_BYTES)
        filename = _part_target(bytes(buffer[2:end_of_head]), field) if result is None else None
        del buffer[: end_of_head + 4]
        size = 0
        digest = hashlib.sha256()
        # Copy until the delimiter, keeping back what could be the start of a delimiter split across chunks.
        while (index := buffer.find(delimiter)) < 0:
            keep = len(delimiter) - 1
            if len(buffer) > keep:
                size += _consume(buffer, len(buffer) - keep, sink if filename is not None else None, digest)
                if filename is not None and size > limit:
                    raise FileTooLargeError
            if not await fill():
                raise MultipartError("malformed multipart body: it ends before its closing boundary")
        size += _consume(buffer, index, sink if filename is not None else None, digest)
        del buffer[: len(delimiter)]
        if filename is not None:
            if size > limit:
                raise FileTooLargeError
            result = ReceivedFile(filename, size, digest.hexdigest())


def _consume(buffer: bytearray, count: int, sink: BinaryIO | None, digest: hashlib._Hash) -> int:
    if sink is not None:
        data = bytes(buffer[:count])
        sink.write(data)
        digest.update(data)
    del buffer[:count]
    return count
