"""OPML: feed readers' exports in (nested, odd attributes, duplicates), ours out, round trip."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from app.db import transaction
from app.ingest.opml import OpmlError, OpmlFeed, parse_opml, write_opml
from app.ingest.papers_add import manual_source
from app.ingest.sources import add_source
from app.ingest.sources_opml import exportable_feeds, import_opml
from app.models import Source
from tests.support.cli import run_cli

OPML = Path(__file__).resolve().parent.parent / "fixtures" / "opml"
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def read(name: str) -> bytes:
    return (OPML / name).read_bytes()


def test_feedly_folders_become_folder_paths():
    document = parse_opml(read("feedly.opml"))
    assert document.title == "Example Researcher subscriptions in feedly Cloud"
    assert [(f.label, f.folder) for f in document.feeds] == [
        ("Nature", "Journals"),
        ("Science: Table of Contents", "Journals"),
        ("cs.AI updates on arXiv.org", "arXiv"),
        ("cs.LG updates on arXiv.org", "arXiv"),
    ]
    assert document.feeds[1].url.endswith("type=etoc&feed=rss&jc=science")  # &amp; decoded
    assert document.skipped == []


def test_inoreader_feed_in_two_folders_is_reported_once_as_a_duplicate():
    document = parse_opml(read("inoreader.xml"))
    assert [f.url for f in document.feeds] == [
        "https://journals.plos.org/plosbiology/feed/atom",
        "https://www.cell.com/cell/current.rss",
        "https://www.pnas.org/action/showFeed?type=etoc&feed=rss&jc=pnas",
    ]
    assert document.feeds[2].folder is None
    assert document.skipped == [
        "PLOS Biology: New Articles: listed twice (https://journals.plos.org/plosbiology/feed/atom)"
    ]


def test_netnewswire_and_miniflux_shapes():
    nnw = parse_opml(read("netnewswire.opml"))
    assert [(f.label, f.folder) for f in nnw.feeds] == [
        ("stat.ML updates on arXiv.org", None),
        ("Nature Physics", "Physics"),
    ]
    assert nnw.skipped == ["Empty folder: not a feed (no xmlUrl)"]
    miniflux = parse_opml(read("miniflux.opml"))
    assert [(f.url, f.folder, f.html_url) for f in miniflux.feeds] == [
        (
            "https://www.nature.com/natmachintell.rss",
            "All",
            "https://www.nature.com/natmachintell",
        ),
        ("https://rss.arxiv.org/rss/cs.CL", "Preprints", "http://arxiv.org/"),
    ]


def test_odd_attributes_and_non_feed_outlines():
    document = parse_opml(read("odd-attributes.opml"))
    assert [(f.url, f.label, f.folder) for f in document.feeds] == [
        ("https://www.nature.com/ncomms.rss", "lower-case attribute names", "Deep/Deeper"),
        ("https://www.nature.com/nmeth.rss", "only a title, no text", None),
        ("https://export.arxiv.org/rss/math.AG", None, None),
        ("https://www.nature.com/nphoton.rss", "Café (raw Latin-1 byte) café", None),
    ]
    assert document.skipped == [
        "a link, not a feed: not a feed (no xmlUrl)",
        "a note with no URL: not a feed (no xmlUrl)",
        "empty xmlUrl: not a feed (no xmlUrl)",
        "not http: not an http(s) feed URL (feed://www.nature.com/nature.rss)",
        "Nature again: listed twice (https://www.nature.com/ncomms.rss)",
    ]


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
        b'<opml version="2.0"><body><outline text="&b;" xmlUrl="https://x.org/f"/></body></opml>',
        b'<?xml version="1.0"?><!DOCTYPE opml SYSTEM "file:///etc/passwd"><opml/>',
    ],
    ids=["entity-expansion", "external-dtd"],
)
def test_dtds_and_entities_are_refused(body):
    with pytest.raises(OpmlError, match="DTD"):
        parse_opml(body)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<opml><body><outline", "not well-formed"),
        (b"<rss version='2.0'><channel/></rss>", "not an OPML document"),
    ],
)
def test_broken_and_foreign_documents_are_errors(body, message):
    with pytest.raises(OpmlError, match=message):
        parse_opml(body)


def test_import_is_idempotent_and_keeps_labels(session_factory):
    document = parse_opml(read("feedly.opml"))
    with transaction(session_factory) as session:
        add_source(session, "cs.AI", kind=None, label=None, every_minutes=60, now=NOW)
        first = import_opml(session, document, every_minutes=30, now=NOW)
    with transaction(session_factory) as session:
        second = import_opml(session, document, every_minutes=30, now=NOW)
    assert [label for _, label in first.added] == [
        "Nature",
        "Science: Table of Contents",
        "cs.LG updates on arXiv.org",
    ]
    assert first.present == ["https://rss.arxiv.org/rss/cs.AI"]
    assert second.added == [] and len(second.present) == 4
    with session_factory() as session:
        rows = session.execute(select(Source.url, Source.kind, Source.interval_minutes)).all()
    assert len(rows) == 4
    assert ("https://rss.arxiv.org/rss/cs.LG", "arxiv", 30) in rows


def test_round_trip_through_our_export(session_factory, engine):
    """Import four exporters' files, export, re-import the export into an empty database."""
    with transaction(session_factory) as session:
        for name in ("feedly.opml", "inoreader.xml", "netnewswire.opml", "miniflux.opml"):
            import_opml(session, parse_opml(read(name)), every_minutes=60, now=NOW)
        add_source(session, "bioRxiv Genomics", kind=None, label=None, every_minutes=60, now=NOW)
        manual_source(session, NOW)  # not a feed: never exported
    with session_factory() as session:
        before = exportable_feeds(session)
        exported = write_opml(before, NOW)
        original = sorted(session.execute(select(Source.url, Source.label, Source.kind)).all())
    assert len(before) == 12 and "academichub:" not in exported
    again = parse_opml(exported.encode())
    assert again.skipped == [] and again.title == "AcademicHub sources"
    assert [(f.url, f.label, f.kind) for f in again.feeds] == [
        (f.url, f.label, f.kind) for f in before
    ]
    with transaction(session_factory) as session:
        for source in session.scalars(select(Source)):
            session.delete(source)
    with transaction(session_factory) as session:
        report = import_opml(session, again, every_minutes=60, now=NOW)
    with session_factory() as session:
        restored = sorted(session.execute(select(Source.url, Source.label, Source.kind)).all())
        assert write_opml(exportable_feeds(session), NOW) == exported
    assert len(report.added) == 12
    assert restored == [row for row in original if not row.url.startswith("academichub:")]
    assert ("https://api.biorxiv.org/details/biorxiv/7d?category=genomics", "bioRxiv Genomics",
            "biorxiv") in restored  # fmt: skip


def test_export_escapes_labels():
    feed = OpmlFeed(url="https://x.org/f?a=1&b=2", label='A "quoted" <label> & more')
    text = write_opml([feed], NOW)
    [parsed] = parse_opml(text.encode()).feeds
    assert (parsed.url, parsed.label) == (feed.url, feed.label)


def test_opml_commands(db_url, monkeypatch, capsys, tmp_path):
    status, out, err = run_cli(
        ["sources", "import-opml", str(OPML / "odd-attributes.opml"), "--json"],
        db_url,
        monkeypatch,
        capsys,
        tmp_path,
    )
    assert status == 0
    report = json.loads(out)
    assert len(report["added"]) == 4 and len(report["skipped"]) == 5
    assert "4 added, 0 already present, 5 skipped" in err and "skipped a note" in err
    status, out, err = run_cli(["sources", "export-opml"], db_url, monkeypatch, capsys, tmp_path)
    assert status == 0 and out.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert len(parse_opml(out.encode()).feeds) == 4 and "4 source(s) exported" in err
    status, out, err = run_cli(
        ["sources", "import-opml", str(tmp_path / "missing.opml")],
        db_url,
        monkeypatch,
        capsys,
        tmp_path,
    )
    assert status == 1 and err.startswith("error: cannot read") and err.count("\n") == 1
