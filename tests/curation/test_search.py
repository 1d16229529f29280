"""Full-text search: the query parser (pure), then matching and ranking on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from app.curation.daily import PaperFilters, list_papers
from app.db import transaction
from app.models import Paper
from app.search import SearchQuery, SearchTerm, parse_search
from tests.curation.seeding import record

HOSTILE = [
    "C++",
    "$\\alpha$",
    "-",
    "--",
    '"',
    '""',
    '"unclosed phrase',
    "'",
    "\\",
    "AND",
    "OR",
    "NOT",
    "a OR",
    "OR OR network",
    "NEAR(graph network, 2)",
    "*",
    "graph*",
    "^graph",
    "title:graph",
    "{title}: graph",
    "abstract : -graph",
    ")(",
    "!graph & network | (x <-> y):*",
    "%_%",
    "²",
    "🙂 emoji",
    "graph\x00network",
    "-graph",
    "the of and",
    "x" * 300,
    " ".join(f"w{n}" for n in range(60)),
    "papers_fts MATCH 'x'; DROP TABLE papers; --",
]


# --- the parser -----------------------------------------------------------------------------------


def test_words_and_phrases_and_together():
    query = parse_search('graph "neural network"')
    assert query == SearchQuery(((SearchTerm("graph"), SearchTerm("neural network", phrase=True)),))
    assert query.fts5_expression() == '(("graph" AND "neural network"))'
    assert query.websearch_text() == '"graph" "neural network"'


def test_or_and_negation():
    query = parse_search("graph -tree or lattice")
    assert query.fts5_expression() == '(("graph") NOT "tree") OR (("lattice"))'
    assert query.websearch_text() == '"graph" -"tree" or "lattice"'
    assert parse_search("graph or").fts5_expression() == '(("graph"))'


def test_column_restricted_expression():
    assert parse_search("graph").fts5_expression("title") == '{title} : ((("graph")))'


def test_unsearchable_queries_are_none():
    for text in ["", "   ", "-", "--", "$$", '""', "OR", "or or", "-graph", "the of and"]:
        assert parse_search(text) is None, text


def test_stop_words_drop_unless_quoted():
    assert parse_search("the graph").fts5_expression() == '(("graph"))'
    assert parse_search('"state of the art"').groups[0][0].text == "state of the art"


def test_operators_and_punctuation_stay_inside_strings():
    for text in HOSTILE:
        query = parse_search(text)
        if query is None:
            continue
        for group in query.groups:
            for term in group:
                assert '"' not in term.text and "\x00" not in term.text
    assert parse_search("NEAR(a b)").fts5_expression() == '(("NEAR(a" AND "b)"))'
    assert parse_search("title:graph").websearch_text() == '"title:graph"'


def test_terms_are_capped():
    query = parse_search(" ".join(f"w{n}" for n in range(60)))
    assert sum(len(group) for group in query.groups) == 16


# --- matching and ranking -------------------------------------------------------------------------


def search(session_factory, q: str, **options) -> list[str]:
    with session_factory() as session:
        page = list_papers(session, PaperFilters(q=q, **options.pop("filters", {})), **options)
    return [item.id for item in page.items]


@pytest.fixture
def corpus(seeder):
    seeder.store(
        [
            record("2401.00001", "Graph neural networks for molecules", "We predict properties."),
            record("2401.00002", "A study of lattices", "Message passing over a graph network."),
            record("2401.00003", "Protein folding", "Diffusion models generate structures."),
            record("2401.00004", "C++ template tricks", "Fast $\\alpha$-expansion in code."),
        ]
    )


def test_finds_words_in_title_and_abstract(session_factory, corpus):
    assert search(session_factory, "molecules") == ["2401.00001"]
    assert search(session_factory, "properties") == ["2401.00001"]
    assert search(session_factory, "lattices") == ["2401.00002"]
    assert search(session_factory, "diffusion structures") == ["2401.00003"]
    assert search(session_factory, "diffusion lattices") == []


def test_words_are_stemmed_on_both_databases(session_factory, corpus):
    assert search(session_factory, "folded proteins") == ["2401.00003"]
    assert search(session_factory, "molecule") == ["2401.00001"]


def test_phrases_negation_and_or(session_factory, corpus):
    assert search(session_factory, '"graph network"') == ["2401.00002"]
    assert search(session_factory, "graph -lattices") == ["2401.00001"]
    assert sorted(search(session_factory, "protein or lattice")) == ["2401.00002", "2401.00003"]


def test_title_matches_rank_first(session_factory, seeder):
    seeder.store(
        [
            record("2402.00001", "Sparse attention", "Graph graph graph, a graph of graphs."),
            record("2402.00002", "Graph sampling", "Nothing else here."),
            record("2402.00003", "Other", "A graph once, among many more words than before."),
        ]
    )
    # The title hit wins over a newer paper and over an abstract saying "graph" five times.
    assert search(session_factory, "graph") == ["2402.00002", "2402.00001", "2402.00003"]


def test_math_and_code_queries(session_factory, corpus):
    assert search(session_factory, "$\\alpha$") == ["2401.00004"]
    assert search(session_factory, "C++ template") == ["2401.00004"]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_queries_never_raise(session_factory, corpus, text):
    with session_factory() as session:
        page = list_papers(session, PaperFilters(q=text))
        shuffled = list_papers(session, PaperFilters(q=text, shuffle=7))
    assert page.total == len(page.items) and {i.id for i in shuffled.items} == {
        i.id for i in page.items
    }


def test_index_follows_updates_and_deletes(session_factory, seeder):
    [paper_id] = seeder.store([record("2403.00001", "Quantum annealing", "Old abstract.")])
    assert search(session_factory, "annealing") == ["2403.00001"]
    seeder.store([record("2403.00001", "Classical sampling", "New abstract.", version=2)])
    assert search(session_factory, "annealing") == []
    assert search(session_factory, "classical") == ["2403.00001"]
    with transaction(session_factory) as session:
        session.execute(delete(Paper).where(Paper.id == paper_id))
    assert search(session_factory, "classical") == []


def test_common_queries_go_newest_first(session_factory, seeder):
    ids = seeder.store(
        [
            record(f"2404.{n:05d}", f"Graph {n}", "graph " * (n % 3 + 1) + "word " * (3 - n % 3))
            for n in range(1, 8)
        ]
    )
    ids += seeder.store([record("2404.00100", "Unrelated", "Nothing to see.")])
    newest = [f"2404.{n:05d}" for n in range(7, 0, -1)]
    with session_factory() as session:
        first = list_papers(session, PaperFilters(q="graph"), page_size=3, ranked_limit=4)
        second = list_papers(session, PaperFilters(q="graph", page=2), page_size=3, ranked_limit=4)
        ranked = list_papers(session, PaperFilters(q="graph"), page_size=3, ranked_limit=7)
    assert [i.id for i in first.items] == newest[:3] and first.has_next
    assert [i.id for i in second.items] == newest[3:6]
    assert (first.total, first.total_is_estimate) == (7, False)
    # Under the limit the same query is ranked instead: more "graph" in the abstract first.
    assert [i.id for i in ranked.items][:2] == ["2404.00005", "2404.00002"]


def test_search_combines_with_other_filters(session_factory, seeder):
    seeder.store(
        [
            record("2405.00001", "Graph cuts", authors=["Ada Lovelace"], categories=["cs.CV"]),
            record("2405.00002", "Graph codes", authors=["Alan Turing"], categories=["cs.IT"]),
        ]
    )
    assert search(session_factory, "graph", filters={"authors": ("Alan Turing",)}) == ["2405.00002"]
    assert search(session_factory, "graph", filters={"categories": ("cs.CV",)}) == ["2405.00001"]
    common = search(session_factory, "graph", filters={"categories": ("cs.CV",)}, ranked_limit=0)
    assert common == ["2405.00001"]


def test_a_title_holding_the_whole_query_beats_a_higher_score(session_factory, seeder):
    seeder.store(
        [
            record(
                "2402.00011",
                "A long survey of efficient graph sampling methods for large sparse networks",
                "Nothing more.",
            ),
            record("2402.00012", "Graph", "Sampling, sampling and graph sampling; sampling."),
        ]
    )
    assert search(session_factory, "graph sampling") == ["2402.00011", "2402.00012"]
