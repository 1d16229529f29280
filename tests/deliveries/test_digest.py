"""The digest e-mail: both parts, links, reasons, escaping, and RFC 8058 one-click headers."""

from __future__ import annotations

from datetime import date
from email import message_from_bytes, policy

import pytest
from lxml import html

from app.deliveries.digest import DigestItem, compose_digest

DAY = date(2024, 11, 28)
BASE = "https://radar.example.org"
UNSUBSCRIBE = "https://radar.example.org/unsubscribe/TOKEN123456789012345"


def _items() -> list[DigestItem]:
    return [
        DigestItem(
            public_id="hep-th/9901001",
            title="Strings on $\\mathbb{R}^n$",
            authors=("Edward Witten",),
            url="https://arxiv.org/abs/hep-th/9901001",
            pdf_url="https://arxiv.org/pdf/hep-th/9901001",
            reasons=("you follow Edward Witten",),
        ),
        DigestItem(
            public_id="doi:10.1000/xyz",
            title='<script>alert("x")</script> & <b>bold</b>',
            authors=tuple(f"Author {n}" for n in range(10)),
            url="javascript:alert(1)",
            pdf_url=None,
            reasons=("matches '<b>' in the title",),
        ),
    ]


def _compose(items=None):
    message = compose_digest(
        to="ada@example.org",
        day=DAY,
        items=items or _items(),
        base_url=BASE,
        unsubscribe_url=UNSUBSCRIBE,
        sender="AcademicHub <radar@academichub.test>",
    )
    # What a mail client sees: the message as bytes, parsed again.
    return message_from_bytes(message.as_bytes(), policy=policy.default)


def test_headers_and_one_click_unsubscribe():
    message = _compose()
    assert message["To"] == "ada@example.org"
    assert message["Subject"] == "Your AcademicHub radar for 2024-11-28: 2 papers"
    assert message["List-Unsubscribe"] == f"<{UNSUBSCRIBE}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]


def test_plain_text_lists_papers_links_and_reasons():
    text = _compose().get_body(("plain",)).get_content()
    assert "1. Strings on $\\mathbb{R}^n$" in text
    assert f"{BASE}/papers/hep-th/9901001" in text
    assert f"{BASE}/papers/doi:10.1000/xyz" in text
    assert "PDF: https://arxiv.org/pdf/hep-th/9901001" in text
    assert "- you follow Edward Witten" in text
    assert "Author 0, Author 1" in text and "and 2 more" in text
    assert "javascript:" not in text
    assert text.rstrip().endswith(UNSUBSCRIBE)


def test_html_links_titles_and_escapes_hostile_text():
    tree = html.fromstring(_compose().get_body(("html",)).get_content())
    assert tree.xpath("//script") == [] and tree.xpath("//ol//b") == []
    links = {a.text_content().strip(): a.get("href") for a in tree.xpath("//a")}
    assert links["Strings on $\\mathbb{R}^n$"] == f"{BASE}/papers/hep-th/9901001"
    assert links['<script>alert("x")</script> & <b>bold</b>'] == f"{BASE}/papers/doi:10.1000/xyz"
    assert links["Unsubscribe"] == UNSUBSCRIBE
    assert "javascript:alert(1)" not in links.values()
    reasons = [li.text_content() for li in tree.xpath("//ol/li/ul/li")]
    assert reasons == ["you follow Edward Witten", "matches '<b>' in the title"]


def test_an_empty_day_has_no_digest():
    with pytest.raises(ValueError, match="empty"):
        compose_digest(
            to="a@example.org",
            day=DAY,
            items=[],
            base_url=BASE,
            unsubscribe_url=UNSUBSCRIBE,
            sender="x@example.org",
        )


def test_a_header_injection_in_the_address_is_refused():
    with pytest.raises(ValueError):
        compose_digest(
            to="ada@example.org\r\nBcc: everyone@example.org",
            day=DAY,
            items=_items(),
            base_url=BASE,
            unsubscribe_url=UNSUBSCRIBE,
            sender="x@example.org",
        )
