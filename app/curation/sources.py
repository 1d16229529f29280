"""What pages show about sources: their labels, for chips and first-run empty states."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Source


def source_labels(session: Session) -> dict[int, str]:
    """Every source's label by id (a handful of rows)."""
    rows = session.execute(select(Source.id, Source.label).order_by(Source.id))
    return {source_id: label for source_id, label in rows}
