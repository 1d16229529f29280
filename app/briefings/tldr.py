"""Per-paper TL;DRs, made by their own jobs (never inside a briefing's call) and cached by
(paper, version, model, prompt version): offline, the abstract's key sentence; with an LLM, one
generated sentence per paper, a batch of papers per call."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.briefings import prompts
from app.briefings.llm import ChatClient, LlmError
from app.briefings.llm_briefer import BudgetSpentError, Ledger, LlmBriefer
from app.briefings.offline import key_sentence
from app.briefings.sentences import addresses_reader, quotable, split_sentences
from app.briefings.themes import build_corpus
from app.schemas import PaperItem

OFFLINE_MODEL = "offline"
OFFLINE_PROMPT_VERSION = "key-sentence-1"
LLM_PROMPT_VERSION = "tldr-1"
BATCH = 20
MAX_WORDS = 60

TLDR_TASK = """Write a one-sentence TL;DR (at most 30 words, plain text) of each paper below.
Answer with one line per paper and nothing else, as: n: sentence

Papers:
{papers}"""
_LINE = re.compile(r"^\s*(\d{1,5})\s*[:.)]\s*(.+?)\s*$")


def offline_tldrs(papers: list[PaperItem]) -> dict[str, str]:
    """Each paper's key sentence (TF-IDF over the batch), else its first quotable sentence, else
    nothing: a sentence addressing a reader or a model is never used."""
    corpus = build_corpus([(p.title, p.abstract or "") for p in papers])
    found = {}
    for paper, vector in zip(papers, corpus.vectors, strict=True):
        sentence = key_sentence(paper, vector) or next(
            (s for s in split_sentences(paper.abstract or "") if quotable(s)), None
        )
        if sentence:
            found[paper.id] = sentence
    return found


def tldr_messages(numbered: list[tuple[int, PaperItem]]) -> list[dict]:
    task = TLDR_TASK.format(papers=prompts.papers_block(numbered))
    return [{"role": "system", "content": prompts.SYSTEM}, {"role": "user", "content": task}]


def parse_tldrs(text: str, numbered: list[tuple[int, PaperItem]]) -> dict[str, str]:
    """`n: sentence` lines for the papers asked about; an answer that obeys a paper's injected
    instruction (addresses a reader, cites) or runs long is dropped."""
    by_number = dict(numbered)
    found = {}
    for line in text.splitlines():
        match = _LINE.match(line)
        if not match or int(match.group(1)) not in by_number:
            continue
        sentence = match.group(2)
        if addresses_reader(sentence) or "[" in sentence or len(sentence.split()) > MAX_WORDS:
            continue
        found[by_number[int(match.group(1))].id] = sentence
    return found


@dataclass
class LlmTldrs:
    """TL;DRs through `client`, batch by batch, charged to `ledger`; stops at the budget."""

    client: ChatClient
    briefer: LlmBriefer  # for the cost of a call
    ledger: Ledger

    def summarise(self, papers: list[PaperItem]) -> tuple[dict[str, str], str | None]:
        """TL;DRs by paper id, and why it stopped early (budget, server) if it did."""
        found: dict[str, str] = {}
        for start in range(0, len(papers), BATCH):
            numbered = list(enumerate(papers[start : start + BATCH], start=1))
            messages = tldr_messages(numbered)
            try:
                self.ledger.allow(prompts.estimate_tokens(messages) + 60 * len(numbered))
                completion = self.client.complete(messages, max_tokens=60 * len(numbered))
            except (BudgetSpentError, LlmError) as error:
                return found, str(error)
            self.ledger.spent += completion.prompt_tokens + completion.completion_tokens
            self.ledger.record("tldr", completion)
            found.update(parse_tldrs(completion.text, numbered))
        return found, None
