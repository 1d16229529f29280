"""Validators for read views: ETag and Last-Modified from the data version, and 304 answers.

The announcement data changes about once a day, so a view's representation is a function of the
data version and its normalised URL (RFC 9110 §8.8). Browsers and any cache in front revalidate
(`Cache-Control: no-cache`) and get an empty 304 when nothing changed, without the view's
queries or template ever running (RFC 9110 §13.1.1 If-None-Match, §13.1.3 If-Modified-Since).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import parse_qsl, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import __version__
from app.curation.days import data_version
from app.web.page_cache import CachedAnswer, PageCache

CACHE_CONTROL = "no-cache"  # store, but revalidate every time: the data changes daily


@dataclass(frozen=True)
class Validators:
    """What one representation is tagged with."""

    etag: str
    last_modified: datetime | None

    def headers(self) -> list[tuple[bytes, bytes]]:
        """Response headers carrying the validators."""
        headers = [(b"etag", self.etag.encode()), (b"cache-control", CACHE_CONTROL.encode())]
        if self.last_modified is not None:
            stamp = format_datetime(self.last_modified, usegmt=True)
            headers.append((b"last-modified", stamp.encode()))
        return headers


def normalised_url(path: str, query: str) -> str:
    """The path with its query parameters ordered by name (repeated names keep their order)."""
    pairs = parse_qsl(query, keep_blank_values=True)
    ordered = sorted(pairs, key=lambda pair: pair[0])  # stable: author order survives
    return f"{path}?{urlencode(ordered)}" if ordered else path


def make_validators(version: str, url: str) -> Validators:
    """A weak ETag over (app version, data version, URL) and the data's modification time."""
    digest = hashlib.sha256(f"{__version__}\n{version}\n{url}".encode()).hexdigest()[:24]
    return Validators(etag=f'W/"{digest}"', last_modified=_modified_at(version))


def _modified_at(version: str) -> datetime | None:
    # data_version() starts with the newest paper modification time in ISO format
    try:
        stamp = datetime.fromisoformat(version.split("/", 1)[0])
    except ValueError:
        return None
    stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    return stamp.astimezone(UTC).replace(microsecond=0)


def is_not_modified(
    validators: Validators, if_none_match: str | None, if_modified_since: str | None
) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when present (weak comparison), else the date."""
    if if_none_match is not None:
        tags = {_opaque(tag) for tag in if_none_match.split(",")}
        return "*" in tags or _opaque(validators.etag) in tags
    if if_modified_since is None or validators.last_modified is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False  # an invalid date is ignored (RFC 9110 §13.1.3)
    if since.tzinfo is None:
        return False
    return validators.last_modified <= since


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


class ConditionalMiddleware:
    """Adds validators to 200 answers on the given paths and answers 304 when they match."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        prefixes: Iterable[str],
        exact: Iterable[str],
        session_factory: Callable,
        cache: PageCache | None = None,
    ) -> None:
        self.app = app
        self.prefixes = tuple(prefixes)
        self.exact = frozenset(exact)
        self.session_factory = session_factory
        self.cache = cache if cache is not None else PageCache()

    def applies(self, scope: Scope) -> bool:
        """GET or HEAD on one of the read views."""
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return False
        path = scope["path"]
        return path in self.exact or path.startswith(self.prefixes)

    def current_version(self) -> str:
        """The data version, read in a short session of its own."""
        with self.session_factory() as session:
            return data_version(session)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.applies(scope):
            await self.app(scope, receive, send)
            return
        version = await run_in_threadpool(self.current_version)
        url = normalised_url(scope["path"], scope.get("query_string", b"").decode("latin-1"))
        validators = make_validators(version, url)
        if validators.last_modified is None:
            # No papers yet: the first-run page depends on the sources, which the version
            # does not cover, so it is never tagged.
            await self.app(scope, receive, send)
            return
        headers = {key.lower(): value.decode("latin-1") for key, value in scope["headers"]}
        if is_not_modified(
            validators, headers.get(b"if-none-match"), headers.get(b"if-modified-since")
        ):
            await send(
                {"type": "http.response.start", "status": 304, "headers": validators.headers()}
            )
            await send({"type": "http.response.body", "body": b""})
            return

        cached = self.cache.get(validators.etag)
        if cached is not None:
            await send({"type": "http.response.start", "status": 200, "headers": cached.headers})
            body = b"" if scope["method"] == "HEAD" else cached.body
            await send({"type": "http.response.body", "body": body})
            return
        keeping: dict = {}

        async def send_with_validators(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                message = {
                    **message,
                    "headers": [*message.get("headers", []), *validators.headers()],
                }
                if scope["method"] == "GET" and not _sets_cookie(message["headers"]):
                    keeping.update(headers=tuple(message["headers"]), body=[])
            elif message["type"] == "http.response.body" and keeping:
                keeping["body"].append(message.get("body", b""))
                if not message.get("more_body", False):
                    answer = CachedAnswer(keeping["headers"], b"".join(keeping["body"]))
                    self.cache.put(validators.etag, answer)
            await send(message)

        await self.app(scope, receive, send_with_validators)


def _sets_cookie(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    return any(key.lower() == b"set-cookie" for key, _ in headers)
