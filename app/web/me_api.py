"""A person's API under /api/me: session cookie or `Authorization: Bearer <personal token>`.

None → 401; a route only ever reads or changes the caller's own rows (DESIGN). Writes made with a
session cookie need the session's CSRF token in the `X-CSRF-Token` header (app.web.auth).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi import APIRouter, Body, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from app.accounts import follows
from app.briefings.backends import default_backend
from app.briefings.requests import RateLimitedError, request_personal
from app.briefings.store import list_briefings
from app.curation.items import find_paper_id, load_items, public_ids
from app.library import store as library
from app.library.bibtex import papers_to_bibtex
from app.library.export_json import user_export
from app.library.export_papers import load_export_papers
from app.library.ris import papers_to_ris
from app.radar.model_store import update_model
from app.web.auth import ApiUserDep
from app.web.deps import SessionDep, WriteSessionDep
from app.web.radar_query import parse_radar_range, radar_entries

router = APIRouter(prefix="/api/me", tags=["me"])
NO_STORE = {"Cache-Control": "private, no-store"}


class FollowIn(BaseModel):
    kind: str = Field(description="author | keyword | category | source")
    value: str
    muted: bool = Field(default=False, description="a mute rule: hide matching papers")


class SavedIn(BaseModel):
    tags: list[str] | None = None
    note: str | None = None


class FeedbackIn(BaseModel):
    paper_id: str
    kind: str = Field(description="seen | not_interested")


def _json(body: object, status_code: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status_code, headers=NO_STORE)


@router.get("")
def me(user: ApiUserDep) -> JSONResponse:
    """Who the credentials belong to, and the CSRF token for cookie-authenticated writes."""
    return _json(
        {"email": user.email, "admin": user.is_admin, "csrf_token": user.csrf_token or None}
    )


@router.get("/marks")
def marks(user: ApiUserDep, session: SessionDep) -> JSONResponse:
    """What pages mark on cards for this person: followed authors and terms, saved papers."""
    rules = follows.list_follows(session, user.id, muted=False)
    return _json(
        {
            "csrf_token": user.csrf_token or None,
            "authors": [
                {"id": f.id, "value": f.value, "key": f.match_key}
                for f in rules
                if f.kind == "author"
            ],
            "keywords": [{"id": f.id, "value": f.value} for f in rules if f.kind == "keyword"],
            "saved": list(
                public_ids(session, library.library_paper_ids(session, user.id)).values()
            ),
        }
    )


def _follow_json(rule) -> dict:
    return {
        "id": rule.id,
        "kind": rule.kind,
        "value": rule.value,
        "muted": rule.muted,
        "created_at": rule.created_at.isoformat(),
    }


@router.get("/follows")
def list_follows(user: ApiUserDep, session: SessionDep) -> JSONResponse:
    """The person's follows and mute rules, oldest first."""
    return _json({"items": [_follow_json(f) for f in follows.list_follows(session, user.id)]})


@router.post("/follows", status_code=201)
def add_follow(user: ApiUserDep, session: WriteSessionDep, body: FollowIn) -> JSONResponse:
    """Follow (or mute) an author, keyword, category or source; adding it twice is harmless."""
    try:
        rule = follows.add_follow(
            session, user.id, body.kind, body.value, muted=body.muted, now=datetime.now(UTC)
        )
    except follows.FollowError as error:
        raise HTTPException(400, str(error)) from None
    session.commit()
    return _json(_follow_json(rule), status_code=201)


@router.delete("/follows/{follow_id}", status_code=204)
def remove_follow(user: ApiUserDep, session: WriteSessionDep, follow_id: int) -> Response:
    """Stop following; someone else's follow id is as unknown as a missing one (404)."""
    if not follows.remove_follow(session, user.id, follow_id):
        raise HTTPException(404, "no such follow")
    session.commit()
    return Response(status_code=204, headers=NO_STORE)


@router.get("/follows/export")
def export_follows(user: ApiUserDep, session: SessionDep) -> JSONResponse:
    """Follows and mute rules as a JSON document that /api/me/follows/import takes back."""
    return _json(follows.export_follows(session, user.id))


@router.post("/follows/import")
def import_follows(
    user: ApiUserDep, session: WriteSessionDep, document: object = Body(...)
) -> JSONResponse:
    """Add the follows of an exported document; a bad entry adds nothing and says which."""
    try:
        result = follows.import_follows(session, user.id, document, now=datetime.now(UTC))
    except follows.FollowError as error:
        raise HTTPException(400, str(error)) from None
    session.commit()
    return _json({"added": result.added, "already": result.already})


@router.get("/radar")
def radar(request: Request, user: ApiUserDep, session: SessionDep) -> JSONResponse:
    """Today's papers (or `day`, or `since`..`until`) ranked for this person, with reasons."""
    since, until = parse_radar_range(request)
    entries = radar_entries(session, user.id, since, until)
    items = load_items(session, [e.paper_id for e in entries])
    body = [
        {**item.model_dump(mode="json"), "reasons": list(entry.reasons), "score": entry.score}
        for item, entry in zip(items, entries, strict=True)
    ]
    return _json({"items": body, "total": len(body), "next": None})


def _paper_id(session, public_id: str) -> int:
    paper_id = find_paper_id(session, public_id)
    if paper_id is None:
        raise HTTPException(404, f"no paper {public_id!r}")
    return paper_id


@router.get("/library")
def library_list(user: ApiUserDep, session: SessionDep, tag: str | None = None) -> JSONResponse:
    """Saved papers, newest saved first, with their tags and notes (`tag` narrows)."""
    saved = library.library_entries(session, user.id, tag=tag)
    items = load_items(session, [s.paper_id for s in saved])
    body = [
        {
            **item.model_dump(mode="json"),
            "tags": list(entry.tags),
            "note": entry.note,
            "saved_at": entry.saved_at.isoformat(),
        }
        for item, entry in zip(items, saved, strict=True)
    ]
    return _json({"items": body, "total": len(body), "next": None})


@router.put("/library/{public_id:path}")
def save(
    user: ApiUserDep, session: WriteSessionDep, public_id: str, body: SavedIn | None = None
) -> JSONResponse:
    """Save a paper (tags and note optional; given ones replace the stored ones)."""
    paper_id, now = _paper_id(session, public_id), datetime.now(UTC)
    tags, note = (body.tags, body.note) if body is not None else (None, None)
    try:
        library.save_paper(session, user.id, paper_id, tags=tags, note=note, now=now)
    except library.LibraryError as error:
        raise HTTPException(400, str(error)) from None
    update_model(session, user.id, now=now)
    session.commit()
    return _json({"paper_id": public_id, "saved": True})


@router.delete("/library/{public_id:path}", status_code=204)
def unsave(user: ApiUserDep, session: WriteSessionDep, public_id: str) -> Response:
    """Remove a paper from the library (404 when it was not there)."""
    paper_id, now = _paper_id(session, public_id), datetime.now(UTC)
    if not library.unsave_paper(session, user.id, paper_id):
        raise HTTPException(404, f"{public_id!r} is not in your library")
    update_model(session, user.id, now=now)
    session.commit()
    return Response(status_code=204, headers=NO_STORE)


def _export(session, user_id: int, tag: str | None) -> list:
    ids = library.library_paper_ids(session, user_id, tag=tag)
    return load_export_papers(session, ids, user_id=user_id)


@router.get("/library.bib")
def library_bibtex(user: ApiUserDep, session: SessionDep, tag: str | None = None) -> Response:
    """The library as BibTeX (Zotero, Mendeley, JabRef and EndNote import it)."""
    text = papers_to_bibtex(_export(session, user.id, tag))
    headers = {**NO_STORE, "Content-Disposition": 'attachment; filename="library.bib"'}
    return Response(text, media_type="application/x-bibtex; charset=utf-8", headers=headers)


@router.get("/library.ris")
def library_ris(user: ApiUserDep, session: SessionDep, tag: str | None = None) -> Response:
    """The library as RIS."""
    text = papers_to_ris(_export(session, user.id, tag))
    headers = {**NO_STORE, "Content-Disposition": 'attachment; filename="library.ris"'}
    return Response(text, media_type="application/x-research-info-systems", headers=headers)


@router.get("/export.json")
def export_everything(user: ApiUserDep, session: SessionDep) -> JSONResponse:
    """Everything this person has: account, follows, library, feedback, tokens (no secrets)."""
    headers = {**NO_STORE, "Content-Disposition": 'attachment; filename="academichub-export.json"'}
    return JSONResponse(user_export(session, user.id), headers=headers)


@router.post("/feedback", status_code=204)
def feedback(user: ApiUserDep, session: WriteSessionDep, body: FeedbackIn) -> Response:
    """Tell the radar a paper was seen or is not interesting (the model learns from the latter)."""
    paper_id, now = _paper_id(session, body.paper_id), datetime.now(UTC)
    try:
        library.set_feedback(session, user.id, paper_id, body.kind, now=now)
    except library.LibraryError as error:
        raise HTTPException(400, str(error)) from None
    if body.kind == "not_interested":
        update_model(session, user.id, now=now)
    session.commit()
    return Response(status_code=204, headers=NO_STORE)


class BriefingIn(BaseModel):
    day: date | None = Field(default=None, description="an announcement day; none: the latest")


@router.get("/briefings")
def my_briefings(user: ApiUserDep, session: SessionDep, page: int = 1) -> JSONResponse:
    """This person's briefings of their radar, newest first (20 a page)."""
    if page < 1:
        raise HTTPException(400, "page must be at least 1")
    items, total = list_briefings(session, page, 20, owner_id=user.id)
    next_page = f"/api/me/briefings?page={page + 1}" if page * 20 < total else None
    return _json(
        {"items": [i.model_dump(mode="json") for i in items], "total": total, "next": next_page}
    )


@router.post("/briefings", status_code=202)
def brief_my_radar(
    request: Request, user: ApiUserDep, session: WriteSessionDep, body: BriefingIn | None = None
) -> JSONResponse:
    """Queue a briefing of this person's radar of a day → `{"id", "status"}` (private to them)."""
    day = body.day if body else None
    try:
        briefing_id = request_personal(
            session, user.id, day, default_backend(request.app.state.settings), datetime.now(UTC)
        )
    except RateLimitedError as error:
        raise HTTPException(429, str(error), {"Retry-After": str(error.retry_after)}) from None
    session.commit()
    return _json({"id": briefing_id, "status": "queued"}, status_code=202)
