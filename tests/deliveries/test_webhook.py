"""Webhook URLs: every private or loopback spelling refused, and real POSTs to a loopback
receiver (allowed only with allow_private)."""

from __future__ import annotations

import socket
from datetime import date

import pytest

from app.deliveries.digest import DigestItem
from app.deliveries.webhook import (
    WebhookError,
    WebhookURLError,
    check_webhook_url,
    post_json,
    post_radar,
    radar_payload,
)
from tests.support.webhook_receiver import Answer

PRIVATE_URLS = [
    ("http://localhost/hook", "loopback"),
    ("http://127.0.0.1/hook", "loopback"),
    ("http://127.1/hook", "loopback"),
    ("http://0x7f.0.0.1/hook", "loopback"),
    ("http://2130706433/hook", "loopback"),
    ("http://[::1]/hook", "loopback"),
    ("http://[::ffff:127.0.0.1]/hook", "loopback"),
    ("http://[::ffff:10.0.0.1]/hook", "private"),
    ("http://169.254.169.254/latest/meta-data", "link-local"),
    ("http://[fe80::1]/hook", "link-local"),
    ("http://0.0.0.0/hook", "unspecified"),
    ("http://[::]/hook", "unspecified"),
    ("http://10.1.2.3/hook", "private"),
    ("http://172.16.0.1/hook", "private"),
    ("https://192.168.1.10:8443/hook", "private"),
    ("http://[fd00::1]/hook", "private"),
    ("http://100.64.0.1/hook", "non-global"),
    ("http://224.0.0.1/hook", "multicast"),
    ("http://[ff02::1]/hook", "multicast"),
    ("http://240.0.0.1/hook", "reserved"),
    ("http://[2002:7f00:1::]/hook", "loopback"),  # 6to4 wrapping 127.0.0.1
]


@pytest.mark.parametrize(("url", "kind"), PRIVATE_URLS)
def test_private_and_loopback_addresses_are_refused(url, kind):
    with pytest.raises(WebhookURLError, match=f"a {kind} address"):
        check_webhook_url(url, allow_private=False)
    assert check_webhook_url(url, allow_private=True) == url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.org/hook", "must start with http:// or https://"),
        ("file:///etc/passwd", "must start with http:// or https://"),
        ("https://user:pass@example.org/hook", "must not contain a user name or password"),
        ("https://token@example.org/hook", "must not contain a user name or password"),
        ("https:///hook", "has no host"),
        ("https://example.org:99999/hook", "malformed"),
        ("https://exa mple.org/hook", "spaces or control characters"),
        ("", "empty"),
        ("https://no-such-host.invalid/hook", "cannot be resolved"),
    ],
)
def test_malformed_urls_are_refused_with_a_clear_message(url, message):
    with pytest.raises(WebhookURLError, match=message):
        check_webhook_url(url, allow_private="invalid" not in url)


def test_a_public_address_is_accepted():
    assert check_webhook_url("https://93.184.215.14/hook", allow_private=False)


def _items() -> list[DigestItem]:
    return [
        DigestItem(
            "2411.00001",
            "Paper one",
            ("Zichen Liu",),
            "https://arxiv.org/abs/2411.00001",
            None,
            ("you follow Zichen Liu",),
        )
    ]


def test_the_radar_is_posted_as_json(webhook_receiver):
    payload = radar_payload(date(2024, 11, 28), "ada@example.org", _items())
    status = post_radar(webhook_receiver.url(), payload, allow_private=True)
    assert status == 204
    (posted,) = webhook_receiver.received()
    assert posted.headers["content-type"] == "application/json"
    assert posted.headers["host"] == f"127.0.0.1:{webhook_receiver.url().split(':')[2][:-5]}"
    assert posted.json() == {
        "day": "2024-11-28",
        "user": "ada@example.org",
        "items": [
            {
                "id": "2411.00001",
                "title": "Paper one",
                "authors": ["Zichen Liu"],
                "url": "https://arxiv.org/abs/2411.00001",
                "pdf_url": None,
                "reasons": ["you follow Zichen Liu"],
            }
        ],
    }


def test_a_name_is_sent_to_the_address_it_was_checked_at(webhook_receiver):
    url = webhook_receiver.url(host="localhost")
    if "127.0.0.1" not in {info[4][0] for info in socket.getaddrinfo("localhost", 80)}:
        pytest.skip("localhost does not resolve to 127.0.0.1 here")
    post_json(url, {"x": 1}, allow_private=True)
    (posted,) = webhook_receiver.received()
    assert posted.headers["host"].startswith("localhost:")


def test_loopback_is_refused_at_send_time_without_the_setting(webhook_receiver):
    with pytest.raises(WebhookURLError, match="loopback"):
        post_json(webhook_receiver.url(), {"x": 1}, allow_private=False)
    assert webhook_receiver.received() == []


def test_an_error_answer_is_a_clear_failure(webhook_receiver):
    webhook_receiver.answer = Answer(status=500, body=b"upstream exploded " * 100)
    with pytest.raises(WebhookError, match="answered HTTP 500: upstream exploded") as caught:
        post_json(webhook_receiver.url(), {"x": 1}, allow_private=True)
    assert len(str(caught.value)) < 500


def test_redirects_are_not_followed(webhook_receiver):
    webhook_receiver.answer = Answer(status=302, headers={"Location": "http://10.0.0.1/"})
    with pytest.raises(WebhookError, match="redirects are not followed"):
        post_json(webhook_receiver.url(), {"x": 1}, allow_private=True)
    assert len(webhook_receiver.received()) == 1


def test_a_slow_receiver_times_out(webhook_receiver):
    webhook_receiver.answer = Answer(delay=1.5)
    with pytest.raises(WebhookError, match=r"did not answer within 0\.3 s"):
        post_json(webhook_receiver.url(), {"x": 1}, allow_private=True, timeout=0.3)
