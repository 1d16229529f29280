"""The personal radar in headless Chromium: sign up, follow an author from a card, see the radar
change, save a paper, export the library as BibTeX, log out and back in; axe on the new pages."""

from __future__ import annotations

import bibtexparser
from playwright.sync_api import Page, expect

from tests.browser.test_daily_browser import AXE_BLOCKING, AXE_JS

PASSWORD = "correct horse battery staple"


def _sign_up(page: Page, email: str) -> None:
    page.goto("/signup")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password, again").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/radar")


def test_follow_from_a_card_changes_the_radar_then_save_and_export(pages, tmp_path):
    page = pages.open("/")
    _sign_up(page, "reader@example.org")
    expect(page.get_by_role("heading", name="Your radar is empty so far")).to_be_visible()

    page.goto("/")
    expect(page.locator("a.account-link")).to_have_text("Account")
    card = page.locator("article.paper-card").nth(2)
    author = card.locator("a.author-link").first
    name = author.inner_text()
    follow = card.locator("button.follow-control").first
    expect(follow).to_be_visible()
    follow.click()
    expect(follow).to_have_attribute("aria-pressed", "true")
    # Every card by that author is marked as followed.
    expect(page.locator(f"a.author-link.is-followed:text-is('{name}')").first).to_be_visible()

    page.goto("/radar")
    first = page.locator(".radar-entry").first
    expect(first.locator(".reasons li").first).to_have_text(f"you follow {name}")
    save = first.locator("a.save-control")
    save.click()
    expect(save).to_have_text("Saved ✓")
    paper_id = first.locator("article.paper-card").get_attribute("data-paper-id")

    page.goto("/library")
    expect(page.locator(f"article.paper-card[data-paper-id='{paper_id}']")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="BibTeX").click()
    saved_to = tmp_path / "library.bib"
    download.value.save_as(saved_to)
    entries = bibtexparser.parse_string(saved_to.read_text()).entries
    assert len(entries) == 1
    assert entries[0].fields_dict["eprint"].value == paper_id

    page.goto("/account")
    page.get_by_role("button", name="Log out", exact=True).click()
    expect(page.locator("a.account-link")).to_have_text("Log in")
    page.goto("/login")
    page.get_by_label("E-mail").fill("reader@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/radar")
    expect(page.locator(".radar-entry").first.locator(".reasons li").first).to_contain_text(name)


def test_radar_pages_pass_axe(pages):
    page = pages.open("/")
    _sign_up(page, "axe@example.org")
    source = AXE_JS.read_text()
    for path in ("/radar", "/library", "/settings", "/account"):
        page.goto(path)
        page.evaluate(source)
        results = page.evaluate("() => axe.run(document, { resultTypes: ['violations'] })")
        blocking = [v["id"] for v in results["violations"] if v["impact"] in AXE_BLOCKING]
        assert blocking == [], (path, blocking)
