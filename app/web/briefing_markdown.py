"""Briefing Markdown → HTML with raw HTML, links and images off; each `[n]` that resolves to a
reference becomes a link to it (DESIGN: Markdown is rendered with raw HTML off)."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markupsafe import Markup

_CITATION = re.compile(r"\[(\d{1,5})\]")


def _citation_rule(state, silent: bool) -> bool:
    if state.src[state.pos] != "[":
        return False
    match = _CITATION.match(state.src, state.pos)
    if match is None or int(match.group(1)) not in state.env.get("references", ()):
        return False
    if not silent:
        token = state.push("citation", "", 0)
        token.meta = {"n": int(match.group(1))}
    state.pos = match.end()
    return True


def _render_citation(self, tokens, idx, options, env) -> str:
    n = tokens[idx].meta["n"]
    return f'<a class="citation" href="#ref-{n}" aria-label="reference {n}">[{n}]</a>'


def _parser() -> MarkdownIt:
    # Links and images are off too: a body may quote paper text, which must never become a link
    # or load anything; the only links are our citations.
    md = MarkdownIt("commonmark", {"html": False, "linkify": False})
    md.disable(["link", "image", "autolink", "html_inline", "html_block"])
    md.inline.ruler.before("link", "citation", _citation_rule)
    md.add_render_rule("citation", _render_citation)
    return md


_MARKDOWN = _parser()


def render_briefing(body: str, references: set[int]) -> Markup:
    """Safe HTML of a briefing body; headings drop one level (the page has its own h1)."""
    html = _MARKDOWN.render(body, {"references": references})
    return Markup(html)
