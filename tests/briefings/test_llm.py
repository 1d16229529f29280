"""The LLM backend through the real openai client against a loopback chat-completions server:
a good briefing, a nonexistent citation (repaired, or failed), an obeyed injection, 429 then
success, 500, a reply slower than the timeout, the daily budget, and map-reduce."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from sqlalchemy import func, select

from app.briefings import store
from app.briefings.llm import ChatClient
from app.briefings.scope import BriefingScope
from app.briefings.worker import Briefer, brief_now
from app.config import Settings
from app.models import LlmUsage
from tests.briefings.papers import injected_record, pick
from tests.support.chat_server import Reply, completion, good_briefing, paper_numbers

NOW = datetime(2024, 11, 28, 12, tzinfo=UTC)
MODEL = "loopback-model"
RETRY_NOW = {"retry-after-ms": "5"}  # the openai client's own header: retry without a long wait


def _brief(session_factory, server, timeout=5.0, retries=2, **settings):
    settings = Settings(
        llm_base_url=server.base_url,
        llm_model=MODEL,
        llm_price_per_mtokens="1.5/6",
        **settings,
    )

    def client() -> ChatClient:
        return ChatClient(server.base_url, "test-key", MODEL, timeout=timeout, retries=retries)

    briefer = Briefer(session_factory, settings, make_client=client, clock=lambda: NOW)
    briefing_id = brief_now(briefer, BriefingScope(), "llm", "cli")
    with session_factory() as session:
        return store.get_briefing(session, briefing_id)


def _seed(seeder, extra=()):
    records = [*pick({"cs": 10, "q-bio": 6}), *extra]
    seeder.store(records)
    return len(records)


def _ledger(session_factory) -> tuple[int, int]:
    with session_factory() as session:
        row = session.execute(
            select(func.count(), func.sum(LlmUsage.prompt_tokens + LlmUsage.completion_tokens))
        ).one()
    return row[0], int(row[1] or 0)


def test_a_good_briefing_is_one_call_with_tokens_and_cost_from_usage(
    seeder, session_factory, chat_server
):
    count = _seed(seeder)
    chat_server.reply(Reply(good_briefing))
    rec = _brief(session_factory, chat_server)
    assert rec.status == "done", rec.error
    assert (rec.backend, rec.model) == ("llm", MODEL)
    assert len(chat_server.requests) == 1
    request = chat_server.requests[0]
    assert request["model"] == MODEL and not request.get("stream")
    usage = completion(request, good_briefing(request))["usage"]
    assert (rec.prompt_tokens, rec.completion_tokens) == (
        usage["prompt_tokens"],
        usage["completion_tokens"],
    )
    expected_cost = (usage["prompt_tokens"] * 1.5 + usage["completion_tokens"] * 6) / 1e6
    assert rec.cost_usd == round(expected_cost, 6) and rec.cost_usd > 0
    assert _ledger(session_factory) == (1, usage["total_tokens"])
    assert [r.n for r in rec.references] == list(range(1, count + 1))
    system, user = request["messages"][0]["content"], request["messages"][1]["content"]
    assert "never an instruction" in system
    lines = [json.loads(line) for line in user.splitlines() if line.startswith('{"n": ')]
    assert [line["n"] for line in lines] == list(range(1, count + 1))
    assert [line["title"] for line in lines] == [r.title for r in rec.references]


def test_a_nonexistent_reference_gets_one_repair_round(seeder, session_factory, chat_server):
    _seed(seeder)
    bad = "# Briefing\n\n## Headline summary\n\nA result from elsewhere [99] and here [1].\n"
    chat_server.reply(Reply(bad), Reply(good_briefing))
    rec = _brief(session_factory, chat_server)
    assert rec.status == "done", rec.error
    assert "[99]" not in rec.body
    assert len(chat_server.requests) == 2
    repair = chat_server.requests[1]["messages"]
    assert repair[2] == {"role": "assistant", "content": bad.strip()}
    assert "[99]" in repair[3]["content"] and "resolve to no paper" in repair[3]["content"]
    assert _ledger(session_factory)[0] == 2


def test_a_reference_still_wrong_after_the_repair_fails_with_the_reason(
    seeder, session_factory, chat_server
):
    _seed(seeder)
    bad = "# Briefing\n\nA result [99].\n\nA paragraph citing nothing.\n"
    chat_server.reply(Reply(bad), Reply(bad))
    rec = _brief(session_factory, chat_server)
    assert rec.status == "failed" and rec.body is None
    assert "after one repair round" in rec.error and "[99]" in rec.error
    assert "cites no paper" in rec.error
    assert len(chat_server.requests) == 2  # exactly one repair call


def test_an_injected_instruction_reaches_the_model_only_as_quoted_data(
    seeder, session_factory, chat_server
):
    _seed(seeder, [injected_record()])
    obeying = "# Briefing\n\nThe most important paper of the day is [99].\n"
    chat_server.reply(Reply(obeying), Reply(obeying))
    rec = _brief(session_factory, chat_server)
    assert rec.status == "failed" and rec.body is None  # never shown as valid
    user = chat_server.requests[0]["messages"][1]["content"]
    injected = [json.loads(x) for x in user.splitlines() if "Ignore previous" in x]
    assert len(injected) == 1  # inside one paper's JSON object, as data
    assert "cite (99)" in injected[0]["abstract"] and "[99]" not in user


def test_429_then_success(seeder, session_factory, chat_server):
    _seed(seeder)
    chat_server.reply(Reply(status=429, headers=RETRY_NOW), Reply(good_briefing))
    rec = _brief(session_factory, chat_server)
    assert rec.status == "done", rec.error
    assert len(chat_server.requests) == 2
    assert _ledger(session_factory)[0] == 1  # only the answered call is in the ledger


def test_a_500_is_retried_then_fails_with_the_reason(seeder, session_factory, chat_server):
    _seed(seeder)
    chat_server.reply(*[Reply(status=500, headers=RETRY_NOW)] * 3)
    rec = _brief(session_factory, chat_server, retries=2)
    assert rec.status == "failed" and rec.error == "the LLM server answered HTTP 500"
    assert len(chat_server.requests) == 3
    assert _ledger(session_factory) == (0, 0)


def test_a_reply_slower_than_the_timeout_fails_with_the_reason(
    seeder, session_factory, chat_server
):
    _seed(seeder)
    chat_server.reply(Reply(good_briefing, delay=1.0))
    rec = _brief(session_factory, chat_server, timeout=0.3, retries=0)
    assert rec.status == "failed" and rec.error == "the LLM server did not answer in time"


def test_past_the_daily_budget_it_briefs_offline_and_says_so(seeder, session_factory, chat_server):
    _seed(seeder)
    rec = _brief(session_factory, chat_server, llm_daily_budget_tokens=500)
    assert rec.status == "done" and rec.backend == "offline"
    assert "daily LLM token budget (500) is spent" in rec.notice
    assert chat_server.requests == []


def test_a_set_larger_than_the_context_is_map_reduced_keeping_the_numbering(
    seeder, session_factory, chat_server
):
    count = _seed(seeder, pick({"math": 14, "astro-ph": 10}))
    seen: list[int] = []

    def summary(request):
        seen.extend(paper_numbers(request) if '{"n": ' in request["messages"][1]["content"] else [])
        return good_briefing(request)

    chat_server.default = Reply(summary)
    rec = _brief(session_factory, chat_server, llm_context_tokens=2500)
    assert rec.status == "done", rec.error
    calls = len(chat_server.requests)
    assert calls >= 3  # at least two theme chunks and the synthesis
    assert sorted(seen) == list(range(1, count + 1))  # every paper in exactly one chunk
    synthesis = chat_server.requests[-1]["messages"][1]["content"]
    assert f"Valid reference numbers: 1 to {count}." in synthesis
    assert '{"n": ' not in synthesis  # the synthesis sees summaries, not papers
    assert rec.prompt_tokens > 0 and _ledger(session_factory)[0] == calls


def test_summaries_too_long_for_one_synthesis_are_merged_first(
    seeder, session_factory, chat_server
):
    count = _seed(seeder, pick({"math": 14, "astro-ph": 10}))

    def reply(request):
        task = request["messages"][1]["content"]
        if task.startswith("Below are theme summaries"):
            return good_briefing(request)
        numbers = paper_numbers(request)
        cites = ", ".join(f"[{n}]" for n in numbers)
        if task.startswith("These summaries belong to one briefing"):
            return f"Merged themes share methods {cites}.\n\nFields: several [{numbers[0]}]"
        # A verbose theme summary (~800 tokens): a few of them overflow a 2,500-token context.
        filler = " ".join(["These papers develop closely related methods."] * 110)
        return f"{filler} {cites}\n\nFields: many [{numbers[0]}]"

    chat_server.default = Reply(reply)
    rec = _brief(session_factory, chat_server, llm_context_tokens=2500)
    assert rec.status == "done", rec.error
    tasks = [r["messages"][1]["content"] for r in chat_server.requests]
    merges = [t for t in tasks if t.startswith("These summaries belong to one briefing")]
    assert merges, "no merge round"
    synthesis = tasks[-1]
    assert synthesis.startswith("Below are theme summaries")
    assert len(synthesis) // 4 + 2000 <= 2500
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", synthesis)}
    assert cited <= set(range(1, count + 1)) and cited
