"""Hostile papers for the browser tests: feed text that tries to run script, stored as it came.

The payloads are feedparser's sanitizer test cases (tests/fixtures/feeds/feedparser-tests/, BSD-2,
see LICENSE-feedparser.txt there), taken out of their feed documents as the raw HTML a hostile feed
would send. They go straight into the store — past ingest's sanitizer — so the pages' escaping and
the Content-Security-Policy are what the browser tests check.
"""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from pathlib import Path

from app.db import make_engine, make_session_factory, transaction
from app.ingest.sources import add_source
from app.ingest.store import upsert_papers
from app.schemas import AuthorRecord, PaperRecord

SANITIZE_CASES = Path(__file__).parents[1] / "fixtures/feeds/feedparser-tests/wellformed/sanitize"
HOSTILE_DAY = date(2024, 11, 27)  # the announcement day before the recorded feed's
HOSTILE_SOURCE_LABEL = '<script>alert("source")</script>Hostile <b onmouseover=alert(7)>feed</b>'
HOSTILE_AUTHORS = (
    '<script>alert("author")</script>',
    'Ada "><img src=x onerror=alert(1)> Lovelace',
    "{{ 7*7 }} Templated",
)
HOSTILE_QUERY = '<script>alert("q")</script>'


def sanitize_payload(name: str) -> str:
    """The HTML inside the first entry's content or description of one sanitizer test case."""
    root = ET.parse(SANITIZE_CASES / f"{name}.xml").getroot()
    for entry in root.iter():
        if _local(entry.tag) not in ("entry", "item"):
            continue
        for child in entry:
            if _local(child.tag) in ("content", "description", "encoded"):
                text = child.text or ""
                if child.get("mode") == "base64":
                    text = base64.b64decode(text).decode()
                return text.strip()
    raise LookupError(f"{name}: no entry content")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def hostile_records() -> list[PaperRecord]:
    """Papers whose every text field carries script, handlers, javascript: URLs or markup."""
    onerror = sanitize_payload("item_description_onerror")
    crazy = sanitize_payload("item_description_crazy")
    base = {"announced_on": HOSTILE_DAY, "announce_type": "new", "version": 1}
    return [
        PaperRecord(
            arxiv_id="2411.90001",
            title=onerror,
            abstract=crazy,
            abstract_html=crazy,
            authors=[AuthorRecord(name=name) for name in HOSTILE_AUTHORS],
            categories=["cs.CR"],
            url="javascript:alert('abs')",
            pdf_url="javascript:alert('pdf')",
            comments=sanitize_payload("entry_content_style"),
            journal_ref="<svg onload=alert(8)>",
            **base,
        ),
        PaperRecord(
            arxiv_id="2411.90002",
            title=sanitize_payload("entry_content_script_base64")
            + r" $x<img src=x onerror=alert(2)>$",
            abstract=(
                sanitize_payload("entry_content_style")
                + r" Inline math $\href{javascript:alert(3)}{x} < y$ and display $$</math><script>"
                + 'alert(4)</script>$$ and code at https://github.com/x/y"><script>alert(5)</script>'
            ),
            authors=[AuthorRecord(name=HOSTILE_AUTHORS[0]), AuthorRecord(name="Grace Hopper")],
            categories=["cs.CR", "<b>cs.XSS</b>"],
            url="https://arxiv.org/abs/2411.90002",
            pdf_url="https://arxiv.org/pdf/2411.90002",
            comments='Code: https://github.com/x/y"><script>alert(6)</script>',
            **base,
        ),
        PaperRecord(
            doi='10.1234/"><script>alert(9)</script>',
            title=sanitize_payload("item_content_encoded_script_nested_cdata")
            + ' <math href="javascript:alert(10)"><mi>x</mi></math>',
            abstract=onerror,
            authors=[AuthorRecord(name=HOSTILE_AUTHORS[1])],
            categories=["cs.CR"],
            url="https://example.org/article",
            **base,
        ),
    ]


def insert_hostile_papers(database_url: str) -> int:
    """Store the hostile papers under a hostile source; returns the source's id."""
    engine = make_engine(database_url)
    now = datetime(2024, 11, 27, 20, 0, tzinfo=UTC)
    try:
        with transaction(make_session_factory(engine)) as session:
            source = add_source(
                session,
                "http://127.0.0.1:9/hostile.xml",
                kind="rss",
                label=HOSTILE_SOURCE_LABEL,
                every_minutes=60 * 24,
                now=now,
            )
            upsert_papers(
                session,
                hostile_records(),
                source_id=source.id,
                source_label=HOSTILE_SOURCE_LABEL,
                now=now,
            )
            return source.id
    finally:
        engine.dispose()
