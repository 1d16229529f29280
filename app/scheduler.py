"""APScheduler wiring only: which jobs run when. The jobs themselves live in app/ingest,
app/briefings, app/deliveries, app/radar (term statistics, models) and app/web/card_store
(pre-rendered cards)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from app.briefings.backends import default_backend
from app.briefings.scope import BriefingScope
from app.briefings.store import request_briefing
from app.briefings.tldr_job import summarise_day
from app.curation.days import latest_day
from app.db import transaction
from app.deliveries.incidents import notify_admins
from app.deliveries.jobs import DeliveryReport, RadarFor, deliver_daily
from app.deliveries.radar_items import radar_digest_items
from app.ingest.gapfill import GapFillReport, fill_gaps
from app.radar.model_store import retrain_model, user_ids_with_models
from app.radar.stats_store import refresh_term_statistics
from app.services import Services
from app.web.card_store import refresh_fragments

log = logging.getLogger(__name__)
POLL_CHECK_SECONDS = 60
GAP_FILL_HOURS = 6
CARD_CHECK_SECONDS = 60
# Papers written by another process may carry a clock a little behind ours.
CARD_CLOCK_MARGIN = timedelta(minutes=5)
BRIEFING_CHECK_SECONDS = 30
TLDR_MINUTES = 30
# The daily digest and webhook go out once a day, after arXiv's last announcement poll of the
# morning (06:00 US Eastern = 10:00 or 11:00 UTC), so the day's papers are all in. A worker that
# was down at that time still sends them within DELIVERY_GRACE_SECONDS.
DELIVERY_HOUR_UTC, DELIVERY_MINUTE = 11, 30
DELIVERY_GRACE_SECONDS = 6 * 3600
INCIDENT_CHECK_MINUTES = 5
TERM_STATISTICS_HOURS = 1  # a cheap check; a rebuild (seconds) only when the corpus grew
MODEL_RETRAIN_CRON = "30 3 * * *"  # nightly, UTC: incremental updates drift a little


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


def run_briefings(services: Services) -> None:
    """Run queued briefing requests (web, API, schedule); other workers share the queue."""
    services.briefer.run_pending()


def queue_daily_briefing(services: Services) -> int:
    """The scheduled briefing of the latest announcement day (BRIEFING_SCHEDULE)."""
    backend = default_backend(services.settings)
    with transaction(services.sessions) as session:
        row = request_briefing(session, BriefingScope(), backend, "schedule", datetime.now(UTC))
        briefing_id = row.id
    log.info("daily briefing queued", extra={"briefing_id": briefing_id, "backend": backend})
    return briefing_id


def write_tldrs(services: Services) -> None:
    """TL;DRs for the latest day's papers that lack one (cheap once they all have one)."""
    summarise_day(services.briefer, None, default_backend(services.settings))


def deliver_radars(
    services: Services, radar_for: RadarFor = radar_digest_items
) -> DeliveryReport | None:
    """Send the latest announcement day's radar by digest and webhook to whoever wants it."""
    with services.sessions() as session:
        day = latest_day(session)
    if day is None:
        return None
    report = deliver_daily(
        services.sessions,
        services.settings,
        radar_for=radar_for,
        day=day,
        base_url=services.settings.public_url,
        now=datetime.now(UTC),
    )
    log.info(
        "deliveries finished",
        extra={
            "day": day.isoformat(),
            "digests": report.digests_sent,
            "webhooks": report.webhooks_sent,
            "failures": len(report.failures),
        },
    )
    return report


def notify_incidents(services: Services) -> None:
    """Tell admins about sources that keep failing (once per incident)."""
    report = notify_admins(services.sessions, services.settings, now=datetime.now(UTC))
    if report.notified or report.failures:
        log.info(
            "incident notices",
            extra={"incidents": report.notified, "failures": len(report.failures)},
        )


def refresh_text_model(services: Services) -> None:
    """Rebuild the radar's term statistics when the corpus has grown (app.radar.stats)."""
    with transaction(services.sessions) as session:
        build = refresh_term_statistics(session, now=datetime.now(UTC))
    if build is not None:
        log.info("term statistics rebuilt", extra={"documents": build.documents})


def retrain_models(services: Services) -> None:
    """Retrain every person's model from scratch, one transaction each."""
    with services.sessions() as session:
        user_ids = user_ids_with_models(session)
    for user_id in user_ids:
        with transaction(services.sessions) as session:
            retrain_model(session, user_id, now=datetime.now(UTC))
    log.info("models retrained", extra={"users": len(user_ids)})


def build_scheduler(services: Services) -> BackgroundScheduler:
    """Polling, gap filling, card rendering and briefings as separate jobs, so none delays
    another."""
    scheduler = BackgroundScheduler(
        executors={
            "poll": ThreadPoolExecutor(1),
            "gaps": ThreadPoolExecutor(1),
            "cards": ThreadPoolExecutor(1),
            "briefings": ThreadPoolExecutor(1),
            "deliveries": ThreadPoolExecutor(1),
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
    scheduler.add_job(
        refresh_text_model,
        "interval",
        hours=TERM_STATISTICS_HOURS,
        args=[services],
        executor="cards",
        id="term-statistics",
        next_run_time=datetime.now(UTC) + timedelta(minutes=3),
    )
    scheduler.add_job(
        retrain_models,
        CronTrigger.from_crontab(MODEL_RETRAIN_CRON, timezone=UTC),
        args=[services],
        executor="cards",
        id="retrain-models",
    )
    scheduler.add_job(
        run_briefings,
        "interval",
        seconds=BRIEFING_CHECK_SECONDS,
        args=[services],
        executor="briefings",
        id="briefings",
    )
    scheduler.add_job(
        queue_daily_briefing,
        CronTrigger.from_crontab(services.settings.briefing_schedule, timezone=UTC),
        args=[services],
        executor="briefings",
        id="daily-briefing",
    )
    scheduler.add_job(
        deliver_radars,
        CronTrigger(hour=DELIVERY_HOUR_UTC, minute=DELIVERY_MINUTE, timezone=UTC),
        args=[services],
        executor="deliveries",
        id="deliveries",
        misfire_grace_time=DELIVERY_GRACE_SECONDS,
    )
    scheduler.add_job(
        notify_incidents,
        "interval",
        minutes=INCIDENT_CHECK_MINUTES,
        args=[services],
        executor="deliveries",
        id="incidents",
        next_run_time=datetime.now(UTC) + timedelta(minutes=1),
    )
    if services.settings.tldr_on_cards:
        scheduler.add_job(
            write_tldrs,
            "interval",
            minutes=TLDR_MINUTES,
            args=[services],
            executor="briefings",
            id="tldrs",
            next_run_time=datetime.now(UTC) + timedelta(minutes=1),
        )
    return scheduler
