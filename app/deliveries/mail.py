"""Sending mail through the configured SMTP server (SMTP_HOST, SMTP_PORT, SMTP_USER,
SMTP_PASSWORD, SMTP_FROM): implicit TLS on port 465 (RFC 8314), STARTTLS whenever the server
offers it, log-in when a user is set, and a timeout on every step."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from app.config import Settings

IMPLICIT_TLS_PORT = 465
SMTP_TIMEOUT_SECONDS = 30.0


class MailError(RuntimeError):
    """A message could not be handed to the SMTP server; the message says where and why."""


def sender_address(settings: Settings) -> str:
    """The From address: SMTP_FROM, else the SMTP user, else a local default."""
    return settings.smtp_from or settings.smtp_user or "academichub@localhost"


def send_message(
    settings: Settings, message: EmailMessage, *, timeout: float = SMTP_TIMEOUT_SECONDS
) -> None:
    """Hand `message` to the SMTP server; MailError if it was not accepted for every recipient."""
    host, port = settings.smtp_host, settings.smtp_port
    if not host:
        raise MailError("no SMTP server configured (set ACADEMICHUB_SMTP_HOST)")
    where = f"{host}:{port}"
    _stamp(message, settings)
    try:
        with _connect(host, port, timeout) as smtp:
            _secure_and_log_in(smtp, settings, port)
            refused = smtp.send_message(message)
    except smtplib.SMTPAuthenticationError as error:
        raise MailError(f"SMTP server {where} refused the log-in: {_reply(error)}") from error
    except smtplib.SMTPRecipientsRefused as error:
        raise MailError(f"SMTP server {where} refused the recipient: {error.recipients}") from error
    except smtplib.SMTPResponseException as error:
        raise MailError(f"SMTP server {where} refused the message: {_reply(error)}") from error
    except (smtplib.SMTPException, OSError) as error:
        reason = str(error) or type(error).__name__
        raise MailError(f"could not send mail through {where}: {reason}") from error
    if refused:
        raise MailError(f"SMTP server {where} refused recipients: {sorted(refused)}")


def _stamp(message: EmailMessage, settings: Settings) -> None:
    """Date and Message-ID as RFC 5322 wants them, when the composer left them out."""
    if "Date" not in message:
        message["Date"] = formatdate(usegmt=True)
    if "Message-ID" not in message:
        domain = sender_address(settings).rsplit("@", 1)[-1].rstrip(">") or "localhost"
        message["Message-ID"] = make_msgid(domain=domain)


def _connect(host: str, port: int, timeout: float) -> smtplib.SMTP:
    if port == IMPLICIT_TLS_PORT:
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    return smtplib.SMTP(host, port, timeout=timeout)


def _secure_and_log_in(smtp: smtplib.SMTP, settings: Settings, port: int) -> None:
    smtp.ehlo()
    if port != IMPLICIT_TLS_PORT and smtp.has_extn("starttls"):
        smtp.starttls(context=ssl.create_default_context())
        smtp.ehlo()
    if settings.smtp_user:
        smtp.login(settings.smtp_user, settings.smtp_password or "")


def _reply(error: smtplib.SMTPResponseException) -> str:
    text = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else ""
    return f"{error.smtp_code} {text}".strip()
