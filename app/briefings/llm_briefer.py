"""The LLM backend: one call when the papers fit the context budget, else map-reduce (one call
per theme chunk, then a synthesis that keeps the original numbering); one repair round when the
citations are wrong, then failed. Every call goes into the ledger (the daily token budget)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from app.briefings import prompts
from app.briefings.citations import check_body
from app.briefings.draft import Draft
from app.briefings.llm import MAX_COMPLETION_TOKENS, ChatClient, Completion, LlmError
from app.briefings.themes import build_corpus, find_themes
from app.schemas import PaperItem

THEME_COMPLETION_TOKENS = 400
MERGE_TOKENS = 500
MAX_MERGE_ROUNDS = 3


class BudgetSpentError(Exception):
    """Today's LLM token budget would be exceeded: the caller briefs offline instead."""


@dataclass
class Ledger:
    """Today's spending so far, and where each call is recorded (app.briefings.store)."""

    used_today: int
    budget: int
    record: Callable[[str, Completion], None]
    spent: int = field(default=0)

    def allow(self, estimate: int) -> None:
        if self.used_today + self.spent + estimate > self.budget:
            raise BudgetSpentError(
                f"the daily LLM token budget ({self.budget}) is spent; briefed offline"
            )


def parse_prices(pair: str) -> tuple[float, float]:
    """`LLM_PRICE_PER_MTOKENS` "input/output" in dollars per million tokens."""
    given, taken = pair.split("/")
    return float(given), float(taken)


class LlmBriefer:
    """Briefs papers through `client` within `context_tokens`, charging `ledger`."""

    def __init__(self, client: ChatClient, context_tokens: int, prices: tuple[float, float]):
        self.client = client
        self.context_tokens = context_tokens
        self.prices = prices

    def brief(self, papers: list[PaperItem], title: str, ledger: Ledger) -> Draft:
        """A validated draft, or one with `error`; raises BudgetSpentError before any call
        when the whole briefing would not fit today's budget."""
        unique = sorted({p.id: p for p in papers}.values(), key=lambda p: p.id)
        draft = Draft("", unique, "llm", model=self.client.model)
        if not unique:
            draft.error = "no papers in this scope"
            return draft
        numbered = list(enumerate(unique, start=1))
        messages = prompts.briefing_messages(title, numbered)
        plan = self._plan(numbered, messages)
        ledger.allow(sum(prompts.estimate_tokens(m) + t for m, t in plan))
        try:
            if len(plan) == 1:
                body = self._call(draft, ledger, "briefing", messages, MAX_COMPLETION_TOKENS)
            else:
                body, messages = self._map_reduce(draft, ledger, title, plan, len(unique))
            draft.body = self._checked(draft, ledger, messages, body, len(unique))
        except LlmError as error:
            draft.error = str(error)
        return draft

    def _plan(self, numbered, messages) -> list[tuple[list[dict], int]]:
        """The calls to make: the single briefing call, or one per chunk of each theme."""
        if prompts.estimate_tokens(messages) + MAX_COMPLETION_TOKENS <= self.context_tokens:
            return [(messages, MAX_COMPLETION_TOKENS)]
        room = self.context_tokens - THEME_COMPLETION_TOKENS - len(prompts.SYSTEM) // 2 - 200
        corpus = build_corpus([(p.title, p.abstract or "") for _, p in numbered])
        calls = []
        for theme in find_themes(corpus):
            chunk: list[tuple[int, PaperItem]] = []
            size = 0
            for index in sorted(theme.members):
                cost = len(prompts.paper_line(*numbered[index])) // prompts.CHARS_PER_TOKEN + 1
                if chunk and size + cost > room:
                    calls.append((prompts.theme_messages(chunk), THEME_COMPLETION_TOKENS))
                    chunk, size = [], 0
                chunk.append(numbered[index])
                size += cost
            if chunk:
                calls.append((prompts.theme_messages(chunk), THEME_COMPLETION_TOKENS))
        return calls

    def _map_reduce(self, draft, ledger, title, plan, count) -> tuple[str, list[dict]]:
        summaries = [self._call(draft, ledger, "theme", m, t) for m, t in plan]
        messages = prompts.synthesis_messages(title, summaries, count)
        for _ in range(MAX_MERGE_ROUNDS):  # summaries too long together: merge them first
            if self._fits(messages, MAX_COMPLETION_TOKENS) or len(summaries) == 1:
                break
            summaries = [
                self._call(draft, ledger, "merge", prompts.merge_messages(group), MERGE_TOKENS)
                for group in self._groups(summaries)
            ]
            messages = prompts.synthesis_messages(title, summaries, count)
        return self._call(draft, ledger, "synthesis", messages, MAX_COMPLETION_TOKENS), messages

    def _fits(self, messages: list[dict], completion_tokens: int) -> bool:
        return prompts.estimate_tokens(messages) + completion_tokens <= self.context_tokens

    def _groups(self, summaries: list[str]) -> list[list[str]]:
        """Consecutive summaries packed so each merge call fits; at least two a group, so every
        round shrinks the list."""
        groups: list[list[str]] = [[]]
        for summary in summaries:
            candidate = [*groups[-1], summary]
            if len(groups[-1]) >= 2 and not self._fits(
                prompts.merge_messages(candidate), MERGE_TOKENS
            ):
                groups.append([summary])
            else:
                groups[-1] = candidate
        if len(groups) > 1 and len(groups[-1]) == 1:
            groups[-2].extend(groups.pop())
        return groups

    def _checked(self, draft, ledger, messages, body: str, count: int) -> str:
        problems = check_body(body, count)
        if not problems:
            return body
        repair = prompts.repair_messages(messages, body, [p.message for p in problems], count)
        body = self._call(draft, ledger, "repair", repair, MAX_COMPLETION_TOKENS)
        problems = check_body(body, count)
        if problems:
            reasons = "; ".join(p.message for p in problems[:3])
            raise LlmError(f"citations still invalid after one repair round: {reasons}")
        return body

    def _call(self, draft: Draft, ledger: Ledger, purpose, messages, max_tokens) -> str:
        completion = self.client.complete(messages, max_tokens=max_tokens)
        draft.requests += 1
        draft.prompt_tokens += completion.prompt_tokens
        draft.completion_tokens += completion.completion_tokens
        draft.cost_usd += self.cost(completion)
        ledger.spent += completion.prompt_tokens + completion.completion_tokens
        ledger.record(purpose, completion)
        return completion.text.strip()

    def cost(self, completion: Completion) -> float:
        given, taken = self.prices
        return (completion.prompt_tokens * given + completion.completion_tokens * taken) / 1e6
