"""Run upstream's ChatServer (``shared/upstream-server/stubs/upstream_app.py``) with a slow agent on request.

Upstream's stubbed Claude agent answers at once, so a turn is never seen running. This launcher
serves the very same app (``build_app()``, as ``serve`` does) after wrapping the stub agent
(``fake_claude.FakeClaudeSDKClient``) so that a prompt holding the marker ``[[delay:SECONDS]]``
spreads its reply's messages over that many seconds (a pause before each of them). Without the
marker the agent is upstream's stub unchanged. Nothing else is altered.

Run with upstream's own venv (``tests/servers.py`` does):
    <upstream venv>/bin/python tests/upstream_launcher.py PORT
Environment: ``CHATSERVER_UPSTREAM_STUBS`` (the ``stubs`` directory), plus whatever ``serve`` reads
(``HARNESS_TMP``, ``UPSTREAM_LOG_LEVEL``).
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import AsyncIterator
from typing import Any

DELAY_MARKER = re.compile(r"\[\[delay:(\d+(?:\.\d+)?)\]\]")


def _install_delay(fake_claude: Any) -> None:
    base = fake_claude.FakeClaudeSDKClient

    class DelayedClaudeSDKClient(base):  # type: ignore[misc, valid-type]
        async def _messages(self) -> AsyncIterator[Any]:
            found = DELAY_MARKER.search(self._prompt or "")
            if found is None:
                async for message in super()._messages():
                    yield message
                return
            parts, _ = self._script()
            pause = float(found.group(1)) / max(1, len(parts))
            async for message in super()._messages():
                # The result message closes the turn at once; each text message waits its share.
                if type(message).__name__ == "AssistantMessage":
                    await asyncio.sleep(pause)
                yield message

    fake_claude.FakeClaudeSDKClient = DelayedClaudeSDKClient


def main() -> None:
    stubs = os.environ["CHATSERVER_UPSTREAM_STUBS"]
    sys.path.insert(0, stubs)
    import fake_claude
    import upstream_app
    import uvicorn

    # build_app() imports the class by name from fake_claude when it runs, so it takes this one.
    _install_delay(fake_claude)
    port = int(sys.argv[1])
    uvicorn.run(
        upstream_app.build_app(),
        host="127.0.0.1",
        port=port,
        log_level=os.environ.get("UPSTREAM_LOG_LEVEL", "warning"),
    )


if __name__ == "__main__":
    main()
