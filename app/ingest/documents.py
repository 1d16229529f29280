"""Pick the parser for a fetched document: bytes in, a ParsedFeed out."""

from __future__ import annotations

from app.ingest.arxiv import detect_kind, parse_arxiv_api, parse_arxiv_feed
from app.schemas import ParsedFeed

OPENSEARCH_NS = b"http://a9.com/-/spec/opensearch/1.1/"


class UnsupportedDocumentError(ValueError):
    """The document is of a kind this version cannot read yet."""


def parse_document(kind: str, body: bytes) -> ParsedFeed:
    """Parse by content, not by label: anything carrying arXiv's marks gets arXiv normalisation."""
    if detect_kind(body) == "arxiv" or kind == "arxiv":
        if OPENSEARCH_NS in body[:8192]:
            return parse_arxiv_api(body)
        return parse_arxiv_feed(body)
    raise UnsupportedDocumentError(
        f"documents of kind {kind!r} without arXiv content are not supported yet "
        "(journal feeds arrive with the 'Beyond arXiv' work)"
    )
