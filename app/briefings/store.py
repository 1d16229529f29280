"""Every briefing query: requests (job rows), claims, results, reads and the LLM ledger.

Callers own the transaction. A request is a `briefings` row in status `queued`; a worker claims
it with `FOR UPDATE SKIP LOCKED` on PostgreSQL (several workers share the queue, none takes a row
twice); SQLite's BEGIN IMMEDIATE already serialises writers on one machine.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.briefings.draft import Draft
from app.briefings.records import BriefingRecord, ReferenceItem
from app.briefings.scope import BriefingScope
from app.curation.items import load_items
from app.db import is_postgres
from app.models import Briefing, BriefingPaper, LlmUsage, Paper

STALE_AFTER = timedelta(minutes=30)  # a running row this old lost its worker: claim it again


def request_briefing(
    session: Session, scope: BriefingScope, backend: str, requester: str, now: datetime
) -> Briefing:
    """Queue a briefing of `scope`; returns the row (its id is the job id)."""
    row = Briefing(
        status="queued",
        user_id=scope.radar_user,
        scope=scope.dumps(),
        backend=backend,
        requester=requester,
        created_at=now,
        prompt_tokens=0,
        completion_tokens=0,
        cost_usd=0.0,
    )
    session.add(row)
    session.flush()
    return row


def claim_briefing(session: Session, now: datetime, only: int | None = None) -> Briefing | None:
    """Take the oldest queued briefing (or a stale running one) for this worker, marking it
    running; None when there is nothing to do."""
    ready = or_(
        Briefing.status == "queued",
        (Briefing.status == "running") & (Briefing.started_at < now - STALE_AFTER),
    )
    statement = select(Briefing).where(ready).order_by(Briefing.id).limit(1)
    if only is not None:
        statement = statement.where(Briefing.id == only)
    if is_postgres(session):
        statement = statement.with_for_update(skip_locked=True)
    row = session.scalars(statement).first()
    if row is None:
        return None
    row.status = "running"
    row.started_at = now
    session.flush()
    return row


def save_result(
    session: Session, briefing_id: int, draft: Draft, scope: BriefingScope, now
) -> None:
    """Store a backend's outcome: body and numbered references when valid, else the reason."""
    row = session.get_one(Briefing, briefing_id)
    row.scope = scope.dumps()
    row.backend = draft.backend
    row.model = draft.model
    row.prompt_tokens = draft.prompt_tokens
    row.completion_tokens = draft.completion_tokens
    row.cost_usd = round(draft.cost_usd, 6)
    row.notice = draft.notice
    row.finished_at = now
    session.query(BriefingPaper).filter(BriefingPaper.briefing_id == briefing_id).delete()
    if draft.error:
        row.status, row.error, row.body = "failed", draft.error, None
        return
    row.status, row.error, row.body = "done", None, draft.body
    ids = internal_ids(session, [item.id for item in draft.references])
    session.add_all(
        BriefingPaper(briefing_id=briefing_id, n=n, paper_id=ids[item.id])
        for n, item in enumerate(draft.references, start=1)
    )


def internal_ids(session: Session, public_ids: list[str]) -> dict[str, int]:
    """Public paper ids → row ids (arXiv id, or doi:<doi>)."""
    arxiv = [i for i in public_ids if not i.startswith("doi:")]
    dois = [i[4:] for i in public_ids if i.startswith("doi:")]
    found: dict[str, int] = {}
    for chunk in _chunks(arxiv):
        rows = session.execute(select(Paper.arxiv_id, Paper.id).where(Paper.arxiv_id.in_(chunk)))
        found.update({a: i for a, i in rows})
    for chunk in _chunks(dois):
        rows = session.execute(
            select(Paper.doi, Paper.id).where(Paper.doi.in_(chunk), Paper.arxiv_id.is_(None))
        )
        found.update({f"doi:{d}": i for d, i in rows})
    return found


def _chunks(values: list, size: int = 500):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def fail_briefing(session: Session, briefing_id: int, reason: str, now: datetime) -> None:
    """Mark a briefing failed with `reason` (a crash inside a backend, a bad scope)."""
    row = session.get_one(Briefing, briefing_id)
    row.status, row.error, row.finished_at, row.body = "failed", reason, now, None


def get_briefing(
    session: Session, briefing_id: int, viewer_id: int | None = None, *, owner_only: bool = False
) -> BriefingRecord | None:
    """One briefing with its references, in DESIGN's shape; a personal briefing exists only
    for its owner (`viewer_id`), so nobody else can tell it from a missing one."""
    row = session.get(Briefing, briefing_id)
    if row is None or (row.user_id is not None and row.user_id != viewer_id):
        return None
    if owner_only and row.user_id is None:
        return None
    return _record(row, _references(session, [briefing_id])[briefing_id])


def list_briefings(
    session: Session, page: int, size: int, owner_id: int | None = None
) -> tuple[list[BriefingRecord], int]:
    """One page of briefings, newest first, in DESIGN's shape (references batched, no N+1):
    the instance's public ones, or with `owner_id` that person's personal ones."""
    owned = Briefing.user_id.is_(None) if owner_id is None else Briefing.user_id == owner_id
    total = session.scalar(select(func.count()).select_from(Briefing).where(owned)) or 0
    rows = list(
        session.scalars(
            select(Briefing)
            .where(owned)
            .order_by(Briefing.id.desc())
            .limit(size)
            .offset((page - 1) * size)
        )
    )
    references = _references(session, [row.id for row in rows])
    return [_record(row, references[row.id]) for row in rows], total


def _references(session: Session, briefing_ids: list[int]) -> dict[int, list[ReferenceItem]]:
    found: dict[int, list[ReferenceItem]] = {i: [] for i in briefing_ids}
    if not briefing_ids:
        return found
    triples = list(
        session.execute(
            select(BriefingPaper.briefing_id, BriefingPaper.n, BriefingPaper.paper_id)
            .where(BriefingPaper.briefing_id.in_(briefing_ids))
            .order_by(BriefingPaper.briefing_id, BriefingPaper.n)
        )
    )
    paper_ids = sorted({paper_id for _, _, paper_id in triples})
    items = dict(zip(paper_ids, load_items(session, paper_ids), strict=True))
    for briefing_id, n, paper_id in triples:
        item = items[paper_id]
        found[briefing_id].append(
            ReferenceItem(
                n=n,
                paper_id=item.id,
                title=item.title,
                authors=item.authors,
                source_label=item.source_label,
                url=item.url,
            )
        )
    return found


def _record(row: Briefing, references: list[ReferenceItem]) -> BriefingRecord:
    return BriefingRecord(
        id=row.id,
        status=row.status,
        scope=BriefingScope.loads(row.scope).to_json(),
        backend=row.backend,
        model=row.model,
        body=row.body,
        references=references,
        prompt_tokens=row.prompt_tokens,
        completion_tokens=row.completion_tokens,
        cost_usd=row.cost_usd,
        created_at=row.created_at,
        finished_at=row.finished_at,
        error=row.error,
        notice=row.notice,
    )


def recent_requests(session: Session, requester_prefix: str, since: datetime) -> int:
    """How many briefings requesters starting with `requester_prefix` asked for since `since`
    (the web's rate limit: one visitor is "anon:<hash>", all of them "anon:")."""
    statement = select(func.count()).where(
        Briefing.requester.startswith(requester_prefix, autoescape=True),
        Briefing.created_at >= since,
    )
    return session.scalar(statement) or 0


def record_usage(
    session: Session,
    *,
    briefing_id: int | None,
    purpose: str,
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    cost_usd: float,
    now: datetime,
) -> None:
    """One chat-completions call in the ledger (the daily budget counts these)."""
    session.add(
        LlmUsage(
            day=now.date(),
            briefing_id=briefing_id,
            purpose=purpose,
            model=model,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cost_usd=cost_usd,
            created_at=now,
        )
    )


def tokens_used_on(session: Session, day: date) -> int:
    """Prompt plus completion tokens spent on `day` (UTC)."""
    total = session.scalar(
        select(func.sum(LlmUsage.prompt_tokens + LlmUsage.completion_tokens)).where(
            LlmUsage.day == day
        )
    )
    return int(total or 0)
