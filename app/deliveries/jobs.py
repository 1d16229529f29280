"""The daily deliveries: each person's radar of the day by e-mail digest and by webhook.

A person is claimed before anything is sent (their `last_digest_on` / `last_webhook_on` set to
the day in its own transaction, only if it was earlier), so two workers never send one day
twice; a failed send puts the old value back, so the person is not marked delivered and the next
run tries again. One person's failure never stops the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from app.config import Settings
from app.db import transaction
from app.deliveries.digest import DigestItem, compose_digest
from app.deliveries.mail import MailError, send_message, sender_address
from app.deliveries.unsubscribe import unsubscribe_token, unsubscribe_url
from app.deliveries.webhook import WebhookError, WebhookURLError, post_radar, radar_payload
from app.models import User

log = logging.getLogger(__name__)
RadarFor = Callable[[Session, int, date], list[DigestItem]]


@dataclass(frozen=True)
class DeliveryFailure:
    """One person's delivery that did not happen, and why."""

    user_id: int
    channel: str  # radar | digest | webhook
    error: str


@dataclass
class DeliveryReport:
    """What one run of the daily deliveries did."""

    day: date
    digests_sent: int = 0
    webhooks_sent: int = 0
    empty: int = 0  # people whose radar had nothing that day (nothing sent, tried again later)
    failures: list[DeliveryFailure] = field(default_factory=list)


@dataclass(frozen=True)
class _Recipient:
    user_id: int
    email: str
    wants_digest: bool
    webhook_url: str | None


def deliver_daily(
    session_factory: sessionmaker[Session],
    settings: Settings,
    *,
    radar_for: RadarFor,
    day: date,
    base_url: str,
    now: datetime,
) -> DeliveryReport:
    """Send `day`'s radar to everyone who wants it and has not had it yet."""
    report = DeliveryReport(day)
    mail_ready = bool(settings.smtp_host)
    if not mail_ready:
        log.info("digests skipped: no SMTP server configured", extra={"day": day.isoformat()})
    for recipient in _recipients(session_factory, day, mail_ready):
        items = _radar(session_factory, radar_for, recipient, day, report)
        if items is None:
            continue
        if not items:
            report.empty += 1
            continue
        if recipient.wants_digest:
            _deliver_digest(session_factory, settings, recipient, items, day, base_url, now, report)
        if recipient.webhook_url:
            _deliver_webhook(session_factory, settings, recipient, items, day, report)
    return report


def _due(column: InstrumentedAttribute, day: date) -> ColumnElement[bool]:
    return or_(column.is_(None), column < day)


def _before(value: date | None, day: date) -> bool:
    return value is None or value < day


def _recipients(
    session_factory: sessionmaker[Session], day: date, mail_ready: bool
) -> list[_Recipient]:
    digest_due = User.digest_enabled.is_(True) & _due(User.last_digest_on, day)
    webhook_due = User.webhook_url.is_not(None) & _due(User.last_webhook_on, day)
    statement = (
        select(User.id, User.email, User.digest_enabled, User.webhook_url)
        .add_columns(User.last_digest_on, User.last_webhook_on)
        .where(or_(digest_due, webhook_due) if mail_ready else webhook_due)
        .order_by(User.id)
    )
    with session_factory() as session:
        rows = session.execute(statement).all()
    return [
        _Recipient(
            user_id=row.id,
            email=row.email,
            wants_digest=mail_ready and row.digest_enabled and _before(row.last_digest_on, day),
            webhook_url=row.webhook_url if _before(row.last_webhook_on, day) else None,
        )
        for row in rows
    ]


def _radar(
    session_factory: sessionmaker[Session],
    radar_for: RadarFor,
    recipient: _Recipient,
    day: date,
    report: DeliveryReport,
) -> list[DigestItem] | None:
    try:
        with transaction(session_factory) as session:
            return radar_for(session, recipient.user_id, day)
    except Exception as error:  # one person's radar must not stop the others
        log.exception("radar failed", extra={"user_id": recipient.user_id})
        report.failures.append(DeliveryFailure(recipient.user_id, "radar", str(error)))
        return None


@dataclass(frozen=True)
class _Claim:
    previous: date | None  # put back if the send fails


def _claim(
    session_factory: sessionmaker[Session],
    user_id: int,
    column: InstrumentedAttribute,
    day: date,
) -> _Claim | None:
    """Mark the day delivered before sending; None when another worker got there first (or
    the person turned the channel off meanwhile)."""
    wanted = (
        User.digest_enabled.is_(True)
        if column is User.last_digest_on
        else User.webhook_url.is_not(None)
    )
    with transaction(session_factory) as session:
        previous = session.scalar(select(column).where(User.id == user_id))
        statement = update(User).where(User.id == user_id, wanted, _due(column, day))
        if session.execute(statement.values({column.key: day})).rowcount != 1:
            return None
        return _Claim(previous)


def _release(
    session_factory: sessionmaker[Session],
    user_id: int,
    column: InstrumentedAttribute,
    day: date,
    previous: date | None,
) -> None:
    with transaction(session_factory) as session:
        session.execute(
            update(User).where(User.id == user_id, column == day).values({column.key: previous})
        )


def _deliver_digest(
    session_factory: sessionmaker[Session],
    settings: Settings,
    recipient: _Recipient,
    items: list[DigestItem],
    day: date,
    base_url: str,
    now: datetime,
    report: DeliveryReport,
) -> None:
    claim = _claim(session_factory, recipient.user_id, User.last_digest_on, day)
    if claim is None:
        return
    try:
        with transaction(session_factory) as session:
            token = unsubscribe_token(
                session, recipient.user_id, secret_key=settings.resolved_secret_key(), now=now
            )
        message = compose_digest(
            to=recipient.email,
            day=day,
            items=items,
            base_url=base_url,
            unsubscribe_url=unsubscribe_url(base_url, token),
            sender=sender_address(settings),
        )
        send_message(settings, message)
    except (MailError, ValueError) as error:
        _release(session_factory, recipient.user_id, User.last_digest_on, day, claim.previous)
        log.warning("digest failed", extra={"user_id": recipient.user_id, "error": str(error)})
        report.failures.append(DeliveryFailure(recipient.user_id, "digest", str(error)))
        return
    report.digests_sent += 1
    log.info("digest sent", extra={"user_id": recipient.user_id, "papers": len(items)})


def _deliver_webhook(
    session_factory: sessionmaker[Session],
    settings: Settings,
    recipient: _Recipient,
    items: list[DigestItem],
    day: date,
    report: DeliveryReport,
) -> None:
    claim = _claim(session_factory, recipient.user_id, User.last_webhook_on, day)
    if claim is None:
        return
    payload = radar_payload(day, recipient.email, items)
    try:
        post_radar(recipient.webhook_url, payload, allow_private=settings.allow_private_urls)
    except (WebhookError, WebhookURLError) as error:
        _release(session_factory, recipient.user_id, User.last_webhook_on, day, claim.previous)
        log.warning("webhook failed", extra={"user_id": recipient.user_id, "error": str(error)})
        report.failures.append(DeliveryFailure(recipient.user_id, "webhook", str(error)))
        return
    report.webhooks_sent += 1
    log.info("webhook sent", extra={"user_id": recipient.user_id, "papers": len(items)})
