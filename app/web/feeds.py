"""Atom 1.0 feeds (RFC 4287) of any Curated Daily view: `GET /feeds/atom` takes the page's filters.

The document is built as an element tree, so every title, name and abstract is escaped by the
serialiser, never by hand; characters XML 1.0 cannot carry are dropped first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from fastapi import APIRouter, Request
from fastapi.responses import Response
from lxml import etree

from app import __version__
from app.curation.daily import PaperFilters, default_view, list_papers
from app.schemas import PaperItem
from app.web.deps import SessionDep, parse_filters
from app.web.links import PAGE_FILTERS, ViewQuery, paper_href
from app.web.render import readable_date, safe_url

router = APIRouter(include_in_schema=False)

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_SIZE = 100
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FeedEntry:
    id: str
    title: str
    link: str
    page_link: str
    pdf_link: str | None
    authors: tuple[str, ...]
    summary: str | None
    categories: tuple[str, ...]
    published: datetime | None


@dataclass(frozen=True)
class FeedContext:
    """One Atom document: absolute links, plain-text fields."""

    id: str
    title: str
    self_link: str
    html_link: str
    next_link: str | None
    updated: datetime
    entries: tuple[FeedEntry, ...]


def make_entry(item: PaperItem, base_url: str) -> FeedEntry:
    """An entry for `item`; its link is the paper's own page (arXiv), else ours."""
    page_link = base_url + paper_href(item.id)
    own = safe_url(item.url)
    published = datetime.combine(item.published, time(), UTC) if item.published else None
    return FeedEntry(
        id=own or f"{base_url}{paper_href(item.id)}",
        title=item.title,
        link=own or page_link,
        page_link=page_link,
        pdf_link=safe_url(item.pdf_url),
        authors=tuple(item.authors),
        summary=item.abstract,
        categories=tuple(item.categories),
        published=published,
    )


def describe(filters: PaperFilters) -> str:
    """A feed title for a view: "Curated Daily", or what the filters narrow to."""
    parts = [*filters.authors, *filters.categories, *(f"source {s}" for s in filters.sources)]
    if filters.q:
        parts.append(f"“{filters.q}”")
    if filters.day:
        parts.append(readable_date(filters.day))
    if filters.shuffle is not None:
        parts.append(f"shuffle {filters.shuffle}")
    return "AcademicHub · " + (" · ".join(parts) if parts else "Curated Daily")


def build_atom(feed: FeedContext) -> bytes:
    """The Atom document for `feed`, UTF-8 with an XML declaration."""
    root = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
    _add(root, "id", feed.id)
    _add(root, "title", feed.title)
    _add(root, "updated", _stamp(feed.updated))
    _add(root, "generator", "AcademicHub", version=__version__)
    _add(root, "link", rel="self", type="application/atom+xml", href=feed.self_link)
    _add(root, "link", rel="alternate", type="text/html", href=feed.html_link)
    if feed.next_link:
        _add(root, "link", rel="next", type="application/atom+xml", href=feed.next_link)
    author = _add(root, "author")
    _add(author, "name", "AcademicHub")
    for entry in feed.entries:
        _add_entry(root, entry, feed.updated)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _add_entry(root: etree._Element, entry: FeedEntry, fallback: datetime) -> None:
    element = _add(root, "entry")
    _add(element, "id", entry.id)
    _add(element, "title", entry.title, type="text")
    _add(element, "updated", _stamp(entry.published or fallback))
    if entry.published:
        _add(element, "published", _stamp(entry.published))
    _add(element, "link", rel="alternate", type="text/html", href=entry.link)
    if entry.page_link != entry.link:
        _add(element, "link", rel="related", type="text/html", href=entry.page_link)
    if entry.pdf_link:
        _add(element, "link", rel="related", type="application/pdf", href=entry.pdf_link)
    for name in entry.authors:
        _add(_add(element, "author"), "name", name)
    for code in entry.categories:
        _add(element, "category", term=code)
    if entry.summary:
        _add(element, "summary", entry.summary, type="text")


def _add(parent: etree._Element, tag: str, text: str | None = None, **attributes: str):
    element = etree.SubElement(
        parent, f"{{{ATOM_NS}}}{tag}", {k: _xml_text(v) for k, v in attributes.items()}
    )
    if text is not None:
        element.text = _xml_text(text)
    return element


def _xml_text(value: str) -> str:
    return NOT_XML.sub("", value)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def newest_stamp(entries: tuple[FeedEntry, ...], day: date | None) -> datetime:
    stamps = [e.published for e in entries if e.published]
    if stamps:
        return max(stamps)
    return datetime.combine(day, time(), UTC) if day else EPOCH


@router.get("/feeds/atom")
def atom(request: Request, session: SessionDep) -> Response:
    """Any Curated Daily view as Atom, 100 entries a page (RFC 5005 `next` link)."""
    filters = parse_filters(request, PAGE_FILTERS)
    shown = default_view(session, filters)
    page = list_papers(session, shown, page_size=FEED_SIZE)
    base_url = str(request.base_url).rstrip("/")
    query = ViewQuery.from_filters(filters)
    entries = tuple(make_entry(item, base_url) for item in page.items)
    next_link = None
    if page.has_next:
        next_link = base_url + query.setting("page", str(filters.page + 1)).href("/feeds/atom")
    feed = FeedContext(
        id=base_url + query.without("page").href("/feeds/atom"),
        title=describe(filters),
        self_link=base_url + query.href("/feeds/atom"),
        html_link=base_url + query.href("/"),
        next_link=next_link,
        updated=newest_stamp(entries, shown.day),
        entries=entries,
    )
    return Response(build_atom(feed), media_type="application/atom+xml; charset=utf-8")
