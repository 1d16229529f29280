"""The web role: create_app builds the FastAPI application (no scheduler inside it)."""

from __future__ import annotations

from fastapi import FastAPI

from app import __version__
from app.config import Settings, get_settings
from app.db import make_engine, make_session_factory
from app.web import api


def create_app(settings: Settings | None = None) -> FastAPI:
    """The application for `settings`; uvicorn calls it as a factory in each worker process."""
    settings = settings or get_settings()
    engine = make_engine(settings.resolved_database_url)
    application = FastAPI(title="AcademicHub", version=__version__)
    application.state.settings = settings
    application.state.engine = engine
    application.state.session_factory = make_session_factory(engine)

    @application.get("/healthz")
    def healthz() -> dict:
        """Liveness: answers as soon as the server listens."""
        return {"status": "ok", "version": __version__}

    application.include_router(api.router)
    return application
