"""Reading BibTeX back, as a citation manager would: parse with bibtexparser, decode LaTeX."""

from __future__ import annotations

import bibtexparser
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

# Standard LaTeX text commands that pylatexenc's table lacks (it drops them silently).
_CONTEXT = get_default_latex_context_db().filter_context()
_CONTEXT.add_context_category(
    "latex2e-text-symbols",
    macros=[
        MacroTextSpec("textbraceleft", "{"),
        MacroTextSpec("textbraceright", "}"),
        MacroTextSpec("textasciicircum", "^"),
    ],
    prepend=True,
)
_DECODER = LatexNodes2Text(latex_context=_CONTEXT, math_mode="verbatim", strict_latex_spaces=True)


def parse_bibtex(text: str) -> dict[str, dict]:
    """Entries by cite key (with "ENTRYTYPE"); fails on any block the parser could not read."""
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == [], [b.error for b in library.failed_blocks]
    entries = {}
    for entry in library.entries:
        assert entry.key not in entries, f"duplicate key {entry.key}"
        fields = {field.key: field.value for field in entry.fields}
        entries[entry.key] = {"ENTRYTYPE": entry.entry_type, **fields}
    return entries


def decode(value: str) -> str:
    """A field's LaTeX as the text a reader sees (math kept as its source)."""
    return _DECODER.latex_to_text(value)
