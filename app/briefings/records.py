"""DESIGN's briefing record: the shape of `GET /api/briefings/{id}` and `brief --json`."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class ReferenceItem(BaseModel):
    """Reference `n`: the paper `[n]` cites, with what a references list shows."""

    n: int
    paper_id: str
    title: str
    authors: list[str]
    source_label: str | None
    url: str | None


class BriefingRecord(BaseModel):
    """One briefing; `body` is Markdown, null until done; `error` says why it failed."""

    id: int
    status: str  # queued | running | done | failed
    scope: dict
    backend: str
    model: str | None
    body: str | None
    references: list[ReferenceItem]
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    created_at: datetime
    finished_at: datetime | None
    error: str | None
    notice: str | None  # e.g. "the daily LLM token budget is spent; briefed offline"
