"""The TL;DR job: claim the papers of a day that lack a TL;DR of their current version, write
them (offline or LLM), store them. Runs on its own schedule, never inside a briefing."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from app.briefings import tldr_store
from app.briefings.backends import llm_configured
from app.briefings.scope import BriefingScope, resolve_scope, select_scope_papers
from app.briefings.tldr import (
    LLM_PROMPT_VERSION,
    OFFLINE_MODEL,
    OFFLINE_PROMPT_VERSION,
    LlmTldrs,
    offline_tldrs,
)
from app.briefings.worker import Briefer
from app.db import transaction

log = logging.getLogger(__name__)


@dataclass
class TldrReport:
    day: date | None
    written: int = 0
    left: int = 0  # claimed but not written (given back for a later run)
    stopped: str | None = None
    model: str = OFFLINE_MODEL
    written_ids: list[str] = field(default_factory=list)


def summarise_day(briefer: Briefer, day: date | None, backend: str) -> TldrReport:
    """TL;DRs for the papers of `day` (default: the latest announcement day)."""
    use_llm = backend == "llm" and llm_configured(briefer.settings)
    model = briefer.settings.llm_model if use_llm else OFFLINE_MODEL
    prompt_version = LLM_PROMPT_VERSION if use_llm else OFFLINE_PROMPT_VERSION
    with transaction(briefer.sessions) as session:
        scope = resolve_scope(session, BriefingScope(day=day))
        papers = select_scope_papers(session, scope)
        claimed = tldr_store.claim_tldrs(session, papers, model, prompt_version, briefer.clock())
    report = TldrReport(scope.day, model=model or OFFLINE_MODEL)
    todo = [p for p in papers if p.id in claimed]
    if not todo:
        return report
    if use_llm:
        client = briefer.make_client()
        try:
            llm_briefer, ledger = briefer.llm_parts(client, None)
            found, report.stopped = LlmTldrs(client, llm_briefer, ledger).summarise(todo)
        finally:
            client.close()
    else:
        found = offline_tldrs(todo)
    with transaction(briefer.sessions) as session:
        for paper in todo:
            tldr_store.save_tldr(session, claimed[paper.id], found.get(paper.id))
    report.written = len(found)
    report.left = len(todo) - len(found)
    report.written_ids = sorted(found)
    log.info("tldrs written", extra={"written": report.written, "left": report.left})
    return report
