"""The client API the helpers are built on, for type checking.

The helper mixins (:mod:`._conveniences`) and the objects they return call
only the clients' public endpoint methods. Those are the generated classes of
:mod:`._endpoints`, so the helpers are typed against them -- one description
of each method, not a copy -- imported for type checkers only, because the
clients inherit the mixins and the mixins must not import the clients.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._endpoints import AsyncEndpoints as AsyncAPI
    from ._endpoints import SyncEndpoints as SyncAPI

    SyncBase = SyncAPI
    AsyncBase = AsyncAPI
else:
    # At run time the mixins are plain classes (the client classes supply the methods), and the
    # helpers' annotations that name the API are never evaluated.
    SyncBase = AsyncBase = object
    SyncAPI = AsyncAPI = Any

__all__ = ["AsyncAPI", "AsyncBase", "SyncAPI", "SyncBase"]
