"""Sending mail to a real SMTP server on loopback (aiosmtpd), with and without log-in."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from app.config import Settings
from app.deliveries.mail import MailError, send_message
from tests.support.smtp_server import PASSWORD, USER, free_port

# Loopback only: the test server takes AUTH without TLS, and aiosmtpd warns about it.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def _message(to: str = "ada@example.org") -> EmailMessage:
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = "Hello", "radar@academichub.test", to
    message.set_content("Body text\n")
    return message


def test_a_message_arrives_with_date_and_message_id(smtp_server):
    send_message(smtp_server.settings(), _message())
    (received,) = smtp_server.messages
    assert received.recipients == ["ada@example.org"]
    assert received.message["Subject"] == "Hello"
    assert received.message["Date"] and received.message["Message-ID"].endswith(
        "@academichub.test>"
    )
    assert received.message.get_content() == "Body text\n"


def test_log_in_when_a_user_is_set(smtp_server_with_login):
    settings = smtp_server_with_login.settings(smtp_user=USER, smtp_password=PASSWORD)
    send_message(settings, _message())
    assert len(smtp_server_with_login.messages) == 1


def test_a_wrong_password_is_a_clear_error(smtp_server_with_login):
    settings = smtp_server_with_login.settings(smtp_user=USER, smtp_password="wrong")
    with pytest.raises(MailError, match="refused the log-in: 535"):
        send_message(settings, _message())
    assert smtp_server_with_login.messages == []


def test_a_server_that_demands_log_in_refuses_anonymous_mail(smtp_server_with_login):
    with pytest.raises(MailError, match=r"refused the (message|recipient)"):
        send_message(smtp_server_with_login.settings(), _message())


def test_no_server_listening_is_a_clear_error():
    port = free_port()
    settings = Settings(_env_file=None, smtp_host="127.0.0.1", smtp_port=port)
    with pytest.raises(MailError, match=f"could not send mail through 127.0.0.1:{port}"):
        send_message(settings, _message(), timeout=5)


def test_no_server_configured_is_a_clear_error():
    with pytest.raises(MailError, match="no SMTP server configured"):
        send_message(Settings(_env_file=None, smtp_host=None), _message())
