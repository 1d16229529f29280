"""Page contexts of the briefing pages (list and one briefing) and the Markdown download."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from app.briefings.records import BriefingRecord
from app.briefings.scope import BriefingScope
from app.web.briefing_markdown import render_briefing
from app.web.links import paper_href
from app.web.render import readable_date
from app.web.views import Pager

STATUS_TEXT = {
    "queued": "Queued",
    "running": "Being written",
    "done": "Ready",
    "failed": "Failed",
}


@dataclass(frozen=True)
class BriefingRow:
    href: str
    title: str
    status: str
    status_text: str
    backend: str
    created_text: str
    papers: int


@dataclass(frozen=True)
class BriefingListPage:
    title: str
    rows: tuple[BriefingRow, ...]
    pager: Pager | None


@dataclass(frozen=True)
class ReferenceView:
    n: int
    title: str
    authors: str
    source_label: str | None
    href: str


@dataclass(frozen=True)
class BriefingPage:
    title: str
    status: str
    status_text: str
    backend: str
    model: str | None
    created_text: str
    tokens_text: str | None
    notice: str | None
    error: str | None
    body_html: Markup | None
    references: tuple[ReferenceView, ...]
    download_href: str
    json_href: str
    pending: bool  # queued or running: the page refreshes itself


def briefing_title(record: BriefingRecord) -> str:
    """The body's first heading, else the scope's description."""
    if record.body and record.body.startswith("# "):
        return record.body.splitlines()[0][2:].strip()
    return BriefingScope.from_json(record.scope).describe()


def _created(record: BriefingRecord) -> str:
    return f"{readable_date(record.created_at.date())}, {record.created_at:%H:%M} UTC"


def build_list_page(records: list[BriefingRecord], pager: Pager | None) -> BriefingListPage:
    rows = tuple(
        BriefingRow(
            href=f"/briefings/{r.id}",
            title=briefing_title(r),
            status=r.status,
            status_text=STATUS_TEXT.get(r.status, r.status),
            backend=r.backend + (f" · {r.model}" if r.model else ""),
            created_text=_created(r),
            papers=len(r.references),
        )
        for r in records
    )
    return BriefingListPage("Briefings · AcademicHub", rows, pager)


def _authors(names: list[str]) -> str:
    return ", ".join(names[:6]) + (" et al." if len(names) > 6 else "")


def build_briefing_page(record: BriefingRecord) -> BriefingPage:
    numbers = {r.n for r in record.references}
    body = None
    if record.status == "done" and record.body:
        # The heading is the page's h1; the body starts below it.
        text = record.body.split("\n", 1)[1] if record.body.startswith("# ") else record.body
        body = render_briefing(text, numbers)
    tokens = None
    if record.prompt_tokens or record.completion_tokens:
        tokens = (
            f"{record.prompt_tokens:,} prompt + {record.completion_tokens:,} completion tokens"
            f" · ${record.cost_usd:.4f}"
        )
    return BriefingPage(
        title=briefing_title(record),
        status=record.status,
        status_text=STATUS_TEXT.get(record.status, record.status),
        backend=record.backend,
        model=record.model,
        created_text=_created(record),
        tokens_text=tokens,
        notice=record.notice,
        error=record.error,
        body_html=body,
        references=tuple(
            ReferenceView(r.n, r.title, _authors(r.authors), r.source_label, paper_href(r.paper_id))
            for r in record.references
        ),
        download_href=f"/briefings/{record.id}.md",
        json_href=f"/api/briefings/{record.id}",
        pending=record.status in ("queued", "running"),
    )


def briefing_markdown(record: BriefingRecord, base_url: str) -> str:
    """The body with its numbered references appended: a file that stands on its own."""
    lines = [record.body or "", "", "## References", ""]
    for r in record.references:
        authors = _authors(r.authors)
        source = f" {r.source_label}." if r.source_label else ""
        link = f"{base_url.rstrip('/')}{paper_href(r.paper_id)}"
        lines.append(f"{r.n}. {r.title}. {authors}.{source} <{link}>")
    return "\n".join(lines).strip() + "\n"
