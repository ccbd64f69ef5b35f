"""LangChain's OpenAI chat model on a ChatServer: a recorded conversation, streamed, then its history.

A ChatServer stores the transcript it is sent, so a LangChain conversation keeps its
messages and sends them all on every turn, under one session id (a UUID) chosen up front.
Calls that belong to no conversation (a batch of one-off questions) are sent without a
user id, so they are not recorded.
"""

from __future__ import annotations

import uuid

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from chatserver_sdk import ChatServerClient

MODEL = "claude-sonnet-4-5@20250929"
USER_ID = "00000000-0000-0000-0000-000000000001"  # history is stored per user (a UUID)


def chat_model(client: ChatServerClient, **metadata: str) -> ChatOpenAI:
    """A LangChain model for the same server and key as `client`; `metadata` goes to the ChatServer."""
    return ChatOpenAI(
        model=MODEL,
        base_url=str(client.base_url),  # the server's .../v1, from CHATSERVER_BASE_URL
        # openai insists on some key, even for a server that takes none.
        api_key=SecretStr(client.api_key or "not-needed"),
        extra_body={"metadata": metadata} if metadata else None,
    )


def main() -> None:
    with ChatServerClient() as client:
        session_id = str(uuid.uuid4())
        llm = chat_model(client, user_id=USER_ID, session_id=session_id)

        conversation: list[BaseMessage] = []
        for question in ["What is LangChain?", "And what is a runnable?"]:
            conversation.append(HumanMessage(question))
            reply = llm.invoke(conversation)
            conversation.append(reply)
            print(f"invoke: {reply.content}")
        print(f"Session: {reply.response_metadata['system_fingerprint']}")

        conversation.append(HumanMessage("Explain streaming."))
        print("stream: ", end="")
        streamed = ""
        for chunk in llm.stream(conversation):
            print(chunk.content, end="", flush=True)
            streamed += str(chunk.content)
        print()
        conversation.append(AIMessage(streamed))

        # One-off questions, answered concurrently and recorded nowhere.
        for answer in chat_model(client).batch(["Summarise.", "Thank you!"]):
            print(f"batch: {answer.content}")

        detail = client.sessions.retrieve(session_id, user_id=USER_ID)
        print(f"Session history ({len(detail.messages)} messages):")
        for record in detail.messages:
            print(f"  #{record.message_index} {record.role:<9} {record.content}")


if __name__ == "__main__":
    main()
