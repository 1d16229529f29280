"""The radar page (/radar): today's papers ranked for this person, each with its reasons.

Private (Cache-Control: private, no-store); every card keeps the public card's markup, with the
reasons and the feedback controls around it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from app.briefings.backends import default_backend
from app.briefings.requests import RateLimitedError, request_personal
from app.curation.items import find_paper_id, public_ids
from app.library import store as library
from app.lru import LruCache
from app.radar.model_store import model_top_terms, update_model
from app.radar.ranking import RadarKey, radar_key, rank_for_key
from app.web.auth import (
    PageUserDep,
    check_form_csrf,
    login_required,
    page_user,
    session_claims,
)
from app.web.card_store import page_cards
from app.web.deps import BadParameterError
from app.web.links import CardLinks, ViewQuery
from app.web.radar_query import RADAR_SIZE, parse_radar_range, range_errors_as_400
from app.web.templating import TEMPLATES
from app.web.views import Pager

router = APIRouter(include_in_schema=False)
PRIVATE = {"Cache-Control": "private, no-store"}


@dataclass(frozen=True)
class RadarCard:
    card: Markup
    paper_id: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class RadarPage:
    csrf_token: str
    heading: str
    summary: str
    cards: tuple[RadarCard, ...]
    since: str
    until: str
    brief_day: str  # the one day a "Brief my radar" covers ("" = the latest)
    follow_count: int
    saved_count: int
    top_terms: tuple[str, ...]
    pager: Pager | None


def _heading(span: tuple[date, date] | None, ranged: bool) -> str:
    if span is None:
        return "Radar" if ranged else "Today's radar"
    since, until = span
    if not ranged:
        return f"Today's radar · {until:%A, %-d %B %Y}"
    if since == until:
        return f"Radar · {since:%A, %-d %B %Y}"
    return f"Radar · {since:%-d %b} – {until:%-d %b %Y}"


# Rendered radar pages per RadarKey (the person, the range, the data and everything of theirs
# the ranking reads), with the CSRF token left as a placeholder: a reload costs the key's few
# statements and a string replacement, like the Curated Daily page's cache (app.web.page_cache).
_pages = LruCache[bytes](64)  # a page of 50 cards is ~250 KB: at most ~16 MB a process
RADAR_PAGE = 50  # cards a page, as on the Curated Daily page
CSRF_PLACEHOLDER = b"\x00csrf\x00"


@router.get("/radar")
async def radar(request: Request) -> Response:
    """Ranked papers with reasons, the model's top terms, and a range form."""
    # One trip to the thread pool for the whole request, not one per dependency: the cached
    # page's work is small enough that the hops showed (bench/README.md, radar).
    return await run_in_threadpool(_radar_answer, request)


def _radar_answer(request: Request) -> Response:
    since, until = parse_radar_range(request, frozenset({"page"}))
    number = _page_number(request)
    claims = session_claims(request)
    if claims is None:
        raise login_required(request)
    with request.app.state.session_factory() as session:
        # The key's statement also reads the account's session epoch: checking the cookie
        # costs no statement of its own.
        with range_errors_as_400():
            key = radar_key(session, claims.user_id, since, until)
        if key is None:
            page_user(request)  # no person of that id (or nothing listed): the usual check
        elif key.state.session_epoch != claims.epoch:
            raise login_required(request)
        # The same resolved range asked for by dates, or as "the latest day", reads differently.
        ranged = since is not None or until is not None
        body = _pages.get((key, number, ranged)) if key is not None else None
        if body is None:
            span = key.span if key is not None else None
            body = _render(session, key, span, ranged, number).encode()
            if key is not None:
                _pages.put((key, number, ranged), body)
    return HTMLResponse(body.replace(CSRF_PLACEHOLDER, claims.csrf_token.encode()), headers=PRIVATE)


def _page_number(request: Request) -> int:
    value = request.query_params.get("page", "1")
    if not value.isdigit() or not 1 <= int(value) <= RADAR_SIZE // RADAR_PAGE:
        raise BadParameterError(f"page must be 1 to {RADAR_SIZE // RADAR_PAGE}, got {value!r}")
    return int(value)


def _pager(dates: dict[str, str], number: int, has_next: bool) -> Pager | None:
    if number == 1 and not has_next:
        return None

    def href(target: int) -> str:
        return "/radar?" + urlencode([*dates.items(), ("page", str(target))])

    return Pager(
        number, href(number - 1) if number > 1 else None, href(number + 1) if has_next else None
    )


def _render(
    session, key: RadarKey | None, span: tuple[date, date] | None, ranged: bool, number: int
) -> str:
    ranked = rank_for_key(session, key, limit=RADAR_SIZE, now=datetime.now(UTC)) if key else []
    first = (number - 1) * RADAR_PAGE
    entries = ranked[first : first + RADAR_PAGE]
    ids = [entry.paper_id for entry in entries]
    rendered = page_cards(session, ids, first + 1, CardLinks.for_query(ViewQuery()))
    public = public_ids(session, ids)
    cards = tuple(
        RadarCard(card, public[entry.paper_id], entry.reasons)
        for card, entry in zip(rendered, entries, strict=True)
    )
    state = key.state if key else None
    follow_count = sum(1 for rule in state.follows if not rule.muted) if state else 0
    saved = state.library[0] if state else 0
    terms = model_top_terms(session, key.user_id, 12) if key else []
    dates = {"since": span[0].isoformat(), "until": span[1].isoformat()} if span and ranged else {}
    page = RadarPage(
        csrf_token=CSRF_PLACEHOLDER.decode(),
        heading=_heading(span, ranged),
        summary=f"{len(ranked)} paper{'' if len(ranked) == 1 else 's'} for you, best first",
        pager=_pager(dates, number, first + RADAR_PAGE < len(ranked)),
        cards=cards,
        since=dates.get("since", ""),
        until=dates.get("until", ""),
        brief_day=dates.get("until", ""),
        follow_count=follow_count,
        saved_count=saved,
        top_terms=tuple(term for term, weight in terms if weight > 0),
    )
    return TEMPLATES.get_template("radar.html").render(page=page)


FEEDBACK_KINDS = {"not_interested": "Not interested", "seen": "Seen"}


@router.post("/radar/feedback")
async def radar_feedback(request: Request, user: PageUserDep) -> Response:
    """A form post from a radar card: hide it as seen, or as not interesting (the model learns)."""
    await check_form_csrf(request, user)
    form = await request.form()
    kind = str(form.get("kind", ""))
    back = "/radar"
    with request.app.state.write_session_factory() as session, session.begin():
        paper_id = find_paper_id(session, str(form.get("paper", "")))
        if paper_id is not None and kind in FEEDBACK_KINDS:
            now = datetime.now(UTC)
            library.set_feedback(session, user.id, paper_id, kind, now=now)
            if kind == "not_interested":
                update_model(session, user.id, now=now)
    return RedirectResponse(back, status_code=303)


@router.post("/radar/brief")
async def brief_radar(request: Request, user: PageUserDep) -> Response:
    """ "Brief my radar": queue a personal briefing of the shown day, then open it."""
    await check_form_csrf(request, user)
    form = await request.form()
    try:
        day = date.fromisoformat(str(form.get("day"))) if form.get("day") else None
    except ValueError:
        raise BadParameterError("day must be a date as YYYY-MM-DD") from None
    backend = default_backend(request.app.state.settings)
    try:
        with request.app.state.write_session_factory() as session, session.begin():
            briefing_id = request_personal(session, user.id, day, backend, datetime.now(UTC))
    except RateLimitedError as error:
        raise HTTPException(429, str(error), {"Retry-After": str(error.retry_after)}) from None
    return RedirectResponse(f"/briefings/{briefing_id}", status_code=303)
