"""The framework ceiling: the Curated Daily template rendering 50 cards from memory, no database.

    ACADEMICHUB_BENCH_CEILING_DB=URL uvicorn bench.ceiling:create_app --factory --workers 2

At start-up each worker reads the 50 newest papers of the corpus once (through the app's own read
path), builds the same page context `GET /` builds, and keeps it. Then per request:

- `/`       renders templates/daily.html from the kept context, its 50 cards through the card
            template (`_partials/card.html`, included 50 times in one render, as daily.html did
            before the app kept rendered cards) -- async route: template + serving only; the
            ceiling the page targets are measured against;
- `/cards`  builds the 50 cards again from the kept paper items (app.web.views.make_card: math
            rendering, links, folding) and renders -- sync route, as the app's routes are, so the
            threadpool hop is in it too. The gap between the two is per-request card building;
- `/cached` answers the page rendered once at start-up, as bytes: what a hit in a whole-page
            cache keyed by (data version, URL) would cost.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from markupsafe import Markup

from app.curation.daily import PaperFilters
from app.curation.items import load_items
from app.db import make_engine, make_session_factory
from app.models import Paper
from app.web.daily_view import build_daily_page
from app.web.links import CardLinks, ViewQuery
from app.web.templating import TEMPLATES, render_page
from app.web.views import make_card

CARDS = 50
DATABASE_ENV = "ACADEMICHUB_BENCH_CEILING_DB"


def load_page(url: str):
    """The `GET /` page context of the corpus, with the 50 newest papers as its cards."""
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        page = build_daily_page(session, PaperFilters(), seed=12345)
        newest = session.scalars(select(Paper.id).order_by(Paper.id.desc()).limit(CARDS))
        items = load_items(session, list(newest))
    engine.dispose()
    return replace(page, empty=None), items


CARDS_TEMPLATE = TEMPLATES.from_string(
    '{% for card in cards %}{% include "_partials/card.html" %}{% endfor %}'
)


def _cards(items) -> tuple:
    links = CardLinks.for_query(ViewQuery())
    return tuple(make_card(item, n, links) for n, item in enumerate(items, start=1))


def _rendered(page, cards):
    """The page with its cards rendered by the card template, in one template call."""
    return replace(page, cards=(Markup(CARDS_TEMPLATE.render(cards=cards)),))


def create_app() -> FastAPI:
    """The ceiling app (a uvicorn factory: one page context per worker)."""
    page, items = load_page(os.environ[DATABASE_ENV])
    cards = _cards(items)
    application = FastAPI(openapi_url=None)

    @application.get("/", response_class=HTMLResponse)
    async def ceiling() -> HTMLResponse:
        return render_page("daily.html", _rendered(page, cards))

    @application.get("/cards", response_class=HTMLResponse)
    def ceiling_with_cards() -> HTMLResponse:
        return render_page("daily.html", _rendered(page, _cards(items)))

    body = render_page("daily.html", _rendered(page, cards)).body

    @application.get("/cached", response_class=HTMLResponse)
    async def ceiling_cached() -> HTMLResponse:
        return HTMLResponse(body)

    @application.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok"}

    return application
