"""Incremental XML reading: every entry whose end tag arrived, even from a cut-off document.

Feeds arrive truncated (size caps, dropped connections, recorders that cut files). A pull parser
hands over each entry as it closes, so a syntax error late in the document loses only the entry it
interrupts. No recover mode: a half entry is dropped rather than guessed at. Entities are never
resolved and nothing is fetched from the network (XXE).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from lxml import etree

CHUNK_BYTES = 1 << 16


@dataclass
class PulledDocument:
    """What one incremental parse saw."""

    root: etree._Element | None = None
    entries: int = 0  # entries handed to `on_entry`
    closed: bool = False  # the root's end tag arrived
    error: str | None = None  # the XML syntax error that stopped the parse, if any

    @property
    def truncated(self) -> bool:
        """The document stopped before its root closed: later entries are missing."""
        return self.error is not None and not self.closed


def pull_entries(
    body: bytes,
    entry_tags: Collection[str],
    on_entry: Callable[[etree._Element], object],
    *,
    clear: bool = True,
) -> PulledDocument:
    """Call `on_entry` for each complete entry element in document order; never raises on syntax.

    With `clear`, each entry is emptied after its callback so a large feed stays small in memory;
    the root keeps its other children (channel title, dates) for the caller to read.
    """
    parser = etree.XMLPullParser(events=("start", "end"), resolve_entities=False, no_network=True)
    document = PulledDocument()
    try:
        for offset in range(0, len(body), CHUNK_BYTES):
            parser.feed(body[offset : offset + CHUNK_BYTES])
            _drain(parser, document, entry_tags, on_entry, clear)
        parser.close()
    except etree.XMLSyntaxError as error:
        document.error = str(error)
    _drain(parser, document, entry_tags, on_entry, clear)  # events queued before the error
    if document.root is None and document.error is None:
        document.error = "empty document"
    return document


def _drain(
    parser: etree.XMLPullParser,
    document: PulledDocument,
    entry_tags: Collection[str],
    on_entry: Callable[[etree._Element], object],
    clear: bool,
) -> None:
    for event, element in parser.read_events():
        if event == "start":
            if document.root is None:
                document.root = element
        elif element.tag in entry_tags:
            on_entry(element)
            document.entries += 1
            if clear:
                element.clear()
        elif element is document.root:
            document.closed = True
