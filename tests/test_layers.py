"""Data flows one way (STYLE.md): config ← db ← models/schemas ← ingest | curation ← web ← cli.

The services never import each other or anything above them; web never fetches feeds.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"

# package -> app modules it must never import (by prefix)
FORBIDDEN = {
    "app.ingest": ("app.curation", "app.web", "app.briefings", "app.cli", "app.scheduler"),
    "app.curation": (
        "app.ingest",
        "app.web",
        "app.briefings",
        "app.radar",
        "app.cli",
        "app.scheduler",
    ),
    # The radar reads through the read side (app.curation) and app.search; the web calls it.
    "app.radar": (
        "app.ingest",
        "app.web",
        "app.briefings",
        "app.cli",
        "app.scheduler",
        "app.services",
    ),
    # The web reads and queues briefings (store, scope, records, requests) but never runs a
    # backend: no LLM call and no briefing is ever written inside a request.
    "app.web": (
        "app.ingest",
        "app.briefings.worker",
        "app.briefings.llm",
        "app.briefings.llm_briefer",
        "app.briefings.offline",
        "app.cli",
        "app.scheduler",
        "app.services",
    ),
    # Briefings pick their papers through the read side (app.curation), never around it.
    "app.briefings": ("app.ingest", "app.web", "app.cli", "app.scheduler", "app.services"),
    # Accounts (people, follows, tokens) sit below every service that reads them.
    "app.accounts": (
        "app.ingest",
        "app.curation",
        "app.web",
        "app.briefings",
        "app.cli",
        "app.scheduler",
        "app.services",
        "app.radar",
        "app.deliveries",
    ),
    # A person's library and its exports read papers through the read side (app.curation).
    "app.library": (
        "app.ingest",
        "app.web",
        "app.briefings",
        "app.cli",
        "app.scheduler",
        "app.services",
        "app.radar",
        "app.deliveries",
    ),
    # Deliveries send what the radar (wired in by the scheduler) picked; they never fetch feeds,
    # render pages or run briefings.
    "app.deliveries": (
        "app.ingest",
        "app.web",
        "app.briefings",
        "app.cli",
        "app.scheduler",
        "app.services",
    ),
    "app.text": ("app.ingest", "app.curation", "app.web"),
    "app.lru": ("app",),  # a plain data structure, below everything
    # Shared by the offline briefer and the radar: plain text in, terms out.
    "app.text_terms": (
        "app.ingest",
        "app.curation",
        "app.web",
        "app.briefings",
        "app.radar",
        "app.db",
        "app.models",
    ),
    "app.catalogue": ("app.ingest", "app.curation", "app.web", "app.db", "app.models"),
    "app.search": ("app.ingest", "app.curation", "app.web", "app.radar"),
    "app.search_index": ("app.ingest", "app.curation", "app.web", "app.search"),
    "app.bulk_indexes": ("app.ingest", "app.curation", "app.web", "app.search"),
    "app.db": ("app.ingest", "app.curation", "app.web", "app.search"),
    "app.models": ("app.ingest", "app.curation", "app.web"),
    "app.schemas": ("app.ingest", "app.curation", "app.web", "app.db"),
}


# The exceptions, each narrow: admins manage sources from the web through app.ingest.sources,
# the sources table's write door, which validates and fetches nothing (polling stays with the
# worker).
ALLOWED = {"app.web.sources_admin": ("app.ingest.sources",)}


def _module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("app")}


SOURCES = sorted(APP.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=[_module_name(p) for p in SOURCES])
def test_imports_follow_the_data_flow(path):
    module = _module_name(path)
    rules = [banned for owner, banned in FORBIDDEN.items() if module.startswith(owner)]
    bad = sorted(
        name
        for name in _imports(path)
        for banned in rules
        for prefix in banned
        if (name == prefix or name.startswith(prefix + ".")) and name not in ALLOWED.get(module, ())
    )
    assert bad == [], f"{module} imports {bad}"


def test_the_rules_see_real_imports():
    assert "app.db" in _imports(APP / "ingest" / "store.py")


def test_only_llm_py_imports_openai():
    importers = sorted(
        _module_name(path)
        for path in SOURCES
        if any(
            isinstance(node, ast.Import) and any(a.name == "openai" for a in node.names)
            for node in ast.walk(ast.parse(path.read_text()))
        )
    )
    assert importers == ["app.briefings.llm"]
