"""The client as a context manager: its connections are released when the block ends."""

from __future__ import annotations

from chatserver_sdk import ChatServerClient


def main() -> None:
    with ChatServerClient() as client:
        response = client.create_completion(
            model="claude-3-haiku",
            messages=[{"role": "user", "content": "Hello!"}],
        )
        print(response.choices[0].message.content)
    print(f"Client closed: {client.is_closed()}")


if __name__ == "__main__":
    main()
