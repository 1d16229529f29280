"""fetch_document against a real loopback server through a real httpx client."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from app.ingest.fetch import (
    BodyTooLargeError,
    FetchConnectionError,
    FetchError,
    FetchHTTPError,
    FetchTimeoutError,
    TooManyRedirectsError,
    fetch_document,
    host_group,
    make_client,
    parse_max_age,
    parse_retry_after,
)
from tests.support.loopback import LoopbackServer, Response, refused_port

# Until tests/conftest.py imports it for everyone.


USER_AGENT = "AcademicHub/test (self-hosted research radar; mailto:test@example.org)"
ETAG = '"abc123"'
LAST_MODIFIED = "Thu, 28 Nov 2024 05:00:00 GMT"
FEED = b"<rss><channel><title>cs.AI updates on arXiv.org</title></channel></rss>"


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with make_client(USER_AGENT, connect_timeout=2.0, read_timeout=2.0) as client:
        yield client


@pytest.fixture
def sleeps() -> list[float]:
    """Recorded waits: passed as `sleep`, so no test really sleeps."""
    return []


def fetch(client: httpx.Client, url: str, sleeps: list[float], **kwargs):
    kwargs.setdefault("rng", lambda: 0.0)
    return fetch_document(client, url, sleep=sleeps.append, **kwargs)


def test_a_200_returns_the_body_and_its_validators(client, loopback_server, sleeps):
    url = loopback_server.add(
        "/rss/cs.AI",
        body=FEED,
        etag=ETAG,
        last_modified=LAST_MODIFIED,
        headers={"Cache-Control": "max-age=3600"},
    )

    result = fetch(client, url, sleeps)

    assert (result.status_code, result.body, result.not_modified) == (200, FEED, False)
    assert (result.etag, result.last_modified) == (ETAG, LAST_MODIFIED)
    assert result.max_age_seconds == 3600
    assert result.final_url == url
    assert result.attempts == 1
    assert result.elapsed_seconds >= 0
    assert sleeps == []


def test_the_next_fetch_is_conditional_and_a_304_means_not_modified(
    client, loopback_server, sleeps
):
    url = loopback_server.add("/rss/cs.AI", body=FEED, etag=ETAG, last_modified=LAST_MODIFIED)
    first = fetch(client, url, sleeps)

    second = fetch(client, url, sleeps, etag=first.etag, last_modified=first.last_modified)

    sent = loopback_server.requests[-1].headers
    assert sent["if-none-match"] == ETAG
    assert sent["if-modified-since"] == LAST_MODIFIED
    assert "if-none-match" not in loopback_server.requests[0].headers
    assert (second.status_code, second.not_modified, second.body) == (304, True, b"")
    assert (second.etag, second.last_modified) == (ETAG, LAST_MODIFIED)


def test_if_modified_since_alone_gets_a_304(client, loopback_server, sleeps):
    url = loopback_server.add("/feed", body=FEED, last_modified=LAST_MODIFIED)

    result = fetch(client, url, sleeps, last_modified=LAST_MODIFIED)

    assert result.not_modified
    assert "if-none-match" not in loopback_server.requests[0].headers


def test_a_changed_etag_gets_the_new_body(client, loopback_server, sleeps):
    url = loopback_server.add("/feed", body=FEED, etag='"new"')

    result = fetch(client, url, sleeps, etag='"old"')

    assert (result.status_code, result.body, result.etag) == (200, FEED, '"new"')


def test_a_304_without_validators_keeps_the_ones_we_sent(client, loopback_server, sleeps):
    url = loopback_server.add_sequence("/feed", [Response(status=304)])

    result = fetch(client, url, sleeps, etag=ETAG, last_modified=LAST_MODIFIED)

    assert result.not_modified
    assert (result.etag, result.last_modified) == (ETAG, LAST_MODIFIED)


def test_429_waits_what_retry_after_says_then_succeeds(client, loopback_server, sleeps):
    url = loopback_server.add_sequence(
        "/api/query",
        [Response(status=429, headers={"Retry-After": "1"}), Response(body=FEED)],
    )

    result = fetch(client, url, sleeps)

    assert (result.status_code, result.body, result.attempts) == (200, FEED, 2)
    assert sleeps == [1.0]
    assert len(loopback_server.requests) == 2


def test_retry_after_as_an_http_date_is_waited_until(client, loopback_server, sleeps):
    url = loopback_server.add_sequence(
        "/oai",
        [
            Response(status=503, headers={"Retry-After": "Wed, 01 Jan 2031 00:00:07 GMT"}),
            Response(body=FEED),
        ],
    )
    now = datetime(2031, 1, 1, tzinfo=UTC)

    result = fetch(client, url, sleeps, clock=lambda: now)

    assert result.body == FEED
    assert sleeps == [7.0]


def test_503_without_retry_after_backs_off_then_succeeds(client, loopback_server, sleeps):
    url = loopback_server.add_sequence("/oai", [Response(status=503), Response(body=FEED)])
    calls: list[str] = []

    result = fetch(client, url, sleeps, before_request=lambda: calls.append("wait"))

    assert (result.body, result.attempts) == (FEED, 2)
    assert sleeps == [1.0]  # half of the first 2 s step, as rng() pinned to 0 asks
    assert calls == ["wait", "wait"]  # the rate limiter is asked before the retry too


def test_repeated_500_raises_after_the_retries_with_exponential_waits(
    client, loopback_server, sleeps
):
    url = loopback_server.add("/broken", status=500, body=b"oops")

    with pytest.raises(FetchHTTPError) as caught:
        fetch(client, url, sleeps, retries=3, rng=lambda: 0.5)

    error = caught.value
    assert (error.status_code, error.attempts, error.retry_after_seconds) == (500, 4, None)
    assert len(loopback_server.requests) == 4
    assert sleeps == [1.5, 3.0, 6.0]
    assert str(error) == f"GET {url}: HTTP 500 (after 4 attempts)"


def test_a_retry_after_beyond_the_cap_gives_up_and_reports_it(client, loopback_server, sleeps):
    url = loopback_server.add("/api/query", status=503, headers={"Retry-After": "3600"})

    with pytest.raises(FetchHTTPError) as caught:
        fetch(client, url, sleeps)

    assert (caught.value.retry_after_seconds, caught.value.attempts) == (3600.0, 1)
    assert sleeps == []
    assert len(loopback_server.requests) == 1


def test_a_slow_server_is_retried_then_times_out(loopback_server, sleeps):
    url = loopback_server.add("/slow", body=FEED, delay=3.0)

    with (
        make_client(USER_AGENT, read_timeout=0.2) as client,
        pytest.raises(FetchTimeoutError) as caught,
    ):
        fetch(client, url, sleeps, retries=1)

    assert caught.value.attempts == 2
    assert len(loopback_server.requests) == 2
    assert sleeps == [1.0]
    assert url in str(caught.value)


def test_a_body_that_stalls_times_out(loopback_server, sleeps):
    url = loopback_server.add_stalled_body("/stall", body=FEED, stall=3.0)

    with (
        make_client(USER_AGENT, read_timeout=0.2) as client,
        pytest.raises(FetchTimeoutError),
    ):
        fetch(client, url, sleeps, retries=0)


def test_a_refused_connection_fails_quickly_after_retries(client, sleeps):
    with refused_port() as port, pytest.raises(FetchConnectionError) as caught:
        fetch(client, f"http://127.0.0.1:{port}/feed", sleeps, retries=2)

    assert caught.value.attempts == 3
    assert sleeps == [1.0, 2.0]
    assert "connection failed" in str(caught.value)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_an_oversized_body_is_cut_off_early(client, loopback_server, sleeps, chunked):
    size = 30 * 1024 * 1024
    url = loopback_server.add_oversized("/huge", size, chunked=chunked)

    with pytest.raises(BodyTooLargeError) as caught:
        fetch(client, url, sleeps, max_bytes=1024 * 1024)

    expected = "passed the 1048576-byte cap" if chunked else "Content-Length 31457280 exceeds"
    assert expected in str(caught.value)
    loopback_server.wait_idle()
    served = loopback_server.requests[0]
    assert served.aborted
    assert served.body_bytes_sent < size  # we hung up; the server did not send it all
    assert sleeps == []  # a too-large body is not retried


def test_a_body_of_exactly_the_cap_is_accepted(client, loopback_server, sleeps):
    url = loopback_server.add("/exact", body=b"x" * 4096)

    assert fetch(client, url, sleeps, max_bytes=4096).body == b"x" * 4096
    with pytest.raises(BodyTooLargeError):
        fetch(client, url, sleeps, max_bytes=4095)


@pytest.mark.parametrize("url", ["ftp://example.org/feed", "http://[::1/feed"])
def test_an_unusable_url_fails_at_once(client, sleeps, url):
    with pytest.raises(FetchError) as caught:
        fetch(client, url, sleeps)

    assert type(caught.value) is FetchError
    assert str(caught.value).startswith(f"GET {url}: request failed")
    assert sleeps == []


def test_a_redirect_loop_stops_after_five_hops(client, loopback_server, sleeps):
    url = loopback_server.add_redirect_loop("/loop")
    calls: list[int] = []

    with pytest.raises(TooManyRedirectsError) as caught:
        fetch(client, url, sleeps, before_request=lambda: calls.append(1))

    assert len(loopback_server.requests) == 6
    assert len(calls) == 6  # every hop is a request the rate limiter must see
    assert "more than 5 redirects" in str(caught.value)
    assert sleeps == []


def test_a_redirect_is_followed_and_reported(client, loopback_server, sleeps):
    loopback_server.add("/new", body=FEED)
    url = loopback_server.add_redirect("/old", "/new", status=301)

    result = fetch(client, url, sleeps)

    assert (result.body, result.final_url) == (FEED, loopback_server.url("/new"))


@pytest.mark.parametrize("status", [400, 404])
def test_other_client_errors_are_returned_with_their_body(client, loopback_server, sleeps, status):
    error_feed = b"<feed><entry><title>Error</title></entry></feed>"
    url = loopback_server.add("/api/query", status=status, body=error_feed)

    result = fetch(client, url, sleeps)

    assert (result.status_code, result.body, result.attempts) == (status, error_feed, 1)
    assert sleeps == []


def test_the_user_agent_reaches_the_server(client, loopback_server, sleeps):
    url = loopback_server.add("/feed", body=FEED)

    fetch(client, url, sleeps)

    assert loopback_server.requests[0].headers["user-agent"] == USER_AGENT


def test_make_client_is_configured_for_polite_fetching():
    with make_client(USER_AGENT, connect_timeout=3.0, read_timeout=7.0) as client:
        assert client.headers["User-Agent"] == USER_AGENT
        assert (client.follow_redirects, client.max_redirects) == (True, 5)
        assert (client.timeout.connect, client.timeout.read) == (3.0, 7.0)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("max-age=3600", 3600),
        ("public, max-age=60, must-revalidate", 60),
        ('max-age="120"', 120),
        ("MAX-AGE=5", 5),
        ("max-age=soon", None),
        ("no-cache", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_max_age(header, expected):
    assert parse_max_age(header) == expected


NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Mon, 01 Jun 2026 12:00:30 GMT", 30.0),
        ("Mon, 01 Jun 2026 11:00:00 GMT", 0.0),  # a date in the past: retry now
        ("-5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(header, expected):
    assert parse_retry_after(header, NOW) == expected


@pytest.mark.parametrize(
    ("url", "group"),
    [
        ("https://arxiv.org/abs/2411.17700", "arxiv"),
        ("https://export.arxiv.org/api/query?search_query=cat:cs.AI", "arxiv"),
        ("https://rss.arxiv.org/atom/cs.AI", "arxiv"),
        ("https://oaipmh.arxiv.org/oai?verb=Identify", "arxiv"),
        ("http://EXPORT.ARXIV.ORG/oai2", "arxiv"),
        ("https://notarxiv.org/feed", "notarxiv.org"),
        ("https://api.biorxiv.org/details/biorxiv/2024-01-01/2024-01-02/0", "api.biorxiv.org"),
    ],
)
def test_host_group(url, group):
    assert host_group(url) == group


def test_the_server_helper_stops_cleanly_with_a_handler_still_waiting():
    server = LoopbackServer().start()
    url = server.add("/slow", body=FEED, delay=30.0)
    with make_client(USER_AGENT, read_timeout=0.1) as client, pytest.raises(FetchTimeoutError):
        fetch_document(client, url, retries=0)
    server.stop()
    server.wait_idle(timeout=2.0)
