"""Seeding for the read side's tests: papers go in through the store, as the poller puts them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.db import transaction
from app.ingest.sources import add_source
from app.ingest.store import upsert_papers
from app.schemas import AuthorRecord, PaperRecord

NOW = datetime(2024, 11, 28, 6, tzinfo=UTC)
DAY = date(2024, 11, 28)


def record(arxiv_id: str, title: str = "", abstract: str = "", **extra) -> PaperRecord:
    """An arXiv-like record; authors and categories default to one each."""
    authors = extra.pop("authors", ["Grace Hopper"])
    return PaperRecord(
        arxiv_id=arxiv_id,
        version=extra.pop("version", 1),
        title=title or f"Paper {arxiv_id}",
        abstract=abstract or "Plain words about nothing in particular.",
        authors=[AuthorRecord(name=name) for name in authors],
        categories=extra.pop("categories", ["cs.AI"]),
        announce_type=extra.pop("announce_type", "new"),
        announced_on=extra.pop("announced_on", DAY),
        url=f"https://arxiv.org/abs/{arxiv_id}",
        **extra,
    )


class Seeder:
    """Adds sources and stores records through `upsert_papers`, each call one transaction."""

    def __init__(self, session_factory) -> None:
        self.sessions = session_factory
        self.sources: dict[str, int] = {}

    def source(self, name: str = "cs.AI") -> int:
        if name not in self.sources:
            with transaction(self.sessions) as session:
                source = add_source(
                    session, name, kind="arxiv", label=f"arXiv {name}", every_minutes=60, now=NOW
                )
                self.sources[name] = source.id
        return self.sources[name]

    def store(
        self, records: list[PaperRecord], source: str = "cs.AI", now: datetime = NOW
    ) -> list[int]:
        """Store `records` as one document of `source`; returns their paper ids in order."""
        source_id = self.source(source)
        with transaction(self.sessions) as session:
            result = upsert_papers(
                session, records, source_id=source_id, source_label="arXiv", now=now
            )
            return result.paper_ids
