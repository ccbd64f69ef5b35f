"""A multi-turn chat kept by the SDK: send, stream, then resume it from the stored history."""

from __future__ import annotations

import asyncio
import uuid

from chatserver_sdk import AsyncChatServerClient, ChatServerClient

MODEL = "claude-sonnet-4-5@20250929"
USER_ID = str(uuid.uuid4())  # history is stored per user; ids are UUIDs


def main() -> None:
    with ChatServerClient() as client:
        chat = client.conversation(MODEL, user_id=USER_ID, system_prompt="Answer briefly.")
        print(f"Session: {chat.session_id}")  # made before the first turn
        print(f"Assistant: {chat.send('Plan a three-day trip to Rome.')}")
        print("Streamed: ", end="")
        with chat.stream("Add a museum on day two.") as deltas:
            for delta in deltas:
                print(delta, end="", flush=True)
        print()
        print(f"{len(chat.messages)} messages so far")
        session_id = chat.session_id

    # Later, perhaps in another process: the session id is all a conversation needs to carry on.
    with ChatServerClient() as client:
        resumed = client.conversation(MODEL, user_id=USER_ID, session_id=session_id)
        print(f"Resumed with {len(resumed.messages)} messages")
        print(f"Assistant: {resumed.send('What should I pack?')}")

    asyncio.run(finish_async(session_id or ""))


async def finish_async(session_id: str) -> None:
    async with AsyncChatServerClient() as client:
        chat = await client.conversation(MODEL, user_id=USER_ID, session_id=session_id)
        print(f"Async: {await chat.send('Thanks!')}")
        stored = await client.sessions.retrieve(session_id, user_id=USER_ID)
        print(f"Stored: {len(stored.messages)} messages, the same as the conversation's {len(chat.messages)}")


if __name__ == "__main__":
    main()
