"""Agent control without the bookkeeping: wait until it is idle, ask and get the answer, follow events."""

from __future__ import annotations

from chatserver_sdk import ChatServerClient, MessageUpdateEvent


def main() -> None:
    with ChatServerClient() as client:
        status = client.wait_for_agent(timeout=600)  # driven by /events, not by polling /status
        print(f"Agent is {status.status}")

        # Waits until idle, sends, waits for the answer: returns the agent's new messages.
        for message in client.ask_agent("Run the tests", timeout=600):
            print(f"Agent: {message.content}")

        # Events as they happen; a dropped connection is reconnected and nothing is repeated.
        sent = False
        for event in client.iter_agent_events():
            if isinstance(event, MessageUpdateEvent):
                print(f"  message #{event.id} ({event.role}): {event.message}")
                continue
            print(f"  status: {event.status}")
            if event.status == "stable":
                if sent:
                    break
                client.send_agent_message("Now the linters")  # sent once the replayed state is in
                sent = True


if __name__ == "__main__":
    main()
