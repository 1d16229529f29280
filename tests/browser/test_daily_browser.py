"""Curated Daily in headless Chromium, against a real server holding a real day of arXiv.

Every test runs through the `pages` fixture, which fails it if a page raised a dialog, logged a
console error or CSP violation, threw, or requested anything outside the site.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.hostile import HOSTILE_AUTHORS, HOSTILE_DAY, HOSTILE_QUERY, HOSTILE_SOURCE_LABEL

LATEST_DAY = "2024-11-28"  # the recorded all-archives feed's announcement day
HOSTILE_IDS = ["2411.90001", "2411.90002", 'doi:10.1234/"><script>alert(9)</script>']
AXE_JS = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
MATH_PAPER = "2411.16774"  # "A Note on a Recent Attempt to Prove the Irrationality of $\zeta(5)$"
PROLIFIC_AUTHOR = "Yang Yang"  # five papers in the feed
COAUTHORS = ("Guido Burkard", "Florian Ginzel")  # four papers, all by both
SEARCH_WORD = "electrocardiogram"
SEARCH_HIT = "2411.17702"  # Finding "Good Views" of Electrocardiogram Signals ...


def card_ids(page: Page) -> list[str]:
    return page.locator("#cards article.paper-card").evaluate_all(
        "cards => cards.map(card => card.dataset.paperId)"
    )


def card_authors(page: Page) -> list[list[str]]:
    """Each card's author names, folded bylines included."""
    return page.locator("#cards article.paper-card").evaluate_all(
        "cards => cards.map(card => [...card.querySelectorAll('a.author-link')]"
        ".map(link => link.textContent.trim()))"
    )


def fold(name: str) -> str:
    """Case, accents and spacing folded, as the store's author match key does."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return " ".join(bare.split()).casefold()


def params(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def chip_values(page: Page, kind: str) -> list[str]:
    return page.locator(f"nav.filter-bar .chip.chip-{kind}").evaluate_all(
        "chips => chips.map(chip => chip.dataset.value)"
    )


# --- the page as it arrives ---------------------------------------------------------------------


def test_daily_page_shows_the_latest_day_as_numbered_cards(pages):
    page = pages.open("/")
    cards = page.locator("#cards article.paper-card")
    expect(cards).to_have_count(50)
    numbers = cards.locator(".card-number").all_text_contents()
    assert numbers[:3] == ["01.", "02.", "03."] and numbers[-1] == "50."
    first = cards.first
    expect(first.locator(".paper-title a")).to_have_attribute("href", re.compile(r"^/papers/"))
    expect(first.locator("a.link-abs")).to_have_attribute("href", re.compile(r"arxiv\.org/abs/"))
    expect(first.locator("a.link-pdf")).to_have_attribute("href", re.compile(r"arxiv\.org/pdf/"))
    abstracts = " ".join(cards.locator(".abstract").all_inner_texts())
    assert "Announce Type" not in abstracts and "arXiv:2411" not in abstracts
    expect(page.locator("input#day-picker")).to_have_value(LATEST_DAY)
    expect(page.locator("a#prev-day")).to_be_visible()
    expect(page.locator("a#next-day")).to_have_count(0)  # nothing newer than the latest day


def test_math_is_rendered_not_left_as_tex(pages):
    page = pages.open(f"/papers/{MATH_PAPER}")
    title = page.locator("h1.paper-title")
    expect(title.locator("math")).to_have_count(1)
    assert "$" not in title.inner_text()


# --- author chips -------------------------------------------------------------------------------


def test_clicking_an_author_adds_a_chip_and_the_chip_removes_it(pages):
    page = pages.open("/")
    everything = card_ids(page)
    link = page.locator("#cards a.author-link").first
    name = link.inner_text().strip()
    link.click()
    page.wait_for_url(re.compile(r"[?&]author="))
    assert params(page)["author"] == [name]
    assert chip_values(page, "author") == [name]
    narrowed = card_authors(page)
    assert 0 < len(narrowed) < len(everything)
    assert all(fold(name) in map(fold, authors) for authors in narrowed)

    page.locator(f'.chip-author[data-value="{name}"] a.chip-remove').click()
    page.wait_for_url(lambda url: "author=" not in url)
    expect(page.locator(".chip-author")).to_have_count(0)
    assert card_ids(page) == everything


def test_two_author_chips_narrow_to_papers_by_both(pages):
    first, second = COAUTHORS
    page = pages.open(f"/?author={quote(first)}")
    assert chip_values(page, "author") == [first]
    page.locator("#cards a.author-link", has_text=second).first.click()
    page.wait_for_url(re.compile(r"author=.*author="))
    assert chip_values(page, "author") == [first, second]
    both = card_authors(page)
    assert len(both) == 4
    assert all({fold(first), fold(second)} <= set(map(fold, authors)) for authors in both)

    page.locator(f'.chip-author[data-value="{first}"] a.chip-remove').click()
    page.wait_for_url(lambda url: parse_qs(urlsplit(url).query).get("author") == [second])
    assert chip_values(page, "author") == [second]
    assert all(fold(second) in map(fold, authors) for authors in card_authors(page))


# --- shuffle ------------------------------------------------------------------------------------


def test_shuffle_draws_a_new_seeded_order_that_a_url_reproduces(pages):
    page = pages.open("/")
    latest = card_ids(page)
    page.locator("a#shuffle").click()
    page.wait_for_url(re.compile(r"[?&]shuffle=\d+"))
    [seed] = params(page)["shuffle"]
    drawn = card_ids(page)
    assert len(drawn) == 50 and drawn != latest
    assert not set(drawn) <= set(latest), "a shuffle draws from the whole collection"

    page.reload()
    assert card_ids(page) == drawn
    shared = pages.open(urlsplit(page.url).path + "?" + urlsplit(page.url).query)
    assert card_ids(shared) == drawn

    page.locator("a#shuffle").click()
    page.wait_for_url(lambda url: f"shuffle={seed}" not in url and "shuffle=" in url)
    assert params(page)["shuffle"] != [seed]
    assert card_ids(page) != drawn


def test_shuffle_keeps_the_filters(pages):
    page = pages.open(f"/?author={quote(PROLIFIC_AUTHOR)}")
    filtered = set(card_ids(page))
    page.locator("a#shuffle").click()
    page.wait_for_url(re.compile(r"[?&]shuffle=\d+"))
    assert params(page)["author"] == [PROLIFIC_AUTHOR]
    assert set(card_ids(page)) == filtered


# --- keyboard -----------------------------------------------------------------------------------


def test_keyboard_moves_between_cards_focuses_search_and_shuffles(pages):
    page = pages.open("/")
    cards = page.locator("#cards article.paper-card")
    page.keyboard.press("j")
    expect(cards.nth(0)).to_have_class(re.compile(r"\bis-current\b"))
    expect(cards.nth(0)).to_be_focused()
    page.keyboard.press("j")
    expect(cards.nth(1)).to_have_class(re.compile(r"\bis-current\b"))
    expect(cards.nth(0)).not_to_have_class(re.compile(r"\bis-current\b"))
    page.keyboard.press("k")
    expect(cards.nth(0)).to_have_class(re.compile(r"\bis-current\b"))
    expect(page.locator("#cards .is-current")).to_have_count(1)

    page.keyboard.press("/")
    search = page.locator("input#search")
    expect(search).to_be_focused()
    page.keyboard.type("jks")  # typing in the box is text, not shortcuts
    expect(search).to_have_value("jks")
    expect(cards.nth(0)).to_have_class(re.compile(r"\bis-current\b"))
    assert "shuffle=" not in page.url

    search.evaluate("input => input.blur()")
    page.keyboard.press("s")
    page.wait_for_url(re.compile(r"[?&]shuffle=\d+"))


# --- search and days ----------------------------------------------------------------------------


def test_search_box_submits_q(pages):
    page = pages.open("/")
    page.locator("input#search").fill(SEARCH_WORD)
    page.locator("input#search").press("Enter")
    page.wait_for_url(re.compile(r"[?&]q="))
    assert params(page)["q"] == [SEARCH_WORD]
    assert chip_values(page, "query") == [SEARCH_WORD]
    expect(page.locator("input#search")).to_have_value(SEARCH_WORD)
    found = card_ids(page)
    assert SEARCH_HIT in found and len(found) < 50


def test_day_navigation_and_the_empty_day(pages):
    page = pages.open("/")
    page.locator("a#prev-day").click()
    page.wait_for_url(re.compile(rf"day={HOSTILE_DAY.isoformat()}"))
    assert sorted(card_ids(page)) == sorted(HOSTILE_IDS)
    page.locator("a#next-day").click()
    page.wait_for_url(re.compile(rf"day={LATEST_DAY}"))
    expect(page.locator("#cards article.paper-card")).to_have_count(50)

    page.locator("input#day-picker").fill("2024-11-30")  # a Saturday: arXiv does not announce
    page.locator("form.day-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"day=2024-11-30"))
    empty = page.locator(".empty-state")
    expect(empty).to_be_visible()
    expect(page.locator("#cards article.paper-card")).to_have_count(0)
    empty.locator("a").first.click()
    page.wait_for_url(re.compile(rf"day={LATEST_DAY}"))
    expect(page.locator("#cards article.paper-card")).to_have_count(50)


# --- the guards themselves --------------------------------------------------------------------


def test_the_watch_sees_dialogs_and_csp_violations(pages):
    """The hostile-text test below proves something only if these guards fire when script runs."""
    page = pages.open("/")
    page.evaluate("() => alert('provoked')")
    page.evaluate(
        """() => {
          const probe = document.createElement("div");
          probe.innerHTML = '<img src="/static/missing.png" onerror="alert(1)">';
          document.body.append(probe);
        }"""
    )
    page.wait_for_timeout(300)
    problems = "\n".join(pages.take_problems())
    assert "dialog (alert): provoked" in problems
    assert "CSP violation: script-src-attr" in problems  # the inline handler never ran
    assert "dialog (alert): 1" not in problems


# --- layout -------------------------------------------------------------------------------------

NARROW_PAGES = [
    "/",
    f"/?day={LATEST_DAY}&page=7",  # long inline formulas in abstracts
    "/papers/2411.18045",  # "($g_z$/$g_{xy}$$\sim$3)": adjacent formulas
    "/?day=2024-11-30",  # the empty day and its "Go to …" button
    f"/?day={HOSTILE_DAY.isoformat()}",
    f"/authors/{quote(PROLIFIC_AUTHOR)}",
]


@pytest.mark.parametrize("path", NARROW_PAGES)
def test_pages_fit_a_360_px_screen(pages, path):
    page = pages.open(path, width=360, height=740)
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    overflow = page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const contained = el => {  // inside a box that scrolls sideways (clipping hides text)
            for (let up = el.parentElement; up && up !== document.body; up = up.parentElement)
              if (["auto", "scroll"].includes(getComputedStyle(up).overflowX)) return true;
            return false;
          };
          return [...document.querySelectorAll("body *")]
            .filter(el => el.getBoundingClientRect().right > width + 1 && !contained(el))
            .slice(0, 5)
            .map(el => `<${el.tagName.toLowerCase()} class="${el.className}"> ends at `
              + `${Math.round(el.getBoundingClientRect().right)} px: `
              + el.textContent.trim().replace(/\\s+/g, " ").slice(0, 60));
        }"""
    )
    assert not overflow, f"wider than 360 px on {path}:\n" + "\n".join(overflow)


# --- hostile feed text --------------------------------------------------------------------------

INERT_CHECK = """
() => {
  const found = [];
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      if (attr.name.startsWith("on")) found.push(`${el.tagName} ${attr.name}`);
      if (/^\\s*(javascript|data|vbscript):/i.test(attr.value) && /href|src|action/.test(attr.name))
        found.push(`${el.tagName} ${attr.name}=${attr.value}`);
    }
  }
  for (const script of document.scripts) {
    if (!script.src || new URL(script.src).origin !== location.origin)
      found.push(`script ${script.src || script.textContent.slice(0, 60)}`);
  }
  const embedded = "img, svg, iframe, object, embed, style, base, form[action^='http']";
  for (const el of document.querySelectorAll(embedded))
    found.push(`<${el.tagName.toLowerCase()}>`);
  return found;
}
"""


def assert_inert(page: Page) -> None:
    """No handler, script URL, foreign script or embedded element came from the feed text."""
    page.wait_for_load_state("load")
    page.wait_for_timeout(150)  # let any image error or load handler fire
    assert page.evaluate(INERT_CHECK) == [], page.url


def test_hostile_feed_text_is_shown_as_text_and_runs_nothing(pages, site):
    page = pages.open(f"/?day={HOSTILE_DAY.isoformat()}")
    assert sorted(card_ids(page)) == sorted(HOSTILE_IDS)
    titles = page.locator("#cards .paper-title").all_inner_texts()
    assert any('<img src="http://www.ragingplatypus.com/' in t for t in titles)
    assert any("<![CDATA[" in t for t in titles)
    bylines = " ".join(page.locator("#cards .authors").all_inner_texts())
    assert HOSTILE_AUTHORS[0] in bylines and "{{ 7*7 }}" in bylines and "49" not in bylines
    expect(page.locator("#cards a.link-abs[href^='javascript']")).to_have_count(0)
    expect(page.locator("#cards a.link-pdf[href^='javascript']")).to_have_count(0)
    assert_inert(page)

    for index, paper_id in enumerate(card_ids(page)):
        page.locator("#cards .paper-title a").nth(index).click()
        page.wait_for_url(re.compile(r"/papers/"))
        expect(page.locator("[data-paper-id]").first).to_have_attribute("data-paper-id", paper_id)
        assert_inert(page)
        page.go_back()

    page.locator("#cards a.author-link", has_text="Lovelace").first.click()
    page.wait_for_url(re.compile(r"author="))
    assert chip_values(page, "author") == [HOSTILE_AUTHORS[1]]
    assert_inert(page)

    for name in HOSTILE_AUTHORS:
        author_page = pages.open(f"/authors/{quote(name, safe='')}")
        expect(author_page.locator("h1")).to_have_text(name)
        assert_inert(author_page)

    page.locator("input#search").fill(HOSTILE_QUERY)
    page.locator("input#search").press("Enter")
    page.wait_for_url(re.compile(r"q="))
    assert chip_values(page, "query") == [HOSTILE_QUERY]
    assert_inert(page)

    page.goto(f"/?source={site.hostile_source_id}")
    expect(page.locator(".chip-source .chip-text")).to_have_text(HOSTILE_SOURCE_LABEL)
    assert_inert(page)


# --- accessibility and screenshots --------------------------------------------------------------

AXE_PAGES = {
    "daily": "/",
    "paper": f"/papers/{MATH_PAPER}",
    "author": f"/authors/{quote(PROLIFIC_AUTHOR)}",
}
AXE_BLOCKING = {"serious", "critical"}
SCREENSHOT_HEIGHT = 2400  # px of the page's top: enough to judge the layout, small enough to view


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE_JS.exists():
        pytest.fail(
            f"{AXE_JS} is missing: run `npm ci` in tests/browser (.ci/run does)", pytrace=False
        )
    return AXE_JS.read_text()


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", list(AXE_PAGES))
def test_axe_finds_no_serious_violations(pages, axe_source, artifacts, name, scheme, width):
    page = pages.open(AXE_PAGES[name], width=width, height=900, color_scheme=scheme)
    page.wait_for_load_state("load")
    stem = f"{name}-{width}-{scheme}"
    full_height = page.evaluate("document.documentElement.scrollHeight")
    page.screenshot(
        path=artifacts / f"{stem}.png",
        full_page=True,
        clip={"x": 0, "y": 0, "width": width, "height": min(full_height, SCREENSHOT_HEIGHT)},
    )
    page.evaluate(axe_source)  # the DevTools protocol evaluates it: the page's CSP does not apply
    results = page.evaluate("() => axe.run(document, { resultTypes: ['violations'] })")
    assert len(results["passes"]) > 10, "axe ran no rules"
    violations = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": len(v["nodes"]),
            "targets": [node["target"] for node in v["nodes"][:5]],
            "summary": v["nodes"][0].get("failureSummary", ""),
        }
        for v in results["violations"]
    ]
    needs_review = sorted(v["id"] for v in results["incomplete"])
    report = {"violations": violations, "incomplete": needs_review}
    (artifacts / f"axe-{stem}.json").write_text(json.dumps(report, indent=2))
    blocking = [v for v in violations if v["impact"] in AXE_BLOCKING]
    assert not blocking, json.dumps(blocking, indent=2)
