"""Session history: start a recorded session, resume it while streaming, then read it back."""

from __future__ import annotations

from chatserver_sdk import ChatServerClient

MODEL = "claude-sonnet-4-5@20250929"
USER_ID = "00000000-0000-0000-0000-000000000001"  # history is stored per user (a UUID)


def main() -> None:
    with ChatServerClient() as client:
        # Passing a user records the history.
        first = client.create_completion(
            model=MODEL, messages=["Draft a project update email."], user=USER_ID
        )
        session_id = first.system_fingerprint
        if not session_id:
            raise RuntimeError("ChatServer did not return a session id")
        print(f"Started session {session_id}")
        print(f"Assistant: {first.choices[0].message.content}")

        # Resuming needs only the new message: the server holds the rest.
        with client.create_completion(
            model=MODEL,
            messages=["Add a bullet list of risks."],
            stream=True,
            user=USER_ID,
            session_id=session_id,
        ) as stream:
            print("Assistant: ", end="")
            for delta in stream:
                print(delta, end="", flush=True)
        print(f"\nStream recorded under: {stream.metadata['system_fingerprint']}")

        page = client.sessions.list(USER_ID, page=1, page_size=20)
        print(f"{page.total} stored session(s) for user {USER_ID}:")
        for summary in page.sessions:
            counts = f"{summary.message_count} messages, {summary.tokens_total} tokens"
            print(f"  {summary.id}  {summary.title!r}  {counts}")

        detail = client.sessions.retrieve(session_id, user_id=USER_ID)
        print(f"Loaded {len(detail.messages)} stored messages")
        for record in detail.messages:
            print(f"  #{record.message_index} {record.role:<9} {record.content}")


if __name__ == "__main__":
    main()
