"""Pick the parser for a fetched document: bytes in, a ParsedFeed out."""

from __future__ import annotations

from app.ingest.arxiv import FeedParseError, detect_kind, parse_arxiv_api, parse_arxiv_feed
from app.ingest.biorxiv import parse_details
from app.ingest.journals import parse_journal_feed
from app.schemas import ParsedFeed

OPENSEARCH_NS = b"http://a9.com/-/spec/opensearch/1.1/"


class UnsupportedDocumentError(ValueError):
    """The document is of a kind this version cannot read yet."""


def parse_document(kind: str, body: bytes) -> ParsedFeed:
    """Parse by content, not by label: anything carrying arXiv's marks gets arXiv normalisation.

    Every other RSS 1.0/RDF, RSS 2.0 or Atom document is a journal feed. The journal parser also
    takes what the root sniff rejects, so an HTML challenge page or a broken document gets its
    clearer error (JournalFeedError, a ValueError) and odd-but-readable feeds still parse.
    """
    if kind == "biorxiv":
        return parse_details(body)
    try:
        detected = detect_kind(body)
    except FeedParseError:
        detected = None
    if detected == "arxiv" or kind == "arxiv":
        if OPENSEARCH_NS in body[:8192]:
            return parse_arxiv_api(body)
        return parse_arxiv_feed(body)
    if body.lstrip()[:1] in (b"{", b"["):
        raise UnsupportedDocumentError(
            f"JSON documents (kind {kind!r}) are read only for kind 'biorxiv'; journal sources "
            "must be RSS, RDF or Atom feeds"
        )
    return parse_journal_feed(body)
