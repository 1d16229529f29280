"""What pages show about sources: labels for chips and empty states, health for /sources."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Source


def source_labels(session: Session) -> dict[int, str]:
    """Every source's label by id (a handful of rows)."""
    rows = session.execute(select(Source.id, Source.label).order_by(Source.id))
    return {source_id: label for source_id, label in rows}


@dataclass(frozen=True)
class SourceHealth:
    """One configured source with its health, as `sources list` and the /sources page show it."""

    id: int
    label: str
    kind: str
    url: str
    enabled: bool
    status: str
    failures: int
    last_error: str | None
    last_polled_at: datetime | None
    next_poll_at: datetime | None


def source_health(session: Session) -> list[SourceHealth]:
    """Every source with its health, oldest first."""
    rows = session.scalars(select(Source).order_by(Source.id))
    return [
        SourceHealth(
            s.id,
            s.label,
            s.kind,
            s.url,
            s.enabled,
            s.status,
            s.failures,
            s.last_error,
            s.last_polled_at,
            s.next_poll_at,
        )
        for s in rows
    ]
