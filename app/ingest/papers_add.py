"""`papers add`: fetch single papers on demand, arXiv ids through the API, DOIs through Crossref.

Papers added by hand are listed under one built-in, disabled source ("Added by hand"), so they
have a listing like every other paper but nothing ever polls it. Each paper is stored in its own
transaction: one unknown id never stops the others.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db import transaction
from app.ingest.arxiv import split_arxiv_id
from app.ingest.arxiv_api import (
    ARXIV_API_URL,
    ID_BATCH,
    ArxivApiError,
    fetch_api_page,
    id_list_url,
)
from app.ingest.crossref import CrossrefError, parse_crossref_work
from app.ingest.fetch import FetchError, fetch_document
from app.ingest.ratelimit import HostLimiter
from app.ingest.schedule import announcement_day_of
from app.ingest.store import upsert_papers
from app.models import Source
from app.schemas import PaperRecord
from app.text import normalise_doi

CROSSREF_API_URL = "https://api.crossref.org/works"
MANUAL_SOURCE_URL = "academichub:papers-add"
MANUAL_SOURCE_LABEL = "Added by hand"
ARXIV_DOI_PREFIX = "10.48550/arxiv."  # arXiv's own DataCite DOIs name an arXiv id


@dataclass(frozen=True)
class AddOutcome:
    """One requested id: the public id and title of the stored paper, or why it failed."""

    target: str
    paper_id: str | None = None
    title: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class PaperApis:
    """Where to ask and how to wait; tests point the URLs at loopback and inject `sleep`."""

    arxiv_api_url: str = ARXIV_API_URL
    crossref_api_url: str = CROSSREF_API_URL
    sleep: Callable[[float], None] = time.sleep


def classify_target(target: str) -> tuple[str, str]:
    """("arxiv", "2411.17700v2") or ("doi", "10.1038/srep16696"); ValueError for neither."""
    doi = normalise_doi(target)
    if doi and doi.startswith(ARXIV_DOI_PREFIX):
        target = doi.removeprefix(ARXIV_DOI_PREFIX)
    elif doi:
        return "doi", doi
    try:
        arxiv_id, version = split_arxiv_id(target)
    except ValueError:
        raise ValueError(f"{target!r} is neither an arXiv id nor a DOI") from None
    return "arxiv", f"{arxiv_id}v{version}" if version else arxiv_id


def manual_source(session: Session, now: datetime) -> Source:
    """The disabled built-in source that lists papers added by hand (created on first use)."""
    source = session.scalar(select(Source).where(Source.url == MANUAL_SOURCE_URL))
    if source is None:
        source = Source(
            label=MANUAL_SOURCE_LABEL,
            kind="manual",
            url=MANUAL_SOURCE_URL,
            enabled=False,
            interval_minutes=60,
            status="new",
            failures=0,
            created_at=now,
        )
        session.add(source)
        session.flush()
    return source


def add_papers(
    session_factory: sessionmaker[Session],
    client: httpx.Client,
    limiter: HostLimiter,
    targets: Sequence[str],
    *,
    now: datetime,
    apis: PaperApis | None = None,
) -> list[AddOutcome]:
    """Fetch and store every target; the outcomes come back in the order asked."""
    apis = apis or PaperApis()
    outcomes: dict[str, AddOutcome] = {}
    arxiv_ids: dict[str, str] = {}
    dois: dict[str, str] = {}
    for target in dict.fromkeys(targets):
        try:
            kind, value = classify_target(target)
        except ValueError as error:
            outcomes[target] = AddOutcome(target, error=str(error))
            continue
        (arxiv_ids if kind == "arxiv" else dois)[target] = value
    with transaction(session_factory) as session:
        source_id = manual_source(session, now).id
    store = _Store(session_factory, source_id, now)
    for start in range(0, len(arxiv_ids), ID_BATCH):
        batch = dict(list(arxiv_ids.items())[start : start + ID_BATCH])
        outcomes.update(_add_arxiv_batch(client, limiter, batch, store, apis))
    for target, doi in dois.items():
        outcomes[target] = _add_doi(client, limiter, target, doi, store, apis)
    return [outcomes[target] for target in dict.fromkeys(targets)]


@dataclass(frozen=True)
class _Store:
    session_factory: sessionmaker[Session]
    source_id: int
    now: datetime

    def save(self, target: str, record: PaperRecord, label: str) -> AddOutcome:
        with transaction(self.session_factory) as session:
            upsert_papers(
                session,
                [record],
                source_id=self.source_id,
                source_label=label,
                now=self.now,
                origin="manual",
            )
        public_id = record.arxiv_id or f"doi:{record.doi}"
        return AddOutcome(target, paper_id=public_id, title=record.title)


def _add_arxiv_batch(
    client: httpx.Client,
    limiter: HostLimiter,
    batch: dict[str, str],
    store: _Store,
    apis: PaperApis,
) -> dict[str, AddOutcome]:
    """One id_list request for up to ID_BATCH ids; ids the API leaves out are not found."""
    url = id_list_url(apis.arxiv_api_url, list(batch.values()))
    try:
        feed = fetch_api_page(client, limiter, url, retries=3, sleep=apis.sleep)
    except (FetchError, ArxivApiError) as error:
        return {target: AddOutcome(target, error=f"arXiv API: {error}") for target in batch}
    found = {record.arxiv_id: record for record in feed.records if record.arxiv_id}
    outcomes = {}
    for target, value in batch.items():
        record = found.get(split_arxiv_id(value)[0])
        if record is None:
            outcomes[target] = AddOutcome(target, error=f"{value} was not found on arXiv")
            continue
        if record.submitted_at is not None:
            record = record.model_copy(
                update={"announced_on": announcement_day_of(record.submitted_at)}
            )
        outcomes[target] = store.save(target, record, "arXiv")
    return outcomes


def _add_doi(
    client: httpx.Client,
    limiter: HostLimiter,
    target: str,
    doi: str,
    store: _Store,
    apis: PaperApis,
) -> AddOutcome:
    """One Crossref lookup; the journal's name (container-title) becomes the source label."""
    url = f"{apis.crossref_api_url.rstrip('/')}/{quote(doi, safe='/')}"
    try:
        fetched = fetch_document(
            client, url, retries=3, sleep=apis.sleep, before_request=lambda: limiter.wait(url)
        )
    except FetchError as error:
        return AddOutcome(target, error=f"Crossref: {error}")
    if fetched.status_code == 404:
        return AddOutcome(target, error=f"{doi} was not found in Crossref")
    if fetched.status_code >= 400:
        return AddOutcome(target, error=f"Crossref: HTTP {fetched.status_code} for {doi}")
    try:
        record, journal = parse_crossref_work(fetched.body)
    except CrossrefError as error:
        return AddOutcome(target, error=f"Crossref: {error}")
    return store.save(target, record, journal or "Crossref")
