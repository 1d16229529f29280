"""Briefings in headless Chromium: "Brief this view" queues a briefing of the view, a worker
writes it, the page shows it with working citation links, and axe finds no serious violation."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from app.briefings.worker import Briefer
from app.config import Settings
from app.db import make_engine, make_session_factory
from tests.browser.test_daily_browser import AXE_BLOCKING, AXE_JS


def _run_queued(site) -> list[int]:
    """What `academichub worker` would do: write the queued briefings."""
    engine = make_engine(site.database_url)
    try:
        return Briefer(make_session_factory(engine), Settings()).run_pending()
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `npm ci` in tests/browser", pytrace=False)
    return AXE_JS.read_text()


@pytest.fixture(scope="module")
def briefing_path(browser, site) -> str:
    """A briefing of the math.CO view, requested through the page's button."""
    context = browser.new_context(base_url=site.base_url)
    page = context.new_page()
    page.goto("/?category=math.CO")
    page.get_by_role("button", name="Brief this view").click()
    page.wait_for_url(re.compile(r"/briefings/\d+$"))
    expect(page.locator("article.briefing")).to_have_attribute("data-status", "queued")
    path = "/briefings/" + page.url.rsplit("/", 1)[1]
    context.close()
    assert _run_queued(site)
    return path


def test_brief_this_view_shows_a_briefing_with_working_citations(pages, briefing_path):
    page = pages.open(briefing_path)
    expect(page.locator("article.briefing")).to_have_attribute("data-status", "done")
    assert "category math.CO" in page.locator("h1").inner_text()
    citation = page.locator(".briefing-body a.citation").first
    target = citation.get_attribute("href")
    citation.click()
    assert page.url.endswith(target)
    reference = page.locator(f"li{target}")
    expect(reference).to_be_visible()
    reference.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/papers/"))
    assert "math.CO" in page.locator(".facts").inner_text()


def test_the_markdown_download_is_offered(pages, briefing_path):
    page = pages.open(briefing_path)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download Markdown").click()
    text = download.value.path().read_text(encoding="utf-8")
    assert text.startswith("# Briefing: ") and "## References" in text


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violations_on_briefing_pages(
    pages,
    axe_source,
    briefing_path,
    scheme,
):
    for path in (briefing_path, "/briefings"):
        page = pages.open(path, color_scheme=scheme)
        page.wait_for_load_state("load")
        page.evaluate(axe_source)
        results = page.evaluate("() => axe.run(document, { resultTypes: ['violations'] })")
        assert len(results["passes"]) > 10, "axe ran no rules"
        blocking = [v for v in results["violations"] if v["impact"] in AXE_BLOCKING]
        assert not blocking, json.dumps(blocking, indent=2)
