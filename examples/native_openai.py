"""openai's own API on a ChatServerClient, with the ChatServer extensions passed in `extra_body`."""

from __future__ import annotations

import openai

from chatserver_sdk import ChatServerClient

MODEL = "claude-3-haiku"
USER_ID = "00000000-0000-0000-0000-000000000001"


def main() -> None:
    with ChatServerClient() as client:
        print(f"Models: {[model.id for model in client.models.list()]}")

        # openai does not know the ChatServer's fields, so they travel in extra_body.
        completion = client.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "Review this function."}],
            extra_body={
                "system_prompt": "Be terse.",
                "metadata": {"user_id": USER_ID, "workflow": "code-review"},
            },
        )
        session_id = completion.system_fingerprint  # the stored session, to resume
        print(f"Assistant: {completion.choices[0].message.content}")
        print(f"Session: {session_id}")

        print("Streamed, same session: ", end="")
        with client.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "Now suggest a better name."}],
            stream=True,
            extra_body={"metadata": {"session_id": session_id, "user_id": USER_ID}},
        ) as stream:
            for chunk in stream:
                if chunk.choices:  # a chunk may carry only usage
                    print(chunk.choices[0].delta.content or "", end="", flush=True)
        print()

        try:
            client.chat.completions.create(
                model="no-such-model", messages=[{"role": "user", "content": "hi"}]
            )
        except openai.BadRequestError as error:  # the SDK's exceptions are openai's classes too
            print(f"openai.BadRequestError {error.status_code}: {error.message}")


if __name__ == "__main__":
    main()
