"""Error handling: every failure is its own exception class, carrying the server's own words."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from chatserver_sdk import ChatServerClient
from chatserver_sdk.exceptions import APIStatusError, BadRequestError, ChatServerError, UnauthorizedError

MODEL = "claude-3-haiku"
USER_ID = "00000000-0000-0000-0000-000000000001"


def attempt(what: str, call: Callable[[], object]) -> None:
    try:
        call()
    except APIStatusError as error:  # the base of BadRequestError, NotFoundError and the other 4xx/5xx
        print(f"  {what}: {type(error).__name__} {error.status_code}: {error.message}")
    except ValueError as error:  # refused by the SDK before anything was sent
        print(f"  {what}: ValueError: {error}")
    else:
        print(f"  {what}: no error")


def main() -> None:
    with ChatServerClient() as client:
        try:
            client.create_completion(model="", messages=[])
        except BadRequestError as error:
            print(f"Bad request: {error.message}")
            print(f"Status code: {error.status_code}")
        except UnauthorizedError as error:
            print(f"Unauthorized: {error.message} (check CHATSERVER_API_KEY)")
        except ChatServerError as error:  # anything else: other statuses, connection failures, timeouts
            print(f"Other error: {error}")

        print("More failures:")
        attempt("unknown model", lambda: client.create_completion(model="gpt-0", messages=["hi"]))
        attempt(
            "temperature out of range",
            lambda: client.create_completion(model=MODEL, messages=["hi"], temperature=3),
        )
        attempt("unknown session", lambda: client.get_session(str(uuid.uuid4()), user_id=USER_ID))
        # with_options copies the client (sharing its connection pool) with other settings.
        wrong_key = client.with_options(api_key="sk-not-a-valid-key")
        attempt("wrong API key", wrong_key.list_models)
        attempt(
            "unknown message role",
            lambda: client.create_completion(model=MODEL, messages=[{"role": "robot", "content": "beep"}]),
        )


if __name__ == "__main__":
    main()
