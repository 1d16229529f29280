"""A briefing as a backend hands it back: Markdown body, numbered references, costs, outcome."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.schemas import PaperItem


@dataclass
class Draft:
    """`references[n - 1]` is the paper `[n]` cites; `error` set means the briefing failed."""

    body: str
    references: list[PaperItem]
    backend: str
    model: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    requests: int = 0
    error: str | None = None
    notice: str | None = None
    connections: list[str] = field(default_factory=list)  # shared terms named (offline)


def field_of(item: PaperItem) -> str:
    """The paper's field: its primary category's arXiv archive (`cs`, `q-bio`, `hep-th`), else
    its journal's name."""
    if item.id.startswith("doi:") or not item.categories:
        return item.source_label or "journals"
    return item.categories[0].split(".")[0]
