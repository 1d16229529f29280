"""A person's radar as Atom under a secret, revocable URL: `GET /feeds/radar/{token}`.

Feed readers cannot log in, so the token in the URL is the credential (app.accounts.tokens,
purpose `feed`); making a new one on the account page revokes the old URL. The feed covers the
last week of announcement days, so a reader polling once a day misses nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from app.accounts.tokens import token_owner
from app.accounts.users import find_user
from app.curation.days import latest_day
from app.curation.items import load_items
from app.radar.ranking import rank_radar
from app.web.deps import SessionDep
from app.web.feeds import FeedContext, build_atom, make_entry, newest_stamp

router = APIRouter(include_in_schema=False)
FEED_DAYS = 7
FEED_SIZE = 100


@router.get("/feeds/radar/{token}")
def radar_feed(request: Request, session: SessionDep, token: str) -> Response:
    """The holder's radar of the last week, best first, each entry saying why it is there."""
    owner = token_owner(session, token, "feed")
    account = find_user(session, owner.user_id) if owner else None
    if owner is None or account is None:
        raise HTTPException(404, "There is no feed at this address (it may have been replaced).")
    until = latest_day(session)
    since = until - timedelta(days=FEED_DAYS - 1) if until else None
    entries = rank_radar(
        session, account.id, since=since, until=until, limit=FEED_SIZE, now=datetime.now(UTC)
    )
    items = load_items(session, [e.paper_id for e in entries])
    base_url = str(request.base_url).rstrip("/")
    feed_entries = tuple(
        replace(
            make_entry(item, base_url),
            summary="Why: " + "; ".join(entry.reasons) + "\n\n" + (item.abstract or ""),
        )
        for item, entry in zip(items, entries, strict=True)
    )
    self_link = base_url + request.url.path
    feed = FeedContext(
        id=self_link,
        title=f"AcademicHub · radar of {account.email}",
        self_link=self_link,
        html_link=base_url + "/radar",
        next_link=None,
        updated=newest_stamp(feed_entries, until),
        entries=feed_entries,
    )
    headers = {"Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex"}
    return Response(
        build_atom(feed), media_type="application/atom+xml; charset=utf-8", headers=headers
    )
