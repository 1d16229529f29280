"""bioRxiv / medRxiv details API: source URLs, page URLs and the JSON parser (pure, no I/O).

The API (https://api.biorxiv.org/, `details/{server}/{interval}/{cursor}/json[?category=…]`)
answers 100 rows a page; `messages[0]` carries `cursor`, `count` and `total` (a string). Each
version of a preprint is its own row: the store keeps one paper per DOI at its highest version.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

from app.schemas import AuthorRecord, PaperRecord, ParsedFeed
from app.text import clean_text, normalise_doi

API_BASE = "https://api.biorxiv.org/details/"
SERVERS = {"biorxiv": "bioRxiv", "medrxiv": "medRxiv"}
DEFAULT_WINDOW_DAYS = 7
MINOR_WORDS = frozenset({"and", "of", "in", "the", "for"})  # "Genetic and Genomic Medicine"
MAX_PAGES = 1000  # 100,000 rows: a bound on a misbehaving cursor, far above any real interval
# "biorxiv", "medrxiv:epidemiology", "biorxiv:cancer-biology" (spaces, - and _ all accepted).
SHORT_FORM = re.compile(r"^(biorxiv|medrxiv)(?::([a-z][a-z _-]*))?$", re.I)
DATE = r"\d{4}-\d{2}-\d{2}"
# details/{server}/{from}/{to} or details/{server}/{N}d, optionally followed by /{cursor}[/json].
DETAILS_PATH = re.compile(
    rf"^/details/(?P<server>biorxiv|medrxiv)/(?:(?P<start>{DATE})/(?P<end>{DATE})|(?P<days>\d+)d)"
    r"(?:/\d+(?:/json)?)?/?$",
    re.I,
)


class BiorxivSourceError(ValueError):
    """A URL or name that is not a bioRxiv/medRxiv details query this app can page through."""


class BiorxivParseError(ValueError):
    """The body is not a details API answer (broken JSON, or not the API's shape)."""


@dataclass(frozen=True)
class DetailsQuery:
    """A source URL, understood: which server, which category, which interval."""

    origin: str  # scheme://host[:port], so tests can point a source at a loopback server
    server: str
    category: str | None
    start: date | None  # a fixed interval …
    end: date | None
    days: int | None  # … or the last N days, counted from the poll's "today"

    def interval(self, today: date) -> tuple[date, date]:
        """The dates to ask for: the fixed interval, or the last `days` days up to today."""
        if self.start and self.end:
            return self.start, self.end
        return today - timedelta(days=self.days or DEFAULT_WINDOW_DAYS), today

    def page_url(self, today: date, cursor: int) -> str:
        """The URL of one page of the interval, starting at row `cursor`."""
        start, end = self.interval(today)
        url = f"{self.origin}/details/{self.server}/{start}/{end}/{cursor}/json"
        return url + (f"?{urlencode({'category': self.category})}" if self.category else "")


def short_form_url(name: str) -> str | None:
    """The source URL of "biorxiv" or "medrxiv:epidemiology" (last 7 days); None if not one."""
    match = SHORT_FORM.match(name.strip())
    if not match:
        return None
    server, category = match[1].lower(), match[2]
    url = f"{API_BASE}{server}/{DEFAULT_WINDOW_DAYS}d"
    return url + (f"?category={_category_param(category)}" if category else "")


def is_details_url(url: str) -> bool:
    """Whether the URL is an api.biorxiv.org details query (what `sources add` detects)."""
    parts = urlsplit(url)
    return (parts.hostname or "").lower() == "api.biorxiv.org" and parts.path.startswith(
        "/details/"
    )


def read_source_url(url: str) -> DetailsQuery:
    """Understand a bioRxiv source URL, or say why it cannot be paged through."""
    parts = urlsplit(url)
    match = DETAILS_PATH.match(parts.path)
    if not match or not parts.hostname:
        raise BiorxivSourceError(
            f"{url!r} is not a details query such as {API_BASE}biorxiv/7d?category=genomics "
            f"or {API_BASE}medrxiv/2026-09-01/2026-09-07"
        )
    category = parse_qs(parts.query).get("category", [None])[0]
    start, end = match["start"], match["end"]
    return DetailsQuery(
        origin=f"{parts.scheme}://{parts.netloc}",
        server=match["server"].lower(),
        category=_category_param(category) if category else None,
        start=date.fromisoformat(start) if start else None,
        end=date.fromisoformat(end) if end else None,
        days=int(match["days"]) if match["days"] else None,
    )


def source_label(url: str) -> str:
    """A source's default label: "bioRxiv (Cancer Biology)", or the server name alone."""
    query = read_source_url(url)
    name = SERVERS[query.server]
    return f"{name} ({_title(query.category)})" if query.category else name


def parse_details(body: bytes) -> ParsedFeed:
    """One page of the details API as records; `next_cursor` says where the next page starts."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BiorxivParseError(f"broken bioRxiv JSON: {error}") from error
    if not isinstance(document, dict) or not isinstance(document.get("messages"), list):
        raise BiorxivParseError("not a bioRxiv details answer (no `messages` list)")
    message = document["messages"][0] if document["messages"] else {}
    status = str(message.get("status", "")).strip()
    rows = document.get("collection") or []
    if status.lower().startswith("no posts found"):
        return ParsedFeed(kind="biorxiv")  # an empty interval is an answer, not an error
    if status.lower() != "ok" or not isinstance(rows, list):
        return ParsedFeed(kind="biorxiv", error=f"bioRxiv API: {status or 'no status'}")
    records = [record for record in map(_record, rows) if record is not None]
    return ParsedFeed(records=records, kind="biorxiv", next_cursor=_next_cursor(message, rows))


def merge_pages(pages: list[ParsedFeed]) -> ParsedFeed:
    """Every page of one interval as one document (the store keeps each DOI's newest version)."""
    records = [record for page in pages for record in page.records]
    return ParsedFeed(records=records, kind="biorxiv")


def _next_cursor(message: dict, rows: list) -> int | None:
    """Advance by `count` (else the rows received) until `total` is reached."""
    try:
        cursor = int(message.get("cursor") or 0)
        count = int(message.get("count") or len(rows))
        total = int(message.get("total") or 0)
    except (TypeError, ValueError) as error:
        raise BiorxivParseError(f"bioRxiv paging fields are not numbers: {error}") from error
    following = cursor + count
    return following if rows and count > 0 and following < total else None


def _record(row: object) -> PaperRecord | None:
    """One row (one version of one preprint); a row without DOI or title is skipped."""
    if not isinstance(row, dict):
        return None
    doi = normalise_doi(row.get("doi"))
    title = clean_text(row.get("title"))
    if not doi or not title:
        return None
    version = _int(row.get("version"))
    server = str(row.get("server") or "biorxiv").lower()
    site = f"https://www.{server if server in SERVERS else 'biorxiv'}.org/content/{doi}"
    versioned = f"{site}v{version}" if version else site
    category = clean_text(row.get("category"))
    published = normalise_doi(row.get("published"))
    return PaperRecord(
        doi=doi,
        version=version,
        published_doi=published if published != doi else None,
        title=title,
        abstract=clean_text(row.get("abstract")),
        authors=split_authors(row.get("authors")),
        categories=[category.lower()] if category else [],
        announce_type="new" if version in (None, 1) else "replace",
        announced_on=_date(row.get("date")),
        url=versioned,
        pdf_url=f"{versioned}.full.pdf",
        license=clean_text(row.get("license")),
        source_label=_label(server, category),
    )


def split_authors(value: object) -> list[AuthorRecord]:
    """bioRxiv's "Surname, I.; Other, J. K." as the names "I. Surname", "J. K. Other"."""
    names = []
    for piece in str(value or "").split(";"):
        surname, _, given = (clean_text(piece) or "").partition(",")
        name = f"{given.strip()} {surname.strip()}".strip()
        if name:
            names.append(AuthorRecord(name=name))
    return names


def _label(server: str, category: str | None) -> str:
    name = SERVERS.get(server, "bioRxiv")
    return f"{name} ({_title(category)})" if category else name


def _title(category: str) -> str:
    """ "cancer_biology" → "Cancer Biology" (the sites' own capitalisation of their subjects)."""
    words = [word for word in re.split(r"[\s_-]+", category.lower()) if word]
    return " ".join(
        word if index and word in MINOR_WORDS else word.capitalize()
        for index, word in enumerate(words)
    )


def _category_param(category: str) -> str:
    """The API's category parameter: lowercase words joined by underscores."""
    return "_".join(word for word in re.split(r"[\s_-]+", category.strip().lower()) if word)


def _int(value: object) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return None
