"""The web role: create_app builds the FastAPI application (no scheduler inside it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from app import __version__
from app.config import Settings, get_settings
from app.db import make_engine, make_session_factory
from app.web import (
    account_pages,
    api,
    briefings_api,
    briefings_pages,
    exports,
    feeds,
    library_pages,
    me_api,
    pages,
    radar_feed,
    radar_pages,
    settings_pages,
    sources_admin,
    unsubscribe,
)
from app.web.auth import LoginRequiredError, login_redirect_target, make_session_serializer
from app.web.conditional import ConditionalMiddleware
from app.web.security import SecurityHeadersMiddleware
from app.web.templating import STATIC_DIR, render_page
from app.web.views import ErrorPage

# Read views whose answers depend only on the data and the URL: they carry validators (ETag,
# Last-Modified) and answer 304 (app.web.conditional).
VALIDATED_EXACT = ("/", "/feeds/atom", "/api/papers")
VALIDATED_PREFIXES = ("/papers/", "/authors/", "/api/papers/")
ERROR_TITLES = {400: "Bad request", 404: "Not found", 405: "Method not allowed"}


# Threads per web process for the sync routes (anyio's default is 40). Pages are CPU-bound
# Python on two cores: 40 threads mostly wait for the GIL. Measured with bench/pages.py at 1M
# papers, 6 gave +27-40% req/s on SQLite author/shuffle/API pages and +13-20% on PostgreSQL
# over 40, with a lower p99; 3 let a few slow pages (prolific authors) block the rest.
WEB_THREADS = 6


@asynccontextmanager
async def _lifespan(application: FastAPI) -> AsyncIterator[None]:
    anyio.to_thread.current_default_thread_limiter().total_tokens = WEB_THREADS
    yield


def create_app(settings: Settings | None = None) -> FastAPI:
    """The application for `settings`; uvicorn calls it as a factory in each worker process."""
    settings = settings or get_settings()
    # The web role only reads (DESIGN: web never fetches or writes papers).
    engine = make_engine(settings.resolved_database_url, read_only=True)
    application = FastAPI(title="AcademicHub", version=__version__, lifespan=_lifespan)
    application.state.settings = settings
    application.state.secret_key = settings.resolved_secret_key()
    application.state.session_serializer = make_session_serializer(application.state.secret_key)
    application.state.engine = engine
    application.state.session_factory = make_session_factory(engine)
    # Briefing requests are the web's only writes (queued job rows), on their own engine.
    application.state.write_session_factory = make_session_factory(
        make_engine(settings.resolved_database_url)
    )

    @application.get("/healthz")
    def healthz() -> dict:
        """Liveness: answers as soon as the server listens."""
        return {"status": "ok", "version": __version__}

    application.include_router(account_pages.router)
    application.include_router(api.router)
    application.include_router(me_api.router)
    application.include_router(radar_pages.router)
    application.include_router(library_pages.router)
    application.include_router(settings_pages.router)
    application.include_router(radar_feed.router)
    application.include_router(sources_admin.router)
    application.include_router(briefings_api.router)
    application.include_router(briefings_pages.router)
    application.include_router(feeds.router)
    application.include_router(exports.router)
    application.include_router(pages.router)
    application.include_router(unsubscribe.router)
    application.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    application.add_exception_handler(StarletteHTTPException, html_error_handler)
    application.add_exception_handler(LoginRequiredError, login_required_handler)
    # TL;DRs on cards change the daily page without touching papers (the validators' basis).
    exact = tuple(p for p in VALIDATED_EXACT if p != "/" or not settings.tldr_on_cards)
    application.add_middleware(
        ConditionalMiddleware,
        exact=exact,
        prefixes=VALIDATED_PREFIXES,
        session_factory=application.state.session_factory,
    )
    application.add_middleware(SecurityHeadersMiddleware)
    return application


async def html_error_handler(request: Request, exc: StarletteHTTPException) -> Response:
    """Errors outside /api as an HTML page saying what was wrong; the API keeps JSON."""
    if request.url.path.startswith(("/api/", "/docs", "/redoc", "/openapi.json", "/healthz")):
        return await http_exception_handler(request, exc)
    title = ERROR_TITLES.get(exc.status_code, "Something went wrong")
    message = exc.detail if isinstance(exc.detail, str) else title
    if exc.status_code == 404 and message == "Not Found":
        message = "There is no page at this address."
    page = ErrorPage(exc.status_code, title, message)
    return render_page("error.html", page, status_code=exc.status_code, headers=exc.headers)


async def login_required_handler(request: Request, exc: LoginRequiredError) -> Response:
    """A private page asked for without a session: to the log-in page, then back."""
    return RedirectResponse(login_redirect_target(exc), status_code=303)
