"""The paper page's "Similar papers" section, through the app (both databases)."""

from __future__ import annotations

from lxml import html

from app.db import transaction
from app.radar.stats_store import rebuild_term_statistics
from tests.curation.seeding import Seeder
from tests.radar.papers import by_archive, store_days
from tests.radar.people import NOW
from tests.web.seeding import by_class

HOSTILE_TITLE = "Vibrational dynamics <script>alert(1)</script> on bosonic quantum hardware"


def _twin(original, arxiv_id: str, title: str):
    return original.model_copy(
        update={
            "arxiv_id": arxiv_id,
            "guid": arxiv_id,
            "title": title,
            "abstract": original.abstract[len(original.abstract) // 3 :],
            "url": f"https://arxiv.org/abs/{arxiv_id}",
        }
    )


def _seed(session_factory):
    """Quantum and astro papers over two days, with a reworded copy of one (hostile title)."""
    seeder = Seeder(session_factory)
    records = by_archive("quant-ph", 40) + by_archive("astro-ph", 40)
    original = next(r for r in records if r.title.startswith("Simulating Vibrational Dynamics"))
    store_days(
        seeder,
        records[:40],
        [*records[40:], _twin(original, "2411.99002", HOSTILE_TITLE)],
    )
    return original, seeder


def _similar(client, arxiv_id: str):
    response = client.get(f"/papers/{arxiv_id}")
    assert response.status_code == 200
    doc = html.fromstring(response.text)
    return response, doc, doc.xpath(f"//section[{by_class('similar-papers')}]//li")


def test_the_paper_page_lists_similar_papers(client, session_factory):
    original, _ = _seed(session_factory)
    response, doc, items = _similar(client, original.arxiv_id)
    assert doc.xpath("string(//h2[@id='similar-heading'])") == "Similar papers"
    assert 1 <= len(items) <= 6
    first = items[0]
    assert first.xpath(f".//a[{by_class('similar-title')}]/@href") == ["/papers/2411.99002"]
    assert first.xpath(f"string(.//a[{by_class('similar-title')}])") == HOSTILE_TITLE
    assert "<script>alert(1)</script>" not in response.text  # escaped, never markup
    authors = first.xpath(f"string(.//*[{by_class('similar-authors')}])")
    assert authors.startswith(original.authors[0].name)
    terms = first.xpath(f"string(.//*[{by_class('similar-terms')}])")
    assert terms.startswith("shared terms: ") and "bosonic" in terms
    hrefs = doc.xpath(f"//section[{by_class('similar-papers')}]//a/@href")
    assert f"/papers/{original.arxiv_id}" not in hrefs and len(set(hrefs)) == len(hrefs)


def test_a_paper_with_nothing_alike_has_no_section(client, session_factory):
    [lonely] = by_archive("astro-ph", 1)
    store_days(Seeder(session_factory), [], [lonely])
    _, doc, items = _similar(client, lonely.arxiv_id)
    assert items == [] and doc.xpath("//h2[@id='similar-heading']") == []


def test_the_validator_changes_when_what_is_similar_may_change(client, session_factory):
    original, seeder = _seed(session_factory)
    first, _, items = _similar(client, original.arxiv_id)
    etag = first.headers["etag"]
    assert (
        client.get(f"/papers/{original.arxiv_id}", headers={"If-None-Match": etag}).status_code
        == 304
    )
    # Another paper arrives: the page's ETag changes, and the new paper is among the similar.
    seeder.store([_twin(original, "2411.99003", "Bosonic simulation of vibrational dynamics")])
    second, _, items = _similar(client, original.arxiv_id)
    assert second.headers["etag"] != etag
    assert "/papers/2411.99003" in {
        i.xpath(f"string(.//a[{by_class('similar-title')}]/@href)") for i in items
    }
    # The term statistics are rebuilt: the ETag changes too (vectors may weigh terms anew).
    with transaction(session_factory) as session:
        rebuild_term_statistics(session, now=NOW)
    third = client.get(
        f"/papers/{original.arxiv_id}", headers={"If-None-Match": second.headers["etag"]}
    )
    assert third.status_code == 200 and third.headers["etag"] != second.headers["etag"]
