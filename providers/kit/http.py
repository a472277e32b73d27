"""The one HTTP path every provider uses.

A single shared AsyncClient, a cap on requests in flight, a 10 s limit on every request
from when it is sent (including a server that stalls half way through a body), a cap on
body size, origin overrides, and the mapping from whatever went wrong to a Status plus one
sentence a person can act on.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import ssl
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from providers import __version__
from providers.kit.decoding import ACCEPT_ENCODING, BodyDecoder, DecodingProblem, TooLarge
from providers.kit.secrets import scrub
from providers.model import Status

REQUEST_TIMEOUT = 10.0
# Requests on the wire at once, over every provider ([refresh] max_in_flight): the session's
# semaphore and the client's connection pool are both this size, so a request never waits in
# httpx's pool, whose queue handling grows with queued × connections.
MAX_IN_FLIGHT = 32
MAX_BODY_BYTES = 2_000_000
# The longest wait a server may ask for (Retry-After); see parse_retry_after.
MAX_RETRY_AFTER = 86400.0
USER_AGENT = f"aiquota-tui/{__version__}"


class FetchError(Exception):
    """A request that did not produce the answer we wanted, already put into words."""

    def __init__(
        self,
        status: Status,
        message: str,
        *,
        http_status: int | None = None,
        retry_after: float | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(scrub(message))
        self.status = status
        self.message = scrub(message)
        self.http_status = http_status
        self.retry_after = retry_after
        # The decoded JSON error body, for providers whose errors carry meaning there.
        self.body = body


# (decoded body, HTTP status or None for a 2xx, Retry-After) → the error it reports, or None.
BodyCheck = Callable[[Any, int | None, float | None], "FetchError | None"]


def said(words: str | None) -> str | None:
    """The service's own words as every error sentence shows them: in double quotes (they must
    have come through providers.secrets.quote). None when it gave none."""
    return f'"{words}"' if words else None


def sentence(head: str, aside: Iterable[str | None] = (), tail: str | None = None) -> str:
    """The one layout of an error sentence: "head (aside, …): tail", where the aside says what
    happened (HTTP 401, the service's words) and the tail the remedy or the service's words.
    The brackets or the colon are left out when there is nothing to put there."""
    shown = [part for part in aside if part]
    return head + (f" ({', '.join(shown)})" if shown else "") + (f": {tail}" if tail else "")


def error_from_body(
    status: Status,
    head: str,
    aside: Iterable[str | None] = (),
    tail: str | None = None,
    *,
    body: Any = None,
    http_status: int | None = None,
    retry_after: float | None = None,
) -> FetchError:
    """An error a service reported in its answer's body, as "head (aside, …): tail".

    The provider decides all that differs between services: the status (which codes or
    words mean a bad key or a rate limit), the head, and the tail (the remedy, or the
    service's own words). This only lays the sentence out the same way for all of them,
    leaving out the brackets or the colon when there is nothing to put there. The
    service's words must come through providers.secrets.quote first: FetchError scrubs
    the sentence again, but only quote keeps them to one short line.
    http_status None means the body came with a 2xx; it is recorded as 200.
    """
    return FetchError(
        status,
        sentence(head, aside, tail),
        http_status=200 if http_status is None else http_status,
        retry_after=retry_after,
        body=body,
    )


def with_origin(url: str, origin: str | None) -> str:
    """Replace scheme, host and port of url with origin's; keep path and query."""
    if not origin:
        return url
    target = urlsplit(origin.strip())
    if not target.scheme or not target.netloc:
        return url
    parts = urlsplit(url)
    return urlunsplit((target.scheme, target.netloc, parts.path, parts.query, parts.fragment))


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds from now: either delta-seconds or an HTTP date.

    Always finite and within 0 … MAX_RETRY_AFTER: a server's "1e12", "inf" or a date in year
    9999 means "not soon", and a wait of a day says that; anything longer would overflow the
    scheduler's datetime arithmetic, and a day later the account is asked again anyway. "nan"
    and text that is neither form say nothing (None: the normal backoff applies).
    """
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        seconds = _seconds_until_http_date(value, now or datetime.now(UTC))
    return clamp_delay(seconds)


def clamp_delay(seconds: float | None) -> float | None:
    """A server-given wait made safe to schedule: None for NaN, else within 0 … a day."""
    if seconds is None or seconds != seconds:  # NaN (math.isnan raises on a huge int)
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER)


def _seconds_until_http_date(value: str, now: datetime) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - now).total_seconds()


def status_for_http(code: int) -> Status:
    if code == 401:
        return Status.AUTH_EXPIRED
    if code == 403:
        return Status.FORBIDDEN
    if code == 429:
        return Status.RATE_LIMITED
    return Status.ERROR


_DEFAULT_SENTENCES = {
    Status.AUTH_EXPIRED: "The service rejected the credentials (HTTP 401): sign in again",
    Status.FORBIDDEN: "The service refused access (HTTP 403)",
    Status.RATE_LIMITED: "Rate-limited by the service (HTTP 429): will retry later",
}


def make_client(
    transport: httpx.AsyncBaseTransport | None = None, max_in_flight: int = MAX_IN_FLIGHT
) -> httpx.AsyncClient:
    """The shared client; pass the HttpSession the same max_in_flight (one connection each)."""
    return httpx.AsyncClient(
        transport=transport,
        timeout=httpx.Timeout(REQUEST_TIMEOUT),
        # As many connections as requests may be in flight, all kept alive: the next round
        # reuses them instead of connecting again.
        limits=httpx.Limits(max_connections=max_in_flight, max_keepalive_connections=max_in_flight),
        # Only what providers.kit.decoding can undo in bounded steps (httpx would add br and zstd
        # when their packages happen to be installed).
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING},
        follow_redirects=False,
    )


@dataclass
class HttpSession:
    """What a provider's fetch gets: the shared client plus the origin override for its id.

    It also holds the one limit on requests in flight, shared by every provider: a request
    waits for a slot before it starts, and its 10 s begin only once it has one, so a thousand
    queued accounts never time out against a healthy server. An account that makes two
    requests in a row holds a slot for each in turn, never two at once. The client's pool
    must be at least this size (make_client with the same max_in_flight).
    """

    client: httpx.AsyncClient
    origins: Mapping[str, str]
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    max_in_flight: int = MAX_IN_FLIGHT
    # What a provider learns about a server for the rest of the run (Copilot: that a GitHub
    # server does not offer the AI-credit report, so each refresh asks the older one at once).
    # Keys are each provider's own tuples, starting with its id; never a secret.
    learned: dict[tuple[str, ...], Any] = field(default_factory=dict, repr=False)
    # Bound to the running loop on first use (Python ≥ 3.10), so it may be made outside one.
    _slots: asyncio.Semaphore = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._slots = asyncio.Semaphore(self.max_in_flight)

    def url(self, provider_id: str, url: str) -> str:
        return with_origin(url, self.origins.get(provider_id))

    async def request_json(
        self,
        provider_id: str,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        form: Mapping[str, str] | None = None,
        sentences: Mapping[Status, str] | None = None,
        body_error: BodyCheck | None = None,
    ) -> Any:
        """Send one request and return its decoded JSON, or raise FetchError.

        `body_error` is for services that report errors in the body (New API, Zhipu), under
        HTTP 200 or beside an HTTP error: it reads the decoded body, with the HTTP status (None
        for a 2xx) and Retry-After, and returns the better FetchError, or None when the body
        reports nothing.
        """
        target = self.url(provider_id, url)
        host = urlsplit(target).netloc or target
        try:
            request = self.client.build_request(
                method, target, headers=headers, json=json_body, data=form
            )
        except UnicodeEncodeError:
            # A header only carries ASCII: a token with other characters (from a file, or
            # sent back by a token endpoint) cannot be sent, and is no credential of this service.
            raise FetchError(
                Status.AUTH_EXPIRED,
                "the credential holds characters no HTTP request can carry: sign in again",
            ) from None
        try:
            async with self._slots, asyncio.timeout(REQUEST_TIMEOUT):
                response = await self.client.send(request, stream=True)
                try:
                    body = await _read_capped(response, host)
                finally:
                    await response.aclose()
        except (TimeoutError, httpx.TimeoutException):
            raise FetchError(
                Status.UNREACHABLE, f"{host} did not answer within {REQUEST_TIMEOUT:g} s"
            ) from None
        except httpx.ConnectError as error:
            raise FetchError(Status.UNREACHABLE, _connect_sentence(host, error)) from None
        except (httpx.TransportError, ssl.SSLError, OSError) as error:
            raise FetchError(Status.UNREACHABLE, _transport_sentence(host, error)) from None
        if body_error is None:
            return _decode(response, body, host, sentences or {})
        try:
            data = _decode(response, body, host, sentences or {})
        except FetchError as error:
            if error.http_status is None or error.body is None:
                raise
            better = body_error(error.body, error.http_status, error.retry_after)
            if better is None:
                raise
            raise better from None
        problem = body_error(data, None, None)
        if problem is not None:
            raise problem
        return data


async def _read_capped(response: httpx.Response, host: str) -> bytes:
    """The body, decoded, or FetchError when it is (or would decode to) more than 2 MB.

    The raw bytes are read and decoded here, not by httpx, whose decoders have no bound on
    what one chunk decodes to (providers.kit.decoding says why and how)."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise FetchError(
            Status.BAD_RESPONSE,
            f"the answer is {int(declared) // 1_000_000} MB, larger than any quota answer",
            http_status=response.status_code,
        )
    if response.is_stream_consumed:
        # Built in memory and read already (the demo's and the tests' httpx.MockTransport):
        # nothing came from a network, and the raw bytes are gone.
        if len(response.content) > MAX_BODY_BYTES:
            raise _too_large(response.status_code)
        return response.content
    try:
        decoder = BodyDecoder(response.headers.get("content-encoding"), MAX_BODY_BYTES)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_raw():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise TooLarge
            chunks.append(decoder.feed(chunk))
        decoder.finish()
    except TooLarge:
        unpacked = size <= MAX_BODY_BYTES and decoder.encoding is not None
        raise _too_large(response.status_code, unpacked=unpacked) from None
    except DecodingProblem as problem:
        raise FetchError(
            Status.BAD_RESPONSE,
            f"{host} sent an answer that {problem}",
            http_status=response.status_code,
        ) from None
    return b"".join(chunks)


def _too_large(code: int, *, unpacked: bool = False) -> FetchError:
    once = " once decompressed" if unpacked else ""
    return FetchError(
        Status.BAD_RESPONSE,
        f"the answer is larger than 2 MB{once}, larger than any quota answer",
        http_status=code,
    )


def _connect_sentence(host: str, error: Exception) -> str:
    text = str(error).lower()
    if "ssl" in text or "certificate" in text or "tls" in text:
        return f"secure connection to {host} failed (TLS/certificate problem)"
    if "name or service" in text or "nodename" in text or "getaddrinfo" in text:
        return f"cannot resolve {host}: offline or DNS failure"
    return f"cannot connect to {host}: offline or refused"


def _transport_sentence(host: str, error: Exception) -> str:
    """A connection that broke after it was made. The server's own words stay out."""
    text = str(error).lower()
    if isinstance(error, httpx.RemoteProtocolError):
        if "disconnect" in text or "closed" in text or "incomplete" in text:
            return f"{host} closed the connection before the answer was complete"
        return f"{host} did not answer in HTTP (is this the right address?)"
    if isinstance(error, (httpx.ReadError, httpx.WriteError, ConnectionError)):
        return f"connection to {host} was reset before the answer was complete"
    if isinstance(error, ssl.SSLError) or "ssl" in text or "tls" in text:
        return f"secure connection to {host} failed (TLS/certificate problem)"
    return f"connection to {host} failed ({type(error).__name__})"


def _try_json(body: bytes) -> tuple[bool, Any]:
    try:
        return True, json.loads(body.decode("utf-8-sig"))
    except (ValueError, RecursionError):  # bad UTF-8 or JSON, or an int of over 4300 digits
        return False, None


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decode(
    response: httpx.Response, body: bytes, host: str, sentences: Mapping[Status, str]
) -> Any:
    code = response.status_code
    parsed_ok, data = _try_json(body)
    if code >= 300:
        status = status_for_http(code)
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        sentence = sentences.get(status) or _DEFAULT_SENTENCES.get(status)
        if sentence is None:
            sentence = f"{host} answered HTTP {code}"
            if code >= 500:
                sentence += ": the service is having trouble, will retry later"
        raise FetchError(
            status,
            sentence,
            http_status=code,
            retry_after=retry_after,
            body=data if parsed_ok else None,
        )
    if not body.strip():
        raise FetchError(Status.BAD_RESPONSE, f"{host} sent an empty answer", http_status=code)
    if not parsed_ok:
        content_type = response.headers.get("content-type", "")
        if "html" in content_type or body.lstrip()[:1] == b"<":
            reason = "an HTML page instead of JSON (a login or challenge page?)"
        elif not _is_utf8(body):
            reason = "an answer that is not UTF-8 text, so not JSON"
        else:
            reason = "an answer that is not JSON"
        raise FetchError(Status.BAD_RESPONSE, f"{host} sent {reason}", http_status=code)
    return data
