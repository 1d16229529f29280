"""A small collection for the page tests: three papers over two days and two sources."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.db import transaction
from app.ingest.sources import add_source as create_source
from app.ingest.store import upsert_papers
from app.schemas import AuthorRecord, PaperRecord

NOW = datetime(2024, 11, 28, 6, tzinfo=UTC)
WED, THU, SAT, MON = date(2024, 11, 27), date(2024, 11, 28), date(2024, 11, 30), date(2024, 12, 2)


def record(arxiv_id: str, authors: list[str], categories: list[str], day: date, **extra):
    return PaperRecord(
        arxiv_id=arxiv_id,
        version=extra.pop("version", 1),
        title=extra.pop("title", f"Paper {arxiv_id}"),
        abstract=extra.pop("abstract", "An abstract with $\\alpha$."),
        authors=[AuthorRecord(name=n) for n in authors],
        categories=categories,
        announce_type=extra.pop("announce_type", "new"),
        announced_on=day,
        url=extra.pop("url", f"https://arxiv.org/abs/{arxiv_id}"),
        pdf_url=f"https://arxiv.org/pdf/{arxiv_id}",
        **extra,
    )


def add_source(session, label: str) -> int:
    category = label.split()[-1]
    return create_source(session, category, kind="arxiv", label=label, every_minutes=60, now=NOW).id


def store(session_factory, source_id: int, records: list[PaperRecord], now: datetime = NOW):
    with transaction(session_factory) as session:
        upsert_papers(session, records, source_id=source_id, source_label="arXiv", now=now)


def by_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"
