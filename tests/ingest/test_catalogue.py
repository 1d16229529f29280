"""The built-in catalogue: arXiv's taxonomy, journal feeds, preprint subjects, `sources add`."""

from __future__ import annotations

import json
import shlex
from collections import Counter
from urllib.parse import urlsplit

import pytest

from app.catalogue import (
    ARXIV_CATEGORIES,
    DEFAULT_SOURCES,
    catalogue,
    find_entry,
    subject_slug,
)
from app.ingest.sources import ARXIV_CATEGORY, SourceError, resolve_source
from tests.support.cli import run_cli


def test_the_arxiv_taxonomy_is_complete():
    assert len(ARXIV_CATEGORIES) == 155
    codes = [code for code, _ in ARXIV_CATEGORIES]
    assert len(set(codes)) == 155 and all(ARXIV_CATEGORY.match(code) for code in codes)
    archives = Counter(code.split(".")[0] for code in codes if "." in code)
    assert archives == {
        "cs": 40,
        "math": 32,
        "physics": 22,
        "q-bio": 10,
        "q-fin": 9,
        "cond-mat": 9,
        "astro-ph": 6,
        "stat": 6,
        "nlin": 5,
        "eess": 4,
        "econ": 3,
    }
    assert find_entry("cs.AI").title == "cs.AI Artificial Intelligence"
    assert find_entry("hep-th").title == "hep-th High Energy Physics - Theory"
    assert find_entry("math").title == "math Mathematics (whole archive)"


def test_names_are_unique_and_every_command_adds_its_own_entry():
    entries = catalogue()
    assert len({e.name.casefold() for e in entries}) == len(entries)
    for entry in entries:
        target = shlex.split(entry.add_command)[-1]
        assert resolve_source(target, None) == (entry.url, entry.kind), entry


def test_journal_and_preprint_entries():
    kinds = Counter(e.kind for e in catalogue())
    assert kinds["arxiv"] == 155 + 11 and kinds["biorxiv"] == 25 + 51
    journals = [e for e in catalogue() if e.group.startswith("Journals:")]
    publishers = {e.group.removeprefix("Journals: ") for e in journals}
    for wanted in ("Nature Portfolio", "Science (AAAS)", "Cell Press", "PNAS", "PLOS", "IEEE"):
        assert wanted in publishers
    assert all(urlsplit(e.url).scheme == "https" for e in journals)
    assert find_entry("nature").url == "https://www.nature.com/nature.rss"
    genomics = find_entry("bioRxiv Genomics")
    assert genomics.url == "https://api.biorxiv.org/details/biorxiv/7d?category=genomics"
    assert subject_slug("Infectious Diseases (except HIV/AIDS)") == "infectious_diseases"
    assert find_entry("medRxiv HIV/AIDS").url.endswith("category=hiv_aids")


def test_unknown_names_are_clear_errors():
    with pytest.raises(SourceError, match=r"unknown arXiv category 'cs\.XX'"):
        resolve_source("cs.XX", None)
    with pytest.raises(SourceError, match="sources catalogue"):
        resolve_source("Journal of Nothing", None)
    assert resolve_source("cs.ai+STAT.ml", None)[0] == "https://rss.arxiv.org/rss/cs.AI+stat.ML"


def test_catalogue_and_add_by_name_commands(db_url, monkeypatch, capsys, tmp_path):
    def cli(*args):
        return run_cli(list(args), db_url, monkeypatch, capsys, tmp_path)

    status, out, err = cli("sources", "catalogue", "--json")
    assert status == 0 and len(json.loads(out)) == len(catalogue()) and err == ""
    status, out, err = cli("sources", "catalogue", "--search", "genomics")
    assert status == 0 and out == ""
    assert 'academichub sources add "bioRxiv Genomics"' in err and "q-bio.GN Genomics" in err
    for name in ("Nature", "bioRxiv Genomics", "cs.ai"):
        assert cli("sources", "add", name)[0] == 0
    assert cli("sources", "defaults")[0] == 0
    status, out, _ = cli("sources", "list", "--json")
    sources = {s["label"]: (s["kind"], s["url"]) for s in json.loads(out)}
    assert sources["Nature"] == ("rss", "https://www.nature.com/nature.rss")
    assert sources["bioRxiv Genomics"][0] == "biorxiv"
    assert {f"arXiv {c}" for c in DEFAULT_SOURCES} <= set(sources) and len(sources) == 5
    status, _, err = cli("sources", "add", "Journal of Nothing")
    assert status == 1 and err.startswith("error:") and err.count("\n") == 1
