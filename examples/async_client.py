"""The async client: the same methods, awaited; streams are `async for`."""

from __future__ import annotations

import asyncio

from chatserver_sdk import AsyncChatServerClient

MODEL = "claude-sonnet-4-5@20250929"


async def main() -> None:
    async with AsyncChatServerClient() as client:
        response = await client.create_completion(model=MODEL, messages=["Hello!"])
        print(f"Assistant: {response.choices[0].message.content}")

        print("Streaming: ", end="")
        async with await client.create_completion(
            model=MODEL, messages=["Tell me a story"], stream=True
        ) as stream:
            async for delta in stream:
                print(delta, end="", flush=True)
        print(f"\nSession: {stream.metadata['system_fingerprint']}")

        # One client serves concurrent tasks.
        questions = ["What is a coroutine?", "What is an event loop?", "What is a task?"]
        replies = await asyncio.gather(
            *(client.create_completion(model=MODEL, messages=[q]) for q in questions)
        )
        for reply in replies:
            print(f"Concurrent: {reply.choices[0].message.content}")


if __name__ == "__main__":
    asyncio.run(main())
