"""A person's follows and mute rules, compiled for matching papers (pure).

Authors match by their folded match key (app.text.author_match_key), so "Zichen Li" never
matches Zichen Liu. Keywords and phrases match case-insensitively on word boundaries, in any
spacing, and in the plural ("language model" matches "Language Models"). Categories match any of
a paper's categories, case folded; sources match any source that listed the paper in the range.
A mute of any kind hides every paper it matches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

AUTHOR, KEYWORD, CATEGORY, SOURCE = "author", "keyword", "category", "source"


@dataclass(frozen=True)
class FollowRule:
    """One row of `follows` as plain values."""

    kind: str
    value: str
    match_key: str
    muted: bool = False


def keyword_pattern(keyword: str) -> re.Pattern[str]:
    """`keyword` on word boundaries, any case and spacing, with an optional plural ending."""
    body = r"\s+".join(re.escape(word) for word in keyword.split())
    return re.compile(rf"(?<!\w){body}(?:e?s)?(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class KeywordRule:
    """A followed or muted keyword: as typed (for reasons), as a pattern, and its longest word
    lower-cased (a plain substring test rules most texts out before the pattern runs)."""

    value: str
    pattern: re.Pattern[str]
    needle: str


@dataclass(frozen=True)
class RuleSet:
    """Rules of one kind of use (follows, or mutes), ready to test papers with."""

    authors: frozenset[str] = frozenset()
    keywords: tuple[KeywordRule, ...] = ()
    categories: Mapping[str, str] = field(default_factory=dict)  # folded code -> as followed
    sources: frozenset[int] = frozenset()
    any_keyword: re.Pattern[str] | None = None  # all keywords at once (for highlighting)

    def keywords_in(self, text: str) -> list[str]:
        """The keywords (as typed) that `text` holds."""
        if not self.keywords:
            return []
        lowered = text.lower()
        return [
            rule.value
            for rule in self.keywords
            if rule.needle in lowered and rule.pattern.search(text)
        ]

    def categories_of(self, categories: Sequence[str]) -> list[str]:
        """The rule's categories among `categories`, as followed."""
        followed = self.categories
        return [followed[c.casefold()] for c in categories if c.casefold() in followed]


def build_rule_set(rules: Iterable[FollowRule]) -> RuleSet:
    """Compile rules of one use; unknown kinds are ignored (a newer version may add some)."""
    rules = list(rules)
    keywords = tuple(
        KeywordRule(
            r.value, keyword_pattern(r.match_key), max(r.match_key.lower().split(), key=len)
        )
        for r in rules
        if r.kind == KEYWORD and r.match_key.split()
    )
    any_keyword = None
    if keywords:
        longest_first = sorted(keywords, key=lambda k: -len(k.pattern.pattern))
        any_keyword = re.compile("|".join(k.pattern.pattern for k in longest_first), re.IGNORECASE)
    return RuleSet(
        authors=frozenset(r.match_key for r in rules if r.kind == AUTHOR),
        keywords=keywords,
        categories={r.match_key.casefold(): r.value for r in rules if r.kind == CATEGORY},
        sources=frozenset(int(r.match_key) for r in rules if r.kind == SOURCE and _is_id(r)),
        any_keyword=any_keyword,
    )


def _is_id(rule: FollowRule) -> bool:
    return rule.match_key.isdigit()


@dataclass(frozen=True)
class HighlightSet:
    """What cards highlight for a person: followed authors (match keys) and followed keywords
    (lower-cased), with one pattern that finds any of the keywords in a text."""

    author_keys: frozenset[str] = frozenset()
    keywords: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None

    def highlights_author(self, match_key: str) -> bool:
        return match_key in self.author_keys


def build_highlights(rules: Iterable[FollowRule]) -> HighlightSet:
    """The highlight set of followed (not muted) authors and keywords."""
    rules = [r for r in rules if not r.muted]
    followed = build_rule_set(rules)
    return HighlightSet(
        author_keys=followed.authors,
        keywords=tuple(sorted({r.match_key for r in rules if r.kind == KEYWORD})),
        pattern=followed.any_keyword,
    )
