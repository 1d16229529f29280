"""Papers as RIS (EndNote, Zotero, Mendeley): `TY  - JOUR` for journal papers, `GEN` for
preprints, one tagged line per field and `ER  - ` after each record.

RIS values are single lines: line breaks inside a value become spaces, so no value can start a
new tag (a title holding "\\nER  - " stays one title). A multi-line note becomes one N1 per line.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from app.library.export_papers import ExportPaper
from app.library.names import split_name


def papers_to_ris(papers: Sequence[ExportPaper]) -> str:
    """One RIS record per paper, in the given order (CRLF line ends, as the format specifies)."""
    return "".join(_record(paper) for paper in papers)


def _record(paper: ExportPaper) -> str:
    lines = [f"{tag}  - {value}" for tag, value in _fields(paper)]
    lines.append("ER  - ")
    return "\r\n".join(lines) + "\r\n\r\n"


def _fields(paper: ExportPaper) -> Iterator[tuple[str, str]]:
    yield "TY", "JOUR" if paper.is_article else "GEN"
    for author in paper.authors:
        yield from _line("AU", _ris_name(author))
    yield from _line("TI", paper.title)
    yield from _line("T2" if paper.is_article else "PB", paper.journal)
    yield from _line("AB", paper.abstract)
    if paper.published:
        yield "PY", f"{paper.published.year:04d}"
        yield "DA", paper.published.strftime("%Y/%m/%d")
    yield from _line("DO", paper.journal_doi or paper.doi)
    if paper.arxiv_id:
        yield from _line("AN", f"arXiv:{paper.arxiv_id}")
    yield from _line("UR", paper.url)
    yield from _line("L1", paper.pdf_url)
    for keyword in (*paper.categories, *paper.tags):
        yield from _line("KW", keyword)
    for note_line in (paper.note or "").splitlines():
        yield from _line("N1", note_line)


def _line(tag: str, value: str | None) -> Iterator[tuple[str, str]]:
    text = " ".join((value or "").split())
    if text:
        yield tag, text


def _ris_name(name: str) -> str:
    """`Family, Given` as RIS asks; a one-word byline stays as it is."""
    family, given = split_name(name)
    return f"{family}, {given}" if given else family
