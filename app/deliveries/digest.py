"""The daily digest e-mail (pure): the day's radar as plain text and HTML, with a one-click
unsubscribe (RFC 8058: List-Unsubscribe plus List-Unsubscribe-Post) and a footer link."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from importlib.resources import files
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

EMAIL_TEMPLATES = Path(str(files("app.templates"))) / "email"
MAX_AUTHORS_SHOWN = 8

_TEMPLATES = Environment(
    loader=FileSystemLoader(EMAIL_TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class DigestItem:
    """One paper of a person's radar, as deliveries (digest, webhook) show it."""

    public_id: str
    title: str
    authors: tuple[str, ...]
    url: str | None
    pdf_url: str | None
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class DigestEntry:
    """What the templates show of one paper: plain values, links already made."""

    number: int
    title: str
    authors: str
    page_url: str
    url: str | None
    pdf_url: str | None
    reasons: tuple[str, ...]


def paper_page_url(base_url: str, public_id: str) -> str:
    """This instance's page of a paper (`/papers/{public id}`)."""
    return base_url.rstrip("/") + "/papers/" + quote(public_id, safe="/:")


def compose_digest(
    *,
    to: str,
    day: date,
    items: Sequence[DigestItem],
    base_url: str,
    unsubscribe_url: str,
    sender: str,
) -> EmailMessage:
    """The digest of `day`; an empty day has no digest (ValueError: send nothing)."""
    if not items:
        raise ValueError("an empty radar day sends no digest")
    entries = [_entry(n, item, base_url) for n, item in enumerate(items, start=1)]
    context = {
        "day": day.isoformat(),
        "entries": entries,
        "radar_url": base_url.rstrip("/") + "/radar",
        "unsubscribe_url": unsubscribe_url,
    }
    message = EmailMessage()
    count = f"{len(items)} paper{'s' if len(items) != 1 else ''}"
    message["Subject"] = f"Your AcademicHub radar for {day.isoformat()}: {count}"
    message["From"] = sender
    message["To"] = to
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    message.set_content(_TEMPLATES.get_template("digest.txt").render(**context))
    message.add_alternative(
        _TEMPLATES.get_template("digest.html").render(**context), subtype="html"
    )
    return message


def _entry(number: int, item: DigestItem, base_url: str) -> DigestEntry:
    authors = ", ".join(item.authors[:MAX_AUTHORS_SHOWN])
    if len(item.authors) > MAX_AUTHORS_SHOWN:
        authors += f" and {len(item.authors) - MAX_AUTHORS_SHOWN} more"
    return DigestEntry(
        number=number,
        title=" ".join(item.title.split()),
        authors=authors,
        page_url=paper_page_url(base_url, item.public_id),
        url=_web_link(item.url),
        pdf_url=_web_link(item.pdf_url),
        reasons=item.reasons,
    )


def _web_link(url: str | None) -> str | None:
    """Only http(s) links go into a mail (a feed could carry `javascript:`)."""
    return url if url and url.lower().startswith(("https://", "http://")) else None
