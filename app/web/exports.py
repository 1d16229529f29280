"""Any Curated Daily view as BibTeX or RIS: `GET /export/papers.bib?…` and `…ris?…`.

The same filters as the page and the same default (no filter: the latest announcement day), in
the page's order, up to EXPORT_SIZE papers a file (`page` moves on). Paper data is public, so no
account is needed; a person's library has its own exports under /api/me.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.curation.daily import default_view, select_page
from app.library.bibtex import papers_to_bibtex
from app.library.export_papers import load_export_papers
from app.library.ris import papers_to_ris
from app.web.deps import SessionDep, parse_filters
from app.web.links import PAGE_FILTERS

router = APIRouter(include_in_schema=False)
EXPORT_SIZE = 500
FORMATS = {
    "bib": (papers_to_bibtex, "application/x-bibtex; charset=utf-8"),
    "ris": (papers_to_ris, "application/x-research-info-systems"),
}


def _export(request: Request, session, extension: str) -> Response:
    filters = parse_filters(request, PAGE_FILTERS)
    page = select_page(session, default_view(session, filters), EXPORT_SIZE)
    write, media_type = FORMATS[extension]
    text = write(load_export_papers(session, page.ids))
    headers = {"Content-Disposition": f'attachment; filename="papers.{extension}"'}
    return Response(text, media_type=media_type, headers=headers)


@router.get("/export/papers.bib")
def bibtex(request: Request, session: SessionDep) -> Response:
    """The view's papers as BibTeX (Zotero, Mendeley, JabRef and EndNote import it)."""
    return _export(request, session, "bib")


@router.get("/export/papers.ris")
def ris(request: Request, session: SessionDep) -> Response:
    """The view's papers as RIS."""
    return _export(request, session, "ris")
