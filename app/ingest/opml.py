"""OPML subscription lists in and out (pure): feed readers' exports read, ours written.

Real exports nest feeds in folders, spell attributes differently (`xmlUrl`, `xmlurl`; `title`
and/or `text`), repeat a feed in two folders and carry outlines that are not feeds. Parsing uses
the stdlib's expat with every DTD refused, so no entity can expand (billion laughs) and no
external entity is ever fetched.
"""

from __future__ import annotations

import xml.parsers.expat
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import urlsplit
from xml.sax.saxutils import quoteattr

# Not part of OPML: our own attribute, so an export re-imports with the same kind (OPML 2.0
# lets an outline carry any attribute; readers ignore ones they do not know).
KIND_ATTRIBUTE = "academichubKind"
MAX_BYTES = 10 * 1024 * 1024


class OpmlError(ValueError):
    """The file is not an OPML document we will read."""


@dataclass(frozen=True)
class OpmlFeed:
    """One feed outline: its URL, a label, the folder path it sat in, and our kind if known."""

    url: str
    label: str | None
    folder: str | None = None
    kind: str | None = None
    html_url: str | None = None


@dataclass
class OpmlDocument:
    """The feeds in file order, and every outline skipped with the reason why."""

    title: str | None = None
    feeds: list[OpmlFeed] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def parse_opml(body: bytes) -> OpmlDocument:
    """Feeds and skipped outlines of an OPML file (any version, any nesting)."""
    if len(body) > MAX_BYTES:
        raise OpmlError(f"file is larger than {MAX_BYTES} bytes")
    reader = _Reader()
    parser = xml.parsers.expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.text
    try:
        parser.Parse(body, True)
    except xml.parsers.expat.ExpatError as error:
        raise OpmlError(f"not well-formed XML: {error}") from None
    if reader.root != "opml":
        raise OpmlError(f"not an OPML document: root element <{reader.root}>")
    return reader.document


def _refuse_dtd(*_args: object) -> None:
    raise OpmlError("OPML with a DTD or entity declarations is refused")


@dataclass
class _Open:
    """An <outline> being read: a feed, or a folder once a child outline shows up."""

    label: str | None
    is_feed: bool
    has_children: bool = False


class _Reader:
    """expat callbacks that walk the outline tree, keeping the stack of folder names."""

    def __init__(self) -> None:
        self.document = OpmlDocument()
        self.root: str | None = None
        self.outlines: list[_Open] = []  # the open <outline> elements, outermost first
        self.seen: set[str] = set()
        self.in_title = False
        self.head_title: list[str] = []

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if self.root is None:
            self.root = name
        if name == "title" and not self.outlines:
            self.in_title = True
        if name != "outline":
            return
        if self.outlines:
            self.outlines[-1].has_children = True
        attrs = {key.lower(): value.strip() for key, value in attributes.items()}
        label = attrs.get("title") or attrs.get("text") or None
        url = attrs.get("xmlurl") or ""
        self.outlines.append(_Open(label, bool(url)))
        if url:
            self._feed(url, label, attrs)

    def end(self, name: str) -> None:
        if name == "outline":
            closed = self.outlines.pop()
            if not closed.is_feed and not closed.has_children:
                label = closed.label or "(untitled)"
                self.document.skipped.append(f"{label}: not a feed (no xmlUrl)")
        elif name == "title" and self.in_title:
            self.in_title = False
            self.document.title = "".join(self.head_title).strip() or None

    def text(self, data: str) -> None:
        if self.in_title:
            self.head_title.append(data)

    def _feed(self, url: str, label: str | None, attrs: dict[str, str]) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            self.document.skipped.append(f"{label or url}: not an http(s) feed URL ({url})")
            return
        if url in self.seen:
            self.document.skipped.append(f"{label or url}: listed twice ({url})")
            return
        self.seen.add(url)
        folders = [o.label for o in self.outlines[:-1] if o.label]
        self.document.feeds.append(
            OpmlFeed(
                url=url,
                label=label,
                folder="/".join(folders) or None,
                kind=attrs.get(KIND_ATTRIBUTE.lower()) or None,
                html_url=attrs.get("htmlurl") or None,
            )
        )


def write_opml(feeds: list[OpmlFeed], now: datetime, title: str = "AcademicHub sources") -> str:
    """An OPML 2.0 document: one outline per feed, folders for feeds that have one."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        "  <head>",
        f"    <title>{_escape(title)}</title>",
        f"    <dateCreated>{format_datetime(now, usegmt=True)}</dateCreated>",
        "  </head>",
        "  <body>",
    ]
    by_folder: dict[str | None, list[OpmlFeed]] = {}
    for feed in feeds:
        by_folder.setdefault(feed.folder, []).append(feed)
    for feed in by_folder.pop(None, []):
        lines.append("    " + _outline(feed))
    for folder, members in by_folder.items():
        lines.append(f"    <outline text={quoteattr(folder or '')}>")
        lines.extend("      " + _outline(feed) for feed in members)
        lines.append("    </outline>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)


def _outline(feed: OpmlFeed) -> str:
    label = feed.label or feed.url
    attributes = [
        ("type", "rss"),
        ("text", label),
        ("title", label),
        ("xmlUrl", feed.url),
    ]
    if feed.html_url:
        attributes.append(("htmlUrl", feed.html_url))
    if feed.kind:
        attributes.append((KIND_ATTRIBUTE, feed.kind))
    return "<outline " + " ".join(f"{k}={quoteattr(v)}" for k, v in attributes) + "/>"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
