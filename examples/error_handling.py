"""Error handling: every failure is its own exception class, carrying the server's own words.

Each failure below happens against any ChatServer, the default emulator included,
except a wrong API key: a server that checks no keys (the emulator without
`--api-key`, or a ChatServer without authentication in front) accepts any key.
The script says so when that happens; to see the 401, start
`chatserver emulator --api-key sk-mine` and run it with CHATSERVER_API_KEY=sk-mine.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from chatserver_sdk import ChatServerClient
from chatserver_sdk.exceptions import (
    APIConnectionError,
    APIStatusError,
    BadRequestError,
    ChatServerError,
    UnauthorizedError,
)

MODEL = "claude-sonnet-4-5@20250929"
USER_ID = "00000000-0000-0000-0000-000000000001"


def attempt(what: str, call: Callable[[], object], *, if_no_error: str = "") -> None:
    try:
        call()
    except APIStatusError as error:  # the base of BadRequestError, NotFoundError and the other 4xx/5xx
        print(f"  {what}: {type(error).__name__} {error.status_code}: {error.message}")
    except APIConnectionError as error:  # the server could not be reached (also a ChatServerError)
        print(f"  {what}: {type(error).__name__}: {error.message.splitlines()[0]}")
    except ValueError as error:  # refused by the SDK before anything was sent
        print(f"  {what}: ValueError: {error}")
    else:
        print(f"  {what}: no error{f' ({if_no_error})' if if_no_error else ''}")


def main() -> None:
    with ChatServerClient() as client:
        try:
            client.create_completion(model=MODEL, messages=[])
        except BadRequestError as error:
            print(f"Bad request: {error.message}")
            print(f"Status code: {error.status_code}")
        except UnauthorizedError as error:
            print(f"Unauthorized: {error.message} (check CHATSERVER_API_KEY)")
        except ChatServerError as error:  # anything else: other statuses, connection failures, timeouts
            print(f"Other error: {error}")

        print("More failures:")
        attempt("no model", lambda: client.create_completion(model="", messages=["hi"]))
        attempt(
            "temperature out of range",
            lambda: client.create_completion(model=MODEL, messages=["hi"], temperature=3),
        )
        attempt("unknown session", lambda: client.sessions.retrieve(str(uuid.uuid4()), user_id=USER_ID))
        # with_options copies the client (sharing its connection pool) with other settings.
        wrong_key = client.with_options(api_key="sk-not-a-valid-key")
        attempt(
            "wrong API key",
            wrong_key.list_models,
            if_no_error="this server checks no API keys; start `chatserver emulator --api-key sk-mine` "
            "and set CHATSERVER_API_KEY=sk-mine to see UnauthorizedError 401",
        )
        attempt(
            "unknown message role",
            lambda: client.create_completion(model=MODEL, messages=[{"role": "robot", "content": "beep"}]),
        )
        attempt(
            "user id that is not a UUID",
            lambda: client.create_completion(model=MODEL, messages=["hi"], user="alice"),
        )
        # Port 9 (discard) has no ChatServer: the error names the URL and how to start one.
        with ChatServerClient(base_url="http://127.0.0.1:9", max_retries=0) as unreachable:
            attempt("no server there", unreachable.list_models)


if __name__ == "__main__":
    main()
