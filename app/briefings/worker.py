"""The briefer's jobs: claim a queued briefing, pick its papers, run a backend, store the result.

Backends run outside any transaction (an LLM call may take a minute); the claim, the paper
selection and the result are each one short transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from app.briefings import store
from app.briefings.backends import llm_configured
from app.briefings.citations import check_body
from app.briefings.draft import Draft
from app.briefings.llm import ChatClient, Completion
from app.briefings.llm_briefer import BudgetSpentError, Ledger, LlmBriefer, parse_prices
from app.briefings.offline import brief_offline
from app.briefings.scope import BriefingScope, resolve_scope, select_scope_papers
from app.config import Settings
from app.db import transaction

log = logging.getLogger(__name__)


class Briefer:
    """Runs briefing jobs for one process; `make_client` and `clock` are injectable for tests."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        *,
        make_client: Callable[[], ChatClient] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.make_client = make_client or self._default_client
        self.clock = clock

    def _default_client(self) -> ChatClient:
        s = self.settings
        return ChatClient(s.llm_base_url or "", s.llm_api_key, s.llm_model or "")

    def run_pending(self, limit: int = 20) -> list[int]:
        """Claim and run queued briefings until none is left (at most `limit`)."""
        done = []
        while len(done) < limit:
            briefing_id = self.run_next()
            if briefing_id is None:
                break
            done.append(briefing_id)
        return done

    def run_next(self, only: int | None = None) -> int | None:
        """Claim one queued briefing (or `only` that one) and run it; None when nothing waits."""
        with transaction(self.sessions) as session:
            row = store.claim_briefing(session, self.clock(), only=only)
            if row is None:
                return None
            briefing_id, scope_text, backend = row.id, row.scope, row.backend
        try:
            self._run(briefing_id, BriefingScope.loads(scope_text), backend)
        except Exception as error:  # a crash must leave a failed row, not a running one
            log.exception("briefing crashed", extra={"briefing_id": briefing_id})
            with transaction(self.sessions) as session:
                store.fail_briefing(session, briefing_id, f"internal error: {error}", self.clock())
        return briefing_id

    def _run(self, briefing_id: int, scope: BriefingScope, backend: str) -> None:
        with transaction(self.sessions) as session:
            scope = resolve_scope(session, scope)
            papers = select_scope_papers(session, scope)
        title = scope.describe()
        draft = self.compose(briefing_id, papers, title, backend)
        with transaction(self.sessions) as session:
            store.save_result(session, briefing_id, draft, scope, self.clock())
        log.info(
            "briefing finished",
            extra={"briefing_id": briefing_id, "backend": draft.backend, "error": draft.error},
        )

    def compose(self, briefing_id: int | None, papers, title: str, backend: str) -> Draft:
        """A checked draft from `backend`, falling back to offline (and saying so) when the LLM
        is not configured or today's budget is spent."""
        notice = None
        if backend == "llm" and not llm_configured(self.settings):
            notice = "no LLM is configured (LLM_BASE_URL, LLM_MODEL); briefed offline"
        elif backend == "llm":
            try:
                return self._brief_llm(briefing_id, papers, title)
            except BudgetSpentError as spent:
                notice = str(spent)
        draft = brief_offline(papers, title)
        draft.notice = notice
        problems = check_body(draft.body, len(draft.references)) if not draft.error else []
        if problems:  # the offline briefer builds valid bodies; never show a broken one
            draft.error = "offline briefing failed its citation check: " + problems[0].message
        return draft

    def _brief_llm(self, briefing_id: int | None, papers, title: str) -> Draft:
        client = self.make_client()
        try:
            briefer, ledger = self.llm_parts(client, briefing_id)
            return briefer.brief(papers, title, ledger)
        finally:
            client.close()

    def llm_parts(self, client: ChatClient, briefing_id: int | None) -> tuple[LlmBriefer, Ledger]:
        """A briefer for `client` and a ledger holding today's spending (recorded per call)."""
        settings = self.settings
        prices = parse_prices(settings.llm_price_per_mtokens)
        briefer = LlmBriefer(client, settings.llm_context_tokens, prices)
        with self.sessions() as session:
            used = store.tokens_used_on(session, self.clock().date())

        def record(purpose: str, completion: Completion) -> None:
            with transaction(self.sessions) as session:
                store.record_usage(
                    session,
                    briefing_id=briefing_id,
                    purpose=purpose,
                    model=client.model,
                    prompt_tokens=completion.prompt_tokens,
                    completion_tokens=completion.completion_tokens,
                    cost_usd=briefer.cost(completion),
                    now=self.clock(),
                )

        return briefer, Ledger(used, settings.llm_daily_budget_tokens, record)


def brief_now(briefer: Briefer, scope: BriefingScope, backend: str, requester: str) -> int:
    """Queue a briefing and run it in this process at once (the CLI); returns its id."""
    with transaction(briefer.sessions) as session:
        briefing_id = store.request_briefing(session, scope, backend, requester, briefer.clock()).id
    briefer.run_next(only=briefing_id)
    return briefing_id
