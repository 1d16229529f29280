"""Wiring: one process's engine, sessions, HTTP client, limiter and poller, built from settings."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import httpx
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.briefings.worker import Briefer
from app.config import Settings
from app.db import make_engine, make_session_factory, transaction
from app.deliveries.incidents import record_source_health
from app.ingest.fetch import make_client
from app.ingest.poll import Poller, PollOutcome
from app.ingest.ratelimit import HostLimiter


@dataclass
class Services:
    """Built lazily, so `academichub sources list` never opens an HTTP client."""

    settings: Settings

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.resolved_database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return make_session_factory(self.engine)

    @cached_property
    def http(self) -> httpx.Client:
        return make_client(self.settings.user_agent)

    @cached_property
    def limiter(self) -> HostLimiter:
        return HostLimiter(self.sessions)

    @cached_property
    def poller(self) -> Poller:
        return Poller(
            self.engine, self.sessions, self.http, self.limiter, on_finished=self.record_health
        )

    def record_health(self, outcome: PollOutcome) -> None:
        """Open or close the source's incident after each poll (admins are told later)."""
        with transaction(self.sessions) as session:
            record_source_health(
                session,
                outcome.source_id,
                failed=outcome.failed,
                error=outcome.error,
                now=self.poller.clock(),
            )

    @cached_property
    def briefer(self) -> Briefer:
        return Briefer(self.sessions, self.settings)

    def close(self) -> None:
        if "http" in self.__dict__:
            self.http.close()
        if "engine" in self.__dict__:
            self.engine.dispose()
