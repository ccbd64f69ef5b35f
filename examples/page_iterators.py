"""Walk every page of a listing: a user's sessions and the audit log, fetched as the loop gets there."""

from __future__ import annotations

import asyncio
import itertools
import uuid

from chatserver_sdk import AsyncChatServerClient, ChatServerClient

MODEL = "claude-sonnet-4-5@20250929"
USER_ID = str(uuid.uuid4())  # a user of this run only, so the counts below are its own


def main() -> None:
    with ChatServerClient() as client:
        for number in range(7):
            client.create_completion(model=MODEL, messages=[f"Question {number}"], user=USER_ID)

        # Three sessions per request: the loop makes three requests, each when it reaches that page.
        titles = [session.title for session in client.sessions.list(USER_ID, page_size=3)]
        print(f"{len(titles)} sessions, most recent first: {', '.join(map(str, titles))}")

        # The audit log (platform admins only), newest first; stop whenever you like.
        print("Newest audit entries:")
        for entry in itertools.islice(client.platform.audit.list(limit=50), 3):
            print(f"  {entry.action} {entry.resource_id}")

    asyncio.run(count_async())


async def count_async() -> None:
    async with AsyncChatServerClient() as client:
        sessions = [session async for session in client.sessions.list(USER_ID, page_size=2)]
        print(f"Async walk: {len(sessions)} sessions in pages of 2")


if __name__ == "__main__":
    main()
