"""``CHATSERVER_LOG=debug|info``: the SDK's logging on stderr, never a key.

The variable is read when ``chatserver_sdk`` is imported, so each case runs a fresh
interpreter against one emulator that requires keys.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

from chatserver_sdk._logs import REDACTED, SecretsFilter, redact

KEY = "sk-logging-secret-1234"
OTHER = "sk-extra-header-5678"

SCRIPT = f"""
import logging, uuid
from chatserver_sdk import ChatServerClient, NotFoundError
with ChatServerClient(default_headers={{"X-Api-Key": "{OTHER}"}}) as client:
    client.list_models()
    client.create_completion(model="claude-3-haiku", messages=["hi"], user=str(uuid.uuid4()))
    try:
        client.get_session(str(uuid.uuid4()), user_id=str(uuid.uuid4()))
    except NotFoundError:
        pass
    with client.stream_agent_events() as events:
        next(iter(events))
    list(client.iter_audit_log(page_size=5))
    # Whatever a log line says, the key does not get out.
    logging.getLogger("chatserver_sdk").info("Authorization: Bearer %s, key %s", "{KEY}", "{KEY}")
print("done")
"""


def run(server: str, level: str | None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHATSERVER_BASE_URL": server, "CHATSERVER_API_KEY": KEY}
    env.pop("CHATSERVER_LOG", None)
    env.pop("OPENAI_LOG", None)
    if level is not None:
        env["CHATSERVER_LOG"] = level
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "done\n"
    return done


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer sk-abc123", f"Authorization: Bearer {REDACTED}"),
        ("{'authorization': 'Basic dXNlcjpw'}", f"{{'authorization': 'Basic {REDACTED}'}}"),
        ("{'api-key': 'k1', 'accept': 'json'}", f"{{'api-key': '{REDACTED}', 'accept': 'json'}}"),
        ("GET http://h/events?api_key=sk-1&x=2 200", f"GET http://h/events?api_key={REDACTED}&x=2 200"),
        ("GET http://h/x?token=t&access_token=a", f"GET http://h/x?token={REDACTED}&access_token={REDACTED}"),
        ("x-api-key=zzz", f"x-api-key={REDACTED}"),
        ("GET http://h/v1/models 200", "GET http://h/v1/models 200"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_the_filter_scrubs_arguments_and_tracebacks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATSERVER_API_KEY", KEY)
    try:
        raise RuntimeError(f"refused {KEY}")
    except RuntimeError:
        record = logging.LogRecord(
            "chatserver_sdk", logging.ERROR, __file__, 1, "sent %s", (KEY,), sys.exc_info()
        )
    assert SecretsFilter().filter(record)
    formatted = logging.Formatter().format(record)
    assert KEY not in formatted
    assert f"sent {REDACTED}" in formatted and f"RuntimeError: refused {REDACTED}" in formatted
