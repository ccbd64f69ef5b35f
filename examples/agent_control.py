"""Agent control: drive one agent session directly and watch it work through its event stream."""

from __future__ import annotations

from chatserver_sdk import ChatServerClient, MessageUpdateEvent


def main() -> None:
    with ChatServerClient() as client:
        print(f"Agent status: {client.agent.status().status}")

        with client.agent.events() as events:
            sent = False
            for event in events:
                if isinstance(event, MessageUpdateEvent):
                    print(f"  message #{event.id} ({event.role}): {event.message}")
                    continue
                print(f"  status: {event.status}")
                if event.status == "stable":
                    if sent:
                        break
                    # The stream replays the current state first; sending only now means
                    # everything that follows, from the first word of the reply, is seen live.
                    client.agent.send("Run the tests")
                    sent = True

        print("Conversation:")
        for message in client.agent.messages().messages:
            print(f"  {message.role:<5} {message.content}")

        upload = client.agent.upload("notes.txt", b"Remember to run the linters too.\n")
        print(f"Uploaded notes.txt to {upload.file_path}")


if __name__ == "__main__":
    main()
