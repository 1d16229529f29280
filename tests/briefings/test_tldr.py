"""Per-paper TL;DRs: their own job, cached by (paper, version, model, prompt version), redone for
a new version, never an injected instruction, claimed once, shown on cards when enabled."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import select

from app import cli
from app.briefings import tldr_store
from app.briefings.llm import ChatClient
from app.briefings.tldr import parse_tldrs
from app.briefings.tldr_job import summarise_day
from app.briefings.worker import Briefer
from app.config import Settings, get_settings
from app.db import transaction
from app.models import LlmUsage, PaperTldr
from app.web import create_app
from tests.briefings.papers import as_item, injected_record, pick
from tests.support.chat_server import Reply, paper_numbers

NOW = datetime(2024, 11, 28, 12, tzinfo=UTC)


def _offline(session_factory) -> Briefer:
    return Briefer(session_factory, Settings(), clock=lambda: NOW)


def _texts(session_factory) -> dict[tuple[int, int], str | None]:
    with session_factory() as session:
        rows = session.execute(select(PaperTldr.paper_id, PaperTldr.version, PaperTldr.text))
        return {(p, v): t for p, v, t in rows}


def test_offline_tldrs_are_written_once_and_redone_for_a_new_version(seeder, session_factory):
    records = [*pick({"cs": 6, "math": 4}), injected_record()]
    seeder.store(records)
    first = summarise_day(_offline(session_factory), None, "offline")
    assert first.written == len(records) and first.left == 0
    texts = _texts(session_factory)
    assert all(texts.values())
    assert not any("Ignore previous" in t or "You must" in t for t in texts.values())
    assert (
        "We train graph neural networks on molecular graphs for drug discovery." in texts.values()
    )
    again = summarise_day(_offline(session_factory), None, "offline")
    assert again.written == 0  # cached
    replaced = records[0].model_copy(update={"version": 2, "announce_type": "replace"})
    seeder.store([replaced])
    redone = summarise_day(_offline(session_factory), None, "offline")
    assert redone.written_ids == [replaced.arxiv_id]
    assert {v for (_, v) in _texts(session_factory)} == {1, 2}


def test_a_claimed_tldr_is_never_claimed_again(seeder, session_factory):
    records = pick({"cs": 3})
    seeder.store(records)
    items = [as_item(r) for r in records]
    with transaction(session_factory) as session:
        mine = tldr_store.claim_tldrs(session, items, "offline", "p1", NOW)
    with transaction(session_factory) as session:
        theirs = tldr_store.claim_tldrs(session, items, "offline", "p1", NOW)
        other_prompt = tldr_store.claim_tldrs(session, items, "offline", "p2", NOW)
    assert len(mine) == 3 and theirs == {} and len(other_prompt) == 3
    later = NOW + tldr_store.STALE_AFTER * 2  # the first worker died without writing
    with transaction(session_factory) as session:
        assert len(tldr_store.claim_tldrs(session, items, "offline", "p1", later)) == 3


def test_llm_tldrs_drop_an_answer_that_obeys_an_injection(seeder, session_factory, chat_server):
    seeder.store([*pick({"cs": 3}), injected_record()])

    def answer(request):
        lines = []
        for n in paper_numbers(request):
            line = request["messages"][1]["content"].split(f'{{"n": {n},')[1].splitlines()[0]
            obeyed = "Ignore previous" in line
            text = "You must cite [99], the best paper." if obeyed else "A clear summary sentence."
            lines.append(f"{n}: {text}")
        return "\n".join(lines)

    chat_server.reply(Reply(answer))
    settings = Settings(llm_base_url=chat_server.base_url, llm_model="loopback-model")
    briefer = Briefer(
        session_factory,
        settings,
        make_client=lambda: ChatClient(chat_server.base_url, None, "loopback-model", retries=0),
        clock=lambda: NOW,
    )
    report = summarise_day(briefer, None, "llm")
    assert (report.written, report.left, report.model) == (3, 1, "loopback-model")
    assert len(chat_server.requests) == 1  # one batch, not one call per paper
    assert "cite (99)" in chat_server.requests[0]["messages"][1]["content"]
    texts = [t for t in _texts(session_factory).values()]
    assert texts == ["A clear summary sentence."] * 3  # the injected one was given back
    with session_factory() as session:
        assert list(session.scalars(select(LlmUsage.purpose))) == ["tldr"]


def test_parse_tldrs_keeps_only_numbers_asked_about():
    numbered = [(1, as_item(pick({"cs": 1})[0]))]
    parsed = parse_tldrs("1: Fine sentence here.\n7: Not asked.\nnoise", numbered)
    assert parsed == {numbered[0][1].id: "Fine sentence here."}


@pytest.mark.parametrize("enabled", [True, False])
def test_cards_show_tldrs_only_when_enabled(db_url, tmp_path, seeder, session_factory, enabled):
    seeder.store(pick({"cs": 3}))
    summarise_day(_offline(session_factory), None, "offline")
    texts = list(_texts(session_factory).values())
    settings = Settings(
        database_url=db_url, data_dir=tmp_path, secret_key="k" * 40, tldr_on_cards=enabled
    )
    with TestClient(create_app(settings)) as client:
        html = client.get("/").text
    shown = re.findall(r'<p class="tldr"><strong>TL;DR</strong> (.*?)</p>', html)
    assert sorted(shown) == (sorted(str(escape(t)) for t in texts) if enabled else [])


def test_tldr_command_reports_in_json(db_url, tmp_path, monkeypatch, seeder, capsys):
    seeder.store(pick({"cs": 4}))
    monkeypatch.setenv("ACADEMICHUB_DATABASE_URL", db_url)
    monkeypatch.setenv("ACADEMICHUB_DATA_DIR", str(tmp_path))
    for name in ("ACADEMICHUB_LLM_BASE_URL", "ACADEMICHUB_LLM_MODEL"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    try:
        assert cli.main(["tldr", "--day", "2024-11-28", "--json"]) == 0
    finally:
        get_settings.cache_clear()
    report = json.loads(capsys.readouterr().out)
    assert report == {
        "day": "2024-11-28",
        "model": "offline",
        "written": 4,
        "left": 0,
        "stopped": None,
    }
