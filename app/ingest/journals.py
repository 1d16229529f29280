"""Publishers' journal feeds, bytes in, records out: RSS 1.0/RDF, RSS 2.0 and Atom via feedparser.

Shapes follow shared/fixtures/feeds/FORMATS.md §5: Nature RDF (PRISM, content:encoded with a
"Published online" line), Atypon RDF (Cell Press, Science, PNAS, ACS, Wiley), ScienceDirect,
Springer/BMC and IEEE RSS 2.0, PLOS Atom. Only the JPeds and bioRxiv samples are recordings, so
fields are found by name with fallbacks, and a field a document does not give stays None.
"""

from __future__ import annotations

import html
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit
from xml.sax import SAXException

import feedparser

from app.ingest.sanitize import html_to_text, sanitize_html
from app.schemas import AuthorRecord, PaperRecord, ParsedFeed
from app.text import clean_text, normalise_doi, split_arxiv_creators

_ENCODING_DECLARED_RE = re.compile(rb"^\s*<\?xml[^>]*\bencoding\s*=", re.I)
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_LEGACY_ENCODINGS = ("cp1252", "koi8_r", "cp1251")  # ties go to the first
_WORD_RE = re.compile(r"[^\W\d_]+")
_ROOT_CLOSE_RE = re.compile(r"</(?:[\w.-]+:)?(?:rss|RDF|feed)\s*>\Z")
_ENTRY_CLOSE_RE = re.compile(r"</(?:[\w.-]+:)?(?:item|entry)\s*>")
_HTML_PAGE_RE = re.compile(r"<!doctype\s+html|<html[\s>]", re.I)

# Platform wording around the journal's name in channel titles (FORMATS.md §5).
_TITLE_WRAPPER_RE = re.compile(
    r"^ScienceDirect Publication:\s*|\s*(?:-\s*new TOC|-\s*Latest Articles|:\s*Table of Contents"
    r"|:\s*Current Issue)\s*$",
    re.I,
)
_DOI_PATH_RE = re.compile(
    r"(?:^info:doi/|/doi/(?:abs/|full/|pdf/|epdf/|epub/)?|/(?:article|articles|chapter)/"
    r"|[?&](?:id|doi)=)(10\.\d{4,9}/[^?#&\s]+)",
    re.I,
)
_NATURE_ARTICLE_RE = re.compile(r"^https?://(?:www\.)?nature\.com/articles/([A-Za-z0-9.-]+)$")
_TRACKING_PARAMS = frozenset({"af", "dgcid", "rss"})
_INITIALS_RE = re.compile(r"(?:[^\W\d_]{1,2}\.[\s-]*)+")

# Header lines publishers put before the abstract; each is read, then cut (FORMATS.md §5).
# Possessive `*+`: a lazy scan here is quadratic in a hostile run of spaces.
_SEGMENT_RE = re.compile(
    r"\s*+(?:<p>)?(?P<inner>(?:(?!</?p>|<br>).)*+)(?:</p>|<br>|(?=<p>)|\Z)", re.S
)
_TAG_RE = re.compile(r"<[^>]*>")
_HEADER_RES = {
    "date": re.compile(r"^Publication date:\s*(?P<value>.+)$", re.I),  # ScienceDirect
    "source": re.compile(r"^Source:\s*(?P<value>.+)$", re.I),
    "authors": re.compile(r"^Author\(s\):\s*(?P<value>.+)$", re.I),
    "online": re.compile(r"^[^,]{1,120}, Published online:\s*(?P<value>[^;]+);\s*doi:\s*10\.\S+$"),
    "citation": re.compile(  # Atypon: "Science, Volume 383, Issue 6687, Page 1-5, March 2024."
        r"^(?P<value>[^,]{1,200},\s*(?:Volume\s[^,]+,\s*Issue\s[^,]+,.*?\d{4}|EarlyView))\.?$"
    ),
    "byline": re.compile(r"^by\s+(?P<value>.+)$"),  # PLOS Atom content
}
_ISO_DAY_RE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")


class JournalFeedError(ValueError):
    """The bytes hold no usable feed: an HTML page (bot challenge, error page) or unreadable XML."""


@dataclass
class _Header:
    """What the boilerplate before an abstract told us."""

    authors: str | None = None
    source: str | None = None
    day: date | None = None


def parse_journal_feed(body: bytes, *, feed_label: str | None = None) -> ParsedFeed:
    """A publisher's feed as records; a cut-off or ill-formed document keeps its complete entries.

    `feed_label` is the title to use when the document names no journal.
    """
    body = _transcode_undeclared(body)
    # A stream, never bytes: feedparser tries a bytes argument as a file path first.
    parsed = feedparser.parse(io.BytesIO(body), sanitize_html=False, resolve_relative_uris=False)
    text = _decoded(body, parsed.get("encoding"))
    version = parsed.get("version") or ""
    cut_off = bool(version) and not _ends_with_root_close(text)
    entries = parsed.entries[: len(_ENTRY_CLOSE_RE.findall(text))] if cut_off else parsed.entries
    atom = version.startswith("atom")
    records = [_record(entry, atom) for entry in entries if _has_content(entry)]
    title = _journal_name(parsed.feed, entries, atom)
    if not version and not records:
        raise JournalFeedError(_not_a_feed_message(text))
    ill_formed = _ill_formed(parsed)
    if (ill_formed or cut_off) and not records and not title:
        raise JournalFeedError(f"unreadable feed, nothing usable: {parsed.get('bozo_exception')}")
    return ParsedFeed(
        records=records,
        title=title or clean_text(feed_label),
        truncated=cut_off or (ill_formed and bool(records)),
        kind="atom" if atom else "rss",
    )


def _ends_with_root_close(text: str) -> bool:
    """The document ends with its root's end tag (trailing comments and spaces allowed)."""
    tail = text[-4096:].rstrip()
    while tail.endswith("-->") and (start := tail.rfind("<!--")) >= 0:
        tail = tail[:start].rstrip()
    return _ROOT_CLOSE_RE.search(tail) is not None


def _transcode_undeclared(body: bytes) -> bytes:
    """Bytes that declare no encoding and are not UTF-8, as UTF-8 from the likeliest 8-bit code.

    feedparser falls back to windows-1252 alone (chardet is not a dependency), which turns an
    undeclared KOI8-R or windows-1251 feed into Latin mojibake.
    """
    if body.startswith(_BOMS) or _ENCODING_DECLARED_RE.match(body[:256]):
        return body
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        best = max(_LEGACY_ENCODINGS, key=lambda name: _plausibility(body.decode(name, "replace")))
        return body.decode(best, "replace").encode("utf-8")
    return body


def _plausibility(text: str) -> int:
    """Non-ASCII words written in one script, in lower or title case: what real text looks like."""
    score = 0
    for word in _WORD_RE.findall(text):
        if word.isascii() or not (word.islower() or word.istitle()):
            continue
        if len({unicodedata.name(char, "?").split(" ")[0] for char in word}) == 1:
            score += 1
    return score


def _decoded(body: bytes, encoding: str | None) -> str:
    try:
        return body.decode(encoding or "utf-8", "replace")
    except LookupError:
        return body.decode("utf-8", "replace")


def _ill_formed(parsed: feedparser.FeedParserDict) -> bool:
    """An XML syntax error made feedparser fall back to its loose parser.

    An HTML named entity (`&aacute;`) is no loss: the loose parser decodes it. Encoding overrides
    are not syntax errors either.
    """
    error = parsed.get("bozo_exception")
    return isinstance(error, SAXException) and "undefined entity" not in str(error)


def _not_a_feed_message(text: str) -> str:
    if _HTML_PAGE_RE.search(text[:4096]):
        return "not a feed but an HTML page (a bot challenge, login or error page?)"
    return "not a feed: no RSS, RDF or Atom document found"


def _has_content(entry: feedparser.FeedParserDict) -> bool:
    return any(entry.get(key) for key in ("title", "summary", "content", "link", "id"))


def _journal_name(feed: feedparser.FeedParserDict, entries: list, atom: bool) -> str | None:
    """prism:publicationName, else the channel title without platform wording."""
    name = clean_text(feed.get("prism_publicationname"))
    if not name and feed.get("title"):
        name = clean_text(_TITLE_WRAPPER_RE.sub("", _as_text(feed, "title", atom) or ""))
    if not name and entries:
        name = clean_text(entries[0].get("prism_publicationname"))
    return name


def _record(entry: feedparser.FeedParserDict, atom: bool) -> PaperRecord:
    """One item/entry: plain-text fields cleaned, HTML sanitized, boilerplate read and cut."""
    content, header = _strip_header(sanitize_html(_entry_html(entry, atom)))
    url = _entry_url(entry)
    return PaperRecord(
        doi=_entry_doi(entry, url),
        guid=(entry.get("id") or "").strip() or None,
        title=_as_text(entry, "title", atom) or "",
        abstract=clean_text(html_to_text(content)),
        abstract_html=content if _worth_keeping(content) else None,
        authors=_entry_authors(entry) or split_creators(header.authors or ""),
        categories=list(dict.fromkeys(filter(None, map(_tag_term, entry.get("tags") or [])))),
        announced_on=_entry_day(entry) or header.day,
        url=url,
        journal_ref=clean_text(header.source) or _prism_citation(entry),
    )


def _as_text(item: feedparser.FeedParserDict, key: str, atom: bool) -> str | None:
    """A title as plain text. RSS titles carry markup (<i>, <sub>, <scp>) whatever feedparser
    guesses; only Atom says for sure that a title is text."""
    value = item.get(key)
    if not value:
        return None
    plain = atom and (item.get(f"{key}_detail") or {}).get("type") == "text/plain"
    return clean_text(value if plain else html_to_text(value))


def _entry_html(entry: feedparser.FeedParserDict, atom: bool) -> str:
    """The description as HTML: RSS content:encoded is fuller, an Atom summary is the abstract."""
    summary = entry.get("summary_detail")
    content = (entry.get("content") or [None])[0]
    for detail in (summary, content) if atom else (content, summary):
        if detail and (detail.get("value") or "").strip():
            value = detail["value"]
            return html.escape(value) if detail.get("type") == "text/plain" else value
    return ""


def _strip_header(content: str) -> tuple[str, _Header]:
    """Cut the publisher's lines before the abstract, keeping what they say about the paper."""
    header, position = _Header(), 0
    while position < len(content) and (segment := _SEGMENT_RE.match(content, position)):
        text = " ".join(html.unescape(_TAG_RE.sub("", segment["inner"])).split())
        kind, value = _header_line(text) if text else ("blank", "")
        if kind is None:
            break
        if kind in ("authors", "byline"):
            header.authors = header.authors or value
        elif kind in ("source", "citation"):
            header.source = header.source or value
        elif kind == "online" or (kind == "date" and value.startswith("Available online")):
            # ScienceDirect's bare "Publication date" is the cover date, not a listing day.
            header.day = header.day or _written_day(value.removeprefix("Available online"))
        position = segment.end() if segment.end() > position else len(content)
    if position == 0:
        return content, header
    return sanitize_html(content[position:]), header


def _header_line(text: str) -> tuple[str | None, str]:
    for kind, pattern in _HEADER_RES.items():
        if match := pattern.match(text):
            return kind, match["value"].strip()
    return None, ""


def _written_day(value: str) -> date | None:
    """ "06 March 2024" as a date; anything else (a month, a range) as None."""
    try:
        return datetime.strptime(value.strip(), "%d %B %Y").date()
    except ValueError:
        return None


def _worth_keeping(content: str) -> bool:
    """Sanitized HTML is kept only when it has formatting the plain text lacks."""
    return bool(re.search(r"<(?!/?p>)", content)) or content.count("<p>") > 1


def _entry_url(entry: feedparser.FeedParserDict) -> str | None:
    """The entry's web link (http/https only), without feed-tracking query parameters."""
    link = (entry.get("link") or entry.get("prism_url") or "").strip()
    parts = urlsplit(link)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if k.lower() not in _TRACKING_PARAMS and k[:4] != "utm_"]
    if len(kept) == len(pairs):
        return link
    return urlunsplit(parts._replace(query=urlencode(kept, safe="/:")))


def _entry_doi(entry: feedparser.FeedParserDict, url: str | None) -> str | None:
    """prism:doi, dc:identifier, the entry id, then DOI-bearing links (Atypon /doi/, Springer…)."""
    for value in (
        entry.get("prism_doi"),
        entry.get("dc_identifier"),
        entry.get("id"),
        url,
        entry.get("prism_url"),
    ):
        if doi := _doi_in(value):
            return doi
    return None


def _doi_in(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if doi := normalise_doi(value):
        return doi
    if match := _DOI_PATH_RE.search(unquote(value)):
        return normalise_doi(match[1])
    if match := _NATURE_ARTICLE_RE.match(value.split("?")[0]):
        return normalise_doi(f"10.1038/{match[1]}")  # nature.com article slugs are DOI suffixes
    return None


def _entry_authors(entry: feedparser.FeedParserDict) -> list[AuthorRecord]:
    """Repeated dc:creator / Atom author: one person each; a single one may list several."""
    names = [a.get("name") for a in entry.get("authors") or [] if a.get("name")]
    if len(names) == 1:
        return split_creators(names[0])
    people = (_person(name) for name in names)
    return [AuthorRecord(name=name) for name in people if name]


def split_creators(value: str) -> list[AuthorRecord]:
    """One creator string as authors: "A, B and C", "Surname, I.; …" or bioRxiv's "SURNAME, I., …".

    Commas split both authors and surname from initials in bioRxiv's RSS ("LAPALU, N., SIMON,
    A."), so when every second piece is initials the pieces are paired back into people.
    """
    authors: list[AuthorRecord] = []
    for group in value.split(";"):
        pieces = split_arxiv_creators(group)
        surnames, initials = pieces[0::2], pieces[1::2]
        paired = len(pieces) % 2 == 0 and all(map(_is_initials, initials))
        if pieces and paired and not any(map(_is_initials, surnames)):
            pieces = [
                AuthorRecord(name=f"{given.name} {surname.name}", affiliation=surname.affiliation)
                for surname, given in zip(surnames, initials, strict=True)
            ]
        authors.extend(pieces)
    return authors


def _is_initials(author: AuthorRecord) -> bool:
    return author.name[:1].isupper() and _INITIALS_RE.fullmatch(author.name) is not None


def _person(name: str) -> str | None:
    """One person's name; "Surname, Given" becomes "Given Surname"."""
    name = clean_text(name) or ""
    surname, comma, given = name.partition(",")
    if comma and given.strip() and "," not in given:
        return f"{given.strip()} {surname.strip()}"
    return name or None


def _tag_term(tag: dict) -> str | None:
    return clean_text(tag.get("term") or tag.get("label"))


def _entry_day(entry: feedparser.FeedParserDict) -> date | None:
    """The listing day as the publisher wrote it: pubDate/published, dc:date/updated, PRISM."""
    for key in ("published", "updated", "prism_publicationdate"):
        value = dict.get(entry, key)  # plain dict access: no feedparser key aliasing
        day = _day(value)
        if day is None and value and not _ISO_DAY_RE.match(value):
            # Formats only feedparser knows; not for ISO dates, which it rolls over (02-30).
            parsed = dict.get(entry, f"{key}_parsed")
            day = date(*parsed[:3]) if parsed else None
        if day:
            return day
    return None


def _day(value: str | None) -> date | None:
    """ "2024-03-06", "2018-12-17-08:00" (Atypon's malformed zone) or an RFC 822 date."""
    if not value or not value.strip():
        return None
    try:
        if match := _ISO_DAY_RE.match(value):
            return date(int(match[1]), int(match[2]), int(match[3]))
        return parsedate_to_datetime(value.strip()).date()
    except (TypeError, ValueError, IndexError):
        return None


def _prism_citation(entry: feedparser.FeedParserDict) -> str | None:
    """ "Journal 203(4), 68–75" from PRISM fields, when the entry names a volume."""
    name, volume = entry.get("prism_publicationname"), entry.get("prism_volume")
    if not name or not volume:
        return None
    citation = f"{name} {volume}"
    if number := entry.get("prism_number"):
        citation += f"({number})"
    start, end = entry.get("prism_startingpage"), entry.get("prism_endingpage")
    if start:
        citation += f", {start}–{end}" if end and end != start else f", {start}"
    return clean_text(citation)
