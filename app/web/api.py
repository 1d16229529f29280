"""JSON API: DESIGN's paper shapes under /api."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.curation.daily import list_papers
from app.curation.items import get_paper
from app.schemas import PaperItem
from app.web.deps import SessionDep, parse_filters

router = APIRouter(prefix="/api")

PAPER_FILTERS = frozenset({"author", "category", "source", "q", "day", "shuffle", "page"})


class PaperList(BaseModel):
    """One page of papers (DESIGN's list shape; `total_is_estimate` only when it is true)."""

    items: list[PaperItem]
    total: int
    next: str | None
    total_is_estimate: bool = False


@router.get("/papers", response_model=None, responses={200: {"model": PaperList}})
def papers(request: Request, session: SessionDep) -> JSONResponse:
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
    # Already JSON-safe: skips FastAPI's jsonable_encoder walk over every field (~2 ms a page).
    return JSONResponse(body)


@router.get("/papers/{paper_id:path}", response_model=PaperItem)
def paper(paper_id: str, session: SessionDep) -> PaperItem:
    """One paper by its public id: an arXiv id (`2606.12883`, `hep-th/9901001`) or `doi:<doi>`."""
    item = get_paper(session, paper_id)
    if item is None:
        raise HTTPException(status_code=404, detail=f"no paper with id {paper_id!r}")
    return item
