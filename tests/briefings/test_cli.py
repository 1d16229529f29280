"""`academichub brief` through app.cli.main: where to read it, `--json` as the record, errors."""

from __future__ import annotations

import json

import pytest

from app import cli
from app.config import get_settings
from tests.briefings.papers import pick


@pytest.fixture
def cli_settings(db_url, tmp_path, monkeypatch):
    for name in ("LLM_BASE_URL", "LLM_MODEL", "LLM_API_KEY"):
        monkeypatch.delenv(f"ACADEMICHUB_{name}", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("ACADEMICHUB_DATABASE_URL", db_url)
    monkeypatch.setenv("ACADEMICHUB_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_brief_prints_where_to_read_it(cli_settings, seeder, capsys):
    seeder.store(pick({"cs": 12, "math": 10}))
    assert cli.main(["brief", "--day", "2024-11-28"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("read it at /briefings/") and "/api/briefings/" in out
    assert "22 paper(s), offline" in err


def test_brief_json_is_one_record_in_the_api_shape(cli_settings, seeder, capsys):
    seeder.store(pick({"cs": 12, "math": 10}))
    assert cli.main(["brief", "--category", "math.CO", "--json"]) == 0
    out, _ = capsys.readouterr()
    record = json.loads(out)
    assert record["status"] == "done" and record["backend"] == "offline"
    assert record["scope"]["categories"] == ["math.CO"] and record["scope"]["day"] is None
    assert record["references"] and record["body"].count("[1]") >= 1


def test_brief_with_nothing_in_scope_exits_1_with_one_line(cli_settings, seeder, capsys):
    seeder.store(pick({"cs": 3}))
    assert cli.main(["brief", "--author", "Nobody Atall"]) == 1
    _, err = capsys.readouterr()
    assert err.strip().splitlines()[-1].startswith("error: briefing ")
    assert "no papers in this scope" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--day", "28/11/2024"], "--day must be a date"),
        (["--backend", "llm"], "--backend llm needs"),
        (["--query", " "], "must not be empty"),
    ],
)
def test_brief_refuses_bad_input(cli_settings, args, message, capsys):
    assert cli.main(["brief", *args]) == 1
    _, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
