"""Crossref `/works/{doi}` JSON, bytes in, one record out (pure).

Shapes (shared/fixtures/feeds/README.md, crossref/): `title` and `container-title` are arrays,
dates are `{"date-parts": [[y, m, d]]}` with 1-, 2- or 3-part (even `[[null]]`) values, authors
are `{given, family}` or `{name}` for groups, and the abstract is a JATS XML string.
"""

from __future__ import annotations

import json
import re
from datetime import date

from app.ingest.sanitize import html_to_text, sanitize_html
from app.schemas import AuthorRecord, PaperRecord
from app.text import clean_text, normalise_doi

# JATS elements as the HTML we keep; any other jats:* tag is dropped and its text kept.
_JATS_AS_HTML = {
    "p": "p",
    "italic": "i",
    "bold": "b",
    "sup": "sup",
    "sub": "sub",
    "list": "ul",
    "list-item": "li",
    "sec": "div",
    "title": "h3",
}
_JATS_TAG_RE = re.compile(r"<(/?)jats:([\w-]+)[^>]*?(/?)>")
_ABSTRACT_HEADING_RE = re.compile(r"^\s*<jats:title>\s*abstract\s*</jats:title>", re.I)
# Order of preference for the paper's date: first online, then the record's own summary.
_DATE_FIELDS = ("published-online", "published", "published-print", "issued")


class CrossrefError(ValueError):
    """The body is not a Crossref work."""


def parse_crossref_work(body: bytes) -> tuple[PaperRecord, str | None]:
    """The work as a record, and its container title (the journal) for the source label."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CrossrefError(f"not JSON: {error}") from error
    message = document.get("message") if isinstance(document, dict) else None
    if not isinstance(message, dict) or not message.get("DOI"):
        raise CrossrefError("not a Crossref work (no message.DOI)")
    abstract_html = jats_to_html(message.get("abstract") or "")
    record = PaperRecord(
        doi=normalise_doi(message["DOI"]),
        title=_title(message.get("title")) or message["DOI"],
        abstract=html_to_text(abstract_html) or None,
        abstract_html=abstract_html or None,
        authors=[a for a in map(_author, message.get("author") or []) if a.name],
        announced_on=work_date(message),
        url=message.get("URL") or f"https://doi.org/{message['DOI']}",
        pdf_url=_pdf_link(message.get("link") or []),
        license=_license(message.get("license") or []),
        categories=[],
    )
    return record, _title(message.get("container-title"))


def jats_to_html(jats: str) -> str:
    """A JATS abstract as sanitized HTML; the leading "Abstract" heading is dropped."""
    if not jats.strip():
        return ""
    html = _JATS_TAG_RE.sub(_jats_tag, _ABSTRACT_HEADING_RE.sub("", jats))
    return sanitize_html(html)


def _jats_tag(match: re.Match[str]) -> str:
    closing, name, self_closing = match.groups()
    tag = _JATS_AS_HTML.get(name)
    if tag is None or self_closing:
        return ""
    return f"<{closing}{tag}>"


def work_date(message: dict) -> date | None:
    """The first complete-enough date: a missing month or day counts as the first."""
    for name in _DATE_FIELDS:
        parts = ((message.get(name) or {}).get("date-parts") or [[None]])[0]
        if parts and parts[0]:
            year, month, day = ([*parts, 1, 1])[:3]
            try:
                return date(int(year), int(month or 1), int(day or 1))
            except (TypeError, ValueError):
                continue
    return None


def _title(values: list[str] | None) -> str | None:
    """The first title, its markup (`<scp>`, `<i>`) and layout whitespace removed."""
    if not values:
        return None
    return clean_text(html_to_text(values[0]).replace("\n", " ")) or None


def _author(author: dict) -> AuthorRecord:
    name = " ".join(p for p in (author.get("given"), author.get("family")) if p) or author.get(
        "name", ""
    )
    affiliations = [a.get("name") for a in author.get("affiliation") or [] if a.get("name")]
    return AuthorRecord(name=clean_text(name) or "", affiliation="; ".join(affiliations) or None)


def _pdf_link(links: list[dict]) -> str | None:
    for link in links:
        if link.get("content-type") == "application/pdf" and link.get("URL"):
            return link["URL"]
    return None


def _license(licenses: list[dict]) -> str | None:
    """The version-of-record licence URL, else the first one."""
    for item in licenses:
        if item.get("content-version") == "vor" and item.get("URL"):
            return item["URL"]
    return next((item["URL"] for item in licenses if item.get("URL")), None)
