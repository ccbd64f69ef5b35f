"""LangChain's standard chat-model tests (``langchain-tests``) on ``ChatOpenAI`` over our clients.

``ChatOpenAI`` gets a :class:`ChatServerClient` as its ``root_client`` (and the
async twin as ``root_async_client``), so every request LangChain makes goes
through this SDK (each test checks that it did). The suite runs twice: against
the emulator and against upstream's own server. The capability flags say what a
ChatServer supports, read from upstream's request model
(``schemas/openai.py``): text messages with an optional ``name``,
``temperature``, ``max_tokens``, ``top_p``, ``stream``, ``user``,
``system_prompt`` and ``metadata`` -- no ``tools``, no ``response_format``, no
image, audio or PDF parts. Usage comes back on every reply, streamed or not.
The tests those flags turn off skip with LangChain's own reasons; the README
lists them.

``langchain-tests`` and ``pytest-benchmark`` (its VCR timing test asks for the
fixture before it skips) are in the ``dev`` extra.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx2
import pytest

from chatserver_sdk import AsyncChatServerClient, ChatServerClient
from chatserver_sdk._parameters import UnsupportedParameterError
from chatserver_sdk.emulator import run_emulator

try:
    from langchain_tests.integration_tests import ChatModelIntegrationTests
except ImportError:  # pragma: no cover - depends on the environment
    reason = "langchain-tests is not installed: pip install -e '.[dev]'"
    if os.environ.get("CI"):
        raise ImportError(f"{reason} (CI must run LangChain's standard tests)") from None
    pytest.skip(reason, allow_module_level=True)

from langchain_core.language_models import BaseChatModel
from langchain_openai import ChatOpenAI

from ..servers import UpstreamServer

# Every scenario runs against live servers (upstream's and the emulator).
pytestmark = pytest.mark.slow

MODEL = "claude-3-haiku"
OTHER_MODEL = "claude-3-5-sonnet"


class _Requests:
    """The requests an HTTP client sent, to show LangChain's calls went through ours."""

    def __init__(self) -> None:
        self.seen: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> None:
        self.seen.append(request)


@pytest.fixture(scope="module")
def emulator_url() -> Iterator[str]:
    with run_emulator() as url:
        yield url


class ChatServerStandardTests(ChatModelIntegrationTests):
    """The standard suite with our clients as ``ChatOpenAI``'s, against the server at ``server_url``."""

    @pytest.fixture
    def server_url(self) -> str:
        raise NotImplementedError

    # Fresh clients per test: an async connection pool belongs to one event loop.
    @pytest.fixture(autouse=True)
    async def _clients(self, server_url: str) -> AsyncIterator[None]:
        self.requests = _Requests()
        hooks = {"request": [self.requests]}

        async def record(request: httpx2.Request) -> None:
            self.requests(request)

        with ChatServerClient(base_url=server_url, http_client=httpx2.Client(event_hooks=hooks)) as client:
            async with AsyncChatServerClient(
                base_url=server_url, http_client=httpx2.AsyncClient(event_hooks={"request": [record]})
            ) as async_client:
                self._sync_client = client
                self._async_client = async_client
                yield
        sent = [f"{request.method} {request.url.path}" for request in self.requests.seen]
        assert all(path.endswith("/v1/chat/completions") for path in sent), sent
        assert all(
            request.headers["User-Agent"].startswith("chatserver-sdk/") for request in self.requests.seen
        )

    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        return ChatOpenAI

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {
            "model": MODEL,
            # ChatOpenAI builds its own clients unless given both the root client and its completions.
            "root_client": self._sync_client,
            "client": self._sync_client.chat.completions,
            "root_async_client": self._async_client,
            "async_client": self._async_client.chat.completions,
            # The server reports usage on the last chunk of every stream.
            "stream_usage": True,
        }

    # --- what a ChatServer supports (upstream's schemas/openai.py) ---

    @property
    def has_tool_calling(self) -> bool:
        return False  # no `tools` in the request: the server's agent runs its own tools

    @property
    def has_tool_choice(self) -> bool:
        return False

    @property
    def has_structured_output(self) -> bool:
        return False  # needs tools or `response_format`

    @property
    def supports_json_mode(self) -> bool:
        return False  # no `response_format`

    @property
    def supports_image_inputs(self) -> bool:
        return False  # content parts are text only

    @property
    def supports_image_urls(self) -> bool:
        return False

    @property
    def supports_pdf_inputs(self) -> bool:
        return False

    @property
    def supports_audio_inputs(self) -> bool:
        return False

    @property
    def supports_video_inputs(self) -> bool:
        return False

    @property
    def supports_image_tool_message(self) -> bool:
        return False

    @property
    def supports_pdf_tool_message(self) -> bool:
        return False

    @property
    def supports_anthropic_inputs(self) -> bool:
        return False

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def supports_model_override(self) -> bool:
        return True  # any model the server lists, per request

    @property
    def model_override_value(self) -> str:
        return OTHER_MODEL

    # LangChain's way to record a standard test an integration fails on purpose.
    @pytest.mark.xfail(
        reason="a ChatServer ignores `stop`, so the SDK refuses stop=['you'] (UnsupportedParameterError) "
        "rather than return text as if it had stopped there; the standard test expects the call to succeed",
        raises=UnsupportedParameterError,
        strict=True,
    )
    def test_stop_sequence(self, model: BaseChatModel) -> None:
        super().test_stop_sequence(model)


class TestStandardOnTheEmulator(ChatServerStandardTests):
    @pytest.fixture
    def server_url(self, emulator_url: str) -> str:
        return emulator_url


class TestStandardOnUpstream(ChatServerStandardTests):
    # No reset per test: these tests keep no history, and test_stream_time replays a
    # (missing) cassette before it skips, so it must make no request while it sets up.
    @pytest.fixture
    def server_url(self, upstream_session: UpstreamServer) -> str:
        return upstream_session.base_url


async def test_langchain_calls_go_through_our_clients(emulator_url: str) -> None:
    requests = _Requests()

    async def record(request: httpx2.Request) -> None:
        requests(request)

    sync_http = httpx2.Client(event_hooks={"request": [requests]})
    async_http = httpx2.AsyncClient(event_hooks={"request": [record]})
    async with AsyncChatServerClient(base_url=emulator_url, http_client=async_http) as async_client:
        with ChatServerClient(base_url=emulator_url, http_client=sync_http) as client:
            llm = ChatOpenAI(  # type: ignore[call-arg]
                model=MODEL,
                root_client=client,
                client=client.chat.completions,
                root_async_client=async_client,
                async_client=async_client.chat.completions,
            )
            assert llm.invoke("Hello").content == "Echo (turn 1): Hello"
            assert (await llm.ainvoke("Again")).content == "Echo (turn 1): Again"
    assert [request.url.path for request in requests.seen] == ["/v1/chat/completions"] * 2
    assert all(request.headers["User-Agent"].startswith("chatserver-sdk/") for request in requests.seen)
