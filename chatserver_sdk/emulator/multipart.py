"""A minimal multipart/form-data reader for ``POST /upload``.

Starlette's form parsing needs the optional python-multipart package; one file
field is all the emulator reads, so a few lines of stdlib parsing avoid the
extra dependency.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message


@dataclass(frozen=True)
class FormPart:
    name: str
    filename: str | None
    content_type: str | None
    data: bytes


class MultipartError(ValueError):
    pass


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
    return boundary if isinstance(boundary, str) and boundary else None


def parse(body: bytes, boundary: str) -> list[FormPart]:
    delimiter = b"\r\n--" + boundary.encode("latin-1")
    # Prefixing CRLF lets the first delimiter be found like every later one.
    sections = (b"\r\n" + body).split(delimiter)
    if len(sections) < 3 or not sections[-1].startswith(b"--"):
        raise MultipartError("malformed multipart body")
    parts: list[FormPart] = []
    for section in sections[1:-1]:
        head, separator, data = section.partition(b"\r\n\r\n")
        if not separator:
            raise MultipartError("multipart section without headers")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, colon, value = line.partition(":")
            if colon:
                headers[key.strip().lower()] = value.strip()
        disposition = _header_params(headers.get("content-disposition", ""))
        field = disposition.get_param("name", header="content-disposition")
        if not isinstance(field, str):
            continue
        parts.append(FormPart(field, disposition.get_filename(), headers.get("content-type"), data))
    return parts
