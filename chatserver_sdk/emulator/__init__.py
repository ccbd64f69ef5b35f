"""A local, deterministic ChatServer for tests and offline development.

Needs the ``emulator`` extra (FastAPI and uvicorn). Nothing here is imported by
``import chatserver_sdk``; the heavy modules load on first attribute access, so
``chatserver_sdk.emulator.pytest_plugin`` can be registered without pulling in
the server stack until a test actually asks for it.

What clients can rely on:

* Replies are ``"Echo (turn N): <last user message>"``, N being the number of user
  messages in the conversation; a token is a whitespace-separated word and a stream
  sends one token per chunk. ``max_tokens`` cuts the reply (``finish_reason="length"``).
* History is recorded when ``metadata.user_id`` is a UUID; ``metadata.session_id``
  resumes a session whether the client resends the whole transcript or only the
  new message.
* ``metadata.emulator_fault`` (``bad_request`` | ``unavailable`` | ``stream_error``)
  makes a completion fail like upstream does when its agent backend misbehaves.
* With no ``api_keys`` every route is open; with no ``admin_keys`` every caller is a
  platform admin. Admin keys are valid API keys too.
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
