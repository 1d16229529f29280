"""Text helpers for pages, all pure: formulas and links in feed text, folding, dates, badges.

Feed text is hostile (DESIGN, "Feed HTML is untrusted"). Everything here escapes the text it is
given; the only markup it emits is links it built itself and MathML from app.web.tex.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from urllib.parse import quote

from markupsafe import Markup, escape

from app.web.tex import split_math, tex_to_mathml

# An http(s) URL in running text; trailing punctuation and unbalanced ")" are trimmed after.
TEXT_URL = re.compile(r"\bhttps?://[^\s<>\"'`{}|\\^]+", re.IGNORECASE)


def link_urls(text: str) -> Markup:
    """Escaped text with its http(s) URLs as links."""
    parts: list[str] = []
    position = 0
    for match in TEXT_URL.finditer(text):
        url = _trim_url(match.group(0))
        end = match.start() + len(url)
        parts.append(escape(text[position : match.start()]))
        parts.append(f'<a class="text-link" href="{escape(url)}" rel="nofollow">{escape(url)}</a>')
        position = end
    parts.append(escape(text[position:]))
    return Markup("".join(parts))


def _trim_url(url: str) -> str:
    while url and (
        url[-1] in TRAILING_PUNCTUATION or (url[-1] == ")" and url.count("(") < url.count(")"))
    ):
        url = url[:-1]
    return url


# A word with formulas inside ("CeTa$_7$O$_{19}$") is kept on one line, as browsers may break a
# line on either side of a <math> box; only up to this many characters, so nothing overflows.
GLUE_LENGTH = 24
WHITESPACE = re.compile(r"\s")
LAST_WORD = re.compile(r"\S*\Z")


@lru_cache(maxsize=4096)
def render_text(text: str, links: bool = True) -> Markup:
    """Escaped text with its formulas as MathML (and URLs as links unless `links` is off, as
    inside a title that is itself a link); a formula that fails shows its TeX source."""
    words = _Words()
    for segment in split_math(text):
        if segment.tex is not None:
            markup = _formula(segment.source, segment.tex, segment.display)
            length = GLUE_LENGTH + 1 if segment.display else len(segment.tex)
            words.add(markup, length, formula=True)
            continue
        plain = segment.source.replace("\\$", "$")  # TeX's escaped dollar is a dollar
        first_space = WHITESPACE.search(plain)
        if first_space is None:  # the whole run touches formulas
            words.add(_plain(plain, links), len(plain))
            continue
        lead = plain[: first_space.start()]
        tail = LAST_WORD.search(plain).group()
        words.add(_plain(lead, links), len(lead))
        words.end_word()
        words.parts.append(_plain(plain[len(lead) : len(plain) - len(tail)], links))
        words.add(_plain(tail, links), len(tail))
    words.end_word()
    return Markup("".join(words.parts))


class _Words:
    """Rendered parts, and the pieces of the word being built when formulas touch it."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.word: list[str] = []
        self.length = 0
        self.has_formula = False

    def add(self, markup: str, length: int, formula: bool = False) -> None:
        if not markup:
            return
        if self.length + length > GLUE_LENGTH:
            self.end_word()
        if length > GLUE_LENGTH:
            self.parts.append(markup)
            return
        self.word.append(markup)
        self.length += length
        self.has_formula = self.has_formula or formula

    def end_word(self) -> None:
        if len(self.word) > 1 and self.has_formula:
            self.parts.append(f'<span class="math-word">{"".join(self.word)}</span>')
        else:
            self.parts.extend(self.word)
        self.word.clear()
        self.length = 0
        self.has_formula = False


def _formula(source: str, tex: str, display: bool) -> str:
    mathml = tex_to_mathml(tex.strip(), display)
    return mathml or f'<code class="tex-source">{escape(source)}</code>'


def _plain(text: str, links: bool) -> str:
    return link_urls(text) if links else escape(text)


FOLD_ABOVE = 560  # abstracts up to this many characters are shown whole
FOLD_AFTER = 320  # otherwise the visible part ends at the first sentence end after this
SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z(\[\"'])")


def fold_abstract(text: str) -> tuple[str, str]:
    """Split a long abstract at a sentence end outside any formula: (shown, folded)."""
    text = text.strip()
    if len(text) <= FOLD_ABOVE:
        return text, ""
    inside_math = _formula_spans(text)
    for match in SENTENCE_END.finditer(text, FOLD_AFTER):
        cut = match.end()
        if any(start < cut < end for start, end in inside_math):
            continue
        if len(text) - cut < 120:
            break
        return text[:cut], text[cut:].strip()
    return text, ""


def _formula_spans(text: str) -> list[tuple[int, int]]:
    spans, position = [], 0
    for segment in split_math(text):
        end = position + len(segment.source)
        if segment.tex is not None:
            spans.append((position, end))
        position = end
    return spans


# A repository URL: github.com/owner/repo, gitlab.com/group/…/project, huggingface.co/… . The
# scheme is optional ("github.com/x/y" is common in abstracts); the path stops at whitespace,
# quotes and brackets, and trailing sentence punctuation is trimmed afterwards. Nothing that could
# continue a host name or an e-mail address may come right before (notgithub.com, a@github.com).
CODE_URL = re.compile(
    r"(?<![\w@./\-])(?:https?://)?(?:www\.)?(?P<host>github\.com|gitlab\.com|huggingface\.co)"
    r"/(?P<path>[A-Za-z0-9][\w.\-~%/#?=&+]*)",
    re.IGNORECASE,
)
TRAILING_PUNCTUATION = ".,;:!?'\"*_-"
# First path segments that are site pages, not an owner (huggingface.co/papers/… is a paper).
NOT_REPOSITORIES = frozenset(
    [
        "papers",
        "collections",
        "docs",
        "blog",
        "models",
        "tasks",
        "orgs",
        "topics",
        "features",
        "sponsors",
        "marketplace",
        "settings",
        "login",
        "about",
        "pricing",
        "site",
        "explore",
    ]
)


def find_code_url(*texts: str | None) -> str | None:
    """The first repository URL (GitHub, GitLab, Hugging Face) named in the texts, or None."""
    for text in texts:
        text = (text or "").replace("\\_", "_")  # TeX-escaped underscores in URLs
        for match in CODE_URL.finditer(text):
            path = _trim_path(match.group("path"))
            if _is_repository(match.group("host").lower(), path):
                return f"https://{match.group('host').lower()}/{path}"
    return None


def _trim_path(path: str) -> str:
    while path and (path[-1] in TRAILING_PUNCTUATION or path[-1] in "/#?=&"):
        path = path[:-1]
    return path


def _is_repository(host: str, path: str) -> bool:
    parts = [part.lower() for part in path.split("/") if part]
    if not parts or parts[0] in NOT_REPOSITORIES:
        return False
    if host == "huggingface.co":
        # huggingface.co/owner holds that owner's models; datasets and spaces need owner/name
        return len(parts) >= (3 if parts[0] in ("datasets", "spaces") else 1)
    return len(parts) >= 2  # github.com/owner is a profile, not a repository


def readable_date(day: date, weekday: bool = False) -> str:
    """ "28 Nov 2024", or "Thursday, 28 November 2024" with the weekday."""
    if weekday:
        return f"{day:%A}, {day.day} {day:%B %Y}"
    return f"{day.day} {day:%b %Y}"


def date_label(announce_type: str | None) -> str:
    """What a paper's stored day is: the day arXiv announced it, or only the day it was listed.

    The store keeps the first day a paper was seen; for a paper first seen as a replacement (or
    an abstract-only update) that is not its announcement day, so the page must not say it is.
    """
    if announce_type in ("new", "cross"):
        return "Announced"
    if announce_type is None:
        return "Published"  # journals: the publisher's or the feed's date
    return "Listed"


def announce_badge(announce_type: str | None, version: int | None) -> str | None:
    """A short badge for how the paper was announced: new, cross-list, replaced vN."""
    if announce_type == "new":
        return "new"
    if announce_type == "cross":
        return "cross-list"
    if announce_type in ("replace", "replace-cross"):
        return f"replaced v{version}" if version else "replaced"
    if announce_type == "absonly":
        return "abstract only"
    return None


def doi_url(doi: str | None) -> str | None:
    """The resolver URL of a DOI, path characters escaped."""
    if not doi:
        return None
    return "https://doi.org/" + quote(doi, safe="/:;()._-")


def safe_url(url: str | None) -> str | None:
    """`url` when it is an absolute http(s) URL; feed links may say `javascript:` or worse."""
    if not url:
        return None
    url = url.strip()
    scheme, _, rest = url.partition("://")
    if (
        scheme.lower() not in ("http", "https")
        or not rest
        or any(c in url for c in "\n\r\t <>\"'`")
    ):
        return None
    return url


def card_meta_html(
    number: str,
    source_label: str | None,
    published: date | None,
    announce_type: str | None,
    version: int | None,
) -> Markup:
    """A card's first line: number, source label, date and announce badge.

    Built here rather than in the card template because pages fill it in per request around a
    stored card fragment (app.web.cards): a day view shows that day's announce type.
    """
    parts = [f'<span class="card-number">{escape(number)}</span>']
    if source_label:
        parts.append(f'<span class="source-label">{escape(source_label)}</span>')
    if published:
        parts.append(
            f'<span class="card-date">{date_label(announce_type)} '
            f'<time datetime="{published.isoformat()}">{readable_date(published)}</time></span>'
        )
    badge = announce_badge(announce_type, version)
    if badge:
        kind = (announce_type or "").split("-")[0]
        parts.append(f'<span class="badge badge-{escape(kind)}">{escape(badge)}</span>')
    return Markup('<div class="card-meta">' + "".join(parts) + "</div>")


def tldr_html(tldr: str | None) -> Markup:
    """A card's TL;DR line (issue 5), or nothing."""
    if not tldr:
        return Markup()
    return Markup(f'<p class="tldr"><strong>TL;DR</strong> {escape(tldr)}</p>')
