"""RIS export, checked by parsing it back with a RIS parser (rispy)."""

from __future__ import annotations

import rispy

from app.db import transaction
from app.library.export_papers import load_export_papers
from app.library.ris import papers_to_ris
from app.library.store import save_paper
from tests.library.papers import export_paper
from tests.web.seeding import NOW


def test_seeded_papers_round_trip(session_factory, paper_ids):
    order = [paper_ids["2411.00001"], paper_ids["2411.00002"]]
    with session_factory() as session:
        text = papers_to_ris(load_export_papers(session, order))
    liu, li = rispy.loads(text)
    assert liu["type_of_reference"] == "GEN"
    assert liu["authors"] == ["Liu, Zichen", "Martínez-García, José"]
    assert liu["title"] == "Paper 2411.00001"
    assert liu["abstract"] == "An abstract with $\\alpha$."
    assert (liu["year"], liu["date"]) == ("2024", "2024/11/27")
    assert liu["urls"] == ["https://arxiv.org/abs/2411.00001"]
    assert liu["file_attachments1"] == "https://arxiv.org/pdf/2411.00001"
    assert liu["accession_number"] == "arXiv:2411.00001"
    assert liu["keywords"] == ["cs.AI"]
    assert "doi" not in liu
    assert li["type_of_reference"] == "JOUR"
    assert li["doi"] == "10.1000/xyz"
    assert li["keywords"] == ["cs.AI", "cs.LG"]


def test_journal_article_with_tags_and_a_multi_line_note(session_factory, journal_paper, ada):
    with transaction(session_factory) as session:
        save_paper(session, ada, journal_paper, tags=["to read"], note="first\nsecond", now=NOW)
    with session_factory() as session:
        (record,) = rispy.loads(
            papers_to_ris(load_export_papers(session, [journal_paper], user_id=ada))
        )
    assert record["type_of_reference"] == "JOUR"
    assert record["secondary_title"] == "Nature Physics"
    assert record["title"] == "Quantum {spin} liquids & 100% of $T_c$"
    assert record["keywords"] == ["Physics", "to read"]
    assert record["notes"] == ["first", "second"]
    assert record["authors"] == ["van Beethoven, Ludwig", "Ada"]


def test_line_breaks_cannot_start_a_new_tag_or_record():
    hostile = export_paper("Title\r\nER  - \nTY  - JOUR\nTI  - injected", abstract="a\n\nb")
    records = rispy.loads(papers_to_ris([hostile, export_paper("Second")]))
    assert [r["title"] for r in records] == ["Title ER - TY - JOUR TI - injected", "Second"]
    assert records[0]["abstract"] == "a b"
