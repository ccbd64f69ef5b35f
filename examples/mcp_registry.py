"""The MCP server registry: register servers for an organisation and a user, change one, remove both."""

from __future__ import annotations

from chatserver_sdk import ChatServerClient, MCPServer

ORG_ID = "00000000-0000-0000-0000-0000000000aa"  # the registry's ids are UUIDs
USER_ID = "00000000-0000-0000-0000-000000000001"


def show(servers: list[MCPServer]) -> None:
    for server in servers:
        scope = server.scope.type.value if server.scope else "?"
        state = "enabled" if server.enabled else "disabled"
        print(f"  {server.name:<8} {scope:<12} {server.auth_type:<6} {state:<8} {server.endpoint}")


def main() -> None:
    with ChatServerClient() as client:
        docs = client.mcp_servers.create(
            name="docs",
            endpoint="https://mcp.example.com/docs",
            scope={"type": "organization", "organization_id": ORG_ID},
            auth_type="bearer",
            bearer_token="sk-docs-token",
        )
        # The server keeps the token and never sends it back.
        print(f"Registered {docs.name} ({docs.id}), auth {docs.auth_type}")
        scratch = client.mcp_servers.create(
            name="scratch",
            endpoint="https://mcp.example.com/scratch",
            scope={"type": "user", "user_id": USER_ID},
        )
        print(f"Registered {scratch.name} ({scratch.id})")

        print("Visible to the organisation and the user:")
        show(client.mcp_servers.list(ORG_ID, user_id=USER_ID).items)

        client.mcp_servers.update(docs.id, enabled=False)  # only the named fields change
        print("After disabling docs (lists show enabled servers only):")
        show(client.mcp_servers.list(ORG_ID, user_id=USER_ID).items)

        for server in (docs, scratch):
            client.mcp_servers.delete(server.id)
        remaining = client.mcp_servers.list(ORG_ID, user_id=USER_ID).items
        print(f"After deleting both: {len(remaining)} server(s)")


if __name__ == "__main__":
    main()
