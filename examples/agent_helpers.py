"""Agent control without the bookkeeping: wait until it is idle, ask and get the answer, follow events."""

from __future__ import annotations

from chatserver_sdk import ChatServerClient, MessageUpdateEvent


def main() -> None:
    with ChatServerClient() as client:
        status = client.agent.wait(timeout=600)  # driven by /events, not by polling /status
        print(f"Agent is {status.status}")

        # Waits until idle, sends, waits for the answer: returns the agent's new messages.
        for message in client.agent.ask("Run the tests", timeout=600):
            print(f"Agent: {message.content}")

        # Events as they happen; a dropped connection is reconnected and nothing is repeated.
        sent = False
        for event in client.agent.follow():
            if isinstance(event, MessageUpdateEvent):
                print(f"  message #{event.id} ({event.role}): {event.message}")
                continue
            print(f"  status: {event.status}")
            if event.status == "stable":
                if sent:
                    break
                client.agent.send("Now the linters")  # sent once the replayed state is in
                sent = True


if __name__ == "__main__":
    main()
