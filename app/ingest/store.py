"""Upsert parsed records into the database: one paper per canonical key, one listing per sighting.

The caller owns the transaction (one per fetched document), so a crash mid-document leaves the
database as it was. The version rules are decided by `plan_paper_write`, a pure function.

Twins: a journal article whose DOI equals a preprint's recorded DOI (arXiv's DOI field,
bioRxiv's `published`) is one paper with both listings, whichever arrives first. The journal
article attaches to the preprint's paper and leaves its link in `journal_url`; a preprint
arriving after its journal article takes that paper over (its key becomes the preprint's, the
journal link and DOI stay). Only an equal DOI links them; two preprints never merge.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.db import one_of
from app.models import (
    AnnouncementDay,
    Author,
    Category,
    Paper,
    PaperAuthor,
    PaperCategory,
    PaperListing,
)
from app.schemas import PaperRecord
from app.text import author_match_key

CHUNK = 2000  # bound IN (...) lists well below SQLite's 32,766-variable limit
FIRST_ANNOUNCEMENT_TYPES = {"new", "cross", None}
# Fields copied from a record onto a paper; `None` in a record never blanks a stored value.
PAPER_FIELDS = (
    "title",
    "abstract",
    "abstract_html",
    "doi",
    "submitted_at",
    "updated_at",
    "url",
    "pdf_url",
    "comments",
    "journal_ref",
    "license",
)


@dataclass
class StoreResult:
    """What one document changed."""

    entries_seen: int = 0
    papers_new: int = 0
    papers_updated: int = 0
    listings_new: int = 0
    paper_ids: list[int] = field(default_factory=list)


class StoredPaper(NamedTuple):
    """The few stored columns the version and twin rules need (a tuple: built once per row)."""

    id: int
    arxiv_id: str | None
    doi: str | None
    version: int | None
    published_on: date | None
    missing: frozenset[str]
    key: str
    url: str | None = None
    journal_doi: str | None = None
    journal_url: str | None = None

    @property
    def is_preprint(self) -> bool:
        """An arXiv paper, or one known to have become a journal article."""
        return bool(self.arxiv_id or self.journal_doi)


def plan_paper_write(stored: StoredPaper, record: PaperRecord) -> dict[str, object]:
    """Column updates a record earns: a newer version rewrites, an equal one fills blanks."""
    newer = (record.version or 0) > (stored.version or 0)
    values: dict[str, object] = {}
    for name in PAPER_FIELDS:
        value = getattr(record, name)
        if value is not None and (newer or name in stored.missing):
            values[name] = value
    if newer:
        values["version"] = record.version
        if record.announce_type:
            values["announce_type"] = record.announce_type
        if record.categories:
            values["primary_category"] = record.categories[0]
        if label := _record_label(record):
            values["source_label"] = label
    first_day = _first_announcement_day(record)
    if first_day and (stored.published_on is None or first_day < stored.published_on):
        values["published_on"] = first_day
    values.update(_plan_twin(stored, record))
    return values


def _plan_twin(stored: StoredPaper, record: PaperRecord) -> dict[str, object]:
    """The key and journal columns: a preprint takes over its journal article's paper, a
    journal article leaves its link on its preprint's paper, a preprint records its journal DOI.
    """
    values: dict[str, object] = {}
    if record.arxiv_id and not stored.arxiv_id:
        values["arxiv_id"] = record.arxiv_id
    preprint, elsewhere = record.is_preprint, record.canonical_key != stored.key
    takeover = preprint and elsewhere
    if takeover:
        # The stored paper was the journal article: the preprint's key and DOI, the journal's
        # link and DOI kept aside (its old public id doi:<journal doi> still finds it).
        values["key"] = record.canonical_key
        values["doi"] = record.doi or stored.doi
        if stored.url and stored.journal_url is None:
            values["journal_url"] = stored.url
        if record.abstract and record.abstract_html is None:
            values["abstract_html"] = None  # the journal's HTML no longer matches the abstract
    own_doi = values.get("doi", stored.doi)
    journal_doi = record.published_doi or (None if preprint else record.doi)
    if takeover and stored.doi != own_doi:
        journal_doi = journal_doi or stored.doi
    if journal_doi and journal_doi != own_doi and stored.journal_doi is None:
        values["journal_doi"] = journal_doi
    if not preprint and elsewhere and record.url and stored.journal_url is None:
        values["journal_url"] = record.url
    return values


def arxiv_label(primary_category: str) -> str:
    """The seed page's source label, e.g. "arXiv (CS.AI)"."""
    return f"arXiv ({primary_category.upper()})"


def _record_label(record: PaperRecord) -> str | None:
    """A record's own label: arXiv's from its primary category, else what its parser named."""
    if record.arxiv_id and record.categories:
        return arxiv_label(record.categories[0])
    return record.source_label


def _first_announcement_day(record: PaperRecord) -> date | None:
    if record.announce_type in FIRST_ANNOUNCEMENT_TYPES and record.announced_on:
        return record.announced_on
    return None


def upsert_papers(
    session: Session,
    records: Sequence[PaperRecord],
    *,
    source_id: int,
    source_label: str,
    now: datetime,
    origin: str = "feed",
) -> StoreResult:
    """Store one document's records: new papers, newer versions in place, a listing for each."""
    records = _newest_per_key(records)
    result = StoreResult(entries_seen=len(records))
    stored = _load_stored(session, records)
    fresh = [r for r in records if r.canonical_key not in stored]
    created = _insert_papers(session, fresh, source_label, now)
    if fresh:
        stored.update(_load_stored(session, fresh))
    result.papers_new = len(created)
    rewrite = [(stored[r.canonical_key].id, r) for r in fresh if r.canonical_key in created]
    touched = {paper_id for paper_id, _ in rewrite}
    for record in records:
        if record.canonical_key in created:
            continue
        paper = stored[record.canonical_key]
        values = plan_paper_write(paper, record)
        if values:
            values["modified_at"] = now
            session.execute(update(Paper).where(Paper.id == paper.id).values(**values))
            touched.add(paper.id)
            if "version" in values:
                result.papers_updated += 1
                rewrite.append((paper.id, record))
    _write_bylines(session, rewrite)
    ids = {r.canonical_key: stored[r.canonical_key].id for r in records}
    listed = _insert_listings(session, records, ids, source_id, origin, now)
    result.listings_new = len(listed)
    # A new listing (a cross-list, a late day) changes what pages show: move modified_at so
    # the data version behind Last-Modified moves too.
    relisted = sorted(set(listed) - touched)
    for chunk in _chunks(relisted):
        session.execute(
            update(Paper).where(one_of(session, Paper.id, chunk)).values(modified_at=now)
        )
    result.paper_ids = list(ids.values())
    return result


def record_announcement_day(
    session: Session, source_id: int, day: date, origin: str, entries: int
) -> None:
    """Remember that a source's announcement for `day` was seen (for gap detection)."""
    existing = session.get(AnnouncementDay, (source_id, day))
    if existing is None:
        session.add(AnnouncementDay(source_id=source_id, day=day, origin=origin, entries=entries))
    else:
        existing.entries = max(existing.entries, entries)


def _newest_per_key(records: Sequence[PaperRecord]) -> list[PaperRecord]:
    best: dict[str, PaperRecord] = {}
    for record in records:
        key = record.canonical_key
        if key not in best or (record.version or 0) > (best[key].version or 0):
            best[key] = record
    return list(best.values())


def _chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_STORED_COLUMNS = (
    Paper.id,
    Paper.key,
    Paper.arxiv_id,
    Paper.doi,
    Paper.journal_doi,
    Paper.journal_url,
    Paper.version,
    Paper.published_on,
    *(getattr(Paper, name) for name in PAPER_FIELDS if name != "doi"),
)


def _load_stored(session: Session, records: Sequence[PaperRecord]) -> dict[str, StoredPaper]:
    """Stored papers by the records' canonical keys, matching by key, then by a twin's DOI."""
    found: dict[str, StoredPaper] = {}
    keys = [r.canonical_key for r in records]
    for chunk in _chunks(keys):
        for row in session.execute(
            select(*_STORED_COLUMNS).where(one_of(session, Paper.key, chunk))
        ):
            found[row.key] = _stored(row)
    pending = [r for r in records if r.canonical_key not in found and r.twin_dois]
    twins = _load_by_doi(session, sorted({doi for r in pending for doi in r.twin_dois}))
    for record in pending:
        for doi in record.twin_dois:
            match = twins.get(doi)
            # Two preprints that claim one DOI stay two papers: a DOI never merges preprints.
            if match and not (match.is_preprint and record.is_preprint):
                found[record.canonical_key] = match
                break
    return found


def _load_by_doi(session: Session, dois: list[str]) -> dict[str, StoredPaper]:
    """Stored papers by their own DOI or their journal version's: one query per chunk."""
    by_doi: dict[str, StoredPaper] = {}
    for chunk in _chunks(dois, CHUNK // 2):
        statement = select(*_STORED_COLUMNS).where(
            or_(one_of(session, Paper.doi, chunk), one_of(session, Paper.journal_doi, chunk))
        )
        for row in session.execute(statement):
            stored = _stored(row)
            for doi in (row.doi, row.journal_doi):
                if doi:
                    by_doi.setdefault(doi, stored)
    return by_doi


def _stored(row) -> StoredPaper:
    missing = frozenset(name for name in PAPER_FIELDS if getattr(row, name) is None)
    return StoredPaper(
        row.id,
        row.arxiv_id,
        row.doi,
        row.version,
        row.published_on,
        missing,
        row.key,
        row.url,
        row.journal_doi,
        row.journal_url,
    )


def _insert_ignore(
    session: Session, model, rows: list[dict], conflict: Sequence[str], returning=None
) -> list:
    """INSERT … ON CONFLICT DO NOTHING, so a concurrent writer's row is not an error.

    With `returning`, gives that column of the rows this statement really inserted.
    """
    if not rows:
        return []
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    # The Core table, not the mapped class: the ORM's bulk-insert layer costs ~2x on PostgreSQL.
    statement = dialect.insert(model.__table__).on_conflict_do_nothing(
        index_elements=list(conflict)
    )
    if returning is None:
        session.execute(statement, rows)
        return []
    return list(session.scalars(statement.returning(returning), rows))


def _insert_papers(
    session: Session, records: list[PaperRecord], source_label: str, now: datetime
) -> set[str]:
    """Insert papers not stored yet; returns the keys this transaction created."""
    rows = [paper_row(r, source_label, now) for r in records]
    return set(_insert_ignore(session, Paper, rows, ["key"], returning=Paper.__table__.c.key))


def paper_row(record: PaperRecord, source_label: str, now: datetime) -> dict[str, object]:
    """The papers row of a record stored for the first time (also the bulk import's rows)."""
    primary = record.categories[0] if record.categories else None
    label = _record_label(record) or source_label
    first_day = record.announced_on or (record.submitted_at.date() if record.submitted_at else None)
    row: dict[str, object] = {name: getattr(record, name) for name in PAPER_FIELDS}
    row.update(
        key=record.canonical_key,
        arxiv_id=record.arxiv_id,
        journal_doi=record.published_doi,
        version=record.version,
        announce_type=record.announce_type,
        published_on=first_day,
        primary_category=primary,
        source_label=label,
        created_at=now,
        modified_at=now,
    )
    return row


def _write_bylines(session: Session, papers: list[tuple[int, PaperRecord]]) -> None:
    """Write authors and categories of new papers and of papers that got a newer version."""
    with_authors = [(pid, r) for pid, r in papers if r.authors]
    with_categories = [(pid, r) for pid, r in papers if r.categories]
    author_ids = _ensure_authors(session, [a.name for _, r in with_authors for a in r.authors])
    _ensure_categories(session, {c for _, r in with_categories for c in r.categories})
    for chunk in _chunks([pid for pid, _ in with_authors]):
        session.execute(delete(PaperAuthor).where(one_of(session, PaperAuthor.paper_id, chunk)))
    for chunk in _chunks([pid for pid, _ in with_categories]):
        session.execute(delete(PaperCategory).where(one_of(session, PaperCategory.paper_id, chunk)))
    byline_rows = [
        {
            "paper_id": pid,
            "position": position,
            "author_id": author_ids[author_match_key(author.name)],
            "affiliation": author.affiliation,
        }
        for pid, record in with_authors
        for position, author in enumerate(record.authors)
    ]
    category_rows = [
        {"paper_id": pid, "category": code, "position": position}
        for pid, record in with_categories
        for position, code in enumerate(dict.fromkeys(record.categories))
    ]
    if byline_rows:
        session.execute(PaperAuthor.__table__.insert(), byline_rows)
    if category_rows:
        session.execute(PaperCategory.__table__.insert(), category_rows)


def _ensure_authors(session: Session, names: list[str]) -> dict[str, int]:
    """Author ids by match key, creating the authors not seen before (first spelling wins)."""
    first_name: dict[str, str] = {}
    for name in names:
        first_name.setdefault(author_match_key(name), name)
    ids = _author_ids(session, list(first_name))
    missing = [{"name": first_name[k], "match_key": k} for k in first_name if k not in ids]
    if missing:
        _insert_ignore(session, Author, missing, ["match_key"])
        ids.update(_author_ids(session, [row["match_key"] for row in missing]))
    return ids


def _author_ids(session: Session, keys: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for chunk in _chunks(keys):
        statement = select(Author.match_key, Author.id).where(
            one_of(session, Author.match_key, chunk)
        )
        ids.update((key, id_) for key, id_ in session.execute(statement))
    return ids


def _ensure_categories(session: Session, codes: set[str]) -> None:
    if codes:
        _insert_ignore(session, Category, [{"code": c} for c in sorted(codes)], ["code"])


def _insert_listings(
    session: Session,
    records: list[PaperRecord],
    ids: dict[str, int],
    source_id: int,
    origin: str,
    now: datetime,
) -> list[int]:
    """Add one listing per (paper, source, day) not recorded yet; returns the papers listed."""
    wanted = {(ids[r.canonical_key], r.announced_on): r for r in records}
    existing: set[tuple[int, date | None]] = set()
    for chunk in _chunks(sorted({pid for pid, _ in wanted})):
        statement = select(PaperListing.paper_id, PaperListing.listed_on).where(
            PaperListing.source_id == source_id, one_of(session, PaperListing.paper_id, chunk)
        )
        existing.update((pid, day) for pid, day in session.execute(statement))
    rows = [
        {
            "paper_id": pid,
            "source_id": source_id,
            "listed_on": day,
            "announce_type": record.announce_type,
            "version": record.version,
            "origin": origin,
            "created_at": now,
        }
        for (pid, day), record in wanted.items()
        if (pid, day) not in existing
    ]
    _insert_ignore(session, PaperListing, rows, ["paper_id", "source_id", "listed_on"])
    return [row["paper_id"] for row in rows]
