"""TL;DR cache queries: which papers still need one, claims (the row is the claim), results, and
the TL;DRs shown on cards. Callers own the transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.briefings.store import internal_ids
from app.models import Paper, PaperTldr
from app.schemas import PaperItem

STALE_AFTER = timedelta(minutes=30)  # a claim this old without text lost its worker


@dataclass(frozen=True)
class TldrKey:
    paper_id: int
    version: int
    model: str
    prompt_version: str


def claim_tldrs(
    session: Session, items: list[PaperItem], model: str, prompt_version: str, now: datetime
) -> dict[str, TldrKey]:
    """Claim a TL;DR of the current version of each paper that has none; returns the claimed
    keys by public paper id. A paper another worker holds (or has done) is left out."""
    ids = internal_ids(session, [item.id for item in items])
    rows = session.execute(select(Paper.id, Paper.version).where(Paper.id.in_(list(ids.values()))))
    versions = {row_id: version for row_id, version in rows}
    wanted = {pid: TldrKey(ids[pid], versions[ids[pid]] or 0, model, prompt_version) for pid in ids}
    existing = set(
        session.execute(
            select(PaperTldr.paper_id, PaperTldr.version, PaperTldr.text, PaperTldr.created_at)
            .where(PaperTldr.paper_id.in_([k.paper_id for k in wanted.values()]))
            .where(PaperTldr.model == model, PaperTldr.prompt_version == prompt_version)
        )
    )
    fresh = {(p, v) for p, v, text, at in existing if text is not None or at >= now - STALE_AFTER}
    stale = {(p, v) for p, v, text, at in existing if (p, v) not in fresh}
    claimed = {}
    for public_id, key in wanted.items():
        if (key.paper_id, key.version) in fresh:
            continue
        if (key.paper_id, key.version) in stale:
            if _reclaim(session, key, now):
                claimed[public_id] = key
        elif _insert(session, key, now):
            claimed[public_id] = key
    return claimed


def _insert(session: Session, key: TldrKey, now: datetime) -> bool:
    try:
        with session.begin_nested():
            session.add(PaperTldr(**key.__dict__, text=None, created_at=now))
        return True
    except IntegrityError:  # another worker claimed it first
        return False


def _reclaim(session: Session, key: TldrKey, now: datetime) -> bool:
    statement = (
        update(PaperTldr)
        .where(*_matches(key), PaperTldr.text.is_(None), PaperTldr.created_at < now - STALE_AFTER)
        .values(created_at=now)
    )
    return session.execute(statement).rowcount == 1


def _matches(key: TldrKey) -> tuple:
    return (
        PaperTldr.paper_id == key.paper_id,
        PaperTldr.version == key.version,
        PaperTldr.model == key.model,
        PaperTldr.prompt_version == key.prompt_version,
    )


def save_tldr(session: Session, key: TldrKey, text: str | None) -> None:
    """Store a claimed TL;DR; None gives the claim back so a later run tries again."""
    if text is None:
        session.query(PaperTldr).filter(*_matches(key)).delete()
    else:
        session.execute(update(PaperTldr).where(*_matches(key)).values(text=text))


def tldrs_by_row(session: Session, row_ids: list[int]) -> dict[int, str]:
    """The TL;DR of each paper's current version by row id: an LLM's when there is one, else
    offline's."""
    rows = session.execute(
        select(PaperTldr.paper_id, PaperTldr.model, PaperTldr.text, PaperTldr.created_at)
        .join(Paper, Paper.id == PaperTldr.paper_id)
        .where(PaperTldr.paper_id.in_(row_ids), PaperTldr.text.is_not(None))
        .where(PaperTldr.version == func.coalesce(Paper.version, 0))
    )
    best: dict[int, tuple] = {}
    for row_id, model, text, created_at in rows:
        rank = (model != "offline", created_at)
        if row_id not in best or rank > best[row_id][0]:
            best[row_id] = (rank, text)
    return {row_id: text for row_id, (_, text) in best.items()}
