"""APScheduler wiring only: which jobs run when. The jobs themselves live in app/ingest and
app/web/card_store (pre-rendered cards)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from app.ingest.gapfill import GapFillReport, fill_gaps
from app.services import Services
from app.web.card_store import refresh_fragments

log = logging.getLogger(__name__)
POLL_CHECK_SECONDS = 60
GAP_FILL_HOURS = 6
CARD_CHECK_SECONDS = 60
# Papers written by another process may carry a clock a little behind ours.
CARD_CLOCK_MARGIN = timedelta(minutes=5)


def poll_due_sources(services: Services) -> None:
    """Poll every source whose time has come."""
    outcomes = services.poller.poll_many(services.poller.due_source_ids())
    for outcome in outcomes:
        log.info(
            "poll finished",
            extra={
                "source_id": outcome.source_id,
                "status": outcome.status,
                "papers_new": outcome.papers_new,
                "error": outcome.error,
            },
        )


def fill_missed_days(services: Services) -> GapFillReport:
    """Fill announcement days missed while the machine was off."""
    report = fill_gaps(
        services.sessions,
        services.http,
        services.limiter,
        datetime.now(UTC),
        api_url=services.settings.arxiv_api_url,
    )
    log.info(
        "gap fill finished", extra={"days": len(report.days_filled), "stopped": report.stopped}
    )


class CardRenderer:
    """Renders the cards of new and changed papers: everything stale on the first run, then
    what was modified since the previous run."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.since: datetime | None = None

    def __call__(self) -> None:
        started = datetime.now(UTC)
        rendered = refresh_fragments(self.services.sessions, since=self.since)
        self.since = started - CARD_CLOCK_MARGIN
        if rendered:
            log.info("cards rendered", extra={"papers": rendered})


def build_scheduler(services: Services) -> BackgroundScheduler:
    """Polling, gap filling and card rendering as separate jobs, so none delays another."""
    scheduler = BackgroundScheduler(
        executors={
            "poll": ThreadPoolExecutor(1),
            "gaps": ThreadPoolExecutor(1),
            "cards": ThreadPoolExecutor(1),
        },
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone=UTC,
    )
    scheduler.add_job(
        poll_due_sources,
        "interval",
        seconds=POLL_CHECK_SECONDS,
        args=[services],
        executor="poll",
        id="poll",
        next_run_time=datetime.now(UTC),
    )
    scheduler.add_job(
        fill_missed_days,
        "interval",
        hours=GAP_FILL_HOURS,
        args=[services],
        executor="gaps",
        id="gaps",
        next_run_time=datetime.now(UTC) + timedelta(minutes=2),
    )
    scheduler.add_job(
        CardRenderer(services),
        "interval",
        seconds=CARD_CHECK_SECONDS,
        executor="cards",
        id="cards",
        next_run_time=datetime.now(UTC) + timedelta(seconds=10),
    )
    return scheduler
