"""Real papers for the radar's tests: the recorded 2024-11-28 arXiv feed, stored through the
real store over two announcement days."""

from __future__ import annotations

from datetime import date

from app.schemas import PaperRecord
from tests.briefings.papers import recorded_records
from tests.curation.seeding import Seeder

WED, THU = date(2024, 11, 27), date(2024, 11, 28)


def by_archive(archive: str, count: int) -> list[PaperRecord]:
    """The first `count` papers with an abstract whose primary category is in `archive`."""
    found = [
        r for r in recorded_records() if r.abstract and r.categories[0].split(".")[0] == archive
    ]
    return found[:count]


def store_days(seeder: Seeder, wednesday: list[PaperRecord], thursday: list[PaperRecord]):
    """Store papers listed on Wednesday and on Thursday (the latest day); {arxiv id: row id}."""
    ids: dict[str, int] = {}
    for day, records in ((WED, wednesday), (THU, thursday)):
        dated = [r.model_copy(update={"announced_on": day}) for r in records]
        stored = seeder.store(dated, source="cs.AI")
        ids.update(zip((r.arxiv_id for r in dated), stored, strict=True))
    return ids
