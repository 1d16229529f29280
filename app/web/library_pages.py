"""The library page (/library) and saving from a card without script (/library/save).

The library takes the daily page's filters (author, category, q) plus `tag`; with a library of
thousands at most, they are applied to its items here rather than through the search index.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse
from markupsafe import Markup
from starlette.responses import Response

from app.curation.items import find_paper_id, get_paper, load_items, public_ids
from app.library import store as library
from app.radar.model_store import update_model
from app.schemas import PaperItem
from app.text import author_match_key
from app.web.auth import PageUserDep, check_form_csrf
from app.web.card_store import page_cards
from app.web.deps import BadParameterError, SessionDep
from app.web.links import CardLinks, ViewQuery
from app.web.templating import render_page

router = APIRouter(include_in_schema=False)
PRIVATE = {"Cache-Control": "private, no-store"}
LIBRARY_FILTERS = frozenset({"author", "category", "q", "tag"})


@dataclass(frozen=True)
class SavedCard:
    card: Markup
    paper_id: str
    tags: str
    note: str


@dataclass(frozen=True)
class LibraryPage:
    csrf_token: str
    cards: tuple[SavedCard, ...]
    summary: str
    tags: tuple[tuple[str, int], ...]
    filters: tuple[tuple[str, str], ...]
    export_query: str
    total_saved: int


def _library_filters(request: Request) -> dict[str, list[str]]:
    unknown = sorted(set(request.query_params.keys()) - LIBRARY_FILTERS)
    if unknown:
        allowed = ", ".join(sorted(LIBRARY_FILTERS))
        raise BadParameterError(f"unknown parameter {unknown[0]!r}; allowed: {allowed}")
    chosen = {
        name: [v.strip() for v in request.query_params.getlist(name)] for name in LIBRARY_FILTERS
    }
    if any(not v or len(v) > 300 for values in chosen.values() for v in values):
        raise BadParameterError("filter values must be 1 to 300 characters")
    return chosen


def _matches(item: PaperItem, chosen: dict[str, list[str]]) -> bool:
    authors = {author_match_key(a) for a in item.authors}
    if any(author_match_key(a) not in authors for a in chosen["author"]):
        return False
    if any(c.casefold() not in {x.casefold() for x in item.categories} for c in chosen["category"]):
        return False
    text = f"{item.title}\n{item.abstract or ''}".casefold()
    return all(q.casefold() in text for q in chosen["q"])


@router.get("/library")
def library_page(request: Request, user: PageUserDep, session: SessionDep) -> Response:
    """Saved papers, newest saved first, with tags, notes, filters and exports."""
    chosen = _library_filters(request)
    tag = chosen["tag"][0] if chosen["tag"] else None
    entries = library.library_entries(session, user.id, tag=tag)
    notes = {e.paper_id: e for e in entries}
    items = load_items(session, [e.paper_id for e in entries])
    kept = [e.paper_id for e, item in zip(entries, items, strict=True) if _matches(item, chosen)]
    rendered = page_cards(session, kept, 1, CardLinks.for_query(ViewQuery()))
    public = public_ids(session, kept)
    cards = tuple(
        SavedCard(card, public[i], ", ".join(notes[i].tags), notes[i].note or "")
        for card, i in zip(rendered, kept, strict=True)
    )
    pairs = tuple((name, value) for name in sorted(chosen) for value in chosen[name])
    total = len(entries) if tag is None else len(library.library_paper_ids(session, user.id))
    page = LibraryPage(
        user.csrf_token,
        cards,
        f"{len(cards)} of {total} saved paper{'' if total == 1 else 's'}",
        tuple(library.library_tags(session, user.id)),
        pairs,
        ("?" + urlencode([p for p in pairs if p[0] == "tag"])) if tag else "",
        total,
    )
    return render_page("library.html", page, headers=PRIVATE)


@router.get("/library/save")
def save_form(request: Request, user: PageUserDep, session: SessionDep, paper: str) -> Response:
    """Saving without script: a page with one button (a GET never changes anything)."""
    item = get_paper(session, paper)
    if item is None:
        raise HTTPException(404, f"There is no paper {paper!r}.")
    saved = bool(library.saved_ids_among(session, user.id, [find_paper_id(session, paper)]))
    return render_page(
        "confirm.html",
        {
            "csrf_token": user.csrf_token,
            "action": "/library/save",
            "title": item.title,
            "fields": {"paper": paper},
            "question": "Already in your library." if saved else "Save this paper to your library?",
            "button": "Save",
            "done": saved,
        },
        headers=PRIVATE,
    )


async def _library_post(request: Request, user, change) -> Response:
    await check_form_csrf(request, user)
    form = await request.form()
    with request.app.state.write_session_factory() as session, session.begin():
        paper_id = find_paper_id(session, str(form.get("paper", "")))
        if paper_id is None:
            raise HTTPException(404, "There is no such paper.")
        try:
            change(session, paper_id, form)
        except library.LibraryError as error:
            raise HTTPException(400, str(error)) from None
        update_model(session, user.id, now=datetime.now(UTC))
    return RedirectResponse("/library", status_code=303)


@router.post("/library/save")
async def save(request: Request, user: PageUserDep) -> Response:
    """Save a paper (from the confirm page or any form)."""

    def change(session, paper_id, form):
        library.save_paper(session, user.id, paper_id, now=datetime.now(UTC))

    return await _library_post(request, user, change)


@router.post("/library/remove")
async def remove(request: Request, user: PageUserDep) -> Response:
    """Take a paper out of the library."""

    def change(session, paper_id, form):
        library.unsave_paper(session, user.id, paper_id)

    return await _library_post(request, user, change)


@router.post("/library/edit")
async def edit(request: Request, user: PageUserDep) -> Response:
    """Set a saved paper's tags (comma-separated) and note."""

    def change(session, paper_id, form):
        tags = [t for t in (s.strip() for s in str(form.get("tags", "")).split(",")) if t]
        library.update_saved(session, user.id, paper_id, tags=tags, note=str(form.get("note", "")))

    return await _library_post(request, user, change)
