"""A local, deterministic ChatServer for tests and offline development.

Needs the ``emulator`` extra (FastAPI and uvicorn). Nothing here is imported by
``import chatserver_sdk``; the heavy modules load on first attribute access, so
``chatserver_sdk.emulator.pytest_plugin`` can be registered without pulling in
the server stack until a test actually asks for it.
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
