"""The arXiv API client shared by gap filling, backfill and `papers add`: URLs and polite pages.

Every request goes through the shared limiter (one every 3 seconds across all of arXiv's hosts,
https://info.arxiv.org/help/api/tou.html) and the fetcher's retries, which honour Retry-After.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from urllib.parse import urlencode

import httpx

from app.ingest.arxiv import FeedParseError, parse_arxiv_api
from app.ingest.fetch import fetch_document
from app.ingest.ratelimit import HostLimiter
from app.schemas import ParsedFeed

ARXIV_API_URL = "https://export.arxiv.org/api/query"
PAGE_SIZE = 2000  # the API's maximum per call
ID_BATCH = 100  # ids per id_list request: short URLs, one modest page


class ArxivApiError(ValueError):
    """The API answered with an error document or an error status."""


def search_url(api_url: str, query: str, start: int, page_size: int = PAGE_SIZE) -> str:
    """A search_query page, oldest submission first (stable order for `start` paging)."""
    params = {
        "search_query": query,
        "start": start,
        "max_results": page_size,
        "sortBy": "submittedDate",
        "sortOrder": "ascending",
    }
    return f"{api_url}?{urlencode(params)}"


def id_list_url(api_url: str, arxiv_ids: Sequence[str]) -> str:
    """One id_list request for up to ID_BATCH ids (versionless ids give the newest version)."""
    params = {"id_list": ",".join(arxiv_ids), "max_results": len(arxiv_ids)}
    return f"{api_url}?{urlencode(params)}"


def fetch_api_page(
    client: httpx.Client,
    limiter: HostLimiter,
    url: str,
    *,
    retries: int = 1,
    sleep: Callable[[float], None] = time.sleep,
) -> ParsedFeed:
    """GET one API page through the limiter; an error feed or status raises ArxivApiError.

    FetchError (network, or 429/5xx still failing after the retries) propagates unchanged.
    """
    fetched = fetch_document(
        client, url, retries=retries, sleep=sleep, before_request=lambda: limiter.wait("arxiv")
    )
    try:
        feed = parse_arxiv_api(fetched.body)
    except FeedParseError as error:
        status = f"HTTP {fetched.status_code}: " if fetched.status_code >= 400 else ""
        raise ArxivApiError(f"{status}{error}") from error
    if feed.error or fetched.status_code >= 400:
        raise ArxivApiError(feed.error or f"HTTP {fetched.status_code}")
    return feed
