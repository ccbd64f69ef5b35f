"""Streaming: print the reply as it arrives, then what the stream reported at its end."""

from __future__ import annotations

from itertools import islice

from chatserver_sdk import ChatServerClient

MODEL = "claude-sonnet-4-5@20250929"


def main() -> None:
    with ChatServerClient() as client:
        print("Streaming response:")
        with client.create_completion(model=MODEL, messages=["Tell me a story"], stream=True) as stream:
            for delta in stream:
                print(delta, end="", flush=True)
        print()
        # The metadata fills in as the chunks arrive; usage and finish_reason come with the last one.
        print(f"Session: {stream.metadata['system_fingerprint']}")
        print(f"Finish reason: {stream.metadata['finish_reason']}, usage: {stream.metadata['usage']}")

        # Stopping early is fine: leaving the `with` block releases the connection.
        with client.create_completion(model=MODEL, messages=["Tell me a long story"], stream=True) as stream:
            first = list(islice(stream, 3))
        print(f"Stopped after {len(first)} deltas: {''.join(first)!r}")


if __name__ == "__main__":
    main()
