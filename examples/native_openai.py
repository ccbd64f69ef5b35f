"""openai's own API on a ChatServerClient, with the ChatServer extensions passed in `extra_body`.

openai's `chat.completions.create` sends exactly what you give it, so with history on
(a `user_id` in the metadata) you choose the session id (a UUID) and resend the whole
conversation on every turn: the ChatServer stores the transcript it is sent.
`create_completion(..., user=..., session_id=...)` does both for you.
"""

from __future__ import annotations

import uuid

import openai

from chatserver_sdk import ChatServerClient

MODEL = "claude-sonnet-4-5@20250929"
USER_ID = "00000000-0000-0000-0000-000000000001"  # history is stored per user (a UUID)


def main() -> None:
    with ChatServerClient() as client:
        print(f"Models: {[model.id for model in client.models.list()]}")

        session_id = str(uuid.uuid4())  # the session routes take UUIDs only
        history = {"user_id": USER_ID, "session_id": session_id}
        conversation = [{"role": "user", "content": "Review this function."}]
        # openai does not know the ChatServer's fields, so they travel in extra_body.
        completion = client.chat.completions.create(
            model=MODEL,
            messages=conversation,
            extra_body={"system_prompt": "Be terse.", "metadata": {**history, "workflow": "code-review"}},
        )
        print(f"Assistant: {completion.choices[0].message.content}")
        print(f"Session: {completion.system_fingerprint}")  # the session it was stored under

        # The next turn sends the whole conversation again, with the same session and user.
        conversation += [
            {"role": "assistant", "content": completion.choices[0].message.content or ""},
            {"role": "user", "content": "Now suggest a better name."},
        ]
        print("Streamed, same session: ", end="")
        with client.chat.completions.create(
            model=MODEL, messages=conversation, stream=True, extra_body={"metadata": history}
        ) as stream:
            for chunk in stream:
                if chunk.choices:  # a chunk may carry only usage
                    print(chunk.choices[0].delta.content or "", end="", flush=True)
        print()
        stored = client.sessions.retrieve(session_id, user_id=USER_ID)
        print(f"Stored: {len(stored.messages)} messages")

        try:
            client.chat.completions.create(model=MODEL, messages=[])
        except openai.BadRequestError as error:  # the SDK's exceptions are openai's classes too
            print(f"openai.BadRequestError {error.status_code}: {error.message}")


if __name__ == "__main__":
    main()
