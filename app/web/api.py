"""JSON API: DESIGN's paper shapes under /api."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from app.curation.daily import list_papers
from app.curation.items import get_paper
from app.schemas import PaperItem
from app.web.deps import SessionDep, parse_filters

router = APIRouter(prefix="/api")

PAPER_FILTERS = frozenset({"author", "category", "source", "q", "day", "shuffle", "page"})


@router.get("/papers")
def papers(request: Request, session: SessionDep) -> dict:
    """Papers matching the filters (every paper when none), 50 a page: newest first; a search by
    relevance; a day in announcement order; `shuffle=SEED` in the seeded draw's order."""
    filters = parse_filters(request, PAPER_FILTERS)
    page = list_papers(session, filters)
    next_url = None
    if page.has_next:
        next_url = str(request.url.include_query_params(page=filters.page + 1))
    body = {
        "items": [item.model_dump(mode="json") for item in page.items],
        "total": page.total,
        "next": next_url,
    }
    if page.total_is_estimate:
        body["total_is_estimate"] = True
    return body


@router.get("/papers/{paper_id:path}", response_model=PaperItem)
def paper(paper_id: str, session: SessionDep) -> PaperItem:
    """One paper by its public id: an arXiv id (`2606.12883`, `hep-th/9901001`) or `doi:<doi>`."""
    item = get_paper(session, paper_id)
    if item is None:
        raise HTTPException(status_code=404, detail=f"no paper with id {paper_id!r}")
    return item
