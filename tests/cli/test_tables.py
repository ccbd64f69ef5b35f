"""Tables on narrow terminals: ids are never cut, titles are cut by display width and stay aligned."""

from __future__ import annotations

import re
import uuid

import pytest

from chatserver_sdk import ChatServerClient
from chatserver_sdk.cli._width import ELLIPSIS, width

from .helpers import on_terminal, run

pytestmark = pytest.mark.slow

MODEL = "claude-sonnet-4-5@20250929"
TITLES = [
    "A plain title that is long enough to be cut on any narrow terminal",
    "中文标题\uff1a关于分页的俳句\uff0c还有更多的文字让它变得更长",
    "Emoji 😀 and a coder 👩‍💻 and a flag 🇯🇵 and a heart ❤️ in a long title",
    "한국어 제목 and \uff46\uff55\uff4c\uff4c\uff57\uff49\uff44\uff54\uff48 letters, long enough to be cut",
    "short",
]
ROW = re.compile(
    r"^(?P<id>[0-9a-f-]{36})  (?P<title>.*?) +(?P<msgs>\d+) +(?P<tokens>\d+) +\d{4}-\d\d-\d\d \d\d:\d\d$"
)


@pytest.fixture
def sessions(chatserver_emulator: str) -> tuple[str, dict[str, str]]:
    """A user with one session per title: (user id, {session id: title})."""
    user = str(uuid.uuid4())
    with ChatServerClient(base_url=chatserver_emulator) as client:
        for title in TITLES:
            client.create_completion(model=MODEL, messages=[title], user=user)
        titles = {s.id: s.title or "" for s in client.list_sessions(user).sessions}
    assert sorted(titles.values()) == sorted(TITLES)
    return user, titles


@pytest.mark.parametrize("columns", [80, 100])
def test_sessions_list_on_a_narrow_terminal(
    chatserver_emulator: str, sessions: tuple[str, dict[str, str]], columns: int
) -> None:
    user, titles = sessions
    shown = on_terminal("sessions", "list", "--user-id", user, columns=columns, base_url=chatserver_emulator)
    assert shown.status == 0, shown.screen
    header, *lines = shown.screen.splitlines()
    assert header.split() == ["SESSION", "TITLE", "MSGS", "TOKENS", "LAST"]
    assert len(lines) == len(TITLES)
    starts = {width(header[: header.index("MSGS")])}
    cut = 0
    for line in lines:
        assert width(line) <= columns, line
        row = ROW.match(line)
        assert row, line
        assert row["id"] in titles  # whole: the value an operator copies
        title = row["title"].rstrip()
        if title.endswith(ELLIPSIS):
            cut += 1
            assert titles[row["id"]].startswith(title[:-1])
        else:
            assert title == titles[row["id"]]
        starts.add(width(line[: row.start("msgs")]))
    assert len(starts) == 1, f"the MSGS column moves: {starts}\n{shown.screen}"
    assert cut >= 4  # the long titles had to give way


def test_piped_tables_are_never_cut(chatserver_emulator: str, sessions: tuple[str, dict[str, str]]) -> None:
    user, _ = sessions
    done = run("sessions", "list", "--user-id", user, base_url=chatserver_emulator, COLUMNS="40")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()[1:]
    assert sorted(ROW.match(line)["title"].rstrip() for line in lines) == sorted(TITLES)  # type: ignore[index]
    # Aligned by display width, not by characters: the next column starts at one column everywhere.
    assert len({width(line[: ROW.match(line).start("msgs")]) for line in lines}) == 1  # type: ignore[union-attr]


@pytest.mark.chatserver_emulator(admin_keys=["sk-admin"])
def test_every_table_keeps_its_ids_whole(chatserver_emulator: str) -> None:
    org = str(uuid.uuid4())
    with ChatServerClient(base_url=chatserver_emulator, api_key="sk-admin") as client:
        client.add_admin(
            "wos-1", "someone.with.a.long.address@example.com", "名前がとても長い管理者さんのお名前です" * 2
        )
        created = client.create_mcp_server(
            "サーバー" * 10,
            "https://mcp.example.com/" + "path/" * 20,
            {"type": "organization", "organization_id": org},
        )
    key = {"CHATSERVER_API_KEY": "sk-admin"}
    admins = on_terminal("admins", "list", columns=80, base_url=chatserver_emulator, **key)
    assert re.search(r"^someone\.with\.a\.long\.address@example\.com  ", admins.screen, re.M), admins.screen
    assert "wos-1" in admins.screen or ELLIPSIS in admins.screen
    mcp = on_terminal("mcp", "list", "--org", org, columns=80, base_url=chatserver_emulator, **key)
    header, line = mcp.screen.splitlines()
    # Six columns do not fit 80 with the id whole: the free text gives way first, down to a minimum.
    assert line.startswith(f"{created.id}  サーバー{ELLIPSIS}") and ELLIPSIS in line.split()[-1], mcp.screen
    assert width(line[: line.index("organization")]) == width(header[: header.index("SCOPE")])
    models = on_terminal("models", columns=60, base_url=chatserver_emulator, **key)
    assert re.search(rf"^{re.escape(MODEL)} ", models.screen, re.M), models.screen


@pytest.mark.chatserver_emulator(admin_keys=["sk-admin"])
def test_the_audit_log_fits_an_80_column_terminal_with_its_ids_whole(chatserver_emulator: str) -> None:
    with ChatServerClient(base_url=chatserver_emulator, api_key="sk-admin") as client:
        created = client.mcp_servers.create("docs", "https://mcp.example.com/", {"type": "platform"})
        client.mcp_servers.update(created.id, enabled=False)
    key = {"CHATSERVER_API_KEY": "sk-admin"}
    shown = on_terminal("audit", "-n", "2", columns=80, base_url=chatserver_emulator, **key)
    lines = shown.screen.splitlines()
    assert all(width(line) <= 80 for line in lines), shown.screen
    # Fields that do not fit go on an indented line of their own; none is cut.
    assert re.search(
        rf"^\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d  mcp_server\.updated\n    mcp_server {created.id}  by key_\w+$",
        shown.screen,
        re.M,
    ), shown.screen
    piped = run("audit", "-n", "1", base_url=chatserver_emulator, **key)
    assert len(piped.stdout.splitlines()) == 1 and " by " in piped.stdout  # piped: one line per entry
