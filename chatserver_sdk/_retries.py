"""Which failed requests may be sent again.

A ChatServer completion runs a coding agent: it edits files, runs commands
and can take minutes. Sending it twice is a second agent run, not a retry.
So the rule is by HTTP method, the one thing every request has, ours and
openai's alike:

* ``GET``, ``PUT`` and ``DELETE`` are idempotent (on upstream's server too:
  deleting an unknown admin or MCP server succeeds), so they keep openai's
  policy: connection errors, timeouts, 408, 409, 429 and 5xx are retried.
* ``POST`` (completions, agent messages, uploads, adding an admin, creating
  an MCP server) is retried only when the request provably never reached the
  server -- the connection was refused, the name did not resolve, connecting
  timed out, no pooled connection became free -- or when the answer says it
  was not processed: 429, or an explicit ``x-should-retry: true``. A read
  timeout, a dropped connection or a 5xx may come after the agent ran
  (upstream answers 503 when its agent fails mid-run), so they are raised.

``retry_non_idempotent=True`` on a client (or ``with_options``) gives POSTs
openai's policy too, for callers who know their calls are safe to repeat.
"""

from __future__ import annotations

import httpx2

__all__ = ["IDEMPOTENT_METHODS", "is_idempotent", "may_retry_error", "may_retry_status"]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

# Failures before a single byte of the request left this machine.
_NOT_SENT = (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout)


def is_idempotent(request: httpx2.Request) -> bool:
    return request.method.upper() in IDEMPOTENT_METHODS


def may_retry_error(request: httpx2.Request, error: Exception, *, retry_non_idempotent: bool) -> bool:
    """Whether a request that failed with a transport ``error`` may be sent again."""
    if retry_non_idempotent or is_idempotent(request):
        return True
    return isinstance(error, _NOT_SENT)


def may_retry_status(response: httpx2.Response, *, retry_non_idempotent: bool) -> bool:
    """Whether an error status may lead to a retry at all (openai then applies its own rules)."""
    # The answer's own word first: a response need not carry its request (openai's tests build such).
    if response.status_code == 429 or response.headers.get("x-should-retry") == "true":
        return True
    return retry_non_idempotent or is_idempotent(response.request)
