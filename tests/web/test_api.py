"""The papers JSON API: DESIGN's shapes, filters, paging, and 400s for bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.db import transaction
from app.ingest.store import upsert_papers
from app.models import Source
from app.schemas import AuthorRecord, PaperRecord
from app.web import create_app

NOW = datetime(2024, 11, 28, 6, tzinfo=UTC)


def paper(arxiv_id: str, authors: list[str], categories: list[str], day: date, **extra):
    return PaperRecord(
        arxiv_id=arxiv_id,
        version=extra.pop("version", 1),
        title=extra.pop("title", f"Paper {arxiv_id}"),
        abstract="An abstract with $\\alpha$.",
        authors=[AuthorRecord(name=n) for n in authors],
        categories=categories,
        announce_type=extra.pop("announce_type", "new"),
        announced_on=day,
        url=f"https://arxiv.org/abs/{arxiv_id}",
        pdf_url=f"https://arxiv.org/pdf/{arxiv_id}",
        **extra,
    )


@pytest.fixture
def seeded(session_factory):
    with transaction(session_factory) as session:
        ai = Source(
            label="arXiv cs.AI",
            kind="arxiv",
            url="https://rss.arxiv.org/rss/cs.AI",
            interval_minutes=60,
            created_at=NOW,
            enabled=True,
            status="ok",
            failures=0,
        )
        lg = Source(
            label="arXiv cs.LG",
            kind="arxiv",
            url="https://rss.arxiv.org/rss/cs.LG",
            interval_minutes=60,
            created_at=NOW,
            enabled=True,
            status="ok",
            failures=0,
        )
        session.add_all([ai, lg])
        session.flush()
        records = [
            paper(
                "2411.00001", ["Zichen Liu", "José Martínez-García"], ["cs.AI"], date(2024, 11, 27)
            ),
            paper(
                "2411.00002",
                ["Zichen Li"],
                ["cs.AI", "cs.LG"],
                date(2024, 11, 28),
                doi="10.1000/xyz",
            ),
            paper(
                "hep-th/9901001",
                ["Edward Witten"],
                ["hep-th"],
                date(2024, 11, 28),
                version=3,
                announce_type="replace",
            ),
        ]
        upsert_papers(session, records, source_id=ai.id, source_label="arXiv", now=NOW)
        upsert_papers(
            session,
            [records[1].model_copy(update={"announce_type": "cross"})],
            source_id=lg.id,
            source_label="arXiv",
            now=NOW,
        )
        return {"ai": ai.id, "lg": lg.id}


@pytest.fixture
def client(db_url, tmp_path):
    app = create_app(Settings(database_url=db_url, data_dir=tmp_path))
    with TestClient(app) as test_client:
        yield test_client


def ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_healthz(client):
    assert client.get("/healthz").json()["status"] == "ok"


def test_every_paper_without_filters_newest_first(client, seeded):
    body = client.get("/api/papers").json()
    assert body["total"] == 3 and body["next"] is None
    assert [i["id"] for i in body["items"]][-1] == "2411.00001"


def test_item_shape(client, seeded):
    item = client.get("/api/papers/2411.00002").json()
    assert set(item) == {
        "id",
        "title",
        "authors",
        "abstract",
        "source_label",
        "sources",
        "published",
        "url",
        "pdf_url",
        "categories",
        "announce_type",
        "version",
        "doi",
        # Addition to DESIGN's shape (README): a preprint's journal version, null until known.
        "journal_doi",
        "journal_url",
    }
    assert item["journal_doi"] is None and item["journal_url"] is None
    assert item["authors"] == ["Zichen Li"]
    assert item["source_label"] == "arXiv (CS.AI)"
    assert item["sources"] == sorted(seeded.values())
    assert item["published"] == "2024-11-28" and item["version"] == 1
    assert item["categories"] == ["cs.AI", "cs.LG"] and item["doi"] == "10.1000/xyz"


def test_old_style_and_doi_ids(client, seeded):
    assert client.get("/api/papers/hep-th/9901001").json()["version"] == 3
    assert client.get("/api/papers/doi:10.1000/xyz").json()["id"] == "2411.00002"
    assert client.get("/api/papers/9999.99999").status_code == 404


def test_author_filter_is_whole_name_and_folds_accents(client, seeded):
    assert ids(client.get("/api/papers", params={"author": "Zichen Li"})) == ["2411.00002"]
    assert ids(client.get("/api/papers", params={"author": "zichen  LIU"})) == ["2411.00001"]
    assert ids(client.get("/api/papers", params={"author": "jose martinez-garcia"})) == [
        "2411.00001"
    ]


def test_repeated_authors_and_categories_are_and(client, seeded):
    both = [("author", "Zichen Liu"), ("author", "José Martínez-García")]
    assert ids(client.get("/api/papers", params=both)) == ["2411.00001"]
    neither = [("author", "Zichen Liu"), ("author", "Zichen Li")]
    assert ids(client.get("/api/papers", params=neither)) == []
    cats = [("category", "cs.AI"), ("category", "cs.LG")]
    assert ids(client.get("/api/papers", params=cats)) == ["2411.00002"]


def test_source_and_day_filters(client, seeded):
    assert ids(client.get("/api/papers", params={"source": seeded["lg"]})) == ["2411.00002"]
    day = ids(client.get("/api/papers", params={"day": "2024-11-28"}))
    assert sorted(day) == ["2411.00002", "hep-th/9901001"]
    assert ids(client.get("/api/papers", params={"day": "2020-01-01"})) == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("day=2024-13-01", "day must be a date"),
        ("page=two", "page must be a whole number"),
        ("page=0", "page must be between 1 and 10000"),
        ("source=abc", "source must be a whole number"),
        ("author=", "author must not be empty"),
        ("colour=red", "unknown parameter 'colour'"),
        ("shuffle=abc", "shuffle must be a whole number"),
        ("shuffle=1_000", "shuffle must be a whole number"),
        ("shuffle=-1", "shuffle must be between 0 and 9223372036854775808"),
        ("shuffle=9223372036854775809", "shuffle must be between 0 and 9223372036854775808"),
        ("shuffle=1&shuffle=2", "shuffle may be given only once"),
        ("shuffle=", "shuffle must not be empty"),
        ("page=%EF%BC%92", "page must be a whole number"),
        ("q=graph%00", "q must not contain control characters"),
        ("author=Ada%01", "author must not contain control characters"),
        ("day=2024-11-28&day=2024-11-27", "day may be given only once"),
    ],
)
def test_malformed_parameters_answer_400(client, seeded, query, message):
    response = client.get(f"/api/papers?{query}")
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_paging_links(client, session_factory, seeded):
    with transaction(session_factory) as session:
        many = [paper(f"2412.{n:05d}", ["A B"], ["cs.AI"], date(2024, 12, 2)) for n in range(1, 56)]
        upsert_papers(session, many, source_id=seeded["ai"], source_label="arXiv", now=NOW)
    first = client.get("/api/papers", params={"category": "cs.AI"}).json()
    assert first["total"] == 57 and len(first["items"]) == 50
    second = client.get(first["next"]).json()
    assert len(second["items"]) == 7 and second["next"] is None
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}


def test_q_searches_titles_and_abstracts(client, session_factory, seeded):
    with transaction(session_factory) as session:
        extra = [
            paper("2412.00001", ["A B"], ["cs.AI"], date(2024, 12, 2), title="Quantum annealing"),
            paper("2412.00002", ["A B"], ["cs.AI"], date(2024, 12, 2), title="Annealed graphs"),
        ]
        upsert_papers(session, extra, source_id=seeded["ai"], source_label="arXiv", now=NOW)
    assert ids(client.get("/api/papers", params={"q": "quantum annealing"})) == ["2412.00001"]
    assert sorted(ids(client.get("/api/papers", params={"q": "anneal"}))) == [
        "2412.00001",
        "2412.00002",
    ]
    assert len(ids(client.get("/api/papers", params={"q": "$\\alpha$"}))) == 5
    assert ids(client.get("/api/papers", params={"q": "annealing", "day": "2024-11-28"})) == []


@pytest.mark.parametrize("q", ["C++", "-", '"', "a OR", "NEAR(x", "title:x", "*", "\\", "'"])
def test_hostile_queries_answer_200(client, seeded, q):
    response = client.get("/api/papers", params={"q": q})
    assert response.status_code == 200, response.text


def test_shuffle_is_a_seeded_draw(client, session_factory, seeded):
    with transaction(session_factory) as session:
        many = [paper(f"2412.{n:05d}", ["A B"], ["cs.AI"], date(2024, 12, 2)) for n in range(1, 56)]
        upsert_papers(session, many, source_id=seeded["ai"], source_label="arXiv", now=NOW)
    first = client.get("/api/papers", params={"shuffle": 7}).json()
    assert [i["id"] for i in first["items"]] == ids(client.get("/api/papers?shuffle=7"))
    assert first["total"] == 58 and "shuffle=7" in first["next"]
    second = client.get(first["next"]).json()
    drawn = [i["id"] for i in first["items"] + second["items"]]
    assert len(drawn) == len(set(drawn)) == 58 and second["next"] is None
    assert ids(client.get("/api/papers?shuffle=8")) != [i["id"] for i in first["items"]]
    for seed in ("0", "9223372036854775808"):
        assert len(ids(client.get(f"/api/papers?shuffle={seed}"))) == 50
    cats = ids(client.get("/api/papers", params={"shuffle": 7, "category": "cs.LG"}))
    assert cats == ["2411.00002"]
