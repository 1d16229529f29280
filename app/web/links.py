"""Links between pages: the query string of a view (ViewQuery) and paper and author addresses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote, quote_plus, urlencode

from app.curation.daily import PaperFilters

# The daily view's parameters (DESIGN), in the order its links spell them.
KEY_ORDER = ("author", "category", "source", "q", "day", "shuffle", "page")
PAGE_FILTERS = frozenset(KEY_ORDER)


@dataclass(frozen=True)
class ViewQuery:
    """The query string of a view as ordered (name, value) pairs; every change drops `page`."""

    pairs: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_filters(cls, filters: PaperFilters) -> ViewQuery:
        """The pairs that reproduce `filters` (page 1 and no shuffle are left out)."""
        pairs = [("author", a) for a in filters.authors]
        pairs += [("category", c) for c in filters.categories]
        pairs += [("source", str(s)) for s in filters.sources]
        optional = (
            ("q", filters.q),
            ("day", filters.day.isoformat() if filters.day else None),
            ("shuffle", None if filters.shuffle is None else str(filters.shuffle)),
            ("page", str(filters.page) if filters.page > 1 else None),
        )
        pairs += [(name, value) for name, value in optional if value is not None]
        return cls(tuple(pairs))

    def adding(self, name: str, value: str) -> ViewQuery:
        """With one more `name=value` (no duplicate when it is there already)."""
        kept = self.without("page").pairs
        if any(n == name and v.casefold() == value.casefold() for n, v in kept):
            return ViewQuery(kept)
        return ViewQuery((*kept, (name, value)))

    def removing(self, name: str, value: str) -> ViewQuery:
        """Without exactly one `name=value`."""
        kept = list(self.without("page").pairs)
        if (name, value) in kept:
            kept.remove((name, value))
        return ViewQuery(tuple(kept))

    def setting(self, name: str, value: str | None) -> ViewQuery:
        """With `name` replaced by `value` (or dropped when None)."""
        kept = self.without(name) if name == "page" else self.without(name, "page")
        return kept if value is None else ViewQuery((*kept.pairs, (name, value)))

    def without(self, *names: str) -> ViewQuery:
        """Without any of `names`."""
        return ViewQuery(tuple(pair for pair in self.pairs if pair[0] not in names))

    def href(self, path: str = "/") -> str:
        """`path` with the pairs in DESIGN's order."""
        ordered = sorted(self.pairs, key=lambda pair: KEY_ORDER.index(pair[0]))
        return f"{path}?{urlencode(ordered)}" if ordered else path


def paper_href(paper_id: str) -> str:
    """The paper page; arXiv ids keep their slash (hep-th/9901001), DOIs their colon."""
    return "/papers/" + quote(paper_id, safe="/:")


def author_href(name: str) -> str:
    """The author page."""
    return "/authors/" + quote(name, safe="")


class LinkMaker(Protocol):
    """Where a card's author and category links lead (CardLinks, or app.web.cards' markers)."""

    def author(self, name: str) -> str: ...
    def category(self, code: str) -> str: ...
    def is_active_author(self, name: str) -> bool: ...


@dataclass(frozen=True)
class CardLinks:
    """A card's author and category links for one view: `ViewQuery.adding(...).href()` spelled
    out once per page as a prefix and a suffix around the quoted name, so ~400 links cost one
    string concatenation each instead of a sort and an urlencode (a test keeps both equal)."""

    author_prefix: str
    category_prefix: str
    suffix_after_author: str
    suffix_after_category: str
    current_href: str  # the view without `page`: where adding a value already there leads
    active_authors: frozenset[str]  # casefolded
    active_categories: frozenset[str]  # casefolded

    @classmethod
    def for_query(cls, query: ViewQuery) -> CardLinks:
        """The links `query`'s cards carry."""
        kept = query.without("page")
        ordered = sorted(kept.pairs, key=lambda pair: KEY_ORDER.index(pair[0]))
        authors = [pair for pair in ordered if pair[0] == "author"]
        categories = [pair for pair in ordered if pair[0] == "category"]
        rest = [pair for pair in ordered if pair[0] not in ("author", "category")]

        def joined(pairs: list[tuple[str, str]]) -> str:
            return urlencode(pairs) + "&" if pairs else ""

        return cls(
            author_prefix="/?" + joined(authors) + "author=",
            category_prefix="/?" + joined(authors + categories) + "category=",
            suffix_after_author=("&" + urlencode(categories + rest)) if categories + rest else "",
            suffix_after_category=("&" + urlencode(rest)) if rest else "",
            current_href=kept.href(),
            active_authors=frozenset(value.casefold() for _, value in authors),
            active_categories=frozenset(value.casefold() for _, value in categories),
        )

    def is_active_author(self, name: str) -> bool:
        """Whether `name` is one of the view's author chips."""
        return name.casefold() in self.active_authors

    def author(self, name: str) -> str:
        """The view with `name` added as an author chip."""
        if name.casefold() in self.active_authors:
            return self.current_href
        return self.author_prefix + quote_plus(name) + self.suffix_after_author

    def category(self, code: str) -> str:
        """The view with `code` added as a category chip."""
        if code.casefold() in self.active_categories:
            return self.current_href
        return self.category_prefix + quote_plus(code) + self.suffix_after_category
