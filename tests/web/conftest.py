"""Fixtures of the page tests: the seeded collection and a client of the app on it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.db import transaction
from app.web import create_app
from tests.web.seeding import THU, WED, add_source, record, store


@pytest.fixture
def seeded(session_factory):
    with transaction(session_factory) as session:
        ai = add_source(session, "arXiv cs.AI")
        lg = add_source(session, "arXiv cs.LG")
    papers = [
        record("2411.00001", ["Zichen Liu", "José Martínez-García"], ["cs.AI"], WED),
        record(
            "2411.00002", ["Zichen Li", "Zichen Liu"], ["cs.AI", "cs.LG"], THU, doi="10.1000/xyz"
        ),
        record(
            "hep-th/9901001",
            ["Edward Witten"],
            ["hep-th"],
            THU,
            version=3,
            announce_type="replace",
            title="Strings on $\\mathbb{R}^n$ and a broken $\\frac{1}{$ formula",
            abstract="Code at https://github.com/witten/strings. Needs graphs.",
            comments="12 pages, journal version",
            journal_ref="Nucl. Phys. B 1 (1999)",
        ),
    ]
    store(session_factory, ai, papers)
    store(session_factory, lg, [papers[1].model_copy(update={"announce_type": "cross"})])
    return {"ai": ai, "lg": lg}


@pytest.fixture
def client(db_url, tmp_path):
    app = create_app(Settings(database_url=db_url, data_dir=tmp_path))
    with TestClient(app) as test_client:
        yield test_client
