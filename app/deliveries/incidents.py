"""Admins are told when a source keeps failing: once per incident, with the error.

An incident opens when a source has failed FAILURES_FOR_INCIDENT polls in a row
(`sources.failures`, which the poller counts and a success resets) and closes at the next
success; a new run of failures is a new incident. `notify_admins` claims each open, unnotified
incident (stamps `notified_at` first, so two workers never both send it), e-mails every admin
and posts to each admin's webhook, and un-stamps it if nobody could be reached.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import transaction
from app.deliveries.mail import MailError, send_message, sender_address
from app.deliveries.webhook import WebhookError, WebhookURLError, post_json
from app.models import Source, SourceIncident, User

log = logging.getLogger(__name__)
FAILURES_FOR_INCIDENT = 3


@dataclass(frozen=True)
class IncidentNotice:
    """What admins are told about one incident."""

    incident_id: int
    source_id: int
    source_label: str
    source_url: str
    failures: int
    error: str | None
    started_at: datetime


@dataclass
class NotifyReport:
    """What one run of `notify_admins` did."""

    notified: list[int] = field(default_factory=list)  # incident ids
    sent: int = 0  # e-mails and webhook posts that went out
    failures: list[str] = field(default_factory=list)


def open_incident(session: Session, source_id: int) -> SourceIncident | None:
    """The source's unresolved incident, if any."""
    return session.scalars(
        select(SourceIncident)
        .where(SourceIncident.source_id == source_id, SourceIncident.resolved_at.is_(None))
        .order_by(SourceIncident.id)
    ).first()


def record_source_health(
    session: Session, source_id: int, *, failed: bool, error: str | None, now: datetime
) -> SourceIncident | None:
    """After a poll: open an incident at the Nth failure in a row, close it on success.

    Returns the incident opened or still open, None when the source is healthy."""
    source = session.get(Source, source_id)
    if source is None:
        return None
    incident = open_incident(session, source_id)
    if not failed:
        if incident is not None:
            incident.resolved_at = now
            session.flush()
        return None
    if incident is None and source.failures >= FAILURES_FOR_INCIDENT:
        incident = SourceIncident(source_id=source_id, error=error, started_at=now)
        session.add(incident)
        session.flush()
        log.warning("source incident opened", extra={"source_id": source_id, "error": error})
    elif incident is not None and incident.notified_at is None and error:
        incident.error = error  # not told yet: tell the latest error
    return incident


def notify_admins(
    session_factory: sessionmaker[Session], settings: Settings, *, now: datetime
) -> NotifyReport:
    """Send each open, unnotified incident once to every admin (e-mail and webhook)."""
    report = NotifyReport()
    with session_factory() as session:
        notices = _pending_notices(session)
        admins = session.execute(
            select(User.email, User.webhook_url).where(User.is_admin.is_(True)).order_by(User.id)
        ).all()
    if not notices or not admins:
        return report
    for notice in notices:
        if not _claim(session_factory, notice.incident_id, now):
            continue
        reached = sum(
            _tell(settings, admin.email, admin.webhook_url, notice, report) for admin in admins
        )
        if reached:
            report.notified.append(notice.incident_id)
            report.sent += reached
        else:  # nobody heard: try again next run
            _unclaim(session_factory, notice.incident_id, now)
    return report


def _pending_notices(session: Session) -> list[IncidentNotice]:
    rows = session.execute(
        select(SourceIncident, Source)
        .join(Source, Source.id == SourceIncident.source_id)
        .where(SourceIncident.resolved_at.is_(None), SourceIncident.notified_at.is_(None))
        .order_by(SourceIncident.id)
    ).all()
    return [
        IncidentNotice(
            incident.id,
            source.id,
            source.label,
            source.url,
            source.failures,
            incident.error or source.last_error,
            incident.started_at,
        )
        for incident, source in rows
    ]


def _claim(session_factory: sessionmaker[Session], incident_id: int, now: datetime) -> bool:
    with transaction(session_factory) as session:
        statement = (
            update(SourceIncident)
            .where(SourceIncident.id == incident_id, SourceIncident.notified_at.is_(None))
            .values(notified_at=now)
        )
        return session.execute(statement).rowcount == 1


def _unclaim(session_factory: sessionmaker[Session], incident_id: int, now: datetime) -> None:
    with transaction(session_factory) as session:
        session.execute(
            update(SourceIncident)
            .where(SourceIncident.id == incident_id, SourceIncident.notified_at == now)
            .values(notified_at=None)
        )


def _tell(
    settings: Settings,
    email: str,
    webhook_url: str | None,
    notice: IncidentNotice,
    report: NotifyReport,
) -> int:
    """Tell one admin by every channel they have; how many went out."""
    sent = 0
    if settings.smtp_host:
        message = incident_message(notice, to=email, sender=sender_address(settings))
        try:
            send_message(settings, message)
            sent += 1
        except MailError as error:
            _failed(report, notice, f"e-mail to {email}: {error}")
    if webhook_url:
        payload = incident_payload(notice)
        try:
            post_json(webhook_url, payload, allow_private=settings.allow_private_urls)
            sent += 1
        except (WebhookError, WebhookURLError) as error:
            _failed(report, notice, f"webhook of {email}: {error}")
    return sent


def _failed(report: NotifyReport, notice: IncidentNotice, failure: str) -> None:
    log.warning(
        "incident notice failed", extra={"incident_id": notice.incident_id, "error": failure}
    )
    report.failures.append(failure)


def incident_message(notice: IncidentNotice, *, to: str, sender: str) -> EmailMessage:
    """The plain-text e-mail about one incident."""
    message = EmailMessage()
    message["Subject"] = (
        f"AcademicHub: source {notice.source_label!r} failed {notice.failures} polls in a row"
    )
    message["From"] = sender
    message["To"] = to
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(
        f"The source {notice.source_label} (id {notice.source_id}) has failed "
        f"{notice.failures} polls in a row since {notice.started_at:%Y-%m-%d %H:%M} UTC.\n\n"
        f"URL:   {notice.source_url}\n"
        f"Error: {notice.error or 'unknown'}\n\n"
        "It is retried with growing delays and never disabled. You get this once per incident;\n"
        "the next one is sent only after the source has worked again and then failed again.\n"
        "See `academichub sources list` for its status.\n"
    )
    return message


def incident_payload(notice: IncidentNotice) -> dict:
    """The JSON an admin's webhook receives about one incident."""
    return {
        "event": "source_incident",
        "source": {"id": notice.source_id, "label": notice.source_label, "url": notice.source_url},
        "failures": notice.failures,
        "error": notice.error,
        "started_at": notice.started_at.isoformat(),
    }
