"""The ASGI application: wiring of storage, agent, auth, request guards and routes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.middleware.cors import CORSMiddleware

from .._version import __version__
from . import api_agent, api_chat, api_mcp, api_platform
from .accesslog import AccessLogMiddleware
from .agent import Pace, check_agent_delay
from .agentctl import AgentController
from .api_bodies import validation_error_handler
from .api_errors import storage_full_handler
from .auth import AuthMiddleware, AuthPolicy
from .chat import RunningTurns
from .guard import (
    DEFAULT_ALLOWED_HOSTS,
    DEFAULT_ALLOWED_ORIGINS,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_UPLOAD_BYTES,
    BodyGuardMiddleware,
    GuardPolicy,
    HostOriginMiddleware,
)
from .lifecycle import Closing
from .store import StorageFullError, Store


def create_app(
    *,
    db_path: str | None = None,
    api_keys: Sequence[str] = (),
    admin_keys: Sequence[str] = (),
    allowed_hosts: Sequence[str] = DEFAULT_ALLOWED_HOSTS,
    allowed_origins: Sequence[str] = DEFAULT_ALLOWED_ORIGINS,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    agent_delay: float = 0.0,
) -> FastAPI:
    """Build a ChatServer emulator.

    ``db_path`` makes state durable in that SQLite file; without it everything lives
    in memory for the lifetime of the app. With no ``api_keys`` every route is
    open; with no ``admin_keys`` every caller counts as a platform admin.

    ``allowed_hosts`` (hostnames, ports ignored) and ``allowed_origins``
    (``scheme://host[:port]``) default to coder/agentapi's; ``["*"]`` allows all.
    ``max_body_bytes`` caps every request body but uploads (413 past it);
    ``max_upload_bytes`` caps an uploaded file (agentapi's 10 MiB).
    ``agent_delay`` (seconds) makes every agent reply take about that long, arriving in pieces
    spread over it: completions, streamed or not, and agent-control replies.
    """
    guard = GuardPolicy.build(
        allowed_hosts=allowed_hosts,
        allowed_origins=allowed_origins,
        max_body_bytes=max_body_bytes,
        max_upload_bytes=max_upload_bytes,
    )
    pace = Pace(check_agent_delay(agent_delay))
    store = Store(db_path)
    closing = Closing()
    controller = AgentController(store, pace=pace)
    closing.on_close(controller.close_streams)
    uploads = api_agent.UploadDir()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        closing.bind()
        await controller.start()
        try:
            yield
        finally:
            await controller.stop()
            uploads.cleanup()
            store.close()

    app = FastAPI(
        title="ChatServer emulator",
        description="A local, deterministic stand-in for ChatServer (atomsAgent + agentapi).",
        version=__version__,
        lifespan=lifespan,
    )
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(StorageFullError, storage_full_handler)
    app.state.store = store
    app.state.agent = controller
    # Set by the server when it begins to stop (run_emulator and the command line do).
    app.state.closing = closing
    # Every route is open: servers refuse to expose such an app to other machines unless told to.
    app.state.open_access = not api_keys
    app.include_router(api_chat.build_router(store, RunningTurns(), pace=pace, closing=closing))
    app.include_router(api_mcp.build_router(store))
    app.include_router(api_platform.build_router(store))
    app.include_router(api_agent.build_router(controller, uploads, max_upload_bytes=guard.max_upload_bytes))
    # Each add_middleware wraps the previous ones, so the request passes them bottom to top:
    # access log, Host/Origin, CORS (preflights carry no key), auth, then body limits and JSON checks.
    app.add_middleware(BodyGuardMiddleware, policy=guard)
    app.add_middleware(AuthMiddleware, policy=AuthPolicy(api_keys, admin_keys))
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"] if guard.allowed_origins is None else sorted(guard.allowed_origins),
        allow_credentials=guard.allowed_origins is not None,
        allow_methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
        allow_headers=["Accept", "Authorization", "Content-Type", "X-CSRF-Token"],
        max_age=300,
    )
    app.add_middleware(HostOriginMiddleware, policy=guard)
    app.add_middleware(AccessLogMiddleware)
    return app
