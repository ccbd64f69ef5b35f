"""The ASGI application: wiring of storage, agent, auth and routes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI

from . import api_agent, api_chat, api_mcp, api_platform
from .accesslog import AccessLogMiddleware
from .agentctl import AgentController
from .auth import AuthMiddleware, AuthPolicy
from .store import Store


def create_app(
    *, db_path: str | None = None, api_keys: Sequence[str] = (), admin_keys: Sequence[str] = ()
) -> FastAPI:
    """Build a ChatServer emulator.

    ``db_path`` makes state durable in that SQLite file; without it everything lives
    in memory for the lifetime of the app. With no ``api_keys`` every route is
    open; with no ``admin_keys`` every caller counts as a platform admin.
    """
    store = Store(db_path)
    controller = AgentController(store)
    uploads = api_agent.UploadDir()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
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
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.agent = controller
    app.include_router(api_chat.build_router(store))
    app.include_router(api_mcp.build_router(store))
    app.include_router(api_platform.build_router(store))
    app.include_router(api_agent.build_router(controller, uploads))
    app.add_middleware(AuthMiddleware, policy=AuthPolicy(api_keys, admin_keys))
    # Added last so it is outermost and also logs requests the auth layer turns away.
    app.add_middleware(AccessLogMiddleware)
    return app
