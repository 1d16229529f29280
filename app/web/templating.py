"""Jinja rendering of page contexts, and cache-busting URLs for the static files."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from app.text import author_match_key

TEMPLATE_DIR = Path(str(files("app.templates")))
STATIC_DIR = Path(str(files("app.static")))


@lru_cache(maxsize=64)
def asset_url(name: str) -> str:
    """/static/<name>?v=<content hash>, so a new release is never served from a stale cache."""
    digest = hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]
    return f"/static/{name}?v={digest}"


TEMPLATES = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=StrictUndefined,
)
TEMPLATES.globals["asset_url"] = asset_url
TEMPLATES.filters["author_key"] = author_match_key


def render_page(
    template: str, page: object, status_code: int = 200, headers: dict | None = None
) -> HTMLResponse:
    """`template` rendered with its page context as `page`."""
    body = TEMPLATES.get_template(template).render(page=page)
    return HTMLResponse(body, status_code=status_code, headers=headers)
