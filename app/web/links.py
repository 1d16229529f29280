"""Links between pages: the query string of a view (ViewQuery) and paper and author addresses."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

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
