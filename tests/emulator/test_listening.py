"""Where run_emulator listens: loopback by default; elsewhere only with a key, or when the caller means it."""

from __future__ import annotations

import httpx2
import pytest

from chatserver_sdk.emulator import create_app, run_emulator
from chatserver_sdk.emulator.guard import DEFAULT_ALLOWED_HOSTS
from chatserver_sdk.emulator.server import coherent_allowed_hosts, is_loopback, is_wildcard


def test_loopback_and_wildcard_hosts_are_told_apart() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("::") and not is_loopback("192.0.2.10")
    assert is_wildcard("0.0.0.0") and is_wildcard("::") and not is_wildcard("192.0.2.10")


@pytest.mark.parametrize(
    ("host", "added"),
    [("192.0.2.10", ("192.0.2.10",)), ("2001:db8::1", ("[2001:db8::1]",)), ("0.0.0.0", ()), ("::1", ())],
)
def test_the_address_bound_to_is_served_too(host: str, added: tuple[str, ...]) -> None:
    assert coherent_allowed_hosts(host, DEFAULT_ALLOWED_HOSTS) == (*DEFAULT_ALLOWED_HOSTS, *added)
    assert coherent_allowed_hosts(host, ["proxy.example"]) == ("proxy.example",)


@pytest.mark.slow
def test_listening_where_other_machines_reach_it_without_a_key_is_refused() -> None:
    with pytest.raises(ValueError) as refused, run_emulator(host="0.0.0.0"):
        pass
    message = str(refused.value)
    assert message.startswith("host '0.0.0.0' lets other machines reach the emulator")
    assert "api_keys=[...]" in message and "allow_open_access=True" in message and len(message) < 300
    # An app built without keys is refused the same way.
    with (
        pytest.raises(ValueError, match="lets other machines reach"),
        run_emulator(app=create_app(), host="::"),
    ):
        pass


@pytest.mark.slow
@pytest.mark.parametrize("options", [{"api_keys": ["k"]}, {"allow_open_access": True}], ids=["key", "asked"])
def test_listening_everywhere_with_a_key_or_when_asked(options: dict[str, object]) -> None:
    with run_emulator(host="0.0.0.0", **options) as base_url:  # type: ignore[arg-type]
        # The URL given is one this machine can use (0.0.0.0 is no address to connect to).
        assert base_url.startswith("http://127.0.0.1:")
        headers = {"Authorization": "Bearer k"}
        assert httpx2.get(f"{base_url}/health", headers=headers).status_code == 200


@pytest.mark.slow
@pytest.mark.chatserver_emulator(host="localhost")
def test_loopback_by_name_needs_nothing(chatserver_emulator: str) -> None:
    assert httpx2.get(f"{chatserver_emulator}/health").status_code == 200


@pytest.mark.slow
@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        (
            {"port": 70000},
            ValueError,
            "port must be a number from 0 to 65535 (0 picks a free one), got 70000",
        ),
        ({"port": "80"}, ValueError, "port must be a number from 0 to 65535 (0 picks a free one), got '80'"),
        ({"host": "no-such-host.invalid"}, OSError, "cannot listen on no-such-host.invalid:0: "),
    ],
    ids=["port-too-large", "port-a-string", "unknown-host"],
)
def test_where_it_cannot_listen_is_said_plainly(
    options: dict[str, object], error: type, message: str
) -> None:
    with pytest.raises(error) as raised, run_emulator(**options):  # type: ignore[arg-type]
        pass
    assert str(raised.value).startswith(message) or message in str(raised.value)
