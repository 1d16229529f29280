"""Export records made by hand, for format tests that need titles no feed would carry."""

from __future__ import annotations

from datetime import date

from app.library.export_papers import ExportPaper


def export_paper(title: str, authors=("Zichen Liu",), **extra) -> ExportPaper:
    """An arXiv preprint record; `extra` overrides any field."""
    fields = {
        "public_id": "2411.00001",
        "title": title,
        "authors": tuple(authors),
        "abstract": None,
        "published": date(2024, 11, 27),
        "arxiv_id": "2411.00001",
        "version": 1,
        "categories": ("cs.AI",),
        "doi": None,
        "journal_doi": None,
        "journal": None,
        "url": "https://arxiv.org/abs/2411.00001",
        "pdf_url": "https://arxiv.org/pdf/2411.00001",
    }
    return ExportPaper(**{**fields, **extra})
