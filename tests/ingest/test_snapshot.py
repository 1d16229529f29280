"""The arXiv snapshot import: real-shaped records, .gz, malformed lines, resume after a kill,
idempotent re-import and newer versions, on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.bulk_indexes import missing_secondary_indexes, restore_secondary_indexes
from app.cli import main
from app.config import get_settings
from app.curation.daily import PaperFilters, list_papers
from app.db import make_engine, transaction
from app.ingest.snapshot import (
    NameCache,
    SnapshotLineError,
    read_snapshot_line,
    snapshot_record,
)
from app.ingest.snapshot_import import (
    SNAPSHOT_SOURCE_URL,
    ensure_snapshot_source,
    import_snapshot,
)
from app.ingest.snapshot_prepare import _load_stored, is_unchanged, prepare_batch
from app.ingest.snapshot_store import SnapshotWriter
from app.ingest.sources import add_source
from app.ingest.store import plan_paper_write, upsert_papers
from app.models import (
    Author,
    Paper,
    PaperAuthor,
    PaperCategory,
    PaperListing,
    SnapshotImport,
    Source,
)
from app.schemas import AuthorRecord, PaperRecord
from app.search_index import restore_search_index, search_index_paused

SAMPLE = (
    Path(__file__).parent.parent
    / "fixtures"
    / "feeds"
    / "arxiv-snapshot"
    / "arxiv-snapshot-sample.jsonl"
)
SAMPLE_IDS = [json.loads(line)["id"] for line in SAMPLE.read_text().splitlines()]
NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def sample_lines() -> list[str]:
    return SAMPLE.read_text().splitlines()


def sample_record(arxiv_id: str) -> dict:
    return next(json.loads(line) for line in sample_lines() if json.loads(line)["id"] == arxiv_id)


def write_lines(path: Path, lines: list[str], *, compress: bool = False) -> Path:
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def run_import(engine, path: Path, **options):
    options.setdefault("now", lambda: NOW)
    return import_snapshot(engine, path, **options)


def count(session_factory, model, *where) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def stored_paper(session_factory, arxiv_id: str) -> Paper:
    with session_factory() as session:
        return session.scalar(select(Paper).where(Paper.arxiv_id == arxiv_id))


def byline(session_factory, arxiv_id: str) -> list[str]:
    with session_factory() as session:
        statement = (
            select(Author.name)
            .join(PaperAuthor, PaperAuthor.author_id == Author.id)
            .join(Paper, Paper.id == PaperAuthor.paper_id)
            .where(Paper.arxiv_id == arxiv_id)
            .order_by(PaperAuthor.position)
        )
        return list(session.scalars(statement))


@pytest.fixture
def cli_settings(db_url, tmp_path, monkeypatch):
    """`app.cli.main` reads settings once per process (cached): point them at this database."""
    monkeypatch.setenv("ACADEMICHUB_DATABASE_URL", db_url)
    monkeypatch.setenv("ACADEMICHUB_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _index_back(request):
    """A test that stops an import half-way leaves the index paused; the next test must not
    inherit that."""
    url = request.getfixturevalue("db_url") if "db_url" in request.fixturenames else None
    yield
    if url:
        engine = make_engine(url)
        restore_secondary_indexes(engine)
        restore_search_index(engine)
        engine.dispose()


# --- one line ------------------------------------------------------------------------------------


def test_a_line_becomes_a_normalised_record():
    line = read_snapshot_line(next(x for x in sample_lines() if '"2106.13414"' in x))
    record = snapshot_record(line, NameCache())
    assert record.arxiv_id == "2106.13414" and record.version == 2
    assert record.canonical_key == "arxiv:2106.13414"
    assert record.announced_on == date(2021, 6, 25)  # the v1 day
    assert record.submitted_at == datetime(2021, 6, 25, 3, 59, 42, tzinfo=UTC)
    assert record.updated_at == datetime(2021, 11, 9, 1, 28, 1, tzinfo=UTC)
    assert record.categories == ["cs.DS", "cs.IT", "math.PR", "math.ST", "stat.ML"]
    # authors_parsed's [last, first, suffix], TeX accents decoded
    assert [a.name for a in record.authors] == [
        "Clément L. Canonne",
        "Ayush Jain",
        "Gautam Kamath",
        "Jerry Li",
    ]
    assert "\n" not in record.abstract and not record.abstract.startswith(" ")
    assert record.url == "https://arxiv.org/abs/2106.13414"


def test_dump_fields_are_read_as_the_other_parsers_read_them():
    names = NameCache()
    old_style = snapshot_record(
        read_snapshot_line(next(x for x in sample_lines() if "hep-ph/0301050" in x)), names
    )
    assert old_style.doi == "10.1016/j.physletb.2003.08.045"
    assert old_style.journal_ref == "Phys.Lett.B573:94-100,2003"
    assert [a.name for a in old_style.authors] == ["Andre de Gouvea", "Hitoshi Murayama"]
    nine = snapshot_record(
        read_snapshot_line(next(x for x in sample_lines() if "2409" in x)), names
    )
    assert nine.version == 9
    ss = snapshot_record(read_snapshot_line(next(x for x in sample_lines() if "2101" in x)), names)
    assert "Florian Kroiß" in [a.name for a in ss.authors]


GOOD = json.loads(SAMPLE.read_text().splitlines()[2])


def _changed(**changes) -> str:
    data = {**GOOD, **changes}
    return json.dumps({k: v for k, v in data.items() if v is not ...})


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"id": "2005.14124", "title": ', "not JSON"),
        ("[1, 2]", "not a JSON object"),
        (_changed(id=...), "missing id"),
        (_changed(id="not an id"), "not an arXiv identifier"),
        (_changed(title="   "), "missing title"),
        (_changed(versions="v1"), "versions is missing or empty"),
        (
            _changed(versions=[{"version": "v2", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}]),
            "no v1",
        ),
        (_changed(versions=[{"version": "v1", "created": "yesterday"}]), "bad version date"),
        (_changed(authors_parsed="Chen, Yuqi"), "authors_parsed"),
        (_changed(authors_parsed=[["Chen", 7, ""]]), "authors_parsed"),
        (_changed(categories=["cs.SE"]), "categories is not a string"),
        (_changed(abstract={"text": "x"}), "abstract is not a string"),
        (_changed(title="Nul\u0000 in a title"), "NUL"),
    ],
)
def test_a_malformed_line_is_refused_whole(line, reason):
    with pytest.raises(SnapshotLineError, match=reason):
        read_snapshot_line(line)


# --- importing files ------------------------------------------------------------------------------


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gz"])
def test_import_stores_every_paper_with_its_listing(
    db_url, engine, session_factory, tmp_path, compress
):
    path = write_lines(
        tmp_path / ("s.jsonl.gz" if compress else "s.jsonl"), sample_lines(), compress=compress
    )
    report = run_import(engine, path, batch_size=3)
    assert (report.lines, report.papers_new, report.lines_malformed) == (8, 8, 0)
    assert report.finished and not report.malformed
    assert count(session_factory, Paper) == 8
    with session_factory() as session:
        source = session.scalar(select(Source).where(Source.url == SNAPSHOT_SOURCE_URL))
        assert (source.kind, source.enabled, source.label) == ("arxiv", False, "arXiv snapshot")
    paper = stored_paper(session_factory, "2005.14124")
    assert paper.version == 2 and paper.source_label == "arXiv (CS.SE)"
    assert paper.published_on == date(2020, 5, 28) and paper.doi == "10.1145/3395363.3397376"
    assert paper.primary_category == "cs.SE"
    assert byline(session_factory, "2005.14124") == [
        "Yuqi Chen",
        "Bohan Xuan",
        "Christopher M. Poskitt",
        "Jun Sun",
        "Fan Zhang",
    ]
    with session_factory() as session:
        listing = session.scalar(select(PaperListing).where(PaperListing.paper_id == paper.id))
        assert (listing.source_id, listing.listed_on, listing.origin) == (
            source.id,
            date(2020, 5, 28),
            "snapshot",
        )
        assert (listing.announce_type, listing.version) == ("new", 2)
    assert count(session_factory, PaperCategory, PaperCategory.paper_id == paper.id) == 3
    # the full-text index was paused for the load (an empty database) and is back, complete
    assert report.index_paused and report.index_seconds is not None
    with engine.connect() as connection:
        assert not search_index_paused(connection)
    with session_factory() as session:
        found = list_papers(session, PaperFilters(q="Kochen Specker")).items
        assert [item.id for item in found] == ["1412.8544"]
        assert found[0].authors == ["Sander Uijlen", "Bas Westerbaan"]


MALFORMED = [
    (2, '{"id": "2409.05654", "title": "cut off mid-li'),
    (4, "not json at all"),
    (5, _changed(id=..., title="A record without an id")),
    (7, _changed(id="2601.00001", title="")),
    (9, _changed(id="2601.00002", versions=[{"version": "v1", "created": "Feb 30"}])),
    (10, _changed(id="2601.00003", authors_parsed=[["Chen", None, ""]])),
]


def with_malformed_lines() -> list[str]:
    lines = sample_lines()
    for number, bad in MALFORMED:
        lines.insert(number - 1, bad)
    return lines


def test_malformed_lines_are_counted_and_reported_by_line_number(
    db_url, engine, session_factory, tmp_path, capsys, cli_settings
):
    path = write_lines(tmp_path / "bad.jsonl", with_malformed_lines())
    status = main(["import", "arxiv-snapshot", str(path), "--json", "--batch-size", "4"])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    summary = json.loads(captured.out)
    assert summary["lines"] == 14 and summary["lines_malformed"] == len(MALFORMED)
    assert [m["line"] for m in summary["malformed"]] == [n for n, _ in MALFORMED]
    assert summary["malformed"][1] == {"line": 4, "error": "not JSON (Expecting value)"}
    assert "line 4: not JSON" in captured.err and "6 malformed" in captured.err
    # every good paper is there, nothing of the bad lines: no paper, no author, no listing
    assert summary["papers_new"] == 8 and count(session_factory, Paper) == 8
    assert count(session_factory, Paper, Paper.arxiv_id.like("2601.%")) == 0
    assert count(session_factory, PaperListing) == 8
    with session_factory() as session:
        orphans = select(Author.id).where(~Author.id.in_(select(PaperAuthor.author_id)))
        assert session.scalars(orphans).all() == []


def test_a_killed_import_resumes_without_gaps_or_duplicates(
    db_url, engine, session_factory, tmp_path
):
    path = write_lines(tmp_path / "s.jsonl.gz", with_malformed_lines(), compress=True)

    class Killed(Exception):
        pass

    def kill_after_two_batches(report):
        if report.lines >= 6:
            raise Killed

    with pytest.raises(Killed):
        run_import(engine, path, batch_size=3, after_batch=kill_after_two_batches)
    with session_factory() as session:
        state = session.scalar(select(SnapshotImport))
        assert (state.line_number, state.finished_at) == (6, None)
        assert state.lines_malformed == 3  # lines 2, 4 and 5
    assert count(session_factory, Paper) == 3  # lines 1, 3 and 6
    with engine.connect() as connection:
        # still paused: the kill came before the rebuild
        assert search_index_paused(connection)
        assert "ix_paper_authors_author_paper" in missing_secondary_indexes(connection)

    report = run_import(engine, path, batch_size=3)
    assert report.resumed_at_line == 6 and report.finished
    assert (report.lines, report.papers_new, report.lines_malformed) == (14, 8, 6)
    assert [n for n, _ in report.malformed] == [7, 9, 10]  # this run's lines
    assert sorted(p.arxiv_id for p in _papers(session_factory)) == sorted(SAMPLE_IDS)
    assert count(session_factory, PaperListing) == 8
    with session_factory() as session:
        keys = session.scalars(select(Author.match_key)).all()
        assert len(keys) == len(set(keys))
    with engine.connect() as connection:
        assert not search_index_paused(connection)
        assert missing_secondary_indexes(connection) == []


def _papers(session_factory) -> list[Paper]:
    with session_factory() as session:
        return list(session.scalars(select(Paper)))


def test_reimport_changes_nothing(db_url, engine, session_factory, tmp_path):
    path = write_lines(tmp_path / "s.jsonl", sample_lines())
    run_import(engine, path, batch_size=5)
    before = {p.arxiv_id: (p.modified_at, p.version, p.title) for p in _papers(session_factory)}
    counts = [count(session_factory, m) for m in (Author, PaperAuthor, PaperListing, PaperCategory)]
    later = datetime(2026, 11, 26, tzinfo=UTC)
    report = run_import(engine, path, batch_size=5, now=lambda: later)
    assert (report.papers_new, report.papers_updated, report.papers_unchanged) == (0, 0, 8)
    assert report.resumed_at_line == 0 and not report.index_paused  # nothing to rebuild
    after = {p.arxiv_id: (p.modified_at, p.version, p.title) for p in _papers(session_factory)}
    assert after == before
    assert counts == [
        count(session_factory, m) for m in (Author, PaperAuthor, PaperListing, PaperCategory)
    ]


def test_a_newer_version_updates_and_an_older_one_never_overwrites(
    db_url, engine, session_factory, tmp_path
):
    run_import(engine, write_lines(tmp_path / "a.jsonl", sample_lines()))
    newer = sample_record("2005.14124")
    newer["versions"].append({"version": "v3", "created": "Fri, 4 Sep 2020 10:00:00 GMT"})
    newer["title"] = "Active Fuzzing for Testing and Securing Cyber-Physical Systems (revised)"
    newer["authors_parsed"] = newer["authors_parsed"][:2]
    older = sample_record("2106.13414")
    older["versions"] = older["versions"][:1]
    older["title"] = "An older title that must not win"
    path = write_lines(tmp_path / "b.jsonl", [json.dumps(newer), json.dumps(older)])
    report = run_import(engine, path)
    assert (report.papers_new, report.papers_updated, report.papers_unchanged) == (0, 1, 1)
    paper = stored_paper(session_factory, "2005.14124")
    assert paper.version == 3 and paper.title.endswith("(revised)")
    assert paper.updated_at == datetime(2020, 9, 4, 10, tzinfo=UTC)
    assert paper.published_on == date(2020, 5, 28)  # still the v1 day
    assert byline(session_factory, "2005.14124") == ["Yuqi Chen", "Bohan Xuan"]
    kept = stored_paper(session_factory, "2106.13414")
    assert kept.version == 2 and kept.title == "The Price of Tolerance in Distribution Testing"
    assert count(session_factory, Paper) == 8


def test_a_paper_from_a_feed_gets_a_snapshot_listing_and_only_its_blanks_filled(
    db_url, engine, session_factory, tmp_path
):
    with transaction(session_factory) as session:
        feed = add_source(session, "cs.SE", kind="arxiv", label=None, every_minutes=60, now=NOW)
        upsert_papers(
            session,
            [
                PaperRecord(
                    arxiv_id="2202.09076",
                    version=1,
                    title="Title as the feed printed it",
                    authors=[AuthorRecord(name="Yuqing Wang")],
                    categories=["cs.SE"],
                    announce_type="new",
                    announced_on=date(2022, 2, 21),
                )
            ],
            source_id=feed.id,
            source_label="arXiv",
            now=NOW,
        )
    report = run_import(engine, write_lines(tmp_path / "s.jsonl", sample_lines()))
    assert (report.papers_new, report.papers_updated) == (7, 0)
    paper = stored_paper(session_factory, "2202.09076")
    assert paper.title == "Title as the feed printed it"  # equal version: never overwritten
    assert paper.abstract.startswith("Mature test automation is key")  # a blank filled
    assert paper.published_on == date(2022, 2, 18)  # the earlier (v1) day wins
    assert count(session_factory, PaperListing, PaperListing.paper_id == paper.id) == 2


def test_a_journal_article_stored_first_becomes_the_snapshot_papers_twin(
    db_url, engine, session_factory, tmp_path
):
    acm = "https://dl.acm.org/doi/10.1145/3395363.3397376"
    with transaction(session_factory) as session:
        journal = add_source(
            session,
            "https://dl.acm.org/feed.rss",
            kind="rss",
            label="ISSTA",
            every_minutes=60,
            now=NOW,
        )
        upsert_papers(
            session,
            [
                PaperRecord(
                    doi="10.1145/3395363.3397376",
                    title="Active Fuzzing for Testing and Securing Cyber-Physical Systems",
                    authors=[AuthorRecord(name="Yuqi Chen")],
                    announced_on=date(2020, 7, 18),
                    url=acm,
                )
            ],
            source_id=journal.id,
            source_label="ISSTA",
            now=NOW,
        )
    # arXiv's DOI field may list several DOIs; the journal's is the second one here.
    lines = [
        json.dumps(data | {"doi": "10.5555/preprint.1 10.1145/3395363.3397376"})
        if (data := json.loads(line))["id"] == "2005.14124"
        else line
        for line in sample_lines()
    ]
    run_import(engine, write_lines(tmp_path / "s.jsonl", lines))
    assert count(session_factory, Paper) == len(SAMPLE_IDS), "the twin is one paper, not two"
    paper = stored_paper(session_factory, "2005.14124")
    assert paper.key == "arxiv:2005.14124" and paper.journal_url == acm
    assert count(session_factory, PaperListing, PaperListing.paper_id == paper.id) == 2


def test_the_reimport_shortcut_never_disagrees_with_the_version_rules(
    db_url, engine, session_factory, tmp_path
):
    run_import(engine, write_lines(tmp_path / "s.jsonl", sample_lines()))
    variants = []
    for text in sample_lines():
        data = json.loads(text)
        variants.append(data)
        variants.append({**data, "license": "http://creativecommons.org/licenses/by/4.0/"})
        variants.append({**data, "versions": [*data["versions"], _next_version(data)]})
        first = {"version": "v1", "created": "Mon, 3 Jan 2000 00:00:00 GMT"}
        variants.append({**data, "versions": [first, *data["versions"][1:]]})
    names = NameCache()
    with session_factory() as session:
        source_id = session.scalar(select(Source.id).where(Source.url == SNAPSHOT_SOURCE_URL))
        keys = [f"arxiv:{d['id']}" for d in variants]
        stored = _load_stored(session.connection(), keys, source_id)
    verdicts = []
    for data in variants:
        line = read_snapshot_line(json.dumps(data))
        found = stored[f"arxiv:{line.arxiv_id}"]
        plan = plan_paper_write(found.paper, snapshot_record(line, names))
        if is_unchanged(found, line):
            assert plan == {}, data["id"]
        verdicts.append(is_unchanged(found, line))
    # the lines as imported are recognised as unchanged, and so is a licence already stored
    licensed = [bool(json.loads(text)["license"]) for text in sample_lines()]
    assert verdicts[0::4] == [True] * 8 and verdicts[1::4] == licensed, verdicts


def _next_version(data: dict) -> dict:
    return {"version": f"v{len(data['versions']) + 1}", "created": "Mon, 5 Jan 2026 00:00:00 GMT"}


def test_worker_processes_store_the_same_papers(db_url, engine, session_factory, tmp_path):
    path = write_lines(tmp_path / "bad.jsonl", with_malformed_lines())
    report = run_import(engine, path, batch_size=2, workers=2)
    assert (report.lines, report.papers_new, report.lines_malformed) == (14, 8, 6)
    assert [n for n, _ in report.malformed] == [n for n, _ in MALFORMED]
    assert byline(session_factory, "2106.13414")[0] == "Clément L. Canonne"
    again = run_import(engine, path, batch_size=2, workers=2)
    assert (again.papers_new, again.papers_unchanged) == (0, 8)


def test_a_missing_file_is_one_clear_error(db_url, tmp_path, capsys, cli_settings):
    assert main(["import", "arxiv-snapshot", str(tmp_path / "nope.jsonl")]) == 1
    captured = capsys.readouterr()
    assert (
        captured.out == ""
        and captured.err.strip() == f"error: {tmp_path / 'nope.jsonl'}: no such file"
    )


def test_restart_reads_the_file_again_from_the_top(db_url, engine, session_factory, tmp_path):
    path = write_lines(tmp_path / "s.jsonl", sample_lines())

    def stop(report):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_import(engine, path, batch_size=4, after_batch=stop)
    report = run_import(engine, path, batch_size=4, restart=True)
    assert report.resumed_at_line == 0 and report.lines == 8
    assert (report.papers_new, report.papers_unchanged) == (4, 4)
    shutil.copy(path, tmp_path / "copy.jsonl")  # same bytes, another name: same file key
    assert run_import(engine, tmp_path / "copy.jsonl").papers_unchanged == 8


def test_a_paper_a_poller_stored_meanwhile_is_not_written_twice(
    db_url, engine, session_factory, tmp_path
):
    """Workers prepare batches ahead of the writer: a paper they saw as new may be stored by
    then (a poll in between). The bulk insert skips it and the store's upsert takes it."""
    lines = [(n, read_snapshot_line(text)) for n, text in enumerate(sample_lines(), start=1)]
    with engine.begin() as connection:
        source_id = ensure_snapshot_source(connection, NOW)
    with engine.begin() as connection:
        prepared = prepare_batch(connection, lines, source_id, NameCache(), NOW)
    assert len(prepared.fresh) == 8
    with transaction(session_factory) as session:
        feed = add_source(session, "cs.SE", kind="arxiv", label=None, every_minutes=60, now=NOW)
        poll = PaperRecord(
            arxiv_id="2005.14124",
            version=1,
            title="Active Fuzzing (as the feed had it)",
            categories=["cs.SE"],
            announce_type="new",
            announced_on=date(2020, 5, 29),
        )
        upsert_papers(session, [poll], source_id=feed.id, source_label="arXiv", now=NOW)
    writer = SnapshotWriter(source_id, NOW)
    with engine.begin() as connection:
        outcome = writer.write(connection, prepared)
    writer.committed()
    assert (outcome.papers_new, outcome.papers_updated) == (7, 1)
    assert count(session_factory, Paper) == 8
    paper = stored_paper(session_factory, "2005.14124")
    assert paper.version == 2 and paper.title.startswith("Active Fuzzing for Testing")
    assert count(session_factory, PaperListing, PaperListing.paper_id == paper.id) == 2
