"""BibTeX export, checked by parsing it back with a BibTeX parser and decoding its LaTeX."""

from __future__ import annotations

import pytest

from app.db import transaction
from app.library.bibtex import cite_keys, papers_to_bibtex
from app.library.export_papers import load_export_papers
from app.library.store import save_paper
from tests.library.bibtex_check import decode, parse_bibtex
from tests.library.papers import export_paper
from tests.web.seeding import NOW

NASTY_TITLES = [
    "A {Set} of {nested {braces}} kept",
    "An open { brace and a close } out of order }",
    "Éléments de géométrie naïve — à la Poincaré",
    "100% sure: R&D for #hashtags, snake_case, ~tilde and x^y",
    "量子 Ω-networks ∑ — unicode everywhere",
    "Bounds of $\\mathcal{O}(n^{2})$ and $\\int_0^1 f$ in math",
    "A broken $\\frac{1}{$ formula and a $ lone dollar",
    "A title that ends in a backslash \\",
    "Back\\slash \\emph{not a command} @misc{inject, title={x}}",
]


@pytest.mark.parametrize("title", NASTY_TITLES)
def test_nasty_titles_parse_and_round_trip(title):
    entries = parse_bibtex(papers_to_bibtex([export_paper(title)]))
    (entry,) = entries.values()
    assert decode(entry["title"]) == title
    assert entry["ENTRYTYPE"] == "misc"


def test_math_stays_math_and_is_not_escaped():
    title = "Strings on $\\mathbb{R}^n$ & $$\\int_0^1 f$$"
    text = papers_to_bibtex([export_paper(title, abstract="Has $\\alpha_1$.")])
    assert "{{Strings on $\\mathbb{R}^n$ \\& $$\\int_0^1 f$$}}" in text
    assert "{Has $\\alpha_1$.}" in text


def test_percent_inside_math_is_escaped_so_tex_never_sees_a_comment():
    entry = next(
        iter(parse_bibtex(papers_to_bibtex([export_paper("Gains of $50%$ and $x#y$")])).values())
    )
    assert entry["title"] == "{Gains of $50\\%$ and $x\\#y$}"


def test_authors_are_family_comma_given_and_groups_stay_whole():
    authors = ("José Martínez-García", "Ludwig van Beethoven", "ATLAS Collaboration", "Plato")
    (entry,) = parse_bibtex(papers_to_bibtex([export_paper("T", authors)])).values()
    names = [decode(name) for name in entry["author"].split(" and ")]
    assert names == [
        "Martínez-García, José",
        "van Beethoven, Ludwig",
        "ATLAS Collaboration",
        "Plato",
    ]


def test_cite_keys_are_ascii_unique_and_suffixed_on_clashes():
    papers = [
        export_paper("The Über model", ("José Martínez-García",)),
        export_paper("Über alles", ("Jose Martinez-Garcia",)),
        export_paper("On graphs", ("Zoë Ng",), published=None),
        export_paper("Uber", ("A Martinez-Garcia",)),
    ]
    keys = cite_keys(papers)
    assert keys == [
        "martinezgarcia2024ubera",
        "martinezgarcia2024uberb",
        "nggraphs",
        "martinezgarcia2024uberc",
    ]
    assert set(parse_bibtex(papers_to_bibtex(papers))) == set(keys)


def test_seeded_papers_export_with_arxiv_fields_dois_and_order(session_factory, paper_ids):
    order = [paper_ids["hep-th/9901001"], paper_ids["2411.00001"], paper_ids["2411.00002"]]
    with session_factory() as session:
        papers = load_export_papers(session, order)
    assert [p.public_id for p in papers] == ["hep-th/9901001", "2411.00001", "2411.00002"]
    entries = parse_bibtex(papers_to_bibtex(papers))
    witten, liu, li = entries.values()
    assert witten["ENTRYTYPE"] == "article"  # a journal reference
    assert decode(witten["journal"]) == "Nucl. Phys. B 1 (1999)"
    assert decode(witten["title"]) == "Strings on $\\mathbb{R}^n$ and a broken $\\frac{1}{$ formula"
    assert (witten["eprint"], witten["archivePrefix"], witten["primaryClass"]) == (
        "hep-th/9901001",
        "arXiv",
        "hep-th",
    )
    assert liu["ENTRYTYPE"] == "misc" and "doi" not in liu
    assert decode(liu["author"]) == "Liu, Zichen and Martínez-García, José"
    assert (liu["year"], liu["month"], liu["url"]) == (
        "2024",
        "nov",
        "https://arxiv.org/abs/2411.00001",
    )
    assert decode(liu["abstract"]) == "An abstract with $\\alpha$."
    assert li["ENTRYTYPE"] == "article" and li["doi"] == "10.1000/xyz"
    assert list(entries) == ["witten2024strings", "liu2024paper", "li2024paper"]


def test_a_journal_article_and_a_library_note(session_factory, journal_paper, ada):
    with transaction(session_factory) as session:
        save_paper(session, ada, journal_paper, tags=["to read"], note="50% done {see} §2", now=NOW)
    with session_factory() as session:
        (paper,) = load_export_papers(session, [journal_paper], user_id=ada)
    (entry,) = parse_bibtex(papers_to_bibtex([paper])).values()
    assert entry["ENTRYTYPE"] == "article"
    assert decode(entry["journal"]) == "Nature Physics"
    assert entry["doi"] == "10.1038/s41567-024-0001-x"
    assert "eprint" not in entry
    assert decode(entry["title"]) == "Quantum {spin} liquids & 100% of $T_c$"
    assert decode(entry["note"]) == "50% done {see} §2"
    assert decode(entry["keywords"]) == "Physics, to read"
    assert decode(entry["author"]) == "van Beethoven, Ludwig and Ada"


def test_unknown_ids_are_skipped_and_duplicates_kept_once(session_factory, paper_ids):
    first = paper_ids["2411.00001"]
    with session_factory() as session:
        papers = load_export_papers(session, [first, 999999, first])
    assert [p.public_id for p in papers] == ["2411.00001"]
    assert papers_to_bibtex([]) == ""
