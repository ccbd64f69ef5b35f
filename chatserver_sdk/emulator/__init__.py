"""A local, deterministic ChatServer for tests and offline development.

Needs the ``emulator`` extra (FastAPI and uvicorn). Nothing here is imported by
``import chatserver_sdk``; the heavy modules load on first attribute access, so
``chatserver_sdk.emulator.pytest_plugin`` can be registered without pulling in
the server stack until a test actually asks for it.

What clients can rely on (upstream's behaviour unless the table "Where the emulator
differs from a ChatServer" in docs/emulator.md says otherwise):

* Replies are ``"Echo (turn N): <last user message>"``, N being the number of user
  messages in the request; a token is a whitespace-separated word and a stream
  sends one token per chunk. ``finish_reason`` is always ``"stop"``, as upstream's.
  ``agent_delay`` makes each reply take about that many seconds, in pieces.
* Any model string is accepted; ``/v1/models`` lists upstream's Vertex ids.
* History is recorded when ``metadata.user_id`` is set, under ``metadata.session_id``
  or upstream's ``atoms_session_<hex>`` (which breaks that user's session list).
  The server stores the transcript it is sent: messages beyond the stored ones are
  appended, so a resume resends the whole conversation. One turn runs at a time per
  session: a turn sent while another runs, or a resend that differs from the stored
  transcript, gets 409 and stores nothing (upstream answers 200 and misplaces or drops
  messages); a 200 always means the question and its reply are stored.
* Client mistakes upstream answers with 500 (a shorter transcript than stored,
  another user's session, content parts with history, non-UUID ids, a duplicate
  admin, updating an unknown MCP server) get 500 here too, with a ``detail`` that
  names the cause and the fix. A full database or disk is 507, naming it.
* ``metadata.emulator_fault`` (``bad_request`` | ``unavailable`` | ``stream_error`` |
  ``crash``) makes the agent fail the ways upstream's does; ``[[agent_error:LEVEL]]``
  in an agent-control message makes it report an ``agent_error`` event.
* With no ``api_keys`` every route is open; with no ``admin_keys`` every caller is a
  platform admin. Admin keys are valid API keys too. Such an open emulator listens
  only where other machines cannot reach it, unless told ``allow_open_access``.
* ``Host`` and ``Origin`` are checked like coder/agentapi's defaults; request bodies
  are size-limited as they arrive (413), JSON is parsed strictly (400), and a request
  whose HTTP framing is ambiguous is refused (400) and its connection closed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app
    from .server import run_emulator

__all__ = ["create_app", "run_emulator"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app

        return create_app
    if name == "run_emulator":
        from .server import run_emulator

        return run_emulator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
