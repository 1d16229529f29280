"""Card fragments in the database: read by pages, written by the worker and `index rebuild`.

A fragment is current while its `format` is this code's (app.web.cards.FORMAT) and its
`paper_modified_at` equals the paper's `modified_at` (every change to a paper or its listings
moves that). Pages read the current ones in the same query as the cards' first lines and render
the rest themselves; the worker renders what is missing, newest papers first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import lru_cache

from markupsafe import Markup
from sqlalchemy import Select, and_, delete, func, insert, select
from sqlalchemy.orm import Session

from app.curation.days import listed_as
from app.curation.items import load_items
from app.db import among_bound_ids, is_postgres
from app.lru import LruCache
from app.models import CardFragment, Paper
from app.web.cards import FORMAT, CardLine, assemble, render_fragment
from app.web.links import CardLinks

RENDERED_ON_REQUEST = LruCache[str](4096)
# Paper row ids -> their TL;DRs (app.briefings.tldr_store.tldrs_by_row), when cards show them.
TldrLookup = Callable[[Session, list[int]], dict[int, str]]
BATCH = 500


def _current_fragment():
    return and_(
        CardFragment.paper_id == Paper.id,
        CardFragment.format == FORMAT,
        CardFragment.paper_modified_at == Paper.modified_at,
    )


def page_cards(
    session: Session,
    ids: Sequence[int],
    first_number: int,
    links: CardLinks,
    day: date | None = None,
    sources: Sequence[int] = (),
    tldrs: TldrLookup | None = None,
) -> tuple[Markup, ...]:
    """The cards of `ids` in order, numbered from `first_number`; with `day`, each shows the
    announce type and version of its listing that day; with `tldrs`, each its TL;DR."""
    if not ids:
        return ()
    rows = session.execute(_card_rows(is_postgres(session)), {"ids": list(ids)}).all()
    lines = {row[0]: CardLine(*row[:5]) for row in rows}
    fragments = {row[0]: row[6] for row in rows}
    _render_missing(session, fragments, {row[0]: row[5] for row in rows})
    listed = listed_as(session, list(ids), day, sources) if day is not None else {}
    summaries = tldrs(session, list(ids)) if tldrs is not None else {}
    cards = []
    for number, paper_id in enumerate(ids, start=first_number):
        line = lines[paper_id]
        if paper_id in listed:
            announce_type, version = listed[paper_id]
            line = CardLine(
                paper_id, line.source_label, line.published, announce_type, version or line.version
            )
        cards.append(assemble(fragments[paper_id], number, line, links, summaries.get(paper_id)))
    return tuple(cards)


@lru_cache(maxsize=2)
def _card_rows(postgres: bool) -> Select:
    # Built once with an `ids` parameter (see app.curation.items): a card page runs it per request.
    return (
        select(
            Paper.id,
            Paper.source_label,
            Paper.published_on,
            Paper.announce_type,
            Paper.version,
            Paper.modified_at,
            CardFragment.html,
        )
        .outerjoin(CardFragment, _current_fragment())
        .where(among_bound_ids(Paper.id, postgres))
    )


def _render_missing(
    session: Session, fragments: dict[int, str | None], modified: dict[int, datetime]
) -> None:
    missing = []
    for paper_id, fragment in fragments.items():
        if fragment is None:
            cached = RENDERED_ON_REQUEST.get((paper_id, _stamp(modified[paper_id])))
            if cached is None:
                missing.append(paper_id)
            fragments[paper_id] = cached
    if not missing:
        return
    for paper_id, item in zip(missing, load_items(session, missing), strict=True):
        fragment = render_fragment(item)
        RENDERED_ON_REQUEST.put((paper_id, _stamp(modified[paper_id])), fragment)
        fragments[paper_id] = fragment


def _stamp(modified_at: datetime) -> str:
    return f"{FORMAT}/{modified_at.isoformat()}"


def render_fragments(session: Session, ids: Sequence[int]) -> list[dict]:
    """Rendered fragment rows of papers `ids` (reads only; `write_fragments` stores them)."""
    rows = session.execute(select(Paper.id, Paper.modified_at).where(Paper.id.in_(list(ids))))
    modified = {paper_id: modified_at for paper_id, modified_at in rows}
    present = [paper_id for paper_id in ids if paper_id in modified]
    return [
        {
            "paper_id": paper_id,
            "format": FORMAT,
            "paper_modified_at": modified[paper_id],
            "html": render_fragment(item),
        }
        for paper_id, item in zip(present, load_items(session, present), strict=True)
    ]


def write_fragments(session: Session, rows: list[dict]) -> int:
    """Store rendered fragment rows, replacing the papers' old ones (the caller commits)."""
    if rows:
        ids = [row["paper_id"] for row in rows]
        session.execute(delete(CardFragment).where(CardFragment.paper_id.in_(ids)))
        session.execute(insert(CardFragment), rows)
    return len(rows)


def stale_paper_ids(
    session: Session,
    *,
    below_id: int | None = None,
    above_id: int | None = None,
    since: datetime | None = None,
    limit: int,
) -> list[int]:
    """Up to `limit` papers without a current fragment, newest row first: between `above_id`
    and `below_id` (a full pass walks down the ids), or modified at or after `since` (catching up
    on a poll)."""
    statement = (
        select(Paper.id)
        .outerjoin(CardFragment, _current_fragment())
        .where(CardFragment.paper_id.is_(None))
    )
    if below_id is not None:
        statement = statement.where(Paper.id < below_id)
    if above_id is not None:
        statement = statement.where(Paper.id > above_id)
    if since is not None:
        statement = statement.where(Paper.modified_at >= since)
    return list(session.scalars(statement.order_by(Paper.id.desc()).limit(limit)))


def refresh_fragments(
    sessions: Callable[[], Session],
    *,
    since: datetime | None = None,
    below_id: int | None = None,
    above_id: int | None = None,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
    read_sessions: Callable[[], Session] | None = None,
) -> int:
    """Render every stale fragment (or those of papers modified since `since`, or with ids
    between `above_id` and `below_id`), newest first, `BATCH` papers a transaction; stops after
    `limit` papers. Rendering reads through `read_sessions` when given, so on SQLite the write
    lock is held only while a batch is stored. Returns how many it rendered."""
    done = 0
    while limit is None or done < limit:
        size = BATCH if limit is None else min(BATCH, limit - done)
        with (read_sessions or sessions)() as session:
            ids = stale_paper_ids(
                session, below_id=below_id, above_id=above_id, since=since, limit=size
            )
            rows = render_fragments(session, ids) if ids else []
        if not ids:
            break
        with sessions() as session, session.begin():
            done += write_fragments(session, rows)
        below_id = ids[-1]
        if progress is not None:
            progress(done)
    return done


def fragment_counts(session: Session) -> tuple[int, int]:
    """(papers, papers with a current fragment)."""
    papers = session.scalar(select(func.count()).select_from(Paper)) or 0
    current = session.scalar(
        select(func.count()).select_from(Paper).join(CardFragment, _current_fragment())
    )
    return papers, current or 0
