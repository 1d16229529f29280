"""Papers as citation managers need them (BibTeX, RIS): one typed record per paper, loaded in
batches through the read side's item loader."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.curation.items import load_items
from app.db import one_of
from app.library.store import load_saved
from app.models import Paper

# "bioRxiv (Cancer Biology)" -> "bioRxiv": the venue, without the subject.
_LABEL_SUBJECT = re.compile(r"\s*\([^()]*\)\s*$")
# Preprint servers' DOI prefixes (bioRxiv/medRxiv): such a DOI is not a journal article's.
PREPRINT_DOI_PREFIXES = ("10.1101/", "10.64898/", "10.48550/")


@dataclass(frozen=True)
class ExportPaper:
    """One paper for export: bibliographic fields, plus the person's tags and note if saved."""

    public_id: str
    title: str
    authors: tuple[str, ...]
    abstract: str | None
    published: date | None
    arxiv_id: str | None
    version: int | None
    categories: tuple[str, ...]  # primary first
    doi: str | None
    journal_doi: str | None
    journal: str | None  # the venue's name, when the paper appeared in (or as) a journal
    url: str | None
    pdf_url: str | None
    tags: tuple[str, ...] = ()
    note: str | None = None
    saved_at: datetime | None = None

    @property
    def primary_category(self) -> str | None:
        return self.categories[0] if self.categories else None

    @property
    def is_article(self) -> bool:
        """A journal article (or one known to have become one), rather than only a preprint."""
        if self.journal or self.journal_doi:
            return True
        return bool(self.doi) and not self.doi.startswith(PREPRINT_DOI_PREFIXES)


def load_export_papers(
    session: Session, paper_ids: Sequence[int], *, user_id: int | None = None
) -> list[ExportPaper]:
    """Export records for `paper_ids`, in that order; with `user_id`, their tags and notes."""
    ids = list(dict.fromkeys(paper_ids))
    if not ids:
        return []
    extra = {
        row.id: row
        for row in session.execute(
            select(Paper.id, Paper.arxiv_id, Paper.journal_ref).where(
                one_of(session, Paper.id, ids)
            )
        )
    }
    ids = [paper_id for paper_id in ids if paper_id in extra]
    saved = load_saved(session, user_id, ids) if user_id is not None else {}
    papers = []
    for paper_id, item in zip(ids, load_items(session, ids), strict=True):
        row, entry = extra[paper_id], saved.get(paper_id)
        venue = row.journal_ref if row.arxiv_id else _venue(item.source_label)
        papers.append(
            ExportPaper(
                public_id=item.id,
                title=item.title,
                authors=tuple(item.authors),
                abstract=item.abstract,
                published=item.published,
                arxiv_id=row.arxiv_id,
                version=item.version,
                categories=tuple(item.categories),
                doi=item.doi,
                journal_doi=item.journal_doi,
                journal=venue or None,
                url=item.url,
                pdf_url=item.pdf_url,
                tags=entry.tags if entry else (),
                note=entry.note if entry else None,
                saved_at=entry.saved_at if entry else None,
            )
        )
    return papers


def _venue(source_label: str | None) -> str | None:
    if not source_label:
        return None
    return _LABEL_SUBJECT.sub("", source_label).strip() or None
