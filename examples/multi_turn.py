"""A multi-turn conversation, grown from the assistant's own replies."""

from __future__ import annotations

from chatserver_sdk import ChatServerClient, Message, MessageLike, MessageRole

MODEL = "claude-3-haiku"


def main() -> None:
    with ChatServerClient() as client:
        conversation: list[MessageLike] = [Message(role=MessageRole.USER, content="What is recursion?")]
        first = client.create_completion(model=MODEL, messages=conversation)
        print(f"Assistant: {first.choices[0].message.content}")

        # A reply's message goes straight back into the conversation; a bare string is a user message.
        conversation.append(first.choices[0].message)
        conversation.append("Can you give me an example?")
        second = client.create_completion(model=MODEL, messages=conversation)
        print(f"Assistant: {second.choices[0].message.content}")


if __name__ == "__main__":
    main()
