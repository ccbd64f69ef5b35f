"""Quick start: list the models, then ask for one chat completion."""

from __future__ import annotations

from chatserver_sdk import ChatServerClient, Message, MessageRole


def main() -> None:
    client = ChatServerClient()  # server and key from CHATSERVER_BASE_URL and CHATSERVER_API_KEY
    try:
        models = client.list_models()
        print(f"Available models: {[model.id for model in models.data]}")

        response = client.create_completion(
            model="claude-sonnet-4-5@20250929",
            messages=[
                Message(role=MessageRole.SYSTEM, content="You are a helpful assistant."),
                Message(role=MessageRole.USER, content="Write a hello world function in Python."),
            ],
        )
        print(f"Assistant: {response.choices[0].message.content}")
        print(f"Tokens used: {response.usage.total_tokens}")
        print(f"Session: {response.system_fingerprint}")
    finally:
        client.close()


if __name__ == "__main__":
    main()
