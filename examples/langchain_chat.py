"""LangChain's OpenAI chat model on a ChatServer: invoke, stream and batch in one stored session."""

from __future__ import annotations

from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from chatserver_sdk import ChatServerClient

MODEL = "claude-3-haiku"
USER_ID = "00000000-0000-0000-0000-000000000001"


def chat_model(client: ChatServerClient, **metadata: str) -> ChatOpenAI:
    """A LangChain model for the same server and key as `client`; `metadata` goes to the ChatServer."""
    return ChatOpenAI(
        model=MODEL,
        base_url=str(client.base_url),  # the server's .../v1, from CHATSERVER_BASE_URL
        # openai insists on some key, even for a server that takes none.
        api_key=SecretStr(client.api_key or "not-needed"),
        extra_body={"metadata": {"user_id": USER_ID, **metadata}},
    )


def main() -> None:
    with ChatServerClient() as client:
        first = chat_model(client).invoke("What is LangChain?")
        session_id: str = first.response_metadata["system_fingerprint"]
        print(f"invoke: {first.content}")
        print(f"Session: {session_id}")

        llm = chat_model(client, session_id=session_id)
        print(f"invoke: {llm.invoke('And what is a runnable?').content}")
        print("stream: ", end="")
        for chunk in llm.stream("Explain streaming."):
            print(chunk.content, end="", flush=True)
        print()
        # One at a time, so the replies join the session in order.
        for reply in llm.batch(["Summarise.", "Thank you!"], config={"max_concurrency": 1}):
            print(f"batch: {reply.content}")

        detail = client.get_session(session_id, user_id=USER_ID)
        print(f"Session history ({len(detail.messages)} messages):")
        for record in detail.messages:
            print(f"  #{record.message_index} {record.role:<9} {record.content}")


if __name__ == "__main__":
    main()
