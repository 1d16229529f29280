"""arXiv parsers, bytes in, records out: rss.arxiv.org RSS 2.0/Atom and the export.arxiv.org API.

Fields are found by namespaced element name, never by position: the API's element order and
namespace declarations changed with its Nov 2025 backend (shared/fixtures/feeds/FORMATS.md §1-2).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache

from lxml import etree

from app.ingest.xmlpull import pull_entries
from app.schemas import AuthorRecord, PaperRecord, ParsedFeed
from app.text import clean_text, normalise_dois, split_arxiv_creators

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
ABS_URL = "https://arxiv.org/abs/"
PDF_URL = "https://arxiv.org/pdf/"

_ID_PREFIX_RE = re.compile(
    r"^(?:oai:arxiv\.org:|arxiv:|https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/)", re.I
)
_NEW_ID_RE = re.compile(
    r"(?P<yymm>\d{2}(?:0[1-9]|1[0-2]))\.(?P<number>\d{4,5})(?:v(?P<v>[1-9]\d*))?"
)
_OLD_ID_RE = re.compile(
    r"(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.[A-Z]{2})?/(?P<number>\d{7})(?:v(?P<v>[1-9]\d*))?"
)
_DESCRIPTION_RE = re.compile(
    r"\s*arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:\s?)?(?P<abstract>.*)",
    re.S,
)
_ROOT_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_PROLOGUE_RE = re.compile(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", re.S)
_FEED_ENTRY_TAGS = frozenset({"item", f"{ATOM}entry"})
_ERROR_TRIM = 300

# Child element -> field, for the RSS 2.0 <item> and the Atom <entry> of rss.arxiv.org alike.
_FEED_FIELDS = {
    "title": "title", f"{ATOM}title": "title",
    "description": "summary", f"{ATOM}summary": "summary",
    "guid": "guid", f"{ATOM}id": "guid",
    "pubDate": "date", f"{ATOM}published": "date",
    "link": "link",
    f"{ARXIV}announce_type": "announce_type", f"{DC}rights": "license", f"{DC}creator": "creator",
    f"{ARXIV}DOI": "doi", f"{ARXIV}journal_reference": "journal_ref",
}  # fmt: skip


class FeedParseError(ValueError):
    """The bytes are not an arXiv feed we can read (not XML, or an unexpected root element)."""


def split_arxiv_id(value: str) -> tuple[str, int | None]:
    """An arXiv identifier in any of its spellings as (id without version, version or None)."""
    text = _ID_PREFIX_RE.sub("", value.strip()).removesuffix(".pdf")
    if match := _NEW_ID_RE.fullmatch(text):
        # The scheme began in 0704; four-digit numbers until 1412, five from 1501 on
        # (https://info.arxiv.org/help/arxiv_identifier.html).
        if match["yymm"] >= "0704" and len(match["number"]) == (4 if match["yymm"] < "1501" else 5):
            return f"{match['yymm']}.{match['number']}", _version(match["v"])
    elif match := _OLD_ID_RE.fullmatch(text):
        return f"{match['archive']}/{match['number']}", _version(match["v"])
    raise ValueError(f"not an arXiv identifier: {value!r}")


def _version(digits: str | None) -> int | None:
    """The "vN" suffix as an int; None when the identifier carried no version."""
    return int(digits) if digits else None


def detect_kind(body: bytes) -> str:
    """Which parser fits: "arxiv" when arXiv's namespace or ids show, else "rss"/"atom" by root."""
    head = body[:8192]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        head = head.decode("utf-16", "ignore").encode()
    match = _ROOT_RE.search(_PROLOGUE_RE.sub(b"", head))
    root = match.group(1) if match else b""
    if root not in (b"rss", b"RDF", b"feed"):
        raise FeedParseError(f"not a feed: root element <{root.decode(errors='replace')}>")
    if b"arxiv.org/schemas/atom" in body or b"oai:arXiv.org:" in head or b"arxiv.org/abs/" in head:
        return "arxiv"
    return "atom" if root == b"feed" else "rss"


def parse_arxiv_feed(body: bytes) -> ParsedFeed:
    """A rss.arxiv.org announcement feed (RSS 2.0 or Atom), salvaging entries of a cut-off file."""
    records: list[PaperRecord] = []
    root, truncated = _pull(body, _FEED_ENTRY_TAGS, lambda item: records.append(_feed_record(item)))
    if root.tag not in ("rss", f"{ATOM}feed"):
        raise FeedParseError(f"not an arXiv announcement feed: root element <{root.tag}>")
    channel = root.find("channel") if root.tag == "rss" else root
    channel = root if channel is None else channel
    title = clean_text(_text(channel, "title", f"{ATOM}title"))
    if title and title.startswith("Feed error for query"):
        error = _feed_error_message(title, _text(channel, "description", f"{ATOM}subtitle"))
        return ParsedFeed(title=title, error=error, truncated=truncated, kind="arxiv")
    announced_on = _local_date(_text(channel, "pubDate")) or next(
        (record.announced_on for record in records if record.announced_on), None
    )
    ttl = (_text(channel, "ttl") or "").strip()
    hours = (hour.text.strip() for hour in channel.iterfind("skipHours/hour") if hour.text)
    return ParsedFeed(
        records=records,
        title=title,
        announced_on=announced_on,
        truncated=truncated,
        ttl_minutes=int(ttl) if ttl.isdigit() else None,
        skip_days=[day.text.strip() for day in channel.iterfind("skipDays/day") if day.text],
        skip_hours=[int(hour) for hour in hours if hour.isdigit()],
        kind="arxiv",
    )


def _feed_error_message(title: str, description: str | None) -> str:
    """arXiv reports a bad query as an ordinary feed; say what was asked and what is valid."""
    message = title.replace("Feed error for query:", "arXiv feed error for query", 1).strip()
    detail = clean_text(description)
    if detail:
        message = f"{message}: {detail}"
    return message if len(message) <= _ERROR_TRIM else message[: _ERROR_TRIM - 1].rstrip() + "…"


def _feed_record(entry: etree._Element) -> PaperRecord:
    """One <item>/<entry>: id, version and announce type live in the description prefix."""
    fields, categories = _entry_fields(entry)
    summary = fields.get("summary", "")
    described = _DESCRIPTION_RE.match(summary)
    arxiv_id, version = _first_id(
        described["id"] if described else None, fields.get("guid"), fields.get("link")
    )
    announce_type = fields.get("announce_type") or (described["type"] if described else "")
    return PaperRecord(
        arxiv_id=arxiv_id,
        version=version,
        **_dois(fields.get("doi")),
        guid=fields.get("guid"),
        title=clean_text(fields.get("title")) or "",
        abstract=clean_text(described["abstract"] if described else summary),
        authors=split_arxiv_creators(fields.get("creator", "")),
        categories=categories,
        announce_type=announce_type.lower() or None,
        announced_on=_local_date(fields.get("date")),
        url=f"{ABS_URL}{arxiv_id}" if arxiv_id else fields.get("link"),
        pdf_url=f"{PDF_URL}{arxiv_id}" if arxiv_id else None,
        journal_ref=clean_text(fields.get("journal_ref")),
        license=fields.get("license"),
    )


def _dois(*fields: str | None) -> dict[str, str | None]:
    """arXiv's DOI field may list several DOIs: the first is `doi`, a second `published_doi`.

    The first field holding any DOI wins (the API's <arxiv:doi>, then its DOI link).
    """
    if not any(fields):  # most entries: no DOI, no work
        return {"doi": None, "published_doi": None}
    dois = next((found for found in map(normalise_dois, fields) if found), [])
    return {"doi": dois[0] if dois else None, "published_doi": dois[1] if len(dois) > 1 else None}


def _entry_fields(entry: etree._Element) -> tuple[dict[str, str], list[str]]:
    """One pass over the children: first non-empty text per field, categories in order."""
    fields: dict[str, str] = {}
    categories: list[str] = []
    for child in entry:
        tag = child.tag
        if tag == "category" or tag == f"{ATOM}category":
            term = (child.text if tag == "category" else child.get("term")) or ""
            if term.strip() and term.strip() not in categories:
                categories.append(term.strip())
            continue
        if tag == f"{ATOM}link":
            field = "link" if child.get("rel", "alternate") == "alternate" else None
            value = child.get("href") or ""
        else:
            field, value = _FEED_FIELDS.get(tag), child.text or ""
        if field is not None and field not in fields and value.strip():
            fields[field] = value if field in ("summary", "title", "creator") else value.strip()
    return fields, categories


def _first_id(*candidates: str | None) -> tuple[str | None, int | None]:
    """The first candidate that is an arXiv id; a version from a later one fills a missing one."""
    found: tuple[str | None, int | None] = (None, None)
    for candidate in candidates:
        try:
            arxiv_id, version = split_arxiv_id(candidate or "")
        except ValueError:
            continue
        if found[0] is None or (found[0] == arxiv_id and found[1] is None):
            found = (arxiv_id, version)
    return found


def parse_arxiv_api(body: bytes) -> ParsedFeed:
    """An export.arxiv.org/api/query Atom response (legacy and Nov-2025 backends alike)."""
    entries: list[etree._Element] = []
    root, truncated = _pull(body, frozenset({f"{ATOM}entry"}), entries.append, clear=False)
    if root.tag != f"{ATOM}feed":
        raise FeedParseError(f"not an arXiv API response: root element <{root.tag}>")
    for entry in entries:
        if (
            "/api/errors" in (entry.findtext(f"{ATOM}id") or "")
            and entry.findtext(f"{ATOM}title") == "Error"
        ):
            summary = clean_text(entry.findtext(f"{ATOM}summary")) or "unknown error"
            return ParsedFeed(kind="arxiv", error=f"arXiv API error: {summary}")
    total = (root.findtext(f"{OPENSEARCH}totalResults") or "").strip()
    return ParsedFeed(
        records=[_api_record(entry) for entry in entries],
        title=clean_text(root.findtext(f"{ATOM}title")),
        total_results=int(total) if total.isdigit() else None,
        truncated=truncated,
        kind="arxiv",
    )


def _api_record(entry: etree._Element) -> PaperRecord:
    """One API <entry>: versioned abs URL in <id>, v1 time in <published>, this one in <updated>."""
    entry_id = (entry.findtext(f"{ATOM}id") or "").strip()
    links = _links(entry)
    alternate = links.get("alternate")
    arxiv_id, version = _first_id(entry_id, alternate)
    primary = entry.find(f"{ARXIV}primary_category")
    terms = [primary.get("term")] if primary is not None else []
    terms += [category.get("term") for category in entry.iterfind(f"{ATOM}category")]
    return PaperRecord(
        arxiv_id=arxiv_id,
        version=version,
        **_dois(entry.findtext(f"{ARXIV}doi"), links.get("doi")),
        guid=entry_id or None,
        title=clean_text(entry.findtext(f"{ATOM}title")) or "",
        abstract=clean_text(entry.findtext(f"{ATOM}summary")),
        authors=[a for a in map(_api_author, entry.iterfind(f"{ATOM}author")) if a.name],
        categories=list(dict.fromkeys(term.strip() for term in terms if term and term.strip())),
        submitted_at=_utc_datetime(entry.findtext(f"{ATOM}published")),
        updated_at=_utc_datetime(entry.findtext(f"{ATOM}updated")),
        url=f"{ABS_URL}{arxiv_id}" if arxiv_id else alternate,
        pdf_url=f"{PDF_URL}{arxiv_id}" if arxiv_id else None,
        comments=clean_text(entry.findtext(f"{ARXIV}comment")),
        journal_ref=clean_text(entry.findtext(f"{ARXIV}journal_ref")),
    )


def _links(entry: etree._Element) -> dict[str, str]:
    """The entry's links by title ("pdf", "doi") or else rel ("alternate"), first one wins."""
    links: dict[str, str] = {}
    for link in entry.iterfind(f"{ATOM}link"):
        key, href = link.get("title") or link.get("rel") or "alternate", link.get("href")
        if href:
            links.setdefault(key, href)
    return links


def _api_author(author: etree._Element) -> AuthorRecord:
    """`<author><name>` with any number of `<arxiv:affiliation>`, joined with "; "."""
    affiliations = [clean_text(a.text) for a in author.iterfind(f"{ARXIV}affiliation")]
    joined = "; ".join(a for a in affiliations if a)
    return AuthorRecord(
        name=clean_text(author.findtext(f"{ATOM}name")) or "", affiliation=joined or None
    )


def _pull(
    body: bytes,
    entry_tags: frozenset[str],
    on_entry: Callable[[etree._Element], object],
    *,
    clear: bool = True,
) -> tuple[etree._Element, bool]:
    """The root and whether the document was cut off; FeedParseError when nothing was usable."""
    document = pull_entries(body, entry_tags, on_entry, clear=clear)
    if document.root is None:
        raise FeedParseError(f"not an XML document: {document.error}")
    if document.truncated and document.entries == 0:
        raise FeedParseError(
            f"unreadable XML, no complete entry before the error: {document.error}"
        )
    return document.root, document.truncated


def _text(parent: etree._Element, *tags: str) -> str | None:
    """The text of the first of `tags` present (RSS and Atom name the same thing differently)."""
    for tag in tags:
        if (value := parent.findtext(tag)) is not None:
            return value
    return None


@lru_cache(maxsize=64)
def _local_date(value: str | None) -> date | None:
    """The calendar date as written: arXiv's announcement day is midnight US Eastern, not UTC."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        parsed = (
            datetime.fromisoformat(value) if value[0].isdigit() else parsedate_to_datetime(value)
        )
    except (ValueError, TypeError, IndexError):
        return None
    return parsed.date()


def _utc_datetime(value: str | None) -> datetime | None:
    """An ISO 8601 timestamp as an aware UTC datetime; naive ones are taken as UTC."""
    if not value or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
