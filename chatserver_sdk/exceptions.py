"""Exceptions raised by the ChatServer clients: classes only (the factories are in ``_errors.py``).

::

    ChatServerError (openai.OpenAIError)
      APIError (openai.APIError)
        APIStatusError (openai.APIStatusError)         the server answered 4xx/5xx
          BadRequestError 400 · UnauthorizedError 401 · ForbiddenError 403 · NotFoundError 404
          ConflictError 409 · UnprocessableEntityError 422 · RateLimitError 429
          InternalServerError >= 500
        APIConnectionError (openai.APIConnectionError)  no (whole) answer
          APITimeoutError (openai.APITimeoutError)
            DeadlineExceededError                       the call's deadline= passed
            IdleTimeoutError                            a stream was silent too long
          IncompleteStreamError                         a stream cut before [DONE]
          TurnOutcomeUnknownError                       an agent turn's answer was lost; it may run on
        StreamError                                     the server reported an error mid-stream
        ResponseValidationError (openai.APIResponseValidationError)  2xx, but not the expected body
      UnsupportedParameterError (ValueError)            nothing sent: the server would ignore it
      UnsupportedEndpointError (NotImplementedError)    nothing sent: a ChatServer has no such route
      SessionBusyError (TimeoutError)                   another turn on the session did not end in time
      AgentReportedError                                the agent sent an error-level agent_error event

Every class that has an openai counterpart is also that openai exception, so
code written against either SDK keeps catching what it expects
(``UnauthorizedError`` is ``openai.AuthenticationError``, ``ForbiddenError``
``openai.PermissionDeniedError``; both names are here too).

``e.message`` is the server's own words, whatever body shape carried them, cut
to a readable length, with any credential the request carried (or the server
echoed back) redacted. For an OpenAI-shaped body (``{"error": {"message",
"type", "code", "param"}}``) ``e.body`` is the inner object and ``e.code``,
``e.type`` and ``e.param`` are set, exactly as openai does.

Exceptions pickle (a worker process can raise them to its parent) and neither a
pickle nor a ``repr`` holds a credential. The earlier ChatServer SDK built these
as ``BadRequestError(message, status_code, response)`` and read ``.message``,
``.status_code`` and ``.response`` on every one, the base ``ChatServerError``
included; both still work.
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx2
import openai

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AgentReportedError",
    "AuthenticationError",
    "BadRequestError",
    "ChatServerError",
    "ConflictError",
    "DeadlineExceededError",
    "ForbiddenError",
    "IdleTimeoutError",
    "IncompleteStreamError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseValidationError",
    "SessionBusyError",
    "StreamError",
    "TurnOutcomeUnknownError",
    "UnauthorizedError",
    "UnprocessableEntityError",
    "UnsupportedEndpointError",
    "UnsupportedParameterError",
]


class ChatServerError(openai.OpenAIError):
    """Base class of every error this SDK raises.

    ``ChatServerError(message, status_code=None, response=None)`` is the earlier
    SDK's constructor; the subclasses below take openai's.
    """

    message: str = ""
    # Any: the subclasses narrow these as openai's do (an int status, an httpx2 response).
    status_code: Any = None
    response: Any = None

    def __init__(self, message: str = "", status_code: int | None = None, response: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.response = response

    def __reduce__(self) -> tuple[Any, ...]:
        # The default reduce calls cls(*args), which the keyword-only openai constructors refuse,
        # and would copy the request's Authorization header: see _errors.pickled_state.
        from ._errors import pickled_state, rebuild

        return (rebuild, (type(self), str(self), pickled_state(self)))


class APIError(ChatServerError, openai.APIError):
    """An error tied to a request the SDK sent."""

    request: httpx2.Request
    """The request, without the headers that could hold a credential."""

    def __init__(self, message: str, request: httpx2.Request, *, body: object | None) -> None:
        from ._errors import bounded, redact, safe_request, secrets_of

        # A server may echo the key back: whatever the error shows is redacted, and the request it
        # keeps has no Authorization header, whatever the openai version.
        secrets = secrets_of(request)
        openai.APIError.__init__(self, bounded(redact(message, secrets)), request, body=redact(body, secrets))
        self.request = safe_request(self.request)


class APIStatusError(APIError, openai.APIStatusError):
    """The server answered with a 4xx or 5xx status.

    Takes openai's ``(message, *, response, body)`` or the earlier SDK's
    ``(message, status_code, response)``.
    """

    default_status: ClassVar[int | None] = None
    hint: str = ""
    """What the SDK adds to the server's words, also at the end of ``message``: the likely cause of
    a bare answer (``Internal Server Error``, ``Not Found``) for the call it made, or the fix."""

    def __init__(
        self,
        message: str,
        status_code: int | None = None,
        response: Any = None,
        *,
        body: object | None = None,
    ) -> None:
        if isinstance(response, httpx2.Response):
            from ._errors import safe_response

            APIError.__init__(self, message, response.request, body=body)
            # Through __dict__, as below: openai's classes declare (and type) these attributes.
            vars(self).update(
                response=safe_response(response, self.request),
                status_code=response.status_code,
                request_id=response.headers.get("x-request-id"),
            )
            return
        # The earlier SDK's form: no httpx response (perhaps a requests one), maybe no status.
        Exception.__init__(self, message)
        status = status_code if status_code is not None else getattr(response, "status_code", None)
        # Through __dict__: these are openai's attributes, declared (and typed) by openai's classes.
        vars(self).update(
            message=message,
            body=body,
            code=None,
            param=None,
            type=None,
            response=response,
            request_id=None,
            status_code=status if isinstance(status, int) else (self.default_status or 0),
        )


class BadRequestError(APIStatusError, openai.BadRequestError):
    """HTTP 400; also ``openai.BadRequestError``."""

    default_status: ClassVar[int | None] = 400


class UnauthorizedError(APIStatusError, openai.AuthenticationError):
    """HTTP 401; also ``openai.AuthenticationError``."""

    default_status: ClassVar[int | None] = 401


class ForbiddenError(APIStatusError, openai.PermissionDeniedError):
    """HTTP 403; also ``openai.PermissionDeniedError``."""

    default_status: ClassVar[int | None] = 403


class NotFoundError(APIStatusError, openai.NotFoundError):
    """HTTP 404; also ``openai.NotFoundError``."""

    default_status: ClassVar[int | None] = 404


class ConflictError(APIStatusError, openai.ConflictError):
    """HTTP 409; also ``openai.ConflictError``."""

    default_status: ClassVar[int | None] = 409


class UnprocessableEntityError(APIStatusError, openai.UnprocessableEntityError):
    """HTTP 422; also ``openai.UnprocessableEntityError``."""

    default_status: ClassVar[int | None] = 422


class RateLimitError(APIStatusError, openai.RateLimitError):
    """HTTP 429; also ``openai.RateLimitError``."""

    default_status: ClassVar[int | None] = 429


class InternalServerError(APIStatusError, openai.InternalServerError):
    """HTTP 500 and above; also ``openai.InternalServerError``."""

    default_status: ClassVar[int | None] = 500


# openai's names for the same classes, for code that already uses them.
AuthenticationError = UnauthorizedError
PermissionDeniedError = ForbiddenError


class APIConnectionError(APIError, openai.APIConnectionError):
    """The server could not be reached, or the connection broke before the whole answer came."""

    def __init__(self, *, message: str = "Connection error.", request: httpx2.Request) -> None:
        APIError.__init__(self, message, request, body=None)


class APITimeoutError(APIConnectionError, openai.APITimeoutError):
    """The request timed out (after any retries)."""

    def __init__(self, request: httpx2.Request, *, message: str = "Request timed out.") -> None:
        APIConnectionError.__init__(self, message=message, request=request)


class DeadlineExceededError(APITimeoutError, TimeoutError):
    """The call took longer than its ``deadline=`` (seconds for the whole call, not per read).
    Also the builtin ``TimeoutError``."""

    def __init__(self, request: httpx2.Request, *, deadline: float, message: str) -> None:
        super().__init__(request, message=message)
        self.deadline = deadline


class IdleTimeoutError(APITimeoutError, TimeoutError):
    """A stream (or an agent wait) received no event for ``idle_timeout`` seconds.
    Also the builtin ``TimeoutError``."""

    def __init__(self, request: httpx2.Request, *, idle_timeout: float, message: str) -> None:
        super().__init__(request, message=message)
        self.idle_timeout = idle_timeout


class IncompleteStreamError(APIConnectionError):
    """A completion stream ended before the server's ``[DONE]`` marker, because the
    connection closed or broke: the answer is cut short."""

    def __init__(self, *, request: httpx2.Request, received_chunks: int, cause: str | None = None) -> None:
        how = f" (the connection broke: {cause})" if cause else ""
        super().__init__(
            message=f"Stream ended before [DONE] after {received_chunks} chunk(s){how}; "
            "the answer is incomplete.",
            request=request,
        )
        self.received_chunks = received_chunks


class TurnOutcomeUnknownError(APIConnectionError):
    """An agent turn's answer was lost after the request reached the server, and the stored session
    holds the turn's message but no reply yet: the agent may still be running. Nothing was resent.

    ``session_id`` is the session; ``stored`` the messages it holds (``role``/``content`` dicts).
    Read the session again later (``client.sessions.retrieve``) to see the reply.
    """

    def __init__(
        self, *, request: httpx2.Request, message: str, session_id: str, stored: list[dict[str, str]]
    ) -> None:
        super().__init__(message=message, request=request)
        self.session_id = session_id
        self.stored = stored


class StreamError(APIError):
    """The server reported an error inside a stream that had already started (HTTP 200)."""

    response: httpx2.Response
    status_code: int

    def __init__(self, message: str, *, response: httpx2.Response, body: object) -> None:
        from ._errors import safe_response

        super().__init__(message, response.request, body=body)
        self.response = safe_response(response, self.request)
        self.status_code = response.status_code


class ResponseValidationError(APIError, openai.APIResponseValidationError):
    """The server answered 2xx with a body that is not what the call returns
    (not JSON, cut short, HTML, an error object, or a chunk of the wrong shape)."""

    response: httpx2.Response
    status_code: int

    def __init__(self, response: httpx2.Response, body: object | None, *, message: str | None = None) -> None:
        from ._errors import safe_response

        APIError.__init__(
            self, message or "Data returned by API invalid for expected schema.", response.request, body=body
        )
        self.response = safe_response(response, self.request)
        self.status_code = response.status_code


class UnsupportedParameterError(ChatServerError, ValueError):
    """A chat-completion parameter a ChatServer would silently ignore; nothing was sent.

    ``parameter`` names it and ``value`` is what was given; the message says what to do instead.
    A client made with ``send_unsupported_params=True`` sends such parameters anyway.
    """

    def __init__(self, parameter: str, value: object, advice: str) -> None:
        # A short value helps ("n=2"); a list of tool schemas cut mid-repr does not.
        shown = f"={value!r}" if isinstance(value, (int, float, str)) and len(repr(value)) <= 30 else ""
        super().__init__(f"{parameter}{shown}: a ChatServer does not read it and would ignore it. {advice}.")
        self.parameter = parameter
        self.value = value


class UnsupportedEndpointError(ChatServerError, NotImplementedError):
    """An inherited openai method whose route a ChatServer does not serve; nothing was sent."""

    def __init__(self, name: str, advice: str) -> None:
        super().__init__(f"{name}: a ChatServer does not serve this openai API. {advice}")
        self.name = name


class SessionBusyError(ChatServerError, TimeoutError):
    """Another turn on the same session (from this client) did not end within the wait allowed."""

    def __init__(self, session_id: str, waited: float) -> None:
        super().__init__(
            f"session {session_id}: another turn on it is still running after {waited:g} s. Turns on one "
            "session run one at a time; wait for it (or raise session_wait=) and send again."
        )
        self.session_id = session_id


class AgentReportedError(ChatServerError):
    """The agent reported an error (an ``agent_error`` event at level ``error``) during a wait."""

    def __init__(self, message: str, *, level: str, event: object) -> None:
        super().__init__(f"the agent reported an error: {message}")
        self.level = level
        self.event = event
