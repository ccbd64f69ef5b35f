"""Platform administration: usage statistics, the admin list and the audit log.

Needs a platform admin's key in CHATSERVER_API_KEY (an emulator started without
--admin-key treats every caller as an admin).
"""

from __future__ import annotations

import sys
from datetime import datetime

from chatserver_sdk import ChatServerClient
from chatserver_sdk.exceptions import ForbiddenError


def when(timestamp: datetime | str | None) -> str:
    # Timestamps are datetimes, or the server's own text when it is not ISO 8601.
    return timestamp.strftime("%Y-%m-%d %H:%M:%S") if isinstance(timestamp, datetime) else str(timestamp)


def main() -> None:
    with ChatServerClient() as client:
        try:
            stats = client.platform.stats()
        except ForbiddenError as error:
            sys.exit(f"{error.message}: set CHATSERVER_API_KEY to a platform admin's key")

        print(f"Total users: {stats.total_users} (active: {stats.active_users})")
        print(f"Total requests: {stats.total_requests} (today: {stats.requests_today})")
        print(f"Total tokens: {stats.total_tokens}")
        health = stats.system_health
        print(f"Health: {health.status}, agents: {', '.join(health.active_agents)}")

        client.platform.admins.add(
            workos_id="user_01EXAMPLEADA", email="ada@example.com", name="Ada Lovelace"
        )
        admins = client.platform.admins.list()
        print(f"Platform admins: {admins.count}")
        for admin in admins.admins:
            print(f"  {admin.email} ({admin.name or 'no name'})")
        removed = client.platform.admins.remove("ada@example.com")
        print(f"Removed admin: {removed.email}")

        audit_log = client.platform.audit.list(limit=20)
        print(f"Audit log ({audit_log.count} entries):")
        for entry in audit_log.entries:
            print(f"  [{when(entry.timestamp)}] {entry.action}: {entry.resource} {entry.resource_id or ''}")


if __name__ == "__main__":
    main()
