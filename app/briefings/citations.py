"""Citations `[n]`: quoting paper text so it can never pose as one, and checking a body's.

Every `[n]` of a body must resolve to one of the briefing's references, and every paragraph must
cite at least one (DESIGN: never shown as valid otherwise). Paper text reaches a body or a prompt
only through `quote_text`, which turns its brackets into parentheses: an abstract's "[99]" becomes
"(99)" and can never pass as a citation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CITATION = re.compile(r"\[(\d{1,5})\]")
# Any bracketed number list an LLM might write instead of [1][2]: "[1, 2]", "[1-3]".
CITATION_LIKE = re.compile(r"\[\s*\d+(?:\s*[,;–-]\s*\d+)+\s*\]")
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_<>#|!~])")
_SPACE = re.compile(r"\s+")


def quote_text(text: str) -> str:
    """Paper text made inert for Markdown: brackets become parentheses, specials are escaped,
    whitespace is one line (a quoted sentence can never start a heading or a list)."""
    text = text.replace("[", "(").replace("]", ")")
    text = _MARKDOWN_SPECIALS.sub(r"\\\1", text)
    return _SPACE.sub(" ", text).strip()


def cite(numbers: list[int]) -> str:
    """`[1], [4], [7]` for a list of reference numbers."""
    return ", ".join(f"[{n}]" for n in numbers)


def paragraphs(body: str) -> list[str]:
    """Blocks separated by blank lines, without headings and horizontal rules."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", body)]
    found = []
    for block in blocks:
        lines = [ln for ln in block.splitlines() if not re.match(r"\s*(#{1,6}\s|---+\s*$)", ln)]
        text = "\n".join(lines).strip()
        if text:
            found.append(text)
    return found


def cited_numbers(body: str) -> list[int]:
    """Every `[n]` in `body`, in order of appearance (with repeats)."""
    return [int(m.group(1)) for m in CITATION.finditer(body)]


@dataclass(frozen=True)
class CitationProblem:
    """What is wrong with a body, in words an LLM (or a person) can act on."""

    message: str


def check_body(body: str, references: int) -> list[CitationProblem]:
    """Problems with `body` whose references are numbered 1..`references`; empty when valid."""
    problems: list[CitationProblem] = []
    if not body.strip():
        return [CitationProblem("the briefing is empty")]
    unknown = sorted({n for n in cited_numbers(body) if not 1 <= n <= references})
    if unknown:
        listed = ", ".join(f"[{n}]" for n in unknown)
        problems.append(
            CitationProblem(
                f"it cites {listed}, which resolve to no paper; only [1] to [{references}] exist"
            )
        )
    for match in CITATION_LIKE.finditer(body):
        problems.append(
            CitationProblem(f"{match.group(0)} is not a citation; cite each paper as [n] alone")
        )
    for block in paragraphs(body):
        if not CITATION.search(block):
            excerpt = block[:80] + ("…" if len(block) > 80 else "")
            problems.append(CitationProblem(f"this paragraph cites no paper: {excerpt!r}"))
    return problems
