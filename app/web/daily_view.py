"""The Curated Daily page context: cards, filter chips, day navigation and empty states."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from markupsafe import Markup
from sqlalchemy.orm import Session

from app.curation.daily import PAGE_SIZE, PaperFilters, default_view, select_page
from app.curation.days import adjacent_days, latest_day
from app.curation.sources import source_labels
from app.web.card_store import TldrLookup, page_cards
from app.web.links import CardLinks, ViewQuery
from app.web.render import readable_date
from app.web.views import Link, Pager, make_pager

FIRST_RUN_COMMAND = "academichub sources add cs.AI"


@dataclass(frozen=True)
class Chip:
    kind: str  # author | category | source | query | day | shuffle
    value: str
    text: str
    remove_href: str


@dataclass(frozen=True)
class ChipGroup:
    label: str  # "Authors"
    noun: str  # "author", for the remove link's name: "Remove author Zichen Liu"
    chips: tuple[Chip, ...]


@dataclass(frozen=True)
class DayNav:
    day: date
    day_text: str
    previous: Link | None
    next: Link | None


@dataclass(frozen=True)
class EmptyState:
    kind: str  # first-run | not-polled | empty-day | no-match
    title: str
    message: str
    command: str | None = None
    link: Link | None = None


@dataclass(frozen=True)
class DailyPage:
    """Everything the Curated Daily template shows."""

    title: str
    heading: str
    summary: str
    chip_groups: tuple[ChipGroup, ...]
    hint: str  # shown in the filter bar when it has no chips
    search_value: str
    search_hidden: tuple[tuple[str, str], ...]
    day_hidden: tuple[tuple[str, str], ...]
    picker_value: str
    shuffle_href: str
    seed: int | None
    day_nav: DayNav | None
    cards: tuple[Markup, ...]  # rendered cards (app.web.cards)
    empty: EmptyState | None
    pager: Pager | None
    feed_href: str
    export_href: str  # the view as BibTeX (… .ris: as RIS)
    brief_hidden: tuple[tuple[str, str], ...] = ()  # the view's scope for "Brief this view"


def build_daily_page(
    session: Session, filters: PaperFilters, seed: int, tldrs: TldrLookup | None = None
) -> DailyPage:
    """The Curated Daily view of `filters`; `seed` goes into the Shuffle link; `tldrs` looks
    up the cards' TL;DRs when they are shown."""
    shown = default_view(session, filters)
    page = select_page(session, shown)
    query = ViewQuery.from_filters(filters)
    labels = source_labels(session) if filters.sources or not page.ids else {}
    first_number = (filters.page - 1) * PAGE_SIZE + 1
    links = CardLinks.for_query(query)
    cards = page_cards(session, page.ids, first_number, links, shown.day, shown.sources, tldrs)
    heading, summary = _headings(filters, shown, page.total, page.estimate)
    empty = None if cards else _empty_state(session, filters, shown, query, labels)
    if empty is not None and empty.kind in ("first-run", "not-polled"):
        heading, summary = "Getting started", "Nothing has been collected yet."
    return DailyPage(
        title="Curated Daily · AcademicHub" if filters.is_empty else f"{heading} · AcademicHub",
        heading=heading,
        summary=summary,
        chip_groups=_chip_groups(filters, query, labels),
        hint=("Latest announcement day" if filters.day is None else "One announcement day")
        + ". Click an author or a category to filter; chips appear here.",
        search_value=filters.q or "",
        search_hidden=query.without("q", "day", "shuffle", "page").pairs,
        day_hidden=query.without("day", "shuffle", "page").pairs,
        picker_value=shown.day.isoformat() if shown.day else "",
        shuffle_href=query.setting("shuffle", str(seed)).href() + "#cards",
        seed=filters.shuffle,
        day_nav=_day_nav(session, shown.day, query) if shown.day else None,
        cards=cards,
        empty=empty,
        pager=make_pager(filters.page, page.has_next, query),
        feed_href=query.without("page").href("/feeds/atom"),
        export_href=query.href("/export/papers.bib"),
        brief_hidden=ViewQuery.from_filters(shown).without("shuffle", "page").pairs,
    )


def _headings(
    filters: PaperFilters, shown: PaperFilters, total: int, estimate: bool
) -> tuple[str, str]:
    count = f"{'about ' if estimate else ''}{total:,} paper{'' if total == 1 else 's'}"
    count = count if total else "No papers"
    if filters.shuffle is not None:
        return "Shuffled", f"A random draw from {count}, kept in its drawn order"
    if shown.day is not None and not filters.spans_all_days:
        return readable_date(shown.day, weekday=True), f"{count} announced"
    if filters.q:
        return f"Results for “{filters.q}”", f"{count} found"
    heading = "Papers"
    if filters.authors:
        heading += " by " + _join(filters.authors)
    if filters.categories:
        heading += " in " + _join(filters.categories)
    if shown.day is not None:
        return heading, f"{count} on {readable_date(shown.day, weekday=True)}"
    return heading, f"{count}, newest first" if total else count


def _join(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _chip_groups(
    filters: PaperFilters, query: ViewQuery, labels: dict[int, str]
) -> tuple[ChipGroup, ...]:
    def chip(kind: str, name: str, value: str, text: str | None = None) -> Chip:
        return Chip(kind, value, text or value, query.removing(name, value).href())

    groups = [
        ChipGroup("Authors", "author", tuple(chip("author", "author", a) for a in filters.authors)),
        ChipGroup(
            "Categories",
            "category",
            tuple(chip("category", "category", c) for c in filters.categories),
        ),
        ChipGroup(
            "Sources",
            "source",
            tuple(
                chip("source", "source", str(s), labels.get(s, f"source {s}"))
                for s in filters.sources
            ),
        ),
        ChipGroup("Search", "search", (chip("query", "q", filters.q),) if filters.q else ()),
        ChipGroup(
            "Day",
            "day",
            (chip("day", "day", filters.day.isoformat(), readable_date(filters.day)),)
            if filters.day and filters.spans_all_days  # alone, the day nav shows the day
            else (),
        ),
        ChipGroup(
            "Shuffle",
            "shuffle",
            (chip("shuffle", "shuffle", str(filters.shuffle), f"seed {filters.shuffle}"),)
            if filters.shuffle is not None
            else (),
        ),
    ]
    return tuple(group for group in groups if group.chips)


def _day_nav(session: Session, day: date, query: ViewQuery) -> DayNav:
    earlier, later = adjacent_days(session, day)
    base = query.without("shuffle", "page")

    def link(target: date | None) -> Link | None:
        if target is None:
            return None
        return Link(readable_date(target), base.setting("day", target.isoformat()).href())

    return DayNav(day, readable_date(day, weekday=True), link(earlier), link(later))


def _empty_state(
    session: Session,
    filters: PaperFilters,
    shown: PaperFilters,
    query: ViewQuery,
    labels: dict[int, str],
) -> EmptyState:
    if not filters.spans_all_days and latest_day(session) is None:
        if not labels:
            return EmptyState(
                "first-run",
                "No papers yet",
                "Add the arXiv categories you follow; papers appear after the next poll.",
                command=FIRST_RUN_COMMAND,
            )
        return EmptyState(
            "not-polled",
            "Waiting for the first poll",
            f"{len(labels)} source{'' if len(labels) == 1 else 's'} added. "
            "Papers appear after the next poll, or poll now:",
            command="academichub poll",
        )
    if shown.day is not None and not filters.spans_all_days:
        nearest = _nearest(shown.day, *adjacent_days(session, shown.day))
        link = None
        if nearest is not None:
            target = query.without("shuffle").setting("day", nearest.isoformat())
            link = Link(f"Go to {readable_date(nearest, weekday=True)}", target.href())
        return EmptyState(
            "empty-day",
            f"No announcements on {readable_date(shown.day, weekday=True)}",
            "arXiv does not announce on weekends and holidays.",
            link=link,
        )
    return EmptyState(
        "no-match",
        "No papers match these filters",
        "Remove a filter above to widen the view.",
        link=Link("Back to today's papers", "/"),
    )


def _nearest(day: date, earlier: date | None, later: date | None) -> date | None:
    if earlier is None or later is None:
        return earlier or later
    return earlier if (day - earlier) <= (later - day) else later
