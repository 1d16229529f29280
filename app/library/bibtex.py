"""Papers as BibTeX (Zotero, Mendeley, JabRef, biber read it): `@article` for journal papers,
`@misc` with arXiv's eprint fields for preprints, one unique cite key per entry.

Output is UTF-8 (biber and every citation manager read it); LaTeX's special characters are
escaped, math in titles and abstracts stays math (app.library.texescape).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from app.library.export_papers import ExportPaper
from app.library.names import PARTICLES, family_name, split_name
from app.library.texescape import escape_plain, escape_with_math, split_math

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# Bylines that are a group, not a person: braced, so BibTeX never splits them into names.
GROUP_WORDS = re.compile(r"\b(collaboration|consortium|group|team|project|committee)\b", re.I)
TITLE_STOPWORDS = frozenset(("a", "an", "the", "on", "of", "in", "for", "to", "and", "with"))
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Characters a verbatim field (url, doi, eprint) cannot carry inside braces.
_VERBATIM_UNSAFE = {"{": "%7B", "}": "%7D", "\\": "%5C", "\n": "", "\r": ""}


def papers_to_bibtex(papers: Sequence[ExportPaper]) -> str:
    """One BibTeX entry per paper, in the given order, separated by blank lines."""
    keys = cite_keys(papers)
    return "\n".join(_entry(paper, key) for paper, key in zip(papers, keys, strict=True))


def cite_keys(papers: Sequence[ExportPaper]) -> list[str]:
    """`familyYEARword` keys, ASCII only; clashes get a, b, … suffixes in order of appearance."""
    taken: set[str] = set()
    keys = []
    bases = [_base_key(paper) for paper in papers]
    clashing = {base for base in bases if bases.count(base) > 1}
    for base in bases:
        key, suffix = base, 0
        if base in clashing or key in taken:
            key = base + _suffix(suffix)
        while key in taken:
            suffix += 1
            key = base + _suffix(suffix)
        taken.add(key)
        keys.append(key)
    return keys


def _suffix(number: int) -> str:
    letters = ""
    number += 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def _base_key(paper: ExportPaper) -> str:
    family = _ascii_word(family_name(paper.authors[0])) if paper.authors else ""
    year = str(paper.published.year) if paper.published else ""
    return (family or "anon") + year + _first_title_word(paper.title)


def _first_title_word(title: str) -> str:
    plain = " ".join(piece for piece, is_math in split_math(title) if not is_math)
    for word in plain.split():
        folded = _ascii_word(word)
        if folded and folded not in TITLE_STOPWORDS:
            return folded
    return ""


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return _NON_ALNUM.sub("", folded.encode("ascii", "ignore").decode())


def bibtex_name(name: str) -> str:
    """`Family, Given` with escapes; groups and odd names braced whole."""
    if GROUP_WORDS.search(name) or name.count(",") > 1 or re.search(r"\band\b", name, re.I):
        return "{" + escape_plain(name) + "}"
    family, given = split_name(name)
    family_text = escape_plain(family)
    if " " in family and family.split()[0] not in PARTICLES:
        family_text = "{" + family_text + "}"
    return f"{family_text}, {escape_plain(given)}" if given else family_text


def _entry(paper: ExportPaper, key: str) -> str:
    kind = "article" if paper.is_article else "misc"
    month = MONTHS[paper.published.month - 1] if paper.published else None
    fields = [
        ("title", "{" + escape_with_math(paper.title) + "}"),
        ("author", " and ".join(bibtex_name(n) for n in paper.authors)),
        ("year", str(paper.published.year) if paper.published else None),
        ("journal" if kind == "article" else "howpublished", _plain(paper.journal)),
        *_identifiers(paper),
        ("abstract", escape_with_math(paper.abstract) if paper.abstract else None),
        ("keywords", _plain(", ".join((*paper.categories, *paper.tags)))),
        ("note", _plain(paper.note)),
    ]
    lines = [f"@{kind}{{{key},"]
    for name, value in fields:
        if value:
            lines.append(f"  {name} = {{{value}}},")
        if name == "year" and month:
            lines.append(f"  month = {month},")  # the standard macro, as styles expect
    return "\n".join(lines) + "\n}\n"


def _identifiers(paper: ExportPaper) -> list[tuple[str, str | None]]:
    fields: list[tuple[str, str | None]] = []
    if paper.arxiv_id:
        fields += [
            ("eprint", _verbatim(paper.arxiv_id)),
            ("archivePrefix", "arXiv"),
            ("primaryClass", _verbatim(paper.primary_category)),
        ]
    fields += [
        ("doi", _verbatim(paper.journal_doi or paper.doi)),
        ("url", _verbatim(paper.url)),
    ]
    return fields


def _plain(text: str | None) -> str | None:
    return escape_plain(text) if text and text.strip() else None


def _verbatim(text: str | None) -> str | None:
    if not text:
        return None
    return "".join(_VERBATIM_UNSAFE.get(char, char) for char in text)
