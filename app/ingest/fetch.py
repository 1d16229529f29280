"""The HTTP edge of ingestion: conditional GET, bounded bodies and redirects, polite retries.

Only HTTP lives here: no parsing, no database. Callers hand the bytes to a parser and the
validators (ETag, Last-Modified) to the store.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

MAX_REDIRECTS = 5
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# A single wait longer than this is not slept through: the error carries Retry-After instead,
# so the poller can schedule the source later rather than hold a worker.
MAX_RETRY_WAIT_SECONDS = 300.0
BACKOFF_BASE_SECONDS = 2.0


class FetchError(Exception):
    """Any failure to get a document; the message is one line naming the URL."""

    def __init__(self, url: str, detail: str, *, attempts: int = 1) -> None:
        super().__init__(url, detail)
        self.url = url
        self.detail = detail
        self.attempts = attempts

    def __str__(self) -> str:
        tries = f" (after {self.attempts} attempts)" if self.attempts > 1 else ""
        return f"GET {self.url}: {self.detail}{tries}"


class FetchHTTPError(FetchError):
    """The server kept answering 429 or 5xx; `retry_after_seconds` is its last Retry-After."""

    def __init__(
        self, url: str, status_code: int, retry_after_seconds: float | None = None
    ) -> None:
        detail = f"HTTP {status_code}"
        if retry_after_seconds is not None:
            detail += f", Retry-After {retry_after_seconds:g} s"
        super().__init__(url, detail)
        self.status_code = status_code
        self.retry_after_seconds = retry_after_seconds


class FetchTimeoutError(FetchError):
    """Connecting or reading took longer than the client's timeouts."""


class FetchConnectionError(FetchError):
    """The connection could not be made or broke (refused, reset, DNS failure)."""


class BodyTooLargeError(FetchError):
    """The body passed the byte cap; reading stopped there."""


class TooManyRedirectsError(FetchError):
    """The server redirected more than MAX_REDIRECTS times (usually a loop)."""


@dataclass(frozen=True)
class FetchResult:
    """A fetched document, or a 304, with the validators to send next time."""

    status_code: int
    body: bytes
    not_modified: bool
    etag: str | None
    last_modified: str | None
    max_age_seconds: int | None
    final_url: str
    elapsed_seconds: float
    attempts: int


def make_client(
    user_agent: str, *, connect_timeout: float = 10.0, read_timeout: float = 30.0
) -> httpx.Client:
    """An HTTP/1.1 client with one connection (arXiv asks for a single one) and our User-Agent."""
    return httpx.Client(
        headers={"User-Agent": user_agent},
        timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        http1=True,
        http2=False,
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
    )


def host_group(url: str) -> str:
    """The rate-limit group of a URL: every arXiv host is one group (its limit spans them all)."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if host == "arxiv.org" or host.endswith(".arxiv.org"):
        return "arxiv"
    return host


def fetch_document(
    client: httpx.Client,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    retries: int = 3,
    sleep: Callable[[float], None] = time.sleep,
    rng: Callable[[], float] = random.random,
    before_request: Callable[[], None] | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> FetchResult:
    """GET `url` conditionally, retrying 429/5xx and network failures up to `retries` more times.

    Any other status, 4xx included, is returned, not raised: arXiv sends its error feeds as
    HTTP 400 with a parseable body, so the caller decides. `before_request` runs before every
    request (each attempt and each redirect hop) so the rate limiter spaces them all.
    """
    headers = conditional_headers(etag, last_modified)
    started = time.monotonic()
    for attempt in range(1, retries + 2):
        try:
            response, body = _attempt(client, url, headers, max_bytes, before_request)
        except FetchError as error:
            error.attempts = attempt
            if not _is_retryable_error(error) or attempt > retries:
                raise
            wait = backoff_seconds(attempt, rng)
        else:
            if not is_retryable_status(response.status_code):
                return _result(response, body, etag, last_modified, started, attempt)
            retry_after = parse_retry_after(response.headers.get("Retry-After"), clock())
            error = FetchHTTPError(url, response.status_code, retry_after)
            error.attempts = attempt
            wait = retry_after if retry_after is not None else backoff_seconds(attempt, rng)
            if attempt > retries or wait > MAX_RETRY_WAIT_SECONDS:
                raise error
        sleep(min(wait, MAX_RETRY_WAIT_SECONDS))
    raise AssertionError("unreachable: the loop returns or raises")


def conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    """Validators echoed verbatim, as RFC 9110 §13.1.2 and §13.1.3 ask of clients."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def is_retryable_status(status_code: int) -> bool:
    """429 (slow down) and every 5xx (503 is arXiv's OAI-PMH flow control) are worth retrying."""
    return status_code == 429 or 500 <= status_code <= 599


def _is_retryable_error(error: FetchError) -> bool:
    return isinstance(error, FetchTimeoutError | FetchConnectionError)


def backoff_seconds(attempt: int, rng: Callable[[], float]) -> float:
    """Exponential backoff with jitter: between half and all of 2 s, 4 s, 8 s, …"""
    ceiling = BACKOFF_BASE_SECONDS * 2 ** (attempt - 1)
    return ceiling * (0.5 + rng() / 2)


def _attempt(
    client: httpx.Client,
    url: str,
    headers: dict[str, str],
    max_bytes: int,
    before_request: Callable[[], None] | None,
) -> tuple[httpx.Response, bytes]:
    """One attempt: the request (redirects followed) and its capped body, httpx errors mapped."""
    try:
        response = _send_following_redirects(client, url, headers, before_request)
        try:
            if response.status_code == 304 or is_retryable_status(response.status_code):
                return response, b""
            return response, _read_capped(response, url, max_bytes)
        finally:
            response.close()
    except httpx.TimeoutException as exc:
        raise FetchTimeoutError(url, f"timed out ({type(exc).__name__})") from exc
    except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
        raise FetchConnectionError(url, f"connection failed ({_describe(exc)})") from exc
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise FetchError(url, f"request failed ({_describe(exc)})") from exc


def _send_following_redirects(
    client: httpx.Client,
    url: str,
    headers: dict[str, str],
    before_request: Callable[[], None] | None,
) -> httpx.Response:
    """Follow redirects by hand so each hop passes `before_request` (arXiv counts every request)."""
    request = client.build_request("GET", url, headers=headers)
    for _hop in range(client.max_redirects + 1):
        if before_request is not None:
            before_request()
        response = client.send(request, stream=True, follow_redirects=False)
        if response.next_request is None:
            return response
        response.close()
        request = response.next_request
    raise TooManyRedirectsError(url, f"more than {client.max_redirects} redirects")


def _read_capped(response: httpx.Response, url: str, max_bytes: int) -> bytes:
    """Stream the body and stop as soon as it passes `max_bytes` (decoded bytes, so gzip counts)."""
    declared = _content_length(response)
    if declared is not None and declared > max_bytes:
        raise BodyTooLargeError(url, f"Content-Length {declared} exceeds the {max_bytes}-byte cap")
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_bytes():
        total += len(chunk)
        if total > max_bytes:
            raise BodyTooLargeError(url, f"body passed the {max_bytes}-byte cap")
        chunks.append(chunk)
    return b"".join(chunks)


def _content_length(response: httpx.Response) -> int | None:
    try:
        return int(response.headers["Content-Length"])
    except (KeyError, ValueError):
        return None


def _result(
    response: httpx.Response,
    body: bytes,
    sent_etag: str | None,
    sent_last_modified: str | None,
    started: float,
    attempts: int,
) -> FetchResult:
    """The result; a 304 that omits a validator keeps the one we sent, so the store keeps it."""
    not_modified = response.status_code == 304
    etag = response.headers.get("ETag")
    last_modified = response.headers.get("Last-Modified")
    if not_modified:
        etag = etag or sent_etag
        last_modified = last_modified or sent_last_modified
    return FetchResult(
        status_code=response.status_code,
        body=body,
        not_modified=not_modified,
        etag=etag,
        last_modified=last_modified,
        max_age_seconds=parse_max_age(response.headers.get("Cache-Control")),
        final_url=str(response.url),
        elapsed_seconds=time.monotonic() - started,
        attempts=attempts,
    )


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait for a Retry-After: delay-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        return _seconds_until_http_date(value, now)
    if math.isfinite(seconds) and seconds >= 0:
        return seconds
    return None


def _seconds_until_http_date(value: str, now: datetime) -> float | None:
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())


def parse_max_age(cache_control: str | None) -> int | None:
    """The max-age of a Cache-Control header (arXiv's RSS sets it to the next announcement)."""
    if not cache_control:
        return None
    for directive in cache_control.split(","):
        name, _, argument = directive.strip().partition("=")
        if name.strip().lower() != "max-age":
            continue
        argument = argument.strip().strip('"')
        return int(argument) if argument.isdigit() else None
    return None


def _describe(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
