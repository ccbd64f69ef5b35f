"""Where a page may start: no further than a PostgreSQL ``bigint`` offset reaches.

Upstream hands ``offset`` (and ``(page - 1) * page_size``) to its database, whose
``OFFSET`` is a signed 64-bit integer: past it a real ChatServer fails. Its test
harness answers an empty page up to 2**64 - 1 and a 500 beyond. Here any value past
the bound is the client's mistake and is refused with the field, the value and the
largest value accepted (SQLite's integers have the same range).
"""

from __future__ import annotations

MAX_OFFSET = 2**63 - 1


class OutOfRangeError(ValueError):
    """A paging parameter that would start a page past :data:`MAX_OFFSET`."""

    def __init__(self, field: str, value: int, bound: int, why: str) -> None:
        super().__init__(f"{field}={value} is larger than {bound}: {why}")
        self.field = field
        self.value = value
        self.bound = bound
        self.why = why


def checked_offset(offset: int) -> int:
    if offset > MAX_OFFSET:
        raise OutOfRangeError(
            "offset", offset, MAX_OFFSET, "a ChatServer's database cannot skip more rows than that"
        )
    return offset


def last_page(page_size: int) -> int:
    """The largest page whose first row's offset, ``(page - 1) * page_size``, fits."""
    return min(MAX_OFFSET, MAX_OFFSET // page_size + 1)


def offset_of_page(page: int, page_size: int) -> int:
    bound = last_page(page_size)
    if page > bound:
        raise OutOfRangeError(
            "page",
            page,
            bound,
            f"with page_size={page_size} a later page would start past offset {MAX_OFFSET},"
            " the largest a ChatServer's database can hold",
        )
    return (page - 1) * page_size
