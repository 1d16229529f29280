"""The offline briefer: deterministic and extractive, no key and no network (issue 5).

Themes come from TF-IDF + k-means across categories; every section is built from the papers' own
quotable sentences, each followed by its `[n]`; every paper of a theme is cited in it.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from app.briefings.citations import cite, quote_text
from app.briefings.connections import Connection, find_connections
from app.briefings.draft import Draft, field_of
from app.briefings.sentences import quotable, split_sentences
from app.briefings.themes import Corpus, Theme, Vector, build_corpus, find_themes, theme_name
from app.schemas import PaperItem
from app.text_terms import count_terms, display_form

QUOTES_PER_THEME = 3
NOTABLE = 5
OPEN_QUESTIONS = 4
_OPEN_CUES = re.compile(
    r"\b(?:remains? (?:open|unclear|unknown|elusive|challenging)|open (?:question|problem)s?|"
    r"future (?:work|research|directions?)|it is unclear|unknown whether|yet to be|"
    r"limitations?|conjecture|we ask whether|little is known)\b",
    re.IGNORECASE,
)


def brief_offline(papers: list[PaperItem], title: str) -> Draft:
    """A briefing of `papers` under the heading `title`; the same papers give the same text."""
    unique = sorted({p.id: p for p in papers}.values(), key=lambda p: p.id)
    if not unique:
        return Draft("", [], "offline", error="no papers in this scope")
    corpus = build_corpus([(p.title, p.abstract or "") for p in unique])
    themes = find_themes(corpus)
    order = [i for theme in themes for i in theme.members]
    number = {index: n for n, index in enumerate(order, start=1)}
    fields = [field_of(p) for p in unique]
    connections = find_connections(corpus, fields)
    context = _Context(unique, corpus, themes, number, fields)
    sections = [
        f"# {title}",
        "## Headline summary",
        _headline(context, connections),
        "## Themes",
        *(_theme_section(context, i, theme) for i, theme in enumerate(themes, start=1)),
        "## Cross-disciplinary connections",
        _connections_section(context, connections),
        "## Notable papers",
        _notable_section(context),
        "## Open questions",
        _open_questions(context),
    ]
    references = [unique[i] for i in order]
    shared = [display_form(c.term, corpus.display) for c in connections]
    return Draft("\n\n".join(sections) + "\n", references, "offline", connections=shared)


class _Context:
    """What every section needs: papers, vectors, themes and reference numbers."""

    def __init__(self, papers, corpus: Corpus, themes: list[Theme], number, fields) -> None:
        self.papers: list[PaperItem] = papers
        self.corpus = corpus
        self.themes = themes
        self.number: dict[int, int] = number
        self.fields: list[str] = fields
        self.theme_of = {i: t for t, theme in enumerate(themes) for i in theme.members}

    def ref(self, index: int) -> str:
        return f"[{self.number[index]}]"

    def name(self, theme: Theme) -> str:
        return quote_text(theme_name(theme, self.corpus))

    def title(self, index: int) -> str:
        return f"*{quote_text(self.papers[index].title)}*"


def key_sentence(paper: PaperItem, weights: Vector) -> str | None:
    """The quotable sentence of the abstract that carries most of `weights` (a theme's terms)."""
    best, best_score = None, 0.0
    for position, sentence in enumerate(split_sentences(paper.abstract or "")):
        if not quotable(sentence):
            continue
        terms = count_terms(sentence, {})
        score = sum(weights.get(t, 0.0) for t in terms) / math.sqrt(len(sentence.split()))
        score += 1e-6 / (position + 1)  # ties: the earlier sentence
        if score > best_score:
            best, best_score = sentence, score
    return best


def _quote(context: _Context, index: int, weights: Vector) -> str:
    sentence = key_sentence(context.papers[index], weights)
    if sentence is None:
        return f"{context.title(index)} {context.ref(index)}."
    return f"{context.title(index)}: “{quote_text(sentence)}” {context.ref(index)}"


def _fields_summary(fields: list[str], top: int = 3) -> str:
    counts = sorted(Counter(fields).items(), key=lambda fc: (-fc[1], fc[0]))
    named = [f"{quote_text(f)} ({c})" for f, c in counts[:top]]
    if len(counts) > top:
        named.append(f"{len(counts) - top} more")
    return ", ".join(named)


def _headline(context: _Context, connections: list[Connection]) -> str:
    papers, themes = context.papers, context.themes
    field_count = len(set(context.fields))
    text = (
        f"{len(papers)} paper(s) from {field_count} field(s) — {_fields_summary(context.fields)} — "
        f"fall into {len(themes)} theme(s). The largest: "
    )
    text += "; ".join(
        f"*{context.name(t)}*, {len(t.members)} paper(s), led by {context.ref(t.members[0])}"
        for t in themes[:3]
    )
    text += "."
    if connections:
        first = connections[0]
        sample = [ids[0] for ids in first.fields.values()][:2]
        term = quote_text(display_form(first.term, context.corpus.display))
        text += (
            f" {len(connections)} connection(s) cross fields, the strongest through "
            f"“{term}” ({cite([context.number[i] for i in sample])})."
        )
    return text


def _theme_section(context: _Context, position: int, theme: Theme) -> str:
    members = theme.members
    fields = [context.fields[i] for i in members]
    lead = f"{len(members)} paper(s), from {_fields_summary(fields)}."
    quotes = [_quote(context, i, theme.centroid) for i in members[:QUOTES_PER_THEME]]
    parts = [f"### {position}. {context.name(theme)}", " ".join([lead, *quotes])]
    rest = members[QUOTES_PER_THEME:]
    if rest:
        parts.append("Also in this theme: " + cite(sorted(context.number[i] for i in rest)) + ".")
    return "\n\n".join(parts)


def _connections_section(context: _Context, connections: list[Connection]) -> str:
    if not connections:
        only = ", ".join(sorted(set(context.fields)))
        return (
            f"No term is shared across fields strongly enough to call a connection; the set "
            f"spans {quote_text(only)} {context.ref(context.themes[0].members[0])}."
        )
    return "\n\n".join(_connection(context, c) for c in connections)


def _connection(context: _Context, connection: Connection) -> str:
    term = quote_text(display_form(connection.term, context.corpus.display))
    fields = list(connection.fields)[:3]
    themes = sorted({context.theme_of[connection.fields[f][0]] + 1 for f in fields})
    text = f"**{term}** is shared by {' and '.join(quote_text(f) for f in fields)}"
    text += f" (theme(s) {', '.join(map(str, themes))}): "
    weights = {connection.term: 1.0, **{w: 0.5 for w in connection.term.split()}}
    pieces = []
    for field in fields:
        best, *others = connection.fields[field][:3]
        piece = f"in {quote_text(field)}, {_quote(context, best, weights)}"
        if others:
            piece += f" (also {cite([context.number[i] for i in others])})"
        pieces.append(piece)
    return text + "; ".join(pieces) + "."


def _notable_section(context: _Context) -> str:
    """One paper per theme (largest themes first): the most cross-listed, then most central."""
    lines = []
    for theme in context.themes[:NOTABLE]:
        index = min(
            theme.members[:10],
            key=lambda i: (-_archives(context.papers[i]), theme.members.index(i)),
        )
        paper = context.papers[index]
        authors = ", ".join(paper.authors[:3]) + (" et al." if len(paper.authors) > 3 else "")
        categories = ", ".join(paper.categories[:4])
        details = quote_text("; ".join(x for x in (authors, categories) if x))
        lines.append(f"- {_quote(context, index, theme.centroid)} — {details}")
    return "\n".join(lines)


def _archives(paper: PaperItem) -> int:
    return len({c.split(".")[0] for c in paper.categories})


def _open_questions(context: _Context) -> str:
    found: list[tuple[int, int, str]] = []
    used_themes: set[int] = set()
    for index in sorted(context.number, key=context.number.get):
        theme = context.theme_of[index]
        if theme in used_themes:
            continue
        for sentence in split_sentences(context.papers[index].abstract or ""):
            if _OPEN_CUES.search(sentence) and quotable(sentence):
                found.append((theme, index, sentence))
                used_themes.add(theme)
                break
        if len(found) == OPEN_QUESTIONS:
            break
    if not found:
        smallest = context.themes[-1]
        return (
            f"No paper states an open question outright. The smallest theme, "
            f"*{context.name(smallest)}*, rests on "
            f"{cite([context.number[i] for i in smallest.members[:5]])}."
        )
    return "\n".join(
        f"- {context.title(i)}: “{quote_text(s)}” {context.ref(i)}" for _, i, s in found
    )
